import { F32_MIN_NORMAL } from '../options.js';
import { checkRange } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, requireBool, type Span, type WithGroups } from './base.js';
import { Segments, SEG_AXPY, SEG_TWO } from './segments.js';

/**
 * Options of `LARS` (SGD with momentum whose step is scaled per tensor by r = η·‖θ‖/(‖g + λ·θ‖ + ε)); unset
 * fields take the defaults stated on each.
 */
export interface LARSOptions {
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  trustCoefficient?: number;
  eps?: number;
  /** Apply the trust ratio (optax's trust_ratio_mask; false in a group of biases/norms gives plain SGD-momentum). */
  trustRatio?: boolean;
}
type LARSHyper = { lr: number; momentum: number; nesterov: boolean; weightDecay: number; trustCoefficient: number; eps: number; trustRatio: boolean };

const WD = 1, NESTEROV = 2; // assembly/lars.ts

/**
 * LARS (You et al. 2017, "Large Batch Training of Convolutional Networks"; optax.lars semantics:
 * add_decayed_weights → scale_by_trust_ratio → scale_by_learning_rate → trace), per tensor l:
 *   u = g + λ·p;  r_l = η·‖p_l‖ / (‖u_l‖ + ε)  (r_l = 1 when either norm is 0, as optax);
 *   d = −lr·r_l·u;  m = d + μ·m;  p = p + (nesterov ? d + μ·m : m)
 * (the momentum buffer holds lr-scaled steps, as optax's trace after the learning rate).
 * One segmented reduction gives every tensor's ‖p‖² and ‖g + λp‖² (f64, fixed order), the ratios are
 * computed in f64 and rounded once into −lr·r_l (f32), then one fused kernel does the rest.
 * Defaults lr = 1 (optax has none), momentum = 0.9, nesterov = false, weightDecay = 0,
 * trustCoefficient = 1e-3, eps = 0, trustRatio = true.
 * State: 4 bytes per parameter (momentum).
 */
export class LARS extends Optimizer<LARSHyper, LARSOptions> {
  readonly kind = 'lars';
  private readonly seg: Segments;
  private readonly ratio: Float64Array;

  constructor(params: ParamSet, opts: WithGroups<LARSOptions> = {}) {
    super(params, opts, (o) => ({
      lr: o.lr ?? 1, momentum: o.momentum ?? 0.9, nesterov: o.nesterov ?? false, weightDecay: o.weightDecay ?? 0,
      trustCoefficient: o.trustCoefficient ?? 1e-3, eps: o.eps ?? 0, trustRatio: o.trustRatio ?? true,
    }) as LARSHyper, ['momentum']);
    try { this.seg = new Segments(params); } catch (e) { super.free(); throw e; }
    this.ratio = new Float64Array(params.tensors.length).fill(1);
  }

  protected validate(h: LARSHyper): LARSHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('momentum', h.momentum, 0, 1, false, true);
    requireBool('nesterov', h.nesterov);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('trustCoefficient', h.trustCoefficient, 0, Infinity);
    checkRange('eps', h.eps, 0, Infinity);
    requireBool('trustRatio', h.trustRatio);
    return { ...h };
  }

  protected apply(_t: number, h: LARSHyper, s: Span): void {
    const e = this.params.engine, seg = this.seg, r = seg.range(s), ps = this.params;
    const wd = h.weightDecay !== 0;
    if (h.trustRatio) seg.sumSquares(r, ps.data.ptr, ps.grad.ptr, h.weightDecay, SEG_TWO | (wd ? SEG_AXPY : 0));
    const px = seg.sumX.array, ux = seg.sumY.array, cf = seg.coef.array;
    for (let i = r.i0; i < r.i1; i++) {
      let ratio = 1;
      if (h.trustRatio) {
        const pn = e.sqrt(px[i]!), un = e.sqrt(ux[i]!);
        // torch computes the norms in f32, where an update norm below the smallest normal f32 is 0
        // (ratio 1); from such a norm the f64 ratio would also overflow the kernel's f32 coefficient.
        if (pn !== 0 && un >= F32_MIN_NORMAL) ratio = h.trustCoefficient * pn / (un + h.eps);
      }
      this.ratio[i] = ratio;
      cf[i] = -h.lr * ratio;
    }
    e.run('lars_f32', s.n, [s.off, seg.tablePtr(r), r.i1 - r.i0, ps.data.ptr, ps.grad.ptr, this.slots['momentum']!.ptr,
      seg.coef.ptr + 4 * r.i0, h.weightDecay, h.momentum, (wd ? WD : 0) | (h.nesterov ? NESTEROV : 0)]);
  }

  /** Per-tensor trust ratios of the last step, by tensor name (for logging). */
  get trustRatios(): Record<string, number> {
    this.live();
    const out: Record<string, number> = {};
    this.params.tensors.forEach((t, i) => { out[t.name] = this.ratio[i]!; });
    return out;
  }

  override free(): void { this.seg.free(); super.free(); }
}
