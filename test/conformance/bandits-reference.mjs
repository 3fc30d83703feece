// The JS references' hashes of the bandit conformance sequences (test/conformance/bandits.mjs), computed
// in Node from test/helpers/reference-bandits*.mjs (f64/f32-exact re-implementations of the kernels);
// the library is not used, only the engine's ln/sqrt/cos (`M`), as the other bandit tests do.
import { fnvRef, keyOf, learnStatsRef, ucb1Ref } from '../helpers/reference-bandits.mjs';
import { linDecideRef, linLearnRef, linState } from '../helpers/reference-bandits-linear.mjs';
import { BANDIT_CASES, driveSequence } from './bandits.mjs';

/** { sha256, arms } of case `name` from the reference; M = { log, sqrt, cos } of an engine. */
export async function referenceBanditSequence(name, M) {
  const { options: o } = BANDIT_CASES[name], key = keyOf(o.seed), active = new Array(o.arms).fill(true);
  if (name === 'ucb1') {
    const st = { pulls: new Float64Array(o.arms), rewards: new Float64Array(o.arms), squares: new Float64Array(o.arms) };
    return driveSequence(name, {
      decide: (id) => ucb1Ref(st, active, o.alpha, key, fnvRef(id), M),
      learn: (ev) => { for (const e of ev) learnStatsRef(st, e.arm, e.reward); },
      stats: () => ({ pulls: st.pulls, rewards: st.rewards, squares: st.squares }),
    });
  }
  const st = linState(o.arms, o.dim, o.lambda), d = o.dim;
  return driveSequence(name, {
    decide: (id, x) => linDecideRef(st, () => x, active, 'ts', o.alpha, key, fnvRef(id), M, o.propensityDraws),
    learn: (ev) => { for (const e of ev) linLearnRef(st, e.arm, Float64Array.from(e.context, Math.fround), e.reward); },
    stats: () => ({
      Ainv: Float64Array.from({ length: o.arms * d * d }, (_, i) => st.arms[Math.floor(i / (d * d))].M[i % (d * d)]),
      b: Float64Array.from({ length: o.arms * d }, (_, i) => st.arms[Math.floor(i / d)].b[i % d]),
    }),
  });
}
