// Adamax, NAdam, RAdam, Lion: bit-exact against the f32 references in every build (SIMD/scalar ×
// 1/2 threads), on awkward sizes, typed hyperparameter errors that leave state untouched, NAdam's
// scalar state in the state dict, and Lion's weight-decay box.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, Adamax, NAdam, RAdam, Lion, HyperparameterError, StateError } from '../dist/index.js';
import { adamaxRef, nadamScalars, nadamRef, radamRef, lionRef } from './helpers/reference-adam-variants.mjs';
import { randomArray, sameBits, rng } from './helpers/reference.mjs';
import { CONFIGS, trajectory, reference, uniformGrads, assertResumesExactly, assertBadHypers } from './helpers/harness.mjs';

// Seeded uniform gradients; every third step a quarter of them are exactly 0 (Lion's sign(0) = 0,
// Adamax's max against eps).
function grads(k, n, r) {
  const g = uniformGrads(k, n, r);
  if (k % 3 === 2) for (let i = 0; i < n; i += 4) g[i] = 0;
  return g;
}

const z = (n) => new Float32Array(n);
const mv = (n) => ({ m: z(n), v: z(n) });
const CASES = [
  ['Adamax', Adamax, [{}, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }, { lr: 0.002, maximize: true, weightDecay: 0.01 }],
    () => (n) => ({ m: z(n), u: z(n) }), (h, pow) => (p, g, s, t) => adamaxRef(p, g, s, h, t, pow)],
  ['NAdam', NAdam, [{}, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1, momentumDecay: 0.01 }, { lr: 0.002, weightDecay: 0.01 },
    { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1, momentumDecay: 0.01, torchBits: true }],
    () => mv, (h, pow) => {
      let mp = 1, last = 0, sc;
      return (p, g, s, t) => {
        if (t !== last) { sc = nadamScalars(h, t, mp, pow); mp = sc.prod; last = t; }
        nadamRef(p, g, s, h, sc);
      };
    }],
  ['RAdam', RAdam, [{}, { lr: 0.02, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1 }, { lr: 0.005, betas: [0.9, 0.99], weightDecay: 0.01 }],
    () => mv, (h, pow, sqrt) => (p, g, s, t) => radamRef(p, g, s, h, t, pow, sqrt)],
  ['Lion', Lion, [{}, { lr: 0.01, betas: [0.95, 0.98], weightDecay: 0.5 }, { lr: 0.003, betas: [0, 0.5], weightDecay: 0.01 },
    { lr: 0.01, betas: [0.95, 0.98], weightDecay: 0.5, torchBits: true }],
    () => (n) => ({ m: z(n) }), (h) => (p, g, s) => lionRef(p, g, s, h)],
];

for (const [name, Cls, hypers, makeState, makeStep] of CASES) {
  for (const h of hypers) {
    test(`${name} ${JSON.stringify(h)} matches the f32 reference bit for bit in every build`, async () => {
      const e = await init({ threads: 1 });
      const pow = (x, y) => e.pow(x, y), sqrt = (x) => e.sqrt(x);
      const ref = reference(makeState(h), makeStep(h, pow, sqrt), grads);
      await e.dispose();
      for (const cfg of CONFIGS) {
        const got = await trajectory(cfg, (ps) => new Cls(ps, h), grads);
        got.forEach((a, i) => assert.ok(sameBits(a, ref[i].p), `config ${JSON.stringify(cfg)} tensor ${i}`));
      }
    });
  }
}

test('RAdam reference covers both branches (rho_t <= 5, then > 5) within the test trajectory', async () => {
  const e = await init({ threads: 1 });
  const seen = new Set();
  for (let t = 1; t <= 25; t++) seen.add(radamRef(z(1), z(1), mv(1), {}, t, (x, y) => e.pow(x, y), (x) => e.sqrt(x)));
  assert.deepEqual([...seen].sort(), [false, true]);
  await e.dispose();
});

const BAD = [
  [Adamax, { lr: -1 }, 'lr'], [Adamax, { betas: [1, 0.9] }, 'betas[0]'], [Adamax, { betas: [0.9, -0.1] }, 'betas[1]'],
  [Adamax, { eps: NaN }, 'eps'], [Adamax, { weightDecay: -1 }, 'weightDecay'], [Adamax, { maximize: 1 }, 'maximize'],
  [NAdam, { lr: Infinity }, 'lr'], [NAdam, { momentumDecay: -0.1 }, 'momentumDecay'], [NAdam, { betas: [0.9, 1] }, 'betas[1]'],
  [NAdam, { weightDecay: -1 }, 'weightDecay'], [NAdam, { eps: -1 }, 'eps'], [NAdam, { torchBits: 0 }, 'torchBits'],
  [RAdam, { lr: -0.1 }, 'lr'], [RAdam, { betas: [1.5, 0.9] }, 'betas[0]'], [RAdam, { eps: 'x' }, 'eps'], [RAdam, { weightDecay: NaN }, 'weightDecay'],
  [Lion, { lr: -1 }, 'lr'], [Lion, { betas: [1.1, 0.9] }, 'betas[0]'], [Lion, { betas: [0.9, -1] }, 'betas[1]'], [Lion, { weightDecay: -0.5 }, 'weightDecay'], [Lion, { torchBits: 'no' }, 'torchBits'],
];

test('bad hyperparameters: typed error naming the parameter, at construction and in set(), state unchanged', () => assertBadHypers(BAD));

test('state bytes per parameter and stateDict slots by name', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 6, b: 2 });
  const slots = (o) => Object.keys(o.stateDict().state.w).sort();
  assert.deepEqual(slots(new Adamax(ps)), ['exp_avg', 'exp_inf']);
  assert.deepEqual(slots(new NAdam(ps)), ['exp_avg', 'exp_avg_sq']);
  assert.deepEqual(slots(new RAdam(ps)), ['exp_avg', 'exp_avg_sq']);
  assert.deepEqual(slots(new Lion(ps)), ['exp_avg']);
  assert.deepEqual(new NAdam(ps).stateDict().scalars, { mu_product: 1 });
  await e.dispose();
});

test('stateDict round trip resumes every optimizer exactly (NAdam carries mu_product)', () => assertResumesExactly([[Adamax, { weightDecay: 0.1 }], [NAdam, { lr: 0.01, weightDecay: 0.1 }], [RAdam, { lr: 0.01 }], [Lion, { lr: 0.01, weightDecay: 0.1 }]], grads));

test('NAdam loadStateDict rejects a missing or invalid mu_product and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 5 });
  const o = new NAdam(ps);
  ps.setGrad('w', randomArray(5, 3));
  o.step(); o.step();
  const good = o.stateDict(), before = o.stateDict();
  const { scalars, ...noScalars } = good;
  assert.ok(scalars.mu_product > 0 && scalars.mu_product < 1);
  assert.throws(() => o.loadStateDict(noScalars), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { mu_product: 2 } }), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { mu_product: NaN } }), StateError);
  assert.deepEqual(o.stateDict(), before);
  // A step-0 dict without scalars (the base format) is accepted.
  const fresh = new NAdam(ps).stateDict();
  delete fresh.scalars;
  o.loadStateDict(fresh);
  assert.deepEqual(o.stateDict().scalars, { mu_product: 1 });
  await e.dispose();
});

test('Lion with decoupled weight decay λ ends inside the box ‖x‖∞ ≤ 1/λ (+ lr) from outside it', async () => {
  const e = await init({ threads: 1 });
  const n = 37, lam = 2, lr = 0.01;
  const ps = new ParamSet(e, { w: n });
  const x0 = randomArray(n, 9).map((x) => (x >= 0 ? 3 : -3) / lam);
  ps.setParam('w', x0);
  assert.ok(Math.max(...ps.param('w').map(Math.abs)) > 1 / lam);
  const o = new Lion(ps, { lr, weightDecay: lam });
  for (let k = 0; k < 1500; k++) {
    const r = rng(900 + k), g = new Float32Array(n);
    for (let i = 0; i < n; i++) g[i] = (r() * 2 - 1) * 10;
    ps.setGrad('w', g);
    o.step();
  }
  const inf = Math.max(...ps.param('w').map(Math.abs));
  assert.ok(inf <= 1 / lam + lr, `‖x‖∞ = ${inf}`);
  await e.dispose();
});
