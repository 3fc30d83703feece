// scale_by_rms and scale_by_stddev (optax).
import { checkRange } from '../../errors.js';
import { requireBool } from '../base.js';
import { forRuns, transformation, txOptions, TransformState, type GradientTransformation } from './base.js';

/**
 * Options of `optax.scaleByRms` (u = g/√(v + eps), or g/(√v + eps) with epsInSqrt false); defaults decay
 * 0.9, eps 1e-8, epsInSqrt true, initialScale 0.
 */
export interface ScaleByRmsOptions { decay?: number; eps?: number; epsInSqrt?: boolean; initialScale?: number }

/**
 * optax.scale_by_rms (RMSprop's preconditioner, Tieleman & Hinton 2012):
 *   v ← (1−d)·u² + d·v;  u ← u / √(v + ε)   (epsInSqrt, default)   or   u / (√v + ε).
 * optax multiplies by rsqrt(v + ε), which XLA does not round correctly; here u is divided by the
 * correctly rounded square root (the same in every runtime). v starts at initialScale.
 * Defaults d = 0.9, ε = 1e-8, initialScale = 0. State: nu (4 bytes/param).
 */
export function scaleByRms(options?: ScaleByRmsOptions): GradientTransformation {
  const opts = txOptions('scaleByRms', options, ['decay', 'eps', 'epsInSqrt', 'initialScale']);
  const d = checkRange('decay', opts.decay ?? 0.9, 0, 1);
  const eps = checkRange('eps', opts.eps ?? 1e-8, 0, Infinity);
  const inSqrt = requireBool('epsInSqrt', opts.epsInSqrt ?? true);
  const init = checkRange('initialScale', opts.initialScale ?? 0, 0, Infinity);
  return transformation('scale_by_rms', {
    init(p, r) {
      const s = new TransformState('scale_by_rms', p, r, {}, ['nu']);
      if (init !== 0) s.buffers.nu!.array.fill(init);
      return s;
    },
    apply(u, s, ps) {
      const v = s.buffers.nu!.ptr;
      forRuns(s, (o, n) => ps.engine.run('tx_rms_f32', n, [u.ptr + o, v + o, d, 1 - d, eps, inSqrt ? 1 : 0]));
    },
  });
}

/** Options of `optax.scaleByStddev` (u = g/√(v − m² + eps)); defaults decay 0.9, eps 1e-8, initialScale 0. */
export interface ScaleByStddevOptions { decay?: number; eps?: number; initialScale?: number }

/**
 * optax.scale_by_stddev (centered RMSprop's preconditioner):
 *   m ← (1−d)·u + d·m;  v ← (1−d)·u² + d·v;  u ← u / √(v − m² + ε)
 * (division by the correctly rounded sqrt instead of optax's rsqrt). State: mu, nu (8 bytes/param).
 */
export function scaleByStddev(options?: ScaleByStddevOptions): GradientTransformation {
  const opts = txOptions('scaleByStddev', options, ['decay', 'eps', 'initialScale']);
  const d = checkRange('decay', opts.decay ?? 0.9, 0, 1);
  const eps = checkRange('eps', opts.eps ?? 1e-8, 0, Infinity);
  const init = checkRange('initialScale', opts.initialScale ?? 0, 0, Infinity);
  return transformation('scale_by_stddev', {
    init(p, r) {
      const s = new TransformState('scale_by_stddev', p, r, {}, ['mu', 'nu']);
      if (init !== 0) s.buffers.nu!.array.fill(init);
      return s;
    },
    apply(u, s, ps) {
      const m = s.buffers.mu!.ptr, v = s.buffers.nu!.ptr;
      forRuns(s, (o, n) => ps.engine.run('tx_stddev_f32', n, [u.ptr + o, m + o, v + o, d, 1 - d, eps]));
    },
  });
}
