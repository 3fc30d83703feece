// Deterministic f32 fused multiply-add emulated in f64: a*b is exact in f64 (24+24 bits), the sum is
// rounded once in f64, then to f32. This equals a true f32 FMA except for rare double-rounding ties, and
// it is the same in every build. Used where torch's CPU kernels fuse (add(alpha), addcmul) AND the
// unfused result drifts measurably: cancellation in centered RMSprop, large-lr parameter updates.
// @ts-ignore: decorator
@inline export function fma_f32(a: f32, b: f32, c: f32): f32 {
  return <f32>(<f64>a * <f64>b + <f64>c);
}

// @ts-ignore: decorator
@inline export function fma_f32x4(a: v128, b: v128, c: v128): v128 {
  const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(c));
  const ah = v128.shuffle<f32>(a, a, 2, 3, 0, 1), bh = v128.shuffle<f32>(b, b, 2, 3, 0, 1), ch = v128.shuffle<f32>(c, c, 2, 3, 0, 1);
  const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(ah), f64x2.promote_low_f32x4(bh)), f64x2.promote_low_f32x4(ch));
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// The multiply-add of kernels with a fast default and a torch-bits mode, by the arithmetic of the sum:
// T = f64: the FMA emulated in f64 above (torch-bits mode); T = f32: plain f32 a*b + c (two roundings).
// T is a compile-time type, so each instantiation of a kernel body holds only one of the two (a runtime
// flag would be folded back into one loop by the optimizer, with both in it).
// @ts-ignore: decorator
@inline export function fma_in<T>(a: f32, b: f32, c: f32): f32 {
  if (sizeof<T>() == 8) return fma_f32(a, b, c);
  return a * b + c;
}

// @ts-ignore: decorator
@inline export function fma_in4<T>(a: v128, b: v128, c: v128): v128 {
  if (sizeof<T>() == 8) return fma_f32x4(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
