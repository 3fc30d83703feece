// LAMB pass 1 (You et al. 2019; optax.lamb = scale_by_adam -> add_decayed_weights -> trust ratio):
//   m = (1−b1)·g + b1·m;  v = (1−b2)·g² + b2·v
//   u = (m / bc1) / (sqrt(v / bc2) + eps)  (+ wd·p)        written to the scratch u, p untouched
// bc1 = 1 − b1^t and bc2 = 1 − b2^t are computed in f64 by the caller and rounded once. Pass 2 is
// segment.ts's seg_axpy_f32 with the per-tensor −lr·‖p‖/‖u‖.

export const LAMB_WD: i32 = 1;

export function lamb_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, u: usize,
                         b1: f32, omb1: f32, b2: f32, omb2: f32, bc1: f32, bc2: f32, eps: f32, wd: f32, flags: i32): void {
  const dec = (flags & LAMB_WD) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vbc1 = f32x4.splat(bc1), vbc2 = f32x4.splat(bc2), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const mi = f32x4.add(f32x4.mul(vomb1, gi), f32x4.mul(vb1, v128.load(m + o)));
      const vi = f32x4.add(f32x4.mul(vomb2, f32x4.mul(gi, gi)), f32x4.mul(vb2, v128.load(v + o)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      let ui = f32x4.div(f32x4.div(mi, vbc1), f32x4.add(f32x4.sqrt(f32x4.div(vi, vbc2)), veps));
      if (dec) ui = f32x4.add(ui, f32x4.mul(vwd, v128.load(p + o)));
      v128.store(u + o, ui);
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = omb1 * gi + b1 * load<f32>(m + o);
    const vi = omb2 * (gi * gi) + b2 * load<f32>(v + o);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let ui = (mi / bc1) / (sqrt<f32>(vi / bc2) + eps);
    if (dec) ui = ui + wd * load<f32>(p + o);
    store<f32>(u + o, ui);
  }
}
