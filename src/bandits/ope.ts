// Off-policy evaluation (issue 10 §4): the value of a target policy estimated from a log collected by
// another (logging) policy, with confidence intervals. Kernels: assembly/bandits/ope.ts (checks, terms,
// moments, bootstrap resamples, sorting: every loop over samples runs there).
//
// Data: n logged samples (arm a_i, logging propensity p_i, reward r_i), the target's probabilities
// π(·|x_i) of every arm (n × K) and optionally a reward model q̂(x_i, ·) (n × K, or one row of K for every
// sample; default the per-arm mean logged reward). w_i = π(a_i|x_i)/p_i. Estimators (Open Bandit
// Pipeline's definitions, reference/bandits.md §2b):
//   ips        mean(w r)                                  (Horvitz & Thompson)
//   clippedIps mean(min(w, M) r)                          (M = clip, default 10; Bottou et al. 2013)
//   snips      Σ w r / Σ w                                (self-normalised, Swaminathan & Joachims 2015)
//   dm         mean(Σ_a π(a|x) q̂(x, a))                   (direct method)
//   dr         mean(dm_i + w (r − q̂(x, a)))               (doubly robust, Dudík, Langford & Li 2011)
//   switchDr   mean(dm_i + [w ≤ τ] w (r − q̂(x, a)))       (switch-DR, Wang, Agarwal & Dudík 2017, OBP's form; τ default 10)
// Intervals at `level` (default 0.95):
//   bootstrap  percentile interval of B resamples (default 1000) with replacement, drawn with the
//              counter-based Philox PRNG keyed by `seed` (draw j of resample b: counter (b, tag, stream,
//              j/2)), so the interval is the same in every runtime and thread count; the order
//              statistics floor((B−1)·α/2) and ceil((B−1)·(1 − α/2)) of the sorted estimates, α = 1 − level.
//   bernstein  the empirical Bernstein bound (Maurer & Pontil 2009, Thm 4) on each side at δ = α/2:
//              mean ± (√(2 V ln(4/α) / n) + 7 R ln(4/α) / (3 (n − 1))), V the unbiased sample variance of
//              the per-sample values and R their range. R is the observed range (a plug-in: the theorem
//              wants a known bound; pass none and the interval is valid only as far as the sample shows
//              the range). SNIPS's per-sample values are its linearisation V̂ + w (r − V̂)/w̄.
import type { Engine } from '../engine/engine.js';
import { requireEngine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, requireObject, suggest } from '../errors.js';
import { BANDITS } from './wasm.js';
import { seedKey } from './rng.js';
import type { LogRecord } from './serving/log.js';

/** Most samples of one evaluation (memory: 6 f64 terms + the target and model rows per sample). */
export const MAX_OPE_SAMPLES = 1 << 24;
export const MAX_BOOTSTRAP = 100_000;
export const ESTIMATORS = ['ips', 'clippedIps', 'snips', 'dm', 'dr', 'switchDr'] as const;
/** The off-policy estimators: inverse propensity (ips), clipped IPS, self-normalised IPS (snips), the direct method (dm), doubly robust (dr) and switch-DR. */
export type EstimatorName = typeof ESTIMATORS[number];

/**
 * Logged bandit data for `bandits.offPolicy`: for each of n events the action taken, its reward and its
 * logging propensity, and the target policy's action probabilities.
 */
export interface OffPolicyData {
  /** Logged arms: n integers in [0, arms). */
  arms: ArrayLike<number>;
  /** The logging policy's probability of each logged arm (its decision's propensity): n numbers in (0, 1]. */
  propensities: ArrayLike<number>;
  /** Observed rewards: n finite numbers. */
  rewards: ArrayLike<number>;
  /** The target policy's probabilities, n × arms, sample-major (row i = π(·|x_i), entries in [0, 1] summing to 1 ± 1e-6). */
  target: ArrayLike<number>;
  /** Reward model q̂: n × arms (a row per sample) or arms values (one row for all); default the per-arm mean logged reward. */
  rewardModel?: ArrayLike<number>;
}
/**
 * Options of `bandits.offPolicy`: which estimators, clipping, and the confidence intervals; unset fields
 * take the defaults stated on each.
 */
export interface OffPolicyOptions {
  /** Number of arms K (1 to 2^20). */
  arms: number;
  /** M of clipped IPS: weights above M count as M (default 10; > 0). */
  clip?: number;
  /** τ of switch-DR: samples with w > τ use the reward model only (default 10; >= 0). */
  switchTau?: number;
  /** Confidence level of both intervals (default 0.95; in (0, 1)). */
  level?: number;
  /** Bootstrap resamples B (default 1000; 0 for none, else 10 to 100,000). */
  bootstrap?: number;
  /** Integer in [0, 2^53): the key of the bootstrap's PRNG (default 0). */
  seed?: number;
}
/** One off-policy estimate of the target policy's value, with its confidence interval. */
export interface Estimate {
  /** The estimate of the target policy's value. */
  value: number;
  /** Standard error √(V/n) of the per-sample values. */
  stdError: number;
  /** Bootstrap percentile interval (null with bootstrap: 0). */
  bootstrap: [number, number] | null;
  /** Empirical-Bernstein interval. */
  bernstein: [number, number];
}
/** What `bandits.offPolicy` returns: one estimate per requested estimator over n logged events. */
export interface OffPolicyResult {
  n: number;
  /** The options used, defaults filled in. */
  options: Required<OffPolicyOptions>;
  /** Largest importance weight w_i. */
  maxWeight: number;
  /** (Σw)² / Σw²: how many samples the weighting is worth. */
  effectiveSampleSize: number;
  estimates: Record<EstimatorName, Estimate>;
}

const OPTION_KEYS = ['arms', 'clip', 'switchTau', 'level', 'bootstrap', 'seed'];
const DATA_KEYS = ['arms', 'propensities', 'rewards', 'target', 'rewardModel'];
const isNumArray = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array));

/** Estimate the target policy's value from logged data with every estimator and both intervals. */
export function offPolicyEstimate(engine: Engine, data: OffPolicyData, options: OffPolicyOptions): OffPolicyResult {
  requireEngine(engine);
  engine.requireGroup(BANDITS);
  requireObject('offPolicy options', options);
  for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) throw new HyperparameterError(`unknown offPolicy option ${JSON.stringify(k)}${suggest(k, OPTION_KEYS)}`);
  const o = options as unknown as Record<string, unknown>;
  const K = o.arms;
  if (typeof K !== 'number' || !Number.isInteger(K) || K < 1 || K > 1 << 20) throw new HyperparameterError(`arms must be an integer in [1, ${1 << 20}], got ${describe(K)}`);
  const clip = o.clip === undefined ? 10 : checkRange('clip', o.clip, 0, Infinity, true);
  const tau = o.switchTau === undefined ? 10 : checkRange('switchTau', o.switchTau, 0, Infinity);
  const level = o.level === undefined ? 0.95 : checkRange('level', o.level, 0, 1, true, true);
  const B = o.bootstrap === undefined ? 1000 : o.bootstrap;
  if (typeof B !== 'number' || !Number.isInteger(B) || (B !== 0 && (B < 10 || B > MAX_BOOTSTRAP))) throw new HyperparameterError(`bootstrap must be 0 or an integer in [10, ${MAX_BOOTSTRAP}], got ${describe(B)}`);
  const key = seedKey(o.seed === undefined ? 0 : o.seed);

  requireObject('offPolicy data', data);
  const d = data as unknown as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!DATA_KEYS.includes(k)) throw new InvalidArgumentError(`offPolicy data: unknown key ${JSON.stringify(k)}${suggest(k, DATA_KEYS)}`);
  for (const k of ['arms', 'propensities', 'rewards', 'target']) if (!isNumArray(d[k])) throw new InvalidArgumentError(`offPolicy data.${k} must be an array or typed array of numbers, got ${describe(d[k])}`);
  const n = (d.arms as ArrayLike<number>).length;
  if (n < 2 || n > MAX_OPE_SAMPLES) throw new InvalidArgumentError(`offPolicy data needs 2 to ${MAX_OPE_SAMPLES} samples, got ${n}`);
  for (const k of ['propensities', 'rewards']) if ((d[k] as ArrayLike<number>).length !== n) throw new InvalidArgumentError(`offPolicy data.${k} has ${(d[k] as ArrayLike<number>).length} values, arms has ${n}`);
  if ((d.target as ArrayLike<number>).length !== n * K) throw new InvalidArgumentError(`offPolicy data.target must hold n × arms = ${n * K} probabilities, got ${(d.target as ArrayLike<number>).length}`);
  const model = d.rewardModel;
  if (model !== undefined && (!isNumArray(model) || (model.length !== K && model.length !== n * K))) throw new InvalidArgumentError(`offPolicy data.rewardModel must hold arms = ${K} or n × arms = ${n * K} numbers, got ${describe(model)}`);

  const bufs: EngineBuffer<'f64' | 'i32'>[] = [];
  const f64 = (len: number, src?: ArrayLike<number>): EngineBuffer<'f64'> => {
    const b = engine.alloc(Math.max(len, 1), 'f64');
    bufs.push(b);
    // typed arrays hold numbers only: one copy; a plain array's non-numbers become NaN (refused by the check)
    if (src && ArrayBuffer.isView(src)) b.array.set(src as unknown as ArrayLike<number>);
    else if (src) for (let i = 0; i < len; i++) { const v = src[i]; b.array[i] = typeof v === 'number' ? v : NaN; }
    return b;
  };
  try {
    const armsF = f64(n, d.arms as ArrayLike<number>), props = f64(n, d.propensities as ArrayLike<number>), rewards = f64(n, d.rewards as ArrayLike<number>);
    const target = f64(n * K, d.target as ArrayLike<number>);
    const q = model === undefined ? f64(K) : f64(model.length, model);
    const arms = engine.alloc(n, 'i32'); bufs.push(arms);
    const bad = engine.kernel('bd_ope_check')(n, K, armsF.ptr, arms.ptr, props.ptr, rewards.ptr, target.ptr, q.ptr, model === undefined ? 0 : model.length / K);
    if (bad >= 0) {
      const i = bad >> 3, code = bad & 7, row = (name: string): string => `offPolicy data.${name}`;
      const at = (a: unknown, j: number): string => describe((a as ArrayLike<unknown>)[j]);
      const msg = code === 1 ? `${row('arms')}[${i}] must be an integer in [0, ${K - 1}], got ${at(d.arms, i)}`
        : code === 2 ? `${row('propensities')}[${i}] must be in (0, 1], got ${at(d.propensities, i)}`
          : code === 3 ? `${row('rewards')}[${i}] must be a finite number, got ${at(d.rewards, i)}`
            : code === 4 ? `${row('target')} row ${i} has a value outside [0, 1] (or not a number)`
              : code === 5 ? `${row('target')} row ${i} does not sum to 1 (± 1e-6)`
                : `${row('rewardModel')} row ${i} has a value that is not a finite number`;
      throw new InvalidArgumentError(msg);
    }
    if (model === undefined) {
      const sums = f64(K), counts = f64(K);
      engine.kernel('bd_ope_arm_means')(n, K, arms.ptr, rewards.ptr, sums.ptr, counts.ptr, q.ptr);
    }
    const terms = f64(6 * n);
    engine.run('bd_ope_terms', n, [n, K, arms.ptr, props.ptr, rewards.ptr, target.ptr, q.ptr, model !== undefined && model.length === n * K ? K : 0, clip, tau, terms.ptr], 1, K + 8);
    const mom = f64(28);
    engine.kernel('bd_ope_moments')(n, terms.ptr, mom.ptr);
    let boot: Float64Array | null = null;
    if (B > 0) {
      const out = f64(6 * B);
      engine.run('bd_ope_bootstrap', B, [n, B, terms.ptr, key[0], key[1], out.ptr], 1, 6 * n);
      engine.run('bd_sort_rows', 6, [out.ptr, B], 1, B * 20);
      boot = out.array.slice(0, 6 * B);
    }
    const sw = mom.array[24]!, sw2 = mom.array[25]!, maxWeight = mom.array[26]!;
    const alpha = 1 - level, L = engine.log(4 / alpha), m = mom.array;
    const estimates = {} as Record<EstimatorName, Estimate>;
    ESTIMATORS.forEach((name, e) => {
      const mean = m[4 * e]!, V = m[4 * e + 1]!, R = m[4 * e + 3]! - m[4 * e + 2]!;
      const half = engine.sqrt((2 * V * L) / n) + (7 * R * L) / (3 * (n - 1));
      let bi: [number, number] | null = null;
      if (boot) {
        const lo = Math.floor(((B - 1) * alpha) / 2), hi = Math.ceil((B - 1) * (1 - alpha / 2));
        bi = [boot[e * B + lo]!, boot[e * B + hi]!];
      }
      estimates[name] = { value: mean, stdError: engine.sqrt(V / n), bootstrap: bi, bernstein: [mean - half, mean + half] };
    });
    return { n, options: { arms: K, clip, switchTau: tau, level, bootstrap: B, seed: (o.seed as number | undefined) ?? 0 }, maxWeight, effectiveSampleSize: sw2 > 0 ? (sw * sw) / sw2 : 0, estimates };
  } finally {
    for (const b of bufs) b.free();
  }
}

/** Options of offPolicyData: which policy to evaluate from a decision log's records. */
export interface RecordsTarget {
  /** Number of arms. */
  arms: number;
  /**
   * The target: the name of a shadow policy of the log (its recorded arm: row = one-hot at that arm, an
   * unbiased sample of its probabilities when its randomness is independent of the logging policy's),
   * or a function giving the target's K probabilities for a record.
   */
  target: string | ((record: LogRecord) => ArrayLike<number>);
}

/** Off-policy data (for offPolicy) from a DecisionLog's resolved records (rewards().records, expire().records). */
export function offPolicyData(records: readonly LogRecord[], options: RecordsTarget): OffPolicyData {
  if (!Array.isArray(records)) throw new InvalidArgumentError(`offPolicyData takes the records of a DecisionLog, got ${describe(records)}`);
  requireObject('offPolicyData options', options);
  const K = options.arms, t = options.target;
  if (typeof K !== 'number' || !Number.isInteger(K) || K < 1 || K > 1 << 20) throw new HyperparameterError(`arms must be an integer in [1, ${1 << 20}], got ${describe(K)}`);
  if (typeof t !== 'string' && typeof t !== 'function') throw new HyperparameterError(`target must be a shadow policy's name or a function of a record, got ${describe(t)}`);
  const n = records.length;
  const arms = new Float64Array(n), props = new Float64Array(n), rewards = new Float64Array(n), target = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const r = records[i] as LogRecord;
    if (r === null || typeof r !== 'object' || typeof r.reward !== 'number' || typeof r.arm !== 'number' || typeof r.propensity !== 'number') throw new InvalidArgumentError(`record ${i} is not a DecisionLog record (arm, propensity, reward), got ${describe(r)}`);
    arms[i] = r.arm; props[i] = r.propensity; rewards[i] = r.reward;
    if (typeof t === 'string') {
      const s = r.shadows?.[t];
      if (!s || typeof s.arm !== 'number' || !Number.isInteger(s.arm) || s.arm < 0 || s.arm >= K) throw new InvalidArgumentError(`record ${i} has no choice of shadow ${JSON.stringify(t)} among ${K} arms`);
      target[i * K + s.arm] = 1;
    } else {
      const row = t(r);
      if (!isNumArray(row) || row.length !== K) throw new InvalidArgumentError(`target(record ${i}) must return ${K} probabilities, got ${describe(row)}`);
      target.set(row as ArrayLike<number>, i * K);
    }
  }
  return { arms, propensities: props, rewards, target };
}
