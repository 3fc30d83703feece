// bitsandbytes' dynamic quantization maps and its blockwise 8-bit quantization of optimizer states
// (block size 256, absmax per block in f32): the map construction, the block tables the kernels of
// assembly/optim/quant8.ts walk, and the standalone quantizeBlockwise / dequantizeBlockwise.
import { requireEngine, type Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { InvalidArgumentError, describe, requireArrayLike } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { OPTIM } from './wasm.js';

/** bitsandbytes' block size for optimizer states (bitsandbytes/optim/optimizer.py, since PR #1365). */
export const QUANT_BLOCK = 256;
/** Kernel flag (assembly/optim/quant8.ts). */
export const Q8_SIGNED = 4;

const f = Math.fround;
/**
 * f32 fused multiply-add a·b + c of f32 a, b, c, correctly rounded: a·b is exact in f64, TwoSum gives the
 * f64 sum and its error, and a sum that f64 rounded onto an f32 midpoint is resolved by that error.
 */
function fma(a: number, b: number, c: number): number {
  const p = a * b, s = p + c, bb = s - p, e = (p - (s - bb)) + (c - bb);
  const r = f(s);
  if (e !== 0 && r !== s) {
    const d = s - r, other = f(r + 2 * d);
    if (Math.abs(other - s) === Math.abs(d) && Math.sign(e) === Math.sign(d)) return other;
  }
  return r;
}

/**
 * torch.linspace(0.1, 1, k, dtype=float32) with the bits torch 1.13's CPU kernel gives on an AVX2
 * machine (the one scripts/bnb_dynamic_map.py runs on): step = (1 − 0.1)/(k − 1) in f32; each element
 * or vector base is start + step·idx (end − step·(k − 1 − idx) past the half) fused into one FMA; the
 * vectorised part (two 8-lane vectors per iteration) adds l·step (rounded, then added) per lane l.
 */
function linspace(k: number): number[] {
  const st = f(0.1), en = 1, step = f(f(en - st) / (k - 1)), half = Math.floor(k / 2);
  const scalar = (idx: number): number => (idx < half ? fma(step, idx, st) : fma(-step, k - idx - 1, en));
  const out: number[] = [];
  let idx = 0;
  for (; idx + 16 <= k;) {
    for (let v = 0; v < 2; v++, idx += 8) {
      const base = scalar(idx);
      for (let l = 0; l < 8; l++) out.push(f(base + f(l * step)));
    }
  }
  for (; idx < k; idx++) out.push(scalar(idx));
  return out;
}

const MAPS: Partial<Record<'signed' | 'unsigned', Float32Array>> = {};

/**
 * bitsandbytes' dynamic quantization map, `create_dynamic_map(signed, max_exponent_bits=7, total_bits=8)`
 * (Dettmers 2015): for i = 0..6, the midpoints (a + b)/2 of the k = 2^i (signed) or 2^(i+1) (unsigned)
 * intervals of linspace(0.1, 1, k + 1), times 10^(i−6) (in f32); signed adds their negatives; then 0 and
 * 1; sorted. 256 f32 values: signed from −0.99296875 (no −1) through 0 (index 127) to 1; unsigned from
 * 0 through 3.25e-7 to 1. The first moment uses the signed map, the second the unsigned one. A copy.
 */
export function dynamicMap(signed = true): Float32Array {
  if (typeof signed !== 'boolean') throw new InvalidArgumentError(`dynamicMap(signed) takes a boolean, got ${describe(signed)}`);
  const key = signed ? 'signed' : 'unsigned';
  let m = MAPS[key];
  if (!m) {
    const data: number[] = [];
    for (let i = 0; i < 7; i++) {
      const b = linspace((signed ? 2 ** i : 2 ** (i + 1)) + 1), scale = f(10 ** (i - 6));
      for (let j = 0; j + 1 < b.length; j++) {
        const mid = f(f(b[j]! + b[j + 1]!) / 2);
        data.push(f(scale * mid));
        if (signed) data.push(f(-scale * mid));
      }
    }
    data.push(0, 1);
    m = MAPS[key] = Float32Array.from(data.sort((a, b) => a - b));
  }
  return m.slice();
}

/** The i32 [elementOffset, count] table of the 256-blocks of tensors given as [offset, size] pairs. */
export function blockTable(tensors: readonly (readonly [number, number])[]): Int32Array {
  const rows: number[] = [];
  for (const [off, n] of tensors) for (let s = 0; s < n; s += QUANT_BLOCK) rows.push(off + s, Math.min(QUANT_BLOCK, n - s));
  return Int32Array.from(rows);
}

type MapOptions = { signed?: boolean; map?: ArrayLike<number> };
/** The map of `options` ({ signed = true, map = dynamicMap(signed) }), checked. */
function mapOf(what: string, options: MapOptions): { signed: boolean; map: Float32Array } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidArgumentError(`${what} options must be an object, got ${describe(options)}`);
  checkKnownKeys(`${what} option`, options, ['signed', 'map']);
  const signed = options.signed ?? true;
  if (typeof signed !== 'boolean') throw new InvalidArgumentError(`signed must be a boolean, got ${describe(signed)}`);
  return { signed, map: options.map === undefined ? dynamicMap(signed) : checkMap(options.map) };
}

function checkMap(map: ArrayLike<number>): Float32Array {
  requireArrayLike('map', map);
  if (map.length !== 256) throw new InvalidArgumentError(`a quantization map has 256 entries, got ${map.length}`);
  const m = Float32Array.from(map);
  for (let i = 0; i < 256; i++) {
    if (!Number.isFinite(m[i]!) || (i > 0 && !(m[i]! >= m[i - 1]!))) throw new InvalidArgumentError(`a quantization map is 256 finite values in ascending order; entry ${i} is ${describe(map[i])}`);
  }
  return m;
}

/** Engine buffers of one standalone call, freed afterwards. */
function withBuffers<T>(engine: Engine, make: (alloc: <B extends EngineBuffer<any>>(b: B) => B) => T): T {
  const bufs: EngineBuffer<any>[] = [];
  try { return make((b) => { bufs.push(b); return b; }); } finally { for (const b of bufs) b.free(); }
}

/** A blockwise 8-bit quantized array (quantizeBlockwise's result, dequantizeBlockwise's input): x ≈ map[code]·absmax of its block of 256. */
export interface QuantizedBlocks {
  /** One code (map index) per element. */
  codes: Uint8Array;
  /** max |x| per block of 256 elements (f32). */
  absmax: Float32Array;
}

/**
 * Blockwise 8-bit quantization as bitsandbytes' optimizer kernels requantize a state: per block of 256,
 * absmax = max |x|; each x/absmax (IEEE f32 division) goes to the map entry quantize_2D's binary search
 * picks (nearest, ties by a strict midpoint test); with the signed map, a code whose sign differs from
 * x's moves one index toward x's sign. Default map: dynamicMap(signed). An all-zero block has absmax 0
 * (its codes decode to 0 whatever they are). x must be finite.
 */
export function quantizeBlockwise(engine: Engine, x: ArrayLike<number>, options: MapOptions = {}): QuantizedBlocks {
  requireEngine(engine);
  engine.requireGroup(OPTIM);
  requireArrayLike('x', x);
  const { signed, map } = mapOf('quantizeBlockwise', options);
  // A plain array's non-numbers ('1', true, {}) would be converted (or throw a TypeError) by Float32Array.from.
  const nan = Array.isArray(x) ? x.findIndex((v) => typeof v !== 'number') : -1;
  if (nan >= 0) throw new InvalidArgumentError(`x[${nan}] is ${describe(x[nan])}: quantizeBlockwise takes numbers`);
  const xs = Float32Array.from(x);
  const bad = xs.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InvalidArgumentError(`x[${bad}] is ${describe(x[bad])}: quantizeBlockwise takes finite values`);
  const n = xs.length, tbl = blockTable([[0, n]]), nb = tbl.length / 2;
  return withBuffers(engine, (mk) => {
    const bx = mk(engine.alloc(Math.max(n, 1))), bq = mk(engine.alloc(Math.max(n, 1), 'u8')), ba = mk(engine.alloc(Math.max(nb, 1)));
    const bt = mk(engine.alloc(Math.max(tbl.length, 2), 'i32')), bm = mk(engine.alloc(256));
    bx.array.set(xs); bt.array.set(tbl); bm.array.set(map);
    if (nb > 0) engine.run('quantize8_f32', nb, [bt.ptr, bx.ptr, bq.ptr, ba.ptr, bm.ptr, signed ? Q8_SIGNED : 0], 1, QUANT_BLOCK);
    return { codes: bq.array.slice(0, n), absmax: ba.array.slice(0, nb) };
  });
}

/** x = map[code] · absmax[block] (bitsandbytes' dequantize_blockwise with block size 256). Default map: dynamicMap(signed). */
export function dequantizeBlockwise(engine: Engine, q: QuantizedBlocks, options: MapOptions = {}): Float32Array {
  requireEngine(engine);
  engine.requireGroup(OPTIM);
  if (!q || typeof q !== 'object' || !(q.codes instanceof Uint8Array) || !(q.absmax instanceof Float32Array)) {
    throw new InvalidArgumentError(`dequantizeBlockwise takes { codes: Uint8Array, absmax: Float32Array }, got ${describe(q)}`);
  }
  const { map } = mapOf('dequantizeBlockwise', options);
  const n = q.codes.length, tbl = blockTable([[0, n]]), nb = tbl.length / 2;
  if (q.absmax.length !== nb) throw new InvalidArgumentError(`${n} codes take ${nb} absmax values (blocks of ${QUANT_BLOCK}), got ${q.absmax.length}`);
  return withBuffers(engine, (mk) => {
    const bx = mk(engine.alloc(Math.max(n, 1))), bq = mk(engine.alloc(Math.max(n, 1), 'u8')), ba = mk(engine.alloc(Math.max(nb, 1)));
    const bt = mk(engine.alloc(Math.max(tbl.length, 2), 'i32')), bm = mk(engine.alloc(256));
    bq.array.set(q.codes); ba.array.set(q.absmax); bt.array.set(tbl); bm.array.set(map);
    if (nb > 0) engine.run('dequantize8_f32', nb, [bt.ptr, bq.ptr, ba.ptr, bx.ptr, bm.ptr], 1, QUANT_BLOCK);
    return bx.array.slice(0, n);
  });
}
