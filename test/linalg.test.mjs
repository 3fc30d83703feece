import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, linalg, NotPositiveDefiniteError, LengthMismatchError } from '../dist/index.js';
import { randomArray, sameBits } from './helpers/reference.mjs';

const f = Math.fround;
function gemmRef(A, B, C, m, n, k, { alpha = 1, beta = 0, transA = false, transB = false }) {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let acc = 0;
    for (let l = 0; l < k; l++) acc = f(acc + f((transA ? A[l * m + i] : A[i * k + l]) * (transB ? B[j * k + l] : B[l * n + j])));
    out[i * n + j] = beta === 0 ? f(f(alpha) * acc) : f(f(f(alpha) * acc) + f(f(beta) * C[i * n + j]));
  }
  return out;
}

test('gemm through the engine: f32 reference bits, any thread split, SIMD or scalar', async () => {
  const [m, n, k] = [37, 29, 23];
  const A = randomArray(m * k, 1), B = randomArray(k * n, 2), C = randomArray(m * n, 3);
  for (const o of [{}, { alpha: 0.5, beta: -2, transA: true }, { transB: true, beta: 1 }, { transA: true, transB: true, alpha: 3 }]) {
    const want = gemmRef(A, B, C, m, n, k, o);
    for (const cfg of [{ threads: 1 }, { threads: 2, splitMin: 50 }, { simd: false, threads: 2, splitMin: 50 }]) {
      const e = await init(cfg);
      assert.equal(await e.ready, e.info.threads);
      const a = e.from(A), b = e.from(B), c = e.from(C);
      linalg.gemm(e, a, b, c, m, n, k, o);
      assert.ok(sameBits(c.array, want), `${JSON.stringify(o)} ${JSON.stringify(cfg)}`);
      await e.dispose();
    }
  }
});

test('gemv, dot (bit-identical to the AssemblyScript reduction) and length checks', async () => {
  const e = await init({ threads: 2, splitMin: 16 });
  assert.equal(await e.ready, e.info.threads);
  const [m, n] = [19, 11];
  const A = randomArray(m * n, 4), x = randomArray(n, 5), xt = randomArray(m, 6);
  const y = e.alloc(m);
  linalg.gemv(e, e.from(A), e.from(x), y, m, n, { alpha: 2 });
  const want = gemmRef(A, x, null, m, 1, n, { alpha: 2 });
  assert.ok(sameBits(y.array, want));
  const yt = e.alloc(n);
  linalg.gemv(e, e.from(A), e.from(xt), yt, m, n, { trans: true });
  assert.ok(sameBits(yt.array, gemmRef(A, xt, null, n, 1, m, { transA: true })));
  const u = e.from(randomArray(10007, 7)), v = e.from(randomArray(10007, 8));
  assert.equal(linalg.dot(e, u, v), e.dot(u, v));
  assert.throws(() => linalg.gemm(e, u, v, y, 3, 3, 3), LengthMismatchError);
  await e.dispose();
});

test('cholesky + solve on an SPD system (f64 and f32); a non-SPD matrix raises and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const n = 24, X = randomArray(n * n, 9);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? n : 0;
    for (let l = 0; l < n; l++) s += X[l * n + i] * X[l * n + j];
    A[i * n + j] = s;
  }
  const xTrue = Float64Array.from(randomArray(n, 10));
  const rhs = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rhs[i] += A[i * n + j] * xTrue[j];
  for (const [dtype, tol] of [['f64', 1e-12], ['f32', 1e-4]]) {
    const Arr = dtype === 'f64' ? Float64Array : Float32Array;
    const a = e.from(Arr.from(A)), b = e.from(Arr.from(rhs));
    const l = linalg.cholesky(e, a, n);
    linalg.choleskySolve(e, l, b, n);
    const err = Math.max(...[...b.array].map((v, i) => Math.abs(v - xTrue[i])));
    assert.ok(err < tol, `${dtype} solve error ${err}`);
  }
  const bad = Float64Array.from(A); bad[5 * n + 5] = -1e6;
  const ab = e.from(bad);
  assert.throws(() => linalg.cholesky(e, ab, n), (err) => err instanceof NotPositiveDefiniteError && err.pivot === 5);
  assert.ok(sameBits(new Float32Array(ab.array.buffer, ab.array.byteOffset, 2 * n * n), new Float32Array(bad.buffer)));
  await e.dispose();
});

test('gemm (packed path): 4 KiB row strides and odd shapes, f32 reference bits in all four builds', async () => {
  // n = 1024 floats per row of B and C (4 KiB, the aliasing case), odd m and k; and odd shapes.
  for (const [m, n, k] of [[45, 1024, 37], [31, 19, 1025], [7, 257, 130]]) {
    const A = randomArray(m * k, 7), B = randomArray(k * n, 8), C = randomArray(m * n, 9);
    for (const o of [{ beta: 0.5 }, { transA: true, transB: true, alpha: -1.5 }]) {
      const want = gemmRef(A, B, C, m, n, k, o);
      for (const cfg of [{ threads: 1 }, { threads: 2, splitMin: 50 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 50 }]) {
        const e = await init(cfg);
        assert.equal(await e.ready, e.info.threads);
        const a = e.from(A), b = e.from(B), c = e.from(C);
        linalg.gemm(e, a, b, c, m, n, k, o);
        assert.ok(sameBits(c.array, want), `${m}x${n}x${k} ${JSON.stringify(o)} ${JSON.stringify(cfg)}`);
        // A second call reuses the engine's packing scratch: same bits.
        const c2 = e.from(C);
        linalg.gemm(e, a, b, c2, m, n, k, o);
        assert.ok(sameBits(c2.array, want), `second call ${m}x${n}x${k}`);
        await e.dispose();
      }
    }
  }
});
