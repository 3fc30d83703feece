// AdaBelief, Yogi, signSGD, Signum, ADOPT, diffGrad, Optimistic AMSGrad, random-scaled SGDM: bit-exact
// against the f32 references in every build (SIMD/scalar × 1/2 threads) on awkward sizes, typed
// hyperparameter errors that leave state untouched, exact resume, one behavioural check each, and agreement
// with the reference implementations (adabelief-pytorch, optax.yogi, official ADOPT and diffGrad) in torch f32.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  init, ParamSet, AdaBelief, Yogi, SignSGD, Signum, ADOPT, DiffGrad, OptimisticAMSGrad, RandomScaledSGDM, exp1Draw,
  HyperparameterError, StateError,
} from '../dist/index.js';
import { adabeliefRef, yogiRef, signumRef, adoptRef, diffgradRef, optAmsgradRef, optAmsgradRmpeRef, exp1Ref, rsgdmRef, friction } from './helpers/reference-moment-variants.mjs';
import { randomArray, sameBits, rng } from './helpers/reference.mjs';
import { CONFIGS, trajectory, reference, uniformGrads, assertResumesExactly, assertBadHypers } from './helpers/harness.mjs';

// Seeded uniform gradients; every third step a quarter of them are exactly 0 (sign(0) = 0 paths).
function grads(k, n, r) {
  const g = uniformGrads(k, n, r);
  if (k % 3 === 2) for (let i = 0; i < n; i += 4) g[i] = 0;
  return g;
}

const z = (n) => new Float32Array(n);
const CASES = [
  ['AdaBelief', AdaBelief, [{}, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-8, weightDecay: 0.1 }, { lr: 0.005, weightDecay: 0.05, decoupled: false }],
    () => (n) => ({ m: z(n), s: z(n) }), (h, M) => (p, g, s, t) => adabeliefRef(p, g, s, h, t, M)],
  ['Yogi', Yogi, [{}, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1 }, { lr: 0.003, initialAccumulatorValue: 0.5 }],
    (h) => (n) => ({ m: z(n).fill(h.initialAccumulatorValue ?? 1e-6), v: z(n).fill(h.initialAccumulatorValue ?? 1e-6) }),
    (h, M) => (p, g, s, t) => yogiRef(p, g, s, h, t, M)],
  ['SignSGD', SignSGD, [{}, { lr: 0.01, weightDecay: 0.5 }],
    () => () => ({}), (h) => (p, g, s) => signumRef(p, g, s, h)],
  ['Signum', Signum, [{}, { lr: 0.01, momentum: 0.5, weightDecay: 0.5 }, { lr: 0.003, momentum: 0 }],
    () => (n) => ({ m: z(n) }), (h) => (p, g, s) => signumRef(p, g, s, { momentum: 0.9, ...h })],
  ['ADOPT', ADOPT, [{}, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-3, weightDecay: 0.1, decoupled: true }, { lr: 0.01, weightDecay: 0.05, clip: false }],
    () => (n) => ({ m: z(n), v: z(n) }), (h, M) => (p, g, s, t) => adoptRef(p, g, s, h, t, M)],
  ['DiffGrad', DiffGrad, [{}, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1, torchBits: true }],
    () => (n) => ({ m: z(n), v: z(n), prev: z(n) }), (h, M) => (p, g, s, t) => diffgradRef(p, g, s, h, t, M)],
  ['OptimisticAMSGrad', OptimisticAMSGrad, [{}, { lr: 0.02, betas: [0.5, 0.9], eps: 1e-6 }],
    () => (n) => ({ m: z(n), v: z(n), vh: z(n), w: z(n) }), (h) => (p, g, s, t) => optAmsgradRef(p, g, s, h, t)],
  ['RandomScaledSGDM', RandomScaledSGDM, [{}, { lr: 0.05, momentum: 0.5, weightDecay: 0.1, seed: 12345 }],
    () => (n) => ({ m: z(n) }), (h, M) => (p, g, s, t) => rsgdmRef(p, g, s, h, exp1Ref(h.seed ?? 0, t - 1, M))],
];

for (const [name, Cls, hypers, makeState, makeStep] of CASES) {
  for (const h of hypers) {
    test(`${name} ${JSON.stringify(h)} matches the f32 reference bit for bit in every build`, async () => {
      const e = await init({ threads: 1 });
      const M = { pow: (x, y) => e.pow(x, y), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x), log: (x) => e.log(x) };
      const ref = reference(makeState(h), makeStep(h, M), grads);
      await e.dispose();
      for (const cfg of CONFIGS) {
        const got = await trajectory(cfg, (ps) => new Cls(ps, h), grads);
        got.forEach((a, i) => assert.ok(sameBits(a, ref[i].p), `config ${JSON.stringify(cfg)} tensor ${i}`));
      }
    });
  }
}

const BAD = [
  [AdaBelief, { lr: -1 }, 'lr'], [AdaBelief, { betas: [1, 0.9] }, 'betas[0]'], [AdaBelief, { betas: [0.9, 1] }, 'betas[1]'],
  [AdaBelief, { eps: -1e-16 }, 'eps'], [AdaBelief, { weightDecay: NaN }, 'weightDecay'], [AdaBelief, { decoupled: 1 }, 'decoupled'],
  [Yogi, { lr: Infinity }, 'lr'], [Yogi, { betas: [-0.1, 0.9] }, 'betas[0]'], [Yogi, { eps: 'x' }, 'eps'], [Yogi, { weightDecay: -1 }, 'weightDecay'],
  [SignSGD, { lr: -0.1 }, 'lr'], [SignSGD, { weightDecay: -1 }, 'weightDecay'],
  [Signum, { lr: NaN }, 'lr'], [Signum, { momentum: 1 }, 'momentum'], [Signum, { momentum: -0.5 }, 'momentum'], [Signum, { weightDecay: -1 }, 'weightDecay'],
  [ADOPT, { lr: -1 }, 'lr'], [ADOPT, { betas: [0.9, 1.5] }, 'betas[1]'], [ADOPT, { eps: 0 }, 'eps'], [ADOPT, { weightDecay: -0.1 }, 'weightDecay'],
  [ADOPT, { decoupled: 'yes' }, 'decoupled'], [ADOPT, { clip: 0 }, 'clip'],
  [DiffGrad, { lr: -1 }, 'lr'], [DiffGrad, { betas: [1.1, 0.9] }, 'betas[0]'], [DiffGrad, { eps: NaN }, 'eps'], [DiffGrad, { weightDecay: -1 }, 'weightDecay'], [DiffGrad, { torchBits: 1 }, 'torchBits'],
  [OptimisticAMSGrad, { lr: -1 }, 'lr'], [OptimisticAMSGrad, { betas: [0.9, -1] }, 'betas[1]'], [OptimisticAMSGrad, { eps: -1 }, 'eps'],
  [RandomScaledSGDM, { lr: -1 }, 'lr'], [RandomScaledSGDM, { momentum: 1 }, 'momentum'], [RandomScaledSGDM, { weightDecay: -1 }, 'weightDecay'],
];

test('bad hyperparameters: typed error naming the parameter, at construction and in set(), state unchanged', () => assertBadHypers(BAD));

test('fixed-at-construction options: a bad seed or initialAccumulatorValue is typed, and set() cannot change them', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 5 });
  for (const seed of [-1, 1.5, 2 ** 32, NaN]) {
    assert.throws(() => new RandomScaledSGDM(ps, { seed }), (err) => err instanceof HyperparameterError && err.message.startsWith('seed'), String(seed));
  }
  assert.throws(() => new Yogi(ps, { initialAccumulatorValue: -1 }), (err) => err instanceof HyperparameterError && err.message.startsWith('initialAccumulatorValue'));
  const r = new RandomScaledSGDM(ps, { seed: 7 }), y = new Yogi(ps);
  assert.throws(() => r.set({ seed: 8 }), (err) => err instanceof HyperparameterError && err.message.startsWith('seed'));
  assert.throws(() => y.set({ initialAccumulatorValue: 1 }), (err) => err instanceof HyperparameterError && err.message.startsWith('initialAccumulatorValue'));
  assert.throws(() => new RandomScaledSGDM(ps, { seed: 1, groups: [{ params: ['w'], seed: 2 }] }), HyperparameterError);
  await e.dispose();
});

test('state slots by name (bytes per parameter) and Yogi accumulators start at initialAccumulatorValue', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 6, b: 2 });
  const slots = (o) => Object.keys(o.stateDict().state.w).sort();
  assert.deepEqual(slots(new AdaBelief(ps)), ['exp_avg', 'exp_avg_var']);
  assert.deepEqual(slots(new Yogi(ps)), ['exp_avg', 'exp_avg_sq']);
  assert.deepEqual(slots(new SignSGD(ps)), []);
  assert.deepEqual(slots(new Signum(ps)), ['momentum']);
  assert.deepEqual(slots(new ADOPT(ps)), ['exp_avg', 'exp_avg_sq']);
  assert.deepEqual(slots(new DiffGrad(ps)), ['exp_avg', 'exp_avg_sq', 'previous_grad']);
  assert.deepEqual(slots(new OptimisticAMSGrad(ps)), ['exp_avg', 'exp_avg_sq', 'half_step', 'max_exp_avg_sq']);
  assert.deepEqual(slots(new RandomScaledSGDM(ps)), ['momentum']);
  assert.deepEqual(new RandomScaledSGDM(ps).stateDict().scalars, { counter: 0 });
  const st = new Yogi(ps, { initialAccumulatorValue: 0.25 }).stateDict().state.b;
  assert.deepEqual([...st.exp_avg, ...st.exp_avg_sq], [0.25, 0.25, 0.25, 0.25]);
  await e.dispose();
});

test('stateDict round trip resumes every optimizer exactly (RandomScaledSGDM carries its generator counter)', () => assertResumesExactly([
  [AdaBelief, { lr: 0.01, weightDecay: 0.1 }], [Yogi, { lr: 0.02, weightDecay: 0.1 }], [SignSGD, { lr: 0.01 }],
  [Signum, { lr: 0.01, weightDecay: 0.1 }], [ADOPT, { lr: 0.01, decoupled: true, weightDecay: 0.1 }], [DiffGrad, { lr: 0.01 }],
  [OptimisticAMSGrad, { lr: 0.01 }], [RandomScaledSGDM, { lr: 0.01, seed: 99 }],
], grads));

test('RandomScaledSGDM loadStateDict rejects a missing or invalid counter and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 5 });
  const o = new RandomScaledSGDM(ps);
  ps.setGrad('w', randomArray(5, 3));
  o.step(); o.step();
  const good = o.stateDict(), before = o.stateDict();
  const { scalars, ...noScalars } = good;
  assert.deepEqual(scalars, { counter: 2 });
  assert.throws(() => o.loadStateDict(noScalars), StateError);
  for (const counter of [-1, 1.5, NaN, '3']) assert.throws(() => o.loadStateDict({ ...good, scalars: { counter } }), StateError);
  assert.deepEqual(o.stateDict(), before);
  const fresh = new RandomScaledSGDM(ps).stateDict();
  delete fresh.scalars;
  o.loadStateDict(fresh);
  assert.deepEqual(o.stateDict().scalars, { counter: 0 });
  await e.dispose();
});

// ---- behavioural checks ----

const constGrad = (n) => Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (0.5 + (i % 7) / 4));

test('AdaBelief on a constant gradient follows the closed form and outgrows Adam\'s lr-sized step as g − m vanishes', async () => {
  const e = await init({ threads: 1 });
  const n = 14, lr = 1e-3, [b1, b2] = [0.9, 0.999], eps = 1e-16, c = constGrad(n);
  const ps = new ParamSet(e, { w: n });
  const o = new AdaBelief(ps, { lr });
  let m = 0, s = 0, prev = ps.param('w').slice();
  for (let t = 1; t <= 30; t++) {
    ps.setGrad('w', c); o.step();
    const p = ps.param('w');
    // f64 closed form per unit |c| (everything scales with c): m_t = 1 − β1ᵗ, s_t = β2·s + (1−β2)(1 − m_t)² + ε/c².
    m = b1 * m + (1 - b1); s = b2 * s + (1 - b2) * (1 - m) ** 2;
    for (let i = 0; i < n; i++) {
      const sc = s + eps / (c[i] * c[i]) * (1 - b2 ** t) / (1 - b2);
      const want = lr / (1 - b1 ** t) * m / (Math.sqrt(sc / (1 - b2 ** t)) + eps / Math.abs(c[i]));
      const got = -(p[i] - prev[i]) * Math.sign(c[i]);
      assert.ok(Math.abs(got - want) <= 1e-3 * want, `t ${t} i ${i}: ${got} vs ${want}`);
      if (t === 1) assert.ok(Math.abs(got / lr - 1 / b1) < 1e-3, `first step lr/β1, got ${got / lr}`);
      if (t === 30) assert.ok(got > 2 * lr, `step 30 should exceed 2·lr, got ${got / lr}·lr`);
    }
    prev = p.slice();
  }
  await e.dispose();
});

test('Yogi: v stays positive, grows additively by (1−β2)·g² when g² > v, and unlike Adam keeps its memory when g = 0', async () => {
  const e = await init({ threads: 1 });
  const n = 9, ps = new ParamSet(e, { w: n });
  const y = new Yogi(ps, { lr: 0.01 });
  ps.setGrad('w', new Float32Array(n).fill(3)); y.step();
  const v1 = y.stateDict().state.w.exp_avg_sq;
  v1.forEach((v) => assert.ok(Math.abs(v - (1e-6 + 0.001 * 9)) < 1e-9, `v1 ${v}`));
  for (let k = 0; k < 50; k++) { ps.setGrad('w', new Float32Array(n)); y.step(); }
  assert.ok(sameBits(y.stateDict().state.w.exp_avg_sq, v1), 'g = 0 leaves v untouched');
  for (let k = 0; k < 200; k++) { ps.setGrad('w', uniformGrads(k, n, rng(300 + k)).map((g) => g * 5)); y.step(); }
  assert.ok(y.stateDict().state.w.exp_avg_sq.every((v) => v > 0));
  await e.dispose();
});

test('signSGD and Signum move every coordinate by exactly lr (0 where the sign is 0)', async () => {
  const e = await init({ threads: 1 });
  const n = 37, lr = 2 ** -7;
  for (const Cls of [SignSGD, Signum]) {
    const ps = new ParamSet(e, { w: n });
    const o = new Cls(ps, { lr });
    let prev = ps.param('w').slice();
    for (let k = 0; k < 40; k++) {
      const g = grads(k, n, rng(500 + k));
      ps.setGrad('w', g); o.step();
      const u = Cls === Signum ? o.stateDict().state.w.momentum : g, p = ps.param('w');
      for (let i = 0; i < n; i++) assert.equal(Math.abs(p[i] - prev[i]), u[i] === 0 ? 0 : lr, `${Cls.name} step ${k} i ${i}`);
      prev = p.slice();
    }
  }
  await e.dispose();
});

test('ADOPT: every step is bounded by lr·(t−1)^¼ (the clipped normalised gradient) and it converges on a quadratic', async () => {
  const e = await init({ threads: 1 });
  const n = 8, lr = 0.01, a = Float32Array.from({ length: n }, (_, i) => 0.5 + i);
  const ps = new ParamSet(e, { w: n });
  ps.setParam('w', Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (1 + i / 4)));
  const o = new ADOPT(ps, { lr });
  const loss = () => ps.param('w').reduce((s, x, i) => s + 0.5 * a[i] * x * x, 0);
  const f0 = loss();
  let prev = ps.param('w').slice();
  for (let t = 1; t <= 3000; t++) {
    ps.setGrad('w', prev.map((x, i) => a[i] * x)); o.step();
    const p = ps.param('w'), bound = lr * (t - 1) ** 0.25;
    for (let i = 0; i < n; i++) assert.ok(Math.abs(p[i] - prev[i]) <= bound * (1 + 1e-6) + 1e-7, `t ${t}`);
    if (t === 1) assert.ok(sameBits(p, prev), 'the first step only initialises v');
    prev = p.slice();
  }
  assert.ok(loss() <= 1e-8 * f0, `loss ${loss()} from ${f0}`);
  await e.dispose();
});

test('diffGrad friction: first step moves lr·sigmoid(|g|) ∈ (0.5, 1)·lr, then ξ = 0.5 exactly on a constant gradient', async () => {
  const e = await init({ threads: 1 });
  const M = { exp: (x) => e.exp(x) };
  const n = 14, lr = 1e-3, c = constGrad(n);
  const ps = new ParamSet(e, { w: n });
  const o = new DiffGrad(ps, { lr });
  let prev = ps.param('w').slice();
  for (let t = 1; t <= 10; t++) {
    ps.setGrad('w', c); o.step();
    const p = ps.param('w');
    for (let i = 0; i < n; i++) {
      const xi = t === 1 ? friction(Math.abs(c[i]), M) : 0.5;
      if (t === 1) assert.ok(xi > 0.5 && xi < 1);
      const got = -(p[i] - prev[i]) * Math.sign(c[i]) / lr;
      assert.ok(Math.abs(got - xi) < 1e-4, `t ${t} i ${i}: ${got} vs ξ ${xi}`);
    }
    prev = p.slice();
  }
  await e.dispose();
});

test('Optimistic AMSGrad converges on the bilinear game min_x max_y x·y, where AMSGrad does not', async () => {
  const e = await init({ threads: 1 });
  const radius = async (make) => {
    const ps = new ParamSet(e, { w: 2 });
    ps.setParam('w', Float32Array.of(1, 1));
    const o = make(ps);
    for (let k = 0; k < 3000; k++) { const [x, y] = ps.param('w'); ps.setGrad('w', Float32Array.of(y, -x)); o.step(); }
    return Math.hypot(...ps.param('w'));
  };
  const { Adam } = await import('../dist/index.js');
  const opt = await radius((ps) => new OptimisticAMSGrad(ps, { lr: 0.01, betas: [0, 0.999] }));
  const ams = await radius((ps) => new Adam(ps, { lr: 0.01, betas: [0, 0.999], amsgrad: true }));
  assert.ok(opt < 0.1, `optimistic radius ${opt}`);
  assert.ok(ams > 0.5, `AMSGrad radius ${ams}`);
  await e.dispose();
});

test('RandomScaledSGDM: Exp(1) draws (mean 1, P(s > 1) = 1/e) from the counter-based stream scale the SGDM step', async () => {
  const e = await init({ threads: 1 });
  const M = { log: (x) => e.log(x) };
  let sum = 0, above = 0;
  const N = 20000;
  for (let k = 0; k < N; k++) {
    const s = exp1Draw(e, 42, k);
    assert.ok(Number.isFinite(s) && s >= 0);
    sum += s; if (s > 1) above++;
  }
  assert.ok(Math.abs(sum / N - 1) < 0.03, `mean ${sum / N}`);
  assert.ok(Math.abs(above / N - Math.exp(-1)) < 0.015, `P(s > 1) ${above / N}`);
  for (const k of [0, 1, 2 ** 32 + 3, 2 ** 40 + 5]) assert.equal(exp1Draw(e, 7, k), exp1Ref(7, k, M));
  assert.notEqual(exp1Draw(e, 7, 0), exp1Draw(e, 8, 0));
  const n = 11, lr = 0.01, ps = new ParamSet(e, { w: n });
  const o = new RandomScaledSGDM(ps, { lr, momentum: 0, seed: 3 });
  assert.ok(Number.isNaN(o.lastScale));
  let prev = ps.param('w').slice();
  for (let k = 0; k < 10; k++) {
    const g = uniformGrads(k, n, rng(800 + k));
    ps.setGrad('w', g); o.step();
    assert.equal(o.lastScale, exp1Draw(e, 3, k));
    const p = ps.param('w');
    for (let i = 0; i < n; i++) assert.ok(Math.abs((prev[i] - p[i]) - o.lastScale * lr * g[i]) < 1e-6, `step ${k} i ${i}`);
    prev = p.slice();
  }
  assert.deepEqual(o.stateDict().scalars, { counter: 10 });
  await e.dispose();
});

// Final parameters after 30 steps (7 elements, p0 = (i − 3)/4, g = ((7i + 13k) mod 17 − 8)/8) from the
// reference implementations transcribed in torch 1.13 f32 (scripts/golden_moment_variants.py).
const GOLDEN = JSON.parse(readFileSync(new URL('./fixtures/moment-variants-golden.json', import.meta.url), 'utf8')).cases;

test('AdaBelief, Yogi, ADOPT, diffGrad agree with their reference implementations (torch f32) within 1e-6 of scale', async () => {
  const e = await init({ threads: 1 });
  const N = 7;
  for (const [key, want] of Object.entries(GOLDEN)) {
    const sp = key.indexOf(' '), Cls = { AdaBelief, Yogi, ADOPT, DiffGrad }[key.slice(0, sp)], h = JSON.parse(key.slice(sp + 1));
    const ps = new ParamSet(e, { w: N });
    ps.setParam('w', Float32Array.from({ length: N }, (_, i) => (i - 3) / 4));
    const o = new Cls(ps, h);
    for (let k = 0; k < 30; k++) { ps.setGrad('w', Float32Array.from({ length: N }, (_, i) => ((i * 7 + k * 13) % 17 - 8) / 8)); o.step(); }
    const got = ps.param('w'), scale = Math.max(...want.map(Math.abs));
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-6 * scale, `${key} [${i}] ${got[i]} vs ${w}`));
  }
  await e.dispose();
});

test('Optimistic AMSGrad with the RMPE predictor (history r) matches the whole-arena f32 reference bit for bit in every build', async () => {
  const { SPEC, SIZES, STEPS } = await import('./helpers/harness.mjs');
  const e = await init({ threads: 1 });
  const layout = new ParamSet(e, SPEC);
  assert.deepEqual(layout.tensors.map((t) => t.size), SIZES);
  await e.dispose();
  for (const h of [{ history: 1 }, { history: 3, lr: 0.01, betas: [0.5, 0.9] }, { history: 5, lambda: 1e-6, lr: 0.003 }]) {
    const ref = optAmsgradRmpeRef(SIZES, SIZES.map((n, i) => randomArray(n, i + 1)), STEPS, grads, rng, h);
    for (const cfg of CONFIGS) {
      const got = await trajectory(cfg, (ps) => new OptimisticAMSGrad(ps, h), grads);
      got.forEach((a, i) => assert.ok(sameBits(a, ref[i]), `${JSON.stringify(h)} config ${JSON.stringify(cfg)} tensor ${i}`));
    }
  }
});

test('RMPE predictor: exact on a geometric gradient sequence (h = the fixed point), history in the state dict, resumes exactly', async () => {
  const e = await init({ threads: 1 });
  // g_k = a + ρ^k·d has the minimal polynomial of degree 1: with r = 2 (λ → 0) the extrapolation is a.
  const n = 10, a = randomArray(n, 3), d = randomArray(n, 4), rho = 0.5;
  const ps = new ParamSet(e, { w: n });
  const o = new OptimisticAMSGrad(ps, { history: 2, lambda: 1e-9 });
  for (let k = 0; k < 3; k++) { ps.setGrad('w', a.map((x, i) => x + rho ** k * d[i])); o.step(); }
  const c = o.predictorCoefficients;
  assert.equal(c.length, 2);
  assert.ok(Math.abs(c[0] + c[1] - 1) < 1e-12);
  // Σ c_i x_i = a + (c_0 + c_1·ρ)·d: the d component vanishes.
  assert.ok(Math.abs(c[0] + c[1] * rho) < 1e-6, `residual ${c[0] + c[1] * rho}`);
  assert.deepEqual(Object.keys(o.stateDict().state.w).sort(), ['exp_avg', 'exp_avg_sq', 'grad_hist_0', 'grad_hist_1', 'half_step', 'max_exp_avg_sq']);
  assert.throws(() => new OptimisticAMSGrad(ps, { history: 1.5 }), (err) => err instanceof HyperparameterError && err.message.startsWith('history'));
  assert.throws(() => new OptimisticAMSGrad(ps, { history: () => 2 }), (err) => err instanceof HyperparameterError && err.message.startsWith('history'));
  assert.throws(() => new OptimisticAMSGrad(ps, { history: 2, lambda: 0 }), (err) => err instanceof HyperparameterError && err.message.startsWith('lambda'));
  assert.throws(() => o.set({ history: 3 }), (err) => err instanceof HyperparameterError && err.message.startsWith('history'));
  await e.dispose();
  await assertResumesExactly([[OptimisticAMSGrad, { history: 3, lr: 0.01 }]], grads);
});

test('RandomScaledSGDM: a skipped step (nonFinite: \'skip\') draws nothing; the next step uses the next index of the stream', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 6 });
  const o = new RandomScaledSGDM(ps, { seed: 5, nonFinite: 'skip' });
  ps.setGrad('w', randomArray(6, 1)); o.step();
  ps.setGrad('w', new Float32Array(6).fill(NaN)); o.step();
  assert.equal(o.skippedSteps, 1);
  assert.deepEqual(o.stateDict().scalars, { counter: 1 });
  ps.setGrad('w', randomArray(6, 2)); o.step();
  assert.equal(o.lastScale, exp1Draw(e, 5, 1));
  assert.deepEqual(o.stateDict().scalars, { counter: 2 });
  await e.dispose();
});
