// Learning-rate-free and closure-based optimizers: Schedule-Free SGD/AdamW, Prodigy, DoG, SAM.
// Bit-exact against the f32 references of test/helpers/reference-lr-free.mjs in every build (SIMD/scalar ×
// 1/2 threads), typed hyperparameter errors that leave state untouched, exact resume, and one
// behavioural check each.
import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { init, ParamSet, ScheduleFreeSGD, ScheduleFreeAdamW, Prodigy, DoG, SAM, SGD, Adam, HyperparameterError, StateError } from '../dist/index.js';
import { sfScalars, sfRef, sfLerpRef, flatReference, prodigyRef, dogRef, samRef } from './helpers/reference-lr-free.mjs';
import { randomArray, sameBits, rng, sgdRef } from './helpers/reference.mjs';
import { CONFIGS, SPEC, STEPS, trajectory, reference, uniformGrads, assertResumesExactly, assertBadHypers } from './helpers/harness.mjs';

const z = (n) => new Float32Array(n);

// ---------------------------------------------------------------- Schedule-Free
const SF = [
  ['ScheduleFreeSGD', ScheduleFreeSGD, false, [{}, { lr: 0.1, momentum: 0.5, weightDecay: 0.1, warmupSteps: 5, r: 1, weightLrPower: 1 }, { lr: 0.05, momentum: 0.95, warmupSteps: 30 }]],
  ['ScheduleFreeAdamW', ScheduleFreeAdamW, true, [{}, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1, warmupSteps: 4, r: 0.5 }, { lr: 0.01, betas: [0.3, 0.9], weightLrPower: 0 }]],
];

for (const [name, Cls, adamw, hypers] of SF) {
  for (const h of hypers) {
    test(`${name} ${JSON.stringify(h)} matches the f32 reference bit for bit in every build (then eval() and train())`, async () => {
      const e = await init({ threads: 1 });
      const pow = (x, y) => e.pow(x, y), sqrt = (x) => e.sqrt(x);
      const st = { weightSum: 0, lrMax: -1 };
      let last = 0, sc;
      const ref = reference((n) => ({ z: z(n), v: z(n) }), (p, g, s, t) => {
        if (t !== last) { sc = sfScalars(st, h, t - 1, adamw, pow, sqrt); last = t; }
        sfRef(p, g, s, h, sc, t === 1, adamw);
      });
      await e.dispose();
      const beta = adamw ? (h.betas ?? [0.9])[0] : (h.momentum ?? 0.9);
      const x = ref.map(({ p, st: s }) => { const c = p.slice(); sfLerpRef(c, s.z, 1 - 1 / beta); return c; });
      const y = x.map((c, i) => { const d = c.slice(); sfLerpRef(d, ref[i].st.z, 1 - beta); return d; });
      // eval/train round trips are not exactly invertible in f32: the final parameters went through two.
      const y2 = y.map((c, i) => { const d = c.slice(); sfLerpRef(d, ref[i].st.z, 1 - 1 / beta); sfLerpRef(d, ref[i].st.z, 1 - beta); return d; });
      for (const cfg of CONFIGS) {
        let evalP, trainP;
        const got = await trajectory(cfg, (ps) => {
          const o = new Cls(ps, h), step = o.step.bind(o);
          let k = 0;
          o.step = () => {
            step();
            if (++k === 25) {
              o.eval(); evalP = ps.tensors.map((t) => ps.param(t.name).slice());
              o.train(); trainP = ps.tensors.map((t) => ps.param(t.name).slice());
              o.eval(); o.train();
            }
          };
          return o;
        });
        got.forEach((a, i) => assert.ok(sameBits(a, y2[i]), `config ${JSON.stringify(cfg)} tensor ${i} (y after eval/train twice)`));
        evalP.forEach((a, i) => assert.ok(sameBits(a, x[i]), `config ${JSON.stringify(cfg)} tensor ${i} (x)`));
        trainP.forEach((a, i) => assert.ok(sameBits(a, y[i]), `config ${JSON.stringify(cfg)} tensor ${i} (y)`));
      }
    });
  }
}

test('Schedule-Free: step() in eval mode throws StateError and changes nothing; eval()/train() are idempotent', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9 });
  ps.setParam('w', randomArray(9, 1)); ps.setGrad('w', randomArray(9, 2));
  const o = new ScheduleFreeAdamW(ps, { lr: 0.1 });
  o.eval(); o.train(); // at step 0 there is no z: nothing moves
  assert.ok(sameBits(ps.param('w'), randomArray(9, 1)));
  o.step(); o.step();
  o.eval();
  const x = ps.param('w').slice(), sd = o.stateDict();
  o.eval();
  assert.ok(sameBits(ps.param('w'), x));
  assert.equal(o.training, false);
  assert.throws(() => o.step(), StateError);
  assert.deepEqual(o.stateDict(), sd);
  assert.ok(sameBits(ps.param('w'), x));
  o.train();
  assert.equal(o.training, true);
  o.step();
  assert.equal(o.stepCount, 3);
  await e.dispose();
});

test('Schedule-Free SGD on a noisy quadratic: the eval parameters x have lower loss than the train parameters y', async () => {
  // f(w) = ½ Σ aᵢ wᵢ², gradients with additive noise; no schedule, lr fixed. x averages the z iterates
  // (the noise cancels), y sits between x and the last z. Tolerance: loss(x) < 0.8·loss(y), and both
  // well below the initial loss.
  const e = await init({ threads: 1 });
  const n = 64, ps = new ParamSet(e, { w: n });
  const a = Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 8) / 4);
  ps.setParam('w', randomArray(n, 3, 2));
  const loss = (w) => w.reduce((s, wi, i) => s + 0.5 * a[i] * wi * wi, 0);
  const l0 = loss(ps.param('w'));
  for (const [Cls, h] of [[ScheduleFreeSGD, { lr: 0.2, momentum: 0.9 }], [ScheduleFreeAdamW, { lr: 0.05 }]]) {
    ps.setParam('w', randomArray(n, 3, 2));
    const o = new Cls(ps, h);
    for (let k = 0; k < 1000; k++) {
      const w = ps.param('w'), r = rng(5000 + k), g = new Float32Array(n);
      for (let i = 0; i < n; i++) g[i] = a[i] * w[i] + (r() * 2 - 1) * 2;
      ps.setGrad('w', g);
      o.step();
    }
    const ly = loss(ps.param('w'));
    o.eval();
    const lx = loss(ps.param('w'));
    assert.ok(lx < 0.8 * ly && ly < l0 / 20, `${Cls.name}: loss(x) = ${lx}, loss(y) = ${ly}, initial ${l0}`);
    o.free();
  }
  await e.dispose();
});

const BAD = [
  [ScheduleFreeSGD, { lr: -1 }, 'lr'], [ScheduleFreeSGD, { momentum: 0 }, 'momentum'], [ScheduleFreeSGD, { momentum: 1 }, 'momentum'],
  [ScheduleFreeSGD, { weightDecay: -1 }, 'weightDecay'], [ScheduleFreeSGD, { warmupSteps: 1.5 }, 'warmupSteps'], [ScheduleFreeSGD, { warmupSteps: -1 }, 'warmupSteps'],
  [ScheduleFreeSGD, { r: -1 }, 'r'], [ScheduleFreeSGD, { weightLrPower: NaN }, 'weightLrPower'],
  [ScheduleFreeAdamW, { lr: Infinity }, 'lr'], [ScheduleFreeAdamW, { betas: [0, 0.9] }, 'betas[0]'], [ScheduleFreeAdamW, { betas: [0.9, 1] }, 'betas[1]'],
  [ScheduleFreeAdamW, { eps: -1 }, 'eps'], [ScheduleFreeAdamW, { weightDecay: 'x' }, 'weightDecay'],
];

/** Construction and set() with a bad value throw HyperparameterError naming it; state and params unchanged. */
test('Schedule-Free bad hyperparameters: typed error naming the parameter, at construction and in set(), state unchanged', () => assertBadHypers(BAD));

test('Schedule-Free stateDict: z (+ exp_avg_sq), per-group scalars; resumes exactly; bad scalars rejected', async () => {
  await assertResumesExactly([[ScheduleFreeSGD, { lr: 0.1, weightDecay: 0.1, warmupSteps: 3 }], [ScheduleFreeAdamW, { lr: 0.01, warmupSteps: 12 }]]);
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 5, b: 3 });
  const o = new ScheduleFreeAdamW(ps, { groups: [{ params: ['b'], weightDecay: 0.5 }] });
  assert.deepEqual(Object.keys(o.stateDict().state.w).sort(), ['exp_avg_sq', 'z']);
  assert.deepEqual(Object.keys(new ScheduleFreeSGD(ps).stateDict().state.w), ['z']);
  ps.setGrad('w', randomArray(5, 3)); ps.setGrad('b', randomArray(3, 4));
  o.step(); o.step();
  const good = o.stateDict(), before = o.stateDict();
  assert.equal(good.scalars.weight_sum.length, 2);
  assert.equal(good.scalars.train_mode, true);
  const { scalars, ...none } = good;
  assert.throws(() => o.loadStateDict(none), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { ...scalars, weight_sum: [1] } }), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { ...scalars, lr_max: [NaN, 1] } }), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { ...scalars, train_mode: 1 } }), StateError);
  assert.deepEqual(o.stateDict(), before);
  o.eval();
  const ev = o.stateDict();
  const o2 = new ScheduleFreeAdamW(ps, { groups: [{ params: ['b'], weightDecay: 0.5 }] });
  o2.loadStateDict(ev);
  assert.equal(o2.training, false);
  assert.throws(() => o2.step(), StateError);
  await e.dispose();
});

// ---------------------------------------------------------------- Prodigy
/** Bit-exact check of an optimizer whose step reduces over the whole arena (flat reference). */
async function assertFlatBitExact(make, makeRef, grads = uniformGrads, check = () => {}) {
  const e = await init({ threads: 1 });
  const r = makeRef(e, 4204);
  const ref = flatReference(SPEC, STEPS, randomArray, rng, grads, r.step);
  check(r.st);
  await e.dispose();
  for (const cfg of CONFIGS) {
    const got = await trajectory(cfg, make, grads);
    got.forEach((a, i) => assert.ok(sameBits(a, ref[i]), `config ${JSON.stringify(cfg)} tensor ${i}`));
  }
}

/** Gradients with a persistent direction (uniform in [0, 1)), so that Prodigy's d grows within the test. */
const driftGrads = (k, n, r) => uniformGrads(k, n, r).map((x) => 0.5 * x + 0.5);

const PRODIGY = [{}, { lr: 0.5, weightDecay: 0.1, decouple: false, useBiasCorrection: true, growthRate: 1.5 },
  { weightDecay: 0.05, safeguardWarmup: true, beta3: 0.9, dCoef: 2, d0: 1e-3, betas: [0.5, 0.9], eps: 1e-4 }];
for (const h of PRODIGY) {
  test(`Prodigy ${JSON.stringify(h)} matches the f32 reference bit for bit in every build`, () =>
    assertFlatBitExact((ps) => new Prodigy(ps, h), (e, n) => prodigyRef(n, h, (x, y) => e.pow(x, y), (x) => e.sqrt(x)), driftGrads,
      (st) => assert.ok(st.d > 10 * (h.d0 ?? 1e-6), `d = ${st.d}: the trajectory exercises the d update`)));
}

test('Prodigy without tuning: d grows from d0 by orders of magnitude and a quadratic converges', async () => {
  // f(w) = ½ Σ aᵢ (wᵢ − cᵢ)², exact gradients, every option at its default (lr = 1, d0 = 1e-6).
  // Tolerance: d ≥ 1e4·d0 and f ≤ 1e-8·f(w₀) after 400 steps (measured: d ≈ 0.6, f ≈ 5e-15·f(w₀)).
  const e = await init({ threads: 1 });
  const n = 100, ps = new ParamSet(e, { w: n });
  const a = Float32Array.from({ length: n }, (_, i) => 0.2 + (i % 10) / 5), c = randomArray(n, 8, 3);
  const loss = (w) => w.reduce((s, wi, i) => s + 0.5 * a[i] * (wi - c[i]) ** 2, 0);
  const o = new Prodigy(ps);
  assert.equal(o.d, 1e-6);
  const l0 = loss(ps.param('w'));
  const ds = [];
  for (let k = 0; k < 400; k++) {
    const w = ps.param('w');
    ps.setGrad('w', w.map((wi, i) => a[i] * (wi - c[i])));
    o.step();
    ds.push(o.d);
  }
  const l = loss(ps.param('w'));
  assert.ok(ds.every((d, i) => i === 0 || d >= ds[i - 1]), 'd never decreases');
  assert.ok(o.d >= 1e4 * 1e-6 && l <= 1e-8 * l0, `d = ${o.d}, loss ${l} from ${l0}`);
  assert.equal(o.stateDict().scalars.d, o.d);
  await e.dispose();
});

// ---------------------------------------------------------------- DoG
for (const h of [{}, { repsRel: 1e-3, weightDecay: 0.1, eps: 1e-6 }, { initEta: 0.01, lr: 0.8 }]) {
  test(`DoG ${JSON.stringify(h)} matches the f32 reference bit for bit in every build`, () =>
    assertFlatBitExact((ps) => new DoG(ps, h), (e, n) => dogRef([{ off: 0, n }], h, (x) => e.sqrt(x))));
}

test('DoG without a learning rate converges on a convex quadratic', async () => {
  // f(w) = ½ Σ aᵢ (wᵢ − cᵢ)² (condition number 10), exact gradients, defaults only (repsRel = 1e-6).
  // Tolerance: f ≤ 1e-6·f(w₀) after 500 steps, and the step size grew from its tiny first value.
  const e = await init({ threads: 1 });
  const n = 100, ps = new ParamSet(e, { w: n });
  const a = Float32Array.from({ length: n }, (_, i) => 0.2 + (i % 10) / 5), c = randomArray(n, 8, 3);
  const loss = (w) => w.reduce((s, wi, i) => s + 0.5 * a[i] * (wi - c[i]) ** 2, 0);
  const o = new DoG(ps);
  const l0 = loss(ps.param('w'));
  let eta0;
  for (let k = 0; k < 500; k++) {
    const w = ps.param('w');
    ps.setGrad('w', w.map((wi, i) => a[i] * (wi - c[i])));
    o.step();
    if (k === 0) eta0 = o.eta();
  }
  const l = loss(ps.param('w'));
  assert.ok(l <= 1e-6 * l0 && o.eta() > 1e4 * eta0, `loss ${l} from ${l0}, eta ${eta0} -> ${o.eta()}`);
  await e.dispose();
});

// ---------------------------------------------------------------- Prodigy and DoG: errors, state
test('Prodigy and DoG bad hyperparameters: typed error naming the parameter, at construction and in set(), state unchanged', () => assertBadHypers([
  [Prodigy, { lr: 0 }, 'lr'], [Prodigy, { lr: -1 }, 'lr'], [Prodigy, { betas: [1, 0.9] }, 'betas[0]'], [Prodigy, { betas: [0.9, 1] }, 'betas[1]'],
  [Prodigy, { beta3: 1.5 }, 'beta3'], [Prodigy, { eps: 0 }, 'eps'], [Prodigy, { weightDecay: -1 }, 'weightDecay'], [Prodigy, { decouple: 1 }, 'decouple'],
  [Prodigy, { useBiasCorrection: 'yes' }, 'useBiasCorrection'], [Prodigy, { safeguardWarmup: 0 }, 'safeguardWarmup'], [Prodigy, { d0: 0 }, 'd0'],
  [Prodigy, { dCoef: -2 }, 'dCoef'], [Prodigy, { growthRate: 0.5 }, 'growthRate'], [Prodigy, { growthRate: NaN }, 'growthRate'],
  [DoG, { repsRel: 0 }, 'repsRel'], [DoG, { lr: 0 }, 'lr'], [DoG, { weightDecay: -0.1 }, 'weightDecay'], [DoG, { eps: 0 }, 'eps'], [DoG, { initEta: -1 }, 'initEta'],
]));

test('Prodigy: fixed keys and unequal group lr are rejected; d0 and beta3 default', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 5, b: 3 });
  const o = new Prodigy(ps, { d0: 1e-4 });
  assert.equal(o.d, 1e-4);
  assert.equal(o.hyperparameters.beta3, -1);
  assert.throws(() => o.set({ d0: 1e-3 }), (err) => err instanceof HyperparameterError && err.message.startsWith('d0'));
  assert.throws(() => new Prodigy(ps, { groups: [{ params: ['b'], betas: [0.5, 0.9] }] }), HyperparameterError);
  const g = new Prodigy(ps, { groups: [{ params: ['b'], lr: 0.5 }] });
  ps.setGrad('w', randomArray(5, 1)); ps.setGrad('b', randomArray(3, 2));
  assert.throws(() => g.step(), (err) => err instanceof HyperparameterError && err.message.startsWith('lr'));
  // A frozen group may keep any lr; a group with its own weight decay and eps is fine.
  const f = new Prodigy(ps, { groups: [{ params: ['b'], frozen: true, lr: 0.5 }] });
  f.step();
  const w = new Prodigy(ps, { groups: [{ params: ['b'], weightDecay: 0.1, eps: 1e-6 }] });
  w.step(); w.step();
  // Zero gradients: Σ|s| = 0, so no update, d and k unchanged (prodigy.py returns early).
  const zg = new Prodigy(ps), p0 = ps.param('w').slice();
  ps.zeroGrad();
  zg.step(); zg.step();
  assert.ok(sameBits(ps.param('w'), p0));
  assert.deepEqual(zg.stateDict().scalars, { d: 1e-6, d_max: 1e-6, d_numerator: 0, k: 0 });
  assert.equal(zg.stepCount, 2);
  ps.setGrad('w', randomArray(5, 1));
  zg.step();
  assert.equal(zg.stateDict().scalars.k, 1);
  assert.ok(!sameBits(ps.param('w'), p0));
  await e.dispose();
});

test('Prodigy and DoG: stateDict scalars, exact resume, bad scalars rejected without changes', async () => {
  await assertResumesExactly([[Prodigy, {}], [Prodigy, { weightDecay: 0.1, useBiasCorrection: true, growthRate: 1.2 }], [DoG, {}], [DoG, { weightDecay: 0.1 }]]);
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 6 });
  assert.deepEqual(Object.keys(new Prodigy(ps).stateDict().state.w).sort(), ['exp_avg', 'exp_avg_sq', 'p0', 's']);
  assert.deepEqual(Object.keys(new DoG(ps).stateDict().state.w), ['x0']);
  for (const [Cls, bads] of [
    [Prodigy, [{ d: 0 }, { d_max: -1 }, { d_numerator: NaN }, { k: 1.5 }]],
    [DoG, [{ rbar: [NaN] }, { G: [] }, { G: [-1] }]],
  ]) {
    const o = new Cls(ps);
    ps.setParam('w', randomArray(6, 5)); ps.setGrad('w', randomArray(6, 6));
    o.step(); o.step();
    const good = o.stateDict(), before = o.stateDict();
    const { scalars, ...none } = good;
    assert.throws(() => o.loadStateDict(none), StateError);
    for (const b of bads) assert.throws(() => o.loadStateDict({ ...good, scalars: { ...scalars, ...b } }), StateError, `${Cls.name} ${JSON.stringify(b)}`);
    assert.deepEqual(o.stateDict(), before);
    const fresh = new Cls(ps).stateDict();
    delete fresh.scalars;
    o.loadStateDict(fresh);
    assert.equal(o.stepCount, 0);
  }
  await e.dispose();
});

test('DoG with param groups: each group is one vector with its own r̄, G and η (multi-run reductions)', async () => {
  // Groups split the harness arena into runs: group 1 = b (one run), group 0 = w, big, one (two runs).
  const e = await init({ threads: 1 });
  const sqrt = (x) => e.sqrt(x);
  const h0 = { repsRel: 1e-3 }, h1 = { repsRel: 1e-2, weightDecay: 0.1 };
  const r0 = dogRef([{ off: 0, n: 92 }, { off: 100, n: 4104 }], h0, sqrt), r1 = dogRef([{ off: 92, n: 8 }], { ...h0, ...h1 }, sqrt);
  const ref = flatReference(SPEC, STEPS, randomArray, rng, uniformGrads, (p, g, t) => { r0.step(p, g, t); r1.step(p, g, t); });
  await e.dispose();
  for (const cfg of CONFIGS) {
    const got = await trajectory(cfg, (ps) => new DoG(ps, { ...h0, groups: [{ params: ['b'], ...h1 }] }));
    got.forEach((a, i) => assert.ok(sameBits(a, ref[i]), `config ${JSON.stringify(cfg)} tensor ${i}`));
  }
});

test('Prodigy with param groups (own weight decay and eps, a frozen group): one d over the non-frozen runs', async () => {
  // group 1 = b (own weightDecay/eps), group 2 = one (frozen), group 0 = w, big (two runs).
  const e = await init({ threads: 1 });
  const h = { weightDecay: 0.01, useBiasCorrection: true };
  const r = prodigyRef([{ off: 0, n: 92 }, { off: 100, n: 4100 }, { off: 92, n: 8, weightDecay: 0.2, eps: 1e-5 }], h, (x, y) => e.pow(x, y), (x) => e.sqrt(x));
  const ref = flatReference(SPEC, STEPS, randomArray, rng, driftGrads, r.step);
  await e.dispose();
  assert.ok(r.st.d > 1e-5, `d = ${r.st.d}`);
  for (const cfg of CONFIGS) {
    const got = await trajectory(cfg, (ps) => new Prodigy(ps, { ...h, groups: [{ params: ['b'], weightDecay: 0.2, eps: 1e-5 }, { params: ['one'], frozen: true }] }), driftGrads);
    got.forEach((a, i) => assert.ok(sameBits(a, ref[i]), `config ${JSON.stringify(cfg)} tensor ${i}`));
  }
});

// ---------------------------------------------------------------- SAM
// A deterministic closure on the harness arena: g = a·p − b per element (a, b fixed per element), loss ½a·p² − b·p.
const fr = Math.fround;
function samProblem() {
  const N = 4204, a = new Float32Array(N), b = new Float32Array(N), offs = [0, 92, 100, 4200], sizes = [91, 5, 4099, 1];
  const r = rng(77);
  offs.forEach((o, k) => { for (let i = 0; i < sizes[k]; i++) { a[o + i] = 0.5 + r() * 4; b[o + i] = r() * 2 - 1; } });
  const grad = (p) => { const g = new Float32Array(N); for (let i = 0; i < N; i++) g[i] = fr(fr(a[i] * p[i]) - b[i]); return g; };
  const closureFor = (ps) => () => {
    let loss = 0;
    ps.tensors.forEach((t) => {
      const p = ps.param(t.name), g = new Float32Array(t.size);
      for (let i = 0; i < t.size; i++) { const j = t.offset + i; g[i] = fr(fr(a[j] * p[i]) - b[j]); loss += 0.5 * a[j] * p[i] * p[i] - b[j] * p[i]; }
      ps.setGrad(t.name, g);
    });
    return loss;
  };
  return { N, offs, sizes, grad, closureFor };
}

for (const [name, h, base] of [
  ['SAM + SGD(momentum)', { rho: 0.05 }, { lr: 0.05, momentum: 0.9 }],
  ['ASAM + SGD', { rho: 0.5, adaptive: true }, { lr: 0.1, weightDecay: 0.01 }],
]) {
  test(`${name}: step(closure) matches the f32 reference bit for bit in every build`, async () => {
    const e = await init({ threads: 1 });
    const P = samProblem(), p = new Float32Array(P.N), buf = new Float32Array(P.N);
    P.offs.forEach((o, k) => p.set(randomArray(P.sizes[k], k + 1), o));
    const scales = [];
    for (let t = 1; t <= STEPS; t++) scales.push(samRef(p, P.grad, h, (x) => e.sqrt(x), (q, g) => sgdRef(q, g, buf, base, t === 1)));
    assert.ok(scales.every((x) => x > 0 && Number.isFinite(x)));
    await e.dispose();
    for (const cfg of CONFIGS) {
      const en = await init(cfg);
      await en.ready;
      const ps = new ParamSet(en, SPEC);
      ps.tensors.forEach((t, k) => ps.setParam(t.name, randomArray(t.size, k + 1)));
      const o = new SAM(ps, { ...h, base: (q) => new SGD(q, base) }), closure = P.closureFor(ps);
      let calls = 0;
      for (let t = 0; t < STEPS; t++) o.step(() => { calls++; return closure(); });
      assert.equal(calls, 2 * STEPS);
      assert.equal(o.stepCount, STEPS);
      ps.tensors.forEach((t, k) => assert.ok(sameBits(ps.param(t.name), p.subarray(P.offs[k], P.offs[k] + t.size)), `config ${JSON.stringify(cfg)} tensor ${k}`));
      await en.dispose();
    }
  });
}

test('SAM finds the flat minimum of ½(uv − 1)² where plain SGD stops at a sharp one', async () => {
  // Minima: uv = 1, sharpness (largest Hessian eigenvalue) u² + v², smallest (2) at u = v = 1.
  // From (3, 0.2): SGD (lr 0.02, 4000 steps) ends with sharpness > 9; SAM(ρ = 0.2) with the same base
  // ends within 5% of 2, loss < 1e-3 (measured: 9.18 vs 1.99).
  const e = await init({ threads: 1 });
  const run = (rho) => {
    const ps = new ParamSet(e, { u: 1, v: 1 });
    ps.setParam('u', [3]); ps.setParam('v', [0.2]);
    const closure = () => { const u = ps.param('u')[0], v = ps.param('v')[0], r = u * v - 1; ps.setGrad('u', [r * v]); ps.setGrad('v', [r * u]); return 0.5 * r * r; };
    const o = new SAM(ps, { rho, base: (q) => new SGD(q, { lr: 0.02 }) });
    let loss;
    for (let k = 0; k < 4000; k++) loss = o.step(closure);
    const u = ps.param('u')[0], v = ps.param('v')[0];
    o.free(); ps.free();
    return { sharp: u * u + v * v, loss };
  };
  const sgd = run(0), sam = run(0.2);
  assert.ok(sgd.sharp > 9 && sgd.loss < 1e-6, JSON.stringify(sgd));
  assert.ok(sam.sharp < 2.1 && sam.loss < 1e-3, JSON.stringify(sam));
  await e.dispose();
});

test('SAM: typed errors, parameters restored when the closure throws, non-finite gradients go to the base policy, state dict', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 6 }), other = new ParamSet(e, { w: 6 });
  const base = (q) => new Adam(q, { lr: 0.01 });
  assert.throws(() => new SAM(ps, { rho: -1, base }), (err) => err instanceof HyperparameterError && err.message.startsWith('rho'));
  assert.throws(() => new SAM(ps, { rho: NaN, base }), (err) => err instanceof HyperparameterError && err.message.startsWith('rho'));
  assert.throws(() => new SAM(ps, { adaptive: 1, base }), (err) => err instanceof HyperparameterError && err.message.startsWith('adaptive'));
  assert.throws(() => new SAM(ps, {}), (err) => err instanceof HyperparameterError && err.message.startsWith('base'));
  assert.throws(() => new SAM(ps, { base: () => new Adam(other) }), (err) => err instanceof HyperparameterError && err.message.startsWith('base'));
  ps.setParam('w', randomArray(6, 1));
  const o = new SAM(ps, { base });
  const closure = () => { ps.setGrad('w', ps.param('w').map((x) => 2 * x)); return 1; };
  o.step(closure); o.step(closure);
  const sd = o.stateDict(), p = ps.param('w').slice();
  assert.throws(() => o.set({ rho: -0.1 }), (err) => err instanceof HyperparameterError && err.message.startsWith('rho'));
  assert.throws(() => o.step(), (err) => err instanceof HyperparameterError && err.message.startsWith('closure'));
  // The second closure call throws: the parameters are restored, the base optimizer did not step.
  let n = 0;
  assert.throws(() => o.step(() => { if (n++ === 1) throw new Error('boom'); return closure(); }), /boom/);
  assert.ok(sameBits(ps.param('w'), p));
  assert.deepEqual(o.stateDict(), sd);
  // Non-finite first gradient: no perturbation; the base's default policy throws NonFiniteError, nothing changes.
  assert.throws(() => o.step(() => { ps.setGrad('w', [NaN, 0, 0, 0, 0, 0]); return 0; }), (err) => err.code === 'NON_FINITE');
  assert.ok(sameBits(ps.param('w'), p));
  assert.deepEqual(o.stateDict(), sd);
  // State dict: bad dicts rejected without changes; a round trip resumes exactly.
  assert.throws(() => o.loadStateDict({ ...sd, rho: -1 }), StateError);
  assert.throws(() => o.loadStateDict({ ...sd, format: 'x' }), StateError);
  assert.throws(() => o.loadStateDict({ ...sd, base: { ...sd.base, optimizer: 'sgd' } }), StateError);
  assert.deepEqual(o.stateDict(), sd);
  const ps2 = new ParamSet(e, { w: 6 });
  ps2.setParam('w', ps.param('w'));
  const o2 = new SAM(ps2, { rho: 0.3, adaptive: true, base: (q) => new Adam(q, { lr: 0.01 }) });
  o2.loadStateDict(sd);
  assert.equal(o2.rho, 0.05);
  assert.equal(o2.adaptive, false);
  const closure2 = () => { ps2.setGrad('w', ps2.param('w').map((x) => 2 * x)); return 1; };
  for (let k = 0; k < 5; k++) { o.step(closure); o2.step(closure2); }
  assert.ok(sameBits(ps.param('w'), ps2.param('w')));
  assert.equal(o2.stepCount, 7);
  await e.dispose();
});

test('Schedule-Free with param groups: per-group averaging weights, β and decay; frozen tensors untouched by step() and eval()', async () => {
  const e = await init({ threads: 1 });
  const pow = (x, y) => e.pow(x, y), sqrt = (x) => e.sqrt(x);
  for (const [Cls, adamw, top, g1] of [
    [ScheduleFreeSGD, false, { lr: 0.1, warmupSteps: 3 }, { lr: 0.3, momentum: 0.5, weightDecay: 0.1, warmupSteps: 0 }],
    [ScheduleFreeAdamW, true, { lr: 0.01 }, { lr: 0.05, betas: [0.7, 0.95], weightDecay: 0.2, r: 1 }],
  ]) {
    // Tensor sizes 91, 5, 4099, 1: b (5) is group 1, one (1) is frozen, the rest group 0.
    const hOf = (n) => (n === 5 ? { ...top, ...g1 } : top);
    const sts = new Map(), scs = new Map();
    const ref = reference((n) => ({ z: z(n), v: z(n) }), (p, g, s, t) => {
      if (p.length === 1) return;
      const h = hOf(p.length), key = p.length === 5 ? 1 : 0;
      if (!sts.has(key)) sts.set(key, { weightSum: 0, lrMax: -1 });
      if (scs.get(key)?.t !== t) scs.set(key, { t, sc: sfScalars(sts.get(key), h, t - 1, adamw, pow, sqrt) });
      sfRef(p, g, s, h, scs.get(key).sc, t === 1, adamw);
    });
    const x = ref.map(({ p, st: s }) => {
      const c = p.slice();
      if (p.length !== 1) { const h = hOf(p.length); sfLerpRef(c, s.z, 1 - 1 / (adamw ? (h.betas ?? [0.9])[0] : (h.momentum ?? 0.9))); }
      return c;
    });
    for (const cfg of CONFIGS) {
      let xs;
      const got = await trajectory(cfg, (ps) => {
        const o = new Cls(ps, { ...top, groups: [{ params: ['b'], ...g1 }, { params: ['one'], frozen: true }] }), step = o.step.bind(o);
        let k = 0;
        o.step = () => { step(); if (++k === STEPS) { o.eval(); xs = ps.tensors.map((t) => ps.param(t.name).slice()); o.train(); } };
        return o;
      });
      xs.forEach((a, i) => assert.ok(sameBits(a, x[i]), `${Cls.name} config ${JSON.stringify(cfg)} tensor ${i} (x)`));
      assert.ok(sameBits(got[3], randomArray(1, 4)), 'frozen tensor unchanged');
    }
  }
  await e.dispose();
});

// ---------------------------------------------------------------- torch
// Trajectories from torch 1.13 (f32 tensors, CPU) by scripts/golden_lrfree.py, which writes the published
// algorithms op by op in torch. Differences come from torch's FMAs and f32 scalars/reductions (Prodigy's
// dot and Σ|s|, DoG's norms and G, SAM's norm are f32 in torch, f64 here). Tolerance per tensor:
// max|ours − torch| ≤ TOL·max(max|torch|, 1), TOL as measured (worst case printed on failure).
const golden = JSON.parse(readFileSync(new URL('./fixtures/lrfree-golden.json', import.meta.url), 'utf8'));
// Measured worst: Schedule-Free 2.2e-7, DoG 1.2e-7, SAM 1.8e-7; Prodigy 2e-7 except the default case at
// step 50 (3.8e-5), where d grows 100× within 40 steps and amplifies the f32-vs-f64 reduction difference
// in the d estimate (the final d agrees within 1.4e-7; d is checked within 1e-6 relative).
const GOLDEN_TOL = { ScheduleFreeSGD: 1e-6, ScheduleFreeAdamW: 1e-6, Prodigy: 1e-4, DoG: 1e-6, SAM: 1e-6 };
const camel = (h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.replace(/_(.)/g, (_, c) => c.toUpperCase()), v]));
for (const [idx, c] of golden.cases.entries()) {
  test(`torch ${golden.torch} ${c.optimizer} ${JSON.stringify(c.hyper)}: ${c.steps} steps within ${GOLDEN_TOL[c.optimizer]} relative`, async () => {
    const e = await init({ threads: 1 });
    const ps = new ParamSet(e, Object.fromEntries(c.shapes.map((s, i) => [`t${i}`, s])));
    c.init.forEach((v, i) => ps.setParam(`t${i}`, v));
    const cs = c.c.map((v) => Float32Array.from(v)), ts = c.t.map((v) => Float32Array.from(v));
    const grad = () => cs.forEach((ci, i) => {
      const p = ps.param(`t${i}`), g = ps.gradOf(`t${i}`);
      for (let j = 0; j < p.length; j++) g[j] = fr(ci[j] * fr(p[j] - ts[i][j]));
    });
    const { baseLr, baseMomentum, ...h } = camel(c.hyper);
    const opt = c.optimizer === 'SAM' ? new SAM(ps, { ...h, base: (q) => new SGD(q, { lr: baseLr, momentum: baseMomentum ?? 0 }) })
      : new { ScheduleFreeSGD, ScheduleFreeAdamW, Prodigy, DoG }[c.optimizer](ps, h);
    let worst = 0;
    const cmp = (want) => want.forEach((w, i) => {
      const p = ps.param(`t${i}`), scale = Math.max(1, ...w.map(Math.abs));
      w.forEach((x, j) => { worst = Math.max(worst, Math.abs(p[j] - x) / scale); });
    });
    for (let step = 1; step <= c.steps; step++) {
      if (c.optimizer === 'SAM') opt.step(() => { grad(); return 0; });
      else { grad(); opt.step(); }
      if (!c.checkpoints[String(step)]) continue;
      cmp(c.checkpoints[String(step)]);
      if (c.eval) { opt.eval(); cmp(c.eval[String(step)]); opt.train(); }
    }
    if (c.d !== undefined) assert.ok(Math.abs(opt.d - c.d) <= 1e-6 * c.d, `case ${idx}: d = ${opt.d}, torch ${c.d}`);
    assert.ok(worst <= GOLDEN_TOL[c.optimizer], `case ${idx}: worst relative difference ${worst}`);
    await e.dispose();
  });
}
