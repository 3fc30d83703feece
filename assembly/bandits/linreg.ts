// Regression-oracle contextual policies (src/bandits/regression.ts): ε-greedy and SquareCB (Foster &
// Rakhlin 2020) over per-arm online regressors, ridge (the state and fold of linear.ts) or logistic
// (below). Scores ŷ_k come from bd_lin_score mode 2 (the f32 mean xᵀθ_k), mapped through σ for the
// logistic regressor; bd_lin_prob_pick turns them into the policy's distribution over the offered arms
// and samples it with one uniform draw, so the propensity is that distribution's exact value (f64).
import { exp_f64, log_f64 } from '../core/math';
import { uniform } from '../core/rng';
import { S_EXPLORE } from './common';
import { dot2, refreshArm } from './linear';

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

/** σ(z) = 1 / (1 + e^(−z)) with the deterministic exp (σ(−∞) = 0, σ(+∞) = 1). */
// @ts-ignore: decorator
@inline export function sigmoid(z: f64): f64 { return 1.0 / (1.0 + exp_f64(-z)); }

/**
 * Distribution and choice for contexts [start, end). scores: f64 B×K from bd_lin_score (mode 2), mapped
 * in place to σ(score) when link = 1; offered arms: mask[b·maskB + k] != 0; n = #offered, m = the
 * largest ŷ, c = #arms at m (NaN counts as -Infinity).
 * mode 0 (ε-greedy, p1 = ε): p_k = ε/n + (1 − ε)/c·[ŷ_k = m].
 * mode 1 (SquareCB, Foster & Rakhlin 2020 inverse-gap weighting with μ = n): γ = p1·t^p2 (t = learned
 * events + 1, VW's gamma_scale·t^gamma_exponent; t^p2 = exp(p2·ln t) with the core routines, p2 = 0
 * gives p1 exactly), p_k = 1/(n + γ(m − ŷ_k)) for ŷ_k < m, and the c arms at m share the rest,
 * (1 − Σ_{ŷ_k<m} p_k)/c each (the marginal of Foster & Rakhlin's rule over a uniformly tie-broken b;
 * the sum runs in arm order).
 * Sampling: u = uniform(seed, event, S_EXPLORE, 0); the first offered arm (index order) whose running
 * sum of p exceeds u (the last arm with p > 0 if rounding leaves u above the total).
 * outArm / outProp: the arm and its p (-1 / 0 when nothing is offered).
 */
export function bd_lin_prob_pick(start: i32, end: i32, scores: usize, K: i32, mask: usize, maskB: i32, mode: i32, p1: f64, p2: f64, t: f64, link: i32,
                                 k0: u32, k1: u32, hashes: usize, outArm: usize, outProp: usize): void {
  const gamma = mode == 1 ? (p2 == 0 ? p1 : p1 * exp_f64(p2 * log_f64(t))) : 0.0;
  for (let b = start; b < end; b++) {
    const sc = scores + (<usize>(b * K) << 3), mb = mask + <usize>(b * maskB);
    let n = 0, c = 0, m: f64 = -Infinity;
    for (let k = 0; k < K; k++) {
      if (load<u8>(mb + <usize>k) == 0) continue;
      let v = ld(sc, k);
      if (link == 1) { v = sigmoid(v); st(sc, k, v); }
      if (v != v) v = -Infinity;
      n++;
      if (v > m) { m = v; c = 1; } else if (v == m) c++;
    }
    if (n == 0) { store<i32>(outArm + (<usize>b << 2), -1); store<f64>(outProp + (<usize>b << 3), 0.0); continue; }
    const mu = <f64>n;
    let rest: f64 = 0;
    if (mode == 1) {
      for (let k = 0; k < K; k++) {
        if (load<u8>(mb + <usize>k) == 0) continue;
        let v = ld(sc, k);
        if (v != v) v = -Infinity;
        if (v < m) rest += 1.0 / (mu + gamma * (m - v));
      }
    }
    const top = mode == 0 ? p1 / mu + (1.0 - p1) / <f64>c : (1.0 - rest) / <f64>c, low = mode == 0 ? p1 / mu : 0.0;
    const h = hashes + (<usize>b << 3);
    const u = uniform(k0, k1, load<u32>(h), load<u32>(h + 4), S_EXPLORE, 0);
    let acc: f64 = 0, chosen = -1, last = -1, pc: f64 = 0, pl: f64 = 0;
    for (let k = 0; k < K; k++) {
      if (load<u8>(mb + <usize>k) == 0) continue;
      let v = ld(sc, k);
      if (v != v) v = -Infinity;
      const p = v == m ? top : mode == 0 ? low : 1.0 / (mu + gamma * (m - v));
      if (p > 0) { last = k; pl = p; }
      acc += p;
      if (chosen < 0 && u < acc) { chosen = k; pc = p; }
    }
    if (chosen < 0) { chosen = last; pc = pl; }
    store<i32>(outArm + (<usize>b << 2), chosen);
    store<f64>(outProp + (<usize>b << 3), pc);
  }
}

/**
 * Online logistic regression per arm: one Newton step per event on the accumulated log-loss Hessian
 * (recursive IRLS, i.e. the extended-Kalman-filter / Laplace update of a Gaussian prior N(0, λ⁻¹I) on θ,
 * as in Chapelle & Li 2011's Laplace approximation, here with the full matrix). State per arm: M = A⁻¹ (d×d, A₀ = λI) and θ (d). For event (x, r), r ∈ [0, 1]:
 *   z = θ·x,  p = σ(z),  g = p − r,  h = p(1 − p)
 *   u = M x,  q = x·u,  den = 1 + h q
 *   θ ← θ − (g / den) u            (= θ − g A_new⁻¹ x: the Newton step with the updated Hessian)
 *   w = u √(h / den),  M ← M − w wᵀ (Sherman–Morrison for A ← A + h x xᵀ, exactly symmetric)
 * Sums in dot2's two-lane order; the same operations in the SIMD and scalar builds. Groups as
 * bd_lin_learn (one arm each, events in order); work holds d f64 per group; the cache is refreshed
 * with θ stored directly.
 */
export function bd_lin_learn_logistic(start: i32, end: i32, state: usize, offM: i32, offT: i32, d: i32, groups: usize, order: usize,
                                      ctx: usize, rewards: usize, work: usize, cache: usize, cstride: i32): void {
  for (let g = start; g < end; g++) {
    const gp = groups + (<usize>g * 12);
    const arm = load<i32>(gp), first = load<i32>(gp + 4), count = load<i32>(gp + 8);
    const M = state + (<usize>(offM + arm * d * d) << 3), th = state + (<usize>(offT + arm * d) << 3);
    const u = work + (<usize>(g * d) << 3);
    for (let e = first; e < first + count; e++) {
      const ev = load<i32>(order + (<usize>e << 2));
      const x = ctx + (<usize>(ev * d) << 3), r = ld(rewards, ev);
      const p = sigmoid(dot2(th, x, d));
      const gr = p - r;
      const h = p * (1.0 - p);
      for (let i = 0; i < d; i++) st(u, i, dot2(M + (<usize>(i * d) << 3), x, d));
      const den = 1.0 + h * dot2(x, u, d);
      const cth = gr / den, cw = Math.sqrt(h / den);
      for (let i = 0; i < d; i++) st(th, i, ld(th, i) - cth * ld(u, i));
      for (let i = 0; i < d; i++) st(u, i, ld(u, i) * cw);
      for (let i = 0; i < d; i++) {
        const row = M + (<usize>(i * d) << 3), wi = ld(u, i);
        let j = 0;
        if (ASC_FEATURE_SIMD) {
          const vw = f64x2.splat(wi);
          for (; j + 2 <= d; j += 2) {
            const q = row + (<usize>j << 3);
            v128.store(q, f64x2.sub(v128.load(q), f64x2.mul(vw, v128.load(u + (<usize>j << 3)))));
          }
        }
        for (; j < d; j++) st(row, j, ld(row, j) - wi * ld(u, j));
      }
    }
    refreshArm(M, th, d, cache + (<usize>(arm * cstride) << 2), true);
  }
}
