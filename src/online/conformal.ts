// Online conformal prediction (kernels in assembly/online/conformal.ts): intervals [ŷ − q_t, ŷ + q_t]
// around the forecasts of any point forecaster, with the radius q_t learned online from the scores
// s_t = |y_t − ŷ_t| (or any non-negative nonconformity score) so that the long-run fraction of covered
// rounds tracks 1 − α under arbitrary distribution shift:
//   ACI    adaptive conformal inference (Gibbs & Candès 2021): α_{t+1} = α_t + γ(α − err_t), q_t the
//          empirical ⌈(1 − α_t)(n + 1)⌉/n quantile of the last n ≤ window scores (∞ when α_t is too
//          small for the window: the whole line). |coverage − (1 − α)| ≤ (max(α, 1 − α) + γ)/(γT).
//   SFOGD  scale-free OGD on the pinball loss (Bhatnagar et al. 2023): q ← max(0, q − D·∇_t/√Σ∇²).
//   SAOCP  strongly adaptive online conformal prediction (Bhatnagar et al. 2023, Alg. 2): SF-OGD experts
//          started every round with lifetimes g·2^{v(t)} (Hazan & Seshadhri's geometric covering),
//          aggregated by coin betting (Jun et al. 2017's CBCE): low regret on every interval at once,
//          so it recovers from a shift within a few lifetimes instead of the whole history.
// Protocol: predict() → q_t; interval(forecast) → [ŷ − q_t, ŷ + q_t]; update(y, { forecast }) or
// update(score) → whether the round was covered; running `coverage`, `meanWidth` (of the finite
// intervals, 2q) and `infiniteIntervals`.
import type { Engine } from '../engine/engine.js';
import { describe, InvalidArgumentError, StateError } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { OnlineLearner, HEADER } from './learner.js';
import { finiteNumber, onlineEngine, optInt, optNumber } from './input.js';

const STATS = 6;
const SLOT = 6;
/** SAOCP's expert slots: at most ⌈g/2⌉ live experts per level v of the 2-adic valuation, 54 levels (t < 2^53). */
const alphaOf = (name: string, v: unknown): number => optNumber(name, 'alpha', v, 0.1, 0, 1, true, true);
const slotsFor = (g: number): number => Math.ceil(g / 2) * 54;

/** Options shared by the online conformal predictors (ACI, SFOGD, SAOCP); unset fields take the defaults stated on each. */
export interface ConformalOptions {
  /** α, the target miscoverage: intervals should cover a fraction 1 − α of the rounds. Default 0.1. */
  alpha?: number;
}
/** Options of `online.ACI` (adaptive conformal inference, Gibbs & Candès 2021: α_{t+1} = α_t + γ·(α − err_t), q_t the empirical quantile of the last `window` scores). */
export interface ACIOptions extends ConformalOptions {
  /** γ, the step of α_t. Default 0.005 (Gibbs & Candès). */
  gamma?: number;
  /** Number of recent scores whose quantile is the radius. Default 1000. */
  window?: number;
}
/** Options of `online.SFOGD` (scale-free OGD on the pinball loss: q ← max(0, q − D·∇_t/√Σ∇²)). */
export interface SFOGDOptions extends ConformalOptions {
  /** D, the scale of the scores (the step is D/√Σ∇²). Default 0: the largest score seen so far. */
  scale?: number;
  /** q_1, the first radius. Default 0. */
  initial?: number;
}
/** Options of `online.SAOCP` (strongly adaptive online conformal prediction: SF-OGD experts on geometric lifetimes, aggregated by coin betting). */
export interface SAOCPOptions extends SFOGDOptions {
  /** g, the lifetime multiplier: the expert started at round t lives g·2^{v(t)} rounds. Default 8. */
  lifetime?: number;
}

abstract class Conformal extends OnlineLearner {
  readonly #method: number;
  /** @internal */ protected readonly cap: number;
  /** @internal */ protected readonly alpha: number;
  /** @internal p1, p2 of the kernel */ protected readonly par: [number, number];
  #last = false;

  /** @internal */
  constructor(engine: Engine, method: number, alpha: number, blockLen: number, cap: number, par: [number, number], q0: number) {
    super(engine, 1, null, STATS + blockLen, 1, 1);
    this.#method = method; this.cap = cap; this.par = par; this.alpha = alpha;
    engine.kernel('on_conformal_init')(method, this.st.ptr, alpha, q0);
  }

  /** The radius q_t of the next interval (a copy; Infinity when ACI's level exceeds its window). */
  predict(): number {
    this.live();
    this.noArgs('predict', [...arguments]);
    return this.engine.kernel('on_conformal_radius')(this.#method, this.st.ptr, this.cap);
  }

  /** The interval [forecast − q_t, forecast + q_t] for the next round. */
  interval(forecast: number): [number, number] {
    this.live();
    this.noArgs('interval', [...arguments].slice(1), 1);
    const f = finiteNumber('forecast', forecast);
    const q = this.predict();
    return [f - q, f + q];
  }

  /** update(y, { forecast }): the outcome and the point forecast made for it; update(score): a score ≥ 0. Returns whether the round was covered. */
  update(score: number): boolean;
  update(y: number, info: { forecast: number }): boolean;
  update(a: number, info?: { forecast: number }): boolean {
    this.live();
    this.noArgs('update', [...arguments].slice(2), 2);
    let s: number;
    if (info !== undefined) {
      if (info === null || typeof info !== 'object') throw new InvalidArgumentError(`${this.learnerName}.update(y, info) needs info = { forecast: the point forecast }, got ${describe(info)}`);
      checkKnownKeys(`${this.learnerName}.update info key`, info, ['forecast']);
      const y = finiteNumber('y', a), f = finiteNumber('forecast', info.forecast);
      s = Math.abs(y - f);
    } else {
      s = finiteNumber('score', a);
      if (s < 0) throw new InvalidArgumentError(`${this.learnerName}.update(score) needs a score ≥ 0, got ${s} (or call update(y, { forecast }))`);
    }
    const r = this.guarded(() => this.engine.kernel('on_conformal_update')(this.#method, this.st.ptr, s, this.alpha, this.par[0], this.par[1], this.cap));
    if (r < 0) { this.st.array.set(this.backup!.array); throw new StateError(`${this.learnerName}: no free expert slot (capacity ${this.cap}); the learner is unchanged`); }
    this.#last = r === 1;
    return this.#last;
  }

  /** Whether the last update's round was covered. */
  get lastCovered(): boolean { return this.#last; }
  /** Fraction of the rounds so far whose outcome was inside its interval (NaN before the first). */
  get coverage(): number { this.live(); const a = this.st.array; return a[HEADER + 1]! / a[0]!; }
  /** Mean width 2q of the finite intervals so far (NaN if none). */
  get meanWidth(): number { this.live(); const a = this.st.array; return a[HEADER + 2]! / (a[0]! - a[HEADER + 3]!); }
  /** Number of rounds whose interval was the whole line (ACI only). */
  get infiniteIntervals(): number { this.live(); return this.st.array[HEADER + 3]!; }

  protected override checkRestored(state: Float64Array): void {
    const t = state[0]!, hits = state[HEADER + 1]!, inf = state[HEADER + 3]!;
    if (!Number.isInteger(hits) || hits < 0 || hits > t || !Number.isInteger(inf) || inf < 0 || inf > t || state[HEADER]! < 0 || state[HEADER + 2]! < 0 || state[HEADER + 4]! < 0 || state[HEADER + 5] !== 0) {
      throw new StateError(`${this.learnerName} state: running statistics out of range`);
    }
  }
}

/** Adaptive conformal inference (Gibbs & Candès 2021). */
export class ACI extends Conformal {
  static readonly learnerName = 'ACI';
  get learnerName(): string { return 'ACI'; }
  readonly #opts: { alpha: number; gamma: number; window: number };
  constructor(engine: Engine, options: ACIOptions = {}) {
    engine = onlineEngine(engine, 'ACI');
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidArgumentError(`ACI options must be an object, got ${describe(options)}`);
    checkKnownKeys('ACI option', options, ['alpha', 'gamma', 'window']);
    const gamma = optNumber('ACI', 'gamma', options.gamma, 0.005, 0, 1, true);
    const window = options.window === undefined ? 1000 : optInt('ACI', 'window', options.window, 1, 1 << 20);
    const alpha = alphaOf('ACI', options.alpha);
    super(engine, 0, alpha, 3 + 2 * window, window, [gamma, 0], 0);
    this.#opts = { alpha: this.alpha, gamma, window };
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }
  /** α_t, the working miscoverage level. */
  get alphaT(): number { this.live(); return this.st.array[HEADER + STATS]!; }
  protected override checkRestored(state: Float64Array): void {
    super.checkRestored(state);
    const m = HEADER + STATS, W = this.cap, n = state[m + 1]!, head = state[m + 2]!;
    if (!Number.isInteger(n) || n < 0 || n > W || !Number.isInteger(head) || head < 0 || head >= W || (n < W && head !== 0)) throw new StateError('ACI state: window count or head out of range');
    const sorted = state.subarray(m + 3 + W, m + 3 + W + n), ring = state.subarray(m + 3, m + 3 + n);
    const a = Float64Array.from(ring).sort();
    if (a.some((v, i) => v !== sorted[i] || v < 0)) throw new StateError('ACI state: the sorted window is not the window sorted');
  }
}

/** Scale-free online gradient descent on the pinball loss (SF-OGD). */
export class SFOGD extends Conformal {
  static readonly learnerName = 'SFOGD';
  get learnerName(): string { return 'SFOGD'; }
  readonly #opts: { alpha: number; scale: number; initial: number };
  constructor(engine: Engine, options: SFOGDOptions = {}) {
    engine = onlineEngine(engine, 'SFOGD');
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidArgumentError(`SFOGD options must be an object, got ${describe(options)}`);
    checkKnownKeys('SFOGD option', options, ['alpha', 'scale', 'initial']);
    const scale = optNumber('SFOGD', 'scale', options.scale, 0, 0, 1e100, false);
    const initial = optNumber('SFOGD', 'initial', options.initial, 0, 0, 1e100, false);
    const alpha = alphaOf('SFOGD', options.alpha);
    super(engine, 1, alpha, 1, 0, [scale, 0], initial);
    this.#opts = { alpha: this.alpha, scale, initial };
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }
}

/** Strongly adaptive online conformal prediction (SAOCP). */
export class SAOCP extends Conformal {
  static readonly learnerName = 'SAOCP';
  get learnerName(): string { return 'SAOCP'; }
  readonly #opts: { alpha: number; scale: number; initial: number; lifetime: number };
  constructor(engine: Engine, options: SAOCPOptions = {}) {
    engine = onlineEngine(engine, 'SAOCP');
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidArgumentError(`SAOCP options must be an object, got ${describe(options)}`);
    checkKnownKeys('SAOCP option', options, ['alpha', 'scale', 'initial', 'lifetime']);
    const scale = optNumber('SAOCP', 'scale', options.scale, 0, 0, 1e100, false);
    const initial = optNumber('SAOCP', 'initial', options.initial, 0, 0, 1e100, false);
    const lifetime = options.lifetime === undefined ? 8 : optInt('SAOCP', 'lifetime', options.lifetime, 1, 1024);
    const cap = slotsFor(lifetime);
    const alpha = alphaOf('SAOCP', options.alpha);
    super(engine, 2, alpha, SLOT * cap, cap, [scale, lifetime], initial);
    this.#opts = { alpha: this.alpha, scale, initial, lifetime };
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }
}
