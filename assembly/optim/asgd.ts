// Fused ASGD over [start, end) of a flat arena (torch.optim.ASGD 1.13, single-tensor semantics):
//   d = maximize ? -g : g
//   if wd != 0:  d = fma(wd, p, d)                       (grad.add(param, alpha=wd): torch fuses)
//   p = p * decay                                         (param.mul_(1 - lambd*eta), decay rounded once)
//   p = fma(negEta, d, p)                                 (param.add_(grad, alpha=-eta): torch fuses)
//   ax = average ? ax + (p - ax) * mu : p                 (ax.add_(param.sub(ax).mul(mu)) / ax.copy_(param))
// The scalars (decay = 1 - lambd*eta, negEta = -eta, mu) come from the caller: eta and mu are f32
// values (torch keeps them as float32 tensors), decay is computed in f64 and rounded once.
// The two fmas (torch 1.13's fused CPU multiply-add, emulated in f64: assembly/fma.ts) are taken with
// ASGD_TORCH_BITS (bit-identical to torch on FMA CPUs); by default they are plain f32 a*b + c (torch
// parity within 4e-7 over the golden trajectories, at a fraction of the cost).

import { fma_in, fma_in4 } from '../core/fma';

export const ASGD_MAXIMIZE: i32 = 1;
export const ASGD_DECAY: i32 = 2;
export const ASGD_AVERAGE: i32 = 4;
export const ASGD_TORCH_BITS: i32 = 8;

export function asgd_f32(start: i32, end: i32, p: usize, g: usize, ax: usize,
                         decay: f32, negEta: f32, wd: f32, mu: f32, flags: i32): void {
  if (flags & ASGD_TORCH_BITS) asgd_span<f64>(start, end, p, g, ax, decay, negEta, wd, mu, flags);
  else asgd_span<f32>(start, end, p, g, ax, decay, negEta, wd, mu, flags);
}

// @ts-ignore: decorator
@inline function asgd_span<T>(start: i32, end: i32, p: usize, g: usize, ax: usize,
                           decay: f32, negEta: f32, wd: f32, mu: f32, flags: i32): void {
  const maxi = (flags & ASGD_MAXIMIZE) != 0, wdecay = (flags & ASGD_DECAY) != 0, avg = (flags & ASGD_AVERAGE) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vdecay = f32x4.splat(decay), veta = f32x4.splat(negEta), vwd = f32x4.splat(wd), vmu = f32x4.splat(mu);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      let pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (wdecay) d = fma_in4<T>(vwd, pi, d);
      pi = fma_in4<T>(veta, d, f32x4.mul(pi, vdecay));
      v128.store(p + o, pi);
      if (avg) {
        const a = v128.load(ax + o);
        v128.store(ax + o, f32x4.add(a, f32x4.mul(f32x4.sub(pi, a), vmu)));
      } else {
        v128.store(ax + o, pi);
      }
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    let pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (wdecay) d = fma_in<T>(wd, pi, d);
    pi = fma_in<T>(negEta, d, pi * decay);
    store<f32>(p + o, pi);
    if (avg) {
      const a = load<f32>(ax + o);
      store<f32>(ax + o, a + (pi - a) * mu);
    } else {
      store<f32>(ax + o, pi);
    }
  }
}
