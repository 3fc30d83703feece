// Thompson sampling, context-free: Beta-Bernoulli (BernoulliTS) and Gaussian with unknown variance
// (GaussianTS, Normal-Gamma prior), over the shared statistics; kernel in assembly/bandits/thompson.ts.
import type { Engine } from '../engine/engine.js';
import { checkRange, describe, HyperparameterError } from '../errors.js';
import type { OptionCheck, PolicyOptions } from './policy.js';
import { UnitRewardPolicy } from './stochastic.js';
import { RealRewardPolicy } from './randomized.js';

/** Most Monte Carlo draws of a Thompson propensity. */
export const MAX_PROPENSITY_DRAWS = 4096;
const draws: OptionCheck = (v, n) => {
  if (v === undefined) return 256;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_PROPENSITY_DRAWS) throw new HyperparameterError(`${n} must be an integer in [0, ${MAX_PROPENSITY_DRAWS}], got ${describe(v)}`);
  return v;
};
const positive = (dflt: number): OptionCheck => (v, n) => (v === undefined ? dflt : checkRange(n, v, 1e-12, 1e12));

/** Options shared by the Thompson-sampling policies; unset fields take the defaults stated on each. */
export interface ThompsonOptions extends PolicyOptions {
  /**
   * Extra posterior draws per decision for the Monte Carlo propensity (an integer in [0, 4096],
   * default 256). propensity = (1 + wins in draws 1..M)/(M + 1) (draw 0, the decision, is a win), whose
   * mean is p + (1 − p)/(M + 1) and standard deviation √(M·p(1 − p))/(M + 1) ≤ 0.5/√(M + 1) (0.031 at the
   * default), p the exact probability. 0 skips it (propensity 1): for simulations that never read it.
   */
  propensityDraws?: number;
}

/**
 * Options of `bandits.BernoulliTS` (Beta(α + successes, β + failures) posteriors, one draw per arm and
 * decision); unset fields take the defaults stated on each.
 */
export interface BernoulliTSOptions extends ThompsonOptions {
  /** Prior Beta(alpha, beta) of every arm's mean: alpha in [1e-12, 1e12], default 1 (uniform prior). */
  alpha?: number;
  /** Prior Beta(alpha, beta): beta in [1e-12, 1e12], default 1. */
  beta?: number;
}

/**
 * Beta-Bernoulli Thompson sampling (Thompson 1933; Agrawal & Goyal 2012; MABWiser's ThompsonSampling):
 * arm k's posterior is Beta(alpha + S_k, beta + N_k − S_k) (N pulls, S reward sum; for rewards in
 * (0, 1) this is the fractional-count update, exact Bayes for 0/1 rewards); play the arm with the
 * largest posterior draw. Each draw is X/(X + Y) of two Marsaglia–Tsang gammas (their normals from a
 * ziggurat, one Philox block per round: assembly/core/zig.ts) from streams S_SAMPLE + k and its twin,
 * keyed by (seed, eventId), so it is reproducible arm by arm. propensity: Monte Carlo,
 * see propensityDraws. Rewards in [0, 1]. State: 24 B per arm.
 */
export class BernoulliTS extends UnitRewardPolicy {
  readonly kind = 'BernoulliTS';
  protected readonly version = 1;
  constructor(engine: Engine, options: BernoulliTSOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return { alpha: positive(1), beta: positive(1), propensityDraws: draws };
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    const h = this.hyper, M = h.propensityDraws as number;
    this.engine.run('bd_ts_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr, this.key[0], this.key[1], hashes,
      0, h.alpha as number, h.beta as number, 0, 0, M, outArm, outProp, outScores], 1, 200 * this.K * (M + 1));
  }
  /**
   * @internal bandits.simulate's fused path (assembly/bandits/simts.ts): rounds [t0, t1) of every copy
   * on a Bernoulli environment in one engine call (copies split over the engine's threads), the same
   * bits as deciding (propensityDraws 0), drawing and learning round by round. `env`: engine pointers
   * of the segment's means and best mean with their per-copy strides and the env key; `acc`: regret,
   * collected and pulls (R, R, R × K f64); `scratch`: (5·K + 4)·copies f64.
   */
  simulateBernoulli(t0: number, t1: number, env: { means: number; pStride: number; best: number; bStride: number; key: readonly [number, number] },
    acc: { regret: number; collected: number; pulls: number }, scratch: number): void {
    this.checkLive();
    this.engine.run('bd_ts_sim', this.copies, [t0, t1, this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr, this.key[0], this.key[1],
      this.hyper.alpha as number, this.hyper.beta as number, env.means, env.pStride, env.best, env.bStride, env.key[0], env.key[1],
      acc.regret, acc.collected, acc.pulls, scratch], 1, 40 * this.K * (t1 - t0));
  }
}

/**
 * Options of `bandits.GaussianTS` (Gaussian posteriors N(μ̂, σ²/(n + 1)) per arm, one draw per arm and
 * decision); unset fields take the defaults stated on each.
 */
export interface GaussianTSOptions extends ThompsonOptions {
  /** Prior mean μ0 of every arm's mean (finite, |μ0| ≤ 1e150, default 0). */
  priorMean?: number;
  /** κ0, the prior mean's weight in pseudo-observations ([1e-12, 1e12], default 1). */
  priorCount?: number;
  /** α0, shape of the Gamma prior on the precision ([1e-12, 1e12], default 1). */
  priorShape?: number;
  /** β0, rate of the Gamma prior on the precision ([1e-12, 1e12], default 1: prior E[1/σ²] = α0/β0 = 1). */
  priorRate?: number;
}

/**
 * Gaussian Thompson sampling with unknown mean and variance: each arm's rewards are N(μ, 1/τ) with the
 * conjugate Normal-Gamma prior μ | τ ~ N(μ0, 1/(κ0·τ)), τ ~ Gamma(α0, rate β0). After n rewards with
 * mean x̄ and centred sum of squares SS the posterior is Normal-Gamma with κn = κ0 + n,
 * μn = (κ0μ0 + n·x̄)/κn, αn = α0 + n/2, βn = β0 + SS/2 + κ0·n·(x̄ − μ0)²/(2κn); the draw is
 * μn + z·√(βn/(κn·g)), g ~ Gamma(αn, 1), z ~ N(0, 1), i.e. Student-t with 2αn degrees of freedom,
 * location μn and scale √(βn/(αn·κn)). Set the prior to the reward scale (the defaults suit rewards of
 * order 1). propensity: Monte Carlo, see propensityDraws. Any finite reward. State: 24 B per arm.
 */
export class GaussianTS extends RealRewardPolicy {
  readonly kind = 'GaussianTS';
  protected readonly version = 1;
  constructor(engine: Engine, options: GaussianTSOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      priorMean: (v, n) => (v === undefined ? 0 : checkRange(n, v, -1e150, 1e150)),
      priorCount: positive(1), priorShape: positive(1), priorRate: positive(1), propensityDraws: draws,
    };
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    const h = this.hyper, M = h.propensityDraws as number;
    this.engine.run('bd_ts_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr, this.key[0], this.key[1], hashes,
      1, h.priorMean as number, h.priorCount as number, h.priorShape as number, h.priorRate as number, M, outArm, outProp, outScores], 1, 200 * this.K * (M + 1));
  }
}
