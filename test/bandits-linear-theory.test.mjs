// Theory checks of LinUCB and LinTS (src/bandits/contextual.ts) over seeded repetitions (deterministic:
// the environment is the test's own LCG; the policies' randomness is counter-based).
// 1. Regret grows as √T: on the minimax-style instance at horizon T (two arms, d features, the second
//    arm worse by Δ_T = 3·√(d/T) for every context, N(0, 0.5²) reward noise), the expected regret is of
//    order min(TΔ_T, d/Δ_T) = √(dT) (Lattimore & Szepesvári 2020, ch. 19-24, the lower-bound
//    construction). The log-log slope of the mean regret over T = 500..8000 must be 0.5 ± 0.2, and
//    regret / √(dT) stay within [0.1, 1] at every T.
// 2. θ̂ → θ: on a 5-armed linear problem with known θ_k and Gaussian contexts, the estimate of the
//    most-played arm's θ gets closer with more data (error at T = 8000 ≤ 0.5 × error at T = 500, and
//    < 0.05), the rate 1/√n predicts 0.25.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';

/** Test-side randomness (an LCG and Box–Muller), not the library's. */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const gaussOf = (r) => () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const slopeOf = (xs, ys) => {
  const lx = xs.map(Math.log), ly = ys.map(Math.log), n = xs.length;
  const mx = lx.reduce((a, b) => a + b) / n, my = ly.reduce((a, b) => a + b) / n;
  return lx.reduce((s, x, i) => s + (x - mx) * (ly[i] - my), 0) / lx.reduce((s, x) => s + (x - mx) ** 2, 0);
};
const HORIZONS = [500, 1000, 2000, 4000, 8000];
const SEEDS = 16;

/** Mean regret at horizon T of the two-arm instance with gap 3·√(d/T). */
function gapRegret(e, kind, d, T) {
  const gap = 3 * Math.sqrt(d / T);
  let total = 0;
  for (let seed = 0; seed < SEEDS; seed++) {
    const r = lcg(7000 + seed * 31 + T), gauss = gaussOf(r);
    const w = Array.from({ length: d - 1 }, () => gauss() / Math.sqrt(d));
    const theta = [[0.5, ...w], [0.5 - gap, ...w]];
    const p = new bandits[kind](e, { arms: 2, dim: d, alpha: kind === 'LinUCB' ? 1 : 0.5, lambda: 1, seed: seed + 1, ...(kind === 'LinTS' ? { propensityDraws: 0 } : {}) });
    let regret = 0;
    for (let t = 1; t <= T; t++) {
      const x = [1, ...Array.from({ length: d - 1 }, () => gauss() / Math.sqrt(d))];
      const { arm } = p.decide({ eventId: `t${t}`, context: x });
      if (arm === 1) regret += gap;
      const mu = theta[arm].reduce((s, v, j) => s + v * x[j], 0);
      p.learn([{ eventId: `t${t}`, arm, reward: mu + 0.5 * gauss(), context: x }]);
    }
    p.free();
    total += regret;
  }
  return total / SEEDS;
}

for (const kind of ['LinUCB', 'LinTS']) {
  test(`${kind}: regret on the gap-Δ_T instance grows as √T (log-log slope 0.5 ± 0.2), d = 5, ${SEEDS} seeds`, async () => {
    const e = await init({ threads: 1 });
    const d = 5;
    const reg = HORIZONS.map((T) => gapRegret(e, kind, d, T));
    const slope = slopeOf(HORIZONS, reg);
    const norm = reg.map((x, i) => x / Math.sqrt(d * HORIZONS[i]));
    assert.ok(slope > 0.3 && slope < 0.7, `${kind}: slope ${slope.toFixed(3)} (regret ${reg.map((x) => x.toFixed(1)).join(', ')})`);
    for (const v of norm) assert.ok(v > 0.1 && v < 1, `${kind}: regret/√(dT) ${norm.map((x) => x.toFixed(2)).join(', ')}`);
    console.log(`${kind}: regret ${reg.map((x) => x.toFixed(1)).join(', ')} at T = ${HORIZONS.join(', ')}; slope ${slope.toFixed(3)}; regret/√(dT) ${norm.map((x) => x.toFixed(2)).join(', ')}`);
    await e.dispose();
  }, 60000);
}

test('LinUCB and LinTS: θ̂ of the most-played arm converges to θ (error at T = 8000 ≤ half that at 500, < 0.05)', async () => {
  const e = await init({ threads: 1 });
  const K = 5, d = 5, checkpoints = [500, 8000];
  for (const kind of ['LinUCB', 'LinTS']) {
    const err = [0, 0];
    for (let seed = 0; seed < 4; seed++) {
      const r = lcg(1000 + seed), gauss = gaussOf(r);
      const theta = Array.from({ length: K }, () => { const v = Array.from({ length: d }, gauss); const n = Math.hypot(...v); return v.map((x) => x / n); });
      const p = new bandits[kind](e, { arms: K, dim: d, alpha: kind === 'LinUCB' ? 1 : 0.3, lambda: 1, seed: seed + 1, ...(kind === 'LinTS' ? { propensityDraws: 0 } : {}) });
      const pulls = new Array(K).fill(0);
      let c = 0;
      for (let t = 1; t <= checkpoints[1]; t++) {
        const x = Array.from({ length: d }, () => gauss() / Math.sqrt(d));
        const { arm } = p.decide({ eventId: `t${t}`, context: x });
        pulls[arm]++;
        const mu = theta[arm].reduce((s, v, j) => s + v * x[j], 0);
        p.learn([{ eventId: `t${t}`, arm, reward: mu + 0.3 * gauss(), context: x }]);
        if (t === checkpoints[c]) {
          const k = pulls.indexOf(Math.max(...pulls)), h = p.theta(k);
          err[c] += Math.hypot(...h.map((v, j) => v - theta[k][j])) / 4;
          c++;
        }
      }
      p.free();
    }
    assert.ok(err[1] <= 0.5 * err[0], `${kind}: error ${err[0].toFixed(4)} at T = 500, ${err[1].toFixed(4)} at 8000`);
    assert.ok(err[1] < 0.05, `${kind}: error ${err[1].toFixed(4)} at T = 8000`);
    console.log(`${kind}: |θ̂ − θ| of the most-played arm ${err[0].toFixed(4)} at T = 500, ${err[1].toFixed(4)} at 8000`);
  }
  await e.dispose();
}, 60000);
