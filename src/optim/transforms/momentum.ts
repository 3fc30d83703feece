// trace (momentum) and ema of updates (optax).
import { checkRange } from '../../errors.js';
import { requireBool } from '../base.js';
import { forRuns, transformation, txOptions, TransformState, type GradientTransformation } from './base.js';

/** Options of `optax.traceMomentum` (t = decay·t + g; with Nesterov the update is g + decay·t). */
export interface TraceOptions { decay: number; nesterov?: boolean }

/**
 * optax.trace (heavy-ball momentum, Polyak 1964; Nesterov 1983 with `nesterov`):
 *   t ← u + d·t;  u ← nesterov ? u + d·t : t.
 * With scaleByLearningRate after it this is torch's SGD momentum with dampening 0, bit for bit.
 * State: trace (4 bytes/param).
 */
export function traceMomentum(options: TraceOptions): GradientTransformation {
  const opts = txOptions('traceMomentum', options, ['decay', 'nesterov']);
  const d = checkRange('decay', opts.decay, 0, Infinity);
  const nesterov = requireBool('nesterov', opts.nesterov ?? false);
  return transformation('trace', {
    init: (p, r) => new TransformState('trace', p, r, {}, ['trace']),
    apply(u, s, ps) {
      const t = s.buffers.trace!.ptr;
      forRuns(s, (o, n) => ps.engine.run('tx_trace_f32', n, [u.ptr + o, t + o, d, nesterov ? 1 : 0]));
    },
  });
}

/** Options of `optax.ema` (u = decay·u + (1 − decay)·g, debiased by 1 − decay^t unless debias is false). */
export interface EmaOptions { decay: number; debias?: boolean }

/**
 * optax.ema (an exponential moving average of the updates), t = count + 1:
 *   e ← (1−d)·u + d·e;  u ← debias ? e / (1 − dᵗ) : e.
 * Default debias = true (then d < 1). State: ema (4 bytes/param), count.
 */
export function ema(options: EmaOptions): GradientTransformation {
  const opts = txOptions('ema', options, ['decay', 'debias']);
  const debias = requireBool('debias', opts.debias ?? true);
  const d = checkRange('decay', opts.decay, 0, 1, false, debias);
  return transformation('ema', {
    init: (p, r) => new TransformState('ema', p, r, { count: 0 }, ['ema']),
    apply(u, s, ps) {
      const e = ps.engine, t = s.scalars.count! + 1, bc = debias ? 1 - e.pow(d, t) : 1;
      const m = s.buffers.ema!.ptr;
      forRuns(s, (o, n) => e.run('tx_ema_f32', n, [u.ptr + o, m + o, d, 1 - d, bc, debias ? 1 : 0]));
      s.scalars.count = t;
    },
  });
}
