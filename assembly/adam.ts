// Fused Adam / AdamW over [start, end) of a flat arena (torch.optim.Adam/AdamW, single-tensor
// semantics: eps added after the bias correction, AdamW decay applied to p before the moments,
// AMSGrad keeps the running max of the raw v):
//   d = maximize ? -g : g
//   AdamW: p = p * (1 - lr*wd)           Adam: if wd != 0, d = d + wd * p
//   m = m*b1 + (1-b1)*d
//   v = v*b2 + ((1-b2)*d)*d
//   vmax = max(vmax, v) (AMSGrad)
//   p = p + (-lr*sqrt(bc2)/bc1) * m / (sqrt(amsgrad ? vmax : v) + eps*sqrt(bc2))
// which is torch's  p - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)  with the sqrt(bc2) moved into the
// scalars: one division per element instead of two (the kernel is compute bound on that division),
// the same values up to rounding. The scalars (1-b1, 1-b2, 1-lr*wd, stepHat = -lr*sqrt(bc2)/bc1,
// epsHat = eps*sqrt(bc2)) are computed once per step in f64 by the caller.

export const ADAM_MAXIMIZE: i32 = 1;
export const ADAM_AMSGRAD: i32 = 2;
export const ADAM_L2: i32 = 4;
export const ADAM_DECOUPLED: i32 = 8;

export function adam_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize,
                         b1: f32, omb1: f32, b2: f32, omb2: f32, stepHat: f32, epsHat: f32,
                         wd: f32, decay: f32, flags: i32): void {
  const maxi = (flags & ADAM_MAXIMIZE) != 0, ams = (flags & ADAM_AMSGRAD) != 0;
  const l2 = (flags & ADAM_L2) != 0, dec = (flags & ADAM_DECOUPLED) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vstep = f32x4.splat(stepHat), veps = f32x4.splat(epsHat);
    const vwd = f32x4.splat(wd), vdecay = f32x4.splat(decay);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      let pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (dec) pi = f32x4.mul(pi, vdecay);
      if (l2) d = f32x4.add(d, f32x4.mul(vwd, pi));
      const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vomb1, d));
      const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(vomb2, d), d));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      let vs = vi;
      if (ams) { vs = f32x4.max(v128.load(vmax + o), vi); v128.store(vmax + o, vs); }
      const denom = f32x4.add(f32x4.sqrt(vs), veps);
      v128.store(p + o, f32x4.add(pi, f32x4.div(f32x4.mul(vstep, mi), denom)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    let pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (dec) pi = pi * decay;
    if (l2) d = d + wd * pi;
    const mi = load<f32>(m + o) * b1 + omb1 * d;
    const vi = load<f32>(v + o) * b2 + (omb2 * d) * d;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let vs = vi;
    if (ams) { vs = max(load<f32>(vmax + o), vi); store<f32>(vmax + o, vs); }
    const denom = sqrt<f32>(vs) + epsHat;
    store<f32>(p + o, pi + (stepHat * mi) / denom);
  }
}
