// Online Newton Step (Hazan, Agarwal & Kale 2007; Hazan, Introduction to OCO, Alg. 12; kernel in
// assembly/online/ons.ts): A_t = εI + Σ g gᵀ, its inverse kept by Sherman–Morrison (O(d²) per round),
// y = x − (1/γ) A_t⁻¹ g, x ← argmin_{z∈K} (z − y)ᵀA_t(z − y), the generalised projection (for the ℓ2
// ball: multiplier bisection with a Cholesky factor per step, O(d³) each, only when y leaves the ball).
// For α-exp-concave losses with ‖∇‖ ≤ G on a set of diameter D, γ = ½·min(1/(4GD), α) and ε = 1/(γ²D²):
// regret ≤ 5·(1/α + G·D)·d·ln T (Hazan Thm 4.5).
import type { Engine } from '../engine/engine.js';
import { HyperparameterError, NonFiniteError, NotPositiveDefiniteError, StateError } from '../errors.js';
import { OnlineLearner, HEADER } from './learner.js';
import { FeasibleSet, learnerSet } from './sets.js';
import { onlineEngine, optNumber } from './input.js';
import { firstPoint } from './ogd.js';

/** Options of `online.ONS`; unset fields take the defaults stated on each. */
export interface ONSOptions {
  /** online.sets.l2Ball(d, r) or online.sets.unconstrained(d). Required. */
  set: FeasibleSet;
  /** G, a bound on ‖∇f_t‖₂. Default 1. */
  lipschitz?: number;
  /** α, the losses' exp-concavity. Default 1. */
  alpha?: number;
  /** γ of the Newton step. Default ½·min(1/(4GD), α) (D the set's diameter; unbounded: ½·α). */
  gamma?: number;
  /** ε of A_0 = εI. Default 1/(γ²D²) (unbounded: 1). */
  epsilon?: number;
  /** First decision (inside the set). Default 0. */
  x0?: ArrayLike<number>;
}
const KEYS = ['set', 'lipschitz', 'alpha', 'gamma', 'epsilon', 'x0'];
/** Largest dimension (A and A⁻¹ are d² f64 each). */
export const ONS_MAX_DIM = 4096;

/**
 * Online Newton Step (Hazan, Agarwal & Kale 2007): A_t = εI + Σ g·gᵀ (inverse by Sherman–Morrison), y = x −
 * (1/γ)·A_t⁻¹·g, x ← the A_t-norm projection of y. For α-exp-concave losses, regret ≤ 5·(1/α + G·D)·d·ln T.
 */
export class ONS extends OnlineLearner {
  static readonly learnerName = 'ONS';
  get learnerName(): string { return 'ONS'; }
  readonly #o: { lipschitz: number; alpha: number; gamma: number; epsilon: number };
  /** Bisection steps of the last projection (0 when the Newton step stayed inside). */
  lastBisections = 0;

  constructor(engine: Engine, options: ONSOptions) {
    engine = onlineEngine(engine, 'ONS');
    const set = learnerSet('ONS', options, KEYS);
    if (set.kind !== 'l2Ball' && set.kind !== 'unconstrained') throw new HyperparameterError(`ONS works on an l2Ball (projection in the A-norm) or an unconstrained set, got ${set.kind}`);
    if (set.dim > ONS_MAX_DIM) throw new HyperparameterError(`ONS keeps d×d matrices: dimension at most ${ONS_MAX_DIM}, got ${set.dim}`);
    const B = Number.MAX_VALUE, D = set.diameter;
    const lipschitz = optNumber('ONS', 'lipschitz', options.lipschitz, 1, 0, B, true);
    const alpha = optNumber('ONS', 'alpha', options.alpha, 1, 0, B, true);
    const gamma = optNumber('ONS', 'gamma', options.gamma, Number.isFinite(D) ? 0.5 * Math.min(1 / (4 * lipschitz * D), alpha) : 0.5 * alpha, 0, B, true);
    const epsilon = optNumber('ONS', 'epsilon', options.epsilon, Number.isFinite(D) ? 1 / (gamma * gamma * D * D) : 1, 0, B, true);
    if (!(Number.isFinite(1 / epsilon) && Number.isFinite(1 / gamma))) throw new HyperparameterError(`ONS gamma and epsilon must have finite inverses, got gamma ${gamma}, epsilon ${epsilon}`);
    const x = firstPoint(engine, 'ONS', set, options.x0);
    const d = set.dim;
    super(engine, d, set, d + 2 * d * d, d * d + 6 * d + 8, d, false); // no backup copy: the kernel checks the Newton step before it changes anything
    this.#o = { lipschitz, alpha, gamma, epsilon };
    this.st.array.set(x, HEADER);
    engine.kernel('on_ons_init')(d, this.st.ptr, epsilon);
  }
  get options(): Record<string, unknown> { return { ...this.#o }; }

  /** The decision x_t (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** Learn the gradient ∇f_t(x_t). */
  update(gradient: ArrayLike<number>): void {
    const n = this.stageGradient(gradient, [...arguments].slice(1));
    const [kind, r] = this.setArgs();
    const it = this.engine.kernel('on_ons_update')(n, kind, r, this.st.ptr, this.inp.ptr, this.scratch.ptr, this.#o.gamma);
    if (it === -2) throw new NonFiniteError('ONS: the Newton step x − (1/γ)A⁻¹g overflowed (a huge gradient over a tiny gamma or epsilon); the learner is unchanged', 'state', 1);
    // unreachable with finite inputs (A is εI plus a sum of outer products, and a failed factorization
    // only moves the bisection to larger shifts); A and A⁻¹ have then taken the gradient, x has not
    if (it < 0) throw new NotPositiveDefiniteError('ONS: no shift of A factorizes in the projection (A is not finite); x is unchanged, A and A⁻¹ took the gradient', -1);
    this.lastBisections = it;
  }

  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    const d = this.dim, a = state.subarray(HEADER + d, HEADER + d + d * d);
    for (let i = 0; i < d; i++) if (!(a[i * d + i]! > 0)) throw new StateError(`ONS state: A has a non-positive diagonal entry at ${i}`);
  }
}
