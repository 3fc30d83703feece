// Shared pieces of the schedule factories: the Schedule type and parameter/step validation.
import { requireEngine } from '../engine/engine.js';
import { valueText, requireObject } from '../errors.js';
import { checkRange, HyperparameterError } from '../errors.js';

/** A schedule: a pure function of the number of steps taken so far (0 for the first step). */
export type Schedule = (step: number) => number;

export const PI = 3.141592653589793;

/**
 * Throws HyperparameterError unless `step` is a non-negative integer; with `engine` (the schedules made
 * on an engine), DisposedError first once that engine was disposed.
 */
export function checkStep(step: number, engine?: { checkLive(): void }): number {
  engine?.checkLive();
  if (!Number.isInteger(step) || step < 0) throw new HyperparameterError(`step must be a non-negative integer, got ${valueText(step)}`);
  return step;
}
export const finite = (name: string, v: number) => checkRange(name, v, -Infinity, Infinity);
export const positive = (name: string, v: number) => checkRange(name, v, 0, Infinity, true);
export const nonNegative = (name: string, v: number) => checkRange(name, v, 0, Infinity);
/** An integer ≥ min (default 1). */
export function integer(name: string, v: number, min = 1): number {
  checkRange(name, v, min, Infinity);
  if (!Number.isInteger(v)) throw new HyperparameterError(`${name} must be an integer, got ${valueText(v)}`);
  return v;
}
/** One of the allowed string values. */
export function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new HyperparameterError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${valueText(v)}`);
  return v as T;
}

/** The engine and options object every schedule factory takes (InvalidArgumentError otherwise). */
export function scheduleArgs(engine: unknown, o: unknown): void {
  requireEngine(engine);
  requireObject('schedule options', o);
}
