// Passive policies for piecewise-stationary (non-stationary) rewards in [0, 1]: sliding-window UCB
// and discounted UCB (Garivier & Moulines 2011, "On upper-confidence bound policies for switching
// bandit problems") and discounted Thompson sampling (Raj & Kalyani 2017, "Taming non-stationary
// bandits: a Bayesian approach"). Kernels: assembly/bandits/nonstationary.ts.
//
// ROUNDS: every learned event is one round. The discounted policies multiply every arm's statistics
// of the event's copy by γ, then add the event to its arm, event by event in batch order; the sliding
// window holds the copy's last τ learned events. So learning a batch of n events is exactly learning
// them one at a time, in order (one wasm call either way), and a duplicate eventId (skipped) is no
// round. Decisions that were never learned (no reward came back) are no rounds either.
// The change-detection wrappers (CUSUM, GLR, Monitored) are in ./change-detection.ts.
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, StateError } from '../errors.js';
import { Policy, type Layout, type OptionCheck, type PolicyOptions } from './policy.js';

/** Most events a sliding window holds. */
export const MAX_TAU = 1_000_000;

const unitReward = (kind: string) => (r: number, where: string): void => {
  if (!(r >= 0 && r <= 1)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [0, 1] (${kind} takes rewards in [0, 1])`);
};
const intIn = (lo: number, hi: number, dflt: number): OptionCheck => (v, n) => {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`${n} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
};

/**
 * Options of `bandits.SWUCB` (sliding-window UCB: the statistics of the last `window` rounds only); unset
 * fields take the defaults stated on each.
 */
export interface SWUCBOptions extends PolicyOptions {
  /** τ, the window: the number of most recent learned events the statistics are taken over (an integer in [1, 1e6], default 1000). */
  tau?: number;
  /** ξ of the bonus sqrt(ξ ln(min(t, τ)) / N) (default 0.6; Garivier & Moulines' analysis needs ξ > 1/2). Range [0, 1e6]. */
  xi?: number;
}

/**
 * Sliding-window UCB (Garivier & Moulines 2011): with N_k and S_k the pulls and reward sum of arm k
 * among the last τ learned events of the copy, play argmax of
 *   S_k / N_k + sqrt(ξ ln(min(t, τ)) / N_k)            (B = 1: rewards in [0, 1])
 * (t = events learned; ln taken as 0 for min(t, τ) <= 1), +Infinity for an arm with no event in the
 * window, ties broken by the PRNG (propensity 1/#ties). The state holds the window itself, a ring of
 * the last τ (arm, reward) pairs in the copy's f64 header; pulls and rewards are recounted from the
 * ring, oldest first, after every learn (so they are exact, with no drift from subtracting expired
 * rewards, and a loaded state is checked against its ring bit for bit). No warmStart and no addArm
 * prior (the window is made of events: learn them). State: 16 B per arm + 16·τ B per copy.
 */
export class SWUCB extends Policy {
  readonly kind = 'SWUCB';
  protected readonly version = 1;
  constructor(engine: Engine, options: SWUCBOptions) {
    if (options !== null && typeof options === 'object' && (options as { warmStart?: unknown }).warmStart !== undefined) {
      throw new HyperparameterError('SWUCB takes no warmStart: its statistics are the window of the last tau learned events (learn the prior events instead)');
    }
    super(engine, options);
  }
  protected optionSpec(): Record<string, OptionCheck> {
    return { tau: intIn(1, MAX_TAU, 1000), xi: (v, n) => (v === undefined ? 0.6 : checkRange(n, v, 0, 1e6)) };
  }
  /** τ, the window length. */
  get tau(): number { return this.hyper.tau as number; }
  protected layout(): Layout {
    return { header: 2 + 2 * (this.hyper.tau as number), slots: [{ name: 'pulls', width: 1 }, { name: 'rewards', width: 1 }] };
  }
  protected checkReward(r: number, where: string): void { unitReward(this.kind)(r, where); }
  /** pulls an integer in [0, τ]; 0 <= rewards <= pulls. */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    const n = v.pulls![0]!, s = v.rewards![0]!;
    if (!(Number.isInteger(n) && n >= 0 && n <= this.tau)) throw new StateError(`${where}: pulls ${n} is not an integer in [0, tau = ${this.tau}]`);
    if (!(s >= 0 && s <= n)) throw new StateError(`${where}: rewards ${s} is not in [0, pulls = ${n}] (rewards in [0, 1])`);
  }
  /** The ring of every copy: count in [0, τ], head consistent, entries (an arm, a reward in [0, 1]), zero past count; pulls/rewards equal to its recount. */
  protected override checkHeader(state: Float64Array, stride: number): void {
    const tau = this.tau, slots = this.slotOffset('pulls'), Kp = this.Kp;
    for (let r = 0; r < this.copies; r++) {
      const b = r * stride, count = state[b]!, head = state[b + 1]!, cw = this.copies > 1 ? ` of copy ${r}` : '';
      if (!(Number.isInteger(count) && count >= 0 && count <= tau)) throw new StateError(`state file window count${cw} ${count} is not an integer in [0, ${tau}]`);
      if (!(Number.isInteger(head) && head >= 0 && head < tau) || (count < tau && head !== count)) throw new StateError(`state file window head${cw} ${head} is inconsistent with its count ${count}`);
      const pulls = new Float64Array(Kp), sums = new Float64Array(Kp), start = count < tau ? 0 : head;
      for (let j = 0; j < count; j++) {
        const i = (start + j) % tau, a = state[b + 2 + 2 * i]!, x = state[b + 3 + 2 * i]!;
        if (!(Number.isInteger(a) && a >= 0 && a < this.K)) throw new StateError(`state file window entry ${i}${cw} has arm ${a}, not an arm in [0, ${this.K - 1}]`);
        if (!(x >= 0 && x <= 1)) throw new StateError(`state file window entry ${i}${cw} has reward ${x}, not in [0, 1]`);
        pulls[a]! += 1; sums[a]! += x;
      }
      for (let i = count; i < tau; i++) if (state[b + 2 + 2 * i] !== 0 || state[b + 3 + 2 * i] !== 0) throw new StateError(`state file window${cw} has values past its count`);
      for (let k = 0; k < this.K; k++) {
        if (state[b + slots + k] !== pulls[k] || state[b + slots + Kp + k] !== sums[k]) throw new StateError(`state file arm ${k}${cw}: pulls/rewards are not the recount of the window`);
      }
    }
  }
  /** Arms start with no event in the window: a prior is refused. */
  override addArm(prior?: Record<string, ArrayLike<number> | number>): number {
    if (prior !== undefined) { this.checkLive(); throw new HyperparameterError('SWUCB arms take no prior: the window is made of learned events'); }
    return super.addArm();
  }
  protected override learnKernel(n: number, copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    this.engine.kernel('bd_sw_learn')(this.state.ptr, this.stride(), this.Kp, this.tau, this.slotOffset('pulls'), n, copies.ptr, arms.ptr, rewards.ptr);
  }
  /** A restarted arm's events leave the window (the others keep their order); a global restart empties it. */
  protected override afterRestart(copy: number, arm: number): void {
    if (arm >= 0) this.engine.kernel('bd_sw_forget')(this.state.ptr, this.stride(), this.Kp, this.tau, this.slotOffset('pulls'), copy, arm);
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_sw_decide', n, [this.state.ptr, this.stride(), this.Kp, this.K, this.slotOffset('pulls'), this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.xi as number, outArm, outProp, outScores], 1, 8 * this.K);
  }
}

/**
 * Options of `bandits.DiscountedUCB` (Garivier & Moulines 2011: counts and sums discounted by γ each round,
 * index on the discounted statistics); unset fields take the defaults stated on each.
 */
export interface DiscountedUCBOptions extends PolicyOptions {
  /** γ, the discount per round (learned event): every arm's statistics are multiplied by γ each round (default 0.99, as SMPyBandits' DiscountedUCB). Range (0, 1]. */
  gamma?: number;
  /** ξ of the bonus 2 sqrt(ξ ln n_t / N) (default 0.6; the analysis needs ξ > 1/2). Range [0, 1e6]. */
  xi?: number;
}

/**
 * Discounted UCB (Garivier & Moulines 2011): each learned event is a round; every arm's discounted
 * pull count N_k and reward sum S_k of the copy are multiplied by γ, then the event's arm gets
 * N += 1, S += reward. Play argmax of
 *   S_k / N_k + 2 sqrt(ξ ln n_t / N_k),   n_t = Σ_k N_k        (B = 1: rewards in [0, 1])
 * computed as S/N + sqrt(4ξ ln n_t / N) (the same number: scaling by 4 is exact), ln taken as 0 for
 * n_t <= 1, +Infinity for an arm with N = 0, ties broken by the PRNG (propensity 1/#ties). A batch of
 * n events is n rounds in order (the module header). warmStart/addArm priors are discounted
 * statistics { pulls, rewards }. State: 16 B per arm.
 */
export class DiscountedUCB extends Policy {
  readonly kind = 'DiscountedUCB';
  protected readonly version = 1;
  constructor(engine: Engine, options: DiscountedUCBOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      gamma: (v, n) => (v === undefined ? 0.99 : checkRange(n, v, 0, 1, true)),
      xi: (v, n) => (v === undefined ? 0.6 : checkRange(n, v, 0, 1e6)),
    };
  }
  protected layout(): Layout { return { header: 0, slots: [{ name: 'pulls', width: 1 }, { name: 'rewards', width: 1 }] }; }
  protected checkReward(r: number, where: string): void { unitReward(this.kind)(r, where); }
  /** pulls >= 0, 0 <= rewards <= pulls (what discounted rewards in [0, 1] keep, rounding being monotone). */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    const n = v.pulls![0]!, s = v.rewards![0]!;
    if (!(n >= 0)) throw new StateError(`${where}: pulls ${n} is negative`);
    if (!(s >= 0 && s <= n)) throw new StateError(`${where}: rewards ${s} is not in [0, pulls = ${n}] (rewards in [0, 1])`);
  }
  protected override learnKernel(n: number, copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    this.engine.kernel('bd_discount_learn')(this.state.ptr, this.stride(), this.Kp, this.hyper.gamma as number, 0, n, copies.ptr, arms.ptr, rewards.ptr);
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_ducb_decide', n, [this.state.ptr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.xi as number, outArm, outProp, outScores], 1, 8 * this.K);
  }
}

/**
 * Options of `bandits.DiscountedTS` (Thompson sampling on Beta posteriors whose counts decay by γ each
 * round); unset fields take the defaults stated on each.
 */
export interface DiscountedTSOptions extends PolicyOptions {
  /** γ, the discount per round (learned event) of every arm's successes and failures (default 0.95, SMPyBandits' DiscountedThompson). Range (0, 1]. */
  gamma?: number;
  /** α₀, the prior's first Beta parameter (default 1: with β₀ = 1 the uniform prior). Range (0, 1e6]. */
  alpha0?: number;
  /** β₀, the prior's second Beta parameter (default 1). Range (0, 1e6]. */
  beta0?: number;
  /** Posterior draws per decision for the Monte Carlo propensity (0 to 4096, default 64; 0 gives propensity 1). */
  propensityDraws?: number;
}

/**
 * Discounted Thompson sampling (Raj & Kalyani 2017): each learned event is a round; every arm's
 * discounted successes S_k and failures F_k of the copy are multiplied by γ, then the event's arm gets
 * S += r, F += 1 − r (the fractional form for rewards in [0, 1]; exactly Raj & Kalyani's update for
 * Bernoulli rewards). decide draws θ_k ~ Beta(S_k + α₀, F_k + β₀) per arm (core/rng.ts: X/(X + Y)
 * from two Marsaglia–Tsang gamma draws, keyed by (seed, eventId, arm)) and plays argmax θ.
 * propensity: deterministic Monte Carlo: the chosen arm's share of wins over the decision's own draw
 * and `propensityDraws` more draws of the same streams (so (1 + wins)/(1 + propensityDraws), never 0,
 * the same bits everywhere); the exact probability has no closed form. scores are the samples θ.
 * State: 16 B per arm.
 */
export class DiscountedTS extends Policy {
  readonly kind = 'DiscountedTS';
  protected readonly version = 1;
  constructor(engine: Engine, options: DiscountedTSOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      gamma: (v, n) => (v === undefined ? 0.95 : checkRange(n, v, 0, 1, true)),
      alpha0: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6, true)),
      beta0: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6, true)),
      propensityDraws: intIn(0, 4096, 64),
    };
  }
  protected layout(): Layout { return { header: 0, slots: [{ name: 'successes', width: 1 }, { name: 'failures', width: 1 }] }; }
  protected checkReward(r: number, where: string): void { unitReward(this.kind)(r, where); }
  /** successes and failures >= 0 and at most 1e300 (finite Beta parameters). */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    for (const k of ['successes', 'failures']) {
      const x = v[k]![0]!;
      if (!(x >= 0 && x <= 1e300)) throw new StateError(`${where}: ${k} ${x} is not in [0, 1e300]`);
    }
  }
  protected override learnKernel(n: number, copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    this.engine.kernel('bd_discount_learn')(this.state.ptr, this.stride(), this.Kp, this.hyper.gamma as number, 1, n, copies.ptr, arms.ptr, rewards.ptr);
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    const draws = this.hyper.propensityDraws as number;
    this.engine.run('bd_dts_decide', n, [this.state.ptr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.alpha0 as number, this.hyper.beta0 as number, draws, outArm, outProp, outScores], 1, 400 * this.K * (draws + 1));
  }
}
