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

/** Options of `online.FTRLProximal`; unset fields take the defaults stated on each. */
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
/** A batch of sparse rows in CSR form: row k is indices/values[indptr[k] .. indptr[k + 1]). */
export interface SparseBatch { indptr: ArrayLike<number>; indices: ArrayLike<number>; values: ArrayLike<number> }
/** Sparse features or gradient: strictly increasing indices in [0, d) and their values. */
export interface SparseVector { indices: ArrayLike<number>; values: ArrayLike<number> }
const KEYS = ['dim', 'alpha', 'beta', 'l1', 'l2'];

/**
 * FTRL-Proximal (McMahan et al. 2013, Algorithm 1): per-coordinate rates η_{t,i} = α/(β + √n_i), ℓ1 (λ1)
 * and ℓ2 (λ2) regularisation, weights exactly 0 while |z_i| ≤ λ1. `predict(x)` = σ(w·x) on sparse features;
 * `update(y, { x })` for the logistic loss.
 */
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

  /**
   * m logistic rounds in one wasm call: labels y (m values in [0, 1]) and features x in CSR form; the
   * same bits as m calls of update(y[k], { x: row k }). Returns the m predictions made before each
   * round's update. Everything is checked before anything changes.
   */
  updateBatch(y: ArrayLike<number>, x: SparseBatch): Float64Array {
    this.live();
    const what = 'FTRLProximal.updateBatch';
    requireVector(`${what} y`, y);
    if (x === null || typeof x !== 'object') throw new InvalidArgumentError(`${what} x must be { indptr, indices, values }, got ${describe(x)}`);
    checkKnownKeys(`${what} x key`, x, ['indptr', 'indices', 'values']);
    requireVector(`${what} x.indptr`, x.indptr); requireVector(`${what} x.indices`, x.indices); requireVector(`${what} x.values`, x.values);
    const m = y.length, nnz = x.indices.length;
    if (x.indptr.length !== m + 1) throw new LengthMismatchError(`${what}: x.indptr has length ${x.indptr.length}, expected ${m + 1} (one more than the labels)`);
    if (x.values.length !== nnz) throw new LengthMismatchError(`${what}: x.values has length ${x.values.length}, expected ${nnz} (one per index)`);
    const e = this.engine, f = e.alloc(m + 1 + nnz + nnz + m + m, 'f64'), ii = e.alloc(m + 1 + nnz, 'i32');
    try {
      const A = f.array, ipf = 0, idf = m + 1, vo = idf + nnz, yo = vo + nnz, po = yo + m;
      A.set(x.indptr, ipf); A.set(x.indices, idf); A.set(x.values, vo); A.set(y, yo);
      const p8 = (o: number): number => f.ptr + 8 * o;
      const bad = e.kernel('on_csr_stage')(this.dim, m, nnz, p8(ipf), ii.ptr, p8(idf), ii.ptr + 4 * (m + 1), p8(vo), p8(yo), MAX_INPUT);
      if (bad === 0) throw new InvalidArgumentError(`${what}: x.indptr must start at 0, never decrease and end at ${nnz} (integers)`);
      if (bad >= 1 && bad <= nnz) throw new InvalidArgumentError(`${what}: x.indices must be integers in [0, ${this.dim}), strictly increasing within each row: position ${bad - 1} holds ${describe(x.indices[bad - 1])}`);
      if (bad > nnz && bad <= 2 * nnz) throw new InvalidArgumentError(`${what}: x.values[${bad - 1 - nnz}] = ${A[vo + bad - 1 - nnz]} is not finite or exceeds ${MAX_INPUT}`);
      if (bad > 2 * nnz) throw new InvalidArgumentError(`${what}: y[${bad - 1 - 2 * nnz}] = ${describe(y[bad - 1 - 2 * nnz])} is not a label in [0, 1]`);
      const { alpha, beta, l1, l2 } = this.#o;
      e.kernel('on_ftrl_logistic_batch')(this.dim, this.st.ptr, alpha, beta, l1, l2, m, ii.ptr, ii.ptr + 4 * (m + 1), p8(vo), p8(yo), p8(po));
      return A.slice(po, po + m);
    } finally { f.free(); ii.free(); }
  }

  protected override checkRestored(state: Float64Array): void {
    if (state.subarray(HEADER + this.dim).some((v) => v < 0)) throw new StateError('FTRLProximal state: a squared-gradient sum n_i is negative');
  }
  override free(): void { if (!this.isFreed && !this.engine.isDisposed) { this.#idx.free(); this.#idxf.free(); } super.free(); }
}
