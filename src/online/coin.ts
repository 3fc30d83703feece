// Coin betting (kernels in assembly/online/coin.ts): the Krichevsky–Trofimov bettor as a parameter-free
// online linear optimiser (Orabona & Pál 2016). No learning rate: the bet is a fraction β_t = (Σ_{s<t}
// c_s)/t of the wealth won so far, the coins being the negated gradients c_t = −g_t/G. Regret against
// any comparator u, with no step to tune (Orabona & Pál Cor. 5, per coordinate or in the ball):
//   'coordinate'  Σ_i [ε + |u_i|·√(T ln(1 + 24T²u_i²/ε²))]·G             (|g_i| ≤ G; sets: ℝ^d, box)
//   'ball'        G·[ε + ‖u‖√(T ln(1 + 24T²‖u‖²/ε²)) + 2√2·‖u‖√T]         (‖g‖₂ ≤ G; any set)
// ('ball' is Cutkosky & Orabona's 2018 reduction: a 1-D KT magnitude times an adaptive-OGD direction
// on the unit ball.) On a bounded set the unconstrained bet w is mapped to x = Π_K(w) with Cutkosky's
// 2020 constraint reduction, which keeps the regret on K under the same bound.
import type { Engine } from '../engine/engine.js';
import { HyperparameterError, InvalidArgumentError, StateError } from '../errors.js';
import { OnlineLearner, HEADER } from './learner.js';
import { FeasibleSet, learnerSet } from './sets.js';
import { onlineEngine, optChoice, optNumber } from './input.js';

/** How `online.CoinBetting` bets: 'coordinate' (one Krichevsky–Trofimov bettor per coordinate; |g_i| ≤ G) or 'ball' (a 1-D bettor for the magnitude times an adaptive-OGD direction; ‖g‖₂ ≤ G). */
export type CoinBettingMode = 'coordinate' | 'ball';
const MODES: readonly CoinBettingMode[] = ['coordinate', 'ball'];

/** Options of `online.CoinBetting`; unset fields take the defaults stated on each. */
export interface CoinBettingOptions {
  /** The feasible set (online.sets.*). Required; mode 'coordinate' takes `unconstrained` or `box`. */
  set: FeasibleSet;
  /** 'coordinate' (default): one KT bettor per coordinate, |g_i| ≤ G; 'ball': the ℓ2-ball reduction, ‖g‖₂ ≤ G. */
  mode?: CoinBettingMode;
  /** ε, the initial wealth (the regret against u = 0 is at most ε·G). Default 1. */
  epsilon?: number;
  /** G, the bound on |g_i| ('coordinate') or ‖g‖₂ ('ball'); a gradient beyond G·(1 + 1e-12) is refused (one within that slack is scaled back to G). Default 1. */
  lipschitz?: number;
}
const KEYS = ['set', 'mode', 'epsilon', 'lipschitz'];
const BIG = Number.MAX_VALUE;

/**
 * Coin betting (Orabona & Pál 2016): a parameter-free online linear optimiser, no learning rate. It bets
 * the fraction β_t = (Σ_{s<t} c_s)/t of the wealth won so far on the coins c_t = −g_t/G; regret against any
 * u is O(‖u‖·G·√(T ln(1 + T‖u‖))) with nothing to tune. On a bounded set the bet is projected by
 * Cutkosky's 2020 constraint reduction.
 */
export class CoinBetting extends OnlineLearner {
  static readonly learnerName = 'CoinBetting';
  get learnerName(): string { return 'CoinBetting'; }
  readonly #opts: { mode: CoinBettingMode; epsilon: number; lipschitz: number };
  readonly #mode: number;

  constructor(engine: Engine, options: CoinBettingOptions) {
    engine = onlineEngine(engine, 'CoinBetting');
    const set = learnerSet('CoinBetting', options, KEYS);
    const mode = optChoice('CoinBetting', 'mode', options.mode, 'coordinate', MODES);
    if (mode === 'coordinate' && set.kind !== 'unconstrained' && set.kind !== 'box') {
      throw new HyperparameterError(`CoinBetting mode 'coordinate' takes an unconstrained set or a box (the per-coordinate reduction needs a separable set), not ${set.kind}; use mode 'ball'`);
    }
    const epsilon = optNumber('CoinBetting', 'epsilon', options.epsilon, 1, 0, BIG, true);
    const lipschitz = optNumber('CoinBetting', 'lipschitz', options.lipschitz, 1, 0, BIG, true);
    const n = set.dim;
    super(engine, n, set, mode === 'coordinate' ? 4 * n : 3 * n + 4, 5 * n + 8, n);
    this.#opts = { mode, epsilon, lipschitz };
    this.#mode = mode === 'coordinate' ? 0 : 1;
    engine.kernel('on_coin_init')(n, this.#mode, this.st.ptr, epsilon);
    this.st.array.set(set.project(engine, new Float64Array(n)), HEADER);
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }

  /** The decision x_t ∈ K (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** The wealth: per coordinate ('coordinate', d values) or the magnitude bettor's ('ball', one value); ε at the start. */
  get wealth(): Float64Array {
    this.live();
    const n = this.dim, a = this.st.array;
    return this.#mode === 0 ? a.slice(HEADER + 3 * n, HEADER + 4 * n) : a.slice(HEADER + 3 * n + 2, HEADER + 3 * n + 3);
  }

  /** Learn the (sub)gradient g_t at x_t (|g_i| ≤ G, or ‖g‖₂ ≤ G: a larger one is refused, as the wealth could go negative). */
  update(gradient: ArrayLike<number>): void {
    const n = this.stageGradient(gradient, [...arguments].slice(1));
    const [kind, r, lo, hi] = this.setArgs();
    const bad = this.guarded(() => this.engine.kernel('on_coin_update')(n, this.#mode, kind, r, lo, hi, this.st.ptr, this.inp.ptr, this.scratch.ptr, this.#opts.lipschitz));
    if (bad >= 0) {
      const G = this.#opts.lipschitz;
      throw new InvalidArgumentError(bad < n
        ? `CoinBetting: |gradient[${bad}]| = ${Math.abs(this.inp.array[bad]!)} exceeds lipschitz ${G} (mode 'coordinate' needs |g_i| ≤ G·(1 + 1e-12), or the wealth could go negative); the learner is unchanged`
        : `CoinBetting: ‖gradient‖₂ exceeds lipschitz ${G} (mode 'ball' needs ‖g‖₂ ≤ G·(1 + 1e-12), or the wealth could go negative); the learner is unchanged`);
    }
  }

  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    const n = this.dim;
    if (this.#mode === 0) {
      if (state.subarray(HEADER + 3 * n).some((v) => !(v > 0))) throw new StateError('CoinBetting state: a wealth is not positive');
    } else {
      const y = state.subarray(HEADER + 2 * n, HEADER + 3 * n);
      let s = 0; for (const v of y) s += v * v;
      if (Math.sqrt(s) > 1 + 1e-9 || !(state[HEADER + 3 * n + 2]! > 0) || state[HEADER + 3 * n + 3]! < 0) throw new StateError('CoinBetting state: the direction lies outside the unit ball, or the wealth or gradient sum is out of range');
    }
  }
}
