// Thread-pool stress: many short jobs of mixed sizes on both sides of the split threshold, interleaved
// with memory growth, engine create/dispose cycles and (every few cycles) a worker killed just before
// a job, all under deliberate CPU oversubscription (busy child processes started and killed here).
// Every result is compared bit for bit with a 1-thread engine. A job slower than STALL_MS counts as a
// stall. Default: a few seconds; SIMDOPT_STRESS_SECONDS=300 for a soak (figures printed at the end).
import { test, expect } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { init, ParamSet, Adam, SGD, WorkerLostError } from '../dist/index.js';

const SECONDS = Number(process.env.SIMDOPT_STRESS_SECONDS ?? 4);
const STALL_MS = 5000;
const SPLIT = 2048;

function busy(count) {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}

const bits = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const same = (a, b) => a.length === b.length && Buffer.compare(bits(a), bits(b)) === 0;

/** A step; a step during which a worker was lost completes on the calling thread, then raises WorkerLostError. */
function step(opt, figures) {
  try { opt.step(); } catch (err) {
    if (!(err instanceof WorkerLostError) || !err.completed || err.code !== 'WORKER_LOST') throw err;
    figures.lostSteps++;
  }
}

/** One job on engine `e`: two optimizer steps and three reductions over n elements filled from `seed`. */
function job(e, kind, n, seed, figures) {
  const r = rng(seed);
  const ps = new ParamSet(e, { w: [n] });
  const w = new Float32Array(n), g = new Float32Array(n);
  for (let i = 0; i < n; i++) { w[i] = r() * 2 - 1; g[i] = r() - 0.5; }
  ps.setParam('w', w); ps.setGrad('w', g);
  const opt = kind === 0 ? new Adam(ps, { lr: 1e-2, weightDecay: 0.01 }) : new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true });
  step(opt, figures); step(opt, figures);
  const out = { w: ps.param('w').slice(), ss: e.sumSquares(ps.data), dot: e.dot(ps.data, ps.grad), max: e.maxAbs(ps.data) };
  opt.free(); ps.free();
  return out;
}

test(`thread pool under oversubscription: ${SECONDS} s of mixed jobs, growth, create/dispose, killed workers, bit for bit`, async () => {
  const hogs = busy(Math.max(4, 2 * availableParallelism()));
  const figures = { jobs: 0, split: 0, engines: 0, grows: 0, killed: 0, lostSteps: 0, stalls: 0, mismatches: 0, slowestMs: 0 };
  const ref = await init({ threads: 1 });
  try {
    const r = rng(12345);
    const deadline = Date.now() + SECONDS * 1000;
    for (let cycle = 0; Date.now() < deadline; cycle++) {
      const threads = 2 + (cycle % 3);
      const e = await init({ threads, splitMin: SPLIT, maxMemory: 256 << 20 });
      assert.equal(await e.ready, threads);
      figures.engines++;
      const hold = [];
      const kill = cycle % 3 === 1;
      let killed = false;
      for (let k = 0; k < 12 && Date.now() < deadline; k++) {
        // Sizes across the threshold: below SPLIT (never split), around it, up to 8 chunks per thread.
        const n = 1 + Math.floor(r() * r() * SPLIT * threads * 8);
        if (r() < 0.15) { hold.push(e.alloc(1 + Math.floor(r() * (1 << 20)))); figures.grows++; }
        if (kill && k === 2) { e.pool.workers[0].terminate(); figures.killed++; killed = true; }
        const seed = Math.floor(r() * 2 ** 31), kind = k & 1;
        const t0 = performance.now();
        const got = job(e, kind, n, seed, figures);
        const ms = performance.now() - t0;
        figures.slowestMs = Math.max(figures.slowestMs, Math.round(ms));
        if (ms > STALL_MS) figures.stalls++;
        const want = job(ref, kind, n, seed, figures);
        if (!same(got.w, want.w) || !Object.is(got.ss, want.ss) || !Object.is(got.dot, want.dot) || !Object.is(got.max, want.max)) figures.mismatches++;
        figures.jobs++;
        if (n >= 2 * SPLIT) figures.split++;
      }
      if (killed) {
        // The loss may not have been seen yet (the sentinel thread can lag under this load): one more
        // split job after the exit event was delivered must see it.
        await new Promise((res) => setTimeout(res, 20));
        const n = SPLIT * threads * 4, seed = Math.floor(r() * 2 ** 31);
        const got = job(e, 0, n, seed, figures), want = job(ref, 0, n, seed, figures);
        if (!same(got.w, want.w) || !Object.is(got.ss, want.ss)) figures.mismatches++;
        figures.jobs++; figures.split++;
        assert.equal(e.info.threads, 1, 'a killed worker moves the engine to one thread');
        assert.ok(e.info.fallbacks.some((f) => f.includes('worker 0')), e.info.fallbacks.join('; '));
      }
      for (const b of hold) b.free();
      await e.dispose();
    }
  } finally {
    for (const h of hogs) h.kill('SIGKILL');
    await ref.dispose();
  }
  console.log(`threads stress (${SECONDS} s, ${hogs.length} busy processes on ${availableParallelism()} cores): ${JSON.stringify(figures)}`);
  expect(figures.jobs).toBeGreaterThan(10);
  expect(figures.split).toBeGreaterThan(5);
  expect(figures.lostSteps).toBe(figures.killed);
  expect(figures.stalls).toBe(0);
  expect(figures.mismatches).toBe(0);
}, 60000 + SECONDS * 2000);

test('more than 28 threads: every chunk runs (the control block holds 63 workers)', async () => {
  const wide = await init({ threads: 32, splitMin: 1024 });
  const one = await init({ threads: 1 });
  try {
    assert.equal(await wide.ready, 32);
    const n = 4096 * 32 * 2;
    const fill = (e) => { const x = e.alloc(n); const a = x.array; for (let i = 0; i < n; i++) a[i] = (i % 97) - 48; return x; };
    const a = fill(wide), b = fill(one);
    assert.equal(wide.sumSquares(a), one.sumSquares(b));
    const pw = new ParamSet(wide, { w: [n] }), p1 = new ParamSet(one, { w: [n] });
    for (const p of [pw, p1]) { p.setParam('w', a.array); p.setGrad('w', b.array.map((v) => v / 64)); new Adam(p, { lr: 1e-3 }).step(); }
    assert.ok(same(pw.param('w'), p1.param('w')));
  } finally { await wide.dispose(); await one.dispose(); }
}, 60000);

test('kernel arguments beyond the thread protocol\'s 32 are a typed error, whatever the thread count', async () => {
  for (const threads of [1, 2]) {
    const e = await init({ threads, splitMin: 8 });
    await e.ready;
    const x = e.alloc(1 << 14);
    x.array.fill(1);
    expect(() => e.run('sum_partials', x.length, [x.ptr, x.ptr, ...new Array(31).fill(0)])).toThrow(expect.objectContaining({ code: 'LENGTH_MISMATCH' }));
    assert.equal(e.sum(x), 1 << 14);
    await e.dispose();
  }
});
