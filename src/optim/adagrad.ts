import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, requireBool } from './base.js';

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
}
type AdagradHyper = Required<AdagradOptions>;

// Kernel flags (assembly/adagrad.ts).
const MAXIMIZE = 1, DECAY = 2;

/**
 * Adagrad (torch.optim.Adagrad semantics, dense gradients):
 *   d = g (+ wd·p);  sum = sum + d²;  clr = lr / (1 + (t−1)·lr_decay);  p = p − clr · d / (√sum + ε).
 * The sum starts at initialAccumulatorValue (filled at construction, as torch does).
 * State: 4 bytes per parameter (the sum).
 */
export class Adagrad extends Optimizer<AdagradHyper> {
  readonly kind = 'adagrad';
  constructor(params: ParamSet, opts: AdagradOptions = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...opts }, ['sum']);
    if (this.hyper.initialAccumulatorValue !== 0) this.slots.sum!.array.fill(this.hyper.initialAccumulatorValue);
  }

  protected validate(h: AdagradHyper): AdagradHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('lrDecay', h.lrDecay, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('initialAccumulatorValue', h.initialAccumulatorValue, 0, Infinity);
    checkRange('eps', h.eps, 0, Infinity);
    requireBool('maximize', h.maximize);
    return { ...h };
  }

  protected apply(t: number): void {
    const h = this.hyper, ps = this.params, e = ps.engine;
    const clr = h.lr / (1 + (t - 1) * h.lrDecay);
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    e.run('adagrad_f32', ps.size, [ps.data.ptr, ps.grad.ptr, this.slots.sum!.ptr, -clr, h.eps, h.weightDecay, flags]);
  }
}
