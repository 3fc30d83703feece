// The decision log: delayed feedback for a served policy (issue 10 §1).
//
// SERVING MODEL. log.decide(req) asks the policy (pure: the state does not change) and records the
// decision: eventId, arm, propensity, the policy version, the time and a hash of the context (FNV-1a
// 64 of its f64 bytes, computed in wasm like the eventId hashes), plus what the policy's learn() needs
// later (the context itself, HybridLinUCB's shared features, EXP4's advice, the decision-time probability vector of EXP3.P and
// Tsallis-INF) and what each shadow (challenger) policy would have chosen. Rewards arrive later, in any
// order, in batches: log.rewards(batch) matches each one to its decision by eventId and learns the
// matched events in ONE policy.learn call, in the order the rewards arrived (the order rule of the
// policies whose update does not commute: see the README section "Delayed feedback").
// * Time-to-live: a decision that has waited `ttl` (clock units; milliseconds with the default
//   Date.now clock) without a reward expires: with `defaultReward` set it is learned with that reward
//   (a missing click is a 0), else it is dropped. Expiry runs first in rewards() and expire().
// * Late and duplicate rewards: the log remembers the last `memory` resolved eventIds (learned,
//   defaulted, dropped, evicted) and what became of them. A reward for an expired, dropped or evicted
//   decision is counted in `late` and not applied (a defaulted decision is never learned twice); a
//   second reward for a learned one is counted in `duplicates`. A reward for an id the log never saw
//   (or has forgotten) raises InvalidArgumentError naming it, with nothing changed (or, with
//   unknownRewards: 'count', is counted in `unknown`).
// * Bounded: at most `capacity` decisions wait; deciding one more evicts the oldest waiting one,
//   counted in `evicted` and passed to `onEvict`.
// * Bad input never half-applies: a rewards() batch is checked whole (ids, reward values checked by the
//   policy's own event check) before anything changes; a malformed exported log is refused by
//   DecisionLog.fromJSON with a StateError.
// * Time is never allowed to run backwards: `now` below the latest time seen is taken as that time.
// * Over a ServedPolicy (new DecisionLog(served, ...)): decisions go through the rails (holdout coin,
//   policy, exploration floor), so every entry records the rails' policyVersion, its group ('policy' or
//   'holdout') and whether the floor explored, and its propensity is the served one (the floor
//   mixture's, conditional on the group). Joined rewards of the 'policy' group are learned by the
//   served policy with that propensity; those of the 'holdout' group are resolved and returned in
//   `records` (what off-policy evaluation of the holdout reads) but never learned, and counted in
//   `holdout`.
import { describe, HyperparameterError, InvalidArgumentError, requireObject, StateError, suggest } from '../../errors.js';
import { Policy, type Decision } from '../policy.js';
import { encodeIds, Hasher } from '../rng.js';
import { ServedPolicy } from './served.js';

export const LOG_FORMAT = 'simdopt/decision-log';
export const LOG_VERSION = 1;
/** Most waiting decisions / remembered resolved ids of one log. */
export const MAX_LOG_CAPACITY = 10_000_000;

/**
 * Options of `bandits.DecisionLog`, which holds served decisions until their rewards arrive (delayed
 * feedback); unset fields take the defaults stated on each.
 */
export interface DecisionLogOptions {
  /** Most decisions waiting for a reward (1 to 1e7, default 100,000); one more evicts the oldest. */
  capacity?: number;
  /** Time-to-live of a decision in clock units (> 0, default 86,400,000: a day in ms). */
  ttl?: number;
  /** Reward learned for a decision whose TTL ends without one (a finite number the policy accepts), or null (default): drop it. */
  defaultReward?: number | null;
  /** Resolved eventIds remembered to count late and duplicate rewards (0 to 1e7, default = capacity). */
  memory?: number;
  /** A reward for an eventId the log does not know: 'error' (default: InvalidArgumentError, batch refused) or 'count'. */
  unknownRewards?: 'error' | 'count';
  /** Written into every decision (1 to 128 characters, default '1'): which model served it. */
  policyVersion?: string;
  /** Challenger policies (name -> policy over the same arms): each one's choice is recorded with every decision. */
  shadows?: Record<string, Policy>;
  /** The clock (default Date.now); every method also takes an explicit `now`. */
  clock?: () => number;
  /** Called with each decision evicted because the log was full. */
  onEvict?: (entry: LogEntry) => void;
}

/** What a shadow policy would have chosen for a decision. */
export interface ShadowChoice { arm: number; propensity: number }
/** One recorded decision. */
export interface LogEntry {
  eventId: string;
  arm: number;
  propensity: number;
  policyVersion: string;
  /** Decision time (clock units). */
  time: number;
  /** FNV-1a 64 of the context's f64 bytes as 16 hex digits, null for a context-free request. */
  contextHash: string | null;
  /** The request's fields that learn() needs (context, advice) and the decision's probabilities where the policy needs them. */
  fields: Record<string, number[]>;
  /** Each shadow policy's choice, by name. */
  shadows: Record<string, ShadowChoice>;
  /** Logs over a ServedPolicy only: the rails' group ('holdout' decisions are never learned). */
  group?: 'policy' | 'holdout';
  /** Logs over a ServedPolicy only: the exploration floor replaced the policy's arm. */
  explored?: boolean;
}
/** A resolved decision with its reward (what off-policy evaluation reads). */
export interface LogRecord extends LogEntry {
  reward: number;
  /** When the reward arrived (or the TTL ended). */
  rewardTime: number;
  /** 'joined': a real reward; 'defaulted': the TTL's defaultReward. */
  outcome: 'joined' | 'defaulted';
}
/** A reward for a logged decision, matched by its eventId. */
export interface RewardInput { eventId: string; reward: number }
/**
 * What `DecisionLog.rewards()` did with a batch of rewards: how many it joined and learned, and how many it
 * found late, duplicate or unknown.
 */
export interface RewardsResult {
  /** Rewards matched to a waiting decision. */
  joined: number;
  /** Rewards for decisions already expired, dropped or evicted (not applied). */
  late: number;
  /** Second rewards for a decision already rewarded (not applied). */
  duplicates: number;
  /** Rewards for eventIds the log does not know (only with unknownRewards: 'count'). */
  unknown: number;
  /** Events policy.learn learned (joined + defaulted, less any its own eventId window skipped). */
  learned: number;
  /** Decisions whose TTL ended in this call: learned with defaultReward, or dropped. */
  defaulted: number;
  dropped: number;
  /** Logs over a ServedPolicy: resolved decisions of the holdout group in this call (joined or defaulted; in records, not learned). */
  holdout: number;
  /** The resolved decisions of this call, in the order they were learned. */
  records: LogRecord[];
}
/**
 * Running counts of a `DecisionLog` since it was made (every decision and reward is counted in exactly one
 * outcome).
 */
export interface LogCounts {
  decided: number; joined: number; late: number; duplicates: number; unknown: number;
  defaulted: number; dropped: number; evicted: number; learned: number;
}
type Status = 'learned' | 'defaulted' | 'dropped' | 'evicted';
const STATUSES: readonly Status[] = ['learned', 'defaulted', 'dropped', 'evicted'];
const COUNT_KEYS: readonly (keyof LogCounts)[] = ['decided', 'joined', 'late', 'duplicates', 'unknown', 'defaulted', 'dropped', 'evicted', 'learned'];
const OPTION_KEYS = ['capacity', 'ttl', 'defaultReward', 'memory', 'unknownRewards', 'policyVersion', 'shadows', 'clock', 'onEvict'];

const intIn = (name: string, v: unknown, lo: number, hi: number): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`${name} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
};
const isNumArray = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
const hex8 = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');

/** A decision log bound to one served policy (a Policy, or a ServedPolicy with its rails). */
export class DecisionLog {
  readonly policy: Policy;
  /** The rails decisions go through, or null for a log over a bare policy. */
  readonly served: ServedPolicy | null;
  readonly capacity: number;
  readonly ttl: number;
  readonly defaultReward: number | null;
  readonly memory: number;
  readonly unknownRewards: 'error' | 'count';
  readonly policyVersion: string;
  private readonly shadowPolicies: Record<string, Policy>;
  private readonly clock: () => number;
  private readonly onEvict: ((entry: LogEntry) => void) | undefined;
  private readonly hasher = new Hasher();
  private waiting = new Map<string, LogEntry>();
  private resolved = new Map<string, Status>();
  private lastTime = -Infinity;
  private readonly c: LogCounts = { decided: 0, joined: 0, late: 0, duplicates: 0, unknown: 0, defaulted: 0, dropped: 0, evicted: 0, learned: 0 };

  constructor(target: Policy | ServedPolicy, options: DecisionLogOptions = {}) {
    const served = target instanceof ServedPolicy ? target : null;
    const policy = served ? served.policy : target;
    if (!(policy instanceof Policy)) throw new InvalidArgumentError(`DecisionLog needs a bandit policy or a ServedPolicy, got ${describe(target)}`);
    policy.checkLive();
    requireObject('DecisionLog options', options);
    for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) throw new HyperparameterError(`unknown DecisionLog option ${JSON.stringify(k)}${suggest(k, OPTION_KEYS)}`);
    const o = options as Record<string, unknown>;
    this.policy = policy;
    this.served = served;
    this.capacity = o.capacity === undefined ? 100_000 : intIn('capacity', o.capacity, 1, MAX_LOG_CAPACITY);
    if (o.ttl !== undefined && (typeof o.ttl !== 'number' || !(o.ttl > 0) || !Number.isFinite(o.ttl))) throw new HyperparameterError(`ttl must be a finite number > 0, got ${describe(o.ttl)}`);
    this.ttl = (o.ttl as number | undefined) ?? 86_400_000;
    this.memory = o.memory === undefined ? this.capacity : intIn('memory', o.memory, 0, MAX_LOG_CAPACITY);
    if (o.unknownRewards !== undefined && o.unknownRewards !== 'error' && o.unknownRewards !== 'count') throw new HyperparameterError(`unknownRewards must be 'error' or 'count', got ${describe(o.unknownRewards)}`);
    this.unknownRewards = (o.unknownRewards as 'error' | 'count' | undefined) ?? 'error';
    if (o.policyVersion !== undefined && (typeof o.policyVersion !== 'string' || o.policyVersion.length < 1 || o.policyVersion.length > 128)) {
      throw new HyperparameterError(`policyVersion must be a string of 1 to 128 characters, got ${describe(o.policyVersion)}`);
    }
    if (served && o.policyVersion !== undefined && o.policyVersion !== served.policyVersion) {
      throw new HyperparameterError(`policyVersion ${JSON.stringify(o.policyVersion)} differs from the ServedPolicy's ${JSON.stringify(served.policyVersion)} (a served log records the rails' version; leave it out)`);
    }
    this.policyVersion = served ? served.policyVersion : (o.policyVersion as string | undefined) ?? '1';
    if (o.clock !== undefined && typeof o.clock !== 'function') throw new HyperparameterError(`clock must be a function returning the time, got ${describe(o.clock)}`);
    this.clock = (o.clock as (() => number) | undefined) ?? Date.now;
    if (o.onEvict !== undefined && typeof o.onEvict !== 'function') throw new HyperparameterError(`onEvict must be a function, got ${describe(o.onEvict)}`);
    this.onEvict = o.onEvict as ((e: LogEntry) => void) | undefined;
    const shadows: Record<string, Policy> = {};
    if (o.shadows !== undefined) {
      requireObject('shadows', o.shadows);
      for (const [name, p] of Object.entries(o.shadows as Record<string, unknown>)) {
        if (!(p instanceof Policy)) throw new HyperparameterError(`shadows.${name} must be a bandit policy, got ${describe(p)}`);
        if (p === policy) throw new HyperparameterError(`shadows.${name} is the served policy itself`);
        if (p.engine !== policy.engine) throw new HyperparameterError(`shadows.${name} lives on another engine`);
        if (p.arms !== policy.arms) throw new HyperparameterError(`shadows.${name} has ${p.arms} arms, the served policy ${policy.arms}`);
        shadows[name] = p;
      }
    }
    this.shadowPolicies = shadows;
    const dr = o.defaultReward;
    if (dr !== undefined && dr !== null) {
      if (typeof dr !== 'number' || !Number.isFinite(dr)) throw new HyperparameterError(`defaultReward must be a finite number or null (drop), got ${describe(dr)}`);
      if (policy.eventFields.includes('rewards')) throw new HyperparameterError(`defaultReward: ${policy.kind} learns reward vectors; a scalar default does not apply`);
      // the policy's own reward check decides (e.g. Bernoulli policies take 0 and 1 only)
      try { policy.validateEvent(this.probeEvent(dr), 'defaultReward'); } catch (e) {
        if (e instanceof InvalidArgumentError && /reward/.test(e.message)) throw new HyperparameterError(e.message);
      }
    }
    this.defaultReward = (dr as number | null | undefined) ?? null;
  }

  /** A syntactically complete event for the reward check only. */
  private probeEvent(reward: number): Record<string, unknown> {
    const ev: Record<string, unknown> = {};
    for (const f of this.policy.eventFields) ev[f] = f === 'eventId' ? 'probe' : f === 'arm' ? this.policy.activeArms[0] : f === 'reward' ? reward : undefined;
    return ev;
  }

  private now(now: number | undefined, where: string): number {
    let t = now;
    if (t === undefined) t = this.clock();
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new InvalidArgumentError(`${where}: ${now === undefined ? 'the clock returned' : 'now must be'} a finite number, got ${describe(t)}`);
    return Math.max(t, this.lastTime) + 0; // + 0: -0 is 0 (as JSON writes it)
  }

  /** Decisions waiting for a reward. */
  get pending(): number { return this.waiting.size; }
  /** Counters since the log was created (or as exported). */
  get counts(): LogCounts { return { ...this.c }; }
  /** Names of the shadow policies. */
  get shadowNames(): string[] { return Object.keys(this.shadowPolicies); }
  /** The waiting decision of `eventId`, or undefined. */
  get(eventId: string): LogEntry | undefined { const e = this.waiting.get(eventId); return e && cloneEntry(e); }

  /**
   * Decide for `req` with the served policy (its state does not change), record the decision and
   * every shadow's choice, and return the decision with its policyVersion and time. An eventId that
   * is waiting or remembered as resolved is refused (InvalidArgumentError, nothing recorded).
   */
  decide(req: Record<string, unknown> & { eventId: string }, now?: number): Decision & { eventId: string; policyVersion: string; time: number; group?: 'policy' | 'holdout'; explored?: boolean } {
    this.policy.checkLive();
    requireObject('decide request', req);
    const t = this.now(now, 'decide');
    const id = req.eventId;
    if (typeof id === 'string' && (this.waiting.has(id) || this.resolved.has(id))) {
      throw new InvalidArgumentError(`decide request: eventId ${JSON.stringify(id)} was already logged${this.waiting.has(id) ? ' (its reward is awaited)' : ` (${this.resolved.get(id)})`}: every decision needs a new eventId`);
    }
    const sd = this.served ? this.served.decide(req) : null;
    const d: Decision = sd ?? this.policy.decide(req as never);
    const shadows: Record<string, ShadowChoice> = {};
    for (const [name, p] of Object.entries(this.shadowPolicies)) {
      const s = p.decide(req as never);
      shadows[name] = { arm: s.arm, propensity: s.propensity };
    }
    const fields: Record<string, number[]> = {};
    const want = this.policy.eventFields;
    let contextHash: string | null = null;
    const ctx = req.context;
    if (isNumArray(ctx)) {
      const bytes = new Uint8Array(Float64Array.from(ctx).buffer);
      const h = this.hasher.hash(this.policy.engine, [bytes.length ? bytes : new Uint8Array(1)]);
      contextHash = hex8(h[1]!) + hex8(h[0]!);
    }
    // request fields learn() takes (context, shared, advice): a per-arm block is cut to the chosen arm's
    // (context with actionFeatures or of arms × dim values, as the drifting linear policies take it; shared
    // given per arm: arms × sharedDim)
    const dims = this.policy as unknown as { dim?: number; sharedDim?: number };
    for (const f of want) {
      if (['eventId', 'arm', 'reward', 'rewards', 'propensity', 'probabilities'].includes(f)) continue;
      const v = req[f];
      if (!isNumArray(v)) continue;
      const w = f === 'context' ? dims.dim : f === 'shared' ? dims.sharedDim : undefined;
      const perArm = w !== undefined && ((f === 'context' && req.actionFeatures === true) || (this.policy.arms > 1 && v.length === this.policy.arms * w));
      fields[f] = perArm ? Array.from(v).slice(d.arm * w!, (d.arm + 1) * w!) : Array.from(v);
    }
    if (want.includes('probabilities')) fields.probabilities = Array.from(d.scores);
    const entry: LogEntry = { eventId: id, arm: d.arm, propensity: d.propensity, policyVersion: this.policyVersion, time: t, contextHash, fields, shadows };
    if (sd) { entry.group = sd.group; entry.explored = sd.explored; }
    if (this.waiting.size >= this.capacity) {
      const [oldId, old] = this.waiting.entries().next().value as [string, LogEntry];
      this.waiting.delete(oldId);
      this.remember(oldId, 'evicted');
      this.c.evicted++;
      this.onEvict?.(cloneEntry(old));
    }
    this.waiting.set(id, entry);
    this.lastTime = t;
    this.c.decided++;
    return { ...d, eventId: id, policyVersion: this.policyVersion, time: t };
  }
  /** Whether a resolved entry is learned (the holdout group of a served log is not). */
  private learns(e: LogEntry): boolean { return e.group !== 'holdout'; }

  private remember(id: string, s: Status): void {
    if (this.memory === 0) return;
    this.resolved.delete(id);
    this.resolved.set(id, s);
    if (this.resolved.size > this.memory) this.resolved.delete(this.resolved.keys().next().value as string);
  }

  /** The learn() event of a waiting entry with `reward`. */
  private eventOf(e: LogEntry, reward: unknown): Record<string, unknown> {
    const ev: Record<string, unknown> = {};
    for (const f of this.policy.eventFields) {
      if (f === 'eventId') ev.eventId = e.eventId;
      else if (f === 'arm') ev.arm = e.arm;
      else if (f === 'reward' || f === 'rewards') ev[f] = reward;
      else if (f === 'propensity') ev.propensity = e.propensity;
      else if (e.fields[f] !== undefined) ev[f] = e.fields[f];
    }
    return ev;
  }

  /** The waiting decisions whose TTL has ended at time t, oldest first (decision times never decrease). */
  private expiredAt(t: number): LogEntry[] {
    const out: LogEntry[] = [];
    for (const e of this.waiting.values()) { if (e.time + this.ttl > t) break; out.push(e); }
    return out;
  }

  /**
   * Join a batch of rewards to their decisions and learn the joined ones (and the decisions whose TTL
   * ended, with defaultReward) in one policy.learn call. Checked whole first: an unknown eventId
   * (unknownRewards 'error') or a reward the policy refuses raises InvalidArgumentError and nothing
   * changes.
   */
  rewards(batch: readonly RewardInput[], now?: number): RewardsResult {
    this.policy.checkLive();
    if (!Array.isArray(batch)) throw new InvalidArgumentError(`rewards takes an array of { eventId, reward }, got ${describe(batch)}`);
    const t = this.now(now, 'rewards');
    const expired = this.expiredAt(t);
    const expiredIds = new Set(expired.map((e) => e.eventId));
    const name = (i: number, id?: unknown): string => `reward ${i}${typeof id === 'string' ? ` (eventId ${JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id)})` : ''}`;
    const key = this.policy.eventFields.includes('rewards') ? 'rewards' : 'reward';
    const joins: { e: LogEntry; reward: number }[] = [];
    const seenNow = new Set<string>();
    let late = 0, dup = 0, unknown = 0;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i] as unknown as Record<string, unknown>;
      requireObject(name(i), r);
      for (const k of Object.keys(r)) if (k !== 'eventId' && k !== key) throw new InvalidArgumentError(`${name(i, r.eventId)}: unknown key ${JSON.stringify(k)}${suggest(k, ['eventId', key])}`);
      const id = r.eventId;
      if (typeof id !== 'string') throw new InvalidArgumentError(`${name(i)}: eventId must be a string, got ${describe(id)}`);
      if (!(key in r)) throw new InvalidArgumentError(`${name(i, id)}: needs ${key}`);
      const w = this.waiting.get(id);
      if (seenNow.has(id)) { dup++; continue; }
      if (w !== undefined && !expiredIds.has(id)) {
        this.policy.validateEvent(this.eventOf(w, r[key]), name(i, id));
        joins.push({ e: w, reward: r[key] as number });
        seenNow.add(id);
        continue;
      }
      const s = w !== undefined ? 'expired' : this.resolved.get(id);
      if (s === undefined) {
        if (this.unknownRewards === 'error') throw new InvalidArgumentError(`${name(i, id)}: no decision with this eventId is logged (never decided, or resolved longer ago than the log's memory of ${this.memory} ids)`);
        unknown++;
      } else if (s === 'learned') dup++;
      else late++;
      seenNow.add(id);
    }
    // nothing changed so far; now apply
    return this.apply(t, expired, joins, { late, dup, unknown });
  }

  /** Apply the TTL at time `now` (default: the clock): expired decisions are learned with defaultReward or dropped. */
  expire(now?: number): RewardsResult {
    this.policy.checkLive();
    const t = this.now(now, 'expire');
    return this.apply(t, this.expiredAt(t), [], { late: 0, dup: 0, unknown: 0 });
  }

  private apply(t: number, expired: LogEntry[], joins: { e: LogEntry; reward: number }[], n: { late: number; dup: number; unknown: number }): RewardsResult {
    const events: Record<string, unknown>[] = [], records: LogRecord[] = [];
    let holdout = 0;
    for (const { e, reward } of joins) {
      if (this.learns(e)) events.push(this.eventOf(e, reward)); else holdout++;
      records.push({ ...cloneEntry(e), reward, rewardTime: t, outcome: 'joined' });
    }
    let defaulted = 0, dropped = 0;
    const dflt = this.defaultReward, active = new Set(this.policy.activeArms);
    const learnedDefault = new Set<string>();
    for (const e of expired) {
      // a decision for an arm removed since cannot be learned: dropped
      if (dflt !== null && active.has(e.arm)) {
        learnedDefault.add(e.eventId);
        if (this.learns(e)) events.push(this.eventOf(e, dflt)); else holdout++;
        records.push({ ...cloneEntry(e), reward: dflt, rewardTime: t, outcome: 'defaulted' });
        defaulted++;
      } else dropped++;
    }
    // every event was checked (joins in rewards(), defaults: reward at construction, the rest at
    // decide, removed arms dropped above): should learn still refuse, nothing has changed yet
    const res = events.length ? this.policy.learn(events as never) : { learned: 0, duplicates: 0 };
    for (const { e } of joins) { this.waiting.delete(e.eventId); this.remember(e.eventId, 'learned'); }
    for (const e of expired) { this.waiting.delete(e.eventId); this.remember(e.eventId, learnedDefault.has(e.eventId) ? 'defaulted' : 'dropped'); }
    this.lastTime = t;
    this.c.joined += joins.length; this.c.late += n.late; this.c.duplicates += n.dup; this.c.unknown += n.unknown;
    this.c.defaulted += defaulted; this.c.dropped += dropped; this.c.learned += res.learned;
    return { joined: joins.length, late: n.late, duplicates: n.dup, unknown: n.unknown, learned: res.learned, defaulted, dropped, holdout, records };
  }

  /**
   * The log as plain JSON (for inspection, or to move it to another process): options, counters,
   * the waiting decisions oldest first and the remembered resolved ids. DecisionLog.fromJSON reads it.
   */
  toJSON(): DecisionLogJSON {
    const rails = this.served ? { rails: { policyVersion: this.served.policyVersion, explorationFloor: this.served.explorationFloor, holdout: this.served.holdout, seed: this.served.seed } } : {};
    return {
      ...rails,
      format: LOG_FORMAT, version: LOG_VERSION, policy: this.policy.kind, policyVersion: this.policyVersion,
      capacity: this.capacity, ttl: this.ttl, defaultReward: this.defaultReward, memory: this.memory, unknownRewards: this.unknownRewards,
      shadows: this.shadowNames, lastTime: Number.isFinite(this.lastTime) ? this.lastTime : null, counts: this.counts,
      waiting: [...this.waiting.values()].map(cloneEntry), resolved: [...this.resolved.entries()],
    };
  }

  /**
   * A log from toJSON()'s output, bound to `policy` (of the class it was made for; shadows, clock and
   * onEvict given again in `options`). Strict: anything malformed raises StateError.
   */
  static fromJSON(target: Policy | ServedPolicy, json: unknown, options: Pick<DecisionLogOptions, 'shadows' | 'clock' | 'onEvict'> = {}): DecisionLog {
    const bad = (m: string): never => { throw new StateError(`decision log: ${m}`); };
    if (json === null || typeof json !== 'object' || Array.isArray(json)) bad(`must be an object, got ${describe(json)}`);
    const j = json as Record<string, unknown>;
    const served = target instanceof ServedPolicy ? target : null;
    const policy = served ? served.policy : target;
    const keys = ['format', 'version', 'policy', 'policyVersion', 'capacity', 'ttl', 'defaultReward', 'memory', 'unknownRewards', 'shadows', 'lastTime', 'counts', 'waiting', 'resolved'];
    // a served log also holds its rails (and must be read with a ServedPolicy of the same rails)
    if (served) keys.push('rails');
    for (const k of Object.keys(j)) if (!keys.includes(k)) bad(k === 'rails' ? 'it was written by a log over a ServedPolicy: read it with one' : `unknown key ${JSON.stringify(k)}`);
    for (const k of keys) if (!(k in j)) bad(k === 'rails' ? 'it was written by a log over a bare policy, not a ServedPolicy' : `missing ${k}`);
    if (j.format !== LOG_FORMAT) bad(`format is ${describe(j.format)}, not ${LOG_FORMAT}`);
    if (j.version !== LOG_VERSION) bad(`version ${describe(j.version)} is not ${LOG_VERSION}`);
    if (!(policy instanceof Policy)) throw new InvalidArgumentError(`DecisionLog.fromJSON needs a bandit policy or a ServedPolicy, got ${describe(target)}`);
    if (served) {
      const want = { policyVersion: served.policyVersion, explorationFloor: served.explorationFloor, holdout: served.holdout, seed: served.seed };
      if (JSON.stringify(j.rails) !== JSON.stringify(want)) bad(`its rails ${JSON.stringify(j.rails)} are not the ServedPolicy's ${JSON.stringify(want)}`);
    }
    if (j.policy !== policy.kind) bad(`it was made for a ${describe(j.policy)} policy, not ${policy.kind}`);
    requireObject('DecisionLog.fromJSON options', options);
    const shadowNames = Object.keys(options.shadows ?? {});
    if (!Array.isArray(j.shadows) || JSON.stringify(j.shadows) !== JSON.stringify(shadowNames)) bad(`it records shadows ${JSON.stringify(j.shadows)}, options.shadows gives ${JSON.stringify(shadowNames)}`);
    let log: DecisionLog;
    try {
      log = new DecisionLog(served ?? policy, {
        capacity: j.capacity as number, ttl: j.ttl as number, defaultReward: j.defaultReward as number | null, memory: j.memory as number,
        unknownRewards: j.unknownRewards as 'error', policyVersion: j.policyVersion as string, ...options,
      });
    } catch (e) {
      if (e instanceof HyperparameterError) bad(e.message);
      throw e;
    }
    if (j.lastTime !== null && (typeof j.lastTime !== 'number' || !Number.isFinite(j.lastTime))) bad(`lastTime must be a finite number or null, got ${describe(j.lastTime)}`);
    const c = j.counts as Record<string, unknown>;
    if (c === null || typeof c !== 'object' || Array.isArray(c) || Object.keys(c).length !== COUNT_KEYS.length) bad('counts must hold exactly the counters of counts');
    for (const k of COUNT_KEYS) if (!Number.isSafeInteger(c[k]) || (c[k] as number) < 0) bad(`counts.${k} must be a non-negative integer, got ${describe(c[k])}`);
    if (!Array.isArray(j.waiting) || j.waiting.length > log.capacity) bad(`waiting must be an array of at most ${log.capacity} entries`);
    if (!Array.isArray(j.resolved) || j.resolved.length > log.memory) bad(`resolved must be an array of at most ${log.memory} [eventId, status] pairs`);
    const last = j.lastTime === null ? -Infinity : (j.lastTime as number);
    const waiting = new Map<string, LogEntry>();
    let prev = -Infinity;
    const want = policy.eventFields;
    (j.waiting as unknown[]).forEach((x, i) => {
      const where = `waiting[${i}]`;
      if (x === null || typeof x !== 'object' || Array.isArray(x)) bad(`${where} must be an object`);
      const e = x as Record<string, unknown>;
      const ek = ['eventId', 'arm', 'propensity', 'policyVersion', 'time', 'contextHash', 'fields', 'shadows', ...(served ? ['group', 'explored'] : [])];
      if (Object.keys(e).length !== ek.length || ek.some((k) => !(k in e))) bad(`${where} must hold exactly ${ek.join(', ')}`);
      if (typeof e.eventId !== 'string') bad(`${where}.eventId must be a string`);
      try { encodeIds([e.eventId as string], () => where); } catch { bad(`${where}.eventId must be 1 to 1024 UTF-8 bytes`); }
      if (waiting.has(e.eventId as string)) bad(`${where}: eventId ${JSON.stringify(e.eventId)} appears twice`);
      if (!Number.isInteger(e.arm) || (e.arm as number) < 0 || (e.arm as number) >= policy.arms) bad(`${where}.arm ${describe(e.arm)} is not an arm of the policy`);
      if (typeof e.propensity !== 'number' || !(e.propensity > 0 && e.propensity <= 1)) bad(`${where}.propensity ${describe(e.propensity)} is not in (0, 1]`);
      if (typeof e.policyVersion !== 'string' || e.policyVersion.length < 1 || e.policyVersion.length > 128) bad(`${where}.policyVersion must be a string of 1 to 128 characters`);
      if (typeof e.time !== 'number' || !Number.isFinite(e.time) || e.time < prev || e.time > last) bad(`${where}.time ${describe(e.time)} must be finite, not below the previous entry's and not after lastTime`);
      prev = e.time as number;
      if (served && (!['policy', 'holdout'].includes(e.group as string) || typeof e.explored !== 'boolean')) bad(`${where}.group must be 'policy' or 'holdout' and explored a boolean`);
      if (e.contextHash !== null && (typeof e.contextHash !== 'string' || !/^[0-9a-f]{16}$/.test(e.contextHash))) bad(`${where}.contextHash must be 16 hex digits or null`);
      const f = e.fields as Record<string, unknown>;
      if (f === null || typeof f !== 'object' || Array.isArray(f)) bad(`${where}.fields must be an object`);
      for (const [k, v] of Object.entries(f)) {
        if (!want.includes(k) || ['eventId', 'arm', 'reward', 'rewards', 'propensity'].includes(k)) bad(`${where}.fields.${k} is not an event field of ${policy.kind}`);
        if (!Array.isArray(v) || v.some((y) => typeof y !== 'number' || !Number.isFinite(y))) bad(`${where}.fields.${k} must be an array of finite numbers`);
      }
      const s = e.shadows as Record<string, unknown>;
      if (s === null || typeof s !== 'object' || Array.isArray(s) || JSON.stringify(Object.keys(s)) !== JSON.stringify(shadowNames)) bad(`${where}.shadows must name the shadows ${JSON.stringify(shadowNames)}`);
      for (const [k, v] of Object.entries(s)) {
        const ch = v as Record<string, unknown>;
        if (ch === null || typeof ch !== 'object' || Object.keys(ch).length !== 2 || !Number.isInteger(ch.arm) || (ch.arm as number) < 0 || (ch.arm as number) >= policy.arms ||
          typeof ch.propensity !== 'number' || !(ch.propensity > 0 && ch.propensity <= 1)) bad(`${where}.shadows.${k} must be { arm, propensity }`);
      }
      const entry: LogEntry = {
        eventId: e.eventId as string, arm: e.arm as number, propensity: e.propensity as number, policyVersion: e.policyVersion as string,
        time: e.time as number, contextHash: e.contextHash as string | null, fields: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, (v as number[]).slice()])),
        shadows: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { arm: (v as ShadowChoice).arm, propensity: (v as ShadowChoice).propensity }])),
      };
      if (served) { entry.group = e.group as 'policy' | 'holdout'; entry.explored = e.explored as boolean; }
      try { policy.validateEvent(log.eventOf(entry, key0(policy, log)), where); } catch (err) {
        if (err instanceof InvalidArgumentError) bad(err.message);
        throw err;
      }
      waiting.set(entry.eventId, entry);
    });
    const resolved = new Map<string, Status>();
    (j.resolved as unknown[]).forEach((x, i) => {
      if (!Array.isArray(x) || x.length !== 2 || typeof x[0] !== 'string' || !STATUSES.includes(x[1] as Status)) bad(`resolved[${i}] must be [eventId, one of ${STATUSES.join('/')}]`);
      const [id, st] = x as [string, Status];
      if (resolved.has(id) || waiting.has(id)) bad(`resolved[${i}]: eventId ${JSON.stringify(id)} appears twice`);
      resolved.set(id, st);
    });
    log.waiting = waiting; log.resolved = resolved; log.lastTime = last;
    Object.assign(log.c, Object.fromEntries(COUNT_KEYS.map((k) => [k, c[k]])));
    return log;
  }

  /** Release the log's scratch memory (the policy and shadows stay; free them yourself). */
  free(): void { if (!this.policy.engine.isDisposed) this.hasher.free(); }
}

/** A reward value the policy's check accepts, to check a loaded entry's other fields. */
function key0(policy: Policy, log: DecisionLog): unknown {
  if (policy.eventFields.includes('rewards')) return new Array(policy.arms).fill(0);
  return log.defaultReward ?? probeReward(policy);
}
/** A reward the policy accepts (0 or 1 cover every reward model of the library). */
function probeReward(policy: Policy): number {
  for (const r of [0, 1]) {
    try { policy.validateEvent({ ...Object.fromEntries(policy.eventFields.map((f) => [f, undefined])), eventId: 'probe', arm: policy.activeArms[0], reward: r }, 'probe'); return r; } catch (e) {
      if (!(e instanceof InvalidArgumentError) || /reward/.test(e.message)) continue;
      return r;
    }
  }
  return 0;
}

function cloneEntry(e: LogEntry): LogEntry {
  const out: LogEntry = {
    eventId: e.eventId, arm: e.arm, propensity: e.propensity, policyVersion: e.policyVersion, time: e.time, contextHash: e.contextHash,
    fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, v.slice()])),
    shadows: Object.fromEntries(Object.entries(e.shadows).map(([k, v]) => [k, { ...v }])),
  };
  if (e.group !== undefined) { out.group = e.group; out.explored = e.explored; }
  return out;
}

/** The JSON form of a decision log (DecisionLog.toJSON / fromJSON). */
export interface DecisionLogJSON {
  format: typeof LOG_FORMAT; version: number; policy: string; policyVersion: string;
  capacity: number; ttl: number; defaultReward: number | null; memory: number; unknownRewards: 'error' | 'count';
  shadows: string[]; lastTime: number | null; counts: LogCounts; waiting: LogEntry[]; resolved: [string, Status][];
  /** Logs over a ServedPolicy: its rails (fromJSON checks them against the ServedPolicy it is given). */
  rails?: { policyVersion: string; explorationFloor: number; holdout: number; seed: number };
}
