// Independent JS references of the simulator (src/bandits/simulate.ts, assembly/bandits/env.ts): the
// environments' reward draws and a whole simulation of UCB1, written from the documented definitions
// with IEEE double arithmetic in the kernels' order and the engine's transcendentals `M`.
import { uniformRef, normalRef, ucb1Ref, learnStatsRef } from './reference-bandits.mjs';
import { tsRef } from './reference-bandits-randomized.mjs';

export const S_ENV = 0xE0000001;
export const S_TESTBED = 0xE0000002;
export const KIND = { bernoulli: 0, gaussian: 1, poisson: 2, exponential: 3, deterministic: 4 };
export const keyOf = (seed) => [seed % 4294967296, Math.floor(seed / 4294967296)];

/** Reward of arm k (mean m, sd) in repetition r at round t under env key `key`. */
export function drawRef(kind, m, sd, key, r, t, k, M) {
  if (kind === 0) return uniformRef(key, [r, t], S_ENV, k) < m ? 1 : 0;
  if (kind === 1) return m + sd * normalRef(key, [r, t], S_ENV, k, M);
  if (kind === 2) {
    const u = uniformRef(key, [r, t], S_ENV, k);
    let p = M.exp(-m), F = p, x = 0;
    while (u >= F && x < 20000) { x++; p = (p * m) / x; F += p; if (p === 0 && x > m) break; }
    return x;
  }
  if (kind === 3) return -m * M.log(1 - uniformRef(key, [r, t], S_ENV, k));
  return m;
}

/** The testbed's means of repetition r. */
export const testbedRef = (key, r, K, M) => Array.from({ length: K }, (_, k) => normalRef(key, [r, 0xFFFFFFFF], S_TESTBED, k, M));

/**
 * UCB1 simulated R times on a stationary or piecewise env ({ kind, segments: [{ start, means, sds }] }),
 * policy seed `seed`: mean regret (moments in repetition order, two passes) at the checkpoints and mean pulls.
 */
export function simulateUcb1Ref(env, opts, M) {
  return simulateRef(env, opts, M, (st, active, key, h) => ucb1Ref(st, active, opts.alpha ?? 1, key, h, M).arm);
}
/** BernoulliTS (prior Beta(alpha, beta), no propensity draws) simulated as simulateUcb1Ref does UCB1. */
export function simulateTsRef(env, opts, M) {
  const prior = { kind: 'beta', a: opts.alpha ?? 1, b: opts.beta ?? 1 };
  return simulateRef(env, opts, M, (st, active, key, h) => tsRef(st, active, prior, 0, key, h, M).arm);
}
/** The simulation loop for a policy whose decision is decide(stats, active, key, eventKey) on the shared statistics. */
function simulateRef(env, { T, R, seed, envSeed = seed, checkpoints }, M, decide) {
  const K = env.segments[0].means.length, key = keyOf(seed), ekey = keyOf(envSeed);
  const st = Array.from({ length: R }, () => ({ pulls: new Float64Array(K), rewards: new Float64Array(K), squares: new Float64Array(K) }));
  const regret = new Float64Array(R), pulls = new Float64Array(R * K), active = new Array(K).fill(true);
  const mean = [], sd = [];
  let seg = 0;
  for (let t = 0; t < T; t++) {
    while (seg + 1 < env.segments.length && t >= env.segments[seg + 1].start) seg++;
    const { means, sds } = env.segments[seg];
    let best = -Infinity;
    for (let k = 0; k < K; k++) if (means[k] > best) best = means[k];
    const arms = st.map((s, r) => decide(s, active, key, [t, r]));
    for (let r = 0; r < R; r++) {
      const a = arms[r];
      const x = drawRef(env.kind, means[a], sds[a], ekey, r, t, a, M);
      regret[r] += best - means[a];
      pulls[r * K + a] += 1;
      learnStatsRef(st[r], a, x);
    }
    if (checkpoints.includes(t + 1)) {
      let s = 0;
      for (let r = 0; r < R; r++) s += regret[r];
      const m = s / R;
      let q = 0;
      for (let r = 0; r < R; r++) { const d = regret[r] - m; q += d * d; }
      mean.push(m); sd.push(R > 1 ? Math.sqrt(q / (R - 1)) : 0);
    }
  }
  const colm = Array.from({ length: K }, (_, k) => { let s = 0; for (let r = 0; r < R; r++) s += pulls[r * K + k]; return s / R; });
  return { mean, sd, pulls: colm };
}

export const S_CTX = 0xE0000003;
/** The linear env's context of repetition r at round t, the arm means xᵀθ_k (summed in j order) and the best. */
export function linearRef(theta, d, key, r, t, M) {
  const x = Array.from({ length: d }, (_, j) => normalRef(key, [r, t], S_CTX, j, M));
  const mu = theta.map((row) => { let m = 0; for (let j = 0; j < d; j++) m += x[j] * row[j]; return m; });
  return { x, mu, best: Math.max(...mu) };
}

/** Stream of the hybrid env's per-arm shared features (assembly/bandits/env.ts S_SHARED). */
export const S_SHARED = 0xE0000004;
/** The hybrid linear env at repetition r, round t: x as linearRef, z_a (k numbers per arm), μ_a = xᵀθ_a + z_aᵀβ (sums in j order, x's first). */
export function hybridRef(theta, d, beta, key, r, t, M) {
  const { x } = linearRef(theta, d, key, r, t, M), k = beta.length;
  const z = theta.map((_, a) => Array.from({ length: k }, (_, j) => normalRef(key, [r, t], S_SHARED, a * k + j, M)));
  const mu = theta.map((row, a) => { let m = 0; for (let j = 0; j < d; j++) m += x[j] * row[j]; let s = 0; for (let j = 0; j < k; j++) s += z[a][j] * beta[j]; return m + s; });
  return { x, z, mu, best: Math.max(...mu) };
}
/** The disjoint model's one-θ block features: row a = e_a ⊗ x (K rows of K·d numbers). */
export const blockRef = (x, K) => Array.from({ length: K }, (_, a) => Array.from({ length: K * x.length }, (_, j) => (Math.floor(j / x.length) === a ? x[j % x.length] : 0)));
