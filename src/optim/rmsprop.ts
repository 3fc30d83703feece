import { checkRange, HyperparameterError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, requireBool } from './base.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}
type RMSpropHyper = Required<RMSpropOptions>;

// Kernel flags (assembly/rmsprop.ts).
const MAXIMIZE = 1, DECAY = 2, CENTERED = 4, MOMENTUM = 8;

/**
 * RMSprop (torch.optim.RMSprop semantics):
 *   d = g (+ wd·p);  v = α·v + (1−α)·d²;
 *   centered: ḡ = α·ḡ + (1−α)·d,  avg = √(v − ḡ²) + ε;  otherwise avg = √v + ε;
 *   momentum > 0: buf = μ·buf + d/avg, p = p − lr·buf;  otherwise p = p − lr·d/avg.
 * State: 4 bytes per parameter (square_avg), +4 when centered (grad_avg), +4 with momentum
 * (momentum_buffer). `centered`, and whether momentum is zero, are fixed at construction (they decide
 * which buffers exist).
 */
export class RMSprop extends Optimizer<RMSpropHyper, RMSpropOptions> {
  readonly kind = 'rmsprop';
  constructor(params: ParamSet, opts: WithGroups<RMSpropOptions> = {}) {
    const slots = ['square_avg'];
    if (opts.centered === true) slots.push('grad_avg');
    const ms = [opts.momentum, ...(opts.groups ?? []).map((g) => g.momentum)];
    if (ms.some((m) => typeof m === 'function' || (typeof m === 'number' && m > 0))) slots.push('momentum_buffer');
    super(params, opts, (o) => ({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...o }), slots);
  }

  protected validate(h: RMSpropHyper): RMSpropHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('alpha', h.alpha, 0, 1);
    checkRange('eps', h.eps, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('momentum', h.momentum, 0, Infinity);
    requireBool('centered', h.centered);
    requireBool('maximize', h.maximize);
    if (h.centered !== (this.slots.grad_avg !== undefined)) {
      throw new HyperparameterError('centered is fixed at construction (it decides which state buffers exist)');
    }
    if (h.momentum > 0 && this.slots.momentum_buffer === undefined) {
      throw new HyperparameterError('momentum cannot become non-zero when it was zero at construction (it decides which state buffers exist)');
    }
    return { ...h };
  }

  protected apply(_t: number, h: RMSpropHyper, s: Span): void {
    const e = this.params.engine;
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    if (h.centered) flags |= CENTERED;
    if (h.momentum > 0) flags |= MOMENTUM;
    const sq = s.slot('square_avg'), has = (k: string) => this.slots[k] !== undefined;
    e.run('rmsprop_f32', s.n, [s.p, s.g, sq, has('grad_avg') ? s.slot('grad_avg') : sq, has('momentum_buffer') ? s.slot('momentum_buffer') : sq,
      h.alpha, 1 - h.alpha, h.eps, h.weightDecay, h.momentum, -h.lr, flags]);
  }
}
