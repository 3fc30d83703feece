import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  init, constantSchedule, linearSchedule, polynomialSchedule, exponentialDecay, cosineDecay, joinSchedules,
  warmupCosineDecay, piecewiseConstant, HyperparameterError, ParamSet, AdamW,
} from '../dist/index.js';

const close = (a, b, tol = 1e-14) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('wasm cos/sin are within 1 ulp of the host on [-1e5, 1e5]', async () => {
  const e = await init({ threads: 1 });
  let s = 7;
  for (let k = 0; k < 50000; k++) {
    s = (s * 16807) % 2147483647;
    const x = (s / 2147483647 - 0.5) * (k % 2 ? 20 : 2e5);
    close(e.cos(x), Math.cos(x), 2.3e-16); close(e.sin(x), Math.sin(x), 2.3e-16);
  }
  assert.equal(e.cos(0), 1); assert.equal(e.sin(0), 0); assert.ok(Number.isNaN(e.cos(1e7)));
  await e.dispose();
});

test('schedules follow their optax closed forms', async () => {
  const e = await init({ threads: 1 });
  const lin = linearSchedule(e, { init: 1, end: 0.1, transitionSteps: 10, transitionBegin: 5 });
  [[0, 1], [5, 1], [10, 0.55], [15, 0.1], [100, 0.1]].forEach(([s, v]) => close(lin(s), v));
  const poly = polynomialSchedule(e, { init: 2, end: 0, power: 2, transitionSteps: 4 });
  [[0, 2], [1, 2 * 0.5625], [2, 0.5], [4, 0], [9, 0]].forEach(([s, v]) => close(poly(s), v));
  const ex = exponentialDecay(e, { init: 1, transitionSteps: 10, decayRate: 0.5, endValue: 0.2 });
  close(ex(10), 0.5); close(ex(5), Math.SQRT1_2); close(ex(40), 0.2);
  const st = exponentialDecay(e, { init: 1, transitionSteps: 10, decayRate: 0.5, staircase: true });
  close(st(19), 0.5); close(st(20), 0.25);
  const cd = cosineDecay(e, { init: 2, decaySteps: 100, alpha: 0.1 });
  for (const s of [0, 1, 37, 50, 99, 100, 150]) close(cd(s), 2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(s, 100) / 100)) + 0.1));
  const wc = warmupCosineDecay(e, { init: 0, peak: 1e-3, warmupSteps: 10, decaySteps: 110, end: 1e-5 });
  close(wc(0), 0); close(wc(5), 5e-4); close(wc(10), 1e-3); close(wc(60), (1e-3 + 1e-5) / 2); close(wc(110), 1e-5); close(wc(500), 1e-5);
  const pc = piecewiseConstant({ init: 1, boundariesAndScales: { 30: 0.1, 80: 0.1 } });
  close(pc(29), 1); close(pc(30), 0.1); close(pc(80), 0.01);
  const j = joinSchedules([constantSchedule(3), lin], [4]);
  close(j(3), 3); close(j(4), 1); close(j(4 + 10), 0.55);
  assert.throws(() => lin(-1), HyperparameterError);
  assert.throws(() => lin(1.5), HyperparameterError);
  assert.throws(() => cosineDecay(e, { init: 1, decaySteps: 0 }), HyperparameterError);
  assert.throws(() => warmupCosineDecay(e, { init: 0, peak: 1, warmupSteps: 10, decaySteps: 5 }), HyperparameterError);
  await e.dispose();
});

test('a schedule drives the learning rate and resumes exactly (pure function of the step)', async () => {
  const e = await init({ threads: 1 });
  const sched = warmupCosineDecay(e, { init: 0, peak: 0.1, warmupSteps: 5, decaySteps: 50 });
  const run = (ps, opt, from, to) => {
    for (let k = from; k < to; k++) { ps.setGrad('w', ps.param('w').map((x) => 2 * x)); opt.set({ lr: sched(opt.stepCount) }); opt.step(); }
  };
  const a = new ParamSet(e, { w: 5 }); a.setParam('w', [1, -2, 3, -4, 5]);
  const oa = new AdamW(a); run(a, oa, 0, 40);
  const b = new ParamSet(e, { w: 5 }); b.setParam('w', [1, -2, 3, -4, 5]);
  const ob = new AdamW(b); run(b, ob, 0, 20);
  const sd = ob.stateDict();
  const c = new ParamSet(e, { w: 5 }); c.setParam('w', b.param('w'));
  const oc = new AdamW(c); oc.loadStateDict(sd); run(c, oc, 20, 40);
  assert.deepEqual([...c.param('w')], [...a.param('w')]);
  await e.dispose();
});
