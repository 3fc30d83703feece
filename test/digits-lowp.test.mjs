// Issue 13's behavioural check of bf16 + stochastic rounding: softmax regression on the digits fixture
// (as examples/digits.mjs: 64 pixels + bias, 10 classes, zero init, full batch, 1000 steps, one thread)
// with bf16 optimizer states AND bf16 parameters. With stochastic rounding the run tracks the f32 one;
// with round-to-nearest the parameter updates below half a bf16 ulp are lost and training stalls (the
// classic demonstration: Zamirai et al. 2020, "Revisiting BFloat16 Training"). Deterministic: the
// engine's kernels and rounding bits are seeded, the loss is the f64 JS cross-entropy of the logits.
// Measured on this code (loss at steps 250/500/750/1000, test accuracy, share of W entries the last
// step left unchanged):
//   AdamW lr 1e-3   f32:            1.033 0.601 0.424 0.331   93.89%   0.046
//                   bf16 SR:        1.033 0.601 0.424 0.328   93.61%   0.885
//                   bf16 RNE:       0.946 0.864 0.785 0.732   92.22%   0.962
//                   bf16 master:    1.033 0.601 0.424 0.330   93.89%   0.046
//   SGD lr 0.02, momentum 0.9
//                   f32:            0.398 0.268 0.217 0.188   95.28%   0.046
//                   bf16 SR:        0.399 0.269 0.216 0.187   95.28%   0.918
//                   bf16 RNE:       0.455 0.451 0.451 0.451   91.94%   1.000
// (SR leaves most entries unchanged in any one step too, but moves them by a whole ulp with the right
// probability, so the sum of the small updates survives; RNE's SGD run is frozen from step ~250 on.)
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init, ParamSet, LowPrecisionAdamW, LowPrecisionSGD, linalg } from '../dist/index.js';

const d = JSON.parse(readFileSync(new URL('./fixtures/digits.json', import.meta.url), 'utf8'));
const F = 65, C = 10, STEPS = 1000;

async function setup() {
  const e = await init({ threads: 1 });
  const matrix = (rows) => {
    const x = new Float32Array(rows.length * F);
    rows.forEach((r, i) => { for (let j = 0; j < 64; j++) x[i * F + j] = (d.pixels.charCodeAt(r * 64 + j) - 97) / 16; x[i * F + 64] = 1; });
    return e.from(x);
  };
  return { e, xTrain: matrix(d.train), xTest: matrix(d.test) };
}
const label = (r) => d.labels.charCodeAt(r) - 48;

/** Trains W from zero for STEPS full-batch steps; losses at each quarter, test accuracy, share of W the last step left as it was. */
function train({ e, xTrain, xTest }, make) {
  const n = d.train.length, ps = new ParamSet(e, { W: [F, C] }), opt = make(ps);
  const w = e.alloc(F * C), grad = e.alloc(F * C), z = e.alloc(n * C), marks = [];
  let loss = 0, frozen = 0;
  for (let t = 0; t < STEPS; t++) {
    w.array.set(ps.param('W'));
    linalg.gemm(e, xTrain, w, z, n, C, F);
    const p = z.array;
    loss = 0;
    for (let i = 0; i < n; i++) {
      let m = -Infinity, s = 0;
      for (let c = 0; c < C; c++) m = Math.max(m, p[i * C + c]);
      for (let c = 0; c < C; c++) s += (p[i * C + c] = Math.exp(p[i * C + c] - m));
      const y = label(d.train[i]);
      loss -= Math.log(p[i * C + y] / s) / n;
      for (let c = 0; c < C; c++) p[i * C + c] = (p[i * C + c] / s - (c === y ? 1 : 0)) / n;
    }
    linalg.gemm(e, xTrain, z, grad, F, C, n, { transA: true });
    ps.setGrad('W', grad.array);
    const before = ps.param('W').slice();
    opt.step();
    if (t === STEPS - 1) { const a = ps.param('W'); frozen = a.filter((v, k) => v === before[k]).length / a.length; }
    if ((t + 1) % (STEPS / 4) === 0) marks.push(loss);
  }
  const zt = e.alloc(d.test.length * C);
  w.array.set(ps.param('W'));
  linalg.gemm(e, xTest, w, zt, d.test.length, C, F);
  let correct = 0;
  d.test.forEach((r, i) => { const row = zt.array.subarray(i * C, i * C + C); if (row.indexOf(Math.max(...row)) === label(r)) correct++; });
  for (const b of [w, grad, z, zt]) b.free();
  opt.free(); ps.free();
  return { marks, loss, acc: (100 * correct) / d.test.length, frozen };
}

const check = (f32, sr, rne, what) => {
  // SR within 2% of the f32 loss at every quarter and within 1 point of its accuracy.
  f32.marks.forEach((l, k) => assert.ok(Math.abs(sr.marks[k] - l) <= 0.02 * l, `${what}: SR loss ${sr.marks[k]} vs f32 ${l} at quarter ${k + 1}`));
  assert.ok(Math.abs(sr.acc - f32.acc) <= 1, `${what}: SR accuracy ${sr.acc} vs f32 ${f32.acc}`);
  // RNE stalls: its final loss is at least 1.5x f32's, and it gains less than half of what f32 gains over the last three quarters.
  assert.ok(rne.loss >= 1.5 * f32.loss, `${what}: RNE loss ${rne.loss} vs f32 ${f32.loss}`);
  assert.ok(rne.marks[0] - rne.loss < 0.5 * (f32.marks[0] - f32.loss), `${what}: RNE still improves (${rne.marks.join(', ')})`);
  assert.ok(rne.acc < f32.acc, `${what}: RNE accuracy ${rne.acc} vs f32 ${f32.acc}`);
};

test('AdamW with bf16 states and bf16 parameters: stochastic rounding tracks f32, round-to-nearest stalls; master weights track f32', async () => {
  const s = await setup();
  const A = (o) => (ps) => new LowPrecisionAdamW(ps, { lr: 1e-3, weightDecay: 0, ...o });
  const f32 = train(s, A({ stateDtype: 'f32' }));
  const sr = train(s, A({ stateDtype: 'bf16', paramDtype: 'bf16' }));
  const rne = train(s, A({ stateDtype: 'bf16', paramDtype: 'bf16', stochasticRounding: false }));
  const master = train(s, A({ stateDtype: 'bf16', paramDtype: 'bf16', masterWeights: true }));
  check(f32, sr, rne, 'AdamW');
  f32.marks.forEach((l, k) => assert.ok(Math.abs(master.marks[k] - l) <= 0.005 * l, `master weights loss ${master.marks[k]} vs ${l}`));
  assert.ok(f32.acc >= 93 && f32.loss < 0.35, `f32 run: ${f32.acc}%, loss ${f32.loss}`);
  await s.e.dispose();
});

test('SGD (momentum 0.9) with bf16 buffer and bf16 parameters: stochastic rounding tracks f32, round-to-nearest freezes', async () => {
  const s = await setup();
  const G = (o) => (ps) => new LowPrecisionSGD(ps, { lr: 0.02, momentum: 0.9, ...o });
  const f32 = train(s, G({ stateDtype: 'f32' }));
  const sr = train(s, G({ stateDtype: 'bf16', paramDtype: 'bf16' }));
  const rne = train(s, G({ stateDtype: 'bf16', paramDtype: 'bf16', stochasticRounding: false }));
  check(f32, sr, rne, 'SGD');
  assert.ok(rne.frozen > 0.99, `RNE left ${rne.frozen} of W unchanged in the last step`);
  await s.e.dispose();
});
