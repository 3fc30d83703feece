// Full-matrix AdaGrad (Duchi, Hazan & Singer 2011; Hazan, Introduction to OCO, Alg. 13; kernel in
// assembly/online/fullmatrix.ts): G_t = Σ g gᵀ, H_t = δI + G_t^{1/2}, y = x − η H_t⁻¹ g,
// x ← argmin_{z∈K} (z − y)ᵀH_t(z − y). G^{1/2} and H⁻¹ come from a symmetric eigendecomposition of G by
// cyclic Jacobi rotations in WASM (O(d³) per sweep, a few sweeps per round), the ℓ2-ball projection in
// the H-norm is exact in that eigenbasis. With η = D/√2 (D the ℓ2 diameter):
//   regret ≤ √2·D·Tr(G_T^{1/2}) + d·δ·D/√2,
// against diagonal AdaGrad's √2·D∞·Σ_i ‖g_{1:T,i}‖: smaller when the gradients concentrate on directions
// that are not the coordinate axes (Tr(G^{1/2}) ≤ Σ_i √G_ii always).
import type { Engine } from '../engine/engine.js';
import { HyperparameterError, StateError } from '../errors.js';
import { OnlineLearner, HEADER } from './learner.js';
import { FeasibleSet, learnerSet } from './sets.js';
import { onlineEngine, optNumber } from './input.js';
import { firstPoint } from './ogd.js';

/** Options of `online.FullMatrixAdaGrad`; unset fields take the defaults stated on each. */
export interface FullMatrixAdaGradOptions {
  /** online.sets.l2Ball(d, r) (projection in the H-norm) or online.sets.unconstrained(d). Required. */
  set: FeasibleSet;
  /** η. Default D/√2 (D = 2r, the ball's diameter); 1 when unconstrained. */
  lr?: number;
  /** δ of H = δI + G^{1/2} (keeps H invertible before the gradients span ℝ^d). Default 1e-8. */
  delta?: number;
  /** First decision (inside the set). Default 0. */
  x0?: ArrayLike<number>;
}
const KEYS = ['set', 'lr', 'delta', 'x0'];
/** Largest dimension (G is d² f64; each round is a d×d eigendecomposition, O(d³) per Jacobi sweep). */
export const FULL_ADAGRAD_MAX_DIM = 1024;

/**
 * Full-matrix AdaGrad (Duchi, Hazan & Singer 2011): G = Σ g gᵀ, H = δI + G^{1/2}, x ← Π_K^H(x − η H⁻¹ g)
 * on an l2Ball or unconstrained. With η = D/√2 the regret is ≤ √2·D·Tr(G_T^{1/2}) + d·δ·D/√2.
 */
export class FullMatrixAdaGrad extends OnlineLearner {
  static readonly learnerName = 'FullMatrixAdaGrad';
  get learnerName(): string { return 'FullMatrixAdaGrad'; }
  readonly #lr: number;
  readonly #delta: number;
  /** Jacobi sweeps of the last round's eigendecomposition (0 before the first update). */
  lastSweeps = 0;

  constructor(engine: Engine, options: FullMatrixAdaGradOptions) {
    engine = onlineEngine(engine, 'FullMatrixAdaGrad');
    const set = learnerSet('FullMatrixAdaGrad', options, KEYS);
    if (set.kind !== 'l2Ball' && set.kind !== 'unconstrained') throw new HyperparameterError(`FullMatrixAdaGrad works on an l2Ball (projection in the H-norm) or an unconstrained set, got ${set.kind}`);
    if (set.dim > FULL_ADAGRAD_MAX_DIM) throw new HyperparameterError(`FullMatrixAdaGrad keeps a d×d matrix: dimension at most ${FULL_ADAGRAD_MAX_DIM}, got ${set.dim}`);
    const D = set.diameter;
    const lr = optNumber('FullMatrixAdaGrad', 'lr', options.lr, Number.isFinite(D) && D > 0 ? D / Math.SQRT2 : 1, 0, Number.MAX_VALUE, true);
    const delta = optNumber('FullMatrixAdaGrad', 'delta', options.delta, 1e-8, 0, Number.MAX_VALUE, true);
    const x = firstPoint(engine, 'FullMatrixAdaGrad', set, options.x0);
    const d = set.dim;
    super(engine, d, set, d + d * d, 2 * d * d + 8 * d + 8, d);
    this.#lr = lr; this.#delta = delta;
    this.st.array.set(x, HEADER);
  }
  get options(): Record<string, unknown> { return { lr: this.#lr, delta: this.#delta }; }

  /** The decision x_t (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** Learn the (sub)gradient at x_t. */
  update(gradient: ArrayLike<number>): void {
    const n = this.stageGradient(gradient, [...arguments].slice(1));
    const [kind, r] = this.setArgs();
    this.lastSweeps = this.guarded(() => this.engine.kernel('on_fullada_update')(n, kind, r, this.st.ptr, this.inp.ptr, this.scratch.ptr, this.#lr, this.#delta));
  }

  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    const d = this.dim, G = state.subarray(HEADER + d);
    for (let i = 0; i < d; i++) {
      if (!(G[i * d + i]! >= 0)) throw new StateError(`FullMatrixAdaGrad state: G has a negative diagonal entry at ${i}`);
      for (let j = 0; j < i; j++) if (G[i * d + j] !== G[j * d + i]) throw new StateError(`FullMatrixAdaGrad state: G is not symmetric at (${i}, ${j})`);
    }
  }
}
