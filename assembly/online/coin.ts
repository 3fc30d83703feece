// Coin betting (Orabona & Pál 2016, "Coin Betting and Parameter-Free Online Learning"): the
// Krichevsky–Trofimov bettor turned into a parameter-free online linear optimiser. Coin c_t = −g_t/G,
// wealth W_t = W_{t−1} + c_t·w_t (W_0 = ε), bet w_t = β_t·W_{t−1} with β_t = (Σ_{s<t} c_s)/t.
//   mode 0 'coordinate': one 1-D KT bettor per coordinate (|g_i| ≤ G); on a box, the 1-D constraint
//          reduction per coordinate (Cutkosky 2020, Alg. 1 in one dimension): the coin of a coordinate
//          whose bet lies outside and whose gradient pushes it further out is 0.
//   mode 1 'ball': the ℓ2-ball reduction of Cutkosky & Orabona 2018 (‖g‖ ≤ G): magnitude z_t from a 1-D
//          KT bettor fed ⟨g̃, y_t⟩, direction y_t from adaptive OGD on the unit ball (η = √2/√Σ‖g̃‖²),
//          w = z·y; on any feasible set K, Cutkosky 2020's constraint reduction: g̃ = g −
//          ⟨g, w − x⟩(w − x)/‖w − x‖² when ⟨g, w − x⟩ < 0 (else g), x = Π_K(w).
// State after [t, 0]: x(n), w(n), then mode 0: θ(n), W(n); mode 1: y(n), [z, θ, W, S].
import { ld, st, dot4 } from './common';
import { project } from './project';

/** Slack of the gradient bound: |g_i| (or ‖g‖₂) ≤ G·(1 + 1e-12). */
const LIP_TOL: f64 = 1.0 + 1e-12;

/**
 * One round. Returns -1 when learned; i (a coordinate) when |g_i| > G (mode 0), n when ‖g‖ > G (mode 1),
 * nothing changed. Scratch: 4.5n + 4 f64.
 */
export function on_coin_update(n: i32, mode: i32, kind: i32, r: f64, lo: usize, hi: usize, state: usize, g: usize, scratch: usize, lip: f64): i32 {
  const x = state + 16, w = x + (<usize>n << 3), a = w + (<usize>n << 3), b = a + (<usize>n << 3);
  const gs = scratch, dv = scratch + (<usize>n << 3), ps = dv + (<usize>n << 3);
  for (let i = 0; i < n; i++) st(gs, i, ld(g, i) / lip);
  // accepted up to G·(1 + 1e-12) (a gradient normalised in floating point), then brought back to the bound
  if (mode == 0) {
    for (let i = 0; i < n; i++) if (Math.abs(ld(gs, i)) > LIP_TOL) return i;
    for (let i = 0; i < n; i++) st(gs, i, Math.min(Math.max(ld(gs, i), -1.0), 1.0));
  } else {
    const nm = Math.sqrt(dot4(gs, gs, n));
    if (nm > LIP_TOL) return n;
    if (nm > 1.0) for (let i = 0; i < n; i++) st(gs, i, ld(gs, i) / nm);
  }
  // the constraint reduction's surrogate gradient g̃ (in gs)
  if (kind != 0) {
    if (mode == 0) {
      for (let i = 0; i < n; i++) if (ld(gs, i) * (ld(w, i) - ld(x, i)) < 0) st(gs, i, 0.0);
    } else {
      for (let i = 0; i < n; i++) st(dv, i, ld(w, i) - ld(x, i));
      const dg = dot4(gs, dv, n);
      if (dg < 0) {
        const c = dg / dot4(dv, dv, n);
        for (let i = 0; i < n; i++) st(gs, i, ld(gs, i) - c * ld(dv, i));
      }
    }
  }
  const t = ld(state, 0) + 1.0;
  st(state, 0, t);
  const t1 = t + 1.0;
  if (mode == 0) {
    for (let i = 0; i < n; i++) {
      const c = -ld(gs, i);
      const wealth = ld(b, i) + c * ld(w, i), theta = ld(a, i) + c;
      st(b, i, wealth); st(a, i, theta);
      st(w, i, (theta / t1) * wealth);
    }
  } else {
    const m = b; // [z, θ, W, S] after y (a)
    const c = -dot4(gs, a, n);
    const wealth = ld(m, 2) + c * ld(m, 0), theta = ld(m, 1) + c;
    const z = (theta / t1) * wealth;
    st(m, 0, z); st(m, 1, theta); st(m, 2, wealth);
    const S = ld(m, 3) + dot4(gs, gs, n);
    st(m, 3, S);
    if (S > 0) {
      const eta = Math.SQRT2 / Math.sqrt(S);
      for (let i = 0; i < n; i++) st(dv, i, ld(a, i) - eta * ld(gs, i));
      project(3, n, 1.0, 0, 0, 0, dv, a, ps);
    }
    for (let i = 0; i < n; i++) st(w, i, z * ld(a, i));
  }
  project(kind, n, r, lo, hi, 0, w, x, ps);
  return -1;
}

/** Initial state: wealth ε (every coordinate's, or the magnitude bettor's); x = Π_K(0) is set by the caller. */
export function on_coin_init(n: i32, mode: i32, state: usize, eps: f64): void {
  const a = state + 16 + (<usize>(2 * n) << 3), b = a + (<usize>n << 3);
  if (mode == 0) { for (let i = 0; i < n; i++) st(b, i, eps); } else st(b, 2, eps);
}
