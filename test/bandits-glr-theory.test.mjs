// GLR-klUCB (Besson, Kaufmann, Maillard & Seznec 2022) over KLUCB on the piecewise-stationary
// Bernoulli problem of test/helpers/piecewise-run.mjs (16 seeded repetitions as simulation copies):
// every change detected within the Pinsker delay 4β(n, δ)/Δ² samples of the paper's analysis, regret
// below 0.5 × KLUCB's, and on the stationary first segment false alarms in at most Kδ of the runs
// (plus a 3-sd margin). Its own file: each GLR test scans the arm's history (O(history) per event).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';
import { PROBLEM, runPiecewise, quantile } from './helpers/piecewise-run.mjs';

const R = 16, K = 3;
const e = await init({ threads: 1 });

test('GLR-klUCB (local restarts, the paper\'s δ and α): every change detected within 4β/Δ² samples, regret < 0.5 × KLUCB, false alarms <= Kδ', () => {
  const kl = runPiecewise(new bandits.KLUCB(e, { arms: K, copies: R, seed: 7 }), PROBLEM, R);
  const opts = { arms: K, copies: R, seed: 7, horizon: PROBLEM.T, changes: 3, history: 300 };
  const p = new bandits.GLR(e, opts), po = p.options, delta = po.delta, W = po.history;
  const o = runPiecewise(p, PROBLEM, R);
  p.free();
  const det = o.first.flat();
  assert.equal(det.filter((x) => x === null).length, 0, 'a change point went undetected until the next one');
  const beta = (n) => e.log(3) + 1.5 * e.log(n) + -e.log(delta);
  const ratio = det.map((d) => d.samples / (4 * beta(Math.min(W, d.pre + d.samples)) / (d.delta * d.delta)));
  console.log(`GLR: δ ${delta.toExponential(3)}, α ${po.alpha.toFixed(4)}; delays (samples) median ${quantile(det.map((d) => d.samples), 0.5)}, max ${Math.max(...det.map((d) => d.samples))}; worst ${Math.max(...ratio).toFixed(3)}× 4β/Δ²`);
  assert.ok(ratio.every((x) => x <= 1));
  console.log(`GLR regret ${o.regret.toFixed(1)} vs KLUCB ${kl.regret.toFixed(1)} (${(o.regret / kl.regret).toFixed(3)}×)`);
  assert.ok(o.regret < 0.5 * kl.regret);
  const q = new bandits.GLR(e, opts), s = runPiecewise(q, { ...PROBLEM, changePoints: [], means: [PROBLEM.means[0]] }, R);
  q.free();
  const runs = [...s.falseAlarms].filter((x) => x > 0).length, level = K * delta;
  console.log(`GLR stationary: false alarms in ${runs}/${R} runs (stated level Kδ = ${level.toFixed(4)})`);
  assert.ok(runs / R <= level + 3 * Math.sqrt(level * (1 - level) / R));
});
