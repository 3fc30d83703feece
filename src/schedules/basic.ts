// Optax-style schedules: constant, polynomial/linear, exponential, cosine, joins, warm-up + cosine and
// piecewise constant. Pure functions of the step; transcendentals from the engine's wasm math.
import type { Engine } from '../engine/engine.js';
import { valueText, checkRange, HyperparameterError, requireObject } from '../errors.js';
import { checkStep, finite, positive, PI, type Schedule, scheduleArgs } from './common.js';

/** v */
export function constantSchedule(value: number): Schedule {
  finite('value', value);
  return (step) => (checkStep(step), value);
}

/**
 * (init − end)·(1 − c/T)^power + end with c = clip(step − begin, 0, T) (optax polynomial_schedule).
 */
export function polynomialSchedule(engine: Engine, o: { init: number; end: number; power: number; transitionSteps: number; transitionBegin?: number }): Schedule {
  scheduleArgs(engine, o);
  finite('init', o.init); finite('end', o.end); finite('power', o.power); positive('transitionSteps', o.transitionSteps);
  const begin = checkRange('transitionBegin', o.transitionBegin ?? 0, 0, Infinity);
  return (step) => {
    const c = Math.min(Math.max(checkStep(step, engine) - begin, 0), o.transitionSteps);
    const frac = 1 - c / o.transitionSteps;
    return (o.init - o.end) * (o.power === 1 ? frac : engine.pow(frac, o.power)) + o.end;
  };
}

/** Linear from init to end over transitionSteps (after transitionBegin), then constant. */
export function linearSchedule(engine: Engine, o: { init: number; end: number; transitionSteps: number; transitionBegin?: number }): Schedule {
  scheduleArgs(engine, o);
  return polynomialSchedule(engine, { ...o, power: 1 });
}

/**
 * init · rate^p with p = (step − begin)/transitionSteps (floored when staircase), init before begin,
 * bounded by endValue when given (optax exponential_decay).
 */
export function exponentialDecay(engine: Engine, o: { init: number; transitionSteps: number; decayRate: number; transitionBegin?: number; staircase?: boolean; endValue?: number }): Schedule {
  scheduleArgs(engine, o);
  finite('init', o.init); positive('transitionSteps', o.transitionSteps); positive('decayRate', o.decayRate);
  const begin = checkRange('transitionBegin', o.transitionBegin ?? 0, 0, Infinity);
  if (o.endValue !== undefined) finite('endValue', o.endValue);
  return (step) => {
    const c = checkStep(step, engine) - begin;
    if (c <= 0) return o.init;
    const p = o.staircase ? Math.floor(c / o.transitionSteps) : c / o.transitionSteps;
    let v = o.init * engine.pow(o.decayRate, p);
    if (o.endValue !== undefined) v = o.decayRate < 1 ? Math.max(v, o.endValue) : Math.min(v, o.endValue);
    return v;
  };
}

/** init · ((1 − α)·(½(1 + cos(π·min(step, T)/T)))^exponent + α) (optax cosine_decay_schedule). */
export function cosineDecay(engine: Engine, o: { init: number; decaySteps: number; alpha?: number; exponent?: number }): Schedule {
  scheduleArgs(engine, o);
  finite('init', o.init); positive('decaySteps', o.decaySteps);
  const alpha = checkRange('alpha', o.alpha ?? 0, -Infinity, Infinity), exponent = checkRange('exponent', o.exponent ?? 1, 0, Infinity, true);
  return (step) => {
    const c = Math.min(checkStep(step, engine), o.decaySteps);
    const cosine = 0.5 * (1 + engine.cos((PI * c) / o.decaySteps));
    return o.init * ((1 - alpha) * (exponent === 1 ? cosine : engine.pow(cosine, exponent)) + alpha);
  };
}

/** Piecewise schedules: schedules[i] runs from boundaries[i−1], counting its own steps from 0 (optax join_schedules). */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  if (schedules.length !== boundaries.length + 1) throw new HyperparameterError('joinSchedules needs one more schedule than boundaries');
  boundaries.forEach((b, i) => { if (!Number.isInteger(b) || b < 0 || (i > 0 && b < boundaries[i - 1]!)) throw new HyperparameterError(`boundaries must be non-decreasing integers, got ${valueText(boundaries)}`); });
  return (step) => {
    checkStep(step);
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]!) i++;
    return schedules[i]!(i === 0 ? step : step - boundaries[i - 1]!);
  };
}

/** Linear warm-up from init to peak over warmupSteps, then cosine decay to end at decaySteps (optax warmup_cosine_decay_schedule). */
export function warmupCosineDecay(engine: Engine, o: { init: number; peak: number; warmupSteps: number; decaySteps: number; end?: number; exponent?: number }): Schedule {
  scheduleArgs(engine, o);
  finite('peak', o.peak);
  const end = o.end ?? 0;
  checkRange('warmupSteps', o.warmupSteps, 0, Infinity);
  if (!(o.decaySteps > o.warmupSteps)) throw new HyperparameterError(`decaySteps (${o.decaySteps}) must exceed warmupSteps (${o.warmupSteps})`);
  if (o.peak === 0) throw new HyperparameterError('peak must be non-zero');
  const cos = cosineDecay(engine, { init: o.peak, decaySteps: o.decaySteps - o.warmupSteps, alpha: end / o.peak, exponent: o.exponent ?? 1 });
  if (o.warmupSteps === 0) return cos;
  return joinSchedules([linearSchedule(engine, { init: o.init, end: o.peak, transitionSteps: o.warmupSteps }), cos], [o.warmupSteps]);
}

/** Multiply init by scales[k] at each boundary k passed (torch MultiStepLR / optax piecewise_constant_schedule). */
export function piecewiseConstant(o: { init: number; boundariesAndScales: Record<number, number> }): Schedule {
  requireObject('schedule options', o);
  finite('init', o.init);
  const entries = Object.entries(o.boundariesAndScales).map(([b, s]) => [Number(b), finite(`scale at ${b}`, s)] as const).sort((a, b) => a[0] - b[0]);
  return (step) => {
    checkStep(step);
    let v = o.init;
    for (const [b, s] of entries) if (step >= b) v *= s;
    return v;
  };
}
