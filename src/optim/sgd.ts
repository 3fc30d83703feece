import { checkRange, HyperparameterError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, requireBool } from './base.js';

/**
 * Options of `SGD` (torch.optim.SGD: b = μ·b + (1 − τ)·g, θ ← θ − lr·(g + μ·b if Nesterov else b), with L2
 * weight decay added to g); unset fields take the defaults stated on each.
 */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}
/** SGD's hyperparameters with their defaults filled in (shared with LowPrecisionSGD). */
export type SGDHyper = Required<SGDOptions>;

/** torch.optim.SGD's defaults: momentum, dampening, weight decay 0; nesterov, maximize false. */
export const sgdHyper = (o: SGDOptions): SGDHyper => ({ lr: o.lr, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0,
  weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false, maximize: o.maximize ?? false });

/** torch.optim.SGD's checks (lr, momentum, weight decay ≥ 0, dampening in [0, 1], Nesterov needs momentum and no dampening). */
export function checkSgdHyper(h: SGDHyper): SGDHyper {
  checkRange('lr', h.lr, 0, Infinity);
  checkRange('momentum', h.momentum, 0, Infinity);
  checkRange('dampening', h.dampening, 0, 1);
  checkRange('weightDecay', h.weightDecay, 0, Infinity);
  requireBool('nesterov', h.nesterov);
  requireBool('maximize', h.maximize);
  if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
    throw new HyperparameterError('nesterov requires momentum > 0 and dampening = 0');
  }
  return { ...h };
}

// Kernel flags (assembly/sgd.ts).
const MOMENTUM = 1, NESTEROV = 2, MAXIMIZE = 4, FIRST = 8, DECAY = 16;

/**
 * Stochastic gradient descent with torch.optim.SGD semantics, one fused wasm pass per step:
 *   d = g (+ wd·p);  buf = momentum·buf + (1 − dampening)·d  (buf = d on the first step);
 *   d = nesterov ? d + momentum·buf : buf;  p = p − lr·d.
 * State: 4 bytes per parameter with momentum (the momentum buffer), none without.
 */
export class SGD extends Optimizer<SGDHyper, SGDOptions> {
  readonly kind = 'sgd';
  constructor(params: ParamSet, opts: WithGroups<SGDOptions>) {
    super(params, opts, sgdHyper, ['momentum_buffer']);
  }

  protected validate(h: SGDHyper): SGDHyper {
    return checkSgdHyper(h);
  }

  protected apply(t: number, h: SGDHyper, s: Span): void {
    const e = this.params.engine;
    let flags = 0;
    if (h.momentum !== 0) flags |= MOMENTUM;
    if (h.nesterov) flags |= NESTEROV;
    if (h.maximize) flags |= MAXIMIZE;
    if (t === 1) flags |= FIRST;
    if (h.weightDecay !== 0) flags |= DECAY;
    e.run('sgd_f32', s.n, [s.p, s.g, s.slot('momentum_buffer'),
      -h.lr, h.momentum, 1 - h.dampening, h.weightDecay, flags]);
  }
}
