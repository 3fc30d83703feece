// Param groups (selected by name list, RegExp or predicate; frozen groups) and schedule-driven
// hyperparameters of the torch-style optimizers: each is checked against the same optimizer run
// without the feature (separate optimizers per group, explicit set() before every step), bit for bit.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, AdamW, SGD, NAdam, RMSprop, HyperparameterError, StateError, cosineDecay } from '../dist/index.js';
import { randomArray, rng, sameBits } from './helpers/reference.mjs';
import { uniformGrads } from './helpers/harness.mjs';

// Interleaved so that each group is split into several runs of the arena.
const SPEC = { 'l1.w': [13, 7], 'l1.b': 5, 'l2.w': 4099, 'l2.b': 3, head: 10 };

function fill(ps, seed) {
  let s = seed;
  for (const t of ps.tensors) ps.setParam(t.name, randomArray(t.size, s++));
}
function grads(pss, k) {
  const r = rng(300 + k);
  // The same draw for a tensor whichever ParamSet holds it: drawn in SPEC order.
  for (const name of Object.keys(SPEC)) {
    const g = uniformGrads(k, [SPEC[name]].flat().reduce((a, b) => a * b, 1), r);
    for (const ps of pss) if (ps.has(name)) ps.setGrad(name, g);
  }
}
const sub = (names) => Object.fromEntries(names.map((n) => [n, SPEC[n]]));

for (const cfg of [{ threads: 1 }, { threads: 2, splitMin: 8 }]) {
  test(`groups by RegExp equal separate optimizers per group, bit for bit (${cfg.threads} thread(s))`, async () => {
    const e = await init(cfg);
    await e.ready;
    const all = new ParamSet(e, SPEC);
    const biases = ['l1.b', 'l2.b'], rest = ['l1.w', 'l2.w', 'head'];
    const a = new ParamSet(e, sub(biases)), b = new ParamSet(e, sub(rest));
    fill(all, 1);
    for (const ps of [a, b]) for (const t of ps.tensors) ps.setParam(t.name, all.param(t.name));
    const opt = new AdamW(all, { lr: 0.01, weightDecay: 0.1, groups: [{ params: /\.b$/, weightDecay: 0, lr: 0.02 }] });
    assert.deepEqual(opt.groups.map((g) => g.params), [rest, biases]);
    const oa = new AdamW(a, { lr: 0.02, weightDecay: 0 }), ob = new AdamW(b, { lr: 0.01, weightDecay: 0.1 });
    for (let k = 0; k < 15; k++) { grads([all, a, b], k); opt.step(); oa.step(); ob.step(); }
    for (const n of biases) assert.ok(sameBits(all.param(n), a.param(n)), n);
    for (const n of rest) assert.ok(sameBits(all.param(n), b.param(n)), n);
    assert.equal(opt.hyperparametersOf(1).weightDecay, 0);
    await e.dispose();
  });
}

test('frozen group: parameters and state untouched; list and predicate selectors', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, SPEC);
  fill(ps, 3);
  const before = ps.param('head').slice(), l1w = ps.param('l1.w').slice();
  const opt = new SGD(ps, { lr: 0.1, momentum: 0.9, groups: [{ params: ['head'], frozen: true }, { params: (n) => n.startsWith('l1'), lr: 0 }] });
  for (let k = 0; k < 3; k++) { grads([ps], k); opt.step(); }
  assert.ok(sameBits(ps.param('head'), before));
  assert.ok(sameBits(ps.param('l1.w'), l1w)); // lr 0
  assert.ok(!sameBits(ps.param('l2.w'), randomArray(4099, 6)));
  assert.ok(opt.stateDict().state.head.momentum_buffer.every((x) => x === 0));
  assert.deepEqual(opt.groups.map((g) => g.frozen), [false, true, false]);
  await e.dispose();
});

test('a schedule as a hyperparameter equals set() before every step, bit for bit, and resumes exactly', async () => {
  const e = await init({ threads: 1 });
  const sched = cosineDecay(e, { init: 0.05, decaySteps: 20, alpha: 0.1 });
  const beta1 = (k) => 0.8 + 0.005 * Math.min(k, 10);
  const a = new ParamSet(e, SPEC), b = new ParamSet(e, SPEC), c = new ParamSet(e, SPEC);
  fill(a, 5); fill(b, 5);
  const oa = new AdamW(a, { lr: sched, betas: [beta1, 0.99], groups: [{ params: /head/, lr: (k) => 2 * sched(k) }] });
  const ob = new AdamW(b, { betas: [0.8, 0.99], groups: [{ params: /head/ }] });
  assert.equal(oa.hyperparameters.lr, sched(0));
  for (let k = 0; k < 25; k++) {
    grads([a, b], k);
    ob.set({ lr: sched(k), beta1: beta1(k) });
    ob.set({ lr: 2 * sched(k), beta1: beta1(k) }, 1);
    oa.step(); ob.step();
    if (k === 11) {
      // Resume mid-schedule: the step count is the schedule position.
      for (const t of a.tensors) c.setParam(t.name, a.param(t.name));
      var oc = new AdamW(c, { lr: sched, betas: [beta1, 0.99], groups: [{ params: /head/, lr: (k) => 2 * sched(k) }] });
      oc.loadStateDict(oa.stateDict());
    }
    if (k > 11) { grads([c], k); oc.step(); }
  }
  for (const t of a.tensors) {
    assert.ok(sameBits(a.param(t.name), b.param(t.name)), t.name);
    assert.ok(sameBits(a.param(t.name), c.param(t.name)), `resumed ${t.name}`);
  }
  assert.equal(oa.hyperparametersOf(1).lr, 2 * sched(24));
  await e.dispose();
});

test('group errors: bad selector, fixed keys differing per group, bad group index, mismatched state; nothing changes', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, SPEC);
  fill(ps, 9);
  assert.throws(() => new AdamW(ps, { groups: [{ params: 3 }] }), HyperparameterError);
  assert.throws(() => new AdamW(ps, { groups: [{ params: /b/, amsgrad: true }] }), HyperparameterError);
  assert.throws(() => new NAdam(ps, { groups: [{ params: /b/, betas: [0.5, 0.999] }] }), /beta1 is fixed/);
  assert.throws(() => new RMSprop(ps, { groups: [{ params: /b/, centered: true }] }), HyperparameterError);
  assert.throws(() => new AdamW(ps, { lr: () => -1 }), HyperparameterError);
  const opt = new AdamW(ps, { groups: [{ params: /b/, weightDecay: 0 }] });
  grads([ps], 0); opt.step();
  const sd = opt.stateDict(), p0 = ps.param('l2.w').slice();
  assert.throws(() => opt.set({ lr: 0.1 }, 2), HyperparameterError);
  assert.throws(() => opt.set({ lr: -0.1 }, 1), HyperparameterError);
  const other = new AdamW(ps, { groups: [{ params: /w/, weightDecay: 0 }] });
  assert.throws(() => other.loadStateDict(sd), StateError);
  const flat = new AdamW(ps, {});
  assert.throws(() => flat.loadStateDict(sd), StateError);
  assert.throws(() => opt.loadStateDict({ ...sd, groups: [sd.groups[0], { ...sd.groups[1], hyper: { lr: NaN } }] }), StateError);
  assert.deepEqual(opt.stateDict(), sd);
  assert.ok(sameBits(ps.param('l2.w'), p0));
  // A schedule that turns invalid fails the step before anything is written.
  const bad = new SGD(ps, { lr: (k) => (k < 1 ? 0.1 : -1) });
  grads([ps], 1); bad.step();
  const p1 = ps.param('l2.w').slice(), sd1 = bad.stateDict();
  assert.throws(() => bad.step(), HyperparameterError);
  assert.ok(sameBits(ps.param('l2.w'), p1));
  assert.deepEqual(bad.stateDict(), sd1);
  await e.dispose();
});

test('an option fixed at construction cannot be a schedule', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, SPEC);
  assert.throws(() => new NAdam(ps, { momentumDecay: () => 0.004 }), (err) => err instanceof HyperparameterError && /momentumDecay is fixed at construction and cannot be a schedule/.test(err.message));
  assert.throws(() => new NAdam(ps, { groups: [{ params: /b/, betas: [() => 0.9, 0.999] }] }), (err) => err instanceof HyperparameterError && err.message.startsWith('beta1'));
  await e.dispose();
});
