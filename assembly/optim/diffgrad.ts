// Fused diffGrad over [start, end) of a flat arena (Dubey et al. 2019, "diffGrad: An Optimization
// Method for Convolutional Neural Networks"; the official shivram1987/diffGrad code):
//   d = g;  L2: d = madd(wd, p, d)
//   m = madd(omb1, d, m*b1);  v = madd(omb2*d, d, v*b2)
//   ξ = f32(1 / (1 + exp(-|prev - d|)))    (the friction, in [0.5, 1]; with DIFFGRAD_TORCH_BITS: in f64
//                                           with the module's deterministic exp, one lane at a time)
//   prev = d
//   p = p + (negStep * (m*ξ)) / (sqrt(v) + eps)     negStep = -lr*sqrt(bc2)/bc1 (as the paper's code:
//                                                    eps is not bias-corrected)
// By default (no DIFFGRAD_TORCH_BITS) the friction is folded into the denominator, in f32, four lanes
// at a time, with the f32 exp of assembly/core/expf.ts (one division per element instead of two):
//   p = p + (negStep * m) / ((sqrt(v) + eps) * (1 + exp_neg_f32(|prev - d|)))
// Either way the SIMD and scalar paths give the same bits.
import { madd, madd4 } from '../core/madd';
import { exp_f64 } from '../core/math';
import { exp_neg_f32, exp_neg_f32x4 } from '../core/expf';

export const DIFFGRAD_L2: i32 = 1;
export const DIFFGRAD_TORCH_BITS: i32 = 2;

// @ts-ignore: decorator
@inline function friction(diff: f32): f32 {
  return <f32>(1.0 / (1.0 + exp_f64(-<f64>diff)));
}

export function diffgrad_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, prev: usize,
                             b1: f32, omb1: f32, b2: f32, omb2: f32, negStep: f32, eps: f32, wd: f32, flags: i32): void {
  if (flags & DIFFGRAD_TORCH_BITS) diffgrad_span<f64>(start, end, p, g, m, v, prev, b1, omb1, b2, omb2, negStep, eps, wd, flags);
  else diffgrad_span<f32>(start, end, p, g, m, v, prev, b1, omb1, b2, omb2, negStep, eps, wd, flags);
}

// @ts-ignore: decorator
@inline function diffgrad_span<T>(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, prev: usize,
                               b1: f32, omb1: f32, b2: f32, omb2: f32, negStep: f32, eps: f32, wd: f32, flags: i32): void {
  const l2 = (flags & DIFFGRAD_L2) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vstep = f32x4.splat(negStep), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (l2) d = madd4(vwd, pi, d);
      const mi = madd4(vomb1, d, f32x4.mul(v128.load(m + o), vb1));
      const vi = madd4(f32x4.mul(vomb2, d), d, f32x4.mul(v128.load(v + o), vb2));
      const diff = f32x4.abs(f32x4.sub(v128.load(prev + o), d));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      v128.store(prev + o, d);
      if (sizeof<T>() == 8) {
        let xi = f32x4.splat(friction(f32x4.extract_lane(diff, 0)));
        xi = f32x4.replace_lane(xi, 1, friction(f32x4.extract_lane(diff, 1)));
        xi = f32x4.replace_lane(xi, 2, friction(f32x4.extract_lane(diff, 2)));
        xi = f32x4.replace_lane(xi, 3, friction(f32x4.extract_lane(diff, 3)));
        v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(vstep, f32x4.mul(mi, xi)), f32x4.add(f32x4.sqrt(vi), veps))));
      } else {
        const den = f32x4.mul(f32x4.add(f32x4.sqrt(vi), veps), f32x4.add(f32x4.splat(1), exp_neg_f32x4(diff)));
        v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(vstep, mi), den)));
      }
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (l2) d = madd(wd, pi, d);
    const mi = madd(omb1, d, load<f32>(m + o) * b1);
    const vi = madd(omb2 * d, d, load<f32>(v + o) * b2);
    const diff = abs<f32>(load<f32>(prev + o) - d);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(prev + o, d);
    if (sizeof<T>() == 8) store<f32>(p + o, pi + (negStep * (mi * friction(diff))) / (sqrt<f32>(vi) + eps));
    else store<f32>(p + o, pi + (negStep * mi) / ((sqrt<f32>(vi) + eps) * (<f32>1 + exp_neg_f32(diff))));
  }
}
