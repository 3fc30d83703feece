import type { ParamSet } from '../params.js';
import { Optimizer, requireBool, type Span, type WithGroups, checkAdamLike } from './base.js';

/**
 * Options of `AdaBelief` (Adam with s_t = β2·s + (1 − β2)·(g − m_t)² + ε in place of v_t); unset fields
 * take the defaults stated on each.
 */
export interface AdaBeliefOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** Decoupled (AdamW-style, p ← p·(1 − lr·λ)) weight decay; false adds λ·p to the gradient. Default true. */
  decoupled?: boolean;
}
type AdaBeliefHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean };

// Kernel flags (assembly/adabelief.ts).
const L2 = 1, DECOUPLED = 2;

/**
 * AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed
 * Gradients"), the variant of adabelief-pytorch 0.2 (weight_decouple, rectify = False) and of
 * optax.adabelief with eps_root = eps:
 *   d = g (+ λ·p if not decoupled);  decoupled: p ← p·(1 − lr·λ)
 *   m = β1·m + (1−β1)·d;  s = β2·s + (1−β2)·(d − m)² + ε   (ε inside, as in the paper's Algorithm 2)
 *   p ← p − lr/(1−β1ᵗ) · m / (√(s/(1−β2ᵗ)) + ε)
 * The residual uses the updated m (paper, adabelief-pytorch, current optax). Computed as
 * p + (−lr·√bc2/bc1)·m / (√s + ε·√bc2): one division per element, equal up to rounding.
 * Defaults lr = 1e-3, betas = (0.9, 0.999), eps = 1e-16, weightDecay = 0, decoupled = true.
 * State: 8 bytes per parameter (exp_avg, exp_avg_var).
 */
export class AdaBelief extends Optimizer<AdaBeliefHyper, AdaBeliefOptions> {
  readonly kind = 'adabelief';
  constructor(params: ParamSet, opts: WithGroups<AdaBeliefOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-16, weightDecay: o.weightDecay ?? 0, decoupled: o.decoupled ?? true };
    }, ['exp_avg', 'exp_avg_var']);
  }

  protected validate(h: AdaBeliefHyper): AdaBeliefHyper {
    checkAdamLike(h);
    requireBool('decoupled', h.decoupled);
    return { ...h };
  }

  protected apply(t: number, h: AdaBeliefHyper, s: Span): void {
    const e = this.params.engine;
    const bc1 = 1 - e.pow(h.beta1, t), sq = e.sqrt(1 - e.pow(h.beta2, t));
    const flags = h.weightDecay === 0 ? 0 : h.decoupled ? DECOUPLED : L2;
    e.run('adabelief_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_var'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.eps, -h.lr * sq / bc1, h.eps * sq,
      h.weightDecay, 1 - h.lr * h.weightDecay, flags]);
  }
}
