// One validator for option names and for the f32 range of numbers that go to the kernels, shared by
// every optimizer (constructor options, set(), loaded state) so that a typo such as `momentun` or
// `weight_decay` is rejected with the name, the nearest accepted one and the full list, never kept.
import { HyperparameterError } from './errors.js';

/** Largest finite f32. */
export const F32_MAX = 3.4028234663852886e38;
/** Smallest positive normal f32 (2^-126). */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

const norm = (s: string): string => s.replace(/[_\-\s]/g, '').toLowerCase();

/** Edit distance with adjacent transpositions (`roh` → `rho` is 1); small strings only: option and tensor names. */
function distance(a: string, b: string): number {
  let pp: number[] = [], prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, pp[j - 2]! + 1);
      cur[j] = d;
    }
    pp = prev; prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The accepted name nearest to `name` (case, `_` and `-` ignored: `weight_decay` → `weightDecay`),
 * or undefined when none is close (more than a third of the name differs).
 */
export function nearest(name: string, accepted: readonly string[]): string | undefined {
  const n = norm(name);
  let best: string | undefined, bd = Infinity;
  for (const a of accepted) {
    const d = distance(n, norm(a));
    if (d < bd) { bd = d; best = a; }
  }
  return best !== undefined && bd <= Math.max(1, Math.floor(n.length / 3)) ? best : undefined;
}

/** " (did you mean `x`?)" or "". */
export function didYouMean(name: string, accepted: readonly string[]): string {
  const s = nearest(name, accepted);
  return s === undefined ? '' : ` (did you mean \`${s}\`?)`;
}

/**
 * Throws HyperparameterError naming the first key of `given` that is not in `accepted`, the nearest
 * accepted name and the whole list. `what` says where (e.g. "SGD option", "AdamW hyperparameter").
 */
export function checkKnownKeys(what: string, given: object, accepted: readonly string[]): void {
  const ok = new Set(accepted);
  for (const k of Object.keys(given)) {
    if (!ok.has(k)) {
      throw new HyperparameterError(`unknown ${what} \`${k}\`${didYouMean(k, accepted)}; accepted: ${[...accepted].sort().join(', ')}`);
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
