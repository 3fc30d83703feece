// Independent JS references of the index policies of src/bandits/index-policies.ts (UCB-V, MOSS,
// MOSS-anytime, KL-UCB for four families, IMED), written from the papers' definitions in the kernels'
// operation order: every operation is an IEEE double operation, and the transcendentals are the
// engine's deterministic routines passed in as `M` (log, exp, sqrt), so the results are exact.
// Statistics are { pulls, rewards, squares } arrays (learnStatsRef of ./reference-bandits.mjs).
import { pickRef } from './reference-bandits.mjs';

const total = (st) => { let t = 0; for (let k = 0; k < st.pulls.length; k++) t += st.pulls[k]; return t; };
const decideFrom = (scores, active, key, h) => ({ ...pickRef(scores, active, key, h), scores });

/** UCB-V: mean + sqrt(2 V e / n) + 3 c e / n, e = ζ ln t, V = max(squares/n − mean², 0). */
export function ucbvRef(st, active, { zeta = 1.2, c = 1 }, key, h, M) {
  const K = st.pulls.length, t = total(st);
  const e = zeta * (t > 1 ? M.log(t) : 0);
  const scores = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const n = st.pulls[k];
    if (!active[k]) scores[k] = -Infinity;
    else if (!(n > 0)) scores[k] = Infinity;
    else {
      const m = st.rewards[k] / n;
      let v = st.squares[k] / n - m * m;
      if (v < 0) v = 0;
      scores[k] = m + M.sqrt(2 * v * e / n) + 3 * c * e / n;
    }
  }
  return decideFrom(scores, active, key, h);
}

/** MOSS (horizon T) or, with anytime, MOSS-anytime: mean + sqrt(coef · max(ln(H/(Ka n)), 0) / n). */
export function mossRef(st, active, { horizon = 0, anytime = false, alpha = 1.35 }, key, h, M) {
  const K = st.pulls.length;
  const ka = active.filter(Boolean).length;
  const H = anytime ? total(st) : horizon, coef = anytime ? (1 + alpha) * 0.5 : 1;
  const scores = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const n = st.pulls[k];
    if (!active[k]) scores[k] = -Infinity;
    else if (!(n > 0)) scores[k] = Infinity;
    else {
      const q = H / (ka * n);
      const l = q > 1 ? M.log(q) : 0;
      scores[k] = st.rewards[k] / n + M.sqrt(coef * l / n);
    }
  }
  return decideFrom(scores, active, key, h);
}

/** Bernoulli kl(p, q), 0 ln 0 = 0. */
export function klBernoulliRef(p, q, M) {
  const a = p > 0 ? p * M.log(p / q) : 0;
  const b = p < 1 ? (1 - p) * M.log((1 - p) / (1 - q)) : 0;
  return a + b;
}
export const klLevelRef = (t, c, M) => {
  const lt = t > 1 ? M.log(t) : 0;
  return lt + (c > 0 && lt > 1 ? c * M.log(lt) : 0);
};

/** e^-y - 1 + y and 1 - e^-y for 0 <= y < 0.125 by their Taylor series (as assembly/bandits/kl.ts). */
export const expSeriesF = (y) => y * y * (0.5 - y * (0.16666666666666666 - y * (0.041666666666666664 - y * (0.008333333333333333 - y * (0.001388888888888889 - y * (0.0001984126984126984 - y * (2.48015873015873e-05 - y * (2.7557319223985893e-06 - y * (2.755731922398589e-07 - y * (2.505210838544172e-08 - y * (2.08767569878681e-09 - y * (1.6059043836821613e-10))))))))))));
export const expSeriesG = (y) => y * (1.0 - y * (0.5 - y * (0.16666666666666666 - y * (0.041666666666666664 - y * (0.008333333333333333 - y * (0.001388888888888889 - y * (0.0001984126984126984 - y * (2.48015873015873e-05 - y * (2.7557319223985893e-06 - y * (2.755731922398589e-07 - y * (2.505210838544172e-08 - y * (2.08767569878681e-09))))))))))));

const TOL = 1e-14, MAXIT = 64;
/** max{q >= p : kl_family(p, q) <= d}: safeguarded Newton from an upper bound, bisection fallback. */
export function klUpperRef(family, p, d, sigma2, M) {
  if (!(d > 0)) return p;
  if (family === 'gaussian') return p + M.sqrt(2 * sigma2 * d);
  let lo, hi;
  if (family === 'bernoulli') {
    if (p >= 1) return 1;
    lo = p; hi = p + M.sqrt(0.5 * d);
    if (hi > 1) hi = 1;
  } else if (family === 'poisson') {
    if (p <= 0) return d;
    const r = M.sqrt(p) + M.sqrt(d);
    lo = p; hi = r * r;
  } else { lo = 0; hi = d + 1; }
  let x = hi, res = hi, done = false;
  for (let it = 0; it < MAXIT; it++) {
    let f, g;
    if (family === 'bernoulli') { f = klBernoulliRef(p, x, M) - d; g = (x - p) / (x * (1 - x)); }
    else if (family === 'poisson') { f = ((x - p) + p * M.log(p / x)) - d; g = 1 - p / x; }
    else if (x < 0.125) { f = expSeriesF(x) - d; g = expSeriesG(x); } else { const e = M.exp(-x); f = ((e - 1) + x) - d; g = 1 - e; }
    if (f > 0 || Number.isNaN(f)) hi = x;
    else if (f < 0) lo = x;
    else { res = x; done = true; break; }
    if (hi - lo <= TOL * hi) { res = hi; done = true; break; }
    let nx = x - f / g;
    if (!(nx > lo && nx < hi)) nx = lo + 0.5 * (hi - lo);
    if (x === hi && x - nx <= TOL * hi) { res = x; done = true; break; }
    x = nx;
  }
  if (!done) res = hi;
  return family === 'exponential' ? p * M.exp(res) : res;
}

/** KL-UCB index of every arm, then the pick. */
export function klucbRef(st, active, { family = 'bernoulli', c = 0, variance = 1 }, key, h, M) {
  const K = st.pulls.length;
  const f = klLevelRef(total(st), c, M);
  const scores = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const n = st.pulls[k];
    scores[k] = !active[k] ? -Infinity : n > 0 ? klUpperRef(family, st.rewards[k] / n, f / n, variance, M) : Infinity;
  }
  return decideFrom(scores, active, key, h);
}

/** IMED (Bernoulli): score −(n kl(mean, best) + ln n), best over the active pulled arms. */
export function imedRef(st, active, _o, key, h, M) {
  const K = st.pulls.length;
  let best = -Infinity;
  for (let k = 0; k < K; k++) { const n = st.pulls[k]; if (active[k] && n > 0) { const m = st.rewards[k] / n; if (m > best) best = m; } }
  const scores = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const n = st.pulls[k];
    scores[k] = !active[k] ? -Infinity : !(n > 0) ? Infinity : -(n * klBernoulliRef(st.rewards[k] / n, best, M) + M.log(n));
  }
  return decideFrom(scores, active, key, h);
}
