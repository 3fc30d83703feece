// Fused RAdam over [start, end) of a flat arena (torch.optim.RAdam 1.13, single-tensor semantics):
//   if wd != 0:  d = fma(wd, p, g)                       (grad.add(param, alpha=wd): torch fuses)
//   m = fma(omb1, d, m * b1);  v = fma(omb2 * d, d, v * b2)   (add_(alpha) / addcmul_: torch fuses)
//   x = (m / bc1) * lr
//   rectified step (rho_t > 5, a per-step flag):  x = (x * ((1 / (sqrt(v) + eps)) * sqbc2)) * rect
//     (adaptive_lr = sqrt(bc2) / tensor is tensor.reciprocal() * sqrt(bc2) in torch)
//   p = p - x                                            (add_(x, alpha=-1))
// Scalars (omb1, omb2, bc1 = 1-b1^t, sqbc2 = sqrt(1-b2^t), rect) are computed in f64 by the caller
// and rounded once.

import { fma_f32, fma_f32x4 } from '../core/fma';

export const RADAM_DECAY: i32 = 1;
export const RADAM_RECTIFY: i32 = 2;

export function radam_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize,
                          b1: f32, omb1: f32, b2: f32, omb2: f32, bc1: f32, lr: f32, sqbc2: f32,
                          eps: f32, rect: f32, wd: f32, flags: i32): void {
  const decay = (flags & RADAM_DECAY) != 0, rectify = (flags & RADAM_RECTIFY) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vbc1 = f32x4.splat(bc1), vlr = f32x4.splat(lr), vsq = f32x4.splat(sqbc2), veps = f32x4.splat(eps);
    const vrect = f32x4.splat(rect), vwd = f32x4.splat(wd), one = f32x4.splat(1);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (decay) d = fma_f32x4(vwd, pi, d);
      const mi = fma_f32x4(vomb1, d, f32x4.mul(v128.load(m + o), vb1));
      const vi = fma_f32x4(f32x4.mul(vomb2, d), d, f32x4.mul(v128.load(v + o), vb2));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      let x = f32x4.mul(f32x4.div(mi, vbc1), vlr);
      if (rectify) {
        const ad = f32x4.mul(f32x4.div(one, f32x4.add(f32x4.sqrt(vi), veps)), vsq);
        x = f32x4.mul(f32x4.mul(x, ad), vrect);
      }
      v128.store(p + o, f32x4.sub(pi, x));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (decay) d = fma_f32(wd, pi, d);
    const mi = fma_f32(omb1, d, load<f32>(m + o) * b1);
    const vi = fma_f32(omb2 * d, d, load<f32>(v + o) * b2);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let x = (mi / bc1) * lr;
    if (rectify) {
      const ad = (<f32>1 / (sqrt<f32>(vi) + eps)) * sqbc2;
      x = (x * ad) * rect;
    }
    store<f32>(p + o, pi - x);
  }
}
