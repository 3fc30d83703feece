// Fused Optimistic AMSGrad over [start, end) of a flat arena (Wang, Li, Liu & Zhang 2019, "An
// Optimistic Acceleration of AMSGrad for Nonconvex Optimization"; the rule of
// /work/shared/reference/algorithms-000.md §1 row a5):
//   m = madd(omb1, g, m*b1);  v = madd(omb2*g, g, v*b2);  vh = max(vh, v);  den = sqrt(vh) + eps
//   w½ = w½ + negLr * m / den             (w_{t+½} = w_{t−½} − η·θ_t/√v̂_t)
//   p  = w½ + negLr * h / den             (w_{t+1} = w_{t+½} − η·h_{t+1}/√v̂_t)
// The predicted gradient h: k = 0: h = g (the last gradient); k > 0: h = Σ_j c_j·x_j over the k
// (pointer, coefficient) pairs of the f64 table `tbl` (the extrapolation of the past gradients x_j):
// h = c_0*x_0, then h = madd(c_j, x_j, h) in table order. `store` != 0: g is written there after
// the x_j were read (the gradient history ring; it may be one of the x_j).
// OPT_INIT (first step): w½ starts at the current parameters (w_{½} = w_1).

import { lanePartial } from '../core/lanes';
import { madd, madd4 } from '../core/madd';
import { BLOCK } from '../core/reduce';

export const OPT_INIT: i32 = 1;

export function optamsgrad_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, vh: usize, half: usize,
                               tbl: usize, k: i32, hist: usize,
                               b1: f32, omb1: f32, b2: f32, omb2: f32, eps: f32, negLr: f32, flags: i32): void {
  const first = (flags & OPT_INIT) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const veps = f32x4.splat(eps), vlr = f32x4.splat(negLr);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      let h = gi;
      if (k > 0) {
        h = f32x4.mul(f32x4.splat(<f32>load<f64>(tbl, 8)), v128.load(<usize>load<f64>(tbl) + o));
        for (let j = 1; j < k; j++) {
          const t = tbl + (<usize>j << 4);
          h = madd4(f32x4.splat(<f32>load<f64>(t, 8)), v128.load(<usize>load<f64>(t) + o), h);
        }
      }
      if (hist != 0) v128.store(hist + o, gi);
      const mi = madd4(vomb1, gi, f32x4.mul(v128.load(m + o), vb1));
      const vi = madd4(f32x4.mul(vomb2, gi), gi, f32x4.mul(v128.load(v + o), vb2));
      const vhi = f32x4.max(v128.load(vh + o), vi);
      const den = f32x4.add(f32x4.sqrt(vhi), veps);
      const w = first ? v128.load(p + o) : v128.load(half + o);
      const w1 = f32x4.add(w, f32x4.div(f32x4.mul(vlr, mi), den));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      v128.store(vh + o, vhi);
      v128.store(half + o, w1);
      v128.store(p + o, f32x4.add(w1, f32x4.div(f32x4.mul(vlr, h), den)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    let h = gi;
    if (k > 0) {
      h = <f32>load<f64>(tbl, 8) * load<f32>(<usize>load<f64>(tbl) + o);
      for (let j = 1; j < k; j++) {
        const t = tbl + (<usize>j << 4);
        h = madd(<f32>load<f64>(t, 8), load<f32>(<usize>load<f64>(t) + o), h);
      }
    }
    if (hist != 0) store<f32>(hist + o, gi);
    const mi = madd(omb1, gi, load<f32>(m + o) * b1);
    const vi = madd(omb2 * gi, gi, load<f32>(v + o) * b2);
    const vhi = max<f32>(load<f32>(vh + o), vi);
    const den = sqrt<f32>(vhi) + eps;
    const w = first ? load<f32>(p + o) : load<f32>(half + o);
    const w1 = w + (negLr * mi) / den;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(vh + o, vhi);
    store<f32>(half + o, w1);
    store<f32>(p + o, w1 + (negLr * h) / den);
  }
}

/**
 * out[b] = sum over block b of (x1[i] − x0[i])·(y1[i] − y0[i]), the differences and products in f64,
 * in the fixed lane order of assembly/core/reduce.ts (element i to lane i mod 4, (l0 + l1) + (l2 + l3)):
 * one entry of UᵀU for the gradient extrapolation, without cancellation.
 */
export function optam_gram_partials(start: i32, end: i32, x0: usize, x1: usize, y0: usize, y1: usize, out: usize): void {
  for (let b = start; b < end; b += BLOCK) {
    const e = min(b + BLOCK, end);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let i = b;
    const e4 = b + ((e - b) & ~3);
    if (ASC_FEATURE_SIMD) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (; i < e4; i += 4) {
        const o = <usize>i << 2;
        const u0 = v128.load(x0 + o), u1 = v128.load(x1 + o), w0 = v128.load(y0 + o), w1 = v128.load(y1 + o);
        const du = f64x2.sub(f64x2.promote_low_f32x4(u1), f64x2.promote_low_f32x4(u0));
        const dw = f64x2.sub(f64x2.promote_low_f32x4(w1), f64x2.promote_low_f32x4(w0));
        lo = f64x2.add(lo, f64x2.mul(du, dw));
        const duh = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(u1, u1, 2, 3, 0, 1)), f64x2.promote_low_f32x4(v128.shuffle<i32>(u0, u0, 2, 3, 0, 1)));
        const dwh = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(w1, w1, 2, 3, 0, 1)), f64x2.promote_low_f32x4(v128.shuffle<i32>(w0, w0, 2, 3, 0, 1)));
        hi = f64x2.add(hi, f64x2.mul(duh, dwh));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
    }
    for (; i < e4; i += 4) {
      const o = <usize>i << 2;
      a0 += (<f64>load<f32>(x1 + o) - <f64>load<f32>(x0 + o)) * (<f64>load<f32>(y1 + o) - <f64>load<f32>(y0 + o));
      a1 += (<f64>load<f32>(x1 + o, 4) - <f64>load<f32>(x0 + o, 4)) * (<f64>load<f32>(y1 + o, 4) - <f64>load<f32>(y0 + o, 4));
      a2 += (<f64>load<f32>(x1 + o, 8) - <f64>load<f32>(x0 + o, 8)) * (<f64>load<f32>(y1 + o, 8) - <f64>load<f32>(y0 + o, 8));
      a3 += (<f64>load<f32>(x1 + o, 12) - <f64>load<f32>(x0 + o, 12)) * (<f64>load<f32>(y1 + o, 12) - <f64>load<f32>(y0 + o, 12));
    }
    if (i < e) { const o = <usize>i << 2; a0 += (<f64>load<f32>(x1 + o) - <f64>load<f32>(x0 + o)) * (<f64>load<f32>(y1 + o) - <f64>load<f32>(y0 + o)); i++; }
    if (i < e) { const o = <usize>i << 2; a1 += (<f64>load<f32>(x1 + o) - <f64>load<f32>(x0 + o)) * (<f64>load<f32>(y1 + o) - <f64>load<f32>(y0 + o)); i++; }
    if (i < e) { const o = <usize>i << 2; a2 += (<f64>load<f32>(x1 + o) - <f64>load<f32>(x0 + o)) * (<f64>load<f32>(y1 + o) - <f64>load<f32>(y0 + o)); }
    store<f64>(out + (<usize>(b / BLOCK) << 3), lanePartial(a0, a1, a2, a3));
  }
}
