import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError } from '../errors.js';
import { LINALG } from '../linalg.js';
import type { ParamSet } from '../params.js';
import { checkAdamLike, Optimizer, requireBool, type Span, type WithGroups } from './base.js';

/**
 * Options of `Muon`; unset fields take the defaults stated on each. 2-D tensors get Muon's orthogonalised
 * momentum update, every other tensor torch AdamW with the adam* options (as MuonWithAuxAdam splits them).
 */
export interface MuonOptions {
  /** Muon's learning rate (2-D tensors). Default 0.02 (the reference's). */
  lr?: number;
  /** β of the momentum buffer m = lerp(m, g, 1 − β). Default 0.95. */
  momentum?: number;
  /** Nesterov: orthogonalise lerp(g, m, β) instead of m. Default true. */
  nesterov?: boolean;
  /** Newton–Schulz iterations (an integer in [1, 100]). Default 5. Fixed at construction. */
  nsSteps?: number;
  /** ε in X / (‖X‖_F + ε) before Newton–Schulz. Default 1e-7. */
  eps?: number;
  /** Decoupled weight decay λ of the 2-D tensors: p ← p·(1 − lr·λ). Default 0. */
  weightDecay?: number;
  /** AdamW (torch.optim.AdamW semantics) for every tensor that is not 2-D: its lr. Default 3e-4 (the reference's MuonWithAuxAdam). */
  adamLr?: number;
  /** AdamW's betas. Default [0.9, 0.95]. */
  adamBetas?: readonly [number, number];
  /** AdamW's ε. Default 1e-10. */
  adamEps?: number;
  /** AdamW's decoupled weight decay. Default 0. */
  adamWeightDecay?: number;
}
type MuonHyper = {
  lr: number; momentum: number; nesterov: boolean; nsSteps: number; eps: number; weightDecay: number;
  adamLr: number; adamBeta1: number; adamBeta2: number; adamEps: number; adamWeightDecay: number;
};

/** The quintic Newton–Schulz coefficients of Keller Jordan's reference (a, b, c). */
export const MUON_NS_COEFFICIENTS = Object.freeze([3.4445, -4.775, 2.0315] as const);
const [NS_A, NS_B, NS_C] = MUON_NS_COEFFICIENTS;
const DECOUPLED = 8; // assembly/optim/adam.ts

interface Mat { ti: number; off: number; R: number; C: number }

/**
 * Muon (Keller Jordan 2024, "Muon: An optimizer for hidden layers in neural networks"; the update of
 * the reference `muon.py`, `muon_update` + `zeropower_via_newtonschulz5`): for every 2-D tensor
 * [R, C] of the ParamSet,
 *   m = lerp(m, g, 1 − β);  u = nesterov ? lerp(g, m, β) : m          (torch's lerp, see assembly/optim/muon.ts)
 *   X = u / (‖u‖_F + ε)   (on uᵀ when R > C: computed with transposed products, never copied)
 *   nsSteps times:  A = X·Xᵀ;  B = b·A + (c·A)·A;  X = a·X + B·X       (a, b, c = 3.4445, −4.7750, 2.0315)
 *   p = p·(1 − lr·λ) + (−lr)·(X·max(1, R/C)^½)
 * and AdamW (torch.optim.AdamW, the adam_f32 kernel) with adamLr/adamBetas/adamEps/adamWeightDecay for
 * every other tensor (vectors, scalars, ≥ 3-D), as the reference's MuonWithAuxAdam splits them.
 * Every product runs in the Rust sgemm (rust/src/gemm.rs: each element sums in increasing index in
 * f32, so threads and builds give the same bits); ‖u‖_F² is the engine's blocked f64 sum of squares,
 * its square root rounded to f32 and ε added in f32. The reference runs Newton–Schulz in bf16 on GPUs;
 * here it runs in f32 (scripts/golden_muon.py runs the same update in f32 torch 1.13).
 * State: 4 B/param for 2-D tensors (momentum, slot `exp_avg`), 8 B/param for the others (`exp_avg`,
 * `exp_avg_sq`); the slots span the whole arena, so 8 B/param are allocated. Transient: the update
 * and one iterate (2·R·C·4 B) plus three min(R, C)² f32 matrices for the largest 2-D tensor.
 */
export class Muon extends Optimizer<MuonHyper, MuonOptions> {
  readonly kind = 'muon';
  private readonly mats: Map<number, Mat>;
  private readonly u: EngineBuffer;
  private readonly x: EngineBuffer;
  private readonly a: EngineBuffer;
  private readonly ca: EngineBuffer;
  private readonly b: EngineBuffer;

  constructor(params: ParamSet, opts: WithGroups<MuonOptions> = {}) {
    super(params, opts, (o) => {
      const [adamBeta1, adamBeta2] = o.adamBetas ?? [0.9, 0.95];
      return {
        lr: o.lr ?? 0.02, momentum: o.momentum ?? 0.95, nesterov: o.nesterov ?? true, nsSteps: o.nsSteps ?? 5, eps: o.eps ?? 1e-7,
        weightDecay: o.weightDecay ?? 0, adamLr: o.adamLr ?? 3e-4, adamBeta1, adamBeta2, adamEps: o.adamEps ?? 1e-10,
        adamWeightDecay: o.adamWeightDecay ?? 0,
      } as MuonHyper;
    }, ['exp_avg', 'exp_avg_sq']);
    const e = params.engine, bufs: EngineBuffer[] = [];
    this.mats = new Map();
    let big = 0, sq = 0;
    params.tensors.forEach((t, ti) => {
      if (t.shape.length !== 2) return;
      const [R, C] = t.shape as [number, number];
      this.mats.set(t.offset, { ti, off: t.offset, R, C });
      big = Math.max(big, R * C); sq = Math.max(sq, Math.min(R, C) ** 2);
    });
    try {
      e.requireGroup(LINALG);
      const mk = (n: number): EngineBuffer => { const b = e.alloc(Math.max(n, 1)); bufs.push(b); return b; };
      this.u = mk(big); this.x = mk(big); this.a = mk(sq); this.ca = mk(sq); this.b = mk(sq);
    } catch (err) { for (const b of bufs) b.free(); super.free(); throw err; }
  }

  protected override pairKeys(): readonly string[] { return ['adamBetas']; }
  protected override fixedKeys(): string[] { return ['nsSteps']; }

  protected validate(h: MuonHyper): MuonHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('momentum', h.momentum, 0, 1, false, true);
    requireBool('nesterov', h.nesterov);
    if (!Number.isInteger(h.nsSteps) || h.nsSteps < 1 || h.nsSteps > 100) throw new HyperparameterError(`nsSteps must be an integer in [1, 100], got ${describe(h.nsSteps)}`);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    try {
      checkAdamLike({ lr: h.adamLr, beta1: h.adamBeta1, beta2: h.adamBeta2, eps: h.adamEps, weightDecay: h.adamWeightDecay });
    } catch (err) {
      const m = (err as Error).message.replace(/^(lr|eps|weightDecay)\b/, (k) => `adam${k[0]!.toUpperCase()}${k.slice(1)}`).replace(/^betas/, 'adamBetas');
      throw new HyperparameterError(m);
    }
    return { ...h };
  }

  protected apply(t: number, h: MuonHyper, s: Span): void {
    const e = this.params.engine, ps = this.params;
    for (const tn of ps.tensors) {
      if (tn.offset < s.off || tn.offset >= s.off + s.n) continue;
      const o = (tn.offset - s.off) * 4;
      const m = this.mats.get(tn.offset);
      if (m) { this.muon(h, s.p + o, s.g + o, s.slot('exp_avg') + o, m); continue; }
      const bc1 = 1 - e.pow(h.adamBeta1, t), sqc = e.sqrt(1 - e.pow(h.adamBeta2, t)), v = s.slot('exp_avg_sq') + o;
      e.run('adam_f32', tn.size, [s.p + o, s.g + o, s.slot('exp_avg') + o, v, v, h.adamBeta1, 1 - h.adamBeta1, h.adamBeta2, 1 - h.adamBeta2,
        -(h.adamLr * sqc) / bc1, h.adamEps * sqc, h.adamWeightDecay, 1 - h.adamLr * h.adamWeightDecay, DECOUPLED]);
    }
  }

  /** One Muon update of the R×C tensor at p (gradient g, momentum mb). */
  private muon(h: MuonHyper, p: number, g: number, mb: number, { R, C }: Mat): void {
    const e = this.params.engine, n = R * C, f = Math.fround;
    const w1 = f(1 - h.momentum), w2 = f(h.momentum);
    const flags = (Math.abs(w1) < 0.5 ? 1 : 0) | (Math.abs(w2) < 0.5 ? 2 : 0) | (h.nesterov ? 4 : 0);
    e.run('muon_momentum_f32', n, [g, mb, this.u.ptr, w1, f(1 - w1), w2, f(1 - w2), flags]);
    const nrm = f(e.sqrt(e.reduce('dot_partials', n, [this.u.ptr, this.u.ptr])));
    e.run('muon_scale_f32', n, [this.u.ptr, this.x.ptr, f(nrm + f(h.eps)), 0]);
    const S = Math.min(R, C), wide = R <= C;
    let X = this.x.ptr, Y = this.u.ptr;
    const A = this.a.ptr, CA = this.ca.ptr, B = this.b.ptr;
    const gemm = (m: number, nn: number, k: number, alpha: number, pa: number, lda: number, pb: number, ldb: number, beta: number, pc: number, ldc: number, ta: number, tb: number): void => {
      e.run('sgemm', m, [m, nn, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ta, tb], 1, nn * k);
    };
    for (let it = 0; it < h.nsSteps; it++) {
      // A = X·Xᵀ (R ≤ C) or Xᵀ·X (R > C: the reference's X.mT·X.mTᵀ), S×S.
      if (wide) gemm(S, S, C, 1, X, C, X, C, 0, A, S, 0, 1);
      else gemm(S, S, R, 1, X, C, X, C, 0, A, S, 1, 0);
      // B = b·A + (c·A)·A
      e.run('muon_scale_f32', S * S, [A, CA, NS_C, 1]);
      e.run('muon_scale_f32', S * S, [A, B, 1, 1]);
      gemm(S, S, S, 1, CA, S, A, S, NS_B, B, S, 0, 0);
      // X' = a·X + B·X (R ≤ C), or its transpose a·X + X·Bᵀ (R > C): the same products in the same order.
      e.run('muon_scale_f32', n, [X, Y, 1, 1]);
      if (wide) gemm(R, C, R, 1, B, R, X, C, NS_A, Y, C, 0, 0);
      else gemm(R, C, C, 1, X, C, B, C, NS_A, Y, C, 0, 1);
      const tmp = X; X = Y; Y = tmp;
    }
    e.run('muon_apply_f32', n, [p, X, f(e.sqrt(Math.max(1, R / C))), f(1 - h.lr * h.weightDecay), f(-h.lr)]);
  }

  override free(): void {
    if (!this.freed) for (const b of [this.u, this.x, this.a, this.ca, this.b]) b.free();
    super.free();
  }
}
