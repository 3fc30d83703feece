// linalg.qr and linalg.svd (Jacobi and randomized) against NumPy/LAPACK's SVD of the same f32 matrices
// (scripts/svd_reference.py, test/fixtures/svd-reference.json: spectra 0.7^i, 1/(i+1) on a wide matrix,
// and eight large values over a 0.01·0.9^i tail), plus the bits across builds and thread counts.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init, linalg, InvalidArgumentError, LengthMismatchError } from '../dist/index.js';
import { randomArray, sameBits } from './helpers/reference.mjs';

const fx = JSON.parse(readFileSync(new URL('./fixtures/svd-reference.json', import.meta.url)));
const matrix = (c) => new Float32Array(Buffer.from(c.a, 'base64').buffer.slice(0));

/** max |MᵀM − I| of the r columns of the row-major rows×r matrix M (f64). */
function orthError(M, rows, r) {
  let worst = 0;
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) {
    let d = 0;
    for (let p = 0; p < rows; p++) d += M[p * r + i] * M[p * r + j];
    worst = Math.max(worst, Math.abs(d - (i === j ? 1 : 0)));
  }
  return worst;
}
/** ‖T − M·(Mᵀ·T)‖_F for orthonormal r-column M, T: bounds the sine of the largest principal angle (≥ it). */
function subspaceSin(M, T, rows, r) {
  const G = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) { let d = 0; for (let p = 0; p < rows; p++) d += M[p * r + i] * T[p * r + j]; G[i * r + j] = d; }
  let f = 0;
  for (let p = 0; p < rows; p++) for (let j = 0; j < r; j++) {
    let x = T[p * r + j];
    for (let i = 0; i < r; i++) x -= M[p * r + i] * G[i * r + j];
    f += x * x;
  }
  return Math.sqrt(f);
}
/** ‖A − U·diag(s)·Vᵀ‖_F (f64). */
function residual(A, U, s, V, m, n, r) {
  let f = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let x = A[i * n + j];
    for (let p = 0; p < r; p++) x -= U[i * r + p] * s[p] * V[j * r + p];
    f += x * x;
  }
  return Math.sqrt(f);
}

test('svd (Jacobi): singular values, factors and subspaces of NumPy’s SVD to f32 rounding', async () => {
  const e = await init({ threads: 1 });
  for (const c of fx.cases) {
    const a = e.from(matrix(c)), before = a.array.slice();
    const r = c.rank;
    const { u, s, v, rank } = linalg.svd(e, a, c.m, c.n, { rank: r, method: 'jacobi' });
    assert.equal(rank, r);
    assert.ok(sameBits(a.array, before), 'A unchanged');
    for (let i = 0; i < r; i++) assert.ok(Math.abs(s.array[i] - c.s[i]) <= 2.4e-7 * c.s[i], `${c.name} s[${i}] ${s.array[i]} vs ${c.s[i]}`);
    assert.ok(orthError(u.array, c.m, r) <= 1e-6 && orthError(v.array, c.n, r) <= 1e-6, `${c.name} orthonormality`);
    // Same sign convention as the fixture: the factors themselves agree, not just their spans.
    for (const [M, T] of [[u.array, c.u], [v.array, c.v]]) for (let i = 0; i < T.length; i++) assert.ok(Math.abs(M[i] - T[i]) <= 1e-6, `${c.name} factor entry ${i}`);
    for (let i = 1; i < r; i++) assert.ok(s.array[i] <= s.array[i - 1], 'decreasing');
  }
  await e.dispose();
});

test('svd (randomized, q steps of subspace iteration): within the gap-based error of each spectrum', async () => {
  // Tolerance for the sine of the largest principal angle to the true top-k subspace after q steps:
  // 10·(σ_{l+1}/σ_k)^{2q+1} (the subspace-iteration rate for l = k + p sampled columns; the factor 10
  // covers the random test matrix's term), floored at 2e-6 for f32 rounding. Singular values: relative
  // error ≤ tolerance² (they converge at the square of the vectors' rate) + 4 ulp.
  const e = await init({ threads: 1 });
  for (const c of fx.cases) {
    const a = e.from(matrix(c)), A = matrix(c), r = c.rank, l = r + 10;
    const best = Math.sqrt(c.s.slice(r).reduce((x, y) => x + y * y, 0));
    let prev = Infinity;
    for (const iters of [0, 1, 2, 4]) {
      const { u, s, v } = linalg.svd(e, a, c.m, c.n, { rank: r, iters, method: 'randomized', seed: 3 });
      const tol = Math.max(2e-6, 10 * (c.s[l] / c.s[r - 1]) ** (2 * iters + 1));
      const sin = Math.max(subspaceSin(u.array, c.u, c.m, r), subspaceSin(v.array, c.v, c.n, r));
      assert.ok(sin <= tol, `${c.name} q=${iters}: sin ${sin} > ${tol}`);
      for (let i = 0; i < r; i++) assert.ok(Math.abs(s.array[i] - c.s[i]) <= (Math.min(tol, 1) ** 2 + 4.8e-7) * c.s[i], `${c.name} q=${iters} s[${i}]`);
      assert.ok(orthError(u.array, c.m, r) <= 1e-6 && orthError(v.array, c.n, r) <= 1e-6, `${c.name} q=${iters} orthonormality`);
      // Residual against the optimal rank-r error (Eckart–Young): ≥ it, and above it by at most what the
      // subspace error leaks of the top part (σ₁·sin, twice for U and V); more iterations never worse here.
      const res = residual(A, u.array, s.array, v.array, c.m, c.n, r);
      assert.ok(res >= best * (1 - 1e-5) && res <= best + 2 * c.s[0] * sin + 1e-6 * c.s[0], `${c.name} q=${iters}: residual ${res} vs optimal ${best}`);
      assert.ok(res <= prev * (1 + 1e-6)); prev = res;
      for (const b of [u, s, v]) b.free();
    }
  }
  await e.dispose();
});

test('qr: A = Q·R, QᵀQ = I, R upper triangular; wide input refused', async () => {
  const e = await init({ threads: 1 });
  for (const [m, n] of [[50, 17], [33, 33], [7, 1]]) {
    const A = randomArray(m * n, m + n), a = e.from(A);
    const { q, r } = linalg.qr(e, a, m, n);
    let err = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let x = -A[i * n + j];
      for (let p = 0; p < n; p++) x += q.array[i * n + p] * r.array[p * n + j];
      err = Math.max(err, Math.abs(x));
    }
    assert.ok(err <= 1e-6, `${m}x${n} reconstruction ${err}`);
    assert.ok(orthError(q.array, m, n) <= 1e-6);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(r.array[i * n + j], 0);
  }
  assert.throws(() => linalg.qr(e, e.alloc(12), 3, 4), InvalidArgumentError);
  await e.dispose();
});

test('svd and qr: the same bits in all four builds and at 1 and 2 threads', async () => {
  const c = fx.cases[2], A = matrix(c);
  let want = null;
  for (const cfg of [{ threads: 1 }, { threads: 2, splitMin: 64 }, { simd: false, threads: 2, splitMin: 64 }, { simd: false, threads: 1 }]) {
    const e = await init(cfg);
    assert.equal(await e.ready, e.info.threads);
    const a = e.from(A);
    const rs = linalg.svd(e, a, c.m, c.n, { rank: 8, seed: 11, iters: 2 });
    const wide = linalg.svd(e, a, c.n, c.m, { rank: 5, method: 'jacobi' });
    const { q, r } = linalg.qr(e, a, c.m, c.n);
    const got = [rs.u, rs.s, rs.v, wide.u, wide.s, wide.v, q, r].map((b) => b.array.slice());
    if (!want) want = got;
    else got.forEach((g, i) => assert.ok(sameBits(g, want[i]), `${JSON.stringify(cfg)} output ${i}`));
    await e.dispose();
  }
});

test('svd: options checked (typed errors), A unchanged; seeds give different test matrices', async () => {
  const e = await init({ threads: 1 });
  const A = randomArray(20 * 12, 5), a = e.from(A);
  for (const o of [{ rank: 0 }, { rank: 13 }, { rank: 2.5 }, { method: 'lapack' }, { oversample: -1 }, { iters: 1.5 }, { seed: -1 }, { seed: 2 ** 53 }]) {
    assert.throws(() => linalg.svd(e, a, 20, 12, o), InvalidArgumentError, JSON.stringify(o));
  }
  assert.throws(() => linalg.svd(e, a, 20, 13), LengthMismatchError);
  assert.throws(() => linalg.svd(e, a, 20, 12, 'rank'), InvalidArgumentError);
  assert.ok(sameBits(a.array, A));
  const x = linalg.svd(e, a, 20, 12, { rank: 2, iters: 0, oversample: 2, seed: 1 }), y = linalg.svd(e, a, 20, 12, { rank: 2, iters: 0, oversample: 2, seed: 2 });
  assert.ok(!sameBits(x.u.array, y.u.array));
  await e.dispose();
});
