import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, requireBool } from './base.js';

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
export class Adamax extends Optimizer<AdamaxHyper> {
  readonly kind = 'adamax';
  constructor(params: ParamSet, opts: AdamaxOptions = {}) {
    const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
    super(params, { lr: opts.lr ?? 2e-3, beta1, beta2, eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0,
      maximize: opts.maximize ?? false }, ['exp_avg', 'exp_inf']);
  }

  protected validate(h: AdamaxHyper): AdamaxHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('maximize', h.maximize);
    return { ...h };
  }

  protected apply(t: number): void {
    const h = this.hyper, ps = this.params, e = ps.engine;
    const negClr = -(h.lr / (1 - e.pow(h.beta1, t)));
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    e.run('adamax_f32', ps.size, [ps.data.ptr, ps.grad.ptr, this.slots.exp_avg!.ptr, this.slots.exp_inf!.ptr,
      h.beta1, 1 - h.beta1, h.beta2, h.eps, h.weightDecay, negClr, flags]);
  }
}
