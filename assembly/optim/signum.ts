// Fused signSGD / Signum over [start, end) of a flat arena (Bernstein et al. 2018, "signSGD:
// Compressed Optimisation for Non-Convex Problems"):
//   signSGD (flags & SIGNUM_MOMENTUM == 0):  u = g
//   Signum:                                  m = madd(omb, g, m*b);  u = m
//   p = p * decay + negLr * sign(u)          (decay = 1 - lr*wd, decoupled; sign(0) = 0; negLr*sign exact)

import { madd, madd4 } from '../core/madd';

export const SIGNUM_MOMENTUM: i32 = 1;

export function signum_f32(start: i32, end: i32, p: usize, g: usize, m: usize,
                           b: f32, omb: f32, negLr: f32, decay: f32, flags: i32): void {
  const mom = (flags & SIGNUM_MOMENTUM) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb = f32x4.splat(b), vomb = f32x4.splat(omb), vlr = f32x4.splat(negLr), vdecay = f32x4.splat(decay);
    const zero = f32x4.splat(0), one = f32x4.splat(1);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      let u = v128.load(g + o);
      if (mom) { u = madd4(vomb, u, f32x4.mul(v128.load(m + o), vb)); v128.store(m + o, u); }
      const s = f32x4.sub(v128.and(f32x4.gt(u, zero), one), v128.and(f32x4.lt(u, zero), one));
      v128.store(p + o, f32x4.add(f32x4.mul(v128.load(p + o), vdecay), f32x4.mul(vlr, s)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    let u = load<f32>(g + o);
    if (mom) { u = madd(omb, u, load<f32>(m + o) * b); store<f32>(m + o, u); }
    const s = <f32>(u > 0 ? 1 : 0) - <f32>(u < 0 ? 1 : 0);
    store<f32>(p + o, load<f32>(p + o) * decay + negLr * s);
  }
}
