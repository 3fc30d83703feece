import { checkRange, HyperparameterError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, requireBool } from './base.js';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}
type AdamHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean };

// Kernel flags (assembly/adam.ts).
const MAXIMIZE = 1, AMSGRAD = 2, L2 = 4, DECOUPLED = 8;

abstract class AdamBase extends Optimizer<AdamHyper, AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected constructor(params: ParamSet, opts: WithGroups<AdamOptions>, defaultWd: number) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? defaultWd,
        amsgrad: o.amsgrad ?? false, maximize: o.maximize ?? false };
    }, opts.amsgrad === true ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']);
  }

  protected validate(h: AdamHyper): AdamHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('amsgrad', h.amsgrad);
    if (h.amsgrad !== (this.slots.max_exp_avg_sq !== undefined)) {
      throw new HyperparameterError('amsgrad is fixed at construction (it decides which state buffers exist)');
    }
    requireBool('maximize', h.maximize);
    return { ...h };
  }

  protected apply(t: number, h: AdamHyper, s: Span): void {
    const e = this.params.engine;
    // Per-step scalars in f64 with the engine's deterministic pow/sqrt (never Math.pow).
    const bc1 = 1 - e.pow(h.beta1, t), sq = e.sqrt(1 - e.pow(h.beta2, t));
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.amsgrad) flags |= AMSGRAD;
    if (this.decoupled) flags |= DECOUPLED; else if (h.weightDecay !== 0) flags |= L2;
    e.run('adam_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'), s.slot(h.amsgrad ? 'max_exp_avg_sq' : 'exp_avg_sq'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, -(h.lr * sq) / bc1, h.eps * sq,
      h.weightDecay, 1 - h.lr * h.weightDecay, flags]);
  }
}

/**
 * Adam (torch.optim.Adam semantics): L2 weight decay added to the gradient,
 *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr/(1−β1ᵗ) · m / (√v̂/√(1−β2ᵗ) + ε),
 * (computed as p −= (lr·√(1−β2ᵗ)/(1−β1ᵗ)) · m / (√v̂ + ε·√(1−β2ᵗ)): the same value, one division),
 * with v̂ = max of the raw v over time under AMSGrad (the kernel never touches the third buffer
 * otherwise, so it is allocated only with AMSGrad). State: 8 bytes/param, 12 with AMSGrad.
 */
export class Adam extends AdamBase {
  readonly kind = 'adam';
  protected readonly decoupled = false;
  constructor(params: ParamSet, opts: WithGroups<AdamOptions> = {}) { super(params, opts, 0); }
}

/** AdamW (torch.optim.AdamW): as Adam, but p ← p·(1 − lr·λ) before the moments (default λ = 1e-2). */
export class AdamW extends AdamBase {
  readonly kind = 'adamw';
  protected readonly decoupled = true;
  constructor(params: ParamSet, opts: WithGroups<AdamOptions> = {}) { super(params, opts, 1e-2); }
}
