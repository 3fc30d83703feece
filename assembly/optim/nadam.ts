// Fused NAdam over [start, end) of a flat arena (torch.optim.NAdam 1.13, single-tensor semantics):
//   if wd != 0:  d = fma(wd, p, g)                       (grad.add(param, alpha=wd): torch fuses)
//   m = fma(omb1, d, m * b1)                             (mul_(b1).add_(d, alpha=1-b1): torch fuses)
//   v = fma(omb2 * d, d, v * b2)                         (mul_(b2).addcmul_(d, d, value=1-b2): fuses)
//   denom = sqrt(v / bc2) + eps                          (exp_avg_sq.div(bc2).sqrt().add_(eps))
//   p = p + (s1 * d) / denom;  p = p + (s2 * m) / denom  (two addcdiv_: unfused)
// with s1 = -lr(1-mu_t)/(1-prod mu), s2 = -lr mu_{t+1}/(1-prod mu * mu_t * mu_{t+1}) (torch 1.13) computed by the caller
// in f64 and rounded once, like every other scalar (omb1, omb2, bc2 = 1 - b2^t).
// The fmas are torch 1.13's fused CPU multiply-add emulated in f64 (assembly/core/fma.ts). With
// NADAM_TORCH_BITS all three are (bit-identical to torch on FMA CPUs); by default only the weight-decay
// sum is (it cancels near a regularised optimum: unfused, a torch golden trajectory drifts to 2.9e-3),
// and the moment updates are plain f32 a*b + c (torch parity within 8e-8 over the golden trajectories).

import { fma_f32, fma_f32x4, fma_in, fma_in4 } from '../core/fma';

export const NADAM_DECAY: i32 = 1;
export const NADAM_TORCH_BITS: i32 = 2;

export function nadam_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize,
                          b1: f32, omb1: f32, b2: f32, omb2: f32, bc2: f32, eps: f32, wd: f32,
                          s1: f32, s2: f32, flags: i32): void {
  if (flags & NADAM_TORCH_BITS) nadam_span<f64>(start, end, p, g, m, v, b1, omb1, b2, omb2, bc2, eps, wd, s1, s2, flags);
  else nadam_span<f32>(start, end, p, g, m, v, b1, omb1, b2, omb2, bc2, eps, wd, s1, s2, flags);
}

// @ts-ignore: decorator
@inline function nadam_span<T>(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize,
                            b1: f32, omb1: f32, b2: f32, omb2: f32, bc2: f32, eps: f32, wd: f32,
                            s1: f32, s2: f32, flags: i32): void {
  const decay = (flags & NADAM_DECAY) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vbc2 = f32x4.splat(bc2), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    const vs1 = f32x4.splat(s1), vs2 = f32x4.splat(s2);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (decay) d = fma_f32x4(vwd, pi, d);
      const mi = fma_in4<T>(vomb1, d, f32x4.mul(v128.load(m + o), vb1));
      const vi = fma_in4<T>(f32x4.mul(vomb2, d), d, f32x4.mul(v128.load(v + o), vb2));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      const denom = f32x4.add(f32x4.sqrt(f32x4.div(vi, vbc2)), veps);
      const p1 = f32x4.add(pi, f32x4.div(f32x4.mul(vs1, d), denom));
      v128.store(p + o, f32x4.add(p1, f32x4.div(f32x4.mul(vs2, mi), denom)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (decay) d = fma_f32(wd, pi, d);
    const mi = fma_in<T>(omb1, d, load<f32>(m + o) * b1);
    const vi = fma_in<T>(omb2 * d, d, load<f32>(v + o) * b2);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const denom = sqrt<f32>(vi / bc2) + eps;
    const p1 = pi + (s1 * d) / denom;
    store<f32>(p + o, p1 + (s2 * mi) / denom);
  }
}
