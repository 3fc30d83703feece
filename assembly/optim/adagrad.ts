// Fused Adagrad over [start, end) of a flat arena (torch.optim.Adagrad, single-tensor dense path):
//   d = maximize ? -g : g
//   if wd != 0:  d = d + wd * p
//   sum = sum + d * d                      (addcmul_, value = 1)
//   p = p + (negClr * d) / (sqrt(sum) + eps)   (addcdiv_, value = -clr)
// with clr = lr / (1 + (step - 1) * lr_decay) computed once per step in f64 by the caller.

export const ADAGRAD_MAXIMIZE: i32 = 1;
export const ADAGRAD_DECAY: i32 = 2;

export function adagrad_f32(start: i32, end: i32, p: usize, g: usize, sum: usize,
                            negClr: f32, eps: f32, wd: f32, flags: i32): void {
  const maxi = (flags & ADAGRAD_MAXIMIZE) != 0, decay = (flags & ADAGRAD_DECAY) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vclr = f32x4.splat(negClr), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (decay) d = f32x4.add(d, f32x4.mul(vwd, pi));
      const s = f32x4.add(v128.load(sum + o), f32x4.mul(d, d));
      v128.store(sum + o, s);
      const std = f32x4.add(f32x4.sqrt(s), veps);
      v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(vclr, d), std)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (decay) d = d + wd * pi;
    const s = load<f32>(sum + o) + d * d;
    store<f32>(sum + o, s);
    const std = sqrt<f32>(s) + eps;
    store<f32>(p + o, pi + (negClr * d) / std);
  }
}

// optax.adagrad (scale_by_rss, scale_by_learning_rate), plain f32 operations in optax's order:
//   d = maximize ? -g : g;  if wd != 0: d = d + wd * p
//   sum = sum + d*d;  inv = sum > 0 ? 1 / sqrt(sum + eps) : 0;  p = p + negClr * (inv * d)
// (optax: where(sum > 0, rsqrt(sum + eps), 0) * g; the sum starts at initial_accumulator_value).
export function adagrad_optax_f32(start: i32, end: i32, p: usize, g: usize, sum: usize,
                                  negClr: f32, eps: f32, wd: f32, flags: i32): void {
  const maxi = (flags & ADAGRAD_MAXIMIZE) != 0, decay = (flags & ADAGRAD_DECAY) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vclr = f32x4.splat(negClr), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    const zero = f32x4.splat(0), one = f32x4.splat(1);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (decay) d = f32x4.add(d, f32x4.mul(vwd, pi));
      const s = f32x4.add(v128.load(sum + o), f32x4.mul(d, d));
      v128.store(sum + o, s);
      const inv = v128.and(f32x4.div(one, f32x4.sqrt(f32x4.add(s, veps))), f32x4.gt(s, zero));
      v128.store(p + o, f32x4.add(pi, f32x4.mul(vclr, f32x4.mul(inv, d))));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (decay) d = d + wd * pi;
    const s = load<f32>(sum + o) + d * d;
    store<f32>(sum + o, s);
    const inv: f32 = s > 0 ? <f32>1 / sqrt<f32>(s + eps) : 0;
    store<f32>(p + o, pi + negClr * (inv * d));
  }
}
