import { valueText, checkRange, HyperparameterError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { type Span, type WithGroups } from './base.js';
import { checkSeed, HvpOptimizer, type Hvp, type HvpOptions } from './hvp.js';

/**
 * Options of `Sophia` (Liu et al. 2023: θ ← θ − lr·clip(m/max(γ·h, ε), 1), h a Hessian-diagonal estimate
 * refreshed every k steps); unset fields take the defaults stated on each.
 */
export interface SophiaOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** γ, the scale of the curvature in the denominator (optax's gamma, the paper's ρ). */
  gamma?: number;
  /** k: the Hessian estimate is refreshed at steps 1, k+1, 2k+1, ... (integer ≥ 1). */
  updateInterval?: number;
  /** Seed of the Rademacher draws (integer in [0, 2^32)). */
  seed?: number;
}
type SophiaHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; gamma: number; updateInterval: number; seed: number };

// Kernel flag (assembly/sophia.ts).
const HESS = 1;

/**
 * Sophia-H (Liu et al. 2023, "Sophia: A Scalable Stochastic Second-order Optimizer for Language
 * Model Pre-training", Algorithm 3 with Hutchinson's estimator):
 *   m = β1·m + (1−β1)·g
 *   if (t − 1) mod k = 0:  z ~ Rademacher(seed, t);  h = β2·h + (1−β2)·z ⊙ (H z)   (one HVP)
 *   p = p·(1 − lr·λ) − lr · clip(m / max(γ·h, ε), 1)      (clip to [−1, 1], elementwise)
 * The HVP callback is called only on curvature steps. As in the paper, the fresh h is used in the
 * same step and m is not bias-corrected (optax.contrib.sophia bias-corrects m and uses the previous
 * h; both agree once training is underway). Defaults (optax's): lr = 1e-3, betas = (0.965, 0.99),
 * eps = 1e-8, weightDecay = 1e-4, gamma = 0.01, updateInterval = 10.
 * State: 8 bytes per parameter (exp_avg, hessian) plus 8 bytes of scratch (z, Hz).
 */
export class Sophia extends HvpOptimizer<SophiaHyper, SophiaOptions> {
  readonly kind = 'sophia';

  constructor(params: ParamSet, opts: WithGroups<SophiaOptions> & HvpOptions = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.965, 0.99];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 1e-4, gamma: o.gamma ?? 0.01,
        updateInterval: o.updateInterval ?? 10, seed: o.seed ?? 0 };
    }, ['exp_avg', 'hessian']);
  }

  /** One step; `hvp` overrides the default callback (needed only on curvature steps, see isCurvatureStep). */
  override step(hvp?: Hvp): void { this.stepWith(hvp); }

  /** Whether the next step() refreshes the Hessian estimate (calls the HVP). */
  get isCurvatureStep(): boolean { return this.stepCount % this.hyperparameters.updateInterval === 0; }

  protected override fixedKeys(): string[] { return ['seed', 'updateInterval']; }

  protected validate(h: SophiaHyper): SophiaHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('gamma', h.gamma, 0, Infinity, true);
    checkRange('updateInterval', h.updateInterval, 1, 2 ** 31);
    if (!Number.isInteger(h.updateInterval)) throw new HyperparameterError(`updateInterval must be an integer, got ${valueText(h.updateInterval)}`);
    checkSeed('seed', h.seed);
    return { ...h };
  }

  private hess(t: number, h: SophiaHyper): boolean { return (t - 1) % h.updateInterval === 0; }

  protected prepare(t: number, h: SophiaHyper): void { if (this.hess(t, h)) this.curvature(t, h.seed); }

  protected apply(t: number, h: SophiaHyper, s: Span): void {
    this.prepared(t, h);
    const e = this.params.engine, o = s.off * 4;
    e.run('sophia_f32', s.n, [s.p, s.g, this.zPtr + o, this.hzPtr + o, s.slot('exp_avg'), s.slot('hessian'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.gamma, h.eps, -h.lr, 1 - h.lr * h.weightDecay, this.hess(t, h) ? HESS : 0]);
  }
}
