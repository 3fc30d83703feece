import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, HyperparameterError, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { checkSlotValues, Optimizer, requireBool, type Span, type StateDict, type WithGroups } from './base.js';
import { Segments } from './segments.js';

/**
 * Options of `Adafactor` (factored second moments: row and column means of g² for matrices, relative step
 * sizes, update clipping); unset fields take the defaults stated on each.
 */
export interface AdafactorOptions {
  /** External learning rate; only with relativeStep: false (HF raises when both are given). */
  lr?: number;
  /** `[eps1, eps2]`: added to g², and the floor of the parameter scale. Default [1e-30, 1e-3]. */
  eps?: readonly [number, number];
  clipThreshold?: number;
  /** c in β2ₜ = 1 − t^c. Default −0.8. */
  decayRate?: number;
  /** First moment coefficient; omit for none (no exp_avg state). Fixed at construction. */
  beta1?: number;
  weightDecay?: number;
  scaleParameter?: boolean;
  /** Default: true unless lr is given. */
  relativeStep?: boolean;
  warmupInit?: boolean;
}
type AdafactorHyper = {
  lr: number; eps1: number; eps2: number; clipThreshold: number; decayRate: number; beta1: number; momentum: boolean;
  weightDecay: number; scaleParameter: boolean; relativeStep: boolean; warmupInit: boolean;
};

/** Adafactor's state dict: per tensor, exp_avg_sq_row and exp_avg_sq_col (≥ 2 dims) or exp_avg_sq. */
export type AdafactorStateDict = StateDict;

const MOMENTUM = 1, WD = 2; // assembly/adafactor.ts

interface Layout { factored: boolean; R: number; C: number; B: number; vOff: number; accOff: number }

/**
 * Adafactor (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost"),
 * following HF transformers' `Adafactor` (the fairseq port) exactly; per tensor l with step t:
 *   ρ = relativeStep ? min(warmupInit ? 1e-6·t : 1e-2, 1/√t) : lr;  lr_l = scaleParameter ? max(ε2, RMS(p_l))·ρ : ρ
 *   β2ₜ = 1 − t^c;  q = g² + ε1
 *   ≥ 2 dims [..., R, C] (factored): vr = β2ₜ·vr + (1−β2ₜ)·mean_cols(q);  vc = β2ₜ·vc + (1−β2ₜ)·mean_rows(q)
 *       u = g · rsqrt(vr_i / mean(vr)) · rsqrt(vc_j)          (per leading index of the batch dims)
 *   vectors (unfactored): v = β2ₜ·v + (1−β2ₜ)·q;  u = g · rsqrt(v)
 *   u = u / max(1, RMS(u)/d) · lr_l;  beta1: m = β1·m + (1−β1)·u, u = m;  p = p − λ·lr_l·p;  p = p − u
 * (RMS(x) = ‖x‖/√n; HF's defaults: lr none, eps (1e-30, 1e-3), clipThreshold d = 1, decayRate c = −0.8,
 * no beta1, weightDecay 0, scaleParameter, relativeStep, no warmupInit.) Differences from optax.adafactor:
 * optax factors only dims ≥ 128 (min_dim_size_to_factor), over the two largest dims, and has no
 * relative step. RMS(p), RMS(u) are per-tensor f64 reductions in a fixed order; row/column sums are
 * f64 in a fixed order; lr_l/clip and −λ·lr_l are rounded once to f32 (HF divides, then multiplies).
 * State: (R + C)·4 bytes per [R, C] matrix (per leading index), 4 per vector element, +4 with beta1;
 * transient: a 4-byte-per-parameter scratch for u and 8 bytes per matrix column.
 */
export class Adafactor extends Optimizer<AdafactorHyper, AdafactorOptions> {
  readonly kind = 'adafactor';
  private readonly seg: Segments;
  private readonly layout: Layout[];
  private readonly atbl: EngineBuffer<'i32'>;
  private readonly v: EngineBuffer;
  private readonly acc: EngineBuffer<'f64'>;
  private readonly u: EngineBuffer;
  private readonly wdc: EngineBuffer;
  /** Per-tensor step size of the current step (scratch, allocated once). */
  private readonly lrs: Float64Array;

  constructor(params: ParamSet, opts: WithGroups<AdafactorOptions> = {}) {
    super(params, opts, (o) => {
      const [eps1, eps2] = o.eps ?? [1e-30, 1e-3];
      if (o.relativeStep === true && o.lr !== undefined) throw new HyperparameterError('lr cannot be combined with relativeStep: true (use relativeStep: false)');
      if (o.relativeStep === false && o.lr === undefined) throw new HyperparameterError('lr is required with relativeStep: false');
      return {
        lr: o.lr ?? 0, eps1, eps2, clipThreshold: o.clipThreshold ?? 1, decayRate: o.decayRate ?? -0.8,
        beta1: o.beta1 ?? 0, momentum: o.beta1 !== undefined, weightDecay: o.weightDecay ?? 0,
        scaleParameter: o.scaleParameter ?? true, relativeStep: o.relativeStep ?? o.lr === undefined, warmupInit: o.warmupInit ?? false,
      } as AdafactorHyper;
    }, (opts as AdafactorOptions | null)?.beta1 !== undefined ? ['exp_avg'] : []);
    const e = params.engine, bufs: EngineBuffer<any>[] = [];
    try { this.seg = new Segments(params); } catch (err) { super.free(); throw err; }
    let vLen = 0, accLen = 0;
    this.layout = params.tensors.map((t) => {
      const d = t.shape;
      if (d.length < 2) { const l = { factored: false, R: 0, C: 0, B: 0, vOff: vLen, accOff: 0 }; vLen += Math.ceil(t.size / 4) * 4; return l; }
      const R = d[d.length - 2]!, C = d[d.length - 1]!, B = t.size / (R * C);
      const l = { factored: true, R, C, B, vOff: vLen, accOff: accLen };
      vLen += Math.ceil((B * R + B * C) / 4) * 4; accLen += Math.ceil(C / 2) * 2;
      return l;
    });
    try {
      const mk = <B extends EngineBuffer<any>>(b: B): B => { bufs.push(b); return b; };
      this.atbl = mk(e.alloc(8 * params.tensors.length, 'i32'));
      this.v = mk(e.alloc(Math.max(vLen, 1)));
      this.acc = mk(e.alloc(Math.max(accLen, 1), 'f64'));
      this.u = mk(e.alloc(params.size));
      this.wdc = mk(e.alloc(params.tensors.length));
    } catch (err) { for (const b of bufs) b.free(); this.seg.free(); super.free(); throw err; }
    this.lrs = new Float64Array(params.tensors.length);
    const a = this.atbl.array;
    params.tensors.forEach((t, i) => {
      const l = this.layout[i]!;
      a.set([t.offset, t.size, l.R, l.C, l.B, l.vOff, l.accOff, l.factored ? 1 : 0], 8 * i);
    });
  }

  protected override fixedKeys(): string[] { return ['momentum']; }

  protected validate(h: AdafactorHyper): AdafactorHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('eps[0]', h.eps1, 0, Infinity);
    checkRange('eps[1]', h.eps2, 0, Infinity);
    checkRange('clipThreshold', h.clipThreshold, 0, Infinity, true);
    checkRange('decayRate', h.decayRate, -Infinity, 0);
    checkRange('beta1', h.beta1, 0, 1, false, true);
    requireBool('momentum', h.momentum);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('scaleParameter', h.scaleParameter);
    requireBool('relativeStep', h.relativeStep);
    requireBool('warmupInit', h.warmupInit);
    if (h.relativeStep && h.lr !== 0) throw new HyperparameterError('lr cannot be combined with relativeStep: true (use relativeStep: false)');
    if (h.warmupInit && !h.relativeStep) throw new HyperparameterError('warmupInit requires relativeStep: true');
    return { ...h };
  }

  protected apply(t: number, h: AdafactorHyper, s: Span): void {
    const e = this.params.engine, seg = this.seg, r = seg.range(s), ps = this.params, n = r.i1 - r.i0;
    if (n <= 0) return;
    const b2t = 1 - e.pow(t, h.decayRate);
    const rho = h.relativeStep ? Math.min(h.warmupInit ? 1e-6 * t : 1e-2, 1 / e.sqrt(t)) : h.lr;
    const lrs = this.lrs;
    if (h.scaleParameter) {
      seg.sumSquares(r, ps.data.ptr, 0, 0, 0);
      const sx = seg.sumX.array;
      for (let i = r.i0; i < r.i1; i++) lrs[i] = Math.max(h.eps2, e.sqrt(sx[i]!) / e.sqrt(ps.tensors[i]!.size)) * rho;
    } else lrs.fill(rho, r.i0, r.i1);
    e.run('adafactor_v_f32', n, [this.atbl.ptr + 32 * r.i0, ps.grad.ptr, this.u.ptr, this.v.ptr, this.acc.ptr, b2t, 1 - b2t, h.eps1],
      1, Math.ceil(s.n / n));
    seg.sumSquares(r, this.u.ptr, 0, 0, 0);
    const ux = seg.sumX.array, cf = seg.coef.array, wdc = this.wdc.array;
    for (let i = r.i0; i < r.i1; i++) {
      const lr = lrs[i]!;
      const rms = e.sqrt(ux[i]!) / e.sqrt(ps.tensors[i]!.size);
      cf[i] = lr / Math.max(1, rms / h.clipThreshold);
      wdc[i] = -h.weightDecay * lr;
    }
    e.run('adafactor_apply_f32', s.n, [s.off, seg.tablePtr(r), n, ps.data.ptr, this.u.ptr, this.slots['exp_avg']?.ptr ?? 0,
      seg.coef.ptr + 4 * r.i0, this.wdc.ptr + 4 * r.i0, h.beta1, 1 - h.beta1,
      (h.momentum ? MOMENTUM : 0) | (h.weightDecay !== 0 ? WD : 0)]);
  }

  /** Per tensor: [name, length] of its second-moment entries. */
  private entries(i: number): [string, number, number][] {
    const l = this.layout[i]!, t = this.params.tensors[i]!;
    return l.factored ? [['exp_avg_sq_row', l.vOff, l.B * l.R], ['exp_avg_sq_col', l.vOff + l.B * l.R, l.B * l.C]]
      : [['exp_avg_sq', l.vOff, t.size]];
  }

  override stateDict(): AdafactorStateDict {
    this.live();
    const sd = super.stateDict(), v = this.v.array;
    this.params.tensors.forEach((t, i) => {
      for (const [k, o, len] of this.entries(i)) sd.state[t.name]![k] = v.slice(o, o + len);
    });
    return sd;
  }

  protected override pairKeys(): readonly string[] { return ['betas', 'eps']; }

  protected override extraStateEntries(i: number): string[] { return this.entries(i).map(([k]) => k); }

  /** As Optimizer.loadStateDict, plus the second moments (checked first; a bad dict changes nothing). */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const writes: [number, Float32Array][] = [];
    this.params.tensors.forEach((t, i) => {
      for (const [k, o, len] of this.entries(i)) {
        const a = sd?.state?.[t.name]?.[k];
        if (!(a instanceof Float32Array) || a.length !== len) throw new StateError(`state of ${t.name} needs a Float32Array ${k} of ${len} elements`);
        checkSlotValues(`${t.name}.${k}`, a, true);
        writes.push([o, a]);
      }
    });
    super.loadStateDict(sd);
    const v = this.v.array;
    for (const [o, a] of writes) v.set(a, o);
  }

  override free(): void {
    for (const b of [this.atbl, this.v, this.acc, this.u, this.wdc]) b.free();
    this.seg.free();
    super.free();
  }
}
