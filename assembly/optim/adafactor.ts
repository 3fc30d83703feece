// Adafactor (Shazeer & Stern 2018; the HF transformers / fairseq `Adafactor` semantics), per tensor.
//
// adafactor_v_f32 runs over tensors [t0, t1) of a table of ADA_BYTES entries
// [off, len, R, C, B, vOff, accOff, factored] (B = batch of leading dims, shape [..., R, C]); threads
// split the tensor range, and every tensor is computed whole by one thread (fixed order). With
// q = g² + eps1 (f32), b = β2t, ob = 1 − β2t:
//   factored:   per batch: rowMean_i = (Σ_j q_ij) / C, colMean_j = (Σ_i q_ij) / R   (sums in f64)
//               vr = vr·b + ob·rowMean;  vc = vc·b + ob·colMean;  rm = (Σ_i vr_i) / R
//               u_ij = (rsqrt(vr_i / rm) · rsqrt(vc_j)) · g_ij
//   unfactored: v = v·b + ob·q;  u = rsqrt(v) · g
// with rsqrt(x) = 1 / sqrt(x) in f32. Row sums put column j in f64 lane j mod 4, then
// (l0 + l1) + (l2 + l3); column sums and Σ vr add rows in order. u goes to the scratch (arena layout);
// vr, vc, v live in `vbuf` at vOff; `acc` (f64, C per factored tensor, at accOff) holds the column
// sums and then the column factors (as f32).
//
// adafactor_apply_f32 (elementwise over the segments of one run; coef[s] = lr_s / clip_s and
// wdc[s] = −wd·lr_s, both f32 per tensor):
//   x = coef[s]·u;  momentum: m = b1·m + (1−b1)·x, x = m;  wd: p = p + wdc[s]·p;  p = p − x

import { lanePartial } from '../core/lanes';
import { segFirst, segLen, segOff } from '../core/segment';

export const ADA_BYTES: i32 = 32;
export const ADA_MOMENTUM: i32 = 1;
export const ADA_WD: i32 = 2;

// @ts-ignore: decorator
@inline function fld(tbl: usize, t: i32, k: i32): i32 { return load<i32>(tbl + (<usize>t << 5) + (<usize>k << 2)); }

/** Σ_j q_j of one row (q = g² + eps1), 4 f64 lanes by j mod 4; also adds q_j into acc[j] (f64). */
function rowStats(g: usize, acc: usize, C: i32, eps1: f32): f64 {
  let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const ve = f32x4.splat(eps1);
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (const e4 = C & ~3; j < e4; j += 4) {
      const gv = v128.load(g + (<usize>j << 2));
      const q = f32x4.add(f32x4.mul(gv, gv), ve);
      const ql = f64x2.promote_low_f32x4(q), qh = f64x2.promote_low_f32x4(v128.shuffle<i32>(q, q, 2, 3, 0, 1));
      lo = f64x2.add(lo, ql); hi = f64x2.add(hi, qh);
      const ap = acc + (<usize>j << 3);
      v128.store(ap, f64x2.add(v128.load(ap), ql));
      v128.store(ap, f64x2.add(v128.load(ap, 16), qh), 16);
    }
    a0 = f64x2.extract_lane(lo, 0); a1 = f64x2.extract_lane(lo, 1);
    a2 = f64x2.extract_lane(hi, 0); a3 = f64x2.extract_lane(hi, 1);
  }
  for (; j < C; j++) {
    const gi = load<f32>(g + (<usize>j << 2));
    const q = <f64>(gi * gi + eps1);
    const l = j & 3;
    if (l == 0) a0 += q; else if (l == 1) a1 += q; else if (l == 2) a2 += q; else a3 += q;
    const ap = acc + (<usize>j << 3);
    store<f64>(ap, load<f64>(ap) + q);
  }
  return lanePartial(a0, a1, a2, a3);
}

export function adafactor_v_f32(t0: i32, t1: i32, tbl: usize, g: usize, u: usize, vbuf: usize, accBuf: usize,
                                b: f32, ob: f32, eps1: f32): void {
  for (let t = t0; t < t1; t++) {
    const off = fld(tbl, t, 0), len = fld(tbl, t, 1);
    const vp = vbuf + (<usize>fld(tbl, t, 5) << 2);
    if (fld(tbl, t, 7) == 0) {
      // Unfactored: elementwise.
      let i = off;
      const end = off + len;
      if (ASC_FEATURE_SIMD) {
        const vb = f32x4.splat(b), vob = f32x4.splat(ob), ve = f32x4.splat(eps1), one = f32x4.splat(1);
        for (const e4 = off + (len & ~3); i < e4; i += 4) {
          const o = <usize>i << 2, vo = <usize>(i - off) << 2;
          const gv = v128.load(g + o);
          const v = f32x4.add(f32x4.mul(v128.load(vp + vo), vb), f32x4.mul(vob, f32x4.add(f32x4.mul(gv, gv), ve)));
          v128.store(vp + vo, v);
          v128.store(u + o, f32x4.mul(f32x4.div(one, f32x4.sqrt(v)), gv));
        }
      }
      for (; i < end; i++) {
        const o = <usize>i << 2, vo = <usize>(i - off) << 2;
        const gi = load<f32>(g + o);
        const v = load<f32>(vp + vo) * b + ob * (gi * gi + eps1);
        store<f32>(vp + vo, v);
        store<f32>(u + o, (<f32>1 / sqrt<f32>(v)) * gi);
      }
      continue;
    }
    const R = fld(tbl, t, 2), C = fld(tbl, t, 3), B = fld(tbl, t, 4);
    const acc = accBuf + (<usize>fld(tbl, t, 6) << 3);
    const fR = <f64>R, fC = <f64>C;
    for (let bi = 0; bi < B; bi++) {
      const base = off + bi * R * C;
      const vr = vp + (<usize>(bi * R) << 2), vc = vp + (<usize>(B * R + bi * C) << 2);
      for (let j = 0; j < C; j++) store<f64>(acc + (<usize>j << 3), 0);
      // Row sums (-> vr) and column sums (-> acc), one read of g.
      for (let i = 0; i < R; i++) {
        const rs = rowStats(g + (<usize>(base + i * C) << 2), acc, C, eps1);
        const p = vr + (<usize>i << 2);
        store<f32>(p, load<f32>(p) * b + ob * <f32>(rs / fC));
      }
      let rsum: f64 = 0;
      for (let i = 0; i < R; i++) rsum += <f64>load<f32>(vr + (<usize>i << 2));
      const rm = <f32>(rsum / fR);
      // Column update, then the column factors as f32 over the front of acc (entry j/2 <= j is already read).
      for (let j = 0; j < C; j++) {
        const p = vc + (<usize>j << 2);
        const v = load<f32>(p) * b + ob * <f32>(load<f64>(acc + (<usize>j << 3)) / fR);
        store<f32>(p, v);
        store<f32>(acc + (<usize>j << 2), <f32>1 / sqrt<f32>(v));
      }
      // u = (rfac_i · cfac_j) · g
      for (let i = 0; i < R; i++) {
        const rf = <f32>1 / sqrt<f32>(load<f32>(vr + (<usize>i << 2)) / rm);
        const row = <usize>(base + i * C) << 2;
        let j = 0;
        if (ASC_FEATURE_SIMD) {
          const vrf = f32x4.splat(rf);
          for (const e4 = C & ~3; j < e4; j += 4) {
            const o = row + (<usize>j << 2);
            v128.store(u + o, f32x4.mul(f32x4.mul(vrf, v128.load(acc + (<usize>j << 2))), v128.load(g + o)));
          }
        }
        for (; j < C; j++) {
          const o = row + (<usize>j << 2);
          store<f32>(u + o, (rf * load<f32>(acc + (<usize>j << 2))) * load<f32>(g + o));
        }
      }
    }
  }
}

export function adafactor_apply_f32(start: i32, end: i32, base: i32, tbl: usize, nseg: i32, p: usize, u: usize, m: usize,
                                    coef: usize, wdc: usize, b1: f32, omb1: f32, flags: i32): void {
  const mom = (flags & ADA_MOMENTUM) != 0, dec = (flags & ADA_WD) != 0;
  const lo = base + start, hi = base + end;
  for (let s = segFirst(tbl, nseg, lo); s < nseg; s++) {
    const off = segOff(tbl, s);
    if (off >= hi) break;
    let i = max(off, lo);
    const e = min(off + segLen(tbl, s), hi);
    const k = load<f32>(coef + (<usize>s << 2)), w = load<f32>(wdc + (<usize>s << 2));
    if (ASC_FEATURE_SIMD) {
      const vk = f32x4.splat(k), vw = f32x4.splat(w), vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1);
      for (const e4 = i + ((e - i) & ~3); i < e4; i += 4) {
        const o = <usize>i << 2;
        let x = f32x4.mul(vk, v128.load(u + o));
        if (mom) { x = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vomb1, x)); v128.store(m + o, x); }
        let pi = v128.load(p + o);
        if (dec) pi = f32x4.add(pi, f32x4.mul(vw, pi));
        v128.store(p + o, f32x4.sub(pi, x));
      }
    }
    for (; i < e; i++) {
      const o = <usize>i << 2;
      let x = k * load<f32>(u + o);
      if (mom) { x = b1 * load<f32>(m + o) + omb1 * x; store<f32>(m + o, x); }
      let pi = load<f32>(p + o);
      if (dec) pi = pi + w * pi;
      store<f32>(p + o, pi - x);
    }
  }
}
