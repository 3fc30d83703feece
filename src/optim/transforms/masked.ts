// optax.masked: apply an inner transformation to some tensors only.
import { requireParamSet } from '../../params.js';
import { HyperparameterError, StateError } from '../../errors.js';
import { allRuns, checkUpdates, selectRuns, TransformState, type GradientTransformation } from './base.js';

/** Which tensors: a list of names, a RegExp, or a predicate on the name. */
export type Mask = readonly string[] | RegExp | ((name: string) => boolean);

export function maskPredicate(mask: Mask): (name: string) => boolean {
  if (mask instanceof RegExp) return (n) => { mask.lastIndex = 0; return mask.test(n); };
  if (typeof mask === 'function') return mask;
  if (Array.isArray(mask)) { const s = new Set(mask as string[]); return (n) => s.has(n); }
  throw new HyperparameterError('mask must be a list of names, a RegExp or a function');
}

/**
 * masked(inner, mask): `inner` sees only the tensors selected by `mask` (its kernels run over their
 * contiguous runs, reductions such as a global norm cover only them); the other updates pass through
 * unchanged. Masks nest. The inner state keeps full-layout buffers (unselected parts stay zero).
 */
export function masked(inner: GradientTransformation, mask: Mask): GradientTransformation {
  if (!inner || typeof inner.update !== 'function') throw new HyperparameterError('inner must be a GradientTransformation');
  const sel = maskPredicate(mask);
  const check = (u: Parameters<GradientTransformation['update']>[0], s: TransformState, p?: Parameters<GradientTransformation['update']>[2]) => {
    checkUpdates(u, s, p);
    if (s.kind !== 'masked') throw new StateError(`state is for ${s.kind}, this transformation is masked`);
    inner.check?.(u, s.inner[0]!, p);
  };
  return {
    kind: 'masked',
    init(params, runs) {
      const r = runs ?? allRuns(requireParamSet(params));
      return new TransformState('masked', params, r, {}, [], [inner.init(params, selectRuns(params, sel, r))]);
    },
    check,
    update(u, s, p) { check(u, s, p); inner.update(u, s.inner[0]!, p); },
  };
}
