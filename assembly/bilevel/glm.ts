// Weighted logistic and softmax regression, the built-in models of regularisation tuning, data
// reweighting and hyper-cleaning (src/bilevel/models/glm.ts):
//   g(x, w) = (1/n) Σᵢ ωᵢ ℓ(zᵢ, tᵢ) + ½ Σ ρⱼ‖w_{·j}‖²
// logistic: zᵢ = Xᵢ·w (w: d), ℓ = log(1 + e^z) − t z, t ∈ {0, 1};
// softmax:  zᵢ = W Xᵢ (W: K×d row-major), ℓ = log Σₖ e^{z_k} − z_t, t ∈ {0..K−1}.
// The upper variable x enters through the mode (as in ridge.ts):
//   0  ρⱼ = e^{x₀}, ωᵢ = cᵢ            1  ρⱼ = e^{xⱼ} (feature j, all classes), ωᵢ = cᵢ
//   2  ωᵢ = cᵢσ(xᵢ), ρⱼ = α            3  ωᵢ = 1, ρⱼ = 0 (the validation loss of the upper level)
// c: fixed per-sample weights (pointer 0: all 1). Every sum is in sample order, then class order, with
// the fixed-order dot of common.ts; e^x from core/math.ts, so every runtime gets the same bits.
import { exp_f64, log_f64 } from '../core/math';
import { ld, st, dotN, axpyN } from './common';

// @ts-ignore: decorator
@inline function sigmoid(h: f64): f64 {
  if (h >= 0) return 1.0 / (1.0 + exp_f64(-h));
  const e = exp_f64(h);
  return e / (1.0 + e);
}
// @ts-ignore: decorator
@inline function omega(mode: i32, hyp: usize, c: usize, i: i32): f64 {
  if (mode == 3) return 1.0;
  const ci = c == 0 ? 1.0 : ld(c, i);
  return mode == 2 ? ci * sigmoid(ld(hyp, i)) : ci;
}
/** dωᵢ/dxᵢ in mode 2 (cᵢσ'(xᵢ)), else 0. */
// @ts-ignore: decorator
@inline function omegaPrime(mode: i32, hyp: usize, c: usize, i: i32): f64 {
  if (mode != 2) return 0.0;
  const s = sigmoid(ld(hyp, i));
  return (c == 0 ? 1.0 : ld(c, i)) * s * (1.0 - s);
}
// @ts-ignore: decorator
@inline function rho(mode: i32, hyp: usize, alpha: f64, e0: f64, j: i32): f64 {
  return mode == 0 ? e0 : mode == 1 ? exp_f64(ld(hyp, j)) : mode == 2 ? alpha : 0.0;
}
// @ts-ignore: decorator
@inline function row(X: usize, d: i32, i: i32): usize { return X + (<usize>(i * d) << 3); }
// @ts-ignore: decorator
@inline function e0Of(mode: i32, hyp: usize): f64 { return mode == 0 ? exp_f64(ld(hyp, 0)) : 0.0; }

/** log(1 + e^z) without overflow. */
// @ts-ignore: decorator
@inline function softplus(z: f64): f64 {
  const a = z > 0 ? z : 0.0;
  return a + log_f64(1.0 + exp_f64(z > 0 ? -z : z));
}

/** out[k·d + j] = ρⱼ·w[k·d + j] for k < K (the regulariser's gradient; with v in place of w its HVP). */
function ridgeTerm(mode: i32, hyp: usize, alpha: f64, d: i32, K: i32, w: usize, out: usize): void {
  const e0 = e0Of(mode, hyp);
  for (let j = 0; j < d; j++) {
    const r = rho(mode, hyp, alpha, e0, j);
    for (let k = 0; k < K; k++) st(out, k * d + j, r * ld(w, k * d + j));
  }
}

// ---------------------------------------------------------------- logistic (binary)

/** out = ∇_w g = (1/n) Σ ωᵢ(σ(zᵢ) − tᵢ)Xᵢ + ρ∘w (d values). */
export function bl_logit_grad(n: i32, d: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, out: usize): void {
  ridgeTerm(mode, hyp, alpha, d, 1, w, out);
  const inv = 1.0 / <f64>n;
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    const p = sigmoid(dotN(xi, w, d));
    axpyN(omega(mode, hyp, c, i) * (p - ld(t, i)) * inv, xi, out, d);
  }
}

/** g(x, w) = (1/n) Σ ωᵢ(log(1 + e^{zᵢ}) − tᵢzᵢ) + ½Σ ρⱼwⱼ². */
export function bl_logit_value(n: i32, d: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const z = dotN(row(X, d, i), w, d);
    s += omega(mode, hyp, c, i) * (softplus(z) - ld(t, i) * z);
  }
  const e0 = e0Of(mode, hyp);
  let p: f64 = 0;
  for (let j = 0; j < d; j++) { const wj = ld(w, j); p += rho(mode, hyp, alpha, e0, j) * wj * wj; }
  return s / <f64>n + 0.5 * p;
}

/** out = ∇²_ww g·v = (1/n) Σ ωᵢσᵢ(1 − σᵢ)(Xᵢ·v)Xᵢ + ρ∘v. */
export function bl_logit_hvp(n: i32, d: i32, X: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, v: usize, out: usize): void {
  ridgeTerm(mode, hyp, alpha, d, 1, v, out);
  const inv = 1.0 / <f64>n;
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    const p = sigmoid(dotN(xi, w, d));
    axpyN(omega(mode, hyp, c, i) * p * (1.0 - p) * dotN(xi, v, d) * inv, xi, out, d);
  }
}

/** out = ∇²_xw g·v (dx values): e^{x₀}w·v | e^{xⱼ}wⱼvⱼ | (1/n)cᵢσ'(xᵢ)(σ(zᵢ) − tᵢ)(Xᵢ·v). */
export function bl_logit_cross(n: i32, d: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, w: usize, v: usize, out: usize): void {
  if (mode == 0) st(out, 0, exp_f64(ld(hyp, 0)) * dotN(w, v, d));
  else if (mode == 1) for (let j = 0; j < d; j++) st(out, j, exp_f64(ld(hyp, j)) * ld(w, j) * ld(v, j));
  else if (mode == 2) {
    const inv = 1.0 / <f64>n;
    for (let i = 0; i < n; i++) {
      const xi = row(X, d, i);
      st(out, i, omegaPrime(mode, hyp, c, i) * (sigmoid(dotN(xi, w, d)) - ld(t, i)) * dotN(xi, v, d) * inv);
    }
  }
}

/** out = ∇²_wx g·u (d values, u: dx). */
export function bl_logit_cross_t(n: i32, d: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, w: usize, u: usize, out: usize): void {
  if (mode == 0) { const a = ld(u, 0) * exp_f64(ld(hyp, 0)); for (let j = 0; j < d; j++) st(out, j, a * ld(w, j)); return; }
  if (mode == 1) { for (let j = 0; j < d; j++) st(out, j, ld(u, j) * exp_f64(ld(hyp, j)) * ld(w, j)); return; }
  for (let j = 0; j < d; j++) st(out, j, 0);
  if (mode != 2) return;
  const inv = 1.0 / <f64>n;
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    axpyN(ld(u, i) * omegaPrime(mode, hyp, c, i) * (sigmoid(dotN(xi, w, d)) - ld(t, i)) * inv, xi, out, d);
  }
}

/** out = ∇²_ww g (d×d row-major): (1/n) Σ ωᵢσᵢ(1 − σᵢ)XᵢXᵢᵀ + diag(ρ), rank-one updates in sample order. */
export function bl_logit_hess(n: i32, d: i32, X: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, out: usize): void {
  for (let k = 0; k < d * d; k++) st(out, k, 0);
  const inv = 1.0 / <f64>n;
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    const p = sigmoid(dotN(xi, w, d));
    const a = omega(mode, hyp, c, i) * p * (1.0 - p) * inv;
    for (let j = 0; j < d; j++) axpyN(a * ld(xi, j), xi, out + (<usize>(j * d) << 3), d);
  }
  const e0 = e0Of(mode, hyp);
  for (let j = 0; j < d; j++) st(out, j * d + j, ld(out, j * d + j) + rho(mode, hyp, alpha, e0, j));
}

/** Number of rows with (Xᵢ·w > 0) == tᵢ. */
export function bl_logit_correct(n: i32, d: i32, X: usize, t: usize, w: usize): i32 {
  let k = 0;
  for (let i = 0; i < n; i++) if ((dotN(row(X, d, i), w, d) > 0 ? 1.0 : 0.0) == ld(t, i)) k++;
  return k;
}

// ---------------------------------------------------------------- softmax (K classes)

/** p (K values) = softmax(W Xᵢ), max-shifted; returns log Σₖ e^{z_k} (the loss's first term). z and p may not alias. */
function probs(W: usize, xi: usize, d: i32, K: i32, z: usize, p: usize): f64 {
  let m = -Infinity;
  for (let k = 0; k < K; k++) { const zk = dotN(row(W, d, k), xi, d); st(z, k, zk); if (zk > m) m = zk; }
  let s: f64 = 0;
  for (let k = 0; k < K; k++) { const e = exp_f64(ld(z, k) - m); st(p, k, e); s += e; }
  const inv = 1.0 / s;
  for (let k = 0; k < K; k++) st(p, k, ld(p, k) * inv);
  return m + log_f64(s);
}

/** out = ∇_W g = (1/n) Σ ωᵢ(pᵢ − e_{tᵢ})Xᵢᵀ + ρ∘W (K·d values). s: 2K scratch. */
export function bl_softmax_grad(n: i32, d: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, s: usize, out: usize): void {
  ridgeTerm(mode, hyp, alpha, d, K, w, out);
  const inv = 1.0 / <f64>n, z = s, p = s + (<usize>K << 3);
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    probs(w, xi, d, K, z, p);
    const a = omega(mode, hyp, c, i) * inv, ti = <i32>ld(t, i);
    for (let k = 0; k < K; k++) axpyN(a * (ld(p, k) - (k == ti ? 1.0 : 0.0)), xi, row(out, d, k), d);
  }
}

/** g(x, W) = (1/n) Σ ωᵢ(log Σₖ e^{zᵢₖ} − zᵢ,tᵢ) + ½Σ ρⱼ‖W_{·j}‖². s: 2K scratch. */
export function bl_softmax_value(n: i32, d: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, s: usize): f64 {
  const z = s, p = s + (<usize>K << 3);
  let acc: f64 = 0;
  for (let i = 0; i < n; i++) {
    const lse = probs(w, row(X, d, i), d, K, z, p);
    acc += omega(mode, hyp, c, i) * (lse - ld(z, <i32>ld(t, i)));
  }
  const e0 = e0Of(mode, hyp);
  let q: f64 = 0;
  for (let j = 0; j < d; j++) {
    let sq: f64 = 0;
    for (let k = 0; k < K; k++) { const v = ld(w, k * d + j); sq += v * v; }
    q += rho(mode, hyp, alpha, e0, j) * sq;
  }
  return acc / <f64>n + 0.5 * q;
}

/** out = ∇²_WW g·V = (1/n) Σ ωᵢ(pᵢ∘uᵢ − pᵢ(pᵢ·uᵢ))Xᵢᵀ + ρ∘V, uᵢ = V Xᵢ. s: 3K scratch. */
export function bl_softmax_hvp(n: i32, d: i32, K: i32, X: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, v: usize, s: usize, out: usize): void {
  ridgeTerm(mode, hyp, alpha, d, K, v, out);
  const inv = 1.0 / <f64>n, z = s, p = s + (<usize>K << 3), u = s + (<usize>(2 * K) << 3);
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    probs(w, xi, d, K, z, p);
    let pu: f64 = 0;
    for (let k = 0; k < K; k++) { const uk = dotN(row(v, d, k), xi, d); st(u, k, uk); pu += ld(p, k) * uk; }
    const a = omega(mode, hyp, c, i) * inv;
    for (let k = 0; k < K; k++) axpyN(a * ld(p, k) * (ld(u, k) - pu), xi, row(out, d, k), d);
  }
}

/** out = ∇²_xW g·V (dx values): e^{x₀}⟨W, V⟩ | e^{xⱼ}Σₖ WₖⱼVₖⱼ | (1/n)cᵢσ'(xᵢ)Σₖ(pᵢₖ − δ)(Vₖ·Xᵢ). s: 2K scratch. */
export function bl_softmax_cross(n: i32, d: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, w: usize, v: usize, s: usize, out: usize): void {
  if (mode == 0) { st(out, 0, exp_f64(ld(hyp, 0)) * dotN(w, v, K * d)); return; }
  if (mode == 1) {
    for (let j = 0; j < d; j++) {
      let a: f64 = 0;
      for (let k = 0; k < K; k++) a += ld(w, k * d + j) * ld(v, k * d + j);
      st(out, j, exp_f64(ld(hyp, j)) * a);
    }
    return;
  }
  if (mode != 2) return;
  const inv = 1.0 / <f64>n, z = s, p = s + (<usize>K << 3);
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    probs(w, xi, d, K, z, p);
    const ti = <i32>ld(t, i);
    let a: f64 = 0;
    for (let k = 0; k < K; k++) a += (ld(p, k) - (k == ti ? 1.0 : 0.0)) * dotN(row(v, d, k), xi, d);
    st(out, i, omegaPrime(mode, hyp, c, i) * a * inv);
  }
}

/** out = ∇²_Wx g·u (K·d values, u: dx). s: 2K scratch. */
export function bl_softmax_cross_t(n: i32, d: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, w: usize, u: usize, s: usize, out: usize): void {
  if (mode == 0) { const a = ld(u, 0) * exp_f64(ld(hyp, 0)); for (let q = 0; q < K * d; q++) st(out, q, a * ld(w, q)); return; }
  if (mode == 1) {
    for (let j = 0; j < d; j++) { const a = ld(u, j) * exp_f64(ld(hyp, j)); for (let k = 0; k < K; k++) st(out, k * d + j, a * ld(w, k * d + j)); }
    return;
  }
  for (let q = 0; q < K * d; q++) st(out, q, 0);
  if (mode != 2) return;
  const inv = 1.0 / <f64>n, z = s, p = s + (<usize>K << 3);
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    probs(w, xi, d, K, z, p);
    const a = ld(u, i) * omegaPrime(mode, hyp, c, i) * inv, ti = <i32>ld(t, i);
    for (let k = 0; k < K; k++) axpyN(a * (ld(p, k) - (k == ti ? 1.0 : 0.0)), xi, row(out, d, k), d);
  }
}

/**
 * out = ∇²_WW g ((K·d)×(K·d) row-major, index k·d + j): (1/n) Σ ωᵢ(p_kδ_kl − p_kp_l)XᵢXᵢᵀ blocks + diag(ρ).
 * s: 2K scratch. n·K²·d² work: for aid-exact on small problems.
 */
export function bl_softmax_hess(n: i32, d: i32, K: i32, X: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, s: usize, out: usize): void {
  const D = K * d;
  for (let q = 0; q < D * D; q++) st(out, q, 0);
  const inv = 1.0 / <f64>n, z = s, p = s + (<usize>K << 3);
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    probs(w, xi, d, K, z, p);
    const a = omega(mode, hyp, c, i) * inv;
    for (let k = 0; k < K; k++) {
      const pk = ld(p, k);
      for (let l = 0; l < K; l++) {
        const b = a * (k == l ? pk - pk * ld(p, l) : -pk * ld(p, l));
        for (let j = 0; j < d; j++) axpyN(b * ld(xi, j), xi, out + (<usize>((k * d + j) * D + l * d) << 3), d);
      }
    }
  }
  const e0 = e0Of(mode, hyp);
  for (let j = 0; j < d; j++) {
    const r = rho(mode, hyp, alpha, e0, j);
    for (let k = 0; k < K; k++) { const q = (k * d + j) * D + k * d + j; st(out, q, ld(out, q) + r); }
  }
}

/** Number of rows whose arg maxₖ (W Xᵢ)ₖ (lowest index on ties) is tᵢ. */
export function bl_softmax_correct(n: i32, d: i32, K: i32, X: usize, t: usize, w: usize): i32 {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    let best = 0, bz = dotN(w, xi, d);
    for (let k = 1; k < K; k++) { const zk = dotN(row(w, d, k), xi, d); if (zk > bz) { bz = zk; best = k; } }
    if (<f64>best == ld(t, i)) count++;
  }
  return count;
}

/** ∇_x g (dx values) for the ridge modes, used by the first-order methods: ½e^{x₀}‖W‖² | ½e^{xⱼ}‖W_{·j}‖² | (1/n)cᵢσ'(xᵢ)ℓᵢ. K = 0: logistic. s: 2K scratch. */
export function bl_glm_grad_x(n: i32, d: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, w: usize, s: usize, out: usize): void {
  const KK = K == 0 ? 1 : K;
  if (mode == 0) { st(out, 0, 0.5 * exp_f64(ld(hyp, 0)) * dotN(w, w, KK * d)); return; }
  if (mode == 1) {
    for (let j = 0; j < d; j++) {
      let a: f64 = 0;
      for (let k = 0; k < KK; k++) { const v = ld(w, k * d + j); a += v * v; }
      st(out, j, 0.5 * exp_f64(ld(hyp, j)) * a);
    }
    return;
  }
  if (mode != 2) return;
  const inv = 1.0 / <f64>n, z = s, p = s + (<usize>KK << 3);
  for (let i = 0; i < n; i++) {
    const xi = row(X, d, i);
    let l: f64;
    if (K == 0) { const zi = dotN(xi, w, d); l = softplus(zi) - ld(t, i) * zi; }
    else { const lse = probs(w, xi, d, K, z, p); l = lse - ld(z, <i32>ld(t, i)); }
    st(out, i, omegaPrime(mode, hyp, c, i) * l * inv);
  }
}
