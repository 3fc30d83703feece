// Fused AdaBelief over [start, end) of a flat arena (Zhuang et al. 2020, "AdaBelief Optimizer:
// Adapting Stepsizes by the Belief in Observed Gradients"; adabelief-pytorch 0.2 / optax.adabelief
// with eps_root = eps):
//   d = g;  L2: d = madd(wd, p, d)          decoupled: p = p * decay (decay = 1 - lr*wd)
//   m = madd(omb1, d, m*b1)
//   r = d - m                               (the belief residual, against the updated m)
//   s = madd(omb2*r, r, s*b2) + eps          (eps inside, as in the paper)
//   p = p + (stepHat * m) / (sqrt(s) + epsHat)
// with stepHat = -lr*sqrt(bc2)/bc1 and epsHat = eps*sqrt(bc2): the reference form
// p - lr/bc1 * m / (sqrt(s)/sqrt(bc2) + eps) with one division per element. Scalars in f64, rounded once.

import { madd, madd4 } from '../core/madd';

export const BELIEF_L2: i32 = 1;
export const BELIEF_DECOUPLED: i32 = 2;

export function adabelief_f32(start: i32, end: i32, p: usize, g: usize, m: usize, s: usize,
                              b1: f32, omb1: f32, b2: f32, omb2: f32, eps: f32, stepHat: f32, epsHat: f32,
                              wd: f32, decay: f32, flags: i32): void {
  const l2 = (flags & BELIEF_L2) != 0, dec = (flags & BELIEF_DECOUPLED) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const veps = f32x4.splat(eps), vstep = f32x4.splat(stepHat), vepsh = f32x4.splat(epsHat);
    const vwd = f32x4.splat(wd), vdecay = f32x4.splat(decay);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      let pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (l2) d = madd4(vwd, pi, d);
      if (dec) pi = f32x4.mul(pi, vdecay);
      const mi = madd4(vomb1, d, f32x4.mul(v128.load(m + o), vb1));
      const r = f32x4.sub(d, mi);
      const si = f32x4.add(madd4(f32x4.mul(vomb2, r), r, f32x4.mul(v128.load(s + o), vb2)), veps);
      v128.store(m + o, mi);
      v128.store(s + o, si);
      v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(vstep, mi), f32x4.add(f32x4.sqrt(si), vepsh))));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    let pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (l2) d = madd(wd, pi, d);
    if (dec) pi = pi * decay;
    const mi = madd(omb1, d, load<f32>(m + o) * b1);
    const r = d - mi;
    const si = madd(omb2 * r, r, load<f32>(s + o) * b2) + eps;
    store<f32>(m + o, mi);
    store<f32>(s + o, si);
    store<f32>(p + o, pi + (stepHat * mi) / (sqrt<f32>(si) + epsHat));
  }
}
