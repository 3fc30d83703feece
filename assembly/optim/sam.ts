// SAM / ASAM (Foret et al. 2021, "Sharpness-Aware Minimization"; Kwon et al. 2021, "ASAM"; davda54/sam
// semantics) over [start, end) of a flat arena: the ascent step to the worst-case neighbour.
//   sam_perturb_f32:     old = p;  e = adaptive ? ((p·p)·g)·scale : g·scale;  p = p + e
//   sam_asam_partials:   Σ (|p|·g)²   (ASAM's norm; |p|·g rounded to f32, squared exactly in f64; blocked
//                        order of reduce.ts: 4096-element blocks, element i of a block in f64 lane i mod 4)
// scale = ρ/(‖·‖ + 1e-12) is computed by the caller in f64 and rounded once; p is restored from old
// with copy_f32 after the gradient at the neighbour is taken.

import { lanePartial } from '../core/lanes';
import { BLOCK } from '../core/reduce';

export const SAM_ADAPTIVE: i32 = 1;

export function sam_perturb_f32(start: i32, end: i32, p: usize, g: usize, old: usize, scale: f32, flags: i32): void {
  const adaptive = (flags & SAM_ADAPTIVE) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(scale);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o), gi = v128.load(g + o);
      v128.store(old + o, pi);
      const e = adaptive ? f32x4.mul(f32x4.mul(f32x4.mul(pi, pi), gi), vs) : f32x4.mul(gi, vs);
      v128.store(p + o, f32x4.add(pi, e));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o), gi = load<f32>(g + o);
    store<f32>(old + o, pi);
    const e = adaptive ? ((pi * pi) * gi) * scale : gi * scale;
    store<f32>(p + o, pi + e);
  }
}

export function sam_asam_partials(start: i32, end: i32, p: usize, g: usize, out: usize): void {
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let i = b;
    const e4 = b + ((e - b) & ~3);
    if (ASC_FEATURE_SIMD) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (; i < e4; i += 4) {
        const o = <usize>i << 2;
        const x = f32x4.mul(f32x4.abs(v128.load(p + o)), v128.load(g + o));
        const xh = v128.shuffle<i32>(x, x, 2, 3, 0, 1);
        lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(x)));
        hi = f64x2.add(hi, f64x2.mul(f64x2.promote_low_f32x4(xh), f64x2.promote_low_f32x4(xh)));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
    }
    for (let l = 0; i < e; i++, l = (l + 1) & 3) {
      const o = <usize>i << 2;
      const x = <f64>(abs<f32>(load<f32>(p + o)) * load<f32>(g + o));
      const s = x * x;
      if (l == 0) a0 += s; else if (l == 1) a1 += s; else if (l == 2) a2 += s; else a3 += s;
    }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}
