// KL divergences of the one-parameter reward models of KL-UCB and IMED, the exploration level
// ln t + c ln ln t, and the upper-confidence inversion u = max{q >= p : kl(p, q) <= d}.
//
// The inversion is a safeguarded Newton iteration on h(x) = F(x) - d, increasing and convex on the
// bracket [lo, hi] (h(lo) <= 0 < h(hi), h(hi) may be +Infinity): it starts at hi, an explicit upper
// bound of the root (below), and keeps the bracket from the signs of h. Distances are measured on the
// scale m(x) = x - base (base = the bracket's start: p, or 0 for the exponential) and, for Bernoulli,
// min(x - base, 1 - x). A point below the root whose Newton step is under KL_TOL·m (rounding level)
// steps KL_TOL·m up instead; a Newton point outside the open bracket (or not a number) is replaced by
// the bisection point. It stops
// * at a Newton step down from hi of at most KL_QUAD·m = 1e-7·m: the result is the Newton point, an
//   upper bound of the root for a convex h, whose error is then (h''/2h')·step² <= 1.5e-14·m, since
//   h''/h' <= 1/m (Poisson, exponential) and <= 2/(q-p) + 1/(1-q) <= 3/m (Bernoulli);
// * when h = 0 (result x), when the bracket is shorter than KL_TOL·m(hi) = 1e-14·m(hi) or has no
//   double inside (result hi), or after KL_MAXIT steps (result hi).
// Every operation is IEEE double or the deterministic log_f64/exp_f64 in a fixed order, so the result
// is the same bits in every build (the JS reference test/helpers/reference-index-policies.mjs runs the
// same steps). Upper bounds (V = the largest s(1-s), resp. s, on [p, root]):
//   Bernoulli   F(q) = p ln(p/q) + (1-p) ln((1-p)/(1-q)) = ∫_p^q (s-p)/(s(1-s)) ds >= (q-p)²/(2V), F' = (q-p)/(q(1-q)):
//               hi = p + sqrt(2Vd) with V = p(1-p) for p >= 1/2, else 1/4, refined once with V = hi(1-hi)
//               when hi <= 1/2; when that reaches 1, hi = 1 - w from F(q) >= p ln p + (1-p) ln((1-p)/(1-q)),
//               w = (1-p) e^{-(d - p ln p)/(1-p)}, and the index is 1 when w < 2^-53 (the root rounds to 1);
//               p = 0: the root is 1 - e^-d in closed form (Taylor series for d < 0.125)
//   Poisson     F(q) = q - p + p ln(p/q) = ∫_p^q (s-p)/s ds >= (q-p)²/(2q), F' = 1 - p/q (ln(p/q) as log1pKl((p-q)/q)):
//               hi = p + sqrt(2 h0 d), h0 = (sqrt p + sqrt d)² (itself a bound);  p = 0: the root is d
//   Exponential F(y) = e^-y - 1 + y >= y²/(2(1+y)) (y = ln(q/p)), F' = 1 - e^-y: hi = min(d + sqrt(d² + 2d), d + 1),
//               u = p·e^y; for y < 0.125 F and F' by their Taylor series (no cancellation in e^-y - 1 + y)
//   Gaussian    closed form u = p + sqrt(2 σ² d)
import { exp_f64, log_f64 } from '../core/math';

export const KL_BERNOULLI: i32 = 0;
export const KL_GAUSSIAN: i32 = 1;
export const KL_POISSON: i32 = 2;
export const KL_EXPONENTIAL: i32 = 3;
export const KL_MAXIT: i32 = 64;
export const KL_TOL: f64 = 1e-14;
/** A Newton step down from hi of at most KL_QUAD × m (see above) ends the iteration at the Newton point. */
export const KL_QUAD: f64 = 1e-7;
/** 2^-53: a Bernoulli root closer than this to 1 is returned as 1. */
export const KL_NEAR_ONE: f64 = 1.1102230246251565e-16;

/** ln(1 + x) to a few ulps by Goldberg's trick (x > -1): ln(u)·x/(u - 1) with u = 1 + x rounded. */
export function log1pKl(x: f64): f64 {
  const u = 1.0 + x;
  if (u == 1.0) return x;
  return log_f64(u) * x / (u - 1.0);
}

/**
 * Bernoulli kl(p, q) = p ln(p/q) + (1-p) ln((1-p)/(1-q)) for p <= q (0 ln 0 = 0; +Infinity at q = 1 > p),
 * each logarithm as ln(1 + ratio - 1) with ratio - 1 formed exactly-ish ((p-q)/q, (q-p)/(1-q)), so that
 * neither term loses its relative accuracy when q is close to p or both are close to 0.
 */
export function klBernoulli(p: f64, q: f64): f64 {
  const a = p > 0.0 ? p * log1pKl((p - q) / q) : 0.0;
  const b = p < 1.0 ? (q < 1.0 ? (1.0 - p) * log1pKl((q - p) / (1.0 - q)) : Infinity) : 0.0;
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
    if (p <= 0.0) return d < 0.125 ? expSeriesG(d) : 1.0 - exp_f64(-d);
    lo = p; hi = p + Math.sqrt(2.0 * (p >= 0.5 ? p * (1.0 - p) : 0.25) * d);
    if (hi <= 0.5) hi = p + Math.sqrt(2.0 * (hi * (1.0 - hi)) * d);
    if (hi >= 1.0) {
      const w = (1.0 - p) * exp_f64(-(d - (p > 0.0 ? p * log_f64(p) : 0.0)) / (1.0 - p));
      if (w < KL_NEAR_ONE) return 1.0;
      hi = 1.0 - w;
    }
  } else if (fam == KL_POISSON) {
    if (p <= 0.0) return d;
    const r = Math.sqrt(p) + Math.sqrt(d);
    lo = p; hi = p + Math.sqrt(2.0 * (r * r) * d);
  } else {
    lo = 0.0; hi = d + Math.sqrt(d * d + 2.0 * d);
    if (hi > d + 1.0) hi = d + 1.0;
  }
  const base = lo;
  let x = hi, res = hi, done = false;
  for (let it = 0; it < KL_MAXIT; it++) {
    let f: f64, dx: f64;
    if (fam == KL_BERNOULLI) {
      f = klBernoulli(p, x) - d;
      dx = f * (x * (1.0 - x)) / (x - p);
    } else if (fam == KL_POISSON) {
      f = ((x - p) + p * log1pKl((p - x) / x)) - d;
      dx = f * x / (x - p);
    } else if (x < 0.125) {
      f = expSeriesF(x) - d;
      dx = f / expSeriesG(x);
    } else {
      const e = exp_f64(-x);
      f = ((e - 1.0) + x) - d;
      dx = f / (1.0 - e);
    }
    if (f > 0.0 || f != f) hi = x;
    else if (f < 0.0) lo = x;
    else { res = x; done = true; break; }
    let mh = hi - base;
    if (fam == KL_BERNOULLI && 1.0 - hi < mh) mh = 1.0 - hi;
    if (hi - lo <= KL_TOL * mh) { res = hi; done = true; break; }
    let nx = x - dx;
    let m = x - base;
    if (fam == KL_BERNOULLI && 1.0 - x < m) m = 1.0 - x;
    if (x == hi && dx <= KL_QUAD * m) { res = nx; done = true; break; }
    if (x == lo && nx - x <= KL_TOL * m) nx = x + KL_TOL * m;
    if (!(nx > lo && nx < hi)) {
      nx = lo + 0.5 * (hi - lo);
      if (!(nx > lo && nx < hi)) { res = hi; done = true; break; }
    }
    x = nx;
  }
  if (!done) res = hi;
  return fam == KL_EXPONENTIAL ? p * exp_f64(res) : res;
}
