// Shared machinery of OASIS and SANIA: a Hutchinson-diagonal metric D (EMA of z ⊙ Hz, started at
// the first estimate), truncated as D̂ = max(|D|, α), and one global step size per step computed
// from squared norms in that metric over every non-frozen tensor. Because the step size is global,
// every group shares the same hyperparameters (groups may only freeze tensors).
import { HyperparameterError } from '../errors.js';
import type { ParamSet } from '../params.js';
import type { WithGroups } from './base.js';
import { HvpOptimizer, type HvpOptions } from './hvp.js';

// Kernel flags (assembly/precond.ts).
export const INIT = 1;
export const ACCUM = 2;
export const INV = 1;
export const HAS_Y = 2;
export const SAVE_PREV = 1;

export type PrecondHyper = Record<string, number | boolean> & { beta2: number; alpha: number; seed: number };

export abstract class PrecondOptimizer<H extends PrecondHyper, O extends object> extends HvpOptimizer<H, O> {
  protected constructor(params: ParamSet, opts: WithGroups<O> & HvpOptions, toHyper: (o: O) => H, slotNames: string[]) {
    super(params, opts, toHyper, slotNames);
    const specs = ((opts as { groups?: readonly object[] } | undefined)?.groups ?? []) as readonly Record<string, unknown>[];
    const extra = specs.flatMap((g) => Object.keys(g ?? {}).filter((k) => k !== 'params' && k !== 'frozen'));
    if (extra.length) {
      this.free();
      throw new HyperparameterError(`groups may not override ${extra[0]} (${this.constructor.name}'s step size is global): use groups only to freeze tensors`);
    }
  }

  /** Change hyperparameters (of every group: they are shared); validated, nothing changes on error. */
  override set(changes: Partial<H>, _group = 0): void {
    super.set(changes, 0);
    for (let g = 1; g < this.groups.length; g++) super.set(changes, g);
  }

  /** Draw z, call the HVP and update D = INIT ? z⊙Hz : β2·D + (1−β2)·z⊙Hz over the non-frozen tensors. */
  protected updateMetric(t: number, h: H): void {
    this.curvature(t, h.seed);
    this.accumulate(this.zPtr, this.hzPtr, h.beta2, this.stepCount === 0 ? INIT : 0);
  }

  /** precond_ema_f32 over the non-frozen tensors with arena buffers x, y (byte pointers) into D. */
  protected accumulate(x: number, y: number, beta2: number, flags: number): void {
    const e = this.params.engine, d = this.slots['hess_diag']!.ptr;
    for (const [o, n] of this.liveTensors()) e.run('precond_ema_f32', n, [x + o * 4, y + o * 4, d + o * 4, beta2, 1 - beta2, flags]);
  }

  /**
   * Σ over the non-frozen tensors (in arena order, each a blocked f64 sum) of e² · D̂ (or e² / D̂
   * with INV), e = x − y (y given) or x, for the arena buffers at byte pointers x, y.
   */
  protected metricNorm(x: number, y: number | null, alpha: number, inv: boolean): number {
    const e = this.params.engine, d = this.slots['hess_diag']!.ptr, flags = (inv ? INV : 0) | (y !== null ? HAS_Y : 0);
    let s = 0;
    for (const [o, n] of this.liveTensors()) {
      s += e.reduce('precond_norm_partials', n, [x + o * 4, (y ?? x) + o * 4, d + o * 4, alpha, flags]);
    }
    return s;
  }
}
