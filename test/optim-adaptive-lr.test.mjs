// Adagrad, RMSprop, Adadelta, Rprop: bit-exact against the f32 references in every build (SIMD/scalar ×
// 1/2 threads), on awkward sizes, plus typed hyperparameter errors that leave state untouched.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, Adagrad, RMSprop, Adadelta, Rprop, HyperparameterError } from '../dist/index.js';
import { adagradRef, rmspropRef, adadeltaRef, rpropRef } from './helpers/reference-adaptive-lr.mjs';
import { randomArray, sameBits, rng } from './helpers/reference.mjs';
import { CONFIGS, trajectory, reference, uniformGrads, assertResumesExactly, assertBadHypers } from './helpers/harness.mjs';

// Gradients: the seeded uniform draw, but every third step a quarter of them are exactly 0 and the
// sign pattern repeats, so Rprop sees all of q > 0, q < 0 and q == 0.
function grads(k, n, r) {
  const g = uniformGrads(k, n, r);
  if (k % 3 === 2) for (let i = 0; i < n; i += 4) g[i] = 0;
  return g;
}

const z = (n) => new Float32Array(n);
const CASES = [
  ['Adagrad', Adagrad, [{}, { lr: 0.1, lrDecay: 0.05, initialAccumulatorValue: 0.1 }, { lr: 0.05, weightDecay: 0.1, eps: 1e-6, maximize: true }],
    (h) => (n) => ({ sum: new Float32Array(n).fill(h.initialAccumulatorValue ?? 0) }), (h) => (p, g, s, t) => adagradRef(p, g, s, h, t)],
  ['RMSprop', RMSprop, [{}, { lr: 0.01, centered: true, weightDecay: 0.05 }, { lr: 0.005, momentum: 0.9, alpha: 0.9 },
    { lr: 0.001, momentum: 0.5, centered: true, eps: 1e-4, maximize: true, weightDecay: 0.01 },
    { lr: 0.001, momentum: 0.5, centered: true, eps: 1e-4, maximize: true, weightDecay: 0.01, torchBits: true }, { lr: 0.005, momentum: 0.9, torchBits: true }],
    () => (n) => ({ sq: z(n), ga: z(n), buf: z(n) }), (h) => (p, g, s) => rmspropRef(p, g, s, h)],
  ['Adadelta', Adadelta, [{}, { lr: 0.5, rho: 0.95, eps: 1e-5, weightDecay: 0.1 }, { lr: 2, maximize: true, weightDecay: 0.01 }, { lr: 2, maximize: true, weightDecay: 0.01, torchBits: true }],
    () => (n) => ({ sq: z(n), acc: z(n) }), (h) => (p, g, s) => adadeltaRef(p, g, s, h)],
  ['Rprop', Rprop, [{}, { lr: 0.05, etas: [0.3, 1.5], stepSizes: [1e-3, 0.08] }, { lr: 0.001, maximize: true, stepSizes: [0, 1] }],
    () => (n) => ({ prev: z(n), step: z(n) }), (h) => (p, g, s, t) => rpropRef(p, g, s, h, t === 1)],
];

for (const [name, Cls, hypers, makeState, makeStep] of CASES) {
  for (const h of hypers) {
    test(`${name} ${JSON.stringify(h)} matches the f32 reference bit for bit in every build`, async () => {
      const ref = reference(makeState(h), makeStep(h), grads);
      for (const cfg of CONFIGS) {
        const got = await trajectory(cfg, (ps) => new Cls(ps, h), grads);
        got.forEach((a, i) => assert.ok(sameBits(a, ref[i].p), `config ${JSON.stringify(cfg)} tensor ${i}`));
      }
    });
  }
}

const BAD = [
  [Adagrad, { lr: -1 }, 'lr'], [Adagrad, { lrDecay: -0.1 }, 'lrDecay'], [Adagrad, { initialAccumulatorValue: -1 }, 'initialAccumulatorValue'],
  [Adagrad, { eps: NaN }, 'eps'], [Adagrad, { weightDecay: -1 }, 'weightDecay'], [Adagrad, { maximize: 1 }, 'maximize'],
  [RMSprop, { alpha: 1.5 }, 'alpha'], [RMSprop, { momentum: -0.1 }, 'momentum'], [RMSprop, { centered: 'yes' }, 'centered'], [RMSprop, { eps: -1 }, 'eps'], [RMSprop, { torchBits: 1 }, 'torchBits'],
  [Adadelta, { rho: 1.1 }, 'rho'], [Adadelta, { lr: Infinity }, 'lr'], [Adadelta, { weightDecay: -1 }, 'weightDecay'], [Adadelta, { torchBits: 'yes' }, 'torchBits'],
  [Rprop, { etas: [1.2, 1.5] }, 'etas[0]'], [Rprop, { etas: [0.5, 0.9] }, 'etas[1]'], [Rprop, { stepSizes: [-1, 2] }, 'stepSizes[0]'],
  [Rprop, { stepSizes: [2, 1] }, 'stepSizes[0]'], [Rprop, { lr: -1 }, 'lr'],
];

test('bad hyperparameters: typed error naming the parameter, at construction and in set(), state unchanged', () => assertBadHypers(
  BAD.map(([Cls, bad, name]) => [Cls, bad, name, Cls === RMSprop ? { momentum: 0.9, centered: true } : {}])));

test("RMSprop: torchBits applies to preset 'torch' only", async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9 });
  assert.throws(() => new RMSprop(ps, { preset: 'optax', torchBits: true }), (err) => err instanceof HyperparameterError && /torchBits/.test(err.message));
  const r = new RMSprop(ps, { preset: 'optax' });
  assert.throws(() => r.set({ torchBits: true }), HyperparameterError);
  assert.equal(r.hyperparameters.torchBits, false);
  const t = new RMSprop(ps, { torchBits: true });
  assert.equal(t.stateDict().hyper.torchBits, true);
  await e.dispose();
});

test('RMSprop: the options that decide which buffers exist are fixed at construction', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9 });
  const r = new RMSprop(ps, { momentum: 0.9 });
  assert.throws(() => r.set({ centered: true }), HyperparameterError);
  r.set({ momentum: 0 }); // allowed: the buffer exists (another group may still use it)
  r.set({ momentum: 0.5 });
  r.free();
  const r0 = new RMSprop(ps, {});
  assert.throws(() => r0.set({ momentum: 0.5 }), HyperparameterError); // no buffer was allocated
  r0.free();
  await e.dispose();
});

test('state bytes per parameter and stateDict slots by name', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 6, b: 2 });
  const slots = (o) => Object.keys(o.stateDict().state.w).sort();
  assert.deepEqual(slots(new Adagrad(ps)), ['sum']);
  assert.deepEqual(slots(new RMSprop(ps)), ['square_avg']);
  assert.deepEqual(slots(new RMSprop(ps, { centered: true, momentum: 0.9 })), ['grad_avg', 'momentum_buffer', 'square_avg']);
  assert.deepEqual(slots(new Adadelta(ps)), ['acc_delta', 'square_avg']);
  assert.deepEqual(slots(new Rprop(ps)), ['prev', 'step_size']);
  const a = new Adagrad(ps, { initialAccumulatorValue: 0.25 });
  assert.ok(a.stateDict().state.b.sum.every((x) => x === 0.25));
  await e.dispose();
});

test('stateDict round trip resumes Rprop and RMSprop exactly', () => assertResumesExactly([[Rprop, { lr: 0.02 }], [RMSprop, { momentum: 0.9, centered: true }], [Adagrad, { lrDecay: 0.1 }], [Adadelta, {}]], grads));
