// Online conformal prediction (src/online/conformal.ts): a radius q_t for the interval [ŷ_t − q_t,
// ŷ_t + q_t] around any point forecast, learned from the scores s_t = |y_t − ŷ_t| at miscoverage α.
//   0 ACI (Gibbs & Candès 2021): α_{t+1} = α_t + γ(α − err_t); q_t = the ⌈(1 − α_t)(n + 1)⌉-th smallest
//     of the last n ≤ W scores (∞ when that exceeds n, 0 when it is below 1).
//   1 SF-OGD (Bhatnagar et al. 2023, after Orabona & Pál's scale-free OGD): q ← max(0, q − D·∇/√Σ∇²)
//     on the pinball loss at level τ = 1 − α (∇ = −τ if s > q, α if s < q, 0 if equal).
//   2 SAOCP (Bhatnagar et al. 2023, Alg. 2): SF-OGD experts started every round, the one born at i
//     alive for L(i) = g·2^{v(i)} rounds (v the 2-adic valuation), aggregated by coin betting (CBCE,
//     Jun et al. 2017): w_i = (z_i/a_i)(1 + Σ gc·w) (0 at age a_i = 0), coins gc = clip((ℓ(q̄) −
//     ℓ(q_i))/(D·max(τ, 1 − τ)), w_i > 0 ? −1 : 0, 1), p_i ∝ π_i·max(0, w_i) with the prior π_i ∝
//     1/(i²(1 + ⌊log₂ i⌋)) (p = π when every w_i ≤ 0); q̄ = Σ p_i q_i; a new expert starts at q̄.
// D: the `scale` option, or (0) the largest score seen so far. Every sum in slot order.
// State after [t, 0]: [q, hits, widthSum, infinite, maxScore, 0], then ACI [α_t, n, head, ring(W),
// sorted(W)]; SF-OGD [Σ∇²]; SAOCP K slots [born, q, Σ∇², z, wz, age] (born 0: free).
import { ld, st } from './common';

const STATS: i32 = 6;
const SLOT: i32 = 6;

// @ts-ignore: decorator
@inline function pin(s: f64, q: f64, tau: f64): f64 { return Math.max(tau * (s - q), (1.0 - tau) * (q - s)); }
// @ts-ignore: decorator
@inline function pinGrad(s: f64, q: f64, tau: f64): f64 { return s > q ? -tau : s < q ? 1.0 - tau : 0.0; }

/** L(i) = g·2^{v(i)}. */
function lifetime(born: f64, g: f64): f64 {
  let b = born, l = g;
  while (b % 2.0 == 0) { b /= 2.0; l *= 2.0; }
  return l;
}
/** The prior weight 1/(i²(1 + ⌊log₂ i⌋)). */
function prior(born: f64): f64 {
  let k: f64 = 0, p: f64 = 2;
  while (p <= born) { p *= 2.0; k += 1.0; }
  return 1.0 / (born * born * (1.0 + k));
}
// @ts-ignore: decorator
@inline function betOf(sl: usize): f64 { const a = ld(sl, 5); return a == 0 ? 0.0 : (ld(sl, 3) / a) * (1.0 + ld(sl, 4)); }

/** SAOCP's aggregate q̄ over the live slots; `fallback` when none is live. */
function aggregate(slots: usize, k: i32, fallback: f64): f64 {
  let num: f64 = 0, den: f64 = 0, pn: f64 = 0, pd: f64 = 0;
  for (let j = 0; j < k; j++) {
    const sl = slots + (<usize>(j * SLOT) << 3);
    const born = ld(sl, 0);
    if (born == 0) continue;
    const pr = prior(born), q = ld(sl, 1), w = betOf(sl);
    const p = pr * (w > 0 ? w : 0.0);
    num += p * q; den += p; pn += pr * q; pd += pr;
  }
  if (den > 0) return num / den;
  return pd > 0 ? pn / pd : fallback;
}

/** The radius for the next round (ACI: from the window; may be Infinity). */
export function on_conformal_radius(method: i32, state: usize, cap: i32): f64 {
  const S = state + 16;
  if (method != 0) return ld(S, 0);
  const m = S + (<usize>STATS << 3), sorted = m + (<usize>(3 + cap) << 3);
  const cnt = ld(m, 1);
  const k = Math.ceil((1.0 - ld(m, 0)) * (cnt + 1.0));
  if (k > cnt) return Infinity;
  if (k < 1) return 0.0;
  return ld(sorted, <i32>k - 1);
}

/**
 * One round with score s ≥ 0: returns 1 when s ≤ q_t (covered), 0 when not; -1 when SAOCP found no
 * free slot (cannot happen with the capacity the caller allocates; the caller restores the state).
 */
export function on_conformal_update(method: i32, state: usize, s: f64, alpha: f64, p1: f64, p2: f64, cap: i32): i32 {
  const S = state + 16, m = S + (<usize>STATS << 3);
  const q = on_conformal_radius(method, state, cap);
  const covered = s <= q;
  const t = ld(state, 0) + 1.0;
  st(state, 0, t);
  if (covered) st(S, 1, ld(S, 1) + 1.0);
  if (q == Infinity) st(S, 3, ld(S, 3) + 1.0); else st(S, 2, ld(S, 2) + 2.0 * q);
  const mx = Math.max(ld(S, 4), s);
  st(S, 4, mx);
  const tau = 1.0 - alpha, D = p1 > 0 ? p1 : mx;
  if (method == 0) {
    st(m, 0, ld(m, 0) + p1 * (alpha - (covered ? 0.0 : 1.0)));
    const ring = m + 24, sorted = ring + (<usize>cap << 3);
    let cnt = <i32>ld(m, 1), head = <i32>ld(m, 2);
    if (cnt == cap) {
      const old = ld(ring, head);
      st(ring, head, s);
      head = head + 1 == cap ? 0 : head + 1;
      // drop one copy of `old` from the sorted window
      let j = 0;
      while (ld(sorted, j) != old) j++;
      for (; j < cnt - 1; j++) st(sorted, j, ld(sorted, j + 1));
      cnt--;
    } else {
      let at = head + cnt;
      if (at >= cap) at -= cap;
      st(ring, at, s);
    }
    let j = cnt;
    while (j > 0 && ld(sorted, j - 1) > s) { st(sorted, j, ld(sorted, j - 1)); j--; }
    st(sorted, j, s);
    st(m, 1, <f64>(cnt + 1)); st(m, 2, <f64>head);
  } else if (method == 1) {
    const gr = pinGrad(s, q, tau);
    const G = ld(m, 0) + gr * gr;
    st(m, 0, G);
    if (G > 0 && D > 0) st(S, 0, Math.max(0.0, q - (D / Math.sqrt(G)) * gr));
  } else {
    const meta = pin(s, q, tau), norm = D * Math.max(tau, 1.0 - tau);
    for (let j = 0; j < cap; j++) {
      const sl = m + (<usize>(j * SLOT) << 3);
      if (ld(sl, 0) == 0) continue;
      const w = betOf(sl), qi = ld(sl, 1);
      let gc = norm > 0 ? (meta - pin(s, qi, tau)) / norm : 0.0;
      gc = Math.min(Math.max(gc, w > 0 ? -1.0 : 0.0), 1.0);
      st(sl, 3, ld(sl, 3) + gc);
      st(sl, 4, ld(sl, 4) + gc * w);
      st(sl, 5, ld(sl, 5) + 1.0);
      const gr = pinGrad(s, qi, tau);
      const G = ld(sl, 2) + gr * gr;
      st(sl, 2, G);
      if (G > 0 && D > 0) st(sl, 1, Math.max(0.0, qi - (D / Math.sqrt(G)) * gr));
    }
    // round t + 1: retire the experts whose lifetime ended, start one at the aggregate
    const next = t + 1.0;
    let free = -1;
    for (let j = 0; j < cap; j++) {
      const sl = m + (<usize>(j * SLOT) << 3);
      const born = ld(sl, 0);
      if (born != 0 && born + lifetime(born, p2) <= next) { for (let f = 0; f < SLOT; f++) st(sl, f, 0.0); }
      if (free < 0 && ld(sl, 0) == 0) free = j;
    }
    if (free < 0) return -1;
    const v = aggregate(m, cap, q);
    const sl = m + (<usize>(free * SLOT) << 3);
    st(sl, 0, next); st(sl, 1, v);
    st(S, 0, aggregate(m, cap, v));
  }
  return covered ? 1 : 0;
}

/** Initial state: ACI α_1 = α; SF-OGD q = q0; SAOCP one expert born at round 1 at q0. */
export function on_conformal_init(method: i32, state: usize, alpha: f64, q0: f64): void {
  const S = state + 16, m = S + (<usize>STATS << 3);
  if (method == 0) { st(m, 0, alpha); return; }
  st(S, 0, q0);
  if (method == 2) { st(m, 0, 1.0); st(m, 1, q0); }
}
