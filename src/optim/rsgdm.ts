import type { Engine } from '../engine/engine.js';
import { valueText, checkRange, HyperparameterError, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type StateDict, type WithGroups } from './base.js';

/**
 * Options of `RandomScaledSGDM` (SGD with momentum whose step is multiplied by an Exp(1) draw each step);
 * unset fields take the defaults stated on each.
 */
export interface RandomScaledSGDMOptions {
  lr?: number;
  /** β of the momentum EMA m = β·m + (1−β)·g. */
  momentum?: number;
  /** Decoupled weight decay, scaled like the step: p ← p·(1 − s·lr·λ). */
  weightDecay?: number;
  /** Seed of the counter-based Exp(1) generator, an integer in [0, 2³²); fixed at construction. */
  seed?: number;
}
type RSGDMHyper = { lr: number; momentum: number; weightDecay: number; seed: number };

/** The random-scaled SGDM state dict: the base format plus the generator counter (draws taken). */
export interface RandomScaledSGDMStateDict extends StateDict {
  scalars: { counter: number };
}

const mix32 = (x: number): number => {
  x ^= x >>> 16; x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15; x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
};

/**
 * Draw number `index` (an integer in [0, 2⁵³)) of the Exp(1) stream `seed`: a counter-based generator
 * (no sequential state; integer hashing with Math.imul, identical in every runtime) gives a 53-bit
 * uniform u ∈ [0, 1), then s = −ln(1 − u) with the engine's deterministic log (never Math.log).
 */
export function exp1Draw(engine: Engine, seed: number, index: number): number {
  const lo = index >>> 0, hi = Math.floor(index / 4294967296) >>> 0;
  const x = mix32(lo ^ mix32(hi ^ mix32(seed ^ 0x9e3779b9)));
  const y = mix32(x ^ 0x68e31da4);
  const u = ((x >>> 5) * 67108864 + (y >>> 6)) / 9007199254740992;
  return -engine.log(1 - u);
}

/**
 * SGD with momentum scaled by a random Exp(1) factor (Zhang & Cutkosky 2024, "Random Scaling and
 * Momentum for Non-smooth Non-convex Optimization"; algorithms-000.md §1 row a7):
 *   m = β·m + (1−β)·g;  s_t ~ Exp(1);  p ← p·(1 − s_t·lr·λ) − s_t·lr·m
 * s_t = exp1Draw(engine, seed, counter), one draw per step shared by every group and tensor; the
 * counter (draws taken, = steps taken) is saved in stateDict().scalars.counter, so a resumed run draws
 * the same factors. E[s_t] = 1, so on average the step is SGDM's.
 * Defaults lr = 1e-2, momentum = 0.9, weightDecay = 0, seed = 0. State: 4 bytes per parameter
 * (momentum) plus one counter.
 */
export class RandomScaledSGDM extends Optimizer<RSGDMHyper, RandomScaledSGDMOptions> {
  readonly kind = 'random_scaled_sgdm';
  private counter = 0;
  private drawn = { t: -1, s: 1 };

  constructor(params: ParamSet, opts: WithGroups<RandomScaledSGDMOptions> = {}) {
    super(params, opts, (o) => ({ lr: o.lr ?? 1e-2, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay ?? 0, seed: o.seed ?? 0 }), ['momentum']);
  }

  /** The generator stream is one per optimizer. */
  protected override fixedKeys(): string[] { return ['seed']; }

  protected validate(h: RSGDMHyper): RSGDMHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('momentum', h.momentum, 0, 1, false, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('seed', h.seed, 0, 4294967295);
    if (!Number.isInteger(h.seed)) throw new HyperparameterError(`seed must be an integer in [0, 4294967295], got ${valueText(h.seed)}`);
    return { ...h };
  }

  /** The scale factor s_t of step t (1-based) of this optimizer's stream; the last step's is lastScale. */
  private scale(t: number): number {
    if (this.drawn.t !== t) this.drawn = { t, s: exp1Draw(this.params.engine, this.hyperparameters.seed, this.counter) };
    return this.drawn.s;
  }
  /** The Exp(1) factor used by the last step (NaN before the first step). */
  get lastScale(): number { this.live(); return this.counter === 0 ? NaN : exp1Draw(this.params.engine, this.hyperparameters.seed, this.counter - 1); }

  protected apply(t: number, h: RSGDMHyper, s: Span): void {
    const st = this.scale(t) * h.lr;
    this.params.engine.run('rsgdm_f32', s.n, [s.p, s.g, s.slot('momentum'), h.momentum, 1 - h.momentum, -st, 1 - st * h.weightDecay]);
  }

  protected override afterStep(_t: number): void { this.counter++; this.drawn.t = -1; }

  override stateDict(): RandomScaledSGDMStateDict {
    this.live();
    return { ...super.stateDict(), scalars: { counter: this.counter } };
  }

  /** As Optimizer.loadStateDict, plus scalars.counter (may be absent only at step 0); a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const c = (sd as Partial<RandomScaledSGDMStateDict> | undefined)?.scalars?.counter;
    let next = 0;
    if (c === undefined) {
      if (sd && typeof sd === 'object' && sd.step !== 0) throw new StateError('RandomScaledSGDM state has no scalars.counter');
    } else if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > Number.MAX_SAFE_INTEGER) {
      throw new StateError(`invalid scalars.counter ${valueText(c)}`);
    } else {
      next = c;
    }
    super.loadStateDict(sd);
    this.counter = next;
    this.drawn.t = -1;
  }
}
