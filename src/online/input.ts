// Input checks shared by the online family: vectors of numbers of the right length, staged into engine
// memory with one typed-array copy and checked for NaN/±Infinity there (by the kernel), before any state
// changes, so a refused call leaves the learner exactly as it was.
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { describe, HyperparameterError, InvalidArgumentError, LengthMismatchError, NonFiniteError } from '../errors.js';
import { requireEngine } from '../engine/engine.js';
import { ONLINE } from './wasm.js';

/** The engine, checked live and with the online kernels loaded. */
export function onlineEngine(e: unknown, what: string): Engine {
  const engine = requireEngine(e, `${what}: engine`);
  engine.requireGroup(ONLINE);
  return engine;
}

/** Throws InvalidArgumentError unless v is an array of numbers or a numeric typed array (not BigInt). */
export function requireVector(name: string, v: unknown): asserts v is ArrayLike<number> {
  const typed = ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
  if (!typed && !Array.isArray(v)) throw new InvalidArgumentError(`${name} must be an array or a typed array of numbers, got ${describe(v)}`);
  if (Array.isArray(v)) {
    const bad = v.findIndex((x) => typeof x !== 'number');
    if (bad >= 0) throw new InvalidArgumentError(`${name}[${bad}] must be a number, got ${describe(v[bad])}`);
  }
}

/**
 * Largest magnitude of a gradient, loss, advice or feature value (and of an outcome): 1e100, so that
 * squares and their sums over any number of rounds stay finite in f64.
 */
export const MAX_INPUT = 1e100;

/**
 * Stage v (checked: a vector of `len` finite numbers of magnitude ≤ MAX_INPUT) into buf[at..at + len)
 * (at default 0); returns the pointer of buf[at].
 */
export function stage(engine: Engine, name: string, v: unknown, len: number, buf: EngineBuffer<'f64'>, at = 0): number {
  requireVector(name, v);
  if (v.length !== len) throw new LengthMismatchError(`${name} has length ${v.length}, expected ${len}`);
  buf.array.set(v as ArrayLike<number>, at);
  const ptr = buf.ptr + 8 * at;
  const chk = engine.kernel('on_check_input')(len, ptr, MAX_INPUT);
  if (chk >= 0 && chk < len) {
    const bad = engine.kernel('on_count_nonfinite')(len, ptr);
    throw new NonFiniteError(`${name} holds ${bad} non-finite value${bad > 1 ? 's' : ''} (first at index ${chk}: ${buf.array[at + chk]})`, name, bad);
  }
  if (chk >= len) throw new InvalidArgumentError(`${name}[${chk - len}] = ${buf.array[at + chk - len]} exceeds the largest accepted magnitude ${MAX_INPUT}`);
  return ptr;
}

/** A finite number (InvalidArgumentError for another type, NonFiniteError for NaN/±Infinity). */
export function finiteNumber(name: string, v: unknown): number {
  if (typeof v !== 'number') throw new InvalidArgumentError(`${name} must be a number, got ${describe(v)}`);
  if (!Number.isFinite(v)) throw new NonFiniteError(`${name} must be finite, got ${v}`, name, 1);
  if (Math.abs(v) > MAX_INPUT) throw new InvalidArgumentError(`${name} = ${v} exceeds the largest accepted magnitude ${MAX_INPUT}`);
  return v;
}

/** Option checks: a finite number in a range, with `(`/`[` ends. */
export function optNumber(what: string, name: string, v: unknown, dflt: number, lo: number, hi: number, openLo: boolean, openHi = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (openLo && v === lo) || (openHi && v === hi)) {
    throw new HyperparameterError(`${what} option ${name} must be a finite number in ${openLo ? '(' : '['}${lo}, ${hi === Number.MAX_VALUE ? '∞' : hi}${openHi ? ')' : ']'}, got ${describe(v)}`);
  }
  return v;
}

/** Option check: one of the listed strings. */
export function optChoice<T extends string>(what: string, name: string, v: unknown, dflt: T, accepted: readonly T[]): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !accepted.includes(v as T)) {
    throw new HyperparameterError(`${what} option ${name} must be one of ${accepted.map((a) => `'${a}'`).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

/** Option check: a boolean. */
export function optBool(what: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new HyperparameterError(`${what} option ${name} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Option check: an integer in [lo, hi]. */
export function optInt(what: string, name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new HyperparameterError(`${what} option ${name} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
  }
  return v;
}
