// bitsandbytes' 8-bit blockwise optimizer states (Dettmers et al. 2022, "8-bit Optimizers via Block-wise
// Quantization"; the kOptimizerStatic8bit{1,2}StateBlockwise kernels), over a table of blocks: block b
// covers the `count` = tbl[2b+1] (<= 256) elements from arena element tbl[2b] of ONE tensor, and its
// absmax is absmax[b]. Kernels process blocks [start, end) (the engine splits threads by whole blocks,
// so a block is never split). Per block, two passes over its elements:
//   1. dequantize s = map[q] * absmax_old, update s in f32, new absmax = max |s| (with a tail block's
//      padded elements, as bitsandbytes' block reduction counts them: see `pad` below);
//   2. recompute the same s (same bits), update the parameters, requantize x = s / absmax_new (IEEE f32
//      division) by quantize_2D's search (search8) and, for the signed map, the sign fix.
// Recomputing in pass 2 needs no scratch memory; g and the codes of a 256-element block are in L1.
// The arithmetic runs 4 lanes at a time in SIMD builds; the map lookups and the search are per lane
// (comparisons only), so SIMD and scalar give the same bits. Scalars are computed by the caller
// (src/optim/bnb8bit.ts) in f64 and rounded once, or in f32 as bitsandbytes forms them.

// @ts-ignore: decorator
@inline const BLOCK8: i32 = 256;

/** Flags of the 8-bit kernels. */
export const Q8_WD: i32 = 1;          // decoupled decay p *= decay (Adam: after the update; Lion: before)
export const Q8_FIRST: i32 = 2;       // Momentum's first step: s1 = g
export const Q8_SIGNED: i32 = 4;      // quantize8: signed map (sign fix)

/**
 * quantize_2D: the binary search of bitsandbytes over the sorted 256-entry map (pivot 127, steps 64..1;
 * bracket [-1, 1] signed, [0, 1] unsigned), then the nearer of the pivot and the bracket's far side by a
 * strict midpoint test. NaN (0/0 of an all-zero block) compares false everywhere: code 0.
 */
// @ts-ignore: decorator
@inline function search8(x: f32, map: usize, signed: bool): i32 {
  let pivot = 127, upP = 255, loP = 0;
  let lower: f32 = signed ? -1 : 0, upper: f32 = 1;
  let val = load<f32>(map + (<usize>pivot << 2));
  for (let i = 64; i > 0; i >>= 1) {
    if (x > val) { loP = pivot; lower = val; pivot += i; }
    else { upP = pivot; upper = val; pivot -= i; }
    val = load<f32>(map + (<usize>pivot << 2));
  }
  if (x > val) return x > (upper + val) * <f32>0.5 ? upP : pivot;
  return x < (lower + val) * <f32>0.5 ? loP : pivot;
}

/** Signed requantization: search8 then bitsandbytes' sign fix (one index toward s's sign, wrapping as uint8). */
// @ts-ignore: decorator
@inline function quant_signed(x: f32, s: f32, map: usize): i32 {
  let c = search8(x, map, true);
  if ((reinterpret<u32>(load<f32>(map + (<usize>c << 2))) >>> 31) != (reinterpret<u32>(s) >>> 31)) c = (s > 0 ? c + 1 : c - 1) & 255;
  return c;
}

// @ts-ignore: decorator
@inline function deq(q: usize, i: i32, map: usize): f32 { return load<f32>(map + (<usize>load<u8>(q + <usize>i) << 2)); }

// @ts-ignore: decorator
@inline function deq4(q: usize, i: i32, map: usize): v128 {
  let v = f32x4.splat(deq(q, i, map));
  v = f32x4.replace_lane(v, 1, deq(q, i + 1, map));
  v = f32x4.replace_lane(v, 2, deq(q, i + 2, map));
  return f32x4.replace_lane(v, 3, deq(q, i + 3, map));
}

/** Standalone blockwise quantization of x (absmax over each block's own elements). */
export function quantize8_f32(start: i32, end: i32, tbl: usize, x: usize, q: usize, absmax: usize, map: usize, flags: i32): void {
  const signed = (flags & Q8_SIGNED) != 0;
  for (let b = start; b < end; b++) {
    const off = load<i32>(tbl + (<usize>b << 3)), cnt = load<i32>(tbl + (<usize>b << 3) + 4);
    let m: f32 = -3.4028234663852886e38;
    for (let j = 0; j < cnt; j++) m = max(m, abs(load<f32>(x + (<usize>(off + j) << 2))));
    store<f32>(absmax + (<usize>b << 2), m);
    for (let j = 0; j < cnt; j++) {
      const i = off + j, s = load<f32>(x + (<usize>i << 2));
      store<u8>(q + <usize>i, <u8>(signed ? quant_signed(s / m, s, map) : search8(s / m, map, false)));
    }
  }
}

/** Dequantization: x = map[q] * absmax[block]. */
export function dequantize8_f32(start: i32, end: i32, tbl: usize, q: usize, absmax: usize, x: usize, map: usize): void {
  for (let b = start; b < end; b++) {
    const off = load<i32>(tbl + (<usize>b << 3)), cnt = load<i32>(tbl + (<usize>b << 3) + 4);
    const a = load<f32>(absmax + (<usize>b << 2));
    for (let j = 0; j < cnt; j++) store<f32>(x + (<usize>(off + j) << 2), deq(q, off + j, map) * a);
  }
}

/**
 * Adam / AdamW 8-bit (kOptimizerStatic8bit2StateBlockwise): for a finite gradient
 *   s2 = s2*b2 + (omb2*g)*g;  s1 = s1*b1 + omb1*g;  p = p + stepSize * (s1 / (sqrt(s2) + c2eps));  Q8_WD: p *= decay
 * for a non-finite one s1 = s2 = 0 and p stays. stepSize = -lr*sqrt(1-b2^t)/(1-b1^t), c2eps = sqrt(1-b2^t)*eps.
 */
export function adam8_f32(start: i32, end: i32, tbl: usize, p: usize, g: usize, q1: usize, q2: usize, a1: usize, a2: usize,
                          map1: usize, map2: usize, b1: f32, omb1: f32, b2: f32, omb2: f32, stepSize: f32, c2eps: f32,
                          decay: f32, flags: i32): void {
  const wd = (flags & Q8_WD) != 0;
  for (let b = start; b < end; b++) {
    const off = load<i32>(tbl + (<usize>b << 3)), cnt = load<i32>(tbl + (<usize>b << 3) + 4);
    const o1 = load<f32>(a1 + (<usize>b << 2)), o2 = load<f32>(a2 + (<usize>b << 2));
    // Pass 1: new absmax. A tail block's padding (g = 0, q1 = 128, q2 = 0) gives s1 = map1[128]*o1*b1, s2 = 0.
    let m1: f32 = cnt < BLOCK8 ? abs(load<f32>(map1 + 512) * o1 * b1 + omb1 * <f32>0) : -3.4028234663852886e38;
    let m2: f32 = cnt < BLOCK8 ? abs(load<f32>(map2) * o2 * b2 + (omb2 * <f32>0) * <f32>0) : -3.4028234663852886e38;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
      const vo1 = f32x4.splat(o1), vo2 = f32x4.splat(o2), inf = f32x4.splat(Infinity);
      let vm1 = f32x4.splat(m1), vm2 = f32x4.splat(m2);
      for (; j + 4 <= cnt; j += 4) {
        const i = off + j, gi = v128.load(g + (<usize>i << 2));
        const ok = f32x4.lt(f32x4.abs(gi), inf);
        const s2 = v128.and(ok, f32x4.add(f32x4.mul(f32x4.mul(deq4(q2, i, map2), vo2), vb2), f32x4.mul(f32x4.mul(vomb2, gi), gi)));
        const s1 = v128.and(ok, f32x4.add(f32x4.mul(f32x4.mul(deq4(q1, i, map1), vo1), vb1), f32x4.mul(vomb1, gi)));
        vm1 = f32x4.max(vm1, f32x4.abs(s1)); vm2 = f32x4.max(vm2, f32x4.abs(s2));
      }
      m1 = max(max(f32x4.extract_lane(vm1, 0), f32x4.extract_lane(vm1, 1)), max(f32x4.extract_lane(vm1, 2), f32x4.extract_lane(vm1, 3)));
      m2 = max(max(f32x4.extract_lane(vm2, 0), f32x4.extract_lane(vm2, 1)), max(f32x4.extract_lane(vm2, 2), f32x4.extract_lane(vm2, 3)));
    }
    for (; j < cnt; j++) {
      const i = off + j, gi = load<f32>(g + (<usize>i << 2));
      if (abs(gi) < Infinity) {
        m2 = max(m2, abs(deq(q2, i, map2) * o2 * b2 + (omb2 * gi) * gi));
        m1 = max(m1, abs(deq(q1, i, map1) * o1 * b1 + omb1 * gi));
      } else { m1 = max(m1, 0); m2 = max(m2, 0); }
    }
    // Pass 2: the same s, the parameter update, requantization.
    j = 0;
    if (ASC_FEATURE_SIMD) {
      const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
      const vo1 = f32x4.splat(o1), vo2 = f32x4.splat(o2), inf = f32x4.splat(Infinity);
      const vstep = f32x4.splat(stepSize), veps = f32x4.splat(c2eps), vdecay = f32x4.splat(decay);
      const vm1 = f32x4.splat(m1), vm2 = f32x4.splat(m2);
      for (; j + 4 <= cnt; j += 4) {
        const i = off + j, gi = v128.load(g + (<usize>i << 2)), pv = v128.load(p + (<usize>i << 2));
        const ok = f32x4.lt(f32x4.abs(gi), inf);
        const s2 = v128.and(ok, f32x4.add(f32x4.mul(f32x4.mul(deq4(q2, i, map2), vo2), vb2), f32x4.mul(f32x4.mul(vomb2, gi), gi)));
        const s1 = v128.and(ok, f32x4.add(f32x4.mul(f32x4.mul(deq4(q1, i, map1), vo1), vb1), f32x4.mul(vomb1, gi)));
        let pn = f32x4.add(pv, f32x4.mul(vstep, f32x4.div(s1, f32x4.add(f32x4.sqrt(s2), veps))));
        if (wd) pn = f32x4.mul(pn, vdecay);
        v128.store(p + (<usize>i << 2), v128.bitselect(pn, pv, ok));
        const x1 = f32x4.div(s1, vm1), x2 = f32x4.div(s2, vm2);
        store<u8>(q1 + <usize>i, <u8>quant_signed(f32x4.extract_lane(x1, 0), f32x4.extract_lane(s1, 0), map1));
        store<u8>(q1 + <usize>i + 1, <u8>quant_signed(f32x4.extract_lane(x1, 1), f32x4.extract_lane(s1, 1), map1));
        store<u8>(q1 + <usize>i + 2, <u8>quant_signed(f32x4.extract_lane(x1, 2), f32x4.extract_lane(s1, 2), map1));
        store<u8>(q1 + <usize>i + 3, <u8>quant_signed(f32x4.extract_lane(x1, 3), f32x4.extract_lane(s1, 3), map1));
        store<u8>(q2 + <usize>i, <u8>search8(f32x4.extract_lane(x2, 0), map2, false));
        store<u8>(q2 + <usize>i + 1, <u8>search8(f32x4.extract_lane(x2, 1), map2, false));
        store<u8>(q2 + <usize>i + 2, <u8>search8(f32x4.extract_lane(x2, 2), map2, false));
        store<u8>(q2 + <usize>i + 3, <u8>search8(f32x4.extract_lane(x2, 3), map2, false));
      }
    }
    for (; j < cnt; j++) {
      const i = off + j, gi = load<f32>(g + (<usize>i << 2));
      let s1: f32 = 0, s2: f32 = 0;
      if (abs(gi) < Infinity) {
        s2 = deq(q2, i, map2) * o2 * b2 + (omb2 * gi) * gi;
        s1 = deq(q1, i, map1) * o1 * b1 + omb1 * gi;
        let pi = load<f32>(p + (<usize>i << 2)) + stepSize * (s1 / (sqrt<f32>(s2) + c2eps));
        if (wd) pi = pi * decay;
        store<f32>(p + (<usize>i << 2), pi);
      }
      store<u8>(q1 + <usize>i, <u8>quant_signed(s1 / m1, s1, map1));
      store<u8>(q2 + <usize>i, <u8>search8(s2 / m2, map2, false));
    }
    store<f32>(a1 + (<usize>b << 2), m1);
    store<f32>(a2 + (<usize>b << 2), m2);
  }
}

/**
 * Lion 8-bit (kOptimizerStatic8bit1StateBlockwise, LION): Q8_WD: p *= decay; c = s1*b1 + omb1*g;
 * p = p - lr*sign(c); s1 = s1*b2 + omb2*g. Momentum 8-bit (MOMENTUM): d = g + p*wd (Q8_WD);
 * s1 = d on the first step (Q8_FIRST), else s1*b1 + d; p = p - lr*s1. `kind` 0 = Lion, 1 = Momentum.
 */
export function onestate8_f32(start: i32, end: i32, tbl: usize, p: usize, g: usize, q1: usize, a1: usize, map1: usize,
                              kind: i32, b1: f32, omb1: f32, b2: f32, omb2: f32, lr: f32, wd: f32, decay: f32, flags: i32): void {
  const useWd = (flags & Q8_WD) != 0, first = (flags & Q8_FIRST) != 0, lion = kind == 0;
  for (let b = start; b < end; b++) {
    const off = load<i32>(tbl + (<usize>b << 3)), cnt = load<i32>(tbl + (<usize>b << 3) + 4);
    const o1 = load<f32>(a1 + (<usize>b << 2));
    let m1: f32 = -3.4028234663852886e38;
    if (cnt < BLOCK8) {
      const pad = load<f32>(map1 + 512) * o1;
      m1 = lion ? abs(pad * b2 + omb2 * <f32>0) : (first ? <f32>0 : abs(pad * b1 + <f32>0));
    }
    for (let j = 0; j < cnt; j++) {
      const i = off + j, gi = load<f32>(g + (<usize>i << 2)), s = deq(q1, i, map1) * o1;
      let s1: f32;
      if (lion) s1 = s * b2 + omb2 * gi;
      else { const d = useWd ? gi + load<f32>(p + (<usize>i << 2)) * wd : gi; s1 = first ? d : s * b1 + d; }
      m1 = max(m1, abs(s1));
    }
    for (let j = 0; j < cnt; j++) {
      const i = off + j, gi = load<f32>(g + (<usize>i << 2)), s = deq(q1, i, map1) * o1;
      let pi = load<f32>(p + (<usize>i << 2)), s1: f32;
      if (lion) {
        if (useWd) pi = pi * decay;
        const c = s * b1 + omb1 * gi;
        pi = pi - lr * (<f32>(c > 0 ? 1 : 0) - <f32>(c < 0 ? 1 : 0));
        s1 = s * b2 + omb2 * gi;
      } else {
        const d = useWd ? gi + pi * wd : gi;
        s1 = first ? d : s * b1 + d;
        pi = pi - lr * s1;
      }
      store<f32>(p + (<usize>i << 2), pi);
      store<u8>(q1 + <usize>i, <u8>quant_signed(s1 / m1, s1, map1));
    }
    store<f32>(a1 + (<usize>b << 2), m1);
  }
}

/**
 * Adam / AdamW with 32-bit state as bitsandbytes runs it for the tensors it keeps in f32 (fewer than
 * min_8bit_size elements, or optim_bits = 32: kOptimizer32bit2State, ADAM), over [start, end):
 *   s1 = s1*b1 + omb1*g;  s2 = s2*b2 + omb2*(g*g);  p = p + stepSize * (s1 / (sqrt(s2) + c2eps));  Q8_WD: p *= decay
 * (note omb2*(g*g), where the 8-bit kernel forms (omb2*g)*g; no non-finite test, as in bitsandbytes).
 */
export function adam32bnb_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, b1: f32, omb1: f32, b2: f32, omb2: f32,
                              stepSize: f32, c2eps: f32, decay: f32, flags: i32): void {
  const wd = (flags & Q8_WD) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vstep = f32x4.splat(stepSize), veps = f32x4.splat(c2eps), vdecay = f32x4.splat(decay);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2, gi = v128.load(g + o);
      const s1 = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vomb1, gi));
      const s2 = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(vomb2, f32x4.mul(gi, gi)));
      v128.store(m + o, s1); v128.store(v + o, s2);
      let pn = f32x4.add(v128.load(p + o), f32x4.mul(vstep, f32x4.div(s1, f32x4.add(f32x4.sqrt(s2), veps))));
      if (wd) pn = f32x4.mul(pn, vdecay);
      v128.store(p + o, pn);
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2, gi = load<f32>(g + o);
    const s1 = load<f32>(m + o) * b1 + omb1 * gi;
    const s2 = load<f32>(v + o) * b2 + omb2 * (gi * gi);
    store<f32>(m + o, s1); store<f32>(v + o, s2);
    let pi = load<f32>(p + o) + stepSize * (s1 / (sqrt<f32>(s2) + c2eps));
    if (wd) pi = pi * decay;
    store<f32>(p + o, pi);
  }
}
