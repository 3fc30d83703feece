import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups } from './base.js';

/** Options of `SignSGD` (θ ← θ − lr·sign(g)); unset fields take the defaults stated on each. */
export interface SignSGDOptions {
  lr?: number;
  /** Decoupled weight decay p ← p·(1 − lr·λ). */
  weightDecay?: number;
}
/**
 * Options of `Signum` (θ ← θ − lr·sign(m), m = β·m + (1 − β)·g); unset fields take the defaults stated on
 * each.
 */
export interface SignumOptions extends SignSGDOptions {
  /** β of the momentum EMA m = β·m + (1−β)·g. */
  momentum?: number;
}
type SignSGDHyper = { lr: number; weightDecay: number };
type SignumHyper = SignSGDHyper & { momentum: number };

// Kernel flag (assembly/signum.ts).
const MOMENTUM = 1;

const validateSign = (h: SignSGDHyper): void => {
  checkRange('lr', h.lr, 0, Infinity);
  checkRange('weightDecay', h.weightDecay, 0, Infinity);
};

/**
 * signSGD (Bernstein et al. 2018, "signSGD: Compressed Optimisation for Non-Convex Problems";
 * optax.sign_sgd): p ← p·(1 − lr·λ) − lr·sign(g), sign(0) = 0. Every coordinate with a non-zero
 * gradient moves by exactly lr (before rounding of p). Defaults lr = 1e-3, weightDecay = 0. No state.
 */
export class SignSGD extends Optimizer<SignSGDHyper, SignSGDOptions> {
  readonly kind = 'signsgd';
  constructor(params: ParamSet, opts: WithGroups<SignSGDOptions> = {}) {
    super(params, opts, (o) => ({ lr: o.lr ?? 1e-3, weightDecay: o.weightDecay ?? 0 }), []);
  }
  protected validate(h: SignSGDHyper): SignSGDHyper { validateSign(h); return { ...h }; }
  protected apply(_t: number, h: SignSGDHyper, s: Span): void {
    this.params.engine.run('signum_f32', s.n, [s.p, s.g, 0, 0, 1, -h.lr, 1 - h.lr * h.weightDecay, 0]);
  }
}

/**
 * Signum, sign momentum (Bernstein et al. 2018, Algorithm 3):
 *   m = β·m + (1−β)·g;  p ← p·(1 − lr·λ) − lr·sign(m)   (sign(0) = 0, decoupled weight decay)
 * Defaults lr = 1e-3, momentum = 0.9, weightDecay = 0. State: 4 bytes per parameter (momentum).
 */
export class Signum extends Optimizer<SignumHyper, SignumOptions> {
  readonly kind = 'signum';
  constructor(params: ParamSet, opts: WithGroups<SignumOptions> = {}) {
    super(params, opts, (o) => ({ lr: o.lr ?? 1e-3, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay ?? 0 }), ['momentum']);
  }
  protected validate(h: SignumHyper): SignumHyper {
    validateSign(h);
    checkRange('momentum', h.momentum, 0, 1, false, true);
    return { ...h };
  }
  protected apply(_t: number, h: SignumHyper, s: Span): void {
    this.params.engine.run('signum_f32', s.n, [s.p, s.g, s.slot('momentum'), h.momentum, 1 - h.momentum, -h.lr, 1 - h.lr * h.weightDecay, MOMENTUM]);
  }
}
