import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups } from './base.js';

export interface OptimisticAMSGradOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
}
type OptAMSGradHyper = { lr: number; beta1: number; beta2: number; eps: number };

// Kernel flag (assembly/optamsgrad.ts).
const INIT = 1;

/**
 * Optimistic AMSGrad, OPT-AMSGrad (Wang, Li, Liu & Zhang 2019, "An Optimistic Acceleration of AMSGrad
 * for Nonconvex Optimization"), the rule stated in the project's algorithm catalog
 * (algorithms-000.md, §1 "(a) First-order / adaptive optimizers", row a5):
 *   θ = β1·θ + (1−β1)·g;  v = β2·v + (1−β2)·g²;  v̂ = max(v̂, v)
 *   w_{t+½} = w_{t−½} − η·θ/(√v̂ + ε)
 *   w_{t+1} = w_{t+½} − η·h_{t+1}/(√v̂ + ε)
 * The parameters hold w_{t+1} (where the next gradient is taken); w_{½} = w_1 (the parameters at the
 * first step). Predictor: h_{t+1} = g_t, the last gradient (the one-gradient case of the catalog's
 * least-squares extrapolation from the last r gradients; r > 1 is not implemented). ε (not in the
 * catalog's rule) keeps the first steps finite where v̂ = 0; no bias correction (AMSGrad as in the paper).
 * Defaults lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8.
 * State: 16 bytes per parameter (exp_avg, exp_avg_sq, max_exp_avg_sq, half_step).
 */
export class OptimisticAMSGrad extends Optimizer<OptAMSGradHyper, OptimisticAMSGradOptions> {
  readonly kind = 'optimistic_amsgrad';
  constructor(params: ParamSet, opts: WithGroups<OptimisticAMSGradOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-8 };
    }, ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'half_step']);
  }

  protected validate(h: OptAMSGradHyper): OptAMSGradHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity);
    return { ...h };
  }

  protected apply(t: number, h: OptAMSGradHyper, s: Span): void {
    this.params.engine.run('optamsgrad_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'), s.slot('max_exp_avg_sq'), s.slot('half_step'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.eps, -h.lr, t === 1 ? INIT : 0]);
  }
}
