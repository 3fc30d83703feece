// Cross-runtime conformance of the bilevel family: seeded AID-CG runs on built-in models, hashed with
// SHA-256 over every iteration's reported numbers (upper value, ‖∇Φ‖, ‖∇ᵧg‖, linear-solve residual),
// the final x, y and hypergradient, and the bytes of the run's saved state halfway (result.save()), which
// is then resumed to the end. Runtime-neutral ESM (no node: imports), like online.mjs, so Node, Deno,
// Bun, Chromium and workerd run the same file; every runtime and build must give Node's hash.
//   aid-cg-ridge     ridge HPO, one ridge per feature (logFeatureRidge), GD inner steps at 1/L̂, Adam
//   aid-cg-logistic  logistic regression data reweighting (sampleWeights), Newton inner solves (log/exp
//                    in wasm: the core's routines, not the host's Math)
// Inputs come from xorshift32 with +, ×, comparisons only, so every runtime computes the same ones.
import { sha256Hex, xorshift32 } from './trajectory.mjs';

export const BILEVEL_CASES = ['aid-cg-ridge', 'aid-cg-logistic'];
export const BILEVEL_STEPS = 24;
const u24 = (r) => (r() >>> 8) / 16777216;

function data(r, n, m, d) {
  const w = Array.from({ length: d }, () => u24(r) * 2 - 1);
  const rows = (k) => Array.from({ length: k * d }, () => u24(r) * 2 - 1);
  const X = rows(n), V = rows(m);
  const target = (M, i) => { let s = 0; for (let j = 0; j < d; j++) s += M[i * d + j] * w[j]; return s + (u24(r) - 0.5); };
  return { X, V, t: Array.from({ length: n }, (_, i) => target(X, i)), tv: Array.from({ length: m }, (_, i) => target(V, i)) };
}

/** Run case `name` on the library with a fresh engine from `initOptions`. */
export async function runBilevelCase(simdopt, name, initOptions = {}) {
  const engine = await simdopt.init(initOptions);
  await engine.ready;
  const { bilevel } = simdopt;
  let model;
  try {
    const r = xorshift32(0xb11e7e1 ^ (BILEVEL_CASES.indexOf(name) + 1));
    let problem;
    if (name === 'aid-cg-ridge') {
      const d = 24, { X, V, t, tv } = data(r, 96, 48, d);
      model = bilevel.models.ridge(engine, { features: d, trainX: X, trainY: t, valX: V, valY: tv, hyper: 'logFeatureRidge' });
      problem = { model, x0: new Array(d).fill(0), method: 'aid-cg', options: { innerSteps: 200, innerTol: 1e-9, cgSteps: 40, outer: { lr: 0.05, steps: BILEVEL_STEPS } } };
    } else {
      const d = 12, n = 80, { X, V, t, tv } = data(r, n, 40, d);
      model = bilevel.models.logistic(engine, { features: d, trainX: X, trainY: t.map((v) => (v > 0 ? 1 : 0)), valX: V, valY: tv.map((v) => (v > 0 ? 1 : 0)), hyper: 'sampleWeights', alpha: 0.05 });
      problem = { model, x0: new Array(n).fill(0), method: 'aid-cg', options: { innerSolver: 'newton', innerSteps: 5, cgSteps: 30, cgTol: 1e-10, outer: { lr: 0.1, steps: BILEVEL_STEPS } } };
    }
    const half = BILEVEL_STEPS / 2;
    const first = bilevel.solve(engine, { ...problem, onIteration: (i) => i.iteration < half });
    const state = first.save();
    const rest = bilevel.solve(engine, { ...problem, resume: state });
    const rec = [];
    for (const h of [...first.history, ...rest.history]) rec.push(h.iteration, h.upperValue, h.hypergradientNorm, h.lowerGradNorm, h.residual, h.innerSteps, h.linearSteps);
    rec.push(...rest.x, ...rest.y, ...rest.hypergradient);
    const bytes = new Uint8Array(Float64Array.from(rec).buffer);
    const all = new Uint8Array(bytes.length + state.length);
    all.set(bytes); all.set(state, bytes.length);
    return {
      sha256: await sha256Hex(all), values: rec.length, stateBytes: state.length,
      info: { runtime: engine.info.runtime, simd: engine.info.simd, threads: engine.info.threads, iterations: first.history.length + rest.history.length },
    };
  } finally {
    model?.free();
    await engine.dispose();
  }
}

/** Builds × threads (workerd and non-isolated pages get 1 thread). */
export const BILEVEL_CONFIGS = {
  'simd-t1': { threads: 1 },
  'simd-t2': { threads: 2, splitMin: 8 },
  'scalar-t1': { simd: false, threads: 1 },
  'scalar-t2': { simd: false, threads: 2, splitMin: 8 },
};

/** Every case × the named configs: { [case]: { [config]: { sha256, values, info } | { error } } }. */
export async function runBilevelConfigs(simdopt, names = Object.keys(BILEVEL_CONFIGS), extraInit = {}) {
  const out = {};
  for (const name of BILEVEL_CASES) {
    out[name] = {};
    for (const cfg of names) {
      try {
        if (!BILEVEL_CONFIGS[cfg]) throw new Error(`unknown bilevel config ${cfg}`);
        out[name][cfg] = await runBilevelCase(simdopt, name, { ...BILEVEL_CONFIGS[cfg], ...extraInit });
      } catch (e) {
        out[name][cfg] = { error: String(e && e.stack || e) };
      }
    }
  }
  return out;
}
