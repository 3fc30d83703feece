import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, requireBool } from './base.js';

/**
 * Options of `Lion` (Chen et al. 2023: θ ← θ − lr·(sign(β1·m + (1 − β1)·g) + λ·θ), then m = β2·m + (1 −
 * β2)·g); unset fields take the defaults stated on each.
 */
export interface LionOptions {
  lr?: number;
  betas?: readonly [number, number];
  weightDecay?: number;
  /** false (default): plain f32 multiply-adds (same bits in every runtime and build). true: the two moment updates as f32 FMAs emulated in f64, the bits lion-pytorch gets from torch's fused add(alpha=) on FMA CPUs, about 2× slower (README, Benchmarks). */
  torchBits?: boolean;
}
type LionHyper = { lr: number; beta1: number; beta2: number; weightDecay: number; torchBits: boolean };

// Kernel flag (assembly/lion.ts).
const TORCH_BITS = 1;

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"; optax.lion / lion-pytorch):
 *   c = β1·m + (1−β1)·g;  p = p·(1 − lr·λ) − lr·sign(c)  (sign(0) = 0);  m = β2·m + (1−β2)·g.
 * Decoupled weight decay. Defaults lr = 1e-4, betas = (0.9, 0.99), weightDecay = 0.
 * State: 4 bytes per parameter (exp_avg).
 */
export class Lion extends Optimizer<LionHyper, LionOptions> {
  readonly kind = 'lion';
  constructor(params: ParamSet, opts: WithGroups<LionOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.99];
      return { lr: o.lr ?? 1e-4, beta1, beta2, weightDecay: o.weightDecay ?? 0, torchBits: o.torchBits ?? false };
    }, ['exp_avg']);
  }

  protected validate(h: LionHyper): LionHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1);
    checkRange('betas[1]', h.beta2, 0, 1);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('torchBits', h.torchBits);
    return { ...h };
  }

  protected apply(_t: number, h: LionHyper, s: Span): void {
    const e = this.params.engine;
    e.run('lion_f32', s.n, [s.p, s.g, s.slot('exp_avg'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, -h.lr, 1 - h.lr * h.weightDecay, h.torchBits ? TORCH_BITS : 0]);
  }
}
