import { test } from 'vitest';
import assert from 'node:assert/strict';
import {
  init, ParamSet, AdamW, SGD, SimdoptError, OutOfMemoryError, DisposedError, ForeignBufferError,
  HyperparameterError, LengthMismatchError, StateError,
} from '../dist/index.js';
import { randomArray, rng, sameBits } from './helpers/reference.mjs';

test('info reports runtime, SIMD and threads; simd:false selects the scalar build', async () => {
  const e = await init({ threads: 2 });
  assert.equal(await e.ready, e.info.threads);
  assert.equal(e.info.runtime, 'node');
  assert.equal(e.info.simd, true);
  assert.equal(e.info.threads, 2);
  assert.equal(e.info.variant, 'simd-mt');
  await e.dispose();
  const s = await init({ simd: false, threads: 1 });
  assert.equal(s.info.simd, false);
  assert.equal(s.info.variant, 'scalar-mt');
  assert.ok(s.info.fallbacks.some((f) => f.includes('simd')));
  await s.dispose();
});

test('wasm exp/log/pow are within 1 ulp-ish of the host and exact for integer powers of exact values', async () => {
  const e = await init({ threads: 1 });
  const r = rng(42);
  const ulp = (x) => { const b = new Float64Array([Math.abs(x)]); const u = new BigUint64Array(b.buffer); u[0] += 1n; return b[0] - Math.abs(x); };
  for (let k = 0; k < 20000; k++) {
    const x = (r() - 0.5) * 1400;
    assert.ok(Math.abs(e.exp(x) - Math.exp(x)) <= 2 * ulp(Math.exp(x)), `exp(${x})`);
    const y = Math.exp((r() - 0.5) * 1400);
    assert.ok(Math.abs(e.log(y) - Math.log(y)) <= 2 * ulp(Math.log(y)), `log(${y})`);
  }
  for (const [b, t] of [[0.9, 1], [0.999, 10], [0.999, 1000], [0.5, 30], [2, 10], [0.95, 12345], [0.999, 1e6], [1.0001, 54321]]) {
    const want = b ** t;
    assert.ok(Math.abs(e.pow(b, t) - want) <= 2 * ulp(want), `pow(${b}, ${t}) = ${e.pow(b, t)} vs ${want}`);
  }
  assert.equal(e.pow(2, 10), 1024);
  assert.equal(e.pow(2, -2), 0.25);
  assert.equal(e.pow(3, 0), 1);
  assert.ok(Math.abs(e.pow(2, 0.5) - Math.SQRT2) <= 4 * ulp(Math.SQRT2));
  assert.equal(e.exp(0), 1);
  assert.equal(e.log(1), 0);
  assert.equal(e.log(0), -Infinity);
  assert.ok(Number.isNaN(e.log(-1)));
  assert.equal(e.exp(1000), Infinity);
  assert.equal(e.exp(-1000), 0);
  await e.dispose();
});

test('reductions are identical for every thread count and build', async () => {
  const x = randomArray(3 * 4096 + 1234, 9, 3), y = randomArray(x.length, 10, 2);
  x[77] = -7.5;
  const seen = [];
  for (const cfg of [{ threads: 1 }, { threads: 2, splitMin: 100 }, { threads: 2, splitMin: 5000 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 100 }]) {
    const e = await init(cfg);
    assert.equal(await e.ready, e.info.threads);
    const bx = e.from(x), by = e.from(y);
    seen.push([e.sumSquares(bx), e.sum(bx), e.dot(bx, by), e.maxAbs(bx), e.countNonFinite(bx)]);
    await e.dispose();
  }
  for (const s of seen) assert.deepEqual(s, seen[0]);
  let ss = 0, su = 0, d = 0;
  for (let i = 0; i < x.length; i++) { ss += x[i] * x[i]; su += x[i]; d += x[i] * y[i]; }
  assert.ok(Math.abs(seen[0][0] - ss) < 1e-9 * ss);
  assert.ok(Math.abs(seen[0][1] - su) < 1e-9 * x.length);
  assert.ok(Math.abs(seen[0][2] - d) < 1e-9 * x.length);
  assert.equal(seen[0][3], 7.5);
  assert.equal(seen[0][4], 0);
});

test('countNonFinite and maxAbs see NaN and Inf', async () => {
  const e = await init({ threads: 1 });
  const b = e.from(new Float32Array([1, NaN, -Infinity, 2, Infinity, 0]));
  assert.equal(e.countNonFinite(b), 3);
  assert.ok(Number.isNaN(e.maxAbs(b)));
  await e.dispose();
});

test('arena: aligned allocations, reuse after free, growth keeps handles valid', async () => {
  const e = await init({ threads: 1 });
  const a = e.alloc(3), b = e.alloc(5, 'f64'), c = e.alloc(7, 'u8');
  for (const x of [a, b, c]) assert.equal(x.ptr % 16, 0);
  const pb = b.ptr;
  b.free();
  const b2 = e.alloc(4, 'f64');
  assert.equal(b2.ptr, pb, 'freed block is reused');
  assert.throws(() => b.free(), DisposedError);
  assert.throws(() => b.array, DisposedError);
  a.set([1, 2, 3]);
  const before = e.arena.memory.buffer.byteLength;
  const big = e.alloc(8 << 20); // 32 MiB: forces memory.grow
  assert.ok(e.arena.memory.buffer.byteLength > before);
  assert.deepEqual([...a.array], [1, 2, 3], 'handle still reads its data after growth');
  assert.equal(a.array.buffer, e.arena.memory.buffer, 'view re-created on the grown memory');
  big.free();
  await e.dispose();
});

test('out of memory raises a typed error and the engine stays usable', async () => {
  const e = await init({ threads: 1, maxMemory: 8 << 20 });
  const keep = e.from(new Float32Array([4, 5, 6]));
  assert.throws(() => e.alloc(16 << 20), (err) => err instanceof OutOfMemoryError && err.code === 'OUT_OF_MEMORY');
  const ok = e.alloc(1000);
  assert.equal(ok.length, 1000);
  assert.deepEqual([...keep.array], [4, 5, 6]);
  assert.throws(() => new ParamSet(e, { huge: 4 << 20 }), OutOfMemoryError);
  const ps = new ParamSet(e, { w: 100 });
  new SGD(ps, { lr: 0.1 }).step();
  await e.dispose();
});

test('disposed engine and foreign buffers are refused with typed errors', async () => {
  const e1 = await init({ threads: 1 }), e2 = await init({ threads: 1 });
  const x = e1.alloc(8);
  assert.throws(() => e2.sumSquares(x), (err) => err instanceof ForeignBufferError && err.code === 'FOREIGN_BUFFER');
  assert.throws(() => e1.dot(x, e1.alloc(9)), LengthMismatchError);
  const ps = new ParamSet(e1, { w: 8 });
  const opt = new AdamW(ps);
  await e1.dispose();
  assert.throws(() => opt.step(), (err) => err instanceof DisposedError && err.code === 'DISPOSED');
  assert.throws(() => e1.alloc(4), DisposedError);
  assert.throws(() => opt.stepCount, DisposedError);
  await e2.dispose();
});

test('invalid init options and hyperparameters raise HyperparameterError', async () => {
  await assert.rejects(init({ threads: 0 }), HyperparameterError);
  await assert.rejects(init({ maxMemory: 1 }), HyperparameterError);
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 4 });
  for (const bad of [{ lr: -1 }, { lr: NaN }, { betas: [1, 0.9] }, { betas: [0.9, Infinity] }, { eps: -1 }, { weightDecay: -0.1 }, { amsgrad: 1 }]) {
    assert.throws(() => new AdamW(ps, bad), (err) => err instanceof HyperparameterError && err.code === 'INVALID_HYPERPARAMETER', JSON.stringify(bad));
  }
  for (const bad of [{ lr: Infinity }, { lr: 0.1, momentum: -1 }, { lr: 0.1, dampening: 2 }, { lr: 0.1, nesterov: true }]) {
    assert.throws(() => new SGD(ps, bad), HyperparameterError, JSON.stringify(bad));
  }
  assert.throws(() => new ParamSet(e, { w: 0 }), HyperparameterError);
  assert.throws(() => ps.setParam('w', [1, 2]), LengthMismatchError);
  await e.dispose();
});

test('a failing call changes nothing: bad set(), bad or corrupt state dicts', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 10, b: 3 });
  ps.setParam('w', randomArray(10, 1)); ps.setParam('b', randomArray(3, 2));
  const opt = new AdamW(ps, { lr: 0.01 });
  for (let k = 0; k < 3; k++) { ps.setGrad('w', randomArray(10, 10 + k)); ps.setGrad('b', randomArray(3, 20 + k)); opt.step(); }
  const snap = () => [JSON.stringify(opt.hyperparameters), opt.stepCount, ps.param('w').slice(), ps.param('b').slice(),
    ...Object.values(opt.stateDict().state).flatMap((s) => Object.values(s))];
  const before = snap();
  const same = () => { const now = snap(); assert.equal(now[0], before[0]); assert.equal(now[1], before[1]); for (let i = 2; i < now.length; i++) assert.ok(sameBits(now[i], before[i])); };

  assert.throws(() => opt.set({ lr: -1 }), HyperparameterError); same();
  assert.throws(() => opt.set({ amsgrad: true }), HyperparameterError); same();
  assert.throws(() => opt.loadStateDict({ ...opt.stateDict(), hyper: { ...opt.hyperparameters, amsgrad: true } }), StateError); same();
  const good = opt.stateDict();
  const corrupt = [
    null, { ...good, format: 'x' }, { ...good, version: 99 }, { ...good, optimizer: 'sgd' }, { ...good, step: -1 },
    { ...good, hyper: { ...good.hyper, lr: NaN } },
    { ...good, state: { w: good.state.w } },
    { ...good, state: { ...good.state, b: { ...good.state.b, exp_avg: new Float32Array(2) } } },
    { ...good, state: { ...good.state, b: { ...good.state.b, exp_avg_sq: [1, 2, 3] } } },
    { ...good, state: { ...good.state, extra: good.state.b } },
  ];
  // make the valid-looking parts differ, so a partial write would be visible
  for (const s of Object.values(good.state)) for (const a of Object.values(s)) a.fill(123);
  for (const c of corrupt) { assert.throws(() => opt.loadStateDict(c), (err) => err instanceof StateError && err.code === 'INVALID_STATE'); same(); }
  assert.ok(new StateError('x') instanceof SimdoptError);
  await e.dispose();
});

test('without shared memory the engine falls back to the non-shared build with identical results', async () => {
  const run = async () => {
    const e = await init({ threads: 2, splitMin: 8 });
    assert.equal(await e.ready, e.info.threads);
    const ps = new ParamSet(e, { w: 1001, b: 3 });
    ps.setParam('w', randomArray(1001, 5)); ps.setParam('b', randomArray(3, 6));
    const opt = new AdamW(ps, { lr: 0.01, amsgrad: true });
    for (let k = 0; k < 10; k++) { ps.setGrad('w', randomArray(1001, 50 + k)); ps.setGrad('b', randomArray(3, 70 + k)); opt.step(); }
    const out = { info: e.info, w: ps.param('w').slice(), norm: e.sumSquares(ps.data) };
    await e.dispose();
    return out;
  };
  const shared = await run();
  const Real = WebAssembly.Memory;
  WebAssembly.Memory = class extends Real {
    constructor(d) { if (d.shared) throw new TypeError('shared memory disabled for this test'); super(d); }
  };
  let plain;
  try { plain = await run(); } finally { WebAssembly.Memory = Real; }
  assert.equal(shared.info.variant, 'simd-mt');
  assert.equal(plain.info.variant, 'simd');
  assert.equal(plain.info.threads, 1);
  assert.equal(plain.info.sharedMemory, false);
  assert.ok(plain.info.fallbacks.some((f) => f.includes('shared')));
  assert.ok(sameBits(shared.w, plain.w));
  assert.equal(shared.norm, plain.norm);
});

test('a worker that dies: later calls run on one thread with the same results, reported in info', async () => {
  const e = await init({ threads: 2, splitMin: 8 });
  assert.equal(await e.ready, 2);
  const x = e.alloc(1 << 16);
  x.array.fill(1);
  assert.equal(e.sum(x), 1 << 16);
  // Internal access, for the test only: kill the pool's worker and let its exit event arrive.
  await e.pool.workers[0].terminate();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(e.sum(x), 1 << 16);
  assert.equal(e.info.threads, 1);
  assert.ok(e.info.fallbacks.some((f) => /worker 0 exited/.test(f)), e.info.fallbacks.join('; '));
  assert.equal(e.faults, 1);
  await e.dispose();
});
