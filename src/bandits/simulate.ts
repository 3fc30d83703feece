// bandits.simulate: R repetitions of a bandit problem as R copies of each policy (Policy.decideCopies /
// learnCopies: one wasm call per round and policy decides for all repetitions, one folds their
// rewards), the rewards drawn and the regret, collected mean and pulls accumulated in wasm
// (assembly/bandits/env.ts, one call per round), summaries at the checkpoints in wasm too. TypeScript
// only sequences the rounds: it never loops over arms × repetitions.
//
// Determinism: the reward of arm k in repetition r at round t is philox(env seed, (r, t, S_ENV, k)),
// policy copy r decides round t with event key (t, r) under its seed, every sum runs in a fixed order
// (repetitions in order; the per-round kernels write per-repetition values only) — so a result is the
// same bits for a seed in every build (SIMD or scalar) and thread count.
import type { Engine } from '../engine/engine.js';
import { requireEngine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { describe, InvalidArgumentError, requireObject, SimdoptError, suggest } from '../errors.js';
import { MAX_COPIES, Policy, type PolicyClass } from './policy.js';
import { seedKey } from './rng.js';
import { BANDITS } from './wasm.js';
import { KIND, laiRobbins, makeEnv, MAX_HORIZON, type EnvSpec, type Environment } from './envs.js';
import { BernoulliTS } from './thompson.js';

/** Most copies × arms of the fused BernoulliTS path (its scratch is 8·(5K + 4) B per copy). */
const FUSED_MAX = 1 << 19;

/** A policy to simulate: a registry name ('ucb1', 'klucb', ...: case, '-' and '_' ignored), a class, or either with options. */
export type PolicyEntry = string | PolicyClass | { policy: string | PolicyClass; options?: Record<string, unknown>; label?: string };

export interface SimulateProgress {
  /** The policy being run (its label) and its index in `policies`. */
  policy: string;
  index: number;
  /** Rounds of this policy done, out of horizon. */
  round: number;
  horizon: number;
  /** Share of the whole simulation done, in [0, 1]. */
  fraction: number;
}

/**
 * Options of `bandits.simulate`: the environment, the policies, the horizon T and the repetitions R; unset
 * fields take the defaults stated on each.
 */
export interface SimulateOptions {
  /** The environment: a spec object (see envs.ts) or a CLI string such as 'bernoulli:0.1,0.5,0.9'. */
  env: EnvSpec | string;
  /** Policies, each run on the same reward table (a policy with a `horizon` option, e.g. MOSS, gets this horizon unless its entry sets one). */
  policies: readonly PolicyEntry[];
  /** Rounds T per repetition: an integer in [1, 2^32 − 2]. */
  horizon: number;
  /** Repetitions R (policy copies): an integer in [1, 65536]. */
  repetitions: number;
  /** Integer in [0, 2^53): every policy's seed, and the env's unless it has its own. Default 0. */
  seed?: number;
  /**
   * Rounds t (1..horizon, strictly increasing) at which the regret after t rounds is reported, or a
   * count n (2..10000) of log-spaced rounds from 1 to horizon (distinct integers, horizon always
   * last). Default 100 log-spaced rounds.
   */
  checkpoints?: readonly number[] | number;
  /** Called every ~1% of the rounds of each policy and at its end (synchronously; an exception stops the run). */
  progress?: (p: SimulateProgress) => void;
  /** The band's normal quantile z: mean ± z·sd/√R (default 1.96, a 95% confidence interval of the mean regret). */
  z?: number;
}

export interface RegretCurve {
  /** Mean over repetitions of the regret after checkpoints[i] rounds. */
  mean: Float64Array;
  /** Sample standard deviation over repetitions (n − 1; 0 for one repetition). */
  sd: Float64Array;
  /** mean ∓ z·sd/√R: the normal-approximation confidence interval of the mean regret. */
  lower: Float64Array;
  upper: Float64Array;
  /** Smallest and largest repetition. */
  min: Float64Array;
  max: Float64Array;
}

export interface PolicyResult {
  /** The policy class name and the label drawn in the legend. */
  name: string;
  label: string;
  /** Its options as checked (the policy's own, plus seed). */
  options: Record<string, unknown>;
  regret: RegretCurve;
  /** Mean pulls of each arm over the repetitions after horizon rounds (they sum to horizon). */
  pulls: Float64Array;
  /** Mean over repetitions of Σ_t μ_t(a_t) / horizon: the expected reward per round it collected. */
  meanReward: number;
}

/**
 * What `bandits.simulate` returns: per policy the mean regret curve over R repetitions with its spread, the
 * mean pulls per arm, and the environment as run.
 */
export interface SimulationResult {
  env: { label: string; model: string; arms: number; seed: number; regret: 'dynamic' | 'static'; means: Float64Array | null; changePoints: number[] };
  horizon: number;
  repetitions: number;
  seed: number;
  z: number;
  checkpoints: Float64Array;
  policies: PolicyResult[];
  /** Lai & Robbins: C(μ) and C(μ)·ln t at the checkpoints, for stationary one-parameter-family problems (null otherwise). */
  lowerBound: { constant: number; curve: Float64Array } | null;
}

const SIM_KEYS = ['env', 'policies', 'horizon', 'repetitions', 'seed', 'checkpoints', 'progress', 'z'];
const norm = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/** The class a registry name stands for: exact (case, '-', '_' ignored), else the one class it is a prefix of. */
export function resolvePolicy(name: string, classes: Readonly<Record<string, PolicyClass>>): [string, PolicyClass] {
  const names = Object.keys(classes), n = norm(name);
  const exact = names.filter((k) => norm(k) === n);
  if (exact.length === 1) return [exact[0]!, classes[exact[0]!]!];
  const pre = n === '' ? [] : names.filter((k) => norm(k).startsWith(n));
  if (pre.length === 1) return [pre[0]!, classes[pre[0]!]!];
  if (pre.length > 1) throw new InvalidArgumentError(`policy ${JSON.stringify(name)} is ambiguous: ${pre.join(', ')}`);
  throw new InvalidArgumentError(`unknown policy ${JSON.stringify(name)}${suggest(name, names)}`);
}

/** Default checkpoints: n log-spaced distinct rounds in [1, T], T last. */
export function logCheckpoints(T: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i === n - 1 ? T : Math.max(1, Math.round(T ** (i / (n - 1))));
    if (out.length === 0 || t > out[out.length - 1]!) out.push(t);
  }
  if (out[out.length - 1] !== T) out.push(T);
  return out;
}

function checkpointList(v: unknown, T: number): number[] {
  if (v === undefined) return logCheckpoints(T, 100);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 2 || v > 10000) throw new InvalidArgumentError(`checkpoints must be an integer count in [2, 10000] or an array of rounds, got ${describe(v)}`);
    return logCheckpoints(T, v);
  }
  if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || (v as ArrayLike<unknown>).length === 0 || (v as ArrayLike<unknown>).length > 100000) {
    throw new InvalidArgumentError(`checkpoints must be a count or a non-empty array of at most 100000 rounds, got ${describe(v)}`);
  }
  const a = v as ArrayLike<unknown>, out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const t = a[i], prev = i === 0 ? 0 : out[i - 1]!;
    if (typeof t !== 'number' || !Number.isInteger(t) || t <= prev || t > T) throw new InvalidArgumentError(`checkpoints[${i}] must be an integer round in [${prev + 1}, ${T}] (strictly increasing), got ${describe(t)}`);
    out.push(t);
  }
  return out;
}

/**
 * The names of a policy class's own options (its optionSpec), read without constructing it: the
 * simulator passes `horizon` (MOSS), `dim` (a linear env's d) and `propensityDraws: 0` (LinTS) where
 * the class has them and the entry does not set them. Empty when the spec cannot be read so.
 */
function optionNames(cls: PolicyClass): string[] {
  try {
    const spec = (cls.prototype as unknown as { optionSpec(): Record<string, unknown> }).optionSpec.call(Object.create(cls.prototype));
    return spec !== null && typeof spec === 'object' ? Object.keys(spec) : [];
  } catch { return []; }
}

interface Entry { name: string; cls: PolicyClass; options: Record<string, unknown>; label: string }
function entries(v: unknown, classes: Readonly<Record<string, PolicyClass>>): Entry[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 64) throw new InvalidArgumentError(`policies must be a non-empty array of at most 64 policies, got ${describe(v)}`);
  const known = new Map(Object.entries(classes).map(([k, c]) => [c, k]));
  return v.map((e: unknown, i: number) => {
    const where = `policies[${i}]`;
    let p: unknown = e, options: Record<string, unknown> = {}, label: string | undefined;
    if (e !== null && typeof e === 'object' && !Array.isArray(e)) {
      const o = e as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!['policy', 'options', 'label'].includes(k)) throw new InvalidArgumentError(`${where}: unknown key ${JSON.stringify(k)}${suggest(k, ['policy', 'options', 'label'])}`);
      p = o.policy;
      if (o.options !== undefined) { requireObject(`${where}.options`, o.options); options = { ...(o.options as Record<string, unknown>) }; }
      if (o.label !== undefined) {
        if (typeof o.label !== 'string' || o.label.length === 0 || o.label.length > 200) throw new InvalidArgumentError(`${where}.label must be a string of 1 to 200 characters, got ${describe(o.label)}`);
        label = o.label;
      }
    }
    let name: string, cls: PolicyClass;
    if (typeof p === 'string') [name, cls] = resolvePolicy(p, classes);
    else if (typeof p === 'function' && known.has(p as PolicyClass)) { cls = p as PolicyClass; name = known.get(cls)!; }
    else if (typeof p === 'function' && (p as { prototype?: unknown }).prototype instanceof Policy) { cls = p as PolicyClass; name = (p as { name: string }).name; }
    else throw new InvalidArgumentError(`${where} must be a policy name, a policy class or { policy, options?, label? }, got ${describe(p)}`);
    for (const k of ['arms', 'copies', 'warmStart', 'dedupWindow']) if (k in options) throw new InvalidArgumentError(`${where}.options must not set ${k} (the simulator sets arms, copies and dedupWindow; policies start empty)`);
    const extra = Object.entries(options).filter(([k]) => k !== 'seed').map(([k, x]) => `${k}=${typeof x === 'number' ? x : JSON.stringify(x)}`);
    return { name, cls, options, label: label ?? (extra.length ? `${name}(${extra.join(', ')})` : name) };
  });
}

/**
 * Simulate `policies` on `env` for `horizon` rounds, `repetitions` times, on `engine` (which must have
 * loaded the bandits module group). Returns the regret curves at the checkpoints with confidence bands,
 * the mean pulls per arm and the Lai–Robbins curve where it applies. Regret is the pseudo-regret
 * Σ_t (max_k μ_t(k) − μ_t(a_t)) (per-round best mean: for piecewise-constant means this is the
 * dynamic regret), and for adversarial sequences max_k Σ_t x_t(k) − Σ_t x_t(a_t) (best fixed arm in hindsight).
 */
export function simulate(engine: Engine, options: SimulateOptions, classes: Readonly<Record<string, PolicyClass>>): SimulationResult {
  requireEngine(engine);
  engine.requireGroup(BANDITS);
  requireObject('simulate options', options);
  const o = options as unknown as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!SIM_KEYS.includes(k)) throw new InvalidArgumentError(`simulate: unknown option ${JSON.stringify(k)}${suggest(k, SIM_KEYS)}`);
  const T = o.horizon, R = o.repetitions;
  if (typeof T !== 'number' || !Number.isInteger(T) || T < 1 || T > MAX_HORIZON) throw new InvalidArgumentError(`horizon must be an integer in [1, ${MAX_HORIZON}], got ${describe(T)}`);
  if (typeof R !== 'number' || !Number.isInteger(R) || R < 1 || R > MAX_COPIES) throw new InvalidArgumentError(`repetitions must be an integer in [1, ${MAX_COPIES}], got ${describe(R)}`);
  const seed = o.seed === undefined ? 0 : o.seed as number;
  try { seedKey(seed); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
  if (o.progress !== undefined && typeof o.progress !== 'function') throw new InvalidArgumentError(`progress must be a function, got ${describe(o.progress)}`);
  const z = o.z === undefined ? 1.96 : o.z;
  if (typeof z !== 'number' || !(z >= 0 && z <= 10)) throw new InvalidArgumentError(`z must be a number in [0, 10], got ${describe(z)}`);
  if (o.env === undefined) throw new InvalidArgumentError('simulate needs env (e.g. { type: "bernoulli", means: [0.1, 0.5, 0.9] } or "bernoulli:0.1,0.5,0.9")');
  const env = makeEnv(o.env, T, (x) => engine.log(x));
  const cps = checkpointList(o.checkpoints, T);
  const list = entries(o.policies, classes);
  const progress = o.progress as ((p: SimulateProgress) => void) | undefined;
  return run(engine, env, list, T, R, seed, cps, z, progress, classes);
}

/**
 * How a policy decides in a simulation: null (context-free: decideCopies), 'plain' (decideBatch on the
 * context x: LinUCB, LinTS, LinEpsilonGreedy, SquareCB), 'shared' (x and per-arm z: HybridLinUCB) or
 * 'arms' (one feature vector per arm: DLinUCB, SWLinUCB); a change-detection wrapper (static
 * defaultInner) decides as its inner policy.
 */
function contextForm(cls: PolicyClass, options: Record<string, unknown>, classes: Readonly<Record<string, PolicyClass>>): null | 'plain' | 'shared' | 'arms' {
  let c = cls;
  const dflt = (cls as unknown as { defaultInner?: unknown }).defaultInner;
  if (typeof dflt === 'string') {
    const spec = options.inner as { policy?: unknown } | undefined;
    const name = spec !== null && typeof spec === 'object' && typeof spec.policy === 'string' ? spec.policy : dflt;
    if (Object.prototype.hasOwnProperty.call(classes, name)) c = classes[name]!;   // an unknown name: the constructor refuses it
  }
  if (typeof (c.prototype as unknown as { decideBatch?: unknown }).decideBatch !== 'function') return null;
  const f = (c as unknown as { contextForm?: unknown }).contextForm;
  return f === 'shared' || f === 'arms' ? f : 'plain';
}

function run(engine: Engine, env: Environment, list: Entry[], T: number, R: number, seed: number, cps: number[], z: number,
  progress: ((p: SimulateProgress) => void) | undefined, classes: Readonly<Record<string, PolicyClass>>): SimulationResult {
  const K = env.arms, S = env.segments.length;
  const envSeed = env.seed ?? seed;
  const [k0, k1] = seedKey(envSeed);
  const perRep = env.testbed?.perRepetition === true;
  const rows = perRep ? R : 1;                     // parameter rows per segment
  const bufs: EngineBuffer<'f64' | 'i32'>[] = [];
  const f64 = (n: number): EngineBuffer<'f64'> => { const b = engine.alloc(Math.max(n, 1), 'f64'); bufs.push(b); return b; };
  const i32 = (n: number): EngineBuffer<'i32'> => { const b = engine.alloc(Math.max(n, 1), 'i32'); bufs.push(b); return b; };
  const made: Policy[] = [];
  try {
    const means = f64(S * rows * K), sds = f64(S * rows * K), best = f64(S * rows);
    if (env.testbed) {
      engine.run('bd_env_testbed', rows, [K, k0, k1, means.ptr], 1, 4 * K);
      sds.array.fill(env.segments[0]!.sds[0]!);
    } else {
      for (let s = 0; s < S; s++) { means.array.set(env.segments[s]!.means, s * K); sds.array.set(env.segments[s]!.sds, s * K); }
    }
    // the best mean of every (segment, row): rows are contiguous K-vectors either way (S = 1 when rows = R)
    engine.run('bd_env_best', S * rows, [K, means.ptr, K, best.ptr], 1, 4 * K);
    const hashes = i32(2 * R), arms = i32(R), copyIdx = i32(R), rewards = f64(R), regret = f64(R), collected = f64(R), pulls = f64(R * K), mom = f64(4), colm = f64(K);
    for (let r = 0; r < R; r++) copyIdx.array[r] = r;
    const C = laiRobbins(perRep ? env : env.testbed ? { ...env, segments: [{ ...env.segments[0]!, means: means.array.slice(0, K) }] } : env, (x) => engine.log(x));
    const checkpoints = Float64Array.from(cps);
    // static comparator (adversarial): max_k Σ_{t' < t} x_t'(k) at each checkpoint, summed segment by segment
    const staticBest = env.regret === 'static' ? staticComparator(env, cps) : null;
    const every = Math.max(1, Math.floor(T / 100));
    const results: PolicyResult[] = [];
    const step = engine.kernel('bd_sim_hashes'), moments = engine.kernel('bd_sim_moments');
    const lin = env.linear;
    // linear envs: θ of every segment (drifting θ), β and the per-arm shared features z (hybrid)
    const LS = lin ? lin.thetas.length : 0, kS = lin && lin.shared ? lin.shared.length : 0, ld = lin ? lin.d : 0;
    const ctx = lin ? f64(R * lin.d) : null, mu = lin ? f64(R * K) : null, lbest = lin ? f64(R) : null, theta = lin ? f64(LS * K * lin.d) : null;
    const zs = kS ? f64(R * K * kS) : null, beta = kS ? f64(kS) : null;
    if (lin) lin.thetas.forEach((sg, i) => theta!.array.set(sg.theta, i * K * ld));
    if (beta) beta.array.set(lin!.shared!);
    let blk: EngineBuffer<'f64'> | null = null;   // the one-θ block features of DLinUCB/SWLinUCB (allocated when one runs)
    let scratch: EngineBuffer<'f64'> | undefined;
    for (let pi = 0; pi < list.length; pi++) {
      const e = list[pi]!;
      const names = optionNames(e.cls);
      const auto: Record<string, unknown> = {};
      if (names.includes('horizon') && e.options.horizon === undefined) auto.horizon = T;
      // contextual policies (decideBatch: LinUCB, LinTS, HybridLinUCB, DLinUCB, ...) keep one copy: R instances, decided one by one
      const form = contextForm(e.cls, e.options, classes);
      const contextual = form !== null;
      if (contextual && !lin) throw new InvalidArgumentError(`policies[${pi}] (${e.name}) is contextual: it needs an env of type "linear" (contexts), not ${env.label}`);
      if (form === 'shared' && !kS) throw new InvalidArgumentError(`policies[${pi}] (${e.name}) learns a shared β over per-arm features z: it needs an env of type "linear" with shared (β, k numbers), not ${env.label}`);
      // DLinUCB/SWLinUCB (one θ, a feature vector per arm) see the disjoint model in its block form: dim K·d
      const wantDim = form === 'arms' ? K * ld : ld;
      if (names.includes('dim') && lin) auto.dim = wantDim;
      if (names.includes('sharedDim') && kS) auto.sharedDim = kS;
      if (names.includes('propensityDraws')) auto.propensityDraws = 0;   // propensities are not used here
      if (contextual && e.options.dim !== undefined && e.options.dim !== wantDim) {
        throw new InvalidArgumentError(`policies[${pi}] (${e.name}): dim ${describe(e.options.dim)} is not ${form === 'arms' ? `the env's block-feature dimension K·d = ${wantDim}` : `the env's context dimension ${ld}`}`);
      }
      if (form === 'shared' && e.options.sharedDim !== undefined && e.options.sharedDim !== kS) throw new InvalidArgumentError(`policies[${pi}] (${e.name}): sharedDim ${describe(e.options.sharedDim)} is not the env's ${kS} shared features`);
      if (form === 'arms' && !blk) blk = f64(R * K * K * ld);
      const pols: Policy[] = [];
      try {
        for (let r = 0; r < (contextual ? R : 1); r++) {
          pols.push(new e.cls(engine, { seed, ...auto, ...e.options, arms: K, ...(contextual ? {} : { copies: R }), dedupWindow: 0 }));
          made.push(pols[r]!);
        }
      } catch (err) {
        if (err instanceof SimdoptError) throw new InvalidArgumentError(`policies[${pi}] (${e.name}): ${err.message}${form === 'arms' && auto.dim !== undefined ? ` (simulate runs it on the env's block features, dim = K·d = ${wantDim})` : ''}`);
        throw err;
      }
      const p = pols[0]!;
      // learnCopies allocates its inputs each round (arms, copies, rewards; propensities and scores for the
      // importance-weighted policies): grow the memory for them now, so that no view moves mid-run
      { const w = [engine.alloc(R, 'i32'), engine.alloc(R, 'i32'), engine.alloc(R, 'f64'), engine.alloc(R, 'f64'), engine.alloc(R * K, 'f64')]; for (const b of w) b.free(); }
      regret.array.fill(0); collected.array.fill(0); pulls.array.fill(0);
      const curve: RegretCurve = { mean: new Float64Array(cps.length), sd: new Float64Array(cps.length), lower: new Float64Array(cps.length), upper: new Float64Array(cps.length), min: new Float64Array(cps.length), max: new Float64Array(cps.length) };
      let seg = 0, ci = 0, lseg = 0;
      let mp = means.ptr, sp = sds.ptr, bp = best.ptr;
      const pStride = perRep ? K : 0, bStride = perRep ? 1 : 0, sq = Math.sqrt(R);
      const refused = (t: number, err: unknown): never => {
        if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`${e.name} does not take the rewards of ${env.label} (round ${t}): ${err.message}`);
        throw err;
      };
      // after `done` rounds: the checkpoint's moments when it is one, the progress callback every ~1%
      const record = (done: number): void => {
        if (done === cps[ci]) {
          if (staticBest) moments(R, collected.ptr, -1, staticBest[ci]!, mom.ptr); else moments(R, regret.ptr, 1, 0, mom.ptr);
          const m = mom.array, half = (z * m[1]!) / sq;
          curve.mean[ci] = m[0]!; curve.sd[ci] = m[1]!; curve.lower[ci] = m[0]! - half; curve.upper[ci] = m[0]! + half; curve.min[ci] = m[2]!; curve.max[ci] = m[3]!;
          ci++;
        }
        if (progress && (done % every === 0 || done === T)) progress({ policy: e.label, index: pi, round: done, horizon: T, fraction: (pi * T + done) / (list.length * T) });
      };
      const nextSegment = (t: number): void => {
        while (seg + 1 < S && t >= env.segments[seg + 1]!.start) {
          seg++;
          mp = means.ptr + 8 * seg * rows * K; sp = sds.ptr + 8 * seg * rows * K; bp = best.ptr + 8 * seg * rows;
        }
      };
      // BernoulliTS on Bernoulli arms: many rounds per call (assembly/bandits/simts.ts, the same bits as
      // the round-by-round path below), up to the next checkpoint, change point or progress step
      if (!lin && env.kind === KIND.bernoulli && p instanceof BernoulliTS && p.constructor === BernoulliTS && R * K <= FUSED_MAX) {
        scratch ??= f64((5 * K + 4) * R);
        const accs = { regret: regret.ptr, collected: collected.ptr, pulls: pulls.ptr };
        for (let t = 0; t < T;) {
          nextSegment(t);
          let t1 = Math.min(T, (Math.floor(t / every) + 1) * every);
          if (ci < cps.length) t1 = Math.min(t1, cps[ci]!);
          if (seg + 1 < S) t1 = Math.min(t1, env.segments[seg + 1]!.start);
          p.simulateBernoulli(t, t1, { means: mp, pStride, best: bp, bStride, key: [k0, k1] }, accs, scratch.ptr);
          t = t1;
          record(t);
        }
      } else for (let t = 0; t < T; t++) {
        let dec: ReturnType<Policy['decideCopies']> | null = null;
        if (lin) {
          while (lseg + 1 < LS && t >= lin.thetas[lseg + 1]!.start) lseg++;
          const tp = theta!.ptr + 8 * lseg * K * ld;
          if (kS) engine.run('bd_env_hybrid_ctx', R, [ld, K, tp, kS, beta!.ptr, k0, k1, t, ctx!.ptr, zs!.ptr, mu!.ptr, lbest!.ptr], 1, 4 * K * (ld + kS));
          else engine.run('bd_env_linear_ctx', R, [ld, K, tp, k0, k1, t, ctx!.ptr, mu!.ptr, lbest!.ptr], 1, 4 * K * ld);
          if (contextual) {
            const d = ld, D = K * d;
            if (form === 'arms') engine.run('bd_env_block_ctx', R, [d, K, ctx!.ptr, blk!.ptr], 1, K * D);
            for (let r = 0; r < R; r++) {
              const q = pols[r] as unknown as { decideBatch(c: ArrayLike<number>, ids: string[], o?: Record<string, unknown>): { arms: Int32Array } };
              const id = [`${t}:${r}`];
              arms.array[r] = (form === 'arms' ? q.decideBatch(blk!.array.subarray(r * K * D, (r + 1) * K * D), id)
                : form === 'shared' ? q.decideBatch(ctx!.array.subarray(r * d, (r + 1) * d), id, { shared: zs!.array.subarray(r * K * kS, (r + 1) * K * kS) })
                  : q.decideBatch(ctx!.array.subarray(r * d, (r + 1) * d), id)).arms[0]!;
            }
          } else {
            step(0, R, hashes.ptr, t);
            dec = p.decideCopies(hashes.array);
            arms.array.set(dec.arms);
          }
          engine.run('bd_env_linear_step', R, [K, mu!.ptr, lbest!.ptr, lin.noise, k0, k1, t, arms.ptr, rewards.ptr, regret.ptr, collected.ptr, pulls.ptr], 1, 64);
          try {
            if (contextual) {
              const d = ld, D = K * d;
              for (let r = 0; r < R; r++) {
                const a = arms.array[r]!, ev: Record<string, unknown> = { eventId: `${t}:${r}`, arm: a, reward: rewards.array[r]! };
                if (form === 'arms') ev.context = blk!.array.subarray((r * K + a) * D, (r * K + a + 1) * D);
                else {
                  ev.context = ctx!.array.subarray(r * d, (r + 1) * d);
                  if (form === 'shared') ev.shared = zs!.array.subarray((r * K + a) * kS, (r * K + a + 1) * kS);
                }
                pols[r]!.learn([ev as never]);
              }
            } else p.learnCopies(copyIdx.array, arms.array, rewards.array, dec!.propensities, dec!.scores);
          } catch (err) { refused(t, err); }
        } else {
          nextSegment(t);
          step(0, R, hashes.ptr, t);
          const d = p.decideCopies(hashes.array);
          arms.array.set(d.arms);
          engine.run('bd_env_step', R, [env.kind, K, mp, sp, pStride, bp, bStride, k0, k1, t, arms.ptr, rewards.ptr, regret.ptr, collected.ptr, pulls.ptr], 1, 64);
          // decideCopies' propensities and scores: the adversarial policies' importance weights
          try { p.learnCopies(copyIdx.array, arms.array, rewards.array, d.propensities, d.scores); } catch (err) { refused(t, err); }
        }
        record(t + 1);
      }
      engine.kernel('bd_sim_colmeans')(R, K, pulls.ptr, colm.ptr);
      moments(R, collected.ptr, 1 / T, 0, mom.ptr);
      results.push({ name: e.name, label: e.label, options: p.options, regret: curve, pulls: colm.array.slice(0, K), meanReward: mom.array[0]! });
      for (const q of pols) q.free();
    }
    const first = (env.testbed && perRep) || lin ? null : (env.testbed ? means.array.slice(0, K) : env.segments[0]!.means.slice());
    return {
      env: { label: env.label, model: env.model, arms: K, seed: envSeed, regret: env.regret, means: first, changePoints: env.segments.slice(1).map((s) => s.start) },
      horizon: T, repetitions: R, seed, z, checkpoints, policies: results,
      lowerBound: C === null ? null : { constant: C, curve: Float64Array.from(cps, (t) => C * engine.log(t)) },
    };
  } finally {
    for (const p of made) p.free();
    for (const b of bufs) if (!b.freed) b.free();
  }
}

/** max_k Σ_{t' < t} x_t'(k) at each checkpoint t (adversarial regret's comparator), segment by segment in order. */
function staticComparator(env: Environment, cps: number[]): number[] {
  const K = env.arms, S = env.segments.length, cum = new Float64Array(K), out: number[] = [];
  let g = 0, at = 0;                      // cum holds the sums over rounds [0, at)
  for (const t of cps) {
    while (at < t) {
      const seg = env.segments[g]!, end = Math.min(t, g + 1 < S ? env.segments[g + 1]!.start : t);
      for (let k = 0; k < K; k++) cum[k] = cum[k]! + (end - at) * seg.means[k]!;
      at = end;
      if (g + 1 < S && at >= env.segments[g + 1]!.start) g++;
    }
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (cum[k]! > m) m = cum[k]!;
    out.push(m);
  }
  return out;
}
