// Independent JS references of the bandit family's randomness and policies, written from the published
// algorithms (Random123's Philox4x32-10, FNV-1a 64, Box-Muller, Marsaglia-Tsang) and the policies'
// definitions. State is f64 and every operation is an IEEE double operation in the kernels' order, so
// plain JS arithmetic is exact; the transcendentals (ln, cos, sqrt) are passed in as `M` (the engine's
// deterministic routines, as the optimizer references do), never the host's Math.

import { ZIG } from './ziggurat-tables.mjs';

const MASK32 = 0xffffffffn;
/** Philox4x32-10 of counter c (4 words) under key k (2 words), with BigInt products. */
export function philoxRef(c, k) {
  let [c0, c1, c2, c3] = c.map((x) => BigInt(x >>> 0));
  let [k0, k1] = k.map((x) => BigInt(x >>> 0));
  for (let r = 0; r < 10; r++) {
    if (r > 0) { k0 = (k0 + 0x9E3779B9n) & MASK32; k1 = (k1 + 0xBB67AE85n) & MASK32; }
    const p0 = 0xD2511F53n * c0, p1 = 0xCD9E8D57n * c2;
    [c0, c1, c2, c3] = [((p1 >> 32n) ^ c1 ^ k0) & MASK32, p1 & MASK32, ((p0 >> 32n) ^ c3 ^ k1) & MASK32, p0 & MASK32];
  }
  return [c0, c1, c2, c3].map(Number);
}

/** FNV-1a 64 of a string's UTF-8 bytes, as [lo, hi] words. */
export function fnvRef(s) {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(s)) { h ^= BigInt(b); h = (h * 0x100000001b3n) & 0xffffffffffffffffn; }
  return [Number(h & MASK32), Number(h >> 32n)];
}

const u53 = (a, b) => ((a >>> 5) * 67108864 + (b >>> 6)) * 1.1102230246251565e-16;
export const uniformRef = (key, h, s, i) => { const w = philoxRef([h[0], h[1], s, i], key); return u53(w[0], w[1]); };
export function normalRef(key, h, s, i, M) {
  const w = philoxRef([h[0], h[1], s, i], key);
  const u1 = 1 - u53(w[0], w[1]), u2 = u53(w[2], w[3]);
  return M.sqrt(-2 * M.log(u1)) * M.cos(6.283185307179586 * u2);
}
const ROUNDS = 64;
export function gammaRef(key, h, s, j, shape, M) {
  const base = j * 2 * ROUNDS;
  const a = shape < 1 ? shape + 1 : shape;
  const d = a - 1 / 3, c = 1 / M.sqrt(9 * d);
  let g = d;
  for (let r = 0; r < ROUNDS - 1; r++) {
    const x = normalRef(key, h, s, base + 2 * r, M);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - uniformRef(key, h, s, base + 2 * r + 1);
    if (M.log(u) < 0.5 * x * x + d - d * v + d * M.log(v)) { g = d * v; break; }
  }
  if (shape < 1) g = g * M.exp(M.log(1 - uniformRef(key, h, s, base + 2 * ROUNDS - 1)) / shape);
  return g;
}
export function betaRef(key, h, s, j, a, b, M) {
  const x = gammaRef(key, h, s, j, a, M), y = gammaRef(key, h, (s ^ 0x80000000) >>> 0, j, b, M);
  const z = x + y;
  return z > 0 ? x / z : (a >= b ? 1 : 0);
}

/** Philox key words of an integer seed. */
export const keyOf = (seed) => [seed % 4294967296, Math.floor(seed / 4294967296)];
const S_TIE = 1;

/** Argmax over active arms with the PRNG tie-break; returns { arm, propensity }. */
export function pickRef(scores, active, key, h) {
  let m = -Infinity, c = 0;
  const v = (k) => (Number.isNaN(scores[k]) ? -Infinity : scores[k]);
  for (let k = 0; k < scores.length; k++) if (active[k]) { if (v(k) > m) { m = v(k); c = 1; } else if (v(k) === m) c++; }
  let idx = 0;
  if (c > 1) idx = Math.min(Math.floor(uniformRef(key, h, S_TIE, 0) * c), c - 1);
  for (let k = 0, j = 0; k < scores.length; k++) if (active[k] && v(k) === m) { if (j === idx) return { arm: k, propensity: 1 / c }; j++; }
  throw new Error('no active arm');
}

/** A reference of the shared statistics: { pulls, rewards, squares } arrays, folded in order. */
export function learnStatsRef(st, arm, r) { st.pulls[arm] += 1; st.rewards[arm] += r; st.squares[arm] += r * r; }

/** UCB1 decide on reference statistics. */
export function ucb1Ref(st, active, alpha, key, h, M) {
  const K = st.pulls.length;
  let t = 0;
  for (let k = 0; k < K; k++) t += st.pulls[k];
  const lt = t > 1 ? M.log(t) : 0;
  const scores = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const n = st.pulls[k];
    scores[k] = !active[k] ? -Infinity : n > 0 ? st.rewards[k] / n + alpha * M.sqrt(2 * lt / n) : Infinity;
  }
  return { ...pickRef(scores, active, key, h), scores };
}

// ---- the ziggurat sampler of assembly/core/zig.ts (BernoulliTS's Beta draws) ----
const ZX = ZIG.x, ZF = ZIG.f, ZR = ZIG.r, ZG_ROUNDS = 64, ZIG_SLOW = 32;
/** [0, 1) from all 32 bits of a and the top 21 of b. */
const u53z = (a, b) => ((a >>> 0) * 2097152 + (b >>> 11)) * 1.1102230246251565e-16;
/** Ziggurat normal from candidate words (a, b); slow path on blocks (s ^ 0x40000000, idx·32 + m). */
export function zigNormalRef(key, h, s, idx, a, b, M) {
  let i = b & 255, neg = (b & 256) !== 0, x = u53z(a, b) * ZX[i];
  if (x < ZX[i + 1]) return neg ? -x : x;
  const ss = (s ^ 0x40000000) >>> 0;
  for (let m = 0; m < ZIG_SLOW; m++) {
    const w = philoxRef([h[0], h[1], ss, (idx * ZIG_SLOW + m) >>> 0], key);
    if (i === 0) {
      const ta = -M.log(1 - u53(w[0], w[1])) / ZR, tb = -M.log(1 - u53(w[2], w[3]));
      if (tb + tb > ta * ta) { const y = ZR + ta; return neg ? -y : y; }
      continue;
    }
    if (ZF[i] + (ZF[i + 1] - ZF[i]) * u53(w[0], w[1]) < M.exp(-0.5 * x * x)) return neg ? -x : x;
    i = w[3] & 255; neg = (w[3] & 256) !== 0; x = u53z(w[2], w[3]) * ZX[i];
    if (x < ZX[i + 1]) return neg ? -x : x;
  }
  return neg ? -x : x;
}
/** Gamma(shape) draw j of stream s, ziggurat Marsaglia–Tsang (only the logarithmic test, no squeeze). */
export function zgammaRef(key, h, s, j, shape, M) {
  if (!(shape > 0) || !(shape < Infinity)) return NaN;
  const base = j * ZG_ROUNDS;
  const d = (shape < 1 ? shape + 1 : shape) - 1 / 3, c = 1 / M.sqrt(9 * d);
  let g = d;
  for (let r = 0; r < ZG_ROUNDS - 1; r++) {
    const w = philoxRef([h[0], h[1], s, base + r], key);
    const x = zigNormalRef(key, h, s, base + r, w[0], w[1], M);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - u53(w[2], w[3]);
    if (M.log(u) < 0.5 * x * x + d - d * v + d * M.log(v)) { g = d * v; break; }
  }
  if (shape < 1) { const w = philoxRef([h[0], h[1], s, base + ZG_ROUNDS - 1], key); g = g * M.exp(M.log(1 - u53(w[0], w[1])) / shape); }
  return g;
}
export function zbetaRef(key, h, s, j, a, b, M) {
  const x = zgammaRef(key, h, s, j, a, M), y = zgammaRef(key, h, (s ^ 0x80000000) >>> 0, j, b, M);
  const z = x + y;
  return z > 0 ? x / z : (a >= b ? 1 : 0);
}
