// Softmax regression on scikit-learn's 8x8 handwritten digits (test/fixtures/digits.json, written by
// scripts/make_digits_fixture.py: 1437 training and 360 test images), trained full-batch with AdamW
// and a warm-up + cosine schedule passed directly as `lr`; matrix products by linalg.gemm.
// Run from the repository root: node examples/digits.mjs
import { readFileSync } from 'node:fs';
import { init, ParamSet, AdamW, warmupCosineDecay, linalg } from 'simdopt';

const d = JSON.parse(readFileSync('test/fixtures/digits.json', 'utf8'));
const engine = await init();
const F = 65, C = 10;                              // 64 pixels + a constant 1 (the bias), 10 classes
const matrix = (rows) => {                         // rows x F, pixels scaled to [0, 1]
  const x = new Float32Array(rows.length * F);
  rows.forEach((r, i) => {
    for (let j = 0; j < 64; j++) x[i * F + j] = (d.pixels.charCodeAt(r * 64 + j) - 97) / 16;
    x[i * F + 64] = 1;
  });
  return engine.from(x);
};
const [xTrain, xTest] = [matrix(d.train), matrix(d.test)];
const label = (r) => d.labels.charCodeAt(r) - 48;
const n = d.train.length, steps = 300;

const params = new ParamSet(engine, { W: [F, C] });
const lr = warmupCosineDecay(engine, { init: 0, peak: 0.1, warmupSteps: 20, decaySteps: steps, end: 1e-4 });
const opt = new AdamW(params, { lr, weightDecay: 1e-4 });
const w = engine.alloc(F * C), grad = engine.alloc(F * C), z = engine.alloc(n * C);
for (let t = 0; t < steps; t++) {
  w.array.set(params.param('W'));
  linalg.gemm(engine, xTrain, w, z, n, C, F);                       // Z = X·W  (logits)
  const p = z.array;
  for (let i = 0; i < n; i++) {                                     // Z <- (softmax(Z) − onehot(y)) / n
    let m = -Infinity, s = 0;
    for (let c = 0; c < C; c++) m = Math.max(m, p[i * C + c]);
    for (let c = 0; c < C; c++) s += (p[i * C + c] = Math.exp(p[i * C + c] - m));
    for (let c = 0; c < C; c++) p[i * C + c] = (p[i * C + c] / s - (c === label(d.train[i]) ? 1 : 0)) / n;
  }
  linalg.gemm(engine, xTrain, z, grad, F, C, n, { transA: true });  // ∇W = Xᵀ·Z
  params.setGrad('W', grad.array);
  opt.step();
}

const zt = engine.alloc(d.test.length * C);
w.array.set(params.param('W'));
linalg.gemm(engine, xTest, w, zt, d.test.length, C, F);
let correct = 0;
d.test.forEach((r, i) => {
  const row = zt.array.subarray(i * C, i * C + C);
  if (row.indexOf(Math.max(...row)) === label(r)) correct++;
});
console.log(`test accuracy ${(100 * correct / d.test.length).toFixed(1)}%`);
await engine.dispose();
