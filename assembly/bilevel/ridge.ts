// Weighted ridge regression, the built-in model of ridge / weight-decay HPO and data reweighting (T2
// of the reference): g(x, w) = ½ Σᵢ ωᵢ (Xᵢ·w − tᵢ)² + ½ Σⱼ ρⱼ wⱼ², X n×d row-major (f64), t the targets
// (pointer 0: all zero, which turns the gradient kernel into the Hessian-vector product).
// The upper variable x enters through the mode:
//   0  ρⱼ = e^{x₀}          (one log regularisation, dx = 1),  ωᵢ = 1
//   1  ρⱼ = e^{xⱼ}          (per-feature log regularisation, dx = d), ωᵢ = 1
//   2  ωᵢ = σ(xᵢ), ρⱼ = α   (per-sample weights through a sigmoid, dx = n)
//   3  ωᵢ = 1, ρⱼ = 0       (plain least squares: the validation loss of the upper level)
// e^x and σ(x) use core/math.ts's exp_f64, so every runtime gets the same bits.
import { exp_f64 } from '../core/math';
import { ld, st, dotN, axpyN } from './common';

// @ts-ignore: decorator
@inline function sigmoid(h: f64): f64 {
  if (h >= 0) return 1.0 / (1.0 + exp_f64(-h));
  const e = exp_f64(h);
  return e / (1.0 + e);
}
// @ts-ignore: decorator
@inline function omega(mode: i32, hyp: usize, i: i32): f64 { return mode == 2 ? sigmoid(ld(hyp, i)) : 1.0; }
// @ts-ignore: decorator
@inline function rho(mode: i32, hyp: usize, alpha: f64, e0: f64, j: i32): f64 {
  return mode == 0 ? e0 : mode == 1 ? exp_f64(ld(hyp, j)) : mode == 2 ? alpha : 0.0;
}
// @ts-ignore: decorator
@inline function resid(X: usize, t: usize, w: usize, d: i32, i: i32): f64 {
  const r = dotN(X + (<usize>(i * d) << 3), w, d);
  return t == 0 ? r : r - ld(t, i);
}

/** g(x, w) = ½ Σ ωᵢ (Xᵢ·w − tᵢ)² + ½ Σ ρⱼ wⱼ² (residual sum in sample order, penalty in feature order). */
export function bl_ridge_value(n: i32, d: i32, X: usize, t: usize, mode: i32, hyp: usize, alpha: f64, w: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) { const r = resid(X, t, w, d, i); s += omega(mode, hyp, i) * r * r; }
  const e0 = mode == 0 ? exp_f64(ld(hyp, 0)) : 0.0;
  let p: f64 = 0;
  for (let j = 0; j < d; j++) { const wj = ld(w, j); p += rho(mode, hyp, alpha, e0, j) * wj * wj; }
  return 0.5 * s + 0.5 * p;
}

/** out = ∇_x g (dx values): ½e^{x₀}‖w‖² | ½e^{xⱼ}wⱼ² | ½σ'(xᵢ)rᵢ² (mode 3: nothing). */
export function bl_ridge_grad_x(n: i32, d: i32, X: usize, t: usize, mode: i32, hyp: usize, w: usize, out: usize): void {
  if (mode == 0) st(out, 0, 0.5 * exp_f64(ld(hyp, 0)) * dotN(w, w, d));
  else if (mode == 1) for (let j = 0; j < d; j++) { const wj = ld(w, j); st(out, j, 0.5 * exp_f64(ld(hyp, j)) * wj * wj); }
  else if (mode == 2) {
    for (let i = 0; i < n; i++) {
      const s = sigmoid(ld(hyp, i)), r = resid(X, t, w, d, i);
      st(out, i, 0.5 * s * (1.0 - s) * r * r);
    }
  }
}

/** out = ∇²_xw g·v (dx values, v: d): e^{x₀}wᵀv | e^{xⱼ}wⱼvⱼ | σ'(xᵢ)(Xᵢw − tᵢ)(Xᵢv). */
export function bl_ridge_cross(n: i32, d: i32, X: usize, t: usize, mode: i32, hyp: usize, w: usize, v: usize, out: usize): void {
  if (mode == 0) st(out, 0, exp_f64(ld(hyp, 0)) * dotN(w, v, d));
  else if (mode == 1) for (let j = 0; j < d; j++) st(out, j, exp_f64(ld(hyp, j)) * ld(w, j) * ld(v, j));
  else if (mode == 2) {
    for (let i = 0; i < n; i++) {
      const s = sigmoid(ld(hyp, i)), row = X + (<usize>(i * d) << 3);
      st(out, i, s * (1.0 - s) * resid(X, t, w, d, i) * dotN(row, v, d));
    }
  }
}

/** out = ∇²_wx g·u (d values, u: dx): u₀e^{x₀}w | uⱼe^{xⱼ}wⱼ | Σᵢ uᵢσ'(xᵢ)(Xᵢw − tᵢ)Xᵢ. */
export function bl_ridge_cross_t(n: i32, d: i32, X: usize, t: usize, mode: i32, hyp: usize, w: usize, u: usize, out: usize): void {
  if (mode == 0) { const c = ld(u, 0) * exp_f64(ld(hyp, 0)); for (let j = 0; j < d; j++) st(out, j, c * ld(w, j)); }
  else if (mode == 1) for (let j = 0; j < d; j++) st(out, j, ld(u, j) * exp_f64(ld(hyp, j)) * ld(w, j));
  else {
    for (let j = 0; j < d; j++) st(out, j, 0);
    if (mode == 2) {
      for (let i = 0; i < n; i++) {
        const s = sigmoid(ld(hyp, i));
        axpyN(ld(u, i) * s * (1.0 - s) * resid(X, t, w, d, i), X + (<usize>(i * d) << 3), out, d);
      }
    }
  }
}

/** out = ∇²_ww g = XᵀΩX + diag(ρ) (d×d row-major), rank-one updates in sample order. */
export function bl_ridge_hess(n: i32, d: i32, X: usize, mode: i32, hyp: usize, alpha: f64, out: usize): void {
  const e0 = mode == 0 ? exp_f64(ld(hyp, 0)) : 0.0;
  for (let k = 0; k < d * d; k++) st(out, k, 0);
  for (let i = 0; i < n; i++) {
    const row = X + (<usize>(i * d) << 3), om = omega(mode, hyp, i);
    for (let j = 0; j < d; j++) axpyN(om * ld(row, j), row, out + (<usize>(j * d) << 3), d);
  }
  for (let j = 0; j < d; j++) st(out, j * d + j, ld(out, j * d + j) + rho(mode, hyp, alpha, e0, j));
}

// ∇_w g = ρ∘w + Xᵀ(ω∘(Xw − t)) (t = 0: the Hessian-vector product ∇²_ww g·w), threaded with a sum order
// that does not depend on the thread count: the samples fall in fixed blocks of RIDGE_BLOCK rows; each
// block's partial P_b = Σ_{i∈b} rᵢXᵢ, rᵢ = ωᵢ(Xᵢ·w − tᵢ), is made in one pass over its rows (the dot and
// the axpy of a row while it is in cache: X is read once per product), then out = ρ∘w + P₀ + P₁ + …
// (blocks in order, split over features). engine.run splits the blocks, then the features.
const RIDGE_BLOCK: i32 = 64;

/** Blocks [start, end) of RIDGE_BLOCK rows: part[b·d ..] = Σ_{i∈b} ωᵢ(Xᵢ·w − tᵢ)Xᵢ, rows in order. */
export function bl_ridge_part(start: i32, end: i32, n: i32, d: i32, X: usize, t: usize, mode: i32, hyp: usize, w: usize, part: usize): void {
  for (let b = start; b < end; b++) {
    const p = part + (<usize>(b * d) << 3);
    memory.fill(p, 0, <usize>d << 3);
    const i1 = min(n, (b + 1) * RIDGE_BLOCK);
    for (let i = b * RIDGE_BLOCK; i < i1; i++) axpyN(omega(mode, hyp, i) * resid(X, t, w, d, i), X + (<usize>(i * d) << 3), p, d);
  }
}

/** Features [start, end): out_j = ρ_j w_j + Σ_b part[b·d + j] (nb blocks, in order). */
export function bl_ridge_sum(start: i32, end: i32, nb: i32, d: i32, part: usize, mode: i32, hyp: usize, alpha: f64, w: usize, out: usize): void {
  const e0 = mode == 0 ? exp_f64(ld(hyp, 0)) : 0.0;
  for (let j = start; j < end; j++) st(out, j, rho(mode, hyp, alpha, e0, j) * ld(w, j));
  const m = end - start, off = <usize>start << 3;
  for (let b = 0; b < nb; b++) axpyN(1.0, part + (<usize>(b * d) << 3) + off, out + off, m);
}
