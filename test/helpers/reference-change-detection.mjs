// Independent JS reference of the change-detection wrappers (src/bandits/change-detection.ts) over a
// UCB1 inner policy, written from the papers: CUSUM-UCB (Liu, Lee & Shroff 2018, Algorithms 1-2),
// GLR-klUCB (Besson, Kaufmann, Maillard & Seznec 2022, Algorithm 1, Bernoulli and sub-Gaussian GLR)
// and M-UCB (Cao, Wen, Kveton & Xie 2019, Algorithm 1), with the rounds convention of the module
// header (one learned event = one round; observe, update, test, restart). Every arm keeps the plain
// list of its observations since its restart; f64 operations in the kernels' order; ln passed in as M.
import { pickRef, uniformRef, ucb1Ref } from './reference-bandits.mjs';

/** UCB1 (mean + alpha·sqrt(2 ln u / n)) with arm k's own clock u = t − τ_k (never below its pulls n). */
export function ucb1ClockRef(st, active, alpha, key, h, M) {
  const K = st.inner.pulls.length, scores = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const n = st.inner.pulls[k];
    const u = Math.max(st.t - st.restartRound[k], n), lt = u > 1 ? M.log(u) : 0;
    scores[k] = !active[k] ? -Infinity : n > 0 ? st.inner.rewards[k] / n + alpha * M.sqrt(2 * lt / n) : Infinity;
  }
  return { ...pickRef(scores, active, key, h), scores };
}

const S_CD_EXPLORE = 0x80, S_CD_UNIFORM = 0x81;

/** Detector of one arm: 'cusum' { warmup, epsilon, threshold }, 'glr' { history, test, lnInvDelta, sigma }, 'mucb' { window, threshold }. */
function alarmAfter(kind, o, obs, M) {
  if (kind === 'cusum') {
    // the whole CUSUM recursion from the restart (the reference recomputes it, the kernel keeps g±)
    if (obs.length <= o.warmup) return false;
    let u = 0;
    for (let k = 0; k < o.warmup; k++) u += obs[k];
    const u0 = u / o.warmup;
    let gp = 0, gm = 0, hit = false;
    for (let k = o.warmup; k < obs.length; k++) {
      gp = Math.max(0, gp + (obs[k] - u0 - o.epsilon)); gm = Math.max(0, gm + (u0 - obs[k] - o.epsilon));
      hit = gp >= o.threshold || gm >= o.threshold;
      if (hit && k < obs.length - 1) throw new Error('reference: an alarm was missed');
    }
    return hit;
  }
  if (kind === 'glr') {
    const y = obs.slice(-o.history), m = y.length;
    if (m < 2) return false;
    let total = 0;
    for (const v of y) total += v;
    const mu = total / m;
    const beta = o.test === 'bernoulli' ? M.log(3) + 1.5 * M.log(m) + o.lnInvDelta
      : (1 + 1 / m) * (M.log(2) + M.log(m) + 0.5 * M.log(m + 1) + o.lnInvDelta);
    const kl = (x, q) => { let v = 0; if (x > 0) v += x * M.log(x / q); if (x < 1) v += (1 - x) * M.log((1 - x) / (1 - q)); return v; };
    const inv2s2 = 1 / (2 * o.sigma * o.sigma);
    let pre = 0;
    for (let s = 1; s < m; s++) {
      pre += y[s - 1];
      const r = m - s, a = pre / s, c = (total - pre) / r;
      const g = o.test === 'bernoulli' ? s * kl(a, mu) + r * kl(c, mu) : s * r / m * ((a - c) * (a - c)) * inv2s2;
      if (g >= beta) return true;
    }
    return false;
  }
  // M-UCB: |sum of the newer half - sum of the older half| of the last w > b
  if (obs.length < o.window) return false;
  const y = obs.slice(-o.window), half = o.window / 2;
  let s1 = 0, s2 = 0;
  for (let j = 0; j < half; j++) s1 += y[j];
  for (let j = half; j < o.window; j++) s2 += y[j];
  return Math.abs(s2 - s1) > o.threshold;
}

/**
 * The forced-exploration mix of a wrapper's decision: the inner decision d ({ arm, propensity,
 * scores }), the offered arms `active`, the wrapper's header st ({ t, tau }), its key and the event
 * hash h. Argmax inner policies (scores: ties of the maximum) only.
 */
export function mixRef(kind, o, st, d, active, key, h) {
  const Kn = active.length;
  if (!(o.alpha > 0)) return d;
  if (o.exploration === 'schedule') {
    const period = Math.floor(Kn / o.alpha), A = (st.t + 1 - (kind === 'mucb' ? st.tau : 0)) % period;
    if (A >= 1 && A <= Kn && active[A - 1]) return { arm: A - 1, propensity: 1, scores: d.scores };
    return d;
  }
  const allowed = [];
  for (let k = 0; k < Kn; k++) if (active[k]) allowed.push(k);
  const m = allowed.length;
  let a = d.arm;
  if (uniformRef(key, h, S_CD_EXPLORE, 0) < o.alpha) a = allowed[Math.min(Math.floor(uniformRef(key, h, S_CD_UNIFORM, 0) * m), m - 1)];
  let pin = d.propensity;
  if (a !== d.arm) {
    let mx = -Infinity, ties = 0;
    for (const k of allowed) { if (d.scores[k] > mx) { mx = d.scores[k]; ties = 1; } else if (d.scores[k] === mx) ties++; }
    pin = d.scores[a] === mx ? 1 / ties : 0;
  }
  return { arm: a, propensity: o.alpha / m + (1 - o.alpha) * pin, scores: d.scores };
}

/**
 * A wrapper over UCB1 (alpha 1): kind 'cusum' | 'glr' | 'mucb', o = detector options plus
 * { alpha, exploration: 'random' | 'schedule', restart: 'local' | 'global' }.
 */
export function wrapperRef(kind, K, o) {
  const st = { t: 0, tau: 0, alarms: 0, last: 0, obs: Array.from({ length: K }, () => []), inner: { pulls: new Float64Array(K), rewards: new Float64Array(K), squares: new Float64Array(K) }, restartRound: new Array(K).fill(0) };
  const global = kind === 'mucb' || o.restart === 'global';
  // GLR-klUCB with local restarts (Besson et al. 2022, Algorithm 1): arm a's index uses t − τ_a, τ_a its last restart round
  const perArmClock = kind === 'glr' && !global;
  const resetArm = (k) => { st.obs[k] = []; st.inner.pulls[k] = 0; st.inner.rewards[k] = 0; st.inner.squares[k] = 0; st.restartRound[k] = st.t; };
  return {
    st,
    learn(arm, y, M) {
      st.t += 1;
      st.obs[arm].push(y);
      st.inner.pulls[arm] += 1; st.inner.rewards[arm] += y; st.inner.squares[arm] += y * y;
      if (alarmAfter(kind, o, st.obs[arm], M)) {
        st.alarms += 1; st.last = st.t;
        if (global) { st.tau = st.t; for (let k = 0; k < st.obs.length; k++) resetArm(k); } else resetArm(arm);
        return true;
      }
      return false;
    },
    decide(active, key, h, M) {
      const d = perArmClock ? ucb1ClockRef(st, active, 1, key, h, M) : ucb1Ref(st.inner, active, 1, key, h, M);
      return mixRef(kind, o, st, d, active, key, h);
    },
    addArm() {
      st.obs.push([]);
      st.restartRound.push(st.t);
      for (const s of ['pulls', 'rewards', 'squares']) { const x = new Float64Array(st.inner[s].length + 1); x.set(st.inner[s]); st.inner[s] = x; }
    },
  };
}
