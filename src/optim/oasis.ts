import { valueText, checkRange, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { type Span, type StateDict, type WithGroups, requireBool } from './base.js';
import { checkSeed, type Hvp, type HvpOptions } from './hvp.js';
import { PrecondOptimizer, SAVE_PREV } from './precond.js';

/**
 * Options of `OASIS` (a Hutchinson estimate of the Hessian diagonal as a preconditioner, with an adaptive
 * step from local smoothness); unset fields take the defaults stated on each.
 */
export interface OASISOptions {
  /** η₀, the first step size (with adaptiveLr: false, the fixed step size). */
  lr?: number;
  /** β of the EMA of the Hessian-diagonal estimate. */
  beta2?: number;
  /** α: truncation, D̂ = max(|D|, α) (> 0). */
  alpha?: number;
  /** Step size from the local-Lipschitz rule (true) or fixed at lr (false). Fixed at construction. */
  adaptiveLr?: boolean;
  /** Seed of the Rademacher draws (integer in [0, 2^32)). */
  seed?: number;
}
type OASISHyper = { lr: number; beta2: number; alpha: number; adaptiveLr: boolean; seed: number };

/** OASIS's state dict: the base format plus the previous step size and step-size ratio. */
export interface OASISStateDict extends StateDict {
  scalars: { eta: number; theta: number };
}

/**
 * OASIS (Jahani, Rusakov, Shi, Richtárik, Mahoney, Takáč 2022, "Doubly Adaptive Scaled Algorithm
 * for Machine Learning Using Second-Order Information"), the rule of the reference catalogue (c3):
 *   z ~ Rademacher(seed, t);  D = β·D + (1−β)·z ⊙ (H z)    (t = 1: D = z ⊙ (H z), the warm start)
 *   D̂ = max(|D|, α)                     (elementwise; the catalogue says "truncated below at α",
 *                                         the paper's D̂ = max{|D|, α} also takes |D|, keeping the
 *                                         metric positive where the curvature estimate is negative)
 *   η₁ = lr;  ηₜ = min( √(1+θₜ₋₁)·ηₜ₋₁ , ‖w − w_prev‖_D̂ / (2·‖g − g_prev‖*_D̂) ),  θₜ = ηₜ/ηₜ₋₁, θ₁ = +∞
 *   w = w − ηₜ · D̂⁻¹ g
 * with ‖x‖_D̂² = Σ D̂·x² and ‖x‖*_D̂² = Σ x²/D̂ over every non-frozen tensor (blocked f64 sums). When
 * g = g_prev the second term is +∞ (then ηₜ = ηₜ₋₁ if θ is +∞ too); θ = +∞ when ηₜ₋₁ = 0.
 * g_prev is the stored gradient of the previous step (the deterministic form; the paper's stochastic
 * form re-evaluates it on the current sample). adaptiveLr: false gives the paper's fixed-lr variant.
 * The catalogue marks the exact formulas "own knowledge — verify"; this is that rule as written.
 * One HVP per step. Defaults (chosen here; the paper tunes β and α) lr = 1e-3, beta2 = 0.99,
 * alpha = 1e-5, adaptiveLr = true.
 * State: 12 bytes per parameter (hess_diag, prev_param, prev_grad; 4 without adaptiveLr) plus two
 * scalars, plus 8 bytes of scratch (z, Hz).
 */
export class OASIS extends PrecondOptimizer<OASISHyper, OASISOptions> {
  readonly kind = 'oasis';
  private eta = 0;
  private theta = Infinity;
  private pending: number | undefined;

  constructor(params: ParamSet, opts: WithGroups<OASISOptions> & HvpOptions = {}) {
    super(params, opts, (o) => ({ lr: o.lr ?? 1e-3, beta2: o.beta2 ?? 0.99, alpha: o.alpha ?? 1e-5, adaptiveLr: o.adaptiveLr ?? true, seed: o.seed ?? 0 }),
      (opts as OASISOptions)?.adaptiveLr === false ? ['hess_diag'] : ['hess_diag', 'prev_param', 'prev_grad']);
  }

  /** One step; `hvp` overrides the default callback for this step. */
  override step(hvp?: Hvp): void { this.stepWith(hvp); }

  /** The step size used by the last step (0 before the first). */
  get stepSize(): number { this.live(); return this.eta; }

  protected override fixedKeys(): string[] { return ['seed', 'adaptiveLr']; }

  protected validate(h: OASISHyper): OASISHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('beta2', h.beta2, 0, 1, false, true);
    checkRange('alpha', h.alpha, 0, Infinity, true);
    requireBool('adaptiveLr', h.adaptiveLr);
    checkSeed('seed', h.seed);
    return { ...h };
  }

  protected prepare(t: number, h: OASISHyper): void {
    const first = this.stepCount === 0;
    this.updateMetric(t, h);
    if (!h.adaptiveLr || first) { this.pending = h.lr; return; }
    const e = this.params.engine, ps = this.params;
    const num = this.metricNorm(ps.data.ptr, this.slots['prev_param']!.ptr, h.alpha, false);
    const den = this.metricNorm(ps.grad.ptr, this.slots['prev_grad']!.ptr, h.alpha, true);
    const grow = this.theta === Infinity ? Infinity : e.sqrt(1 + this.theta) * this.eta;
    const ratio = den > 0 ? e.sqrt(num) / (2 * e.sqrt(den)) : Infinity;
    const eta = Math.min(grow, ratio);
    this.pending = eta === Infinity ? this.eta : eta;
  }

  protected apply(t: number, h: OASISHyper, s: Span): void {
    this.prepared(t, h);
    const adaptive = h.adaptiveLr;
    this.params.engine.run('precond_step_f32', s.n, [s.p, s.g, s.slot('hess_diag'),
      adaptive ? s.slot('prev_param') : 0, adaptive ? s.slot('prev_grad') : 0, -this.pending!, h.alpha, adaptive ? SAVE_PREV : 0]);
  }

  protected override afterStep(_t: number): void {
    if (this.pending === undefined) return;
    const first = this.stepCount === 0;
    this.theta = first || this.eta === 0 ? Infinity : this.pending / this.eta;
    this.eta = this.pending;
    this.pending = undefined;
  }

  override stateDict(): OASISStateDict {
    this.live();
    return { ...super.stateDict(), scalars: { eta: this.eta, theta: this.theta } };
  }

  /** As Optimizer.loadStateDict, plus scalars.eta/theta (may be absent only at step 0); a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const sc = (sd as Partial<OASISStateDict> | undefined)?.scalars;
    let eta = 0, theta = Infinity;
    if (sc === undefined) {
      if (sd && typeof sd === 'object' && sd.step !== 0) throw new StateError('OASIS state has no scalars');
    } else {
      if (typeof sc.eta !== 'number' || !Number.isFinite(sc.eta) || sc.eta < 0) throw new StateError(`invalid scalars.eta ${valueText(sc.eta)}`);
      if (typeof sc.theta !== 'number' || Number.isNaN(sc.theta) || sc.theta < 0) throw new StateError(`invalid scalars.theta ${valueText(sc.theta)}`);
      eta = sc.eta; theta = sc.theta;
    }
    super.loadStateDict(sd);
    this.eta = eta; this.theta = theta;
  }
}
