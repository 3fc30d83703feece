import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, requireBool } from './base.js';

export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}
type AdadeltaHyper = Required<AdadeltaOptions>;

// Kernel flags (assembly/adadelta.ts).
const MAXIMIZE = 1, DECAY = 2;

/**
 * Adadelta (torch.optim.Adadelta semantics):
 *   d = g (+ wd·p);  v = ρ·v + (1−ρ)·d²;  Δ = √(u + ε) / √(v + ε) · d;  u = ρ·u + (1−ρ)·Δ²;  p = p − lr·Δ.
 * State: 8 bytes per parameter (square_avg v, acc_delta u).
 */
export class Adadelta extends Optimizer<AdadeltaHyper> {
  readonly kind = 'adadelta';
  constructor(params: ParamSet, opts: AdadeltaOptions = {}) {
    super(params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...opts }, ['square_avg', 'acc_delta']);
  }

  protected validate(h: AdadeltaHyper): AdadeltaHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('rho', h.rho, 0, 1);
    checkRange('eps', h.eps, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('maximize', h.maximize);
    return { ...h };
  }

  protected apply(_t: number): void {
    const h = this.hyper, ps = this.params, e = ps.engine;
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    e.run('adadelta_f32', ps.size, [ps.data.ptr, ps.grad.ptr, this.slots.square_avg!.ptr, this.slots.acc_delta!.ptr,
      h.rho, 1 - h.rho, h.eps, h.weightDecay, -h.lr, flags]);
  }
}
