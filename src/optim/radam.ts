import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, checkAdamLike } from './base.js';

/**
 * Options of `RAdam` (rectified Adam: SGD with momentum while the variance of v̂ is intractable, ρ_t ≤ 5,
 * then Adam scaled by the rectification term r_t); unset fields take the defaults stated on each.
 */
export interface RAdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}
type RAdamHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };

// Kernel flags (assembly/radam.ts).
const DECAY = 1, RECTIFY = 2;

/**
 * RAdam (torch.optim.RAdam semantics, Liu et al. 2019):
 *   d = g (+ λ·p);  m = β1·m + (1−β1)·d;  v = β2·v + (1−β2)·d²;  m̂ = m/(1−β1ᵗ);
 *   ρ∞ = 2/(1−β2) − 1;  ρₜ = ρ∞ − 2t·β2ᵗ/(1−β2ᵗ);
 *   ρₜ > 5:  r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ));  p −= m̂·lr · (√(1−β2ᵗ)/(√v + ε)) · r
 *   else:    p −= m̂·lr
 * Defaults lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8. State: 8 bytes per parameter (exp_avg, exp_avg_sq).
 */
export class RAdam extends Optimizer<RAdamHyper, RAdamOptions> {
  readonly kind = 'radam';
  constructor(params: ParamSet, opts: WithGroups<RAdamOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0 };
    }, ['exp_avg', 'exp_avg_sq']);
  }

  protected validate(h: RAdamHyper): RAdamHyper {
    checkAdamLike(h);
    return { ...h };
  }

  protected apply(t: number, h: RAdamHyper, s: Span): void {
    const e = this.params.engine;
    // Per-step scalars in f64 with the engine's deterministic pow/sqrt, in torch's expression order.
    const b2t = e.pow(h.beta2, t);
    const bc1 = 1 - e.pow(h.beta1, t), bc2 = 1 - b2t;
    const rhoInf = 2 / (1 - h.beta2) - 1;
    const rhoT = rhoInf - 2 * t * b2t / bc2;
    let flags = 0, rect = 1;
    if (h.weightDecay !== 0) flags |= DECAY;
    if (rhoT > 5) {
      flags |= RECTIFY;
      rect = e.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
    }
    e.run('radam_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, bc1, h.lr, e.sqrt(bc2), h.eps, rect, h.weightDecay, flags]);
  }
}
