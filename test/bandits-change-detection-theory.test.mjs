// Change-detection wrappers against their papers on a piecewise-stationary Bernoulli problem
// (test/helpers/piecewise-run.mjs: K = 3, T = 12,000, change points at 3,000, 6,000, 9,000; the best
// arm drops below the second, a rarely pulled arm becomes the best and drops again), 20 seeded
// repetitions as simulation copies: CUSUM-UCB (Liu, Lee & Shroff 2018) and M-UCB (Cao, Wen, Kveton &
// Xie 2019) over UCB1 detect every change they can within their delay bounds in most runs, beat UCB1's
// dynamic regret by a stated factor, and raise false alarms on the stationary first segment at most
// at their stated rates. GLR-klUCB: test/bandits-glr-theory.test.mjs. Measured values are printed.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';
import { PROBLEM, runPiecewise, quantile } from './helpers/piecewise-run.mjs';

const R = 20, K = 3, STATIONARY = { ...PROBLEM, changePoints: [], means: [PROBLEM.means[0]] };
const e = await init({ threads: 1 });
const ucb1 = runPiecewise(new bandits.UCB1(e, { arms: K, copies: R, seed: 7 }), PROBLEM, R);

test('CUSUM-UCB: every change detected, delay within (h + 1 + ε)/(Δ − ε) samples in most runs, regret < 0.6 × UCB1, false alarms below 2n·e^(−8εh)', () => {
  // the paper's tuning from T and Υ_T = 3 (h = ln(T/Υ), α = √(Υ/T · ln(T/Υ))); ε = 0.1 < Δ/2 for every change here (Δ ≥ 0.5)
  const opts = { arms: K, copies: R, seed: 7, horizon: PROBLEM.T, changes: 3, epsilon: 0.1 };
  const p = new bandits.CUSUM(e, opts), po = p.options, h = po.threshold, eps = 0.1;
  const o = runPiecewise(p, PROBLEM, R);
  p.free();
  const det = o.first.flat();
  assert.equal(det.filter((x) => x === null).length, 0, 'a change point went undetected until the next one');
  // Wald: after the change the CUSUM of the changed arm drifts towards h by |Δ| − ε per observation (overshoot <= 1 + ε)
  const within = det.filter((d) => d.samples <= (h + 1 + eps) / (d.delta - eps));
  const worst = Math.max(...det.map((d) => d.samples * (d.delta - eps) / (h + 1 + eps)));
  console.log(`CUSUM: h ${h.toFixed(3)}, alpha ${po.alpha.toFixed(4)}; delays (samples) median ${quantile(det.map((d) => d.samples), 0.5)}, 90% ${quantile(det.map((d) => d.samples), 0.9)}; within the bound ${within.length}/${det.length}; worst ${worst.toFixed(2)}× the bound`);
  assert.ok(within.length >= 0.75 * det.length, `${within.length} of ${det.length} detections within the delay bound`);
  assert.ok(worst <= 2.5, `a delay of ${worst.toFixed(2)}× the bound`);
  console.log(`CUSUM regret ${o.regret.toFixed(1)} vs UCB1 ${ucb1.regret.toFixed(1)} (${(o.regret / ucb1.regret).toFixed(3)}×)`);
  assert.ok(o.regret < 0.6 * ucb1.regret);
  // stationary: E[false alarms] <= 2·n·e^(−8εh) over n observations (each side's CUSUM is a reflected walk with drift −ε
  // on ¼-sub-Gaussian increments: P(an excursion from a given start reaches h) <= e^(−2εh/σ²); û₀ taken as the mean)
  const q = new bandits.CUSUM(e, opts), s = runPiecewise(q, STATIONARY, R);
  q.free();
  const perRun = s.falseAlarms.reduce((a, b) => a + b, 0) / R, bound = 2 * PROBLEM.T * Math.exp(-8 * eps * h);
  console.log(`CUSUM stationary: ${perRun} false alarms per run (bound ${bound.toFixed(2)}), runs with one: ${[...s.falseAlarms].filter((x) => x > 0).length}/${R}`);
  assert.ok(perRun <= bound);
});

test('M-UCB: changes of >= minChange detected within w/2 samples, regret < 0.6 × UCB1, no false alarm (stated: <= 1/T per run)', () => {
  // w and b from Remark 1 with δ = minChange = 0.5 (the smallest change here); the forced-exploration fraction is set to
  // 0.05: the paper's γ = √(Υ K min(w/2, ⌈b/δ⌉ + 3√w)/(2T)) = 0.36 is sized for the worst case and costs more than it saves at T = 12,000
  const opts = { arms: K, copies: R, seed: 7, horizon: PROBLEM.T, changes: 3, minChange: 0.5, alpha: 0.05 };
  const p = new bandits.Monitored(e, opts), po = p.options, w = po.window;
  const o = runPiecewise(p, PROBLEM, R);
  p.free();
  // the paper's delay lemma needs the window to hold w/2 pre-change observations since the last restart
  const eligible = [];
  for (let r = 0; r < R; r++) for (let c = 0; c < PROBLEM.changePoints.length; c++) {
    const d = o.first[r][c];
    if (d && d.pre >= w / 2) eligible.push(d);
  }
  const first = o.first.map((x) => x[0]);
  assert.ok(first.every((d) => d !== null), 'the first change (the best arm drops by 0.5) is detected in every run');
  const within = eligible.filter((d) => d.samples <= w / 2);
  console.log(`M-UCB: w ${w}, b ${po.threshold.toFixed(2)}; ${eligible.length} detections after w/2 pre-change samples, within w/2: ${within.length}; delays median ${quantile(eligible.map((d) => d.samples), 0.5)}, max ${Math.max(...eligible.map((d) => d.samples))}`);
  assert.ok(eligible.length >= R && within.length >= 0.9 * eligible.length);
  console.log(`M-UCB regret ${o.regret.toFixed(1)} vs UCB1 ${ucb1.regret.toFixed(1)} (${(o.regret / ucb1.regret).toFixed(3)}×)`);
  assert.ok(o.regret < 0.6 * ucb1.regret);
  const q = new bandits.Monitored(e, opts), s = runPiecewise(q, STATIONARY, R);
  q.free();
  console.log(`M-UCB stationary: ${s.falseAlarms.reduce((a, b) => a + b, 0)} false alarms over ${R} runs`);
  assert.equal(s.falseAlarms.reduce((a, b) => a + b, 0), 0);
});
