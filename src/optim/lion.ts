import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer } from './base.js';

export interface LionOptions {
  lr?: number;
  betas?: readonly [number, number];
  weightDecay?: number;
}
type LionHyper = { lr: number; beta1: number; beta2: number; weightDecay: number };

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"; optax.lion / lion-pytorch):
 *   c = β1·m + (1−β1)·g;  p = p·(1 − lr·λ) − lr·sign(c)  (sign(0) = 0);  m = β2·m + (1−β2)·g.
 * Decoupled weight decay. Defaults lr = 1e-4, betas = (0.9, 0.99), weightDecay = 0.
 * State: 4 bytes per parameter (exp_avg).
 */
export class Lion extends Optimizer<LionHyper> {
  readonly kind = 'lion';
  constructor(params: ParamSet, opts: LionOptions = {}) {
    const [beta1, beta2] = opts.betas ?? [0.9, 0.99];
    super(params, { lr: opts.lr ?? 1e-4, beta1, beta2, weightDecay: opts.weightDecay ?? 0 }, ['exp_avg']);
  }

  protected validate(h: LionHyper): LionHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1);
    checkRange('betas[1]', h.beta2, 0, 1);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    return { ...h };
  }

  protected apply(): void {
    const h = this.hyper, ps = this.params, e = ps.engine;
    e.run('lion_f32', ps.size, [ps.data.ptr, ps.grad.ptr, this.slots.exp_avg!.ptr,
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, -h.lr, 1 - h.lr * h.weightDecay]);
  }
}
