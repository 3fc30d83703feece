// Every exported optimizer: step() after free(), after the ParamSet was freed, or after the engine was
// disposed raises DisposedError and writes nothing; free() twice raises too.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import * as simdopt from '../dist/index.js';
import { randomArray, sameBits } from './helpers/reference.mjs';

const { init, ParamSet, Optimizer, DisposedError } = simdopt;
const classes = Object.entries(simdopt).filter(([, C]) => typeof C === 'function' && C.prototype instanceof Optimizer);

function make(e, C) {
  const ps = new ParamSet(e, { a: 9, b: [3, 5] });
  ps.setParam('a', randomArray(9, 1)); ps.setGrad('a', randomArray(9, 2));
  ps.setParam('b', randomArray(15, 3)); ps.setGrad('b', randomArray(15, 4));
  try { const o = new C(ps, { lr: 1e-3 }); o.step(); return { ps, o }; } catch { ps.free(); return null; }
}

test('step() after free(): DisposedError, parameters untouched; a second free() is refused', async () => {
  const e = await init({ threads: 1 });
  let n = 0;
  for (const [name, C] of classes) {
    const m = make(e, C);
    if (!m) continue; // closure/HVP-driven: covered by their own files
    const before = m.ps.param('a').slice();
    m.o.free();
    assert.throws(() => m.o.step(), DisposedError, name);
    assert.ok(sameBits(m.ps.param('a'), before), name);
    assert.throws(() => m.o.free(), DisposedError, `${name} double free`);
    m.ps.free();
    n++;
  }
  assert.ok(n >= 25, `only ${n} optimizers checked`);
  await e.dispose();
});

test('step() on a freed ParamSet or a disposed engine: DisposedError', async () => {
  for (const [name, C] of classes) {
    const e = await init({ threads: 1 });
    const m = make(e, C);
    if (!m) { await e.dispose(); continue; }
    const other = make(e, C);
    other.ps.free();
    assert.throws(() => other.o.step(), DisposedError, `${name} freed ParamSet`);
    await e.dispose();
    assert.throws(() => m.o.step(), DisposedError, `${name} disposed engine`);
  }
});

// The README's "Faults, dispose, several engines" (Runtime support): what one engine's worker loss or
// dispose() does to another engine, and what LBFGS (outside the Optimizer base) does on a lost worker.
const { Adam, LBFGS, WorkerLostError } = simdopt;
const fillN = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));
const quad = (e, n) => {
  const ps = new ParamSet(e, { w: [n] });
  ps.setParam('w', fillN(n, (i) => Math.sin(i)));
  ps.setGrad('w', fillN(n, (i) => Math.cos(i * 0.5)));
  return ps;
};

test('two threaded engines: a worker lost in one, then its dispose(), leave the other on its threads and its results', async () => {
  const e1 = await init({ threads: 2, splitMin: 1024 }), e2 = await init({ threads: 2, splitMin: 1024 }), ref = await init({ threads: 1 });
  assert.equal(await e1.ready, 2); assert.equal(await e2.ready, 2);
  const n = 1 << 16;
  const [o1, o2, o3] = [e1, e2, ref].map((e) => { const ps = quad(e, n); return { ps, opt: new Adam(ps, { lr: 1e-2 }) }; });
  e1.pool.workers[0].terminate();  // internal access, for the test only
  assert.throws(() => o1.opt.step(), (x) => x instanceof WorkerLostError && x.completed === true);
  o2.opt.step(); o3.opt.step();
  assert.equal(e1.faults, 1); assert.equal(e1.info.threads, 1);
  assert.equal(e2.faults, 0); assert.equal(e2.info.threads, 2);
  assert.ok(e2.info.fallbacks.every((f) => !/thread pool stopped/.test(f)), e2.info.fallbacks.join('; '));
  await e1.dispose();
  o2.opt.step(); o3.opt.step();
  assert.ok(sameBits(o2.ps.param('w'), o3.ps.param('w')), 'the other engine: bit for bit as one thread');
  assert.equal(e2.info.threads, 2); assert.equal(e2.faults, 0);
  await e2.dispose(); await ref.dispose();
});

test('LBFGS on a lost worker: step() returns normally, bit for bit as one thread; only engine.faults and engine.info report it', async () => {
  const e = await init({ threads: 2, splitMin: 1024 }), one = await init({ threads: 1 });
  assert.equal(await e.ready, 2);
  const n = 1 << 16;
  const target = fillN(n, (i) => Math.cos(i));
  const make = (eng) => {
    const ps = quad(eng, n);
    // Gradient of 0.5·|w - target|² written by the closure (test code, not the library).
    const closure = () => { const w = ps.param('w'); const g = fillN(n, (i) => Math.fround(w[i] - target[i])); ps.setGrad('w', g); let l = 0; for (let i = 0; i < n; i++) l += 0.5 * g[i] * g[i]; return l; };
    return { ps, opt: new LBFGS(ps, { maxIter: 3, historySize: 5 }), closure };
  };
  const a = make(e), b = make(one);
  e.pool.workers[0].terminate();  // internal access, for the test only
  const la = a.opt.step(a.closure), lb = b.opt.step(b.closure);
  assert.equal(la, lb);
  assert.ok(sameBits(a.ps.param('w'), b.ps.param('w')));
  assert.equal(e.faults, 1); assert.equal(e.info.threads, 1);
  assert.ok(e.info.fallbacks.some((f) => /thread pool stopped \(worker 0/.test(f)), e.info.fallbacks.join('; '));
  assert.equal(a.opt.step(a.closure), b.opt.step(b.closure));
  assert.ok(sameBits(a.ps.param('w'), b.ps.param('w')));
  await e.dispose(); await one.dispose();
});
