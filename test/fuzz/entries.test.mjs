// Issue 7 §3 / issue 15 §3-§4: every public entry point called with random wrong arguments (null,
// undefined, wrong types, wrong lengths, freed buffers, other engines' buffers) either succeeds or
// throws a SimdoptError with a stable code, and the ParamSet and optimizer state are bit for bit what
// they were. One argument at a time is replaced by a random bad value; the others stay valid.
// Bounded (a few seconds); SIMDOPT_FUZZ_RUNS=N runs N cases per property (a soak).
import { test, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import * as S from '../../dist/index.js';
import { expectCleanFailure, runs } from './contract.mjs';

let e, other;
beforeAll(async () => { e = await S.init({ threads: 1 }); other = await S.init({ threads: 1 }); });
afterAll(async () => { await e?.dispose(); await other?.dispose(); });

/** Bad values: thunks, so that freed/foreign objects are fresh per case. */
const BAD = [
  () => null, () => Object.create(null), () => [Object.create(null)], () => undefined, () => 0, () => -1, () => NaN, () => Infinity, () => 1.5, () => 2 ** 53, () => '', () => 'x',
  () => '0.1', () => true, () => ({}), () => [], () => [1], () => [1, 2, 3], () => new Float32Array(1), () => new Float64Array(7),
  () => Symbol('s'), () => 10n, () => () => 0, () => new Map(), () => new Date(0),
  () => { const b = e.alloc(4); b.free(); return b; }, () => other.alloc(6), () => e.alloc(3, 'i32'),
  () => { const p = new S.ParamSet(e, { w: 2 }); p.free(); return p; },
];
const bad = fc.integer({ min: 0, max: BAD.length - 1 }).map((i) => BAD[i]);

const OPTIMIZERS = Object.entries(S).filter(([n, C]) => typeof C === 'function' && C.prototype instanceof S.Optimizer && n !== 'HvpOptimizer');
const hvp = (v, out) => out.set(v);
function fixture() {
  const ps = new S.ParamSet(e, { w: [2, 3], b: 3 });
  ps.setParam('w', [1, -2, 3, -4, 5, -6]); ps.setParam('b', [0.5, 0.25, -1]);
  ps.setGrad('w', [0.1, 0.2, -0.3, 0.4, 0.5, 0.6]); ps.setGrad('b', [1, 2, 3]);
  return ps;
}
const make = (C, ps) => { try { return new C(ps, { lr: 1e-3, hvp }); } catch { return new C(ps, { lr: 1e-3, ...(C === S.SGD8bit ? { momentum: 0.9 } : {}) }); } };
/** The 8-bit optimizers' own entries, on a fresh optimizer (w in 8-bit state, b in 32-bit), freed afterwards. */
const with8 = (f) => (...a) => { const o = new S.AdamW8bit(a[0] instanceof S.ParamSet ? a[0] : fixture8.ps, { min8bitSize: 6 }); try { return f(o, ...a); } finally { o.free(); } };
const fixture8 = {};

/** Entry points: name, valid arguments (from a fresh ParamSet), the call, what must not change on failure. */
function entries(ps) {
  const opt = new S.AdamW(ps, { lr: 1e-3 });
  const buf = e.from(new Float32Array([1, 2, 3, 4, 5, 6]));
  const m = e.from(new Float32Array([4, 1, 0, 1, 3, 1, 0, 1, 2])), v = e.alloc(3), y = e.alloc(3);
  const tx = S.chain(S.scaleByAdam(), S.scale(-1e-3)); const st = tx.init(ps);
  // LowPrecision optimizers with master weights (they leave the ParamSet as it is), freed by each call.
  const lowpOpts = { paramDtype: 'bf16', masterWeights: true, stateDtype: 'f16' };
  const lw = new S.LowPrecisionSGD(ps, { ...lowpOpts, lr: 0.1, momentum: 0.9 }); const lowpSd = lw.stateDict(); lw.free();
  fixture8.ps = ps;
  const bnb = with8((o) => { o.step(); return o.bnbStateDict(); })();
  const list = [
    ['ParamSet', [e, { w: [2, 3] }], (a, b) => new S.ParamSet(a, b).free()],
    ['setParam', ['w', [1, 2, 3, 4, 5, 6]], (a, b) => ps.setParam(a, b)],
    ['setGrad', ['b', [1, 2, 3]], (a, b) => ps.setGrad(a, b)],
    ['param', ['w'], (a) => ps.param(a)],
    ['gradOf', ['w'], (a) => ps.gradOf(a)],
    ['alloc', [4, 'f32'], (a, b) => e.alloc(a, b).free()],
    ['from', [new Float32Array(3)], (a) => e.from(a).free()],
    ['buffer.set', [[1, 2, 3, 4, 5, 6]], (a) => buf.set(a)],
    ['sumSquares', [buf], (a) => e.sumSquares(a)],
    ['dot', [buf, buf], (a, b) => e.dot(a, b)],
    ['maxAbs', [buf], (a) => e.maxAbs(a)],
    ['kernel', ['pow_f64'], (a) => e.kernel(a)],
    ['pow', [2, 3], (a, b) => e.pow(a, b)],
    ['exp', [1], (a) => e.exp(a)],
    ['gemv', [e, m, v, y, 3, 3], (...a) => S.linalg.gemv(...a)],
    ['gemm', [e, m, m, e.alloc(9), 3, 3, 3], (...a) => S.linalg.gemm(...a)],
    ['linalg.dot', [e, v, y], (...a) => S.linalg.dot(...a)],
    ['cholesky', [e, m, 3], (...a) => S.linalg.cholesky(...a).free()],
    ['linalg.qr', [e, buf, 3, 2], (...a) => { const r = S.linalg.qr(...a); r.q.free(); r.r.free(); }],
    ['linalg.svd', [e, buf, 3, 2, { rank: 1, method: 'randomized', oversample: 0, iters: 1, seed: 5 }], (...a) => { const r = S.linalg.svd(...a); r.u.free(); r.s.free(); r.v.free(); }],
    ['eigh', [e, m, 3], (...a) => S.linalg.eigh(...a)],
    ['inverseRoot', [e, m, 3, { root: 4, epsilon: 1e-6 }], (...a) => S.linalg.inverseRoot(...a).free()],
    ['opt.set', [{ lr: 0.01 }, 0], (a, b) => opt.set(a, b)],
    ['opt.loadStateDict', [opt.stateDict()], (a) => opt.loadStateDict(a)],
    ['clipGradNorm', [ps, 1], (a, b) => S.clipGradNorm(a, b)],
    ['tx.update', [ps.grad, st, ps], (a, b, c) => tx.update(a, b, c)],
    ['tx.init', [ps], (a) => tx.init(a).free()],
    ['applyUpdates', [ps, e.alloc(ps.size)], (a, b) => S.applyUpdates(a, b)],
    ['EMA', [ps, { decay: 0.9 }], (a, b) => new S.EMA(a, b).free()],
    ['SWA', [ps, {}], (a, b) => new S.SWA(a, b).free()],
    ['Lookahead', [opt, { k: 5 }], (a, b) => new S.Lookahead(a, b).free()],
    ['LBFGS', [ps, {}], (a, b) => new S.LBFGS(a, b).free()],
    ['ReduceLROnPlateau', [{ init: 0.1 }], (a) => new S.ReduceLROnPlateau(a)],
    ['cosineDecay', [e, { init: 1, decaySteps: 10 }], (a, b) => S.cosineDecay(a, b)(3)],
    ['linearSchedule', [e, { init: 1, end: 0, transitionSteps: 10 }], (a, b) => S.linearSchedule(a, b)(3)],
    ['saveState', [opt], (a) => S.saveState(a)],
    ['dynamicMap', [false], (a) => S.dynamicMap(a)],
    ['quantizeBlockwise', [e, [0.5, -1, 0, 3], { signed: true }], (a, b, c) => S.quantizeBlockwise(a, b, c)],
    ['dequantizeBlockwise', [e, { codes: new Uint8Array(3), absmax: new Float32Array(1) }, { signed: false }], (a, b, c) => S.dequantizeBlockwise(a, b, c)],
    ['loadState', [opt, S.saveState(opt)], (a, b) => S.loadState(a, b)],
    ['toBfloat16', [e, [0.5, -1, 3], { stochastic: true, seed: 3, step: 1 }], (a, b, c) => S.toBfloat16(a, b, c)],
    ['toFloat16', [e, [0.5, -1, 70000], { stochastic: false, offset: 5 }], (a, b, c) => S.toFloat16(a, b, c)],
    ['fromBfloat16', [e, new Uint16Array([0x3F80, 0xC000])], (a, b) => S.fromBfloat16(a, b)],
    ['fromFloat16', [e, [0x3C00, 0x7C00]], (a, b) => S.fromFloat16(a, b)],
    ['lowp.modelTensor', ['w'], (a) => { const o = new S.LowPrecisionAdamW(ps, lowpOpts); try { return o.modelTensor(a); } finally { o.free(); } }],
    ['lowp.loadStateDict', [lowpSd], (a) => { const o = new S.LowPrecisionSGD(ps, { ...lowpOpts, lr: 0.1, momentum: 0.9 }); try { o.loadStateDict(a); } finally { o.free(); } }],
    ['loadBnbStateDict', [bnb, { names: ['w', 'b'] }], with8((o, a, b) => o.loadBnbStateDict(a, b))],
    ['stateBits', ['w'], with8((o, a) => o.stateBits(a))],
    ['new AdamW8bit (8-bit options)', [ps, { min8bitSize: 4, optimBits: 8, stableEmbedding: ['b'], groups: [{ params: ['b'], optimBits: 32 }] }], (a, b) => new S.AdamW8bit(a, b).free()],
  ];
  for (const [name, C] of OPTIMIZERS) list.push([`new ${name}`, [ps, { lr: 1e-3, ...(C === S.SGD8bit ? { momentum: 0.9 } : {}) }], (a, b) => { const o = new C(a, b); o.free(); }]);
  return { opt, list };
}

test('every entry point: a wrong argument gives a SimdoptError with a code, nothing changed', () => {
  const ps0 = fixture();
  const names = entries(ps0).list.map((x) => x[0]);
  ps0.free();
  const seen = new Map();
  fc.assert(fc.property(fc.integer({ min: 0, max: names.length - 1 }), fc.nat(), bad, (ei, pos, mk) => {
    const ps = fixture();
    const { opt, list } = entries(ps);
    const [name, args, call] = list[ei];
    const k = pos % args.length;
    const a = args.slice(); a[k] = mk();
    try {
      const err = expectCleanFailure(() => call(...a), ps, opt);
      if (err) seen.set(err.code, (seen.get(err.code) ?? 0) + 1);
    } catch (x) { x.message = `${name} with argument ${k} replaced: ${x.message}`; throw x; } finally { opt.freed || opt.free(); if (!ps.freed) ps.free(); }
  }), { numRuns: runs(600) });
  console.log('fuzz entries: error codes seen', Object.fromEntries(seen));
}, 60_000);

test('every optimizer: random wrong options and set() changes are refused cleanly', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: OPTIMIZERS.length - 1 }),
    fc.constantFrom('lr', 'betas', 'eps', 'weightDecay', 'momentum', 'groups', 'nonFinite', 'amsgrad', 'hvp'), bad, (oi, key, mk) => {
      const ps = fixture();
      const [, C] = OPTIMIZERS[oi];
      const opt = make(C, ps);
      try {
        expectCleanFailure(() => { const o = new C(ps, { lr: 1e-3, [key]: mk() }); o.free(); }, ps, opt);
        expectCleanFailure(() => opt.set({ [key]: mk() }), ps, opt);
      } finally { opt.free(); ps.free(); }
    }), { numRuns: runs(300) });
}, 60_000);
