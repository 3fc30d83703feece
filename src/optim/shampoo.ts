import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, StateError } from '../errors.js';
import { gemmPtr, LINALG } from '../linalg.js';
import type { ParamSet } from '../params.js';
import { checkSlotValues, Optimizer, requireBool, type Span, type StateDict, type WithGroups } from './base.js';

/** The diagonal method Shampoo grafts its per-block step norm from (and that 1-D tensors are trained with). */
export type ShampooGraft = 'adagrad' | 'rmsprop' | 'adam' | 'sgd';
const GRAFTS: readonly ShampooGraft[] = ['adagrad', 'rmsprop', 'adam', 'sgd'];

/**
 * Options of `Shampoo` (distributed Shampoo's names and defaults where they exist; unset fields take the
 * defaults stated on each).
 */
export interface ShampooOptions {
  /** Learning rate. Default 0.01. */
  lr?: number;
  /** β1 and β2: β1 of the filtered gradient G̃ = lerp(G̃, G, 1 − β1) (0: none); β2 of the factors L = β2·L + (1 − β2)·GGᵀ (1: the AdaGrad sum L += GGᵀ). Default 0.9 and 1. */
  betas?: readonly [number, number];
  /** ε added to the factors' eigenvalues before the inverse root (after the shift that makes them ≥ 0). Default 1e-12. */
  epsilon?: number;
  /** Momentum μ of the search direction: m = μ·m + (1 − dampening)·P. Default 0 (none). */
  momentum?: number;
  /** Dampening of the momentum. Default 0. */
  dampening?: number;
  /** Nesterov: P = (1 − dampening)·P + μ·m instead of P = m. Default false. */
  nesterov?: boolean;
  /** Weight decay λ. Default 0. */
  weightDecay?: number;
  /** Decoupled (AdamW-style, P += λ·W before momentum) or L2 (G += λ·W before everything). Default true. */
  decoupledWeightDecay?: boolean;
  /** Bias-correct the filtered gradient (÷ 1 − β1^t) and, when β2 < 1, the factors (÷ 1 − β2^t). Default true. */
  biasCorrection?: boolean;
  /** Largest block side (distributed Shampoo's max_preconditioner_dim): a matrix is split into blocks of at most blockSize × blockSize, each with its own factors. Default 128 (distributed Shampoo's 1024 costs seconds per root in WASM). Fixed at construction. */
  blockSize?: number;
  /** Recompute the inverse roots every this many steps (and at startPreconditioningStep). Default 10 (distributed Shampoo's default is 1). */
  precondFrequency?: number;
  /** First step that uses Shampoo's direction; before it every tensor takes the grafted method's step. At least precondFrequency. Default precondFrequency. */
  startPreconditioningStep?: number;
  /** p of the inverse roots L^{-1/p}, R^{-1/p}: 1, 2, 4 or 8. Default 4 (2·order for matrices). */
  root?: 1 | 2 | 4 | 8;
  /** The grafted method: 'adagrad', 'rmsprop', 'adam' (bias-corrected) or 'sgd'. Default 'adagrad'. Fixed at construction. */
  graft?: ShampooGraft;
  /** β2 of the grafted second moment ('rmsprop': default 0.99; 'adam': default 0.999; 'adagrad' sums: 1). */
  graftBeta2?: number;
  /** ε of the grafted method, G̃/(√v + ε). Default 1e-10 for 'adagrad', 1e-8 for 'rmsprop' and 'adam'. */
  graftEps?: number;
}
type ShampooHyper = {
  lr: number; beta1: number; beta2: number; epsilon: number; momentum: number; dampening: number; nesterov: boolean;
  weightDecay: number; decoupledWeightDecay: boolean; biasCorrection: boolean; blockSize: number; precondFrequency: number;
  startPreconditioningStep: number; root: number; graftBeta2: number; graftEps: number;
};

/** One block of a 2-D tensor: rows [r0, r0 + r), columns [c0, c0 + c); its factors at element offsets of `fac`. */
interface Block { r0: number; c0: number; r: number; c: number; l: number; rr: number; li: number; ri: number }
interface Mat { C: number; blocks: Block[] }

const splits = (n: number, b: number): [number, number][] => {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += b) out.push([s, Math.min(b, n - s)]);
  return out;
};

/**
 * Shampoo, blocked and grafted as distributed Shampoo (Shi et al. 2023, "A Distributed Data-Parallel PyTorch
 * Implementation of the Distributed Shampoo Optimizer"; facebookresearch/optimizers `DistributedShampoo.step`).
 * Every 2-D tensor W (R×C) is split into blocks of at most blockSize × blockSize; per block, step t:
 *   G ← G + λ·W                                      (only when decoupledWeightDecay is false)
 *   L = β2·L + (1 − β2)·G·Gᵀ,  R = β2·R + (1 − β2)·Gᵀ·G   (β2 = 1: L += G·Gᵀ, R += Gᵀ·G)
 *   v = graft second moment of G (AdaGrad: v += G²; RMSprop/Adam: v = β2g·v + (1 − β2g)·G²)
 *   when t = start or (t > start and t mod precondFrequency = 0):
 *     L⁻ = (L/bc2)^{-1/p}, R⁻ = (R/bc2)^{-1/p}  (linalg.inverseRoot: Jacobi eigh in f64, eigenvalues shifted by
 *      −min(λ_min, 0) then + ε; bc2 = 1 − β2^t when biasCorrection and β2 < 1, else 1)
 *   G̃ = lerp(G̃, G, 1 − β1);  Ḡ = G̃ / (1 − β1^t)         (β1 = 0: Ḡ = G; no division without biasCorrection)
 *   Pg = Ḡ / (√v + ε_g)  (Adam: √(v/(1 − β2g^t)); SGD: Pg = Ḡ)
 *   P = t < start ? Pg : (‖Pg‖ / (‖S‖ + 1e-16))·S  with  S = L⁻·Ḡ·R⁻       (norms per block)
 *   P ← P + λ·W (decoupled);  m = μ·m + (1 − d)·P,  P = nesterov ? (1 − d)·P + μ·m : m   (when μ > 0)
 *   W ← W − lr·P
 * Tensors that are not 2-D take the same step with P = Pg throughout (the grafted method, with the shared
 * filtered gradient, momentum and weight decay). The products run in the packed Rust sgemm on the blocks in
 * place (no copies), the roots in rust/src/eigh.rs, the elementwise passes in assembly/optim/shampoo.ts; the
 * norms are f64 sums in a fixed order: every build and thread count gives the same bits.
 * Differences from distributed Shampoo: 1-D tensors are not Shampoo-preconditioned (they take the grafted step),
 * no dimension merging, grafting is always on (graft 'sgd' is the nearest to none), and the defaults of
 * blockSize and precondFrequency are smaller/larger for WASM. The roots are recomputed synchronously in step().
 * State: 12 B/param (`exp_avg` = G̃, `exp_avg_sq` = v, `momentum_buffer`), plus per block of a matrix
 * 2·4·(r² + c²) B (`L`, `R`, `L_inv`, `R_inv`, each the concatenation over the tensor's blocks in row-major block order).
 */
export class Shampoo extends Optimizer<ShampooHyper, ShampooOptions> {
  readonly kind = 'shampoo';
  /** The grafted method (fixed at construction). */
  readonly graft: ShampooGraft;
  private readonly mats: Map<number, Mat>;
  private readonly fac: EngineBuffer;
  private readonly gw: EngineBuffer;
  private readonly gb: EngineBuffer;
  private readonly pd: EngineBuffer;
  private readonly t1: EngineBuffer;
  private readonly t2: EngineBuffer;
  private readonly work: EngineBuffer<'f64'>;

  constructor(params: ParamSet, opts: WithGroups<ShampooOptions> = {}) {
    const grafts: unknown[] = [];
    super(params, opts, (o) => {
      const graft = o.graft ?? 'adagrad';
      grafts.push(graft);
      const [beta1, beta2] = o.betas ?? [0.9, 1];
      const freq = o.precondFrequency ?? 10;
      return {
        lr: o.lr ?? 0.01, beta1, beta2, epsilon: o.epsilon ?? 1e-12, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0,
        nesterov: o.nesterov ?? false, weightDecay: o.weightDecay ?? 0, decoupledWeightDecay: o.decoupledWeightDecay ?? true,
        biasCorrection: o.biasCorrection ?? true, blockSize: o.blockSize ?? 128, precondFrequency: freq,
        startPreconditioningStep: o.startPreconditioningStep ?? freq, root: o.root ?? 4,
        graftBeta2: o.graftBeta2 ?? (graft === 'rmsprop' ? 0.99 : graft === 'adam' ? 0.999 : 1),
        graftEps: o.graftEps ?? (graft === 'adagrad' ? 1e-10 : 1e-8),
      } as ShampooHyper;
    }, ['exp_avg', 'exp_avg_sq', 'momentum_buffer']);
    const e = params.engine, bufs: EngineBuffer<any>[] = [];
    try {
      const g0 = grafts[0];
      if (!GRAFTS.includes(g0 as ShampooGraft)) throw new HyperparameterError(`graft must be one of ${GRAFTS.join(', ')}, got ${describe(g0)}`);
      if (grafts.some((g) => g !== g0)) throw new HyperparameterError('graft is fixed at construction and shared by every group');
      this.graft = g0 as ShampooGraft;
      const b = this.hyperparameters.blockSize;
      this.mats = new Map();
      let facLen = 0, maxN = 1, maxBlk = 1, maxDim = 1;
      params.tensors.forEach((t) => {
        maxN = Math.max(maxN, t.size);
        if (t.shape.length !== 2) return;
        const [R, C] = t.shape as [number, number];
        const blocks: Block[] = [];
        for (const [r0, r] of splits(R, b)) for (const [c0, c] of splits(C, b)) {
          blocks.push({ r0, c0, r, c, l: 0, rr: 0, li: 0, ri: 0 });
          maxBlk = Math.max(maxBlk, r * c); maxDim = Math.max(maxDim, r, c);
        }
        // Per tensor: all L, then all R, then all L_inv, then all R_inv (the state dict's four entries).
        for (const k of ['l', 'rr', 'li', 'ri'] as const) for (const bl of blocks) { const s = k === 'l' || k === 'li' ? bl.r : bl.c; bl[k] = facLen; facLen += s * s; }
        this.mats.set(t.offset, { C, blocks });
      });
      e.requireGroup(LINALG);
      const mk = (n: number): EngineBuffer => { const x = e.alloc(Math.max(n, 1)); bufs.push(x); return x; };
      this.fac = mk(facLen); this.gw = mk(maxN); this.gb = mk(maxN); this.pd = mk(maxN); this.t1 = mk(maxBlk); this.t2 = mk(maxBlk);
      this.work = e.alloc(2 * maxDim * maxDim + maxDim, 'f64'); bufs.push(this.work);
    } catch (err) { for (const x of bufs) x.free(); super.free(); throw err; }
  }

  protected override pairKeys(): readonly string[] { return ['betas']; }
  protected override fixedKeys(): string[] { return ['blockSize']; }

  protected validate(h: ShampooHyper): ShampooHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, true);
    checkRange('epsilon', h.epsilon, 0, Infinity, true);
    checkRange('momentum', h.momentum, 0, 1, false, true);
    checkRange('dampening', h.dampening, 0, 1, false, true);
    requireBool('nesterov', h.nesterov);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('decoupledWeightDecay', h.decoupledWeightDecay);
    requireBool('biasCorrection', h.biasCorrection);
    const int = (k: string, v: number, lo: number, hi: number): void => {
      if (!Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`${k} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
    };
    int('blockSize', h.blockSize, 1, 1024);
    int('precondFrequency', h.precondFrequency, 1, 2 ** 31 - 1);
    int('startPreconditioningStep', h.startPreconditioningStep, 1, 2 ** 31 - 1);
    if (h.startPreconditioningStep < h.precondFrequency) {
      throw new HyperparameterError(`startPreconditioningStep must be at least precondFrequency (${h.precondFrequency}), got ${h.startPreconditioningStep}`);
    }
    if (h.root !== 1 && h.root !== 2 && h.root !== 4 && h.root !== 8) throw new HyperparameterError(`root must be 1, 2, 4 or 8, got ${describe(h.root)}`);
    checkRange('graftBeta2', h.graftBeta2, 0, 1, true);
    checkRange('graftEps', h.graftEps, 0, Infinity, true);
    return { ...h };
  }

  protected apply(t: number, h: ShampooHyper, s: Span): void {
    const e = this.params.engine, f = Math.fround;
    const start = h.startPreconditioningStep;
    const roots = (t % h.precondFrequency === 0 && t > start) || t === start;
    const div = h.biasCorrection && h.beta2 < 1 ? 1 - e.pow(h.beta2, t) : 1;
    const [fa, fb] = h.beta2 === 1 ? [1, 1] : [1 - h.beta2, h.beta2];
    const w1 = f(1 - h.beta1), bc1 = 1 - e.pow(h.beta1, t);
    const kind = this.graft === 'sgd' ? 0 : this.graft === 'adam' ? 2 : 1;
    const bcg = kind === 2 ? 1 - e.pow(h.graftBeta2, t) : 1;
    const l2 = !h.decoupledWeightDecay && h.weightDecay !== 0;
    const flags = (h.decoupledWeightDecay && h.weightDecay !== 0 ? 1 : 0) | (h.momentum !== 0 ? 2 : 0) | (h.momentum !== 0 && h.nesterov ? 4 : 0);
    const sumsq = e.kernel('shampoo_sumsq2d');
    const inv = e.kernel('sinvroot_jacobi');
    for (const tn of this.params.tensors) {
      if (tn.offset < s.off || tn.offset >= s.off + s.n) continue;
      const o = (tn.offset - s.off) * 4, n = tn.size;
      const p = s.p + o, v = s.slot('exp_avg_sq') + o;
      let g = s.g + o;
      if (l2) { e.run('shampoo_l2_f32', n, [g, p, this.gw.ptr, h.weightDecay]); g = this.gw.ptr; }
      if (kind !== 0) e.run('shampoo_graft_stat_f32', n, [g, v, h.graftBeta2, 1 - h.graftBeta2, h.graftBeta2 === 1 ? 1 : 0]);
      const m = this.mats.get(tn.offset), F = this.fac.ptr;
      if (m) {
        for (const b of m.blocks) {
          const pa = g + (b.r0 * m.C + b.c0) * 4;
          gemmPtr(e, b.r, b.r, b.c, fa, pa, m.C, pa, m.C, fb, F + b.l * 4, b.r, false, true);
          gemmPtr(e, b.c, b.c, b.r, fa, pa, m.C, pa, m.C, fb, F + b.rr * 4, b.c, true, false);
          if (roots) {
            // A factor that overflowed keeps its previous root (as distributed Shampoo's protected eigh).
            inv(b.r, F + b.l * 4, div, h.epsilon, h.root, F + b.li * 4, this.work.ptr);
            inv(b.c, F + b.rr * 4, div, h.epsilon, h.root, F + b.ri * 4, this.work.ptr);
          }
        }
      }
      let gb = g;
      if (h.beta1 !== 0) {
        e.run('shampoo_filter_f32', n, [g, s.slot('exp_avg') + o, this.gb.ptr, w1, f(1 - w1), Math.abs(w1) < 0.5 ? 1 : 0, bc1, h.biasCorrection ? 1 : 0]);
        gb = this.gb.ptr;
      }
      const d = this.pd.ptr;
      e.run('shampoo_graft_dir_f32', n, [gb, v, d, bcg, h.graftEps, kind]);
      if (m && t >= start) {
        const T = this.t1.ptr, S = this.t2.ptr;
        for (const b of m.blocks) {
          const off = (b.r0 * m.C + b.c0) * 4;
          gemmPtr(e, b.r, b.c, b.r, 1, F + b.li * 4, b.r, gb + off, m.C, 0, T, b.c, false, false);
          gemmPtr(e, b.r, b.c, b.c, 1, T, b.c, F + b.ri * 4, b.c, 0, S, b.c, false, false);
          const ns = f(e.sqrt(sumsq(b.r, b.c, S, b.c) as number)), np = f(e.sqrt(sumsq(b.r, b.c, d + off, m.C) as number));
          e.run('shampoo_scatter_f32', b.r, [S, d + off, b.c, m.C, f(np / f(ns + f(1e-16)))], 1, b.c);
        }
      }
      e.run('shampoo_apply_f32', n, [p, d, s.slot('momentum_buffer') + o, h.weightDecay, h.momentum, 1 - h.dampening, -h.lr, flags]);
    }
  }

  /** The state entries of tensor i beyond the slots: its blocks' factors and roots. */
  private entries(i: number): [string, number, number][] {
    const m = this.mats.get(this.params.tensors[i]!.offset);
    if (!m) return [];
    const bl = m.blocks, nl = bl.reduce((a, b) => a + b.r * b.r, 0), nr = bl.reduce((a, b) => a + b.c * b.c, 0);
    return [['L', bl[0]!.l, nl], ['R', bl[0]!.rr, nr], ['L_inv', bl[0]!.li, nl], ['R_inv', bl[0]!.ri, nr]];
  }

  /** As Optimizer.stateDict, plus `graft` and each matrix's L, R, L_inv, R_inv (its blocks' in row-major block order). */
  override stateDict(): StateDict & { graft: ShampooGraft } {
    this.live();
    const sd = super.stateDict(), a = this.fac.array;
    this.params.tensors.forEach((t, i) => {
      for (const [k, o, len] of this.entries(i)) sd.state[t.name]![k] = a.slice(o, o + len);
    });
    return { ...sd, graft: this.graft };
  }

  protected override extraStateEntries(i: number): string[] { return this.entries(i).map(([k]) => k); }

  /** As Optimizer.loadStateDict, plus the graft (must match) and the factors (checked first; a bad dict changes nothing). */
  override loadStateDict(sd: StateDict & { graft?: ShampooGraft }): void {
    this.live();
    const gr = (sd as { graft?: unknown } | undefined)?.graft;
    if (gr !== this.graft) throw new StateError(`state was saved with graft ${describe(gr)}, this optimizer grafts '${this.graft}'`);
    const writes: [number, Float32Array][] = [];
    this.params.tensors.forEach((t, i) => {
      for (const [k, o, len] of this.entries(i)) {
        const a = sd?.state?.[t.name]?.[k];
        if (!(a instanceof Float32Array) || a.length !== len) throw new StateError(`state of ${t.name} needs a Float32Array ${k} of ${len} elements`);
        checkSlotValues(`${t.name}.${k}`, a, false);
        writes.push([o, a]);
      }
    });
    super.loadStateDict(sd);
    const a = this.fac.array;
    for (const [o, x] of writes) a.set(x, o);
  }

  override free(): void {
    if (!this.freed) for (const b of [this.fac, this.gw, this.gb, this.pd, this.t1, this.t2, this.work]) b.free();
    super.free();
  }
}
