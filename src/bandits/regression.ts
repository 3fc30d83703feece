// Regression-oracle contextual policies: ε-greedy and SquareCB (Foster & Rakhlin 2020, "Beyond UCB:
// optimal and efficient contextual bandits with regression oracles") over per-arm online regressors.
// Each arm keeps its own regressor of the reward on the context:
//   'ridge'    (default): A = λI + Σ x xᵀ, b = Σ r x, ŷ = xᵀA⁻¹b; A⁻¹ by Sherman–Morrison (the fold of
//              LinUCB, assembly/bandits/linear.ts), rewards any finite number within ±1e12;
//   'logistic': P(r = 1 | x) = σ(xᵀθ), fitted online by one Newton step per event on the log-loss with
//              a N(0, λ⁻¹I) prior: the Hessian A = λI + Σ p(1 − p) x xᵀ (p at the θ of that event)
//              is kept inverted by Sherman–Morrison and θ ← θ − (p − r)·A_new⁻¹x (recursive IRLS, the
//              Laplace / extended-Kalman update of Chapelle & Li 2011 with the full matrix;
//              assembly/bandits/linreg.ts has the exact operations); rewards in [0, 1] (fractional
//              labels allowed), ŷ = σ(xᵀθ).
// The prediction xᵀθ is the f32 mean of LinUCB's scoring kernel (mode 2: no confidence term); the
// policy's distribution over the offered arms and one uniform draw are computed in one wasm call per
// batch, and `propensity` is that distribution's exact value.
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, StateError } from '../errors.js';
import { LinearPolicy, type LinearOptions } from './contextual.js';
import type { Layout, OptionCheck, PolicyOptions } from './policy.js';

/**
 * The reward model of the regression-oracle policies: 'ridge' (least squares) or 'logistic' (Bernoulli
 * rewards, a logistic link).
 */
export type Regressor = 'ridge' | 'logistic';
const REGRESSORS: readonly Regressor[] = ['ridge', 'logistic'];

/**
 * Options shared by the regression-oracle policies (`bandits.LinEpsilonGreedy`, `bandits.SquareCB`); unset
 * fields take the defaults stated on each.
 */
export interface RegressionOptions extends PolicyOptions {
  /** Context dimension d (1 to 512). */
  dim: number;
  /** Ridge λ: A starts as λI (default 1; 1e-6 to 1e12); for the logistic regressor the prior precision. */
  lambda?: number;
  /** Per-arm reward model: 'ridge' (least squares, default) or 'logistic' (rewards in [0, 1]). */
  regressor?: Regressor;
}
/**
 * Options of `bandits.LinEpsilonGreedy` (the regressor's best arm with probability 1 − ε, a uniform arm
 * otherwise).
 */
export interface LinEpsilonGreedyOptions extends RegressionOptions {
  /** Exploration rate ε in [0, 1] (default 0.1, MABWiser's LinGreedy): p_k = ε/n + (1 − ε)·[k maximises ŷ]/#maximisers over the n offered arms. */
  epsilon?: number;
}
/**
 * Options of `bandits.SquareCB` (Foster & Rakhlin 2020: inverse-gap weighting p_a = 1/(K + γ·(ŷ_best −
 * ŷ_a)) over the regressor's predictions).
 */
export interface SquareCBOptions extends RegressionOptions {
  /** γ₀ in [0, 1e12] (default 10, VW's --gamma_scale): the learning rate is γ_t = γ₀·t^gammaExponent, t = learned events + 1. */
  gamma?: number;
  /** Exponent of t in γ_t, in [0, 1] (default 0.5, VW's --gamma_exponent; 0 keeps γ = γ₀, Foster & Rakhlin's fixed γ = √(KT/Reg)). */
  gammaExponent?: number;
}

abstract class RegressionPolicy extends LinearPolicy {
  protected readonly mode = 2;
  /** 0: ε-greedy, 1: SquareCB (bd_lin_prob_pick's mode). */
  protected abstract readonly pickMode: 0 | 1;
  protected override get vecSlot(): string { return this.hyper.regressor === 'logistic' ? 'theta' : 'b'; }
  /** The per-arm reward model. */
  get regressor(): Regressor { return this.hyper.regressor as Regressor; }
  protected override optionSpec(): Record<string, OptionCheck> {
    const { alpha: _alpha, ...rest } = super.optionSpec();
    return {
      ...rest,
      regressor: (v, n) => {
        if (v === undefined) return 'ridge';
        if (typeof v !== 'string' || !REGRESSORS.includes(v as Regressor)) throw new HyperparameterError(`${n} must be 'ridge' or 'logistic', got ${describe(v)}`);
        return v;
      },
    };
  }
  protected override checkReward(r: number, where: string): void {
    if (this.hyper.regressor === 'logistic') {
      if (!(r >= 0 && r <= 1)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [0, 1] (the logistic regressor models a probability)`);
    } else super.checkReward(r, where);
  }
  /** The two parameters of the pick kernel (ε, unused; or γ₀ and its exponent) and the round t. */
  protected abstract pickParams(): [number, number, number];
  protected override pickKernel(B: number, scores: EngineBuffer<'f64'>, mask: EngineBuffer<'u8'>, maskB: number, hashes: EngineBuffer<'i32'>,
    arms: EngineBuffer<'i32'>, props: EngineBuffer<'f64'>): void {
    const [p1, p2, t] = this.pickParams();
    this.engine.run('bd_lin_prob_pick', B, [scores.ptr, this.K, mask.ptr, maskB, this.pickMode, p1, p2, t, this.hyper.regressor === 'logistic' ? 1 : 0,
      this.key[0], this.key[1], hashes.ptr, arms.ptr, props.ptr], 1, 3 * this.K);
  }
  protected override foldKernel(G: number, n: number, gb: EngineBuffer<'i32'>, ob: EngineBuffer<'i32'>, cb: EngineBuffer<'f64'>, rewards: EngineBuffer<'f64'>, wb: EngineBuffer<'f64'>): void {
    if (this.hyper.regressor !== 'logistic') { super.foldKernel(G, n, gb, ob, cb, rewards, wb); return; }
    const d = this.dim;
    this.engine.run('bd_lin_learn_logistic', G, [this.state.ptr, this.slotOffset('Ainv'), this.slotOffset('theta'), d, gb.ptr, ob.ptr, cb.ptr, rewards.ptr, wb.ptr,
      this.cache!.ptr, this.cstride], 1, Math.ceil((3 * d * d * n) / G));
  }
}

/**
 * ε-greedy over per-arm online regressors (MABWiser's LinGreedy for 'ridge'; VW's --epsilon over a
 * linear model): with probability 1 − ε the arm of largest prediction ŷ_k (ties shared uniformly),
 * else a uniformly random offered arm. propensity = ε/n + (1 − ε)/#maximisers for a maximiser, ε/n for
 * the others (exact). State: 8·(d² + d) B per arm plus LinUCB's f32 scoring cache.
 */
export class LinEpsilonGreedy extends RegressionPolicy {
  readonly kind = 'LinEpsilonGreedy';
  protected readonly version = 1;
  protected readonly pickMode = 0;
  constructor(engine: Engine, options: LinEpsilonGreedyOptions) { super(engine, options as LinearOptions); }
  protected override optionSpec(): Record<string, OptionCheck> {
    return { ...super.optionSpec(), epsilon: (v, n) => (v === undefined ? 0.1 : checkRange(n, v, 0, 1)) };
  }
  protected pickParams(): [number, number, number] { return [this.hyper.epsilon as number, 0, 1]; }
}

/**
 * SquareCB (Foster & Rakhlin 2020) over per-arm online regressors, as VW's --squarecb: with b the arm
 * of largest prediction ŷ and n offered arms, every other arm gets p_k = 1/(n + γ_t(ŷ_b − ŷ_k)) and b
 * the rest (arms tied at the maximum share it equally); γ_t = γ₀·t^gammaExponent with t = 1 + the
 * events learned so far (kept in the state). With a regression oracle of cumulative square-loss regret
 * Reg and γ = √(KT/Reg), its regret is O(√(KT·Reg)); for a d-dimensional ridge oracle Reg = O(d log T).
 * propensity: the exact p of the chosen arm. State: 8·(d² + d) B per arm, 8 B for t, plus the cache.
 */
export class SquareCB extends RegressionPolicy {
  readonly kind = 'SquareCB';
  protected readonly version = 1;
  protected readonly pickMode = 1;
  constructor(engine: Engine, options: SquareCBOptions) { super(engine, options as LinearOptions); }
  protected override optionSpec(): Record<string, OptionCheck> {
    return {
      ...super.optionSpec(),
      gamma: (v, n) => (v === undefined ? 10 : checkRange(n, v, 0, 1e12)),
      gammaExponent: (v, n) => (v === undefined ? 0.5 : checkRange(n, v, 0, 1)),
    };
  }
  protected override layout(): Layout { return { ...super.layout(), header: 1 }; }
  /** Events learned so far (t − 1 of γ_t). */
  get rounds(): number { this.checkLive(); return this.state.array[0]!; }
  protected pickParams(): [number, number, number] { return [this.hyper.gamma as number, this.hyper.gammaExponent as number, this.state.array[0]! + 1]; }
  protected override learnKernel(n: number, copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    super.learnKernel(n, copies, arms, rewards);
    this.state.array[0] = this.state.array[0]! + n;
  }
  protected override checkHeader(state: Float64Array): void {
    const t = state[0]!;
    if (!(Number.isInteger(t) && t >= 0 && t <= Number.MAX_SAFE_INTEGER)) throw new StateError(`state file round count ${t} is not an integer in [0, 2^53)`);
  }
}
