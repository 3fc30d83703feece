// Faults survived (issue 7 §5): a worker lost mid-step, memory exhausted in the middle of a
// constructor's allocations, dispose() releasing workers and memory, two engines and two optimizers.
import { test, expect } from 'vitest';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as simdopt from '../dist/index.js';

const { init, ParamSet, Adam, AdamW, SGD, Optimizer, OutOfMemoryError, WorkerLostError, ForeignBufferError } = simdopt;
const bits = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const same = (a, b) => a.length === b.length && Buffer.compare(bits(a), bits(b)) === 0;
const fill = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));

test('a worker lost just before a step: the step completes on the calling thread (exactly as after, bit for bit as one thread), raises WorkerLostError, the engine continues on one thread', async () => {
  const e = await init({ threads: 2, splitMin: 1024 }), one = await init({ threads: 1 });
  assert.equal(await e.ready, 2);
  const n = 1 << 16;
  const run = (eng) => {
    const ps = new ParamSet(eng, { w: [n] });
    ps.setParam('w', fill(n, (i) => Math.sin(i))); ps.setGrad('w', fill(n, (i) => Math.cos(i * 0.5)));
    return { ps, opt: new Adam(ps, { lr: 1e-2 }) };
  };
  const a = run(e), b = run(one);
  a.opt.step(); b.opt.step();
  // Internal access, for the test only. terminate() stops the worker at once (it is idle, waiting for a
  // job); its exit event cannot arrive before step() runs: the sentinel thread reports the loss.
  e.pool.workers[0].terminate();
  let err = null;
  try { a.opt.step(); } catch (x) { err = x; }
  b.opt.step();
  assert.ok(err instanceof WorkerLostError, String(err));
  assert.equal(err.code, 'WORKER_LOST');
  assert.equal(err.completed, true);
  assert.equal(a.opt.stepCount, 2);
  assert.ok(same(a.ps.param('w'), b.ps.param('w')), 'parameters exactly as after the step');
  assert.deepEqual(a.opt.stateDict(), b.opt.stateDict());
  assert.equal(e.info.threads, 1);
  assert.ok(e.info.fallbacks.some((f) => /thread pool stopped \(worker 0/.test(f)), e.info.fallbacks.join('; '));
  a.opt.step(); b.opt.step();  // continues, no further error
  assert.ok(same(a.ps.param('w'), b.ps.param('w')));
  await e.dispose(); await one.dispose();
});

test('a kernel that traps in a worker raises a typed error and the engine stays usable', async () => {
  const e = await init({ threads: 2, splitMin: 1024 });
  assert.equal(await e.ready, 2);
  const x = e.alloc(1 << 14), partials = e.alloc(64, 'f64');
  x.array.fill(2);
  // A raw kernel call whose second half (the worker's chunk) reads past the end of memory.
  const end = e.arena.memory.buffer.byteLength;
  const n = 1 << 16;
  expect(() => e.run('sum_partials', n, [end - 4 * (n / 2), partials.ptr])).toThrow(expect.objectContaining({ code: 'INVALID_STATE', message: expect.stringMatching(/trapped in a worker/) }));
  assert.equal(e.sum(x), 2 * (1 << 14));
  assert.equal(e.info.threads, 2);
  await e.dispose();
});

// Optimizers built as new C(params, opts); opts where {} is not enough. HvpOptimizer is an abstract base.
const OPTS = { SGD: { lr: 0.1 }, LowPrecisionSGD: { lr: 0.1 }, SGD8bit: { lr: 0.1, momentum: 0.9 }, EMA: { decay: 0.9 }, SAM: { base: (p) => new SGD(p, { lr: 0.1 }) } };
const NOT_CONSTRUCTORS = new Set(['HvpOptimizer']);
const constructors = Object.entries(simdopt).filter(([k, v]) => typeof v === 'function' && !NOT_CONSTRUCTORS.has(k)
  && (v.prototype instanceof Optimizer || ['LBFGS', 'SAM', 'EMA', 'SWA', 'Lookahead'].includes(k)));

test('memory exhausted in the middle of a constructor\'s allocations leaves nothing allocated, for every optimizer constructor', async () => {
  expect(constructors.length).toBeGreaterThan(35);
  const covered = [];
  for (const [name, C] of constructors) {
    const e = await init({ threads: 1, maxMemory: 4 << 20 });
    const ps = new ParamSet(e, { w: [2048], b: [2044] });
    ps.setGrad('w', fill(2048, (i) => i / 2048));
    e.sumSquares(ps.grad);  // the engine's reduction scratch, allocated once, before the baseline
    const make = name === 'Lookahead' ? (() => { const inner = new Adam(ps); return () => new C(inner, {}); })() : () => new C(ps, OPTS[name] ?? {});
    const base = e.arena.bytesInUse;
    const probe = make();
    const need = e.arena.bytesInUse - base;
    probe.free?.();
    assert.equal(e.arena.bytesInUse, base, `${name}: free() releases everything`);
    // Leave less room than the constructor needs, in steps of 4 KiB: each try must fail cleanly.
    let failures = 0;
    for (let room = 0; room < need; room += 4096) {
      const top = e.arena.top;
      const filler = e.alloc(e.arena.maxBytes - top - room, 'u8');
      const before = e.arena.bytesInUse;
      let err = null;
      try { make(); } catch (x) { err = x; }
      assert.ok(err instanceof OutOfMemoryError, `${name} with ${room} bytes left: ${err}`);
      assert.equal(e.arena.bytesInUse, before, `${name} with ${room} bytes left: nothing half-allocated`);
      filler.free();
      failures++;
    }
    // Usable afterwards: the full constructor and a step work.
    const opt = make();
    assert.equal(e.sumSquares(ps.grad), e.sumSquares(ps.grad));
    opt.free?.();
    assert.equal(e.arena.bytesInUse, base, `${name}: memory back after free()`);
    if (need > 0) expect(failures).toBeGreaterThan(0);
    covered.push(name);
    await e.dispose();
  }
  expect(covered.length).toBe(constructors.length);
}, 120000);

test('dispose() terminates the workers and releases the memory: 500 engines in a loop keep the RSS bounded', async () => {
  // Node frees a WebAssembly.Memory when the garbage collector collects it; dispose() drops every
  // reference (workers terminated, pool and arena released). gc() every 50 engines shows that nothing
  // keeps them alive; without it the RSS rises until V8 collects on its own.
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const cycle = async (i) => {
    const e = await init({ threads: i % 25 === 0 ? 2 : 1, maxMemory: 64 << 20 });
    await e.ready;
    const x = e.alloc(1 << 20);  // 4 MiB: grows the memory past its initial 2 MiB
    x.array.fill(1);
    assert.equal(e.sum(x), 1 << 20);
    await e.dispose();
  };
  for (let i = 0; i < 50; i++) await cycle(i);  // warm-up: compiled modules, worker bootstrap caches
  gc();
  const rss0 = process.memoryUsage().rss;
  let peak = 0;
  for (let i = 50; i < 500; i++) {
    await cycle(i);
    if (i % 50 === 49) { await new Promise((r) => setTimeout(r, 20)); gc(); peak = Math.max(peak, process.memoryUsage().rss - rss0); }
  }
  console.log(`500 engines (20 with a worker): RSS at most ${(peak / 2 ** 20).toFixed(1)} MiB above the level after the first 50`);
  // 450 engines of >= 6 MiB each would hold 2.6 GiB if anything kept them alive.
  expect(peak).toBeLessThan(200 * 2 ** 20);
}, 300000);

test('two engines in one process are independent; two optimizers on one ParamSet update it in turn', async () => {
  const e1 = await init({ threads: 2, splitMin: 1024 }), e2 = await init({ threads: 1 });
  await e1.ready;
  const n = 1 << 14;
  const p1 = new ParamSet(e1, { w: [n] }), p2 = new ParamSet(e2, { w: [n] });
  for (const p of [p1, p2]) { p.setParam('w', fill(n, (i) => i / n)); p.setGrad('w', fill(n, (i) => 1 - i / n)); }
  const o1 = new AdamW(p1), o2 = new AdamW(p2);
  for (let t = 0; t < 3; t++) { o1.step(); o2.step(); }
  assert.ok(same(p1.param('w'), p2.param('w')), 'same bits in both engines (threads 2 and 1)');
  expect(() => e2.sum(p1.data)).toThrow(ForeignBufferError);
  // Two optimizers on one ParamSet: each keeps its own state and applies its update to the shared
  // parameters when stepped, in call order (the README's "Two optimizers, one ParamSet").
  const shared = new ParamSet(e2, { w: [n] });
  shared.setParam('w', fill(n, (i) => i / n)); shared.setGrad('w', fill(n, (i) => 1 - i / n));
  const a = new SGD(shared, { lr: 0.1 }), b = new Adam(shared, { lr: 0.01 });
  a.step(); b.step();
  const ref = new ParamSet(e2, { w: [n] });
  ref.setParam('w', fill(n, (i) => i / n)); ref.setGrad('w', fill(n, (i) => 1 - i / n));
  new SGD(ref, { lr: 0.1 }).step(); new Adam(ref, { lr: 0.01 }).step();
  assert.ok(same(shared.param('w'), ref.param('w')));
  assert.equal(a.stepCount, 1); assert.equal(b.stepCount, 1);
  await e1.dispose(); await e2.dispose();
});
