// Online Frank–Wolfe, projection-free (Hazan & Kale 2012; Hazan, Introduction to Online Convex
// Optimization, §7.3 "online conditional gradient"; kernel in assembly/online/ofw.ts). Each round one
// call of the set's linear-optimisation oracle (FeasibleSet.linearMinimizer) instead of a projection:
//   F_t(y) = η·Σ_{s≤t} ⟨g_s, y⟩ + ‖y − x₁‖²,  v_t = argmin_{v∈K} ⟨∇F_t(x_t), v⟩,
//   x_{t+1} = (1 − σ_t)·x_t + σ_t·v_t,  σ_t = min(1, 2/√t)
// (the book's rule, with the round's own gradient in the sum). With the book's η = D/(2G·T^{3/4}) for a
// horizon of T rounds the regret is at most 8·D·G·T^{3/4} (Hazan Thm 7.3): the average regret falls like
// T^{−1/4}, against OGD's T^{−1/2}, for one linear minimisation (O(d) on the library's sets) per round.
import type { Engine } from '../engine/engine.js';
import { HyperparameterError, StateError } from '../errors.js';
import { OnlineLearner, HEADER } from './learner.js';
import { FeasibleSet, learnerSet, CONTAINS_TOL } from './sets.js';
import { onlineEngine, optInt, optNumber } from './input.js';
import { firstPoint } from './ogd.js';

/** Options of `online.OnlineFrankWolfe`; unset fields take the defaults stated on each. */
export interface OnlineFrankWolfeOptions {
  /** A bounded feasible set: online.sets.simplex, l1Ball, l2Ball or box. Required. */
  set: FeasibleSet;
  /** T, the number of rounds the step is tuned for (η = D/(2G·T^{3/4})). Required unless `lr` is given; at most 2^53. */
  horizon?: number;
  /** G, a bound on ‖g_t‖₂. Default 1. */
  lipschitz?: number;
  /** D, the set's diameter. Default `set.diameter`. */
  diameter?: number;
  /** η, the weight of the gradient sum in F_t. Default D/(2G·T^{3/4}) (Hazan Thm 7.3). */
  lr?: number;
  /** First decision x₁ (inside the set; also the centre of F_t's regulariser). Default Π_K(0). */
  x0?: ArrayLike<number>;
}
const KEYS = ['set', 'horizon', 'lipschitz', 'diameter', 'lr', 'x0'];
const BIG = Number.MAX_VALUE;

/**
 * Online Frank–Wolfe (Hazan & Kale 2012): projection-free, one linear minimisation over the set per
 * round. x_{t+1} = (1 − σ_t)x_t + σ_t·argmin_{v∈K} ⟨η·Σ_{s≤t} g_s + 2(x_t − x₁), v⟩, σ_t = min(1, 2/√t);
 * with η = D/(2G·T^{3/4}) the regret over T rounds is ≤ 8·D·G·T^{3/4} (Hazan, Introduction to OCO, Thm 7.3).
 */
export class OnlineFrankWolfe extends OnlineLearner {
  static readonly learnerName = 'OnlineFrankWolfe';
  get learnerName(): string { return 'OnlineFrankWolfe'; }
  readonly #opts: { horizon?: number; lipschitz: number; diameter: number; lr: number };
  /** σ of the last update (0 before the first). */
  lastStep = 0;

  constructor(engine: Engine, options: OnlineFrankWolfeOptions) {
    engine = onlineEngine(engine, 'OnlineFrankWolfe');
    const set = learnerSet('OnlineFrankWolfe', options, KEYS);
    if (set.kind === 'unconstrained') throw new HyperparameterError('OnlineFrankWolfe needs a bounded set (simplex, l1Ball, l2Ball or box): a linear function has no minimum over all of ℝ^d');
    const horizon = options.horizon === undefined ? undefined : optInt('OnlineFrankWolfe', 'horizon', options.horizon, 1, Number.MAX_SAFE_INTEGER);
    if (horizon === undefined && options.lr === undefined) throw new HyperparameterError('OnlineFrankWolfe needs the horizon option (the T of η = D/(2G·T^{3/4})) or an explicit lr');
    const lipschitz = optNumber('OnlineFrankWolfe', 'lipschitz', options.lipschitz, 1, 0, BIG, true);
    const D = set.diameter;
    const diameter = optNumber('OnlineFrankWolfe', 'diameter', options.diameter, D > 0 ? D : 1, 0, BIG, true);
    const dflt = horizon === undefined ? 1 : diameter / (2 * lipschitz * Math.sqrt(horizon) * Math.sqrt(Math.sqrt(horizon)));
    const lr = optNumber('OnlineFrankWolfe', 'lr', options.lr, dflt, 0, BIG, true);
    const x = firstPoint(engine, 'OnlineFrankWolfe', set, options.x0);
    const n = set.dim;
    super(engine, n, set, 3 * n, 2 * n, n);
    this.#opts = horizon === undefined ? { lipschitz, diameter, lr } : { horizon, lipschitz, diameter, lr };
    this.st.array.set(x, HEADER);
    this.st.array.set(x, HEADER + n);
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }

  /** The decision x_t (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** Learn the (sub)gradient g_t at x_t: one linear minimisation over the set, then a step σ_t = min(1, 2/√t) towards its answer. */
  update(gradient: ArrayLike<number>): void {
    const n = this.stageGradient(gradient, [...arguments].slice(1));
    const [kind, r, lo, hi] = this.setArgs();
    this.lastStep = this.guarded(() => this.engine.kernel('on_ofw_update')(n, kind, r, lo, hi, this.st.ptr, this.inp.ptr, this.scratch.ptr, this.#opts.lr));
  }

  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    const n = this.dim;
    if (this.set!.outside(this.engine, state.subarray(HEADER + n, HEADER + 2 * n)) >= 0) throw new StateError(`OnlineFrankWolfe state: x₁ lies outside its ${this.set!.kind} (tolerance ${CONTAINS_TOL})`);
    if (state[0] === 0 && state.subarray(HEADER + 2 * n).some((v) => v !== 0)) throw new StateError('OnlineFrankWolfe state: gradient sums are non-zero at t = 0');
  }
}
