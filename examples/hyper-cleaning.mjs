// Data hyper-cleaning (issue 9; the task of Franceschi et al. 2017, stocBiO, BOME) on scikit-learn's digits
// (test/fixtures/digits.json): 1000 training images with 50% of their labels replaced by a different
// label drawn uniformly (seeded), 437 clean validation images, 360 test images. The lower level trains
// softmax regression on the noisy set with one weight σ(xᵢ) per training sample; the upper level picks the
// weights x that minimise the validation loss. One bilevel.solve call with the built-in model (AID-CG,
// Newton inner solves), compared with the two honest baselines: train on everything, train on the truly
// clean subset. Run from the repository root: node examples/hyper-cleaning.mjs [outer steps, default 150] [engine threads, default auto]
import { readFileSync } from 'node:fs';
import { init, bilevel } from 'simdopt';

const data = JSON.parse(readFileSync('test/fixtures/digits.json', 'utf8'));
const engine = await init(process.argv[3] === undefined ? {} : { threads: Number(process.argv[3]) });
const F = 65, K = 10, NTRAIN = 1000, NOISE = 0.5, RHO = 1e-3;
const steps = Number(process.argv[2] ?? 150);
const rows = (idx) => idx.flatMap((r) => [...Array.from({ length: 64 }, (_, j) => (data.pixels.charCodeAt(r * 64 + j) - 97) / 16), 1]);
const labelsOf = (idx) => idx.map((r) => data.labels.charCodeAt(r) - 48);
const trainIdx = data.train.slice(0, NTRAIN), valIdx = data.train.slice(NTRAIN);
const [trainX, valX, testX] = [rows(trainIdx), rows(valIdx), rows(data.test)];
const [valY, testY] = [labelsOf(valIdx), labelsOf(data.test)];

// corrupt exactly NOISE·n training labels (a seeded partial Fisher–Yates shuffle picks them)
let s = 20261207;
const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const trainY = labelsOf(trainIdx), clean = new Array(NTRAIN).fill(true), order = [...trainY.keys()];
for (let k = 0; k < NOISE * NTRAIN; k++) {
  const j = k + Math.floor(rand() * (NTRAIN - k));
  [order[k], order[j]] = [order[j], order[k]];
  const i = order[k];
  trainY[i] = (trainY[i] + 1 + Math.floor(rand() * (K - 1))) % K;
  clean[i] = false;
}

const spec = { features: F, classes: K, valX, valY };
const inner = { innerSolver: 'newton', innerSteps: 50, innerTol: 1e-9, cgSteps: 200, cgTol: 1e-10 };
/** Softmax regression trained to convergence (ridge ρ) on the given rows: the lower solve of a fixed-λ run. */
function train(X, Y) {
  const m = bilevel.models.softmax(engine, { ...spec, trainX: X, trainY: Y });
  const r = bilevel.hypergradient(engine, { model: m, x0: [Math.log(RHO)], method: 'aid-cg', options: inner });
  m.free();
  return r.y;
}
const model = bilevel.models.softmax(engine, { ...spec, trainX, trainY, hyper: 'sampleWeights', alpha: RHO });
const t0 = performance.now();
const r = bilevel.solve(engine, {
  model, x0: new Array(NTRAIN).fill(0), method: 'aid-cg',
  options: { ...inner, innerTol: 1e-7, cgTol: 1e-6, innerSteps: 10, outer: { optimizer: 'adam', lr: 0.1, steps, tol: 0 } },
});
const seconds = (performance.now() - t0) / 1000;

const cleanIdx = [...clean.keys()].filter((i) => clean[i]);
const pick = (X, idx) => idx.flatMap((i) => X.slice(i * F, (i + 1) * F));
const results = [
  ['train on everything (noisy)', train(trainX, trainY)],
  ['train on the truly clean subset', train(pick(trainX, cleanIdx), cleanIdx.map((i) => trainY[i]))],
  ['hyper-cleaning (bilevel aid-cg)', r.y],
];
const kept = [...r.x].map((x) => x > 0); // σ(x) > 1/2
const tp = kept.filter((k, i) => k && clean[i]).length, fp = kept.filter((k, i) => k && !clean[i]).length, fn = kept.filter((k, i) => !k && clean[i]).length;
const f1 = (2 * tp) / (2 * tp + fp + fn);
for (const [name, y] of results) console.log(`${name}: test accuracy ${(100 * model.accuracy(y, testX, testY)).toFixed(2)}%`);
console.log(`clean-set recovery (σ(x) > 0.5): F1 ${f1.toFixed(3)}, kept ${tp + fp} of ${NTRAIN}, ${tp} of them clean`);
console.log(`${steps} outer steps, ${(r.oracleCalls.hvp / (steps + 1)).toFixed(0)} Hessian-vector products per step, ${seconds.toFixed(1)} s; warnings: ${r.warnings.length ? r.warnings.join('; ') : 'none'}`);
model.free();
engine.dispose();
