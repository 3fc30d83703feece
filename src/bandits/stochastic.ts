// Context-free stochastic policies over the shared statistics (pulls, rewards, squares per arm; the
// fold is assembly/bandits/stats.ts, the indices assembly/bandits/*.ts).
import type { Engine } from '../engine/engine.js';
import { checkRange, InvalidArgumentError, StateError } from '../errors.js';
import { Policy, type Layout, type OptionCheck, type PolicyOptions } from './policy.js';

export const STATS: Layout = { header: 0, slots: [{ name: 'pulls', width: 1 }, { name: 'rewards', width: 1 }, { name: 'squares', width: 1 }] };

/** A policy over the shared statistics with rewards in [0, 1] (UCB1, KL-UCB Bernoulli, ...). */
export abstract class UnitRewardPolicy extends Policy {
  protected layout(): Layout { return STATS; }
  protected checkReward(r: number, where: string): void {
    if (!(r >= 0 && r <= 1)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [0, 1] (${this.kind} takes rewards in [0, 1])`);
  }
  /** pulls >= 0; 0 <= rewards <= pulls; 0 <= squares <= rewards (what rewards in [0, 1] accumulate to, exactly in f64). */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    const n = v.pulls![0]!, s = v.rewards![0]!, q = v.squares![0]!;
    if (!(n >= 0)) throw new StateError(`${where}: pulls ${n} is negative`);
    if (!(s >= 0 && s <= n)) throw new StateError(`${where}: rewards ${s} is not in [0, pulls = ${n}] (rewards in [0, 1])`);
    if (!(q >= 0 && q <= s)) throw new StateError(`${where}: squares ${q} is not in [0, rewards = ${s}]`);
  }
  /** squares may be omitted: it defaults to rewards (exact for 0/1 rewards). */
  protected override warmDefaults(given: Record<string, unknown>): Record<string, unknown> {
    return given.squares === undefined && given.rewards !== undefined ? { ...given, squares: given.rewards } : given;
  }
  protected get pullsPtr(): number { return this.state.ptr + 8 * this.slotOffset('pulls'); }
}

/**
 * Options of `bandits.UCB1` (Auer et al. 2002: index μ̂_a + √(2·α·ln t / n_a)); unset fields take the
 * defaults stated on each.
 */
export interface UCB1Options extends PolicyOptions {
  /** Multiplier of the exploration bonus sqrt(2 ln t / n) (default 1; MABWiser's alpha). */
  alpha?: number;
}

/**
 * UCB1 (Auer, Cesa-Bianchi & Fischer 2002): play argmax of mean + alpha·sqrt(2 ln t / n) (t = total
 * pulls, ln t = 0 for t <= 1), every never-pulled arm first; ties broken by the PRNG, propensity =
 * 1/#ties. Rewards in [0, 1]. State: 24 B per arm.
 */
export class UCB1 extends UnitRewardPolicy {
  readonly kind = 'UCB1';
  protected readonly version = 1;
  constructor(engine: Engine, options: UCB1Options) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return { alpha: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6)) };
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_ucb1_decide', n, [this.pullsPtr, this.stride(), this.Kp, this.K, this.mask.ptr,
      this.key[0], this.key[1], hashes, this.hyper.alpha as number, outArm, outProp, outScores], 1, 8 * this.K);
  }
}
