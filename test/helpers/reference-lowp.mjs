// Independent JS references of the 16-bit formats (src/optim/lowp.ts): round to nearest even by exact
// f64 arithmetic on the f16/bf16 grids (not the kernels' bit tricks), the stochastic roundings as their
// definition states them (16 random bits r per element from Philox4x32-10, rounded up iff r/2^16 is
// below the fractional distance), and the fused AdamW / SGD updates over 16-bit storage in f32-exact
// arithmetic (every operation rounded by Math.fround in the kernels' order).
import { philoxRef } from './reference-bandits.mjs';

const F = new Float32Array(1), U = new Uint32Array(F.buffer);
export const bitsOf = (x) => { F[0] = x; return U[0]; };
export const fromBits = (b) => { U[0] = b >>> 0; return F[0]; };
const f = Math.fround;

/** bf16 round to nearest even on the f32 value x (exact f64 arithmetic on the 8-bit-mantissa grid). */
export function bf16RneRef(x) {
  x = f(x);
  if (Number.isNaN(x)) return 0x7FC0;
  const b = bitsOf(x), sign = b & 0x80000000 ? 0x8000 : 0;
  if (!Number.isFinite(x)) return sign | 0x7F80;
  const a = Math.abs(x);
  if (a === 0) return sign;
  const e = Math.max(((b >>> 23) & 0xFF) - 127, -126), u = 2 ** (e - 7);   // spacing of the bf16 grid at |x|
  const q = a / u, fl = Math.floor(q), fr = q - fl;
  const r = fr > 0.5 || (fr === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  return sign | bf16Magnitude(r * u);
}
/** The bf16 bits of an exactly representable magnitude (or Inf beyond the largest). */
function bf16Magnitude(v) {
  if (v >= 2 ** 128) return 0x7F80;
  if (v === 0) return 0;
  if (v < 2 ** -126) return v / 2 ** -133;                 // subnormal: mantissa in units of 2^-133
  const e = Math.floor(Math.log2(v)), ee = v >= 2 ** (e + 1) ? e + 1 : v < 2 ** e ? e - 1 : e;
  return ((ee + 127) << 7) | (v / 2 ** (ee - 7) - 128);
}

/** bf16 stochastic rounding with 16 random bits r: the neighbour above iff r < (dropped bits). */
export function bf16SrRef(x, r) {
  x = f(x);
  if (Number.isNaN(x)) return 0x7FC0;
  const b = bitsOf(x);
  return ((b >>> 16) + ((b & 0xFFFF) + r >= 0x10000 ? 1 : 0)) & 0xFFFF;
}

/** f16 magnitude bits of an exactly representable value (Inf from 65536 on). */
function f16Magnitude(v) {
  if (v >= 65536) return 0x7C00;
  if (v < 2 ** -14) return v / 2 ** -24;
  let e = Math.floor(Math.log2(v));
  if (2 ** e > v) e--; else if (2 ** (e + 1) <= v) e++;
  return ((e + 15) << 10) | (v / 2 ** (e - 10) - 1024);
}
/** IEEE binary16 round to nearest even of the f32 value x, by exact f64 arithmetic; NaN → 0x7E00 | sign. */
export function f16RneRef(x) {
  x = f(x);
  const sign = bitsOf(x) & 0x80000000 ? 0x8000 : 0;
  if (Number.isNaN(x)) return sign | 0x7E00;
  if (!Number.isFinite(x)) return sign | 0x7C00;
  const a = Math.abs(x);
  if (a === 0) return sign;
  const e = Math.max(((bitsOf(x) >>> 23) & 0xFF) - 127, -14);
  const u = 2 ** (e - 10), q = a / u, fl = Math.floor(q), fr = q - fl;
  const r = fr > 0.5 || (fr === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  return sign | f16Magnitude(r * u);
}
/** f16 stochastic rounding of x with 16 random bits r, as defined: up iff r/2^16 < frac(|x|/spacing). */
export function f16SrRef(x, r) {
  x = f(x);
  if (!Number.isFinite(x)) return f16RneRef(x);
  const b = bitsOf(x), sign = b & 0x80000000 ? 0x8000 : 0, a = Math.abs(x);
  const E = Math.max(((b >>> 23) & 0xFF) - 127, -14), u = 2 ** (E - 10);
  const y = a / u, fl = Math.floor(y);
  const q = (fl + (r / 65536 < y - fl ? 1 : 0)) * u;
  return sign | (q === 0 ? 0 : f16Magnitude(q));
}
export const bf16DecRef = (h) => fromBits(h << 16);
export function f16DecRef(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >>> 10) & 31, m = h & 1023;
  if (e === 31) return fromBits((h & 0x8000 ? 0x80000000 : 0) | 0x7F800000 | (m << 13));
  return s * (e === 0 ? m * 2 ** -24 : (1024 + m) * 2 ** (e - 25));
}

/** The 16 random bits of element j, stream s, step t under key [k0, k1] (the kernels' layout). */
export function rndRef(key, t, s, j) {
  const w = philoxRef([j >>> 3, t, s, 0], key);
  return (w[(j >>> 1) & 3] >>> ((j & 1) * 16)) & 0xFFFF;
}
/** A cached rndRef for one (key, t, s): most calls in a sweep reuse the block. */
export function rndStream(key, t, s) {
  let blk = -1, w = null;
  return (j) => {
    if ((j >>> 3) !== blk) { blk = j >>> 3; w = philoxRef([blk, t, s, 0], key); }
    return (w[(j >>> 1) & 3] >>> ((j & 1) * 16)) & 0xFFFF;
  };
}

export const CODES = { f32: 0, bf16: 1, f16: 2 };
const ENC = { bf16: [bf16RneRef, bf16SrRef], f16: [f16RneRef, f16SrRef] };
const DEC = { bf16: bf16DecRef, f16: f16DecRef };
export const encRef = (dt, x, sr, r) => (sr ? ENC[dt][1](x, r) : ENC[dt][0](x));
export const decRef = (dt, h) => DEC[dt](h);
export const STREAM = { convert: 0, param: 1, m: 2, v: 3 };

/**
 * One fused step over a whole arena of `n` elements: `st` holds { p (Float32Array), g, m, v / buf
 * (Float32Array for f32 state, Uint16Array otherwise), copy (Uint16Array) }, `cfg` the dtypes.
 * `update(i, mOld, vOld)` returns [m, v, pNew] in f32 for element i.
 */
function fused(n, st, cfg, t, key, stateNames, update) {
  const { stateDtype: sd, paramDtype: pd, stochasticRounding: sr, masterWeights: mw } = cfg;
  const rs = { m: rndStream(key, t, STREAM.m), v: rndStream(key, t, STREAM.v) }, rp = rndStream(key, t, STREAM.param);
  for (let i = 0; i < n; i++) {
    const old = stateNames.map((s) => (sd === 'f32' ? st[s][i] : decRef(sd, st[s][i])));
    const out = update(i, ...old);
    if (!out) continue;
    const pn = out[out.length - 1];
    stateNames.forEach((s, k) => {
      if (out[k] === undefined) return;
      st[s][i] = sd === 'f32' ? out[k] : encRef(sd, out[k], sr, sr ? rs[s === 'buf' ? 'm' : s](i) : 0);
    });
    if (pd === 'f32') st.p[i] = pn;
    else if (mw) { st.p[i] = pn; st.copy[i] = encRef(pd, pn, false, 0); }
    else { const h = encRef(pd, pn, sr, sr ? rp(i) : 0); st.copy[i] = h; st.p[i] = decRef(pd, h); }
  }
}

/** LowPrecisionAdamW's step t (scalars as the class computes them with the engine's pow/sqrt). */
export function adamw16Ref(n, st, cfg, h, t, key, pow, sqrt) {
  const { lr, betas: [b1, b2], eps, weightDecay: wd, maximize = false } = h;
  const bc1 = 1 - pow(b1, t), sq = sqrt(1 - pow(b2, t));
  const B1 = f(b1), O1 = f(1 - b1), B2 = f(b2), O2 = f(1 - b2), step = f(-(lr * sq) / bc1), epsH = f(eps * sq), decay = f(1 - lr * wd);
  fused(n, st, cfg, t, key, ['m', 'v'], (i, mo, vo) => {
    const pi = f(st.p[i] * decay);
    const d = maximize ? -st.g[i] : st.g[i];
    const m = f(f(mo * B1) + f(O1 * d)), v = f(f(vo * B2) + f(f(O2 * d) * d));
    return [m, v, f(pi + f(f(step * m) / f(f(Math.sqrt(v)) + epsH)))];
  });
}

/** LowPrecisionSGD's step t. */
export function sgd16Ref(n, st, cfg, h, t, key) {
  const { lr, momentum = 0, dampening = 0, weightDecay: wd = 0, nesterov = false, maximize = false } = h;
  const nl = f(-lr), mom = f(momentum), om = f(1 - dampening), W = f(wd);
  fused(n, st, cfg, t, key, ['buf'], (i, bo) => {
    const pi = st.p[i];
    let d = maximize ? -st.g[i] : st.g[i];
    if (wd !== 0) d = f(d + f(W * pi));
    let b;
    if (momentum !== 0) {
      b = t === 1 ? d : f(f(bo * mom) + f(om * d));
      d = nesterov ? f(d + f(mom * b)) : b;
    }
    return [b, f(pi + f(nl * d))];
  });
}
