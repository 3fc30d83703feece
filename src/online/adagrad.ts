// Diagonal AdaGrad (Duchi, Hazan & Singer 2011; Hazan, Introduction to OCO, Alg. 13 with a diagonal
// preconditioner): s_t = Σ g², h = δ + √s, y = x − η g/h, x ← argmin_{z∈K} Σ h_i (z_i − y_i)², the
// projection in the h-norm (exact for every set: sort-based for the simplex and ℓ1 ball, clamping for a
// box, multiplier bisection for the ℓ2 ball). With η = D∞/√2: regret ≤ √2·D∞·Σ_i ‖g_{1:T,i}‖₂.
import type { Engine } from '../engine/engine.js';
import { OnlineLearner, HEADER } from './learner.js';
import { FeasibleSet, learnerSet } from './sets.js';
import { onlineEngine, optNumber } from './input.js';
import { firstPoint } from './ogd.js';
import { StateError } from '../errors.js';

/** Options of `online.AdaGrad`; unset fields take the defaults stated on each. */
export interface AdaGradOptions {
  /** The feasible set (online.sets.*). Required. */
  set: FeasibleSet;
  /** η. Default D∞/√2 (D∞ the set's ℓ∞ diameter, `set.widthInf`); 1 for an unbounded set. */
  lr?: number;
  /** δ added to √s (keeps h > 0 before a coordinate's first gradient). Default 1e-8. */
  delta?: number;
  /** First decision (inside the set). Default Π_K(0). */
  x0?: ArrayLike<number>;
}
const KEYS = ['set', 'lr', 'delta', 'x0'];

/**
 * Diagonal AdaGrad (Duchi, Hazan & Singer 2011): s_t = Σ g², h = δ + √s, y = x − η·g/h, x ← the h-norm
 * projection of y onto the set. With η = D∞/√2, regret ≤ √2·D∞·Σ_i ‖g_{1:T,i}‖₂.
 */
export class AdaGrad extends OnlineLearner {
  static readonly learnerName = 'AdaGrad';
  get learnerName(): string { return 'AdaGrad'; }
  readonly #lr: number;
  readonly #delta: number;

  constructor(engine: Engine, options: AdaGradOptions) {
    engine = onlineEngine(engine, 'AdaGrad');
    const set = learnerSet('AdaGrad', options, KEYS);
    const w = set.widthInf;
    const lr = optNumber('AdaGrad', 'lr', options.lr, Number.isFinite(w) && w > 0 ? w / Math.SQRT2 : 1, 0, Number.MAX_VALUE, true);
    const delta = optNumber('AdaGrad', 'delta', options.delta, 1e-8, 0, Number.MAX_VALUE, true);
    const x = firstPoint(engine, 'AdaGrad', set, options.x0);
    super(engine, set.dim, set, 2 * set.dim, 5 * set.dim + 8, set.dim);
    this.#lr = lr; this.#delta = delta;
    this.st.array.set(x, HEADER);
  }
  get options(): Record<string, unknown> { return { lr: this.#lr, delta: this.#delta }; }

  /** The decision x_t (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** Learn the (sub)gradient at x_t. */
  update(gradient: ArrayLike<number>): void {
    const n = this.stageGradient(gradient, [...arguments].slice(1));
    const [kind, r, lo, hi] = this.setArgs();
    this.guarded(() => this.engine.kernel('on_adagrad_update')(n, kind, r, lo, hi, this.st.ptr, this.inp.ptr, this.scratch.ptr, this.#lr, this.#delta));
  }

  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    const s = state.subarray(HEADER + this.dim);
    if (s.some((v) => v < 0)) throw new StateError('AdaGrad state: a squared-gradient sum is negative');
  }
}
