// Helpers shared by the online kernels (imported, not exported by the module): f64 loads/stores and the
// fixed-order sums (element i in lane i mod 4; the lanes fold as (l0 + l1) + (l2 + l3)), so the SIMD and
// scalar builds give the same bits (no fused multiply-add anywhere).

// @ts-ignore: decorator
@inline export function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline export function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function sti(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

/** Σ x[i]·y[i] over [0, n) in the fixed 4-lane order. */
export function dot4(x: usize, y: usize, n: i32): f64 {
  let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
  let i = 0;
  const e4 = n & ~3;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (; i < e4; i += 4) {
      const o = <usize>i << 3;
      lo = f64x2.add(lo, f64x2.mul(v128.load(x + o), v128.load(y + o)));
      hi = f64x2.add(hi, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
    }
    a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
    a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
  } else {
    for (; i < e4; i += 4) {
      const o = <usize>i << 3;
      a0 += load<f64>(x + o) * load<f64>(y + o); a1 += load<f64>(x + o, 8) * load<f64>(y + o, 8);
      a2 += load<f64>(x + o, 16) * load<f64>(y + o, 16); a3 += load<f64>(x + o, 24) * load<f64>(y + o, 24);
    }
  }
  if (i < n) { a0 += ld(x, i) * ld(y, i); i++; }
  if (i < n) { a1 += ld(x, i) * ld(y, i); i++; }
  if (i < n) { a2 += ld(x, i) * ld(y, i); }
  return (a0 + a1) + (a2 + a3);
}

/** Σ |x[i]| over [0, n) in the fixed 4-lane order. */
export function abs4(x: usize, n: i32): f64 {
  let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
  let i = 0;
  const e4 = n & ~3;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (; i < e4; i += 4) {
      const o = <usize>i << 3;
      lo = f64x2.add(lo, f64x2.abs(v128.load(x + o)));
      hi = f64x2.add(hi, f64x2.abs(v128.load(x + o, 16)));
    }
    a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
    a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
  } else {
    for (; i < e4; i += 4) {
      const o = <usize>i << 3;
      a0 += Math.abs(load<f64>(x + o)); a1 += Math.abs(load<f64>(x + o, 8));
      a2 += Math.abs(load<f64>(x + o, 16)); a3 += Math.abs(load<f64>(x + o, 24));
    }
  }
  if (i < n) { a0 += Math.abs(ld(x, i)); i++; }
  if (i < n) { a1 += Math.abs(ld(x, i)); i++; }
  if (i < n) { a2 += Math.abs(ld(x, i)); }
  return (a0 + a1) + (a2 + a3);
}

/** y[i] = x[i] + a·g[i] over [0, n) (y may be x). */
export function axpyTo(n: i32, x: usize, a: f64, g: usize, y: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const av = f64x2.splat(a);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(y + o, f64x2.add(v128.load(x + o), f64x2.mul(av, v128.load(g + o))));
    }
  }
  for (; i < n; i++) st(y, i, ld(x, i) + a * ld(g, i));
}
