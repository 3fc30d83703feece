import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, requireBool } from './base.js';

/**
 * Options of `Adadelta` (Δ = −√(u + ε)/√(v + ε)·g, v and u running averages of g² and Δ²); unset fields
 * take the defaults stated on each.
 */
export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
  /** false (default): the fast kernel (plain f32 multiply-adds where torch parity allows; same bits in every runtime and build, within 1e-6 of torch). true: every multiply-add torch's CPU kernel fuses is an f32 FMA emulated in f64, bit-identical to torch 1.13 on FMA CPUs, about 2× slower (README, Benchmarks). */
  torchBits?: boolean;
}
type AdadeltaHyper = Required<AdadeltaOptions>;

// Kernel flags (assembly/adadelta.ts).
const MAXIMIZE = 1, DECAY = 2, TORCH_BITS = 4;

/**
 * Adadelta (torch.optim.Adadelta semantics):
 *   d = g (+ wd·p);  v = ρ·v + (1−ρ)·d²;  Δ = √(u + ε) / √(v + ε) · d;  u = ρ·u + (1−ρ)·Δ²;  p = p − lr·Δ.
 * State: 8 bytes per parameter (square_avg v, acc_delta u).
 */
export class Adadelta extends Optimizer<AdadeltaHyper, AdadeltaOptions> {
  readonly kind = 'adadelta';
  constructor(params: ParamSet, opts: WithGroups<AdadeltaOptions> = {}) {
    super(params, opts, (o) => ({ lr: o.lr ?? 1.0, rho: o.rho ?? 0.9, eps: o.eps ?? 1e-6, weightDecay: o.weightDecay ?? 0, maximize: o.maximize ?? false, torchBits: o.torchBits ?? false }), ['square_avg', 'acc_delta']);
  }

  protected validate(h: AdadeltaHyper): AdadeltaHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('rho', h.rho, 0, 1);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('maximize', h.maximize);
    requireBool('torchBits', h.torchBits);
    return { ...h };
  }

  protected apply(t: number, h: AdadeltaHyper, s: Span): void {
    const e = this.params.engine;
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    if (h.torchBits) flags |= TORCH_BITS;
    e.run('adadelta_f32', s.n, [s.p, s.g, s.slot('square_avg'), s.slot('acc_delta'),
      h.rho, 1 - h.rho, h.eps, h.weightDecay, -h.lr, flags]);
  }
}
