import { F32_MAX } from '../options.js';
import { valueText, checkRange, HyperparameterError, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { MAX_STEP, Optimizer, requireBool, type Span, type StateDict, type WithGroups } from './base.js';
import { groupRuns, type Run } from './runs.js';

/**
 * Options of `Prodigy` (Mishchenko & Defazio 2023: Adam whose step size d is estimated from the distance to
 * the solution, lr stays 1); unset fields take the defaults stated on each.
 */
export interface ProdigyOptions {
  lr?: number;
  betas?: readonly [number, number];
  /** Default √β2. */
  beta3?: number;
  eps?: number;
  weightDecay?: number;
  decouple?: boolean;
  useBiasCorrection?: boolean;
  safeguardWarmup?: boolean;
  d0?: number;
  dCoef?: number;
  growthRate?: number;
}
type ProdigyHyper = {
  lr: number; beta1: number; beta2: number; beta3: number; eps: number; weightDecay: number; decouple: boolean;
  useBiasCorrection: boolean; safeguardWarmup: boolean; d0: number; dCoef: number; growthRate: number;
};

/** Prodigy's state dict: the base format plus the d estimate and its running sums. */
export interface ProdigyStateDict extends StateDict {
  scalars: { d: number; d_max: number; d_numerator: number; k: number };
}

// Kernel flags (assembly/prodigy.ts).
const COUPLED = 1, FIRST = 2, DECAY = 4;

/**
 * Prodigy (Mishchenko & Defazio 2023, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner";
 * konstmish/prodigy prodigy.py semantics): Adam whose step size d·lr is estimated on the fly.
 *   c = g (+ λ·p if not decouple);  dlr = d·lr·(useBiasCorrection ? √(1−β2ᵏ⁺¹)/(1−β1ᵏ⁺¹) : 1);
 *   num ← β3·num + (d/d0)·dlr·⟨c, p0 − p⟩;
 *   m ← β1·m + d(1−β1)·c;  v ← β2·v + d²(1−β2)·c²;  s ← β3·s + (d/d0)·(safeguardWarmup ? d : dlr)·c;
 *   if Σ|s| = 0: stop here (no update, d and k unchanged);
 *   d̂ = dCoef·num/Σ|s|;  d = max(d, d̂) while d = d0;  d_max = max(d_max, d̂);  d = min(d_max, d·growthRate);
 *   p ← p − λ·dlr·p (decouple);  p ← p − dlr·m/(√v + d·eps)        (dlr with the old d, eps with the new)
 * p0 is the parameter at the first step; the dot and Σ|s| are engine reductions in the fixed blocked
 * order, summed over the runs in f64. d, d_max, num and k are one set of scalars per optimizer
 * (stateDict().scalars); betas, beta3, d0, dCoef, growthRate and the flags are shared by every group
 * (fixed at construction), lr must be equal in every non-frozen group, eps and weightDecay are per group.
 * Defaults lr = 1, betas = (0.9, 0.999), beta3 = √β2 (-1 in hyperparameters), eps = 1e-8, d0 = 1e-6,
 * dCoef = 1, growthRate = Infinity, decouple = true, useBiasCorrection = false, safeguardWarmup = false.
 * State: 16 bytes per parameter (exp_avg, exp_avg_sq, s, p0) plus four scalars.
 */
export class Prodigy extends Optimizer<ProdigyHyper, ProdigyOptions> {
  readonly kind = 'prodigy';
  private dEst: number;
  private dMax: number;
  private dNum = 0;
  private k = 0;
  private readonly runs: Run[][];
  // Per-step accumulators (pass 1 in apply, d update and pass 2 in afterStep).
  private acc = { t: 0, num: 0, denom: 0, dlr: 0 };

  constructor(params: ParamSet, opts: WithGroups<ProdigyOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1, beta1, beta2, beta3: o.beta3 ?? -1, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0,
        decouple: o.decouple ?? true, useBiasCorrection: o.useBiasCorrection ?? false, safeguardWarmup: o.safeguardWarmup ?? false,
        d0: o.d0 ?? 1e-6, dCoef: o.dCoef ?? 1, growthRate: o.growthRate ?? Infinity };
    }, ['exp_avg', 'exp_avg_sq', 's', 'p0']);
    this.runs = groupRuns(params, this.groups);
    this.dEst = this.dMax = this.hyperparameters.d0;
  }

  /** The current step-size estimate d. */
  get d(): number { this.live(); return this.dEst; }

  protected override fixedKeys(): string[] {
    return ['beta1', 'beta2', 'beta3', 'd0', 'dCoef', 'growthRate', 'decouple', 'useBiasCorrection', 'safeguardWarmup'];
  }

  protected validate(h: ProdigyHyper): ProdigyHyper {
    checkRange('lr', h.lr, 0, Infinity, true);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    if (h.beta3 !== -1) checkRange('beta3', h.beta3, 0, 1, false, true);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('decouple', h.decouple);
    requireBool('useBiasCorrection', h.useBiasCorrection);
    requireBool('safeguardWarmup', h.safeguardWarmup);
    checkRange('d0', h.d0, 0, Infinity, true);
    checkRange('dCoef', h.dCoef, 0, Infinity, true);
    // The kernels' denominator is √v + d·ε with d ≥ d0: it must not be 0 in f32 (a zero gradient).
    if (Math.fround(h.d0 * h.eps) === 0) throw new HyperparameterError(`d0·eps = ${h.d0 * h.eps} is 0 in f32: the update would divide by zero for a zero gradient`);
    if (typeof h.growthRate !== 'number' || Number.isNaN(h.growthRate) || h.growthRate < 1) {
      throw new HyperparameterError(`growthRate must be a number in [1, Infinity], got ${valueText(h.growthRate)}`);
    }
    return { ...h };
  }

  private beta3(h: ProdigyHyper): number { return h.beta3 === -1 ? this.params.engine.sqrt(h.beta2) : h.beta3; }

  protected apply(t: number, h: ProdigyHyper, s: Span): void {
    const e = this.params.engine, h0 = this.hyperparameters, d = this.dEst, d0 = h0.d0;
    if (this.acc.t !== t) {
      this.groups.forEach((g, gi) => {
        if (!g.frozen && this.hyperparametersOf(gi).lr !== h0.lr) throw new HyperparameterError(`lr must be the same in every non-frozen group (Prodigy adapts one step size), group ${gi} has ${this.hyperparametersOf(gi).lr}`);
      });
      const k = this.k;
      const bc = h0.useBiasCorrection ? e.sqrt(1 - e.pow(h0.beta2, k + 1)) / (1 - e.pow(h0.beta1, k + 1)) : 1;
      const dlr = d * h0.lr * bc;
      this.acc = { t, num: this.dNum * this.beta3(h0), denom: 0, dlr };
    }
    const dlr = this.acc.dlr, b3 = this.beta3(h0);
    const coupled = h.weightDecay !== 0 && !h0.decouple;
    const flags = (coupled ? COUPLED : 0) | (t === 1 ? FIRST : 0);
    if (t > 1) this.acc.num += (d / d0) * dlr * e.reduce('prodigy_dot_partials', s.n, [s.g, s.p, s.slot('p0'), h.weightDecay, flags]);
    e.run('prodigy_moments_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'), s.slot('s'), s.slot('p0'), h.weightDecay,
      h0.beta1, d * (1 - h0.beta1), h0.beta2, d * d * (1 - h0.beta2), b3, (d / d0) * (h0.safeguardWarmup ? d : dlr), flags]);
    this.acc.denom += e.reduce('abssum_partials', s.n, [s.slot('s')]);
  }

  protected override afterStep(t: number): void {
    const { num, denom, dlr } = this.acc;
    this.acc = { t: 0, num: 0, denom: 0, dlr: 0 };
    if (denom === 0) return;
    const h0 = this.hyperparameters;
    const dHat = h0.dCoef * num / denom;
    let d = this.dEst;
    if (d === h0.d0) d = Math.max(d, dHat);
    this.dMax = Math.max(this.dMax, dHat);
    this.dEst = Math.min(this.dMax, d * h0.growthRate);
    this.dNum = num;
    const ps = this.params, e = ps.engine, sl = this.slots;
    this.groups.forEach((g, gi) => {
      if (g.frozen) return;
      const h = this.hyperparametersOf(gi), decay = h.weightDecay !== 0 && h0.decouple;
      for (const r of this.runs[gi]!) {
        const o = r.off * 4;
        e.run('prodigy_step_f32', r.n, [ps.data.ptr + o, sl['exp_avg']!.ptr + o, sl['exp_avg_sq']!.ptr + o,
          this.dEst * h.eps, -h.weightDecay * dlr, -dlr, decay ? DECAY : 0]);
      }
    });
    this.k++;
    void t;
  }

  override stateDict(): ProdigyStateDict {
    this.live();
    return { ...super.stateDict(), scalars: { d: this.dEst, d_max: this.dMax, d_numerator: this.dNum, k: this.k } };
  }

  /** As Optimizer.loadStateDict, plus the scalars (absent only at step 0); a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const sc = (sd as Partial<ProdigyStateDict> | undefined)?.scalars;
    const d0 = this.hyperparameters.d0;
    let next = { d: d0, d_max: d0, d_numerator: 0, k: 0 };
    if (sc === undefined) {
      if (sd && typeof sd === 'object' && sd.step !== 0) throw new StateError('Prodigy state has no scalars');
    } else {
      // d scales every update in the f32 kernels: it must be a positive f32; k counts steps.
      const pos = (x: unknown): x is number => typeof x === 'number' && x > 0 && x <= F32_MAX;
      if (!sc || !pos(sc.d) || !pos(sc.d_max)) throw new StateError(`invalid scalars.d / scalars.d_max ${valueText(sc?.d)} / ${valueText(sc?.d_max)} (numbers in (0, ${F32_MAX}] expected)`);
      if (typeof sc.d_numerator !== 'number' || !(Math.abs(sc.d_numerator) <= F32_MAX)) throw new StateError(`invalid scalars.d_numerator ${valueText(sc.d_numerator)} (a number within the f32 range expected)`);
      // d starts at d0 and never decreases, and d ≤ d_max (d = min(d_max, d·growthRate)).
      if (!(d0 <= sc.d && sc.d <= sc.d_max)) throw new StateError(`invalid scalars.d = ${sc.d} / scalars.d_max = ${sc.d_max}: d0 (${d0}) ≤ d ≤ d_max expected`);
      if (!Number.isInteger(sc.k) || sc.k < 0 || sc.k > MAX_STEP) throw new StateError(`invalid scalars.k ${valueText(sc.k)} (an integer in [0, ${MAX_STEP}] expected)`);
      next = { d: sc.d, d_max: sc.d_max, d_numerator: sc.d_numerator, k: sc.k };
    }
    super.loadStateDict(sd);
    this.dEst = next.d; this.dMax = next.d_max; this.dNum = next.d_numerator; this.k = next.k;
  }
}
