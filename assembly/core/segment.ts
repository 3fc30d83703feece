// Per-tensor (segmented) reductions and segment walking for the layer-wise optimizers (LAMB, LARS,
// NovoGrad, Adafactor).
//
// A segment table is a run of entries of SEG_BYTES (4 i32): [off, len, firstBlock, spare], sorted by
// off, with `off` an absolute element index into the arena (a multiple of 4) and `firstBlock` the
// index of the segment's first reduction block in the partials buffers. Segment s is cut into blocks
// of BLOCK elements counted from its own start; a block's partial is computed exactly like
// reduce.ts (element i to f64 lane i mod 4, then (l0 + l1) + (l2 + l3)), and a segment's sum is
// `pairwise_f64` over its blocks' partials. So every per-segment sum has one fixed order whatever the
// thread count (threads split the block range) and whatever the build (SIMD lanes = scalar lanes).

import { lanePartial } from './lanes';

import { BLOCK, pairwise_f64 } from './reduce';

export const SEG_BYTES: i32 = 16;
/** seg_sumsq_partials flags: also reduce u = y (+ c·x with SEG_AXPY). */
export const SEG_TWO: i32 = 1;
export const SEG_AXPY: i32 = 2;

// @ts-ignore: decorator
@inline export function segOff(tbl: usize, s: i32): i32 { return load<i32>(tbl + (<usize>s << 4)); }
// @ts-ignore: decorator
@inline export function segLen(tbl: usize, s: i32): i32 { return load<i32>(tbl + (<usize>s << 4), 4); }
// @ts-ignore: decorator
@inline function segBlk(tbl: usize, s: i32): i32 { return load<i32>(tbl + (<usize>s << 4), 8); }

/** Index of the last segment in [0, n) whose field at byte `field` is <= key (0 if none). */
function lastAtMost(tbl: usize, n: i32, key: i32, field: usize): i32 {
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (load<i32>(tbl + (<usize>mid << 4) + field) <= key) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/** The segment holding absolute block B (blocks ascending: start from the previous answer, or 0). */
export function segOfBlock(tbl: usize, nseg: i32, B: i32, from: i32): i32 {
  let s = from > 0 ? from : lastAtMost(tbl, nseg, B, 8);
  while (s + 1 < nseg && segBlk(tbl, s + 1) <= B) s++;
  return s;
}
// @ts-ignore: decorator
@inline export function blockStart(tbl: usize, s: i32, B: i32): i32 { return segOff(tbl, s) + (B - segBlk(tbl, s)) * BLOCK; }
// @ts-ignore: decorator
@inline export function blockEnd(tbl: usize, s: i32, st: i32): i32 { return min(st + BLOCK, segOff(tbl, s) + segLen(tbl, s)); }

/** First segment that may intersect elements from absolute index `from` on. */
export function segFirst(tbl: usize, n: i32, from: i32): i32 { return lastAtMost(tbl, n, from, 0); }

/**
 * Block partials of blocks [b0, b1) (relative to blk0) of the segments tbl[0, nseg):
 * outX[B] = Σ x², and with SEG_TWO outY[B] = Σ u² where u = y, or u = y + c·x (f32) with SEG_AXPY.
 * x, y are arena base pointers; B = blk0 + b is the absolute block index.
 */
export function seg_sumsq_partials(b0: i32, b1: i32, x: usize, y: usize, c: f32, tbl: usize, nseg: i32, blk0: i32,
                                   outX: usize, outY: usize, flags: i32): void {
  const two = (flags & SEG_TWO) != 0, axpy = (flags & SEG_AXPY) != 0;
  let s = lastAtMost(tbl, nseg, blk0 + b0, 8);
  for (let b = b0; b < b1; b++) {
    const B = blk0 + b;
    while (s + 1 < nseg && segBlk(tbl, s + 1) <= B) s++;
    const st = segOff(tbl, s) + (B - segBlk(tbl, s)) * BLOCK;
    const e = min(st + BLOCK, segOff(tbl, s) + segLen(tbl, s));
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let c0: f64 = 0, c1: f64 = 0, c2: f64 = 0, c3: f64 = 0;
    let i = st;
    const e4 = st + ((e - st) & ~3);
    if (ASC_FEATURE_SIMD) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0), ulo = f64x2.splat(0), uhi = f64x2.splat(0);
      const vc = f32x4.splat(c);
      for (; i < e4; i += 4) {
        const o = <usize>i << 2;
        const xv = v128.load(x + o);
        const xl = f64x2.promote_low_f32x4(xv), xh = f64x2.promote_low_f32x4(v128.shuffle<i32>(xv, xv, 2, 3, 0, 1));
        lo = f64x2.add(lo, f64x2.mul(xl, xl));
        hi = f64x2.add(hi, f64x2.mul(xh, xh));
        if (two) {
          let u = v128.load(y + o);
          if (axpy) u = f32x4.add(u, f32x4.mul(vc, xv));
          const ul = f64x2.promote_low_f32x4(u), uh = f64x2.promote_low_f32x4(v128.shuffle<i32>(u, u, 2, 3, 0, 1));
          ulo = f64x2.add(ulo, f64x2.mul(ul, ul));
          uhi = f64x2.add(uhi, f64x2.mul(uh, uh));
        }
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
      c0 = f64x2.extract_lane(ulo, 0); c1 = f64x2.extract_lane(ulo, 1);
      c2 = f64x2.extract_lane(uhi, 0); c3 = f64x2.extract_lane(uhi, 1);
    }
    // Scalar path (and the < 4 tail): element i goes to lane i & 3 (st is a multiple of 4).
    for (; i < e; i++) {
      const o = <usize>i << 2;
      const xi = load<f32>(x + o);
      const xd = <f64>xi;
      const l = i & 3;
      if (l == 0) a0 += xd * xd; else if (l == 1) a1 += xd * xd; else if (l == 2) a2 += xd * xd; else a3 += xd * xd;
      if (two) {
        let u = load<f32>(y + o);
        if (axpy) u = u + c * xi;
        const ud = <f64>u;
        if (l == 0) c0 += ud * ud; else if (l == 1) c1 += ud * ud; else if (l == 2) c2 += ud * ud; else c3 += ud * ud;
      }
    }
    store<f64>(outX + (<usize>B << 3), lanePartial(a0, a1, a2, a3));
    if (two) store<f64>(outY + (<usize>B << 3), (c0 + c1) + (c2 + c3));
  }
}

/** Per-segment sums: outX[s] = pairwise fold of segment s's block partials (and outY with SEG_TWO). */
export function seg_fold(tbl: usize, nseg: i32, inX: usize, inY: usize, outX: usize, outY: usize, flags: i32): void {
  const two = (flags & SEG_TWO) != 0;
  for (let s = 0; s < nseg; s++) {
    const fb = <usize>segBlk(tbl, s), nb = (segLen(tbl, s) + BLOCK - 1) / BLOCK;
    store<f64>(outX + (<usize>s << 3), pairwise_f64(inX + (fb << 3), nb));
    if (two) store<f64>(outY + (<usize>s << 3), pairwise_f64(inY + (fb << 3), nb));
  }
}

/** p[i] += coef[s] · u[i] over the elements of segments tbl[0, nseg) inside [base+start, base+end). */
export function seg_axpy_f32(start: i32, end: i32, base: i32, tbl: usize, nseg: i32, p: usize, u: usize, coef: usize): void {
  const lo = base + start, hi = base + end;
  for (let s = segFirst(tbl, nseg, lo); s < nseg; s++) {
    const off = segOff(tbl, s);
    if (off >= hi) break;
    let i = max(off, lo);
    const e = min(off + segLen(tbl, s), hi);
    const k = load<f32>(coef + (<usize>s << 2));
    if (ASC_FEATURE_SIMD) {
      const vk = f32x4.splat(k);
      for (const e4 = i + ((e - i) & ~3); i < e4; i += 4) {
        const o = <usize>i << 2;
        v128.store(p + o, f32x4.add(v128.load(p + o), f32x4.mul(vk, v128.load(u + o))));
      }
    }
    for (; i < e; i++) {
      const o = <usize>i << 2;
      store<f32>(p + o, load<f32>(p + o) + k * load<f32>(u + o));
    }
  }
}
