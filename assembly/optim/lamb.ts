// LAMB pass 1 (You et al. 2019; optax.lamb = scale_by_adam -> add_decayed_weights -> trust ratio),
// fused with the per-tensor reduction: it runs over the reduction blocks of a run's segments
// (segment.ts's layout and lane order), so one read of p, g, m, v gives both the update and the
// block partials of ‖p‖² and ‖u‖²:
//   m = (1−b1)·g + b1·m;  v = (1−b2)·g² + b2·v
//   u = (m / bc1) / (sqrt(v / bc2) + eps)  (+ wd·p)        written to the scratch u, p untouched
// bc1 = 1 − b1^t and bc2 = 1 − b2^t are computed in f64 by the caller and rounded once. Pass 2 is
// segment.ts's seg_axpy_f32 with the per-tensor −lr·‖p‖/‖u‖.

import { lanePartial } from '../core/lanes';
import { blockEnd, blockStart, segOfBlock } from '../core/segment';

/** Flags: bit 0 is SEG_TWO (always set: seg_fold folds both sums); weight decay is bit 2. */
export const LAMB_WD: i32 = 4;

export function lamb_blocks_f32(b0: i32, b1: i32, tbl: usize, nseg: i32, blk0: i32, partX: usize, partY: usize,
                                p: usize, g: usize, m: usize, v: usize, u: usize,
                                beta1: f32, omb1: f32, beta2: f32, omb2: f32, bc1: f32, bc2: f32, eps: f32, wd: f32, flags: i32): void {
  const dec = (flags & LAMB_WD) != 0;
  let s = 0;
  for (let b = b0; b < b1; b++) {
    const B = blk0 + b;
    s = segOfBlock(tbl, nseg, B, s);
    const st = blockStart(tbl, s, B), e = blockEnd(tbl, s, st);
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    let c0: f64 = 0, c1: f64 = 0, c2: f64 = 0, c3: f64 = 0;
    let i = st;
    if (ASC_FEATURE_SIMD) {
      const vb1 = f32x4.splat(beta1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(beta2), vomb2 = f32x4.splat(omb2);
      const vbc1 = f32x4.splat(bc1), vbc2 = f32x4.splat(bc2), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
      let lo = f64x2.splat(0), hi = f64x2.splat(0), ulo = f64x2.splat(0), uhi = f64x2.splat(0);
      for (const e4 = st + ((e - st) & ~3); i < e4; i += 4) {
        const o = <usize>i << 2;
        const gi = v128.load(g + o), pi = v128.load(p + o);
        const mi = f32x4.add(f32x4.mul(vomb1, gi), f32x4.mul(vb1, v128.load(m + o)));
        const vi = f32x4.add(f32x4.mul(vomb2, f32x4.mul(gi, gi)), f32x4.mul(vb2, v128.load(v + o)));
        v128.store(m + o, mi);
        v128.store(v + o, vi);
        let ui = f32x4.div(f32x4.div(mi, vbc1), f32x4.add(f32x4.sqrt(f32x4.div(vi, vbc2)), veps));
        if (dec) ui = f32x4.add(ui, f32x4.mul(vwd, pi));
        v128.store(u + o, ui);
        const pl = f64x2.promote_low_f32x4(pi), ph = f64x2.promote_low_f32x4(v128.shuffle<i32>(pi, pi, 2, 3, 0, 1));
        const ul = f64x2.promote_low_f32x4(ui), uh = f64x2.promote_low_f32x4(v128.shuffle<i32>(ui, ui, 2, 3, 0, 1));
        lo = f64x2.add(lo, f64x2.mul(pl, pl)); hi = f64x2.add(hi, f64x2.mul(ph, ph));
        ulo = f64x2.add(ulo, f64x2.mul(ul, ul)); uhi = f64x2.add(uhi, f64x2.mul(uh, uh));
      }
      a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
      a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
      c0 = f64x2.extract_lane(ulo, 0); c1 = f64x2.extract_lane(ulo, 1);
      c2 = f64x2.extract_lane(uhi, 0); c3 = f64x2.extract_lane(uhi, 1);
    }
    for (; i < e; i++) {
      const o = <usize>i << 2;
      const gi = load<f32>(g + o), pi = load<f32>(p + o);
      const mi = omb1 * gi + beta1 * load<f32>(m + o);
      const vi = omb2 * (gi * gi) + beta2 * load<f32>(v + o);
      store<f32>(m + o, mi);
      store<f32>(v + o, vi);
      let ui = (mi / bc1) / (sqrt<f32>(vi / bc2) + eps);
      if (dec) ui = ui + wd * pi;
      store<f32>(u + o, ui);
      const pd = <f64>pi, ud = <f64>ui, l = i & 3;
      if (l == 0) { a0 += pd * pd; c0 += ud * ud; } else if (l == 1) { a1 += pd * pd; c1 += ud * ud; }
      else if (l == 2) { a2 += pd * pd; c2 += ud * ud; } else { a3 += pd * pd; c3 += ud * ud; }
    }
    store<f64>(partX + (<usize>B << 3), lanePartial(a0, a1, a2, a3));
    store<f64>(partY + (<usize>B << 3), (c0 + c1) + (c2 + c3));
  }
}
