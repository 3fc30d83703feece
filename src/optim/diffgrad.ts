import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, checkAdamLike, requireBool } from './base.js';

/**
 * Options of `DiffGrad` (Adam whose step is scaled by the friction ξ = σ(|g_{t−1} − g_t|)); unset fields
 * take the defaults stated on each.
 */
export interface DiffGradOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  /** L2 penalty added to the gradient (as the official code). */
  weightDecay?: number;
  /** false (default): the friction's exp in f32, four lanes at a time (assembly/expf.ts). true: in f64 with the module's exp, one lane at a time, rounded to f32 (the path before the fast one; about 3× slower, README, Benchmarks). Either way the same bits in every runtime and build. */
  torchBits?: boolean;
}
type DiffGradHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; torchBits: boolean };

// Kernel flag (assembly/diffgrad.ts).
const L2 = 1, TORCH_BITS = 2;

/**
 * diffGrad (Dubey et al. 2019, "diffGrad: An Optimization Method for Convolutional Neural Networks";
 * the official shivram1987/diffGrad code). With d = g (+ λ·p):
 *   m = β1·m + (1−β1)·d;  v = β2·v + (1−β2)·d²
 *   ξ = sigmoid(|d_prev − d|) = 1/(1 + e^−|d_prev − d|) ∈ [0.5, 1)   (d_prev starts at 0)
 *   p ← p − lr·√(1−β2ᵗ)/(1−β1ᵗ) · ξ·m / (√v + ε)
 * ξ is evaluated per element in f32 with the module's own exp (assembly/expf.ts, four lanes at a time;
 * torchBits: in f64 with the module's exp, then rounded to f32): identical bits in the SIMD and scalar
 * paths and in every runtime either way.
 * Defaults lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weightDecay = 0.
 * State: 12 bytes per parameter (exp_avg, exp_avg_sq, previous_grad).
 */
export class DiffGrad extends Optimizer<DiffGradHyper, DiffGradOptions> {
  readonly kind = 'diffgrad';
  constructor(params: ParamSet, opts: WithGroups<DiffGradOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, torchBits: o.torchBits ?? false };
    }, ['exp_avg', 'exp_avg_sq', 'previous_grad']);
  }

  protected validate(h: DiffGradHyper): DiffGradHyper {
    checkAdamLike(h);
    requireBool('torchBits', h.torchBits);
    return { ...h };
  }

  protected apply(t: number, h: DiffGradHyper, s: Span): void {
    const e = this.params.engine;
    const bc1 = 1 - e.pow(h.beta1, t), sq = e.sqrt(1 - e.pow(h.beta2, t));
    e.run('diffgrad_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'), s.slot('previous_grad'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, -h.lr * sq / bc1, h.eps, h.weightDecay, (h.weightDecay !== 0 ? L2 : 0) | (h.torchBits ? TORCH_BITS : 0)]);
  }
}
