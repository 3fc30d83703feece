// The one stateful schedule: reduce the learning rate when a metric stops improving (torch
// ReduceLROnPlateau). It depends on the metrics seen, not only on the step, so it is an object with
// `step(metric)` and a state dict instead of a function of the step.
import { valueText, nameText, HyperparameterError, StateError } from '../errors.js';
import { finite, integer, nonNegative, oneOf } from './common.js';

/**
 * Options of `ReduceLROnPlateau` (torch's: multiply the rate by factor after patience steps without
 * improvement beyond threshold); unset fields take the defaults stated on each.
 */
export interface ReduceLROnPlateauOptions {
  /** Starting learning rate. */
  init: number;
  /** 'min': lower metrics are better (default); 'max': higher are. */
  mode?: 'min' | 'max';
  /** lr ← max(lr · factor, minLr) on a plateau (default 0.1, must be < 1). */
  factor?: number;
  /** Steps without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Least improvement that counts (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps after a reduction during which bad steps are not counted (default 0). */
  cooldown?: number;
  /** Lower bound of the lr (default 0). */
  minLr?: number;
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/** ReduceLROnPlateau's state as plain data (torch's state_dict fields). */
export interface PlateauStateDict {
  format: 'simdopt-plateau';
  mode: 'min' | 'max';
  thresholdMode: 'rel' | 'abs';
  lr: number;
  /** Best metric so far (±Infinity before the first one). */
  best: number;
  numBadSteps: number;
  cooldownCounter: number;
  /** Number of `step(metric)` calls. */
  steps: number;
}

/**
 * ReduceLROnPlateau with torch's semantics, one `step(metric)` per evaluation:
 *   better = metric < best·(1 − threshold)  (min, rel) | metric < best − threshold (min, abs)
 *            metric > best·(1 + threshold)  (max, rel) | metric > best + threshold (max, abs)
 *   if better: best ← metric, bad ← 0, else bad ← bad + 1   (NaN is never better)
 *   if cooling down: cooldown ← cooldown − 1, bad ← 0
 *   if bad > patience: lr' = max(lr·factor, minLr); lr ← lr' when lr − lr' > eps; cooldown ← C; bad ← 0
 * `step` returns the lr to use next: `opt.set({ lr: plateau.step(valLoss) })`.
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  private _lr: number;
  private best: number;
  private bad = 0;
  private cooldownCounter = 0;
  private steps = 0;

  constructor(o: ReduceLROnPlateauOptions) {
    if (!o || typeof o !== 'object') throw new HyperparameterError('init must be given (options object expected)');
    this._lr = nonNegative('init', o.init);
    this.mode = oneOf('mode', o.mode ?? 'min', ['min', 'max'] as const);
    this.factor = finite('factor', o.factor ?? 0.1);
    if (this.factor < 0 || this.factor >= 1) throw new HyperparameterError(`factor must be in [0, 1), got ${this.factor}`);
    this.patience = integer('patience', o.patience ?? 10, 0);
    this.threshold = nonNegative('threshold', o.threshold ?? 1e-4);
    this.thresholdMode = oneOf('thresholdMode', o.thresholdMode ?? 'rel', ['rel', 'abs'] as const);
    this.cooldown = integer('cooldown', o.cooldown ?? 0, 0);
    this.minLr = nonNegative('minLr', o.minLr ?? 0);
    this.eps = nonNegative('eps', o.eps ?? 1e-8);
    this.best = this.worst();
  }

  private worst(): number { return this.mode === 'min' ? Infinity : -Infinity; }

  /** The current learning rate. */
  get lr(): number { return this._lr; }
  /** Steps since the last improvement (torch's num_bad_epochs). */
  get numBadSteps(): number { return this.bad; }

  private isBetter(a: number): boolean {
    const b = this.best, t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < b * (1 - t) : a < b - t;
    return this.thresholdMode === 'rel' ? a > b * (t + 1) : a > b + t;
  }

  /** Record one evaluation of the metric; returns the learning rate to use from now on. */
  step(metric: number): number {
    if (typeof metric !== 'number') throw new HyperparameterError(`metric must be a number, got ${typeof metric}`);
    this.steps++;
    if (this.isBetter(metric)) { this.best = metric; this.bad = 0; } else this.bad++;
    if (this.cooldownCounter > 0) { this.cooldownCounter--; this.bad = 0; }
    if (this.bad > this.patience) {
      const next = Math.max(this._lr * this.factor, this.minLr);
      if (this._lr - next > this.eps) this._lr = next;
      this.cooldownCounter = this.cooldown;
      this.bad = 0;
    }
    return this._lr;
  }

  /** The state as plain data (torch's ReduceLROnPlateau fields); `loadStateDict()` restores it. */
  stateDict(): PlateauStateDict {
    return { format: 'simdopt-plateau', mode: this.mode, thresholdMode: this.thresholdMode, lr: this._lr, best: this.best,
      numBadSteps: this.bad, cooldownCounter: this.cooldownCounter, steps: this.steps };
  }

  /** Restore a state dict (validated first: on StateError nothing changes). */
  loadStateDict(sd: PlateauStateDict): void {
    if (!sd || typeof sd !== 'object' || sd.format !== 'simdopt-plateau') throw new StateError('not a simdopt ReduceLROnPlateau state dict');
    if (sd.mode !== this.mode || sd.thresholdMode !== this.thresholdMode) {
      throw new StateError(`state is for mode ${nameText(sd.mode)}/${nameText(sd.thresholdMode)}, this scheduler is ${this.mode}/${this.thresholdMode}`);
    }
    if (typeof sd.lr !== 'number' || !Number.isFinite(sd.lr) || sd.lr < 0) throw new StateError(`invalid lr ${valueText(sd.lr)}`);
    if (typeof sd.best !== 'number' || Number.isNaN(sd.best)) throw new StateError(`invalid best ${valueText(sd.best)}`);
    for (const k of ['numBadSteps', 'cooldownCounter', 'steps'] as const) {
      if (!Number.isInteger(sd[k]) || sd[k] < 0) throw new StateError(`invalid ${k} ${valueText(sd[k])}`);
    }
    this._lr = sd.lr; this.best = sd.best; this.bad = sd.numBadSteps; this.cooldownCounter = sd.cooldownCounter; this.steps = sd.steps;
  }
}
