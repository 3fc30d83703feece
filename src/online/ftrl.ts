// FTRL-Proximal (McMahan et al. 2013, "Ad Click Prediction: a View from the Trenches", Algorithm 1;
// kernels in assembly/online/ftrl.ts): per-coordinate rates η_{t,i} = α/(β + √n_i), ℓ1 (λ1) and ℓ2 (λ2)
// regularisation, weights computed lazily from (z, n) and exactly zero while |z_i| ≤ λ1. For sparse
// click-through models: the logistic loss on sparse features, `predict(x)` = σ(w·x), `update(y, { x })`;
// or any linear loss with `update(gradient)`. State: z and n (2·d f64).
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { describe, InvalidArgumentError, LengthMismatchError, NonFiniteError, StateError } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { OnlineLearner, HEADER } from './learner.js';
import { MAX_DIM } from './sets.js';
import { finiteNumber, MAX_INPUT, onlineEngine, optInt, optNumber, requireVector, stage } from './input.js';

export interface FTRLProximalOptions {
  /** Number of coordinates d (e.g. 2^20 hashed features). Required. */
  dim: number;
  /** α of the per-coordinate rate α/(β + √n_i). Default 0.1. */
  alpha?: number;
  /** β of the per-coordinate rate. Default 1. */
  beta?: number;
  /** λ1, the ℓ1 strength (weights with |z_i| ≤ λ1 are exactly 0). Default 0. */
  l1?: number;
  /** λ2, the ℓ2 strength. Default 0. */
  l2?: number;
}
/** Sparse features or gradient: strictly increasing indices in [0, d) and their values. */
export interface SparseVector { indices: ArrayLike<number>; values: ArrayLike<number> }
const KEYS = ['dim', 'alpha', 'beta', 'l1', 'l2'];

export class FTRLProximal extends OnlineLearner {
  static readonly learnerName = 'FTRLProximal';
  get learnerName(): string { return 'FTRLProximal'; }
  readonly #o: { dim: number; alpha: number; beta: number; l1: number; l2: number };
  readonly #idx: EngineBuffer<'i32'>;
  readonly #idxf: EngineBuffer<'f64'>;

  constructor(engine: Engine, options: FTRLProximalOptions) {
    engine = onlineEngine(engine, 'FTRLProximal');
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('FTRLProximal options must be an object with dim');
    checkKnownKeys('FTRLProximal option', options, KEYS);
    const dim = optInt('FTRLProximal', 'dim', options.dim, 1, MAX_DIM);
    const B = Number.MAX_VALUE;
    const o = {
      dim, alpha: optNumber('FTRLProximal', 'alpha', options.alpha, 0.1, 0, B, true), beta: optNumber('FTRLProximal', 'beta', options.beta, 1, 0, B, false),
      l1: optNumber('FTRLProximal', 'l1', options.l1, 0, 0, B, false), l2: optNumber('FTRLProximal', 'l2', options.l2, 0, 0, B, false),
    };
    super(engine, dim, null, 2 * dim, 1, dim, false); // no backup copy: inputs ≤ 1e100 keep z and n finite, and d may be 2^20+
    this.#o = o;
    let idx: EngineBuffer<'i32'> | undefined;
    try { idx = engine.alloc(dim, 'i32'); this.#idxf = engine.alloc(dim, 'f64'); } catch (e) { idx?.free(); super.free(); throw e; }
    this.#idx = idx;
  }
  get options(): Record<string, unknown> { return { ...this.#o }; }

  /** Stage features/gradient: dense (length d) or sparse; returns [nnz, idxPtr (0 = dense), valPtr]. */
  #stageVec(name: string, v: unknown): [number, number, number] {
    const d = this.dim;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const sv = v as Partial<SparseVector>;
      checkKnownKeys(`${name} (sparse) key`, sv, ['indices', 'values']);
      requireVector(`${name}.indices`, sv.indices);
      requireVector(`${name}.values`, sv.values);
      const nnz = sv.indices.length;
      if (nnz > d) throw new LengthMismatchError(`${name}.indices has ${nnz} entries, more than the ${d} coordinates`);
      if (sv.values.length !== nnz) throw new LengthMismatchError(`${name}.values has length ${sv.values.length}, expected ${nnz} (one per index)`);
      // indices (as f64) into #idxf, values into inp; one kernel checks both and converts the indices to i32
      this.#idxf.array.set(sv.indices as ArrayLike<number>);
      this.inp.array.set(sv.values as ArrayLike<number>);
      const bad = this.engine.kernel('on_sparse_stage')(d, nnz, this.#idxf.ptr, this.#idx.ptr, this.inp.ptr, MAX_INPUT);
      if (bad >= 0 && bad < nnz) throw new InvalidArgumentError(`${name}.indices must be strictly increasing integers in [0, ${d}): position ${bad} holds ${describe((sv.indices as ArrayLike<number>)[bad])}`);
      if (bad >= nnz && bad < 2 * nnz) {
        const c = this.engine.kernel('on_count_nonfinite')(nnz, this.inp.ptr);
        throw new NonFiniteError(`${name}.values holds ${c} non-finite value${c > 1 ? 's' : ''} (first at position ${bad - nnz}: ${this.inp.array[bad - nnz]})`, `${name}.values`, c);
      }
      if (bad >= 2 * nnz) throw new InvalidArgumentError(`${name}.values[${bad - 2 * nnz}] = ${this.inp.array[bad - 2 * nnz]} exceeds the largest accepted magnitude ${MAX_INPUT}`);
      return [nnz, this.#idx.ptr, this.inp.ptr];
    }
    stage(this.engine, name, v, d, this.inp);
    return [d, 0, this.inp.ptr];
  }

  /** Without x: the dense weights w (a copy, exact zeros under ℓ1). With features x: p = σ(w·x). */
  predict(): Float64Array;
  predict(x: ArrayLike<number> | SparseVector): number;
  predict(x?: ArrayLike<number> | SparseVector): Float64Array | number {
    this.live();
    const { alpha, beta, l1, l2 } = this.#o;
    if (x === undefined) {
      const w = this.engine.alloc(this.dim, 'f64');
      try { this.engine.kernel('on_ftrl_weights')(this.dim, this.st.ptr, alpha, beta, l1, l2, w.ptr); return w.array.slice(); } finally { w.free(); }
    }
    const [nnz, ip, vp] = this.#stageVec('x', x);
    return this.engine.kernel('on_ftrl_predict')(this.dim, this.st.ptr, alpha, beta, l1, l2, nnz, ip, vp);
  }

  /**
   * update(y, { x }): one round of Algorithm 1 on the logistic loss (label y in [0, 1], features x);
   * returns the prediction p made before the update. update(gradient): a linear loss's gradient
   * (dense or sparse) at the current weights; returns undefined.
   */
  update(gradient: ArrayLike<number> | SparseVector): undefined;
  update(y: number, info: { x: ArrayLike<number> | SparseVector }): number;
  update(a: number | ArrayLike<number> | SparseVector, info?: { x: ArrayLike<number> | SparseVector }): number | undefined {
    this.live();
    const { alpha, beta, l1, l2 } = this.#o;
    if (typeof a === 'number' || info !== undefined) {
      if (info === null || typeof info !== 'object') throw new InvalidArgumentError(`FTRLProximal.update(y, info) needs info = { x: features }, got ${describe(info)}`);
      checkKnownKeys('FTRLProximal.update info key', info, ['x']);
      const y = finiteNumber('y', a);
      if (y < 0 || y > 1) throw new InvalidArgumentError(`label y must be in [0, 1] (the logistic loss), got ${y}`);
      const [nnz, ip, vp] = this.#stageVec('x', info.x);
      return this.engine.kernel('on_ftrl_logistic')(this.dim, this.st.ptr, alpha, beta, l1, l2, nnz, ip, vp, y);
    }
    const [nnz, ip, vp] = this.#stageVec('gradient', a);
    this.engine.kernel('on_ftrl_gradient')(this.dim, this.st.ptr, alpha, beta, l1, l2, nnz, ip, vp);
    return undefined;
  }

  protected override checkRestored(state: Float64Array): void {
    if (state.subarray(HEADER + this.dim).some((v) => v < 0)) throw new StateError('FTRLProximal state: a squared-gradient sum n_i is negative');
  }
  override free(): void { if (!this.isFreed && !this.engine.isDisposed) { this.#idx.free(); this.#idxf.free(); } super.free(); }
}
