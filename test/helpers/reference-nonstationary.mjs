// Independent JS references of the passive non-stationary policies (src/bandits/nonstationary.ts),
// written from Garivier & Moulines 2011 (SW-UCB, D-UCB) and Raj & Kalyani 2017 (discounted TS) with
// the rounds convention of the module header (one learned event = one round). f64 state, every
// operation an IEEE double operation in the kernels' order; ln/sqrt/cos/exp passed in as `M`.
import { betaRef, pickRef } from './reference-bandits.mjs';

const S_SAMPLE = 0x100;

/** Sliding window of the last tau events: { tau, ring: [[arm, reward], ...] oldest first }, plus pulls/rewards recounted. */
export function swState(K, tau) { return { tau, ring: [], pulls: new Float64Array(K), rewards: new Float64Array(K) }; }
function swRecount(st) {
  st.pulls.fill(0); st.rewards.fill(0);
  for (const [a, r] of st.ring) { st.pulls[a] += 1; st.rewards[a] += r; }
}
export function swLearn(st, arm, r) { st.ring.push([arm, r]); if (st.ring.length > st.tau) st.ring.shift(); swRecount(st); }
export function swAddArm(st) { for (const k of ['pulls', 'rewards']) { const a = new Float64Array(st[k].length + 1); a.set(st[k]); st[k] = a; } }
/** Restart of one arm (its events leave the window) or all (arm = -1). */
export function swForget(st, arm) { st.ring = arm < 0 ? [] : st.ring.filter(([a]) => a !== arm); swRecount(st); }

const indexScores = (pulls, sums, active, v, M) => {
  const K = pulls.length, scores = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const n = pulls[k];
    scores[k] = !active[k] ? -Infinity : n > 0 ? sums[k] / n + M.sqrt(v / n) : Infinity;
  }
  return scores;
};
export function swDecideRef(st, active, xi, key, h, M) {
  const m = st.ring.length, lt = m > 1 ? M.log(m) : 0;
  const scores = indexScores(st.pulls, st.rewards, active, xi * lt, M);
  return { ...pickRef(scores, active, key, h), scores };
}

/** Discounted statistics { a, b } (D-UCB: pulls, rewards; D-TS: successes, failures). */
export function discState(K) { return { a: new Float64Array(K), b: new Float64Array(K) }; }
export function discLearn(st, gamma, mode, arm, r) {
  for (let k = 0; k < st.a.length; k++) { st.a[k] *= gamma; st.b[k] *= gamma; }
  if (mode === 0) { st.a[arm] += 1; st.b[arm] += r; } else { st.a[arm] += r; st.b[arm] += 1 - r; }
}
export function discAddArm(st, a = 0, b = 0) {
  for (const [k, v] of [['a', a], ['b', b]]) { const x = new Float64Array(st[k].length + 1); x.set(st[k]); x[st[k].length] = v; st[k] = x; }
}
export function ducbDecideRef(st, active, xi, key, h, M) {
  let t = 0;
  for (let k = 0; k < st.a.length; k++) t += st.a[k];
  const lt = t > 1 ? M.log(t) : 0;
  const scores = indexScores(st.a, st.b, active, 4 * xi * lt, M);
  return { ...pickRef(scores, active, key, h), scores };
}
export function dtsDecideRef(st, active, a0, b0, draws, key, h, M) {
  const K = st.a.length, scores = new Float64Array(K);
  const draw = (k, j) => betaRef(key, h, S_SAMPLE + k, j, st.a[k] + a0, st.b[k] + b0, M);
  for (let k = 0; k < K; k++) scores[k] = active[k] ? draw(k, 0) : -Infinity;
  const { arm } = pickRef(scores, active, key, h);
  let wins = 1;
  for (let j = 1; j <= draws; j++) {
    let best = -1, m = -Infinity;
    for (let k = 0; k < K; k++) { if (!active[k]) continue; const x = draw(k, j); if (best < 0 || x > m) { best = k; m = x; } }
    if (best === arm) wins++;
  }
  return { arm, propensity: wins / (draws + 1), scores };
}
