// A seeded piecewise-stationary Bernoulli run of a policy's simulation copies (decideCopies /
// learnCopies, one call each per round), with the detections of a change-detection wrapper read
// after every round: per copy and change point, the first alarm after it, its arm, and the number of
// that arm's observations between the change and the alarm (and before the change, since its last
// restart: `pre`). Rewards come from one LCG per copy.

/** The shared problem of the change-detection theory tests: K = 3, T = 12,000, Υ = 3 change points. */
export const PROBLEM = {
  T: 12000,
  changePoints: [3000, 6000, 9000],
  // the best arm drops below the second (UCB1 stays on it: its mean over ~2,900 pulls falls too slowly),
  // a rarely pulled arm becomes the best, and that arm drops again
  means: [[0.9, 0.6, 0.3], [0.4, 0.6, 0.3], [0.4, 0.6, 0.95], [0.4, 0.6, 0.45]],
};

export function runPiecewise(p, { T, changePoints, means }, R, seed = 1) {
  const K = means[0].length, seg = (t) => { let s = 0; while (s < changePoints.length && t >= changePoints[s]) s++; return s; };
  const st = Uint32Array.from({ length: R }, (_, r) => (seed * 2654435761 + r * 40503) >>> 0);
  const rnd = (r) => ((st[r] = (Math.imul(st[r], 1664525) + 1013904223) >>> 0) / 4294967296);
  const regret = new Float64Array(R), h = new Uint32Array(2 * R), copies = Int32Array.from({ length: R }, (_, i) => i);
  const arms = new Int32Array(R), rw = new Float64Array(R);
  const wrapped = typeof p.detections === 'function';
  const alarms = new Float64Array(R), falseAlarms = new Float64Array(R);
  const first = Array.from({ length: R }, () => changePoints.map(() => null));
  const seen = Array.from({ length: R }, () => changePoints.map(() => new Float64Array(K)));
  const pre = Array.from({ length: R }, () => changePoints.map(() => null));
  for (let t = 0; t < T; t++) {
    const cpi = changePoints.indexOf(t);
    if (wrapped && cpi >= 0) for (let r = 0; r < R; r++) pre[r][cpi] = p.stats(r).samples;
    for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
    const d = p.decideCopies(h), s = seg(t), mu = means[s], best = Math.max(...mu);
    for (let r = 0; r < R; r++) { const a = d.arms[r]; arms[r] = a; rw[r] = rnd(r) < mu[a] ? 1 : 0; regret[r] += best - mu[a]; }
    p.learnCopies(copies, arms, rw);
    if (!wrapped) continue;
    for (let r = 0; r < R; r++) {
      if (s > 0) seen[r][s - 1][arms[r]]++;
      const n = p.detections(r).alarms;
      if (n === alarms[r]) continue;
      alarms[r] = n;
      const a = arms[r], c = s - 1;
      // an alarm on an arm whose mean changed at the last change point, the first after it: a detection
      if (c >= 0 && first[r][c] === null && means[c][a] !== means[c + 1][a]) first[r][c] = { round: t - changePoints[c], arm: a, samples: seen[r][c][a], pre: pre[r][c][a], delta: Math.abs(means[c + 1][a] - means[c][a]) };
      else falseAlarms[r]++;
    }
  }
  return { regret: regret.reduce((x, y) => x + y, 0) / R, regrets: regret, first, alarms, falseAlarms };
}

/** Sorted values and the q-quantile (nearest rank). */
export const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]; };
