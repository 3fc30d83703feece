// A ParamSet is the flat arena the design card asks for: every named tensor lives in one contiguous
// f32 buffer (each tensor starting on a 16-byte boundary, padding kept at zero), with a gradient
// buffer of the same layout. One fused kernel call then covers all tensors, however many there are.
import { requireEngine, type Engine } from './engine/engine.js';
import type { EngineBuffer } from './engine/memory.js';
import { describe, DisposedError, HyperparameterError, InvalidArgumentError, LengthMismatchError, requireObject, SimdoptError, suggest } from './errors.js';
import { checkedSource } from './engine/convert.js';

/** A tensor shape: a length, or the list of dimensions. */
export type Shape = number | readonly number[];

/** One tensor of a ParamSet: its name, shape, element count and offset in the arena. */
export interface TensorInfo { name: string; shape: number[]; size: number; offset: number }

/**
 * Named f32 tensors in one arena. After `free()`, or once the engine was disposed, every method
 * throws DisposedError (`tensors`, `size` and `freed` still answer).
 */
export class ParamSet {
  readonly engine: Engine;
  readonly tensors: readonly TensorInfo[];
  /** Total elements including alignment padding (the length of `data` and `grad`). */
  readonly size: number;
  readonly data: EngineBuffer;
  readonly grad: EngineBuffer;
  private readonly byName: Map<string, TensorInfo>;

  constructor(engine: Engine, spec: Record<string, Shape>) {
    requireEngine(engine);
    requireObject('ParamSet spec', spec, 'an object of tensor name -> shape (e.g. { w: [3, 4], b: 4 })');
    const tensors: TensorInfo[] = [];
    let offset = 0;
    for (const [name, shape] of Object.entries(spec)) {
      if (typeof shape !== 'number' && !Array.isArray(shape)) {
        throw new InvalidArgumentError(`shape of ${name} must be a number or an array of numbers, got ${describe(shape)}`);
      }
      const dims: unknown[] = typeof shape === 'number' ? [shape] : [...shape];
      if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || (d as number) < 1)) {
        throw new HyperparameterError(`shape of ${name} must be positive integers, got [${dims.map((d) => typeof d === 'number' ? String(d) : describe(d)).join(', ')}]`);
      }
      const size = (dims as number[]).reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(size) || size > 2 ** 30) throw new HyperparameterError(`tensor ${name} has ${size} elements, more than an engine can hold`);
      tensors.push({ name, shape: dims as number[], size, offset });
      offset += Math.ceil(size / 4) * 4;
    }
    if (tensors.length === 0) throw new HyperparameterError('a ParamSet needs at least one tensor');
    this.engine = engine;
    this.tensors = tensors;
    this.size = offset;
    this.byName = new Map(tensors.map((t) => [t.name, t]));
    this.data = engine.alloc(offset);
    try { this.grad = engine.alloc(offset); } catch (e) { this.data.free(); throw e; }
  }

  /** Whether free() was called. */
  get freed(): boolean { return this.data.freed; }
  /** Throws DisposedError after free() or the engine's dispose(). */
  checkLive(): void {
    if (this.data.freed) throw new DisposedError('ParamSet was freed (free() released its memory): create a new one with new ParamSet(engine, spec)');
    this.engine.checkLive();
  }

  /** Name, shape, size and arena offset of the tensor `name` (an INVALID_STATE error naming the nearest name if there is none). */
  info(name: string): TensorInfo {
    this.checkLive();
    const t = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (!t) {
      if (typeof name !== 'string') throw new InvalidArgumentError(`tensor name must be a string, got ${describe(name)}`);
      throw new SimdoptError('INVALID_STATE', `no tensor named ${JSON.stringify(name)}${suggest(name, this.tensors.map((x) => x.name))}`);
    }
    return t;
  }
  /** Whether a tensor of this name exists. */
  has(name: string): boolean { this.checkLive(); return typeof name === 'string' && this.byName.has(name); }

  /** Live view of tensor `name`'s values (re-fetch after allocations: memory may grow). */
  param(name: string): Float32Array {
    const t = this.info(name);
    return this.data.array.subarray(t.offset, t.offset + t.size);
  }
  /** Live view of tensor `name`'s gradient. */
  gradOf(name: string): Float32Array {
    const t = this.info(name);
    return this.grad.array.subarray(t.offset, t.offset + t.size);
  }
  /** Copy `values` into tensor `name`'s parameters (exactly its size; LengthMismatchError otherwise). */
  setParam(name: string, values: ArrayLike<number>): void { this.copyIn(name, values, this.data); }
  /** Copy `values` into tensor `name`'s gradient (exactly its size; LengthMismatchError otherwise). */
  setGrad(name: string, values: ArrayLike<number>): void { this.copyIn(name, values, this.grad); }
  /** Set every gradient to 0. */
  zeroGrad(): void { this.checkLive(); this.grad.array.fill(0); }
  /** Zero the alignment padding between tensors in `data` and `grad` (it is never a value; kernels run over it). */
  clearPadding(): void {
    this.checkLive();
    const d = this.data.array, g = this.grad.array, ts = this.tensors;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!, end = i + 1 < ts.length ? ts[i + 1]!.offset : this.size;
      for (let k = t.offset + t.size; k < end; k++) { d[k] = 0; g[k] = 0; }
    }
  }

  private copyIn(name: string, values: ArrayLike<number>, into: EngineBuffer): void {
    const t = this.info(name);
    const v = checkedSource(values, 'f32', `${name}`);
    if (v.length !== t.size) throw new LengthMismatchError(`${name} has ${t.size} elements, got ${v.length}`);
    into.array.set(v, t.offset);
  }

  /** Release the parameters and gradients; any later use raises DisposedError. */
  free(): void { this.checkLive(); this.data.free(); this.grad.free(); }
}

/** Throws InvalidArgumentError unless `p` is a ParamSet, DisposedError when it was freed. */
export function requireParamSet(p: unknown, what = 'params'): ParamSet {
  if (!(p instanceof ParamSet)) throw new InvalidArgumentError(`${what} must be a ParamSet, got ${describe(p)}`);
  p.checkLive();
  return p;
}
