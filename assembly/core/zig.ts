// Gamma and Beta draws without transcendentals on the common path (BernoulliTS's sampler): the
// Marsaglia & Tsang (2000) gamma method as in ./rng.ts, but its normal is a ziggurat (Marsaglia &
// Tsang 2000, "The Ziggurat Method for Generating Random Variables"; 256 layers, tables from
// scripts/ziggurat_tables.py, with separate bits for the layer and the value as Doornik 2005 asks), and
// one Philox block feeds a whole Marsaglia–Tsang round: words 0-1 the ziggurat candidate, words 2-3
// the acceptance uniform. The common path (ziggurat fast path, ≈ 98.5%; a squeeze that accepts all but ≈ x⁴/(108d) of the exact test) takes no
// log, exp or cos: one block, one table compare, a dozen IEEE operations. Counter layout, stream s:
//   gamma draw j, round r (0 ≤ r < 63): block (s, j·64 + r);  shape < 1 boost uniform: block (s, j·64 + 63);
//   the ziggurat slow path of round r (wedge tests, the tail, new candidates): blocks
//   (s ^ 0x40000000, (j·64 + r)·32 + m), m = 0..31 (so j < 2^21 keeps every index distinct);
//   Beta(a, b) draw j = X/(X + Y), X ~ Ga(a) from stream s, Y ~ Ga(b) from stream s ^ 0x80000000.
// Every operation is an IEEE double operation or ./math's log_f64/exp_f64, in a fixed order, so the
// draws are the same bits in every build, runtime and thread split; the SIMD build computes four
// Philox blocks per v128 pass (integer arithmetic: the same words). The JS reference is
// test/helpers/reference-bandits.mjs (zigNormalRef, zgammaRef, zbetaRef).
import { philox, px0, px1, px2, px3, u53 } from './rng';
import { exp_f64, log_f64 } from './math';
import { ZIG_R, ZIG_X, ZIG_F } from './ziggurat-tables';

/** Counter indices per gamma draw (rounds 0..62, the boost uniform at 63). */
export const ZG_ROUNDS: u32 = 64;
/** Blocks of one ziggurat slow path. */
export const ZIG_SLOW: u32 = 32;
const S_SLOW: u32 = 0x40000000;

/** A double in [0, 1) from all 32 bits of a and the top 21 of b (bits 0-8 of b are the layer and the sign). */
// @ts-ignore: decorator
@inline function u53z(a: u32, b: u32): f64 {
  return (<f64>a * 2097152.0 + <f64>(b >>> 11)) * 1.1102230246251565e-16;
}

/**
 * The ziggurat's slow path for a candidate x = u·X[i] of layer i that left the fast path (x ≥ X[i + 1]):
 * layer 0 samples the tail beyond r (Marsaglia 1964: a = −ln U1/r, b = −ln U2 until 2b > a², x = r + a);
 * a layer i ≥ 1 accepts x when F[i] + (F[i+1] − F[i])·U < exp(−x²/2), else takes a new candidate.
 * Block m: words 0-1 the wedge uniform (the tail: U1 from words 0-1, U2 from words 2-3), words 2-3 the
 * next candidate. After ZIG_SLOW blocks (probability < 2^-100) the last candidate is returned.
 */
function zigSlow(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, idx: u32, i: i32, neg: bool, x: f64): f64 {
  const ss = s ^ S_SLOW, base = idx * ZIG_SLOW;
  for (let m: u32 = 0; m < ZIG_SLOW; m++) {
    philox(h0, h1, ss, base + m, k0, k1);
    const w0 = px0, w1 = px1, w2 = px2, w3 = px3;
    if (i == 0) {
      const a = -log_f64(1.0 - u53(w0, w1)) / ZIG_R;
      const b = -log_f64(1.0 - u53(w2, w3));
      if (b + b > a * a) { const y = ZIG_R + a; return neg ? -y : y; }
      continue;
    }
    const f0 = unchecked(ZIG_F[i]), f1 = unchecked(ZIG_F[i + 1]);
    if (f0 + (f1 - f0) * u53(w0, w1) < exp_f64(-0.5 * x * x)) return neg ? -x : x;
    i = <i32>(w3 & 255); neg = (w3 & 256) != 0;
    x = u53z(w2, w3) * unchecked(ZIG_X[i]);
    if (x < unchecked(ZIG_X[i + 1])) return neg ? -x : x;
  }
  return neg ? -x : x;
}

/**
 * Standard normal from the candidate words (a, b): layer i = b & 255, sign = bit 8 of b, x = u·X[i]
 * with u = u53z(a, b); returned when x < X[i + 1] (the fast path), else the slow path above on the
 * blocks of (stream s, index idx).
 */
// @ts-ignore: decorator
@inline export function zigNormal(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, idx: u32, a: u32, b: u32): f64 {
  const i = <i32>(b & 255), neg = (b & 256) != 0;
  const x = u53z(a, b) * unchecked(ZIG_X[i]);
  if (x < unchecked(ZIG_X[i + 1])) return neg ? -x : x;
  return zigSlow(k0, k1, h0, h1, s, idx, i, neg, x);
}

/**
 * A squeeze that implies Marsaglia–Tsang's logarithmic test ln u < x²/2 + d − d·v + d·ln v as the
 * kernels evaluate it (f64 operations, log_f64), without a logarithm; e = 1 − u, t = 1 + c·x, v = t³.
 * With y = t − 1 = c·x and 9d·c² = 1 the right side is 3d·h(y), h(y) = ln(1 + y) − y + y²/2 − y³/3
 * = −∫₀^y s³/(1 + s) ds ≥ −y⁴/(4·min(1, t)) (for y < 0 because 1 + s ≥ t on [y, 0]), so it is at least
 * −x⁴/(108·d·min(1, t)); and ln u = ln(1 − e) ≤ −e − e²/2. Hence e + e²/2 > x⁴/(108·d·min(1, t)) implies
 * the exact test, and the margin M = 2^-46·(x² + d·(4 + 2v)) (with t ≥ 1/2, so |ln v| ≤ 2.08) and the
 * factor 1 + 2^-46 exceed, by a factor over 30, the rounding of the test's f64 evaluation (each of its
 * six operations errs by at most 2^-53 of an intermediate, all below x² + d·(4 + 2v)), log_f64's
 * error (under 1 ulp of ln u and of ln v), the rounding of c, t and v in the identity above (relative
 * 2^-51 of x²/2 and of d·|v − 1|) and this test's own rounding: so it accepts only draws the
 * logarithmic test accepts, and every draw keeps its bits (test/bandits-rng.test.mjs checks zgamma
 * against a reference that runs only the logarithmic test). It accepts all but about x⁴/(108d) of
 * what the exact test accepts (Marsaglia–Tsang's own squeeze, u < 1 − 0.0331·x⁴, loses ≈ 8%).
 */
// @ts-ignore: decorator
@inline function squeeze(x: f64, e: f64, t: f64, v: f64, d: f64): bool {
  const x2 = x * x, m = t < 1.0 ? t : 1.0;
  const M = 1.4210854715202004e-14 * (x2 + d * (4.0 + 2.0 * v));
  return t >= 0.5 && (e + 0.5 * e * e - M) * (108.0 * d * m) > (x2 * x2) * 1.0000000000000142;
}

/** Marsaglia–Tsang's d = a − 1/3 for a shape (a = shape + 1 below 1, the boost). */
// @ts-ignore: decorator
@inline export function zgD(shape: f64): f64 { return (shape < 1.0 ? shape + 1.0 : shape) - 1.0 / 3.0; }
/** Marsaglia–Tsang's c = 1/√(9d). */
// @ts-ignore: decorator
@inline export function zgC(d: f64): f64 { return 1.0 / Math.sqrt(9.0 * d); }

/**
 * Gamma(shape, 1) draw j of stream s with d = zgD(shape), c = zgC(d) given, round 0's block words
 * (w0..w3) given (the caller computed block (s, j·64)); rounds 1.. compute their own. Round r: x = the
 * ziggurat normal of words 0-1, t = 1 + c·x (t ≤ 0: next round), v = t³, u = 1 − u53(w2, w3) ∈ (0, 1];
 * accept d·v when the squeeze below or the logarithmic test of ./rng.ts's gamma accepts (the squeeze
 * implies the logarithmic test, so a draw is what the logarithmic test alone gives). After 63 rounds: d. Shape < 1:
 * times U^(1/shape), U = 1 − u53 of block (s, j·64 + 63) words 0-1. Shape must be > 0 and finite.
 */
export function zgammaFrom(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, j: u32, shape: f64, d: f64, c: f64,
                           w0: u32, w1: u32, w2: u32, w3: u32): f64 {
  if (!(shape > 0.0) || !(shape < Infinity)) return NaN;
  const base = j * ZG_ROUNDS;
  let g = d;
  for (let r: u32 = 0; r < ZG_ROUNDS - 1; r++) {
    if (r > 0) { philox(h0, h1, s, base + r, k0, k1); w0 = px0; w1 = px1; w2 = px2; w3 = px3; }
    const x = zigNormal(k0, k1, h0, h1, s, base + r, w0, w1);
    const t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const v = t * t * t;
    const e = u53(w2, w3), u = 1.0 - e;      // u ∈ (0, 1], e = 1 − u exactly
    if (squeeze(x, e, t, v, d)) { g = d * v; break; }
    if (log_f64(u) < 0.5 * x * x + d - d * v + d * log_f64(v)) { g = d * v; break; }
  }
  if (shape < 1.0) {
    philox(h0, h1, s, base + ZG_ROUNDS - 1, k0, k1);
    g = g * exp_f64(log_f64(1.0 - u53(px0, px1)) / shape);
  }
  return g;
}

/**
 * The common case of zgammaFrom inline (round 0 accepted by the ziggurat's fast path and the squeeze);
 * anything else goes to zgammaFrom with the same words, so the result is zgammaFrom's bit for bit.
 */
// @ts-ignore: decorator
@inline function zgammaFast(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, j: u32, shape: f64, d: f64, c: f64,
                            w0: u32, w1: u32, w2: u32, w3: u32): f64 {
  const i = <i32>(w1 & 255);
  const xa = u53z(w0, w1) * unchecked(ZIG_X[i]);
  const x = (w1 & 256) != 0 ? -xa : xa;
  const t = 1.0 + c * x;
  const v = t * t * t;
  let g: f64;
  if (xa < unchecked(ZIG_X[i + 1]) && shape >= 1.0 && shape < Infinity && squeeze(x, u53(w2, w3), t, v, d)) g = d * v;
  else g = zgammaFrom(k0, k1, h0, h1, s, j, shape, d, c, w0, w1, w2, w3);
  return g;
}

/** Gamma(shape, 1) draw j of stream s (see the file's counter layout). */
export function zgamma(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, j: u32, shape: f64): f64 {
  philox(h0, h1, s, j * ZG_ROUNDS, k0, k1);
  const d = zgD(shape);
  return zgammaFrom(k0, k1, h0, h1, s, j, shape, d, zgC(d), px0, px1, px2, px3);
}

/** X/(X + Y) (1 or 0 by the larger parameter when both underflow to 0). */
// @ts-ignore: decorator
@inline function ratio(x: f64, y: f64, a: f64, b: f64): f64 {
  const z = x + y;
  return z > 0.0 ? x / z : (a >= b ? 1.0 : 0.0);
}

/** Beta(a, b) draw j: X/(X + Y), X ~ Ga(a) from stream s, Y ~ Ga(b) from stream s ^ 0x80000000. */
export function zbeta(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, j: u32, a: f64, b: f64): f64 {
  return ratio(zgamma(k0, k1, h0, h1, s, j, a), zgamma(k0, k1, h0, h1, s ^ 0x80000000, j, b), a, b);
}

/** Where arm k's cache entry (d_a, c_a, d_b, c_b) lives: pairs of arms interleaved, so two arms load as f64x2. */
// @ts-ignore: decorator
@inline function cacheAt(cache: usize, k: i32): usize { return cache + (<usize>(k >> 1) << 6) + (<usize>(k & 1) << 3); }
/** f64 values per copy of zbetaArms' cache for K arms. */
// @ts-ignore: decorator
@inline export function zbetaCacheLen(K: i32): i32 { return 4 * (K + 1); }
/** Arm k's entry of zbetaArms' cache from its Beta parameters (a, b). */
// @ts-ignore: decorator
@inline export function zbetaCache(cache: usize, k: i32, a: f64, b: f64): void {
  const q = cacheAt(cache, k), da = zgD(a), db = zgD(b);
  store<f64>(q, da); store<f64>(q, zgC(da), 16); store<f64>(q, db, 32); store<f64>(q, zgC(db), 48);
}

/** One arm of zbetaArms, scalar (the odd last arm, the scalar build): zbeta's value. */
// @ts-ignore: decorator
@inline function betaArm(k0: u32, k1: u32, h0: u32, h1: u32, sBase: u32, j: u32, k: i32, pulls: usize, sums: usize,
                         mask: usize, a0: f64, b0: f64, out: usize, cache: usize): void {
  if (load<u8>(mask + <usize>k) == 0) { store<f64>(out + (<usize>k << 3), -Infinity); return; }
  const n = load<f64>(pulls + (<usize>k << 3)), sm = load<f64>(sums + (<usize>k << 3));
  const a = a0 + sm, b = b0 + (n - sm);
  const sk = sBase + <u32>k, idx = j * ZG_ROUNDS;
  let da: f64, ca: f64, db: f64, cb: f64;
  if (cache != 0) { const q = cacheAt(cache, k); da = load<f64>(q); ca = load<f64>(q, 16); db = load<f64>(q, 32); cb = load<f64>(q, 48); }
  else { da = zgD(a); ca = zgC(da); db = zgD(b); cb = zgC(db); }
  philox(h0, h1, sk, idx, k0, k1);
  const x = zgammaFast(k0, k1, h0, h1, sk, j, a, da, ca, px0, px1, px2, px3);
  philox(h0, h1, sk ^ 0x80000000, idx, k0, k1);
  const y = zgammaFast(k0, k1, h0, h1, sk ^ 0x80000000, j, b, db, cb, px0, px1, px2, px3);
  store<f64>(out + (<usize>k << 3), ratio(x, y, a, b));
}

/** Word `l` (0..3) of v as u32 (extract_lane needs a constant lane). */
// @ts-ignore: decorator
@inline function lane(v: v128, l: i32): u32 {
  return <u32>(l == 0 ? i32x4.extract_lane(v, 0) : l == 1 ? i32x4.extract_lane(v, 1) : l == 2 ? i32x4.extract_lane(v, 2) : i32x4.extract_lane(v, 3));
}

/**
 * zgammaFast for two gammas in f64x2 lanes: the words of lane l are lanes l of w0..w3 (lanes 0, 1
 * used), stream sl and shape, d, c from lanes of the vectors. The same IEEE operations as zgammaFast
 * (f64x2 arithmetic is IEEE, without fused operations), and a lane that leaves the common path is
 * recomputed by zgammaFrom from its words (o0..o3 of lane ol in the unshuffled block vectors): so each
 * lane is zgammaFrom's value bit for bit.
 */
// @ts-ignore: decorator
@inline function gamma2(k0: u32, k1: u32, h0: u32, h1: u32, s0: u32, s1: u32, j: u32, shape: v128, d: v128, c: v128,
                        w0: v128, w1: v128, w2: v128, w3: v128, o0: v128, o1: v128, o2: v128, o3: v128, ol: i32): v128 {
  const one = f64x2.splat(1.0), T53 = f64x2.splat(1.1102230246251565e-16);
  const U = f64x2.mul(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(w0), f64x2.splat(2097152.0)), f64x2.convert_low_i32x4_u(i32x4.shr_u(w1, 11))), T53);
  const i0 = i32x4.extract_lane(w1, 0) & 255, i1 = i32x4.extract_lane(w1, 1) & 255;
  const Xi = f64x2.replace_lane(f64x2.splat(unchecked(ZIG_X[i0])), 1, unchecked(ZIG_X[i1]));
  const Xn = f64x2.replace_lane(f64x2.splat(unchecked(ZIG_X[i0 + 1])), 1, unchecked(ZIG_X[i1 + 1]));
  const xa = f64x2.mul(U, Xi);
  const x = v128.xor(xa, i64x2.shl(i64x2.extend_low_i32x4_u(v128.and(w1, i32x4.splat(256))), 55));
  const t = f64x2.add(one, f64x2.mul(c, x));
  const v = f64x2.mul(f64x2.mul(t, t), t);
  const e = f64x2.mul(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shr_u(w2, 5)), f64x2.splat(67108864.0)), f64x2.convert_low_i32x4_u(i32x4.shr_u(w3, 6))), T53);
  const x2 = f64x2.mul(x, x), m = f64x2.pmin(one, t);
  const M = f64x2.mul(f64x2.splat(1.4210854715202004e-14), f64x2.add(x2, f64x2.mul(d, f64x2.add(f64x2.splat(4.0), f64x2.mul(f64x2.splat(2.0), v)))));
  const lhs = f64x2.mul(f64x2.sub(f64x2.add(e, f64x2.mul(f64x2.mul(f64x2.splat(0.5), e), e)), M), f64x2.mul(f64x2.mul(f64x2.splat(108.0), d), m));
  const rhs = f64x2.mul(f64x2.mul(x2, x2), f64x2.splat(1.0000000000000142));
  const ok = v128.and(v128.and(v128.and(f64x2.lt(xa, Xn), f64x2.ge(t, f64x2.splat(0.5))), f64x2.gt(lhs, rhs)),
    v128.and(f64x2.ge(shape, one), f64x2.lt(shape, f64x2.splat(Infinity))));
  let g = f64x2.mul(d, v);
  if (!i64x2.all_true(ok)) {
    if (i64x2.extract_lane(ok, 0) == 0) g = f64x2.replace_lane(g, 0, zgammaFrom(k0, k1, h0, h1, s0, j, f64x2.extract_lane(shape, 0), f64x2.extract_lane(d, 0), f64x2.extract_lane(c, 0),
      lane(o0, ol), lane(o1, ol), lane(o2, ol), lane(o3, ol)));
    if (i64x2.extract_lane(ok, 1) == 0) g = f64x2.replace_lane(g, 1, zgammaFrom(k0, k1, h0, h1, s1, j, f64x2.extract_lane(shape, 1), f64x2.extract_lane(d, 1), f64x2.extract_lane(c, 1),
      lane(o0, ol + 1), lane(o1, ol + 1), lane(o2, ol + 1), lane(o3, ol + 1)));
  }
  return g;
}

/**
 * Arms k and k + 1 from their round-0 blocks c0..c3 (lanes: X of k, X of k + 1, Y of k, Y of k + 1):
 * Beta draws to out[k], out[k + 1] (−Infinity for a removed arm), each zbeta's value bit for bit.
 */
// @ts-ignore: decorator
@inline function betaPair(k0: u32, k1: u32, h0: u32, h1: u32, sBase: u32, j: u32, k: i32, pulls: usize, sums: usize,
                          mask: usize, a0: f64, b0: f64, out: usize, cache: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
  const n = v128.load(pulls + (<usize>k << 3)), sm = v128.load(sums + (<usize>k << 3));
  const A = f64x2.add(f64x2.splat(a0), sm), B = f64x2.add(f64x2.splat(b0), f64x2.sub(n, sm));
  let dA: v128, cA: v128, dB: v128, cB: v128;
  if (cache != 0) {
    const q = cache + (<usize>(k >> 1) << 6);
    dA = v128.load(q); cA = v128.load(q, 16); dB = v128.load(q, 32); cB = v128.load(q, 48);
  } else {
    const one = f64x2.splat(1.0), third = f64x2.splat(1.0 / 3.0), nine = f64x2.splat(9.0);
    dA = f64x2.sub(v128.bitselect(f64x2.add(A, one), A, f64x2.lt(A, one)), third);
    dB = f64x2.sub(v128.bitselect(f64x2.add(B, one), B, f64x2.lt(B, one)), third);
    cA = f64x2.div(one, f64x2.sqrt(f64x2.mul(nine, dA)));
    cB = f64x2.div(one, f64x2.sqrt(f64x2.mul(nine, dB)));
  }
  const sk = sBase + <u32>k;
  const X = gamma2(k0, k1, h0, h1, sk, sk + 1, j, A, dA, cA, c0, c1, c2, c3, c0, c1, c2, c3, 0);
  const Y = gamma2(k0, k1, h0, h1, sk ^ 0x80000000, (sk + 1) ^ 0x80000000, j, B, dB, cB,
    i32x4.shuffle(c0, c0, 2, 3, 0, 1), i32x4.shuffle(c1, c1, 2, 3, 0, 1), i32x4.shuffle(c2, c2, 2, 3, 0, 1), i32x4.shuffle(c3, c3, 2, 3, 0, 1), c0, c1, c2, c3, 2);
  const z = f64x2.add(X, Y);
  let r = f64x2.div(X, z);
  if (!i64x2.all_true(f64x2.gt(z, f64x2.splat(0.0)))) {
    for (let l = 0; l < 2; l++) {
      const a = a0 + load<f64>(sums + (<usize>(k + l) << 3)), b = b0 + (load<f64>(pulls + (<usize>(k + l) << 3)) - load<f64>(sums + (<usize>(k + l) << 3)));
      const fix: f64 = a >= b ? 1.0 : 0.0;
      if (l == 0) { if (!(f64x2.extract_lane(z, 0) > 0.0)) r = f64x2.replace_lane(r, 0, fix); }
      else if (!(f64x2.extract_lane(z, 1) > 0.0)) r = f64x2.replace_lane(r, 1, fix);
    }
  }
  v128.store(out + (<usize>k << 3), r);
  if (load<u8>(mask + <usize>k) == 0) store<f64>(out + (<usize>k << 3), -Infinity);
  if (load<u8>(mask + <usize>k + 1) == 0) store<f64>(out + (<usize>(k + 1) << 3), -Infinity);
}

/**
 * Draw j of Beta(a0 + S_k, b0 + N_k − S_k) for arms k in [0, K) (S = sums[k], N = pulls[k], stream
 * sBase + k) to out[k], −Infinity for a removed arm (mask byte 0): zbeta's values bit for bit. The SIMD
 * build runs Philox for four arms at a time (their X and Y round-0 blocks: two interleaved v128 passes
 * of four blocks) and the gammas' common path two lanes at a time in f64x2. cache ≠ 0: each arm's
 * (zgD(a), zgC(zgD(a)), zgD(b), zgC(zgD(b))) read from the cache zbetaCache keeps (zbetaCacheLen(K)
 * f64: the same values, so the same bits) instead of computed.
 */
export function zbetaArms(k0: u32, k1: u32, h0: u32, h1: u32, sBase: u32, j: u32, K: i32, pulls: usize, sums: usize,
                          mask: usize, a0: f64, b0: f64, out: usize, cache: usize): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const idx = j * ZG_ROUNDS;
    const M0v = i32x4.splat(<i32>0xD2511F53), M1v = i32x4.splat(<i32>0xCD9E8D57);
    const H0 = i32x4.splat(<i32>h0), H1 = i32x4.splat(<i32>h1), I = i32x4.splat(<i32>idx);
    for (; k + 3 < K; k += 4) {             // arms k .. k + 3: two interleaved passes of four blocks
      const s0 = sBase + <u32>k, s2 = s0 + 2;
      let c0 = H0, c1 = H1, c3 = I, e0 = H0, e1 = H1, e3 = I;
      let c2 = i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(<i32>s0), 1, <i32>(s0 + 1)), 2, <i32>(s0 ^ 0x80000000)), 3, <i32>((s0 + 1) ^ 0x80000000));
      let e2 = i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(<i32>s2), 1, <i32>(s2 + 1)), 2, <i32>(s2 ^ 0x80000000)), 3, <i32>((s2 + 1) ^ 0x80000000));
      let q0 = k0, q1 = k1;
      for (let r = 0; r < 10; r++) {
        if (r > 0) { q0 += 0x9E3779B9; q1 += 0xBB67AE85; }
        const Q0 = i32x4.splat(<i32>q0), Q1 = i32x4.splat(<i32>q1);
        const p0l = i64x2.extmul_low_i32x4_u(c0, M0v), p0h = i64x2.extmul_high_i32x4_u(c0, M0v);
        const p1l = i64x2.extmul_low_i32x4_u(c2, M1v), p1h = i64x2.extmul_high_i32x4_u(c2, M1v);
        const r0l = i64x2.extmul_low_i32x4_u(e0, M0v), r0h = i64x2.extmul_high_i32x4_u(e0, M0v);
        const r1l = i64x2.extmul_low_i32x4_u(e2, M1v), r1h = i64x2.extmul_high_i32x4_u(e2, M1v);
        c0 = v128.xor(v128.xor(i32x4.shuffle(p1l, p1h, 1, 3, 5, 7), c1), Q0);
        c2 = v128.xor(v128.xor(i32x4.shuffle(p0l, p0h, 1, 3, 5, 7), c3), Q1);
        c1 = i32x4.shuffle(p1l, p1h, 0, 2, 4, 6); c3 = i32x4.shuffle(p0l, p0h, 0, 2, 4, 6);
        e0 = v128.xor(v128.xor(i32x4.shuffle(r1l, r1h, 1, 3, 5, 7), e1), Q0);
        e2 = v128.xor(v128.xor(i32x4.shuffle(r0l, r0h, 1, 3, 5, 7), e3), Q1);
        e1 = i32x4.shuffle(r1l, r1h, 0, 2, 4, 6); e3 = i32x4.shuffle(r0l, r0h, 0, 2, 4, 6);
      }
      betaPair(k0, k1, h0, h1, sBase, j, k, pulls, sums, mask, a0, b0, out, cache, c0, c1, c2, c3);
      betaPair(k0, k1, h0, h1, sBase, j, k + 2, pulls, sums, mask, a0, b0, out, cache, e0, e1, e2, e3);
    }
    if (k + 1 < K) {                          // arms k, k + 1: one pass of four blocks
      const s0 = sBase + <u32>k;
      let c0 = H0, c1 = H1, c3 = I;
      let c2 = i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(<i32>s0), 1, <i32>(s0 + 1)), 2, <i32>(s0 ^ 0x80000000)), 3, <i32>((s0 + 1) ^ 0x80000000));
      let q0 = k0, q1 = k1;
      for (let r = 0; r < 10; r++) {
        if (r > 0) { q0 += 0x9E3779B9; q1 += 0xBB67AE85; }
        const p0l = i64x2.extmul_low_i32x4_u(c0, M0v), p0h = i64x2.extmul_high_i32x4_u(c0, M0v);
        const p1l = i64x2.extmul_low_i32x4_u(c2, M1v), p1h = i64x2.extmul_high_i32x4_u(c2, M1v);
        c0 = v128.xor(v128.xor(i32x4.shuffle(p1l, p1h, 1, 3, 5, 7), c1), i32x4.splat(<i32>q0));
        c2 = v128.xor(v128.xor(i32x4.shuffle(p0l, p0h, 1, 3, 5, 7), c3), i32x4.splat(<i32>q1));
        c1 = i32x4.shuffle(p1l, p1h, 0, 2, 4, 6); c3 = i32x4.shuffle(p0l, p0h, 0, 2, 4, 6);
      }
      betaPair(k0, k1, h0, h1, sBase, j, k, pulls, sums, mask, a0, b0, out, cache, c0, c1, c2, c3);
      k += 2;
    }
  }
  for (; k < K; k++) betaArm(k0, k1, h0, h1, sBase, j, k, pulls, sums, mask, a0, b0, out, cache);
}

// ---- kernels over [start, end): out[i] = draw i (tests) ----
export function rng_zig_normal_f64(start: i32, end: i32, out: usize, k0: u32, k1: u32, h0: u32, h1: u32, s: u32): void {
  for (let i = start; i < end; i++) {
    philox(h0, h1, s, <u32>i, k0, k1);
    store<f64>(out + (<usize>i << 3), zigNormal(k0, k1, h0, h1, s, <u32>i, px0, px1));
  }
}
export function rng_zgamma_f64(start: i32, end: i32, out: usize, k0: u32, k1: u32, h0: u32, h1: u32, s: u32, shape: f64): void {
  for (let i = start; i < end; i++) store<f64>(out + (<usize>i << 3), zgamma(k0, k1, h0, h1, s, <u32>i, shape));
}
export function rng_zbeta_f64(start: i32, end: i32, out: usize, k0: u32, k1: u32, h0: u32, h1: u32, s: u32, a: f64, b: f64): void {
  for (let i = start; i < end; i++) store<f64>(out + (<usize>i << 3), zbeta(k0, k1, h0, h1, s, <u32>i, a, b));
}
