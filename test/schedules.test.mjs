import { test } from 'vitest';
import assert from 'node:assert/strict';
import {
  init, constantSchedule, linearSchedule, polynomialSchedule, exponentialDecay, cosineDecay, joinSchedules,
  warmupCosineDecay, piecewiseConstant, HyperparameterError, StateError, ParamSet, AdamW, SGD,
  stepDecay, multiStepDecay, cosineWarmRestarts, oneCycle, cyclicSchedule, warmupStableDecay, rexSchedule,
  linearDecayToZero, refinedSchedule, ReduceLROnPlateau,
} from '../dist/index.js';
import { readFileSync, readdirSync } from 'node:fs';

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

/** Throws HyperparameterError whose message starts with the option name. */
const bad = (f, name) => assert.throws(f, (e) => e instanceof HyperparameterError && e.message.startsWith(name), name);

test('schedule sources use the engine math, never Math.cos/pow/exp/log/sqrt', () => {
  const dir = new URL('../src/schedules/', import.meta.url);
  const files = readdirSync(dir).map((f) => readFileSync(new URL(f, dir), 'utf8'));
  assert.ok(files.length >= 4);
  for (const src of files) assert.doesNotMatch(src, /Math\.(pow|exp|log|cos|sin|tan|sqrt|hypot|cbrt)\b/);
});

test('step and multistep decay, SGDR warm restarts', async () => {
  const e = await init({ threads: 1 });
  const sd = stepDecay(e, { init: 0.8, stepSize: 10, gamma: 0.5 });
  [[0, 0.8], [9, 0.8], [10, 0.4], [29, 0.2], [30, 0.1]].forEach(([t, v]) => assert.equal(sd(t), v));
  const ms = multiStepDecay(e, { init: 1, milestones: [20, 5, 20], gamma: 0.5 });   // unsorted, repeated
  [[4, 1], [5, 0.5], [19, 0.5], [20, 0.125], [1000, 0.125]].forEach(([t, v]) => assert.equal(ms(t), v));
  const r1 = cosineWarmRestarts(e, { init: 1, t0: 10, etaMin: 0.5 });
  assert.equal(r1(0), 1); assert.equal(r1(10), 1); assert.equal(r1(25), r1(5)); close(r1(5), 0.75);
  const r2 = cosineWarmRestarts(e, { init: 2, t0: 3, tMult: 2 });   // cycles of 3, 6, 12 steps
  for (const t of [0, 3, 9, 21]) assert.equal(r2(t), 2);
  close(r2(6), 1); close(r2(15), 1); assert.ok(r2(20) < r2(19));
  bad(() => stepDecay(e, { init: 1, stepSize: 0 }), 'stepSize');
  bad(() => stepDecay(e, { init: 1, stepSize: 2.5 }), 'stepSize');
  bad(() => multiStepDecay(e, { init: 1, milestones: [3, -1] }), 'milestones[1]');
  bad(() => cosineWarmRestarts(e, { init: 1, t0: 5, tMult: 1.5 }), 'tMult');
  bad(() => cosineWarmRestarts(e, { init: 1, t0: 0 }), 't0');
  await e.dispose();
});

test('one-cycle: initial, peak and final lr, both annealings, three phases', async () => {
  const e = await init({ threads: 1 });
  const oc = oneCycle(e, { maxLr: 1, totalSteps: 100, pctStart: 0.2, divFactor: 10, finalDivFactor: 100 });
  close(oc(0), 0.1); assert.equal(oc(19), 1); assert.equal(oc(99), 0.001); assert.equal(oc(500), 0.001);
  close(oc(9), 1 - 0.45 * (Math.cos(Math.PI * 9 / 19) + 1));
  for (let t = 1; t < 100; t++) assert.ok(t <= 19 ? oc(t) > oc(t - 1) : oc(t) < oc(t - 1));
  const lin = oneCycle(e, { maxLr: 1, totalSteps: 101, pctStart: 0.5, divFactor: 2, finalDivFactor: 5, annealStrategy: 'linear' });
  close(lin(0), 0.5); close(lin(49), 0.5 + 0.5 * 49 / 49.5); close(lin(100), 0.1);
  const tp = oneCycle(e, { maxLr: 1, totalSteps: 100, pctStart: 0.25, threePhase: true });
  assert.equal(tp(24), 1); close(tp(48), 0.04); close(tp(99), 0.04 / 1e4);
  bad(() => oneCycle(e, { maxLr: 1, totalSteps: 100, pctStart: 1 }), 'pctStart');
  bad(() => oneCycle(e, { maxLr: 1, totalSteps: 3, pctStart: 0.1 }), 'pctStart');
  bad(() => oneCycle(e, { maxLr: 1, totalSteps: 10, annealStrategy: 'exp' }), 'annealStrategy');
  bad(() => oneCycle(e, { maxLr: 1, totalSteps: 0 }), 'totalSteps');
  bad(() => oneCycle(e, { maxLr: 1, totalSteps: 10, divFactor: 0 }), 'divFactor');
  await e.dispose();
});

test('cyclic: triangular, triangular2, exp_range, custom scale', async () => {
  const e = await init({ threads: 1 });
  const tri = cyclicSchedule(e, { baseLr: 1, maxLr: 3, stepSizeUp: 4, stepSizeDown: 2 });
  [[0, 1], [2, 2], [4, 3], [5, 2], [6, 1], [10, 3]].forEach(([t, v]) => close(tri(t), v));
  const t2 = cyclicSchedule(e, { baseLr: 0, maxLr: 8, stepSizeUp: 2, mode: 'triangular2' });
  [[2, 8], [6, 4], [10, 2], [14, 1]].forEach(([t, v]) => assert.equal(t2(t), v));
  const ex = cyclicSchedule(e, { baseLr: 0, maxLr: 1, stepSizeUp: 5, mode: 'exp_range', gamma: 0.9 });
  close(ex(5), 0.9 ** 5, 1e-15);
  const cu = cyclicSchedule(e, { baseLr: 0, maxLr: 1, stepSizeUp: 5, scaleFn: (c) => 1 / c });
  close(cu(15), 0.5);
  bad(() => cyclicSchedule(e, { baseLr: 0, maxLr: 1, mode: 'sine' }), 'mode');
  bad(() => cyclicSchedule(e, { baseLr: 0, maxLr: 1, stepSizeUp: 0 }), 'stepSizeUp');
  bad(() => cyclicSchedule(e, { baseLr: 0, maxLr: 1, scaleFn: (c) => c, scaleMode: 'epoch' }), 'scaleMode');
  await e.dispose();
});

test('warmup-stable-decay (linear, cosine, 1-sqrt), REX, linear decay to zero', async () => {
  const e = await init({ threads: 1 });
  const base = { init: 0, peak: 1, end: 0.1, warmupSteps: 10, stableSteps: 20, decaySteps: 16 };
  const lin = warmupStableDecay(e, base), cos = warmupStableDecay(e, { ...base, decayShape: 'cosine' });
  const sq = warmupStableDecay(e, { ...base, decayShape: '1-sqrt' });
  for (const f of [lin, cos, sq]) { assert.equal(f(0), 0); assert.equal(f(5), 0.5); assert.equal(f(10), 1); assert.equal(f(29), 1); assert.equal(f(30), 1); close(f(46), 0.1); close(f(99), 0.1); }
  close(lin(34), 0.1 + 0.9 * 0.75); close(cos(38), 0.55); close(sq(34), 0.1 + 0.9 * 0.5);
  bad(() => warmupStableDecay(e, { ...base, decaySteps: 0 }), 'decaySteps');
  bad(() => warmupStableDecay(e, { ...base, decayShape: 'exp' }), 'decayShape');
  bad(() => warmupStableDecay(e, { ...base, stableSteps: -1 }), 'stableSteps');
  const rex = rexSchedule(e, { init: 3, totalSteps: 100 });
  assert.equal(rex(0), 3); close(rex(50), 2); assert.equal(rex(100), 0); assert.equal(rex(1000), 0);
  for (let t = 1; t <= 100; t++) assert.ok(rex(t) < rex(t - 1) && rex(t) >= 3 * (1 - t / 100));   // above linear
  bad(() => rexSchedule(e, { init: 1, totalSteps: 0 }), 'totalSteps');
  const d2z = linearDecayToZero(e, { init: 2, totalSteps: 12, warmupSteps: 4 });
  [[0, 0], [2, 1], [4, 2], [8, 1], [12, 0], [50, 0]].forEach(([t, v]) => assert.equal(d2z(t), v));
  bad(() => linearDecayToZero(e, { init: 1, totalSteps: 5, warmupSteps: 5 }), 'warmupSteps');
  await e.dispose();
});

test('refined schedule: constant norms give exactly linear decay to zero; w_t ∝ g_t^-2·Σ_{s>t} g_s^-2', async () => {
  const e = await init({ threads: 1 });
  for (const [g, T] of [[1, 50], [0.3, 200], [7.77e-3, 1000], [12345.6, 7]]) {
    const r = refinedSchedule(e, { init: 0.05, gradNorms: new Array(T).fill(g) });
    const d = linearDecayToZero(e, { init: 0.05, totalSteps: T - 1 });
    for (let t = 0; t < T + 5; t++) assert.equal(r(t), d(t), `g=${g} T=${T} t=${t}`);
  }
  // hand-computed: g = [1, 2, 1, 0.5] -> a = g^-2 = [1, 1/4, 1, 4]; w_t = a_t * sum_{s>t} a_s = [5.25, 1.25, 4, 0]
  const r = refinedSchedule(e, { init: 1, gradNorms: [1, 2, 1, 0.5] });
  [[0, 1], [1, 1.25 / 5.25], [2, 4 / 5.25], [3, 0], [9, 0]].forEach(([t, v]) => close(r(t), v));
  // median filter (width 3, nearest padding) removes a single spike
  const spiky = refinedSchedule(e, { init: 1, gradNorms: [1, 1, 1, 50, 1, 1, 1, 1], filterWidth: 3 });
  const flat = linearDecayToZero(e, { init: 1, totalSteps: 7 });
  for (let t = 0; t < 8; t++) assert.equal(spiky(t), flat(t));
  // norms growing over the run shift the decay earlier than linear
  const grow = refinedSchedule(e, { init: 1, gradNorms: Array.from({ length: 100 }, (_, i) => 1 + i / 25) });
  assert.ok(grow(50) < flat(0) * (1 - 50 / 99));
  bad(() => refinedSchedule(e, { init: 1, gradNorms: [1] }), 'gradNorms');
  bad(() => refinedSchedule(e, { init: 1, gradNorms: [1, 0, 2] }), 'gradNorms[1]');
  bad(() => refinedSchedule(e, { init: 1, gradNorms: [1, NaN] }), 'gradNorms[1]');
  bad(() => refinedSchedule(e, { init: 1, gradNorms: [1, 2, 3], filterWidth: 2 }), 'filterWidth');
  await e.dispose();
});

test('ReduceLROnPlateau: patience, cooldown, minLr, eps, modes; state dict resumes exactly; typed errors', () => {
  const p = new ReduceLROnPlateau({ init: 1, patience: 2, factor: 0.5, cooldown: 1, minLr: 0.2 });
  const seq = [5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3];
  const got = seq.map((m) => p.step(m));
  // bad steps at indices 2,3,4 -> reduce at 4 (3 > patience 2); cooldown 1 swallows 5; bad 6,7,8 -> reduce; ...
  assert.deepEqual(got, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25]);
  const q = new ReduceLROnPlateau({ init: 1, patience: 0, factor: 0.5, minLr: 0.2 });
  assert.deepEqual([1, 1, 1, 1].map((m) => q.step(m)), [1, 0.5, 0.25, 0.2]);
  const mx = new ReduceLROnPlateau({ init: 1, mode: 'max', patience: 0, threshold: 0.5, thresholdMode: 'abs' });
  assert.deepEqual([1, 1.4, 2, NaN].map((m) => mx.step(m)), [1, 0.1, 0.1, 0.010000000000000002]);
  const eps = new ReduceLROnPlateau({ init: 1e-8, patience: 0, eps: 1e-8 });
  assert.deepEqual([1, 1].map((m) => eps.step(m)), [1e-8, 1e-8]);

  const metrics = Array.from({ length: 60 }, (_, k) => 1 / (1 + (k % 17)) + (k % 5) * 1e-3);
  const a = new ReduceLROnPlateau({ init: 0.1, patience: 3, cooldown: 2 });
  const full = metrics.map((m) => a.step(m));
  const b = new ReduceLROnPlateau({ init: 0.1, patience: 3, cooldown: 2 });
  metrics.slice(0, 30).forEach((m) => b.step(m));
  const sd = JSON.parse(JSON.stringify(b.stateDict()));
  const c = new ReduceLROnPlateau({ init: 0.1, patience: 3, cooldown: 2 });
  c.loadStateDict(sd);
  assert.deepEqual(metrics.slice(30).map((m) => c.step(m)), full.slice(30));
  assert.ok(new Set(full).size > 2);

  const before = JSON.stringify(c.stateDict());
  for (const broken of [null, { ...sd, format: 'x' }, { ...sd, mode: 'max' }, { ...sd, lr: -1 }, { ...sd, best: NaN }, { ...sd, numBadSteps: 1.5 }, { ...sd, cooldownCounter: -1 }]) {
    assert.throws(() => c.loadStateDict(broken), StateError);
  }
  bad(() => c.step('0.5'), 'metric');
  assert.equal(JSON.stringify(c.stateDict()), before);
  bad(() => new ReduceLROnPlateau({ init: 1, factor: 1 }), 'factor');
  bad(() => new ReduceLROnPlateau({ init: 1, patience: 1.5 }), 'patience');
  bad(() => new ReduceLROnPlateau({ init: 1, mode: 'avg' }), 'mode');
  bad(() => new ReduceLROnPlateau({ init: 1, thresholdMode: 'pct' }), 'thresholdMode');
  bad(() => new ReduceLROnPlateau({ init: -1 }), 'init');
  bad(() => new ReduceLROnPlateau({ init: 1, minLr: -1 }), 'minLr');
  bad(() => new ReduceLROnPlateau({ init: 1, cooldown: -2 }), 'cooldown');
});

test('a schedule passed directly as lr is evaluated before every step', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 4 }); ps.setParam('w', [1, 2, 3, 4]);
  const lr = oneCycle(e, { maxLr: 0.5, totalSteps: 20 });
  const opt = new SGD(ps, { lr });
  for (let t = 0; t < 20; t++) { ps.setGrad('w', [1, 1, 1, 1]); opt.step(); assert.equal(opt.hyperparameters.lr, lr(t)); }
  let want = 1;
  for (let t = 0; t < 20; t++) want = Math.fround(want - Math.fround(lr(t)));
  assert.equal(ps.param('w')[0], want);
  await e.dispose();
});
