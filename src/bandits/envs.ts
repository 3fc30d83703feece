// Simulation environments for bandits.simulate: specs (plain objects, or the CLI's strings) checked into
// a piecewise-constant table of arm parameters. The reward draws run in wasm (assembly/bandits/env.ts):
// the reward of arm k in repetition r at round t is philox(env seed, (r, t, S_ENV, k)) read by the arm's
// distribution, so the reward table is fixed before any policy runs and every policy meets the same one.
import { describe, InvalidArgumentError, requireObject, suggest } from '../errors.js';
import { seedKey } from './rng.js';

/** Arm reward distributions. */
export type RewardModel = 'bernoulli' | 'gaussian' | 'poisson' | 'exponential';

/**
 * A stochastic environment: K arms of one reward model. `means` is K numbers (stationary) or a
 * schedule of segments (S arrays of K numbers) with `changePoints` (S − 1 strictly increasing rounds
 * ≥ 1: segment i + 1 starts at round changePoints[i], rounds counted from 0; change points at or past
 * the horizon are never reached). Means: Bernoulli in [0, 1], Gaussian finite (|μ| ≤ 1e12), Poisson in
 * (0, 700], exponential in (0, 1e12] (the mean, 1/rate).
 */
export interface StochasticEnvSpec {
  type: RewardModel;
  means: readonly number[] | readonly (readonly number[])[];
  changePoints?: readonly number[];
  /** Gaussian only: standard deviation, one for all arms or one per arm, in (0, 1e12] (default 1). */
  sd?: number | readonly number[];
  /** Key of the reward draws, an integer in [0, 2^53) (default: simulate's seed). */
  seed?: number;
}
/**
 * Sutton & Barto's 10-armed testbed (Reinforcement Learning, 2nd ed., §2.3): arm means q*(k) ~ N(0, 1),
 * rewards N(q*(k), 1). The means are drawn in wasm from the env seed: normal(seed, (r, 2^32 − 1,
 * S_TESTBED, k)) — a fresh problem per repetition r as in the book (perRepetition: true, the default;
 * the band then covers the problems too), or problem r = 0 for every repetition (perRepetition: false).
 */
export interface TestbedEnvSpec { type: 'testbed'; arms?: number; sd?: number; perRepetition?: boolean; seed?: number }
/**
 * An oblivious adversarial sequence of deterministic rewards in [0, 1]: `rewards` is S segments of K
 * values with `changePoints` as for the stochastic specs; or `sequence: 'ucb1'`, the standard sequence
 * that defeats UCB (the argument that a deterministic policy has linear regret against an oblivious
 * adversary that knows it: Auer, Cesa-Bianchi, Freund & Schapire 2002; Bubeck & Cesa-Bianchi 2012 §3):
 * two arms; in rounds 0 and 1 arm 0 pays 1 and arm 1 pays 0 (so UCB1's two first pulls leave the same
 * state whichever arm its tie-break takes first, and UCB1 is deterministic from then on); from round 2
 * on the sequence is computed in advance by running UCB1 (with `alpha`, default 1, and the engine's
 * log, so the same arithmetic as bandits.UCB1) on it: the arm UCB1 will pull pays 0 and the other 1.
 * UCB1 collects 1 in T rounds while the best fixed arm collects ≥ (T − 2)/2: regret ≈ T/2, linear;
 * a randomized policy (EXP3) keeps O(√(T K ln K)). Regret for adversarial sequences is against the
 * best fixed arm in hindsight at each checkpoint (not the per-round best).
 */
export interface AdversarialEnvSpec {
  type: 'adversarial';
  rewards?: readonly (readonly number[])[];
  changePoints?: readonly number[];
  sequence?: 'ucb1';
  /** 'ucb1' only: the UCB1 exploration multiplier the sequence is built against (default 1, in [0, 1e6]). */
  alpha?: number;
  seed?: number;
}
/**
 * A linear contextual environment (the disjoint model LinUCB and LinTS assume): each round every
 * repetition sees a context x ∈ R^d with i.i.d. N(0, 1) coordinates, drawn in wasm as
 * normal(env seed, (r, t, S_CTX, j)); arm k's mean is xᵀθ_k (θ known: `theta`, K rows of d numbers,
 * |θ_kj| ≤ 1e6) and its reward xᵀθ_k + noise·z, z ~ N(0, 1) (noise ≥ 0, default 1). Regret is
 * Σ_t (max_k xᵀθ_k − xᵀθ_{a_t}) with the round's context.
 */
export interface LinearEnvSpec {
  type: 'linear';
  /** θ_k of every arm (K rows of d numbers) in the first segment. */
  theta: readonly (readonly number[])[];
  noise?: number;
  seed?: number;
  /**
   * Drifting θ: rounds (strictly increasing, ≥ 1) from which `thetas[i]` replaces the arms' θ
   * (piecewise-constant, as the stochastic specs' changePoints); regret is then dynamic (the round's θ).
   */
  changePoints?: readonly number[];
  /** θ of the segments after each change point: changePoints.length tables of K rows of d numbers. */
  thetas?: readonly (readonly (readonly number[])[])[];
  /**
   * β (k numbers, |β_j| ≤ 1e6): Li et al.'s hybrid model. Every round each arm a also has shared
   * features z_a ∈ R^k, i.i.d. N(0, 1) coordinates drawn in wasm as normal(env seed, (r, t,
   * S_SHARED, a·k + j)), and its mean is xᵀθ_a + z_aᵀβ. HybridLinUCB sees z (sharedDim k); the
   * other policies see only x.
   */
  shared?: readonly number[];
}
/**
 * An environment for `bandits.simulate`: stochastic arms, a testbed, an adversarial reward sequence or a
 * linear contextual model (the `type` field picks which; see each member).
 */
export type EnvSpec = StochasticEnvSpec | TestbedEnvSpec | AdversarialEnvSpec | LinearEnvSpec;

/** Reward kinds of the wasm kernels (assembly/bandits/env.ts). */
export const KIND = { bernoulli: 0, gaussian: 1, poisson: 2, exponential: 3, deterministic: 4 } as const;
export const MAX_ENV_ARMS = 1 << 16;
export const MAX_SEGMENTS = 1 << 16;
export const MAX_HORIZON = 2 ** 32 - 2;
const BIG = 1e12;

/** A checked environment (what the simulator runs). */
export interface Environment {
  /** Short label, e.g. "Bernoulli(0.1, 0.5, 0.9)". */
  readonly label: string;
  readonly model: RewardModel | 'deterministic';
  readonly kind: number;
  readonly arms: number;
  /** Key of the reward draws (undefined: the simulation's seed). */
  readonly seed: number | undefined;
  /** Segments in order: first round and per-arm parameters (means; Gaussian sds). Testbed: filled by the simulator. */
  readonly segments: readonly { start: number; means: Float64Array; sds: Float64Array }[];
  /** Testbed: draws its means (per repetition or one problem). */
  readonly testbed: null | { perRepetition: boolean };
  /**
   * Linear contextual environment: dimension, θ (K × d, row-major; of the first segment), the noise sd,
   * the θ of every segment with its first round (one segment when θ does not drift) and β (hybrid: k
   * numbers; null without).
   */
  readonly linear: null | { d: number; theta: Float64Array; noise: number; thetas: readonly { start: number; theta: Float64Array }[]; shared: Float64Array | null };
  /** 'dynamic': pseudo-regret Σ_t (max_k μ_t(k) − μ_t(a_t)); 'static': max_k Σ_t x_t(k) − Σ_t x_t(a_t) (adversarial). */
  readonly regret: 'dynamic' | 'static';
}

const SPEC_KEYS: Record<string, string[]> = {
  bernoulli: ['type', 'means', 'changePoints', 'seed'],
  gaussian: ['type', 'means', 'changePoints', 'sd', 'seed'],
  poisson: ['type', 'means', 'changePoints', 'seed'],
  exponential: ['type', 'means', 'changePoints', 'seed'],
  testbed: ['type', 'arms', 'sd', 'perRepetition', 'seed'],
  adversarial: ['type', 'rewards', 'changePoints', 'sequence', 'alpha', 'seed'],
  linear: ['type', 'theta', 'noise', 'seed', 'changePoints', 'thetas', 'shared'],
};
const isNums = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
const fmt = (x: number): string => String(Math.round(x * 1e6) / 1e6);
const label = (name: string, means: Float64Array[]): string =>
  means.length === 1 ? `${name}(${Array.from(means[0]!, fmt).join(', ')})` : `${name}, ${means.length} segments`;

function check(v: unknown, where: string, lo: number, hi: number, openLo: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (openLo ? !(v > lo) : !(v >= lo)) || !(v <= hi)) {
    throw new InvalidArgumentError(`${where} must be a number in ${openLo ? '(' : '['}${lo}, ${hi}], got ${describe(v)}`);
  }
  return v;
}
/** S segments of K values each, every value checked by `one`. */
function table(v: unknown, where: string, one: (x: unknown, w: string) => number): Float64Array[] {
  if (!isNums(v) || v.length === 0) throw new InvalidArgumentError(`${where} must be a non-empty array, got ${describe(v)}`);
  const rows = Array.isArray(v) && v.length > 0 && v.every((r) => isNums(r)) ? (v as unknown[]) : [v];
  if (rows.length > MAX_SEGMENTS) throw new InvalidArgumentError(`${where} has ${rows.length} segments, at most ${MAX_SEGMENTS}`);
  const K = (rows[0] as ArrayLike<unknown>).length;
  if (K < 1 || K > MAX_ENV_ARMS) throw new InvalidArgumentError(`${where} must hold 1 to ${MAX_ENV_ARMS} arms, got ${K}`);
  return rows.map((r, s) => {
    const a = r as ArrayLike<unknown>;
    if (!isNums(a) || a.length !== K) throw new InvalidArgumentError(`${where}[${s}] must be ${K} numbers (one per arm), got ${describe(a)}`);
    const out = new Float64Array(K);
    for (let k = 0; k < K; k++) out[k] = one(a[k], rows.length === 1 ? `${where}[${k}]` : `${where}[${s}][${k}]`);
    return out;
  });
}
function changePoints(v: unknown, segments: number, where: string): number[] {
  if (v === undefined) {
    if (segments > 1) throw new InvalidArgumentError(`${where}: ${segments} segments need ${segments - 1} changePoints`);
    return [0];
  }
  if (!isNums(v) || v.length !== segments - 1) throw new InvalidArgumentError(`${where}: changePoints must be ${segments - 1} rounds (one per segment after the first), got ${describe(v)}`);
  const out = [0];
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > MAX_HORIZON || c <= out[out.length - 1]!) {
      throw new InvalidArgumentError(`${where}: changePoints[${i}] must be an integer round in [${out[out.length - 1]! + 1}, ${MAX_HORIZON}] (strictly increasing, ≥ 1), got ${describe(c)}`);
    }
    out.push(c);
  }
  return out;
}

/**
 * Check an environment spec (an object, or a string as the CLI takes it: see parseEnv) for a run of
 * `horizon` rounds; `ln` is the engine's logarithm (the 'ucb1' adversarial sequence replays UCB1 with it).
 * Throws InvalidArgumentError naming the field.
 */
export function makeEnv(spec: unknown, horizon: number, ln: (x: number) => number): Environment {
  if (typeof spec === 'string') spec = parseEnv(spec);
  requireObject('env', spec);
  const o = spec as Record<string, unknown>;
  const types = Object.keys(SPEC_KEYS);
  if (typeof o.type !== 'string' || !types.includes(o.type)) {
    throw new InvalidArgumentError(`env.type must be one of ${types.map((t) => JSON.stringify(t)).join(', ')}, got ${describe(o.type)}${typeof o.type === 'string' ? suggest(o.type, types) : ''}`);
  }
  const t = o.type;
  for (const k of Object.keys(o)) if (!SPEC_KEYS[t]!.includes(k)) throw new InvalidArgumentError(`env (${t}): unknown key ${JSON.stringify(k)}${suggest(k, SPEC_KEYS[t]!)}`);
  const seed = o.seed === undefined ? undefined : o.seed as number;
  if (seed !== undefined) try { seedKey(seed, 'env.seed'); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
  if (t === 'testbed') {
    const K = o.arms === undefined ? 10 : o.arms;
    if (typeof K !== 'number' || !Number.isInteger(K) || K < 1 || K > MAX_ENV_ARMS) throw new InvalidArgumentError(`env.arms must be an integer in [1, ${MAX_ENV_ARMS}], got ${describe(K)}`);
    const sd = o.sd === undefined ? 1 : check(o.sd, 'env.sd', 0, BIG, true);
    if (o.perRepetition !== undefined && typeof o.perRepetition !== 'boolean') throw new InvalidArgumentError(`env.perRepetition must be a boolean, got ${describe(o.perRepetition)}`);
    const per = o.perRepetition !== false;
    return { label: `${K}-armed testbed${per ? '' : ' (one problem)'}`, model: 'gaussian', kind: KIND.gaussian, arms: K, seed,
      segments: [{ start: 0, means: new Float64Array(K), sds: new Float64Array(K).fill(sd) }], testbed: { perRepetition: per }, linear: null, regret: 'dynamic' };
  }
  if (t === 'linear') {
    if (o.theta === undefined) throw new InvalidArgumentError('env (linear) needs theta (one row of d numbers per arm)');
    if (!Array.isArray(o.theta) || o.theta.length === 0 || !o.theta.every((r) => isNums(r))) throw new InvalidArgumentError(`env.theta must be a non-empty array of K rows of d numbers, got ${describe(o.theta)}`);
    const rows = table(o.theta, 'env.theta', (x, w) => check(x, w, -1e6, 1e6, false));
    const K = rows.length, d = rows[0]!.length;
    if (d > 512) throw new InvalidArgumentError(`env.theta rows have ${d} numbers; the dimension is at most 512`);
    if (rows.length === 1 && !Array.isArray((o.theta as unknown[])[0])) throw new InvalidArgumentError('env.theta must be rows (arrays), one per arm');
    const theta = new Float64Array(K * d);
    rows.forEach((r, k) => theta.set(r, k * d));
    const noise = o.noise === undefined ? 1 : check(o.noise, 'env.noise', 0, 1e6, false);
    const thetas = [{ start: 0, theta }];
    if (o.thetas !== undefined || o.changePoints !== undefined) {
      if (!Array.isArray(o.thetas) || o.thetas.length === 0) throw new InvalidArgumentError(`env.thetas must be the θ tables (K rows of d numbers) of the segments after each change point, got ${describe(o.thetas)}`);
      const starts = changePoints(o.changePoints, o.thetas.length + 1, 'env (linear)');
      (o.thetas as unknown[]).forEach((tb, i) => {
        if (!Array.isArray(tb) || !tb.every((r) => isNums(r))) throw new InvalidArgumentError(`env.thetas[${i}] must be ${K} rows of ${d} numbers, got ${describe(tb)}`);
        const rs = table(tb, `env.thetas[${i}]`, (x, w) => check(x, w, -1e6, 1e6, false));
        if (rs.length !== K || rs[0]!.length !== d) throw new InvalidArgumentError(`env.thetas[${i}] must be ${K} rows of ${d} numbers (as theta), got ${rs.length} rows of ${rs[0]!.length}`);
        const th = new Float64Array(K * d);
        rs.forEach((r, k) => th.set(r, k * d));
        thetas.push({ start: starts[i + 1]!, theta: th });
      });
    }
    let shared: Float64Array | null = null;
    if (o.shared !== undefined) {
      if (!isNums(o.shared) || o.shared.length < 1 || o.shared.length > 512) throw new InvalidArgumentError(`env.shared must be β, 1 to 512 numbers, got ${describe(o.shared)}`);
      shared = Float64Array.from(o.shared as ArrayLike<number>, (x, j) => check(x, `env.shared[${j}]`, -1e6, 1e6, false));
    }
    const lab = `linear, K = ${K}, d = ${d}${shared ? `, shared k = ${shared.length}` : ''}${thetas.length > 1 ? `, ${thetas.length} segments` : ''}, noise ${fmt(noise)}`;
    return { label: lab, model: 'gaussian', kind: KIND.gaussian, arms: K, seed,
      segments: [{ start: 0, means: new Float64Array(K), sds: new Float64Array(K).fill(noise) }], testbed: null, linear: { d, theta, noise, thetas, shared }, regret: 'dynamic' };
  }
  if (t === 'adversarial') {
    let rows: Float64Array[], starts: number[];
    if (o.sequence !== undefined) {
      if (o.sequence !== 'ucb1') throw new InvalidArgumentError(`env.sequence must be "ucb1", got ${describe(o.sequence)}${typeof o.sequence === 'string' ? suggest(o.sequence, ['ucb1']) : ''}`);
      if (o.rewards !== undefined || o.changePoints !== undefined) throw new InvalidArgumentError('env: give either sequence or rewards (+ changePoints), not both');
      const alpha = o.alpha === undefined ? 1 : check(o.alpha, 'env.alpha', 0, 1e6, false);
      const seq = ucb1Trap(horizon, alpha, ln);
      return { label: `adversarial sequence against UCB1${alpha === 1 ? '' : `(alpha=${alpha})`}`, model: 'deterministic', kind: KIND.deterministic, arms: 2, seed,
        segments: seq.map((m, i) => ({ start: i, means: m, sds: new Float64Array(2) })), testbed: null, linear: null, regret: 'static' };
    }
    if (o.alpha !== undefined) throw new InvalidArgumentError('env.alpha goes with sequence: "ucb1"');
    if (o.rewards === undefined) throw new InvalidArgumentError('env (adversarial) needs rewards (segments of K values in [0, 1]) or sequence: "ucb1"');
    rows = table(o.rewards, 'env.rewards', (x, w) => check(x, w, 0, 1, false));
    starts = changePoints(o.changePoints, rows.length, 'env');
    return { label: label('adversarial', rows), model: 'deterministic', kind: KIND.deterministic, arms: rows[0]!.length, seed,
      segments: rows.map((m, i) => ({ start: starts[i]!, means: m, sds: new Float64Array(m.length) })), testbed: null, linear: null, regret: 'static' };
  }
  const model = t as RewardModel;
  if (o.means === undefined) throw new InvalidArgumentError(`env (${t}) needs means`);
  const one = model === 'bernoulli' ? (x: unknown, w: string) => check(x, w, 0, 1, false)
    : model === 'gaussian' ? (x: unknown, w: string) => check(x, w, -BIG, BIG, false)
      : model === 'poisson' ? (x: unknown, w: string) => check(x, w, 0, 700, true)
        : (x: unknown, w: string) => check(x, w, 0, BIG, true);
  const rows = table(o.means, 'env.means', one);
  const K = rows[0]!.length;
  const starts = changePoints(o.changePoints, rows.length, 'env');
  const sds = new Float64Array(K);
  if (model === 'gaussian') {
    if (o.sd === undefined) sds.fill(1);
    else if (typeof o.sd === 'number') sds.fill(check(o.sd, 'env.sd', 0, BIG, true));
    else {
      if (!isNums(o.sd) || o.sd.length !== K) throw new InvalidArgumentError(`env.sd must be a number or ${K} numbers (one per arm), got ${describe(o.sd)}`);
      for (let k = 0; k < K; k++) sds[k] = check(o.sd[k], `env.sd[${k}]`, 0, BIG, true);
    }
  }
  const name = { bernoulli: 'Bernoulli', gaussian: 'Gaussian', poisson: 'Poisson', exponential: 'exponential' }[model];
  return { label: label(name, rows), model, kind: KIND[model], arms: K, seed,
    segments: rows.map((m, i) => ({ start: starts[i]!, means: m, sds })), testbed: null, linear: null, regret: 'dynamic' };
}

/**
 * The adversarial sequence against UCB1 (see AdversarialEnvSpec): one reward pair per round. UCB1's
 * index as its kernel computes it (scalar order: s/n + alpha·sqrt(2·ln t / n), ln t = 0 for t ≤ 1).
 */
function ucb1Trap(T: number, alpha: number, ln: (x: number) => number): Float64Array[] {
  if (T > 1 << 22) throw new InvalidArgumentError(`the "ucb1" adversarial sequence is a table of one row per round: horizon at most ${1 << 22}, got ${T}`);
  const out: Float64Array[] = [];
  const n = [0, 0], s = [0, 0];
  for (let t = 0; t < T; t++) {
    if (t < 2) { out.push(Float64Array.of(1, 0)); continue; }
    if (t === 2) { n[0] = 1; n[1] = 1; s[0] = 1; s[1] = 0; }
    const lt = t > 1 ? ln(t) : 0;
    const i0 = s[0]! / n[0]! + alpha * Math.sqrt((2 * lt) / n[0]!), i1 = s[1]! / n[1]! + alpha * Math.sqrt((2 * lt) / n[1]!);
    const a = i0 >= i1 ? 0 : 1;                 // an exact tie (never met in practice) would be a coin for UCB1
    out.push(a === 0 ? Float64Array.of(0, 1) : Float64Array.of(1, 0));
    n[a]!++;
  }
  return out;
}

/**
 * Lai & Robbins' constant C(μ) = Σ_{k: μ_k < μ*} (μ* − μ_k) / KL(μ_k, μ*) of a stationary environment
 * whose arms form a one-parameter exponential family (Bernoulli; Gaussian with one sd σ: KL = Δ²/2σ²;
 * Poisson: KL = μ* − μ + μ ln(μ/μ*); exponential (means): μ/μ* − 1 − ln(μ/μ*)), so that every
 * consistent policy has E[regret_T] ≥ (C(μ) + o(1))·ln T. null when the bound does not apply (several
 * segments, adversarial, Gaussian arms of different sds, a testbed drawn per repetition) or is
 * infinite (a Bernoulli arm at 0 or 1 below a best arm in (0, 1) still gives a finite KL; μ* = 1 with
 * a suboptimal arm is KL = ∞, term 0). `ln` is the caller's logarithm (the engine's, for the same bits).
 */
export function laiRobbins(env: Environment, ln: (x: number) => number): number | null {
  if (env.segments.length !== 1 || env.regret !== 'dynamic' || env.linear || (env.testbed && env.testbed.perRepetition)) return null;
  const { means: mu, sds } = env.segments[0]!;
  const K = mu.length;
  let best = -Infinity;
  for (let k = 0; k < K; k++) if (mu[k]! > best) best = mu[k]!;
  if (env.model === 'gaussian') for (let k = 1; k < K; k++) if (sds[k] !== sds[0]) return null;
  const xlogy = (x: number, y: number): number => (x === 0 ? 0 : x * ln(x / y));
  let C = 0;
  for (let k = 0; k < K; k++) {
    const m = mu[k]!;
    if (!(m < best)) continue;
    let kl: number;
    if (env.model === 'bernoulli') kl = best === 1 ? Infinity : xlogy(m, best) + xlogy(1 - m, 1 - best);
    else if (env.model === 'gaussian') kl = ((best - m) * (best - m)) / (2 * sds[0]! * sds[0]!);
    else if (env.model === 'poisson') kl = best - m + xlogy(m, best);
    else kl = m / best - 1 - ln(m / best);
    if (kl === Infinity) continue;
    if (!(kl > 0)) return null;
    C += (best - m) / kl;
  }
  return C;
}

/**
 * The CLI's environment strings:
 *   bernoulli:0.1,0.5,0.9          poisson:1,2,3          exponential:1,0.5
 *   gaussian:0,0.5,1[:SD]          testbed[:K]            testbed-fixed[:K] (one problem)
 *   bernoulli:0.9,0.1|0.1,0.9@5000 (segments split by |, change points after @, comma separated)
 *   adversarial:ucb1               adversarial:1,0|0,1@300
 *   {"type": ...}                  (a JSON spec, e.g. {"type": "linear", "theta": [[1, 0], [0, 1]]})
 */
export function parseEnv(s: string): EnvSpec {
  if (typeof s !== 'string') throw new InvalidArgumentError(`env string must be a string, got ${describe(s)}`);
  const str = s.trim();
  if (str.startsWith('{')) {
    try { return JSON.parse(str) as EnvSpec; } catch (e) { throw new InvalidArgumentError(`env: invalid JSON (${(e as Error).message})`); }
  }
  const i = str.indexOf(':');
  const type = (i < 0 ? str : str.slice(0, i)).toLowerCase(), rest = i < 0 ? '' : str.slice(i + 1);
  const nums = (x: string, what: string): number[] => x.split(',').map((v) => {
    const t = v.trim();
    const n = t === '' ? NaN : Number(t);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`env ${JSON.stringify(s)}: ${what} ${JSON.stringify(t)} is not a number`);
    return n;
  });
  const sched = (body: string): { rows: number[][]; cps?: number[] } => {
    const [segs, cps] = body.split('@');
    const rows = segs!.split('|').map((r) => nums(r, 'value'));
    return cps === undefined ? { rows } : { rows, cps: nums(cps, 'change point') };
  };
  const types = ['bernoulli', 'gaussian', 'poisson', 'exponential', 'testbed', 'testbed-fixed', 'adversarial'];
  if (type === 'testbed' || type === 'testbed-fixed') {
    const spec: TestbedEnvSpec = { type: 'testbed', perRepetition: type === 'testbed' };
    if (rest !== '') spec.arms = nums(rest, 'arm count')[0]!;
    return spec;
  }
  if (type === 'adversarial') {
    if (rest === 'ucb1') return { type: 'adversarial', sequence: 'ucb1' };
    if (rest === '') throw new InvalidArgumentError(`env ${JSON.stringify(s)}: adversarial needs "ucb1" or reward segments (adversarial:1,0|0,1@300)`);
    const { rows, cps } = sched(rest);
    return cps ? { type: 'adversarial', rewards: rows, changePoints: cps } : { type: 'adversarial', rewards: rows };
  }
  if (!types.includes(type)) throw new InvalidArgumentError(`env ${JSON.stringify(s)}: unknown environment ${JSON.stringify(type)}${suggest(type, types)}`);
  if (rest === '') throw new InvalidArgumentError(`env ${JSON.stringify(s)}: ${type} needs means after the colon, e.g. ${type}:0.1,0.5,0.9`);
  let body = rest, sd: number | undefined;
  if (type === 'gaussian') {
    const j = rest.lastIndexOf(':');
    if (j >= 0) { sd = nums(rest.slice(j + 1), 'sd')[0]; body = rest.slice(0, j); }
  }
  const { rows, cps } = sched(body);
  const spec: StochasticEnvSpec = { type: type as RewardModel, means: rows.length === 1 ? rows[0]! : rows };
  if (cps) spec.changePoints = cps;
  if (sd !== undefined) spec.sd = sd;
  return spec;
}
