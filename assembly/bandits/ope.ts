// Off-policy evaluation (src/bandits/ope.ts): the per-sample terms of the estimators, their moments,
// bootstrap resamples and a sort for the percentile intervals. Every sum runs in sample order, so the
// result does not depend on the thread split (threads only split samples in bd_ope_terms and
// resamples in bd_ope_bootstrap, each written to its own slot). Scalar f64 throughout.
//
// Inputs per logged sample i: arm a_i, logging propensity p_i, reward r_i, the target policy's
// probabilities π_i (K values) and a reward model q̂_i (K values, or one row shared by every sample).
// Terms, estimator-major (terms[e·n + i]):
//   0 w      = π_i(a_i)/p_i                       the importance weight
//   1 ips    = w·r
//   2 clip   = min(w, M)·r                        clipped IPS
//   3 dm     = Σ_a π_i(a) q̂_i(a)                  direct method
//   4 dr     = dm + w·(r − q̂_i(a_i))              doubly robust
//   5 switch = dm + [w ≤ τ]·w·(r − q̂_i(a_i))      switch-DR (Wang, Agarwal & Dudík 2017; OBP's form)
import { philox, px0, px1, px2, px3, u53 } from '../core/rng';
import { f64at, setf64, S_BOOTSTRAP } from './common';

/** Estimators reported: ips, clippedIps, snips, dm, dr, switchDr. */
const OPE_EST: i32 = 6;

/** Terms of samples [start, end) (see the header). qStride: K (a row per sample) or 0 (one shared row). */
export function bd_ope_terms(start: i32, end: i32, n: i32, K: i32, arms: usize, props: usize, rewards: usize, target: usize, model: usize, qStride: i32,
  clip: f64, tau: f64, terms: usize): void {
  for (let i = start; i < end; i++) {
    const a = load<i32>(arms + (<usize>i << 2));
    const pi = target + (<usize>i * <usize>K << 3);
    const q = model + (<usize>i * <usize>qStride << 3);
    const w = f64at(pi, a) / f64at(props, i);
    const r = f64at(rewards, i);
    let dm: f64 = 0;
    for (let k = 0; k < K; k++) dm += f64at(pi, k) * f64at(q, k);
    const res = w * (r - f64at(q, a));
    setf64(terms, i, w);
    setf64(terms, n + i, w * r);
    setf64(terms, 2 * n + i, (w < clip ? w : clip) * r);
    setf64(terms, 3 * n + i, dm);
    setf64(terms, 4 * n + i, dm + res);
    setf64(terms, 5 * n + i, w <= tau ? dm + res : dm);
  }
}

/** Per-arm mean logged reward (0 for an arm never logged), in sample order: the default reward model. */
export function bd_ope_arm_means(n: i32, K: i32, arms: usize, rewards: usize, sums: usize, counts: usize, out: usize): void {
  for (let k = 0; k < K; k++) { setf64(sums, k, 0); setf64(counts, k, 0); }
  for (let i = 0; i < n; i++) {
    const a = load<i32>(arms + (<usize>i << 2));
    setf64(sums, a, f64at(sums, a) + f64at(rewards, i));
    setf64(counts, a, f64at(counts, a) + 1.0);
  }
  for (let k = 0; k < K; k++) { const c = f64at(counts, k); setf64(out, k, c > 0 ? f64at(sums, k) / c : 0.0); }
}

/**
 * Moments of each estimator's per-sample values z (out: 4 per estimator: mean, unbiased variance, min,
 * max; then out[24..27) = Σw, Σw², max w), estimators in the order ips, clippedIps, snips, dm, dr, switchDr. SNIPS's z is its linearisation
 * V̂ + w·(r − V̂)/w̄ (mean exactly V̂ = Σwr/Σw; 0 when Σw = 0). Two passes, sample order.
 */
export function bd_ope_moments(n: i32, terms: usize, out: usize): void {
  const fn = <f64>n;
  let sw: f64 = 0, swr: f64 = 0;
  for (let i = 0; i < n; i++) { sw += f64at(terms, i); swr += f64at(terms, n + i); }
  const snips = sw > 0 ? swr / sw : 0.0, wbar = sw / fn;
  let sw2: f64 = 0, wmax: f64 = 0;
  for (let i = 0; i < n; i++) { const w = f64at(terms, i); sw2 += w * w; if (w > wmax) wmax = w; }
  setf64(out, 24, sw); setf64(out, 25, sw2); setf64(out, 26, wmax);
  for (let e = 0; e < OPE_EST; e++) {
    let s: f64 = 0;
    for (let i = 0; i < n; i++) s += zOf(e, i, n, terms, snips, wbar);
    const mean = e == 2 ? snips : s / fn;
    let v: f64 = 0, lo: f64 = Infinity, hi: f64 = -Infinity;
    for (let i = 0; i < n; i++) {
      const z = zOf(e, i, n, terms, snips, wbar), d = z - mean;
      v += d * d;
      if (z < lo) lo = z;
      if (z > hi) hi = z;
    }
    setf64(out, 4 * e, mean);
    setf64(out, 4 * e + 1, n > 1 ? v / (fn - 1.0) : 0.0);
    setf64(out, 4 * e + 2, lo);
    setf64(out, 4 * e + 3, hi);
  }
}

// @ts-ignore: decorator
@inline function zOf(e: i32, i: i32, n: i32, terms: usize, snips: f64, wbar: f64): f64 {
  if (e < 2) return f64at(terms, (e + 1) * n + i);          // ips, clip
  if (e == 2) return wbar > 0 ? snips + (f64at(terms, n + i) - f64at(terms, i) * snips) / wbar : 0.0;
  return f64at(terms, e * n + i);                            // dm, dr, switch
}

/**
 * Bootstrap resamples [start, end): resample b draws n sample indices with replacement, index j from
 * philox(key, counter = (b, 0x4f504521, S_BOOTSTRAP, j >> 1)) (words 0-1 for even j, 2-3 for odd j:
 * u in [0, 1), index floor(u·n)), and writes its six estimates to out[e·B + b].
 */
export function bd_ope_bootstrap(start: i32, end: i32, n: i32, B: i32, terms: usize, k0: u32, k1: u32, out: usize): void {
  const fn = <f64>n;
  for (let b = start; b < end; b++) {
    let sw: f64 = 0, sips: f64 = 0, sclip: f64 = 0, sdm: f64 = 0, sdr: f64 = 0, ssw: f64 = 0;
    for (let j = 0; j < n; j++) {
      let u: f64;
      if ((j & 1) == 0) { philox(<u32>b, 0x4f504521, S_BOOTSTRAP, <u32>(j >> 1), k0, k1); u = u53(px0, px1); } else u = u53(px2, px3);
      let i = <i32>(u * fn);
      if (i >= n) i = n - 1;
      sw += f64at(terms, i); sips += f64at(terms, n + i); sclip += f64at(terms, 2 * n + i);
      sdm += f64at(terms, 3 * n + i); sdr += f64at(terms, 4 * n + i); ssw += f64at(terms, 5 * n + i);
    }
    setf64(out, b, sips / fn);
    setf64(out, B + b, sclip / fn);
    setf64(out, 2 * B + b, sw > 0 ? sips / sw : 0.0);
    setf64(out, 3 * B + b, sdm / fn);
    setf64(out, 4 * B + b, sdr / fn);
    setf64(out, 5 * B + b, ssw / fn);
  }
}

/** Sort rows [start, end) of m f64 values each (row r at p + 8·r·m) in place, ascending. */
export function bd_sort_rows(start: i32, end: i32, p: usize, m: i32): void {
  for (let r = start; r < end; r++) sortF64(p + (<usize>r * <usize>m << 3), m);
}

/**
 * Check the inputs of n samples: arms (as f64) integers in [0, K) (written as i32 to armsOut),
 * propensities in (0, 1], finite rewards, target rows of K values in [0, 1] summing to 1 within 1e-6,
 * finite model values (rows of qStride, or one row when qStride = 0; qRows rows checked). Returns
 * 8·i + code of the first bad sample (code 1 arm, 2 propensity, 3 reward, 4 target value, 5 target sum,
 * 6 model value), or -1.
 */
export function bd_ope_check(n: i32, K: i32, arms: usize, armsOut: usize, props: usize, rewards: usize, target: usize, model: usize, qRows: i32): i32 {
  for (let i = 0; i < n; i++) {
    const af = f64at(arms, i);
    if (!(af >= 0 && af < <f64>K) || af != Math.floor(af)) return 8 * i + 1;
    store<i32>(armsOut + (<usize>i << 2), <i32>af);
    const p = f64at(props, i);
    if (!(p > 0 && p <= 1)) return 8 * i + 2;
    const r = f64at(rewards, i);
    if (!(r - r == 0)) return 8 * i + 3;
    const pi = target + (<usize>i * <usize>K << 3);
    let s: f64 = 0;
    for (let k = 0; k < K; k++) { const x = f64at(pi, k); if (!(x >= 0 && x <= 1)) return 8 * i + 4; s += x; }
    if (!(Math.abs(s - 1.0) <= 1e-6)) return 8 * i + 5;
  }
  for (let i = 0; i < qRows; i++) {
    const q = model + (<usize>i * <usize>K << 3);
    for (let k = 0; k < K; k++) { const x = f64at(q, k); if (!(x - x == 0)) return 8 * i + 6; }
  }
  return -1;
}

/** Sort m f64 values in place, ascending (heapsort: deterministic, no allocation). */
function sortF64(p: usize, m: i32): void {
  for (let s = (m >> 1) - 1; s >= 0; s--) siftDown(p, s, m);
  for (let e = m - 1; e > 0; e--) {
    const t = f64at(p, 0); setf64(p, 0, f64at(p, e)); setf64(p, e, t);
    siftDown(p, 0, e);
  }
}
function siftDown(p: usize, s: i32, m: i32): void {
  let r = s;
  while (true) {
    let c = 2 * r + 1;
    if (c >= m) return;
    if (c + 1 < m && f64at(p, c + 1) > f64at(p, c)) c++;
    if (!(f64at(p, c) > f64at(p, r))) return;
    const t = f64at(p, r); setf64(p, r, f64at(p, c)); setf64(p, c, t);
    r = c;
  }
}
