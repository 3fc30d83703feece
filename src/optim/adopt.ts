import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, requireBool, type Span, type WithGroups } from './base.js';

/**
 * Options of `ADOPT` (Taniguchi et al. 2024: the gradient normalised by the previous v before the momentum,
 * which converges for any β2); unset fields take the defaults stated on each.
 */
export interface ADOPTOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** Decoupled weight decay p ← p − lr·λ·p instead of adding λ·p to the gradient. Default false (as the official code). */
  decoupled?: boolean;
  /** Clip the normalised gradient to ±(t−1)^¼ (the official default clip_lambda). Default true. */
  clip?: boolean;
}
type ADOPTHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; clip: boolean };

// Kernel flags (assembly/adopt.ts).
const L2 = 1, DECOUPLED = 2, INIT = 4, CLIP = 8;

/**
 * ADOPT (Taniguchi et al. 2024, "ADOPT: Modified Adam Can Converge with Any β2 with the Optimal Rate";
 * the official iShohei220/adopt implementation). With d = g (+ λ·p unless decoupled), step t (1-based):
 *   t = 1:  v = d²   (nothing else moves)
 *   t ≥ 2:  decoupled: p ← p + (−lr·λ)·p (as the official p.add_(p, alpha=−lr·λ))
 *           n = d / max(√v, ε)                 (normalised by the PREVIOUS v, before v sees d)
 *           clip: n = clamp(n, −(t−1)^¼, (t−1)^¼)
 *           m = β1·m + (1−β1)·n;  p ← p − lr·m;  v = β2·v + (1−β2)·d²
 * No bias correction. Defaults lr = 1e-3, betas = (0.9, 0.9999), eps = 1e-6, weightDecay = 0,
 * decoupled = false, clip = true. State: 8 bytes per parameter (exp_avg, exp_avg_sq).
 */
export class ADOPT extends Optimizer<ADOPTHyper, ADOPTOptions> {
  readonly kind = 'adopt';
  constructor(params: ParamSet, opts: WithGroups<ADOPTOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.9999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-6, weightDecay: o.weightDecay ?? 0, decoupled: o.decoupled ?? false, clip: o.clip ?? true };
    }, ['exp_avg', 'exp_avg_sq']);
  }

  protected validate(h: ADOPTHyper): ADOPTHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('decoupled', h.decoupled);
    requireBool('clip', h.clip);
    return { ...h };
  }

  protected apply(t: number, h: ADOPTHyper, s: Span): void {
    const e = this.params.engine;
    let flags = h.weightDecay === 0 ? 0 : h.decoupled ? DECOUPLED : L2;
    if (t === 1) flags |= INIT;
    else if (h.clip) flags |= CLIP;
    const clip = t > 1 && h.clip ? e.pow(t - 1, 0.25) : 0;
    e.run('adopt_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.eps, clip, -h.lr, h.weightDecay, -h.lr * h.weightDecay, flags]);
  }
}
