// Counter-based randomness, identical in every runtime, build and thread split: Philox4x32-10
// (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
// constants and round structure of Random123's philox.h, checked against its kat_vectors), a 64-bit
// FNV-1a hash for event ids, and the samplers the bandit policies draw from. There is no generator
// state: draw i of stream s for event h under key k is philox(key = k, counter = (h_lo, h_hi, s, i)),
// so a decision depends only on (seed, eventId, what is drawn), never on how many draws came before.
// Transcendentals come from ./math (fdlibm transcriptions), never the host's Math.
import { log_f64, exp_f64, cos_f64 } from './math';

const M0: u64 = 0xD2511F53;
const M1: u64 = 0xCD9E8D57;
const W0: u32 = 0x9E3779B9;
const W1: u32 = 0xBB67AE85;

// The four output words of the last philox() call (globals are per instance, so per thread).
export let px0: u32 = 0;
export let px1: u32 = 0;
export let px2: u32 = 0;
export let px3: u32 = 0;

/** Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1); the result in px0..px3. */
export function philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  for (let r = 0; r < 10; r++) {
    if (r > 0) { k0 += W0; k1 += W1; }
    const p0 = M0 * <u64>c0, p1 = M1 * <u64>c2;
    const n0 = (<u32>(p1 >>> 32)) ^ c1 ^ k0;
    const n1 = <u32>p1;
    const n2 = (<u32>(p0 >>> 32)) ^ c3 ^ k1;
    const n3 = <u32>p0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
  }
  px0 = c0; px1 = c1; px2 = c2; px3 = c3;
}

/** Kernel form for tests: writes the four words of philox(c, k) to out[0..4). */
export function rng_philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32, out: usize): void {
  philox(c0, c1, c2, c3, k0, k1);
  store<u32>(out, px0); store<u32>(out + 4, px1); store<u32>(out + 8, px2); store<u32>(out + 12, px3);
}

/** A double in [0, 1) from two words: the top 27 bits of a and 26 of b, times 2^-53 (exact). */
// @ts-ignore: decorator
@inline export function u53(a: u32, b: u32): f64 {
  return (<f64>(a >>> 5) * 67108864.0 + <f64>(b >>> 6)) * 1.1102230246251565e-16;
}

/** Uniform [0, 1) draw i of stream s for event (h0, h1) under key (k0, k1): words 0 and 1. */
export function uniform(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, i: u32): f64 {
  philox(h0, h1, s, i, k0, k1);
  return u53(px0, px1);
}

/**
 * Standard normal draw i (Box-Muller on one philox block: u1 from words 0-1 in (0, 1], u2 from words
 * 2-3; the cosine branch only, so every draw index is one normal and independent of the others).
 */
export function normal(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, i: u32): f64 {
  philox(h0, h1, s, i, k0, k1);
  const u1 = 1.0 - u53(px0, px1);              // (0, 1]: log finite
  const u2 = u53(px2, px3);
  return Math.sqrt(-2.0 * log_f64(u1)) * cos_f64(6.283185307179586 * u2);
}

/** Most Marsaglia-Tsang rounds per gamma draw (acceptance >= 0.95 per round for shape >= 1). */
export const GAMMA_ROUNDS: u32 = 64;

/**
 * Gamma(shape, 1) draw j (Marsaglia & Tsang 2000): round r uses draw indices j·2·GAMMA_ROUNDS + 2r (the
 * normal) and + 2r + 1 (the uniform) of stream s. Shape < 1 boosts: Ga(a) = Ga(a + 1)·U^(1/a), U from
 * index j·2·GAMMA_ROUNDS + 2·GAMMA_ROUNDS − 1. After GAMMA_ROUNDS rejections (probability < 1e-80) it
 * returns the mode d. Shape must be > 0 and finite (callers check); NaN otherwise.
 */
export function gamma(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, j: u32, shape: f64): f64 {
  if (!(shape > 0.0) || !(shape < Infinity)) return NaN;
  const base = j * 2 * GAMMA_ROUNDS;
  const a = shape < 1.0 ? shape + 1.0 : shape;
  const d = a - 1.0 / 3.0, c = 1.0 / Math.sqrt(9.0 * d);
  let g = d;
  for (let r: u32 = 0; r < GAMMA_ROUNDS - 1; r++) {
    const x = normal(k0, k1, h0, h1, s, base + 2 * r);
    const t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const v = t * t * t;
    const u = 1.0 - uniform(k0, k1, h0, h1, s, base + 2 * r + 1);   // (0, 1]
    // Marsaglia & Tsang's squeeze, which skips both logarithms for most draws: u < 1 − 0.0331·x⁴ implies
    // the exact test below (ln(1 − 0.0331x⁴) ≤ x²/2 + d − dv + d·ln v for every d ≥ 2/3, i.e. shape ≥ 1,
    // and |x| < 2.34: scripts/gamma_squeeze_check.py in 40-digit arithmetic: least gap 2.0e-3 away from x = 0, ≈ 0.019·x⁴
    // near it), and the margin 2^-40·(4 + 20d) exceeds the rounding of the test's f64 evaluation (< 2^-49·(3 + 19d))
    // plus log_f64's: so the squeeze only accepts what the test below accepts, and every draw keeps its bits.
    const x2 = x * x;
    if (u < 1.0 - 0.0331 * (x2 * x2) - 9.094947017729282e-13 * (4.0 + 20.0 * d)) { g = d * v; break; }
    if (log_f64(u) < 0.5 * x * x + d - d * v + d * log_f64(v)) { g = d * v; break; }
  }
  if (shape < 1.0) {
    const u = 1.0 - uniform(k0, k1, h0, h1, s, base + 2 * GAMMA_ROUNDS - 1);
    g = g * exp_f64(log_f64(u) / shape);
  }
  return g;
}

/** Beta(a, b) draw j: X/(X + Y) with X ~ Ga(a) from stream s and Y ~ Ga(b) from stream s ^ 0x80000000. */
export function beta(k0: u32, k1: u32, h0: u32, h1: u32, s: u32, j: u32, a: f64, b: f64): f64 {
  const x = gamma(k0, k1, h0, h1, s, j, a);
  const y = gamma(k0, k1, h0, h1, s ^ 0x80000000, j, b);
  const z = x + y;
  return z > 0.0 ? x / z : (a >= b ? 1.0 : 0.0);
}

// ---- kernels over [start, end): out[i] = draw i (for the simulator's environments and for tests) ----

export function rng_uniform_f64(start: i32, end: i32, out: usize, k0: u32, k1: u32, h0: u32, h1: u32, s: u32): void {
  for (let i = start; i < end; i++) store<f64>(out + (<usize>i << 3), uniform(k0, k1, h0, h1, s, <u32>i));
}
export function rng_normal_f64(start: i32, end: i32, out: usize, k0: u32, k1: u32, h0: u32, h1: u32, s: u32): void {
  for (let i = start; i < end; i++) store<f64>(out + (<usize>i << 3), normal(k0, k1, h0, h1, s, <u32>i));
}
export function rng_gamma_f64(start: i32, end: i32, out: usize, k0: u32, k1: u32, h0: u32, h1: u32, s: u32, shape: f64): void {
  for (let i = start; i < end; i++) store<f64>(out + (<usize>i << 3), gamma(k0, k1, h0, h1, s, <u32>i, shape));
}
export function rng_beta_f64(start: i32, end: i32, out: usize, k0: u32, k1: u32, h0: u32, h1: u32, s: u32, a: f64, b: f64): void {
  for (let i = start; i < end; i++) store<f64>(out + (<usize>i << 3), beta(k0, k1, h0, h1, s, <u32>i, a, b));
}

// ---- event-id hashing: FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3) ----

/** FNV-1a 64 of `len` bytes at `p`. */
export function fnv1a64(p: usize, len: i32): u64 {
  let h: u64 = 0xcbf29ce484222325;
  for (let i = 0; i < len; i++) { h ^= <u64>load<u8>(p + <usize>i); h *= 0x100000001b3; }
  return h;
}

/**
 * Hash strings [start, end) of a batch: string i is bytes [off[i], off[i + 1]) of `bytes` (u32
 * offsets); out[2i] = low word, out[2i + 1] = high word of its FNV-1a 64.
 */
export function rng_hash_batch(start: i32, end: i32, bytes: usize, off: usize, out: usize): void {
  for (let i = start; i < end; i++) {
    const a = load<u32>(off + (<usize>i << 2)), b = load<u32>(off + (<usize>i << 2) + 4);
    const h = fnv1a64(bytes + <usize>a, <i32>(b - a));
    store<u32>(out + (<usize>i << 3), <u32>h);
    store<u32>(out + (<usize>i << 3) + 4, <u32>(h >>> 32));
  }
}
