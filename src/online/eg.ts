// Exponentiated gradient: online mirror descent with the entropic mirror map, in its lazy form (FTRL
// with the negative-entropy regulariser; Kivinen & Warmuth 1997, Hazan §5.4): x_{t+1} = r·softmax(−η_{t+1}
// Σ_{s≤t} g_s) on the simplex of radius r; on the ℓ1 ball the EG± doubling x = r(p⁺ − p⁻) over 2d
// weights. Log domain (max-shifted exponents, the core's deterministic exp). Step rules:
//   'sqrt'      η_t = √(ln m)/(r·G·√t) (m = d, or 2d for EG±; G ≥ ‖g_t‖∞): regret ≤ 2·r·G·√(T ln m)
//   'constant'  η_t = lr (default √(ln m)/(r·G)); with lr = √(2 ln m/T)/(rG): regret ≤ r·G·√(2T ln m)
import type { Engine } from '../engine/engine.js';
import { HyperparameterError, StateError } from '../errors.js';
import { OnlineLearner } from './learner.js';
import { FeasibleSet, learnerSet } from './sets.js';
import { onlineEngine, optChoice, optNumber } from './input.js';

export type EGStepRule = 'sqrt' | 'constant';
/** Options of `online.ExponentiatedGradient`; unset fields take the defaults stated on each. */
export interface ExponentiatedGradientOptions {
  /** online.sets.simplex(d, r) or online.sets.l1Ball(d, r) (EG±). Required. */
  set: FeasibleSet;
  /** 'sqrt' (η_t = √(ln m)/(rG√t), default) or 'constant' (η = lr). */
  stepRule?: EGStepRule;
  /** G, a bound on ‖g_t‖∞. Default 1. */
  lipschitz?: number;
  /** The constant η (rule 'constant'). Default √(ln m)/(r·G). */
  lr?: number;
}
const KEYS = ['set', 'stepRule', 'lipschitz', 'lr'];

/**
 * Exponentiated gradient (Kivinen & Warmuth 1997), lazy form: x_{t+1} = r·softmax(−η_{t+1}·Σ_{s≤t} g_s) on
 * the simplex of radius r (EG± on the ℓ1 ball). Step 'sqrt': η_t = √(ln m)/(r·G·√t), regret ≤ 2·r·G·√(T ln
 * m).
 */
export class ExponentiatedGradient extends OnlineLearner {
  static readonly learnerName = 'ExponentiatedGradient';
  get learnerName(): string { return 'ExponentiatedGradient'; }
  readonly #opts: { stepRule: EGStepRule; lipschitz: number; lr: number };
  readonly #pm: number;
  readonly #c: number;

  constructor(engine: Engine, options: ExponentiatedGradientOptions) {
    engine = onlineEngine(engine, 'ExponentiatedGradient');
    const set = learnerSet('ExponentiatedGradient', options, KEYS);
    if (set.kind !== 'simplex' && set.kind !== 'l1Ball') throw new HyperparameterError(`ExponentiatedGradient works on a simplex or an l1Ball set, got ${set.kind}`);
    const pm = set.kind === 'l1Ball' ? 1 : 0, m = pm ? 2 * set.dim : set.dim;
    const stepRule = optChoice('ExponentiatedGradient', 'stepRule', options.stepRule, 'sqrt', ['sqrt', 'constant'] as const);
    const lipschitz = optNumber('ExponentiatedGradient', 'lipschitz', options.lipschitz, 1, 0, Number.MAX_VALUE, true);
    const c = engine.sqrt(engine.log(Math.max(m, 2))) / (set.radius * lipschitz);
    const lr = optNumber('ExponentiatedGradient', 'lr', options.lr, c, 0, Number.MAX_VALUE, true);
    super(engine, set.dim, set, set.dim + m, m, set.dim);
    this.#opts = { stepRule, lipschitz, lr };
    this.#pm = pm;
    this.#c = stepRule === 'sqrt' ? c : lr;
    engine.kernel('on_eg_init')(set.dim, pm, set.radius, this.st.ptr, this.scratch.ptr);
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }

  /** The decision x_t (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** Learn the (sub)gradient at x_t (linear loss ⟨g, x⟩). */
  update(gradient: ArrayLike<number>): void {
    const n = this.stageGradient(gradient, [...arguments].slice(1));
    this.guarded(() => this.engine.kernel('on_eg_update')(n, this.#pm, this.set!.radius, this.st.ptr, this.inp.ptr, this.scratch.ptr, this.#opts.stepRule === 'sqrt' ? 1 : 0, this.#c));
  }

  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    if (state[0] === 0 && state.subarray(2 + this.dim).some((v) => v !== 0)) throw new StateError('ExponentiatedGradient state: gradient sums are non-zero at t = 0');
  }
}
