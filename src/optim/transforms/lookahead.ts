// optax.lookahead, in place on one set of (fast) parameters.
import { requireParamSet } from '../../params.js';
import { valueText, checkRange, HyperparameterError, StateError } from '../../errors.js';
import { allRuns, checkUpdates, forRuns, txOptions, TransformState, type GradientTransformation } from './base.js';

/**
 * Options of `optax.lookahead`: every syncPeriod steps the slow weights move by alpha toward the fast ones,
 * φ ← φ + α·(θ − φ), and θ ← φ.
 */
export interface LookaheadOptions { syncPeriod: number; alpha: number }

/**
 * lookahead(inner, {syncPeriod: k, alpha: α}) (Zhang et al. 2019, "Lookahead Optimizer: k steps
 * forward, 1 step back"): the parameters are the fast weights, the state keeps the slow weights φ
 * (initialised to the parameters). Every update runs `inner`; on every k-th one the update becomes
 *   φ ← φ + α·((p + u) − φ);  u ← φ − p
 * so that applyUpdates moves the fast weights onto the new slow weights (up to the rounding of that
 * one f32 addition; the Lookahead wrapper for torch-style optimizers writes φ exactly). Updates
 * must be applied unchanged after it (as optax warns). Needs the parameters. State: slow
 * (4 bytes/param), count, inner state.
 */
export function lookahead(inner: GradientTransformation, opts: LookaheadOptions): GradientTransformation {
  if (!inner || typeof inner.update !== 'function') throw new HyperparameterError('inner must be a GradientTransformation');
  opts = txOptions('lookahead', opts, ['syncPeriod', 'alpha']);
  const k = checkRange('syncPeriod', opts.syncPeriod, 1, 2 ** 31);
  if (!Number.isInteger(k)) throw new HyperparameterError(`syncPeriod must be an integer, got ${valueText(k)}`);
  const alpha = checkRange('alpha', opts.alpha, 0, 1);
  const kind = 'lookahead';
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
      let s: TransformState;
      try { s = new TransformState(kind, params, r, { count: 0 }, ['slow'], [i]); } catch (e) { i.free(); throw e; }
      s.buffers.slow!.array.set(params.data.array);
      return s;
    },
    check,
    update(u, s, p) {
      check(u, s, p);
      const ps = p ?? s.params, e = ps.engine;
      inner.update(u, s.inner[0]!, p);
      const c = s.scalars.count! + 1;
      s.scalars.count = c;
      if (c % k !== 0) return;
      const slow = s.buffers.slow!.ptr;
      forRuns(s, (o, n) => e.run('tx_lookahead_f32', n, [u.ptr + o, ps.data.ptr + o, slow + o, alpha]));
    },
  };
}
