// f64 vectors in engine memory and the kernels every bilevel method is written with (assembly/bilevel/
// vec.ts): no loop over elements runs in TypeScript. All sums in one fixed order (same bits in every
// build). A `Vecs` owns the buffers it allocates and frees them together.
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { BILEVEL } from './wasm.js';

export type Vec = EngineBuffer<'f64'>;

export class Vecs {
  readonly engine: Engine;
  private readonly owned: EngineBuffer<'f64' | 'i32'>[] = [];
  private readonly k: {
    dot: (n: number, x: number, y: number) => number;
    axpy: (n: number, a: number, x: number, y: number) => number;
    lincomb: (n: number, a: number, x: number, b: number, y: number, out: number) => number;
    scal: (n: number, a: number, x: number) => number;
    copy: (n: number, src: number, dst: number) => number;
    fill: (n: number, v: number, x: number) => number;
    nonfinite: (n: number, x: number) => number;
    probe: (n: number, x: number) => number;
    symmetrize: (n: number, a: number, out: number) => number;
  };
  constructor(engine: Engine) {
    engine.requireGroup(BILEVEL);
    this.engine = engine;
    this.k = {
      dot: engine.kernel('bl_dot'), axpy: engine.kernel('bl_axpy'), lincomb: engine.kernel('bl_lincomb'),
      scal: engine.kernel('bl_scal'), copy: engine.kernel('bl_copy'), fill: engine.kernel('bl_fill'),
      nonfinite: engine.kernel('bl_first_nonfinite'), probe: engine.kernel('bl_probe'), symmetrize: engine.kernel('bl_symmetrize'),
    };
  }
  /** A zero-filled f64 vector freed by free(). */
  alloc(n: number): Vec { const b = this.engine.alloc(n, 'f64'); this.owned.push(b); return b; }
  /** Free `b` with the others (an i32 index buffer of a minibatch). */
  track(b: EngineBuffer<'i32'>): void { this.owned.push(b); }
  /** A vector holding `src`. */
  from(src: ArrayLike<number>): Vec { const b = this.alloc(src.length); b.array.set(src); return b; }
  dot(x: Vec, y: Vec): number { return this.k.dot(x.length, x.ptr, y.ptr); }
  norm(x: Vec): number { return Math.sqrt(this.k.dot(x.length, x.ptr, x.ptr)); }
  /** y += a·x */
  axpy(a: number, x: Vec, y: Vec): void { this.k.axpy(x.length, a, x.ptr, y.ptr); }
  /** out = a·x + b·y */
  lincomb(a: number, x: Vec, b: number, y: Vec, out: Vec): void { this.k.lincomb(x.length, a, x.ptr, b, y.ptr, out.ptr); }
  scal(a: number, x: Vec): void { this.k.scal(x.length, a, x.ptr); }
  copy(src: Vec, dst: Vec): void { this.k.copy(src.length, src.ptr, dst.ptr); }
  fill(v: number, x: Vec): void { this.k.fill(x.length, v, x.ptr); }
  /** Index of the first NaN/±Infinity, or -1. */
  firstNonFinite(x: Vec): number { return this.k.nonfinite(x.length, x.ptr); }
  /** The power iteration's fixed unit start vector. */
  probe(x: Vec): void { this.k.probe(x.length, x.ptr); }
  symmetrize(n: number, a: Vec): void { this.k.symmetrize(n, a.ptr, a.ptr); }
  /** @internal the buffers allocated so far, in allocation order (a built-in model's data: its fingerprint). */
  buffers(): readonly EngineBuffer<'f64' | 'i32'>[] { return this.owned; }
  free(): void { for (const b of this.owned) if (!b.freed) b.free(); this.owned.length = 0; }
}
