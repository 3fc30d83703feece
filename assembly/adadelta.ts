// Fused Adadelta over [start, end) of a flat arena (torch.optim.Adadelta, single-tensor semantics):
//   d = maximize ? -g : g
//   if wd != 0:  d = d + wd * p
//   sq = sq * rho + (omr * d) * d                  (mul_(rho).addcmul_(d, d, 1 - rho))
//   delta = (sqrt(acc + eps) / sqrt(sq + eps)) * d (acc_delta.add(eps).sqrt_().div_(std).mul_(grad))
//   acc = acc * rho + (omr * delta) * delta
//   p = p + negLr * delta
// Scalars (omr = 1 - rho, negLr = -lr) are computed in f64 by the caller and rounded once.

export const ADADELTA_MAXIMIZE: i32 = 1;
export const ADADELTA_DECAY: i32 = 2;

export function adadelta_f32(start: i32, end: i32, p: usize, g: usize, sq: usize, acc: usize,
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
      if (decay) d = f32x4.add(d, f32x4.mul(vwd, pi));
      const s = f32x4.add(f32x4.mul(v128.load(sq + o), vrho), f32x4.mul(f32x4.mul(vomr, d), d));
      v128.store(sq + o, s);
      const std = f32x4.sqrt(f32x4.add(s, veps));
      const a = v128.load(acc + o);
      const delta = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(a, veps)), std), d);
      v128.store(acc + o, f32x4.add(f32x4.mul(a, vrho), f32x4.mul(f32x4.mul(vomr, delta), delta)));
      v128.store(p + o, f32x4.add(pi, f32x4.mul(vlr, delta)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (decay) d = d + wd * pi;
    const s = load<f32>(sq + o) * rho + (omr * d) * d;
    store<f32>(sq + o, s);
    const std = sqrt<f32>(s + eps);
    const a = load<f32>(acc + o);
    const delta = (sqrt<f32>(a + eps) / std) * d;
    store<f32>(acc + o, a * rho + (omr * delta) * delta);
    store<f32>(p + o, pi + negLr * delta);
  }
}
