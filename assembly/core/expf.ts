// e^-x for x >= 0 (or NaN) in plain f32 operations, the same operations in the same order for one lane
// (exp_neg_f32) and four (exp_neg_f32x4), so SIMD and scalar builds agree bit for bit. Used by
// diffGrad's friction 1/(1 + e^-|Δg|), where it replaces the f64 exp of assembly/core/math.ts.
//   y = -(80 < x ? 80 : x)               (f32x4.pmin; e^-80 = 1.8e-35: 1 + e^-x is 1 in f32 from x > 17.4 on; NaN stays NaN)
//   k = nearest(y·log2 e)                by the 1.5·2^23 rounding trick (round to nearest even, no
//                                        float-to-int conversion): t = y·log2e + 1.5·2^23, k = bits(t) − bits(1.5·2^23)
//   r = (y − k·C1) − k·C2                Cody–Waite ln 2 = C1 + C2, C1 = 0.693359375 (9 bits: k·C1 exact)
//   e^r = (P(r)·r² + r) + 1             Cephes expf's minimax P of degree 5 on |r| <= ln2/2 (rel. error < 2e-7)
//   e^-x = e^r · 2^k                     2^k built from its bits, (k + 127) << 23 = (bits(t) − bits(1.5·2^23) + 127) << 23,
//                                        k in [-116, 0] (a normal float)
// Relative error within about 2 ulp of f32 over [0, 80], monotone enough for the friction, whose value
// in [0.5, 1] it moves by at most one f32 ulp against the f64 routine.

const LOG2E: f32 = 1.44269504088896341;
const MAGIC: f32 = 12582912.0; // 1.5 * 2^23
const MAGIC_BITS: i32 = 0x4b400000;
const C1: f32 = 0.693359375;
const C2: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;
const XMAX: f32 = 80;

// @ts-ignore: decorator
@inline export function exp_neg_f32(x: f32): f32 {
  const y = -(XMAX < x ? XMAX : x);
  const t = y * LOG2E + MAGIC;
  const kf = t - MAGIC;
  const r = (y - kf * C1) - kf * C2;
  const z = r * r;
  const q = ((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5;
  return (((q * z) + r) + <f32>1) * reinterpret<f32>((reinterpret<i32>(t) - (MAGIC_BITS - 127)) << 23);
}

// @ts-ignore: decorator
@inline export function exp_neg_f32x4(x: v128): v128 {
  const y = f32x4.neg(f32x4.pmin(x, f32x4.splat(XMAX)));
  const t = f32x4.add(f32x4.mul(y, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const kf = f32x4.sub(t, f32x4.splat(MAGIC));
  const r = f32x4.sub(f32x4.sub(y, f32x4.mul(kf, f32x4.splat(C1))), f32x4.mul(kf, f32x4.splat(C2)));
  const z = f32x4.mul(r, r);
  let q = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P2));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P3));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P4));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P5));
  const e = f32x4.add(f32x4.add(f32x4.mul(q, z), r), f32x4.splat(1));
  return f32x4.mul(e, i32x4.shl(i32x4.sub(t, i32x4.splat(MAGIC_BITS - 127)), 23));
}
