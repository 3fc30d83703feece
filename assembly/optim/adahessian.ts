// Fused AdaHessian over [start, end) of a flat arena (Yao et al. 2021; the operation order of the
// authors' optim_adahessian.py, block size 1):
//   D = z * hz                                  (Hutchinson's estimate of diag(H); exact product)
//   m = m*b1 + (1-b1)*g
//   v = v*b2 + ((1-b2)*D)*D
//   denom = (sqrt(v))^k / cbk + eps             (cbk = sqrt(1-b2^t)^k, computed by the caller)
//   p = p - lr * ((m / bc1) / denom + wd * p)   (bc1 = 1-b1^t; decoupled weight decay)
// k = 1 (flag POW1) uses sqrt(v) directly; any other k raises sqrt(v) to k with the deterministic
// f64 pow_f64 lane by lane (the same function on both paths), rounded once to f32.

import { pow_f64 } from '../core/math';

export const ADAHESSIAN_POW1: i32 = 1;

export function adahessian_f32(start: i32, end: i32, p: usize, g: usize, z: usize, hz: usize, m: usize, v: usize,
                               b1: f32, omb1: f32, b2: f32, omb2: f32, bc1: f32, cbk: f32, eps: f32,
                               lr: f32, wd: f32, k: f64, flags: i32): void {
  const pow1 = (flags & ADAHESSIAN_POW1) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vbc1 = f32x4.splat(bc1), vcbk = f32x4.splat(cbk), veps = f32x4.splat(eps), vlr = f32x4.splat(lr), vwd = f32x4.splat(wd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      const d = f32x4.mul(v128.load(z + o), v128.load(hz + o));
      const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vomb1, v128.load(g + o)));
      const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(vomb2, d), d));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      let pk = f32x4.sqrt(vi);
      if (!pow1) {
        pk = f32x4.replace_lane(pk, 0, <f32>pow_f64(<f64>f32x4.extract_lane(pk, 0), k));
        pk = f32x4.replace_lane(pk, 1, <f32>pow_f64(<f64>f32x4.extract_lane(pk, 1), k));
        pk = f32x4.replace_lane(pk, 2, <f32>pow_f64(<f64>f32x4.extract_lane(pk, 2), k));
        pk = f32x4.replace_lane(pk, 3, <f32>pow_f64(<f64>f32x4.extract_lane(pk, 3), k));
      }
      const denom = f32x4.add(f32x4.div(pk, vcbk), veps);
      const u = f32x4.add(f32x4.div(f32x4.div(mi, vbc1), denom), f32x4.mul(vwd, pi));
      v128.store(p + o, f32x4.sub(pi, f32x4.mul(vlr, u)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    const d = load<f32>(z + o) * load<f32>(hz + o);
    const mi = load<f32>(m + o) * b1 + omb1 * load<f32>(g + o);
    const vi = load<f32>(v + o) * b2 + (omb2 * d) * d;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let pk = sqrt<f32>(vi);
    if (!pow1) pk = <f32>pow_f64(<f64>pk, k);
    const denom = pk / cbk + eps;
    const u = (mi / bc1) / denom + wd * pi;
    store<f32>(p + o, pi - lr * u);
  }
}

/**
 * AdaHessian's spatial averaging for blocks [start, end) of bs consecutive elements (the kh×kw
 * kernel window of a 4-D conv weight): every element's estimate becomes the block mean of |z*hz|
 * (f32 sum in element order, divided by bs), written to hz, and z is set to 1, so that the update
 * kernel's D = z * hz is that mean. Scalar only (blocks are small); the same in every build.
 */
export function hutchinson_block_mean_f32(start: i32, end: i32, z: usize, hz: usize, bs: i32): void {
  for (let b = start; b < end; b++) {
    const o = <usize>b * <usize>bs << 2;
    let s: f32 = 0;
    for (let j = 0; j < bs; j++) {
      const q = o + (<usize>j << 2);
      s += abs<f32>(load<f32>(z + q) * load<f32>(hz + q));
    }
    const mean = s / <f32>bs;
    for (let j = 0; j < bs; j++) {
      const q = o + (<usize>j << 2);
      store<f32>(hz + q, mean);
      store<f32>(z + q, 1);
    }
  }
}
