// Fused RMSprop over [start, end) of a flat arena (torch.optim.RMSprop, single-tensor semantics):
//   d = maximize ? -g : g
//   if wd != 0:   d = fma(wd, p, d)                        (grad.add(param, alpha=wd))
//   sq = fma(oma * d, d, sq * alpha)                        (mul_(alpha).addcmul_(d, d, 1 - alpha))
//   centered:     ga = F(oma, d, ga * alpha);  avg = sqrt(F(-ga, ga, sq)) + eps  (addcmul value -1)
//   otherwise:    avg = sqrt(sq) + eps
//   momentum:     buf = buf * momentum + d / avg;  p = F(negLr, buf, p)   (add_(buf, alpha=-lr))
//   otherwise:    p = p + (negLr * d) / avg                (addcdiv_, value = -lr)
// fma is torch 1.13's fused CPU multiply-add, emulated in f64 (assembly/core/fma.ts). F is that fma with
// RMSPROP_TORCH_BITS (bit-identical to torch on FMA CPUs) and a plain f32 a*b + c by default: the two
// fmas kept in the default are those without which the torch golden trajectories drift past 1e-6
// (the weight-decay sum cancels near a regularised optimum; sq feeds every later step), the others
// change torch parity by < 3e-7 and cost most of the time.
// Scalars (oma = 1 - alpha, negLr = -lr) are computed in f64 by the caller and rounded once.

import { fma_f32, fma_f32x4, fma_in, fma_in4 } from '../core/fma';

export const RMSPROP_MAXIMIZE: i32 = 1;
export const RMSPROP_DECAY: i32 = 2;
export const RMSPROP_CENTERED: i32 = 4;
export const RMSPROP_MOMENTUM: i32 = 8;
export const RMSPROP_TORCH_BITS: i32 = 16;

export function rmsprop_f32(start: i32, end: i32, p: usize, g: usize, sq: usize, ga: usize, buf: usize,
                            alpha: f32, oma: f32, eps: f32, wd: f32, momentum: f32, negLr: f32, flags: i32): void {
  if (flags & RMSPROP_TORCH_BITS) rmsprop_span<f64>(start, end, p, g, sq, ga, buf, alpha, oma, eps, wd, momentum, negLr, flags);
  else rmsprop_span<f32>(start, end, p, g, sq, ga, buf, alpha, oma, eps, wd, momentum, negLr, flags);
}

// @ts-ignore: decorator
@inline function rmsprop_span<T>(start: i32, end: i32, p: usize, g: usize, sq: usize, ga: usize, buf: usize,
                              alpha: f32, oma: f32, eps: f32, wd: f32, momentum: f32, negLr: f32, flags: i32): void {
  const maxi = (flags & RMSPROP_MAXIMIZE) != 0, decay = (flags & RMSPROP_DECAY) != 0;
  const cen = (flags & RMSPROP_CENTERED) != 0, mom = (flags & RMSPROP_MOMENTUM) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const valpha = f32x4.splat(alpha), voma = f32x4.splat(oma), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    const vmom = f32x4.splat(momentum), vlr = f32x4.splat(negLr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (decay) d = fma_f32x4(vwd, pi, d);
      const s = fma_f32x4(f32x4.mul(voma, d), d, f32x4.mul(v128.load(sq + o), valpha));
      v128.store(sq + o, s);
      let avg = s;
      if (cen) {
        const a = fma_in4<T>(voma, d, f32x4.mul(v128.load(ga + o), valpha));
        v128.store(ga + o, a);
        avg = fma_in4<T>(f32x4.neg(a), a, s);
      }
      avg = f32x4.add(f32x4.sqrt(avg), veps);
      if (mom) {
        const b = f32x4.add(f32x4.mul(v128.load(buf + o), vmom), f32x4.div(d, avg));
        v128.store(buf + o, b);
        v128.store(p + o, fma_in4<T>(vlr, b, pi));
      } else {
        v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(vlr, d), avg)));
      }
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (decay) d = fma_f32(wd, pi, d);
    const s = fma_f32(oma * d, d, load<f32>(sq + o) * alpha);
    store<f32>(sq + o, s);
    let avg = s;
    if (cen) {
      const a = fma_in<T>(oma, d, load<f32>(ga + o) * alpha);
      store<f32>(ga + o, a);
      avg = fma_in<T>(-a, a, s);
    }
    avg = sqrt<f32>(avg) + eps;
    if (mom) {
      const b = load<f32>(buf + o) * momentum + d / avg;
      store<f32>(buf + o, b);
      store<f32>(p + o, fma_in<T>(negLr, b, pi));
    } else {
      store<f32>(p + o, pi + (negLr * d) / avg);
    }
  }
}

// optax.rmsprop (scale_by_rms / scale_by_stddev with eps_in_sqrt=True, scale_by_learning_rate, then
// trace for momentum), plain f32 operations in optax's order (no FMA):
//   d = maximize ? -g : g;  if wd != 0: d = d + wd * p        (add_decayed_weights before)
//   sq = oma*(d*d) + alpha*sq
//   centered: ga = oma*d + alpha*ga;  x = (sq - ga*ga) + eps;  otherwise x = sq + eps
//   u = d * (1 / sqrt(x))                                      (g * rsqrt(nu + eps))
//   momentum: buf = negLr*u + momentum*buf;  p = p + buf       (optax's trace holds -lr-scaled updates)
//   otherwise: p = p + negLr*u
export function rmsprop_optax_f32(start: i32, end: i32, p: usize, g: usize, sq: usize, ga: usize, buf: usize,
                                  alpha: f32, oma: f32, eps: f32, wd: f32, momentum: f32, negLr: f32, flags: i32): void {
  const maxi = (flags & RMSPROP_MAXIMIZE) != 0, decay = (flags & RMSPROP_DECAY) != 0;
  const cen = (flags & RMSPROP_CENTERED) != 0, mom = (flags & RMSPROP_MOMENTUM) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const valpha = f32x4.splat(alpha), voma = f32x4.splat(oma), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    const vmom = f32x4.splat(momentum), vlr = f32x4.splat(negLr), one = f32x4.splat(1);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (decay) d = f32x4.add(d, f32x4.mul(vwd, pi));
      const s = f32x4.add(f32x4.mul(voma, f32x4.mul(d, d)), f32x4.mul(valpha, v128.load(sq + o)));
      v128.store(sq + o, s);
      let x = s;
      if (cen) {
        const a = f32x4.add(f32x4.mul(voma, d), f32x4.mul(valpha, v128.load(ga + o)));
        v128.store(ga + o, a);
        x = f32x4.sub(s, f32x4.mul(a, a));
      }
      const u = f32x4.mul(d, f32x4.div(one, f32x4.sqrt(f32x4.add(x, veps))));
      if (mom) {
        const b = f32x4.add(f32x4.mul(vlr, u), f32x4.mul(vmom, v128.load(buf + o)));
        v128.store(buf + o, b);
        v128.store(p + o, f32x4.add(pi, b));
      } else {
        v128.store(p + o, f32x4.add(pi, f32x4.mul(vlr, u)));
      }
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (decay) d = d + wd * pi;
    const s = oma * (d * d) + alpha * load<f32>(sq + o);
    store<f32>(sq + o, s);
    let x = s;
    if (cen) {
      const a = oma * d + alpha * load<f32>(ga + o);
      store<f32>(ga + o, a);
      x = s - a * a;
    }
    const u = d * (<f32>1 / sqrt<f32>(x + eps));
    if (mom) {
      const b = negLr * u + momentum * load<f32>(buf + o);
      store<f32>(buf + o, b);
      store<f32>(p + o, pi + b);
    } else {
      store<f32>(p + o, pi + negLr * u);
    }
  }
}
