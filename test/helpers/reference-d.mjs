// f32-exact JS references of the AdaBelief / Yogi / signSGD / Signum / ADOPT / diffGrad / Optimistic
// AMSGrad / random-scaled SGDM kernels: Math.fround after every operation, in the kernels' operation
// order (assembly/adabelief.ts, yogi.ts, signum.ts, adopt.ts, diffgrad.ts, optamsgrad.ts, rsgdm.ts).
// Per-step scalars are computed in f64 as the optimizers compute them, with the engine's pow / sqrt /
// exp / log passed in (`M`), then rounded once.
const f = Math.fround;
// f32 FMA emulated in f64 exactly as assembly/fma.ts: a*b exact, one f64 rounding, one f32 rounding.
const fma = (a, b, c) => f(a * b + c);
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

/** One diffGrad step; `s` = { m, v, prev }. */
export function diffgradRef(p, g, st, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 }, t, M) {
  const bc1 = 1 - M.pow(betas[0], t), sq = M.sqrt(1 - M.pow(betas[1], t));
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]), fe = f(eps);
  const step = f(-lr * sq / bc1), wd = f(weightDecay);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (weightDecay !== 0) d = fma(wd, pi, d);
    const m = fma(omb1, d, f(st.m[i] * b1));
    const v = fma(f(omb2 * d), d, f(st.v[i] * b2));
    const xi = friction(Math.abs(f(st.prev[i] - d)), M);
    st.m[i] = m; st.v[i] = v; st.prev[i] = d;
    p[i] = f(pi + f(f(step * f(m * xi)) / f(f(Math.sqrt(v)) + fe)));
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
