// f64 vector kernels of the bilevel family: the building blocks of CG, Neumann, power iteration and
// the unrolled loops (src/bilevel/vec.ts). Every sum is taken in one fixed order: element i goes to
// lane (i mod 4), the lanes fold as (l0 + l1) + (l2 + l3), so the SIMD and scalar builds give the same
// bits (f64 products and sums per lane are IEEE-exact operations; no fused multiply-add).

import { ld, st, dotN, axpyN } from './common';
import { uniform } from '../core/rng';

/** x·y (f64, fixed order). */
export function bl_dot(n: i32, x: usize, y: usize): f64 { return dotN(x, y, n); }

/** y += a·x. */
export function bl_axpy(n: i32, a: f64, x: usize, y: usize): void { axpyN(a, x, y, n); }

/** out = a·x + b·y (out may be x or y). */
export function bl_lincomb(n: i32, a: f64, x: usize, b: f64, y: usize, out: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const av = f64x2.splat(a), bv = f64x2.splat(b);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(out + o, f64x2.add(f64x2.mul(av, v128.load(x + o)), f64x2.mul(bv, v128.load(y + o))));
    }
  }
  for (; i < n; i++) st(out, i, a * ld(x, i) + b * ld(y, i));
}

/** x *= a. */
export function bl_scal(n: i32, a: f64, x: usize): void {
  for (let i = 0; i < n; i++) st(x, i, a * ld(x, i));
}

/** dst = src. */
export function bl_copy(n: i32, src: usize, dst: usize): void { memory.copy(dst, src, <usize>n << 3); }

/** x[i] = v. */
export function bl_fill(n: i32, v: f64, x: usize): void { for (let i = 0; i < n; i++) st(x, i, v); }

/** Index of the first NaN or ±Infinity in x[0..n), or -1. */
export function bl_first_nonfinite(n: i32, x: usize): i32 {
  for (let i = 0; i < n; i++) { const v = ld(x, i); if (v - v != 0) return i; }
  return -1;
}

/**
 * A fixed probe vector for the power iteration: x[i] = 1 + frac(i·φ) (φ the golden ratio), scaled to
 * unit norm. Not orthogonal to any eigenvector a user problem is likely to have (unlike all-ones).
 */
export function bl_probe(n: i32, x: usize): void {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const t = <f64>i * 0.6180339887498949;
    const v = 1.0 + (t - Math.floor(t));
    st(x, i, v); s += v * v;
  }
  bl_scal(n, 1.0 / Math.sqrt(s), x);
}

/** out = (a + aᵀ)/2 for an n×n row-major matrix (out may be a). */
export function bl_symmetrize(n: i32, a: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    st(out, i * n + i, ld(a, i * n + i));
    for (let j = i + 1; j < n; j++) {
      const m = 0.5 * (ld(a, i * n + j) + ld(a, j * n + i));
      st(out, i * n + j, m); st(out, j * n + i, m);
    }
  }
}

/**
 * Minibatch indices with replacement: out[j] = ⌊u·n⌋ (i32), u = the uniform draw j of stream `stream` for
 * the counter (iter, sub) under key (seed, 0x62696c76) (core/rng.ts Philox4x32-10): a batch depends only on
 * (seed, iteration, sub-step, stream), never on how many draws came before.
 */
export function bl_sample(n: i32, b: i32, seed: u32, iter: u32, sub: u32, stream: u32, out: usize): void {
  for (let j = 0; j < b; j++) {
    let k = <i32>(uniform(seed, 0x62696c76, iter, sub, stream, <u32>j) * <f64>n);
    if (k >= n) k = n - 1;
    store<i32>(out + (<usize>j << 2), k);
  }
}

/** dst row j = src row idx[j] (rows of `width` f64; idx: b i32 indices): a minibatch's rows side by side. */
export function bl_gather(b: i32, width: i32, idx: usize, src: usize, dst: usize): void {
  const bytes = <usize>width << 3;
  for (let j = 0; j < b; j++) memory.copy(dst + <usize>j * bytes, src + <usize>load<i32>(idx + (<usize>j << 2)) * bytes, bytes);
}

/** dst = 0 (n values), then dst[idx[j]] += src[j] in batch order (a batch drawn with replacement may repeat an index). */
export function bl_scatter_add(n: i32, b: i32, idx: usize, src: usize, dst: usize): void {
  for (let i = 0; i < n; i++) st(dst, i, 0);
  for (let j = 0; j < b; j++) { const i = load<i32>(idx + (<usize>j << 2)); st(dst, i, ld(dst, i) + ld(src, j)); }
}
