// Fused SGD over [start, end) of a flat arena (torch.optim.SGD, single-tensor semantics):
//   d = maximize ? -g : g
//   if wd != 0:        d = d + wd * p
//   if momentum != 0:  buf = first ? d : momentum * buf + (1 - dampening) * d
//                      d = nesterov ? d + momentum * buf : buf
//   p = p + (-lr) * d

export const SGD_MOMENTUM: i32 = 1;
export const SGD_NESTEROV: i32 = 2;
export const SGD_MAXIMIZE: i32 = 4;
export const SGD_FIRST: i32 = 8;
export const SGD_DECAY: i32 = 16;

export function sgd_f32(start: i32, end: i32, p: usize, g: usize, buf: usize,
                        negLr: f32, momentum: f32, omDampening: f32, wd: f32, flags: i32): void {
  const mom = (flags & SGD_MOMENTUM) != 0, nest = (flags & SGD_NESTEROV) != 0, maxi = (flags & SGD_MAXIMIZE) != 0;
  const first = (flags & SGD_FIRST) != 0, decay = (flags & SGD_DECAY) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(negLr), vmom = f32x4.splat(momentum), vdamp = f32x4.splat(omDampening), vwd = f32x4.splat(wd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let d = v128.load(g + o);
      if (maxi) d = f32x4.neg(d);
      if (decay) d = f32x4.add(d, f32x4.mul(vwd, pi));
      if (mom) {
        let b = d;
        if (!first) b = f32x4.add(f32x4.mul(v128.load(buf + o), vmom), f32x4.mul(vdamp, d));
        v128.store(buf + o, b);
        d = nest ? f32x4.add(d, f32x4.mul(vmom, b)) : b;
      }
      v128.store(p + o, f32x4.add(pi, f32x4.mul(vlr, d)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (maxi) d = -d;
    if (decay) d = d + wd * pi;
    if (mom) {
      let b = d;
      if (!first) b = load<f32>(buf + o) * momentum + omDampening * d;
      store<f32>(buf + o, b);
      d = nest ? d + momentum * b : b;
    }
    store<f32>(p + o, pi + negLr * d);
  }
}
