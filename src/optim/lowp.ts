// 16-bit floating point conversions: f32 → bfloat16 / IEEE binary16 (f16) by round-to-nearest-even or
// by seeded stochastic rounding, and back (the kernels of assembly/optim/lowp.ts). The stochastic
// rounding is counter based: element j of a call keyed (seed, step) draws its 16 random bits from
// philox4x32-10(key = seed, counter = (j >> 3, step, 0, 0)), so a given (seed, step, offset) gives the
// same bits in every runtime, build and thread count.
import { requireEngine, type Engine } from '../engine/engine.js';
import { InvalidArgumentError, describe, requireArrayLike, requireObject } from '../errors.js';
import { suggest } from '../options.js';
import { OPTIM } from './wasm.js';

/** A 16-bit floating point format: bfloat16 (8 exponent bits, 7 mantissa bits) or IEEE 754 binary16 (5, 10). */
export type Float16Format = 'bf16' | 'f16';
/** Kernel codes (assembly/optim/lowp.ts). */
export const LP_CODE = { f32: 0, bf16: 1, f16: 2 } as const;

/** Options of `toBfloat16` / `toFloat16`. */
export interface RoundingOptions {
  /**
   * Stochastic rounding: round |x| to the 16-bit neighbour above with probability equal to x's distance
   * from the one below over their spacing (so the rounded value is x in expectation), from 16 random bits
   * per element. Default false: round to nearest, ties to even (IEEE 754, what torch's `.to()` does).
   */
  stochastic?: boolean;
  /** Key of the stochastic rounding: an integer in [0, 2^53). Default 0. */
  seed?: number;
  /** Counter word of the stochastic rounding (e.g. a step number): an integer in [0, 2^32). Default 0. */
  step?: number;
  /** Element index of x[0] in the counter (to round one long array in pieces with the same bits): an integer ≥ 0, offset + x.length ≤ 2^32. Default 0. */
  offset?: number;
}

/** [lo, hi] words of a seed in [0, 2^53) (the same split as the bandit policies' seeds). */
export function seedWords(what: string, seed: unknown): [number, number] {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError(`${what} must be an integer in [0, 2^53), got ${describe(seed)}`);
  return [seed % 4294967296, Math.floor(seed / 4294967296)];
}

function roundingOf(what: string, n: number, options: RoundingOptions | undefined): { sr: number; k0: number; k1: number; step: number; offset: number } {
  if (options === undefined) options = {};
  requireObject(`${what} options`, options);
  const known = ['offset', 'seed', 'step', 'stochastic'];
  const odd = Object.keys(options).find((k) => !known.includes(k));
  if (odd !== undefined) throw new InvalidArgumentError(`unknown ${what} option ${JSON.stringify(odd)}${suggest(odd, known)}`);
  const { stochastic = false, seed = 0, step = 0, offset = 0 } = options;
  if (typeof stochastic !== 'boolean') throw new InvalidArgumentError(`stochastic must be a boolean, got ${describe(stochastic)}`);
  const [k0, k1] = seedWords('seed', seed);
  if (!Number.isInteger(step) || step < 0 || step >= 2 ** 32) throw new InvalidArgumentError(`step must be an integer in [0, 2^32), got ${describe(step)}`);
  if (!Number.isInteger(offset) || offset < 0 || offset + n > 2 ** 32) throw new InvalidArgumentError(`offset must be an integer ≥ 0 with offset + length ≤ 2^32, got ${describe(offset)} (length ${n})`);
  return { sr: stochastic ? 1 : 0, k0, k1, step, offset };
}

function encode(engine: Engine, what: string, fmt: Float16Format, x: ArrayLike<number>, options: RoundingOptions | undefined): Uint16Array {
  requireEngine(engine);
  engine.requireGroup(OPTIM);
  requireArrayLike('x', x);
  const n = x.length, r = roundingOf(what, n, options);
  const bx = engine.alloc(Math.max(n, 1)), bh = engine.alloc(Math.max(n, 1), 'u16');
  try {
    if (x instanceof Float32Array) bx.array.set(x);
    else {
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (typeof v !== 'number') throw new InvalidArgumentError(`x[${i}] is ${describe(v)}: ${what} takes numbers`);
        bx.array[i] = v;
      }
    }
    if (n > 0) engine.run('lp_encode', n, [bx.ptr, bh.ptr, LP_CODE[fmt], r.sr, r.k0, r.k1, r.step, r.offset]);
    return bh.array.slice(0, n);
  } finally { bx.free(); bh.free(); }
}

function decode(engine: Engine, what: string, fmt: Float16Format, h: ArrayLike<number>): Float32Array {
  requireEngine(engine);
  engine.requireGroup(OPTIM);
  requireArrayLike(what, h);
  const n = h.length;
  if (!(h instanceof Uint16Array)) {
    for (let i = 0; i < n; i++) {
      const v = h[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xFFFF) throw new InvalidArgumentError(`${what}[${i}] is ${describe(v)}: 16-bit patterns are integers in [0, 65535] (or pass a Uint16Array)`);
    }
  }
  const bh = engine.alloc(Math.max(n, 1), 'u16'), bx = engine.alloc(Math.max(n, 1));
  try {
    bh.array.set(h as ArrayLike<number>);
    if (n > 0) engine.run('lp_decode', n, [bh.ptr, bx.ptr, LP_CODE[fmt]]);
    return bx.array.slice(0, n);
  } finally { bx.free(); bh.free(); }
}

/**
 * The bfloat16 bit patterns of x (each value first taken to f32): round to nearest even as torch's
 * `tensor.to(torch.bfloat16)` (NaN → 0x7FC0), or with `{ stochastic: true }` seeded stochastic rounding
 * (the bits of `(f32 bits + r) >> 16`, r uniform in [0, 2^16): rounded up with probability exactly the
 * dropped fraction). Overflow goes to ±Inf as the bit arithmetic gives.
 */
export function toBfloat16(engine: Engine, x: ArrayLike<number>, options?: RoundingOptions): Uint16Array {
  return encode(engine, 'toBfloat16', 'bf16', x, options);
}

/** The f32 values of bfloat16 bit patterns (exact: the bits shifted left by 16). */
export function fromBfloat16(engine: Engine, h: ArrayLike<number>): Float32Array { return decode(engine, 'bits', 'bf16', h); }

/**
 * The IEEE 754 binary16 bit patterns of x (each value first taken to f32): round to nearest even with
 * subnormals and overflow to ±Inf as IEEE 754 says (torch's `tensor.to(torch.float16)`; NaN → 0x7E00
 * with its sign), or with `{ stochastic: true }` seeded stochastic rounding: the neighbour above with
 * probability the fractional distance (exactly, for normal f16 results; within 2^-16 for subnormal
 * ones), ±Inf above 65504 with the probability of rounding up to 65536.
 */
export function toFloat16(engine: Engine, x: ArrayLike<number>, options?: RoundingOptions): Uint16Array {
  return encode(engine, 'toFloat16', 'f16', x, options);
}

/** The f32 values of binary16 bit patterns (exact; NaN keeps its payload bits). */
export function fromFloat16(engine: Engine, h: ArrayLike<number>): Float32Array { return decode(engine, 'bits', 'f16', h); }
