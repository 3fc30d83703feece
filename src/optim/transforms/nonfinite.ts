// Non-finite guards (optax apply_if_finite / zero_nans, in place).
import { requireParamSet } from '../../params.js';
import { HyperparameterError, StateError } from '../../errors.js';
import { allRuns, checkUpdates, forRuns, identity, reduceRuns, TransformState, type GradientTransformation } from './base.js';

/**
 * skipNonFinite(inner): count the non-finite (NaN, ±Inf) entries of the incoming updates; if there
 * are any, the step is skipped: the updates become 0 (applyUpdates then leaves the parameters as
 * they are), `inner` is not run and its state stays exactly as it was, and scalars.skipped grows by
 * one. Otherwise `inner` runs. scalars.nonFinite holds the count of the last update. Put the whole
 * optimizer inside: skipNonFinite(chain(scaleByAdam(), scaleByLearningRate(lr))).
 */
export function skipNonFinite(inner: GradientTransformation = identity()): GradientTransformation {
  if (!inner || typeof inner.update !== 'function') throw new HyperparameterError('inner must be a GradientTransformation');
  const check = (u: Parameters<GradientTransformation['update']>[0], s: TransformState, p?: Parameters<GradientTransformation['update']>[2]) => {
    checkUpdates(u, s, p);
    if (s.kind !== 'skip_non_finite') throw new StateError(`state is for ${s.kind}, this transformation is skip_non_finite`);
    inner.check?.(u, s.inner[0]!, p);
  };
  return {
    kind: 'skip_non_finite',
    init(params, runs) {
      const r = runs ?? allRuns(requireParamSet(params));
      return new TransformState('skip_non_finite', params, r, { skipped: 0, nonFinite: 0 }, [], [inner.init(params, r)]);
    },
    check,
    update(u, s, p) {
      check(u, s, p);
      const e = s.params.engine;
      const bad = reduceRuns(e, u, s.runs, 'nonfinite_partials');
      s.scalars.nonFinite = bad;
      if (bad > 0) {
        forRuns(s, (o, n) => e.run('fill_f32', n, [u.ptr + o, 0]));
        s.scalars.skipped!++;
        return;
      }
      inner.update(u, s.inner[0]!, p);
    },
  };
}

/**
 * zeroNonFinite(): replace every NaN/±Inf entry of the updates by 0 (optax.zero_nans, extended to
 * infinities). scalars.zeroed counts all entries replaced so far, scalars.last those of the last update.
 */
export function zeroNonFinite(): GradientTransformation {
  const kind = 'zero_non_finite';
  const check = (u: Parameters<GradientTransformation['update']>[0], s: TransformState, p?: Parameters<GradientTransformation['update']>[2]) => {
    checkUpdates(u, s, p);
    if (s.kind !== kind) throw new StateError(`state is for ${s.kind}, this transformation is ${kind}`);
  };
  return {
    kind,
    init: (params, runs) => new TransformState(kind, params, runs ?? allRuns(requireParamSet(params)), { zeroed: 0, last: 0 }),
    check,
    update(u, s, p) {
      check(u, s, p);
      const e = s.params.engine;
      const bad = reduceRuns(e, u, s.runs, 'nonfinite_partials');
      if (bad > 0) forRuns(s, (o, n) => e.run('tx_zero_nonfinite_f32', n, [u.ptr + o]));
      s.scalars.last = bad;
      s.scalars.zeroed! += bad;
    },
  };
}
