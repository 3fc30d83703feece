// DoG (Ivgi et al. 2023, "DoG is SGD's Best Friend"; formll/dog semantics) over [start, end) of a flat
// arena: one update kernel plus two blocked reductions in the engine's fixed order (BLOCK-element
// blocks, element i of a block in f64 lane i mod 4, see reduce.ts):
//   c = decay ? g + wd·p : g
//   dog_gsq_partials:   Σ c²                    (c in f32, squared exactly in f64)
//   dog_dist_partials:  Σ (p − x0)²             (difference rounded to f32)
//   dog_f32:            if first: x0 = p;  p = p + negEta·c
// η = lr·r̄/√G is computed by the caller in f64 and rounded once.

import { BLOCK } from '../core/reduce';
import { lanePartial } from '../core/lanes';

export const DOG_DECAY: i32 = 1;
export const DOG_FIRST: i32 = 2;


// @ts-ignore: decorator
@inline function sq2(acc: v128, x: v128): v128 {
  return f64x2.add(acc, f64x2.mul(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(x)));
}

/** out[b] = Σ over block b of (g + wd·p)² (or g² without the decay flag). */
export function dog_gsq_partials(start: i32, end: i32, g: usize, p: usize, wd: f32, flags: i32, out: usize): void {
  const decay = (flags & DOG_DECAY) != 0;
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let i = b;
    const e4 = b + ((e - b) & ~3);
    if (ASC_FEATURE_SIMD) {
      const vwd = f32x4.splat(wd);
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (; i < e4; i += 4) {
        const o = <usize>i << 2;
        let c = v128.load(g + o);
        if (decay) c = f32x4.add(c, f32x4.mul(vwd, v128.load(p + o)));
        lo = sq2(lo, c);
        hi = sq2(hi, v128.shuffle<i32>(c, c, 2, 3, 0, 1));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
    }
    for (let l = 0; i < e; i++, l = (l + 1) & 3) {
      const o = <usize>i << 2;
      let c = load<f32>(g + o);
      if (decay) c = c + wd * load<f32>(p + o);
      const x = <f64>c * <f64>c;
      if (l == 0) a0 += x; else if (l == 1) a1 += x; else if (l == 2) a2 += x; else a3 += x;
    }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}

/** out[b] = Σ over block b of (p − x0)². */
export function dog_dist_partials(start: i32, end: i32, p: usize, x0: usize, out: usize): void {
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let i = b;
    const e4 = b + ((e - b) & ~3);
    if (ASC_FEATURE_SIMD) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (; i < e4; i += 4) {
        const o = <usize>i << 2;
        const d = f32x4.sub(v128.load(p + o), v128.load(x0 + o));
        lo = sq2(lo, d);
        hi = sq2(hi, v128.shuffle<i32>(d, d, 2, 3, 0, 1));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
    }
    for (let l = 0; i < e; i++, l = (l + 1) & 3) {
      const o = <usize>i << 2;
      const d = load<f32>(p + o) - load<f32>(x0 + o);
      const x = <f64>d * <f64>d;
      if (l == 0) a0 += x; else if (l == 1) a1 += x; else if (l == 2) a2 += x; else a3 += x;
    }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}

export function dog_f32(start: i32, end: i32, p: usize, g: usize, x0: usize, wd: f32, negEta: f32, flags: i32): void {
  const decay = (flags & DOG_DECAY) != 0, first = (flags & DOG_FIRST) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd), veta = f32x4.splat(negEta);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      if (first) v128.store(x0 + o, pi);
      let c = v128.load(g + o);
      if (decay) c = f32x4.add(c, f32x4.mul(vwd, pi));
      v128.store(p + o, f32x4.add(pi, f32x4.mul(veta, c)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    if (first) store<f32>(x0 + o, pi);
    let c = load<f32>(g + o);
    if (decay) c = c + wd * pi;
    store<f32>(p + o, pi + negEta * c);
  }
}
