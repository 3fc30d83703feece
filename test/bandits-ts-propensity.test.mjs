// The propensities Thompson sampling reports (src/bandits/thompson.ts, assembly/bandits/thompson.ts)
// against the exact probabilities computed independently: test/fixtures/ts-propensities.json holds,
// for 4 Beta-Bernoulli and 3 Normal-Gamma posterior states, p_k = ∫ f_k Π_{j≠k} F_j (the probability
// that arm k's posterior sample is the largest) by SciPy quadrature (scripts/ts_propensities.py).
//
// The policies' estimate for the chosen arm a with M extra draws is q = (1 + wins in draws 1..M)/(M + 1);
// draws 1..M are independent of the decision (draw 0), so given that a was chosen
//   E[q] = (1 + M·p_a)/(M + 1),   sd(q) = σ_a = √(M·p_a(1 − p_a))/(M + 1)  (≤ 0.5/√(M + 1)),
// and the decision picks a with probability p_a. Each state is loaded into N = 200 copies (warmStart)
// and decided for 200 distinct events in one decideCopies call; checked, at M = 4096 and at the default
// M = 256: every q within 5σ_a of E[q] (so |q − p_a| ≤ (1 − p_a)/(M + 1) + 5σ_a: ≤ 0.039 at M = 4096,
// ≤ 0.16 at 256), the mean q of each arm's decisions within 4σ_a/√n_a of E[q], and each arm's share of
// the decisions within 4 binomial standard deviations of p_a. Seeded: the same numbers every run.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init, bandits } from '../dist/index.js';

const { rows } = JSON.parse(readFileSync(new URL('./fixtures/ts-propensities.json', import.meta.url), 'utf8'));
const N = 200;

function make(e, row, M) {
  const K = row.pulls.length, warmStart = { pulls: row.pulls, rewards: row.rewards, ...(row.squares ? { squares: row.squares } : {}) };
  const o = { arms: K, copies: N, seed: 2026, propensityDraws: M, warmStart };
  return row.policy === 'BernoulliTS'
    ? new bandits.BernoulliTS(e, { ...o, alpha: row.alpha, beta: row.beta })
    : new bandits.GaussianTS(e, { ...o, priorMean: row.priorMean, priorCount: row.priorCount, priorShape: row.priorShape, priorRate: row.priorRate });
}

for (const M of [4096, 256]) {
  test(`Thompson propensities (M = ${M}) agree with SciPy's quadrature of P(arm's sample is the largest) over ${rows.length} posterior states`, async () => {
    const e = await init({ threads: 1 });
    let worst = 0, worstZ = 0;
    for (const row of rows) {
      const p = make(e, row, M), K = row.pulls.length;
      const h = new Uint32Array(2 * N);
      for (let i = 0; i < N; i++) { h[2 * i] = 0x5eed0000 + i; h[2 * i + 1] = M; }
      const d = p.decideCopies(h);
      const n = new Array(K).fill(0), sum = new Array(K).fill(0);
      for (let i = 0; i < N; i++) {
        const a = d.arms[i], q = d.propensities[i], pa = row.p[a];
        const mean = (1 + M * pa) / (M + 1), sd = Math.sqrt(M * pa * (1 - pa)) / (M + 1);
        assert.ok(Math.abs(q - mean) <= 5 * sd, `${row.policy} ${row.name}: event ${i} arm ${a} propensity ${q}, exact ${pa} (E ${mean}, sd ${sd})`);
        worst = Math.max(worst, Math.abs(q - pa)); worstZ = Math.max(worstZ, Math.abs(q - mean) / sd);
        n[a]++; sum[a] += q;
      }
      for (let a = 0; a < K; a++) {
        const pa = row.p[a], share = Math.sqrt((pa * (1 - pa)) / N);
        assert.ok(Math.abs(n[a] / N - pa) <= 4 * share, `${row.policy} ${row.name}: arm ${a} chosen ${n[a]}/${N}, exact ${pa}`);
        if (n[a] < 10) continue;
        const mean = (1 + M * pa) / (M + 1), sd = Math.sqrt(M * pa * (1 - pa)) / (M + 1) / Math.sqrt(n[a]);
        assert.ok(Math.abs(sum[a] / n[a] - mean) <= 4 * sd, `${row.policy} ${row.name}: arm ${a} mean propensity ${sum[a] / n[a]} over ${n[a]}, E ${mean} (sd ${sd})`);
      }
      p.free();
    }
    console.log(`M = ${M}: largest |propensity − exact p| ${worst.toFixed(4)} (bound (1 − p)/(M + 1) + 5·0.5/√(M + 1) = ${(1 / (M + 1) + 2.5 / Math.sqrt(M + 1)).toFixed(4)}), largest z ${worstZ.toFixed(2)}`);
    await e.dispose();
  }, 60_000);
}
