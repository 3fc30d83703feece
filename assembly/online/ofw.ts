// Projection-free online learning: the linear-optimisation oracle (LMO) of every bounded feasible set
// and the update of online Frank–Wolfe (Hazan & Kale 2012; Hazan, Introduction to Online Convex
// Optimization, §7.3, "online conditional gradient").
//   LMO v = argmin_{x∈K} ⟨c, x⟩, deterministic on ties:
//     simplex {x ≥ 0, Σx = r}: r·e_j, j the first index of the smallest c_j;
//     ℓ1 ball: −r·sign(c_j)·e_j, j the first index of the largest |c_j| (0 when c = 0);
//     ℓ2 ball: −r·ĉ/‖ĉ‖ with ĉ = c/max|c_i| (scaled first, so no square overflows; 0 when c = 0);
//     box: lo_i where c_i ≥ 0, hi_i where c_i < 0.
// No fused multiply-add; the one sum (‖ĉ‖²) in the fixed 4-lane order of dot4.
import { ld, st, dot4 } from './common';

/** v = argmin over set `kind` of ⟨c, v⟩ (see the file's head); v must not be c. Returns 0, or -1 for an unbounded set. */
export function lmo(kind: i32, n: i32, r: f64, lo: usize, hi: usize, c: usize, v: usize): i32 {
  if (kind == 1) {
    let j = 0, m = ld(c, 0);
    for (let i = 1; i < n; i++) { const ci = ld(c, i); if (ci < m) { m = ci; j = i; } }
    memory.fill(v, 0, <usize>n << 3);
    st(v, j, r);
    return 0;
  }
  if (kind == 2) {
    let j = 0, m = Math.abs(ld(c, 0));
    for (let i = 1; i < n; i++) { const a = Math.abs(ld(c, i)); if (a > m) { m = a; j = i; } }
    memory.fill(v, 0, <usize>n << 3);
    if (m > 0) st(v, j, ld(c, j) > 0 ? -r : r);
    return 0;
  }
  if (kind == 3) {
    let m: f64 = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(ld(c, i)));
    if (!(m > 0)) { memory.fill(v, 0, <usize>n << 3); return 0; }
    for (let i = 0; i < n; i++) st(v, i, ld(c, i) / m);
    const s = r / Math.sqrt(dot4(v, v, n));
    for (let i = 0; i < n; i++) st(v, i, -(ld(v, i) * s));
    return 0;
  }
  if (kind == 4) {
    for (let i = 0; i < n; i++) st(v, i, ld(c, i) < 0 ? ld(hi, i) : ld(lo, i));
    return 0;
  }
  return -1;
}

/** Exported: the LMO of set `kind` for the cost c, into v (v ≠ c). Returns 0, or -1 for an unbounded set. */
export function on_lmo(kind: i32, n: i32, r: f64, lo: usize, hi: usize, c: usize, v: usize): i32 {
  return lmo(kind, n, r, lo, hi, c, v);
}

/**
 * Online Frank–Wolfe: t += 1, G += g, c = η·G + 2(x − x₁) (the gradient at x of F_t(y) = η⟨G, y⟩ +
 * ‖y − x₁‖²), v = LMO(c), σ = min(1, 2/√t), x ← (1 − σ)·x + σ·v. State: [t, 0, x(n), x₁(n), G(n)].
 * Scratch: 2n f64. Returns σ.
 */
export function on_ofw_update(n: i32, kind: i32, r: f64, lo: usize, hi: usize, state: usize, g: usize, scratch: usize, eta: f64): f64 {
  const t = ld(state, 0) + 1.0;
  st(state, 0, t);
  const x = state + 16, x1 = x + (<usize>n << 3), G = x1 + (<usize>n << 3), c = scratch, v = scratch + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const Gi = ld(G, i) + ld(g, i);
    st(G, i, Gi);
    st(c, i, eta * Gi + 2.0 * (ld(x, i) - ld(x1, i)));
  }
  lmo(kind, n, r, lo, hi, c, v);
  let sigma = 2.0 / Math.sqrt(t);
  if (sigma > 1.0) sigma = 1.0;
  const keep = 1.0 - sigma;
  for (let i = 0; i < n; i++) st(x, i, keep * ld(x, i) + sigma * ld(v, i));
  return sigma;
}
