// Theory checks of the regression-oracle policies (src/bandits/regression.ts) over seeded repetitions
// (deterministic: the environment is the test's own LCG; the policies' randomness is counter-based).
// SquareCB (Foster & Rakhlin 2020, Theorem 1): with an online regression oracle of square-loss regret
// Reg_T and γ ∝ √(KT/Reg_T), E[regret] ≤ 2√(K·T·Reg_T); a d-dimensional ridge oracle per arm has
// Reg_T = O(K·d·log T), so the regret rate is √(K²·d·T·log T) up to constants: sublinear, slope 1/2 in T
// up to the log. The γ_t = γ₀·√t schedule is the anytime form of γ = √(KT/Reg) (VW's default).
// 1. Linear-realizable problem (K = 4 arms, d = 4, r = xᵀθ_k + N(0, 0.3²)): the log-log slope of
//    SquareCB's mean regret over T = 500..8000 is below 0.75 (the rate's 0.5 plus the log factor's
//    local slope and a margin), and regret/√(K·d·T·ln T) stays below 1 (the bound's constant, with the
//    oracle's constant, is far larger); constant-ε greedy on the same problem grows linearly (slope
//    above 0.85), and SquareCB ends below it.
// 2. Logistic-realizable problem (Bernoulli rewards with P = σ(xᵀθ_k)): SquareCB with the logistic
//    regressor has sublinear regret (slope below 0.8) and less regret at T = 8000 than with ridge.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';

const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const gaussOf = (r) => () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const slopeOf = (xs, ys) => {
  const lx = xs.map(Math.log), ly = ys.map(Math.log), n = xs.length;
  const mx = lx.reduce((a, b) => a + b) / n, my = ly.reduce((a, b) => a + b) / n;
  return lx.reduce((s, x, i) => s + (x - mx) * (ly[i] - my), 0) / lx.reduce((s, x) => s + (x - mx) ** 2, 0);
};
const HORIZONS = [500, 1000, 2000, 4000, 8000];
const SEEDS = 10, K = 4, D = 4;
const sig = (z) => 1 / (1 + Math.exp(-z));

/** Mean regret at each horizon (one run to the last horizon per seed, regret read at each checkpoint). */
function regretCurve(e, kind, opts, link) {
  const out = HORIZONS.map(() => 0);
  for (let seed = 0; seed < SEEDS; seed++) {
    const r = lcg(9100 + 37 * seed), gauss = gaussOf(r);
    const theta = Array.from({ length: K }, () => Array.from({ length: D }, () => gauss()));
    const p = new bandits[kind](e, { arms: K, dim: D, seed: seed + 1, dedupWindow: 0, ...opts });
    let regret = 0, h = 0;
    for (let t = 1; t <= HORIZONS[HORIZONS.length - 1]; t++) {
      const x = Array.from({ length: D }, () => gauss() / Math.sqrt(D));
      const mu = theta.map((th) => { const z = th.reduce((s, v, j) => s + v * x[j], 0); return link === 'logistic' ? sig(2 * z) : z; });
      const { arm } = p.decide({ eventId: `t${t}`, context: x });
      regret += Math.max(...mu) - mu[arm];
      const reward = link === 'logistic' ? (r() < mu[arm] ? 1 : 0) : mu[arm] + 0.3 * gauss();
      p.learn([{ eventId: `t${t}`, arm, reward, context: x }]);
      if (t === HORIZONS[h]) { out[h] += regret / SEEDS; h++; }
    }
    p.free();
  }
  return out;
}
const fmt = (a) => a.map((x) => x.toFixed(1)).join(', ');

test(`SquareCB (ridge) on a linear-realizable problem: sublinear regret under the √(K·d·T·ln T) rate; constant-ε greedy grows linearly (K = ${K}, d = ${D}, ${SEEDS} seeds)`, async () => {
  const e = await init({ threads: 1 });
  const sq = regretCurve(e, 'SquareCB', {}, 'linear');
  const eg = regretCurve(e, 'LinEpsilonGreedy', { epsilon: 0.1 }, 'linear');
  const sSq = slopeOf(HORIZONS, sq), sEg = slopeOf(HORIZONS, eg);
  const norm = sq.map((v, i) => v / Math.sqrt(K * D * HORIZONS[i] * Math.log(HORIZONS[i])));
  console.log(`SquareCB ridge: regret ${fmt(sq)} at T = ${HORIZONS.join(', ')}; slope ${sSq.toFixed(3)}; regret/√(KdT ln T) ${norm.map((x) => x.toFixed(3)).join(', ')}`);
  console.log(`LinEpsilonGreedy ε = 0.1: regret ${fmt(eg)}; slope ${sEg.toFixed(3)}`);
  assert.ok(sSq < 0.75, `SquareCB slope ${sSq}`);
  for (const v of norm) assert.ok(v < 1, `regret/√(KdT ln T) ${norm}`);
  assert.ok(sEg > 0.85, `ε-greedy slope ${sEg}`);
  assert.ok(sq[sq.length - 1] < eg[eg.length - 1], `SquareCB ${sq.at(-1)} vs ε-greedy ${eg.at(-1)} at T = 8000`);
  await e.dispose();
}, 120000);

test(`SquareCB (logistic) on a logistic-realizable Bernoulli problem: sublinear regret, below SquareCB over ridge at T = 8000 (K = ${K}, d = ${D}, ${SEEDS} seeds)`, async () => {
  const e = await init({ threads: 1 });
  const lg = regretCurve(e, 'SquareCB', { regressor: 'logistic' }, 'logistic');
  const rd = regretCurve(e, 'SquareCB', { regressor: 'ridge' }, 'logistic');
  const s = slopeOf(HORIZONS, lg);
  console.log(`SquareCB logistic: regret ${fmt(lg)}; slope ${s.toFixed(3)}; ridge on the same problem: ${fmt(rd)} (slope ${slopeOf(HORIZONS, rd).toFixed(3)})`);
  assert.ok(s < 0.8, `slope ${s}`);
  assert.ok(lg[lg.length - 1] < rd[rd.length - 1], `logistic ${lg.at(-1)} vs ridge ${rd.at(-1)}`);
  await e.dispose();
}, 120000);
