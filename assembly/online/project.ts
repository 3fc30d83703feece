// Exact projections onto the feasible sets of the online family (src/online/sets.ts), in the Euclidean
// norm or in a diagonal norm Σ h_i (x_i − y_i)² (AdaGrad), and onto the ℓ2 ball in a full Mahalanobis
// norm (x − y)ᵀA(x − y) (Online Newton Step).
//   set kinds: 0 unconstrained, 1 simplex {x ≥ 0, Σx = r}, 2 ℓ1 ball {Σ|x| ≤ r}, 3 ℓ2 ball {‖x‖ ≤ r},
//              4 box {lo ≤ x ≤ hi}.
// Simplex and ℓ1: sort-based and exact (the simplex kernel lives in assembly/core/simplex.ts, shared with the bilevel family) (Held, Wolfe & Crowder 1974; Duchi et al. 2008), generalised to
// a diagonal norm: x_i = max(y_i − τ/h_i, 0) with τ found from the breakpoints h_i·y_i sorted in one
// total order (key descending, index ascending), so the sums run in the same order in every build and
// in the JS reference. ℓ2 ball: Euclidean is the closed form y·r/‖y‖; in a diagonal or Mahalanobis
// norm, x(μ) = (H + μI)⁻¹H y with the multiplier μ ≥ 0 bisected until hi − lo ≤ 1e-12·hi (at most 200
// halvings) and x(hi) returned, whose computed norm is ≤ r. Box: clamping (separable, so exact in any
// diagonal norm). No fused multiply-add; every sum in a fixed order.
import { ld, st, dot4, abs4 } from './common';
import { simplexW } from '../core/simplex';

export const BISECT_TOL: f64 = 1e-12;
export const BISECT_MAX: i32 = 200;

/** x(μ)_i = h_i y_i/(h_i + μ) into x; returns ‖x(μ)‖ (fixed order). */
function diagAt(n: i32, h: usize, y: usize, mu: f64, x: usize): f64 {
  for (let i = 0; i < n; i++) { const hi = ld(h, i); st(x, i, (hi * ld(y, i)) / (hi + mu)); }
  return Math.sqrt(dot4(x, x, n));
}

/** argmin Σ h_i (x_i − y_i)² over {‖x‖ ≤ r}; x must not be y. Returns the bisection steps taken. */
export function l2W(n: i32, r: f64, y: usize, h: usize, x: usize): i32 {
  const ny = Math.sqrt(dot4(y, y, n));
  if (ny <= r) { memory.copy(x, y, <usize>n << 3); return 0; }
  if (!h) { const s = r / ny; for (let i = 0; i < n; i++) st(x, i, ld(y, i) * s); return 0; }
  let hm: f64 = 0;
  for (let i = 0; i < n; i++) hm = Math.max(hm, ld(h, i));
  let lo: f64 = 0, hiMu = (hm * ny) / r;
  for (let k = 0; k < 64 && diagAt(n, h, y, hiMu, x) > r; k++) hiMu *= 2;
  let it = 0;
  for (; it < BISECT_MAX; it++) {
    if (hiMu - lo <= BISECT_TOL * hiMu) break;
    const mid = 0.5 * (lo + hiMu);
    if (!(mid > lo && mid < hiMu)) break;
    if (diagAt(n, h, y, mid, x) > r) lo = mid; else hiMu = mid;
  }
  diagAt(n, h, y, hiMu, x);
  return it;
}

/**
 * Projection of y onto set `kind` (radius r, bounds lo/hi) in the norm with diagonal weights h (0:
 * Euclidean), into x (x must not be y). Scratch: 2.5n f64. Returns the bisection steps (0 if none).
 */
export function project(kind: i32, n: i32, r: f64, lo: usize, hi: usize, h: usize, y: usize, x: usize, scratch: usize): i32 {
  if (kind == 1) { simplexW(n, r, y, h, x, scratch, scratch + (<usize>n << 3)); return 0; }
  if (kind == 2) {
    if (abs4(y, n) <= r) { memory.copy(x, y, <usize>n << 3); return 0; }
    for (let i = 0; i < n; i++) st(x, i, Math.abs(ld(y, i)));
    simplexW(n, r, x, h, x, scratch, scratch + (<usize>n << 3));
    for (let i = 0; i < n; i++) if (ld(y, i) < 0) st(x, i, -ld(x, i));
    return 0;
  }
  if (kind == 3) return l2W(n, r, y, h, x);
  if (kind == 4) {
    for (let i = 0; i < n; i++) st(x, i, Math.min(Math.max(ld(y, i), ld(lo, i)), ld(hi, i)));
    return 0;
  }
  memory.copy(x, y, <usize>n << 3);
  return 0;
}

/** Exported: project y onto the set (Euclidean when h = 0, else the diagonal norm h) into x (x ≠ y). */
export function on_project(kind: i32, n: i32, r: f64, lo: usize, hi: usize, h: usize, y: usize, x: usize, scratch: usize): i32 {
  return project(kind, n, r, lo, hi, h, y, x, scratch);
}

/** L Lᵀ = A + μI (A n×n row-major symmetric positive semi-definite, μ > 0); false when a pivot is not positive. */
function cholShift(n: i32, a: usize, mu: f64, l: usize): bool {
  for (let j = 0; j < n; j++) {
    const lj = l + (<usize>(j * n) << 3);
    const d = ld(a, j * n + j) + mu - dot4(lj, lj, j);
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    st(lj, j, ljj);
    for (let i = j + 1; i < n; i++) {
      const li = l + (<usize>(i * n) << 3);
      st(li, j, (ld(a, i * n + j) - dot4(li, lj, j)) / ljj);
    }
  }
  return true;
}

/** x = (A + μI)⁻¹ b via its Cholesky factor; returns ‖x‖ (or Infinity when the factorization fails). */
function mahaAt(n: i32, a: usize, b: usize, mu: f64, x: usize, l: usize, z: usize): f64 {
  if (!cholShift(n, a, mu, l)) return Infinity;
  for (let i = 0; i < n; i++) {
    const li = l + (<usize>(i * n) << 3);
    st(z, i, (ld(b, i) - dot4(li, z, i)) / ld(li, i));
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = ld(z, i);
    for (let k = i + 1; k < n; k++) s -= ld(l, k * n + i) * ld(x, k);
    st(x, i, s / ld(l, i * n + i));
  }
  return Math.sqrt(dot4(x, x, n));
}

/**
 * argmin (x − y)ᵀA(x − y) over {‖x‖ ≤ r} (A symmetric positive definite, n×n row-major) into x (x ≠ y):
 * x(μ) = (A + μI)⁻¹A y, μ bisected (see the file's head). Work: n² + 2n f64. Returns the bisection
 * steps, or -1 when no shift up to 2^64·hi factorizes (A not finite or not positive semi-definite).
 */
export function projMaha(n: i32, r: f64, a: usize, y: usize, x: usize, work: usize): i32 {
  const ny = Math.sqrt(dot4(y, y, n));
  if (ny <= r) { memory.copy(x, y, <usize>n << 3); return 0; }
  const b = work, z = work + (<usize>n << 3), l = work + (<usize>n << 4);
  let tr: f64 = 0;
  for (let i = 0; i < n; i++) { st(b, i, dot4(a + (<usize>(i * n) << 3), y, n)); tr += ld(a, i * n + i); }
  let lo: f64 = 0, hiMu = (tr * ny) / r;
  if (!(hiMu > 0)) return -1;
  // a failed factorization (rounding at a tiny shift) counts as outside: larger shifts are more definite
  let ok = false;
  for (let k = 0; k < 64; k++) {
    if (mahaAt(n, a, b, hiMu, x, l, z) <= r) { ok = true; break; }
    hiMu *= 2;
  }
  if (!ok) return -1;
  let it = 0;
  for (; it < BISECT_MAX; it++) {
    if (hiMu - lo <= BISECT_TOL * hiMu) break;
    const mid = 0.5 * (lo + hiMu);
    if (!(mid > lo && mid < hiMu)) break;
    if (mahaAt(n, a, b, mid, x, l, z) > r) lo = mid; else hiMu = mid;
  }
  mahaAt(n, a, b, hiMu, x, l, z);
  return it;
}

/** Exported: the Mahalanobis ℓ2-ball projection (work: n² + 2n f64). */
export function on_project_maha(n: i32, r: f64, a: usize, y: usize, x: usize, work: usize): i32 {
  return projMaha(n, r, a, y, x, work);
}

/** Index of the first NaN or ±Infinity in x[0..n), or -1. */
export function on_first_nonfinite(n: i32, x: usize): i32 {
  for (let i = 0; i < n; i++) { const v = ld(x, i); if (v - v != 0) return i; }
  return -1;
}

/** Input check in one pass: -1 when every x_i is finite with |x_i| ≤ bound; i for the first non-finite x_i; n + i for the first too large (when all are finite). */
export function on_check_input(n: i32, x: usize, bound: f64): i32 {
  let big = -1;
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    if (v - v != 0) return i;
    if (big < 0 && Math.abs(v) > bound) big = i;
  }
  return big < 0 ? -1 : n + big;
}

/** Index of the first value with |x_i| > bound in x[0..n), or -1. */
export function on_first_large(n: i32, x: usize, bound: f64): i32 {
  for (let i = 0; i < n; i++) if (Math.abs(ld(x, i)) > bound) return i;
  return -1;
}

/** Number of NaN or ±Infinity values in x[0..n). */
export function on_count_nonfinite(n: i32, x: usize): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) { const v = ld(x, i); if (v - v != 0) c++; }
  return c;
}

/**
 * Whether x lies in the set within tol: simplex: x_i ≥ −tol and |Σx − r| ≤ tol·max(1, r); ℓ1: Σ|x| ≤
 * r + tol·max(1, r); ℓ2: ‖x‖ ≤ r + tol·max(1, r); box: lo_i − tol ≤ x_i ≤ hi_i + tol. Returns the first
 * offending coordinate (or n for a violated sum or norm), -1 when inside.
 */
export function on_outside(kind: i32, n: i32, r: f64, lo: usize, hi: usize, x: usize, tol: f64): i32 {
  const slack = tol * Math.max(1.0, r);
  if (kind == 1) {
    let s: f64 = 0;
    for (let i = 0; i < n; i++) { const v = ld(x, i); if (v < -tol) return i; s += v; }
    return Math.abs(s - r) <= slack ? -1 : n;
  }
  if (kind == 2) return abs4(x, n) <= r + slack ? -1 : n;
  if (kind == 3) return Math.sqrt(dot4(x, x, n)) <= r + slack ? -1 : n;
  if (kind == 4) {
    for (let i = 0; i < n; i++) { const v = ld(x, i); if (v < ld(lo, i) - tol || v > ld(hi, i) + tol) return i; }
  }
  return -1;
}
