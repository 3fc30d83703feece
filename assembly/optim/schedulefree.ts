// Fused Schedule-Free SGD / AdamW (Defazio et al. 2024, facebookresearch/schedule_free semantics) over
// [start, end) of a flat arena. The parameters hold y (where gradients are evaluated); z is the SGD
// sequence; x (the average) is never stored: y = (1−β)·z + β·x, so x is recovered by a lerp (sf_lerp_f32).
//   if first:   z = y                                         (state['z'] = clone(p))
//   SGD:        d = g (+ wd·y)
//   AdamW:      v = fma(omb2·g, g, v·b2);  d = g / (sqrt(v) + eps) (+ wd·y)
//   y = lerp(y, z, w)                      (torch's lerp: w < 0.5 ? y + w·(z − y) : z − (z − y)·(1 − w))
//   y = y + coef·d                         (coef = lr·(β·(1 − w) − 1))
//   z = z + negLr·d
// w = c_{k+1}, coef, negLr and omw = 1 − w are computed by the caller in f64 and rounded once.

import { fma_f32, fma_f32x4 } from '../core/fma';

export const SF_DECAY: i32 = 1;
export const SF_FIRST: i32 = 2;
export const SF_BIG: i32 = 4;

// @ts-ignore: decorator
@inline function lerp4(y: v128, z: v128, w: v128, omw: v128, big: bool): v128 {
  return big ? f32x4.sub(z, f32x4.mul(f32x4.sub(z, y), omw)) : f32x4.add(y, f32x4.mul(w, f32x4.sub(z, y)));
}
// @ts-ignore: decorator
@inline function lerp1(y: f32, z: f32, w: f32, omw: f32, big: bool): f32 {
  return big ? z - (z - y) * omw : y + w * (z - y);
}

export function sf_sgd_f32(start: i32, end: i32, y: usize, g: usize, z: usize,
                           wd: f32, w: f32, omw: f32, coef: f32, negLr: f32, flags: i32): void {
  const decay = (flags & SF_DECAY) != 0, first = (flags & SF_FIRST) != 0, big = (flags & SF_BIG) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vwd = f32x4.splat(wd), vw = f32x4.splat(w), vomw = f32x4.splat(omw), vcoef = f32x4.splat(coef), vlr = f32x4.splat(negLr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const yi = v128.load(y + o);
      const zi = first ? yi : v128.load(z + o);
      let d = v128.load(g + o);
      if (decay) d = f32x4.add(d, f32x4.mul(vwd, yi));
      v128.store(y + o, f32x4.add(lerp4(yi, zi, vw, vomw, big), f32x4.mul(vcoef, d)));
      v128.store(z + o, f32x4.add(zi, f32x4.mul(vlr, d)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const yi = load<f32>(y + o);
    const zi = first ? yi : load<f32>(z + o);
    let d = load<f32>(g + o);
    if (decay) d = d + wd * yi;
    store<f32>(y + o, lerp1(yi, zi, w, omw, big) + coef * d);
    store<f32>(z + o, zi + negLr * d);
  }
}

export function sf_adamw_f32(start: i32, end: i32, y: usize, g: usize, z: usize, v: usize,
                             b2: f32, omb2: f32, eps: f32, wd: f32, w: f32, omw: f32, coef: f32, negLr: f32, flags: i32): void {
  const decay = (flags & SF_DECAY) != 0, first = (flags & SF_FIRST) != 0, big = (flags & SF_BIG) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    const vw = f32x4.splat(w), vomw = f32x4.splat(omw), vcoef = f32x4.splat(coef), vlr = f32x4.splat(negLr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const yi = v128.load(y + o);
      const zi = first ? yi : v128.load(z + o);
      const gi = v128.load(g + o);
      const vi = fma_f32x4(f32x4.mul(vomb2, gi), gi, f32x4.mul(v128.load(v + o), vb2));
      v128.store(v + o, vi);
      let d = f32x4.div(gi, f32x4.add(f32x4.sqrt(vi), veps));
      if (decay) d = f32x4.add(d, f32x4.mul(vwd, yi));
      v128.store(y + o, f32x4.add(lerp4(yi, zi, vw, vomw, big), f32x4.mul(vcoef, d)));
      v128.store(z + o, f32x4.add(zi, f32x4.mul(vlr, d)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const yi = load<f32>(y + o);
    const zi = first ? yi : load<f32>(z + o);
    const gi = load<f32>(g + o);
    const vi = fma_f32(omb2 * gi, gi, load<f32>(v + o) * b2);
    store<f32>(v + o, vi);
    let d = gi / (sqrt<f32>(vi) + eps);
    if (decay) d = d + wd * yi;
    store<f32>(y + o, lerp1(yi, zi, w, omw, big) + coef * d);
    store<f32>(z + o, zi + negLr * d);
  }
}

/** p = lerp(p, z, w) with torch's two forms (big = |w| ≥ 0.5): Schedule-Free's eval()/train() switch. */
export function sf_lerp_f32(start: i32, end: i32, p: usize, z: usize, w: f32, omw: f32, big: i32): void {
  const b = big != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vw = f32x4.splat(w), vomw = f32x4.splat(omw);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, lerp4(v128.load(p + o), v128.load(z + o), vw, vomw, b));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(p + o, lerp1(load<f32>(p + o), load<f32>(z + o), w, omw, b));
  }
}
