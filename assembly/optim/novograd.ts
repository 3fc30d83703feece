// NovoGrad (Ginsburg et al. 2019; optax.novograd = scale_by_novograd -> scale_by_learning_rate), over
// the segments of one run; den[s] = sqrt(v_s) + eps of tensor s (f32, v_s kept in f64 by the caller):
//   a = g / den[s] (+ wd·p);  m = b1·m + a;  p = p + (−lr)·m
import { segFirst, segLen, segOff } from '../core/segment';

export const NOVOGRAD_WD: i32 = 1;

export function novograd_f32(start: i32, end: i32, base: i32, tbl: usize, nseg: i32, p: usize, g: usize, m: usize, den: usize,
                             b1: f32, wd: f32, negLr: f32, flags: i32): void {
  const dec = (flags & NOVOGRAD_WD) != 0;
  const lo = base + start, hi = base + end;
  for (let s = segFirst(tbl, nseg, lo); s < nseg; s++) {
    const off = segOff(tbl, s);
    if (off >= hi) break;
    let i = max(off, lo);
    const e = min(off + segLen(tbl, s), hi);
    const d = load<f32>(den + (<usize>s << 2));
    if (ASC_FEATURE_SIMD) {
      const vd = f32x4.splat(d), vwd = f32x4.splat(wd), vb1 = f32x4.splat(b1), vlr = f32x4.splat(negLr);
      for (const e4 = i + ((e - i) & ~3); i < e4; i += 4) {
        const o = <usize>i << 2;
        const pi = v128.load(p + o);
        let a = f32x4.div(v128.load(g + o), vd);
        if (dec) a = f32x4.add(a, f32x4.mul(vwd, pi));
        const mn = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), a);
        v128.store(m + o, mn);
        v128.store(p + o, f32x4.add(pi, f32x4.mul(vlr, mn)));
      }
    }
    for (; i < e; i++) {
      const o = <usize>i << 2;
      const pi = load<f32>(p + o);
      let a = load<f32>(g + o) / d;
      if (dec) a = a + wd * pi;
      const mn = b1 * load<f32>(m + o) + a;
      store<f32>(m + o, mn);
      store<f32>(p + o, pi + negLr * mn);
    }
  }
}
