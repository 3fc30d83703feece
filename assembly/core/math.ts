// Deterministic f64 elementary functions (fdlibm algorithms), compiled into the module so that
// every runtime gets the same bits. The host's Math.exp/Math.log/Math.pow are implementation
// defined and are never used for numerics.

const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.44269504088896338700e+00;

/** x * 2^k without overflow in the constructed power. */
function scalbn(x: f64, k: i32): f64 {
  let y = x;
  if (k > 1023) {
    y *= reinterpret<f64>(<u64>(0x7fe) << 52); k -= 1023;
    if (k > 1023) { y *= reinterpret<f64>(<u64>(0x7fe) << 52); k -= 1023; if (k > 1023) k = 1023; }
  } else if (k < -1022) {
    y *= reinterpret<f64>(<u64>(0x001) << 52) * 9007199254740992.0; k += 1022 - 53;
    if (k < -1022) { y *= reinterpret<f64>(<u64>(0x001) << 52) * 9007199254740992.0; k += 1022 - 53; if (k < -1022) k = -1022; }
  }
  return y * reinterpret<f64>(<u64>(0x3ff + k) << 52);
}

/** e^x, fdlibm e_exp.c (error < 1 ulp). */
export function exp_f64(x: f64): f64 {
  if (x != x) return x;
  if (x > 7.09782712893383973096e+02) return Infinity;
  if (x < -7.45133219101941108420e+02) return 0.0;
  const ax = Math.abs(x);
  let hi: f64 = 0, lo: f64 = 0, k: i32 = 0;
  if (ax > 0.5 * 0.6931471805599453) {
    if (ax < 1.5 * 0.6931471805599453) {
      if (x > 0) { hi = x - LN2_HI; lo = LN2_LO; k = 1; } else { hi = x + LN2_HI; lo = -LN2_LO; k = -1; }
    } else {
      k = <i32>(INV_LN2 * x + (x < 0 ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI; lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (ax < 3.725290298461914e-09) {
    return 1.0 + x;
  }
  const t = x * x;
  const c = x - t * (1.66666666666666019037e-01 + t * (-2.77777777770155933842e-03 + t * (6.61375632143793436117e-05 +
    t * (-1.65339022054652515390e-06 + t * 4.13813679705723846039e-08))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  return scalbn(y, k);
}

/** natural log, fdlibm e_log.c (error < 1 ulp). */
export function log_f64(x: f64): f64 {
  let bits = reinterpret<u64>(x);
  let hx = <i32>(bits >> 32);
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if ((bits << 1) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54; x *= 1.80143985094819840000e+16;
    bits = reinterpret<u64>(x); hx = <i32>(bits >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = reinterpret<f64>((<u64>(hx | (i ^ 0x3ff00000)) << 32) | (bits & 0xffffffff));
  k += i >> 20;
  const f = x - 1.0;
  const dk = <f64>k;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) { if (k == 0) return 0; return dk * LN2_HI + dk * LN2_LO; }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    return dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

// Double-double helpers (Dekker / Veltkamp, no FMA needed): exact products for the integer power.
let ddLo: f64 = 0;
// @ts-ignore: decorator
@inline function twoProd(a: f64, b: f64): f64 {
  const p = a * b;
  const ca = 134217729.0 * a, ah = ca - (ca - a), al = a - ah;
  const cb = 134217729.0 * b, bh = cb - (cb - b), bl = b - bh;
  ddLo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return p;
}
/** (ah + al) * (bh + bl) as a normalised double-double; the low part goes to ddLo. */
function ddMul(ah: f64, al: f64, bh: f64, bl: f64): f64 {
  const p = twoProd(ah, bh);
  const e = ddLo + (ah * bl + al * bh);
  const hi = p + e;
  ddLo = e - (hi - p);
  return hi;
}

function powInt(x: f64, n: f64): f64 {
  // binary exponentiation carried in double-double: error stays near 1 ulp even for t ~ 1e6
  let bh = x, bl: f64 = 0, ah: f64 = 1.0, al: f64 = 0;
  while (n > 0) {
    const half = Math.floor(n * 0.5);
    if (n - 2.0 * half != 0) { ah = ddMul(ah, al, bh, bl); al = ddLo; }
    n = half;
    if (n > 0) { bh = ddMul(bh, bl, bh, bl); bl = ddLo; }
  }
  return ah + al;
}

/**
 * x^y. Integer exponents (|y| < 2^53) use binary exponentiation in double-double arithmetic (what
 * bias corrections beta^t and step schedules need, accurate to about 1 ulp); other exponents use
 * exp(y*log x) for x > 0 (relative error about |y log x| * 2^-53).
 */
export function pow_f64(x: f64, y: f64): f64 {
  if (y == 0) return 1.0;
  if (x != x || y != y) return NaN;
  if (Math.abs(y) < 9007199254740992.0 && Math.floor(y) == y) {
    let r = powInt(x, Math.abs(y));
    if (r != r || !isFinite(r)) {
      // the Veltkamp split overflows near the range limits: plain squaring there
      let n = Math.abs(y), base = x;
      r = 1.0;
      while (n > 0) { const half = Math.floor(n * 0.5); if (n - 2.0 * half != 0) r *= base; n = half; if (n > 0) base *= base; }
    }
    return y < 0 ? 1.0 / r : r;
  }
  if (x < 0) return NaN;
  if (x == 0) return y > 0 ? 0.0 : Infinity;
  return exp_f64(y * log_f64(x));
}

/** sqrt is IEEE-exact in wasm; exported so the orchestrator never uses Math.sqrt on numerics. */
export function sqrt_f64(x: f64): f64 {
  return Math.sqrt(x);
}

// ---- cos / sin (fdlibm kernels, Cody-Waite reduction by pi/2 in three parts) ----

// @ts-ignore: decorator
@inline function kcos(x: f64, y: f64): f64 {
  const z = x * x, w = z * z;
  const r = z * (4.16666666666666019037e-02 + z * (-1.38888888888741095749e-03 + z * 2.48015872894767294178e-05)) +
    w * w * (-2.75573143513906633035e-07 + z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11));
  const hz = 0.5 * z, v = 1.0 - hz;
  return v + (((1.0 - v) - hz) + (z * r - x * y));
}

// @ts-ignore: decorator
@inline function ksin(x: f64, y: f64): f64 {
  const z = x * x, w = z * z;
  const r = 8.33333333332248946124e-03 + z * (-1.98412698298579493134e-04 + z * 2.75573137070700676789e-06) +
    z * w * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10);
  const v = z * x;
  return x - ((z * (0.5 * y - v * r) - y) - v * -1.66666666666666324348e-01);
}

let remLo: f64 = 0;
let remHi: f64 = 0;
/** x - n*pi/2 as hi + remLo; returns n. Accurate for |x| < 2^20 * pi/2. */
function remPio2(x: f64): i32 {
  const fn = Math.floor(x * 6.36619772367581382433e-01 + 0.5);
  // pi/2 = pio2_1 + pio2_2 + pio2_2t (+ pio2_3 + pio2_3t): all three rounds of fdlibm's medium case
  let r = x - fn * 1.57079632673412561417e+00;
  let t = r;
  let w = fn * 6.07710050630396597660e-11; r = t - w; w = fn * 2.02226624879595063154e-21 - ((t - r) - w);
  t = r;
  w = fn * 2.02226624871116645580e-21; r = t - w; w = fn * 8.47842766036889956997e-32 - ((t - r) - w);
  const y = r - w;
  remLo = (r - y) - w;
  remHi = y;
  return <i32>fn;
}

/** cos x for |x| < 1.6e6 (NaN outside: schedules and rotations never need more). */
export function cos_f64(x: f64): f64 {
  const ax = Math.abs(x);
  if (!(ax < 1647099.0)) return NaN;
  if (ax <= 0.7853981633974483) return kcos(ax, 0);
  const n = remPio2(ax) & 3;
  if (n == 0) return kcos(remHi, remLo);
  if (n == 1) return -ksin(remHi, remLo);
  if (n == 2) return -kcos(remHi, remLo);
  return ksin(remHi, remLo);
}

/** sin x for |x| < 1.6e6 (NaN outside). */
export function sin_f64(x: f64): f64 {
  const ax = Math.abs(x);
  if (!(ax < 1647099.0)) return NaN;
  let s: f64;
  if (ax <= 0.7853981633974483) s = ax < 7.450580596923828e-09 ? ax : ksin(ax, 0);
  else {
    const n = remPio2(ax) & 3;
    if (n == 0) s = ksin(remHi, remLo);
    else if (n == 1) s = kcos(remHi, remLo);
    else if (n == 2) s = -ksin(remHi, remLo);
    else s = -kcos(remHi, remLo);
  }
  return x < 0 ? -s : s;
}
