// The built-in small MLP (src/bilevel/models/mlp.ts): one tanh hidden layer of H units, a softmax output
// over K classes, cross-entropy loss, with analytic gradients and exact Hessian-vector products
// (Pearlmutter's R-operator: a forward pass of the directional derivatives, then their backward pass):
//   z₁ = W₁xᵢ + b₁ (H), aᵢ = tanh(z₁), z₂ = W₂aᵢ + b₂ (K), ℓᵢ = log Σₖ e^{z₂ₖ} − z₂,tᵢ
//   g(x, w) = (1/n) Σᵢ ωᵢ ℓᵢ + ½ρ‖w‖²        (every parameter, biases included, like torch's weight_decay)
// w = [W₁ (H×d row-major), b₁ (H), W₂ (K×H row-major), b₂ (K)], P = Hd + H + KH + K values.
// Modes (as glm.ts): 0 ρ = e^{x₀}, ωᵢ = cᵢ | 2 ωᵢ = cᵢσ(xᵢ), ρ = α | 3 ωᵢ = 1, ρ = 0 (the validation loss).
// Per-sample scratch s (4H + 3K values, + P for the dense Hessian): a, Ra, e, Re (H each), p, z₂, Rz₂ (K each).
// Every sum in sample order with the fixed-order dot of common.ts; tanh and e^x from core/math.ts's exp, so
// every runtime and both builds give the same bits (test/helpers/reference-mlp.mjs is the f64 JS mirror).
import { exp_f64, log_f64 } from '../core/math';
import { uniform } from '../core/rng';
import { ld, st, dotN, axpyN } from './common';

// @ts-ignore: decorator
@inline function sigmoid(h: f64): f64 {
  if (h >= 0) return 1.0 / (1.0 + exp_f64(-h));
  const e = exp_f64(h);
  return e / (1.0 + e);
}
/** tanh z = sign(z)(1 − e^{−2|z|})/(1 + e^{−2|z|}): no overflow. */
// @ts-ignore: decorator
@inline function tanhF(z: f64): f64 {
  const e = exp_f64(-2.0 * (z < 0 ? -z : z));
  const r = (1.0 - e) / (1.0 + e);
  return z < 0 ? -r : r;
}
// @ts-ignore: decorator
@inline function omega(mode: i32, hyp: usize, c: usize, i: i32): f64 {
  if (mode == 3) return 1.0;
  const ci = c == 0 ? 1.0 : ld(c, i);
  return mode == 2 ? ci * sigmoid(ld(hyp, i)) : ci;
}
// @ts-ignore: decorator
@inline function omegaPrime(hyp: usize, c: usize, i: i32): f64 {
  const s = sigmoid(ld(hyp, i));
  return (c == 0 ? 1.0 : ld(c, i)) * s * (1.0 - s);
}
// @ts-ignore: decorator
@inline function rhoOf(mode: i32, hyp: usize, alpha: f64): f64 { return mode == 0 ? exp_f64(ld(hyp, 0)) : mode == 2 ? alpha : 0.0; }
// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize { return p + (<usize>i << 3); }
// @ts-ignore: decorator
@inline function size(d: i32, H: i32, K: i32): i32 { return H * d + H + K * H + K; }

/** Forward pass of sample xᵢ: a = tanh(W₁xᵢ + b₁), z₂ = W₂a + b₂, p = softmax(z₂) (max-shifted); returns log Σ e^{z₂}. */
function forward(w: usize, xi: usize, d: i32, H: i32, K: i32, s: usize): f64 {
  const W1 = w, b1 = at(w, H * d), W2 = at(w, H * d + H), b2 = at(w, H * d + H + K * H);
  const a = s, p = at(s, 4 * H), z = at(s, 4 * H + K);
  for (let h = 0; h < H; h++) st(a, h, tanhF(dotN(at(W1, h * d), xi, d) + ld(b1, h)));
  let m = -Infinity;
  for (let k = 0; k < K; k++) { const zk = dotN(at(W2, k * H), a, H) + ld(b2, k); st(z, k, zk); if (zk > m) m = zk; }
  let sum: f64 = 0;
  for (let k = 0; k < K; k++) { const e = exp_f64(ld(z, k) - m); st(p, k, e); sum += e; }
  const inv = 1.0 / sum;
  for (let k = 0; k < K; k++) st(p, k, ld(p, k) * inv);
  return m + log_f64(sum);
}

/** out += coef·∇_w ℓᵢ after forward(): δ₂ = coef(p − e_t), δ₁ = (W₂ᵀδ₂)∘(1 − a²). Uses e (s + H) as δ₁. */
function backward(w: usize, xi: usize, d: i32, H: i32, K: i32, ti: i32, coef: f64, s: usize, out: usize): void {
  const W2 = at(w, H * d + H);
  const a = s, e = at(s, H), p = at(s, 4 * H);
  const oW1 = out, ob1 = at(out, H * d), oW2 = at(out, H * d + H), ob2 = at(out, H * d + H + K * H);
  for (let h = 0; h < H; h++) st(e, h, 0);
  for (let k = 0; k < K; k++) {
    const dk = coef * (ld(p, k) - (k == ti ? 1.0 : 0.0));
    axpyN(dk, a, at(oW2, k * H), H);
    st(ob2, k, ld(ob2, k) + dk);
    axpyN(dk, at(W2, k * H), e, H);
  }
  for (let h = 0; h < H; h++) {
    const ah = ld(a, h), d1 = ld(e, h) * (1.0 - ah * ah);
    axpyN(d1, xi, at(oW1, h * d), d);
    st(ob1, h, ld(ob1, h) + d1);
  }
}

/** Forward pass of the directional derivatives along v after forward(): Ra = (1 − a²)∘(V₁xᵢ + c₁), Rz₂ = W₂Ra + V₂a + c₂. Returns Σₖ pₖRz₂ₖ. */
function forwardR(w: usize, v: usize, xi: usize, d: i32, H: i32, K: i32, s: usize): f64 {
  const W2 = at(w, H * d + H);
  const V1 = v, c1 = at(v, H * d), V2 = at(v, H * d + H), c2 = at(v, H * d + H + K * H);
  const a = s, ra = at(s, 2 * H), p = at(s, 4 * H), rz = at(s, 4 * H + 2 * K);
  for (let h = 0; h < H; h++) { const ah = ld(a, h); st(ra, h, (1.0 - ah * ah) * (dotN(at(V1, h * d), xi, d) + ld(c1, h))); }
  let pr: f64 = 0;
  for (let k = 0; k < K; k++) {
    const r = dotN(at(W2, k * H), ra, H) + dotN(at(V2, k * H), a, H) + ld(c2, k);
    st(rz, k, r); pr += ld(p, k) * r;
  }
  return pr;
}

/** out = ρw + (1/n) Σ ωᵢ∇_w ℓᵢ (P values). s: 4H + 3K scratch. */
export function bl_mlp_grad(n: i32, d: i32, H: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, s: usize, out: usize): void {
  const P = size(d, H, K), rho = rhoOf(mode, hyp, alpha);
  for (let q = 0; q < P; q++) st(out, q, rho * ld(w, q));
  const inv = 1.0 / <f64>n;
  for (let i = 0; i < n; i++) {
    const xi = at(X, i * d);
    forward(w, xi, d, H, K, s);
    backward(w, xi, d, H, K, <i32>ld(t, i), omega(mode, hyp, c, i) * inv, s, out);
  }
}

/** g(x, w) = (1/n) Σ ωᵢℓᵢ + ½ρ‖w‖². */
export function bl_mlp_value(n: i32, d: i32, H: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, s: usize): f64 {
  const z = at(s, 4 * H + K);
  let acc: f64 = 0;
  for (let i = 0; i < n; i++) {
    const lse = forward(w, at(X, i * d), d, H, K, s);
    acc += omega(mode, hyp, c, i) * (lse - ld(z, <i32>ld(t, i)));
  }
  const P = size(d, H, K);
  return acc / <f64>n + 0.5 * rhoOf(mode, hyp, alpha) * dotN(w, w, P);
}

/**
 * out = ∇²_ww g·v = ρv + (1/n) Σ ωᵢ R{∇_w ℓᵢ}: Rδ₂ = p∘(Rz₂ − p·Rz₂), R∇W₂ = Rδ₂aᵀ + δ₂Raᵀ,
 * Re = V₂ᵀδ₂ + W₂ᵀRδ₂, Rδ₁ = Re∘(1 − a²) − 2e∘a∘Ra, R∇W₁ = Rδ₁xᵢᵀ (the exact Hessian, not Gauss–Newton).
 */
export function bl_mlp_hvp(n: i32, d: i32, H: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, v: usize, s: usize, out: usize): void {
  const P = size(d, H, K), rho = rhoOf(mode, hyp, alpha);
  for (let q = 0; q < P; q++) st(out, q, rho * ld(v, q));
  const inv = 1.0 / <f64>n;
  const W2 = at(w, H * d + H), V2 = at(v, H * d + H);
  const a = s, e = at(s, H), ra = at(s, 2 * H), re = at(s, 3 * H), p = at(s, 4 * H), rz = at(s, 4 * H + 2 * K);
  const oW1 = out, ob1 = at(out, H * d), oW2 = at(out, H * d + H), ob2 = at(out, H * d + H + K * H);
  for (let i = 0; i < n; i++) {
    const xi = at(X, i * d);
    forward(w, xi, d, H, K, s);
    const pr = forwardR(w, v, xi, d, H, K, s);
    const coef = omega(mode, hyp, c, i) * inv, ti = <i32>ld(t, i);
    for (let h = 0; h < H; h++) { st(e, h, 0); st(re, h, 0); }
    for (let k = 0; k < K; k++) {
      const pk = ld(p, k);
      const dk = coef * (pk - (k == ti ? 1.0 : 0.0)), rdk = coef * (pk * (ld(rz, k) - pr));
      axpyN(rdk, a, at(oW2, k * H), H);
      axpyN(dk, ra, at(oW2, k * H), H);
      st(ob2, k, ld(ob2, k) + rdk);
      axpyN(dk, at(W2, k * H), e, H);
      axpyN(dk, at(V2, k * H), re, H);
      axpyN(rdk, at(W2, k * H), re, H);
    }
    for (let h = 0; h < H; h++) {
      const ah = ld(a, h), r1 = ld(re, h) * (1.0 - ah * ah) - 2.0 * ld(e, h) * ah * ld(ra, h);
      axpyN(r1, xi, at(oW1, h * d), d);
      st(ob1, h, ld(ob1, h) + r1);
    }
  }
}

/** out = ∇²_xw g·v (dx values): mode 0 e^{x₀}⟨w, v⟩ | mode 2 (1/n)cᵢσ'(xᵢ)⟨∇_w ℓᵢ, v⟩ = (1/n)cᵢσ'(xᵢ)Σₖ(pₖ − δ)Rz₂ₖ. */
export function bl_mlp_cross(n: i32, d: i32, H: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, w: usize, v: usize, s: usize, out: usize): void {
  const P = size(d, H, K);
  if (mode == 0) { st(out, 0, exp_f64(ld(hyp, 0)) * dotN(w, v, P)); return; }
  if (mode != 2) return;
  const inv = 1.0 / <f64>n, rz = at(s, 4 * H + 2 * K), p = at(s, 4 * H);
  for (let i = 0; i < n; i++) {
    const xi = at(X, i * d);
    forward(w, xi, d, H, K, s);
    forwardR(w, v, xi, d, H, K, s);
    const ti = <i32>ld(t, i);
    let acc: f64 = 0;
    for (let k = 0; k < K; k++) acc += (ld(p, k) - (k == ti ? 1.0 : 0.0)) * ld(rz, k);
    st(out, i, omegaPrime(hyp, c, i) * acc * inv);
  }
}

/** out = ∇²_wx g·u (P values, u: dx): mode 0 u₀e^{x₀}w | mode 2 (1/n) Σ uᵢcᵢσ'(xᵢ)∇_w ℓᵢ. */
export function bl_mlp_cross_t(n: i32, d: i32, H: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, w: usize, u: usize, s: usize, out: usize): void {
  const P = size(d, H, K);
  if (mode == 0) { const a = ld(u, 0) * exp_f64(ld(hyp, 0)); for (let q = 0; q < P; q++) st(out, q, a * ld(w, q)); return; }
  for (let q = 0; q < P; q++) st(out, q, 0);
  if (mode != 2) return;
  const inv = 1.0 / <f64>n;
  for (let i = 0; i < n; i++) {
    const xi = at(X, i * d);
    forward(w, xi, d, H, K, s);
    backward(w, xi, d, H, K, <i32>ld(t, i), ld(u, i) * omegaPrime(hyp, c, i) * inv, s, out);
  }
}

/** ∇_x g (dx values), for the first-order methods: mode 0 ½e^{x₀}‖w‖² | mode 2 (1/n)cᵢσ'(xᵢ)ℓᵢ. */
export function bl_mlp_grad_x(n: i32, d: i32, H: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, w: usize, s: usize, out: usize): void {
  const P = size(d, H, K);
  if (mode == 0) { st(out, 0, 0.5 * exp_f64(ld(hyp, 0)) * dotN(w, w, P)); return; }
  if (mode != 2) return;
  const inv = 1.0 / <f64>n, z = at(s, 4 * H + K);
  for (let i = 0; i < n; i++) {
    const lse = forward(w, at(X, i * d), d, H, K, s);
    st(out, i, omegaPrime(hyp, c, i) * (lse - ld(z, <i32>ld(t, i))) * inv);
  }
}

/** out = ∇²_ww g (P×P row-major), row q = the HVP along e_q (P HVPs: for aid-exact on small models). s: 4H + 3K + P scratch. */
export function bl_mlp_hess(n: i32, d: i32, H: i32, K: i32, X: usize, t: usize, c: usize, mode: i32, hyp: usize, alpha: f64, w: usize, s: usize, out: usize): void {
  const P = size(d, H, K), v = at(s, 4 * H + 3 * K);
  for (let q = 0; q < P; q++) st(v, q, 0);
  for (let q = 0; q < P; q++) {
    st(v, q, 1);
    bl_mlp_hvp(n, d, H, K, X, t, c, mode, hyp, alpha, w, v, s, at(out, q * P));
    st(v, q, 0);
  }
}

/** Number of rows whose arg maxₖ z₂ₖ (lowest index on ties) is tᵢ. s: 4H + 3K scratch. */
export function bl_mlp_correct(n: i32, d: i32, H: i32, K: i32, X: usize, t: usize, w: usize, s: usize): i32 {
  const z = at(s, 4 * H + K);
  let count = 0;
  for (let i = 0; i < n; i++) {
    forward(w, at(X, i * d), d, H, K, s);
    let best = 0, bz = ld(z, 0);
    for (let k = 1; k < K; k++) { const zk = ld(z, k); if (zk > bz) { bz = zk; best = k; } }
    if (<f64>best == ld(t, i)) count++;
  }
  return count;
}

/**
 * Glorot-uniform initial weights (biases 0): W₁ ~ U(±√(6/(d + H))), W₂ ~ U(±√(6/(H + K))), entry q from Philox
 * draw q of stream 0x6d6c7030 ('mlp0') under key (seed, 0) (core/rng.ts), so every runtime starts alike.
 */
export function bl_mlp_init(d: i32, H: i32, K: i32, seed: u32, out: usize): void {
  const P = size(d, H, K), a1 = Math.sqrt(6.0 / <f64>(d + H)), a2 = Math.sqrt(6.0 / <f64>(H + K));
  for (let q = 0; q < P; q++) {
    const inW1 = q < H * d, inW2 = q >= H * d + H && q < H * d + H + K * H;
    const u = uniform(seed, 0, 0, 0, 0x6d6c7030, <u32>q);
    st(out, q, inW1 ? a1 * (2.0 * u - 1.0) : inW2 ? a2 * (2.0 * u - 1.0) : 0.0);
  }
}
