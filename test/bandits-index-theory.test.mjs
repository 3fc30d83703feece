// Theory checks of the index policies over seeded repetitions, run as policy copies (copies: R, one
// decideCopies/learnCopies call per round for all R repetitions); rewards from a seeded test-side
// generator (mulberry32), so every number below is deterministic.
// * Lai & Robbins: on Bernoulli arms μ = (0.1, …, 0.9) and μ = (0.8, 0.9), R = 100 repetitions of
//   T = 1e5 rounds, the pseudo-regret R(T) = Σ_t (μ* − μ_{a_t}) averaged over the repetitions and
//   divided by ln T is compared with C(μ) = Σ_{a ≠ *} (μ* − μ_a)/kl(μ_a, μ*): KL-UCB (Bernoulli, c = 0)
//   must give a ratio in [0.85, 1.15] ("within 15%"), UCB1 a ratio above 1.5 (it is not asymptotically
//   optimal: its constant is Σ 2/Δ_a per unit of ln T, here ~6 times C(μ)).
// * Sutton & Barto's 10-armed testbed (per repetition q_a ~ N(0, 1), arm a pays N(q_a, 1)); UCB-V and
//   MOSS need bounded rewards, so the rewards are mapped into [0, 1] by (r + 6)/12, clipped (|r| > 6
//   has probability < 0.3% for |q| < 3), the regret counted in the testbed's units Σ (q* − q_a);
//   R = 200 repetitions of T = 1e4 rounds: MOSS (horizon T), MOSS-anytime and UCB-V must have a mean
//   regret at most 0.8 × UCB1's. A Bernoulli variant (arm a pays Bernoulli(Φ(q_a)); R = 100) checks MOSS and
//   MOSS-anytime the same way and reports UCB-V, which loses to UCB1 there (see that test).
// The measured numbers are printed (console.log) for the record.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';

/** mulberry32: the test's own reward source. */
const mulberry = (a) => () => { a |= 0; a = (a + 0x6D2B79F5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const klB = (p, q) => p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
const laiRobbins = (mu) => { const b = Math.max(...mu); return mu.reduce((s, m) => (m < b ? s + (b - m) / klB(m, b) : s), 0); };

/**
 * Mean pseudo-regret Σ_t gap(r, a_t) over the R copies of `policy` after T rounds; copy r's reward
 * for arm a is draw(r, a) (test-side randomness).
 */
function simulate(policy, R, T, draw, gap) {
  const copies = Int32Array.from({ length: R }, (_, r) => r), rewards = new Float64Array(R), arms = new Int32Array(R), h = new Uint32Array(2 * R);
  let regret = 0;
  for (let t = 0; t < T; t++) {
    for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
    const d = policy.decideCopies(h);
    for (let r = 0; r < R; r++) {
      const a = d.arms[r];
      arms[r] = a; rewards[r] = draw(r, a); regret += gap(r, a);
    }
    policy.learnCopies(copies, arms, rewards);
  }
  return regret / R;
}
/** Bernoulli arms: copy r's arm a pays 1 with probability means[r][a]. */
const bernoulli = (means, seed) => {
  const u = mulberry(seed), best = means.map((m) => Math.max(...m));
  return [(r, a) => (u() < means[r][a] ? 1 : 0), (r, a) => best[r] - means[r][a]];
};

const engine = () => init({ threads: 2 });

for (const mu of [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], [0.8, 0.9]]) {
  test(`KL-UCB's regret/ln T is within 15% of the Lai–Robbins constant, UCB1's far above (μ = ${mu.join(', ')}; R = 100, T = 1e5)`, async () => {
    const e = await engine();
    const R = 100, T = 1e5, K = mu.length, C = laiRobbins(mu);
    const means = Array.from({ length: R }, () => mu);
    const kl = new bandits.KLUCB(e, { arms: K, copies: R, seed: 1 });
    const rk = simulate(kl, R, T, ...bernoulli(means, 7)) / Math.log(T) / C;
    const ucb = new bandits.UCB1(e, { arms: K, copies: R, seed: 1 });
    const ru = simulate(ucb, R, T, ...bernoulli(means, 7)) / Math.log(T) / C;
    console.log(`μ = (${mu.join(', ')}): C(μ) = ${C.toFixed(4)}; regret(T)/ln T / C(μ) at T = 1e5 over ${R} repetitions: KL-UCB ${rk.toFixed(4)}, UCB1 ${ru.toFixed(4)}`);
    assert.ok(rk >= 0.85 && rk <= 1.15, `KL-UCB ratio ${rk}`);
    assert.ok(ru > 1.5, `UCB1 ratio ${ru}`);
    await e.dispose();
  }, 120_000);
}

/** Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7: a test-side map of the testbed's means). */
const Phi = (x) => {
  const z = Math.abs(x) / Math.SQRT2, t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return 0.5 * (1 + (x < 0 ? -erf : erf));
};

const TESTBED = (e, T, o) => [['UCB1', new bandits.UCB1(e, o)], ['MOSS', new bandits.MOSS(e, { ...o, horizon: T })],
  ['MOSSAnytime', new bandits.MOSSAnytime(e, o)], ['UCBV', new bandits.UCBV(e, o)]];

test('MOSS, MOSS-anytime and UCB-V beat UCB1 on the 10-armed testbed, Gaussian rewards mapped into [0, 1] by (r + 6)/12 (R = 200, T = 1e4)', async () => {
  const e = await engine();
  const R = 200, T = 1e4, K = 10, g = mulberry(2024);
  const normal = () => Math.sqrt(-2 * Math.log(1 - g())) * Math.cos(2 * Math.PI * g());
  const q = Array.from({ length: R }, () => Array.from({ length: K }, normal));
  const best = q.map((m) => Math.max(...m));
  const res = {};
  for (const [name, p] of TESTBED(e, T, { arms: K, copies: R, seed: 3 })) {
    const w = mulberry(11), nw = () => Math.sqrt(-2 * Math.log(1 - w())) * Math.cos(2 * Math.PI * w());
    // reward N(q_a, 1) mapped by (r + 6)/12 and clipped to [0, 1] (clipping needs |r| > 6); regret in the testbed's units
    res[name] = simulate(p, R, T, (r, a) => Math.min(1, Math.max(0, (q[r][a] + nw() + 6) / 12)), (r, a) => best[r] - q[r][a]);
    p.free();
  }
  console.log(`10-armed testbed, N(q, 1) rewards as (r + 6)/12, mean regret (units of q) at T = 1e4 over ${R} repetitions: ${Object.entries(res).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  for (const k of ['MOSS', 'MOSSAnytime', 'UCBV']) assert.ok(res[k] <= 0.8 * res.UCB1, `${k} ${res[k]} vs UCB1 ${res.UCB1}`);
  await e.dispose();
}, 120_000);

test('the Bernoulli variant of the testbed (arm a pays Bernoulli(Φ(q_a))): MOSS and MOSS-anytime beat UCB1; UCB-V is reported, not asserted (R = 100, T = 1e4)', async () => {
  // Bernoulli arms have near-maximal variance, so UCB-V's variance term gains little over UCB1 and its
  // range term 3cζ ln t/n costs: at T = 1e4 it does worse than UCB1 here (printed below).
  const e = await engine();
  const R = 100, T = 1e4, K = 10, g = mulberry(2024);
  const normal = () => Math.sqrt(-2 * Math.log(1 - g())) * Math.cos(2 * Math.PI * g());
  const means = Array.from({ length: R }, () => Array.from({ length: K }, () => Phi(normal())));
  const res = {};
  for (const [name, p] of TESTBED(e, T, { arms: K, copies: R, seed: 3 })) {
    res[name] = simulate(p, R, T, ...bernoulli(means, 11));
    p.free();
  }
  console.log(`10-armed testbed, Bernoulli(Φ(q)) rewards, mean regret at T = 1e4 over ${R} repetitions: ${Object.entries(res).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  for (const k of ['MOSS', 'MOSSAnytime']) assert.ok(res[k] <= 0.8 * res.UCB1, `${k} ${res[k]} vs UCB1 ${res.UCB1}`);
  await e.dispose();
}, 120_000);
