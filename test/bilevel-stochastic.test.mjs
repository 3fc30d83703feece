// Issue 9, stochastic methods (stocBiO, SOBA) on the stochastic T1 of the reference (benchopt's simulated
// quadratic: the objectives are averages of per-sample quadratics, so the closed form is T1's with the averaged
// matrices). Minibatches of sample indices come from the library's counter-based sampler; the callbacks here
// average their per-sample terms over the batch they are given. Seeded and deterministic.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel, InvalidArgumentError, HyperparameterError } from '../dist/index.js';
import { solveDense } from './helpers/reference-bilevel.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());

const dx = 2, dy = 4, n = 200, m = 100;
let s = 4242;
const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
const mat = (r, c, scale = 1) => Array.from({ length: r * c }, () => scale * rnd());
const spd = (k, mu) => { const M = mat(k, k); const A = new Array(k * k).fill(0);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) { let t = 0; for (let q = 0; q < k; q++) t += M[q * k + i] * M[q * k + j]; A[i * k + j] = t / k + (i === j ? mu : 0); } return A; };
const centred = (count, make) => { const xs = Array.from({ length: count }, make); const mean = xs[0].map((_, j) => xs.reduce((a, v) => a + v[j], 0) / count); return xs.map((v) => v.map((t, j) => t - mean[j])); };
const sym = (E, k) => E.map((_, q) => 0.5 * (E[q] + E[(q % k) * k + Math.floor(q / k)]));
// averages: A (SPD), C, a (lower); F, H (SPD), K, f, h (upper); per-sample noise with zero mean
const A = spd(dy, 0.5), C = mat(dx, dy), a = mat(dy, 1), F = spd(dy, 0.3), H = spd(dx, 0.5), K = mat(dx, dy, 0.3), f0 = mat(dy, 1), h0 = mat(dx, 1);
const EA = centred(n, () => sym(mat(dy, dy, 0.4), dy)), EC = centred(n, () => mat(dx, dy, 0.4)), Ea = centred(n, () => mat(dy, 1, 0.5));
const Ef = centred(m, () => mat(dy, 1, 0.5)), Eh = centred(m, () => mat(dx, 1, 0.5));

const seen = { lower: [], upper: [] };
const mv = (M, v, r, c) => Array.from({ length: r }, (_, i) => { let t = 0; for (let j = 0; j < c; j++) t += M[i * c + j] * v[j]; return t; });
const mtv = (M, v, r, c) => Array.from({ length: c }, (_, j) => { let t = 0; for (let i = 0; i < r; i++) t += M[i * c + j] * v[i]; return t; });
const add = (...vs) => vs[0].map((_, j) => vs.reduce((a2, v) => a2 + v[j], 0));
// per-sample terms; a call without a batch (the full objective) uses the averages directly
const As = EA.map((E) => A.map((v, q) => v + E[q])), Cs = EC.map((E) => C.map((v, q) => v + E[q])), as = Ea.map((E) => a.map((v, j) => v + E[j]));
const fs = Ef.map((E) => f0.map((v, j) => v + E[j])), hs = Eh.map((E) => h0.map((v, j) => v + E[j]));
function mean(b, dim, full, term) {
  if (b === undefined) return full();
  const out = new Float64Array(dim);
  for (const i of b) { const t = term(i); for (let j = 0; j < dim; j++) out[j] += t[j]; }
  for (let j = 0; j < dim; j++) out[j] /= b.length;
  return out;
}
const lower = {
  grad: (x, y, gy, b) => { seen.lower.push(b?.length ?? n); gy.set(mean(b, dy, () => add(mv(A, y, dy, dy), mtv(C, x, dx, dy), a), (i) => add(mv(As[i], y, dy, dy), mtv(Cs[i], x, dx, dy), as[i]))); },
  hvp: (x, y, v, out, b) => out.set(mean(b, dy, () => mv(A, v, dy, dy), (i) => mv(As[i], v, dy, dy))),
  crossJvp: (x, y, v, out, b) => out.set(mean(b, dx, () => mv(C, v, dx, dy), (i) => mv(Cs[i], v, dx, dy))),
};
const upper = {
  grad: (x, y, gx, gy, b) => {
    seen.upper.push(b?.length ?? m);
    gx.set(add(mv(H, x, dx, dx), mv(K, y, dx, dy), mean(b, dx, () => h0, (k) => hs[k])));
    gy.set(add(mv(F, y, dy, dy), mtv(K, x, dx, dy), mean(b, dy, () => f0, (k) => fs[k])));
  },
};
// closed form with the averaged matrices: ∇Φ(x) = Hx + Ky* + h − C A⁻¹(Fy* + Kᵀx + f), y* = −A⁻¹(a + Cᵀx); ∇Φ is affine in x
const hyper = (x) => { const y = solveDense(A, add(a, mtv(C, x, dx, dy)).map((v) => -v), dy); const w = solveDense(A, add(mv(F, y, dy, dy), mtv(K, x, dx, dy), f0), dy);
  return add(mv(H, x, dx, dx), mv(K, y, dx, dy), h0, mv(C, w, dx, dy).map((v) => -v)); };
const g0 = hyper([0, 0]);
const M = [0, 1].flatMap((j) => hyper(j === 0 ? [1, 0] : [0, 1]).map((v, i) => v - g0[i])); // column j of the Jacobian
const Mrow = [M[0], M[2], M[1], M[3]];
const xstar = solveDense(Mrow, g0.map((v) => -v), dx);
const err = (x) => Math.hypot(x[0] - xstar[0], x[1] - xstar[1]) / Math.hypot(...xstar);
const base = { upper, lower, x0: [0, 0], y0: [0, 0, 0, 0], samples: { lower: n, upper: m } };

test('closed form: x* of the averaged problem has ∇Φ(x*) = 0', () => {
  assert.ok(Math.hypot(...hyper(xstar)) < 1e-12);
  assert.ok(Math.hypot(...xstar) > 0.3, 'a non-trivial optimum');
});

test('stocbio with the full batch is deterministic AID-Neumann: x* to 1e-8', () => {
  const r = bilevel.solve(e, { ...base, method: 'stocbio', options: { batchSize: n, upperBatchSize: m, innerSteps: 20, neumannSteps: 150, outer: { optimizer: 'sgd', lr: 0.5, momentum: 0.5, steps: 300 } } });
  assert.ok(err(r.x) < 1e-8, `relative error ${err(r.x)}`);
  assert.equal(r.converged, false); // stochastic methods make no stopping claim
  assert.ok(r.history[0].hessianNorm > 0);
});

test('stocbio with minibatches of 16 reaches x* within 3% (4 seeds), and a seed replays bit for bit', () => {
  const errs = [];
  for (const seed of [1, 2, 3, 4]) {
    seen.lower.length = 0; seen.upper.length = 0;
    const r = bilevel.solve(e, { ...base, method: 'stocbio', options: { batchSize: 16, seed, stepDecay: 'sqrt', outer: { optimizer: 'sgd', lr: 0.5, steps: 1500 } } });
    errs.push(err(r.x));
    assert.ok(seen.lower.every((k) => k === 16) && seen.upper.every((k) => k === 16), 'every callback got a batch of 16 indices');
    if (seed === 1) {
      const again = bilevel.solve(e, { ...base, method: 'stocbio', options: { batchSize: 16, seed, stepDecay: 'sqrt', outer: { optimizer: 'sgd', lr: 0.5, steps: 1500 } } });
      assert.deepEqual([...again.x], [...r.x]);
    }
  }
  assert.ok(errs[0] !== errs[1], 'different seeds draw different batches');
  const avg = errs.reduce((p, q) => p + q, 0) / errs.length;
  console.log(`stocbio, batches of 16, 1500 outer steps: relative errors ${errs.map((v) => v.toFixed(4)).join(', ')}`);
  assert.ok(avg < 0.03 && Math.max(...errs) < 0.06, `relative errors ${errs.map((v) => v.toFixed(4))}`);
});

test('soba (single loop, 1/√t steps from L̂) with minibatches of 16 reaches x* within 5% (4 seeds)', () => {
  const errs = [];
  for (const seed of [1, 2, 3, 4]) {
    const r = bilevel.solve(e, { ...base, method: 'soba', options: { batchSize: 16, seed, outer: { optimizer: 'sgd', lr: 0.5, steps: 4000 } } });
    errs.push(err(r.x));
  }
  const avg = errs.reduce((p, q) => p + q, 0) / errs.length;
  console.log(`soba, batches of 16, 4000 steps: relative errors ${errs.map((v) => v.toFixed(4)).join(', ')}`);
  assert.ok(avg < 0.05 && Math.max(...errs) < 0.1, `relative errors ${errs.map((v) => v.toFixed(4))}`);
  const full = bilevel.solve(e, { ...base, method: 'soba', options: { batchSize: n, upperBatchSize: m, stepDecay: 'none', outer: { optimizer: 'sgd', lr: 0.3, steps: 3000 } } });
  assert.ok(err(full.x) < 1e-8, `full-batch soba: ${err(full.x)}`);
});

test('stochastic methods: finite-difference products of batch gradients, strict problems', () => {
  const fd = bilevel.solve(e, { ...base, lower: { grad: lower.grad }, method: 'soba', options: { batchSize: n, upperBatchSize: m, stepDecay: 'none', outer: { optimizer: 'sgd', lr: 0.3, steps: 3000 } } });
  assert.equal(fd.secondOrder, 'finite-difference');
  assert.ok(err(fd.x) < 1e-7, `fd soba ${err(fd.x)}`);
  assert.throws(() => bilevel.solve(e, { ...base, samples: undefined, method: 'soba' }), InvalidArgumentError);
  assert.throws(() => bilevel.solve(e, { ...base, samples: { lower: 0, upper: 3 }, method: 'soba' }), InvalidArgumentError);
  assert.throws(() => bilevel.solve(e, { ...base, method: 'aid-cg' }), HyperparameterError); // samples is for stochastic methods
  assert.throws(() => bilevel.solve(e, { ...base, method: 'soba', options: { innerSteps: 3 } }), HyperparameterError);
  assert.throws(() => bilevel.solve(e, { ...base, method: 'soba', options: { stepDecay: 'cosine' } }), HyperparameterError);
});

test('built-in logistic model under minibatches (rows gathered in wasm, per-sample cross products scatter-added) = the same batches through JS callbacks', () => {
  let s2 = 99; const rnd2 = () => { s2 = (Math.imul(s2, 1664525) + 1013904223) >>> 0; return s2 / 2 ** 32 - 0.5; };
  const n = 60, m = 40, d = 4;
  const wt = Array.from({ length: d }, () => 4 * rnd2());
  const mk = (k) => { const X = Array.from({ length: k * d }, rnd2); const t = Array.from({ length: k }, (_, i) => (X.slice(i * d, i * d + d).reduce((a, v, j) => a + v * wt[j], 0) + 0.3 * rnd2() > 0 ? 1 : 0)); return [X, t]; };
  const [X, t] = mk(n), [V, tv] = mk(m);
  const alpha = 0.05;
  const sig = (z) => 1 / (1 + Math.exp(-z));
  const dot = (A, i, w) => { let z = 0; for (let j = 0; j < d; j++) z += A[i * d + j] * w[j]; return z; };
  const all = (k) => Int32Array.from({ length: k }, (_, i) => i);
  const lower = {
    grad: (x, w, g, b = all(n)) => { for (let j = 0; j < d; j++) g[j] = alpha * w[j]; for (const i of b) { const c = sig(x[i]) * (sig(dot(X, i, w)) - t[i]) / b.length; for (let j = 0; j < d; j++) g[j] += c * X[i * d + j]; } },
    hvp: (x, w, v, out, b = all(n)) => { for (let j = 0; j < d; j++) out[j] = alpha * v[j]; for (const i of b) { const p = sig(dot(X, i, w)); const c = sig(x[i]) * p * (1 - p) * dot(X, i, v) / b.length; for (let j = 0; j < d; j++) out[j] += c * X[i * d + j]; } },
    crossJvp: (x, w, v, out, b = all(n)) => { out.fill(0); for (const i of b) { const q = sig(x[i]); out[i] += q * (1 - q) * (sig(dot(X, i, w)) - t[i]) * dot(X, i, v) / b.length; } },
  };
  const upper = { grad: (x, w, gx, gy, b = all(m)) => { gx.fill(0); gy.fill(0); for (const k of b) { const c = (sig(dot(V, k, w)) - tv[k]) / b.length; for (let j = 0; j < d; j++) gy[j] += c * V[k * d + j]; } } };
  const lg = bilevel.models.logistic(e, { features: d, trainX: X, trainY: t, valX: V, valY: tv, hyper: 'sampleWeights', alpha });

  for (const method of ['stocbio', 'soba']) {
    const options = { batchSize: 8, upperBatchSize: 6, seed: 5, innerLr: 0.5, ...(method === 'stocbio' ? { neumannLr: 0.5 } : {}), outer: { optimizer: 'sgd', lr: 2, steps: 40 } };
    const a = bilevel.solve(e, { model: lg, x0: new Array(n).fill(0), method, options });
    const b = bilevel.solve(e, { upper, lower, x0: new Array(n).fill(0), y0: new Array(d).fill(0), samples: { lower: n, upper: m }, method, options });
    assert.equal(a.secondOrder, 'built-in');
    const r = Math.hypot(...a.x.map((v, i) => v - b.x[i])) / Math.hypot(...b.x);
    assert.ok(Math.hypot(...b.x) > 0.01 && r < 1e-12, `${method}: built-in vs callbacks ${r}`);
  }
  assert.throws(() => bilevel.solve(e, { model: lg, x0: new Array(n).fill(0), samples: { lower: n, upper: m }, method: 'soba' }), InvalidArgumentError);
  lg.free();
});

test('borep (normalised momentum, periodic lower updates) with minibatches of 16 reaches x* within 4% on average (4 seeds), a seed replays bit for bit', () => {
  const errs = [];
  const opts = (seed) => ({ batchSize: 16, seed, stepDecay: 'sqrt', outer: { lr: 0.02, steps: 2000 } });
  for (const seed of [1, 2, 3, 4]) errs.push(err(bilevel.solve(e, { ...base, method: 'borep', options: opts(seed) }).x));
  const again = bilevel.solve(e, { ...base, method: 'borep', options: opts(1) });
  assert.equal(err(again.x), errs[0]);
  const avg = errs.reduce((p, q) => p + q, 0) / errs.length;
  console.log(`borep, batches of 16, 2000 steps (η = 0.02/√t): relative errors ${errs.map((v) => v.toFixed(4)).join(', ')}`);
  assert.ok(avg < 0.04 && Math.max(...errs) < 0.06, `relative errors ${errs.map((v) => v.toFixed(4))}`);
  assert.equal(again.converged, false);
});
