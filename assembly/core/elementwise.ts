// Elementwise building blocks over f32 arrays: all take [start, end) first so the thread pool can
// split them. SIMD and scalar paths perform the same IEEE operations in the same order.

/** x[i] *= a */
export function scale_f32(start: i32, end: i32, x: usize, a: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const p = x + (<usize>i << 2);
      v128.store(p, f32x4.mul(v128.load(p), va));
    }
  }
  for (; i < end; i++) { const p = x + (<usize>i << 2); store<f32>(p, load<f32>(p) * a); }
}

/** y[i] += a * x[i] */
export function axpy_f32(start: i32, end: i32, a: f32, x: usize, y: usize): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o)); }
}

/** dst[i] = src[i] (a load/store loop: also the bandwidth probe's copy) */
export function copy_f32(start: i32, end: i32, dst: usize, src: usize): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, v128.load(src + o));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(dst + o, load<f32>(src + o)); }
}

/** x[i] = v */
export function fill_f32(start: i32, end: i32, x: usize, v: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vv = f32x4.splat(v);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) v128.store(x + (<usize>i << 2), vv);
  }
  for (; i < end; i++) store<f32>(x + (<usize>i << 2), v);
}
