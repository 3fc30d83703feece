import { F32_MIN_NORMAL } from '../options.js';
import type { EngineBuffer } from '../engine/memory.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, checkAdamLike } from './base.js';
import { Segments, SEG_TWO } from './segments.js';

/**
 * Options of `LAMB` (Adam's update rescaled per tensor by the trust ratio φ(‖θ‖)/‖update‖); unset fields
 * take the defaults stated on each.
 */
export interface LAMBOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}
type LAMBHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };

const WD = 4; // assembly/lamb.ts LAMB_WD

/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning"; optax.lamb semantics:
 * scale_by_adam → add_decayed_weights → scale_by_trust_ratio → scale_by_learning_rate), per tensor l:
 *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  u = (m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε) + λ·p
 *   r_l = ‖p_l‖ / ‖u_l‖  (r_l = 1 when either norm is 0);  p = p − lr·r_l·u
 * Two passes per run: the fused moment kernel runs over the per-tensor reduction blocks, writes u
 * into a scratch buffer and gives every tensor's ‖p‖² and ‖u‖² (f64, fixed order) in the same read;
 * the ratios are computed in f64 and rounded once into −lr·r_l (f32), then one kernel applies
 * p += (−lr·r_l)·u.
 * Defaults lr = 1e-3 (optax has none), betas = (0.9, 0.999), eps = 1e-6, weightDecay = 0 (eps_root = 0).
 * State: 8 bytes per parameter (exp_avg, exp_avg_sq) plus a 4-byte transient scratch.
 */
export class LAMB extends Optimizer<LAMBHyper, LAMBOptions> {
  readonly kind = 'lamb';
  private readonly seg: Segments;
  private readonly u: EngineBuffer;
  private readonly ratio: Float64Array;

  constructor(params: ParamSet, opts: WithGroups<LAMBOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-6, weightDecay: o.weightDecay ?? 0 };
    }, ['exp_avg', 'exp_avg_sq']);
    try { this.seg = new Segments(params); } catch (e) { super.free(); throw e; }
    try { this.u = params.engine.alloc(params.size); } catch (e) { this.seg.free(); super.free(); throw e; }
    this.ratio = new Float64Array(params.tensors.length).fill(1);
  }

  protected validate(h: LAMBHyper): LAMBHyper {
    checkAdamLike(h);
    return { ...h };
  }

  protected apply(t: number, h: LAMBHyper, s: Span): void {
    const e = this.params.engine, seg = this.seg, r = seg.range(s), u = this.u.ptr;
    seg.runBlocks(r, 'lamb_blocks_f32', [], SEG_TWO | (h.weightDecay !== 0 ? WD : 0), [this.params.data.ptr, this.params.grad.ptr,
      this.slots['exp_avg']!.ptr, this.slots['exp_avg_sq']!.ptr, u, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2,
      1 - e.pow(h.beta1, t), 1 - e.pow(h.beta2, t), h.eps, h.weightDecay]);
    const px = seg.sumX.array, ux = seg.sumY.array, cf = seg.coef.array;
    for (let i = r.i0; i < r.i1; i++) {
      const pn = e.sqrt(px[i]!), un = e.sqrt(ux[i]!);
      // As optax's f32 norms: an update norm below the smallest normal f32 counts as 0 (ratio 1);
      // from it the f64 ratio would overflow the kernel's f32 coefficient.
      const ratio = pn === 0 || un < F32_MIN_NORMAL ? 1 : pn / un;
      this.ratio[i] = ratio;
      cf[i] = -h.lr * ratio;
    }
    e.run('seg_axpy_f32', s.n, [s.off, seg.tablePtr(r), r.i1 - r.i0, this.params.data.ptr, u, seg.coef.ptr + 4 * r.i0]);
  }

  /** Per-tensor trust ratios ‖p‖/‖u‖ of the last step, by tensor name (for logging). */
  get trustRatios(): Record<string, number> {
    this.live();
    const out: Record<string, number> = {};
    this.params.tensors.forEach((t, i) => { out[t.name] = this.ratio[i]!; });
    return out;
  }

  override free(): void { this.seg.free(); this.u.free(); super.free(); }
}
