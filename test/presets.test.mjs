// Parity presets (`preset: 'torch' | 'optax' | 'tf'` on Adam/AdamW, 'torch' | 'optax' on RMSprop and
// Adagrad): bit-exact against f32 references of each library's documented formula in every build,
// the places where the libraries disagree (behaviour), the torch path unchanged, and errors.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, Adam, AdamW, RMSprop, Adagrad, HyperparameterError, StateError } from '../dist/index.js';
import { optaxAdamRef, tfAdamRef, optaxRmspropRef, optaxAdagradRef } from './helpers/reference-presets.mjs';
import { randomArray, sameBits } from './helpers/reference.mjs';
import { CONFIGS, trajectory, reference, uniformGrads, assertResumesExactly } from './helpers/harness.mjs';

// Every third step a quarter of the gradients are exactly 0 (Adagrad's sum may stay 0 with accumulator 0).
function grads(k, n, r) {
  const g = uniformGrads(k, n, r);
  if (k % 3 === 2) for (let i = 0; i < n; i += 4) g[i] = 0;
  return g;
}
const z = (n) => new Float32Array(n);
const adamState = (n) => ({ m: z(n), v: z(n), vmax: z(n) });

const CASES = [
  ['Adam optax', Adam, { preset: 'optax' }, adamState, (h, pow) => (p, g, s, t) => optaxAdamRef(p, g, s, h, false, t, pow)],
  ['Adam optax', Adam, { preset: 'optax', lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, epsRoot: 1e-8, weightDecay: 0.1, amsgrad: true }, adamState,
    (h, pow) => (p, g, s, t) => optaxAdamRef(p, g, s, h, false, t, pow)],
  ['AdamW optax', AdamW, { preset: 'optax', lr: 0.01, weightDecay: 0.3, maximize: true }, adamState,
    (h, pow) => (p, g, s, t) => optaxAdamRef(p, g, s, { weightDecay: 1e-4, ...h }, true, t, pow)],
  ['AdamW optax', AdamW, { preset: 'optax', lr: 0.01, amsgrad: true, epsRoot: 1e-10 }, adamState,
    (h, pow) => (p, g, s, t) => optaxAdamRef(p, g, s, { weightDecay: 1e-4, ...h }, true, t, pow)],
  ['Adam tf', Adam, { preset: 'tf' }, adamState, (h, pow, sqrt) => (p, g, s, t) => tfAdamRef(p, g, s, h, false, t, pow, sqrt)],
  ['Adam tf', Adam, { preset: 'tf', lr: 0.01, eps: 1e-3, amsgrad: true, weightDecay: 0.05, maximize: true }, adamState,
    (h, pow, sqrt) => (p, g, s, t) => tfAdamRef(p, g, s, h, false, t, pow, sqrt)],
  ['AdamW tf', AdamW, { preset: 'tf', lr: 0.01 }, adamState,
    (h, pow, sqrt) => (p, g, s, t) => tfAdamRef(p, g, s, { weightDecay: 4e-3, ...h }, true, t, pow, sqrt)],
  ['RMSprop optax', RMSprop, { preset: 'optax' }, (n) => ({ sq: z(n), ga: z(n), buf: z(n) }), (h) => (p, g, s) => optaxRmspropRef(p, g, s, h)],
  ['RMSprop optax', RMSprop, { preset: 'optax', lr: 0.005, alpha: 0.95, eps: 1e-4, centered: true, momentum: 0.9, weightDecay: 0.01, maximize: true },
    (n) => ({ sq: z(n), ga: z(n), buf: z(n) }), (h) => (p, g, s) => optaxRmspropRef(p, g, s, h)],
  ['RMSprop optax', RMSprop, { preset: 'optax', lr: 0.01, momentum: 0.5 }, (n) => ({ sq: z(n), ga: z(n), buf: z(n) }), (h) => (p, g, s) => optaxRmspropRef(p, g, s, h)],
  ['Adagrad optax', Adagrad, { preset: 'optax', lr: 0.1 }, (n) => ({ sum: new Float32Array(n).fill(0.1) }), (h) => (p, g, s, t) => optaxAdagradRef(p, g, s, h, t)],
  ['Adagrad optax', Adagrad, { preset: 'optax', lr: 0.2, lrDecay: 0.01, initialAccumulatorValue: 0, eps: 1e-6, weightDecay: 0.1, maximize: true },
    (n) => ({ sum: z(n) }), (h) => (p, g, s, t) => optaxAdagradRef(p, g, s, h, t)],
];

for (const [name, Cls, h, makeState, makeStep] of CASES) {
  test(`${name} ${JSON.stringify(h)} matches the f32 reference of the library's formula bit for bit in every build`, async () => {
    const e = await init({ threads: 1 });
    const pow = (x, y) => e.pow(x, y), sqrt = (x) => e.sqrt(x);
    const ref = reference(makeState, makeStep(h, pow, sqrt), grads);
    await e.dispose();
    for (const cfg of CONFIGS) {
      const got = await trajectory(cfg, (ps) => new Cls(ps, h), grads);
      got.forEach((a, i) => assert.ok(sameBits(a, ref[i].p), `config ${JSON.stringify(cfg)} tensor ${i}`));
    }
  });
}

test("preset 'torch' is the default, bit for bit", async () => {
  for (const [Cls, h] of [[Adam, { amsgrad: true, weightDecay: 0.1 }], [AdamW, {}], [RMSprop, { centered: true, momentum: 0.9 }], [Adagrad, { initialAccumulatorValue: 0.1 }]]) {
    const a = await trajectory(CONFIGS[0], (ps) => new Cls(ps, h), grads);
    const b = await trajectory(CONFIGS[0], (ps) => new Cls(ps, { ...h, preset: 'torch' }), grads);
    a.forEach((x, i) => assert.ok(sameBits(x, b[i]), `${Cls.name} tensor ${i}`));
  }
});

/** One tensor, `steps` steps of gradient `gfn(k)`; returns the optimizer after them (engine kept). */
async function run(e, Cls, h, steps, gfn, n = 8) {
  const ps = new ParamSet(e, { w: n });
  ps.setParam('w', new Float32Array(n).fill(1));
  const opt = new Cls(ps, h);
  for (let k = 0; k < steps; k++) { ps.setGrad('w', gfn(k, n)); opt.step(); }
  return { ps, opt };
}

test('where the libraries disagree (behaviour)', async () => {
  const e = await init({ threads: 1 });
  const g = (k, n) => new Float32Array(n).fill(k % 2 ? 1e-3 : 1);   // alternating magnitudes
  // AMSGrad: torch keeps the max of the raw v, optax of v̂ = v/(1−β2ᵗ), which is larger early on.
  const tAms = await run(e, Adam, { amsgrad: true }, 4, g), oAms = await run(e, Adam, { amsgrad: true, preset: 'optax' }, 4, g);
  const vt = tAms.opt.stateDict().state.w.max_exp_avg_sq[0], vo = oAms.opt.stateDict().state.w.max_exp_avg_sq[0];
  assert.ok(vt > 0.0019 && vt < 0.0021, `torch max v = ${vt}`);          // v₃ ≈ 0.002
  assert.ok(Math.abs(vo - 1) < 1e-6, `optax max v̂ = ${vo}`);            // v̂₁ = 1
  // ε placement: TF's ε-hat is not scaled by √(1−β2ᵗ), so with a large ε the first step is much smaller.
  const big = { lr: 0.1, eps: 0.1 };
  const tor = await run(e, Adam, big, 1, () => new Float32Array(8).fill(0.01)), tf = await run(e, Adam, { ...big, preset: 'tf' }, 1, () => new Float32Array(8).fill(0.01));
  const dTorch = 1 - tor.ps.param('w')[0], dTf = 1 - tf.ps.param('w')[0];
  assert.ok(Math.abs(dTorch - 0.1 * 0.01 / (0.01 + 0.1)) < 1e-6, `torch step ${dTorch}`);
  const r = Math.sqrt(0.001);                                        // √(1−β2¹)
  assert.ok(Math.abs(dTf - 0.1 * 0.01 * r / (0.01 * r + 0.1)) < 1e-7 && dTf < dTorch / 20, `tf step ${dTf}`);
  // eps_root inside the sqrt: with zero gradients the optax update is exactly 0, never NaN, and eps_root damps.
  const root = await run(e, Adam, { preset: 'optax', epsRoot: 1, lr: 0.1 }, 1, () => new Float32Array(8).fill(0.5));
  assert.ok(Math.abs(1 - root.ps.param('w')[0] - 0.1 * 0.5 / (Math.sqrt(0.25 + 1) + 1e-8)) < 1e-6);
  // RMSprop: optax's ε inside the sqrt (1e-8 inside is ~1e-4 outside): tiny gradients take smaller steps.
  const tiny = () => new Float32Array(8).fill(1e-6);
  const rt = await run(e, RMSprop, { alpha: 0.9 }, 1, tiny), ro = await run(e, RMSprop, { preset: 'optax' }, 1, tiny);
  const st = 1 - rt.ps.param('w')[0], so = 1 - ro.ps.param('w')[0];
  assert.ok(Math.abs(st - 0.01 * 1e-6 / (Math.sqrt(0.1) * 1e-6 + 1e-8)) < 1e-6 && so < st / 5, `torch ${st}, optax ${so}`);
  // Adagrad: optax's accumulator starts at 0.1, so the first step is g/√(0.1+g²) instead of ≈ 1.
  const at = await run(e, Adagrad, { lr: 1 }, 1, () => new Float32Array(8).fill(0.1)), ao = await run(e, Adagrad, { lr: 1, preset: 'optax' }, 1, () => new Float32Array(8).fill(0.1));
  assert.ok(Math.abs(1 - at.ps.param('w')[0] - 1) < 1e-6);
  assert.ok(Math.abs(1 - ao.ps.param('w')[0] - 0.1 / Math.sqrt(0.11)) < 1e-6);
  assert.equal(ao.opt.hyperparameters.initialAccumulatorValue, 0.1);
  assert.equal(ao.opt.hyperparameters.eps, 1e-7);
  // Defaults follow the library: optax adamw λ = 1e-4, Keras AdamW λ = 4e-3 and ε = 1e-7, optax rmsprop decay 0.9.
  const ps = new ParamSet(e, { w: 3 });
  assert.equal(new AdamW(ps, { preset: 'optax' }).hyperparameters.weightDecay, 1e-4);
  assert.deepEqual([new AdamW(ps, { preset: 'tf' }).hyperparameters.weightDecay, new Adam(ps, { preset: 'tf' }).hyperparameters.eps], [4e-3, 1e-7]);
  assert.equal(new RMSprop(ps, { preset: 'optax' }).hyperparameters.alpha, 0.9);
  assert.equal(new Adam(ps, { preset: 'optax' }).preset, 'optax');
  await e.dispose();
});

test('presets resume exactly and the state dict records them', async () => {
  await assertResumesExactly([
    [Adam, { preset: 'optax', amsgrad: true, epsRoot: 1e-8 }], [AdamW, { preset: 'tf' }],
    [RMSprop, { preset: 'optax', centered: true, momentum: 0.9 }], [Adagrad, { preset: 'optax' }],
  ], grads);
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 5 });
  const optax = new Adam(ps, { preset: 'optax' }), torch = new Adam(ps, {});
  assert.equal(optax.stateDict().preset, 'optax');
  assert.equal(torch.stateDict().preset, undefined);
  const before = torch.stateDict();
  assert.throws(() => torch.loadStateDict(optax.stateDict()), (err) => err instanceof StateError && /preset 'optax', this optimizer has preset 'torch'/.test(err.message));
  assert.deepEqual(torch.stateDict(), before);
  for (const [Cls, h] of [[RMSprop, {}], [Adagrad, {}]]) {
    const a = new Cls(ps, { ...h, preset: 'optax' }), b = new Cls(ps, h);
    assert.throws(() => b.loadStateDict(a.stateDict()), StateError);
    assert.throws(() => a.loadStateDict(b.stateDict()), StateError);
  }
  await e.dispose();
});

test('bad presets and epsRoot: HyperparameterError naming the option, state unchanged', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9 });
  const bad = [
    [Adam, { preset: 'keras' }, 'preset'], [AdamW, { preset: 1 }, 'preset'], [RMSprop, { preset: 'tf' }, 'preset'], [Adagrad, { preset: 'jax' }, 'preset'],
    [Adam, { epsRoot: 1e-8 }, 'epsRoot'], [AdamW, { preset: 'tf', epsRoot: 1e-8 }, 'epsRoot'], [Adam, { preset: 'optax', epsRoot: -1 }, 'epsRoot'],
    [Adam, { preset: 'optax', epsRoot: NaN }, 'epsRoot'], [AdamW, { groups: [{ params: ['w'], preset: 'optax' }] }, 'preset'],
    [Adam, { groups: [{ params: ['w'], epsRoot: 1e-3 }] }, 'epsRoot'], [RMSprop, { groups: [{ params: ['w'], preset: 'optax' }] }, 'preset'],
  ];
  for (const [Cls, h, name] of bad) {
    assert.throws(() => new Cls(ps, h), (err) => err instanceof HyperparameterError && err.message.startsWith(name), `${Cls.name} ${JSON.stringify(h)}`);
  }
  const opt = new Adam(ps, { preset: 'tf' });
  ps.setParam('w', randomArray(9, 1)); ps.setGrad('w', randomArray(9, 2));
  opt.step();
  const before = opt.stateDict();
  assert.throws(() => opt.set({ epsRoot: 1e-6 }), (err) => err instanceof HyperparameterError && err.message.startsWith('epsRoot'));
  assert.deepEqual(opt.stateDict(), before);
  const ok = new Adam(ps, { preset: 'optax' });
  ok.set({ epsRoot: 1e-6 });
  assert.equal(ok.hyperparameters.epsRoot, 1e-6);
  assert.throws(() => ok.set({ epsRoot: -1 }), (err) => err instanceof HyperparameterError && err.message.startsWith('epsRoot'));
  await e.dispose();
});
