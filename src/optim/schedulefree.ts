import { valueText, checkRange, HyperparameterError, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type StateDict, type WithGroups } from './base.js';
import { groupRuns, type Run } from './runs.js';

/**
 * Options of `ScheduleFreeSGD` (Defazio et al. 2024: z ← z − γ·g at y = (1 − β)·z + β·x, x the running
 * average of z; no decay schedule needed); unset fields take the defaults stated on each.
 */
export interface ScheduleFreeSGDOptions {
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  warmupSteps?: number;
  r?: number;
  weightLrPower?: number;
}
/**
 * Options of `ScheduleFreeAdamW` (Defazio et al. 2024: Adam's normalisation inside schedule-free averaging;
 * no decay schedule needed); unset fields take the defaults stated on each.
 */
export interface ScheduleFreeAdamWOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  warmupSteps?: number;
  r?: number;
  weightLrPower?: number;
}
type SFSGDHyper = { lr: number; momentum: number; weightDecay: number; warmupSteps: number; r: number; weightLrPower: number };
type SFAdamWHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; warmupSteps: number; r: number; weightLrPower: number };
type SFHyper = SFSGDHyper | SFAdamWHyper;

/** Schedule-Free state dict: the base format plus the per-group averaging sums and the mode. */
export interface ScheduleFreeStateDict extends StateDict {
  scalars: { weight_sum: number[]; lr_max: number[]; train_mode: boolean };
}

// Kernel flags (assembly/schedulefree.ts).
const DECAY = 1, FIRST = 2, BIG = 4;

/** torch's lerp switches form at |w| = 0.5; the kernels take w, 1 − w and the form. */
const lerpArgs = (w: number): [number, number, number] => [w, 1 - w, Math.abs(w) >= 0.5 ? 1 : 0];

abstract class ScheduleFree<H extends SFHyper, O extends object> extends Optimizer<H, O> {
  private weightSum: number[];
  private lrMax: number[];
  private pending = new Map<number, { t: number; lrMax: number; weightSum: number; ckp1: number; lr: number }>();
  private trainMode = true;
  private readonly runs: Run[][];

  protected constructor(params: ParamSet, opts: WithGroups<O>, toHyper: (o: O) => H, slots: string[]) {
    super(params, opts, toHyper, slots);
    this.runs = groupRuns(params, this.groups);
    this.weightSum = this.groups.map(() => 0);
    this.lrMax = this.groups.map(() => -1);
  }

  /** β of the interpolation y = (1−β)·z + β·x (momentum, or betas[0]). */
  protected abstract beta(h: H): number;
  /** The step's lr (warmup applied; AdamW also folds in √(1−β2ᵏ⁺¹)). */
  protected abstract stepLr(h: H, k: number): number;

  protected validateCommon(h: H): void {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('warmupSteps', h.warmupSteps, 0, Number.MAX_SAFE_INTEGER);
    if (!Number.isInteger(h.warmupSteps)) throw new HyperparameterError(`warmupSteps must be an integer, got ${valueText(h.warmupSteps)}`);
    checkRange('r', h.r, 0, Infinity);
    checkRange('weightLrPower', h.weightLrPower, 0, Infinity);
  }

  /** True between train() and eval(): the parameters hold y. In eval mode they hold x. */
  get training(): boolean { this.live(); return this.trainMode; }

  /** Per-step scalars of group `gi` (computed once per step, committed in afterStep). */
  protected scalars(t: number, gi: number, h: H): { ckp1: number; lr: number } {
    const c = this.pending.get(gi);
    if (c && c.t === t) return c;
    const e = this.params.engine, k = t - 1;
    const lr = this.stepLr(h, k);
    const lrMax = Math.max(lr, this.lrMax[gi]!);
    const weight = e.pow(k + 1, h.r) * e.pow(lrMax, h.weightLrPower);
    const weightSum = this.weightSum[gi]! + weight;
    const ckp1 = weightSum === 0 ? 0 : weight / weightSum;
    const next = { t, lrMax, weightSum, ckp1, lr };
    this.pending.set(gi, next);
    return next;
  }

  protected override afterStep(t: number): void {
    for (const [gi, c] of this.pending) if (c.t === t) { this.lrMax[gi] = c.lrMax; this.weightSum[gi] = c.weightSum; }
    this.pending.clear();
  }

  /** One step at y; the parameters must hold y (train mode). */
  override step(): void {
    if (!this.trainMode) throw new StateError(`${this.kind}: step() in eval mode; call train() first`);
    super.step();
  }

  private swap(toTrain: boolean): void {
    this.live();
    if (this.trainMode === toTrain) return;
    if (this.stepCount > 0) {
      const ps = this.params, z = this.slots['z']!;
      this.groups.forEach((g, gi) => {
        if (g.frozen) return;
        const b = this.beta(this.hyperparametersOf(gi) as H);
        const [w, omw, big] = lerpArgs(toTrain ? 1 - b : 1 - 1 / b);
        for (const r of this.runs[gi]!) ps.engine.run('sf_lerp_f32', r.n, [ps.data.ptr + r.off * 4, z.ptr + r.off * 4, w, omw, big]);
      });
    }
    this.trainMode = toTrain;
  }
  /** Parameters ← x (the averaged iterate), for evaluation and checkpoints: p.lerp_(z, 1 − 1/β). */
  eval(): void { this.swap(false); }
  /** Parameters ← y (the gradient point), before training steps: p.lerp_(z, 1 − β). */
  train(): void { this.swap(true); }

  protected kernelArgs(t: number, h: H, s: Span): { w: number; omw: number; big: number; coef: number; negLr: number; flags: number } {
    const { ckp1, lr } = this.scalars(t, s.group, h);
    const [w, omw, big] = lerpArgs(ckp1);
    const flags = (h.weightDecay !== 0 ? DECAY : 0) | (t === 1 ? FIRST : 0) | (big ? BIG : 0);
    return { w, omw, big, coef: lr * (this.beta(h) * (1 - ckp1) - 1), negLr: -lr, flags };
  }

  override stateDict(): ScheduleFreeStateDict {
    this.live();
    return { ...super.stateDict(), scalars: { weight_sum: [...this.weightSum], lr_max: [...this.lrMax], train_mode: this.trainMode } };
  }

  /** As Optimizer.loadStateDict plus scalars (absent only at step 0); a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const sc = (sd as Partial<ScheduleFreeStateDict> | undefined)?.scalars;
    const n = this.groups.length;
    let ws = this.groups.map(() => 0), lm = this.groups.map(() => -1), mode = true;
    if (sc === undefined) {
      if (sd && typeof sd === 'object' && sd.step !== 0) throw new StateError(`${this.kind} state has no scalars`);
    } else {
      const okArr = (a: unknown, lo: number): a is number[] => Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= lo);
      if (!okArr(sc.weight_sum, 0)) throw new StateError(`invalid scalars.weight_sum (${n} finite non-negative numbers expected)`);
      if (!okArr(sc.lr_max, -1)) throw new StateError(`invalid scalars.lr_max (${n} finite numbers ≥ -1 expected)`);
      if (typeof sc.train_mode !== 'boolean') throw new StateError('invalid scalars.train_mode (boolean expected)');
      ws = [...sc.weight_sum]; lm = [...sc.lr_max]; mode = sc.train_mode;
    }
    super.loadStateDict(sd);
    this.weightSum = ws; this.lrMax = lm; this.trainMode = mode; this.pending.clear();
  }
}

/**
 * Schedule-Free SGD (Defazio et al. 2024, "The Road Less Scheduled"; facebookresearch/schedule_free
 * SGDScheduleFree). The parameters hold y, where gradients are evaluated; state z (the SGD sequence):
 *   lrₖ = lr·min(1, (k+1)/warmupSteps);  lr_max = max(lr_max, lrₖ);  wₖ = (k+1)^r · lr_max^weightLrPower;
 *   c = wₖ / Σwᵢ;  d = g + λ·y;  y ← lerp(y, z, c) + lrₖ·(β(1−c) − 1)·d;  z ← z − lrₖ·d
 * which keeps y = (1−β)·z + β·x for the average x = (1−c)·x + c·z. eval() sets the parameters to x,
 * train() back to y (step() throws in eval mode). Defaults lr = 1, momentum β = 0.9, r = 0,
 * weightLrPower = 2, warmupSteps = 0, weightDecay = 0 (evaluated at y).
 * State: 4 bytes per parameter (z) plus per-group scalars (weight sum, lr_max) and the mode.
 */
export class ScheduleFreeSGD extends ScheduleFree<SFSGDHyper, ScheduleFreeSGDOptions> {
  readonly kind = 'schedule_free_sgd';
  constructor(params: ParamSet, opts: WithGroups<ScheduleFreeSGDOptions> = {}) {
    super(params, opts, (o) => ({ lr: o.lr ?? 1, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay ?? 0,
      warmupSteps: o.warmupSteps ?? 0, r: o.r ?? 0, weightLrPower: o.weightLrPower ?? 2 }), ['z']);
  }
  protected validate(h: SFSGDHyper): SFSGDHyper {
    this.validateCommon(h);
    checkRange('momentum', h.momentum, 0, 1, true, true);
    return { ...h };
  }
  protected beta(h: SFSGDHyper): number { return h.momentum; }
  protected stepLr(h: SFSGDHyper, k: number): number { return h.lr * (k < h.warmupSteps ? (k + 1) / h.warmupSteps : 1); }
  protected apply(t: number, h: SFSGDHyper, s: Span): void {
    const a = this.kernelArgs(t, h, s);
    this.params.engine.run('sf_sgd_f32', s.n, [s.p, s.g, s.slot('z'), h.weightDecay, a.w, a.omw, a.coef, a.negLr, a.flags]);
  }
}

/**
 * Schedule-Free AdamW (facebookresearch/schedule_free AdamWScheduleFree): as ScheduleFreeSGD with the
 * gradient normalised by a second moment, bias correction folded into the step's lr:
 *   v ← β2·v + (1−β2)·g²;  lrₖ = lr·min(1, (k+1)/warmupSteps)·√(1−β2^(k+1));  d = g/(√v + ε) + λ·y;
 *   then the same averaging weights, y and z updates as ScheduleFreeSGD with β = betas[0].
 * Defaults lr = 0.0025, betas = (0.9, 0.999), eps = 1e-8, r = 0, weightLrPower = 2, warmupSteps = 0.
 * State: 8 bytes per parameter (z, exp_avg_sq) plus per-group scalars and the mode.
 */
export class ScheduleFreeAdamW extends ScheduleFree<SFAdamWHyper, ScheduleFreeAdamWOptions> {
  readonly kind = 'schedule_free_adamw';
  constructor(params: ParamSet, opts: WithGroups<ScheduleFreeAdamWOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 0.0025, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0,
        warmupSteps: o.warmupSteps ?? 0, r: o.r ?? 0, weightLrPower: o.weightLrPower ?? 2 };
    }, ['z', 'exp_avg_sq']);
  }
  protected validate(h: SFAdamWHyper): SFAdamWHyper {
    this.validateCommon(h);
    checkRange('betas[0]', h.beta1, 0, 1, true, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity, true);
    return { ...h };
  }
  protected beta(h: SFAdamWHyper): number { return h.beta1; }
  protected stepLr(h: SFAdamWHyper, k: number): number {
    const e = this.params.engine;
    return h.lr * (k < h.warmupSteps ? (k + 1) / h.warmupSteps : 1) * e.sqrt(1 - e.pow(h.beta2, k + 1));
  }
  protected apply(t: number, h: SFAdamWHyper, s: Span): void {
    const a = this.kernelArgs(t, h, s);
    this.params.engine.run('sf_adamw_f32', s.n, [s.p, s.g, s.slot('z'), s.slot('exp_avg_sq'),
      h.beta2, 1 - h.beta2, h.eps, h.weightDecay, a.w, a.omw, a.coef, a.negLr, a.flags]);
  }
}
