// Copying user values into engine buffers without silently changing any of them (issue 15 §1):
// every value is stored exactly, or rounded to nearest where the target is f32 (as Float32Array
// does), or the copy is refused with a typed error naming the value, its index, what was given and
// what is accepted. Nothing is written before every value was checked.
import { describe, LengthMismatchError, UnsupportedError } from '../errors.js';
import type { DType } from './memory.js';

const F32_MAX = 3.4028234663852886e38;
const INT_RANGE: Partial<Record<DType, [number, number]>> = { u8: [0, 255], u16: [0, 65535], i32: [-(2 ** 31), 2 ** 31 - 1] };
const DTYPES: readonly DType[] = ['f32', 'f64', 'u8', 'u16', 'i32'];
export const ACCEPTED_SOURCES = 'an array of numbers, Float32Array, Float64Array, Int32Array, Int16Array, Int8Array, Uint16Array, Uint8Array or Uint8ClampedArray';

const ctorName = (v: unknown): string => (v as { constructor?: { name?: string } })?.constructor?.name ?? typeof v;
/** A value for messages: numbers as they are (-0 kept), strings quoted, bigints with n, anything else described (never throws). */
const show = (v: unknown): string => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : typeof v === 'bigint' ? `${v}n`
  : typeof v === 'string' ? JSON.stringify(v) : describe(v));

/** The dtype a source is stored in when no dtype is asked for: its own, an exact widening, or f32 for plain arrays. */
export function naturalDtype(src: unknown): DType {
  if (Array.isArray(src)) return 'f32';
  if (src instanceof Float32Array) return 'f32';
  if (src instanceof Float64Array) return 'f64';
  if (src instanceof Int32Array || src instanceof Int16Array || src instanceof Int8Array) return 'i32';
  if (src instanceof Uint16Array) return 'u16';
  if (src instanceof Uint8Array || src instanceof Uint8ClampedArray) return 'u8';
  if (ArrayBuffer.isView(src) && !(src instanceof DataView)) {
    throw new UnsupportedError(`cannot store a ${ctorName(src)} without losing values: pass { dtype } ('f64' holds every Uint32 value) or ${ACCEPTED_SOURCES}`);
  }
  throw new UnsupportedError(`expected ${ACCEPTED_SOURCES}, got ${src === null ? 'null' : ctorName(src)}`);
}

/** Throws UnsupportedError unless `d` is one of the engine's dtypes. */
export function checkDtype(d: unknown): DType {
  if (!DTYPES.includes(d as DType)) throw new UnsupportedError(`unknown dtype ${show(d)}; accepted: ${DTYPES.join(', ')}`);
  return d as DType;
}

/**
 * Checks that every element of `src` can be stored in `dtype` (exactly; f32 rounds to nearest but
 * never overflows a finite value to ±Infinity) and returns a source ready for TypedArray.set.
 */
export function checkedSource(src: unknown, dtype: DType, what: string): ArrayLike<number> {
  const isView = ArrayBuffer.isView(src) && !(src instanceof DataView);
  if (!Array.isArray(src) && !isView) throw new UnsupportedError(`${what}: expected ${ACCEPTED_SOURCES}, got ${src === null ? 'null' : ctorName(src)}`);
  const a = src as ArrayLike<unknown>;
  // Sources every value of which the target holds exactly: no per-element check needed.
  if (dtype === 'f64' && !(src instanceof BigInt64Array || src instanceof BigUint64Array) && isView) return a as ArrayLike<number>;
  if (dtype === 'f32' && (src instanceof Float32Array || src instanceof Int8Array || src instanceof Int16Array || src instanceof Uint8Array
    || src instanceof Uint8ClampedArray || src instanceof Uint16Array)) return a as ArrayLike<number>;
  if (dtype === 'i32' && (src instanceof Int32Array || src instanceof Int16Array || src instanceof Int8Array || src instanceof Uint16Array
    || src instanceof Uint8Array || src instanceof Uint8ClampedArray)) return a as ArrayLike<number>;
  if (dtype === 'u16' && (src instanceof Uint16Array || src instanceof Uint8Array || src instanceof Uint8ClampedArray)) return a as ArrayLike<number>;
  if (dtype === 'u8' && (src instanceof Uint8Array || src instanceof Uint8ClampedArray)) return a as ArrayLike<number>;
  // BigInt sources (typed, or bigints in a plain array) are converted into a copy.
  const big = src instanceof BigInt64Array || src instanceof BigUint64Array || (Array.isArray(src) && src.some((x) => typeof x === 'bigint'));
  const out = big ? new Float64Array(a.length) : null;
  const range = INT_RANGE[dtype];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    let v: number;
    if (typeof x === 'number') v = x;
    else if (typeof x === 'bigint' && BigInt(Number(x)) === x) v = Number(x);
    else {
      const why = typeof x === 'bigint' ? 'is not exactly representable as a number' : `is a ${x === null ? 'null' : typeof x}, not a number`;
      throw new UnsupportedError(`${what}: element ${i} (${show(x)}) ${why}`);
    }
    if (range) {
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
        throw new UnsupportedError(`${what}: element ${i} (${show(v)}) cannot be stored exactly as ${dtype} (integers ${range[0]}..${range[1]}); use { dtype: 'f32' } or 'f64'`);
      }
    } else if (dtype === 'f32' && Number.isFinite(v) && Math.abs(v) > F32_MAX && !Number.isFinite(Math.fround(v))) {
      throw new UnsupportedError(`${what}: element ${i} (${show(v)}) is beyond the f32 range (it would become ±Infinity); use { dtype: 'f64' }`);
    }
    if (out) out[i] = v;
  }
  return (out ?? a) as ArrayLike<number>;
}

/** Throws LengthMismatchError unless `got === want`. */
export function checkLength(what: string, want: number, got: number): void {
  if (got !== want) throw new LengthMismatchError(`${what} has ${want} elements, the source has ${got}: lengths must match exactly`);
}
