// Cross-runtime conformance of the online family: one seeded sequence of 500 rounds per learner (OGD on
// a simplex, AdaGrad on an ℓ1 ball, ONS on an ℓ2 ball with its Mahalanobis projection, FTRL-Proximal
// on sparse logistic data, MLpol and BOA aggregating forecasters, coin betting in the ℓ2 ball, ACI and
// SAOCP radii over shifted scores, FLH and full-matrix AdaGrad on ℓ2 balls, online Frank–Wolfe on an
// ℓ1 ball, optimistic OMD on an ℓ2 ball and optimistic FTRL on an ℓ1 ball, sleeping experts over random
// awake sets), every decision and returned value
// hashed with SHA-256. Runtime-neutral ESM (no node: imports), like bandits.mjs, so Node, Deno, Bun,
// Chromium and workerd run the same file; the JS reference (test/conformance/online-reference.mjs, in
// Node) runs the very same driver over test/helpers/reference-online.mjs.
// Inputs come from xorshift32 with +, ×, comparisons only, so every runtime computes the same ones.
import { sha256Hex, xorshift32 } from './trajectory.mjs';

export const ONLINE_STEPS = 500;
const u24 = (r) => (r() >>> 8) / 16777216;
export const ONLINE_CASES = ['ogd', 'adagrad', 'ons', 'ftrl', 'mlpol', 'boa', 'coin', 'aci', 'saocp', 'flh', 'fullada', 'ofw', 'optomd', 'optftrl', 'sleeping'];
/** Dimension of each OCO case. */
const OCO_DIM = { ogd: 6, adagrad: 5, ons: 4, coin: 4, flh: 3, fullada: 4, ofw: 5, optomd: 4, optftrl: 4 };

/**
 * Drive case `name` through `api`: OCO { predict() -> Float64Array, update(g) }; ftrl { prob(idx, val),
 * learn(idx, val, y) -> p, weights() }; aggregation { predict() -> weights, update(y, advice) -> loss }.
 */
export async function driveOnline(name, api) {
  const r = xorshift32(0x0411e ^ (ONLINE_CASES.indexOf(name) + 1)), rec = [];
  const vec = (n, s) => Array.from({ length: n }, () => (u24(r) * 2 - 1) * s);
  if (name === 'aci' || name === 'saocp') {
    // scores of a forecaster whose error scale triples at round 250 (a shift)
    for (let t = 0; t < ONLINE_STEPS; t++) {
      const s = (t < 250 ? 1 : 3) * u24(r) * (1 + u24(r));
      rec.push(api.predict(), api.update(s) ? 1 : 0);
    }
    rec.push(api.predict());
  } else if (name === 'sleeping') {
    // 6 experts, a random awake set each round (expert 0 always awake), losses in [0, 1]
    for (let t = 0; t < ONLINE_STEPS; t++) {
      const awake = Array.from({ length: 6 }, (_, i) => (i === 0 || (r() >>> 31) ? 1 : 0));
      const losses = Array.from({ length: 6 }, (_, i) => Math.min(1, u24(r) * (0.5 + 0.1 * i) + (t > 250 && i === 3 ? 0 : 0.2)));
      rec.push(...api.predict(awake), api.update(losses, awake));
    }
    rec.push(...api.predict());
  } else if (OCO_DIM[name]) {
    const n = OCO_DIM[name], z = vec(n, 0.8);
    for (let t = 0; t < ONLINE_STEPS; t++) {
      const x = api.predict();
      rec.push(...x);
      // gradient of ½‖x − (z + noise)‖² at x (a linear loss on the simplex is the same to the learner)
      api.update(Float64Array.from(x, (v, i) => v - (z[i] + (u24(r) - 0.5))));
    }
    rec.push(...api.predict());
  } else if (name === 'ftrl') {
    const d = 256, truth = vec(d, 2);
    for (let t = 0; t < ONLINE_STEPS; t++) {
      const idx = [], val = [];
      for (let i = (r() >>> 24) & 7; i < d; i += 1 + ((r() >>> 24) & 31)) { idx.push(i); val.push((r() >>> 31) ? 1 : u24(r) * 2); }
      let m = 0;
      for (let j = 0; j < idx.length; j++) m += truth[idx[j]] * val[j];
      const y = m > (u24(r) - 0.5) * 4 ? 1 : 0;
      rec.push(api.prob(idx, val), api.learn(idx, val, y));
    }
    rec.push(...api.weights());
  } else {
    for (let t = 0; t < ONLINE_STEPS; t++) {
      const y = 10 + (t % 24 < 12 ? 2 : -2) * u24(r) + (t > 250 ? 1 : 0);
      const advice = [y + 1 + (u24(r) - 0.5), y - 1.2 + (u24(r) - 0.5), y + 3 * (u24(r) - 0.5), 10];
      rec.push(...api.predict(), api.update(y, advice));
    }
    rec.push(...api.predict());
  }
  return { sha256: await sha256Hex(new Uint8Array(Float64Array.from(rec).buffer)), values: rec.length };
}

/** Run a case on the library: a fresh engine from `initOptions`, the learner, the sequence. */
export async function runOnlineSequence(simdopt, name, initOptions = {}) {
  const engine = await simdopt.init(initOptions);
  await engine.ready;
  const { online } = simdopt;
  try {
    let L, api;
    if (name === 'ogd') L = new online.OGD(engine, { set: online.sets.simplex(6, 2), lipschitz: 3 });
    else if (name === 'adagrad') L = new online.AdaGrad(engine, { set: online.sets.l1Ball(5, 1.5) });
    else if (name === 'ons') L = new online.ONS(engine, { set: online.sets.l2Ball(4, 0.7), alpha: 0.5, lipschitz: 2 });
    else if (name === 'coin') L = new online.CoinBetting(engine, { set: online.sets.l2Ball(4, 0.7), mode: 'ball', lipschitz: 4 });
    else if (name === 'flh') L = new online.FLH(engine, { set: online.sets.l2Ball(3, 0.9), lipschitz: 3, lifetime: 4 });
    else if (name === 'fullada') L = new online.FullMatrixAdaGrad(engine, { set: online.sets.l2Ball(4, 0.7) });
    else if (name === 'ofw') L = new online.OnlineFrankWolfe(engine, { set: online.sets.l1Ball(5, 1.5), horizon: ONLINE_STEPS, lipschitz: 3 });
    else if (name === 'optomd') L = new online.OptimisticOMD(engine, { set: online.sets.l2Ball(4, 0.7), lipschitz: 2 });
    else if (name === 'optftrl') L = new online.OptimisticFTRL(engine, { set: online.sets.l1Ball(4, 1), lipschitz: 2 });
    if (name === 'aci' || name === 'saocp') {
      L = name === 'aci' ? new online.ACI(engine, { window: 100, gamma: 0.02 }) : new online.SAOCP(engine, { alpha: 0.2 });
      api = { predict: () => L.predict(), update: (s) => L.update(s) };
    } else if (name === 'sleeping') {
      L = new online.SleepingExperts(engine, { experts: 6 });
      api = { predict: (aw) => L.predict(aw), update: (l, aw) => L.update(l, { awake: aw }) };
    } else if (L) api = { predict: () => L.predict(), update: (g) => L.update(g) };
    else if (name === 'ftrl') {
      L = new online.FTRLProximal(engine, { dim: 256, alpha: 0.3, l1: 0.5, l2: 0.1 });
      api = { prob: (i, v) => L.predict({ indices: i, values: v }), learn: (i, v, y) => L.update(y, { x: { indices: i, values: v } }), weights: () => L.predict() };
    } else {
      L = new online[name === 'mlpol' ? 'MLpol' : 'BOA'](engine, { experts: 4, loss: name === 'boa' ? 'absolute' : 'square' });
      api = { predict: () => L.predict(), update: (y, advice) => L.update(y, { advice }) };
    }
    const out = await driveOnline(name, api);
    L.free();
    return { ...out, info: { runtime: engine.info.runtime, simd: engine.info.simd, threads: engine.info.threads, steps: ONLINE_STEPS } };
  } finally {
    await engine.dispose();
  }
}

/** Builds × threads (workerd and non-isolated pages get 1 thread). */
export const ONLINE_CONFIGS = {
  'simd-t1': { threads: 1 },
  'simd-t2': { threads: 2, splitMin: 8 },
  'scalar-t1': { simd: false, threads: 1 },
  'scalar-t2': { simd: false, threads: 2, splitMin: 8 },
};

/** Every case × the named configs: { [case]: { [config]: { sha256, values, info } | { error } } }. */
export async function runOnlineConfigs(simdopt, names = Object.keys(ONLINE_CONFIGS), extraInit = {}) {
  const out = {};
  for (const name of ONLINE_CASES) {
    out[name] = {};
    for (const cfg of names) {
      try {
        if (!ONLINE_CONFIGS[cfg]) throw new Error(`unknown online config ${cfg}`);
        out[name][cfg] = await runOnlineSequence(simdopt, name, { ...ONLINE_CONFIGS[cfg], ...extraInit });
      } catch (e) {
        out[name][cfg] = { error: String(e && e.stack || e) };
      }
    }
  }
  return out;
}
