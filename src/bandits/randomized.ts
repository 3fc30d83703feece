// Randomized context-free policies: ε-greedy (fixed and decreasing ε), softmax (Boltzmann) and
// explore-then-commit, over the shared statistics (kernels in assembly/bandits/randomized.ts), and the
// base class of policies whose rewards are any finite real (RealRewardPolicy).
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, StateError } from '../errors.js';
import { Policy, type Layout, type OptionCheck, type PolicyOptions } from './policy.js';
import { STATS } from './stochastic.js';

/** Largest |reward| a real-reward policy accepts (so that reward² and the sums stay finite). */
export const MAX_REWARD = 1e150;

/** A policy over the shared statistics (pulls, rewards, squares) taking any finite reward with |r| ≤ 1e150. */
export abstract class RealRewardPolicy extends Policy {
  protected layout(): Layout { return STATS; }
  protected checkReward(r: number, where: string): void {
    if (!(Math.abs(r) <= MAX_REWARD)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [-1e150, 1e150] (${this.kind} takes finite real rewards)`);
  }
  /** pulls >= 0, squares >= 0; an arm with no pulls has rewards = squares = 0. */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    const n = v.pulls![0]!, s = v.rewards![0]!, q = v.squares![0]!;
    if (!(n >= 0)) throw new StateError(`${where}: pulls ${n} is negative`);
    if (!(q >= 0)) throw new StateError(`${where}: squares ${q} is negative`);
    if (n === 0 && (s !== 0 || q !== 0)) throw new StateError(`${where}: an arm with no pulls has rewards ${s} and squares ${q} (must be 0)`);
  }
  /** squares may be omitted: it defaults to rewards²/pulls (the value when every reward equals the mean). */
  protected override warmDefaults(given: Record<string, unknown>): Record<string, unknown> {
    if (given.squares !== undefined || given.rewards === undefined || given.pulls === undefined) return given;
    const n = given.pulls as ArrayLike<number>, s = given.rewards as ArrayLike<number>;
    if (!(Array.isArray(n) || ArrayBuffer.isView(n)) || !(Array.isArray(s) || ArrayBuffer.isView(s)) || n.length !== s.length) return given;
    return { ...given, squares: Array.from(s, (x, i) => (n[i]! > 0 ? (x * x) / n[i]! : 0)) };
  }
  protected get pullsPtr(): number { return this.state.ptr + 8 * this.slotOffset('pulls'); }
}

const intIn = (v: unknown, n: string, lo: number, hi: number): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`${n} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
};

/**
 * Options of `bandits.EpsilonGreedy` (the empirical best arm with probability 1 − ε, a uniform arm
 * otherwise); unset fields take the defaults stated on each.
 */
export interface EpsilonGreedyOptions extends PolicyOptions {
  /** Exploration probability ε in [0, 1] (default 0.05, MABWiser's default). */
  epsilon?: number;
}

/**
 * ε-greedy (MABWiser's EpsilonGreedy): with probability ε a uniformly random active arm, otherwise the
 * arm with the largest mean reward (sum/pulls, 0 for an arm never pulled — MABWiser's initial
 * expectation), ties broken uniformly by the PRNG (MABWiser takes the first). propensity (exact):
 * ε/K_active + (1 − ε)/#ties for a tied greedy arm, ε/K_active for any other. Any finite reward.
 * State: 24 B per arm.
 */
export class EpsilonGreedy extends RealRewardPolicy {
  readonly kind: string = 'EpsilonGreedy';
  protected readonly version = 1;
  constructor(engine: Engine, options: EpsilonGreedyOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return { epsilon: (v, n) => (v === undefined ? 0.05 : checkRange(n, v, 0, 1)) };
  }
  protected schedule(): [number, number, number, number] { return [0, this.hyper.epsilon as number, 0, 1]; }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    const [mode, eps, c, d] = this.schedule();
    this.engine.run('bd_egreedy_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, mode, eps, c, d, outArm, outProp, outScores], 1, 4 * this.K);
  }
}

/**
 * Options of `bandits.EpsilonDecreasing` (ε-greedy with ε_t = min(1, c·K/(d²·t)), Auer et al. 2002); unset
 * fields take the defaults stated on each.
 */
export interface EpsilonDecreasingOptions extends PolicyOptions {
  /** c of ε_t = min(1, c·K/(d²·t)) (> 0, default 1; Auer et al.'s bound needs c > 5). */
  c?: number;
  /** d of ε_t = min(1, c·K/(d²·t)) (in (0, 1], default 1; the bound needs d ≤ the smallest gap). */
  d?: number;
}

/**
 * ε_t-greedy of Auer, Cesa-Bianchi & Fischer 2002: ε-greedy as EpsilonGreedy with
 * ε_t = min(1, c·K/(d²·t)), K the active arms and t = total pulls + 1 (the round being played); their
 * logarithmic regret bound holds for c > 5 and 0 < d ≤ min gap. The defaults (c = d = 1, so
 * ε_t = min(1, K/t)) explore less than the bound asks for. propensity as EpsilonGreedy with ε = ε_t.
 */
export class EpsilonDecreasing extends EpsilonGreedy {
  override readonly kind: string = 'EpsilonDecreasing';
  constructor(engine: Engine, options: EpsilonDecreasingOptions) { super(engine, options as EpsilonGreedyOptions); }
  protected override optionSpec(): Record<string, OptionCheck> {
    return {
      c: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e12, true)),
      d: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1, true)),
    };
  }
  protected override schedule(): [number, number, number, number] { return [1, 0, this.hyper.c as number, this.hyper.d as number]; }
}

/**
 * Options of `bandits.Softmax` (Boltzmann exploration: p_a ∝ exp(μ̂_a/τ)); unset fields take the defaults
 * stated on each.
 */
export interface SoftmaxOptions extends PolicyOptions {
  /** Temperature τ > 0 (default 1, MABWiser's tau): p_k ∝ exp(mean_k / τ). Range [1e-12, 1e12]. */
  temperature?: number;
}

/**
 * Softmax / Boltzmann exploration (MABWiser's Softmax): arm k with probability
 * p_k = exp((m_k − max m)/τ) / Σ_j exp((m_j − max m)/τ) over the active arms (m = sum/pulls, 0 when
 * never pulled; the max is subtracted first, so no exponent is positive), drawn by inverting the
 * cumulative sum with one uniform. scores = p (the exact propensity of each arm). Any finite reward.
 * State: 24 B per arm.
 */
export class Softmax extends RealRewardPolicy {
  readonly kind = 'Softmax';
  protected readonly version = 1;
  constructor(engine: Engine, options: SoftmaxOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return { temperature: (v, n) => (v === undefined ? 1 : checkRange(n, v, 1e-12, 1e12)) };
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_softmax_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.temperature as number, outArm, outProp, outScores], 1, 8 * this.K);
  }
}

/**
 * Options of `bandits.ExploreThenCommit` (each arm m times in turn, then the empirical best arm forever);
 * unset fields take the defaults stated on each.
 */
export interface ExploreThenCommitOptions extends PolicyOptions {
  /** Pulls per arm before committing (an integer in [1, 2^31), default 10). */
  pullsPerArm?: number;
}

const ETC_LAYOUT: Layout = { header: 0, slots: [...STATS.slots, { name: 'first', width: 1 }] };

/**
 * Explore-then-commit (fixed budget m = pullsPerArm): while an active arm has fewer than m pulls, play
 * one of those uniformly at random (propensity 1/#such arms); then commit to the arm whose first m
 * rewards have the largest mean (slot `first` holds that sum; ties broken once per seed, the same for
 * every event) and play it forever (propensity 1). An arm added later is explored first, then the
 * commitment is re-taken over all arms. Any finite reward. State: 32 B per arm.
 */
export class ExploreThenCommit extends RealRewardPolicy {
  readonly kind = 'ExploreThenCommit';
  protected readonly version = 1;
  constructor(engine: Engine, options: ExploreThenCommitOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return { pullsPerArm: (v, n) => (v === undefined ? 10 : intIn(v, n, 1, 2 ** 31 - 1)) };
  }
  protected override layout(): Layout { return ETC_LAYOUT; }
  /** As RealRewardPolicy, and `first` = 0 while pulls = 0. */
  protected override checkArm(v: Record<string, Float64Array>, where: string): void {
    super.checkArm(v, where);
    if (v.pulls![0] === 0 && v.first![0] !== 0) throw new StateError(`${where}: an arm with no pulls has first ${v.first![0]} (must be 0)`);
  }
  /** first may be omitted: rewards when pulls ≤ m, else rewards·m/pulls (the prior mean times m). */
  protected override warmDefaults(given: Record<string, unknown>): Record<string, unknown> {
    const g = super.warmDefaults(given);
    if (g.first !== undefined || g.rewards === undefined || g.pulls === undefined) return g;
    const n = g.pulls as ArrayLike<number>, s = g.rewards as ArrayLike<number>, m = this.hyper.pullsPerArm as number;
    if (!(Array.isArray(n) || ArrayBuffer.isView(n)) || !(Array.isArray(s) || ArrayBuffer.isView(s)) || n.length !== s.length) return g;
    return { ...g, first: Array.from(s, (x, i) => (n[i]! <= m ? x : (x * m) / n[i]!)) };
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_etc_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.pullsPerArm as number, outArm, outProp, outScores], 1, 2 * this.K);
  }
  protected override learnKernel(n: number, copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    this.engine.kernel('bd_etc_learn')(this.pullsPtr, this.stride(), this.Kp, n, copies.ptr, arms.ptr, rewards.ptr, this.hyper.pullsPerArm as number);
  }
}
