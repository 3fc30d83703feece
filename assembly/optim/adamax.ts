// Fused Adamax over [start, end) of a flat arena (torch.optim.Adamax 1.13, single-tensor semantics):
//   d = maximize ? -g : g
//   if wd != 0:  d = fma(wd, p, d)                       (grad.add(param, alpha=wd): torch fuses)
//   m = fma(omb1, d, m * b1)                             (mul_(b1).add_(d, alpha=1-b1): torch fuses)
//   u = max(u * b2, |d| + eps)                           (amax of cat([u*b2, |d|+eps]))
//   p = p + (negClr * m) / u                             (addcdiv_, value = -lr/(1-b1^t): unfused)
// Scalars (omb1 = 1 - b1, negClr) are computed in f64 by the caller and rounded once.

import { fma_f32, fma_f32x4 } from '../core/fma';

export const ADAMAX_MAXIMIZE: i32 = 1;
export const ADAMAX_DECAY: i32 = 2;

export function adamax_f32(start: i32, end: i32, p: usize, g: usize, m: usize, u: usize,
                           b1: f32, omb1: f32, b2: f32, eps: f32, wd: f32, negClr: f32, flags: i32): void {
  const maxi = (flags & ADAMAX_MAXIMIZE) != 0, decay = (flags & ADAMAX_DECAY) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), veps = f32x4.splat(eps);
    const vwd = f32x4.splat(wd), vclr = f32x4.splat(negClr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (decay) d = fma_f32x4(vwd, pi, d);
      const mi = fma_f32x4(vomb1, d, f32x4.mul(v128.load(m + o), vb1));
      const ui = f32x4.max(f32x4.mul(v128.load(u + o), vb2), f32x4.add(f32x4.abs(d), veps));
      v128.store(m + o, mi);
      v128.store(u + o, ui);
      v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(vclr, mi), ui)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (decay) d = fma_f32(wd, pi, d);
    const mi = fma_f32(omb1, d, load<f32>(m + o) * b1);
    const ui = max(load<f32>(u + o) * b2, abs<f32>(d) + eps);
    store<f32>(m + o, mi);
    store<f32>(u + o, ui);
    store<f32>(p + o, pi + (negClr * mi) / ui);
  }
}
