// Fused Yogi over [start, end) of a flat arena (Zaheer et al. 2018, "Adaptive Methods for Nonconvex
// Optimization"; optax.scale_by_yogi with eps_root = 0, plus optional decoupled weight decay):
//   p = p * decay                              (decay = 1 - lr*wd; exactly p when wd = 0)
//   m = madd(omb1, g, m*b1)
//   g2 = g*g;  v = v - sign(v - g2) * (omb2*g2)   (sign(0) = 0; sign*x is exact)
//   p = p + (stepHat * m) / (sqrt(v) + epsHat)
// with stepHat = -lr*sqrt(bc2)/bc1 and epsHat = eps*sqrt(bc2): optax's m̂/(sqrt(v̂) + eps) (both moments
// bias-corrected) with one division per element. Scalars in f64, rounded once.

import { madd, madd4 } from '../core/madd';

export function yogi_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize,
                         b1: f32, omb1: f32, omb2: f32, stepHat: f32, epsHat: f32, decay: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vomb2 = f32x4.splat(omb2);
    const vstep = f32x4.splat(stepHat), veps = f32x4.splat(epsHat), vdecay = f32x4.splat(decay);
    const zero = f32x4.splat(0), one = f32x4.splat(1);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o), vo = v128.load(v + o);
      const mi = madd4(vomb1, gi, f32x4.mul(v128.load(m + o), vb1));
      const g2 = f32x4.mul(gi, gi);
      const dv = f32x4.sub(vo, g2);
      const sg = f32x4.sub(v128.and(f32x4.gt(dv, zero), one), v128.and(f32x4.lt(dv, zero), one));
      const vi = f32x4.sub(vo, f32x4.mul(sg, f32x4.mul(vomb2, g2)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      const pi = f32x4.mul(v128.load(p + o), vdecay);
      v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(vstep, mi), f32x4.add(f32x4.sqrt(vi), veps))));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o), vo = load<f32>(v + o);
    const mi = madd(omb1, gi, load<f32>(m + o) * b1);
    const g2 = gi * gi;
    const dv = vo - g2;
    const sg = <f32>(dv > 0 ? 1 : 0) - <f32>(dv < 0 ? 1 : 0);
    const vi = vo - sg * (omb2 * g2);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const pi = load<f32>(p + o) * decay;
    store<f32>(p + o, pi + (stepHat * mi) / (sqrt<f32>(vi) + epsHat));
  }
}
