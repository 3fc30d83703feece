// add_decayed_weights (optax) and the three weight-decay placements.
import { checkRange } from '../../errors.js';
import { forRuns, txOptions, requireSchedulable, type ScalarOrSchedule, transformation, TransformState, valueAt, type GradientTransformation } from './base.js';
import { masked, type Mask } from './masked.js';

const finite = (name: string, x: number) => { checkRange(name, x, -Infinity, Infinity); };

/**
 * u ← u + λ·p (optax.add_decayed_weights), λ a number or a schedule of the count, optionally only on
 * the tensors selected by `mask`. Where it goes in a chain decides the kind of weight decay:
 *   coupled (L2, torch Adam's weight_decay):  chain(addDecayedWeights(λ), scaleByAdam(), scaleByLearningRate(lr))
 *   decoupled (AdamW, Loshchilov & Hutter 2019; decay scaled by lr):
 *                                             chain(scaleByAdam(), addDecayedWeights(λ), scaleByLearningRate(lr))
 *   lr-independent (p ← p − λ·p each step whatever the lr):
 *                                             chain(scaleByAdam(), scaleByLearningRate(lr), addDecayedWeights(−λ))
 * Needs the parameters. State: count.
 */
export function addDecayedWeights(weightDecay: ScalarOrSchedule, options?: { mask?: Mask }): GradientTransformation {
  const opts = txOptions('addDecayedWeights', options, ['mask']);
  const wd = requireSchedulable('weightDecay', weightDecay, finite);
  const t = transformation('add_decayed_weights', {
    init: (p, r) => new TransformState('add_decayed_weights', p, r, { count: 0 }),
    check: (s) => { valueAt('weightDecay', wd, s.scalars.count!, finite); },
    apply(u, s, ps) {
      const a = valueAt('weightDecay', wd, s.scalars.count!, finite);
      if (a !== 0) forRuns(s, (o, n) => ps.engine.run('axpy_f32', n, [a, ps.data.ptr + o, u.ptr + o]));
      s.scalars.count!++;
    },
  });
  return opts.mask === undefined ? t : masked(t, opts.mask);
}
