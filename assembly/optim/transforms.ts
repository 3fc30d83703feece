// Kernels of the composable (optax-style) gradient transformations (src/optim/transforms/). Each works in
// place on an `updates` array u over [start, end); per-step scalars are computed once per step by the
// caller in f64 and rounded to f32. The SIMD path and the scalar tail perform the same IEEE operations
// in the same order. Formulas follow optax's operation order (optax/_src/transform.py,
// tree_utils/_tree_math.py): moments as (1-d)*x + d*t, bias corrections as a division by 1-d^t.

export const TX_ADAM_NESTEROV: i32 = 1;

/**
 * scale_by_adam: m = (1-b1)*u + b1*m;  v = (1-b2)*(u*u) + b2*v;
 *   m^ = m/bc1, or with nesterov (optax's NAdam form) m^ = b1*(m/bc1n) + (1-b1)*(u/bc1)  (bc1n = 1-b1^(t+1));
 *   u = m^ / (sqrt(v/bc2 + epsRoot) + eps)
 */
export function tx_adam_f32(start: i32, end: i32, u: usize, m: usize, v: usize,
                            b1: f32, omb1: f32, b2: f32, omb2: f32, bc1: f32, bc2: f32, eps: f32, epsRoot: f32,
                            bc1n: f32, flags: i32): void {
  const nest = (flags & TX_ADAM_NESTEROV) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(b1), vomb1 = f32x4.splat(omb1), vb2 = f32x4.splat(b2), vomb2 = f32x4.splat(omb2);
    const vbc1 = f32x4.splat(bc1), vbc2 = f32x4.splat(bc2), veps = f32x4.splat(eps), vroot = f32x4.splat(epsRoot);
    const vbc1n = f32x4.splat(bc1n);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(u + o);
      const mi = f32x4.add(f32x4.mul(vomb1, g), f32x4.mul(vb1, v128.load(m + o)));
      const vi = f32x4.add(f32x4.mul(vomb2, f32x4.mul(g, g)), f32x4.mul(vb2, v128.load(v + o)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      const mh = nest ? f32x4.add(f32x4.mul(vb1, f32x4.div(mi, vbc1n)), f32x4.mul(vomb1, f32x4.div(g, vbc1))) : f32x4.div(mi, vbc1);
      const den = f32x4.add(f32x4.sqrt(f32x4.add(f32x4.div(vi, vbc2), vroot)), veps);
      v128.store(u + o, f32x4.div(mh, den));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(u + o);
    const mi = omb1 * g + b1 * load<f32>(m + o);
    const vi = omb2 * (g * g) + b2 * load<f32>(v + o);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const mh = nest ? b1 * (mi / bc1n) + omb1 * (g / bc1) : mi / bc1;
    const den = sqrt<f32>(vi / bc2 + epsRoot) + eps;
    store<f32>(u + o, mh / den);
  }
}

export const TX_RMS_EPS_IN_SQRT: i32 = 1;

/**
 * scale_by_rms: v = (1-d)*(u*u) + d*v;  u = u / sqrt(v + eps)  (epsInSqrt, optax's default; optax
 * multiplies by rsqrt, which XLA does not round correctly: here a division by the rounded sqrt)
 * or u = u / (sqrt(v) + eps).
 */
export function tx_rms_f32(start: i32, end: i32, u: usize, v: usize, d: f32, omd: f32, eps: f32, flags: i32): void {
  const inSqrt = (flags & TX_RMS_EPS_IN_SQRT) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(d), vomd = f32x4.splat(omd), veps = f32x4.splat(eps);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(u + o);
      const vi = f32x4.add(f32x4.mul(vomd, f32x4.mul(g, g)), f32x4.mul(vd, v128.load(v + o)));
      v128.store(v + o, vi);
      const den = inSqrt ? f32x4.sqrt(f32x4.add(vi, veps)) : f32x4.add(f32x4.sqrt(vi), veps);
      v128.store(u + o, f32x4.div(g, den));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(u + o);
    const vi = omd * (g * g) + d * load<f32>(v + o);
    store<f32>(v + o, vi);
    const den = inSqrt ? sqrt<f32>(vi + eps) : sqrt<f32>(vi) + eps;
    store<f32>(u + o, g / den);
  }
}

/** scale_by_stddev: m = (1-d)*u + d*m;  v = (1-d)*(u*u) + d*v;  u = u / sqrt(v - m*m + eps) */
export function tx_stddev_f32(start: i32, end: i32, u: usize, m: usize, v: usize, d: f32, omd: f32, eps: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(d), vomd = f32x4.splat(omd), veps = f32x4.splat(eps);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(u + o);
      const mi = f32x4.add(f32x4.mul(vomd, g), f32x4.mul(vd, v128.load(m + o)));
      const vi = f32x4.add(f32x4.mul(vomd, f32x4.mul(g, g)), f32x4.mul(vd, v128.load(v + o)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      v128.store(u + o, f32x4.div(g, f32x4.sqrt(f32x4.add(f32x4.sub(vi, f32x4.mul(mi, mi)), veps))));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(u + o);
    const mi = omd * g + d * load<f32>(m + o);
    const vi = omd * (g * g) + d * load<f32>(v + o);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(u + o, g / sqrt<f32>((vi - mi * mi) + eps));
  }
}

/** scale_by_sign: u = 1 if u > 0, -1 if u < 0, else u (±0 and NaN pass through). */
export function tx_sign_f32(start: i32, end: i32, u: usize): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1), mone = f32x4.splat(-1), zero = f32x4.splat(0);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const x = v128.load(u + o);
      const r = v128.bitselect(one, x, f32x4.gt(x, zero));
      v128.store(u + o, v128.bitselect(mone, r, f32x4.lt(x, zero)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(u + o);
    store<f32>(u + o, x > 0 ? <f32>1 : x < 0 ? <f32>-1 : x);
  }
}

export const TX_NESTEROV: i32 = 1;

/** trace (momentum): t = u + d*t;  u = nesterov ? u + d*t : t */
export function tx_trace_f32(start: i32, end: i32, u: usize, t: usize, d: f32, flags: i32): void {
  const nest = (flags & TX_NESTEROV) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(d);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(u + o);
      const ti = f32x4.add(g, f32x4.mul(vd, v128.load(t + o)));
      v128.store(t + o, ti);
      v128.store(u + o, nest ? f32x4.add(g, f32x4.mul(vd, ti)) : ti);
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(u + o);
    const ti = g + d * load<f32>(t + o);
    store<f32>(t + o, ti);
    store<f32>(u + o, nest ? g + d * ti : ti);
  }
}

export const TX_DEBIAS: i32 = 1;

/** ema: e = (1-d)*u + d*e;  u = debias ? e / bc : e */
export function tx_ema_f32(start: i32, end: i32, u: usize, e: usize, d: f32, omd: f32, bc: f32, flags: i32): void {
  const debias = (flags & TX_DEBIAS) != 0;
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(d), vomd = f32x4.splat(omd), vbc = f32x4.splat(bc);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const ei = f32x4.add(f32x4.mul(vomd, v128.load(u + o)), f32x4.mul(vd, v128.load(e + o)));
      v128.store(e + o, ei);
      v128.store(u + o, debias ? f32x4.div(ei, vbc) : ei);
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const ei = omd * load<f32>(u + o) + d * load<f32>(e + o);
    store<f32>(e + o, ei);
    store<f32>(u + o, debias ? ei / bc : ei);
  }
}

/** EMA of parameters (the EMA wrapper): e = (1-d)*x + d*e; x untouched. */
export function tx_ema_track_f32(start: i32, end: i32, x: usize, e: usize, d: f32, omd: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(d), vomd = f32x4.splat(omd);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(e + o, f32x4.add(f32x4.mul(vomd, v128.load(x + o)), f32x4.mul(vd, v128.load(e + o))));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(e + o, omd * load<f32>(x + o) + d * load<f32>(e + o));
  }
}

/** dst = src / c */
export function tx_div_copy_f32(start: i32, end: i32, dst: usize, src: usize, c: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vc = f32x4.splat(c);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.div(v128.load(src + o), vc));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(dst + o, load<f32>(src + o) / c); }
}

/** clip by value: u = min(max(u, lo), hi) (NaN stays NaN) */
export function tx_clip_f32(start: i32, end: i32, u: usize, lo: f32, hi: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(u + o, f32x4.min(f32x4.max(v128.load(u + o), vlo), vhi));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(u + o, min<f32>(max<f32>(load<f32>(u + o), lo), hi)); }
}

/** clip_by_global_norm's rescale: u = (u / a) * b */
export function tx_divmul_f32(start: i32, end: i32, u: usize, a: f32, b: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a), vb = f32x4.splat(b);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(u + o, f32x4.mul(f32x4.div(v128.load(u + o), va), vb));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(u + o, (load<f32>(u + o) / a) * b); }
}

/** u = 0 where u is NaN or ±Inf (exponent bits all ones), bit-exact copy elsewhere. */
export function tx_zero_nonfinite_f32(start: i32, end: i32, u: usize): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const em = i32x4.splat(0x7f800000);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const x = v128.load(u + o);
      v128.store(u + o, v128.andnot(x, i32x4.eq(v128.and(x, em), em)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const x = load<u32>(u + o);
    store<u32>(u + o, (x & 0x7f800000) == 0x7f800000 ? 0 : x);
  }
}

/**
 * MultiSteps (running mean of the gradients): a = acc + (u - acc) / c  (c = micro-step + 1);
 * last micro-step: u = a, acc = 0; otherwise acc = a, u = 0.
 */
export function tx_multistep_f32(start: i32, end: i32, u: usize, acc: usize, c: f32, last: i32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vc = f32x4.splat(c), zero = f32x4.splat(0);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const ai = v128.load(acc + o);
      const a = f32x4.add(ai, f32x4.div(f32x4.sub(v128.load(u + o), ai), vc));
      if (last) { v128.store(u + o, a); v128.store(acc + o, zero); } else { v128.store(acc + o, a); v128.store(u + o, zero); }
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const ai = load<f32>(acc + o);
    const a = ai + (load<f32>(u + o) - ai) / c;
    if (last) { store<f32>(u + o, a); store<f32>(acc + o, 0); } else { store<f32>(acc + o, a); store<f32>(u + o, 0); }
  }
}

/** Running mean (SWA): acc = acc + (x - acc) / c */
export function tx_runmean_f32(start: i32, end: i32, acc: usize, x: usize, c: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const vc = f32x4.splat(c);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const ai = v128.load(acc + o);
      v128.store(acc + o, f32x4.add(ai, f32x4.div(f32x4.sub(v128.load(x + o), ai), vc)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const ai = load<f32>(acc + o);
    store<f32>(acc + o, ai + (load<f32>(x + o) - ai) / c);
  }
}

/**
 * Lookahead sync as a transformation: fast = p + u;  s = slow + alpha*(fast - slow);  slow = s;  u = s - p
 * (so that p + u lands on the new slow weights, up to the rounding of that last addition).
 */
export function tx_lookahead_f32(start: i32, end: i32, u: usize, p: usize, slow: usize, alpha: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o), si = v128.load(slow + o);
      const s = f32x4.add(si, f32x4.mul(va, f32x4.sub(f32x4.add(pi, v128.load(u + o)), si)));
      v128.store(slow + o, s);
      v128.store(u + o, f32x4.sub(s, pi));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o), si = load<f32>(slow + o);
    const s = si + alpha * ((pi + load<f32>(u + o)) - si);
    store<f32>(slow + o, s);
    store<f32>(u + o, s - pi);
  }
}

/** Lookahead sync on the parameters (the Lookahead wrapper): s = slow + alpha*(p - slow);  slow = p = s */
export function tx_lookahead_sync_f32(start: i32, end: i32, p: usize, slow: usize, alpha: f32): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      const si = v128.load(slow + o);
      const s = f32x4.add(si, f32x4.mul(va, f32x4.sub(v128.load(p + o), si)));
      v128.store(slow + o, s);
      v128.store(p + o, s);
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const si = load<f32>(slow + o);
    const s = si + alpha * (load<f32>(p + o) - si);
    store<f32>(slow + o, s);
    store<f32>(p + o, s);
  }
}

/** apply_updates: p = p + u */
export function tx_add_f32(start: i32, end: i32, p: usize, u: usize): void {
  let i = start;
  if (ASC_FEATURE_SIMD) {
    for (const e4 = start + ((end - start) & ~3); i < e4; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.add(v128.load(p + o), v128.load(u + o)));
    }
  }
  for (; i < end; i++) { const o = <usize>i << 2; store<f32>(p + o, load<f32>(p + o) + load<f32>(u + o)); }
}
