import { valueText, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type StateDict, type WithGroups, checkAdamLike } from './base.js';
import { Segments } from './segments.js';

/**
 * Options of `NovoGrad` (second moments per tensor: v = β2·v + (1 − β2)·‖g‖², m = β1·m + g/(√v + ε) + λ·θ);
 * unset fields take the defaults stated on each.
 */
export interface NovoGradOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}
type NovoGradHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };

/** NovoGrad's state dict: the base format plus the per-tensor second moment v_l by tensor name. */
export interface NovoGradStateDict extends StateDict {
  scalars: { nu: Record<string, number> };
}

const WD = 1; // assembly/novograd.ts NOVOGRAD_WD

/**
 * NovoGrad (Ginsburg et al. 2019, "Stochastic Gradient Methods with Layer-wise Adaptive Moments";
 * optax.novograd semantics), per tensor l:
 *   v_l = ‖g_l‖² at the first step, then v_l = β2·v_l + (1−β2)·‖g_l‖²   (one scalar per tensor, f64)
 *   m = β1·m + (g / (√v_l + ε) + λ·p);  p = p − lr·m
 * ‖g_l‖² comes from one segmented reduction per run (f64, fixed order); √v_l + ε is rounded once to
 * f32 and the fused kernel does the rest. v_l is saved in stateDict().scalars.nu by tensor name.
 * Defaults lr = 1e-3 (optax has none), betas = (0.9, 0.25), eps = 1e-6, weightDecay = 0 (eps_root = 0).
 * State: 4 bytes per parameter (exp_avg) plus 8 bytes per tensor.
 */
export class NovoGrad extends Optimizer<NovoGradHyper, NovoGradOptions> {
  readonly kind = 'novograd';
  private readonly seg: Segments;
  private nu: Float64Array;

  constructor(params: ParamSet, opts: WithGroups<NovoGradOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.25];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-6, weightDecay: o.weightDecay ?? 0 };
    }, ['exp_avg']);
    try { this.seg = new Segments(params); } catch (e) { super.free(); throw e; }
    this.nu = new Float64Array(params.tensors.length);
  }

  protected validate(h: NovoGradHyper): NovoGradHyper {
    checkAdamLike(h);
    return { ...h };
  }

  protected apply(t: number, h: NovoGradHyper, s: Span): void {
    const e = this.params.engine, seg = this.seg, r = seg.range(s), ps = this.params;
    seg.sumSquares(r, ps.grad.ptr, 0, 0, 0);
    const g2 = seg.sumX.array, den = seg.coef.array, nu = this.nu;
    for (let i = r.i0; i < r.i1; i++) {
      nu[i] = t === 1 ? g2[i]! : (1 - h.beta2) * g2[i]! + h.beta2 * nu[i]!;
      den[i] = e.sqrt(nu[i]!) + h.eps;
    }
    e.run('novograd_f32', s.n, [s.off, seg.tablePtr(r), r.i1 - r.i0, ps.data.ptr, ps.grad.ptr, this.slots['exp_avg']!.ptr,
      seg.coef.ptr + 4 * r.i0, h.beta1, h.weightDecay, -h.lr, h.weightDecay !== 0 ? WD : 0]);
  }

  override stateDict(): NovoGradStateDict {
    this.live();
    const nu: Record<string, number> = {};
    this.params.tensors.forEach((t, i) => { nu[t.name] = this.nu[i]!; });
    return { ...super.stateDict(), scalars: { nu } };
  }

  /** As Optimizer.loadStateDict, plus scalars.nu (may be absent only at step 0); a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const given = (sd as Partial<NovoGradStateDict> | undefined)?.scalars?.nu;
    const next = new Float64Array(this.params.tensors.length);
    if (given === undefined) {
      if (sd && typeof sd === 'object' && sd.step !== 0) throw new StateError('NovoGrad state has no scalars.nu');
    } else {
      if (!given || typeof given !== 'object') throw new StateError('scalars.nu must be an object of numbers by tensor name');
      this.params.tensors.forEach((t, i) => {
        const v = given[t.name];
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new StateError(`invalid scalars.nu.${t.name} ${valueText(v)}`);
        next[i] = v;
      });
    }
    super.loadStateDict(sd);
    this.nu = next;
  }

  override free(): void { this.seg.free(); super.free(); }
}
