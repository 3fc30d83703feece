// optax.MultiSteps: gradient accumulation over k micro-steps.
import { requireParamSet } from '../../params.js';
import { valueText, checkRange, HyperparameterError, StateError } from '../../errors.js';
import { allRuns, checkUpdates, forRuns, TransformState, type GradientTransformation } from './base.js';

/**
 * multiSteps(inner, k) (optax.MultiSteps with use_grad_mean): keeps the running mean of the
 * incoming updates, a ← a + (u − a)/(j + 1) at micro-step j, and emits zeros on micro-steps
 * 0 … k−2; on micro-step k−1 it passes the mean to `inner` (which then sees one step with the mean
 * gradient), emits inner's result and resets a to 0. State: acc (4 bytes/param), miniStep,
 * gradientStep, inner state.
 */
export function multiSteps(inner: GradientTransformation, k: number): GradientTransformation {
  if (!inner || typeof inner.update !== 'function') throw new HyperparameterError('inner must be a GradientTransformation');
  checkRange('k', k, 1, 2 ** 31);
  if (!Number.isInteger(k)) throw new HyperparameterError(`k must be an integer, got ${valueText(k)}`);
  const kind = 'multi_steps';
  const check = (u: Parameters<GradientTransformation['update']>[0], s: TransformState, p?: Parameters<GradientTransformation['update']>[2]) => {
    checkUpdates(u, s, p);
    if (s.kind !== kind) throw new StateError(`state is for ${s.kind}, this transformation is ${kind}`);
    inner.check?.(u, s.inner[0]!, p);
  };
  return {
    kind,
    init(params, runs) {
      const r = runs ?? allRuns(requireParamSet(params));
      const i = inner.init(params, r);
      try { return new TransformState(kind, params, r, { miniStep: 0, gradientStep: 0 }, ['acc'], [i]); } catch (e) { i.free(); throw e; }
    },
    check,
    update(u, s, p) {
      check(u, s, p);
      const e = s.params.engine, c = s.scalars.miniStep! + 1, last = c >= k;
      const acc = s.buffers.acc!.ptr;
      forRuns(s, (o, n) => e.run('tx_multistep_f32', n, [u.ptr + o, acc + o, c, last ? 1 : 0]));
      if (!last) { s.scalars.miniStep = c; return; }
      s.scalars.miniStep = 0;
      s.scalars.gradientStep!++;
      inner.update(u, s.inner[0]!, p);
    },
  };
}
