// Counter-based Rademacher draws and the fused Hutchinson product.
//
// The draw of element i for (seed, stream) is a pure function of the three integers, so it is the
// same for every thread count, chunking, SIMD or scalar build and runtime (u32 arithmetic only):
//   mix(x)  = x ^= x >>> 16; x *= 0x7feb352d; x ^= x >>> 15; x *= 0x846ca68b; x ^= x >>> 16
//             (the "lowbias32" integer hash, wrapping u32 multiplies)
//   k1 = mix(seed + mix(stream + 0x9e3779b9));  k2 = mix(k1 ^ 0x85ebca6b)
//   h(i) = mix(mix(i + k1) ^ k2);  z(i) = +1 if the top bit of h(i) is 0, else -1
// The optimizers use stream = the 1-based step number, so a resumed run redraws the same vectors.
// test/helpers/reference-curvature.mjs implements the same hash in JS.

// @ts-ignore: decorator
@inline function mix(x: u32): u32 {
  x ^= x >>> 16; x *= 0x7feb352d; x ^= x >>> 15; x *= 0x846ca68b; x ^= x >>> 16;
  return x;
}

// @ts-ignore: decorator
@inline function mix4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16)); x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15)); x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/** out[i] = z(i0 + i) in {-1, +1} (exact f32) for i in [start, end). */
export function rademacher_f32(start: i32, end: i32, out: usize, seed: u32, stream: u32, i0: i32): void {
  const k1 = mix(seed + mix(stream + 0x9e3779b9)), k2 = mix(k1 ^ 0x85ebca6b);
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vk1 = i32x4.splat(k1), vk2 = i32x4.splat(k2), one = i32x4.splat(0x3f800000), sign = i32x4.splat(<i32>0x80000000);
    let idx = i32x4.add(i32x4.splat(i0 + start), i32x4(0, 1, 2, 3));
    const four = i32x4.splat(4);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const h = mix4(v128.xor(mix4(i32x4.add(idx, vk1)), vk2));
      v128.store(out + (<usize>i << 2), v128.or(one, v128.and(h, sign)));
      idx = i32x4.add(idx, four);
    }
  }
  for (; i < end; i++) {
    const h = mix(mix(<u32>(i0 + i) + k1) ^ k2);
    store<u32>(out + (<usize>i << 2), 0x3f800000 | (h & 0x80000000));
  }
}

/** Hutchinson's diagonal estimate out[i] = z[i] * hz[i] (exact when z is ±1). */
export function hutchinson_f32(start: i32, end: i32, z: usize, hz: usize, out: usize): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.mul(v128.load(z + o), v128.load(hz + o)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(z + o) * load<f32>(hz + o));
  }
}

/** dst[i] = src[i] + a * v[i] (the finite-difference probe point). */
export function fd_shift_f32(start: i32, end: i32, dst: usize, src: usize, v: usize, a: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(src + o), f32x4.mul(va, v128.load(v + o))));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(dst + o, load<f32>(src + o) + a * load<f32>(v + o)); }
}

/** out[i] = (a[i] - b[i]) / den (the finite-difference quotient). */
export function fd_diff_f32(start: i32, end: i32, out: usize, a: usize, b: usize, den: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(den);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.div(f32x4.sub(v128.load(a + o), v128.load(b + o)), vd));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(out + o, (load<f32>(a + o) - load<f32>(b + o)) / den); }
}
