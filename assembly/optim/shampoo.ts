// Shampoo's elementwise passes (distributed Shampoo's step, torch semantics in f32; the Kronecker
// factor products and the preconditioning run in the Rust sgemm, the inverse roots in rust/src/eigh.rs).
//
// shampoo_l2_f32:          o = g + wd·p                                   (coupled L2 weight decay)
// shampoo_graft_stat_f32:  v = v + g·g (sum ≠ 0, AdaGrad)  or  v = v·β2 + (1 − β2)·(g·g)
// shampoo_filter_f32:      fg = lerp(fg, g, 1 − β1) (torch's lerp, see muon.ts);  gb = corr ? fg / bc1 : fg
// shampoo_graft_dir_f32:   kind 0 (SGD): d = gb;  1: d = gb / (√v + ε);  2: d = gb / (√(v / bc2) + ε)
// shampoo_sumsq2d:         Σ x² over rows×cols at stride ld, in f64, row by row, left to right (one call, one thread)
// shampoo_scatter_f32:     rows [start, end): dst[i·ld + j] = src[i·cols + j] · s
// shampoo_apply_f32:       d = d + wd·p (flags&1);  momentum (flags&2): m = m·μ + (1 − damp)·d,
//                          d = nesterov (flags&4) ? d·(1 − damp) + μ·m : m;   p = p + (−lr)·d

export function shampoo_l2_f32(start: i32, end: i32, g: usize, p: usize, o: usize, wd: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vw = f32x4.splat(wd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const k = <usize>i << 2;
      v128.store(o + k, f32x4.add(v128.load(g + k), f32x4.mul(vw, v128.load(p + k))));
    }
  }
  for (; i < end; i++) { const k = <usize>i << 2; store<f32>(o + k, load<f32>(g + k) + wd * load<f32>(p + k)); }
}

export function shampoo_graft_stat_f32(start: i32, end: i32, g: usize, v: usize, b2: f32, c2: f32, sum: i32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb = f32x4.splat(b2), vc = f32x4.splat(c2);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const k = <usize>i << 2;
      const gv = v128.load(g + k), gg = f32x4.mul(gv, gv), vv = v128.load(v + k);
      v128.store(v + k, sum != 0 ? f32x4.add(vv, gg) : f32x4.add(f32x4.mul(vv, vb), f32x4.mul(vc, gg)));
    }
  }
  for (; i < end; i++) {
    const k = <usize>i << 2;
    const gi = load<f32>(g + k), gg = gi * gi, vi = load<f32>(v + k);
    store<f32>(v + k, sum != 0 ? vi + gg : vi * b2 + c2 * gg);
  }
}

// @ts-ignore: decorator
@inline function lerpS(a: f32, b: f32, w: f32, c: f32, small: bool): f32 {
  return small ? a + w * (b - a) : b - (b - a) * c;
}
// @ts-ignore: decorator
@inline function lerpV(a: v128, b: v128, w: v128, c: v128, small: bool): v128 {
  return small ? f32x4.add(a, f32x4.mul(w, f32x4.sub(b, a))) : f32x4.sub(b, f32x4.mul(f32x4.sub(b, a), c));
}

export function shampoo_filter_f32(start: i32, end: i32, g: usize, fg: usize, gb: usize, w: f32, c: f32, small: i32, bc1: f32, corr: i32): void {
  const sm = small != 0, co = corr != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vw = f32x4.splat(w), vc = f32x4.splat(c), vb = f32x4.splat(bc1);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const k = <usize>i << 2;
      const m = lerpV(v128.load(fg + k), v128.load(g + k), vw, vc, sm);
      v128.store(fg + k, m);
      v128.store(gb + k, co ? f32x4.div(m, vb) : m);
    }
  }
  for (; i < end; i++) {
    const k = <usize>i << 2;
    const m = lerpS(load<f32>(fg + k), load<f32>(g + k), w, c, sm);
    store<f32>(fg + k, m);
    store<f32>(gb + k, co ? m / bc1 : m);
  }
}

export function shampoo_graft_dir_f32(start: i32, end: i32, gb: usize, v: usize, d: usize, bc2: f32, eps: f32, kind: i32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb = f32x4.splat(bc2), ve = f32x4.splat(eps);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const k = <usize>i << 2;
      const x = v128.load(gb + k);
      if (kind == 0) { v128.store(d + k, x); continue; }
      let s = v128.load(v + k);
      if (kind == 2) s = f32x4.div(s, vb);
      v128.store(d + k, f32x4.div(x, f32x4.add(f32x4.sqrt(s), ve)));
    }
  }
  for (; i < end; i++) {
    const k = <usize>i << 2;
    const x = load<f32>(gb + k);
    if (kind == 0) { store<f32>(d + k, x); continue; }
    let s = load<f32>(v + k);
    if (kind == 2) s = s / bc2;
    store<f32>(d + k, x / (sqrt<f32>(s) + eps));
  }
}

export function shampoo_sumsq2d(rows: i32, cols: i32, x: usize, ld: i32): f64 {
  let acc: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const r = x + (<usize>(i * ld) << 2);
    for (let j = 0; j < cols; j++) { const v = <f64>load<f32>(r + (<usize>j << 2)); acc += v * v; }
  }
  return acc;
}

export function shampoo_scatter_f32(start: i32, end: i32, src: usize, dst: usize, cols: i32, ld: i32, s: f32): void {
  for (let i = start; i < end; i++) {
    const a = src + (<usize>(i * cols) << 2), b = dst + (<usize>(i * ld) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) { const vs = f32x4.splat(s); for (; j + 4 <= cols; j += 4) { const k = <usize>j << 2; v128.store(b + k, f32x4.mul(v128.load(a + k), vs)); } }
    for (; j < cols; j++) { const k = <usize>j << 2; store<f32>(b + k, load<f32>(a + k) * s); }
  }
}

export function shampoo_apply_f32(start: i32, end: i32, p: usize, d: usize, m: usize, wd: f32, mu: f32, damp1: f32, negLr: f32, flags: i32): void {
  const dec = (flags & 1) != 0, mom = (flags & 2) != 0, nes = (flags & 4) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vw = f32x4.splat(wd), vm = f32x4.splat(mu), vd = f32x4.splat(damp1), vl = f32x4.splat(negLr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const k = <usize>i << 2;
      const pv = v128.load(p + k);
      let x = v128.load(d + k);
      if (dec) x = f32x4.add(x, f32x4.mul(vw, pv));
      if (mom) {
        const mv = f32x4.add(f32x4.mul(v128.load(m + k), vm), f32x4.mul(vd, x));
        v128.store(m + k, mv);
        x = nes ? f32x4.add(f32x4.mul(x, vd), f32x4.mul(vm, mv)) : mv;
      }
      v128.store(p + k, f32x4.add(pv, f32x4.mul(vl, x)));
    }
  }
  for (; i < end; i++) {
    const k = <usize>i << 2;
    const pi = load<f32>(p + k);
    let x = load<f32>(d + k);
    if (dec) x = x + wd * pi;
    if (mom) {
      const mi = load<f32>(m + k) * mu + damp1 * x;
      store<f32>(m + k, mi);
      x = nes ? x * damp1 + mu * mi : mi;
    }
    store<f32>(p + k, pi + negLr * x);
  }
}
