import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, requireBool, checkAdamLike } from './base.js';

/**
 * Options of `Adamax` (Adam with the infinity norm: u = max(β2·u, |g| + ε), θ ← θ − lr/(1 − β1^t)·m/u);
 * unset fields take the defaults stated on each.
 */
export interface AdamaxOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}
type AdamaxHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; maximize: boolean };

// Kernel flags (assembly/adamax.ts).
const MAXIMIZE = 1, DECAY = 2;

/**
 * Adamax (torch.optim.Adamax semantics, the infinity-norm variant of Adam):
 *   d = g (+ λ·p);  m = β1·m + (1−β1)·d;  u = max(β2·u, |d| + ε);  p −= lr/(1−β1ᵗ) · m / u.
 * Defaults lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8. State: 8 bytes per parameter (exp_avg, exp_inf).
 */
export class Adamax extends Optimizer<AdamaxHyper, AdamaxOptions> {
  readonly kind = 'adamax';
  constructor(params: ParamSet, opts: WithGroups<AdamaxOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 2e-3, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, maximize: o.maximize ?? false };
    }, ['exp_avg', 'exp_inf']);
  }

  protected validate(h: AdamaxHyper): AdamaxHyper {
    checkAdamLike(h);
    requireBool('maximize', h.maximize);
    return { ...h };
  }

  protected apply(t: number, h: AdamaxHyper, s: Span): void {
    const e = this.params.engine;
    const negClr = -(h.lr / (1 - e.pow(h.beta1, t)));
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    e.run('adamax_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_inf'),
      h.beta1, 1 - h.beta1, h.beta2, h.eps, h.weightDecay, negClr, flags]);
  }
}
