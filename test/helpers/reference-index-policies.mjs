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

/** ln(1 + x) by Goldberg's trick, as assembly/bandits/kl.ts log1pKl. */
export function log1pRef(x, M) {
  const u = 1 + x;
  if (u === 1) return x;
  return M.log(u) * x / (u - 1);
}
/** Bernoulli kl(p, q) for p <= q, 0 ln 0 = 0, as assembly/bandits/kl.ts klBernoulli. */
export function klBernoulliRef(p, q, M) {
  const a = p > 0 ? p * log1pRef((p - q) / q, M) : 0;
  const b = p < 1 ? (q < 1 ? (1 - p) * log1pRef((q - p) / (1 - q), M) : Infinity) : 0;
  return a + b;
}
export const klLevelRef = (t, c, M) => {
  const lt = t > 1 ? M.log(t) : 0;
  return lt + (c > 0 && lt > 1 ? c * M.log(lt) : 0);
};

/** e^-y - 1 + y and 1 - e^-y for 0 <= y < 0.125 by their Taylor series (as assembly/bandits/kl.ts). */
export const expSeriesF = (y) => y * y * (0.5 - y * (0.16666666666666666 - y * (0.041666666666666664 - y * (0.008333333333333333 - y * (0.001388888888888889 - y * (0.0001984126984126984 - y * (2.48015873015873e-05 - y * (2.7557319223985893e-06 - y * (2.755731922398589e-07 - y * (2.505210838544172e-08 - y * (2.08767569878681e-09 - y * (1.6059043836821613e-10))))))))))));
export const expSeriesG = (y) => y * (1.0 - y * (0.5 - y * (0.16666666666666666 - y * (0.041666666666666664 - y * (0.008333333333333333 - y * (0.001388888888888889 - y * (0.0001984126984126984 - y * (2.48015873015873e-05 - y * (2.7557319223985893e-06 - y * (2.755731922398589e-07 - y * (2.505210838544172e-08 - y * (2.08767569878681e-09))))))))))));

const TOL = 1e-14, QUAD = 1e-7, MAXIT = 64, NEAR_ONE = 1.1102230246251565e-16;
/** max{q >= p : kl_family(p, q) <= d}: safeguarded Newton from an upper bound, bisection fallback. */
export function klUpperRef(family, p, d, sigma2, M) {
  if (!(d > 0)) return p;
  if (family === 'gaussian') return p + M.sqrt(2 * sigma2 * d);
  let lo, hi;
  if (family === 'bernoulli') {
    if (p >= 1) return 1;
    if (p <= 0) return d < 0.125 ? expSeriesG(d) : 1 - M.exp(-d);
    lo = p; hi = p + M.sqrt(2 * (p >= 0.5 ? p * (1 - p) : 0.25) * d);
    if (hi <= 0.5) hi = p + M.sqrt(2 * (hi * (1 - hi)) * d);
    if (hi >= 1) {
      const w = (1 - p) * M.exp(-(d - (p > 0 ? p * M.log(p) : 0)) / (1 - p));
      if (w < NEAR_ONE) return 1;
      hi = 1 - w;
    }
  } else if (family === 'poisson') {
    if (p <= 0) return d;
    const r = M.sqrt(p) + M.sqrt(d);
    lo = p; hi = p + M.sqrt(2 * (r * r) * d);
  } else {
    lo = 0; hi = d + M.sqrt(d * d + 2 * d);
    if (hi > d + 1) hi = d + 1;
  }
  const base = lo;
  let x = hi, res = hi, done = false;
  for (let it = 0; it < MAXIT; it++) {
    let f, dx;
    if (family === 'bernoulli') { f = klBernoulliRef(p, x, M) - d; dx = f * (x * (1 - x)) / (x - p); }
    else if (family === 'poisson') { f = ((x - p) + p * log1pRef((p - x) / x, M)) - d; dx = f * x / (x - p); }
    else if (x < 0.125) { f = expSeriesF(x) - d; dx = f / expSeriesG(x); }
    else { const e = M.exp(-x); f = ((e - 1) + x) - d; dx = f / (1 - e); }
    if (f > 0 || Number.isNaN(f)) hi = x;
    else if (f < 0) lo = x;
    else { res = x; done = true; break; }
    let mh = hi - base;
    if (family === 'bernoulli' && 1 - hi < mh) mh = 1 - hi;
    if (hi - lo <= TOL * mh) { res = hi; done = true; break; }
    let nx = x - dx;
    let m = x - base;
    if (family === 'bernoulli' && 1 - x < m) m = 1 - x;
    if (x === hi && dx <= QUAD * m) { res = nx; done = true; break; }
    if (x === lo && nx - x <= TOL * m) nx = x + TOL * m;
    if (!(nx > lo && nx < hi)) {
      nx = lo + 0.5 * (hi - lo);
      if (!(nx > lo && nx < hi)) { res = hi; done = true; break; }
    }
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

// ---- Bayes-UCB (assembly/bandits/beta.ts, bayesucb.ts) ----
const HALF_LN_2PI = 0.9189385332046727, CF_MAXIT = 20000, CF_EPS = 1e-15, FPMIN = 1e-300, Q_MAXIT = 64, Q_TOL = 1e-13;
/** ln Γ(x), x >= 1: shift to z >= 10, Stirling's series (7 terms). */
export function lgammaRef(x, M) {
  let z = x, prod = 1;
  while (z < 10) { prod *= z; z += 1; }
  const w = 1 / (z * z);
  const s = (0.08333333333333333 + w * (-0.002777777777777778 + w * (0.0007936507936507937 + w * (-0.0005952380952380953 +
    w * (0.0008417508417508417 + w * (-0.0019175269175269176 + w * 0.00641025641025641)))))) / z;
  return ((z - 0.5) * M.log(z) - z + HALF_LN_2PI + s) - M.log(prod);
}
function betacfRef(a, b, x) {
  const qab = a + b, qap = a + 1, qam = a - 1;
  let c = 1, d = 1 - qab * x / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= CF_MAXIT; m++) {
    const m2 = 2 * m;
    let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d; h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < CF_EPS) break;
  }
  return h;
}
/** [Q(x) = 1 − I_x(a, b), front = x^a (1−x)^b / B(a, b)]. */
export function betaQRef(x, a, b, lnB, M) {
  if (!(x > 0)) return [1, 0];
  if (!(x < 1)) return [0, 0];
  const front = M.exp(a * M.log(x) + b * log1pRef(-x, M) - lnB);
  if (x < (a + 1) / (a + b + 2)) return [1 - front * betacfRef(a, b, x) / a, front];
  return [front * betacfRef(b, a, 1 - x) / b, front];
}
/** The x with 1 − I_x(a, b) = delta, as assembly/bandits/beta.ts betaUpper. */
export function betaUpperRef(a, b, delta, M) {
  if (!(delta < 1)) return 0;
  const lnB = lgammaRef(a, M) + lgammaRef(b, M) - lgammaRef(a + b, M);
  const ld = M.log(delta);
  const s = a + b, mean = a / s, sd = M.sqrt(a * b / (s * s * (s + 1)));
  let lo = 0, hi = 1;
  let x = mean + M.sqrt(-2 * ld) * sd;
  if (!(x < 1)) x = 0.5 * (mean + 1);
  for (let it = 0; it < Q_MAXIT; it++) {
    const [q, front] = betaQRef(x, a, b, lnB, M);
    const g = M.log(q) - ld;
    if (g > 0) lo = x; else if (g < 0 || Number.isNaN(g)) hi = x; else return x;
    const nx = x + g * (x * (1 - x)) * q / front;
    const m = x < 1 - x ? x : 1 - x;
    const step = nx > x ? nx - x : x - nx;
    if (nx > lo && nx < hi) {
      if (step <= Q_TOL * m) return nx;
      x = nx;
    } else {
      const mid = lo + 0.5 * (hi - lo);
      if (!(mid > lo && mid < hi)) return mid;
      x = mid;
    }
  }
  return lo + 0.5 * (hi - lo);
}
/** Bayes-UCB decide: the 1 − 1/(τ (ln T)^c) quantile of Beta(1 + s, 1 + n − s), τ = t + 1. */
export function bayesUcbRef(st, active, { c = 0, horizon = 0 }, key, h, M) {
  const K = st.pulls.length;
  const lc = c > 0 ? M.exp(c * M.log(M.log(horizon))) : 1;
  const delta = 1 / ((total(st) + 1) * lc);
  const scores = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const n = st.pulls[k], s = st.rewards[k], f = n - s;
    scores[k] = !active[k] ? -Infinity : betaUpperRef(1 + s, 1 + (f > 0 ? f : 0), delta, M);
  }
  return decideFrom(scores, active, key, h);
}
