// The Beta distribution's upper quantile for Bayes-UCB, deterministic in every build: ln Γ by Stirling's
// series, the regularized incomplete beta I_x(a, b) by its continued fraction (modified Lentz), and the
// quantile by a safeguarded Newton iteration on ln Q(x) = ln(1 - I_x(a, b)). Every operation is IEEE
// double or the deterministic log_f64/exp_f64 in a fixed order; fixed iteration bounds and tolerances
// (the JS reference test/helpers/reference-index-policies.mjs runs the same steps).
import { exp_f64, log_f64 } from '../core/math';
import { log1pKl } from './kl';

const HALF_LN_2PI: f64 = 0.9189385332046727;
export const BETA_CF_MAXIT: i32 = 20000;
export const BETA_CF_EPS: f64 = 1e-15;
const FPMIN: f64 = 1e-300;
export const BETA_Q_MAXIT: i32 = 64;
export const BETA_Q_TOL: f64 = 1e-13;

/**
 * ln Γ(x) for x >= 1: shifted up to z >= 10 (ln Γ(x) = ln Γ(z) − ln(x (x+1) … (z−1))), then Stirling's
 * series (z − 1/2) ln z − z + ln √(2π) + Σ_{k=1..7} B_2k / (2k(2k−1) z^(2k−1)) (truncation < 1e-17).
 */
export function lgammaBeta(x: f64): f64 {
  let z = x, prod: f64 = 1.0;
  while (z < 10.0) { prod *= z; z += 1.0; }
  const w = 1.0 / (z * z);
  const s = (0.08333333333333333 + w * (-0.002777777777777778 + w * (0.0007936507936507937 + w * (-0.0005952380952380953 +
    w * (0.0008417508417508417 + w * (-0.0019175269175269176 + w * 0.00641025641025641)))))) / z;
  return ((z - 0.5) * log_f64(z) - z + HALF_LN_2PI + s) - log_f64(prod);
}

/** The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz), at most BETA_CF_MAXIT terms. */
function betacf(a: f64, b: f64, x: f64): f64 {
  const qab = a + b, qap = a + 1.0, qam = a - 1.0;
  let c: f64 = 1.0, d = 1.0 - qab * x / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1.0 / d;
  let h = d;
  for (let m = 1; m <= BETA_CF_MAXIT; m++) {
    const fm = <f64>m, m2 = 2.0 * fm;
    let aa = fm * (b - fm) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1.0 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1.0 / d; h *= d * c;
    aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1.0 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1.0 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1.0) < BETA_CF_EPS) break;
  }
  return h;
}

/** Set by betaUpper: front = x^a (1−x)^b / B(a, b) at the returned point (for the density). */
let qFront: f64 = 0;
/** Q(x) = 1 − I_x(a, b), each tail from its own side of the continued fraction's switch point; lnB = ln B(a, b). */
export function betaQ(x: f64, a: f64, b: f64, lnB: f64): f64 {
  if (!(x > 0.0)) { qFront = 0.0; return 1.0; }
  if (!(x < 1.0)) { qFront = 0.0; return 0.0; }
  const front = exp_f64(a * log_f64(x) + b * log1pKl(-x) - lnB);
  qFront = front;
  if (x < (a + 1.0) / (a + b + 2.0)) return 1.0 - front * betacf(a, b, x) / a;
  return front * betacf(b, a, 1.0 - x) / b;
}

/**
 * The x with Q(x) = 1 − I_x(a, b) = delta (a, b >= 1, 0 < delta <= 1; delta = 1 gives 0): safeguarded
 * Newton on g(x) = ln Q(x) − ln delta (decreasing; g' = −density/Q = −front/(x(1−x)Q)) over the bracket
 * [0, 1], from the normal approximation mean + sqrt(−2 ln delta)·sd, bisecting when the Newton point
 * leaves the open bracket; it stops when a step is at most BETA_Q_TOL·min(x, 1−x) (result: the Newton
 * point), when the bracket has no double inside or after BETA_Q_MAXIT steps (result: the bracket's middle).
 */
export function betaUpper(a: f64, b: f64, delta: f64): f64 {
  if (!(delta < 1.0)) return 0.0;
  const lnB = lgammaBeta(a) + lgammaBeta(b) - lgammaBeta(a + b);
  const ld = log_f64(delta);
  const s = a + b, mean = a / s, sd = Math.sqrt(a * b / (s * s * (s + 1.0)));
  let lo: f64 = 0.0, hi: f64 = 1.0;
  let x = mean + Math.sqrt(-2.0 * ld) * sd;
  if (!(x < 1.0)) x = 0.5 * (mean + 1.0);
  for (let it = 0; it < BETA_Q_MAXIT; it++) {
    const q = betaQ(x, a, b, lnB);
    const g = log_f64(q) - ld;
    if (g > 0.0) lo = x; else if (g < 0.0 || g != g) hi = x; else return x;
    const nx = x + g * (x * (1.0 - x)) * q / qFront;
    const m = x < 1.0 - x ? x : 1.0 - x;
    const step = nx > x ? nx - x : x - nx;
    if (nx > lo && nx < hi) {
      if (step <= BETA_Q_TOL * m) return nx;
      x = nx;
    } else {
      const mid = lo + 0.5 * (hi - lo);
      if (!(mid > lo && mid < hi)) return mid;
      x = mid;
    }
  }
  return lo + 0.5 * (hi - lo);
}
