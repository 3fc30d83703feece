// Flat-vector kernels of L-BFGS (src/optim/lbfgs.ts) over [start, end), in torch 1.13's operation
// order: torch's `add_(x, alpha=a)` fuses a*x + y into one FMA on CPU, reproduced with the emulated
// f32 FMA of assembly/core/fma.ts on both paths. The scalars (alphas, step length t, H_diag) are computed
// by the caller in f64 and rounded once to f32, as torch rounds a Python/0-d scalar for an f32 tensor.

import { fma_f32, fma_f32x4 } from '../core/fma';

/** y[i] = fma(a, x[i], y[i])  (y.add_(x, alpha=a): direction updates and p += t*d) */
export function lbfgs_axpy_f32(start: i32, end: i32, y: usize, x: usize, a: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, fma_f32x4(va, v128.load(x + o), v128.load(y + o)));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(y + o, fma_f32(a, load<f32>(x + o), load<f32>(y + o))); }
}

/** dst[i] = src[i] * a  (neg(): a = -1; d.mul(t); q.mul(H_diag)) */
export function lbfgs_scale_f32(start: i32, end: i32, dst: usize, src: usize, a: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.mul(v128.load(src + o), va));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(dst + o, load<f32>(src + o) * a); }
}

/** dst[i] = a[i] - b[i]  (y = flat_grad - prev_flat_grad) */
export function lbfgs_sub_f32(start: i32, end: i32, dst: usize, a: usize, b: usize): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.sub(v128.load(a + o), v128.load(b + o)));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(dst + o, load<f32>(a + o) - load<f32>(b + o)); }
}
