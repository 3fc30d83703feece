// Linear bandits for drifting parameters, one θ shared by every arm (arms are feature vectors x_a, the
// papers' action sets): D-LinUCB (Russac, Vernade & Cappé 2019, discounted least squares) and SW-LinUCB
// (Cheung, Simchi-Levi & Zhu 2019, a sliding window of the last τ events). Leaf kernels, f64, sums in
// dot2's two-lane order (linear.ts); every matrix update is elementwise, the same in every build.
//
// D-LinUCB header: Vinv = V⁻¹ (d²), Vt = Ṽ (d²), b (d), g2 = γ^(2t), t. Per event (x, r), the paper's
//   V ← γV + xxᵀ + (1 − γ)λI,  Ṽ ← γ²Ṽ + xxᵀ + (1 − γ²)λI,  b ← γb + r x
// with V⁻¹ updated, never re-inverted: V⁻¹ ← V⁻¹/γ, then Sherman–Morrison for + xxᵀ and for each of the
// d rank-1 terms (1 − γ)λ·e_ieᵢᵀ (the paper's regulariser is full rank, so an event costs O(d³)).
// Score: xᵀθ̂ + α·β_t·√(yᵀṼy), θ̂ = V⁻¹b, y = V⁻¹x,
//   β_t = √λ·S + σ·√(2 ln(1/δ) + d·ln(1 + L²(1 − γ^(2t))/(λd(1 − γ²)))).
// SW-LinUCB header: Vinv (d²), b (d), head, size, then the ring of τ events (x (d), r). Per event: the
// oldest is removed when the ring is full (V⁻¹ ← V⁻¹ + wwᵀ, w = u/√(1 − xᵀu), b ← b − r x), the new one
// added by Sherman–Morrison; whenever the ring's head wraps to 0 (every τ events), V⁻¹ and b are rebuilt
// from λI and the ring in ring order (τ rank-1 updates: the downdates' rounding cannot accumulate).
// Score: xᵀθ̂ + α·β·√(xᵀV⁻¹x), β = √λ·S + σ·√(d·ln((1 + τL²/λ)/δ)).
import { log_f64 } from '../core/math';
import { dot2 } from './linear';

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize { return p + (<usize>i << 3); }

function matvec(M: usize, v: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) st(out, i, dot2(at(M, i * n), v, n));
}
/** M ← M + sign·w wᵀ. */
function rank1(M: usize, w: usize, n: i32, sign: f64): void {
  for (let i = 0; i < n; i++) {
    const row = at(M, i * n), wi = sign * ld(w, i);
    for (let j = 0; j < n; j++) st(row, j, ld(row, j) + wi * ld(w, j));
  }
}
/** V⁻¹ for V + c·xxᵀ (c > 0) by Sherman–Morrison: u = V⁻¹x, w = u·√(c/(1 + c·xᵀu)), V⁻¹ ← V⁻¹ − wwᵀ. */
function smAdd(M: usize, x: usize, c: f64, d: i32, u: usize): void {
  matvec(M, x, d, u);
  const f = Math.sqrt(c / (1.0 + c * dot2(x, u, d)));
  for (let i = 0; i < d; i++) st(u, i, ld(u, i) * f);
  rank1(M, u, d, -1.0);
}

/** D-LinUCB: learn n events in order (x at ctx + 8e·d, rewards); work: 2d f64. */
export function bd_dlin_learn(hdr: usize, d: i32, n: i32, ctx: usize, rewards: usize, gamma: f64, lambda: f64, work: usize): void {
  const M = hdr, Vt = at(hdr, d * d), b = at(hdr, 2 * d * d), g2 = at(hdr, 2 * d * d + d), tt = at(hdr, 2 * d * d + d + 1);
  const u = work, e = at(work, d);
  const g = 1.0 / gamma, c = (1.0 - gamma) * lambda, g2c = gamma * gamma, ct = (1.0 - g2c) * lambda;
  for (let ev = 0; ev < n; ev++) {
    const x = at(ctx, ev * d), r = ld(rewards, ev);
    for (let i = 0; i < d * d; i++) st(M, i, ld(M, i) * g);
    smAdd(M, x, 1.0, d, u);
    if (c > 0) {
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) st(e, j, 0.0);
        st(e, i, 1.0);
        smAdd(M, e, c, d, u);
      }
    }
    for (let i = 0; i < d; i++) {
      const row = at(Vt, i * d), xi = ld(x, i);
      for (let j = 0; j < d; j++) st(row, j, g2c * ld(row, j) + xi * ld(x, j) + (i == j ? ct : 0.0));
    }
    for (let i = 0; i < d; i++) st(b, i, gamma * ld(b, i) + r * ld(x, i));
    store<f64>(g2, load<f64>(g2) * g2c);
    store<f64>(tt, load<f64>(tt) + 1.0);
  }
}

/** SW-LinUCB: learn n events in order; tau the window; work: d f64. */
export function bd_swlin_learn(hdr: usize, d: i32, tau: i32, n: i32, ctx: usize, rewards: usize, lambda: f64, work: usize): void {
  const M = hdr, b = at(hdr, d * d), hp = at(hdr, d * d + d), sp = at(hdr, d * d + d + 1), ring = at(hdr, d * d + d + 2);
  const u = work, w1 = d + 1;
  for (let ev = 0; ev < n; ev++) {
    const x = at(ctx, ev * d), r = ld(rewards, ev);
    let head = <i32>load<f64>(hp), size = <i32>load<f64>(sp);
    const slot = at(ring, head * w1);
    if (size == tau) {                                   // remove the oldest (it sits at head)
      matvec(M, slot, d, u);
      const s = 1.0 - dot2(slot, u, d);
      if (s > 0) {
        const f = 1.0 / Math.sqrt(s);
        for (let i = 0; i < d; i++) st(u, i, ld(u, i) * f);
        rank1(M, u, d, 1.0);
      }
      const ro = ld(slot, d);
      for (let i = 0; i < d; i++) st(b, i, ld(b, i) - ro * ld(slot, i));
    } else size++;
    for (let i = 0; i < d; i++) st(slot, i, ld(x, i));
    st(slot, d, r);
    smAdd(M, x, 1.0, d, u);
    for (let i = 0; i < d; i++) st(b, i, ld(b, i) + r * ld(x, i));
    head = head + 1 == tau ? 0 : head + 1;
    if (head == 0) {                                     // rebuild from λI and the ring, oldest first
      for (let i = 0; i < d * d; i++) st(M, i, 0.0);
      for (let i = 0; i < d; i++) { st(M, i * d + i, 1.0 / lambda); st(b, i, 0.0); }
      for (let j = 0; j < size; j++) {
        const q = at(ring, j * w1), rq = ld(q, d);
        smAdd(M, q, 1.0, d, u);
        for (let i = 0; i < d; i++) st(b, i, ld(b, i) + rq * ld(q, i));
      }
    }
    store<f64>(hp, <f64>head); store<f64>(sp, <f64>size);
  }
}

/**
 * Scores of arms [start, end) for B contexts (x of (b, a) at ctx + 8(b·xB + a·d)); mask as bd_lin_score;
 * mode 0: D-LinUCB (Vt = Ṽ at hdr + 8d², width² = yᵀṼy), 1: SW-LinUCB (width² = xᵀV⁻¹x); coef = α·β;
 * theta = V⁻¹b (bd_drift_theta); work: d f64 per arm. out: f64 B×K.
 */
export function bd_drift_score(start: i32, end: i32, hdr: usize, d: i32, K: i32, B: i32, ctx: usize, xB: i32, mask: usize, maskB: i32,
                               mode: i32, coef: f64, theta: usize, work: usize, out: usize): void {
  const M = hdr, Vt = at(hdr, d * d);
  for (let a = start; a < end; a++) {
    const y = at(work, a * d);
    for (let b = 0; b < B; b++) {
      const oi = at(out, b * K + a);
      if (load<u8>(mask + <usize>(b * maskB + a)) == 0) { store<f64>(oi, -Infinity); continue; }
      const x = at(ctx, b * xB + a * d);
      matvec(M, x, d, y);
      let q: f64 = 0;
      if (mode == 0) { for (let i = 0; i < d; i++) q += ld(y, i) * dot2(at(Vt, i * d), y, d); } else q = dot2(x, y, d);
      store<f64>(oi, dot2(x, theta, d) + coef * Math.sqrt(q > 0 ? q : 0));
    }
  }
}

/** θ̂ = V⁻¹b into out (b at hdr + 8·offb). */
export function bd_drift_theta(hdr: usize, d: i32, offb: i32, out: usize): void { matvec(hdr, at(hdr, offb), d, out); }

/** D-LinUCB's β_t (see the top of this file). */
export function bd_dlin_beta(d: i32, lambda: f64, S: f64, sigma: f64, delta: f64, L: f64, gamma: f64, g2t: f64): f64 {
  const inner = 2.0 * log_f64(1.0 / delta) + <f64>d * log_f64(1.0 + L * L * (1.0 - g2t) / (lambda * <f64>d * (1.0 - gamma * gamma)));
  return Math.sqrt(lambda) * S + sigma * Math.sqrt(inner);
}
/** SW-LinUCB's β. */
export function bd_swlin_beta(d: i32, lambda: f64, S: f64, sigma: f64, delta: f64, L: f64, tau: f64): f64 {
  return Math.sqrt(lambda) * S + sigma * Math.sqrt(<f64>d * log_f64((1.0 + tau * L * L / lambda) / delta));
}
