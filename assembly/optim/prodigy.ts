// Prodigy (Mishchenko & Defazio 2023; konstmish/prodigy prodigy.py semantics) over [start, end) of a
// flat arena, in two fused passes around the d update, plus two blocked reductions in the engine's
// fixed order (BLOCK-element blocks, element i of a block in f64 lane i mod 4, see reduce.ts):
//   c = coupled ? g + wd·p : g                           (coupled weight decay changes the gradient)
//   prodigy_dot_partials:    Σ c·(p0 − p)               (p0 − p rounded to f32; products exact in f64)
//   prodigy_moments_f32:     if first: p0 = p
//                            m = m·b1 + a1·c;  v = v·b2 + (a2·c)·c;  s = s·b3 + a3·c
//                            (a1 = d(1−β1), a2 = d²(1−β2), a3 = (d/d0)·dlr or (d/d0)·d)
//   Σ |s|: abssum_partials (assembly/core/reduce.ts)
//   prodigy_step_f32:        den = √v + dEps;  if decay: p = p + negWdDlr·p;  p = p + negDlr·(m / den)
// Every scalar is computed by the caller in f64 and rounded once.

import { BLOCK } from '../core/reduce';
import { lanePartial } from '../core/lanes';

export const PRODIGY_COUPLED: i32 = 1;
export const PRODIGY_FIRST: i32 = 2;
export const PRODIGY_DECAY: i32 = 4;


export function prodigy_dot_partials(start: i32, end: i32, g: usize, p: usize, p0: usize, wd: f32, flags: i32, out: usize): void {
  const coupled = (flags & PRODIGY_COUPLED) != 0;
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
        const pi = v128.load(p + o);
        let c = v128.load(g + o);
        if (coupled) c = f32x4.add(c, f32x4.mul(vwd, pi));
        const d = f32x4.sub(v128.load(p0 + o), pi);
        lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(c), f64x2.promote_low_f32x4(d)));
        hi = f64x2.add(hi, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(c, c, 2, 3, 0, 1)),
          f64x2.promote_low_f32x4(v128.shuffle<i32>(d, d, 2, 3, 0, 1))));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
    }
    for (let l = 0; i < e; i++, l = (l + 1) & 3) {
      const o = <usize>i << 2;
      const pi = load<f32>(p + o);
      let c = load<f32>(g + o);
      if (coupled) c = c + wd * pi;
      const x = <f64>c * <f64>(load<f32>(p0 + o) - pi);
      if (l == 0) a0 += x; else if (l == 1) a1 += x; else if (l == 2) a2 += x; else a3 += x;
    }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}

export function prodigy_moments_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, s: usize, p0: usize,
                                    wd: f32, b1: f32, a1: f32, b2: f32, a2: f32, b3: f32, a3: f32, flags: i32): void {
  const coupled = (flags & PRODIGY_COUPLED) != 0, first = (flags & PRODIGY_FIRST) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd), vb1 = f32x4.splat(b1), va1 = f32x4.splat(a1), vb2 = f32x4.splat(b2), va2 = f32x4.splat(a2);
    const vb3 = f32x4.splat(b3), va3 = f32x4.splat(a3);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      if (first) v128.store(p0 + o, pi);
      let c = v128.load(g + o);
      if (coupled) c = f32x4.add(c, f32x4.mul(vwd, pi));
      v128.store(m + o, f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(va1, c)));
      v128.store(v + o, f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(va2, c), c)));
      v128.store(s + o, f32x4.add(f32x4.mul(v128.load(s + o), vb3), f32x4.mul(va3, c)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    if (first) store<f32>(p0 + o, pi);
    let c = load<f32>(g + o);
    if (coupled) c = c + wd * pi;
    store<f32>(m + o, load<f32>(m + o) * b1 + a1 * c);
    store<f32>(v + o, load<f32>(v + o) * b2 + (a2 * c) * c);
    store<f32>(s + o, load<f32>(s + o) * b3 + a3 * c);
  }
}

export function prodigy_step_f32(start: i32, end: i32, p: usize, m: usize, v: usize,
                                 dEps: f32, negWdDlr: f32, negDlr: f32, flags: i32): void {
  const decay = (flags & PRODIGY_DECAY) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const veps = f32x4.splat(dEps), vwd = f32x4.splat(negWdDlr), vlr = f32x4.splat(negDlr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      let pi = v128.load(p + o);
      const den = f32x4.add(f32x4.sqrt(v128.load(v + o)), veps);
      if (decay) pi = f32x4.add(pi, f32x4.mul(vwd, pi));
      v128.store(p + o, f32x4.add(pi, f32x4.mul(vlr, f32x4.div(v128.load(m + o), den))));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    let pi = load<f32>(p + o);
    const den = sqrt<f32>(load<f32>(v + o)) + dEps;
    if (decay) pi = pi + negWdDlr * pi;
    store<f32>(p + o, pi + negDlr * (load<f32>(m + o) / den));
  }
}
