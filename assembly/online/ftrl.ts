// FTRL-Proximal (McMahan et al. 2013, "Ad Click Prediction: a View from the Trenches", Algorithm 1):
// per-coordinate learning rates η_{t,i} = α/(β + √n_i), ℓ1 and ℓ2 regularisation, lazy weights
//   w_i = 0 if |z_i| ≤ λ1, else −(z_i − sgn(z_i)λ1) / ((β + √n_i)/α + λ2),
// so a coordinate whose |z_i| stays within λ1 is exactly zero. Per update on the non-zero coordinates:
//   g_i (given, or (p − y)x_i for the logistic loss), σ_i = (√(n_i + g_i²) − √n_i)/α,
//   z_i += g_i − σ_i w_i, n_i += g_i².
// State: [t, 0, z(d), n(d)] (f64). Sparse inputs: strictly increasing indices (checked in JS first).
import { ld, st, ldi, sti } from './common';
import { exp_f64 } from '../core/math';

// @ts-ignore: decorator
@inline function wOf(z: f64, nn: f64, alpha: f64, beta: f64, l1: f64, l2: f64): f64 {
  if (Math.abs(z) <= l1) return 0.0;
  const s = z < 0 ? -l1 : l1;
  return -(z - s) / ((beta + Math.sqrt(nn)) / alpha + l2);
}

/** Dense weights w (d) from the state. */
export function on_ftrl_weights(d: i32, state: usize, alpha: f64, beta: f64, l1: f64, l2: f64, w: usize): void {
  const z = state + 16, nn = z + (<usize>d << 3);
  for (let i = 0; i < d; i++) st(w, i, wOf(ld(z, i), ld(nn, i), alpha, beta, l1, l2));
}

/** w·x over the nnz (index, value) pairs (idx = 0: dense, nnz = d), in the pairs' order. */
function margin(d: i32, z: usize, nn: usize, alpha: f64, beta: f64, l1: f64, l2: f64, nnz: i32, idx: usize, val: usize): f64 {
  let m: f64 = 0;
  for (let j = 0; j < nnz; j++) {
    const i = idx ? ldi(idx, j) : j;
    m += wOf(ld(z, i), ld(nn, i), alpha, beta, l1, l2) * ld(val, j);
  }
  return m;
}

// @ts-ignore: decorator
@inline function sigmoid(m: f64): f64 { return 1.0 / (1.0 + exp_f64(-m)); }

/** The logistic prediction p = σ(w·x) of Algorithm 1 (nothing changes). */
export function on_ftrl_predict(d: i32, state: usize, alpha: f64, beta: f64, l1: f64, l2: f64, nnz: i32, idx: usize, val: usize): f64 {
  const z = state + 16, nn = z + (<usize>d << 3);
  return sigmoid(margin(d, z, nn, alpha, beta, l1, l2, nnz, idx, val));
}

// @ts-ignore: decorator
@inline function step(z: usize, nn: usize, i: i32, gi: f64, alpha: f64, beta: f64, l1: f64, l2: f64): void {
  const zi = ld(z, i), ni = ld(nn, i);
  const wi = wOf(zi, ni, alpha, beta, l1, l2);
  const n2 = ni + gi * gi;
  const sigma = (Math.sqrt(n2) - Math.sqrt(ni)) / alpha;
  st(z, i, zi + gi - sigma * wi);
  st(nn, i, n2);
}

/**
 * One round of Algorithm 1 on the logistic loss with label y ∈ {0, 1} (any y in [0, 1] is the
 * cross-entropy target): p = σ(w·x), g_i = (p − y)x_i, then the z/n update. Returns p (the prediction
 * made before the update).
 */
export function on_ftrl_logistic(d: i32, state: usize, alpha: f64, beta: f64, l1: f64, l2: f64, nnz: i32, idx: usize, val: usize, y: f64): f64 {
  st(state, 0, ld(state, 0) + 1.0);
  const z = state + 16, nn = z + (<usize>d << 3);
  const p = sigmoid(margin(d, z, nn, alpha, beta, l1, l2, nnz, idx, val));
  const e = p - y;
  for (let j = 0; j < nnz; j++) step(z, nn, idx ? ldi(idx, j) : j, e * ld(val, j), alpha, beta, l1, l2);
  return p;
}

/**
 * A batch of m logistic rounds in CSR form (row k: positions indptr[k]..indptr[k+1] of idx/val, label
 * y[k]), each exactly on_ftrl_logistic; p[k] = the prediction made before round k's update.
 */
export function on_ftrl_logistic_batch(d: i32, state: usize, alpha: f64, beta: f64, l1: f64, l2: f64, m: i32, indptr: usize, idx: usize, val: usize, y: usize, p: usize): void {
  for (let k = 0; k < m; k++) {
    const a = ldi(indptr, k), b = ldi(indptr, k + 1);
    st(p, k, on_ftrl_logistic(d, state, alpha, beta, l1, l2, b - a, idx + (<usize>a << 2), val + (<usize>a << 3), ld(y, k)));
  }
}

/**
 * Check and convert a CSR batch given as f64 (indptrf m + 1, idxf nnz) into i32 (indptr, idx): -1 when
 * valid; 0 a bad indptr (not starting at 0, decreasing, or not ending at nnz); 1 + j a bad index at
 * position j (not an integer in [0, d), or not increasing within its row); 1 + nnz + j a bad value
 * (non-finite or |v| > bound); 1 + 2nnz + k a bad label y[k] (not in [0, 1]).
 */
export function on_csr_stage(d: i32, m: i32, nnz: i32, indptrf: usize, indptr: usize, idxf: usize, idx: usize, val: usize, y: usize, bound: f64): i32 {
  if (ld(indptrf, 0) != 0 || ld(indptrf, m) != <f64>nnz) return 0;
  for (let k = 0; k < m; k++) {
    const a = ld(indptrf, k), b = ld(indptrf, k + 1);
    if (!(b >= a && b == Math.floor(b))) return 0;
    sti(indptr, k, <i32>a);
  }
  sti(indptr, m, nnz);
  for (let k = 0; k < m; k++) {
    let prev: f64 = -1;
    for (let j = ldi(indptr, k); j < ldi(indptr, k + 1); j++) {
      const f = ld(idxf, j);
      if (!(f > prev && f < <f64>d && f == Math.floor(f))) return 1 + j;
      prev = f;
      sti(idx, j, <i32>f);
    }
  }
  for (let j = 0; j < nnz; j++) { const v = ld(val, j); if (v - v != 0 || Math.abs(v) > bound) return 1 + nnz + j; }
  for (let k = 0; k < m; k++) { const v = ld(y, k); if (!(v >= 0 && v <= 1)) return 1 + 2 * nnz + k; }
  return -1;
}

/** The z/n update with a given (sub)gradient g on nnz coordinates (idx = 0: dense, nnz = d). */
export function on_ftrl_gradient(d: i32, state: usize, alpha: f64, beta: f64, l1: f64, l2: f64, nnz: i32, idx: usize, g: usize): void {
  st(state, 0, ld(state, 0) + 1.0);
  const z = state + 16, nn = z + (<usize>d << 3);
  for (let j = 0; j < nnz; j++) step(z, nn, idx ? ldi(idx, j) : j, ld(g, j), alpha, beta, l1, l2);
}

/**
 * Check and convert a sparse vector in one pass: indices given as f64 (idxf) must be integers, strictly
 * increasing, in [0, d) (written to idx as i32); values finite with |v| ≤ bound. Returns -1 when valid,
 * j for a bad index at position j, nnz + j for a non-finite value, 2·nnz + j for a too large one.
 */
export function on_sparse_stage(d: i32, nnz: i32, idxf: usize, idx: usize, val: usize, bound: f64): i32 {
  let prev: f64 = -1;
  for (let j = 0; j < nnz; j++) {
    const f = ld(idxf, j);
    if (!(f > prev && f < <f64>d && f == Math.floor(f))) return j;
    prev = f;
    store<i32>(idx + (<usize>j << 2), <i32>f);
  }
  for (let j = 0; j < nnz; j++) { const v = ld(val, j); if (v - v != 0) return nnz + j; }
  for (let j = 0; j < nnz; j++) if (Math.abs(ld(val, j)) > bound) return 2 * nnz + j;
  return -1;
}

/** -1 when idx[0..nnz) is strictly increasing and within [0, d); else the first bad position. */
export function on_check_indices(d: i32, nnz: i32, idx: usize): i32 {
  let prev = -1;
  for (let j = 0; j < nnz; j++) { const i = ldi(idx, j); if (i <= prev || i >= d) return j; prev = i; }
  return -1;
}
