// 16-bit floating point storage: bfloat16 and IEEE binary16 (f16) encodings of f32 values, by
// round-to-nearest-even (RNE) or by seeded stochastic rounding (SR), their decodings, and the fused
// decode → update in f32 → encode passes of AdamW and SGD over 16-bit states and parameters.
//
// Encodings (every step an integer or exact f32 operation, so SIMD and scalar give the same bits):
//   bf16 RNE: (bits + 0x7FFF + lsb) >> 16, NaN → 0x7FC0 (c10::BFloat16's round_to_nearest_even).
//   bf16 SR:  (bits + r) >> 16 with r uniform in [0, 2^16): rounds |x| up with probability exactly
//             (the dropped 16 bits)/2^16, the distance to the lower bf16 neighbour over the spacing.
//   f16 RNE:  Maratyszcza's fp16_ieee_from_fp32_value (what c10::Half uses): the rounding done by one
//             f32 addition, subnormals and overflow to ±Inf as IEEE 754 says, NaN → 0x7E00 | sign.
//   f16 SR:   y = |x|·2^(10−E) with E = max(exponent, −14) (exact: a power-of-two scale), q = ⌊y⌋ + 1
//             when r/2^16 < y − ⌊y⌋, encoded exactly by the RNE routine from ±q·2^(E−10): the f16
//             neighbour above with probability exactly the fractional distance for normal f16 values
//             (13 dropped bits), and ⌈frac·2^16⌉/2^16 (within 2^-16 of it) for subnormal ones; past
//             65504 the neighbour above is ±Inf. ±Inf and NaN encode as by RNE.
//   decodings: bf16 bits << 16; f16 by fp16_ieee_to_fp32_value, with Inf/NaN built from the bits (no
//             arithmetic on a NaN, whose payload WebAssembly leaves to the host).
// The random bits: element j (its index in the arena, or the caller's offset + i) of stream s at step
// t takes 16 bits of philox4x32-10(key = seed, counter = (j >> 3, t, s, 0)): word (j >> 1) & 3, its low
// half for even j, high half for odd j. One Philox block serves 8 elements, whatever the thread split.
import { philox, px0, px1, px2, px3 } from '../core/rng';

export const LP_F32: i32 = 0;
export const LP_BF16: i32 = 1;
export const LP_F16: i32 = 2;
/** Philox streams (counter word 2) of the stochastic roundings. */
export const LP_STREAM_CONVERT: u32 = 0;
export const LP_STREAM_PARAM: u32 = 1;
export const LP_STREAM_M: u32 = 2;
export const LP_STREAM_V: u32 = 3;

// Flags of the fused kernels: bits 0-1 the state dtype, bits 2-3 the parameter dtype, then:
export const LP_SR_STATE: i32 = 16;   // stochastic rounding of the state (else RNE)
export const LP_SR_PARAM: i32 = 32;   // stochastic rounding of the parameters (else RNE)
export const LP_MASTER: i32 = 64;     // f32 master parameters kept, the 16-bit copy written by RNE
export const LP_MAXIMIZE: i32 = 128;
export const LP_MOMENTUM: i32 = 256;  // SGD: momentum buffer
export const LP_NESTEROV: i32 = 512;
export const LP_FIRST: i32 = 1024;    // SGD: first step, buffer = d
export const LP_DECAY: i32 = 2048;    // SGD: L2 decay d += wd·p

// ---------------------------------------------------------------- scalar encodings

// @ts-ignore: decorator
@inline export function bf16_rne(x: f32): u32 {
  const b = reinterpret<u32>(x);
  if ((b & 0x7FFFFFFF) > 0x7F800000) return 0x7FC0;
  return (b + 0x7FFF + ((b >>> 16) & 1)) >>> 16;
}
// @ts-ignore: decorator
@inline export function bf16_sr(x: f32, r: u32): u32 {
  const b = reinterpret<u32>(x);
  if ((b & 0x7FFFFFFF) > 0x7F800000) return 0x7FC0;
  return (b + r) >>> 16;
}
// @ts-ignore: decorator
@inline export function bf16_dec(h: u32): f32 { return reinterpret<f32>(h << 16); }

// @ts-ignore: decorator
@inline export function f16_rne(x: f32): u32 {
  const w = reinterpret<u32>(x), shl1 = w << 1, sign = w & 0x80000000;
  let bias = shl1 & 0xFF000000;
  if (bias < 0x71000000) bias = 0x71000000;
  let base = (abs<f32>(x) * reinterpret<f32>(0x77800000)) * reinterpret<f32>(0x08800000);   // ·2^112·2^-110
  base = reinterpret<f32>((bias >>> 1) + 0x07800000) + base;
  const bits = reinterpret<u32>(base);
  const nonsign = ((bits >>> 13) & 0x7C00) + (bits & 0x0FFF);
  return (sign >>> 16) | (shl1 > 0xFF000000 ? 0x7E00 : nonsign);
}
// @ts-ignore: decorator
@inline export function f16_sr(x: f32, r: u32): u32 {
  const w = reinterpret<u32>(x), e = <i32>((w >>> 23) & 0xFF);
  if (e == 0xFF) return f16_rne(x);
  let E = e - 127;
  if (E < -14) E = -14;
  const scale = reinterpret<f32>(<u32>(137 - E) << 23), inv = reinterpret<f32>(<u32>(117 + E) << 23);
  const y = abs<f32>(x) * scale, fl = floor<f32>(y);
  const q = (fl + (<f32>r * <f32>1.52587890625e-5 < y - fl ? <f32>1 : <f32>0)) * inv;
  return f16_rne(reinterpret<f32>(reinterpret<u32>(q) | (w & 0x80000000)));
}
// @ts-ignore: decorator
@inline export function f16_dec(h: u32): f32 {
  const w = h << 16, sign = w & 0x80000000, two = w << 1;
  let r: u32;
  if ((h & 0x7C00) == 0x7C00) r = 0x7F800000 | ((h & 0x3FF) << 13);
  else if (two < 0x08000000) r = reinterpret<u32>(reinterpret<f32>((two >>> 17) | 0x3F000000) - <f32>0.5);
  else r = reinterpret<u32>(reinterpret<f32>((two >>> 4) + 0x70000000) * reinterpret<f32>(0x07800000));
  return reinterpret<f32>(sign | r);
}

// @ts-ignore: decorator
@inline function enc(x: f32, dt: i32, sr: bool, r: u32): u32 {
  return dt == LP_BF16 ? (sr ? bf16_sr(x, r) : bf16_rne(x)) : (sr ? f16_sr(x, r) : f16_rne(x));
}
// @ts-ignore: decorator
@inline function ld(ptr: usize, i: i32, dt: i32): f32 {
  if (dt == LP_F32) return load<f32>(ptr + (<usize>i << 2));
  const h = <u32>load<u16>(ptr + (<usize>i << 1));
  return dt == LP_BF16 ? bf16_dec(h) : f16_dec(h);
}
// @ts-ignore: decorator
@inline function st(ptr: usize, i: i32, dt: i32, x: f32, sr: bool, r: u32): void {
  if (dt == LP_F32) store<f32>(ptr + (<usize>i << 2), x);
  else store<u16>(ptr + (<usize>i << 1), <u16>enc(x, dt, sr, r));
}

// ---------------------------------------------------------------- SIMD encodings (4 lanes, the same bits)

// @ts-ignore: decorator
@inline function isnan4(b: v128): v128 { return i32x4.gt_u(v128.and(b, i32x4.splat(0x7FFFFFFF)), i32x4.splat(0x7F800000)); }
// @ts-ignore: decorator
@inline function bf16_rne4(x: v128): v128 {
  const t = i32x4.shr_u(i32x4.add(i32x4.add(x, i32x4.splat(0x7FFF)), v128.and(i32x4.shr_u(x, 16), i32x4.splat(1))), 16);
  return v128.bitselect(i32x4.splat(0x7FC0), t, isnan4(x));
}
// @ts-ignore: decorator
@inline function bf16_sr4(x: v128, r: v128): v128 {
  return v128.bitselect(i32x4.splat(0x7FC0), i32x4.shr_u(i32x4.add(x, r), 16), isnan4(x));
}
// @ts-ignore: decorator
@inline function f16_rne4(x: v128): v128 {
  const shl1 = i32x4.shl(x, 1), sign = v128.and(x, i32x4.splat(<i32>0x80000000));
  const bias = i32x4.max_u(v128.and(shl1, i32x4.splat(<i32>0xFF000000)), i32x4.splat(0x71000000));
  let base = f32x4.mul(f32x4.mul(f32x4.abs(x), f32x4.splat(reinterpret<f32>(0x77800000))), f32x4.splat(reinterpret<f32>(0x08800000)));
  base = f32x4.add(i32x4.add(i32x4.shr_u(bias, 1), i32x4.splat(0x07800000)), base);
  const nonsign = i32x4.add(v128.and(i32x4.shr_u(base, 13), i32x4.splat(0x7C00)), v128.and(base, i32x4.splat(0x0FFF)));
  const nan = i32x4.gt_u(shl1, i32x4.splat(<i32>0xFF000000));
  return v128.or(i32x4.shr_u(sign, 16), v128.bitselect(i32x4.splat(0x7E00), nonsign, nan));
}
// @ts-ignore: decorator
@inline function f16_sr4(x: v128, r: v128): v128 {
  const e = v128.and(i32x4.shr_u(x, 23), i32x4.splat(0xFF));
  const E = i32x4.max_s(i32x4.sub(e, i32x4.splat(127)), i32x4.splat(-14));
  const scale = i32x4.shl(i32x4.sub(i32x4.splat(137), E), 23), inv = i32x4.shl(i32x4.add(i32x4.splat(117), E), 23);
  const y = f32x4.mul(f32x4.abs(x), scale), fl = f32x4.floor(y);
  const up = v128.and(f32x4.lt(f32x4.mul(f32x4.convert_i32x4_u(r), f32x4.splat(<f32>1.52587890625e-5)), f32x4.sub(y, fl)), f32x4.splat(1));
  const q = f32x4.mul(f32x4.add(fl, up), inv);
  const sr = f16_rne4(v128.or(q, v128.and(x, i32x4.splat(<i32>0x80000000))));
  return v128.bitselect(f16_rne4(x), sr, i32x4.eq(e, i32x4.splat(0xFF)));
}
// @ts-ignore: decorator
@inline function f16_dec4(h: v128): v128 {
  const w = i32x4.shl(h, 16), sign = v128.and(w, i32x4.splat(<i32>0x80000000)), two = i32x4.shl(w, 1);
  const den = f32x4.sub(v128.or(i32x4.shr_u(two, 17), i32x4.splat(0x3F000000)), f32x4.splat(0.5));
  const nrm = f32x4.mul(i32x4.add(i32x4.shr_u(two, 4), i32x4.splat(0x70000000)), f32x4.splat(reinterpret<f32>(0x07800000)));
  const special = v128.or(i32x4.splat(0x7F800000), i32x4.shl(v128.and(h, i32x4.splat(0x3FF)), 13));
  let r = v128.bitselect(den, nrm, i32x4.lt_u(two, i32x4.splat(0x08000000)));
  r = v128.bitselect(special, r, i32x4.eq(v128.and(h, i32x4.splat(0x7C00)), i32x4.splat(0x7C00)));
  return v128.or(sign, r);
}
// @ts-ignore: decorator
@inline function enc4(x: v128, dt: i32, sr: bool, r: v128): v128 {
  return dt == LP_BF16 ? (sr ? bf16_sr4(x, r) : bf16_rne4(x)) : (sr ? f16_sr4(x, r) : f16_rne4(x));
}
// @ts-ignore: decorator
@inline function ld4(ptr: usize, i: i32, dt: i32): v128 {
  if (dt == LP_F32) return v128.load(ptr + (<usize>i << 2));
  const h = v128.load16x4_u(ptr + (<usize>i << 1));
  return dt == LP_BF16 ? i32x4.shl(h, 16) : f16_dec4(h);
}
// @ts-ignore: decorator
@inline function st16x4(ptr: usize, i: i32, h: v128): void {
  store<u64>(ptr + (<usize>i << 1), i64x2.extract_lane(i16x8.narrow_i32x4_u(h, h), 0));
}
// @ts-ignore: decorator
@inline function st4(ptr: usize, i: i32, dt: i32, x: v128, sr: bool, r: v128): void {
  if (dt == LP_F32) v128.store(ptr + (<usize>i << 2), x);
  else st16x4(ptr, i, enc4(x, dt, sr, r));
}

// ---------------------------------------------------------------- random bits

/** The 16 random bits of element j, stream s, step t (one Philox block per call: heads and tails). */
// @ts-ignore: decorator
@inline function rnd1(k0: u32, k1: u32, t: u32, s: u32, j: u32): u32 {
  philox(j >>> 3, t, s, 0, k0, k1);
  const q = (j >>> 1) & 3;
  const w = q == 0 ? px0 : q == 1 ? px1 : q == 2 ? px2 : px3;
  return (w >>> ((j & 1) << 4)) & 0xFFFF;
}
// The words of the block of an 8-element group, as a v128 (i32 lanes 0..3) and as scalars.
// @ts-ignore: decorator
@inline function half(w0: u32, w1: u32, w2: u32, w3: u32, e: i32): u32 {
  const q = e >>> 1;
  const w = q == 0 ? w0 : q == 1 ? w1 : q == 2 ? w2 : w3;
  return (w >>> ((<u32>e & 1) << 4)) & 0xFFFF;
}
// @ts-ignore: decorator
@inline function words4(): v128 {
  return i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(<i32>px0), 1, <i32>px1), 2, <i32>px2), 3, <i32>px3);
}

// ---------------------------------------------------------------- standalone conversions

/**
 * out (u16) = encoding of x (f32) over [start, end): dt LP_BF16 or LP_F16, sr 1 for stochastic
 * rounding (stream LP_STREAM_CONVERT, element index idx0 + i, step t, key (k0, k1)), 0 for RNE.
 */
export function lp_encode(start: i32, end: i32, x: usize, out: usize, dt: i32, sr: i32, k0: u32, k1: u32, t: u32, idx0: u32): void {
  const s = sr != 0, S = LP_STREAM_CONVERT;
  let i = start;
  for (; i < end && ((idx0 + <u32>i) & 7) != 0; i++) {
    store<u16>(out + (<usize>i << 1), <u16>enc(load<f32>(x + (<usize>i << 2)), dt, s, s ? rnd1(k0, k1, t, S, idx0 + <u32>i) : 0));
  }
  for (; i + 8 <= end; i += 8) {
    if (s) philox((idx0 + <u32>i) >>> 3, t, S, 0, k0, k1);
    if (ASC_FEATURE_SIMD) {
      const w = words4();
      const ra = i32x4.extend_low_i16x8_u(w), rb = i32x4.extend_high_i16x8_u(w);
      st16x4(out, i, enc4(v128.load(x + (<usize>i << 2)), dt, s, ra));
      st16x4(out, i + 4, enc4(v128.load(x + (<usize>(i + 4) << 2)), dt, s, rb));
    } else {
      const w0 = px0, w1 = px1, w2 = px2, w3 = px3;
      for (let e = 0; e < 8; e++) {
        store<u16>(out + (<usize>(i + e) << 1), <u16>enc(load<f32>(x + (<usize>(i + e) << 2)), dt, s, half(w0, w1, w2, w3, e)));
      }
    }
  }
  for (; i < end; i++) {
    store<u16>(out + (<usize>i << 1), <u16>enc(load<f32>(x + (<usize>i << 2)), dt, s, s ? rnd1(k0, k1, t, S, idx0 + <u32>i) : 0));
  }
}

/** out (f32) = decoding of h (u16, dt LP_BF16 or LP_F16) over [start, end). */
export function lp_decode(start: i32, end: i32, h: usize, out: usize, dt: i32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) v128.store(out + (<usize>i << 2), ld4(h, i, dt));
  }
  for (; i < end; i++) store<f32>(out + (<usize>i << 2), ld(h, i, dt));
}

// ---------------------------------------------------------------- fused AdamW

// @ts-ignore: decorator
@inline function adamw1(i: i32, p: usize, g: usize, m: usize, v: usize, copy: usize, b1: f32, omb1: f32, b2: f32, omb2: f32,
                        stepHat: f32, epsHat: f32, decay: f32, flags: i32, rm: u32, rv: u32, rp: u32): void {
  const sdt = flags & 3, pdt = (flags >> 2) & 3, srs = (flags & LP_SR_STATE) != 0, srp = (flags & LP_SR_PARAM) != 0;
  const o = <usize>i << 2;
  const pi = load<f32>(p + o) * decay;
  let d = load<f32>(g + o);
  if ((flags & LP_MAXIMIZE) != 0) d = -d;
  const mi = ld(m, i, sdt) * b1 + omb1 * d;
  const vi = ld(v, i, sdt) * b2 + (omb2 * d) * d;
  st(m, i, sdt, mi, srs, rm);
  st(v, i, sdt, vi, srs, rv);
  const pn = pi + (stepHat * mi) / (sqrt<f32>(vi) + epsHat);
  if (pdt == LP_F32) { store<f32>(p + o, pn); return; }
  if ((flags & LP_MASTER) != 0) { store<f32>(p + o, pn); store<u16>(copy + (<usize>i << 1), <u16>enc(pn, pdt, false, 0)); return; }
  const h = enc(pn, pdt, srp, rp);
  store<u16>(copy + (<usize>i << 1), <u16>h);
  store<f32>(p + o, pdt == LP_BF16 ? bf16_dec(h) : f16_dec(h));
}

// @ts-ignore: decorator
@inline function adamw4(i: i32, p: usize, g: usize, m: usize, v: usize, copy: usize, b1: f32, omb1: f32, b2: f32, omb2: f32,
                        stepHat: f32, epsHat: f32, decay: f32, flags: i32, rm: v128, rv: v128, rp: v128): void {
  const sdt = flags & 3, pdt = (flags >> 2) & 3, srs = (flags & LP_SR_STATE) != 0, srp = (flags & LP_SR_PARAM) != 0;
  const o = <usize>i << 2;
  const pi = f32x4.mul(v128.load(p + o), f32x4.splat(decay));
  let d = v128.load(g + o);
  if ((flags & LP_MAXIMIZE) != 0) d = f32x4.neg(d);
  const mi = f32x4.add(f32x4.mul(ld4(m, i, sdt), f32x4.splat(b1)), f32x4.mul(f32x4.splat(omb1), d));
  const vi = f32x4.add(f32x4.mul(ld4(v, i, sdt), f32x4.splat(b2)), f32x4.mul(f32x4.mul(f32x4.splat(omb2), d), d));
  st4(m, i, sdt, mi, srs, rm);
  st4(v, i, sdt, vi, srs, rv);
  const pn = f32x4.add(pi, f32x4.div(f32x4.mul(f32x4.splat(stepHat), mi), f32x4.add(f32x4.sqrt(vi), f32x4.splat(epsHat))));
  if (pdt == LP_F32) { v128.store(p + o, pn); return; }
  if ((flags & LP_MASTER) != 0) { v128.store(p + o, pn); st16x4(copy, i, enc4(pn, pdt, false, rp)); return; }
  const h = enc4(pn, pdt, srp, rp);
  st16x4(copy, i, h);
  v128.store(p + o, pdt == LP_BF16 ? i32x4.shl(h, 16) : f16_dec4(h));
}

/**
 * AdamW (torch.optim.AdamW's single-tensor update, as adam_f32 with the decoupled decay) over 16-bit
 * or f32 states (flags bits 0-1) and 16-bit or f32 parameters (bits 2-3), element index idx0 + i:
 *   p = p·decay;  d = maximize ? −g : g;  m = dec(m)·b1 + omb1·d;  v = dec(v)·b2 + (omb2·d)·d;
 *   m, v stored by enc (SR or RNE);  p = p + (stepHat·m)/(√v + epsHat)  (the f32 m and v, before encoding);
 *   16-bit parameters: p = dec(enc(p)) with the bits in copy (SR or RNE); LP_MASTER: p kept in f32,
 *   copy = RNE(p).
 */
export function adamw16_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, copy: usize,
                            b1: f32, omb1: f32, b2: f32, omb2: f32, stepHat: f32, epsHat: f32, decay: f32, flags: i32,
                            k0: u32, k1: u32, t: u32, idx0: u32): void {
  const srs = (flags & LP_SR_STATE) != 0 && (flags & 3) != LP_F32;
  const srp = (flags & LP_SR_PARAM) != 0 && ((flags >> 2) & 3) != LP_F32 && (flags & LP_MASTER) == 0;
  let i = start;
  for (; i < end && ((idx0 + <u32>i) & 7) != 0; i++) {
    const j = idx0 + <u32>i;
    adamw1(i, p, g, m, v, copy, b1, omb1, b2, omb2, stepHat, epsHat, decay, flags,
      srs ? rnd1(k0, k1, t, LP_STREAM_M, j) : 0, srs ? rnd1(k0, k1, t, LP_STREAM_V, j) : 0, srp ? rnd1(k0, k1, t, LP_STREAM_PARAM, j) : 0);
  }
  for (; i + 8 <= end; i += 8) {
    const blk = (idx0 + <u32>i) >>> 3;
    if (ASC_FEATURE_SIMD) {
      let wm = i32x4.splat(0), wv = wm, wp = wm;
      if (srs) { philox(blk, t, LP_STREAM_M, 0, k0, k1); wm = words4(); philox(blk, t, LP_STREAM_V, 0, k0, k1); wv = words4(); }
      if (srp) { philox(blk, t, LP_STREAM_PARAM, 0, k0, k1); wp = words4(); }
      adamw4(i, p, g, m, v, copy, b1, omb1, b2, omb2, stepHat, epsHat, decay, flags,
        i32x4.extend_low_i16x8_u(wm), i32x4.extend_low_i16x8_u(wv), i32x4.extend_low_i16x8_u(wp));
      adamw4(i + 4, p, g, m, v, copy, b1, omb1, b2, omb2, stepHat, epsHat, decay, flags,
        i32x4.extend_high_i16x8_u(wm), i32x4.extend_high_i16x8_u(wv), i32x4.extend_high_i16x8_u(wp));
    } else {
      let m0: u32 = 0, m1: u32 = 0, m2: u32 = 0, m3: u32 = 0, v0: u32 = 0, v1: u32 = 0, v2: u32 = 0, v3: u32 = 0;
      let q0: u32 = 0, q1: u32 = 0, q2: u32 = 0, q3: u32 = 0;
      if (srs) {
        philox(blk, t, LP_STREAM_M, 0, k0, k1); m0 = px0; m1 = px1; m2 = px2; m3 = px3;
        philox(blk, t, LP_STREAM_V, 0, k0, k1); v0 = px0; v1 = px1; v2 = px2; v3 = px3;
      }
      if (srp) { philox(blk, t, LP_STREAM_PARAM, 0, k0, k1); q0 = px0; q1 = px1; q2 = px2; q3 = px3; }
      for (let e = 0; e < 8; e++) {
        adamw1(i + e, p, g, m, v, copy, b1, omb1, b2, omb2, stepHat, epsHat, decay, flags,
          half(m0, m1, m2, m3, e), half(v0, v1, v2, v3, e), half(q0, q1, q2, q3, e));
      }
    }
  }
  for (; i < end; i++) {
    const j = idx0 + <u32>i;
    adamw1(i, p, g, m, v, copy, b1, omb1, b2, omb2, stepHat, epsHat, decay, flags,
      srs ? rnd1(k0, k1, t, LP_STREAM_M, j) : 0, srs ? rnd1(k0, k1, t, LP_STREAM_V, j) : 0, srp ? rnd1(k0, k1, t, LP_STREAM_PARAM, j) : 0);
  }
}

// ---------------------------------------------------------------- fused SGD (momentum)

// @ts-ignore: decorator
@inline function sgd1(i: i32, p: usize, g: usize, buf: usize, copy: usize, negLr: f32, momentum: f32, omDampening: f32, wd: f32,
                      flags: i32, rb: u32, rp: u32): void {
  const sdt = flags & 3, pdt = (flags >> 2) & 3, srs = (flags & LP_SR_STATE) != 0, srp = (flags & LP_SR_PARAM) != 0;
  const o = <usize>i << 2;
  const pi = load<f32>(p + o);
  let d = load<f32>(g + o);
  if ((flags & LP_MAXIMIZE) != 0) d = -d;
  if ((flags & LP_DECAY) != 0) d = d + wd * pi;
  if ((flags & LP_MOMENTUM) != 0) {
    let b = d;
    if ((flags & LP_FIRST) == 0) b = ld(buf, i, sdt) * momentum + omDampening * d;
    st(buf, i, sdt, b, srs, rb);
    d = (flags & LP_NESTEROV) != 0 ? d + momentum * b : b;
  }
  const pn = pi + negLr * d;
  if (pdt == LP_F32) { store<f32>(p + o, pn); return; }
  if ((flags & LP_MASTER) != 0) { store<f32>(p + o, pn); store<u16>(copy + (<usize>i << 1), <u16>enc(pn, pdt, false, 0)); return; }
  const h = enc(pn, pdt, srp, rp);
  store<u16>(copy + (<usize>i << 1), <u16>h);
  store<f32>(p + o, pdt == LP_BF16 ? bf16_dec(h) : f16_dec(h));
}

// @ts-ignore: decorator
@inline function sgd4(i: i32, p: usize, g: usize, buf: usize, copy: usize, negLr: f32, momentum: f32, omDampening: f32, wd: f32,
                      flags: i32, rb: v128, rp: v128): void {
  const sdt = flags & 3, pdt = (flags >> 2) & 3, srs = (flags & LP_SR_STATE) != 0, srp = (flags & LP_SR_PARAM) != 0;
  const o = <usize>i << 2;
  const pi = v128.load(p + o);
  let d = v128.load(g + o);
  if ((flags & LP_MAXIMIZE) != 0) d = f32x4.neg(d);
  if ((flags & LP_DECAY) != 0) d = f32x4.add(d, f32x4.mul(f32x4.splat(wd), pi));
  if ((flags & LP_MOMENTUM) != 0) {
    let b = d;
    if ((flags & LP_FIRST) == 0) b = f32x4.add(f32x4.mul(ld4(buf, i, sdt), f32x4.splat(momentum)), f32x4.mul(f32x4.splat(omDampening), d));
    st4(buf, i, sdt, b, srs, rb);
    d = (flags & LP_NESTEROV) != 0 ? f32x4.add(d, f32x4.mul(f32x4.splat(momentum), b)) : b;
  }
  const pn = f32x4.add(pi, f32x4.mul(f32x4.splat(negLr), d));
  if (pdt == LP_F32) { v128.store(p + o, pn); return; }
  if ((flags & LP_MASTER) != 0) { v128.store(p + o, pn); st16x4(copy, i, enc4(pn, pdt, false, rp)); return; }
  const h = enc4(pn, pdt, srp, rp);
  st16x4(copy, i, h);
  v128.store(p + o, pdt == LP_BF16 ? i32x4.shl(h, 16) : f16_dec4(h));
}

/**
 * SGD (torch.optim.SGD, as sgd_f32) with a 16-bit or f32 momentum buffer (flags bits 0-1) and 16-bit
 * or f32 parameters (bits 2-3):
 *   d = maximize ? −g : g;  LP_DECAY: d = d + wd·p;  LP_MOMENTUM: b = first ? d : dec(b)·momentum + omDampening·d,
 *   stored by enc, d = nesterov ? d + momentum·b : b;  p = p + negLr·d, then as adamw16_f32.
 */
export function sgd16_f32(start: i32, end: i32, p: usize, g: usize, buf: usize, copy: usize,
                          negLr: f32, momentum: f32, omDampening: f32, wd: f32, flags: i32, k0: u32, k1: u32, t: u32, idx0: u32): void {
  const srs = (flags & LP_SR_STATE) != 0 && (flags & 3) != LP_F32 && (flags & LP_MOMENTUM) != 0;
  const srp = (flags & LP_SR_PARAM) != 0 && ((flags >> 2) & 3) != LP_F32 && (flags & LP_MASTER) == 0;
  let i = start;
  for (; i < end && ((idx0 + <u32>i) & 7) != 0; i++) {
    const j = idx0 + <u32>i;
    sgd1(i, p, g, buf, copy, negLr, momentum, omDampening, wd, flags,
      srs ? rnd1(k0, k1, t, LP_STREAM_M, j) : 0, srp ? rnd1(k0, k1, t, LP_STREAM_PARAM, j) : 0);
  }
  for (; i + 8 <= end; i += 8) {
    const blk = (idx0 + <u32>i) >>> 3;
    if (ASC_FEATURE_SIMD) {
      let wb = i32x4.splat(0), wp = wb;
      if (srs) { philox(blk, t, LP_STREAM_M, 0, k0, k1); wb = words4(); }
      if (srp) { philox(blk, t, LP_STREAM_PARAM, 0, k0, k1); wp = words4(); }
      sgd4(i, p, g, buf, copy, negLr, momentum, omDampening, wd, flags, i32x4.extend_low_i16x8_u(wb), i32x4.extend_low_i16x8_u(wp));
      sgd4(i + 4, p, g, buf, copy, negLr, momentum, omDampening, wd, flags, i32x4.extend_high_i16x8_u(wb), i32x4.extend_high_i16x8_u(wp));
    } else {
      let b0: u32 = 0, b1: u32 = 0, b2: u32 = 0, b3: u32 = 0, q0: u32 = 0, q1: u32 = 0, q2: u32 = 0, q3: u32 = 0;
      if (srs) { philox(blk, t, LP_STREAM_M, 0, k0, k1); b0 = px0; b1 = px1; b2 = px2; b3 = px3; }
      if (srp) { philox(blk, t, LP_STREAM_PARAM, 0, k0, k1); q0 = px0; q1 = px1; q2 = px2; q3 = px3; }
      for (let e = 0; e < 8; e++) {
        sgd1(i + e, p, g, buf, copy, negLr, momentum, omDampening, wd, flags, half(b0, b1, b2, b3, e), half(q0, q1, q2, q3, e));
      }
    }
  }
  for (; i < end; i++) {
    const j = idx0 + <u32>i;
    sgd1(i, p, g, buf, copy, negLr, momentum, omDampening, wd, flags,
      srs ? rnd1(k0, k1, t, LP_STREAM_M, j) : 0, srp ? rnd1(k0, k1, t, LP_STREAM_PARAM, j) : 0);
  }
}
