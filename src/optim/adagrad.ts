import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, requireBool } from './base.js';

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
export class Adagrad extends Optimizer<AdagradHyper, AdagradOptions> {
  readonly kind = 'adagrad';
  constructor(params: ParamSet, opts: WithGroups<AdagradOptions> = {}) {
    super(params, opts, (o) => ({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...o }), ['sum']);
    const v = this.hyperparameters.initialAccumulatorValue;
    if (v !== 0) this.slots.sum!.array.fill(v);
  }

  protected override fixedKeys(): string[] { return ['initialAccumulatorValue'];
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

  protected apply(t: number, h: AdagradHyper, s: Span): void {
    const e = this.params.engine;
    const clr = h.lr / (1 + (t - 1) * h.lrDecay);
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    e.run('adagrad_f32', s.n, [s.p, s.g, s.slot('sum'), -clr, h.eps, h.weightDecay, flags]);
  }
}
