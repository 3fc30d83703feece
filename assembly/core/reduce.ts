// Reductions in a fixed order that does not depend on the thread count or on SIMD.
//
// The input is cut into blocks of BLOCK elements. Inside a block, element i goes to f64 lane
// (i mod 4); a block's partial is (lane0 + lane1) + (lane2 + lane3). Threads compute the partials
// of whole blocks; `pairwise_f64` then folds all partials in one fixed binary tree. f32 squares and
// products are exact in f64, so the only rounding is in these f64 sums.

import { lanePartial } from './lanes';

export const BLOCK: i32 = 4096;


/** out[b] = sum over block b of x[i]. */
export function sum_partials(start: i32, end: i32, x: usize, out: usize): void {
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let i = b;
    const e4 = b + ((e - b) & ~3);
    if (ASC_FEATURE_SIMD) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (; i < e4; i += 4) {
        const v = v128.load(x + (<usize>i << 2));
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
    } else {
      for (; i < e4; i += 4) {
        const p = x + (<usize>i << 2);
        a0 += <f64>load<f32>(p); a1 += <f64>load<f32>(p, 4); a2 += <f64>load<f32>(p, 8); a3 += <f64>load<f32>(p, 12);
      }
    }
    if (i < e) { a0 += <f64>load<f32>(x + (<usize>i << 2)); i++; }
    if (i < e) { a1 += <f64>load<f32>(x + (<usize>i << 2)); i++; }
    if (i < e) { a2 += <f64>load<f32>(x + (<usize>i << 2)); }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}

/** out[b] = sum over block b of |x[i]| (the L1 norm's partials). */
export function abssum_partials(start: i32, end: i32, x: usize, out: usize): void {
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let i = b;
    const e4 = b + ((e - b) & ~3);
    if (ASC_FEATURE_SIMD) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (; i < e4; i += 4) {
        const v = f32x4.abs(v128.load(x + (<usize>i << 2)));
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
    }
    for (let l = 0; i < e; i++, l = (l + 1) & 3) {
      const v = <f64>abs<f32>(load<f32>(x + (<usize>i << 2)));
      if (l == 0) a0 += v; else if (l == 1) a1 += v; else if (l == 2) a2 += v; else a3 += v;
    }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}

/** out[b] = sum over block b of x[i] * y[i] (with y = x: the sum of squares). */
export function dot_partials(start: i32, end: i32, x: usize, y: usize, out: usize): void {
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let i = b;
    const e4 = b + ((e - b) & ~3);
    if (ASC_FEATURE_SIMD) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (; i < e4; i += 4) {
        const o = <usize>i << 2;
        const u = v128.load(x + o), w = v128.load(y + o);
        lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(u), f64x2.promote_low_f32x4(w)));
        hi = f64x2.add(hi, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(u, u, 2, 3, 0, 1)),
          f64x2.promote_low_f32x4(v128.shuffle<i32>(w, w, 2, 3, 0, 1))));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
    } else {
      for (; i < e4; i += 4) {
        const o = <usize>i << 2;
        a0 += <f64>load<f32>(x + o) * <f64>load<f32>(y + o);
        a1 += <f64>load<f32>(x + o, 4) * <f64>load<f32>(y + o, 4);
        a2 += <f64>load<f32>(x + o, 8) * <f64>load<f32>(y + o, 8);
        a3 += <f64>load<f32>(x + o, 12) * <f64>load<f32>(y + o, 12);
      }
    }
    if (i < e) { const o = <usize>i << 2; a0 += <f64>load<f32>(x + o) * <f64>load<f32>(y + o); i++; }
    if (i < e) { const o = <usize>i << 2; a1 += <f64>load<f32>(x + o) * <f64>load<f32>(y + o); i++; }
    if (i < e) { const o = <usize>i << 2; a2 += <f64>load<f32>(x + o) * <f64>load<f32>(y + o); }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}

/** out[b] = max over block b of |x[i]| (NaN if any element is NaN). Max is order independent. */
export function maxabs_partials(start: i32, end: i32, x: usize, out: usize): void {
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let m: f32 = 0;
    let i = b;
    const e4 = b + ((e - b) & ~3);
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (; i < e4; i += 4) acc = f32x4.max(acc, f32x4.abs(v128.load(x + (<usize>i << 2))));
      m = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
    }
    for (; i < e; i++) m = max(m, abs(load<f32>(x + (<usize>i << 2))));
    store<f64>(out + (<usize>(b / BLOCK) << 3), <f64>m);
  }
}

/** out[b] = number of non-finite (NaN or +-Inf) elements in block b. */
export function nonfinite_partials(start: i32, end: i32, x: usize, out: usize): void {
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let c: i32 = 0;
    let i = b;
    if (ASC_FEATURE_SIMD) {
      // Exponent bits all set <=> NaN or ±Infinity; each lane counts its hits (-1 per hit), an exact
      // integer count, so the SIMD and scalar paths agree.
      const mask = i32x4.splat(0x7f800000);
      let acc = i32x4.splat(0);
      for (const e4 = b + ((e - b) & ~3); i < e4; i += 4) {
        acc = i32x4.add(acc, i32x4.eq(v128.and(v128.load(x + (<usize>i << 2)), mask), mask));
      }
      c = -(i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
    }
    for (; i < e; i++) {
      const v = load<u32>(x + (<usize>i << 2));
      c += <i32>((v & 0x7f800000) == 0x7f800000);
    }
    store<f64>(out + (<usize>(b / BLOCK) << 3), <f64>c);
  }
}

function pairwise(p: usize, n: i32): f64 {
  if (n == 1) return load<f64>(p);
  const h = n >> 1;
  return pairwise(p, h) + pairwise(p + (<usize>h << 3), n - h);
}

/** Sum of n f64 values in a fixed binary tree (left half + right half, recursively). */
export function pairwise_f64(p: usize, n: i32): f64 {
  return n <= 0 ? 0.0 : pairwise(p, n);
}

/** Max of n f64 values (NaN if any is NaN). */
export function max_f64(p: usize, n: i32): f64 {
  let m: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f64>(p + (<usize>i << 3));
    if (v != v) return v;
    if (v > m) m = v;
  }
  return m;
}
