// KL divergences of the one-parameter reward models of KL-UCB and IMED, the exploration level
// ln t + c ln ln t, and the upper-confidence inversion u = max{q >= p : kl(p, q) <= d}.
//
// The inversion is a safeguarded Newton iteration on h(x) = F(x) - d, increasing and convex on the
// bracket [lo, hi] (h(lo) <= 0 < h(hi), h(hi) may be +Infinity): it starts at hi (an explicit upper
// bound of the root), keeps the bracket from the signs of h, and bisects whenever the Newton point
// leaves the open bracket (or is not a number). It stops when the bracket is shorter than KL_TOL·hi
// or when a Newton step down from hi is at most KL_TOL·hi (result hi: the last point where h > 0, an
// upper bound of the root up to rounding), or after KL_MAXIT steps (result: hi). Every operation is IEEE double or
// the deterministic log_f64/exp_f64, in a fixed order, so the result is the same bits in every build
// (the JS reference test/helpers/reference-index-policies.mjs runs the same steps).
//   Bernoulli   F(q) = p ln(p/q) + (1-p) ln((1-p)/(1-q)), F' = (q-p)/(q(1-q)), x = q in [p, min(1, p + sqrt(d/2))] (Pinsker)
//   Poisson     F(q) = q - p + p ln(p/q),                  F' = 1 - p/q,        x = q in [p, (sqrt p + sqrt d)^2]
//   Exponential F(y) = e^-y - 1 + y (y = ln(q/p)),         F' = 1 - e^-y,       x = y in [0, d + 1], u = p·e^y
//               (for y < 0.125 F and F' by their Taylor series, which avoids the cancellation in e^-y - 1 + y)
//   Gaussian    closed form u = p + sqrt(2 σ² d)
import { exp_f64, log_f64 } from '../core/math';

export const KL_BERNOULLI: i32 = 0;
export const KL_GAUSSIAN: i32 = 1;
export const KL_POISSON: i32 = 2;
export const KL_EXPONENTIAL: i32 = 3;
export const KL_MAXIT: i32 = 64;
export const KL_TOL: f64 = 1e-14;

/** Bernoulli kl(p, q) with 0 ln 0 = 0 (+Infinity when q is 0 or 1 and p is not). */
export function klBernoulli(p: f64, q: f64): f64 {
  const a = p > 0.0 ? p * log_f64(p / q) : 0.0;
  const b = p < 1.0 ? (1.0 - p) * log_f64((1.0 - p) / (1.0 - q)) : 0.0;
  return a + b;
}

/** The exploration level ln t + c ln ln t (ln t = 0 for t <= 1; the ln ln t term 0 for ln t <= 1). */
export function klLevel(t: f64, c: f64): f64 {
  const lt = t > 1.0 ? log_f64(t) : 0.0;
  return lt + (c > 0.0 && lt > 1.0 ? c * log_f64(lt) : 0.0);
}

/** e^-y - 1 + y and 1 - e^-y for 0 <= y < 0.125 by their Taylor series (Horner, 12 terms): no cancellation. */
export function expSeriesF(y: f64): f64 { return y * y * (0.5 - y * (0.16666666666666666 - y * (0.041666666666666664 - y * (0.008333333333333333 - y * (0.001388888888888889 - y * (0.0001984126984126984 - y * (2.48015873015873e-05 - y * (2.7557319223985893e-06 - y * (2.755731922398589e-07 - y * (2.505210838544172e-08 - y * (2.08767569878681e-09 - y * (1.6059043836821613e-10)))))))))))); }
export function expSeriesG(y: f64): f64 { return y * (1.0 - y * (0.5 - y * (0.16666666666666666 - y * (0.041666666666666664 - y * (0.008333333333333333 - y * (0.001388888888888889 - y * (0.0001984126984126984 - y * (2.48015873015873e-05 - y * (2.7557319223985893e-06 - y * (2.755731922398589e-07 - y * (2.505210838544172e-08 - y * (2.08767569878681e-09)))))))))))); }

/** max{q >= p : kl_fam(p, q) <= d} (sigma2: the Gaussian variance; unused otherwise). */
export function klUpper(fam: i32, p: f64, d: f64, sigma2: f64): f64 {
  if (!(d > 0.0)) return p;
  if (fam == KL_GAUSSIAN) return p + Math.sqrt(2.0 * sigma2 * d);
  let lo: f64, hi: f64;
  if (fam == KL_BERNOULLI) {
    if (p >= 1.0) return 1.0;
    lo = p; hi = p + Math.sqrt(0.5 * d);
    if (hi > 1.0) hi = 1.0;
  } else if (fam == KL_POISSON) {
    if (p <= 0.0) return d;
    const r = Math.sqrt(p) + Math.sqrt(d);
    lo = p; hi = r * r;
  } else {
    lo = 0.0; hi = d + 1.0;
  }
  let x = hi, res = hi, done = false;
  for (let it = 0; it < KL_MAXIT; it++) {
    let f: f64, g: f64;
    if (fam == KL_BERNOULLI) {
      f = klBernoulli(p, x) - d;
      g = (x - p) / (x * (1.0 - x));
    } else if (fam == KL_POISSON) {
      f = ((x - p) + p * log_f64(p / x)) - d;
      g = 1.0 - p / x;
    } else {
      if (x < 0.125) { f = expSeriesF(x) - d; g = expSeriesG(x); } else {
        const e = exp_f64(-x);
        f = ((e - 1.0) + x) - d;
        g = 1.0 - e;
      }
    }
    if (f > 0.0 || f != f) hi = x;
    else if (f < 0.0) lo = x;
    else { res = x; done = true; break; }
    if (hi - lo <= KL_TOL * hi) { res = hi; done = true; break; }
    let nx = x - f / g;
    if (!(nx > lo && nx < hi)) nx = lo + 0.5 * (hi - lo);
    if (x == hi && x - nx <= KL_TOL * hi) { res = x; done = true; break; }
    x = nx;
  }
  if (!done) res = hi;
  return fam == KL_EXPONENTIAL ? p * exp_f64(res) : res;
}
