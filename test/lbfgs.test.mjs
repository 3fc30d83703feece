// L-BFGS: convergence to toleranceGrad on a quadratic (fixed step and strong Wolfe), identical bits in
// every build (SIMD/scalar × 1/2 threads, deterministic dots), typed errors for bad options and a bad
// or missing closure with nothing changed, stateDict round trip that resumes exactly, load validation.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, LBFGS, HyperparameterError, StateError } from '../dist/index.js';
import { randomArray, sameBits, rng } from './helpers/reference.mjs';
import { CONFIGS, SPEC } from './helpers/harness.mjs';
import { quadraticClosure, rosenbrockClosure } from './helpers/lbfgs-problems.mjs';
import { flatParams, lbfgsRef } from './helpers/reference-lbfgs.mjs';

/** A quadratic over ParamSet `ps`: c in [0.1, 2.1), target t in [-1, 1), start in [-2, 2) (seeded). */
function quadratic(ps, seed) {
  const cs = [], ts = [];
  ps.tensors.forEach((tn, i) => {
    const r = rng(seed + i);
    cs.push(Float32Array.from({ length: tn.size }, () => r() * 2 + 0.1));
    ts.push(randomArray(tn.size, seed + 100 + i));
    ps.setParam(tn.name, randomArray(tn.size, seed + 200 + i, 2));
  });
  return quadraticClosure(ps, cs, ts);
}
const maxAbsGrad = (ps) => Math.max(...ps.tensors.map((t) => Math.max(...ps.gradOf(t.name).map(Math.abs))));

for (const lineSearchFn of [null, 'strong_wolfe']) {
  test(`LBFGS (lineSearchFn ${lineSearchFn}) converges on a quadratic to toleranceGrad; a converged step returns at once`, async () => {
    const e = await init({ threads: 1 });
    const ps = new ParamSet(e, SPEC);
    const closure = quadratic(ps, 10);
    const opt = new LBFGS(ps, { toleranceGrad: 1e-5, toleranceChange: 0, maxIter: 200, historySize: 5, lineSearchFn });
    const first = opt.step(closure);
    assert.ok(first > 100, `initial loss ${first}`);
    closure();
    assert.ok(maxAbsGrad(ps) <= 1e-5, `max|g| = ${maxAbsGrad(ps)} after ${opt.iterCount} iterations`);
    assert.ok(opt.iterCount < 200);
    const evals = opt.funcEvalCount, iters = opt.iterCount;
    assert.ok(opt.step(closure) < 1e-6);
    assert.deepEqual([opt.funcEvalCount, opt.iterCount], [evals + 1, iters]);
    await e.dispose();
  });
}

test('LBFGS matches the f32 reference bit for bit in every build (SIMD/scalar, 1/2 threads), both line-search modes', async () => {
  const e0 = await init({ threads: 1 });
  const sqrt = (x) => e0.sqrt(x);
  for (const lineSearchFn of [null, 'strong_wolfe']) {
    const h = { lr: lineSearchFn ? 1 : 1e-3, maxIter: 4, historySize: 3, lineSearchFn };
    const fp = flatParams(SPEC);
    fp.tensors.forEach((t, i) => fp.setParam(t.name, randomArray(t.size, 30 + i, 1.5)));
    const ro = lbfgsRef(fp, h, sqrt), rc = rosenbrockClosure(fp), rl = [];
    for (let k = 0; k < 6; k++) rl.push(ro.step(rc));
    let ref = { p: fp.tensors.map((t) => fp.param(t.name).slice()), losses: rl, n: ro.counts() };
    for (const cfg of CONFIGS) {
      const e = await init(cfg);
      await e.ready;
      const ps = new ParamSet(e, SPEC);
      ps.tensors.forEach((t, i) => ps.setParam(t.name, randomArray(t.size, 30 + i, 1.5)));
      const opt = new LBFGS(ps, h);
      const closure = rosenbrockClosure(ps);
      const losses = [];
      for (let k = 0; k < 6; k++) losses.push(opt.step(closure));
      ps.tensors.forEach((t, i) => assert.ok(sameBits(ps.param(t.name), ref.p[i]), `${lineSearchFn} ${JSON.stringify(cfg)} tensor ${i}`));
      assert.deepEqual(losses, ref.losses);
      assert.deepEqual([opt.funcEvalCount, opt.iterCount], ref.n);
      await e.dispose();
    }
    assert.ok(ref.losses[5] < ref.losses[0] && ref.n[1] > 6, JSON.stringify(ref));
  }
  await e0.dispose();
});

const BAD = [
  [{ lr: -1 }, 'lr'], [{ lr: NaN }, 'lr'], [{ maxIter: 0 }, 'maxIter'], [{ maxIter: 2.5 }, 'maxIter'],
  [{ maxEval: 0 }, 'maxEval'], [{ toleranceGrad: -1 }, 'toleranceGrad'], [{ toleranceChange: Infinity }, 'toleranceChange'],
  [{ historySize: 0 }, 'historySize'], [{ historySize: 1.5 }, 'historySize'], [{ lineSearchFn: 'armijo' }, 'lineSearchFn'],
];

test('LBFGS typed errors: bad options (construction and set()), missing closure, closure not returning a number; nothing changes', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9, b: 3 });
  const closure = quadratic(ps, 40);
  for (const [bad, name] of BAD) {
    assert.throws(() => new LBFGS(ps, bad), (err) => err instanceof HyperparameterError && err.message.startsWith(name), JSON.stringify(bad));
  }
  const opt = new LBFGS(ps, { historySize: 3, maxIter: 3 });
  opt.step(closure); opt.step(closure);
  const before = opt.stateDict(), p = ps.param('w').slice();
  for (const [bad, name] of BAD) {
    assert.throws(() => opt.set(bad), (err) => err instanceof HyperparameterError && err.message.startsWith(name), JSON.stringify(bad));
  }
  assert.throws(() => opt.set({ historySize: 4 }), (err) => err instanceof HyperparameterError && err.message.startsWith('historySize'));
  assert.throws(() => opt.step(), (err) => err instanceof HyperparameterError && err.message.startsWith('closure'));
  assert.throws(() => opt.step(42), (err) => err instanceof HyperparameterError && err.message.startsWith('closure'));
  assert.throws(() => opt.step(() => undefined), (err) => err instanceof HyperparameterError && err.message.startsWith('closure'));
  assert.deepEqual(opt.stateDict(), before);
  assert.ok(sameBits(ps.param('w'), p));
  opt.set({ lr: 0.5, lineSearchFn: 'strong_wolfe' });
  assert.equal(opt.hyperparameters.lineSearchFn, 'strong_wolfe');
  // A closure throwing inside the line search: the error propagates, the parameters are back at x₀.
  const p0 = ps.param('w').slice();
  let calls = 0;
  assert.throws(() => opt.step(() => { if (++calls === 2) throw new RangeError('boom'); return closure(); }), RangeError);
  assert.ok(sameBits(ps.param('w'), p0));
  opt.free();
  await e.dispose();
});

test('LBFGS stateDict round trip resumes exactly (history wrapped, strong Wolfe); load validates before writing', async () => {
  const e = await init({ threads: 1 });
  const spec = { w: [5, 3], b: 7, one: 1 };
  const a = new ParamSet(e, spec), b = new ParamSet(e, spec);
  a.tensors.forEach((t, i) => a.setParam(t.name, randomArray(t.size, 50 + i, 1.5)));
  const h = { maxIter: 3, historySize: 2, lineSearchFn: 'strong_wolfe' };
  const oa = new LBFGS(a, h);
  const ca = rosenbrockClosure(a), cb = rosenbrockClosure(b);
  for (let k = 0; k < 5; k++) oa.step(ca);
  const sd = oa.stateDict();
  assert.deepEqual(Object.keys(sd.state.w).sort(), ['d', 'old_dirs.0', 'old_dirs.1', 'old_stps.0', 'old_stps.1', 'prev_flat_grad']);
  assert.equal(sd.scalars.ro.length, 2);
  assert.equal(sd.optimizer, 'lbfgs');
  for (const t of a.tensors) b.setParam(t.name, a.param(t.name));
  const ob = new LBFGS(b, h);
  // Bad dicts: StateError, nothing written.
  const fresh = ob.stateDict();
  const bads = [
    { ...sd, optimizer: 'adam' }, { ...sd, hyper: { ...sd.hyper, historySize: 3 } },
    { ...sd, scalars: { ...sd.scalars, ro: [1, 2, 3] } }, { ...sd, scalars: { ...sd.scalars, H_diag: -1 } },
    { ...sd, state: { ...sd.state, w: { ...sd.state.w, d: new Float32Array(3) } } },
    { ...sd, state: { ...sd.state, extra: {} } },
  ];
  for (const bad of bads) assert.throws(() => ob.loadStateDict(bad), StateError);
  assert.deepEqual(ob.stateDict(), fresh);
  ob.loadStateDict(sd);
  assert.deepEqual(ob.stateDict(), sd);
  for (let k = 0; k < 5; k++) assert.equal(oa.step(ca), ob.step(cb));
  for (const t of a.tensors) assert.ok(sameBits(a.param(t.name), b.param(t.name)), t.name);
  assert.deepEqual(ob.stateDict(), oa.stateDict());
  // A fresh (step 0) dict resets to the initial state.
  ob.loadStateDict(fresh);
  assert.deepEqual(ob.stateDict(), fresh);
  oa.free(); ob.free();
  await e.dispose();
});
