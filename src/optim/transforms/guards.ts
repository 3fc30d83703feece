// Torch-style gradient helpers for any Optimizer (they act on params.grad in place, like
// torch.nn.utils.clip_grad_value_): value clipping, adaptive gradient clipping, non-finite guard.
import { valueText, checkRange, HyperparameterError } from '../../errors.js';
import type { ParamSet } from '../../params.js';
import { agcTensors } from './clip.js';

/** g ← min(max(g, −v), v) over every gradient (torch.nn.utils.clip_grad_value_), one fused pass. */
export function clipGradValue(params: ParamSet, clipValue: number): void {
  const v = checkRange('clipValue', clipValue, 0, Infinity);
  params.engine.run('tx_clip_f32', params.size, [params.grad.ptr, -v, v]);
}

/**
 * Adaptive gradient clipping (AGC, Brock et al. 2021) on the gradients, per tensor: with
 * gₙ = ‖g‖, pₙ = ‖p‖, m = λ·max(pₙ, ε): if not gₙ < m, g ← g·m/max(gₙ, 1e-6). Same numerics as the
 * adaptiveGradClip transformation (the unit is the whole tensor). Returns how many tensors were clipped.
 */
export function clipGradNormAdaptive(params: ParamSet, opts: { clipping: number; eps?: number }): number {
  const lam = checkRange('clipping', opts?.clipping, 0, Infinity, true);
  const eps = checkRange('eps', opts.eps ?? 1e-3, 0, Infinity);
  return agcTensors(params.engine, params.tensors, params.grad.ptr, params.data.ptr, lam, eps);
}

/** What a non-finite guard saw on its last update. */
export interface NonFiniteReport {
  /** NaN and ±Inf entries found in the gradients. */
  nonFinite: number;
  /** 'skip' mode: true when the caller should not call step() (gradients left as they are). */
  skip: boolean;
}

/**
 * Count the non-finite gradient entries (engine.countNonFinite). mode 'zero' replaces them by 0 (the
 * step can go on); mode 'skip' leaves the gradients alone and reports skip = true when there are any,
 * so the caller skips opt.step() and the optimizer state stays as it was:
 *   if (!guardNonFinite(params, 'skip').skip) opt.step();
 */
export function guardNonFinite(params: ParamSet, mode: 'skip' | 'zero' = 'skip'): NonFiniteReport {
  if (mode !== 'skip' && mode !== 'zero') throw new HyperparameterError(`mode must be 'skip' or 'zero', got ${valueText(mode)}`);
  const e = params.engine;
  const n = e.countNonFinite(params.grad);
  if (mode === 'zero' && n > 0) e.run('tx_zero_nonfinite_f32', params.size, [params.grad.ptr]);
  return { nonFinite: n, skip: mode === 'skip' && n > 0 };
}
