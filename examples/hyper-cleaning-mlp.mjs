// Data hyper-cleaning with the built-in MLP as the lower level (issue 9): the digits fixture
// (test/fixtures/digits.json), its first 500 training images with 50% of their labels replaced by a
// different label drawn uniformly (seeded by `seed`), the last 437 training images as the clean validation
// set, the 360 test images. The lower level trains a one-hidden-layer tanh MLP (bilevel.models.mlp,
// 64 → 16 → 10, weight decay ρ = 5e-3 on every parameter, Glorot init seeded by `seed`) on the noisy set
// with one weight σ(xᵢ) per training image; the upper level picks x to minimise the validation
// cross-entropy (Adam, lr 0.1, from x = 0). The lower level is nonconvex (weight decay leaves saddles where
// ∇²ᵧᵧg is indefinite, so AID's linear solve breaks down there), so the hypergradient is reverse-mode ITD
// through T = 10 gradient steps, warm-started across outer steps, which needs no inverse Hessian. Both runs
// start from the same 1000 gradient steps with equal weights; the baseline ("train on everything") then
// takes as many more lower steps as the hyper-cleaning run takes in all ((steps + 1)·T), so both models get
// the same training; the clean-subset oracle (--oracle) gets all of them on the untouched half.
// --implicit: AID-CG's linear solve at the final (x, y), to show why the run is ITD.
// Run from the repository root: node examples/hyper-cleaning-mlp.mjs [outer steps, default 40] [seed, default 1] [--oracle] [--implicit]
import { readFileSync } from 'node:fs';
import { init, bilevel } from 'simdopt';

const data = JSON.parse(readFileSync('test/fixtures/digits.json', 'utf8'));
const engine = await init({ threads: 1 });
const F = 64, K = 10, NTRAIN = 500, NOISE = 0.5, RHO = 5e-3, H = 16; // 64 pixels → 16 tanh units → 10 classes
const PRE = 1000, T = 10, LR = 0.4; // warm-up steps, unrolled steps per outer step, lower step size
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const steps = Number(args[0] ?? 40), seed = Number(args[1] ?? 1);
const rows = (idx) => idx.flatMap((r) => Array.from({ length: 64 }, (_, j) => (data.pixels.charCodeAt(r * 64 + j) - 97) / 16));
const labelsOf = (idx) => idx.map((r) => data.labels.charCodeAt(r) - 48);
const trainIdx = data.train.slice(0, NTRAIN), valIdx = data.train.slice(1000);
const [trainX, valX, testX] = [rows(trainIdx), rows(valIdx), rows(data.test)];
const [valY, testY] = [labelsOf(valIdx), labelsOf(data.test)];

// corrupt exactly NOISE·n training labels (a seeded partial Fisher–Yates shuffle picks them)
let s = 20261207 + seed;
const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const trainY = labelsOf(trainIdx), clean = new Array(NTRAIN).fill(true), order = [...trainY.keys()];
for (let k = 0; k < NOISE * NTRAIN; k++) {
  const j = k + Math.floor(rand() * (NTRAIN - k));
  [order[k], order[j]] = [order[j], order[k]];
  const i = order[k];
  trainY[i] = (trainY[i] + 1 + Math.floor(rand() * (K - 1))) % K;
  clean[i] = false;
}

const spec = { features: F, classes: K, hidden: H, seed, valX, valY, hyper: 'sampleWeights', alpha: RHO };
const zeros = (n) => new Array(n).fill(0);
/** `n` lower gradient steps of size LR from y0 (default: the seeded Glorot weights) with equal weights σ(0) = ½. */
function train(model, n, y0) {
  return bilevel.hypergradient(engine, { model, x0: zeros(model.dx), y0, method: 'aid-cg', options: { innerSteps: n, innerLr: LR, innerTol: 0, cgSteps: 1 } }).y;
}
const model = bilevel.models.mlp(engine, { ...spec, trainX, trainY });
const t0 = performance.now();
const pre = train(model, PRE);
const r = bilevel.solve(engine, {
  model, x0: zeros(NTRAIN), y0: pre, method: 'itd',
  options: { innerSteps: T, innerLr: LR, outer: { optimizer: 'adam', lr: 0.1, steps, tol: 0 } },
});
const seconds = (performance.now() - t0) / 1000;
const baseline = train(model, (steps + 1) * T, pre);

const xs = [...r.x], sig = (z) => 1 / (1 + Math.exp(-z));
const cl = xs.filter((_, i) => clean[i]), co = xs.filter((_, i) => !clean[i]);
let auc = 0;
for (const a of cl) for (const b of co) auc += a > b ? 1 : a === b ? 0.5 : 0;
auc /= cl.length * co.length;
const mean = (a) => a.reduce((acc, z) => acc + sig(z), 0) / a.length;
const kept = xs.map((z) => z > 0);
const tp = kept.filter((k, i) => k && clean[i]).length, fp = kept.filter((k, i) => k && !clean[i]).length, fn = kept.filter((k, i) => !k && clean[i]).length;
const pct = (y) => `${(100 * model.accuracy(y, testX, testY)).toFixed(2)}%`;
console.log(`seed ${seed}: train on everything (equal weights): test accuracy ${pct(baseline)}`);
if (process.argv.includes('--oracle')) {
  const cleanIdx = [...clean.keys()].filter((i) => clean[i]);
  const m2 = bilevel.models.mlp(engine, { ...spec, trainX: cleanIdx.flatMap((i) => trainX.slice(i * F, (i + 1) * F)), trainY: cleanIdx.map((i) => trainY[i]) });
  console.log(`seed ${seed}: train on the truly clean subset: test accuracy ${pct(train(m2, PRE + (steps + 1) * T))}`);
  m2.free();
}
console.log(`seed ${seed}: hyper-cleaning (bilevel itd): test accuracy ${pct(r.y)}`);
console.log(`seed ${seed}: weights σ(x): AUC clean vs corrupted ${auc.toFixed(3)}, mean clean ${mean(cl).toFixed(3)}, mean corrupted ${mean(co).toFixed(3)}, F1 (σ > ½) ${((2 * tp) / (2 * tp + fp + fn)).toFixed(3)}`);
console.log(`seed ${seed}: ${steps} outer steps of ${T} unrolled lower steps after ${PRE} warm-up steps, ${seconds.toFixed(1)} s (warm-up and solve); warnings: ${r.warnings.length ? r.warnings.join('; ') : 'none'}`);
if (process.argv.includes('--implicit')) {
  // AID-CG's linear solve at the run's final (x, y): CG meets negative curvature on the nonconvex lower level
  const a = bilevel.hypergradient(engine, { model, x0: r.x, y0: r.y, method: 'aid-cg', options: { innerSteps: 0, innerTol: 1, cgSteps: 200, cgTol: 1e-8 } });
  console.log(`seed ${seed}: aid-cg at the final (x, y): relative residual ${a.history[0].residual.toFixed(2)} after ${a.history[0].linearSteps} CG steps; ${a.warnings.find((w) => w.includes('indefinite')) ? 'indefinite ∇²ᵧᵧg flagged' : 'no warning'}`);
}
model.free();
engine.dispose();
