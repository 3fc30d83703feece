// Sleeping experts (specialists; Freund, Schapire, Singer & Warmuth 1997, Blum & Mansour 2007), the
// aggregation behind groupwise regret (Blum & Lykouris 2020; Acharya et al.'s oracle-efficient groupwise
// regret: one expert per group × base learner, awake when the round's context lies in its group).
// Only the awake experts are played and only they learn. The mixture is the prod-style potential with a
// grid of rates η_k = 2^{−k}/2 (k < K) and a uniform prior over the N·K pairs:
//   p_i ∝ Σ_k η_k·exp(η_k R_i − η_k² V_i)  over the awake i,  R_i = Σ_{s: i awake} (ℓ̂_s − ℓ_{i,s}),
//   V_i = Σ_{s: i awake} (ℓ̂_s − ℓ_{i,s})²,  ℓ̂_s = Σ_awake p_i ℓ_{i,s}  (losses in [0, 1]).
// Since ln(1 + x) ≥ x − x² for x ≥ −1/2 and Σ_awake p_i(ℓ̂ − ℓ_i) = 0, the potential Σ exp(η_k R_i −
// η_k² V_i)/(NK) never grows above 1, so for every expert i, on the rounds it is awake:
//   R_i ≤ min_k [ ln(NK)/η_k + η_k·V_i ]  ≤ 3√(V_i ln(NK)) + 2 ln(NK)  (V_i ≤ its awake rounds).
// Log domain (max-shifted), the core's deterministic exp and log; sums in index order.
import { ld, st } from './common';
import { exp_f64, log_f64 } from '../core/math';

/** p over the experts for the awake mask aw (0/1); returns Σ of the unnormalised weights. */
function sleepingWeights(n: i32, K: i32, R: usize, V: usize, aw: usize, p: usize): void {
  let M: f64 = -Infinity;
  for (let i = 0; i < n; i++) {
    if (ld(aw, i) == 0) continue;
    const r = ld(R, i), v = ld(V, i);
    let eta: f64 = 0.5;
    for (let k = 0; k < K; k++) { const a = eta * r - (eta * eta) * v; if (a > M) M = a; eta *= 0.5; }
  }
  let tot: f64 = 0;
  for (let i = 0; i < n; i++) {
    if (ld(aw, i) == 0) { st(p, i, 0); continue; }
    const r = ld(R, i), v = ld(V, i);
    let eta: f64 = 0.5, s: f64 = 0;
    for (let k = 0; k < K; k++) { s += eta * exp_f64(eta * r - (eta * eta) * v - M); eta *= 0.5; }
    st(p, i, s);
    tot += s;
  }
  for (let i = 0; i < n; i++) st(p, i, ld(p, i) / tot);
}

/** Check an awake mask: -1 when every entry is 0 or 1 and one is 1; i for a bad entry i; n when none is awake. */
export function on_sleeping_check(n: i32, aw: usize): i32 {
  let any = false;
  for (let i = 0; i < n; i++) { const a = ld(aw, i); if (a != 0 && a != 1) return i; if (a == 1) any = true; }
  return any ? -1 : n;
}

/** The mixture for the awake mask aw into p (asleep experts get 0). State: [t, 0, R(n), V(n)]. */
export function on_sleeping_weights(n: i32, K: i32, state: usize, aw: usize, p: usize): void {
  const R = state + 16, V = R + (<usize>n << 3);
  sleepingWeights(n, K, R, V, aw, p);
}

/**
 * One round: p for the mask aw, ℓ̂ = Σ_awake p_i ℓ_i, then R_i += ℓ̂ − ℓ_i and V_i += (ℓ̂ − ℓ_i)² on the
 * awake i, t += 1. Checks first (state untouched on a refusal): returns ℓ̂ ∈ [0, 1], or −1 − i for an
 * awake loss ℓ_i outside [0, 1]. The mask must have passed on_sleeping_check. Scratch: n f64.
 */
export function on_sleeping_update(n: i32, K: i32, state: usize, loss: usize, aw: usize, p: usize): f64 {
  for (let i = 0; i < n; i++) { if (ld(aw, i) == 0) continue; const l = ld(loss, i); if (!(l >= 0 && l <= 1)) return -1.0 - <f64>i; }
  const R = state + 16, V = R + (<usize>n << 3);
  sleepingWeights(n, K, R, V, aw, p);
  let lh: f64 = 0;
  for (let i = 0; i < n; i++) if (ld(aw, i) != 0) lh += ld(p, i) * ld(loss, i);
  for (let i = 0; i < n; i++) {
    if (ld(aw, i) == 0) continue;
    const r = lh - ld(loss, i);
    st(R, i, ld(R, i) + r);
    st(V, i, ld(V, i) + r * r);
  }
  st(state, 0, ld(state, 0) + 1.0);
  return lh;
}

/** The stated bound min_k [ln(NK)/η_k + η_k V_i] of every expert into out. */
export function on_sleeping_bound(n: i32, K: i32, state: usize, out: usize): void {
  const V = state + 16 + (<usize>n << 3), lnNK = log_f64(<f64>n * <f64>K);
  for (let i = 0; i < n; i++) {
    const v = ld(V, i);
    let eta: f64 = 0.5, b: f64 = Infinity;
    for (let k = 0; k < K; k++) { const c = lnNK / eta + eta * v; if (c < b) b = c; eta *= 0.5; }
    st(out, i, b);
  }
}
