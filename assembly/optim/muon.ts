// Muon's elementwise passes (Keller Jordan's reference `muon_update`, torch semantics; the
// Newton–Schulz matrix products run in the Rust sgemm). torch's lerp with a scalar weight w is
//   lerp(a, b, w) = |w| < 0.5 ? a + w·(b − a) : b − (b − a)·(1 − w)          (f32, 1 − w rounded once)
//
// muon_momentum_f32 (elementwise): m = lerp(m, g, 1 − β);  u = nesterov ? lerp(g, m, β) : m
//   (w1 = f32(1 − β), c1 = f32(1 − w1); w2 = f32(β), c2 = f32(1 − w2); small1/small2: |w| < 0.5)
// muon_scale_f32: x = mul ? u · d : u / d   (the normalisation u / (‖u‖_F + ε), the c·A of NS, copies with d = 1)
// muon_apply_f32: x = x · s;  p = p · decay;  p = p + negLr · x   (decay = f32(1 − lr·λ); s = max(1, R/C)^½)

// @ts-ignore: decorator
@inline function lerpS(a: f32, b: f32, w: f32, c: f32, small: bool): f32 {
  return small ? a + w * (b - a) : b - (b - a) * c;
}
// @ts-ignore: decorator
@inline function lerpV(a: v128, b: v128, w: v128, c: v128, small: bool): v128 {
  return small ? f32x4.add(a, f32x4.mul(w, f32x4.sub(b, a))) : f32x4.sub(b, f32x4.mul(f32x4.sub(b, a), c));
}

export function muon_momentum_f32(start: i32, end: i32, g: usize, m: usize, u: usize,
                                  w1: f32, c1: f32, w2: f32, c2: f32, flags: i32): void {
  const small1 = (flags & 1) != 0, small2 = (flags & 2) != 0, nesterov = (flags & 4) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vw1 = f32x4.splat(w1), vc1 = f32x4.splat(c1), vw2 = f32x4.splat(w2), vc2 = f32x4.splat(c2);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const gv = v128.load(g + o);
      const mv = lerpV(v128.load(m + o), gv, vw1, vc1, small1);
      v128.store(m + o, mv);
      v128.store(u + o, nesterov ? lerpV(gv, mv, vw2, vc2, small2) : mv);
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = lerpS(load<f32>(m + o), gi, w1, c1, small1);
    store<f32>(m + o, mi);
    store<f32>(u + o, nesterov ? lerpS(gi, mi, w2, c2, small2) : mi);
  }
}

export function muon_scale_f32(start: i32, end: i32, u: usize, x: usize, d: f32, mul: i32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(d);
    if (mul != 0) {
      for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
        const o = <usize>i << 2;
        v128.store(x + o, f32x4.mul(v128.load(u + o), vd));
      }
    } else {
      for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
        const o = <usize>i << 2;
        v128.store(x + o, f32x4.div(v128.load(u + o), vd));
      }
    }
  }
  if (mul != 0) for (; i < end; i++) { const o = <usize>i << 2; store<f32>(x + o, load<f32>(u + o) * d); }
  else for (; i < end; i++) { const o = <usize>i << 2; store<f32>(x + o, load<f32>(u + o) / d); }
}

export function muon_apply_f32(start: i32, end: i32, p: usize, x: usize, s: f32, decay: f32, negLr: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s), vd = f32x4.splat(decay), vl = f32x4.splat(negLr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const xv = f32x4.mul(v128.load(x + o), vs);
      v128.store(p + o, f32x4.add(f32x4.mul(v128.load(p + o), vd), f32x4.mul(vl, xv)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const xi = load<f32>(x + o) * s;
    store<f32>(p + o, load<f32>(p + o) * decay + negLr * xi);
  }
}
