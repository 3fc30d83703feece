// L-BFGS with an optional strong-Wolfe line search: a port of torch.optim.LBFGS 1.13 (lbfgs.py,
// itself after minFunc and torch7's optim/lbfgs.lua, lswolfe.lua, polyinterp.lua).
import { checkF32, checkKnownKeys, suggest } from '../options.js';
import type { EngineBuffer } from '../engine/memory.js';
import { valueText, nameText, checkRange, describe, DisposedError, HyperparameterError, requireObject, StateError } from '../errors.js';
import { requireParamSet, type ParamSet } from '../params.js';
import { checkShapes, checkSlotValues, MAX_STEP, optionsOf, STATE_FORMAT, STATE_VERSION } from './base.js';
import { OPTIM } from './wasm.js';
import type { KernelName, RunArgs } from '../engine/engine.js';

/**
 * Options of `LBFGS` (torch.optim.LBFGS: history of m curvature pairs, two-loop recursion, optional
 * strong-Wolfe line search); unset fields take the defaults stated on each.
 */
export interface LBFGSOptions {
  /** Step length (default 1). */
  lr?: number;
  /** Iterations per step() (default 20). */
  maxIter?: number;
  /** LBFGSClosure evaluations per step() (default floor(maxIter·5/4)). */
  maxEval?: number;
  /** Stop when max|g| ≤ toleranceGrad (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the step, the loss change or the directional derivative falls below this (default 1e-9). */
  toleranceChange?: number;
  /** Number of (y, s) pairs kept (default 100). Fixed at construction. */
  historySize?: number;
  /** null (fixed step lr) or 'strong_wolfe' (default null). */
  lineSearchFn?: 'strong_wolfe' | null;
}
/** LBFGS's hyperparameters as `stateDict()` stores them. */
export type LBFGSHyper = {
  lr: number; maxIter: number; maxEval: number; toleranceGrad: number; toleranceChange: number;
  historySize: number; lineSearchFn: 'strong_wolfe' | null;
};
/** Recomputes the loss at the current parameters, writes the gradient into the ParamSet's grad buffer, returns the loss. */
export type LBFGSClosure = () => number;

/**
 * L-BFGS's state dict, in the conventions of the Optimizer state dict: vectors per parameter name
 * (slots `d`, `prev_flat_grad`, `old_dirs.<i>`, `old_stps.<i>`, i = 0 the oldest pair; absent before the
 * first iteration), the scalars by torch's names.
 */
export interface LBFGSStateDict {
  format: typeof STATE_FORMAT;
  version: number;
  optimizer: 'lbfgs';
  /** Per parameter name, its shape (checked on load). */
  shapes?: Record<string, number[]>;
  /** Number of step() calls. */
  step: number;
  hyper: LBFGSHyper;
  state: Record<string, Record<string, Float32Array>>;
  scalars: { func_evals: number; n_iter: number; t: number; H_diag: number; prev_loss: number; ro: number[] };
}

interface Pair { y: EngineBuffer; s: EngineBuffer; ro: number }

// Python's two-argument min/max (NaN handling included): max(a, b) is b only if b > a.
const pmax = (a: number, b: number): number => (b > a ? b : a);
const pmin = (a: number, b: number): number => (b < a ? b : a);

/**
 * L-BFGS (torch.optim.LBFGS semantics, one param group). Each step(closure) runs up to maxIter
 * iterations of
 *   y = g − g_prev,  s = t·d;  if yᵀs > 1e-10: push (y, s, ρ = 1/yᵀs) (drop the oldest beyond
 *   historySize), H₀ = yᵀs / yᵀy;
 *   two-loop recursion: q = −g; for i newest→oldest: αᵢ = ρᵢ·sᵢᵀq, q −= αᵢ·yᵢ;
 *   d = H₀·q; for i oldest→newest: βᵢ = ρᵢ·yᵢᵀd, d += (αᵢ − βᵢ)·sᵢ   (first iteration ever: d = −g);
 *   t = lr (first iteration ever: min(1, 1/‖g‖₁)·lr), or the strong-Wolfe step (c1 = 1e-4,
 *   c2 = 0.9, ≤ 25 evaluations, cubic interpolation);  p += t·d
 * and stops early on max|g| ≤ toleranceGrad, gᵀd > −toleranceChange, max|t·d| ≤ toleranceChange,
 * |Δloss| < toleranceChange, or maxEval evaluations. step() returns the loss of its first evaluation.
 *
 * Numerics: every vector operation is one wasm call over the flat arena (padding stays zero); the
 * scalars (dot products, ρ, α, β, t, H₀, losses) are f64. torch computes its dot products and keeps
 * these scalars as f32 0-d tensors, so trajectories agree with torch to f32 rounding of the scalars,
 * not bit for bit (test/torch-parity.test.mjs states the tolerance). Our dots are the engine's
 * deterministic f64-accumulated ones: bits are identical across builds and thread counts.
 *
 * Non-finite losses or gradients are not checked (as torch): NaN propagates and the comparisons
 * against the tolerances then fail. A closure that throws propagates its error; the parameters are
 * restored to the last accepted iterate first when the throw happens inside the line search.
 *
 * State: 8·historySize bytes per parameter for the history pairs (allocated as they fill) + 20 (d,
 * prev_flat_grad, the current flat gradient, a y/s scratch pair) + 16 once a strong-Wolfe line search
 * ran (x₀ and at most 3 gradient vectors). All buffers are released by free().
 */
const LBFGS_OPTIONS = ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn'];

/**
 * L-BFGS as torch.optim.LBFGS: `step(closure)` evaluates the loss and gradients through the closure, takes
 * two-loop-recursion directions from the last historySize curvature pairs, with a fixed step or a
 * strong-Wolfe line search, until maxIter iterations or a tolerance is met.
 */
export class LBFGS {
  readonly kind = 'lbfgs';
  readonly params: ParamSet;
  private h: LBFGSHyper;
  private _step = 0;
  // torch's state: func_evals, n_iter, d, t, old_dirs/old_stps/ro (oldest first), H_diag, prev_flat_grad, prev_loss.
  private funcEvals = 0;
  private nIter = 0;
  private t = 0;
  private hDiag = 1;
  private prevLoss = 0;
  private hist: Pair[] = [];
  private readonly d: EngineBuffer;
  private readonly prevGrad: EngineBuffer;
  private readonly flatGrad: EngineBuffer;
  private scratch: [EngineBuffer, EngineBuffer];
  private x0: EngineBuffer | null = null;
  private pool: EngineBuffer[] = [];
  private _freed = false;

  constructor(params: ParamSet, opts: LBFGSOptions = {}) {
    requireParamSet(params);
    opts = optionsOf(opts);
    if (opts === null || typeof opts !== 'object') throw new HyperparameterError(`options must be an object, got ${opts === null ? 'null' : typeof opts}`);
    checkKnownKeys('LBFGS option', opts, LBFGS_OPTIONS);
    this.params = params;
    params.engine.requireGroup(OPTIM);
    const maxIter = opts.maxIter ?? 20;
    this.h = LBFGS.check({
      lr: opts.lr ?? 1, maxIter, maxEval: opts.maxEval ?? (typeof maxIter === 'number' ? Math.floor((maxIter * 5) / 4) : maxIter),
      toleranceGrad: opts.toleranceGrad ?? 1e-7, toleranceChange: opts.toleranceChange ?? 1e-9,
      historySize: opts.historySize ?? 100, lineSearchFn: opts.lineSearchFn === undefined ? null : opts.lineSearchFn,
    });
    const e = params.engine, got: EngineBuffer[] = [];
    try {
      for (let i = 0; i < 5; i++) got.push(e.alloc(params.size));
    } catch (err) { for (const b of got) b.free(); throw err; }
    [this.d, this.prevGrad, this.flatGrad] = got as [EngineBuffer, EngineBuffer, EngineBuffer];
    this.scratch = [got[3]!, got[4]!];
  }

  private static check(h: LBFGSHyper): LBFGSHyper {
    const int = (name: string, v: unknown): void => {
      checkRange(name, v, 1, Number.MAX_SAFE_INTEGER);
      if (!Number.isInteger(v)) throw new HyperparameterError(`${name} must be an integer, got ${valueText(v)}`);
    };
    checkRange('lr', h.lr, 0, Infinity);
    checkF32('lr', h.lr);
    int('maxIter', h.maxIter);
    int('maxEval', h.maxEval);
    checkRange('toleranceGrad', h.toleranceGrad, 0, Infinity);
    checkRange('toleranceChange', h.toleranceChange, 0, Infinity);
    int('historySize', h.historySize);
    if (h.lineSearchFn !== null && h.lineSearchFn !== 'strong_wolfe') {
      throw new HyperparameterError(`lineSearchFn must be null or 'strong_wolfe', got ${valueText(h.lineSearchFn)}`);
    }
    return { ...h };
  }

  get hyperparameters(): Readonly<LBFGSHyper> { this.live(); return { ...this.h }; }
  /** Number of step() calls. */
  get stepCount(): number { this.live(); return this._step; }
  /** LBFGSClosure evaluations and iterations over all steps (torch's state['func_evals'], state['n_iter']). */
  get funcEvalCount(): number { this.live(); return this.funcEvals; }
  get iterCount(): number { this.live(); return this.nIter; }

  /** Change hyperparameters between steps (validated; nothing changes on error). historySize is fixed. */
  set(changes: Partial<LBFGSOptions>): void {
    this.live();
    requireObject('set() changes', changes);
    if (changes === null || typeof changes !== 'object') throw new HyperparameterError(`set() takes an object of hyperparameters, got ${changes === null ? 'null' : typeof changes}`);
    checkKnownKeys('LBFGS hyperparameter', changes, LBFGS_OPTIONS);
    const h = LBFGS.check({ ...this.h, ...changes } as LBFGSHyper);
    if (h.historySize !== this.h.historySize) throw new HyperparameterError('historySize is fixed at construction');
    this.h = h;
  }

  /** Set the gradients of the optimizer's ParamSet to 0. */
  zeroGrad(): void { this.live(); this.params.zeroGrad(); }

  /** Throws DisposedError after free(), or once the ParamSet was freed or the engine disposed. */
  private live(): void {
    if (this._freed) throw new DisposedError('lbfgs optimizer was freed (free() released its state): create a new LBFGS, and restore a saved state with loadState() if you have one');
    this.params.checkLive();
  }

  // ---- flat vector operations: one wasm call each over the whole arena ----
  private run<K extends KernelName>(k: K, args: RunArgs<K>): void { this.params.engine.run(k, this.params.size, args); }
  private copy(dst: EngineBuffer, src: EngineBuffer): void { if (dst !== src) this.run('copy_f32', [dst.ptr, src.ptr]); }
  private dot(x: EngineBuffer, y: EngineBuffer): number { return this.params.engine.dot(x, y); }
  private maxAbs(x: EngineBuffer): number { return this.params.engine.maxAbs(x); }
  /** p += t·d (torch's _add_grad). */
  private addGrad(t: number, d: EngineBuffer): void { this.run('lbfgs_axpy_f32', [this.params.data.ptr, d.ptr, t]); }

  private evaluate(closure: LBFGSClosure): number {
    const v = closure();
    if (typeof v !== 'number') throw new HyperparameterError(`closure must return the loss as a number, got ${typeof v}`);
    return v;
  }

  /**
   * One L-BFGS step (up to maxIter iterations). `closure()` must recompute the loss at the current
   * parameters, write the gradient into the ParamSet's grad buffer and return the loss. Returns the
   * loss of the first evaluation (torch's orig_loss).
   */
  step(closure: LBFGSClosure): number {
    this.live();
    if (typeof closure !== 'function') throw new HyperparameterError(`closure must be a function () => loss that writes the gradients, got ${describe(closure)}`);
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn } = this.h;
    const ps = this.params, g = this.flatGrad, d = this.d;

    const origLoss = this.evaluate(closure);
    this._step++;
    let loss = origLoss, currentEvals = 1;
    this.funcEvals++;
    this.copy(g, ps.grad);
    let optCond = this.maxAbs(g) <= toleranceGrad;
    if (optCond) return origLoss;

    let t = this.t, nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      this.nIter++;
      // ---- direction ----
      if (this.nIter === 1) {
        this.run('lbfgs_scale_f32', [d.ptr, g.ptr, -1]);
        this.hist = [];
        this.hDiag = 1;
      } else {
        const [y, s] = this.scratch;
        this.run('lbfgs_sub_f32', [y.ptr, g.ptr, this.prevGrad.ptr]);
        this.run('lbfgs_scale_f32', [s.ptr, d.ptr, t]);
        const ys = this.dot(y, s);
        if (ys > 1e-10) {
          // Ring: the scratch pair joins the history; the evicted pair's buffers (or a fresh pair,
          // allocated before anything changes) become the next scratch.
          let next: [EngineBuffer, EngineBuffer];
          if (this.hist.length === historySize) { const old = this.hist.shift()!; next = [old.y, old.s]; } else {
            const a = ps.engine.alloc(ps.size);
            try { next = [a, ps.engine.alloc(ps.size)]; } catch (err) { a.free(); throw err; }
          }
          this.hist.push({ y, s, ro: 1 / ys });
          this.hDiag = ys / this.dot(y, y);
          this.scratch = next;
        }
        const n = this.hist.length, al = new Array<number>(n);
        this.run('lbfgs_scale_f32', [d.ptr, g.ptr, -1]); // q = -g (in d)
        for (let i = n - 1; i >= 0; i--) {
          const p = this.hist[i]!;
          al[i] = this.dot(p.s, d) * p.ro;
          this.run('lbfgs_axpy_f32', [d.ptr, p.y.ptr, -al[i]!]);
        }
        this.run('lbfgs_scale_f32', [d.ptr, d.ptr, this.hDiag]); // d = r = q·H_diag
        for (let i = 0; i < n; i++) {
          const p = this.hist[i]!;
          const be = this.dot(p.y, d) * p.ro;
          this.run('lbfgs_axpy_f32', [d.ptr, p.s.ptr, al[i]! - be]);
        }
      }
      this.copy(this.prevGrad, g);
      this.prevLoss = loss;

      // ---- step length ----
      if (this.nIter === 1) {
        const l1 = ps.engine.reduce('abssum_partials', ps.size, [g.ptr]);
        t = pmin(1, 1 / l1) * lr;
      } else {
        t = lr;
      }
      const gtd = this.dot(g, d);
      if (gtd > -toleranceChange) break;

      let lsEvals = 0;
      if (lineSearchFn !== null) {
        const r = this.strongWolfe(closure, t, loss, gtd, toleranceChange);
        loss = r.f; t = r.t; lsEvals = r.evals;
        this.addGrad(t, d);
        optCond = this.maxAbs(g) <= toleranceGrad;
      } else {
        this.addGrad(t, d);
        if (nIter !== maxIter) {
          loss = this.evaluate(closure);
          this.copy(g, ps.grad);
          optCond = this.maxAbs(g) <= toleranceGrad;
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      this.funcEvals += lsEvals;

      // ---- stopping conditions ----
      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (Math.abs(t) * this.maxAbs(d) <= toleranceChange) break; // max|t·d|
      if (Math.abs(loss - this.prevLoss) < toleranceChange) break;
    }
    this.t = t;
    return origLoss;
  }

  /** A pool buffer not referenced by `live` (gradient vectors of the line search are immutable values). */
  private acquire(live: (EngineBuffer | undefined)[]): EngineBuffer {
    const b = this.pool.find((x) => !live.includes(x));
    if (b) return b;
    const n = this.params.engine.alloc(this.params.size);
    this.pool.push(n);
    return n;
  }

  /**
   * torch's _strong_wolfe(obj_func, x, t, d, f, g, gtd) with c1 = 1e-4, c2 = 0.9, max_ls = 25. The
   * start gradient g is this.flatGrad; on return this.flatGrad holds the chosen point's gradient and
   * the parameters are back at x (the caller then adds t·d).
   */
  private strongWolfe(closure: LBFGSClosure, t: number, f: number, gtd: number, toleranceChange: number): { f: number; t: number; evals: number } {
    const c1 = 1e-4, c2 = 0.9, maxLs = 25;
    const ps = this.params, d = this.d, g = this.flatGrad;
    const x = this.x0 ??= ps.engine.alloc(ps.size);
    this.copy(x, ps.data);
    const dNorm = this.maxAbs(d);
    const obj = (tt: number, live: (EngineBuffer | undefined)[]): { f: number; g: EngineBuffer; gtd: number } => {
      const out = this.acquire([g, ...live]);
      this.addGrad(tt, d);
      let fv: number;
      try { fv = this.evaluate(closure); } finally { this.copy(ps.data, x); }
      this.copy(out, ps.grad);
      // (torch restores x after gathering the gradient; the order does not matter for the values.)
      return { f: fv, g: out, gtd: this.dot(out, d) };
    };

    let ev = obj(t, []);
    let fNew = ev.f, gNew = ev.g, gtdNew = ev.gtd, evals = 1;
    let tPrev = 0, fPrev = f, gPrev: EngineBuffer = g, gtdPrev = gtd;
    let done = false, lsIter = 0;
    let bracket: number[] = [], bf: number[] = [], bg: EngineBuffer[] = [], bgtd: number[] = [];
    while (lsIter < maxLs) {
      if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
        bracket = [tPrev, t]; bf = [fPrev, fNew]; bg = [gPrev, gNew]; bgtd = [gtdPrev, gtdNew];
        break;
      }
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        bracket = [t]; bf = [fNew]; bg = [gNew]; done = true;
        break;
      }
      if (gtdNew >= 0) {
        bracket = [tPrev, t]; bf = [fPrev, fNew]; bg = [gPrev, gNew]; bgtd = [gtdPrev, gtdNew];
        break;
      }
      const minStep = t + 0.01 * (t - tPrev), maxStep = t * 10, tmp = t;
      t = this.cubic(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
      tPrev = tmp; fPrev = fNew; gPrev = gNew; gtdPrev = gtdNew;
      ev = obj(t, [gPrev]);
      fNew = ev.f; gNew = ev.g; gtdNew = ev.gtd; evals++;
      lsIter++;
    }
    if (lsIter === maxLs) { bracket = [0, t]; bf = [f, fNew]; bg = [g, gNew]; }

    // Zoom: refine the bracket until a point satisfies the strong Wolfe conditions.
    let insufProgress = false;
    let [lo, hi] = bf[0]! <= bf[bf.length - 1]! ? [0, 1] : [1, 0];
    while (!done && lsIter < maxLs) {
      if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
      t = this.cubic(bracket[0]!, bf[0]!, bgtd[0]!, bracket[1]!, bf[1]!, bgtd[1]!);
      const bmax = pmax(bracket[0]!, bracket[1]!), bmin = pmin(bracket[0]!, bracket[1]!);
      const eps = 0.1 * (bmax - bmin);
      if (pmin(bmax - t, t - bmin) < eps) {
        if (insufProgress || t >= bmax || t <= bmin) {
          t = Math.abs(t - bmax) < Math.abs(t - bmin) ? bmax - eps : bmin + eps;
          insufProgress = false;
        } else {
          insufProgress = true;
        }
      } else {
        insufProgress = false;
      }
      ev = obj(t, bg);
      fNew = ev.f; gNew = ev.g; gtdNew = ev.gtd; evals++;
      lsIter++;
      if (fNew > f + c1 * t * gtd || fNew >= bf[lo]!) {
        bracket[hi] = t; bf[hi] = fNew; bg[hi] = gNew; bgtd[hi] = gtdNew;
        [lo, hi] = bf[0]! <= bf[1]! ? [0, 1] : [1, 0];
      } else {
        if (Math.abs(gtdNew) <= -c2 * gtd) {
          done = true;
        } else if (gtdNew * (bracket[hi]! - bracket[lo]!) >= 0) {
          bracket[hi] = bracket[lo]!; bf[hi] = bf[lo]!; bg[hi] = bg[lo]!; bgtd[hi] = bgtd[lo]!;
        }
        bracket[lo] = t; bf[lo] = fNew; bg[lo] = gNew; bgtd[lo] = gtdNew;
      }
    }
    this.copy(g, bg[lo]!);
    return { f: bf[lo]!, t: bracket[lo]!, evals };
  }

  /** torch's _cubic_interpolate (minimiser of the cubic through two points with slopes, clamped to the bounds). */
  private cubic(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, lo?: number, hi?: number): number {
    let xmin: number, xmax: number;
    if (lo !== undefined && hi !== undefined) { xmin = lo; xmax = hi; } else if (x1 <= x2) { xmin = x1; xmax = x2; } else { xmin = x2; xmax = x1; }
    const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
    const d2sq = d1 * d1 - g1 * g2;
    if (d2sq >= 0) {
      const d2 = this.params.engine.sqrt(d2sq);
      const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
      return pmin(pmax(minPos, xmin), xmax);
    }
    return (xmin + xmax) / 2;
  }

  /** The full state as plain data (torch's LBFGS state_dict: history pairs, directions, counters); `loadStateDict()` restores it. */
  stateDict(): LBFGSStateDict {
    this.live();
    const state: LBFGSStateDict['state'] = {};
    const has = this.nIter > 0;
    for (const t of this.params.tensors) {
      const e: Record<string, Float32Array> = {};
      const cut = (b: EngineBuffer): Float32Array => b.array.slice(t.offset, t.offset + t.size);
      if (has) {
        e['d'] = cut(this.d);
        e['prev_flat_grad'] = cut(this.prevGrad);
        this.hist.forEach((p, i) => { e[`old_dirs.${i}`] = cut(p.y); e[`old_stps.${i}`] = cut(p.s); });
      }
      state[t.name] = e;
    }
    return {
      format: STATE_FORMAT, version: STATE_VERSION, optimizer: 'lbfgs', step: this._step, hyper: { ...this.h }, state,
      shapes: Object.fromEntries(this.params.tensors.map((t) => [t.name, [...t.shape]])),
      scalars: { func_evals: this.funcEvals, n_iter: this.nIter, t: this.t, H_diag: this.hDiag, prev_loss: this.prevLoss, ro: this.hist.map((p) => p.ro) },
    };
  }

  /** Load a state dict; every check (and allocation) runs before anything is written, so a bad dict changes nothing. */
  loadStateDict(sd: LBFGSStateDict): void {
    this.live();
    if (!sd || typeof sd !== 'object' || sd.format !== STATE_FORMAT) throw new StateError('not a simdopt optimizer state dict');
    if (sd.version !== STATE_VERSION) throw new StateError(`unsupported state version ${valueText(sd.version)}`);
    if (sd.optimizer !== this.kind) throw new StateError(`state is for ${nameText(sd.optimizer)}, this optimizer is ${this.kind}`);
    // (`groups`: loadState passes the file's one group; its hyperparameters are `hyper`'s.)
    const keys = ['format', 'version', 'optimizer', 'step', 'hyper', 'state', 'scalars', 'shapes', 'groups'];
    const odd = Object.keys(sd).find((k) => !keys.includes(k));
    if (odd !== undefined) throw new StateError(`state dict has an unknown field ${JSON.stringify(odd)}${suggest(odd, keys)}`);
    const nat = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_STEP;
    if (!nat(sd.step)) throw new StateError(`invalid step ${valueText(sd.step)} (an integer in [0, ${MAX_STEP}] expected)`);
    checkShapes(this.params, sd.shapes);
    let h: LBFGSHyper;
    try {
      if (!sd.hyper || typeof sd.hyper !== 'object') throw new HyperparameterError('hyperparameters missing');
      checkKnownKeys('LBFGS hyperparameter', sd.hyper, LBFGS_OPTIONS);
      h = LBFGS.check({ ...this.h, ...sd.hyper });
    } catch (e) { throw new StateError(`invalid hyperparameters in state: ${(e as Error).message}`); }
    if (h.historySize !== this.h.historySize) throw new StateError(`state has historySize ${h.historySize}, this optimizer ${this.h.historySize}`);
    const sc = sd.scalars;
    if (!sc || typeof sc !== 'object' || !nat(sc.func_evals) || !nat(sc.n_iter)) throw new StateError('invalid scalars (func_evals, n_iter)');
    const has = sc.n_iter > 0;
    const ro = has ? sc.ro : [];
    if (has) {
      if (typeof sc.t !== 'number' || !Number.isFinite(sc.t)) throw new StateError(`invalid scalars.t ${valueText(sc.t)}`);
      if (typeof sc.H_diag !== 'number' || !Number.isFinite(sc.H_diag) || sc.H_diag <= 0) throw new StateError(`invalid scalars.H_diag ${valueText(sc.H_diag)}`);
      if (typeof sc.prev_loss !== 'number' || !Number.isFinite(sc.prev_loss)) throw new StateError(`invalid scalars.prev_loss ${valueText(sc.prev_loss)}`);
      if (!Array.isArray(ro) || ro.length > h.historySize || !ro.every((r) => typeof r === 'number' && Number.isFinite(r) && r > 0)) {
        throw new StateError(`invalid scalars.ro (at most ${h.historySize} finite positive numbers expected)`);
      }
    }
    const slots = has ? ['d', 'prev_flat_grad', ...ro.flatMap((_, i) => [`old_dirs.${i}`, `old_stps.${i}`])] : [];
    for (const t of this.params.tensors) {
      const e = sd.state?.[t.name];
      if (!e || typeof e !== 'object') throw new StateError(`state has no entry for parameter ${t.name}`);
      for (const s of slots) {
        const a = e[s];
        if (!(a instanceof Float32Array)) throw new StateError(`state of ${t.name} has no Float32Array slot ${s}`);
        if (a.length !== t.size) throw new StateError(`state ${t.name}.${s} has ${a.length} elements, parameter has ${t.size}`);
        checkSlotValues(`${t.name}.${s}`, a, false);
      }
      const extraSlots = Object.keys(e).filter((s) => !slots.includes(s));
      if (extraSlots.length) throw new StateError(`state of ${t.name} has unexpected slots: ${extraSlots.join(', ')}`);
    }
    const extra = Object.keys(sd.state ?? {}).filter((n) => !this.params.has(n));
    if (extra.length) throw new StateError(`state has unknown parameters: ${extra.join(', ')}`);
    // Buffers for the history: reuse ours, allocate the rest (freed again if that fails).
    const mine = this.hist.flatMap((p) => [p.y, p.s]);
    const fresh: EngineBuffer[] = [];
    try { while (mine.length + fresh.length < 2 * ro.length) fresh.push(this.params.engine.alloc(this.params.size)); } catch (err) {
      for (const b of fresh) b.free();
      throw err;
    }
    const bufs = [...mine, ...fresh];
    const hist: Pair[] = ro.map((r, i) => ({ y: bufs[2 * i]!, s: bufs[2 * i + 1]!, ro: r }));
    for (let i = 2 * ro.length; i < bufs.length; i++) bufs[i]!.free();
    // Write.
    const put = (b: EngineBuffer, s: string): void => { for (const t of this.params.tensors) b.array.set(sd.state[t.name]![s]!, t.offset); };
    if (has) {
      put(this.d, 'd'); put(this.prevGrad, 'prev_flat_grad');
      hist.forEach((p, i) => { put(p.y, `old_dirs.${i}`); put(p.s, `old_stps.${i}`); });
    } else {
      this.d.array.fill(0); this.prevGrad.array.fill(0);
    }
    this.hist = hist;
    this.h = h;
    this._step = sd.step;
    this.funcEvals = sc.func_evals;
    this.nIter = sc.n_iter;
    this.t = has ? sc.t : 0;
    this.hDiag = has ? sc.H_diag : 1;
    this.prevLoss = has ? sc.prev_loss : 0;
  }

  /** Release every buffer. */
  free(): void {
    if (this._freed) throw new DisposedError('lbfgs optimizer was already freed');
    this.params.engine.checkLive();
    this._freed = true;
    for (const b of [this.d, this.prevGrad, this.flatGrad, ...this.scratch, ...this.hist.flatMap((p) => [p.y, p.s]), ...this.pool]) b.free();
    if (this.x0) this.x0.free();
    this.hist = []; this.pool = []; this.x0 = null;
  }
}
