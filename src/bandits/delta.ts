// Mergeable, exactly-once updates: policy.delta(events) -> Delta, policy.apply(delta),
// bandits.mergeDeltas(a, b), Delta.encode() / bandits.decodeDelta(engine, bytes).
//
// WHICH POLICIES: those whose learn is the shared statistics fold (pulls, rewards, squares per arm:
// UCB1, UCB-V, MOSS, MOSS-anytime, KL-UCB, IMED, Bayes-UCB, ε-greedy, ε-decreasing, softmax,
// Bernoulli and Gaussian Thompson sampling): their state is a sum of per-event terms (1, r, r²).
// And the linear policies (LinUCB, LinTS, ridge LinEpsilonGreedy / SquareCB: LinearPolicy.linearMerge),
// whose A = λI + Σ x xᵀ and b = Σ r x are sums: their deltas hold ΔA's upper triangle and Δb per arm
// (slots ['A', 'b'], d(d+1)/2 + d accumulators) and apply() updates the stored A⁻¹ by Sherman–Morrison
// steps over a pivoted Cholesky factor of round(ΔA) (bd_delta_lin_values): learn's bits when an arm
// gets one event, else within rounding (tested: 1e-10 normwise relative of learn and of an exact
// inverse). And the adversarial family (src/bandits/adversarial.ts: expMerge/expTerms), whose
// cumulative estimates are sums of importance-weighted per-event terms computed by bd_exp_terms from
// each event's propensity: EXP3 (gains x/p or losses (1-x)/p), EXP3-IX with a constant or
// horizon-tuned γ ((1-x)/(p+γ)), EXP3.P (x/p and the bonus α/(p√(KT)) on every arm), Tsallis-INF
// 'iw', Hedge (full loss vectors) and EXP4 (one sum per expert, so its entries index experts:
// Delta.limit); one slot, one accumulator per arm/expert, and apply adds the event count to the round
// counter t. They refuse where a term depends on the round or on the arm set: EXP3-IX's anytime
// γ_t = η_t/2 and Tsallis-INF 'rv' (η_t = η0/√t: the round each event is learned as), Fixed-Share
// (its share step renormalizes every log-weight after each event), and EXP3.P / horizon-tuned EXP3-IX
// after removeArm (their terms use the number of active arms, so deltas made with another arm set
// would hold other terms). Every other policy refuses with UnsupportedError naming why (a sliding
// window forgets, a discount makes the state depend on the order, Newton steps of a logistic
// regressor, ...).
//
// NUMERICS (why merging is bit-exact in any order): a Delta does not hold f64 sums. Each (arm, slot)
// sum is an exact integer accumulator (assembly/bandits/delta.ts: the value in units of 2^-1074, 2176
// bits), so delta(), mergeDeltas() and the stores' server-side merges are integer additions:
// commutative and associative, the same bytes whatever the order of events, the split into deltas
// and the merge tree. apply() rounds each accumulator once (nearest, ties to even) and adds it to the
// state: state' = fl(state + round(Σ terms)). For a fresh policy that is the correctly rounded exact
// sum of the events' terms. How it compares with learn() (which adds the terms one by one in f64):
// * identical bits whenever every partial sum is representable: counts (pulls, always exact below
//   2^53), and rewards on a dyadic grid (0/1 clicks, k/2^q ratings) with their squares;
// * otherwise apply is the correctly rounded sum and learn carries its own rounding error, at most
//   (n − 1)·2^-53·Σ|term| per statistic (n events of the arm); the two differ by no more than that.
// A shared store (src/bandits/stores/) keeps the accumulated Delta itself, so the policy every
// reader materialises is the same bits whatever the writers' interleaving.
//
// EXACTLY ONCE: a Delta carries the 64-bit hashes (FNV-1a of the UTF-8 eventId, what the policy's
// dedup window holds) of the events it covers, sorted. apply(): all ids in the window -> nothing
// changes, the events count as duplicates; none -> folded and remembered; some -> InvalidArgumentError
// (a sum cannot be split; recompute the delta from the events that are new). mergeDeltas(): disjoint
// id sets merge; the same delta twice gives itself; a partial overlap is refused the same way. A
// Delta without ids (withoutIds(): what a store keeps as the accumulated state) applies unconditionally.
//
// ENCODING (encode/decodeDelta; little-endian):
//   'SDLT' | u8 version 1 | u8 flags (1: has ids) | u16 0 | u32 H | H bytes JSON header
//   {policy, options, arms, slots, count, entries} | u32 N | N × u64 ids (strictly increasing)
//   | u32 L | L payload bytes (assembly/bandits/delta.ts) | u64 FNV-1a 64 of every byte before it.
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { describe, InvalidArgumentError, StateError, UnsupportedError } from '../errors.js';
import type { BanditEvent, LearnResult, Policy } from './policy.js';
import { encodeIds, Hasher } from './rng.js';

const MAGIC = [0x53, 0x44, 0x4c, 0x54]; // 'SDLT'
const VERSION = 1;
const CELLS = 68;
const SLOTS = ['pulls', 'rewards', 'squares'] as const;
const S = SLOTS.length;
/** The linear form's slots: ΔA's upper triangle by rows, then Δb. */
const LIN_SLOTS = ['A', 'b'] as const;
/** Accumulators per arm of the linear form at dimension d. */
const linWidth = (d: number): number => (d * (d + 1)) / 2 + d;
/** Bytes one packed accumulator takes at most. */
const ACC_MAX = 3 + 4 * CELLS;
/** Most bytes of one packed (arm, slots) entry. */
const ENTRY_MAX = 4 + S * (3 + 4 * CELLS);
/** Largest event count a Delta carries (counts stay exact integers in f64). */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** Why some policies cannot merge (the generic reason covers any other learn kernel). */
const REASONS: Record<string, string> = {
  SWUCB: 'its sliding window forgets events as new ones arrive, so its state is not a sum over events',
  DiscountedUCB: 'every event discounts every arm by γ, so its state depends on the order of the events',
  DiscountedTS: 'every event discounts every arm by γ, so its state depends on the order of the events',
  ExploreThenCommit: 'its first-m-rewards slot keeps the first rewards in arrival order',
  CUSUM: 'a change detector restarts arms when it fires, so its state depends on the order of the events',
  GLR: 'a change detector restarts arms when it fires, so its state depends on the order of the events',
  Monitored: 'a change detector restarts arms when it fires, so its state depends on the order of the events',
};

/** What delta.ts reads of a policy (protected members, reached through this view). */
interface Internals {
  engine: Engine; kind: string; K: number; Kp: number; dedupWindow: number; options: Record<string, unknown>;
  state: EngineBuffer<'f64'>; mask: EngineBuffer<'u8'>;
  layout(): { header: number; slots: { name: string; width: number }[] };
  slotOffset(name: string | null): number;
  checkArm(v: Record<string, Float64Array>, where: string): void;
  checkedBatch(events: readonly BanditEvent[], what: string): { take: number[]; keys: string[]; h: Int32Array };
  packEvents(ev: readonly BanditEvent[], arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void;
  windowHas(lo: number, hi: number): boolean;
  windowAdd(lo: number, hi: number): void;
  learn: unknown; learnKernel: unknown;
  // the linear policies (src/bandits/contextual.ts)
  linearMerge?: () => string | null; withPositions?: (events: readonly BanditEvent[]) => readonly BanditEvent[];
  cache?: EngineBuffer<'f32'> | null; cstride?: number; dim?: number;
  // the adversarial family (src/bandits/adversarial.ts): one cumulative estimate per arm (or expert)
  expMerge?: () => string | null; expForm?: () => { slot: string; offset: number; count: number };
  expCheck?: (k: number, v: number, where: string) => void;
  expTerms?: (n: number, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>, alloc: <D extends 'u8' | 'i32' | 'f64'>(n: number, d: D) => EngineBuffer<D>) => { m: number; idx: EngineBuffer<'i32'>; vals: EngineBuffer<'f64'> };
}
/** The adversarial family's one-slot forms (cumulative gains or losses per arm; EXP4: per expert). */
const EXP_SLOTS = ['gains', 'losses', 'expertGains'];
const inner = (p: Policy): Internals => p as unknown as Internals;

/** null when `p` can merge, else the reason it cannot. */
export function mergeRefusal(p: Policy): string | null {
  const q = inner(p);
  if (Object.prototype.hasOwnProperty.call(REASONS, q.kind)) return REASONS[q.kind]!;
  if (typeof q.linearMerge === 'function') return q.linearMerge();
  if (typeof q.expMerge === 'function') return q.expMerge();
  // The base class's own learn, kernel and event packing, over exactly the shared statistics.
  let base = Object.getPrototypeOf(p);
  while (base && Object.getPrototypeOf(base) && Object.getPrototypeOf(base) !== Object.prototype) base = Object.getPrototypeOf(base);
  const L = q.layout();
  const stats = L.header === 0 && L.slots.length === S && L.slots.every((s, i) => s.name === SLOTS[i] && s.width === 1);
  if (!base || q.learn !== base.learn || q.learnKernel !== base.learnKernel || q.packEvents !== base.packEvents || !stats) {
    return 'its learn is not the shared statistics fold (pulls, rewards, squares per arm), so its state is not known to be a sum of per-event terms';
  }
  return null;
}
function requireMergeable(p: Policy, what: string): void {
  const why = mergeRefusal(p);
  if (why !== null) throw new UnsupportedError(`${inner(p).kind} cannot ${what}: ${why}`);
}

const hashers = new WeakMap<Engine, Hasher>();
function hasherOf(engine: Engine): Hasher {
  let h = hashers.get(engine);
  if (!h) { h = new Hasher(); hashers.set(engine, h); }
  return h;
}
/** FNV-1a 64 of `bytes` (one wasm call), as 8 little-endian bytes. */
function checksum(engine: Engine, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(hasherOf(engine).hash(engine, [bytes]).buffer);
}

/**
 * The 64-bit id hashes (what a policy's dedup window and a Delta hold) of `eventIds`, in order, one
 * wasm call: what a store uses to tell which events of a batch it has already folded.
 */
export function hashEventIds(engine: Engine, eventIds: readonly string[]): BigUint64Array {
  if (!Array.isArray(eventIds)) throw new InvalidArgumentError(`hashEventIds takes an array of eventId strings, got ${describe(eventIds)}`);
  for (let i = 0; i < eventIds.length; i++) if (typeof eventIds[i] !== 'string') throw new InvalidArgumentError(`eventId ${i} must be a string, got ${describe(eventIds[i])}`);
  if (eventIds.length === 0) return new BigUint64Array(0);
  const h = hasherOf(engine).hash(engine, encodeIds(eventIds, (i) => `eventId ${i}`));
  return new BigUint64Array(h.buffer, h.byteOffset, eventIds.length);
}

interface DeltaParts { policy: string; options: string; arms: number; count: number; ids: BigUint64Array | null; payload: Uint8Array; entries: number; slots: readonly string[]; width: number }
/** The slot names and accumulators per arm of a mergeable policy's deltas. */
function formOf(p: Policy): { slots: readonly string[]; width: number } {
  const q = inner(p);
  if (typeof q.expForm === 'function') return { slots: [q.expForm().slot], width: 1 };
  return typeof q.linearMerge === 'function' ? { slots: LIN_SLOTS, width: linWidth(q.dim!) } : { slots: SLOTS, width: S };
}
/** Entries of a delta index arms, except EXP4's, which index its experts. */
function limitOf(slots: readonly string[], options: string, arms: number): number {
  return slots[0] === 'expertGains' ? (JSON.parse(options) as { experts: number }).experts : arms;
}

/** An update of a mergeable policy: exact per-arm sums and the event ids it covers (see the top of src/bandits/delta.ts). */
export class Delta {
  /** The policy class it was computed for. */
  readonly policy: string;
  /** Arms of the policy it was computed with (it applies to a policy with at least as many). */
  readonly arms: number;
  /** Events it folds. */
  readonly count: number;
  /** @internal */ readonly engine: Engine;
  /** @internal canonical options JSON (the policy's options without dedupWindow) */ readonly optionsKey: string;
  /** @internal */ readonly idList: BigUint64Array | null;
  /** @internal */ readonly payload: Uint8Array;
  /** @internal */ readonly entries: number;
  /** @internal slot names: ['pulls', 'rewards', 'squares'], or ['A', 'b'] for the linear policies */ readonly slotNames: readonly string[];
  /** @internal accumulators per arm entry (3, or d(d+1)/2 + d, or 1 for the adversarial family) */ readonly width: number;
  /** @internal entries index [0, limit): the arms, or EXP4's experts */ readonly limit: number;
  /** @internal made by policy.delta, mergeDeltas and decodeDelta only */
  constructor(engine: Engine, parts: DeltaParts) {
    this.engine = engine;
    this.policy = parts.policy; this.optionsKey = parts.options; this.arms = parts.arms; this.count = parts.count;
    this.idList = parts.ids; this.payload = parts.payload; this.entries = parts.entries;
    this.slotNames = parts.slots; this.width = parts.width;
    this.limit = limitOf(parts.slots, parts.options, parts.arms);
    Object.freeze(this);
  }
  /** The policy options it was computed with (dedupWindow aside). */
  get options(): Record<string, unknown> { return JSON.parse(this.optionsKey) as Record<string, unknown>; }
  /** The sorted 64-bit id hashes it covers (a copy), or null for a delta without ids (withoutIds()). */
  get eventIds(): BigUint64Array | null { return this.idList ? this.idList.slice() : null; }
  /** Arms with at least one event. */
  get touchedArms(): number { return this.entries; }
  /** The same sums without the id list: applies unconditionally (what a store keeps as its accumulated state). */
  withoutIds(): Delta { return new Delta(this.engine, { policy: this.policy, options: this.optionsKey, arms: this.arms, count: this.count, ids: null, payload: this.payload, entries: this.entries, slots: this.slotNames, width: this.width }); }
  /** The binary form (see the top of src/bandits/delta.ts); decodeDelta(engine, bytes) reads it back. */
  encode(): Uint8Array {
    const header = new TextEncoder().encode(JSON.stringify({ policy: this.policy, options: JSON.parse(this.optionsKey), arms: this.arms, slots: this.slotNames, count: this.count, entries: this.entries }));
    const ids = this.idList ?? new BigUint64Array(0);
    const n = 12 + header.length + 4 + 8 * ids.length + 4 + this.payload.length;
    const out = new Uint8Array(n + 8);
    const dv = new DataView(out.buffer);
    out.set(MAGIC, 0); out[4] = VERSION; out[5] = this.idList ? 1 : 0;
    dv.setUint32(8, header.length, true); out.set(header, 12);
    let o = 12 + header.length;
    dv.setUint32(o, ids.length, true); o += 4;
    out.set(new Uint8Array(ids.buffer, ids.byteOffset, 8 * ids.length), o); o += 8 * ids.length;
    dv.setUint32(o, this.payload.length, true); o += 4;
    out.set(this.payload, o);
    out.set(checksum(this.engine, out.subarray(0, n)), n);
    return out;
  }
}

/** Canonical JSON of a policy's options for delta matching: keys sorted, dedupWindow left out (a local choice). */
function optionsKey(p: Policy): string {
  const o = inner(p).options;
  const keys = Object.keys(o).filter((k) => k !== 'dedupWindow').sort();
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, o[k]])));
}

/** Run `f` with scratch engine buffers, freed afterwards whatever happens. */
function scratch<T>(engine: Engine, f: (alloc: <D extends 'u8' | 'i32' | 'f64'>(n: number, d: D) => EngineBuffer<D>) => T): T {
  const bufs: EngineBuffer<'u8' | 'i32' | 'f64'>[] = [];
  try {
    return f((n, d) => { const b = engine.alloc(Math.max(n, 1), d); bufs.push(b as EngineBuffer<'u8' | 'i32' | 'f64'>); return b; });
  } finally { for (const b of bufs) b.free(); }
}

/** policy.delta(events): checked like learn, computed in one wasm call; the state is not touched. */
export function makeDelta(p: Policy, events: readonly BanditEvent[]): Delta {
  requireMergeable(p, 'compute a delta');
  const q = inner(p), e = q.engine, form = formOf(p);
  if (q.withPositions) events = q.withPositions(events);
  const { take, h } = q.checkedBatch(events, 'delta');
  const n = take.length;
  const make = (count: number, ids: BigUint64Array, payload: Uint8Array, entries: number): Delta =>
    new Delta(e, { policy: q.kind, options: optionsKey(p), arms: q.K, count, ids, payload, entries, ...form });
  if (n === 0) return make(0, new BigUint64Array(0), new Uint8Array(0), 0);
  return scratch(e, (alloc) => {
    const arms = alloc(n, 'i32'), rewards = alloc(n, 'f64');
    q.packEvents(take.map((i) => events[i]!), arms, rewards);
    const order = alloc(n, 'i32'), heads = alloc(q.K + 1, 'i32');
    let payload: Uint8Array;
    let P: EngineBuffer<'u8'>;
    if (typeof q.expTerms === 'function') {
      // the terms learn adds (bd_exp_terms), then one exact sum per arm or expert
      const t = q.expTerms(n, arms, rewards, alloc), lim = q.expForm!().count;
      const ord = alloc(t.m, 'i32'), hd = alloc(lim + 1, 'i32'), cells = alloc(CELLS, 'f64');
      P = alloc(Math.min(t.m, lim) * (4 + ACC_MAX), 'u8');
      const len = e.kernel('bd_delta_sums')(t.m, t.idx.ptr, t.vals.ptr, lim, ord.ptr, hd.ptr, cells.ptr, P.ptr);
      if (len < 0) throw new InvalidArgumentError('delta: a sum overflows the exact accumulator');
      payload = P.array.slice(0, len);
    } else if (form.slots === LIN_SLOTS) {
      // the contexts as learn folds them (f32-rounded, in f64), n × d
      const d = q.dim!, x = (q as unknown as { pendingCtx: Float64Array | null }).pendingCtx!;
      (q as unknown as { pendingCtx: Float64Array | null }).pendingCtx = null;
      const ctx = alloc(n * d, 'f64'), cells = alloc((d + 1) * CELLS, 'f64');
      ctx.array.set(x);
      // typical sums span a few cells; grow the output when they do not fit
      let cap = Math.min(n, q.K) * (4 + form.width * 24) + 1024, len = -2;
      for (;;) {
        P = alloc(cap, 'u8');
        len = e.kernel('bd_delta_lin')(n, arms.ptr, ctx.ptr, rewards.ptr, q.K, d, order.ptr, heads.ptr, cells.ptr, P.ptr, cap);
        if (len !== -2) break;
        cap = Math.min(2 * cap, Math.min(n, q.K) * (4 + form.width * ACC_MAX));
      }
      if (len < 0) throw new InvalidArgumentError('delta: a sum overflows the exact accumulator');
      payload = P.array.slice(0, len);
    } else {
      const cells = alloc(S * CELLS, 'f64');
      P = alloc(Math.min(n, q.K) * ENTRY_MAX, 'u8');
      const len = e.kernel('bd_delta_stats')(n, arms.ptr, rewards.ptr, q.K, order.ptr, heads.ptr, cells.ptr, P.ptr);
      if (len < 0) throw new InvalidArgumentError('delta: a sum overflows the exact accumulator');
      payload = P.array.slice(0, len);
    }
    const entries = e.kernel('bd_delta_check')(P.ptr, payload.length, form.width, limitOf(form.slots, optionsKey(p), q.K));
    // The ids of the folded events, sorted (they are distinct: checkedBatch kept the first of each).
    const ids = alloc(2 * n, 'i32'), tmp = alloc(2 * n, 'i32'), counts = alloc(256, 'i32');
    const w = ids.array;
    for (let j = 0; j < n; j++) { w[2 * j] = h[2 * take[j]!]!; w[2 * j + 1] = h[2 * take[j]! + 1]!; }
    e.kernel('bd_ids_sort')(ids.ptr, n, tmp.ptr, counts.ptr);
    const sorted = new BigUint64Array(ids.array.slice().buffer, 0, n);
    return make(n, sorted, payload, entries);
  });
}

function requireDelta(d: unknown, what: string): asserts d is Delta {
  if (!(d instanceof Delta)) throw new InvalidArgumentError(`${what} must be a Delta (policy.delta() or bandits.decodeDelta()), got ${describe(d)}`);
}

/** The ids of `a` also in `b`, as a count (one wasm union). */
function unionIds(engine: Engine, a: BigUint64Array, b: BigUint64Array): { ids: BigUint64Array; shared: number } {
  return scratch(engine, (alloc) => {
    const A = alloc(2 * a.length, 'i32'), B = alloc(2 * b.length, 'i32'), O = alloc(2 * (a.length + b.length), 'i32');
    A.array.set(new Int32Array(a.buffer, a.byteOffset, 2 * a.length));
    B.array.set(new Int32Array(b.buffer, b.byteOffset, 2 * b.length));
    const m = engine.kernel('bd_ids_union')(A.ptr, a.length, B.ptr, b.length, O.ptr);
    return { ids: new BigUint64Array(O.array.slice(0, 2 * m).buffer, 0, m), shared: a.length + b.length - m };
  });
}

/**
 * Merge two deltas of one policy (same class and options): the exact sums add, the id lists unite.
 * Commutative and associative, bit for bit. Deltas sharing some ids are refused (InvalidArgumentError:
 * a sum cannot be split); merging a delta with itself gives it back. With a delta without ids the
 * result has none.
 */
export function mergeDeltas(a: Delta, b: Delta): Delta {
  requireDelta(a, 'mergeDeltas: a'); requireDelta(b, 'mergeDeltas: b');
  if (a.policy !== b.policy || a.optionsKey !== b.optionsKey) {
    throw new InvalidArgumentError(`mergeDeltas: the deltas are of different policies (${a.policy} ${a.optionsKey} and ${b.policy} ${b.optionsKey})`);
  }
  const e = a.engine;
  e.checkLive();
  let ids: BigUint64Array | null = null;
  if (a.idList && b.idList) {
    const u = unionIds(e, a.idList, b.idList);
    if (u.shared > 0) {
      if (u.shared === a.idList.length && u.shared === b.idList.length && a.arms === b.arms && sameBytes(a.payload, b.payload)) return a;
      throw new InvalidArgumentError(`mergeDeltas: the deltas share ${u.shared} of their eventIds (${a.idList.length} and ${b.idList.length}) but are not the same delta: a sum cannot be split, so merge deltas of disjoint events (recompute one from the events the other lacks)`);
    }
    ids = u.ids;
  }
  const count = a.count + b.count;
  if (count > MAX_COUNT) throw new InvalidArgumentError(`mergeDeltas: ${count} events is past 2^53 - 1`);
  const W = a.width;
  return scratch(e, (alloc) => {
    const A = alloc(a.payload.length, 'u8'), B = alloc(b.payload.length, 'u8');
    A.array.set(a.payload); B.array.set(b.payload);
    const cells = alloc(CELLS, 'f64');
    // a merged sum rarely needs more cells than its terms; grow the output when it does
    const most = a.payload.length + b.payload.length + Math.min(a.entries, b.entries) * W * ACC_MAX;
    let cap = Math.min(most, a.payload.length + b.payload.length + 8 * Math.min(a.entries, b.entries) * W + ACC_MAX + 4), len = -2;
    let out: EngineBuffer<'u8'>;
    for (;;) {
      out = alloc(cap, 'u8');
      len = e.kernel('bd_delta_merge')(A.ptr, a.payload.length, B.ptr, b.payload.length, W, cells.ptr, out.ptr, cap);
      if (len !== -2 || cap >= most) break;
      cap = Math.min(2 * cap, most);
    }
    if (len < 0) throw new InvalidArgumentError('mergeDeltas: a sum overflows the exact accumulator');
    const arms = Math.max(a.arms, b.arms);
    const entries = e.kernel('bd_delta_check')(out.ptr, len, W, limitOf(a.slotNames, a.optionsKey, arms));
    return new Delta(e, { policy: a.policy, options: a.optionsKey, arms, count, ids, payload: out.array.slice(0, len), entries, slots: a.slotNames, width: W });
  });
}
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** policy.apply(delta): exactly once (see the top of this file); nothing changes on any error. */
export function applyDelta(p: Policy, d: Delta): LearnResult {
  requireMergeable(p, 'apply a delta');
  requireDelta(d, 'apply');
  const q = inner(p), e = q.engine;
  if (d.policy !== q.kind || d.optionsKey !== optionsKey(p)) {
    throw new InvalidArgumentError(`apply: the delta is of ${d.policy} with options ${d.optionsKey}, this policy is ${q.kind} with options ${optionsKey(p)}`);
  }
  if (d.arms > q.K) throw new InvalidArgumentError(`apply: the delta covers ${d.arms} arms, this policy has ${q.K}`);
  let known = 0;
  const ids = d.idList;
  if (ids && q.dedupWindow > 0) {
    const w = new Uint32Array(ids.buffer, ids.byteOffset, 2 * ids.length);
    for (let i = 0; i < ids.length; i++) if (q.windowHas(w[2 * i]!, w[2 * i + 1]!)) known++;
    if (known > 0 && known === ids.length) return { learned: 0, duplicates: known };
    if (known > 0) throw new InvalidArgumentError(`apply: ${known} of the delta's ${ids.length} eventIds were already learned: a sum cannot be split, so compute a delta of the new events only (policy.delta skips the learned ones)`);
  }
  const isExp = typeof q.expForm === 'function';
  if (isExp && q.state.array[0]! + d.count > 2 ** 53) throw new InvalidArgumentError(`apply: the round count would pass 2^53`);
  if (d.entries > 0 && isExp) applyExp(q, d);
  else if (d.entries > 0 && d.slotNames === LIN_SLOTS) applyLinear(q, d);
  else if (d.entries > 0) {
    scratch(e, (alloc) => {
      const P = alloc(d.payload.length, 'u8');
      P.array.set(d.payload);
      if (e.kernel('bd_delta_check')(P.ptr, d.payload.length, S, q.K) !== d.entries) throw new StateError('apply: the delta payload is malformed');
      const cells = alloc(CELLS, 'f64'), arms = alloc(d.entries, 'i32'), vals = alloc(d.entries * S, 'f64');
      const base = q.state.ptr + 8 * q.slotOffset('pulls');
      e.kernel('bd_delta_values')(P.ptr, d.entries, S, base, q.Kp, cells.ptr, arms.ptr, vals.ptr);
      const A = arms.array, V = vals.array, m = q.mask.array;
      for (let j = 0; j < d.entries; j++) {
        const k = A[j]!;
        if (!m[k]) throw new InvalidArgumentError(`apply: the delta has events for arm ${k}, which was removed`);
        const v = { pulls: V.slice(S * j, S * j + 1), rewards: V.slice(S * j + 1, S * j + 2), squares: V.slice(S * j + 2, S * j + 3) };
        if (!Number.isFinite(v.pulls[0]!) || !Number.isFinite(v.rewards[0]!) || !Number.isFinite(v.squares[0]!)) throw new InvalidArgumentError(`apply: arm ${k}'s statistics would not be finite`);
        try { q.checkArm(v, `apply: arm ${k} after the delta`); } catch (err) {
          if (err instanceof StateError) throw new InvalidArgumentError(err.message);
          throw err;
        }
      }
      e.kernel('bd_delta_store')(base, q.Kp, d.entries, S, arms.ptr, vals.ptr);
    });
  }
  if ((d.slotNames === LIN_SLOTS && q.layout().header === 1) || isExp) q.state.array[0] = q.state.array[0]! + d.count; // SquareCB's and the adversarial family's round counter
  if (ids && q.dedupWindow > 0) {
    const w = new Uint32Array(ids.buffer, ids.byteOffset, 2 * ids.length);
    for (let i = Math.max(0, ids.length - q.dedupWindow); i < ids.length; i++) q.windowAdd(w[2 * i]!, w[2 * i + 1]!);
  }
  return { learned: d.count, duplicates: 0 };
}

/**
 * The adversarial family's apply: per touched arm (EXP4: expert) S ← fl(S + round(Σ terms)) into
 * scratch, checked (removed arms, range) before one store call writes them; nothing changes on an error.
 */
function applyExp(q: Internals, d: Delta): void {
  const e = q.engine, f = q.expForm!(), lim = f.count;
  scratch(e, (alloc) => {
    const P = alloc(d.payload.length, 'u8');
    P.array.set(d.payload);
    if (e.kernel('bd_delta_check')(P.ptr, d.payload.length, 1, lim) !== d.entries) throw new StateError('apply: the delta payload is malformed');
    const cells = alloc(CELLS, 'f64'), idx = alloc(d.entries, 'i32'), vals = alloc(d.entries, 'f64');
    const base = q.state.ptr + 8 * f.offset;
    e.kernel('bd_delta_values')(P.ptr, d.entries, 1, base, 0, cells.ptr, idx.ptr, vals.ptr);
    const A = idx.array, V = vals.array, m = q.mask.array, arms = f.slot !== 'expertGains';
    for (let j = 0; j < d.entries; j++) {
      const k = A[j]!;
      if (arms && !m[k]) throw new InvalidArgumentError(`apply: the delta has events for arm ${k}, which was removed`);
      try { q.expCheck!(k, V[j]!, `apply: ${arms ? 'arm' : 'expert'} ${k} after the delta`); } catch (err) {
        if (err instanceof StateError) throw new InvalidArgumentError(err.message);
        throw err;
      }
    }
    e.kernel('bd_delta_store')(base, 0, d.entries, 1, idx.ptr, vals.ptr);
  });
}

/**
 * The linear form of apply (see bd_delta_lin_values): per touched arm b += round(Δb) and A⁻¹ ←
 * (A + round(ΔA))⁻¹ by Sherman–Morrison steps over a pivoted Cholesky factor of ΔA, computed into
 * scratch and checked (finite, every step's s > 0) before one store call writes them and the
 * arms' scoring cache; nothing changes on an error.
 */
function applyLinear(q: Internals, d: Delta): void {
  const e = q.engine, dim = q.dim!, W = d.width;
  if (W !== linWidth(dim)) throw new InvalidArgumentError(`apply: the delta is of dimension ${JSON.parse(d.optionsKey).dim}, this policy's is ${dim}`);
  scratch(e, (alloc) => {
    const P = alloc(d.payload.length, 'u8');
    P.array.set(d.payload);
    if (e.kernel('bd_delta_check')(P.ptr, d.payload.length, W, q.K) !== d.entries) throw new StateError('apply: the delta payload is malformed');
    const arms = alloc(d.entries, 'i32'), vals = alloc(d.entries * (dim * dim + dim), 'f64');
    const work = alloc(dim * dim + 3 * dim, 'f64'), cells = alloc(CELLS, 'f64');
    const rc = e.kernel('bd_delta_lin_values')(P.ptr, d.entries, W, dim, q.state.ptr, q.slotOffset('Ainv'), q.slotOffset('b'), work.ptr, cells.ptr, arms.ptr, vals.ptr);
    const A = arms.array, m = q.mask.array;
    if (rc < 0) throw new InvalidArgumentError(`apply: arm ${A[-rc - 1]}'s A⁻¹ or b would not be finite after the delta`);
    for (let j = 0; j < d.entries; j++) if (!m[A[j]!]) throw new InvalidArgumentError(`apply: the delta has events for arm ${A[j]}, which was removed`);
    e.kernel('bd_delta_lin_store')(q.state.ptr, q.slotOffset('Ainv'), q.slotOffset('b'), dim, d.entries, arms.ptr, vals.ptr, q.cache!.ptr, q.cstride!);
  });
}

/** The identity of a policy's deltas (class, canonical options, arms, slots) as one JSON string: what a store keeps beside the sums. */
export function deltaIdentity(d: Delta): string {
  return JSON.stringify({ policy: d.policy, options: JSON.parse(d.optionsKey), arms: d.arms, slots: d.slotNames });
}
/**
 * @internal A Delta without ids from a store's parts: the identity of `like` (a delta of the same
 * policy), `count` events and a packed payload, checked (StateError on a malformed payload).
 */
export function deltaFromPayload(like: Delta, count: number, payload: Uint8Array, where: string): Delta {
  const engine = like.engine;
  if (!Number.isSafeInteger(count) || count < 0) throw new StateError(`${where}: event count ${describe(count)} is not a non-negative integer`);
  const got = scratch(engine, (alloc) => {
    const P = alloc(payload.length, 'u8');
    P.array.set(payload);
    return engine.kernel('bd_delta_check')(P.ptr, payload.length, like.width, like.limit);
  });
  if (got < 0) throw new StateError(`${where}: the stored sums are malformed (${['', 'truncated', 'arms not increasing or out of range', 'bad sign byte', 'bad cell range', 'not canonical'][-got]})`);
  return new Delta(engine, { policy: like.policy, options: like.optionsKey, arms: like.arms, count, ids: null, payload: payload.slice(), entries: got, slots: like.slotNames, width: like.width });
}

const HEADER_KEYS = ['policy', 'options', 'arms', 'slots', 'count', 'entries'];
/**
 * Read Delta.encode()'s bytes back (strict: StateError on a foreign, truncated, damaged or
 * non-canonical blob; nothing is created then). Matching the delta to a policy is apply()'s job.
 */
export function decodeDelta(engine: Engine, bytes: Uint8Array): Delta {
  engine.checkLive();
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`decodeDelta takes a Uint8Array, got ${describe(bytes)}`);
  const bad = (why: string): never => { throw new StateError(`not a simdopt delta: ${why}`); };
  if (bytes.length < 12 + 4 + 4 + 8) bad(`${bytes.length} bytes is too short`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) bad('wrong magic bytes (expected "SDLT")');
  if (bytes[4] !== VERSION) bad(`format version ${bytes[4]} (this build reads ${VERSION})`);
  const flags = bytes[5]!;
  if (flags > 1 || bytes[6] !== 0 || bytes[7] !== 0) bad('unknown flags');
  const n = bytes.length - 8, sum = checksum(engine, bytes.subarray(0, n));
  for (let i = 0; i < 8; i++) if (bytes[n + i] !== sum[i]) bad('checksum mismatch (damaged or truncated)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const H = dv.getUint32(8, true);
  if (12 + H + 8 > n) bad('header length past the end');
  let head: Record<string, unknown>;
  try { head = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + H))) as Record<string, unknown>; } catch { return bad('header is not UTF-8 JSON'); }
  if (head === null || typeof head !== 'object' || Array.isArray(head)) bad('header is not an object');
  const keys = Object.keys(head);
  if (keys.length !== HEADER_KEYS.length || !HEADER_KEYS.every((k) => keys.includes(k))) bad(`header keys ${JSON.stringify(keys)} are not ${JSON.stringify(HEADER_KEYS)}`);
  const { policy, options, arms, slots, count, entries } = head as Record<string, unknown>;
  if (typeof policy !== 'string' || policy.length === 0) bad(`policy ${describe(policy)}`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) bad('options is not an object');
  if (!Number.isInteger(arms) || (arms as number) < 1 || (arms as number) > (1 << 20)) bad(`arms ${describe(arms)}`);
  const linear = JSON.stringify(slots) === JSON.stringify(LIN_SLOTS);
  const exp = Array.isArray(slots) && slots.length === 1 && EXP_SLOTS.includes(slots[0] as string);
  if (!linear && !exp && JSON.stringify(slots) !== JSON.stringify(SLOTS)) bad(`slots ${JSON.stringify(slots)} are not ${JSON.stringify(SLOTS)}, ${JSON.stringify(LIN_SLOTS)} or one of ${JSON.stringify(EXP_SLOTS)}`);
  if (!Number.isSafeInteger(count) || (count as number) < 0) bad(`count ${describe(count)}`);
  if (!Number.isSafeInteger(entries) || (entries as number) < 0) bad(`entries ${describe(entries)}`);
  const ok = Object.keys(options as object).sort();
  const optKey = JSON.stringify(Object.fromEntries(ok.map((k) => [k, (options as Record<string, unknown>)[k]])));
  if (JSON.stringify(options) !== optKey) bad('options keys are not sorted');
  const dim = (options as Record<string, unknown>).dim;
  if (linear && (!Number.isInteger(dim) || (dim as number) < 1 || (dim as number) > 512)) bad(`a linear delta's options.dim ${describe(dim)} is not an integer in [1, 512]`);
  const experts = (options as Record<string, unknown>).experts;
  if (exp && slots[0] === 'expertGains' && (!Number.isInteger(experts) || (experts as number) < 1 || (experts as number) > 4096)) bad(`an EXP4 delta's options.experts ${describe(experts)} is not an integer in [1, 4096]`);
  const W = linear ? linWidth(dim as number) : exp ? 1 : S;
  let o = 12 + H;
  const N = dv.getUint32(o, true); o += 4;
  if (o + 8 * N + 4 > n) bad('id list past the end');
  if (!(flags & 1) && N !== 0) bad('ids present without the ids flag');
  if (flags & 1 && N !== count) bad(`${N} ids for ${count as number} events`);
  const ids = new BigUint64Array(bytes.slice(o, o + 8 * N).buffer);
  for (let i = 1; i < N; i++) if (!(ids[i - 1]! < ids[i]!)) bad('ids are not strictly increasing');
  o += 8 * N;
  const L = dv.getUint32(o, true); o += 4;
  if (o + L !== n) bad('payload length does not end at the checksum');
  const payload = bytes.slice(o, o + L);
  const got = scratch(engine, (alloc) => {
    const P = alloc(L, 'u8');
    P.array.set(payload);
    return engine.kernel('bd_delta_check')(P.ptr, L, W, exp ? limitOf(slots as string[], optKey, arms as number) : arms as number);
  });
  if (got < 0) bad(['', 'payload truncated', 'payload arms not increasing or out of range', 'payload sign byte', 'payload cell range', 'payload not canonical'][-got] ?? 'payload');
  if (got !== entries) bad(`payload has ${got} entries, header says ${entries as number}`);
  return new Delta(engine, { policy: policy as string, options: optKey, arms: arms as number, count: count as number, ids: flags & 1 ? ids : null, payload, entries: got, slots: linear ? LIN_SLOTS : exp ? [slots[0] as string] : SLOTS, width: W });
}
