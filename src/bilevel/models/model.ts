// Base of the built-in models: the data in f64 engine buffers, the oracles as wasm kernels with analytic
// gradients and Hessian-vector products (tier 'built-in'). A model is passed to bilevel.solve as
// `model` instead of upper/lower callbacks, and freed with free().
import type { Engine } from '../../engine/engine.js';
import { DisposedError, describe, InvalidArgumentError, LengthMismatchError, NonFiniteError, requireArrayLike } from '../../errors.js';
import type { Oracles } from '../oracles.js';
import { Vecs, type Vec } from '../vec.js';

/**
 * The base class of the built-in bilevel models (`bilevel.models.quadratic`, `ridge`, `logistic`,
 * `softmax`): the data and the exact oracles of both levels in engine memory, passed to `bilevel.solve` as
 * `model`. `free()` releases it.
 */
export abstract class BuiltinModel {
  /** Dimension of the upper variable x. */
  abstract readonly dx: number;
  /** Dimension of the lower variable y. */
  abstract readonly dy: number;
  /** The model's name ('quadratic', 'ridge'). */
  abstract readonly kind: string;
  protected readonly vecs: Vecs;
  protected freed = false;
  constructor(readonly engine: Engine) { this.vecs = new Vecs(engine); }
  /** @internal the oracles over this model's data. */
  abstract oracles(v: Vecs): Oracles;
  /** @internal what besides the data defines the model (its hyper mode and fixed constants), for fingerprint(). */
  protected settings(): string { return ''; }
  /**
   * @internal identifies the model in a saved run (src/bilevel/checkpoint.ts): kind, dimensions, settings
   * and the CRC-32 of every data buffer's bytes, read in place by the core's kernel.
   */
  fingerprint(): string {
    this.checkLive();
    const e = this.engine, table = e.alloc(8 * 256, 'i32');
    try {
      e.kernel('crc32_table')(table.ptr);
      const f = e.kernel('crc32_u8');
      let c = 0;
      for (const b of this.vecs.buffers()) c = f(c, table.ptr, b.ptr, b.array.byteLength) >>> 0;
      return `${this.kind} ${this.dx}x${this.dy}${this.settings()} crc ${c.toString(16).padStart(8, '0')}`;
    } finally { table.free(); }
  }
  /** Release the model's engine memory; a later solve with it raises DisposedError. */
  free(): void { this.freed = true; this.vecs.free(); }
  /** @internal */
  checkLive(): void { if (this.freed) throw new DisposedError(`this bilevel.models.${this.kind} model was freed (free() released its data): build a new one with bilevel.models.${this.kind}(engine, spec)`); }
  /** Copy `src` (array of finite numbers of `length` entries) into a new f64 buffer of the model; `what` names it in errors. */
  protected data(what: string, src: unknown, length: number): Vec {
    requireArrayLike(what, src);
    if (src.length !== length) throw new LengthMismatchError(`${what} has length ${src.length}, expected ${length}`);
    const b = this.vecs.alloc(length);
    b.array.set(src as ArrayLike<number>);
    const bad = this.vecs.firstNonFinite(b);
    if (bad >= 0) throw new NonFiniteError(`${what}[${bad}] is ${describe((src as ArrayLike<unknown>)[bad])}, not a finite number`, what, 1);
    return b;
  }
}

export const requireDim = (name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1e8) throw new InvalidArgumentError(`${name} must be a positive integer, got ${describe(v)}`);
  return v;
};
