// Fused random-scaled SGD with momentum over [start, end) of a flat arena (Zhang & Cutkosky 2024,
// "Random Scaling and Momentum for Non-smooth Non-convex Optimization"):
//   m = madd(omb, g, m*b)                (EMA momentum, b = momentum)
//   p = p * decay + negStep * m         (negStep = -lr*s, decay = 1 - lr*s*wd; s ~ Exp(1) drawn per
//                                        step by the caller from a counter-based generator)
import { madd, madd4 } from '../core/madd';

export function rsgdm_f32(start: i32, end: i32, p: usize, g: usize, m: usize,
                          b: f32, omb: f32, negStep: f32, decay: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb = f32x4.splat(b), vomb = f32x4.splat(omb), vstep = f32x4.splat(negStep), vdecay = f32x4.splat(decay);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const mi = madd4(vomb, v128.load(g + o), f32x4.mul(v128.load(m + o), vb));
      v128.store(m + o, mi);
      v128.store(p + o, f32x4.add(f32x4.mul(v128.load(p + o), vdecay), f32x4.mul(vstep, mi)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const mi = madd(omb, load<f32>(g + o), load<f32>(m + o) * b);
    store<f32>(m + o, mi);
    store<f32>(p + o, load<f32>(p + o) * decay + negStep * mi);
  }
}
