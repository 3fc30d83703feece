// Fused Adadelta over [start, end) of a flat arena (torch.optim.Adadelta, single-tensor semantics):
//   d = maximize ? -g : g
//   if wd != 0:  d = d + wd * p
//   sq = sq * rho + (omr * d) * d                  (mul_(rho).addcmul_(d, d, 1 - rho))
//   delta = (sqrt(acc + eps) / sqrt(sq + eps)) * d (acc_delta.add(eps).sqrt_().div_(std).mul_(grad))
//   acc = acc * rho + (omr * delta) * delta
//   p = fma(negLr, delta, p)   (add_(delta, alpha=-lr), fused as torch's CPU kernel does: Δ can be large)
// Every `x + y*z` above (weight decay, the addcmul_ updates, the parameter update) is fma(y, z, x)
// (assembly/core/fma.ts, torch 1.13's fused CPU multiply-add emulated in f64) with ADADELTA_TORCH_BITS
// (bit-identical to torch on FMA CPUs). By default only the weight-decay sum is (it cancels near a
// regularised optimum: unfused, a torch golden trajectory drifts to 1.4e-6); the other three are plain
// f32 a*b + c (torch parity within 6e-7 over the golden trajectories, at a fraction of the cost).
// Scalars (omr = 1 - rho, negLr = -lr) are computed in f64 by the caller and rounded once.

import { fma_f32, fma_f32x4, fma_in, fma_in4 } from '../core/fma';

export const ADADELTA_MAXIMIZE: i32 = 1;
export const ADADELTA_DECAY: i32 = 2;
export const ADADELTA_TORCH_BITS: i32 = 4;

export function adadelta_f32(start: i32, end: i32, p: usize, g: usize, sq: usize, acc: usize,
                             rho: f32, omr: f32, eps: f32, wd: f32, negLr: f32, flags: i32): void {
  if (flags & ADADELTA_TORCH_BITS) adadelta_span<f64>(start, end, p, g, sq, acc, rho, omr, eps, wd, negLr, flags);
  else adadelta_span<f32>(start, end, p, g, sq, acc, rho, omr, eps, wd, negLr, flags);
}

// @ts-ignore: decorator
@inline function adadelta_span<T>(start: i32, end: i32, p: usize, g: usize, sq: usize, acc: usize,
                               rho: f32, omr: f32, eps: f32, wd: f32, negLr: f32, flags: i32): void {
  const maxi = (flags & ADADELTA_MAXIMIZE) != 0, decay = (flags & ADADELTA_DECAY) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vrho = f32x4.splat(rho), vomr = f32x4.splat(omr), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    const vlr = f32x4.splat(negLr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (decay) d = fma_f32x4(vwd, pi, d);
      const s = fma_in4<T>(f32x4.mul(vomr, d), d, f32x4.mul(v128.load(sq + o), vrho));
      v128.store(sq + o, s);
      const std = f32x4.sqrt(f32x4.add(s, veps));
      const a = v128.load(acc + o);
      const delta = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(a, veps)), std), d);
      v128.store(acc + o, fma_in4<T>(f32x4.mul(vomr, delta), delta, f32x4.mul(a, vrho)));
      v128.store(p + o, fma_in4<T>(vlr, delta, pi));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (decay) d = fma_f32(wd, pi, d);
    const s = fma_in<T>(omr * d, d, load<f32>(sq + o) * rho);
    store<f32>(sq + o, s);
    const std = sqrt<f32>(s + eps);
    const a = load<f32>(acc + o);
    const delta = (sqrt<f32>(a + eps) / std) * d;
    store<f32>(acc + o, fma_in<T>(omr * delta, delta, a * rho));
    store<f32>(p + o, fma_in<T>(negLr, delta, pi));
  }
}
