// The JS references' hashes of the online conformance sequences (test/conformance/online.mjs), computed
// in Node from test/helpers/reference-online.mjs (f64-exact re-implementations of the kernels); the
// library is used only for the engine's deterministic exp/log (`M`) and for the sets' constants.
import { adagradRef, aggregationRef, ftrlRef, ogdRef, onsRef } from '../helpers/reference-online.mjs';
import { coinRef, conformalRef, flhRef } from '../helpers/reference-online-conformal.mjs';
import { fullAdagradRef } from '../helpers/reference-online-fullmatrix.mjs';
import { ofwRef, optimisticRef } from '../helpers/reference-online-ofw-optimistic.mjs';
import { sleepingRef } from '../helpers/reference-online-sleeping.mjs';
import { driveOnline } from './online.mjs';

/** { sha256, values } of case `name` from the reference; M = { exp, log } of an engine. */
export async function referenceOnlineSequence(name, M) {
  if (name === 'ogd') {
    const set = { kind: 'simplex', dim: 6, radius: 2, diameter: 2 * Math.SQRT2 };
    const R = ogdRef(set, { lipschitz: 3 }, new Float64Array(6).fill(2 / 6));
    return driveOnline(name, { predict: () => Float64Array.from(R.st.x), update: (g) => R.update(g) });
  }
  if (name === 'adagrad') {
    const set = { kind: 'l1Ball', dim: 5, radius: 1.5 };
    const R = adagradRef(set, { lr: 3 / Math.SQRT2 }, new Float64Array(5));
    return driveOnline(name, { predict: () => Float64Array.from(R.st.x), update: (g) => R.update(g) });
  }
  if (name === 'ons') {
    const set = { kind: 'l2Ball', dim: 4, radius: 0.7 }, D = 1.4, gamma = 0.5 * Math.min(1 / (4 * 2 * D), 0.5);
    const R = onsRef(set, { gamma, epsilon: 1 / (gamma * gamma * D * D) }, new Float64Array(4));
    return driveOnline(name, { predict: () => Float64Array.from(R.st.x), update: (g) => R.update(g) });
  }
  if (name === 'coin') {
    const R = coinRef({ kind: 'l2Ball', dim: 4, radius: 0.7 }, { mode: 'ball', lipschitz: 4 });
    return driveOnline(name, { predict: () => Float64Array.from(R.st.x), update: (g) => R.update(g) });
  }
  const oco = (R) => driveOnline(name, { predict: () => Float64Array.from(R.st.x), update: (g) => R.update(g) });
  if (name === 'flh') return oco(flhRef({ kind: 'l2Ball', dim: 3, radius: 0.9, diameter: 1.8 }, { lipschitz: 3, lifetime: 4 }, new Float64Array(3), M));
  if (name === 'fullada') return oco(fullAdagradRef({ kind: 'l2Ball', dim: 4, radius: 0.7, diameter: 1.4 }, { lr: 1.4 / Math.SQRT2 }, new Float64Array(4)));
  if (name === 'ofw') return oco(ofwRef({ kind: 'l1Ball', dim: 5, radius: 1.5 }, 3 / (2 * 3 * Math.sqrt(500) * Math.sqrt(Math.sqrt(500))), new Float64Array(5)));
  if (name === 'optomd') return oco(optimisticRef('omd', { kind: 'l2Ball', dim: 4, radius: 0.7 }, { lipschitz: 2, diameter: 1.4 }, new Float64Array(4)));
  if (name === 'optftrl') return oco(optimisticRef('ftrl', { kind: 'l1Ball', dim: 4, radius: 1 }, { lipschitz: 2, diameter: 2 }, new Float64Array(4)));
  if (name === 'sleeping') {
    const R = sleepingRef(6, 20, M);
    return driveOnline(name, { predict: (aw) => R.weights(aw), update: (l, aw) => R.update(l, aw) });
  }
  if (name === 'aci' || name === 'saocp') {
    const R = name === 'aci' ? conformalRef('ACI', { window: 100, gamma: 0.02 }) : conformalRef('SAOCP', { alpha: 0.2 });
    return driveOnline(name, { predict: () => R.radius(), update: (s) => R.update(s) });
  }
  if (name === 'ftrl') {
    const R = ftrlRef(256, { alpha: 0.3, l1: 0.5, l2: 0.1 }, M);
    return driveOnline(name, { prob: (i, v) => R.predict(i, v), learn: (i, v, y) => R.logistic(i, v, y), weights: () => R.weights() });
  }
  const R = aggregationRef(name === 'mlpol' ? 'MLpol' : 'BOA', 4, { loss: name === 'boa' ? 'absolute' : 'square' }, M);
  return driveOnline(name, { predict: () => R.weights(), update: (y, advice) => R.update(advice, y)[1] });
}
