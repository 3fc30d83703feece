// One validator for option names and for the f32 range of numbers that go to the kernels, shared by
// every optimizer (constructor options, set(), loaded state) so that a typo such as `momentun` or
// `weight_decay` is rejected with the name, the nearest accepted one and the full list, never kept.
import { HyperparameterError, suggest } from './errors.js';

export { nearest, suggest } from './errors.js';

/** Largest finite f32. */
export const F32_MAX = 3.4028234663852886e38;
/** Smallest positive normal f32 (2^-126). */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * Throws HyperparameterError naming the first key of `given` that is not in `accepted`, the nearest
 * accepted name and the whole list. `what` says where (e.g. "SGD option", "AdamW hyperparameter").
 */
export function checkKnownKeys(what: string, given: object, accepted: readonly string[]): void {
  const ok = new Set(accepted);
  for (const k of Object.keys(given)) {
    if (!ok.has(k)) {
      throw new HyperparameterError(`unknown ${what} ${JSON.stringify(k)}${suggest(k, [...accepted].sort())}`);
    }
  }
}

/**
 * Throws HyperparameterError when a finite number would not survive the conversion to f32 that the
 * kernels apply: |v| above the f32 maximum (it would become ±Infinity) or a non-zero |v| that rounds
 * to 0. Non-finite values are left to the caller's range checks (some options accept Infinity).
 */
export function checkF32(name: string, v: number): void {
  if (!Number.isFinite(v)) return;
  if (Math.abs(v) > F32_MAX) throw new HyperparameterError(`${name} must be within the f32 range (|${name}| ≤ ${F32_MAX}), got ${v}`);
  if (v !== 0 && Math.fround(v) === 0) throw new HyperparameterError(`${name} = ${v} rounds to 0 in f32 (the smallest positive f32 is 1.4e-45)`);
}
