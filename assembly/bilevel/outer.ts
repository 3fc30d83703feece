// f64 upper-level steps of bilevel.solve (the outer optimizer runs on the f64 upper variable).

import { ld, st } from './common';

/** Heavy-ball SGD (torch's form): b = μ·b + g; x −= lr·b (μ = 0: plain gradient step). */
export function bl_sgd(n: i32, x: usize, g: usize, b: usize, lr: f64, mu: f64): void {
  for (let i = 0; i < n; i++) {
    const bi = mu * ld(b, i) + ld(g, i);
    st(b, i, bi); st(x, i, ld(x, i) - lr * bi);
  }
}

/**
 * Adam (torch's form): m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², x −= lr·(m/bc1)/(√(v/bc2) + ε) with the
 * bias corrections bc1 = 1 − β₁ᵗ, bc2 = 1 − β₂ᵗ computed by the caller (engine.pow).
 */
export function bl_adam(n: i32, x: usize, g: usize, m: usize, v: usize, lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, bc2: f64): void {
  for (let i = 0; i < n; i++) {
    const gi = ld(g, i);
    const mi = b1 * ld(m, i) + (1.0 - b1) * gi;
    const vi = b2 * ld(v, i) + (1.0 - b2) * gi * gi;
    st(m, i, mi); st(v, i, vi);
    st(x, i, ld(x, i) - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
  }
}
