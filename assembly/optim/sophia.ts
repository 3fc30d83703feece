// Fused Sophia-H over [start, end) of a flat arena (Liu et al. 2023, Algorithm 3 with Hutchinson's
// estimator; decoupled weight decay before the clipped step):
//   m = m*b1 + (1-b1)*g
//   if HESS (a curvature step):  h = h*b2 + (1-b2)*(z * hz)
//   r = clamp(m / max(gamma*h, eps), -1, 1)     (max/min propagate NaN on both paths)
//   p = p*decay + negLr*r                       (decay = 1 - lr*wd, negLr = -lr)

export const SOPHIA_HESS: i32 = 1;

export function sophia_f32(start: i32, end: i32, p: usize, g: usize, z: usize, hz: usize, m: usize, h: usize,
                           b1: f32, omb1: f32, b2: f32, omb2: f32, gamma: f32, eps: f32,
                           negLr: f32, decay: f32, flags: i32): void {
  const hess = (flags & SOPHIA_HESS) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vgamma = f32x4.splat(gamma), veps = f32x4.splat(eps), vlr = f32x4.splat(negLr), vdecay = f32x4.splat(decay);
    const one = f32x4.splat(1), mone = f32x4.splat(-1);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vomb1, v128.load(g + o)));
      v128.store(m + o, mi);
      let hi = v128.load(h + o);
      if (hess) {
        hi = f32x4.add(f32x4.mul(hi, vb2), f32x4.mul(vomb2, f32x4.mul(v128.load(z + o), v128.load(hz + o))));
        v128.store(h + o, hi);
      }
      const r = f32x4.min(f32x4.max(f32x4.div(mi, f32x4.max(f32x4.mul(vgamma, hi), veps)), mone), one);
      v128.store(p + o, f32x4.add(f32x4.mul(v128.load(p + o), vdecay), f32x4.mul(vlr, r)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const mi = load<f32>(m + o) * b1 + omb1 * load<f32>(g + o);
    store<f32>(m + o, mi);
    let hi = load<f32>(h + o);
    if (hess) {
      hi = hi * b2 + omb2 * (load<f32>(z + o) * load<f32>(hz + o));
      store<f32>(h + o, hi);
    }
    const r = min<f32>(max<f32>(mi / max<f32>(gamma * hi, eps), -1), 1);
    store<f32>(p + o, load<f32>(p + o) * decay + negLr * r);
  }
}
