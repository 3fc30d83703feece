// Regret rates of the ε-greedy policies (src/bandits/randomized.ts) against their theory, through
// bandits.simulate (R = 100 seeded repetitions as policy copies, rewards drawn in wasm):
// * constant ε (EpsilonGreedy): a round explores with probability ε and then plays a uniform arm, so once
//   the greedy arm is the best one the expected regret per round is ε·Σ_a Δ_a/K = ε·(mean gap of the
//   K − 1 suboptimal arms)·(K − 1)/K: regret grows linearly with that slope. On μ = (0.1, …, 0.9),
//   T = 2·10^4, the least-squares slope of the mean regret over t in [T/4, T] (16 checkpoints) must be
//   within 3% of it, for ε = 0.05 and 0.2.
// * ε_t = min(1, cK/(d²t)) (EpsilonDecreasing, Auer, Cesa-Bianchi & Fischer 2002) under their
//   conditions c > 5 (c = 6) and 0 < d ≤ the smallest gap (d = 0.2): exploration costs
//   Σ_t ε_t·ΣΔ/K = (c/d²)·ΣΔ·ln(t2/t1) between rounds cK/d² < t1 < t2, and the greedy arm is the best
//   one with probability → 1, so the regret is logarithmic: on μ = (0.3, 0.5, 0.7), T = 10^5, the
//   increase per unit of ln t over each of the last two decades must be within 5% of (c/d²)·ΣΔ (a
//   linear regret would grow tenfold from one decade to the next), and the regret per round at T
//   under 1% (constant ε = 0.1 costs ε·ΣΔ/K = 2% per round here).
// Measured figures are printed (console.log); all seeded, so they are the same every run.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';

const gaps = (mu) => { const b = Math.max(...mu); return mu.reduce((s, m) => s + (b - m), 0); };
/** Least-squares slope of y on x. */
const slope = (x, y) => {
  const n = x.length, mx = x.reduce((a, b) => a + b) / n, my = y.reduce((a, b) => a + b) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; }
  return sxy / sxx;
};

test('constant-ε greedy has linear regret with slope ε·ΣΔ/K (μ = 0.1 … 0.9, R = 100, T = 2e4; ε = 0.05, 0.2)', async () => {
  const e = await init({ threads: 1 });
  const mu = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], K = mu.length, T = 20000;
  const cps = Array.from({ length: 16 }, (_, i) => T / 4 + (i * (3 * T)) / 4 / 15);
  for (const eps of [0.05, 0.2]) {
    const r = bandits.simulate(e, { env: { type: 'bernoulli', means: mu }, policies: [{ policy: 'EpsilonGreedy', options: { epsilon: eps } }], horizon: T, repetitions: 100, seed: 5, checkpoints: cps });
    const s = slope(cps, Array.from(r.policies[0].regret.mean)), want = (eps * gaps(mu)) / K;
    console.log(`EpsilonGreedy ε = ${eps}: regret slope over [T/4, T] ${s.toFixed(5)} per round, theory ε·ΣΔ/K = ${want.toFixed(5)} (ratio ${(s / want).toFixed(4)}); regret at T ${r.policies[0].regret.mean.at(-1).toFixed(1)}`);
    assert.ok(Math.abs(s / want - 1) <= 0.03, `ε = ${eps}: slope ${s} vs ${want}`);
  }
  await e.dispose();
}, 60_000);

test('decreasing ε_t = min(1, cK/(d²t)) has logarithmic regret at the rate (c/d²)·ΣΔ per unit of ln t (μ = 0.3, 0.5, 0.7, c = 6, d = 0.2, R = 100, T = 1e5)', async () => {
  const e = await init({ threads: 1 });
  const mu = [0.3, 0.5, 0.7], c = 6, d = 0.2, T = 100000;
  const r = bandits.simulate(e, { env: { type: 'bernoulli', means: mu }, policies: [{ policy: 'EpsilonDecreasing', options: { c, d } }], horizon: T, repetitions: 100, seed: 5, checkpoints: [1000, 10000, T] });
  const m = r.policies[0].regret.mean, rate = (c / (d * d)) * gaps(mu);
  const per = [(m[1] - m[0]) / Math.log(10), (m[2] - m[1]) / Math.log(10)];
  console.log(`EpsilonDecreasing: regret at 1e3, 1e4, 1e5 = ${Array.from(m, (x) => x.toFixed(1)).join(', ')}; per unit ln t over the two decades ${per.map((x) => x.toFixed(2)).join(', ')}, theory (c/d²)·ΣΔ = ${rate.toFixed(2)} (ratios ${per.map((x) => (x / rate).toFixed(4)).join(', ')}); regret per round at T ${(m[2] / T).toFixed(5)}`);
  for (const x of per) assert.ok(Math.abs(x / rate - 1) <= 0.05, `per unit ln t ${x} vs ${rate}`);
  assert.ok(m[2] / T < 0.01, `regret per round at T ${m[2] / T}`);
  await e.dispose();
}, 60_000);
