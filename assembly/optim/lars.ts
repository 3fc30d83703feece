// LARS pass 2 (You et al. 2017; optax.lars = add_decayed_weights -> trust ratio -> scale_by_learning_rate
// -> trace), over the segments of one run; coef[s] = −lr·ratio_s (f32, computed in f64 by the caller):
//   u = g (+ wd·p);  d = coef[s]·u;  m = d + μ·m;  p = p + (nesterov ? d + μ·m : m)
// Pass 1 is segment.ts's seg_sumsq_partials over (p, g) with u = g + wd·p formed the same way.
import { segFirst, segLen, segOff } from '../core/segment';

export const LARS_WD: i32 = 1;
export const LARS_NESTEROV: i32 = 2;

export function lars_f32(start: i32, end: i32, base: i32, tbl: usize, nseg: i32, p: usize, g: usize, m: usize, coef: usize,
                         wd: f32, mu: f32, flags: i32): void {
  const dec = (flags & LARS_WD) != 0, nes = (flags & LARS_NESTEROV) != 0;
  const lo = base + start, hi = base + end;
  for (let s = segFirst(tbl, nseg, lo); s < nseg; s++) {
    const off = segOff(tbl, s);
    if (off >= hi) break;
    let i = max(off, lo);
    const e = min(off + segLen(tbl, s), hi);
    const k = load<f32>(coef + (<usize>s << 2));
    if (ASC_FEATURE_SIMD) {
      const vk = f32x4.splat(k), vwd = f32x4.splat(wd), vmu = f32x4.splat(mu);
      for (const e4 = i + ((e - i) & ~3); i < e4; i += 4) {
        const o = <usize>i << 2;
        const pi = v128.load(p + o);
        let u = v128.load(g + o);
        if (dec) u = f32x4.add(u, f32x4.mul(vwd, pi));
        const d = f32x4.mul(vk, u);
        const mn = f32x4.add(d, f32x4.mul(vmu, v128.load(m + o)));
        v128.store(m + o, mn);
        v128.store(p + o, f32x4.add(pi, nes ? f32x4.add(d, f32x4.mul(vmu, mn)) : mn));
      }
    }
    for (; i < e; i++) {
      const o = <usize>i << 2;
      const pi = load<f32>(p + o);
      let u = load<f32>(g + o);
      if (dec) u = u + wd * pi;
      const d = k * u;
      const mn = d + mu * load<f32>(m + o);
      store<f32>(m + o, mn);
      store<f32>(p + o, pi + (nes ? d + mu * mn : mn));
    }
  }
}
