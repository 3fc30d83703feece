// Randomized context-free policies over the shared statistics (./stats.ts): ε-greedy (fixed and
// decreasing ε), softmax (Boltzmann) and explore-then-commit. Every decision draws from the
// counter-based PRNG (../core/rng.ts) keyed by (seed, event hash), so it is a pure function of the
// state and the event; the propensity is the exact probability of the chosen arm under that state.
// Scalar f64 code only (the same instructions in the SIMD and scalar builds, so the same bits).
import { exp_f64 } from '../core/math';
import { uniform } from '../core/rng';
import { f64at, setf64, active, pickMax, tieCount, totalPulls, S_EXPLORE, S_UNIFORM } from './common';

/** The `j`-th active arm (0-based) of K, or -1. */
function nthActive(mask: usize, K: i32, j: i32): i32 {
  for (let k = 0; k < K; k++) if (active(mask, k)) { if (j == 0) return k; j--; }
  return -1;
}

/** Number of active arms. */
function activeCount(mask: usize, K: i32): i32 {
  let c = 0;
  for (let k = 0; k < K; k++) if (active(mask, k)) c++;
  return c;
}

/**
 * ε-greedy (MABWiser's EpsilonGreedy semantics): with probability ε a uniformly random active arm,
 * otherwise the arm with the largest mean (sum / pulls; 0 for an arm never pulled), ties broken by
 * pickMax (stream S_TIE). The coin is draw 0 of S_EXPLORE (explore when u < ε), the random arm
 * floor(u'·K_active) with u' draw 0 of S_UNIFORM. mode 0: ε = eps; mode 1 (Auer et al. 2002,
 * ε_t-greedy): ε = min(1, c·K_active / (d²·t)) with t = total pulls + 1 (the round being played).
 * Scores: the means (-Infinity for removed arms). Propensity of the chosen arm a:
 * ε/K_active + (1 − ε)/#ties when a is one of the tied greedy arms, else ε/K_active.
 */
export function bd_egreedy_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                                  k0: u32, k1: u32, hashes: usize, mode: i32, eps: f64, c: f64, d: f64,
                                  outArm: usize, outProp: usize, outScores: usize): void {
  const Ka = activeCount(mask, K);
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    for (let k = 0; k < K; k++) {
      const n = f64at(pulls, k);
      setf64(sc, k, !active(mask, k) ? -Infinity : n > 0.0 ? f64at(sums, k) / n : 0.0);
    }
    let e = eps;
    if (mode == 1) {
      const t = totalPulls(pulls, K) + 1.0;
      e = c * <f64>Ka / (d * d * t);
      if (!(e < 1.0)) e = 1.0;
    }
    const h = hashes + (<usize>r << 3), h0 = load<u32>(h), h1 = load<u32>(h + 4);
    const g = pickMax(sc, K, mask, k0, k1, h0, h1);
    const ties = tieCount;
    let arm = g;
    if (uniform(k0, k1, h0, h1, S_EXPLORE, 0) < e) {
      let j = <i32>(uniform(k0, k1, h0, h1, S_UNIFORM, 0) * <f64>Ka);
      if (j >= Ka) j = Ka - 1;
      arm = nthActive(mask, K, j);
    }
    store<i32>(outArm + (<usize>r << 2), arm);
    let p = e / <f64>Ka;
    if (arm >= 0 && f64at(sc, arm) == f64at(sc, g)) p += (1.0 - e) / <f64>ties;
    setf64(outProp, r, arm < 0 ? 0.0 : p);
  }
}

/**
 * Softmax / Boltzmann exploration (MABWiser's Softmax): p_k = exp((m_k − max_j m_j)/τ) / Σ_j exp((m_j −
 * max)/τ) over the active arms, m_k = sum / pulls (0 for an arm never pulled); the max is subtracted
 * before exp (log-sum-exp stable: every exponent ≤ 0, the largest term is exactly 1). The arm is the
 * first active k whose running sum of p (arm order) exceeds u, u = draw 0 of S_UNIFORM (the last active
 * arm with p > 0 if rounding leaves the total at or below u). Scores: p (-Infinity for removed arms);
 * propensity: p of the chosen arm.
 */
export function bd_softmax_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                                  k0: u32, k1: u32, hashes: usize, tau: f64, outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    let mx: f64 = -Infinity;
    for (let k = 0; k < K; k++) {
      if (!active(mask, k)) continue;
      const n = f64at(pulls, k);
      const m = n > 0.0 ? f64at(sums, k) / n : 0.0;
      setf64(sc, k, m);
      if (m > mx) mx = m;
    }
    let S: f64 = 0;
    for (let k = 0; k < K; k++) {
      if (!active(mask, k)) { setf64(sc, k, -Infinity); continue; }
      const w = exp_f64((f64at(sc, k) - mx) / tau);
      setf64(sc, k, w);
      S += w;
    }
    for (let k = 0; k < K; k++) if (active(mask, k)) setf64(sc, k, f64at(sc, k) / S);
    const h = hashes + (<usize>r << 3);
    const u = uniform(k0, k1, load<u32>(h), load<u32>(h + 4), S_UNIFORM, 0);
    let arm = -1, last = -1;
    let cum: f64 = 0;
    for (let k = 0; k < K; k++) {
      if (!active(mask, k)) continue;
      const p = f64at(sc, k);
      if (p > 0.0) last = k;
      cum += p;
      if (cum > u) { arm = k; break; }
    }
    if (arm < 0) arm = last;
    store<i32>(outArm + (<usize>r << 2), arm);
    setf64(outProp, r, arm < 0 ? 0.0 : f64at(sc, arm));
  }
}

/**
 * Explore-then-commit (Garivier, Lattimore & Kaufmann 2016's ETC with a fixed budget m per arm).
 * Slots: pulls | rewards | squares | first (the sum of each arm's first m rewards). While an active arm
 * has fewer than m pulls, the arm is drawn uniformly among those (scores +Infinity for them, first/m for
 * the others; pickMax tie-break on the event, propensity 1/#such arms). Once every active arm has m
 * pulls the policy commits: the arm with the largest first/m (the mean of its first m rewards), ties
 * broken by pickMax with the event hash (0, 0), i.e. once per seed and the same for every event, so the
 * choice is deterministic given the state: propensity 1. Scores: first/m (-Infinity for removed arms).
 */
export function bd_etc_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                              k0: u32, k1: u32, hashes: usize, m: f64, outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), first = pulls + (<usize>(3 * Kp) << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    let exploring = false;
    for (let k = 0; k < K; k++) {
      if (!active(mask, k)) { setf64(sc, k, -Infinity); continue; }
      if (f64at(pulls, k) < m) { setf64(sc, k, Infinity); exploring = true; } else setf64(sc, k, f64at(first, k) / m);
    }
    const h = hashes + (<usize>r << 3);
    const arm = exploring ? pickMax(sc, K, mask, k0, k1, load<u32>(h), load<u32>(h + 4)) : pickMax(sc, K, mask, k0, k1, 0, 0);
    store<i32>(outArm + (<usize>r << 2), arm);
    setf64(outProp, r, arm < 0 ? 0.0 : exploring ? 1.0 / <f64>tieCount : 1.0);
  }
}

/**
 * ETC's learn: the shared fold (pulls += 1, rewards += r, squares += r²) of events in order, and
 * first += r while the arm had fewer than m pulls before the event.
 */
export function bd_etc_learn(state: usize, stride: i32, Kp: i32, n: i32, copies: usize, arms: usize, rewards: usize, m: f64): void {
  for (let i = 0; i < n; i++) {
    const base = state + (<usize>load<i32>(copies + (<usize>i << 2)) * <usize>stride << 3);
    const a = load<i32>(arms + (<usize>i << 2));
    const r = f64at(rewards, i);
    const n0 = f64at(base, a);
    if (n0 < m) setf64(base, 3 * Kp + a, f64at(base, 3 * Kp + a) + r);
    setf64(base, a, n0 + 1.0);
    setf64(base, Kp + a, f64at(base, Kp + a) + r);
    setf64(base, 2 * Kp + a, f64at(base, 2 * Kp + a) + r * r);
  }
}
