// Context-free index policies beyond UCB1, over the shared statistics (pulls, rewards, squares per
// arm, folded by assembly/bandits/stats.ts): UCB-V, MOSS, MOSS-anytime, KL-UCB (Bernoulli, Gaussian,
// Poisson, exponential), IMED, Bayes-UCB. Their kernels are assembly/bandits/{ucbv,moss,klucb,kl,bayesucb,beta}.ts; each
// decide is one wasm call over copies [0, n) with the PRNG tie-break of pickMax (propensity 1/#ties).
// Every index is +Infinity for an arm never pulled (so each arm is tried once first) and -Infinity
// for a removed arm; t is the total pull count of the copy (removed arms' pulls included).
import type { Engine } from '../engine/engine.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, StateError } from '../errors.js';
import { Policy, type Layout, type OptionCheck, type PolicyOptions } from './policy.js';
import { STATS, UnitRewardPolicy } from './stochastic.js';

const MAX_HORIZON = 2 ** 53 - 1;
const horizonCheck = (v: unknown, n: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_HORIZON) throw new HyperparameterError(`${n} must be an integer in [1, 2^53 - 1] (the number of rounds), got ${describe(v)}`);
  return v;
};

/**
 * Options of `bandits.UCBV` (UCB with the empirical variance: μ̂ + √(2·V̂·ζ·ln t/n) + 3·b·ζ·ln t/n); unset
 * fields take the defaults stated on each.
 */
export interface UCBVOptions extends PolicyOptions {
  /** ζ, the exploration rate: e = ζ ln t (default 1.2, the value of Audibert et al.'s experiments; SMPyBandits' UCBV is ζ = 1). Range [0, 1e6]. */
  zeta?: number;
  /** c, the weight of the range term 3 c e / n (default 1). Range [0, 1e6]. */
  c?: number;
}
/**
 * UCB-V (Audibert, Munos & Szepesvári 2009): play argmax of
 *   mean + sqrt(2 V e / n) + 3 c e / n,   e = ζ ln t,   V = max(squares/n − mean², 0)
 * (V the empirical variance, from the `squares` statistic; rewards in [0, 1], so the range b = 1; ln t
 * = 0 for t <= 1). Low-variance arms get a bonus close to 3 c e / n instead of UCB1's sqrt(2 ln t / n).
 * State: 24 B per arm.
 */
export class UCBV extends UnitRewardPolicy {
  readonly kind = 'UCBV';
  protected readonly version = 1;
  constructor(engine: Engine, options: UCBVOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      zeta: (v, n) => (v === undefined ? 1.2 : checkRange(n, v, 0, 1e6)),
      c: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6)),
    };
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_ucbv_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.zeta as number, this.hyper.c as number, outArm, outProp, outScores], 1, 8 * this.K);
  }
}

/**
 * Options of `bandits.MOSS` (index μ̂ + √(max(ln(T/(K·n)), 0)/n) for a known horizon T); unset fields take
 * the defaults stated on each.
 */
export interface MOSSOptions extends PolicyOptions {
  /** T, the number of rounds the policy is tuned for (required; an integer in [1, 2^53 − 1]). Past T the index keeps using T. */
  horizon: number;
}
/**
 * MOSS (Audibert & Bubeck 2009, "Minimax Optimal Strategy in the Stochastic case"): play argmax of
 *   mean + sqrt(max(ln(T / (K n)), 0) / n)
 * with T the horizon and K the number of active arms; minimax regret O(sqrt(K T)) where UCB1 has
 * O(sqrt(K T ln T)). Rewards in [0, 1]. State: 24 B per arm. Without a horizon use MOSSAnytime.
 */
export class MOSS extends UnitRewardPolicy {
  readonly kind = 'MOSS';
  protected readonly version = 1;
  constructor(engine: Engine, options: MOSSOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return { horizon: (v, n) => { if (v === undefined) throw new HyperparameterError('MOSS needs horizon (the number of rounds T; MOSSAnytime needs none)'); return horizonCheck(v, n); } };
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_moss_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.horizon as number, 0, 1, outArm, outProp, outScores], 1, 8 * this.K);
  }
}

/**
 * Options of `bandits.MOSSAnytime` (MOSS with t in place of the horizon, no horizon needed); unset fields
 * take the defaults stated on each.
 */
export interface MOSSAnytimeOptions extends PolicyOptions {
  /** α of the bonus sqrt((1 + α)/2 · max(ln(t / (K n)), 0) / n) (default 1.35, as SMPyBandits' MOSSAnytime). Range [0, 1e6]. */
  alpha?: number;
}
/**
 * MOSS-anytime (Degenne & Perchet 2016, "Anytime optimal algorithms in stochastic multi-armed
 * bandits"): play argmax of mean + sqrt((1 + α)/2 · max(ln(t / (K n)), 0) / n), t = total pulls, K the
 * number of active arms; no horizon needed. Rewards in [0, 1]. State: 24 B per arm.
 */
export class MOSSAnytime extends UnitRewardPolicy {
  readonly kind = 'MOSSAnytime';
  protected readonly version = 1;
  constructor(engine: Engine, options: MOSSAnytimeOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return { alpha: (v, n) => (v === undefined ? 1.35 : checkRange(n, v, 0, 1e6)) };
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_moss_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, 0, 1, (1 + (this.hyper.alpha as number)) * 0.5, outArm, outProp, outScores], 1, 8 * this.K);
  }
}

/** The reward models of KL-UCB. */
export type KLFamily = 'bernoulli' | 'gaussian' | 'poisson' | 'exponential';
const FAMILIES: readonly KLFamily[] = ['bernoulli', 'gaussian', 'poisson', 'exponential'];
/** Largest |reward| of the unbounded models: 2^53 rewards of 1e100 keep the squares finite. */
export const MAX_ABS_REWARD = 1e100;

/**
 * Options of `bandits.KLUCB` (index max{q : n·kl(μ̂, q) ≤ ln t + c·ln ln t} for the chosen exponential
 * family); unset fields take the defaults stated on each.
 */
export interface KLUCBOptions extends PolicyOptions {
  /**
   * The reward model whose KL divergence defines the index (default 'bernoulli'):
   * - 'bernoulli': kl(p, q) = p ln(p/q) + (1−p) ln((1−p)/(1−q)); rewards in [0, 1] (any bounded reward
   *   rescaled to [0, 1]; Cappé et al. show the Bernoulli index is valid for every [0, 1] distribution);
   * - 'gaussian': kl = (p − q)² / (2σ²) with the known variance σ² (option `variance`); rewards any
   *   finite number with |r| <= 1e100; index mean + sqrt(2σ² d) in closed form;
   * - 'poisson': kl = q − p + p ln(p/q); rewards >= 0 (counts; non-integer rewards are accepted and
   *   enter through their mean), at most 1e100;
   * - 'exponential': kl = p/q − 1 − ln(p/q); rewards > 0 (an exponential reward is 0 with probability
   *   0, and a zero mean has no finite divergence), at most 1e100.
   */
  family?: KLFamily;
  /** σ², the known reward variance of family 'gaussian' (default 1; refused for the other families). Range (0, 1e200]. */
  variance?: number;
  /** c of the exploration level ln t + c ln ln t (default 0, as SMPyBandits and Cappé et al.'s experiments; their theorem takes c = 3). Range [0, 1e3]. */
  c?: number;
}

/** Refuse `variance` outside family 'gaussian' before anything is allocated (options otherwise checked by Policy). */
function klOptions(o: KLUCBOptions): KLUCBOptions {
  const v = o as unknown as Record<string, unknown> | null;
  if (v !== null && typeof v === 'object' && v.variance !== undefined && v.family !== 'gaussian') {
    throw new HyperparameterError(`variance is the known variance of family 'gaussian'; family ${describe(v.family ?? 'bernoulli')} takes none`);
  }
  return o;
}

/**
 * KL-UCB (Cappé, Garivier, Maillard, Munos & Stoltz 2013, "Kullback–Leibler upper confidence bounds
 * for optimal sequential allocation"): play argmax of
 *   u = max{ q >= mean : n · kl(mean, q) <= ln t + c ln ln t }
 * for the chosen one-parameter family (ln t = 0 for t <= 1; the ln ln t term 0 for ln t <= 1). The
 * inversion (assembly/bandits/kl.ts) is a safeguarded Newton iteration from an explicit upper bound
 * with bisection fallback, a fixed step bound (64) and tolerances (1e-7 on the Newton step, 1e-14 on
 * the bracket, relative to the distance from the mean and from 1), so the index is an upper bound of
 * the exact one up to a few ulps and within 1e-12 of u − mean (checked over a grid in
 * test/bandits-index-policies), the same bits in every build.
 * For Bernoulli rewards its regret matches the Lai–Robbins bound Σ (μ* − μ_a)/kl(μ_a, μ*) · ln T
 * asymptotically. State: 24 B per arm.
 */
export class KLUCB extends Policy {
  readonly kind = 'KLUCB';
  protected readonly version = 1;
  constructor(engine: Engine, options: KLUCBOptions) { super(engine, klOptions(options)); }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      family: (v, n) => {
        if (v === undefined) return 'bernoulli';
        if (typeof v !== 'string' || !FAMILIES.includes(v as KLFamily)) throw new HyperparameterError(`${n} must be one of ${FAMILIES.map((f) => `'${f}'`).join(', ')}, got ${describe(v)}`);
        return v;
      },
      variance: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e200, true)),
      c: (v, n) => (v === undefined ? 0 : checkRange(n, v, 0, 1e3)),
    };
  }
  /** The reward model (KLUCBOptions.family). */
  get family(): KLFamily { return this.hyper.family as KLFamily; }
  /** The options as saved (variance only for family 'gaussian'). */
  override get options(): Record<string, unknown> {
    const o = super.options;
    if (o.family !== 'gaussian') delete o.variance;
    return o;
  }
  protected layout(): Layout { return STATS; }
  protected checkReward(r: number, where: string): void {
    const f = this.family;
    if (f === 'bernoulli') { if (!(r >= 0 && r <= 1)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [0, 1] (KLUCB family 'bernoulli' takes rewards in [0, 1])`); return; }
    if (f === 'gaussian') { if (!(Math.abs(r) <= MAX_ABS_REWARD)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [-1e100, 1e100] (KLUCB family 'gaussian')`); return; }
    if (f === 'poisson') { if (!(r >= 0 && r <= MAX_ABS_REWARD)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [0, 1e100] (KLUCB family 'poisson' takes non-negative rewards)`); return; }
    if (!(r > 0 && r <= MAX_ABS_REWARD)) throw new InvalidArgumentError(`${where}: reward ${r} is outside (0, 1e100] (KLUCB family 'exponential' takes positive rewards)`);
  }
  /**
   * pulls >= 0 and, per family: 'bernoulli' 0 <= rewards <= pulls, 0 <= squares <= rewards; others
   * squares >= 0, never-pulled arms all zero; 'poisson' rewards >= 0; 'exponential' rewards > 0 once pulled.
   */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    const n = v.pulls![0]!, s = v.rewards![0]!, q = v.squares![0]!, f = this.family;
    if (!(n >= 0)) throw new StateError(`${where}: pulls ${n} is negative`);
    if (f === 'bernoulli') {
      if (!(s >= 0 && s <= n)) throw new StateError(`${where}: rewards ${s} is not in [0, pulls = ${n}] (rewards in [0, 1])`);
      if (!(q >= 0 && q <= s)) throw new StateError(`${where}: squares ${q} is not in [0, rewards = ${s}]`);
      return;
    }
    if (!(q >= 0)) throw new StateError(`${where}: squares ${q} is negative`);
    if (n === 0 && (s !== 0 || q !== 0)) throw new StateError(`${where}: an arm with 0 pulls has rewards ${s} and squares ${q} (must be 0)`);
    if (f === 'poisson' && !(s >= 0)) throw new StateError(`${where}: rewards ${s} is negative (family 'poisson')`);
    if (f === 'exponential' && n > 0 && !(s > 0)) throw new StateError(`${where}: rewards ${s} is not positive (family 'exponential' takes positive rewards)`);
  }
  /** squares may be omitted for family 'bernoulli': it defaults to rewards (exact for 0/1 rewards). */
  protected override warmDefaults(given: Record<string, unknown>): Record<string, unknown> {
    return this.family === 'bernoulli' && given.squares === undefined && given.rewards !== undefined ? { ...given, squares: given.rewards } : given;
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_klucb_decide', n, [this.state.ptr + 8 * this.slotOffset('pulls'), this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, FAMILIES.indexOf(this.family), this.hyper.c as number, this.hyper.variance as number,
      outArm, outProp, outScores], 1, 64 * this.K);
  }
}

/** IMED takes only the options every policy takes. */
export interface IMEDOptions extends PolicyOptions {}
/**
 * IMED (Honda & Takemura 2015, "Non-asymptotic analysis of a new bandit algorithm for semi-bounded
 * rewards") for Bernoulli rewards: play argmin of I_a = n_a · kl(mean_a, best) + ln n_a, best = the
 * largest mean among the active pulled arms, kl the Bernoulli divergence (exact: an arm with mean < 1
 * while best = 1 has I = +Infinity until the best mean drops). `scores` are −I (so argmax, like the
 * other policies); never-pulled arms score +Infinity. Asymptotically optimal (Lai–Robbins) for
 * Bernoulli arms, deterministic like an index policy. Rewards in [0, 1]. State: 24 B per arm.
 */
export class IMED extends UnitRewardPolicy {
  readonly kind = 'IMED';
  protected readonly version = 1;
  constructor(engine: Engine, options: IMEDOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> { return {}; }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_imed_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, outArm, outProp, outScores], 1, 16 * this.K);
  }
}

/**
 * Options of `bandits.BayesUCB` (the index is the 1 − 1/(t·(ln T)^c) quantile of each arm's posterior);
 * unset fields take the defaults stated on each.
 */
export interface BayesUCBOptions extends PolicyOptions {
  /** c of the quantile level 1 − 1/(τ (ln T)^c) (default 0, Kaufmann et al.'s experiments; their theorem takes c >= 5). Range [0, 100]. */
  c?: number;
  /** T, the horizon in (ln T)^c: required when c > 0 (an integer in [2, 2^53 − 1]), refused when c = 0. */
  horizon?: number;
}

/** Check the c/horizon pairing of Bayes-UCB before anything is allocated (each value is checked by Policy). */
function bayesOptions(o: BayesUCBOptions): BayesUCBOptions {
  const v = o as unknown as Record<string, unknown> | null;
  if (v !== null && typeof v === 'object') {
    const c = v.c ?? 0;
    if (typeof c === 'number' && c > 0 && v.horizon === undefined) throw new HyperparameterError(`BayesUCB with c = ${c} needs horizon (the T of (ln T)^c)`);
    if (c === 0 && v.horizon !== undefined) throw new HyperparameterError('BayesUCB uses horizon only with c > 0 (the quantile level 1 − 1/(τ (ln T)^c)); with c = 0 it takes none');
  }
  return o;
}

/**
 * Bayes-UCB (Kaufmann, Cappé & Garivier 2012, "On Bayesian upper confidence bounds for bandit
 * problems") for Bernoulli rewards: play argmax of the 1 − 1/(τ (ln T)^c) quantile of the arm's Beta
 * posterior Beta(1 + rewards, 1 + pulls − rewards) (uniform prior; τ = t + 1 the round being decided,
 * t = total pulls). An arm never pulled scores the prior's quantile 1 − 1/(τ (ln T)^c). The quantile
 * is computed in wasm (assembly/bandits/beta.ts): ln Γ by Stirling's series, the regularized
 * incomplete beta by its continued fraction, and a safeguarded Newton iteration on ln(1 − I_x(a, b)),
 * with fixed iteration bounds, so it is the same bits in every build; checked against SciPy's
 * beta.isf. Rewards in [0, 1] (fractional rewards enter the posterior's parameters as SMPyBandits'
 * Beta posterior does). Asymptotically optimal for Bernoulli arms. State: 24 B per arm.
 */
export class BayesUCB extends UnitRewardPolicy {
  readonly kind = 'BayesUCB';
  protected readonly version = 1;
  constructor(engine: Engine, options: BayesUCBOptions) { super(engine, bayesOptions(options)); }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      c: (v, n) => (v === undefined ? 0 : checkRange(n, v, 0, 100)),
      horizon: (v, n) => {
        if (v === undefined) return 0;
        const h = horizonCheck(v, n);
        if (h < 2) throw new HyperparameterError(`${n} must be an integer in [2, 2^53 - 1] (ln T > 0), got ${describe(v)}`);
        return h;
      },
    };
  }
  /** The options as saved (horizon only when c > 0). */
  override get options(): Record<string, unknown> {
    const o = super.options;
    if (o.c === 0) delete o.horizon;
    return o;
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_bayesucb_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.horizon as number, this.hyper.c as number, outArm, outProp, outScores], 1, 256 * this.K);
  }
}
