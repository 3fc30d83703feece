// Unfused multiply-add, a*b + c with two f32 roundings, written once so that the SIMD path and the
// scalar tail of a kernel use the same operation order. (assembly/core/fma.ts emulates a fused FMA in f64
// where torch parity needs it; it costs several times more per element.)
// @ts-ignore: decorator
@inline export function madd(a: f32, b: f32, c: f32): f32 {
  return a * b + c;
}

// @ts-ignore: decorator
@inline export function madd4(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}
