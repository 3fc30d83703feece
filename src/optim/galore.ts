import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, StateError } from '../errors.js';
import { gemmPtr, LINALG } from '../linalg.js';
import { svdInto, svdPlan } from '../linalg-svd.js';
import type { ParamSet } from '../params.js';
import { checkAdamLike, checkSlotValues, Optimizer, requireBool, type Span, type StateDict, type WithGroups } from './base.js';

/**
 * Options of `GaLore`; unset fields take the defaults stated on each (galore-torch's `GaLoreAdamW` and the
 * GaLore paper's: rank 128, update_proj_gap 200, scale 0.25, HF AdamW's lr 1e-3, betas (0.9, 0.999), eps 1e-6).
 */
export interface GaLoreOptions {
  /** Learning rate. Default 1e-3. */
  lr?: number;
  /** Adam's (β1, β2). Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** ε added to √v (not bias-corrected: HF AdamW's form). Default 1e-6. */
  eps?: number;
  /** Decoupled weight decay λ, applied after the update as p ← p + (−lr·λ)·p. Default 0. */
  weightDecay?: number;
  /** Rank r of the projection; a 2-D tensor [R, C] uses k = min(r, R, C). Default 128. Fixed at construction. */
  rank?: number;
  /** T: the projection is recomputed from the gradient at steps 1, T + 1, 2T + 1, … (an integer ≥ 1). Default 200. */
  updateProjGap?: number;
  /** α: the projected-back update is scaled by α. Default 0.25. */
  scale?: number;
  /** Exact SVD (one-sided Jacobi, as torch.linalg.svd up to rounding) instead of the randomized one. Default false. */
  exactSvd?: boolean;
  /** Steps of subspace iteration of the randomized SVD (linalg.svd's `iters`). Default 4. */
  svdIters?: number;
  /** Oversampling of the randomized SVD (linalg.svd's `oversample`). Default 10. */
  svdOversample?: number;
  /** Seed of the randomized SVD's test matrices (an integer in [0, 2³²)). Default 0. */
  seed?: number;
}
type GaLoreHyper = {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; rank: number; updateProjGap: number; scale: number;
  exactSvd: boolean; svdIters: number; svdOversample: number; seed: number;
};

/** How one tensor is optimised: projected from the right (R ≥ C), from the left (R < C), or full-rank Adam. */
interface Layout { mode: 'right' | 'left' | 'full'; R: number; C: number; k: number; low: number; proj: number; mOff: number; pOff: number }

const up4 = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * GaLore (Zhao et al. 2024, "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"), as
 * galore-torch's `GaLoreAdamW` + `GaLoreProjector` (proj_type 'std') do it, for every 2-D tensor [R, C] of
 * the ParamSet at step t (the projector's `iter` is t − 1):
 *   if (t − 1) mod T = 0:  P = top-k right singular vectors of G (R ≥ C: C×k, "Vh[:k]ᵀ") or left ones (R < C: R×k, "U[:, :k]")
 *   Ĝ = G·P (R×k) or Pᵀ·G (k×C)
 *   m = m·β1 + (1 − β1)·Ĝ;  v = v·β2 + ((1 − β2)·Ĝ)·Ĝ;  N = m / (√v + ε)               (moments in the k-dim space)
 *   p = p + (−lr·√(1 − β2ᵗ)/(1 − β1ᵗ))·((N·Pᵀ or P·N)·α);   then p = p + (−lr·λ)·p when λ > 0
 * The moments are kept across projection changes (as galore-torch does). Every other tensor (vectors,
 * scalars, ≥ 3-D) gets the same AdamW at full rank (α = 1), as galore-torch's non-GaLore groups do.
 * The SVD is linalg.svd: by default randomized (Halko et al., `svdIters` steps of subspace iteration,
 * Ω from Philox keyed by (seed, refresh number) and the tensor index) where k + svdOversample < min(R, C),
 * else — or with exactSvd — one-sided Jacobi in f64; galore-torch calls torch.linalg.svd (exact). Singular
 * vectors are signed so that each left vector's largest entry is positive (LAPACK's signs are arbitrary;
 * with moments kept across refreshes the sign changes the trajectory, scripts/golden_galore.py applies the
 * same rule to torch's factors). Products in the packed SGEMM, moments in the adam_f32 kernel, so the bits
 * do not depend on threads or SIMD.
 * State per [R, C] tensor: 2·R·k + C·k floats (R ≥ C) or 2·k·C + R·k (R < C), i.e. 4·(2·max + min)·k/(R·C)
 * bytes per parameter against Adam's 8; 8 B per element of the other tensors. Transient: the largest R·C
 * (the projected-back update) plus 2·R·k, and the SVD's temporaries at a refresh.
 */
export class GaLore extends Optimizer<GaLoreHyper, GaLoreOptions> {
  readonly kind = 'galore';
  private readonly layout: Layout[];
  private readonly mom: EngineBuffer;
  private readonly proj: EngineBuffer;
  private readonly low: EngineBuffer;
  private readonly dir: EngineBuffer;
  private readonly upd: EngineBuffer;

  constructor(params: ParamSet, opts: WithGroups<GaLoreOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return {
        lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-6, weightDecay: o.weightDecay ?? 0, rank: o.rank ?? 128,
        updateProjGap: o.updateProjGap ?? 200, scale: o.scale ?? 0.25, exactSvd: o.exactSvd ?? false,
        svdIters: o.svdIters ?? 4, svdOversample: o.svdOversample ?? 10, seed: o.seed ?? 0,
      } as GaLoreHyper;
    }, []);
    const e = params.engine, rank = this.hyperparameters.rank;
    let mLen = 0, pLen = 0, lowMax = 1, updMax = 1;
    this.layout = params.tensors.map((t) => {
      if (t.shape.length !== 2) {
        const l: Layout = { mode: 'full', R: 1, C: t.size, k: 0, low: t.size, proj: 0, mOff: mLen, pOff: 0 };
        mLen += 2 * up4(t.size); lowMax = Math.max(lowMax, t.size);
        return l;
      }
      const [R, C] = t.shape as [number, number], k = Math.min(rank, R, C), right = R >= C;
      const l: Layout = { mode: right ? 'right' : 'left', R, C, k, low: right ? R * k : k * C, proj: right ? C * k : R * k, mOff: mLen, pOff: pLen };
      mLen += 2 * up4(l.low); pLen += up4(l.proj); lowMax = Math.max(lowMax, l.low); updMax = Math.max(updMax, R * C);
      return l;
    });
    const bufs: EngineBuffer[] = [];
    try {
      e.requireGroup(LINALG);
      const mk = (n: number): EngineBuffer => { const b = e.alloc(Math.max(n, 1)); bufs.push(b); return b; };
      this.mom = mk(mLen); this.proj = mk(pLen); this.low = mk(lowMax); this.dir = mk(lowMax); this.upd = mk(updMax);
    } catch (err) { for (const b of bufs) b.free(); super.free(); throw err; }
  }

  protected override fixedKeys(): string[] { return ['rank']; }

  protected validate(h: GaLoreHyper): GaLoreHyper {
    checkAdamLike(h);
    const int = (k: string, v: number, lo: number, hi: number): void => {
      if (!Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`${k} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
    };
    int('rank', h.rank, 1, 1 << 20);
    int('updateProjGap', h.updateProjGap, 1, 2 ** 31 - 1);
    checkRange('scale', h.scale, 0, Infinity);
    requireBool('exactSvd', h.exactSvd);
    int('svdIters', h.svdIters, 0, 1000);
    int('svdOversample', h.svdOversample, 0, 1 << 20);
    int('seed', h.seed, 0, 2 ** 32 - 1);
    return { ...h };
  }

  /** Bytes of persistent state (moments and projections) this optimizer holds. */
  get stateBytes(): number {
    this.live();
    return this.layout.reduce((a, l) => a + 4 * (2 * l.low + l.proj), 0);
  }

  protected apply(t: number, h: GaLoreHyper, s: Span): void {
    const e = this.params.engine, ps = this.params, f = Math.fround;
    const stepSize = (h.lr * e.sqrt(1 - e.pow(h.beta2, t))) / (1 - e.pow(h.beta1, t));
    const a = -stepSize, c = -h.lr * h.weightDecay, flags = h.weightDecay > 0 ? 1 : 0;
    const mom = this.mom.ptr, dir = this.dir.ptr, low = this.low.ptr, upd = this.upd.ptr;
    ps.tensors.forEach((tn, ti) => {
      if (tn.offset < s.off || tn.offset >= s.off + s.n) return;
      const o = (tn.offset - s.off) * 4, p = s.p + o, g = s.g + o, l = this.layout[ti]!;
      const m = mom + 4 * l.mOff, v = m + 4 * up4(l.low);
      const moments = (gp: number): void => {
        e.run('sfill_f32', l.low, [dir, 0]);
        e.run('adam_f32', l.low, [dir, gp, m, v, v, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, 1, h.eps, 0, 1, 0]);
      };
      if (l.mode === 'full') {
        moments(g);
        e.run('galore_apply_f32', tn.size, [p, dir, 1, a, c, flags]);
        return;
      }
      const { R, C, k } = l, P = this.proj.ptr + 4 * l.pOff, right = l.mode === 'right';
      if ((t - 1) % h.updateProjGap === 0) this.refresh(h, ti, Math.floor((t - 1) / h.updateProjGap), g, l, P);
      if (right) gemmPtr(e, R, k, C, 1, g, C, P, k, 0, low, k, false, false);   // Ĝ = G·P
      else gemmPtr(e, k, C, R, 1, P, k, g, C, 0, low, C, true, false);          // Ĝ = Pᵀ·G
      moments(low);
      if (right) gemmPtr(e, R, C, k, 1, dir, k, P, k, 0, upd, C, false, true);  // N·Pᵀ
      else gemmPtr(e, R, C, k, 1, P, k, dir, C, 0, upd, C, false, false);       // P·N
      e.run('galore_apply_f32', R * C, [p, upd, f(h.scale), a, c, flags]);
    });
  }

  /** P ← the top-k right (R ≥ C) or left singular vectors of the gradient at g. */
  private refresh(h: GaLoreHyper, ti: number, draw: number, g: number, l: Layout, P: number): void {
    const e = this.params.engine, { R, C, k } = l;
    const plan = svdPlan(R, C, { rank: k, method: h.exactSvd ? 'jacobi' : 'auto', iters: h.svdIters, oversample: h.svdOversample, seed: h.seed });
    const other = e.alloc((l.mode === 'right' ? R : C) * k), sv = e.alloc(k);
    try {
      if (l.mode === 'right') svdInto(e, g, R, C, plan, ti, draw, other.ptr, sv.ptr, P);
      else svdInto(e, g, R, C, plan, ti, draw, P, sv.ptr, other.ptr);
    } finally { other.free(); sv.free(); }
  }

  /** Per tensor: [name, offset in its buffer, length, buffer, non-negative]. */
  private entries(i: number): [string, number, number, EngineBuffer, boolean][] {
    const l = this.layout[i]!;
    const out: [string, number, number, EngineBuffer, boolean][] = [
      ['exp_avg', l.mOff, l.low, this.mom, false], ['exp_avg_sq', l.mOff + up4(l.low), l.low, this.mom, true],
    ];
    if (l.mode !== 'full') out.push(['projector', l.pOff, l.proj, this.proj, false]);
    return out;
  }

  protected override extraStateEntries(i: number): string[] { return this.entries(i).map(([k]) => k); }

  /**
   * As Optimizer.stateDict, plus per tensor `exp_avg` and `exp_avg_sq` (R×k, k×C or the tensor's size) and,
   * for 2-D tensors, `projector` (C×k right singular vectors for R ≥ C, else R×k left ones; row-major).
   */
  override stateDict(): StateDict {
    this.live();
    const sd = super.stateDict();
    this.params.tensors.forEach((t, i) => {
      for (const [k, o, len, b] of this.entries(i)) sd.state[t.name]![k] = b.array.slice(o, o + len);
    });
    return sd;
  }

  /** As Optimizer.loadStateDict, plus the moments and projections (checked first; a bad dict changes nothing). */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const writes: [EngineBuffer, number, Float32Array][] = [];
    this.params.tensors.forEach((t, i) => {
      for (const [k, o, len, b, nonNeg] of this.entries(i)) {
        const x = sd?.state?.[t.name]?.[k];
        if (!(x instanceof Float32Array) || x.length !== len) throw new StateError(`state of ${t.name} needs a Float32Array ${k} of ${len} elements`);
        checkSlotValues(`${t.name}.${k}`, x, nonNeg);
        writes.push([b, o, x]);
      }
    });
    super.loadStateDict(sd);
    for (const [b, o, x] of writes) b.array.set(x, o);
  }

  override free(): void {
    if (!this.freed) for (const b of [this.mom, this.proj, this.low, this.dir, this.upd]) b.free();
    super.free();
  }
}
