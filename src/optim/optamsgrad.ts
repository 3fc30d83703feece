import type { EngineBuffer } from '../engine/memory.js';
import { valueText, checkRange, HyperparameterError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups } from './base.js';
import { groupRuns } from './runs.js';

/**
 * Options of `OptimisticAMSGrad` (AMSGrad with an optimistic step using the last gradient as the next one's
 * guess); unset fields take the defaults stated on each.
 */
export interface OptimisticAMSGradOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  /**
   * r, the number of past gradients the predictor extrapolates from (fixed at construction). 0 (default):
   * h_{t+1} = g_t. r ≥ 1: regularized minimal polynomial extrapolation (RMPE) of g_{t−r}, …, g_t.
   */
  history?: number;
  /** RMPE's regularization λ, relative to tr(UᵀU)/r (fixed at construction). Default 1e-3. */
  lambda?: number;
}
type OptAMSGradHyper = { lr: number; beta1: number; beta2: number; eps: number; history: number; lambda: number };

// Kernel flag (assembly/optamsgrad.ts).
const INIT = 1;

/**
 * Optimistic AMSGrad, OPT-AMSGrad (Wang, Li, Liu & Zhang 2019, "An Optimistic Acceleration of AMSGrad
 * for Nonconvex Optimization"), the rule stated in the project's algorithm catalog
 * (algorithms-000.md, §1 "(a) First-order / adaptive optimizers", row a5):
 *   θ = β1·θ + (1−β1)·g;  v = β2·v + (1−β2)·g²;  v̂ = max(v̂, v)
 *   w_{t+½} = w_{t−½} − η·θ/(√v̂ + ε)
 *   w_{t+1} = w_{t+½} − η·h_{t+1}/(√v̂ + ε)
 * The parameters hold w_{t+1} (where the next gradient is taken); w_{½} = w_1 (the parameters at the
 * first step). ε (not in the catalog's rule) keeps the first steps finite where v̂ = 0; no bias
 * correction (AMSGrad as in the paper).
 * Predictor h_{t+1} ("extrapolation from the last r gradients by a small regularized least-squares fit"):
 *   history = 0: h = g_t.
 *   history = r ≥ 1 (RMPE, Scieur et al. 2016, as the paper uses it), over the whole parameter vector of
 *   every non-frozen group, with x_0 … x_r = g_{t−r} … g_t:
 *     U = [x_1 − x_0, …, x_r − x_{r−1}];  (UᵀU/τ + λI)·z = 1 (τ = tr(UᵀU)/r, or 1 if 0);  c = z/Σz
 *     h = Σ_{i<r} c_i·x_i
 *   UᵀU by deterministic blocked reductions, z by Gaussian elimination in f64; h = g_t while fewer than
 *   r past gradients exist.
 * Defaults lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, history = 0, lambda = 1e-3.
 * State: 16 bytes per parameter (exp_avg, exp_avg_sq, max_exp_avg_sq, half_step), + 4·r (grad_hist_*).
 */
export class OptimisticAMSGrad extends Optimizer<OptAMSGradHyper, OptimisticAMSGradOptions> {
  readonly kind = 'optimistic_amsgrad';
  private readonly table: EngineBuffer<'f64'>;
  private coef: { t: number; c: number[] } = { t: -1, c: [] };

  constructor(params: ParamSet, opts: WithGroups<OptimisticAMSGradOptions> = {}) {
    const r = (opts as { history?: unknown } | null)?.history ?? 0;
    if (typeof r === 'function') throw new HyperparameterError('history must be a number (it decides which state exists), not a schedule');
    const hist = typeof r === 'number' && Number.isInteger(r) && r >= 0 && r <= 64 ? Array.from({ length: r }, (_, i) => `grad_hist_${i}`) : [];
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-8, history: o.history ?? 0, lambda: o.lambda ?? 1e-3 };
    }, ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'half_step', ...hist]);
    this.table = params.engine.alloc(2 * Math.max(1, hist.length), 'f64');
  }

  /** history decides which state exists; the predictor is one fit over every group. */
  protected override fixedKeys(): string[] { return ['history', 'lambda']; }

  protected validate(h: OptAMSGradHyper): OptAMSGradHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('history', h.history, 0, 64);
    if (!Number.isInteger(h.history)) throw new HyperparameterError(`history must be an integer in [0, 64], got ${valueText(h.history)}`);
    checkRange('lambda', h.lambda, 0, Infinity, true);
    return { ...h };
  }

  /** Slot of the gradient of step s (1-based) in the history ring. */
  private slotOf(s: number, r: number): string { return `grad_hist_${(s - 1) % r}`; }

  /** RMPE coefficients c_0 … c_{r−1} of step t (computed once per step, over every non-frozen run). */
  private coefficients(t: number, r: number, lambda: number): number[] {
    if (this.coef.t === t) return this.coef.c;
    const ps = this.params, e = ps.engine, base = ps.grad.ptr;
    const ptr = (i: number): number => (i === r ? base : this.slots[this.slotOf(t - r + i, r)]!.ptr);
    const groups = this.groups, runs = groupRuns(ps, groups);
    const A: number[][] = Array.from({ length: r }, () => new Array<number>(r).fill(0));
    for (let j = 0; j < r; j++) {
      for (let l = j; l < r; l++) {
        let s = 0;
        runs.forEach((rs, gi) => {
          if (groups[gi]!.frozen) return;
          for (const run of rs) {
            const o = run.off * 4;
            s += e.reduce('optam_gram_partials', run.n, [ptr(j) + o, ptr(j + 1) + o, ptr(l) + o, ptr(l + 1) + o]);
          }
        });
        A[j]![l] = s; A[l]![j] = s;
      }
    }
    let tr = 0;
    for (let j = 0; j < r; j++) tr += A[j]![j]!;
    const tau = tr > 0 ? tr / r : 1;
    // (A/τ + λI) z = 1 by Gaussian elimination (symmetric positive definite: no pivoting needed).
    const M = A.map((row, j) => row.map((x, l) => x / tau + (j === l ? lambda : 0)));
    const z = new Array<number>(r).fill(1);
    for (let j = 0; j < r; j++) {
      for (let i = j + 1; i < r; i++) {
        const q = M[i]![j]! / M[j]![j]!;
        for (let l = j; l < r; l++) M[i]![l]! -= q * M[j]![l]!;
        z[i]! -= q * z[j]!;
      }
    }
    for (let j = r - 1; j >= 0; j--) {
      let s = z[j]!;
      for (let l = j + 1; l < r; l++) s -= M[j]![l]! * z[l]!;
      z[j] = s / M[j]![j]!;
    }
    let sum = 0;
    for (const x of z) sum += x;
    this.coef = { t, c: z.map((x) => x / sum) };
    return this.coef.c;
  }

  /** The extrapolation coefficients used by the last step (empty when h was the last gradient). */
  get predictorCoefficients(): readonly number[] { return this.coef.t === this.stepCount ? [...this.coef.c] : []; }

  protected apply(t: number, h: OptAMSGradHyper, s: Span): void {
    const r = h.history;
    let k = 0, hist = 0;
    if (r > 0) {
      hist = s.slot(this.slotOf(t, r));
      if (t - 1 >= r) {
        const c = this.coefficients(t, r, h.lambda), tb = this.table.array;
        for (let i = 0; i < r; i++) { tb[2 * i] = s.slot(this.slotOf(t - r + i, r)); tb[2 * i + 1] = c[i]!; }
        k = r;
      }
    }
    this.params.engine.run('optamsgrad_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'), s.slot('max_exp_avg_sq'), s.slot('half_step'),
      this.table.ptr, k, hist, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.eps, -h.lr, t === 1 ? INIT : 0]);
  }

  override loadStateDict(sd: Parameters<Optimizer<OptAMSGradHyper>['loadStateDict']>[0]): void {
    this.live();
    super.loadStateDict(sd);
    this.coef = { t: -1, c: [] };
  }

  override free(): void { super.free(); this.table.free(); }
}
