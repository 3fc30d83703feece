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

// optax.adam / optax.adamw / optax.amsgrad (scale_by_adam, scale_by_amsgrad, add_decayed_weights,
// scale_by_learning_rate), every operation rounded to f32 in optax's order:
//   d = maximize ? -g : g;  if L2: d = d + wd * p
//   m = m*b1 + omb1*d                     ((1-b1)*g + b1*m: the same f32 value)
//   v = omb2*(d*d) + b2*v                 (g**2 first, unlike torch's ((1-b2)*g)*g)
//   mh = m / bc1;  vh = v / bc2           (bc = 1 - b^t, rounded once to f32)
//   AMSGrad: vmax = max(vmax, vh); vh = vmax   (the max over the bias-corrected v-hat)
//   u = mh / (sqrt(vh + epsRoot) + eps);  if DECOUPLED: u = u + wd * p;  p = p + negLr * u
export function adam_optax_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize,
                               b1: f32, omb1: f32, b2: f32, omb2: f32, bc1: f32, bc2: f32, epsRoot: f32, eps: f32,
                               negLr: f32, wd: f32, flags: i32): void {
  const maxi = (flags & ADAM_MAXIMIZE) != 0, ams = (flags & ADAM_AMSGRAD) != 0;
  const l2 = (flags & ADAM_L2) != 0, dec = (flags & ADAM_DECOUPLED) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vbc1 = f32x4.splat(bc1), vbc2 = f32x4.splat(bc2), vroot = f32x4.splat(epsRoot), veps = f32x4.splat(eps);
    const vlr = f32x4.splat(negLr), vwd = f32x4.splat(wd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (l2) d = f32x4.add(d, f32x4.mul(vwd, pi));
      const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vomb1, d));
      const vi = f32x4.add(f32x4.mul(vomb2, f32x4.mul(d, d)), f32x4.mul(vb2, v128.load(v + o)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      let vh = f32x4.div(vi, vbc2);
      if (ams) { vh = f32x4.max(v128.load(vmax + o), vh); v128.store(vmax + o, vh); }
      let u = f32x4.div(f32x4.div(mi, vbc1), f32x4.add(f32x4.sqrt(f32x4.add(vh, vroot)), veps));
      if (dec) u = f32x4.add(u, f32x4.mul(vwd, pi));
      v128.store(p + o, f32x4.add(pi, f32x4.mul(vlr, u)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (l2) d = d + wd * pi;
    const mi = load<f32>(m + o) * b1 + omb1 * d;
    const vi = omb2 * (d * d) + b2 * load<f32>(v + o);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let vh = vi / bc2;
    if (ams) { vh = max(load<f32>(vmax + o), vh); store<f32>(vmax + o, vh); }
    let u = (mi / bc1) / (sqrt<f32>(vh + epsRoot) + eps);
    if (dec) u = u + wd * pi;
    store<f32>(p + o, pi + negLr * u);
  }
}
