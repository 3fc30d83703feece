// Scaling transformations (optax scale, scale_by_learning_rate, scale_by_schedule, scale_by_sign).
import { checkRange, describe, HyperparameterError } from '../../errors.js';
import { forRuns, requireSchedulable, type ScalarOrSchedule, transformation, TransformState, valueAt, type GradientTransformation } from './base.js';

const finite = (name: string, x: number) => { checkRange(name, x, -Infinity, Infinity); };
const nonNegative = (name: string, x: number) => { checkRange(name, x, 0, Infinity); };

function scaleWith(kind: string, name: string, v: ScalarOrSchedule, sign: 1 | -1, check: (n: string, x: number) => void): GradientTransformation {
  const f = requireSchedulable(name, v, check);
  return transformation(kind, {
    init: (p, r) => new TransformState(kind, p, r, { count: 0 }),
    check: (s) => { valueAt(name, f, s.scalars.count!, check); },
    apply(u, s, ps) {
      const a = sign * valueAt(name, f, s.scalars.count!, check);
      forRuns(s, (o, n) => ps.engine.run('scale_f32', n, [u.ptr + o, a]));
      s.scalars.count!++;
    },
  });
}

/** u ← s·u (optax.scale; s may be a schedule of the count, then like optax.scale_by_schedule). State: count. */
export function scale(stepSize: ScalarOrSchedule): GradientTransformation {
  return scaleWith('scale', 'stepSize', stepSize, 1, finite);
}

/** u ← s(count)·u with s a schedule of the number of updates so far (optax.scale_by_schedule). */
export function scaleBySchedule(schedule: (count: number) => number): GradientTransformation {
  if (typeof schedule !== 'function') throw new HyperparameterError(`schedule must be a function of the count, got ${describe(schedule)}`);
  return scaleWith('scale_by_schedule', 'schedule', schedule, 1, finite);
}

/**
 * u ← −lr·u (optax.scale_by_learning_rate: the sign flip makes the result an update to add to the
 * parameters). lr ≥ 0, a number or a schedule of the count (0 on the first update). State: count.
 */
export function scaleByLearningRate(lr: ScalarOrSchedule): GradientTransformation {
  return scaleWith('scale_by_learning_rate', 'lr', lr, -1, nonNegative);
}

/** u ← sign(u) (optax.scale_by_sign): 1, −1, or u itself for ±0 and NaN. No state. */
export function scaleBySign(): GradientTransformation {
  return transformation('scale_by_sign', {
    init: (p, r) => new TransformState('scale_by_sign', p, r),
    apply(u, s, ps) { forRuns(s, (o, n) => ps.engine.run('tx_sign_f32', n, [u.ptr + o])); },
  });
}
