import { valueText, checkRange, HyperparameterError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { type Span, type WithGroups } from './base.js';
import { checkSeed, type Hvp, type HvpOptions } from './hvp.js';
import { ACCUM, INIT, PrecondOptimizer } from './precond.js';

/** Where SANIA's diagonal metric B comes from. */
export type SANIAMetric = 'hutchinson' | 'adam-sqr' | 'adagrad-sqr';
const METRICS: readonly SANIAMetric[] = ['hutchinson', 'adam-sqr', 'adagrad-sqr'];

/**
 * Options of `SANIA` (a Polyak-type adaptive step in a preconditioned metric, AdaGrad-, Adam- or
 * Hutchinson-style); unset fields take the defaults stated on each.
 */
export interface SANIAOptions {
  /** Multiplier of the Polyak step (1 = the plain rule). */
  lr?: number;
  /** The metric B (fixed at construction): 'hutchinson' (default, needs the HVP), 'adam-sqr' or 'adagrad-sqr' (no HVP). */
  metric?: SANIAMetric;
  /** β of the EMA of the metric's estimate (hutchinson, adam-sqr). */
  beta2?: number;
  /** α: truncation, B̂ = max(|B|, α) (> 0). */
  alpha?: number;
  /** f*: a lower bound of the loss (0 for interpolating models). */
  fStar?: number;
  /** Seed of the Rademacher draws (integer in [0, 2^32)). */
  seed?: number;
}
/** `metric` is stored as its index in ['hutchinson', 'adam-sqr', 'adagrad-sqr'] (hyperparameters are numbers). */
type SANIAHyper = { lr: number; metric: number; beta2: number; alpha: number; fStar: number; seed: number };

/**
 * SANIA (Abdukhakimov, Xiang, Kamzolov, Takáč 2023, "SANIA: Polyak-type Optimization Framework
 * Leads to Scale Invariant Stochastic Algorithms"), the rule of the reference catalogue (a10) with
 * a diagonal metric B:
 *   'hutchinson':  z ~ Rademacher(seed, t);  B = β·B + (1−β)·z ⊙ (H z)   (t = 1: B = z ⊙ (H z))
 *   'adam-sqr':    B = β·B + (1−β)·g²   (t = 1: B = g²)   (Adam's second moment, no square root)
 *   'adagrad-sqr': B = B + g²                             (AdaGrad's sum, no square root)
 *   B̂ = max(|B|, α)
 *   s = lr · max(f(w) − f*, 0) / ‖g‖²_{B̂⁻¹},  ‖g‖²_{B̂⁻¹} = Σ g²/B̂  (non-frozen tensors, blocked f64)
 *   w = w − s · B̂⁻¹ g                                      (s = 0 when ‖g‖ = 0)
 * lr = 1, f* = 0 is the catalogue's w⁺ = w − [f(w)/‖∇f‖²_{B⁻¹}]·B⁻¹∇f. The loss f(w) at the current
 * parameters is passed to every step: `step(loss, hvp?)`; one HVP per step with 'hutchinson', none
 * with the squared-gradient metrics (whose names, AdaGrad-SQR / Adam-SQR, the catalogue marks as own
 * knowledge). Clamping f − f* at 0 (no step uphill when the loss is below the bound) is an addition
 * of this implementation.
 * Defaults (chosen here) lr = 1, beta2 = 0.99, alpha = 1e-5, fStar = 0.
 * State: 4 bytes per parameter (hess_diag, B) plus 8 bytes of scratch (z, Hz).
 */
export class SANIA extends PrecondOptimizer<SANIAHyper, SANIAOptions> {
  readonly kind = 'sania';
  private loss = 0;
  private s = 0;

  constructor(params: ParamSet, opts: WithGroups<SANIAOptions> & HvpOptions = {}) {
    super(params, opts, (o) => ({ lr: o.lr ?? 1, metric: METRICS.indexOf(o.metric ?? 'hutchinson'), beta2: o.beta2 ?? 0.99, alpha: o.alpha ?? 1e-5,
      fStar: o.fStar ?? 0, seed: o.seed ?? 0 }), ['hess_diag']);
  }

  /** One step given the loss f(w) at the current parameters; `hvp` overrides the default callback. */
  override step(loss?: number, hvp?: Hvp): void {
    this.live();
    if (typeof loss !== 'number' || !Number.isFinite(loss)) throw new HyperparameterError(`loss must be a finite number (SANIA's step is step(loss, hvp?)), got ${valueText(loss)}`);
    this.loss = loss;
    this.stepWith(hvp);
  }

  /** The Polyak step size s of the last step. */
  get stepSize(): number { this.live(); return this.s; }

  /** The metric in use. */
  get metric(): SANIAMetric { return METRICS[this.hyperparameters.metric]!; }

  protected override fixedKeys(): string[] { return ['seed', 'metric']; }

  protected validate(h: SANIAHyper): SANIAHyper {
    checkRange('lr', h.lr, 0, Infinity);
    if (!Number.isInteger(h.metric) || h.metric < 0 || h.metric >= METRICS.length) throw new HyperparameterError(`metric must be one of ${METRICS.map((m) => `'${m}'`).join(', ')}`);
    checkRange('beta2', h.beta2, 0, 1, false, true);
    checkRange('alpha', h.alpha, 0, Infinity, true);
    checkRange('fStar', h.fStar, -Infinity, Infinity);
    checkSeed('seed', h.seed);
    return { ...h };
  }

  protected prepare(t: number, h: SANIAHyper): void {
    const g = this.params.grad.ptr;
    if (h.metric === 0) this.updateMetric(t, h);
    else this.accumulate(g, g, h.beta2, h.metric === 2 ? ACCUM : this.stepCount === 0 ? INIT : 0);
    const den = this.metricNorm(this.params.grad.ptr, null, h.alpha, true);
    const s = den > 0 ? h.lr * Math.max(this.loss - h.fStar, 0) / den : 0;
    // As for an f64 overflow, a step the f32 kernel cannot hold (a vanishing gradient: s·‖g‖ grows
    // like 1/‖g‖) is not taken.
    this.s = Number.isFinite(Math.fround(s)) ? s : 0;
  }

  protected apply(t: number, h: SANIAHyper, s: Span): void {
    this.prepared(t, h);
    this.params.engine.run('precond_step_f32', s.n, [s.p, s.g, s.slot('hess_diag'), 0, 0, -this.s, h.alpha, 0]);
  }
}
