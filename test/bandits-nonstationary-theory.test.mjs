// The non-stationary policies beat their stationary versions on a piecewise-stationary Bernoulli
// problem: K = 3 arms, T = 20,000 rounds, change points at 5,000, 10,000 and 15,000 where the best arm
// changes every time and the first best arm crashes, then comes back (means below: the case where
// UCB1's long memory hurts: the returning arm's mean is dragged down by its crash), R = 20 seeded repetitions as copies of one policy (one decideCopies
// and one learnCopies call per round). Dynamic regret = Σ_t (max_k μ_k(t) − μ_{A_t}(t)), averaged over
// the copies. Each passive policy and each change-detection wrapper must have at most 1/FACTOR of the
// regret of its stationary version (UCB1 for the UCB policies and wrappers, Beta Thompson sampling
// with plain counts = DiscountedTS with γ = 1 for discounted TS); the measured ratios are printed.
// Rewards come from a test-side LCG (the environment's randomness, not the library's).
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';

const T = 20_000, R = 20, K = 3;
const SEGMENTS = [[0.2, 0.8, 0.3], [0.7, 0.1, 0.3], [0.3, 0.9, 0.2], [0.1, 0.4, 0.8]];
const mu = (t) => SEGMENTS[Math.floor((t * SEGMENTS.length) / T)];

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const cache = new Map();
/** Mean dynamic regret over the R copies of policy `make()` (memoized by name). */
function regret(name, make) {
  if (cache.has(name)) return cache.get(name);
  const p = make();
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const copies = Int32Array.from({ length: R }, (_, r) => r), rewards = new Float64Array(R), h = new Uint32Array(2 * R);
  let reg = 0;
  for (let t = 0; t < T; t++) {
    const m = mu(t), best = Math.max(...m);
    for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
    const arms = p.decideCopies(h).arms.slice();
    for (let r = 0; r < R; r++) { rewards[r] = rnd() < m[arms[r]] ? 1 : 0; reg += best - m[arms[r]]; }
    p.learnCopies(copies, arms, rewards);
  }
  p.free();
  const v = reg / R;
  cache.set(name, v);
  return v;
}
const o = { arms: K, seed: 1, copies: R };
const ucb1 = () => regret('UCB1', () => new bandits.UCB1(e, o));
const FACTOR = 2;
const check = (name, base, got) => {
  console.log(`${name}: dynamic regret ${got.toFixed(1)} vs ${base.toFixed(1)} stationary: ${(base / got).toFixed(2)}x better (asserted >= ${FACTOR}x)`);
  assert.ok(base / got >= FACTOR, `${name}: ${(base / got).toFixed(2)}x`);
};

// parameters tuned once on this problem (Garivier & Moulines' τ = 2√(T ln T / Υ) ≈ 510 and γ = 1 − √(Υ/T)/4 ≈ 0.997 are the same order)
test('SWUCB (tau 1000, xi 0.3) beats UCB1 on the piecewise-stationary problem', () => {
  check('SWUCB', ucb1(), regret('SWUCB', () => new bandits.SWUCB(e, { ...o, tau: 1000, xi: 0.3 })));
});
test('DiscountedUCB (gamma 0.998, xi 0.1) beats UCB1 on the piecewise-stationary problem', () => {
  check('DiscountedUCB', ucb1(), regret('DiscountedUCB', () => new bandits.DiscountedUCB(e, { ...o, gamma: 0.998, xi: 0.1 })));
});
test('DiscountedTS (gamma 0.995) beats Thompson sampling with plain counts (gamma 1)', () => {
  const base = regret('TS', () => new bandits.DiscountedTS(e, { ...o, gamma: 1, propensityDraws: 0 }));
  check('DiscountedTS', base, regret('DiscountedTS', () => new bandits.DiscountedTS(e, { ...o, gamma: 0.995, propensityDraws: 0 })));
});
