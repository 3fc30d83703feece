// Simulation environments and the simulator's accumulators (src/bandits/envs.ts, simulate.ts): reward
// draws, regret, collected mean reward and pulls of R repetitions in one call per round.
//
// Reward of arm k in repetition r at round t (0-based) under the environment's key (k0, k1):
//   philox(key, counter = (r, t, S_ENV, k)), read by the arm's distribution (below),
// so the whole reward table X[r, t, k] is fixed by (env seed, r, t, k) before any policy runs: every
// policy of a comparison meets the same rewards (common random numbers), in every build and thread split.
// Distributions (kind): 0 Bernoulli(p): 1 if u < p; 1 Gaussian(m, sd): m + sd·z (z: the core's
// Box–Muller normal); 2 Poisson(λ): inversion of u by the pmf recursion p_{x+1} = p_x·λ/(x+1) from
// p_0 = exp(−λ) (λ ≤ 700, so p_0 is a normal f64); 3 exponential(mean m): −m·log(1 − u);
// 4 deterministic (adversarial sequences): the value itself.
// u = uniform (words 0-1 of the block, 53 bits, [0, 1)), z = normal (the whole block).
import { uniform, normal } from '../core/rng';
import { exp_f64, log_f64 } from '../core/math';
import { f64at, setf64 } from './common';

/** Stream of the environment's reward draws (third counter word; far from the policies' streams). */
export const S_ENV: u32 = 0xE0000001;
/** Stream of the 10-armed testbed's means: normal(key, (r, 0xFFFFFFFF, S_TESTBED, k)). */
export const S_TESTBED: u32 = 0xE0000002;
/** Most Poisson draws' support scanned (beyond it the draw is the last value reached). */
const POISSON_CAP: i32 = 20000;

// @ts-ignore: decorator
@inline function draw(kind: i32, m: f64, sd: f64, k0: u32, k1: u32, r: u32, t: u32, k: u32): f64 {
  if (kind == 0) return uniform(k0, k1, r, t, S_ENV, k) < m ? 1.0 : 0.0;
  if (kind == 1) return m + sd * normal(k0, k1, r, t, S_ENV, k);
  if (kind == 2) {
    const u = uniform(k0, k1, r, t, S_ENV, k);
    let p = exp_f64(-m), F = p, x = 0;
    while (u >= F && x < POISSON_CAP) { x++; p = p * m / <f64>x; F += p; if (p == 0.0 && <f64>x > m) break; }
    return <f64>x;
  }
  if (kind == 3) return -m * log_f64(1.0 - uniform(k0, k1, r, t, S_ENV, k));
  return m;
}

/**
 * One round of repetitions [start, end): arm a = arms[r] (i32) meets its reward, which goes to
 * rewards[r]; regret[r] += best[r·bStride] − μ_a (pseudo-regret against the round's best mean),
 * collected[r] += μ_a, pulls[r·K + a] += 1. The arm's parameters: means[r·pStride + a] and
 * sds[r·pStride + a] (pStride = 0: one table for every repetition). An arm outside [0, K) (no arm
 * chosen) gets reward 0 and changes nothing else.
 */
export function bd_env_step(start: i32, end: i32, kind: i32, K: i32, means: usize, sds: usize, pStride: i32, best: usize, bStride: i32,
                            k0: u32, k1: u32, round: u32, arms: usize, rewards: usize, regret: usize, collected: usize, pulls: usize): void {
  for (let r = start; r < end; r++) {
    const a = load<i32>(arms + (<usize>r << 2));
    if (a < 0 || a >= K) { setf64(rewards, r, 0.0); continue; }
    const o = r * pStride + a;
    const m = f64at(means, o);
    setf64(rewards, r, draw(kind, m, kind == 1 ? f64at(sds, o) : 0.0, k0, k1, <u32>r, round, <u32>a));
    setf64(regret, r, f64at(regret, r) + (f64at(best, r * bStride) - m));
    setf64(collected, r, f64at(collected, r) + m);
    const pp = r * K + a;
    setf64(pulls, pp, f64at(pulls, pp) + 1.0);
  }
}

/** Rewards of every arm for repetitions [start, end) at round `round`: out[r·K + k] (moment tests, adversarial tables). */
export function bd_env_draw(start: i32, end: i32, kind: i32, K: i32, means: usize, sds: usize, pStride: i32, k0: u32, k1: u32, round: u32, out: usize): void {
  for (let r = start; r < end; r++) {
    for (let k = 0; k < K; k++) {
      const o = r * pStride + k;
      setf64(out, r * K + k, draw(kind, f64at(means, o), kind == 1 ? f64at(sds, o) : 0.0, k0, k1, <u32>r, round, <u32>k));
    }
  }
}

/** best[r] = the largest of means[r·pStride .. + K) for rows [start, end) (the round's optimal mean). */
export function bd_env_best(start: i32, end: i32, K: i32, means: usize, pStride: i32, best: usize): void {
  for (let r = start; r < end; r++) {
    let m: f64 = -Infinity;
    for (let k = 0; k < K; k++) { const v = f64at(means, r * pStride + k); if (v > m) m = v; }
    setf64(best, r, m);
  }
}

/** The 10-armed testbed's means (Sutton & Barto §2.3): out[r·K + k] = normal(key, (r, 0xFFFFFFFF, S_TESTBED, k)) for rows [start, end). */
export function bd_env_testbed(start: i32, end: i32, K: i32, k0: u32, k1: u32, out: usize): void {
  for (let r = start; r < end; r++) for (let k = 0; k < K; k++) setf64(out, r * K + k, normal(k0, k1, <u32>r, 0xFFFFFFFF, S_TESTBED, <u32>k));
}

/** Decision keys of round `round` for copies [start, end): words (round, r) at out + 8r (the policies' 64-bit event hashes). */
export function bd_sim_hashes(start: i32, end: i32, out: usize, round: u32): void {
  for (let r = start; r < end; r++) { store<u32>(out + (<usize>r << 3), round); store<u32>(out + (<usize>r << 3) + 4, <u32>r); }
}

/**
 * Moments over n repetitions of v_r = a·x[r] + c, in repetition order (serial: the same bits for any
 * thread count): out = [mean, sample sd (n − 1; 0 for n = 1), min, max]. Two passes (mean, then the
 * squared deviations), so the variance never cancels.
 */
export function bd_sim_moments(n: i32, x: usize, a: f64, c: f64, out: usize): void {
  let s: f64 = 0, lo: f64 = Infinity, hi: f64 = -Infinity;
  for (let r = 0; r < n; r++) { const v = a * f64at(x, r) + c; s += v; if (v < lo) lo = v; if (v > hi) hi = v; }
  const m = s / <f64>n;
  let q: f64 = 0;
  for (let r = 0; r < n; r++) { const d = (a * f64at(x, r) + c) - m; q += d * d; }
  setf64(out, 0, m);
  setf64(out, 1, n > 1 ? Math.sqrt(q / <f64>(n - 1)) : 0.0);
  setf64(out, 2, lo);
  setf64(out, 3, hi);
}

/** Column means of an n × K row-major table, rows summed in order: out[k] = Σ_r x[r·K + k] / n. */
export function bd_sim_colmeans(n: i32, K: i32, x: usize, out: usize): void {
  for (let k = 0; k < K; k++) {
    let s: f64 = 0;
    for (let r = 0; r < n; r++) s += f64at(x, r * K + k);
    setf64(out, k, s / <f64>n);
  }
}

/** Stream of the linear environment's contexts: x_j = normal(key, (r, t, S_CTX, j)). */
export const S_CTX: u32 = 0xE0000003;

/**
 * Linear contextual environment (disjoint model), repetitions [start, end) at round `round`: context
 * x = (x_0 .. x_{d−1}), x_j = normal(key, (r, t, S_CTX, j)) i.i.d. N(0, 1), to ctx[r·d + j]; each arm's
 * mean μ_k = Σ_j x_j θ[k·d + j] (summed in j order, the same in every build) to mu[r·K + k]; the
 * largest to best[r].
 */
export function bd_env_linear_ctx(start: i32, end: i32, d: i32, K: i32, theta: usize, k0: u32, k1: u32, round: u32, ctx: usize, mu: usize, best: usize): void {
  for (let r = start; r < end; r++) {
    const x = ctx + (<usize>(r * d) << 3);
    for (let j = 0; j < d; j++) setf64(x, j, normal(k0, k1, <u32>r, round, S_CTX, <u32>j));
    let b: f64 = -Infinity;
    for (let k = 0; k < K; k++) {
      let m: f64 = 0;
      for (let j = 0; j < d; j++) m += f64at(x, j) * f64at(theta, k * d + j);
      setf64(mu, r * K + k, m);
      if (m > b) b = m;
    }
    setf64(best, r, b);
  }
}

/**
 * One round of the linear environment for repetitions [start, end): reward of arm a = arms[r] is
 * μ_a + noise·normal(key, (r, t, S_ENV, a)) (noise = 0: exactly μ_a); regret[r] += best[r] − μ_a,
 * collected[r] += μ_a, pulls[r·K + a] += 1. An arm outside [0, K) gets reward 0 and changes nothing.
 */
export function bd_env_linear_step(start: i32, end: i32, K: i32, mu: usize, best: usize, noise: f64, k0: u32, k1: u32, round: u32,
                                   arms: usize, rewards: usize, regret: usize, collected: usize, pulls: usize): void {
  for (let r = start; r < end; r++) {
    const a = load<i32>(arms + (<usize>r << 2));
    if (a < 0 || a >= K) { setf64(rewards, r, 0.0); continue; }
    const m = f64at(mu, r * K + a);
    setf64(rewards, r, noise == 0.0 ? m : m + noise * normal(k0, k1, <u32>r, round, S_ENV, <u32>a));
    setf64(regret, r, f64at(regret, r) + (f64at(best, r) - m));
    setf64(collected, r, f64at(collected, r) + m);
    const pp = r * K + a;
    setf64(pulls, pp, f64at(pulls, pp) + 1.0);
  }
}

/** Stream of the hybrid linear environment's per-arm shared features: z_{a,j} = normal(key, (r, t, S_SHARED, a·k + j)). */
export const S_SHARED: u32 = 0xE0000004;

/**
 * Hybrid linear environment (Li et al. 2010's model: a shared β over per-arm features z besides the
 * disjoint θ_a over the context x), repetitions [start, end) at round `round`: x as bd_env_linear_ctx
 * (the same draws) to ctx[r·d + j]; z_{a,j} = normal(key, (r, t, S_SHARED, a·k + j)) to
 * z[(r·K + a)·k + j]; μ_a = Σ_j x_j θ[a·d + j] + Σ_j z_{a,j} β_j (each sum in j order, x's first) to
 * mu[r·K + a]; the largest to best[r].
 */
export function bd_env_hybrid_ctx(start: i32, end: i32, d: i32, K: i32, theta: usize, k: i32, beta: usize, k0: u32, k1: u32, round: u32,
                                  ctx: usize, z: usize, mu: usize, best: usize): void {
  for (let r = start; r < end; r++) {
    const x = ctx + (<usize>(r * d) << 3);
    for (let j = 0; j < d; j++) setf64(x, j, normal(k0, k1, <u32>r, round, S_CTX, <u32>j));
    let b: f64 = -Infinity;
    for (let a = 0; a < K; a++) {
      const za = z + (<usize>((r * K + a) * k) << 3);
      for (let j = 0; j < k; j++) setf64(za, j, normal(k0, k1, <u32>r, round, S_SHARED, <u32>(a * k + j)));
      let m: f64 = 0;
      for (let j = 0; j < d; j++) m += f64at(x, j) * f64at(theta, a * d + j);
      let s: f64 = 0;
      for (let j = 0; j < k; j++) s += f64at(za, j) * f64at(beta, j);
      m += s;
      setf64(mu, r * K + a, m);
      if (m > b) b = m;
    }
    setf64(best, r, b);
  }
}

/**
 * The disjoint linear model in the one-θ form of DLinUCB/SWLinUCB (θ = (θ_0, …, θ_{K−1}) stacked, arm
 * a's feature vector e_a ⊗ x): for repetitions [start, end), out[r] is K rows of K·d numbers, row a
 * holding ctx[r·d ..] in columns [a·d, (a + 1)·d) and zeros elsewhere (so x_aᵀθ = xᵀθ_a exactly).
 */
export function bd_env_block_ctx(start: i32, end: i32, d: i32, K: i32, ctx: usize, out: usize): void {
  const D = K * d;
  for (let r = start; r < end; r++) {
    const x = ctx + (<usize>(r * d) << 3);
    for (let a = 0; a < K; a++) {
      const row = out + (<usize>((r * K + a) * D) << 3);
      for (let j = 0; j < D; j++) setf64(row, j, 0.0);
      for (let j = 0; j < d; j++) setf64(row, a * d + j, f64at(x, j));
    }
  }
}
