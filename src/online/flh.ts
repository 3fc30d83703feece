// Follow-the-Leading-History (kernel in assembly/online/flh.ts; Hazan & Seshadhri 2009): low regret on
// every interval at once (adaptive regret), for a sequence whose best decision changes. An OGD expert
// (η_τ = D/(G√τ) at its age τ) starts every round, the one born at round i lives g·2^{v(i)} rounds
// (v the 2-adic valuation: the pruned history, O(g log t) experts alive), and Hedge at rate η over the
// linearised losses ⟨g_t, x_j⟩ weighs them, each newcomer entering with weight 1/(t + 1). On an
// interval I = [r, s] covered by one expert's life, the regret against any u ∈ K is at most
//   ln(s)/η + η|I|(GD)²/8 + (3/2)GD√|I|
// (Hedge against the expert born at r, whose weight never falls below 1/s, plus that expert's OGD
// regret); any interval is covered by O(log |I|) such lives (Daniely et al. 2015), adding a log factor.
import type { Engine } from '../engine/engine.js';
import { HyperparameterError, StateError } from '../errors.js';
import { OnlineLearner, HEADER } from './learner.js';
import { FeasibleSet, learnerSet } from './sets.js';
import { onlineEngine, optInt, optNumber } from './input.js';
import { firstPoint } from './ogd.js';

/** Options of `online.FLH`; unset fields take the defaults stated on each. */
export interface FLHOptions {
  /** The feasible set (online.sets.*). Required; bounded unless `diameter` is given. */
  set: FeasibleSet;
  /** G, a bound on ‖g_t‖₂ (the experts' steps D/(G√τ)). Default 1. */
  lipschitz?: number;
  /** D, the set's diameter. Default `set.diameter`. */
  diameter?: number;
  /** η, Hedge's rate over the experts' linearised losses. Default 1/(G·D). */
  eta?: number;
  /** g, the lifetime multiplier: the expert born at round i lives g·2^{v(i)} rounds. Default 8. */
  lifetime?: number;
  /** First decision (inside the set). Default Π_K(0). */
  x0?: ArrayLike<number>;
}
const KEYS = ['set', 'lipschitz', 'diameter', 'eta', 'lifetime', 'x0'];
const BIG = Number.MAX_VALUE;
/** Expert slots: ⌈g/2⌉ live per level of the 2-adic valuation, 54 levels (t < 2^53). */
const slotsFor = (g: number): number => Math.ceil(g / 2) * 54;

/**
 * Follow-the-Leading-History (Hazan & Seshadhri 2009): adaptive regret, low on every interval at once.
 * An OGD expert (η_τ = D/(G√τ) at age τ) starts every round; the one born at round i lives g·2^{v(i)}
 * rounds (v the 2-adic valuation: O(g log t) experts alive); Hedge at rate η over the linearised
 * losses ⟨g_t, x_j⟩ weighs them, a newcomer entering with weight 1/(t + 1). On an interval I = [r, s]
 * inside one expert's life the regret against any u ∈ K is ≤ ln(s)/η + η|I|(GD)²/8 + (3/2)GD√|I|.
 */
export class FLH extends OnlineLearner {
  static readonly learnerName = 'FLH';
  get learnerName(): string { return 'FLH'; }
  readonly #opts: { lipschitz: number; diameter: number; eta: number; lifetime: number };
  readonly #cap: number;
  #live = 1;

  constructor(engine: Engine, options: FLHOptions) {
    engine = onlineEngine(engine, 'FLH');
    const set = learnerSet('FLH', options, KEYS);
    const lipschitz = optNumber('FLH', 'lipschitz', options.lipschitz, 1, 0, BIG, true);
    if (options.diameter === undefined && !(Number.isFinite(set.diameter) && set.diameter > 0)) {
      throw new HyperparameterError(`FLH on ${set.kind === 'unconstrained' ? 'an unbounded set' : 'a one-point set'} needs the diameter option (the experts' step D/(G√τ))`);
    }
    const diameter = optNumber('FLH', 'diameter', options.diameter, set.diameter, 0, BIG, true);
    const eta = optNumber('FLH', 'eta', options.eta, 1 / (lipschitz * diameter), 0, BIG, true);
    const lifetime = options.lifetime === undefined ? 8 : optInt('FLH', 'lifetime', options.lifetime, 1, 1024);
    const x = firstPoint(engine, 'FLH', set, options.x0);
    const n = set.dim, cap = slotsFor(lifetime);
    super(engine, n, set, n + cap * (4 + n), 5 * n + 8, n);
    this.#opts = { lipschitz, diameter, eta, lifetime };
    this.#cap = cap;
    this.st.array.set(x, HEADER);
    engine.kernel('on_flh_init')(n, this.st.ptr);
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }

  /** The decision x_t = Σ p_j x_j (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** Experts alive after the last update. */
  get experts(): number { this.live(); return this.#live; }

  /** Learn the (sub)gradient g_t at x_t (every expert steps with it; Hedge weighs ⟨g_t, x_j⟩). */
  update(gradient: ArrayLike<number>): void {
    const n = this.stageGradient(gradient, [...arguments].slice(1)), o = this.#opts;
    const [kind, r, lo, hi] = this.setArgs();
    const live = this.guarded(() => this.engine.kernel('on_flh_update')(n, kind, r, lo, hi, this.st.ptr, this.inp.ptr, this.scratch.ptr, this.#cap, o.lipschitz, o.diameter, o.eta, o.lifetime));
    if (live < 0) { this.st.array.set(this.backup!.array); throw new StateError(`FLH: no free expert slot (capacity ${this.#cap}); the learner is unchanged`); }
    this.#live = live;
  }

  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    const n = this.dim, base = HEADER + n, w = 4 + n;
    let live = 0, tot = 0;
    for (let j = 0; j < this.#cap; j++) {
      const b = state[base + j * w]!, p = state[base + j * w + 1]!, age = state[base + j * w + 2]!;
      if (b === 0) continue;
      if (!Number.isInteger(b) || b < 1 || b > state[0]! + 1 || !(p >= 0) || !Number.isInteger(age) || age < 0) throw new StateError(`FLH state: expert slot ${j} is out of range`);
      live++; tot += p;
    }
    if (live === 0 || Math.abs(tot - 1) > 1e-9) throw new StateError('FLH state: the experts\' weights do not sum to 1');
    this.#live = live;
  }
}
