// f32-exact JS references of the AdaBelief / Yogi / signSGD / Signum / ADOPT / diffGrad / Optimistic
// AMSGrad / random-scaled SGDM kernels: Math.fround after every operation, in the kernels' operation
// order (assembly/adabelief.ts, yogi.ts, signum.ts, adopt.ts, diffgrad.ts, optamsgrad.ts, rsgdm.ts).
// Per-step scalars are computed in f64 as the optimizers compute them, with the engine's pow / sqrt /
// exp / log passed in (`M`), then rounded once.
const f = Math.fround;
// The kernels' unfused multiply-add (assembly/madd.ts): a*b rounded to f32, then + c rounded.
const fma = (a, b, c) => f(f(a * b) + c);
const sign = (x) => (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0);

/** One AdaBelief step; `s` = { m, s }. */
export function adabeliefRef(p, g, st, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-16, weightDecay = 0, decoupled = true }, t, M) {
  const bc1 = 1 - M.pow(betas[0], t), sq = M.sqrt(1 - M.pow(betas[1], t));
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]), fe = f(eps);
  const step = f(-lr * sq / bc1), epsH = f(eps * sq), wd = f(weightDecay), decay = f(1 - lr * weightDecay);
  for (let i = 0; i < p.length; i++) {
    let pi = p[i], d = g[i];
    if (weightDecay !== 0 && !decoupled) d = fma(wd, pi, d);
    if (weightDecay !== 0 && decoupled) pi = f(pi * decay);
    const m = fma(omb1, d, f(st.m[i] * b1));
    const r = f(d - m);
    const s = f(fma(f(omb2 * r), r, f(st.s[i] * b2)) + fe);
    st.m[i] = m; st.s[i] = s;
    p[i] = f(pi + f(f(step * m) / f(f(Math.sqrt(s)) + epsH)));
  }
}

/** One Yogi step; `s` = { m, v } (both start at initialAccumulatorValue). */
export function yogiRef(p, g, st, { lr = 1e-2, betas = [0.9, 0.999], eps = 1e-3, weightDecay = 0 }, t, M) {
  const bc1 = 1 - M.pow(betas[0], t), sq = M.sqrt(1 - M.pow(betas[1], t));
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), omb2 = f(1 - betas[1]);
  const step = f(-lr * sq / bc1), epsH = f(eps * sq), decay = f(1 - lr * weightDecay);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i], vo = st.v[i];
    const m = fma(omb1, gi, f(st.m[i] * b1));
    const g2 = f(gi * gi);
    const v = f(vo - f(sign(f(vo - g2)) * f(omb2 * g2)));
    st.m[i] = m; st.v[i] = v;
    const pi = f(p[i] * decay);
    p[i] = f(pi + f(f(step * m) / f(f(Math.sqrt(v)) + epsH)));
  }
}

/** One signSGD (momentum === undefined) or Signum step; `s` = { m } for Signum. */
export function signumRef(p, g, st, { lr = 1e-3, momentum, weightDecay = 0 }) {
  const negLr = f(-lr), decay = f(1 - lr * weightDecay);
  const b = f(momentum ?? 0), omb = f(1 - (momentum ?? 0));
  for (let i = 0; i < p.length; i++) {
    let u = g[i];
    if (st.m) { u = fma(omb, u, f(st.m[i] * b)); st.m[i] = u; }
    p[i] = f(f(p[i] * decay) + f(negLr * sign(u)));
  }
}

/** One ADOPT step; `s` = { m, v }. */
export function adoptRef(p, g, st, { lr = 1e-3, betas = [0.9, 0.9999], eps = 1e-6, weightDecay = 0, decoupled = false, clip = true }, t, M) {
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]), fe = f(eps);
  const negLr = f(-lr), wd = f(weightDecay), nlw = f(-lr * weightDecay);
  const c = f(t > 1 && clip ? M.pow(t - 1, 0.25) : 0);
  for (let i = 0; i < p.length; i++) {
    let pi = p[i], d = g[i];
    if (weightDecay !== 0 && !decoupled) d = fma(wd, pi, d);
    if (t === 1) { st.v[i] = f(d * d); continue; }
    if (weightDecay !== 0 && decoupled) pi = fma(nlw, pi, pi);
    const vo = st.v[i];
    let n = f(d / Math.max(f(Math.sqrt(vo)), fe));
    if (clip) n = Math.min(Math.max(n, -c), c);
    const m = fma(omb1, n, f(st.m[i] * b1));
    st.m[i] = m;
    p[i] = f(pi + f(negLr * m));
    st.v[i] = fma(f(omb2 * d), d, f(vo * b2));
  }
}

/** diffGrad's friction ξ = 1/(1 + e^−|x|) in f64 with the engine's exp, rounded to f32. */
export const friction = (diff, M) => f(1 / (1 + M.exp(-diff)));

// e^-x in f32 exactly as assembly/expf.ts (exp_neg_f32): Cody–Waite reduction with the 1.5·2^23 rounding
// trick, Cephes expf's degree-5 polynomial, 2^k from its bits. Math.fround after every operation.
const EXPF = { log2e: f(1.44269504088896341), magic: 12582912, c1: 0.693359375, c2: f(-2.12194440e-4),
  p: [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(f) };
const bitsF = new Float32Array(1), bitsI = new Int32Array(bitsF.buffer);
export function expNegF32(x) {
  const y = -(80 < x ? 80 : x);
  const t = f(f(y * EXPF.log2e) + EXPF.magic);
  const kf = f(t - EXPF.magic);
  const r = f(f(y - f(kf * EXPF.c1)) - f(kf * EXPF.c2));
  const z = f(r * r);
  let q = EXPF.p[0];
  for (let j = 1; j < 6; j++) q = f(f(q * r) + EXPF.p[j]);
  bitsF[0] = t; bitsI[0] = (bitsI[0] - (0x4b400000 - 127)) << 23;
  return f(f(f(f(q * z) + r) + 1) * bitsF[0]);
}

/** One diffGrad step; `s` = { m, v, prev }. torchBits: the friction in f64 (`friction`); by default in f32
 * with expNegF32, folded into the denominator (assembly/diffgrad.ts). */
export function diffgradRef(p, g, st, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, torchBits = false }, t, M) {
  const bc1 = 1 - M.pow(betas[0], t), sq = M.sqrt(1 - M.pow(betas[1], t));
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]), fe = f(eps);
  const step = f(-lr * sq / bc1), wd = f(weightDecay);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (weightDecay !== 0) d = fma(wd, pi, d);
    const m = fma(omb1, d, f(st.m[i] * b1));
    const v = fma(f(omb2 * d), d, f(st.v[i] * b2));
    const diff = Math.abs(f(st.prev[i] - d));
    st.m[i] = m; st.v[i] = v; st.prev[i] = d;
    if (torchBits) p[i] = f(pi + f(f(step * f(m * friction(diff, M))) / f(f(Math.sqrt(v)) + fe)));
    else p[i] = f(pi + f(f(step * m) / f(f(f(Math.sqrt(v)) + fe) * f(1 + expNegF32(diff)))));
  }
}

/** One Optimistic AMSGrad step; `s` = { m, v, vh, w } (w = the half-step iterate). */
export function optAmsgradRef(p, g, st, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8 }, t) {
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]), fe = f(eps), negLr = f(-lr);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const m = fma(omb1, gi, f(st.m[i] * b1));
    const v = fma(f(omb2 * gi), gi, f(st.v[i] * b2));
    const vh = Math.max(st.vh[i], v);
    const den = f(f(Math.sqrt(vh)) + fe);
    const w = f((t === 1 ? p[i] : st.w[i]) + f(f(negLr * m) / den));
    st.m[i] = m; st.v[i] = v; st.vh[i] = vh; st.w[i] = w;
    p[i] = f(w + f(f(negLr * gi) / den));
  }
}

// The counter-based Exp(1) stream of RandomScaledSGDM, written from its specification: murmur3's
// 32-bit finaliser with the lowbias32 constants, a 53-bit uniform from two hashed words, −ln(1 − u).
function hash32(x) {
  x = (x ^ (x >>> 16)) >>> 0; x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0; x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
export function exp1Ref(seed, k, M) {
  const key = hash32((seed ^ 0x9e3779b9) >>> 0);
  const a = hash32((k % 4294967296) ^ hash32((Math.floor(k / 4294967296) ^ key) >>> 0));
  const b = hash32((a ^ 0x68e31da4) >>> 0);
  const u = (Math.floor(a / 32) * 2 ** 26 + Math.floor(b / 64)) / 2 ** 53;
  return -M.log(1 - u);
}

/** One random-scaled SGDM step with factor `sc` (exp1Ref of this step); `s` = { m }. */
export function rsgdmRef(p, g, st, { lr = 1e-2, momentum = 0.9, weightDecay = 0 }, sc) {
  const b = f(momentum), omb = f(1 - momentum), negStep = f(-(sc * lr)), decay = f(1 - sc * lr * weightDecay);
  for (let i = 0; i < p.length; i++) {
    const m = fma(omb, g[i], f(st.m[i] * b));
    st.m[i] = m;
    p[i] = f(f(p[i] * decay) + f(negStep * m));
  }
}

// ---- Optimistic AMSGrad with the RMPE predictor (history r ≥ 1): a whole-arena reference ----

const BLOCK = 4096;
/** Σ (x1 − x0)(y1 − y0) over [0, n) in the engine's order: lane (i − block start) mod 4, (l0 + l1) + (l2 + l3), pairwise fold. */
function gramRef(x0, x1, y0, y1, n) {
  const parts = [];
  for (let b = 0; b < n; b += BLOCK) {
    const a = [0, 0, 0, 0];
    for (let i = b; i < Math.min(b + BLOCK, n); i++) a[(i - b) & 3] += (x1[i] - x0[i]) * (y1[i] - y0[i]);
    parts.push((a[0] + a[1]) + (a[2] + a[3]));
  }
  const fold = (lo, len) => (len === 1 ? parts[lo] : fold(lo, len >> 1) + fold(lo + (len >> 1), len - (len >> 1)));
  return parts.length ? fold(0, parts.length) : 0;
}

/** RMPE: c = z/Σz with (UᵀU/τ + λI) z = 1, τ = tr(UᵀU)/r (1 if 0), Gaussian elimination without pivoting. */
export function rmpeCoefficients(xs, n, lambda) {
  const r = xs.length - 1;
  const A = Array.from({ length: r }, () => new Array(r).fill(0));
  for (let j = 0; j < r; j++) for (let l = j; l < r; l++) A[j][l] = A[l][j] = gramRef(xs[j], xs[j + 1], xs[l], xs[l + 1], n);
  let tr = 0;
  for (let j = 0; j < r; j++) tr += A[j][j];
  const tau = tr > 0 ? tr / r : 1;
  const M = A.map((row, j) => row.map((x, l) => x / tau + (j === l ? lambda : 0)));
  const z = new Array(r).fill(1);
  for (let j = 0; j < r; j++) {
    for (let i = j + 1; i < r; i++) {
      const q = M[i][j] / M[j][j];
      for (let l = j; l < r; l++) M[i][l] -= q * M[j][l];
      z[i] -= q * z[j];
    }
  }
  for (let j = r - 1; j >= 0; j--) {
    let s = z[j];
    for (let l = j + 1; l < r; l++) s -= M[j][l] * z[l];
    z[j] = s / M[j][j];
  }
  const sum = z.reduce((s, x) => s + x, 0);
  return z.map((x) => x / sum);
}

/**
 * The whole trajectory of OptimisticAMSGrad({ history: r ≥ 1, ... }) on an arena of tensors `sizes`
 * (4-aligned offsets, zero padding, as ParamSet), `steps` steps, gradient of tensor j at step k drawn by
 * `grads(k, n, r)` from `rng(100 + k)`; initial parameters `p0s`. Returns the final parameters per tensor.
 */
export function optAmsgradRmpeRef(sizes, p0s, steps, grads, rng, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, history, lambda = 1e-3 }) {
  const al = (x) => (x + 3) & ~3, offs = [];
  let size = 0;
  for (const n of sizes) { offs.push(size); size = al(size + n); }
  const z = () => new Float32Array(size);
  const P = z(), m = z(), v = z(), vh = z(), w = z(), hist = Array.from({ length: history }, z);
  sizes.forEach((n, j) => P.set(p0s[j], offs[j]));
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]), fe = f(eps), negLr = f(-lr);
  for (let k = 0; k < steps; k++) {
    const t = k + 1, r = rng(100 + k), G = z();
    sizes.forEach((n, j) => G.set(grads(k, n, r), offs[j]));
    const slot = (s) => hist[(s - 1) % history];
    let xs = null, c = null;
    if (t - 1 >= history) {
      xs = [];
      for (let i = 0; i < history; i++) xs.push(slot(t - history + i));
      c = rmpeCoefficients([...xs, G], size, lambda).map(f);
    }
    const store = slot(t);
    for (let i = 0; i < size; i++) {
      const gi = G[i];
      let h = gi;
      if (xs) { h = f(c[0] * xs[0][i]); for (let j = 1; j < history; j++) h = fma(c[j], xs[j][i], h); }
      store[i] = gi;
      const mi = fma(omb1, gi, f(m[i] * b1));
      const vi = fma(f(omb2 * gi), gi, f(v[i] * b2));
      const vhi = Math.max(vh[i], vi);
      const den = f(f(Math.sqrt(vhi)) + fe);
      const wi = f((t === 1 ? P[i] : w[i]) + f(f(negLr * mi) / den));
      m[i] = mi; v[i] = vi; vh[i] = vhi; w[i] = wi;
      P[i] = f(wi + f(f(negLr * h) / den));
    }
  }
  return sizes.map((n, j) => P.slice(offs[j], offs[j] + n));
}
