// Fused Rprop over [start, end) of a flat arena (torch.optim.Rprop, single-tensor semantics):
//   d = maximize ? -g : g
//   s = first ? lr : step_size;  q = d * prev (f32: an underflow to 0 counts as 0)
//   s = clamp(s * (q > 0 ? etaplus : q < 0 ? etaminus : 1), min, max)
//   if q < 0: d = 0
//   p = p + (-sign(d)) * s   (p - s, p + s, or p unchanged);  prev = d
// (torch zeroes d where the multiplier equals etaminus, i.e. where q < 0 since etaminus < 1 < etaplus.)

export const RPROP_MAXIMIZE: i32 = 1;
export const RPROP_FIRST: i32 = 2;

export function rprop_f32(start: i32, end: i32, p: usize, g: usize, prev: usize, step: usize,
                          lr: f32, etaminus: f32, etaplus: f32, smin: f32, smax: f32, flags: i32): void {
  const maxi = (flags & RPROP_MAXIMIZE) != 0, first = (flags & RPROP_FIRST) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr), vminus = f32x4.splat(etaminus), vplus = f32x4.splat(etaplus), vone = f32x4.splat(1);
    const vmin = f32x4.splat(smin), vmax = f32x4.splat(smax), zero = f32x4.splat(0);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      const s0 = first ? vlr : v128.load(step + o);
      const q = f32x4.mul(d, v128.load(prev + o));
      const qpos = f32x4.gt(q, zero), qneg = f32x4.lt(q, zero);
      const eta = v128.bitselect(vplus, v128.bitselect(vminus, vone, qneg), qpos);
      const s = f32x4.min(f32x4.max(f32x4.mul(s0, eta), vmin), vmax);
      v128.store(step + o, s);
      d = v128.andnot(d, qneg);
      const dpos = f32x4.gt(d, zero), dneg = f32x4.lt(d, zero);
      const np = v128.bitselect(f32x4.add(pi, f32x4.neg(s)), v128.bitselect(f32x4.add(pi, s), pi, dneg), dpos);
      v128.store(p + o, np);
      v128.store(prev + o, d);
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    const s0 = first ? lr : load<f32>(step + o);
    const q = d * load<f32>(prev + o);
    const eta: f32 = q > 0 ? etaplus : (q < 0 ? etaminus : 1);
    const s = min<f32>(max<f32>(s0 * eta, smin), smax);
    store<f32>(step + o, s);
    if (q < 0) d = 0;
    store<f32>(p + o, d > 0 ? pi + (-s) : (d < 0 ? pi + s : pi));
    store<f32>(prev + o, d);
  }
}
