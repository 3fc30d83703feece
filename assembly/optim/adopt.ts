// Fused ADOPT over [start, end) of a flat arena (Taniguchi et al. 2024, "ADOPT: Modified Adam Can
// Converge with Any β2 with the Optimal Rate"; the official iShohei220/adopt implementation):
//   d = g;  L2: d = madd(wd, p, d)
//   first step (ADOPT_INIT): v = d*d, nothing else (m and p untouched, as the official code)
//   otherwise:
//     decoupled: p = madd(negLrWd, p, p)    (the official p.add_(p, alpha=-lr*wd); negLrWd = -lr*wd)
//     n = d / max(sqrt(v), eps)            (normalised by the PREVIOUS v)
//     ADOPT_CLIP: n = min(max(n, -clip), clip)
//     (max/min as wasm's pmax/pmin, `a < b ? b : a` / `b < a ? b : a`, on both paths: one instruction
//     each on x64, a NaN n stays NaN; f32x4.min/max with their NaN and ±0 rules cost several times more)   (clip = (t-1)^0.25 in the official code)
//     m = madd(omb1, n, m*b1)
//     p = p + negLr * m
//     v = madd(omb2*d, d, v*b2)
import { madd, madd4 } from '../core/madd';

export const ADOPT_L2: i32 = 1;
export const ADOPT_DECOUPLED: i32 = 2;
export const ADOPT_INIT: i32 = 4;
export const ADOPT_CLIP: i32 = 8;

export function adopt_f32(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize,
                          b1: f32, omb1: f32, b2: f32, omb2: f32, eps: f32, clip: f32, negLr: f32,
                          wd: f32, negLrWd: f32, flags: i32): void {
  const l2 = (flags & ADOPT_L2) != 0, dec = (flags & ADOPT_DECOUPLED) != 0;
  const first = (flags & ADOPT_INIT) != 0, clipOn = (flags & ADOPT_CLIP) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const veps = f32x4.splat(eps), vclip = f32x4.splat(clip), vnclip = f32x4.splat(-clip), vlr = f32x4.splat(negLr);
    const vwd = f32x4.splat(wd), vdecay = f32x4.splat(negLrWd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      let pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (l2) d = madd4(vwd, pi, d);
      if (first) {
        v128.store(v + o, f32x4.mul(d, d));
      } else {
        if (dec) pi = madd4(vdecay, pi, pi);
        const vo = v128.load(v + o);
        let n = f32x4.div(d, f32x4.pmax(f32x4.sqrt(vo), veps));
        if (clipOn) n = f32x4.pmin(f32x4.pmax(n, vnclip), vclip);
        const mi = madd4(vomb1, n, f32x4.mul(v128.load(m + o), vb1));
        v128.store(m + o, mi);
        pi = f32x4.add(pi, f32x4.mul(vlr, mi));
        v128.store(v + o, madd4(f32x4.mul(vomb2, d), d, f32x4.mul(vo, vb2)));
      }
      v128.store(p + o, pi);
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    let pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (l2) d = madd(wd, pi, d);
    if (first) {
      store<f32>(v + o, d * d);
    } else {
      if (dec) pi = madd(negLrWd, pi, pi);
      const vo = load<f32>(v + o);
      const sv = sqrt<f32>(vo);
      let n = d / (sv < eps ? eps : sv);
      if (clipOn) { n = n < -clip ? -clip : n; n = clip < n ? clip : n; }
      const mi = madd(omb1, n, load<f32>(m + o) * b1);
      store<f32>(m + o, mi);
      pi = pi + negLr * mi;
      store<f32>(v + o, madd(omb2 * d, d, vo * b2));
    }
    store<f32>(p + o, pi);
  }
}
