// ASGD: bit-exact against the f32 reference in every build (SIMD/scalar × 1/2 threads), parameters and
// the averaged parameters `ax`; typed hyperparameter errors that leave state untouched; η/μ in the
// state dict; exact resume; averaging of a noisy quadratic lands closer to the optimum than the iterate.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, ASGD, HyperparameterError, StateError } from '../dist/index.js';
import { asgdScalars, asgdRef } from './helpers/reference-averaged-sgd.mjs';
import { randomArray, sameBits, rng } from './helpers/reference.mjs';
import { CONFIGS, STEPS, trajectory, reference, uniformGrads, assertResumesExactly } from './helpers/harness.mjs';

const HYPERS = [
  {},
  { lr: 0.05, lambd: 0.01, alpha: 0.5, t0: 10, weightDecay: 0.1 },
  { lr: 0.02, t0: 3, maximize: true, weightDecay: 0.01 },
  { lr: 0.02, t0: 3, maximize: true, weightDecay: 0.01, torchBits: true },
];

for (const h of HYPERS) {
  test(`ASGD ${JSON.stringify(h)} matches the f32 reference bit for bit in every build (params and ax)`, async () => {
    const e = await init({ threads: 1 });
    const pow = (x, y) => e.pow(x, y);
    const sc = asgdScalars();
    let last = 0, cur;
    const ref = reference((n) => ({ ax: new Float32Array(n) }), (p, g, s, t) => {
      if (t !== last) { if (last) sc.after(h, last, pow); cur = sc.before(h); last = t; }
      asgdRef(p, g, s, h, cur);
    });
    await e.dispose();
    for (const cfg of CONFIGS) {
      let ax = null;
      const got = await trajectory(cfg, (ps) => {
        const o = new ASGD(ps, h);
        let k = 0;
        return { step() { o.step(); if (++k === STEPS) ax = ps.tensors.map((t) => o.averaged(t.name)); } };
      });
      got.forEach((a, i) => assert.ok(sameBits(a, ref[i].p), `config ${JSON.stringify(cfg)} tensor ${i}`));
      ax.forEach((a, i) => assert.ok(sameBits(a, ref[i].st.ax), `config ${JSON.stringify(cfg)} ax ${i}`));
    }
  });
}

const BAD = [
  [{ lr: -1 }, 'lr'], [{ lambd: -0.1 }, 'lambd'], [{ alpha: NaN }, 'alpha'], [{ t0: -1 }, 't0'],
  [{ t0: Infinity }, 't0'], [{ weightDecay: -1 }, 'weightDecay'], [{ maximize: 1 }, 'maximize'], [{ torchBits: 1 }, 'torchBits'],
];

test('ASGD bad hyperparameters: typed error naming the parameter, at construction and in set(), state unchanged', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9 });
  for (const [bad, name] of BAD) {
    assert.throws(() => new ASGD(ps, bad), (err) => err instanceof HyperparameterError && err.code === 'INVALID_HYPERPARAMETER' && err.message.startsWith(name), JSON.stringify(bad));
    const opt = new ASGD(ps, { t0: 1 });
    ps.setParam('w', randomArray(9, 1)); ps.setGrad('w', randomArray(9, 2));
    opt.step(); opt.step(); opt.step();
    const before = opt.stateDict(), pBefore = ps.param('w').slice();
    assert.throws(() => opt.set(bad), (err) => err instanceof HyperparameterError && err.message.startsWith(name));
    assert.deepEqual(opt.stateDict(), before);
    assert.ok(sameBits(ps.param('w'), pBefore));
    opt.free();
  }
  await e.dispose();
});

test('ASGD state: slot ax, per-group f32 eta/mu scalars; loadStateDict validates before writing', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 6, b: 2 });
  const o = new ASGD(ps, { lr: 0.1, t0: 2, groups: [{ params: ['b'], lr: 0.3 }] });
  assert.deepEqual(Object.keys(o.stateDict().state.w), ['ax']);
  assert.deepEqual(o.stateDict().scalars, { eta: [Math.fround(0.1), Math.fround(0.3)], mu: [1, 1] });
  ps.setGrad('w', randomArray(6, 3)); ps.setGrad('b', randomArray(2, 4));
  for (let k = 0; k < 5; k++) o.step();
  const good = o.stateDict(), before = o.stateDict();
  assert.deepEqual(good.scalars.mu, [Math.fround(1 / 3), Math.fround(1 / 3)]);
  assert.equal(good.scalars.eta[1], Math.fround(0.3 / e.pow(1 + 1e-4 * 0.3 * 5, 0.75)));
  const { scalars, ...noScalars } = good;
  assert.throws(() => o.loadStateDict(noScalars), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { eta: [0.1], mu: [1, 1] } }), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { eta: good.scalars.eta, mu: [0, 1] } }), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { eta: [0.1, 0.3], mu: [1, 1] } }), StateError); // not f32 values
  assert.deepEqual(o.stateDict(), before);
  await e.dispose();
});

test('ASGD stateDict round trip resumes exactly (averaging active across the cut)', () =>
  assertResumesExactly([[ASGD, { lr: 0.05, t0: 5, weightDecay: 0.1 }], [ASGD, { lr: 0.02, lambd: 0.1, t0: 12, maximize: true }]]));

test('ASGD averaging: on a noisy quadratic the average ax is closer to the optimum than the last iterate', async () => {
  const e = await init({ threads: 1 });
  const n = 64, target = randomArray(n, 11);
  const ps = new ParamSet(e, { w: n });
  ps.setParam('w', randomArray(n, 12, 3));
  const o = new ASGD(ps, { lr: 0.1, t0: 100, lambd: 0 });
  for (let k = 0; k < 2000; k++) {
    const r = rng(5000 + k), p = ps.param('w'), g = new Float32Array(n);
    for (let i = 0; i < n; i++) g[i] = p[i] - target[i] + (r() * 2 - 1);
    ps.setGrad('w', g);
    o.step();
  }
  const err = (x) => Math.sqrt(x.reduce((s, v, i) => s + (v - target[i]) ** 2, 0) / n);
  const eIter = err(ps.param('w')), eAvg = err(o.averaged('w'));
  assert.ok(eAvg < eIter / 3, `average error ${eAvg}, iterate error ${eIter}`);
  await e.dispose();
});
