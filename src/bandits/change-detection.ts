// Change-detection wrappers for piecewise-stationary rewards: CUSUM-UCB (Liu, Lee & Shroff 2018,
// "A change-detection based framework for piecewise-stationary multi-armed bandit problem"),
// GLR-klUCB (Besson, Kaufmann, Maillard & Seznec 2022, "Efficient change-point detection for tackling
// piecewise-stationary bandits", JMLR) and M-UCB (Cao, Wen, Kveton & Xie 2019, "Nearly optimal adaptive
// procedure with change detection for piecewise-stationary bandit"). Each wraps ANY arm-feedback
// policy of the registry (context-free or contextual), named with its options:
//   new bandits.CUSUM(engine, { arms: 5, horizon: 1e5, changes: 4, inner: { policy: 'KLUCB', family: 'bernoulli' } })
// Kernels: assembly/bandits/changedet.ts.
//
// ROUNDS: one learned event is one round (as ./nonstationary.ts). learn(events) runs the detector
// kernel over the whole batch (one wasm call: statistics, test, detector resets, the list of alarms),
// then feeds the inner policy the events up to and including each alarm's event (one inner learn
// call per segment: a batch without an alarm is exactly two wasm calls, the detector's and the inner
// policy's own learn kernel, which the wrapper cannot fuse because the inner policy is any policy) and
// restarts it there with Policy.restart (that arm's statistics: a local restart; every arm's and the
// header: a global one). So the inner policy sees exactly the one-event-at-a-time sequence of the
// papers: observe, update, test, restart.
//
// DECIDE (pure): the inner policy's decision (its own kernel), then one mix kernel:
// * exploration 'random' (CUSUM-UCB's): with probability alpha, an arm drawn uniformly from the allowed
//   ones (its own PRNG streams S_CD_EXPLORE/S_CD_UNIFORM, independent of the inner policy's draws),
//   else the inner policy's arm. propensity = alpha/m + (1 − alpha)·P_inner(arm), exact: P_inner of an
//   arm the inner policy did not choose is known for argmax policies (1/#ties of the maximal scores,
//   0 otherwise) and for policies whose scores are their probabilities (EXP3, Softmax, ...); for the
//   others (Thompson sampling, ε-greedy, ETC) 'random' exploration with alpha > 0 is refused.
// * exploration 'schedule' (M-UCB's and GLR-klUCB's): the round about to be played, t + 1, with
//   A = (t + 1 − τ) mod ⌊K/alpha⌋ (τ = the last global restart for M-UCB, 0 for GLR), plays arm A − 1
//   when 1 <= A <= K (propensity 1, deterministic given the state), else the inner policy's decision.
//   Decisions between two learn calls share the round (t counts learned events).
//
// STATE: the wrapper's own f64 state (header [t, τ, alarms, last alarm round], then the detector's
// per-arm slots) plus the inner policy (its own state and arms, kept in step: addArm/removeArm act on
// both). save() holds both in one state file (the inner policy's values after the wrapper's; the
// state version is 1000·wrapper + inner layout version); bandits.load checks both as strictly as each
// alone (inner options, layout, every value).
import { requireEngine, type Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, requireObject, StateError, suggest, UnsupportedError } from '../errors.js';
import { fillMasks, type BatchDecision } from './contextual.js';
import { Policy, type BanditEvent, type DecideRequest, type Decision, type Layout, type LearnResult, type OptionCheck, type PolicyClass, type PolicyOptions } from './policy.js';
import { readStateFile, writeStateFile, type BanditManifest } from './state-file.js';
import { encodeIds, Hasher } from './rng.js';
import { bandits } from './index.js';

const HEADER = 4;
/** KLUCB's reward families in its kernels' order (src/bandits/index-policies.ts). */
const KL_FAMILIES: readonly string[] = ['bernoulli', 'gaussian', 'poisson', 'exponential'];
/** Most horizon / changes a wrapper's default tuning takes. */
export const MAX_HORIZON = 2 ** 53 - 1;
/** Most observations per arm a GLR history or an M-UCB window holds. */
export const MAX_HISTORY = 100_000;

/** Inner policies whose decision is the argmax of their scores with uniform tie-breaking (P(arm) = 1/#ties of the max). */
const ARGMAX = new Set(['UCB1', 'UCBV', 'MOSS', 'MOSSAnytime', 'KLUCB', 'IMED', 'BayesUCB', 'SWUCB', 'DiscountedUCB', 'LinUCB', 'HybridLinUCB']);
/** Inner policies whose scores are the probability of each arm. */
const PROBABILITIES = new Set(['EXP3', 'EXP3IX', 'EXP3P', 'TsallisINF', 'Softmax', 'EXP4']);

/** The inner policy of a wrapper: its registry name and its options (not arms, copies, seed or dedupWindow: the wrapper's). */
export interface InnerSpec { policy: string; [option: string]: unknown }
export type Exploration = 'random' | 'schedule';
export type RestartScope = 'local' | 'global';

/** Options of every change-detection wrapper. */
export interface ChangeDetectionOptions extends PolicyOptions {
  /** The wrapped policy, { policy: name in bandits.policyClasses(), ...its options } (default per wrapper). Its warmStart, if any, is applied and not saved. */
  inner?: InnerSpec;
  /** Horizon T for the default tuning (an integer in [2, 2^53)); needed unless every tuned option is given. */
  horizon?: number;
  /** Υ_T, the number of change points the default tuning assumes (an integer in [1, horizon), default 1). */
  changes?: number;
  /** Forced-exploration fraction alpha in [0, 1] (default: the paper's tuning from horizon and changes). */
  alpha?: number;
  /** How forced exploration is drawn: 'random' (a coin per decision) or 'schedule' (M-UCB's round robin); default per wrapper. */
  exploration?: Exploration;
}
/**
 * Options of `bandits.CUSUM` (CUSUM-UCB: a two-sided CUSUM test per arm restarts the inner policy's
 * statistics on an alarm); unset fields take the defaults stated on each.
 */
export interface CUSUMOptions extends ChangeDetectionOptions {
  /** ε, the drift correction of the CUSUM statistics (default 0.05; Liu et al.'s analysis takes ε below half the smallest change). Range [0, 1]. */
  epsilon?: number;
  /** M, the warm-up: the mean of an arm's first M observations after a restart is the reference û₀ (default 100, SMPyBandits'). Integer in [1, 1e6]. */
  warmup?: number;
  /** h, the alarm threshold of g⁺ and g⁻ (default ln(T/Υ_T), Liu et al. Corollary 1 simplified). Range (0, 1e9]. */
  threshold?: number;
  /** 'local' (default, CUSUM-UCB: the arm is restarted) or 'global' (every arm). */
  restart?: RestartScope;
}
/**
 * Options of `bandits.GLR` (GLR-klUCB: a generalised likelihood-ratio change test per arm, Bernoulli or
 * sub-Gaussian, local or global restarts); unset fields take the defaults stated on each.
 */
export interface GLROptions extends ChangeDetectionOptions {
  /** 'bernoulli' (default: the Bernoulli GLR, kl of Bernoulli means; rewards in [0, 1]) or 'subgaussian' (the Gaussian GLR, σ-sub-Gaussian rewards of any range). */
  test?: 'bernoulli' | 'subgaussian';
  /** σ of the sub-Gaussian test (default 0.5: every distribution on [0, 1] is ½-sub-Gaussian). Range (0, 1e6]. */
  sigma?: number;
  /** δ, the confidence level of the test (default 1/√(Υ_T·T), Besson et al.'s tuning). Range (0, 1). */
  delta?: number;
  /** 'local' (default: the arm is restarted) or 'global' (every arm). */
  restart?: RestartScope;
  /** Observations per arm the test scans (the last `history` since the arm's restart; default 1000, 1 to 1e5). Bounded memory: 8·history B per arm. */
  history?: number;
}
/**
 * Options of `bandits.Monitored` (M-UCB: compares the two halves of a window of w rewards per arm, restarts
 * on a gap above b, explores a share γ uniformly); unset fields take the defaults stated on each.
 */
export interface MonitoredOptions extends ChangeDetectionOptions {
  /** w, the (even) window of the arm's last observations the test compares in halves (default from minChange, Cao et al. Remark 1). 2 to 1e5. */
  window?: number;
  /** b, the threshold on |Σ second half − Σ first half| (default √(w/2 · ln(2KT²)), Cao et al. Remark 1). Range (0, 1e9]. */
  threshold?: number;
  /** δ, the smallest change magnitude the default w is sized for (default 0.25). Range (0, 1]. */
  minChange?: number;
}

const intIn = (lo: number, hi: number, dflt: number | undefined): OptionCheck => (v, n) => {
  if (v === undefined) return dflt as number;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`${n} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
};
const oneOf = (values: readonly string[], dflt: string): OptionCheck => (v, n) => {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !values.includes(v)) throw new HyperparameterError(`${n} must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`);
  return v;
};

/** Checks the inner spec's shape; returns the policy name (the options are read by the constructor). */
const innerCheck = (dflt: string): OptionCheck => (v, n) => {
  if (v === undefined) return dflt;
  requireObject(n, v);
  const o = v as Record<string, unknown>;
  if (typeof o.policy !== 'string') throw new HyperparameterError(`${n}.policy must be a policy name (a string), got ${describe(o.policy)}`);
  for (const k of ['arms', 'copies', 'seed', 'dedupWindow']) if (k in o) throw new HyperparameterError(`${n} must not set ${k} (the wrapper's ${k} is the inner policy's)`);
  return o.policy;
};

/** The common tuning inputs, checked (horizon undefined when absent). */
function tuning(o: Record<string, unknown>): { T: number | undefined; U: number } {
  const T = o.horizon === undefined ? undefined : intIn(2, MAX_HORIZON, 0)(o.horizon, 'horizon') as number;
  const U = intIn(1, MAX_HORIZON, 1)(o.changes, 'changes') as number;
  if (T !== undefined && U >= T) throw new HyperparameterError(`changes (${U}) must be below horizon (${T})`);
  return { T, U };
}
function needHorizon(T: number | undefined, kind: string, what: string): number {
  if (T === undefined) throw new HyperparameterError(`${kind} needs horizon (and changes) to tune ${what}, or ${what} given explicitly`);
  return T;
}
const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

abstract class ChangeDetection extends Policy {
  protected abstract get ownVersion(): number;
  /** The wrapped policy (its state is the wrapper's to change: learn and arms go through the wrapper). */
  readonly inner!: Policy;
  private innerOpts!: Record<string, unknown>;
  private mode!: 0 | 1 | 2;
  private readonly cdHasher = new Hasher();
  private pendingEvents: readonly BanditEvent[] | null = null;
  private pendingCopies: { props?: Float64Array; probs?: Float64Array } | null = null;

  constructor(engine: Engine, options: ChangeDetectionOptions, resolve: (o: Record<string, unknown>, engine: Engine) => Record<string, unknown>) {
    requireEngine(engine);
    const kind = new.target.name;
    if (options !== null && typeof options === 'object' && (options as { warmStart?: unknown }).warmStart !== undefined) {
      throw new HyperparameterError(`${new.target.name} takes no warmStart of its own: give the inner policy's in inner.warmStart`);
    }
    super(engine, (options !== null && typeof options === 'object' && !Array.isArray(options) ? resolve(options as unknown as Record<string, unknown>, engine) : options) as PolicyOptions);
    try {
      const spec = (options.inner ?? { policy: this.hyper.inner as string }) as Record<string, unknown>;
      const classes = bandits.policyClasses();
      const name = spec.policy as string;
      if (!Object.prototype.hasOwnProperty.call(classes, name)) throw new HyperparameterError(`inner.policy: unknown policy ${JSON.stringify(name)}${suggest(name, Object.keys(classes))}`);
      const C = classes[name] as PolicyClass;
      if (C.prototype instanceof ChangeDetection) throw new HyperparameterError(`inner.policy: ${name} is a change-detection wrapper itself (wrap the policy it wraps)`);
      const { policy: _p, ...rest } = spec;
      let inner: Policy;
      try {
        inner = new C(engine, { ...rest, arms: this.K, copies: this.copies, seed: this.seed, dedupWindow: 0 } as PolicyOptions & Record<string, unknown>);
      } catch (e) {
        if (e instanceof HyperparameterError || e instanceof InvalidArgumentError) throw new HyperparameterError(`inner ${name}: ${e.message}`);
        throw e;
      }
      (this as { inner: Policy }).inner = inner;
      const keys = (inner as unknown as { eventKeys(): string[] }).eventKeys();
      if (!keys.includes('arm') || !keys.includes('reward')) throw new HyperparameterError(`inner.policy: ${name} learns without per-arm rewards (full information); a change detector watches the played arm's rewards`);
      const { warmStart: _w, ...saved } = rest;
      this.innerOpts = { policy: name, ...saved };
      this.mode = ARGMAX.has(name) ? 0 : PROBABILITIES.has(name) ? 1 : 2;
      if (this.hyper.exploration === 'random' && this.mode === 2 && this.alpha > 0) {
        throw new HyperparameterError(`${kind}: exploration 'random' needs the inner policy's probability of every arm for an exact propensity, which ${name} does not give; use exploration: 'schedule' (or alpha: 0)`);
      }
      this.checkTuning();
    } catch (e) { this.free(); throw e; }
  }

  /** The forced-exploration fraction in use. */
  get alpha(): number { return this.hyper.alpha as number; }
  /** Extra checks of the resolved options (after the inner policy exists). */
  protected checkTuning(): void {}

  protected get version(): number { return 1000 * this.ownVersion + (this.inner as unknown as { version: number }).version; }
  /** Rounds learned, alarms raised and the round of the last alarm, of copy `copy` (default 0). */
  detections(copy = 0): { rounds: number; alarms: number; lastAlarm: number; phase: number } {
    this.checkLive();
    if (typeof copy !== 'number' || !Number.isInteger(copy) || copy < 0 || copy >= this.copies) throw new InvalidArgumentError(`copy must be an integer in [0, ${this.copies - 1}], got ${describe(copy)}`);
    const s = this.state.array, b = copy * this.stride();
    return { rounds: s[b]!, alarms: s[b + 2]!, lastAlarm: s[b + 3]!, phase: s[b + 1]! };
  }
  override get options(): Record<string, unknown> {
    const o = super.options;
    return { ...o, inner: { ...this.innerOpts } };
  }

  // ---- requests and events are the inner policy's ----
  protected override requestKeys(): string[] { return (this.inner as unknown as { requestKeys(): string[] }).requestKeys(); }
  protected override eventKeys(): string[] { return (this.inner as unknown as { eventKeys(): string[] }).eventKeys(); }
  protected override checkEvent(e: Record<string, unknown>, where: string): void { (this.inner as unknown as { checkEvent(e: unknown, w: string): void }).checkEvent(e, where); }
  /** The inner policy's reward model; the Bernoulli-scale detectors also need rewards in [0, 1]. */
  protected checkReward(r: number, where: string): void {
    (this.inner as unknown as { checkReward(r: number, w: string): void }).checkReward(r, where);
    if (this.unitRewards() && !(r >= 0 && r <= 1)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [0, 1] (${this.kind}'s detector takes rewards in [0, 1])`);
  }
  protected unitRewards(): boolean { return true; }

  // ---- decide ----
  private innerOverridesDecide(): boolean { return (this.inner as unknown as { decide: unknown }).decide !== Policy.prototype.decide; }
  override decide(req: DecideRequest): Decision {
    this.checkLive();
    if (!this.innerOverridesDecide()) return super.decide(req);
    // a contextual inner policy decides itself (context, action sets); the mix runs on its decision
    const d = this.inner.decide(req);
    const K = this.K, Kp = this.Kp;
    const h = this.cdHasher.hash(this.engine, encodeIds([req.eventId], () => 'decide request'));
    const arm = this.engine.alloc(1, 'i32'), prop = this.engine.alloc(1, 'f64');
    let sc: EngineBuffer<'f64'> | undefined, mk: EngineBuffer<'u8'> | undefined, hb: EngineBuffer<'i32'> | undefined;
    try {
      sc = this.engine.alloc(Math.max(K, 1), 'f64'); mk = this.engine.alloc(Kp, 'u8'); hb = this.engine.alloc(2, 'i32');
      const actions = (req as unknown as { actions?: readonly number[] }).actions;
      const m = mk.array;
      if (actions === undefined) m.set(this.mask.array.subarray(0, Kp));
      else for (const k of actions) m[k] = 1;
      arm.array[0] = d.arm; prop.array[0] = d.propensity; sc.array.set(d.scores); hb.array.set(h);
      this.mix(1, hb.ptr, arm.ptr, prop.ptr, sc.ptr, mk.ptr, 0);
      return { arm: arm.array[0]!, propensity: prop.array[0]!, scores: d.scores };
    } finally { arm.free(); prop.free(); sc?.free(); mk?.free(); hb?.free(); }
  }
  /**
   * B decisions of a contextual inner policy in one call: the inner policy's decideBatch (its contexts,
   * eventIds and options, checked as it checks them, with its errors: nothing changes on a refusal),
   * then the forced-exploration mix of all B decisions in one wasm call (per-context action sets
   * respected). Row b is bit for bit what decide({ eventId: eventIds[b], context: row b, ... }) gives.
   * Pure. A context-free inner policy has no decideBatch (UnsupportedError): use decide or decideCopies.
   */
  decideBatch(contexts: ArrayLike<number>, eventIds: readonly string[], options: Record<string, unknown> = {}, where = 'decideBatch'): BatchDecision {
    this.checkLive();
    const inner = this.inner as unknown as { decideBatch?: (c: ArrayLike<number>, ids: readonly string[], o: Record<string, unknown>, w: string) => BatchDecision };
    if (typeof inner.decideBatch !== 'function') {
      throw new UnsupportedError(`${this.kind} over ${this.inner.kind}: ${this.inner.kind} has no decideBatch (a context-free policy decides with decide() or decideCopies())`);
    }
    const out = inner.decideBatch.call(this.inner, contexts, eventIds, options, where);
    if (!(this.alpha > 0)) return out;
    const B = eventIds.length, K = this.K, Kp = this.Kp;
    const h = this.cdHasher.hash(this.engine, encodeIds(eventIds as string[], (i) => `${where}: eventIds[${i}]`));
    const sets = (options as { actions?: readonly (readonly number[] | null | undefined)[] }).actions;
    const arm = this.engine.alloc(B, 'i32'), prop = this.engine.alloc(B, 'f64');
    let sc: EngineBuffer<'f64'> | undefined, mk: EngineBuffer<'u8'> | undefined, hb: EngineBuffer<'i32'> | undefined;
    try {
      sc = this.engine.alloc(Math.max(B * K, 1), 'f64'); hb = this.engine.alloc(2 * B, 'i32');
      mk = sets === undefined ? undefined : this.engine.alloc(B * Kp, 'u8');
      if (mk && sets) fillMasks(mk.array, this.mask.array, sets, B, Kp);
      arm.array.set(out.arms); prop.array.set(out.propensities); sc.array.set(out.scores); hb.array.set(h);
      this.mix(B, hb.ptr, arm.ptr, prop.ptr, sc.ptr, mk ? mk.ptr : this.mask.ptr, mk ? Kp : 0, true);
      return { arms: arm.array.slice(0, B), propensities: prop.array.slice(0, B), scores: out.scores };
    } finally { arm.free(); prop.free(); sc?.free(); mk?.free(); hb?.free(); }
  }
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.innerDecideKernel(n, hashes, outArm, outProp, outScores);
    this.mix(n, hashes, outArm, outProp, outScores, this.mask.ptr, 0);
  }
  /** The inner policy's decision over copies [0, n) before the mix (default: its own decide kernel). */
  protected innerDecideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    (this.inner as unknown as { decideKernel(n: number, h: number, a: number, p: number, s: number): void }).decideKernel(n, hashes, outArm, outProp, outScores);
  }
  /** The forced-exploration mix over rows [0, n) in place (one wasm call): row r is copy r, or with `oneCopy` (a batch of contexts) every row is copy 0. */
  private mix(n: number, hashes: number, arm: number, prop: number, scores: number, mask: number, maskB: number, oneCopy = false): void {
    const alpha = this.alpha;
    if (!(alpha > 0)) return;
    if (this.hyper.exploration === 'random') {
      this.engine.run('bd_cd_mix', n, [this.K, mask, maskB, this.key[0], this.key[1], hashes, alpha, this.mode, arm, prop, scores], 1, 2 * this.K);
    } else {
      this.engine.run('bd_cd_schedule', n, [this.state.ptr, oneCopy ? 0 : this.stride(), this.K, mask, maskB, this.period(), this.usePhase() ? 1 : 0, arm, prop], 1, 1);
    }
  }
  /** ⌊K/alpha⌋, the forced-exploration period of the schedule (0 when alpha = 0). */
  protected period(): number { return this.alpha > 0 ? Math.floor(this.K / this.alpha) : 0; }
  /** Whether the schedule counts rounds from the last global restart (M-UCB) or from the start (GLR-klUCB). */
  protected usePhase(): boolean { return false; }

  // ---- learn ----
  /** Run the detector over n events (buffers), alarms into out (i32 pairs); returns the alarm count. One wasm call. */
  protected abstract detect(n: number, copies: number, arms: number, rewards: number, out: number): number;

  protected override packEvents(ev: readonly BanditEvent[], arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    super.packEvents(ev, arms, rewards);
    this.pendingEvents = ev;
  }
  override learn(events: readonly BanditEvent[]): LearnResult {
    try { return super.learn(events); } finally { this.pendingEvents = null; }
  }
  override learnCopies(copies: Int32Array, arms: Int32Array, rewards: Float64Array, propensities?: Float64Array, probabilities?: Float64Array): void {
    this.pendingCopies = { props: propensities, probs: probabilities };
    try { super.learnCopies(copies, arms, rewards); } finally { this.pendingCopies = null; }
  }
  protected override learnKernel(n: number, copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    const inner = this.inner as unknown as {
      packEvents(ev: readonly BanditEvent[], a: EngineBuffer<'i32'>, r: EngineBuffer<'f64'>): void;
      learnKernel(n: number, c: EngineBuffer<'i32'>, a: EngineBuffer<'i32'>, r: EngineBuffer<'f64'>): void;
    };
    const ev = this.pendingEvents;
    // learnCopies has no whole-batch check of what only the inner policy checks (an adversarial inner
    // policy's propensities, per segment): both states are kept to restore them if a later segment is refused.
    const snapshot = ev ? null : this.state.array.slice();
    const innerState = (this.inner as unknown as { state: EngineBuffer<'f64'> }).state;
    const innerSnapshot = ev ? null : innerState.array.slice();
    const out = this.engine.alloc(2 * n, 'i32');
    let list: Int32Array;
    try {
      const nr = this.detect(n, copies.ptr, arms.ptr, rewards.ptr, out.ptr);
      list = out.array.slice(0, 2 * nr);
    } finally { out.free(); }
    const C = copies.array.slice(0, n), A = arms.array.slice(0, n), X = rewards.array.slice(0, n);
    try {
      let from = 0;
      const segment = (to: number): void => {
        if (to <= from) return;
        if (ev) {
          if (from === 0 && to === n) { inner.packEvents(ev, arms, rewards); inner.learnKernel(n, copies, arms, rewards); return; }
          const cb = this.engine.from(C.subarray(from, to)) as EngineBuffer<'i32'>;
          let ab: EngineBuffer<'i32'> | undefined, rb: EngineBuffer<'f64'> | undefined;
          try {
            ab = this.engine.from(A.subarray(from, to)) as EngineBuffer<'i32'>;
            rb = this.engine.from(X.subarray(from, to)) as EngineBuffer<'f64'>;
            inner.packEvents(ev.slice(from, to), ab, rb);
            inner.learnKernel(to - from, cb, ab, rb);
          } finally { cb.free(); ab?.free(); rb?.free(); }
        } else {
          const p = this.pendingCopies, K = this.K;
          this.inner.learnCopies(C.subarray(from, to), A.subarray(from, to), X.subarray(from, to), p?.props?.subarray(from, to), p?.probs?.subarray(from * K, to * K));
        }
      };
      for (let j = 0; j < list.length; j += 2) {
        const i = list[j]!, arm = list[j + 1]!;
        segment(i + 1);
        from = i + 1;
        this.inner.restart(C[i]!, arm);
      }
      segment(n);
    } catch (e) {
      if (snapshot) this.state.array.set(snapshot);
      if (innerSnapshot) innerState.array.set(innerSnapshot);
      throw e;
    }
  }

  // ---- arms, restarts, state ----
  /** Append an arm to the inner policy (with its `prior` statistics) and to the detector (no history); returns its index. */
  override addArm(prior?: Record<string, ArrayLike<number> | number>): number {
    this.checkLive();
    this.inner.addArm(prior);
    return super.addArm();
  }
  override removeArm(arm: number): void {
    super.removeArm(arm);
    this.inner.removeArm(arm);
  }
  /** A manual restart (Policy.restart) resets the detector's statistics and the inner policy's alike. */
  protected override afterRestart(copy: number, arm: number): void { this.inner.restart(copy, arm); }

  override save(): Uint8Array {
    this.checkLive();
    const { manifest, state, window } = readStateFile(this.engine, super.save());
    const inner = this.inner as unknown as { state: EngineBuffer<'f64'> };
    const all = new Float64Array(state.length + inner.state.length);
    all.set(state); all.set(inner.state.array, state.length);
    const { entries: _e, payloadBytes: _b, ...m } = manifest;
    return writeStateFile(this.engine, m, all, window);
  }
  /** @internal the wrapper's values, then the inner policy's (checked as its own state file would be). */
  override installState(m: BanditManifest, state: Float64Array, window: Int32Array): void {
    const own = this.copies * this.stride();
    const inner = this.inner as unknown as { state: EngineBuffer<'f64'>; version: number; layout(): Layout };
    const want = own + inner.state.length;
    if (state.length !== want) throw new StateError(`state file state has ${state.length} values, ${this.kind} over ${this.inner.kind} with ${this.K} arms and ${this.copies} copies has ${want}`);
    super.installState(m, state.subarray(0, own), window);
    const L = inner.layout();
    const im = { ...m, policy: this.inner.kind, policyVersion: inner.version, layout: { header: L.header, slots: L.slots.map((s) => ({ name: s.name, width: s.width })) }, window: { capacity: 0, size: 0, head: 0 } } as BanditManifest;
    try { this.inner.installState(im, state.slice(own), new Int32Array(0)); } catch (e) {
      if (e instanceof StateError) throw new StateError(`inner ${this.inner.kind}: ${e.message}`);
      throw e;
    }
  }
  /** Header of every copy: rounds an integer >= 0; alarms and the last alarm's round integers in [0, rounds]; phase in [0, last]. */
  protected override checkHeader(state: Float64Array, stride: number): void {
    for (let r = 0; r < this.copies; r++) {
      const b = r * stride, t = state[b]!, tau = state[b + 1]!, al = state[b + 2]!, last = state[b + 3]!, cw = this.copies > 1 ? ` of copy ${r}` : '';
      if (!(Number.isInteger(t) && t >= 0 && t <= MAX_HORIZON)) throw new StateError(`state file rounds${cw} ${t} is not an integer >= 0`);
      if (!(Number.isInteger(al) && al >= 0 && al <= t)) throw new StateError(`state file alarms${cw} ${al} is not an integer in [0, rounds = ${t}]`);
      if (!(Number.isInteger(last) && last >= 0 && last <= t && (al > 0 || last === 0))) throw new StateError(`state file last alarm round${cw} ${last} is inconsistent (rounds ${t}, alarms ${al})`);
      if (!(Number.isInteger(tau) && tau >= 0 && tau <= last)) throw new StateError(`state file restart phase${cw} ${tau} is not an integer in [0, last alarm round = ${last}]`);
      for (let k = 0; k < this.K; k++) {
        const n = state[b + align2(HEADER) + k]!;
        if (!(n <= t)) throw new StateError(`state file arm ${k}${cw}: ${n} observations since its restart exceed the ${t} rounds`);
      }
    }
  }

  override free(): void {
    if (this.freed) return;
    if (!this.engine.isDisposed) { this.inner?.free(); this.cdHasher.free(); }
    super.free();
  }
}
const align2 = (n: number): number => n + (n & 1);
/** Observation count of an arm since its restart: a non-negative integer. */
function checkSamples(n: number, where: string): void {
  if (!(Number.isInteger(n) && n >= 0 && n <= MAX_HORIZON)) throw new StateError(`${where}: samples ${n} is not an integer >= 0`);
}

/**
 * CUSUM-UCB (Liu, Lee & Shroff 2018, Algorithms 1–2) over any policy (default UCB1, whose ln t then
 * uses n_t = Σ N_i, the pulls since each arm's restart, as CD-UCB does). Per arm, after a restart: the
 * mean of its first M = `warmup` observations is û₀; every later observation y updates the two-sided
 * CUSUM g⁺ = max(0, g⁺ + y − û₀ − ε), g⁻ = max(0, g⁻ + û₀ − y − ε); an alarm (g⁺ >= h or g⁻ >= h)
 * restarts that arm (restart: 'global': every arm) in the detector and in the inner policy.
 * Forced exploration (default 'random', the paper's): with probability alpha a uniformly random arm.
 * Defaults (Corollary 1 with its constants dropped, as SMPyBandits): h = ln(T/Υ_T),
 * alpha = √(Υ_T/T · ln(T/Υ_T)) (T = horizon, Υ_T = changes). Rewards in [0, 1].
 * State: 32 B per arm + 32 B per copy, plus the inner policy's.
 */
export class CUSUM extends ChangeDetection {
  /** The inner policy when `inner` is not given. */
  static readonly defaultInner = 'UCB1';
  readonly kind = 'CUSUM';
  protected get ownVersion(): number { return 1; }
  constructor(engine: Engine, options: CUSUMOptions) {
    super(engine, options, (o, en) => {
      if (o.threshold !== undefined && o.alpha !== undefined) return o;
      const { T, U } = tuning(o);
      const r: Record<string, unknown> = { ...o };
      if (r.threshold === undefined) r.threshold = en.log(needHorizon(T, 'CUSUM', 'threshold') / U);
      if (r.alpha === undefined) { const t = needHorizon(T, 'CUSUM', 'alpha'); r.alpha = clamp01(Math.sqrt((U / t) * en.log(t / U))); }
      return r;
    });
  }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      inner: innerCheck(CUSUM.defaultInner), horizon: intIn(2, MAX_HORIZON, undefined), changes: intIn(1, MAX_HORIZON, 1),
      epsilon: (v, n) => (v === undefined ? 0.05 : checkRange(n, v, 0, 1)), warmup: intIn(1, 1_000_000, 100),
      threshold: (v, n) => checkRange(n, v, 0, 1e9, true), alpha: (v, n) => checkRange(n, v, 0, 1),
      restart: oneOf(['local', 'global'], 'local'), exploration: oneOf(['random', 'schedule'], 'random'),
    };
  }
  protected layout(): Layout {
    return { header: HEADER, slots: [{ name: 'samples', width: 1 }, { name: 'u0', width: 1 }, { name: 'gPlus', width: 1 }, { name: 'gMinus', width: 1 }] };
  }
  /** samples an integer >= 0; u0 in [0, min(samples, M)] (a sum of rewards in [0, 1]); g± >= 0 and below h (an alarm resets them), 0 during the warm-up. */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    const n = v.samples![0]!, u0 = v.u0![0]!, gp = v.gPlus![0]!, gm = v.gMinus![0]!, M = this.hyper.warmup as number, h = this.hyper.threshold as number;
    checkSamples(n, where);
    if (!(u0 >= 0 && u0 <= Math.min(n, M))) throw new StateError(`${where}: u0 ${u0} is not a sum of min(samples, warmup) rewards in [0, 1]`);
    for (const [k, g] of [['gPlus', gp], ['gMinus', gm]] as const) {
      if (!(g >= 0 && g < h) || (n <= M && g !== 0)) throw new StateError(`${where}: ${k} ${g} is not in [0, threshold = ${h}) (0 during the warm-up)`);
    }
  }
  protected detect(n: number, copies: number, arms: number, rewards: number, out: number): number {
    return this.engine.kernel('bd_cusum_learn')(this.state.ptr, this.stride(), this.Kp, n, copies, arms, rewards,
      this.hyper.warmup as number, this.hyper.epsilon as number, this.hyper.threshold as number, this.hyper.restart === 'global' ? 1 : 0, out);
  }
}

/**
 * GLR-klUCB (Besson, Kaufmann, Maillard & Seznec 2022, Algorithm 1) over any policy (default KLUCB).
 * After each observation of an arm, the GLR test over its observations y_1..y_n since its restart
 * (the last `history` of them): an alarm when for some split s in [1, n−1]
 *   'bernoulli':   s·kl(μ̂_{1:s}, μ̂_{1:n}) + (n − s)·kl(μ̂_{s+1:n}, μ̂_{1:n}) >= β(n, δ) = ln(3n^{3/2}/δ)
 *                  (kl of Bernoulli means; the threshold the paper recommends in practice),
 *   'subgaussian': s(n − s)/n · (μ̂_{1:s} − μ̂_{s+1:n})² / (2σ²) >= (1 + 1/n)·ln(2n√(n + 1)/δ)
 *                  (the Gaussian GLR with Maillard's 2019 Laplace threshold for σ-sub-Gaussian rewards);
 * the arm (restart: 'global': every arm) is restarted in the detector and the inner policy.
 * Forced exploration (default 'schedule', the paper's): rounds t with t mod ⌊K/alpha⌋ = A in [1, K]
 * play arm A − 1. Defaults (the paper's tuning): δ = 1/√(Υ_T·T), alpha = √(Υ_T·ln T / T) (global) or
 * √(K·Υ_T·ln T / T) (local). Clock: with local restarts the index of arm a uses the paper's per-arm
 * time t − τ_a (t the rounds learned, τ_a the round of a's last restart, kept per arm in the slot
 * restartRound) when the inner policy is KLUCB (GLR-klUCB itself) or UCB1, in one wasm call
 * (bd_glr_local_decide: the inner's own index with that clock; max(t − τ_a, n_a), which only differs
 * where an inner warm start gave pulls no rounds). Other inner policies keep their own clock (most
 * have none: IMED, LinUCB, Thompson sampling); with global restarts the inner clock Σ n is t − τ
 * already. Each test scans the arm's history: O(history) per learned event. State: 8·(history + 1)
 * B per arm (+ 8 B with local restarts) + 32 B per copy. State version 2 with local restarts (1 global).
 */
export class GLR extends ChangeDetection {
  /** The inner policy when `inner` is not given. */
  static readonly defaultInner = 'KLUCB';
  readonly kind = 'GLR';
  protected get ownVersion(): number { return this.local() ? 2 : 1; }
  /** Local restarts: the per-arm restart round is kept (slot restartRound). */
  private local(): boolean { return this.hyper.restart === 'local'; }
  /** The inner index kernel run with the per-arm clock: 0 UCB1, 1 KLUCB, -1 none (the inner's own decide). */
  private clockKind(): number {
    if (!this.local()) return -1;
    const k = this.inner.kind;
    return k === 'UCB1' ? 0 : k === 'KLUCB' ? 1 : -1;
  }
  protected override innerDecideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    const kind = this.clockKind();
    if (kind < 0) { super.innerDecideKernel(n, hashes, outArm, outProp, outScores); return; }
    const inner = this.inner as unknown as { state: EngineBuffer<'f64'>; slotOffset(n: string): number; stride(): number; key: [number, number]; hyper: Record<string, unknown> };
    const h = inner.hyper;
    const fam = kind === 1 ? KL_FAMILIES.indexOf(h.family as string) : 0;
    this.engine.run('bd_glr_local_decide', n, [this.state.ptr, this.stride(), inner.state.ptr + 8 * inner.slotOffset('pulls'), inner.stride(), this.Kp, this.K,
      this.mask.ptr, inner.key[0], inner.key[1], hashes, kind, (kind === 0 ? h.alpha : h.c) as number, fam, kind === 1 ? h.variance as number : 0,
      outArm, outProp, outScores], 1, 64 * this.K);
  }
  override addArm(prior?: Record<string, ArrayLike<number> | number>): number {
    const k = super.addArm(prior);
    // the new arm's clock starts now (as after a restart)
    if (this.local()) this.engine.run('bd_glr_stamp', this.copies, [this.state.ptr, this.stride(), this.Kp, k, k + 1], 1, 1);
    return k;
  }
  protected override afterRestart(copy: number, arm: number): void {
    if (this.local() && arm >= 0) this.engine.kernel('bd_glr_stamp')(copy, copy + 1, this.state.ptr, this.stride(), this.Kp, arm, arm + 1);
    super.afterRestart(copy, arm);
  }
  /** With local restarts also: restartRound an integer in [0, rounds], and samples <= rounds − restartRound. */
  protected override checkHeader(state: Float64Array, stride: number): void {
    super.checkHeader(state, stride);
    if (!this.local()) return;
    const off = this.slotOffset('restartRound'), so = this.slotOffset('samples');
    for (let r = 0; r < this.copies; r++) {
      const b = r * stride, t = state[b]!, cw = this.copies > 1 ? ` of copy ${r}` : '';
      for (let k = 0; k < this.K; k++) {
        const tau = state[b + off + k]!, n = state[b + so + k]!;
        if (!(Number.isInteger(tau) && tau >= 0 && tau <= t)) throw new StateError(`state file arm ${k}${cw}: restartRound ${tau} is not an integer in [0, rounds = ${t}]`);
        if (!(n <= t - tau)) throw new StateError(`state file arm ${k}${cw}: ${n} observations since its restart exceed the ${t - tau} rounds since round ${tau}`);
      }
    }
  }
  private lnInvDelta = 0;
  constructor(engine: Engine, options: GLROptions) {
    super(engine, options, (o, en) => {
      if (o.delta !== undefined && o.alpha !== undefined) return o;
      const { T, U } = tuning(o);
      const r: Record<string, unknown> = { ...o };
      if (r.delta === undefined) r.delta = 1 / Math.sqrt(U * needHorizon(T, 'GLR', 'delta'));
      if (r.alpha === undefined) {
        const t = needHorizon(T, 'GLR', 'alpha'), K = typeof o.arms === 'number' && o.arms >= 1 ? o.arms : 1;
        r.alpha = clamp01(Math.sqrt(((o.restart ?? 'local') === 'local' ? K : 1) * U * en.log(t) / t));
      }
      return r;
    });
    this.lnInvDelta = -engine.log(this.hyper.delta as number);
  }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      inner: innerCheck(GLR.defaultInner), horizon: intIn(2, MAX_HORIZON, undefined), changes: intIn(1, MAX_HORIZON, 1),
      test: oneOf(['bernoulli', 'subgaussian'], 'bernoulli'), sigma: (v, n) => (v === undefined ? 0.5 : checkRange(n, v, 0, 1e6, true)),
      delta: (v, n) => checkRange(n, v, 0, 1, true, true), alpha: (v, n) => checkRange(n, v, 0, 1),
      restart: oneOf(['local', 'global'], 'local'), exploration: oneOf(['random', 'schedule'], 'schedule'), history: intIn(2, MAX_HISTORY, 1000),
    };
  }
  protected override unitRewards(): boolean { return this.hyper.test === 'bernoulli'; }
  protected layout(): Layout {
    return { header: HEADER, slots: [{ name: 'samples', width: 1 }, ...(this.local() ? [{ name: 'restartRound', width: 1 }] : []), { name: 'history', width: this.hyper.history as number }] };
  }
  protected checkArm(v: Record<string, Float64Array>, where: string): void { checkRing(v, where, this.hyper.history as number, this.hyper.test === 'bernoulli'); }
  protected detect(n: number, copies: number, arms: number, rewards: number, out: number): number {
    const sg = this.hyper.sigma as number;
    return this.engine.kernel('bd_glr_learn')(this.state.ptr, this.stride(), this.Kp, n, copies, arms, rewards,
      this.hyper.history as number, this.hyper.test === 'bernoulli' ? 0 : 1, this.lnInvDelta, 1 / (2 * sg * sg), this.hyper.restart === 'global' ? 1 : 0, out);
  }
}

/** samples an integer >= 0; the ring's filled entries (unit: rewards in [0, 1]); zero past min(samples, W). */
function checkRing(v: Record<string, Float64Array>, where: string, W: number, unit: boolean): void {
  const n = v.samples![0]!, h = v.history!;
  checkSamples(n, where);
  const filled = Math.min(n, W);
  for (let i = 0; i < W; i++) {
    const x = h[i]!;
    if (i >= filled ? x !== 0 : unit && !(x >= 0 && x <= 1)) throw new StateError(`${where}: history[${i}] ${x} is ${i >= filled ? 'not zero past the observations' : 'not a reward in [0, 1]'}`);
  }
}

/**
 * M-UCB (Cao, Wen, Kveton & Xie 2019, Algorithm 1) over any policy (default UCB1: after a global
 * restart its ln t is ln(t − τ), the paper's). Once an arm has w observations since the last restart,
 * the test on its last w: |Σ of the newer w/2 − Σ of the older w/2| > b; an alarm restarts every arm
 * (M-UCB's restarts are global) in the detector and the inner policy, and τ = t. Forced exploration
 * (default 'schedule', the paper's): A = (t − τ) mod ⌊K/alpha⌋ in [1, K] plays arm A − 1.
 * Defaults (Remark 1, with δ = minChange): w = 4/δ²·(√ln(2KT²) + √ln(2T))² rounded up to even
 * (at most 1e5), b = √(w/2 · ln(2KT²)), alpha = γ = √(Υ_T·K·min(w/2, ⌈b/δ⌉ + 3√w) / (2T)) (clipped
 * to 1). Rewards in [0, 1]. State: 8·(w + 1) B per arm + 32 B per copy.
 */
export class Monitored extends ChangeDetection {
  /** The inner policy when `inner` is not given. */
  static readonly defaultInner = 'UCB1';
  readonly kind = 'Monitored';
  protected get ownVersion(): number { return 1; }
  constructor(engine: Engine, options: MonitoredOptions) {
    super(engine, options, (o, en) => {
      if (o.window !== undefined && o.threshold !== undefined && o.alpha !== undefined) return o;
      const { T, U } = tuning(o);
      const r: Record<string, unknown> = { ...o };
      const K = typeof o.arms === 'number' && o.arms >= 1 ? o.arms : 1;
      const d = o.minChange === undefined ? 0.25 : checkRange('minChange', o.minChange, 0, 1, true);
      const t = needHorizon(T, 'Monitored', 'window, threshold and alpha');
      const l2KT2 = en.log(2 * K) + 2 * en.log(t);
      if (r.window === undefined) {
        const w = Math.ceil((4 / (d * d)) * (Math.sqrt(l2KT2) + Math.sqrt(en.log(2 * t))) ** 2);
        r.window = Math.min(MAX_HISTORY, w + (w & 1));
      }
      const w = intIn(2, MAX_HISTORY, 0)(r.window, 'window') as number;
      if (r.threshold === undefined) r.threshold = Math.sqrt((w / 2) * l2KT2);
      const b = checkRange('threshold', r.threshold, 0, 1e9, true);
      if (r.alpha === undefined) r.alpha = clamp01(Math.sqrt((U * K * Math.min(w / 2, Math.ceil(b / d) + 3 * Math.sqrt(w))) / (2 * t)));
      return r;
    });
  }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      inner: innerCheck(Monitored.defaultInner), horizon: intIn(2, MAX_HORIZON, undefined), changes: intIn(1, MAX_HORIZON, 1),
      window: (v, n) => { const w = intIn(2, MAX_HISTORY, 0)(v, n) as number; if (w % 2) throw new HyperparameterError(`${n} must be even, got ${w}`); return w; },
      threshold: (v, n) => checkRange(n, v, 0, 1e9, true), minChange: (v, n) => (v === undefined ? 0.25 : checkRange(n, v, 0, 1, true)),
      alpha: (v, n) => checkRange(n, v, 0, 1), exploration: oneOf(['random', 'schedule'], 'schedule'),
    };
  }
  protected override usePhase(): boolean { return true; }
  protected layout(): Layout { return { header: HEADER, slots: [{ name: 'samples', width: 1 }, { name: 'history', width: this.hyper.window as number }] }; }
  protected checkArm(v: Record<string, Float64Array>, where: string): void { checkRing(v, where, this.hyper.window as number, true); }
  protected detect(n: number, copies: number, arms: number, rewards: number, out: number): number {
    return this.engine.kernel('bd_mucb_learn')(this.state.ptr, this.stride(), this.Kp, n, copies, arms, rewards,
      this.hyper.window as number, this.hyper.threshold as number, out);
  }
}
