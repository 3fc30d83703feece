// Fused Lion over [start, end) of a flat arena (Chen et al. 2023, "Symbolic Discovery of Optimization
// Algorithms"; the lion-pytorch / optax formulation):
//   c = fma(omb1, g, m * b1)                  (exp_avg * b1 + (1-b1) * g)
//   p = p * decay + negLr * sign(c)           (decay = 1 - lr*wd; sign(0) = 0; negLr*sign exact)
//   m = fma(omb2, g, m * b2)
// Scalars (omb1, omb2, negLr = -lr, decay) are computed in f64 by the caller and rounded once.
// fma is torch's fused CPU multiply-add as lion-pytorch's add(alpha=) gets it, emulated in f64
// (assembly/core/fma.ts), with LION_TORCH_BITS; by default both are plain f32 a*b + c.

import { fma_in, fma_in4 } from '../core/fma';

export const LION_TORCH_BITS: i32 = 1;

export function lion_f32(start: i32, end: i32, p: usize, g: usize, m: usize,
                         b1: f32, omb1: f32, b2: f32, omb2: f32, negLr: f32, decay: f32, flags: i32): void {
  if (flags & LION_TORCH_BITS) lion_span<f64>(start, end, p, g, m, b1, omb1, b2, omb2, negLr, decay);
  else lion_span<f32>(start, end, p, g, m, b1, omb1, b2, omb2, negLr, decay);
}

// @ts-ignore: decorator
@inline function lion_span<T>(start: i32, end: i32, p: usize, g: usize, m: usize,
                           b1: f32, omb1: f32, b2: f32, omb2: f32, negLr: f32, decay: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vlr = f32x4.splat(negLr), vdecay = f32x4.splat(decay), zero = f32x4.splat(0), one = f32x4.splat(1);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o), mo = v128.load(m + o);
      const c = fma_in4<T>(vomb1, gi, f32x4.mul(mo, vb1));
      const s = f32x4.sub(v128.and(f32x4.gt(c, zero), one), v128.and(f32x4.lt(c, zero), one));
      v128.store(p + o, f32x4.add(f32x4.mul(v128.load(p + o), vdecay), f32x4.mul(vlr, s)));
      v128.store(m + o, fma_in4<T>(vomb2, gi, f32x4.mul(mo, vb2)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o), mo = load<f32>(m + o);
    const c = fma_in<T>(omb1, gi, mo * b1);
    const s = <f32>(c > 0 ? 1 : 0) - <f32>(c < 0 ? 1 : 0);
    store<f32>(p + o, load<f32>(p + o) * decay + negLr * s);
    store<f32>(m + o, fma_in<T>(omb2, gi, mo * b2));
  }
}
