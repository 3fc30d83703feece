// Recent schedules: warmup-stable-decay, REX, linear decay to zero, and the schedule refined from the
// gradient norms of a previous run (Defazio et al. 2023).
import type { Engine } from '../engine/engine.js';
import { valueText, HyperparameterError } from '../errors.js';
import { checkStep, finite, integer, oneOf, PI, type Schedule, scheduleArgs } from './common.js';

/**
 * Options of `warmupStableDecay` (linear warmup to peak, a constant phase, then a decay to the end value);
 * unset fields take the defaults stated on each.
 */
export interface WarmupStableDecayOptions {
  /** lr at step 0 (default 0). */
  init?: number;
  peak: number;
  /** lr at the end of the decay and after it (default 0). */
  end?: number;
  warmupSteps: number;
  stableSteps: number;
  decaySteps: number;
  /** Shape of the decay (cool-down) phase (default 'linear'). */
  decayShape?: 'linear' | 'cosine' | '1-sqrt';
}

/**
 * Warmup-stable-decay ("trapezoidal"; Zhai et al. 2022, Hägele et al. 2024). With W, S, D the phase
 * lengths:
 *   step < W:          init + (peak − init)·step/W
 *   W ≤ step < W + S:  peak
 *   otherwise:         end + (peak − end)·f(x), x = min(step − W − S, D)/D,
 * f(x) = 1 − x (linear), ½(1 + cos πx) (cosine) or 1 − √x (1-sqrt).
 */
export function warmupStableDecay(engine: Engine, o: WarmupStableDecayOptions): Schedule {
  scheduleArgs(engine, o);
  const init = finite('init', o.init ?? 0), peak = finite('peak', o.peak), end = finite('end', o.end ?? 0);
  const w = integer('warmupSteps', o.warmupSteps, 0), s = integer('stableSteps', o.stableSteps, 0), d = integer('decaySteps', o.decaySteps);
  const shape = oneOf('decayShape', o.decayShape ?? 'linear', ['linear', 'cosine', '1-sqrt'] as const);
  const f = shape === 'linear' ? (x: number) => 1 - x
    : shape === 'cosine' ? (x: number) => 0.5 * (1 + engine.cos(PI * x)) : (x: number) => 1 - engine.sqrt(x);
  return (step) => {
    if (checkStep(step, engine) < w) return init + ((peak - init) * step) / w;
    if (step < w + s) return peak;
    return end + (peak - end) * f(Math.min(step - w - s, d) / d);
  };
}

/**
 * REX, the reflected-exponential profile (Chen, Wolfe & Kyrillidis 2021, "REX: Revisiting Budgeted
 * Training with an Improved Schedule"): with z = 1 − min(step, T)/T,
 *   lr = end + (init − end) · z / (½ + ½·z),
 * flat early and steep at the end (init at step 0, end from step T on).
 */
export function rexSchedule(engine: Engine, o: { init: number; totalSteps: number; end?: number }): Schedule {
  scheduleArgs(engine, o);
  const init = finite('init', o.init), t = integer('totalSteps', o.totalSteps), end = finite('end', o.end ?? 0);
  return (step) => {
    const z = 1 - Math.min(checkStep(step, engine), t) / t;
    return end + ((init - end) * z) / (0.5 + 0.5 * z);
  };
}

/**
 * Linear decay to zero (Bergsma et al. 2025, "Straight to Zero"), after an optional linear warm-up
 * from 0: with W warm-up steps and D = totalSteps − W,
 *   step < W: init · step/W;   otherwise init · ((D − c)/D), c = min(step − W, D),
 * so the lr is exactly 0 from step totalSteps on (one rounding per value).
 */
export function linearDecayToZero(engine: Engine, o: { init: number; totalSteps: number; warmupSteps?: number }): Schedule {
  scheduleArgs(engine, o);
  const init = finite('init', o.init), t = integer('totalSteps', o.totalSteps), w = integer('warmupSteps', o.warmupSteps ?? 0, 0);
  if (w >= t) throw new HyperparameterError(`warmupSteps (${w}) must be less than totalSteps (${t})`);
  const d = t - w;
  return (step) => {
    if (checkStep(step, engine) < w) return (init * step) / w;
    return init * ((d - Math.min(step - w, d)) / d);
  };
}

/** Median of each odd window of `width` centred on i, indices clamped to [0, n) (scipy's mode 'nearest'). */
function medianFilter(x: Float64Array, width: number): Float64Array {
  const n = x.length, h = (width - 1) / 2, out = new Float64Array(n);
  if (width === 1) { out.set(x); return out; }
  const at = (i: number) => x[Math.min(Math.max(i, 0), n - 1)]!;
  const win: number[] = [];
  const find = (v: number) => { let lo = 0, hi = win.length; while (lo < hi) { const m = (lo + hi) >> 1; if (win[m]! < v) lo = m + 1; else hi = m; } return lo; };
  for (let i = -h; i <= h; i++) { const v = at(i); win.splice(find(v), 0, v); }
  for (let i = 0; i < n; i++) {
    out[i] = win[h]!;
    win.splice(find(at(i - h)), 1);
    const v = at(i + h + 1); win.splice(find(v), 0, v);
  }
  return out;
}

/**
 * The schedule refined from the gradient norms of a previous run (Defazio, Cutkosky, Mehta &
 * Mishchenko 2023, "When, Why and How Much? Adaptive Learning Rate Scheduling by Refinement",
 * Algorithm 1, the SGD form). Given the norms g_1..g_T recorded at every step of a run of T steps:
 *   ĝ = median_filter(g, filterWidth)            (optional smoothing; width 1 = none)
 *   w_t = ĝ_t^−2 · Σ_{p=t+1..T} ĝ_p^−2
 *   lr at step t−1 = init · w_t / max_s w_s,
 * so the last step gets 0, and steps ≥ T hold 0. The norms are divided by their maximum first (the
 * schedule is scale-invariant), which makes constant norms give exactly
 * `linearDecayToZero({ init, totalSteps: T − 1 })`. The T values are computed once, here.
 */
export function refinedSchedule(engine: Engine, o: { init: number; gradNorms: ArrayLike<number>; filterWidth?: number }): Schedule {
  scheduleArgs(engine, o);
  const init = finite('init', o.init);
  if (o.gradNorms == null || typeof o.gradNorms.length !== 'number' || o.gradNorms.length < 2) {
    throw new HyperparameterError('gradNorms must hold at least 2 gradient norms');
  }
  const n = o.gradNorms.length, width = integer('filterWidth', o.filterWidth ?? 1);
  if (width % 2 === 0) throw new HyperparameterError(`filterWidth must be odd, got ${width}`);
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = o.gradNorms[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new HyperparameterError(`gradNorms[${i}] must be a finite positive number, got ${valueText(v)}`);
    g[i] = v;
  }
  const gh = medianFilter(g, width);
  let gmax = 0;
  for (let i = 0; i < n; i++) gmax = Math.max(gmax, gh[i]!);
  const a = gh.map((v) => { const r = v / gmax; return 1 / (r * r); });
  const w = new Float64Array(n);
  let tail = 0, wmax = 0;
  for (let i = n - 1; i >= 0; i--) { w[i] = a[i]! * tail; tail += a[i]!; wmax = Math.max(wmax, w[i]!); }
  const lr = w.map((v) => init * (v / wmax));
  return (step) => lr[Math.min(checkStep(step, engine), n - 1)]!;
}
