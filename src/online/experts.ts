// Expert aggregation (kernels in assembly/online/experts.ts), the rules of the R package opera (Gaillard
// & Goude) with its gradient trick: EWA (Hedge; log domain), FixedShare, MLpol (Gaillard, Stoltz & van
// Erven 2014) and BOA (Wintenberger 2017). Protocol: predict() → the weights p over the N experts;
// forecast(advice) → Σ p_i·advice_i; update(losses) with the experts' losses (the mixture suffers ⟨p, ℓ⟩),
// or update(y, { advice }) with the outcome y and the experts' forecasts (loss 'square', 'absolute',
// 'pinball' (τ) or 'percentage'; with gradient: true, opera's default, each expert's loss is linearised
// at the mixture's forecast, ℓ_i = ℓ'(ŷ)·x_i, so the mixture competes with the best convex combination).
// Returns the mixture's loss (its real loss, not the linearised one). State: N to 3N f64.
import type { Engine } from '../engine/engine.js';
import { describe, HyperparameterError, InvalidArgumentError, StateError } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { OnlineLearner, HEADER } from './learner.js';
import { finiteNumber, onlineEngine, optBool, optChoice, optInt, optNumber, stage } from './input.js';

/**
 * The loss of an expert aggregation: square (y − ŷ)², absolute |y − ŷ|, pinball (quantile τ) or percentage
 * |y − ŷ|/|y|.
 */
export type ExpertLoss = 'square' | 'absolute' | 'pinball' | 'percentage';
const LOSSES: readonly ExpertLoss[] = ['square', 'absolute', 'pinball', 'percentage'];
/** Largest number of experts. */
export const MAX_EXPERTS = 1 << 20;

/**
 * Options shared by the expert aggregations (EWA, FixedShare, MLpol, BOA); unset fields take the defaults
 * stated on each.
 */
export interface AggregationOptions {
  /** Number of experts N. Required. */
  experts: number;
  /** Loss of update(y, { advice }): 'square' (default), 'absolute', 'pinball' or 'percentage'. */
  loss?: ExpertLoss;
  /** Quantile τ of the pinball loss. Default 0.5. */
  tau?: number;
  /** opera's loss.gradient: linearise each loss at the mixture's forecast. Default true. */
  gradient?: boolean;
}
/**
 * Options of `online.EWA` (exponentially weighted average forecaster: w_i ∝ exp(−η·L_i), L_i the expert's
 * cumulative loss).
 */
export interface EWAOptions extends AggregationOptions {
  /** Learning rate η (fixed). Default: the anytime rate η_t = √(8 ln N / t) (losses in [0, 1]). */
  eta?: number;
}
/**
 * Options of `online.FixedShare` (EWA whose weights are mixed with a share α of the uniform weights each
 * round, Herbster & Warmuth 1998).
 */
export interface FixedShareAggregationOptions extends AggregationOptions {
  /** Learning rate η. Required. */
  eta: number;
  /** Share α ∈ (0, 1]: the weight mixed back uniformly each round. Default 0.01. */
  alpha?: number;
}
/** MLpol has no parameter to tune. */
export interface MLpolOptions extends AggregationOptions {}
/** BOA has no parameter to tune. */
export interface BOAOptions extends AggregationOptions {}

const BASE_KEYS = ['experts', 'loss', 'tau', 'gradient'];

abstract class Aggregation extends OnlineLearner {
  readonly #rule: number;
  readonly #base: { experts: number; loss: ExpertLoss; tau: number; gradient: boolean };
  readonly #lossCode: number;
  /** @internal rate mode (0 fixed, 1 c/√t), c, α */
  protected readonly rate: [number, number, number];
  readonly #out: Float64Array;

  /** @internal */
  constructor(engine: Engine, name: string, rule: number, slots: number, options: AggregationOptions, extraKeys: string[], rate: (n: number, o: any) => [number, number, number]) {
    engine = onlineEngine(engine, name);
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`${name} options must be an object with experts`);
    checkKnownKeys(`${name} option`, options, [...BASE_KEYS, ...extraKeys]);
    const n = optInt(name, 'experts', options.experts, 1, MAX_EXPERTS);
    const base = {
      experts: n, loss: optChoice(name, 'loss', options.loss, 'square', LOSSES),
      tau: optNumber(name, 'tau', options.tau, 0.5, 0, 1, false), gradient: optBool(name, 'gradient', options.gradient, true),
    };
    const r = rate(n, options);
    super(engine, n, null, slots * n, 3 * n + 4, n);
    this.#rule = rule; this.#base = base; this.#lossCode = LOSSES.indexOf(base.loss); this.rate = r;
    this.#out = new Float64Array(2);
    engine.kernel('on_experts_init')(n, rule, this.st.ptr);
  }
  protected get baseOptions(): Record<string, unknown> { return { ...this.#base }; }

  /** The weights p_t over the experts (a copy; Σ = 1). */
  predict(): Float64Array {
    this.live();
    this.noArgs('predict', [...arguments]);
    const [mode, c] = this.rate;
    const p = this.engine.alloc(this.dim, 'f64');
    try {
      this.engine.kernel('on_experts_weights')(this.dim, this.#rule, this.st.ptr, p.ptr, this.scratch.ptr, mode, c);
      return p.array.slice();
    } finally { p.free(); }
  }

  /** The mixture's forecast Σ p_i·advice_i. */
  forecast(advice: ArrayLike<number>): number {
    this.live();
    const [mode, c] = this.rate;
    stage(this.engine, 'advice', advice, this.dim, this.inp);
    this.engine.kernel('on_experts_weights')(this.dim, this.#rule, this.st.ptr, this.scratch.ptr, this.scratch.ptr + 8 * this.dim, mode, c);
    return this.engine.kernel('on_experts_combine')(this.dim, this.scratch.ptr, this.inp.ptr);
  }

  /** update(losses): the experts' losses; update(y, { advice }): the outcome and the experts' forecasts. Returns the mixture's loss. */
  update(losses: ArrayLike<number>): number;
  update(y: number, info: { advice: ArrayLike<number> }): number;
  update(a: number | ArrayLike<number>, info?: { advice: ArrayLike<number> }): number {
    this.live();
    const n = this.dim, [mode, c, alpha] = this.rate;
    let form = 0, y = 0;
    if (typeof a === 'number' || info !== undefined) {
      if (info === null || typeof info !== 'object') throw new InvalidArgumentError(`${this.learnerName}.update(y, info) needs info = { advice: the experts' forecasts }, got ${describe(info)}`);
      checkKnownKeys(`${this.learnerName}.update info key`, info, ['advice']);
      y = finiteNumber('y', a);
      if (this.#base.loss === 'percentage' && y === 0) throw new InvalidArgumentError('the percentage loss needs y ≠ 0');
      stage(this.engine, 'advice', info.advice, n, this.inp);
      form = 1;
    } else {
      stage(this.engine, 'losses', a, n, this.inp);
    }
    const out = this.engine.alloc(2, 'f64');
    try {
      this.guarded(() => this.engine.kernel('on_experts_update')(n, this.#rule, this.st.ptr, this.inp.ptr, form, y, this.#lossCode, this.#base.tau, this.#base.gradient ? 1 : 0,
        mode, c, alpha, this.scratch.ptr, out.ptr));
      this.#out.set(out.array);
    } finally { out.free(); }
    return this.#out[1]!;
  }
  /** The mixture's forecast of the last update(y, { advice }) (its ⟨p, ℓ⟩ after update(losses)). */
  get lastForecast(): number { return this.#out[0]!; }
}

/** EWA / Hedge: p ∝ exp(η R), R the cumulative regret against each expert (opera's "EWA"). */
export class EWA extends Aggregation {
  static readonly learnerName = 'EWA';
  get learnerName(): string { return 'EWA'; }
  readonly #eta: number | undefined;
  constructor(engine: Engine, options: EWAOptions) {
    let eta: number | undefined;
    super(engine, 'EWA', 0, 1, options, ['eta'], (n, o) => {
      eta = optNumber('EWA', 'eta', o.eta, 0, 0, Number.MAX_VALUE, true);
      return o.eta === undefined ? [1, (engine as Engine).sqrt(8 * (engine as Engine).log(Math.max(n, 2))), 0] : [0, eta, 0];
    });
    this.#eta = options.eta === undefined ? undefined : eta;
  }
  get options(): Record<string, unknown> { return this.#eta === undefined ? this.baseOptions : { ...this.baseOptions, eta: this.#eta }; }
}

/**
 * Fixed-Share (Herbster & Warmuth 1998) as opera's "FS": EWA whose weights are mixed with α/N each round.
 * Exported as online.FixedShare (the class name differs from bandits.FixedShare's for the typings).
 */
export class FixedShareAggregation extends Aggregation {
  static readonly learnerName = 'FixedShare';
  get learnerName(): string { return 'FixedShare'; }
  constructor(engine: Engine, options: FixedShareAggregationOptions) {
    super(engine, 'FixedShare', 1, 1, options, ['eta', 'alpha'], (_n, o) => {
      if (o.eta === undefined) throw new HyperparameterError('FixedShare needs the eta option (its learning rate)');
      return [0, optNumber('FixedShare', 'eta', o.eta, 1, 0, Number.MAX_VALUE, true), optNumber('FixedShare', 'alpha', o.alpha, 0.01, 0, 1, true)];
    });
  }
  get options(): Record<string, unknown> { return { ...this.baseOptions, eta: this.rate[1], alpha: this.rate[2] }; }
}

/** MLpol: polynomially weighted average with one learning rate per expert (no parameter to tune). */
export class MLpol extends Aggregation {
  static readonly learnerName = 'MLpol';
  get learnerName(): string { return 'MLpol'; }
  constructor(engine: Engine, options: MLpolOptions) { super(engine, 'MLpol', 2, 2, options, [], () => [0, 0, 0]); }
  get options(): Record<string, unknown> { return this.baseOptions; }
  protected override checkRestored(state: Float64Array): void {
    if (state.subarray(HEADER + this.dim).some((v) => !(v > 0))) throw new StateError('MLpol state: a learning rate is not positive');
  }
}

/** BOA: Bernstein Online Aggregation (second-order, adaptive per-expert rates). */
export class BOA extends Aggregation {
  static readonly learnerName = 'BOA';
  get learnerName(): string { return 'BOA'; }
  constructor(engine: Engine, options: BOAOptions) { super(engine, 'BOA', 3, 3, options, [], () => [0, 0, 0]); }
  get options(): Record<string, unknown> { return this.baseOptions; }
  protected override checkRestored(state: Float64Array): void {
    if (state.subarray(HEADER + 2 * this.dim).some((v) => v < 0)) throw new StateError('BOA state: a second-order sum is negative');
  }
}
