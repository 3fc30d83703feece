// The bandit policy base class and its contract. Read this before adding a policy.
//
// DESIGN (for every policy of the family, context-free or contextual):
// * decide({ eventId, ... }) -> { arm, propensity, scores } is PURE: it reads the state and never
//   changes it (nor the eventId window). Randomness is counter-based (assembly/core/rng.ts): draw i of
//   stream s is philox4x32-10(key = seed, counter = (FNV-1a 64 of the eventId's UTF-8, s, i)), so the
//   same state + eventId (+ context) gives the same arm in every runtime, build and thread count, and
//   deciding twice for one eventId gives the same answer. `propensity` is the exact probability the
//   policy chose that arm with (argmax policies: 1/#tied arms; policies with a closed form mixture
//   give it; where there is none the class documents its method).
// * learn(events) folds a batch in ONE wasm call. Every event is checked first (object, exactly the
//   keys the policy accepts, eventId 1..1024 UTF-8 bytes, arm an active arm, reward in the policy's
//   reward model, context shape where there is one): on any bad event the whole batch is rejected
//   with InvalidArgumentError naming the event (index and eventId) and the state is bit for bit
//   unchanged. Idempotent: the policy remembers the last `dedupWindow` distinct learned eventIds
//   (default 4096, 0 to 1e6; a FIFO ring of their 64-bit hashes, saved with the state); an event whose
//   id is in the window, or repeats one earlier in the same batch, is skipped and counted in
//   `duplicates`. Ids older than the window are forgotten (learned again if they come back). Two
//   distinct ids collide with probability ~2^-64 per pair.
// * State is f64 in the engine's memory, per copy: `header` f64 values, then each slot (e.g. pulls,
//   rewards, squares) as Kp x width f64 (Kp = K rounded up to even, padding arms zero), slot-major.
//   R independent copies (simulation repetitions; option `copies`, default 1) sit contiguously,
//   `stride` f64 apart, and every kernel processes copies [start, end) in one call: decide()/learn()
//   serve copy 0; decideCopies()/learnCopies() are the simulator's batched entry points.
// * Arms: addArm(prior?) appends arm K (a new index; arms are never renumbered), removeArm(k) takes an
//   arm out (it scores -Infinity, is never chosen, and events for it are refused); at least one arm
//   stays active. warmStart (per-arm prior statistics) and addArm's prior are checked like loaded state.
// * save() -> versioned binary (state-file.ts: the optimizer state file's container, format
//   'simdopt/bandit-state') with a JSON manifest; bandits.load(engine, bytes) is strict: container,
//   checksum, exact manifest keys, the policy class and its layout version, its options (checked as the
//   constructor checks them), shapes, and every state value (finite, in range) before anything exists.
// * delta(events) / apply(delta) / bandits.mergeDeltas (src/bandits/delta.ts): for the policies whose
//   state is a sum of per-event terms (`mergeable`), an update computed without touching the state, as
//   exact sums that merge commutatively and associatively bit for bit, carrying the eventId hashes it
//   covers so that applying it twice changes nothing; the other policies refuse with UnsupportedError.
// * free() releases the engine memory; every method then raises DisposedError (also after the
//   engine's dispose()).
// A subclass declares kind, version, layout(), optionSpec, the reward check, the per-arm state check
// and its decide kernel (and learn kernel when it is not the shared statistics fold).
// The rewards a reward check accepts must form an interval: learnCopies checks a simulator batch in one
// wasm pass (copies, arms, finiteness) and the reward model on the batch's smallest and largest reward.
import { requireEngine, type Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { valueText, describe, DisposedError, HyperparameterError, InvalidArgumentError, requireObject, StateError, suggest } from '../errors.js';
import { BANDITS } from './wasm.js';
import { encodeIds, Hasher, seedKey } from './rng.js';
import { exactKeys, readStateFile, writeStateFile, type BanditManifest } from './state-file.js';
import { applyDelta, makeDelta, mergeRefusal, type Delta } from './delta.js';

/** Most arms of one policy. */
export const MAX_ARMS = 1 << 20;
export const DEFAULT_WINDOW = 4096;
export const MAX_WINDOW = 1_000_000;
export const MAX_COPIES = 1 << 16;

/**
 * A request for one decision of a context-free policy: `eventId` identifies it, and the same id always gets
 * the same decision from the same state.
 */
export interface DecideRequest { eventId: string }
/**
 * One decision: the arm chosen, its propensity (the probability the policy had of choosing it) and each
 * arm's score.
 */
export interface Decision {
  /** The chosen arm (an index in [0, arms)). */
  arm: number;
  /** The exact probability with which this arm was chosen given the state (for off-policy evaluation). */
  propensity: number;
  /** The policy's score of every arm (its index, sample or probability; -Infinity for removed arms). */
  scores: Float64Array;
}
/**
 * One observed reward of a context-free policy: the event's id (deduplicated), the arm that was played and
 * its reward.
 */
export interface BanditEvent { eventId: string; arm: number; reward: number }
/**
 * What `learn()` did with a batch: how many events it learned and how many it skipped as duplicates of
 * events already learned.
 */
export interface LearnResult { learned: number; duplicates: number }
/** Options every policy takes. */
export interface PolicyOptions {
  arms: number;
  /** Integer in [0, 2^53): the PRNG key. Default 0. */
  seed?: number;
  /** Distinct eventIds remembered for deduplication (0 to 1e6, default 4096). */
  dedupWindow?: number;
  /** Independent copies of the state (simulation repetitions; default 1). decide/learn use copy 0. */
  copies?: number;
  /** Per-arm prior statistics by slot name (arrays of length arms), e.g. { pulls, rewards } from an A/B test. */
  warmStart?: Record<string, ArrayLike<number>>;
}
export interface Layout { header: number; slots: { name: string; width: number }[] }
/** Validator of one option: returns the checked value (or the default for undefined). */
export type OptionCheck = (v: unknown, name: string) => number | boolean | string;

const COMMON = ['arms', 'seed', 'dedupWindow', 'copies', 'warmStart'];
const int = (v: unknown, name: string, lo: number, hi: number, dflt: number): number => {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`${name} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
};

/**
 * The base class of every bandit policy. A policy lives in engine memory; `decide` is pure (same eventId
 * and state, same decision), `learn` takes batches and skips event ids it saw within its dedupWindow, `save()`/`bandits.load()`
 * round-trip the state bit for bit, and `free()` releases it.
 */
export abstract class Policy {
  readonly engine: Engine;
  /** The policy class name, as saved. */
  abstract readonly kind: string;
  /** Version of this policy's state layout (a saved state of another version is refused). */
  protected abstract readonly version: number;
  readonly seed: number;
  readonly dedupWindow: number;
  readonly copies: number;
  /** Checked options of the subclass (its optionSpec), as saved. */
  protected readonly hyper: Record<string, number | boolean | string>;
  protected K: number;
  protected Kp: number;
  protected state: EngineBuffer<'f64'>;
  protected mask: EngineBuffer<'u8'>;
  protected readonly key: [number, number];
  private readonly hasher = new Hasher();
  private ring: Int32Array;
  private head = 0;
  private size = 0;
  private seen = new Set<string>();
  private out: { arm: EngineBuffer<'i32'>; prop: EngineBuffer<'f64'>; scores: EngineBuffer<'f64'>; hashes: EngineBuffer<'i32'> } | null = null;
  /** learnCopies' inputs in engine memory (reused; grown to the largest batch) and its check's [min, max] reward. */
  private scratch: { copies: EngineBuffer<'i32'>; arms: EngineBuffer<'i32'>; rewards: EngineBuffer<'f64'>; range: EngineBuffer<'f64'> } | null = null;
  private freedFlag = false;

  /** The subclass's own options: name -> validator (undefined gives its default). */
  protected abstract optionSpec(): Record<string, OptionCheck>;
  /** Per-copy layout (may depend on the options, e.g. a context dimension). */
  protected abstract layout(): Layout;
  /** Throws InvalidArgumentError (message prefixed by `where`) unless `reward` fits the reward model. */
  protected abstract checkReward(reward: number, where: string): void;
  /** Throws (message prefixed by `where`) unless arm values `v` (slot name -> its width values) are valid state. */
  protected abstract checkArm(v: Record<string, Float64Array>, where: string): void;
  /** Run the decide kernel on copies [0, n) with event hashes at `hashes` (i32 pairs) into the outputs (one wasm call, split across threads by engine.run). */
  protected abstract decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void;

  constructor(engine: Engine, options: PolicyOptions) {
    requireEngine(engine);
    engine.requireGroup(BANDITS);
    requireObject(`${new.target.name} options`, options);
    this.engine = engine;
    const spec = this.optionSpec();
    const accepted = [...COMMON, ...Object.keys(spec)];
    for (const k of Object.keys(options)) {
      if (!accepted.includes(k)) throw new HyperparameterError(`unknown option ${JSON.stringify(k)} for ${new.target.name}${suggest(k, accepted)}`);
    }
    const o = options as unknown as Record<string, unknown>;
    if (o.arms === undefined) throw new HyperparameterError(`${new.target.name} needs arms (an integer in [1, ${MAX_ARMS}])`);
    this.K = int(o.arms, 'arms', 1, MAX_ARMS, 1);
    this.Kp = this.K + (this.K & 1);
    this.seed = o.seed === undefined ? 0 : (seedKey(o.seed), o.seed as number);
    this.key = seedKey(this.seed);
    this.dedupWindow = int(o.dedupWindow, 'dedupWindow', 0, MAX_WINDOW, DEFAULT_WINDOW);
    this.copies = int(o.copies, 'copies', 1, MAX_COPIES, 1);
    const hyper: Record<string, number | boolean | string> = {};
    for (const [k, check] of Object.entries(spec)) hyper[k] = check(o[k], k);
    this.hyper = hyper;
    let warm: Float64Array | null = null;
    if (o.warmStart !== undefined) warm = this.warmValues(o.warmStart);
    this.ring = new Int32Array(2 * this.dedupWindow);
    this.state = engine.alloc(this.copies * this.stride(), 'f64');
    try {
      this.mask = engine.alloc(this.Kp, 'u8');
    } catch (e) { this.state.free(); throw e; }
    this.mask.array.fill(1, 0, this.K);
    if (warm) for (let r = 0; r < this.copies; r++) this.state.array.set(warm, r * warm.length);
  }

  // ---- layout ----
  /** f64 values per copy. */
  protected stride(Kp = this.Kp): number {
    const L = this.layout();
    return align2(L.header) + L.slots.reduce((s, x) => s + Kp * x.width, 0);
  }
  /** Offset (f64 elements, within a copy) of slot `name`, or of the header for null. */
  protected slotOffset(name: string | null, Kp = this.Kp): number {
    const L = this.layout();
    let o = align2(L.header);
    if (name === null) return 0;
    for (const s of L.slots) { if (s.name === name) return o; o += Kp * s.width; }
    throw new Error(`no slot ${name}`);
  }
  /** Number of arms (removed ones included: arm indices are never reused). */
  get arms(): number { this.checkLive(); return this.K; }
  /** The arms decide() can choose. */
  get activeArms(): number[] {
    this.checkLive();
    const m = this.mask.array, a: number[] = [];
    for (let k = 0; k < this.K; k++) if (m[k]) a.push(k);
    return a;
  }
  /** The options as saved (the subclass's own, plus seed and dedupWindow). */
  get options(): Record<string, unknown> {
    this.checkLive();
    return { ...this.hyper, seed: this.seed, dedupWindow: this.dedupWindow };
  }

  /** A copy of every slot of copy `copy` (default 0), `arms × width` values each, removed arms included. */
  stats(copy = 0): Record<string, Float64Array> {
    this.checkLive();
    int(copy, 'copy', 0, this.copies - 1, 0);
    const L = this.layout(), s = this.state.array, base = copy * this.stride(), out: Record<string, Float64Array> = {};
    for (const x of L.slots) {
      const o = base + this.slotOffset(x.name);
      out[x.name] = s.slice(o, o + this.K * x.width);
    }
    return out;
  }

  // ---- lifecycle ----
  /** Throws DisposedError if the policy was freed or its engine disposed. */
  checkLive(): void {
    if (this.freedFlag) throw new DisposedError(`${this.kind} policy was freed (free() released its state): create a new one, or bandits.load(engine, bytes) a state saved with save()`);
    if (this.engine.isDisposed) throw new DisposedError('engine was disposed: create a new one with init()');
  }
  get freed(): boolean { return this.freedFlag; }
  /** Release the engine memory; every later call raises DisposedError. */
  free(): void {
    if (this.freedFlag) return;
    this.freedFlag = true;
    if (this.engine.isDisposed) return;
    this.state.free(); this.mask.free(); this.hasher.free(); this.freeOut(); this.freeScratch();
  }
  private freeScratch(): void {
    if (!this.scratch) return;
    const s = this.scratch;
    this.scratch = null;
    s.copies.free(); s.arms.free(); s.rewards.free(); s.range.free();
  }
  /** learnCopies' engine buffers for at least n events (allocated once per growth). */
  private scratchFor(n: number): NonNullable<Policy['scratch']> {
    if (this.scratch && this.scratch.copies.length >= n) return this.scratch;
    this.freeScratch();
    const bufs: EngineBuffer<'i32' | 'f64'>[] = [];
    try {
      const copies = this.engine.alloc(n, 'i32'); bufs.push(copies);
      const arms = this.engine.alloc(n, 'i32'); bufs.push(arms);
      const rewards = this.engine.alloc(n, 'f64'); bufs.push(rewards);
      const range = this.engine.alloc(2, 'f64'); bufs.push(range);
      this.scratch = { copies, arms, rewards, range };
    } catch (e) { for (const b of bufs) b.free(); throw e; }
    return this.scratch;
  }
  private freeOut(): void {
    if (!this.out) return;
    this.out.arm.free(); this.out.prop.free(); this.out.scores.free(); this.out.hashes.free();
    this.out = null;
  }
  /** Output buffers for `copies` copies (reused; reallocated when arms change). */
  private outputs(): NonNullable<Policy['out']> {
    const n = this.copies;
    if (this.out && this.out.scores.length === n * this.K) return this.out;
    this.freeOut();
    const arm = this.engine.alloc(n, 'i32');
    const prop = this.engine.alloc(n, 'f64');
    const scores = this.engine.alloc(n * this.K, 'f64');
    const hashes = this.engine.alloc(2 * n, 'i32');
    this.out = { arm, prop, scores, hashes };
    return this.out;
  }

  // ---- decide ----
  /** Keys a decide request may hold (subclasses add e.g. 'context'). */
  protected requestKeys(): string[] { return ['eventId']; }
  protected checkRequest(req: Record<string, unknown>, where: string): void {
    requireObject(where, req);
    const keys = this.requestKeys();
    for (const k of Object.keys(req)) if (!keys.includes(k)) throw new InvalidArgumentError(`${where}: unknown key ${JSON.stringify(k)}${suggest(k, keys)}`);
    if (typeof req.eventId !== 'string') throw new InvalidArgumentError(`${where}: eventId must be a string, got ${describe(req.eventId)}`);
  }

  /** Choose an arm for `req.eventId`; reads the state, never changes it. */
  decide(req: DecideRequest): Decision {
    this.checkLive();
    this.checkRequest(req as unknown as Record<string, unknown>, 'decide request');
    const h = this.hasher.hash(this.engine, encodeIds([req.eventId], () => 'decide request'));
    const out = this.outputs();
    out.hashes.array.set(h, 0);
    this.decideKernel(1, out.hashes.ptr, out.arm.ptr, out.prop.ptr, out.scores.ptr);
    return { arm: out.arm.array[0]!, propensity: out.prop.array[0]!, scores: out.scores.array.slice(0, this.K) };
  }

  /**
   * Decide for every copy at once (the simulator's entry point): `hashes` holds 2 words per copy (any
   * 64-bit event key, e.g. (round, repetition)). Returns views valid until the next call: arms,
   * propensities and scores (copies × arms).
   */
  decideCopies(hashes: Int32Array | Uint32Array): { arms: Int32Array; propensities: Float64Array; scores: Float64Array } {
    this.checkLive();
    if (!(hashes instanceof Int32Array || hashes instanceof Uint32Array) || hashes.length !== 2 * this.copies) {
      throw new InvalidArgumentError(`hashes must be an Int32Array or Uint32Array of 2 × copies = ${2 * this.copies} words, got ${describe(hashes)}`);
    }
    const out = this.outputs();
    out.hashes.array.set(hashes as Int32Array);
    this.decideKernel(this.copies, out.hashes.ptr, out.arm.ptr, out.prop.ptr, out.scores.ptr);
    return { arms: out.arm.array, propensities: out.prop.array, scores: out.scores.array };
  }

  // ---- learn ----
  /** Keys an event may hold (subclasses add e.g. 'context'). */
  protected eventKeys(): string[] { return ['eventId', 'arm', 'reward']; }
  /** Check event i (subclasses extend for contexts); `where` names it. */
  protected checkEvent(e: Record<string, unknown>, where: string): void {
    requireObject(where, e);
    const keys = this.eventKeys();
    for (const k of Object.keys(e)) if (!keys.includes(k)) throw new InvalidArgumentError(`${where}: unknown key ${JSON.stringify(k)}${suggest(k, keys)}`);
    if (typeof e.eventId !== 'string') throw new InvalidArgumentError(`${where}: eventId must be a string, got ${describe(e.eventId)}`);
    const a = e.arm;
    if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= this.K) throw new InvalidArgumentError(`${where}: arm must be an integer in [0, ${this.K - 1}], got ${describe(a)}`);
    if (!this.mask.array[a]) throw new InvalidArgumentError(`${where}: arm ${a} was removed`);
    if (typeof e.reward !== 'number' || !Number.isFinite(e.reward)) throw new InvalidArgumentError(`${where}: reward must be a finite number, got ${describe(e.reward)}`);
    this.checkReward(e.reward, where);
  }
  /** Fold checked events (copies, arms, rewards as engine buffers of n) into the state: one wasm call. */
  protected learnKernel(n: number, copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    this.engine.kernel('bd_learn_stats')(this.state.ptr + 8 * this.slotOffset('pulls'), this.stride(), this.Kp, n, copies.ptr, arms.ptr, rewards.ptr);
  }

  /**
   * Learn a batch: all events checked first (the whole batch rejected on any bad one, state
   * unchanged), repeats of an eventId in the window or in the batch skipped, the rest folded in one
   * wasm call in order. Returns how many were learned and how many skipped as duplicates.
   */
  learn(events: readonly BanditEvent[]): LearnResult {
    this.checkLive();
    const { take, keys, h } = this.checkedBatch(events, 'learn');
    const n = take.length;
    if (n > 0) {
      const copies = this.engine.alloc(n, 'i32');
      let arms: EngineBuffer<'i32'> | undefined, rewards: EngineBuffer<'f64'> | undefined;
      try {
        arms = this.engine.alloc(n, 'i32');
        rewards = this.engine.alloc(n, 'f64');
        this.packEvents(take.map((i) => events[i]!), arms, rewards);
        this.learnKernel(n, copies, arms, rewards);
      } finally { copies.free(); arms?.free(); rewards?.free(); }
      for (let j = 0; j < n; j++) this.remember(keys[j]!, h[2 * take[j]!]!, h[2 * take[j]! + 1]!);
    }
    return { learned: n, duplicates: events.length - n };
  }
  /** The keys an event of learn() holds for this policy (e.g. context, propensity): what a decision log stores to build one. */
  get eventFields(): readonly string[] { this.checkLive(); return this.eventKeys(); }
  /**
   * Check one event exactly as learn() checks it (InvalidArgumentError whose message starts with
   * `where`), without learning it: nothing changes, the eventId window included.
   */
  validateEvent(event: unknown, where = 'event'): void {
    this.checkLive();
    this.checkEvent(event as Record<string, unknown>, where);
    encodeIds([(event as BanditEvent).eventId], () => where);
  }
  /**
   * Check a batch as learn() does (every event, then the eventIds' bytes) and hash its eventIds:
   * `take` = indices of the events to fold (not in the window, first of their id in the batch), `keys`
   * their window keys, `h` the (lo, hi) hash words of every event. Changes nothing.
   */
  protected checkedBatch(events: readonly BanditEvent[], what: string): { take: number[]; keys: string[]; h: Int32Array } {
    if (!Array.isArray(events)) throw new InvalidArgumentError(`${what} takes an array of events, got ${describe(events)}`);
    const name = (i: number): string => {
      const id = (events[i] as unknown as Record<string, unknown> | null)?.eventId;
      return `event ${i}${typeof id === 'string' ? ` (eventId ${JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id)})` : ''}`;
    };
    for (let i = 0; i < events.length; i++) this.checkEvent(events[i] as unknown as Record<string, unknown>, name(i));
    const bytes = encodeIds(events.map((e) => e.eventId), name);
    const h = events.length ? this.hasher.hash(this.engine, bytes) : new Int32Array(0);
    const take: number[] = [], keys: string[] = [];
    const batch = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const k = `${h[2 * i]! >>> 0}:${h[2 * i + 1]! >>> 0}`;
      if (this.seen.has(k) || batch.has(k)) continue;
      batch.add(k); take.push(i); keys.push(k);
    }
    return { take, keys, h };
  }
  /** Whether the eventId window holds the id with hash words (lo, hi) (as unsigned 32-bit words). */
  protected windowHas(lo: number, hi: number): boolean { return this.seen.has(`${lo >>> 0}:${hi >>> 0}`); }
  /** Remember the id with hash words (lo, hi) in the eventId window (the oldest one leaves a full window). */
  protected windowAdd(lo: number, hi: number): void { this.remember(`${lo >>> 0}:${hi >>> 0}`, lo | 0, hi | 0); }

  // ---- mergeable updates (src/bandits/delta.ts) ----
  /**
   * Whether this policy's statistics are sums of per-event terms, so delta()/apply() and
   * bandits.mergeDeltas work (the policies whose learn is the shared statistics fold).
   */
  get mergeable(): boolean { this.checkLive(); return mergeRefusal(this) === null; }
  /**
   * The update `events` would make, as a Delta (exact per-arm sums and the eventIds it covers),
   * computed in wasm without touching the state or the window. Checked like learn(); repeats of an id
   * in the batch are counted once; ids already in the window are NOT skipped (apply() refuses a delta
   * that overlaps the learned ids). UnsupportedError for a policy that cannot merge.
   */
  delta(events: readonly BanditEvent[]): Delta { this.checkLive(); return makeDelta(this, events); }
  /**
   * Fold a delta into copy 0, exactly once: a delta whose ids are all in the window changes nothing
   * (its events count as duplicates); one that shares only some ids with the window is refused
   * (InvalidArgumentError, nothing changed). See src/bandits/delta.ts for the numerics.
   */
  apply(delta: Delta): LearnResult { this.checkLive(); return applyDelta(this, delta); }

  /** Write the arms and rewards of checked events into the kernel's inputs (subclasses add contexts). */
  protected packEvents(ev: readonly BanditEvent[], arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    const a = arms.array, r = rewards.array;
    for (let i = 0; i < ev.length; i++) { a[i] = ev[i]!.arm; r[i] = ev[i]!.reward; }
  }
  private remember(k: string, lo: number, hi: number): void {
    const W = this.dedupWindow;
    if (W === 0) return;
    if (this.size === W) {
      const o = 2 * this.head;
      this.seen.delete(`${this.ring[o]! >>> 0}:${this.ring[o + 1]! >>> 0}`);
    } else this.size++;
    this.ring[2 * this.head] = lo; this.ring[2 * this.head + 1] = hi;
    this.head = (this.head + 1) % W;
    this.seen.add(k);
  }

  /**
   * Learn for many copies at once (the simulator's entry point): event i updates copy copies[i] with
   * arm arms[i] and reward rewards[i], in order, no eventIds (no deduplication). Checked like learn().
   * A simulator passes decideCopies' `propensities` and `scores` as well: the importance-weighted
   * policies (src/bandits/adversarial.ts) need the decision-time probabilities; the others ignore them.
   */
  learnCopies(copies: Int32Array, arms: Int32Array, rewards: Float64Array, _propensities?: Float64Array, _probabilities?: Float64Array): void {
    this.checkLive();
    if (!(copies instanceof Int32Array) || !(arms instanceof Int32Array) || !(rewards instanceof Float64Array) || copies.length !== arms.length || arms.length !== rewards.length) {
      throw new InvalidArgumentError('learnCopies takes copies and arms as Int32Arrays and rewards as a Float64Array of one length');
    }
    const n = copies.length;
    if (n === 0) return;
    // the inputs may be views of engine memory (the simulator's buffers): copy them out before a first
    // allocation can grow the memory and detach them; later calls reuse the buffers and allocate nothing
    let c = copies, a = arms, r = rewards;
    if (!this.scratch || this.scratch.copies.length < n) { c = copies.slice(); a = arms.slice(); r = rewards.slice(); }
    const s = this.scratchFor(n);
    s.copies.array.set(c); s.arms.array.set(a); s.rewards.array.set(r);
    // one wasm pass checks copies, arms and finiteness and finds the reward range; only a batch it
    // flags (or whose range the reward model refuses) goes through the per-event loop, for its message
    const bad = this.engine.kernel('bd_check_events')(n, s.copies.ptr, s.arms.ptr, s.rewards.ptr, this.copies, this.K, this.mask.ptr, s.range.ptr);
    if (bad >= 0 || !this.rewardRangeOk(s.range.array[0]!, s.range.array[1]!)) this.checkCopyEvents(c, a, r);
    this.learnKernel(n, s.copies, s.arms, s.rewards);
  }
  /** Whether the reward model takes every reward in [lo, hi] (checkReward accepts an interval of rewards). */
  private rewardRangeOk(lo: number, hi: number): boolean {
    try { this.checkReward(lo, 'event'); this.checkReward(hi, 'event'); return true; } catch (e) {
      if (e instanceof InvalidArgumentError) return false;
      throw e;
    }
  }
  /** learnCopies' per-event checks in order: throws InvalidArgumentError naming the first bad event. */
  private checkCopyEvents(copies: Int32Array, arms: Int32Array, rewards: Float64Array): void {
    const m = this.mask.array;
    for (let i = 0; i < copies.length; i++) {
      const c = copies[i]!, a = arms[i]!, r = rewards[i]!;
      if (c < 0 || c >= this.copies) throw new InvalidArgumentError(`event ${i}: copy ${c} is not in [0, ${this.copies - 1}]`);
      if (a < 0 || a >= this.K || !m[a]) throw new InvalidArgumentError(`event ${i}: arm ${a} is not an active arm`);
      if (!Number.isFinite(r)) throw new InvalidArgumentError(`event ${i}: reward must be finite, got ${r}`);
      this.checkReward(r, `event ${i}`);
    }
    throw new Error('learnCopies: the wasm check flagged a batch the per-event checks accept');
  }

  // ---- arms ----
  /** Checked per-arm values for K arms from a warmStart object: the copy-0 state image. */
  private warmValues(w: unknown): Float64Array {
    requireObject('warmStart', w);
    const L = this.layout(), names = L.slots.map((s) => s.name);
    const given = w as Record<string, unknown>;
    for (const k of Object.keys(given)) if (!names.includes(k)) throw new HyperparameterError(`warmStart: unknown slot ${JSON.stringify(k)}${suggest(k, names)}`);
    const img = new Float64Array(this.stride());
    const filled = this.warmDefaults(given);
    for (const s of L.slots) {
      const v = filled[s.name];
      if (v === undefined) throw new HyperparameterError(`warmStart needs ${s.name} (${this.K * s.width} values)`);
      if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || (v as ArrayLike<number>).length !== this.K * s.width) {
        throw new HyperparameterError(`warmStart.${s.name} must be an array of ${this.K * s.width} numbers, got ${describe(v)}`);
      }
      const o = this.slotOffset(s.name), a = v as ArrayLike<number>;
      for (let i = 0; i < a.length; i++) {
        if (typeof a[i] !== 'number' || !Number.isFinite(a[i])) throw new HyperparameterError(`warmStart.${s.name}[${i}] must be a finite number, got ${describe(a[i])}`);
        img[o + i] = a[i]!;
      }
    }
    for (let k = 0; k < this.K; k++) {
      try { this.checkArm(this.armValues(img, 0, k), `warmStart arm ${k}`); } catch (e) {
        if (e instanceof StateError || e instanceof InvalidArgumentError) throw new HyperparameterError(e.message);
        throw e;
      }
    }
    return img;
  }
  /** Slots a warm start may omit, filled from the given ones (default: none). */
  protected warmDefaults(given: Record<string, unknown>): Record<string, unknown> { return given; }
  /** The values of arm k in copy `copy` of state image `s` (slot name -> width values). */
  protected armValues(s: Float64Array, copy: number, k: number, Kp = this.Kp): Record<string, Float64Array> {
    const base = copy * this.stride(Kp), out: Record<string, Float64Array> = {};
    for (const x of this.layout().slots) {
      const o = base + this.slotOffset(x.name, Kp) + k * x.width;
      out[x.name] = s.slice(o, o + x.width);
    }
    return out;
  }

  /**
   * Append an arm (index = the old arm count) to every copy, with prior statistics `prior` (slot name ->
   * `width` numbers; omitted: all zero, i.e. never pulled). Returns its index.
   */
  addArm(prior?: Record<string, ArrayLike<number> | number>): number {
    this.checkLive();
    if (this.K >= MAX_ARMS) throw new HyperparameterError(`a policy has at most ${MAX_ARMS} arms`);
    const L = this.layout();
    const vals: Record<string, Float64Array> = {};
    for (const s of L.slots) vals[s.name] = new Float64Array(s.width);
    if (prior !== undefined) {
      requireObject('addArm prior', prior);
      const names = L.slots.map((s) => s.name);
      for (const k of Object.keys(prior)) if (!names.includes(k)) throw new HyperparameterError(`addArm prior: unknown slot ${JSON.stringify(k)}${suggest(k, names)}`);
      const filled = this.warmDefaults(Object.fromEntries(Object.entries(prior).map(([k, v]) => [k, typeof v === 'number' ? [v] : v])));
      for (const s of L.slots) {
        const v = filled[s.name] as ArrayLike<number> | undefined;
        if (v === undefined) continue;
        if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || v.length !== s.width) throw new HyperparameterError(`addArm prior ${s.name} must be ${s.width} number${s.width > 1 ? 's' : ''}, got ${describe(v)}`);
        for (let i = 0; i < s.width; i++) {
          if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw new HyperparameterError(`addArm prior ${s.name}[${i}] must be a finite number, got ${describe(v[i])}`);
          vals[s.name]![i] = v[i]!;
        }
      }
      try { this.checkArm(vals, `addArm prior`); } catch (e) {
        if (e instanceof StateError || e instanceof InvalidArgumentError) throw new HyperparameterError(e.message);
        throw e;
      }
    }
    const K2 = this.K + 1, Kp2 = K2 + (K2 & 1);
    const stride2 = this.stride(Kp2), strideOld = this.stride();
    const next = this.engine.alloc(this.copies * stride2, 'f64');
    let mask2: EngineBuffer<'u8'>;
    try { mask2 = this.engine.alloc(Kp2, 'u8'); } catch (e) { next.free(); throw e; }
    const s = this.state.array, d = next.array;
    for (let r = 0; r < this.copies; r++) {
      const so = r * strideOld, dO = r * stride2, H = align2(L.header);
      d.set(s.subarray(so, so + H), dO);
      for (const x of L.slots) {
        const a = so + this.slotOffset(x.name), b = dO + this.slotOffset(x.name, Kp2);
        d.set(s.subarray(a, a + this.K * x.width), b);
        d.set(vals[x.name]!, b + this.K * x.width);
      }
    }
    mask2.array.set(this.mask.array.subarray(0, this.K));
    mask2.array[this.K] = 1;
    this.state.free(); this.mask.free();
    this.state = next; this.mask = mask2;
    this.K = K2; this.Kp = Kp2;
    this.freeOut();
    return this.K - 1;
  }

  /**
   * Restart copy `copy`'s statistics (the change-detection wrappers' hook, src/bandits/nonstationary.ts):
   * arm `arm`'s slots become those of a fresh arm (what addArm() with no prior gives), or, with arm = -1,
   * every arm's slots and the header (a global restart). One wasm fill call per slot; afterRestart then
   * lets a policy rebuild what it derives from the state. Arm masks, the eventId window and the options
   * are unchanged.
   */
  restart(copy: number, arm: number): void {
    this.checkLive();
    int(copy, 'copy', 0, this.copies - 1, 0);
    if (typeof arm !== 'number' || !Number.isInteger(arm) || arm < -1 || arm >= this.K) throw new InvalidArgumentError(`arm must be -1 (every arm) or an integer in [0, ${this.K - 1}], got ${describe(arm)}`);
    const L = this.layout(), fresh = this.freshArm(), base = copy * this.stride();
    const width = Math.max(1, align2(L.header), ...L.slots.map((s) => s.width));
    const tmpl = this.engine.alloc(width, 'f64');
    try {
      const fill = this.engine.kernel('bd_fill_arms');
      const a0 = arm < 0 ? 0 : arm, a1 = arm < 0 ? this.K : arm + 1;
      for (const s of L.slots) {
        tmpl.array.set(fresh[s.name]!);
        fill(this.state.ptr + 8 * (base + this.slotOffset(s.name)), s.width, a0, a1, tmpl.ptr);
      }
      if (arm < 0 && L.header > 0) {
        tmpl.array.fill(0);
        fill(this.state.ptr + 8 * base, L.header, 0, 1, tmpl.ptr);
      }
    } finally { tmpl.free(); }
    this.afterRestart(copy, arm);
  }
  /** The slot values of a fresh arm (default: warmDefaults({}) where it fills a slot, else zero). */
  protected freshArm(): Record<string, Float64Array> {
    const filled = this.warmDefaults({}), out: Record<string, Float64Array> = {};
    for (const s of this.layout().slots) {
      const v = filled[s.name] as ArrayLike<number> | undefined;
      out[s.name] = v === undefined ? new Float64Array(s.width) : Float64Array.from(v);
    }
    return out;
  }
  /** Called after restart(copy, arm) changed the state (default: nothing to rebuild). */
  protected afterRestart(_copy: number, _arm: number): void {}

  /** Take arm `arm` out: never chosen again, its events refused; its statistics stay (and are saved). */
  removeArm(arm: number): void {
    this.checkLive();
    if (typeof arm !== 'number' || !Number.isInteger(arm) || arm < 0 || arm >= this.K) throw new InvalidArgumentError(`arm must be an integer in [0, ${this.K - 1}], got ${describe(arm)}`);
    if (!this.mask.array[arm]) throw new InvalidArgumentError(`arm ${arm} was already removed`);
    if (this.activeArms.length === 1) throw new InvalidArgumentError(`arm ${arm} is the last active arm: a policy keeps at least one`);
    this.mask.array[arm] = 0;
  }

  // ---- save / load ----
  /** Versioned binary state (see state-file.ts): bandits.load(engine, bytes) restores it bit for bit. */
  save(): Uint8Array {
    this.checkLive();
    const L = this.layout();
    return writeStateFile(this.engine, {
      format: 'simdopt/bandit-state', version: 1, policy: this.kind, policyVersion: this.version,
      options: this.options, arms: this.K, active: Array.from(this.mask.array.subarray(0, this.K), (x) => x !== 0),
      copies: this.copies, layout: { header: L.header, slots: L.slots.map((s) => ({ name: s.name, width: s.width })) },
      window: { capacity: this.dedupWindow, size: this.size, head: this.head },
    }, this.state.array, this.ring);
  }

  /** @internal install a checked state file's contents (called by loadPolicy on a fresh instance). */
  installState(m: BanditManifest, state: Float64Array, window: Int32Array): void {
    if (m.policyVersion !== this.version) throw new StateError(`state file holds ${m.policy} state version ${valueText(m.policyVersion)}, this build reads version ${this.version}`);
    const L = this.layout();
    exactKeys(m.layout, ['header', 'slots'], 'layout');
    if (JSON.stringify(m.layout) !== JSON.stringify({ header: L.header, slots: L.slots.map((s) => ({ name: s.name, width: s.width })) })) {
      throw new StateError(`state file layout ${JSON.stringify(m.layout)} is not ${this.kind}'s ${JSON.stringify(L)}`);
    }
    if (!Array.isArray(m.active) || m.active.length !== this.K || m.active.some((x) => typeof x !== 'boolean')) throw new StateError(`state file active must be ${this.K} booleans`);
    if (!m.active.includes(true)) throw new StateError('state file has no active arm');
    const stride = this.stride();
    if (state.length !== this.copies * stride) throw new StateError(`state file state has ${state.length} values, ${this.kind} with ${this.K} arms and ${this.copies} copies has ${this.copies * stride}`);
    for (let i = 0; i < state.length; i++) if (!Number.isFinite(state[i]!)) throw new StateError(`state file state value ${i} is ${state[i]} (must be finite)`);
    for (let r = 0; r < this.copies; r++) {
      for (const x of L.slots) {
        const o = r * stride + this.slotOffset(x.name);
        for (let i = this.K * x.width; i < this.Kp * x.width; i++) if (state[o + i] !== 0) throw new StateError(`state file padding of slot ${x.name} is not zero`);
      }
      for (let k = 0; k < this.K; k++) {
        try { this.checkArm(this.armValues(state, r, k), `state file arm ${k}${this.copies > 1 ? ` of copy ${r}` : ''}`); } catch (e) {
          if (e instanceof InvalidArgumentError || e instanceof HyperparameterError) throw new StateError(e.message);
          throw e;
        }
      }
    }
    this.checkHeader(state, stride);
    exactKeys(m.window, ['capacity', 'size', 'head'], 'window');
    const { capacity, size, head } = m.window as { capacity: unknown; size: unknown; head: unknown };
    if (capacity !== this.dedupWindow) throw new StateError(`state file window capacity ${valueText(capacity)} is not the options' dedupWindow ${this.dedupWindow}`);
    if (!Number.isInteger(size) || (size as number) < 0 || (size as number) > this.dedupWindow) throw new StateError(`state file window size ${valueText(size)} is not in [0, ${this.dedupWindow}]`);
    if (!Number.isInteger(head) || (head as number) < 0 || (head as number) >= Math.max(1, this.dedupWindow) || ((size as number) < this.dedupWindow && head !== size)) {
      throw new StateError(`state file window head ${valueText(head)} is inconsistent with its size ${valueText(size)}`);
    }
    if (window.length !== 2 * this.dedupWindow) throw new StateError(`state file window has ${window.length} words, expected ${2 * this.dedupWindow}`);
    const seen = new Set<string>();
    const W = this.dedupWindow, sz = size as number, start = sz < W ? 0 : (head as number);
    for (let j = 0; j < sz; j++) {
      const o = 2 * ((start + j) % Math.max(W, 1)), k = `${window[o]! >>> 0}:${window[o + 1]! >>> 0}`;
      if (seen.has(k)) throw new StateError('state file window holds an eventId twice');
      seen.add(k);
    }
    for (let j = sz; j < W; j++) if (window[2 * j] !== 0 || window[2 * j + 1] !== 0) throw new StateError('state file window has values past its size');
    this.state.array.set(state);
    for (let k = 0; k < this.K; k++) this.mask.array[k] = m.active[k] ? 1 : 0;
    this.ring = window.slice();
    this.size = sz; this.head = head as number; this.seen = seen;
  }
  /** Check the header values of a loaded state (default: the layout has none, nothing to check). */
  protected checkHeader(_state: Float64Array, _stride: number): void {}
}

const align2 = (n: number): number => n + (n & 1);

/** A policy class as bandits.load sees it. */
export type PolicyClass = new (engine: Engine, options: PolicyOptions & Record<string, unknown>) => Policy;

/** Strictly read a state file into a new policy of the class it names (one of `classes`). */
export function loadPolicy(engine: Engine, bytes: unknown, classes: Readonly<Record<string, PolicyClass>>): Policy {
  requireEngine(engine);
  engine.requireGroup(BANDITS);
  const { manifest: m, state, window } = readStateFile(engine, bytes);
  const names = Object.keys(classes);
  if (typeof m.policy !== 'string' || !Object.prototype.hasOwnProperty.call(classes, m.policy)) {
    throw new StateError(`state file holds an unknown policy ${describe(m.policy)}${typeof m.policy === 'string' ? suggest(m.policy, names) : ''}`);
  }
  if (!Number.isInteger(m.arms) || m.arms < 1 || m.arms > MAX_ARMS) throw new StateError(`state file arms ${describe(m.arms)} is not an integer in [1, ${MAX_ARMS}]`);
  if (!Number.isInteger(m.copies) || m.copies < 1 || m.copies > MAX_COPIES) throw new StateError(`state file copies ${describe(m.copies)} is not an integer in [1, ${MAX_COPIES}]`);
  if (m.options === null || typeof m.options !== 'object' || Array.isArray(m.options)) throw new StateError('state file options must be an object');
  for (const k of ['arms', 'copies', 'warmStart']) if (k in m.options) throw new StateError(`state file options must not hold ${k}`);
  let p: Policy;
  try {
    p = new classes[m.policy]!(engine, { ...(m.options as Record<string, unknown>), arms: m.arms, copies: m.copies });
  } catch (e) {
    if (e instanceof HyperparameterError || e instanceof InvalidArgumentError) throw new StateError(`state file options: ${e.message}`);
    throw e;
  }
  try {
    if (p.kind !== m.policy) throw new StateError(`state file policy ${m.policy} made a ${p.kind}`);
    p.installState(m, state, window);
  } catch (e) { p.free(); throw e; }
  return p;
}
