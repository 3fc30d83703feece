import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups } from './base.js';

/**
 * Options of `Yogi` (Adam with the additive update v ← v − (1 − β2)·sign(v − g²)·g²); unset fields take the
 * defaults stated on each.
 */
export interface YogiOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  /** Starting value of both accumulators (optax's initial_accumulator_value); fixed at construction. */
  initialAccumulatorValue?: number;
  /** Decoupled weight decay p ← p·(1 − lr·λ) (not in optax.yogi; 0 = off). */
  weightDecay?: number;
}
type YogiHyper = { lr: number; beta1: number; beta2: number; eps: number; initialAccumulatorValue: number; weightDecay: number };

/**
 * Yogi (Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization"; optax.yogi semantics,
 * eps_root = 0):
 *   m = β1·m + (1−β1)·g;  v = v − (1−β2)·sign(v − g²)·g²   (sign(0) = 0)
 *   p ← p·(1 − lr·λ) − lr · m̂ / (√v̂ + ε),  m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
 * m and v both start at initialAccumulatorValue (as optax). v changes additively by at most (1−β2)·g²
 * and moves towards g², so unlike Adam a large gradient does not swamp the memory of v.
 * Computed as p·(1−lr·λ) + (−lr·√bc2/bc1)·m/(√v + ε·√bc2): one division per element.
 * Defaults lr = 1e-2, betas = (0.9, 0.999), eps = 1e-3, initialAccumulatorValue = 1e-6, weightDecay = 0.
 * State: 8 bytes per parameter (exp_avg, exp_avg_sq).
 */
export class Yogi extends Optimizer<YogiHyper, YogiOptions> {
  readonly kind = 'yogi';
  constructor(params: ParamSet, opts: WithGroups<YogiOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-2, beta1, beta2, eps: o.eps ?? 1e-3, initialAccumulatorValue: o.initialAccumulatorValue ?? 1e-6, weightDecay: o.weightDecay ?? 0 };
    }, ['exp_avg', 'exp_avg_sq']);
    const v = this.hyperparameters.initialAccumulatorValue, e = params.engine;
    if (v !== 0) for (const b of Object.values(this.slots)) e.run('fill_f32', params.size, [b.ptr, v]);
  }

  /** The accumulators are filled with it at construction, so every group shares it. */
  protected override fixedKeys(): string[] { return ['initialAccumulatorValue']; }

  protected validate(h: YogiHyper): YogiHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('initialAccumulatorValue', h.initialAccumulatorValue, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    return { ...h };
  }

  protected apply(t: number, h: YogiHyper, s: Span): void {
    const e = this.params.engine;
    const bc1 = 1 - e.pow(h.beta1, t), sq = e.sqrt(1 - e.pow(h.beta2, t));
    e.run('yogi_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'),
      h.beta1, 1 - h.beta1, 1 - h.beta2, -h.lr * sq / bc1, h.eps * sq, 1 - h.lr * h.weightDecay]);
  }
}
