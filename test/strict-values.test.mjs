// Issue 15 §1–§2, case by case: no value silently changed (engine.from, EngineBuffer.set, f32-range
// and divide-by-zero hyperparameters, aliased linalg outputs, gradient padding) and loaded state
// checked as strictly as constructed state (slot values, counters, shapes, unknown keys, typos).
// Each case failed on main before this change. The random versions live in test/fuzz/.
import { test, expect, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import {
  init, ParamSet, SGD, Adam, AdamW, Adamax, Prodigy, ASGD, NAdam, LBFGS, SAM, linalg, saveState, loadState,
  SimdoptError, HyperparameterError, LengthMismatchError, StateError, UnsupportedError, NonFiniteError,
} from '../dist/index.js';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const sameBits = (a, b) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const rejects = (fn, Cls, ...words) => {
  let err;
  try { fn(); } catch (x) { err = x; }
  assert.ok(err instanceof Cls, `expected ${Cls.name}, got ${err?.name}: ${err?.message}`);
  for (const w of words) assert.ok(err.message.includes(w), `message "${err.message}" does not name ${w}`);
  return err;
};

test('engine.from: plain arrays become f32 (rounded to nearest), typed arrays keep or widen exactly, the rest is refused by name', () => {
  const b = e.from([1.5, 2.7, -3]);
  assert.equal(b.dtype, 'f32');
  assert.deepEqual([...b.array], [1.5, Math.fround(2.7), -3]);
  const cases = [[new Int8Array([-128, 5]), 'i32'], [new Int16Array([-32768, 7]), 'i32'], [new Uint8ClampedArray([255, 0]), 'u8'],
    [new Float64Array([0.1, 1e300]), 'f64'], [new Uint16Array([65535]), 'u16'], [new Int32Array([-(2 ** 31)]), 'i32']];
  for (const [src, dtype] of cases) {
    const x = e.from(src);
    assert.equal(x.dtype, dtype, src.constructor.name);
    assert.deepEqual([...x.array], [...src], src.constructor.name);
    x.free();
  }
  rejects(() => e.from(new Uint32Array([4e9])), UnsupportedError, 'Uint32Array', 'dtype');
  rejects(() => e.from(new BigInt64Array([1n])), UnsupportedError, 'BigInt64Array');
  rejects(() => e.from([1, '2']), UnsupportedError, 'element 1');
  rejects(() => e.from([1e39]), UnsupportedError, '1e+39', 'f32');
  rejects(() => e.from([1.5], { dtype: 'u16' }), UnsupportedError, '1.5', 'u16');
  rejects(() => e.from([70000], { dtype: 'u16' }), UnsupportedError, '70000');
  rejects(() => e.from([1], { dtype: 'f16' }), UnsupportedError, 'f16', 'f32');
  const u = e.from(new Uint32Array([4e9, 1]), { dtype: 'f64' });
  assert.deepEqual([...u.array], [4e9, 1]);
  const big = e.from(new BigInt64Array([-5n, 2n ** 40n]), { dtype: 'f64' });
  assert.deepEqual([...big.array], [-5, 2 ** 40]);
  rejects(() => e.from(new BigInt64Array([2n ** 60n + 1n]), { dtype: 'f64' }), UnsupportedError, 'not exactly representable');
  assert.equal(e.from([1, 2], { dtype: 'i32' }).dtype, 'i32');
});

test('EngineBuffer.set: lengths must match exactly and values must fit; nothing is written otherwise', () => {
  const b = e.from(new Float32Array([7, 8, 9]));
  rejects(() => b.set([1, 2]), LengthMismatchError, '3', '2');
  rejects(() => b.set([1, 2, 3, 4]), LengthMismatchError, '4');
  rejects(() => b.set([1, NaN, 'x']), UnsupportedError, 'element 2');
  assert.deepEqual([...b.array], [7, 8, 9]);
  b.set([1, 2, 3]);
  assert.deepEqual([...b.array], [1, 2, 3]);
  const u = e.alloc(2, 'u8');
  rejects(() => u.set([1, 256]), UnsupportedError, '256', 'u8');
  rejects(() => u.set(new Int8Array([-1, 0])), UnsupportedError, '-1');
  assert.deepEqual([...u.array], [0, 0]);
});

test('ParamSet setters: non-numbers and f32 overflow are refused, nothing written', () => {
  const ps = new ParamSet(e, { w: 3 });
  ps.setParam('w', [1, 2, 3]);
  rejects(() => ps.setParam('w', [1, '2', 3]), UnsupportedError, 'element 1');
  rejects(() => ps.setGrad('w', [1, 1e39, 3]), UnsupportedError, 'f32');
  assert.deepEqual([...ps.param('w')], [1, 2, 3]);
  ps.free();
});

test('hyperparameters outside the f32 range or dividing by zero are refused, through the constructor, set(), schedules and loaded state', () => {
  const ps = new ParamSet(e, { w: 4 });
  rejects(() => new SGD(ps, { lr: 1e39 }), HyperparameterError, 'lr', 'f32');
  rejects(() => new Adam(ps, { eps: 0 }), HyperparameterError, 'eps');
  rejects(() => new Adam(ps, { eps: 1e-300 }), HyperparameterError, 'eps');
  rejects(() => new Adam(ps, { eps: 1e-45, betas: [0.9, 0.999] }), HyperparameterError, 'eps', 'betas[1]');
  const o = new Adam(ps, { lr: 0.1 });
  rejects(() => o.set({ eps: 0 }), HyperparameterError, 'eps');
  rejects(() => o.set({ weightDecay: 1e39 }), HyperparameterError, 'weightDecay');
  // A schedule that leaves the range at step time: typed error, nothing changed.
  const s = new SGD(ps, { lr: (t) => (t < 1 ? 0.1 : 1e39) });
  ps.setGrad('w', [1, 1, 1, 1]);
  s.step();
  const p = ps.param('w').slice(), sd = JSON.stringify(s.hyperparameters);
  rejects(() => s.step(), HyperparameterError, 'lr');
  assert.ok(sameBits(ps.param('w'), p));
  assert.equal(JSON.stringify(s.hyperparameters), sd);
  assert.equal(s.stepCount, 1);
  // Loaded state: the same checks.
  const good = o.stateDict();
  rejects(() => o.loadStateDict({ ...good, hyper: { ...good.hyper, eps: 0 } }), StateError, 'eps');
  rejects(() => o.loadStateDict({ ...good, hyper: { ...good.hyper, lr: 1e39 } }), StateError, 'lr');
  // Accepted: zero gradients with the smallest accepted ε stay finite.
  const tiny = new Adam(ps, { lr: 0.1, eps: 1e-38 });
  ps.zeroGrad();
  for (let i = 0; i < 3; i++) tiny.step();
  assert.ok(ps.param('w').every(Number.isFinite));
  for (const x of [o, s, tiny]) x.free();
  ps.free();
});

test('unknown options and hyperparameters are refused with the name and the nearest accepted one', () => {
  const ps = new ParamSet(e, { w: 2 });
  const a = rejects(() => new SGD(ps, { lr: 0.1, momentun: 0.9 }), HyperparameterError, '\"momentun\"', 'did you mean "momentum"');
  assert.equal(a.code, 'INVALID_HYPERPARAMETER');
  rejects(() => new AdamW(ps, { weight_decay: 0.1 }), HyperparameterError, '\"weight_decay\"', '\"weightDecay\"');
  rejects(() => new AdamW(ps, { groups: [{ params: ['w'], wieghtDecay: 0 }] }), HyperparameterError, 'groups[0]', '\"weightDecay\"');
  rejects(() => new LBFGS(ps, { histroySize: 5 }), HyperparameterError, '\"historySize\"');
  const o = new SGD(ps, { lr: 0.1, momentum: 0.9 });
  rejects(() => o.set({ momentun: 0.5 }), HyperparameterError, '\"momentum\"');
  assert.equal('momentun' in o.hyperparameters, false);
  rejects(() => new SAM(ps, { base: o, roh: 0.1 }), HyperparameterError, '\"rho\"');
  o.free(); ps.free();
});

test('gemv/gemm/choleskySolve with the output aliasing an input compute the same as with separate buffers', () => {
  const A = e.from(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), x = e.from(new Float32Array([1, 2, 3]));
  linalg.gemv(e, A, x, x, 3, 3);
  assert.deepEqual([...x.array], [14, 32, 50]);
  const y = e.from(new Float32Array([1, 1, 1]));
  linalg.gemv(e, A, y, y, 3, 3, { trans: true, beta: 1 });
  assert.deepEqual([...y.array], [13, 16, 19]);
  const B = e.from(new Float32Array([1, 2, 3, 4])), ref = e.alloc(4);
  linalg.gemm(e, B, B, ref, 2, 2, 2);
  linalg.gemm(e, B, B, B, 2, 2, 2);                     // B <- B·B in place
  assert.deepEqual([...B.array], [...ref.array]);
  const C = e.from(new Float32Array([1, 0, 0, 1])), D = e.from(new Float32Array([2, 3, 4, 5]));
  linalg.gemm(e, C, D, C, 2, 2, 2, { beta: 1 });        // C <- C·D + C
  assert.deepEqual([...C.array], [3, 3, 4, 6]);
  const L = linalg.cholesky(e, e.from(new Float32Array([4, 0, 0, 9])), 2);
  const Lc = e.from(L.toArray()), X = e.from(L.toArray());
  linalg.choleskySolve(e, L, X, 2, 2);
  linalg.choleskySolve(e, L, L, 2, 2);                  // L is also the right-hand side
  assert.ok(sameBits(L.array, X.array));
  // cholesky with out = a (in place) equals the separate factor.
  const S = e.from(new Float32Array([4, 2, 2, 3])), Ls = linalg.cholesky(e, S, 2);
  linalg.cholesky(e, S, 2, S);
  assert.deepEqual([S.array[0], S.array[2], S.array[3]], [Ls.array[0], Ls.array[2], Ls.array[3]]);
  void Lc;
});

test('the elementwise entries with an output buffer (hutchinson, EMA/SWA copyTo) give the same result when it aliases an input', async () => {
  const { hutchinson, EMA, SWA } = await import('../dist/index.js');
  const z = [1, -1, 1, -1, 1], hz = [0.5, 2, -3, 4.25, 1e-3];
  const sep = e.alloc(5);
  hutchinson(e, e.from(new Float32Array(z)), e.from(new Float32Array(hz)), sep);
  for (const which of ['z', 'hz']) {
    const bz = e.from(new Float32Array(z)), bh = e.from(new Float32Array(hz));
    hutchinson(e, bz, bh, which === 'z' ? bz : bh);
    assert.ok(sameBits((which === 'z' ? bz : bh).array, sep.array), which);
  }
  const ps = new ParamSet(e, { w: 3 });
  ps.setParam('w', [1, 2, 3]);
  for (const W of [EMA, SWA]) {
    const w = new W(ps, W === EMA ? { decay: 0.5 } : {});
    w.update(); ps.setParam('w', [3, 2, 1]); w.update();
    const out = e.alloc(ps.size);
    w.copyTo(out);
    w.copyTo();                                         // into the parameters it averages
    assert.ok(sameBits(ps.data.array, out.array), W.name);
    ps.setParam('w', [1, 2, 3]);
  }
  ps.free();
});

test('gradient padding decides nothing: a NaN there neither throws nor skips a step, and clipGradNorm ignores it', async () => {
  const { clipGradNorm } = await import('../dist/index.js');
  const ps = new ParamSet(e, { a: 3, b: 2 });             // a: elements 0..2, padding 3, b: 4..5
  for (const mode of ['error', 'skip']) {
    const o = new SGD(ps, { lr: 0.1, nonFinite: mode });
    ps.setGrad('a', [1, 1, 1]); ps.setGrad('b', [1, 1]);
    ps.grad.array[3] = NaN;
    o.step();
    assert.equal(o.stepCount, 1, mode);
    assert.equal(o.skippedSteps, 0, mode);
    assert.ok(ps.data.array.every(Number.isFinite), mode);
    ps.setGrad('a', [NaN, 0, 0]);
    if (mode === 'error') rejects(() => o.step(), NonFiniteError, 'a'); else { o.step(); assert.equal(o.skippedSteps, 1); }
    o.free();
  }
  ps.setGrad('a', [3, 0, 0]); ps.setGrad('b', [4, 0]);
  ps.grad.array[3] = 1e30;
  assert.equal(clipGradNorm(ps, 100), 5);
  ps.free();
});

test('loaded slot values, counters, shapes and keys are checked; a rejected load changes nothing', () => {
  const ps = new ParamSet(e, { w: [5, 7] });
  ps.setParam('w', Array.from({ length: 35 }, (_, i) => i / 10));
  const o = new AdamW(ps, { lr: 0.01 });
  ps.setGrad('w', Array.from({ length: 35 }, (_, i) => (i % 3) - 1));
  o.step();
  const sd = o.stateDict();
  const edited = (f) => { const s = structuredClone(sd); f(s); return s; };
  const before = JSON.stringify([...ps.param('w')]) + JSON.stringify(o.hyperparameters);
  rejects(() => o.loadStateDict(edited((s) => { s.state.w.exp_avg_sq[4] = -1; })), StateError, 'exp_avg_sq[4]', '≥ 0');
  rejects(() => o.loadStateDict(edited((s) => { s.state.w.exp_avg[0] = NaN; })), StateError, 'exp_avg[0]', 'NaN');
  for (const step of [-1, 1.5, 2 ** 53, 1e300]) rejects(() => o.loadStateDict(edited((s) => { s.step = step; })), StateError, 'step');
  rejects(() => o.loadStateDict(edited((s) => { s.shapes.w = [7, 5]; })), StateError, '[7, 5]', '[5, 7]');
  rejects(() => o.loadStateDict(edited((s) => { delete s.shapes; })), StateError, 'shapes');
  rejects(() => o.loadStateDict(edited((s) => { s.hyper.momentun = 0.9; })), StateError, '\"momentun\"');
  rejects(() => o.loadStateDict(edited((s) => { s.extra = 1; })), StateError, '\"extra\"');
  rejects(() => o.loadStateDict(edited((s) => { s.state.w.exp_avg_sqr = s.state.w.exp_avg_sq; })), StateError, '\"exp_avg_sqr\"', '\"exp_avg_sq\"');
  rejects(() => o.loadStateDict(edited((s) => { s.state.v = s.state.w; delete s.state.w; })), StateError, 'w');
  rejects(() => o.loadStateDict(edited((s) => { s.optimizer = 'adam'; })), StateError, 'adam');
  rejects(() => o.loadStateDict(edited((s) => { s.version = 2; })), StateError, 'version');
  assert.equal(JSON.stringify([...ps.param('w')]) + JSON.stringify(o.hyperparameters), before);
  // The binary file: a negative second moment with the checksum fixed is refused the same way.
  const bytes = saveState(o), dv = new DataView(bytes.buffer);
  const len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
  const man = JSON.parse(new TextDecoder().decode(bytes.subarray(32, 32 + len)));
  const ent = man.tensors[0].entries.find((x) => x.slot === 'exp_avg_sq');
  const bad = bytes.slice();
  new DataView(bad.buffer).setFloat32(start + ent.offset, -1, true);
  const crc = (() => { let c = 0xffffffff; for (let i = 0; i < bad.length - 4; i++) { c ^= bad[i]; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; } return (c ^ 0xffffffff) >>> 0; })();
  new DataView(bad.buffer).setUint32(bad.length - 4, crc, true);
  rejects(() => loadState(o, bad), StateError, 'exp_avg_sq[0]');
  loadState(o, bytes);
  // A 5×7 state does not load into a 7×5 parameter (same element count).
  const other = new ParamSet(e, { w: [7, 5] }), o2 = new AdamW(other, { lr: 0.01 });
  rejects(() => o2.loadStateDict(sd), StateError, '[5, 7]', '[7, 5]');
  rejects(() => loadState(o2, bytes), StateError, '[5, 7]', '[7, 5]');
  o2.free(); other.free(); o.free(); ps.free();
});

test('scalars out of range: Prodigy d = 1e308 and ASGD step = 1e300 are refused; whatever loads steps finitely and reloads', () => {
  const ps = new ParamSet(e, { w: 4 });
  ps.setGrad('w', [1, -1, 0.5, 0]);
  const p = new Prodigy(ps); p.step();
  const sd = p.stateDict();
  rejects(() => p.loadStateDict({ ...sd, scalars: { ...sd.scalars, d: 1e308 } }), StateError, 'scalars.d');
  rejects(() => p.loadStateDict({ ...sd, scalars: { ...sd.scalars, k: 2 ** 53 } }), StateError, 'scalars.k');
  const a = new ASGD(ps); a.step();
  rejects(() => a.loadStateDict({ ...a.stateDict(), step: 1e300 }), StateError, 'step');
  const n = new NAdam(ps); n.step();
  for (const o of [p, a, n]) {
    o.loadStateDict(o.stateDict());
    o.step();
    assert.ok(ps.param('w').every(Number.isFinite), o.kind);
    o.loadStateDict(o.stateDict());
  }
  for (const o of [p, a, n]) o.free();
  ps.free();
});

test('DoG: loaded G = 0 after a step is refused; a frozen group (scalars 0) still round-trips', async () => {
  const { DoG } = await import('../dist/index.js');
  const ps = new ParamSet(e, { a: 3, b: 2 });
  const o = new DoG(ps, { groups: [{ params: ['b'], frozen: true }] });
  ps.setGrad('a', [1, 2, 3]); o.step();
  const sd = o.stateDict();
  assert.deepEqual(sd.scalars.G.slice(1), [0]);
  o.loadStateDict(sd);
  rejects(() => o.loadStateDict({ ...sd, scalars: { ...sd.scalars, G: [0, 0] } }), StateError, 'G');
  rejects(() => o.loadStateDict({ ...sd, scalars: { ...sd.scalars, G: [1e-300, 0] } }), StateError, 'finite f32');
  ps.zeroGrad(); o.step();
  assert.ok(ps.param('a').every(Number.isFinite));
  o.free(); ps.free();
});

test('LAMB and LARS: a vanishing update norm gives a finite (no-op sized) step, not an f32-overflowing trust ratio', async () => {
  const { LAMB, LARS } = await import('../dist/index.js');
  for (const C of [LAMB, LARS]) {
    const ps = new ParamSet(e, { w: 4 });
    ps.setParam('w', [1, 2, 3, 4]);
    const o = new C(ps, { lr: 0.1 });
    ps.setGrad('w', [1e-45, 0, 0, 0]);
    o.step(); o.step();
    assert.ok(ps.param('w').every(Number.isFinite), C.name);
    o.free(); ps.free();
  }
});

test('every error above is a SimdoptError with a code', () => {
  const ps = new ParamSet(e, { w: 2 });
  for (const f of [() => e.from([1e39]), () => new SGD(ps, { lr: 0.1, momentun: 1 }), () => new Adamax(ps, { eps: 0 })]) {
    try { f(); assert.fail('accepted'); } catch (err) { expect(err).toBeInstanceOf(SimdoptError); expect(typeof err.code).toBe('string'); }
  }
  ps.free();
});
