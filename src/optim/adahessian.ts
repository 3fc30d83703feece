import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { type Span, type WithGroups, requireBool } from './base.js';
import { checkSeed, HvpOptimizer, type Hvp, type HvpOptions } from './hvp.js';

/**
 * Options of `AdaHessian` (Adam with the Hutchinson estimate of the Hessian diagonal, spatially averaged,
 * in place of g² in v); unset fields take the defaults stated on each.
 */
export interface AdaHessianOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** Hessian power k in [0, 1]. */
  hessianPower?: number;
  /** Average |D| over the kh×kw window of 4-D tensors [out, in, kh, kw] (the authors' code does). */
  spatialAveraging?: boolean;
  /** Seed of the Rademacher draws (integer in [0, 2^32)). */
  seed?: number;
}
type AdaHessianHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; hessianPower: number; spatialAveraging: boolean; seed: number };

// Kernel flag (assembly/adahessian.ts).
const POW1 = 1;

/**
 * AdaHessian (Yao et al. 2021, "ADAHESSIAN: An Adaptive Second Order Optimizer for Machine
 * Learning"), the update of the authors' optim_adahessian.py with block size 1:
 *   z ~ Rademacher(seed, t);  D = z ⊙ (H z)            (one HVP per step, Hutchinson)
 *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·D²
 *   p −= lr · ( (m / (1−β1ᵗ)) / ( (√v)ᵏ / (√(1−β2ᵗ))ᵏ + ε ) + λ·p )
 * Decoupled weight decay λ (inside the lr factor, outside the curvature scaling, as in the paper's
 * code). Spatial averaging (as the authors' code): for a 4-D tensor [out, in, kh, kw], D of every
 * element is replaced by the mean of |D| over its kh×kw window (f32 sum in order, then / (kh·kw));
 * other tensors use block size 1. spatialAveraging: false uses block size 1 everywhere.
 * Defaults (the authors'): lr = 0.15, betas = (0.9, 0.999), eps = 1e-4, weightDecay = 0, k = 1,
 * spatialAveraging = true.
 * State: 8 bytes per parameter (exp_avg, exp_hessian_diag_sq) plus 8 bytes of scratch (z, Hz).
 * The RNG counter is the step number, so a resumed run draws the same z.
 */
export class AdaHessian extends HvpOptimizer<AdaHessianHyper, AdaHessianOptions> {
  readonly kind = 'adahessian';

  constructor(params: ParamSet, opts: WithGroups<AdaHessianOptions> & HvpOptions = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 0.15, beta1, beta2, eps: o.eps ?? 1e-4, weightDecay: o.weightDecay ?? 0, hessianPower: o.hessianPower ?? 1,
        spatialAveraging: o.spatialAveraging ?? true, seed: o.seed ?? 0 };
    }, ['exp_avg', 'exp_hessian_diag_sq']);
  }

  /** One step; `hvp` overrides the default callback for this step. */
  override step(hvp?: Hvp): void { this.stepWith(hvp); }

  protected override fixedKeys(): string[] { return ['seed']; }

  protected validate(h: AdaHessianHyper): AdaHessianHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('hessianPower', h.hessianPower, 0, 1);
    requireBool('spatialAveraging', h.spatialAveraging);
    checkSeed('seed', h.seed);
    return { ...h };
  }

  protected prepare(t: number, h: AdaHessianHyper): void {
    this.curvature(t, h.seed);
    const e = this.params.engine;
    this.groups.forEach((g, gi) => {
      if (g.frozen || !this.hyperparametersOf(gi).spatialAveraging) return;
      for (const name of g.params) {
        const x = this.params.info(name), bs = x.shape.length === 4 ? x.shape[2]! * x.shape[3]! : 1;
        if (bs > 1) e.run('hutchinson_block_mean_f32', x.size / bs, [this.zPtr + x.offset * 4, this.hzPtr + x.offset * 4, bs], 1024, bs);
      }
    });
  }

  protected apply(t: number, h: AdaHessianHyper, s: Span): void {
    this.prepared(t, h);
    const e = this.params.engine, o = s.off * 4, k = h.hessianPower;
    const bc1 = 1 - e.pow(h.beta1, t), cbk = e.pow(1 - e.pow(h.beta2, t), k / 2);
    e.run('adahessian_f32', s.n, [s.p, s.g, this.zPtr + o, this.hzPtr + o, s.slot('exp_avg'), s.slot('exp_hessian_diag_sq'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, bc1, cbk, h.eps, h.lr, h.weightDecay, k, k === 1 ? POW1 : 0]);
  }
}
