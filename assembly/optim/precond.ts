// Kernels shared by the Hutchinson-preconditioned step-size methods (OASIS, SANIA): the EMA of the
// Hessian-diagonal estimate, the block partials of a squared norm in the truncated diagonal metric
// D^ = max(|D|, alpha), and the preconditioned step.

import { lanePartial } from '../core/lanes';

import { BLOCK } from '../core/reduce';

export const PRECOND_INIT: i32 = 1;
export const PRECOND_ACCUM: i32 = 2;
export const PRECOND_INV: i32 = 1;
export const PRECOND_HAS_Y: i32 = 2;
export const PRECOND_SAVE_PREV: i32 = 1;

/** D = INIT ? z*hz : ACCUM ? D + z*hz : D*b2 + (1-b2)*(z*hz)  (z = hz = g: squared-gradient metrics). */
export function precond_ema_f32(start: i32, end: i32, z: usize, hz: usize, d: usize, b2: f32, omb2: f32, flags: i32): void {
  const init = (flags & PRECOND_INIT) != 0, acc = (flags & PRECOND_ACCUM) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const e = f32x4.mul(v128.load(z + o), v128.load(hz + o));
      v128.store(d + o, init ? e : acc ? f32x4.add(v128.load(d + o), e) : f32x4.add(f32x4.mul(v128.load(d + o), vb2), f32x4.mul(vomb2, e)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const e = load<f32>(z + o) * load<f32>(hz + o);
    store<f32>(d + o, init ? e : acc ? load<f32>(d + o) + e : load<f32>(d + o) * b2 + omb2 * e);
  }
}

// @ts-ignore: decorator
@inline function term(x: usize, y: usize, d: usize, o: usize, alpha: f32, inv: bool, hasY: bool): f64 {
  const e = hasY ? load<f32>(x + o) - load<f32>(y + o) : load<f32>(x + o);
  const w = <f64>max<f32>(abs<f32>(load<f32>(d + o)), alpha);
  const e2 = <f64>e * <f64>e;
  return inv ? e2 / w : e2 * w;
}

/**
 * out[b] = sum over block b of e[i]^2 * w[i] (INV: e[i]^2 / w[i]), e = x - y (HAS_Y) or x, w =
 * max(|D|, alpha) promoted to f64; e^2 is exact in f64. Lanes and fold as in reduce.ts (element i
 * of a block to lane i mod 4, partial (l0 + l1) + (l2 + l3)); the scalar loop computes exactly the
 * SIMD lanes' values, so one path serves both builds.
 */
export function precond_norm_partials(start: i32, end: i32, x: usize, y: usize, d: usize, alpha: f32, flags: i32, out: usize): void {
  const inv = (flags & PRECOND_INV) != 0, hasY = (flags & PRECOND_HAS_Y) != 0;
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let i = b;
    for (const e4 = b + ((e - b) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      a0 += term(x, y, d, o, alpha, inv, hasY); a1 += term(x, y, d, o + 4, alpha, inv, hasY);
      a2 += term(x, y, d, o + 8, alpha, inv, hasY); a3 += term(x, y, d, o + 12, alpha, inv, hasY);
    }
    if (i < e) { a0 += term(x, y, d, <usize>i << 2, alpha, inv, hasY); i++; }
    if (i < e) { a1 += term(x, y, d, <usize>i << 2, alpha, inv, hasY); i++; }
    if (i < e) { a2 += term(x, y, d, <usize>i << 2, alpha, inv, hasY); }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}

/** SAVE_PREV: pp = p, gp = g; then p = p + negEta * (g / max(|D|, alpha)). */
export function precond_step_f32(start: i32, end: i32, p: usize, g: usize, d: usize, pp: usize, gp: usize,
                                 negEta: f32, alpha: f32, flags: i32): void {
  const save = (flags & PRECOND_SAVE_PREV) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const veta = f32x4.splat(negEta), valpha = f32x4.splat(alpha);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o), gi = v128.load(g + o);
      if (save) { v128.store(pp + o, pi); v128.store(gp + o, gi); }
      const w = f32x4.max(f32x4.abs(v128.load(d + o)), valpha);
      v128.store(p + o, f32x4.add(pi, f32x4.mul(veta, f32x4.div(gi, w))));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o), gi = load<f32>(g + o);
    if (save) { store<f32>(pp + o, pi); store<f32>(gp + o, gi); }
    const w = max<f32>(abs<f32>(load<f32>(d + o)), alpha);
    store<f32>(p + o, pi + negEta * (gi / w));
  }
}
