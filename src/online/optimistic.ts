// Optimistic online learning (kernels in assembly/online/optimistic.ts): a hint m_t of the coming
// gradient (by default the previous gradient, the SEA model's choice) is played against before g_t is
// seen, so the regret scales with Σ‖g_t − m_t‖² instead of Σ‖g_t‖²: small on slowly varying losses.
//   OptimisticOMD (Euclidean optimistic mirror descent; Chiang et al. 2012, Rakhlin & Sridharan 2013,
//   Chen, Zhang & Zhou's SEA analysis):  x_t = Π_K(x̂_t − η_t m_t),  x̂_{t+1} = Π_K(x̂_t − η_t g_t);
//   OptimisticFTRL (Orabona, A Modern Introduction to Online Learning, Thm 7.35, regulariser
//   ‖x − x₁‖²/(2η_t)):  x_t = Π_K(x₁ − η_t(Σ_{s<t} g_s + m_t)).
// Step η_t = D/√(B + S_{t−1}), S_t = Σ_{s≤t}‖g_s − m_s‖², B = (2G)² ≥ every ‖g_s − m_s‖² when ‖g‖ ≤ G.
// Both then satisfy, against every u ∈ K (D ≥ ‖u − x̂‖, ‖u − x₁‖),
//   regret_T ≤ D²/(2η_{T+1}) + ½Σ_t η_t‖g_t − m_t‖² ≤ (3/2)·D·√(4G² + S_T),
// (the one-step lemma ⟨g_t, x_t − u⟩ ≤ (‖u − x̂_t‖² − ‖u − x̂_{t+1}‖²)/(2η_t) + (η_t/2)‖g_t − m_t‖², and
// Σ ε_t/√(B + S_{t−1}) ≤ Σ ε_t/√S_t ≤ 2√S_T), against OGD's (3/2)·G·D·√T. With a constant lr the bound
// is D²/(2η) + (η/2)·S_T. `regretBound` reports the bound from the learner's own S_T.
import type { Engine } from '../engine/engine.js';
import { HyperparameterError, InvalidArgumentError, StateError, describe } from '../errors.js';
import { OnlineLearner, HEADER } from './learner.js';
import { FeasibleSet, learnerSet, CONTAINS_TOL } from './sets.js';
import { onlineEngine, optNumber, stage } from './input.js';
import { firstPoint } from './ogd.js';
import { checkKnownKeys } from '../options.js';

/** Options of `online.OptimisticOMD` and `online.OptimisticFTRL`; unset fields take the defaults stated on each. */
export interface OptimisticOptions {
  /** The feasible set (online.sets.*). Required; bounded unless `diameter` is given. */
  set: FeasibleSet;
  /** G, a bound on ‖g_t‖₂ (and on the hints'): B = (2G)² in η_t = D/√(B + S_{t−1}). Default 1. */
  lipschitz?: number;
  /** D, the set's diameter. Default `set.diameter`; required for an unbounded set. */
  diameter?: number;
  /** A constant η instead of the adaptive η_t (regret ≤ D²/(2η) + (η/2)·Σ‖g_t − m_t‖²). Default: adaptive. */
  lr?: number;
  /** First decision (inside the set; OptimisticFTRL's regulariser centre x₁). Default Π_K(0). */
  x0?: ArrayLike<number>;
}
/** What `update(g, info)` of the optimistic learners takes: the hint m_{t+1} of the next gradient. */
export interface OptimisticInfo {
  /** The hint for the next round (length d; ‖m‖₂ ≤ G for the stated bound). Default: this round's gradient. */
  hint?: ArrayLike<number>;
}
const KEYS = ['set', 'lipschitz', 'diameter', 'lr', 'x0'];
const BIG = Number.MAX_VALUE;

/** @internal the shared body of the two optimistic learners. */
abstract class Optimistic extends OnlineLearner {
  readonly #opts: { lipschitz: number; diameter: number; lr?: number };
  readonly #kernel: 'on_optomd_update' | 'on_optftrl_update';
  /** @internal offset of S in the state. */
  readonly #sAt: number;
  /** η for the next round (the one x_t was played with after the last update). */
  nextStep: number;

  constructor(engine: Engine, what: string, options: OptimisticOptions, vectors: number, kernel: 'on_optomd_update' | 'on_optftrl_update') {
    engine = onlineEngine(engine, what);
    const set = learnerSet(what, options, KEYS);
    const lipschitz = optNumber(what, 'lipschitz', options.lipschitz, 1, 0, BIG, true);
    if (options.diameter === undefined && !(Number.isFinite(set.diameter) && set.diameter > 0)) {
      throw new HyperparameterError(`${what} on ${set.kind === 'unconstrained' ? 'an unbounded set' : 'a one-point set'} needs the diameter option (the D of η_t = D/√(B + S))`);
    }
    const diameter = optNumber(what, 'diameter', options.diameter, set.diameter, 0, BIG, true);
    const lr = options.lr === undefined ? undefined : optNumber(what, 'lr', options.lr, 1, 0, BIG, true);
    const x = firstPoint(engine, what, set, options.x0);
    const n = set.dim;
    super(engine, n, set, vectors * n + 1, 5 * n + 8, 2 * n);
    this.#opts = lr === undefined ? { lipschitz, diameter } : { lipschitz, diameter, lr };
    this.#kernel = kernel;
    this.#sAt = HEADER + vectors * n;
    this.st.array.set(x, HEADER);
    this.st.array.set(x, HEADER + n);
    this.nextStep = this.#eta(0);
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }
  #eta(S: number): number { const o = this.#opts; return o.lr ?? o.diameter / Math.sqrt(4 * o.lipschitz * o.lipschitz + S); }

  /** The decision x_t (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** S_T = Σ_t ‖g_t − m_t‖², the hints' squared error so far. */
  get hintError(): number { this.live(); return this.st.array[this.#sAt]!; }

  /**
   * The regret bound at the current t from the learner's own S_T: (3/2)·D·√(4G² + S_T) (adaptive η), or
   * D²/(2η) + (η/2)·S_T (constant lr); valid against every u ∈ K when ‖g_t‖₂, ‖m_t‖₂ ≤ G.
   */
  get regretBound(): number {
    const S = this.hintError, o = this.#opts;
    return o.lr === undefined ? 1.5 * o.diameter * Math.sqrt(4 * o.lipschitz * o.lipschitz + S) : (o.diameter * o.diameter) / (2 * o.lr) + 0.5 * o.lr * S;
  }

  /** Learn the (sub)gradient g_t at x_t; `info.hint` is the hint for the next round (default g_t). */
  update(gradient: ArrayLike<number>, info?: OptimisticInfo): void {
    this.live();
    const what = this.learnerName;
    this.noArgs('update', [...arguments].slice(2), 2);
    const n = this.dim;
    stage(this.engine, 'gradient', gradient, n, this.inp);
    let hint = 0;
    if (info !== undefined) {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) throw new InvalidArgumentError(`${what}.update info must be an object { hint }, got ${describe(info)}`);
      checkKnownKeys(`${what}.update info`, info as Record<string, unknown>, ['hint']);
      if (info.hint !== undefined) hint = stage(this.engine, 'hint', info.hint, n, this.inp, n);
    }
    const [kind, r, lo, hi] = this.setArgs(), o = this.#opts;
    const B = 4 * o.lipschitz * o.lipschitz;
    this.nextStep = this.guarded(() => this.engine.kernel(this.#kernel)(n, kind, r, lo, hi, this.st.ptr, this.inp.ptr, hint, this.scratch.ptr, o.lr === undefined ? 1 : 0, o.lr ?? o.diameter, B));
  }

  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    const n = this.dim, S = state[this.#sAt]!;
    if (this.set!.outside(this.engine, state.subarray(HEADER + n, HEADER + 2 * n)) >= 0) throw new StateError(`${this.learnerName} state: its second point lies outside its ${this.set!.kind} (tolerance ${CONTAINS_TOL})`);
    if (!(S >= 0)) throw new StateError(`${this.learnerName} state: the hints' squared error ${S} is negative`);
    if (state[0] === 0 && (S !== 0 || state.subarray(HEADER + 2 * n, this.#sAt).some((v) => v !== 0))) throw new StateError(`${this.learnerName} state: hint or gradient sums are non-zero at t = 0`);
    this.nextStep = this.#eta(S);
  }
}

/**
 * Optimistic online mirror descent, Euclidean (Chiang et al. 2012; Rakhlin & Sridharan 2013): x_t =
 * Π_K(x̂_t − η_t m_t), x̂_{t+1} = Π_K(x̂_t − η_t g_t), hint m_t = g_{t−1} by default, η_t = D/√(4G² + S_{t−1});
 * regret ≤ (3/2)·D·√(4G² + Σ‖g_t − m_t‖²). State: [t, 0, x, x̂, m, S].
 */
export class OptimisticOMD extends Optimistic {
  static readonly learnerName = 'OptimisticOMD';
  get learnerName(): string { return 'OptimisticOMD'; }
  constructor(engine: Engine, options: OptimisticOptions) { super(engine, 'OptimisticOMD', options, 3, 'on_optomd_update'); }
}

/**
 * Optimistic FTRL with the regulariser ‖x − x₁‖²/(2η_t) (Orabona, Thm 7.35): x_t = Π_K(x₁ − η_t(Σ_{s<t} g_s
 * + m_t)), hint m_t = g_{t−1} by default, η_t = D/√(4G² + S_{t−1}); regret ≤ (3/2)·D·√(4G² + Σ‖g_t − m_t‖²).
 * State: [t, 0, x, x₁, Σg, m, S].
 */
export class OptimisticFTRL extends Optimistic {
  static readonly learnerName = 'OptimisticFTRL';
  get learnerName(): string { return 'OptimisticFTRL'; }
  constructor(engine: Engine, options: OptimisticOptions) { super(engine, 'OptimisticFTRL', options, 4, 'on_optftrl_update'); }
}
