// The policy state of a key-value store in bounded chunks, with the dedupe window beside it: what the
// Durable Object store (durable.ts) and the Deno KV store (deno-kv.ts) keep. Backend-free: a
// PolicyMirror holds the decoded state in memory, reads a store's values through `install`, and turns
// a learn (or a delta) into the exact set of values to write, which the backend commits atomically.
//
// WHAT IS STORED (names relative to the store's prefix):
//   head     JSON {format 'simdopt/policy-store', version 1, identity, mode, count, seq, bytes, chunks,
//            hash, idChunk, ids: {first, next, fill}}: which policy (a head of another policy or mode is
//            refused, never written over), events folded, commits so far, the state's length, chunk
//            count and FNV-1a 64 (hex), and which id chunks hold the window
//   s:<i>    the state's bytes, chunk i (64 KiB each, the last shorter): in mode 'sums' the exact
//            per-arm sums of a mergeable policy (the Delta payload, ~20 B per arm and statistic: the
//            same bytes whatever the order of the learns); in mode 'state' policy.save() (any policy,
//            learned in the order the store receives the events)
//   i:<n>    window chunk n: up to idChunk eventId hashes (u64 little-endian), in arrival order; chunks
//            first .. next-1 exist, the last holds `fill`; the oldest chunk is dropped once the others
//            hold `window` ids, so the store remembers at least `window` and fewer than
//            window + idChunk ids (idChunk = min(window, 8192))
// A commit writes the head, the state chunks whose bytes changed and the window chunks it touched,
// and deletes the chunks that are no longer named, in one atomic transaction of the backend.
import type { Engine } from '../../engine/engine.js';
import { describe, HyperparameterError, InvalidArgumentError, StateError, UnsupportedError } from '../../errors.js';
import type { BanditEvent, LearnResult, Policy, PolicyClass } from '../policy.js';
import { loadPolicy } from '../policy.js';
import { Delta, deltaFromPayload, deltaIdentity, hashEventIds, mergeDeltas } from '../delta.js';
import { Hasher } from '../rng.js';

export const STORE_FORMAT = 'simdopt/policy-store';
export const STORE_VERSION = 1;
/** Bytes per state chunk (Durable Objects' KV values stop at 128 KiB, Deno KV's at 64 KiB). */
export const CHUNK_BYTES = 60 * 1024;
/** Most eventId hashes per window chunk (64 KiB). */
export const MAX_ID_CHUNK = 7680;

/** How a store keeps the policy: exact sums of a mergeable policy, or the saved state of any policy. */
export type StoreMode = 'sums' | 'state';

export interface StoreHead {
  format: string; version: number; identity: string; mode: StoreMode;
  count: number; seq: number; bytes: number; chunks: number; hash: string; idChunk: number;
  ids: { first: number; next: number; fill: number };
}
/** What a commit writes: values by name (a string or bytes) and names to delete. */
export interface StoreWrite { puts: Map<string, string | Uint8Array>; deletes: string[] }
/** A prepared update: its result, what to write (null: nothing changes), and what to do after the backend's answer. */
export interface Prepared { result: LearnResult; write: StoreWrite | null; head: StoreHead | null; commit(): void; abort(): void }
/** The shared state as a reader receives it. */
export interface StoreSnapshot { mode: StoreMode; seq: number; count: number; bytes: Uint8Array }

export const headKey = 'head';
export const stateKey = (i: number): string => `s:${i}`;
export const idKey = (n: number): string => `i:${n}`;

const HEAD_KEYS = ['format', 'version', 'identity', 'mode', 'count', 'seq', 'bytes', 'chunks', 'hash', 'idChunk', 'ids'];

/** Canonical options JSON of a policy (keys sorted, dedupWindow left out: a local choice). */
function optionsOf(p: Policy): Record<string, unknown> {
  const o = p.options;
  return Object.fromEntries(Object.keys(o).filter((k) => k !== 'dedupWindow').sort().map((k) => [k, o[k]]));
}
/** The identity a store keeps beside the state: mode, class, canonical options and arms. */
export function policyIdentity(p: Policy, mode: StoreMode, empty: Delta | null): string {
  if (mode === 'sums') return JSON.stringify({ mode, ...JSON.parse(deltaIdentity(empty!)) as object });
  return JSON.stringify({ mode, policy: p.kind, options: optionsOf(p), arms: p.arms });
}

/** Checked common store options (window default and range per store). */
export function checkMode(template: Policy, mode: unknown, where: string): StoreMode {
  if (mode === undefined) return template.mergeable ? 'sums' : 'state';
  if (mode !== 'sums' && mode !== 'state') throw new HyperparameterError(`${where} mode must be 'sums' or 'state', got ${describe(mode)}`);
  if (mode === 'sums' && !template.mergeable) throw new HyperparameterError(`${where} mode 'sums' needs a mergeable policy; ${template.kind} is not (use mode 'state')`);
  return mode;
}

/** A fresh policy from `create`, checked. */
export function createChecked(create: unknown, where: string): Policy {
  if (typeof create !== 'function') throw new HyperparameterError(`${where} create must be a function returning a fresh policy, got ${describe(create)}`);
  const t = (create as () => unknown)();
  if (t === null || typeof t !== 'object' || typeof (t as Policy).save !== 'function' || typeof (t as Policy).learn !== 'function') {
    throw new HyperparameterError(`${where} create must return a policy, got ${describe(t)}`);
  }
  return t as Policy;
}

const hex16 = (w: Int32Array): string => ((BigInt(w[1]! >>> 0) << 32n) | BigInt(w[0]! >>> 0)).toString(16).padStart(16, '0');

/**
 * Read the snapshot bytes of a store into a fresh policy: mode 'sums' applies the accumulated delta
 * to create()'s policy, mode 'state' loads the saved state (and checks it is the same policy).
 */
export function materialise(template: Policy, create: () => Policy, snap: StoreSnapshot, where: string): Policy {
  const engine = template.engine;
  if (snap.mode === 'sums') {
    const empty = template.delta([]);
    // the stored sums are a Delta without ids
    const d = deltaFromPayload(empty, snap.count, snap.bytes, where);
    const p = create();
    try { p.apply(d); } catch (e) { p.free(); throw e instanceof InvalidArgumentError ? new StateError(`${where}: ${e.message}`) : e; }
    return p;
  }
  const p = loadPolicy(engine, snap.bytes, { [template.kind]: template.constructor as PolicyClass });
  if (policyIdentity(p, 'state', null) !== policyIdentity(template, 'state', null)) {
    const got = policyIdentity(p, 'state', null);
    p.free();
    throw new StateError(`${where} holds another policy (${got.slice(0, 300)}), not ${policyIdentity(template, 'state', null)}`);
  }
  return p;
}

/** The decoded store in memory, and the updates of it. One per store object; not safe for concurrent updates (the backend serialises). */
export class PolicyMirror {
  readonly template: Policy;
  readonly engine: Engine;
  readonly mode: StoreMode;
  readonly window: number;
  readonly identity: string;
  private readonly create: () => Policy;
  private readonly empty: Delta | null;
  private readonly hasher = new Hasher();
  private readonly where: string;
  head: StoreHead | null = null;
  private chunks: Uint8Array[] = [];
  private bytes: Uint8Array = new Uint8Array(0);
  private acc: Delta | null = null;
  private live: Policy | null = null;
  private seen = new Set<bigint>();
  private idChunks = new Map<number, BigUint64Array>();

  constructor(template: Policy, create: () => Policy, mode: StoreMode, window: number, where: string) {
    this.template = template; this.engine = template.engine; this.create = create; this.mode = mode; this.window = window; this.where = where;
    this.empty = mode === 'sums' ? template.delta([]) : null;
    this.identity = policyIdentity(template, mode, this.empty);
    this.reset();
  }

  /** Forget everything loaded: the mirror of an empty store. */
  reset(): void {
    this.live?.free(); this.live = null;
    this.head = null; this.chunks = []; this.seen = new Set(); this.idChunks = new Map();
    if (this.mode === 'sums') { this.acc = this.empty!.withoutIds(); this.bytes = this.acc.payload.slice(); } else {
      this.acc = null; this.live = this.create();
      if (policyIdentity(this.live, 'state', null) !== this.identity) { this.live.free(); this.live = null; throw new HyperparameterError(`${this.where} create returned policies of different configurations`); }
      this.bytes = this.live.save();
    }
    this.chunks = split(this.bytes);
  }

  private hashOf(b: Uint8Array): string { return hex16(this.hasher.hash(this.engine, [b])); }

  /** The head value as read from the store (null when absent), checked: StateError on a malformed or foreign one. */
  parseHead(raw: unknown): StoreHead | null {
    if (raw === undefined || raw === null) return null;
    const bad = (why: string): never => { throw new StateError(`${this.where}: the stored head ${why}; nothing was written`); };
    if (typeof raw !== 'string') bad(`is ${describe(raw)}, not JSON text`);
    let h: Record<string, unknown>;
    try { h = JSON.parse(raw as string) as Record<string, unknown>; } catch { return bad('is not JSON'); }
    if (h === null || typeof h !== 'object' || Array.isArray(h)) bad('is not an object');
    const keys = Object.keys(h);
    if (keys.length !== HEAD_KEYS.length || !HEAD_KEYS.every((k) => keys.includes(k))) bad(`has keys ${JSON.stringify(keys)}, not ${JSON.stringify(HEAD_KEYS)}`);
    if (h.format !== STORE_FORMAT) bad(`format is ${describe(h.format)}, not ${STORE_FORMAT}`);
    if (h.version !== STORE_VERSION) bad(`version is ${describe(h.version)} (this build reads ${STORE_VERSION})`);
    if (typeof h.identity !== 'string') bad('identity is not a string');
    if (h.identity !== this.identity) throw new StateError(`${this.where} holds another policy (${String(h.identity).slice(0, 300)}), not ${this.identity}; nothing was written`);
    const nat = (v: unknown, name: string, lo = 0): number => { if (!Number.isSafeInteger(v) || (v as number) < lo) bad(`${name} is ${describe(v)}`); return v as number; };
    nat(h.count, 'count'); nat(h.seq, 'seq'); nat(h.bytes, 'bytes');
    const chunks = nat(h.chunks, 'chunks');
    if (chunks !== Math.max(1, Math.ceil((h.bytes as number) / CHUNK_BYTES))) bad(`chunks ${chunks} does not fit ${h.bytes as number} bytes`);
    if (typeof h.hash !== 'string' || !/^[0-9a-f]{16}$/.test(h.hash)) bad('hash is not 16 hex digits');
    const idChunk = nat(h.idChunk, 'idChunk', 1);
    if (idChunk > MAX_ID_CHUNK) bad(`idChunk ${idChunk} is past ${MAX_ID_CHUNK}`);
    const ids = h.ids as Record<string, unknown>;
    if (ids === null || typeof ids !== 'object' || JSON.stringify(Object.keys(ids).sort()) !== '["fill","first","next"]') bad('ids is not {first, next, fill}');
    const first = nat(ids.first, 'ids.first'), next = nat(ids.next, 'ids.next'), fill = nat(ids.fill, 'ids.fill');
    if (next < first || (next === first && fill !== 0) || (next > first && (fill < 1 || fill > idChunk))) bad(`ids ${JSON.stringify(ids)} is inconsistent`);
    return h as unknown as StoreHead;
  }

  /** The names of the values a head refers to. */
  keysOf(h: StoreHead): string[] {
    const out: string[] = [];
    for (let i = 0; i < h.chunks; i++) out.push(stateKey(i));
    for (let n = h.ids.first; n < h.ids.next; n++) out.push(idKey(n));
    return out;
  }

  /**
   * Make the mirror the stored state `h` with values `get(name)`: everything checked first (StateError
   * on a missing, malformed or foreign value; the mirror is then unchanged).
   */
  install(h: StoreHead | null, get: (name: string) => unknown): void {
    if (h === null) { this.reset(); return; }
    const bad = (why: string): never => { throw new StateError(`${this.where}: ${why}; nothing was written`); };
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < h.chunks; i++) {
      const v = get(stateKey(i));
      if (!(v instanceof Uint8Array)) bad(`state chunk ${i} is ${describe(v)}, not bytes`);
      const want = i < h.chunks - 1 ? CHUNK_BYTES : h.bytes - CHUNK_BYTES * (h.chunks - 1);
      if ((v as Uint8Array).length !== want) bad(`state chunk ${i} has ${(v as Uint8Array).length} bytes, the head says ${want}`);
      chunks.push((v as Uint8Array).slice());
    }
    const bytes = concat(chunks, h.bytes);
    if (this.hashOf(bytes) !== h.hash) bad('the state does not match its hash (damaged, or chunks of different commits)');
    const seen = new Set<bigint>(), idChunks = new Map<number, BigUint64Array>();
    for (let n = h.ids.first; n < h.ids.next; n++) {
      const v = get(idKey(n));
      const want = n < h.ids.next - 1 ? h.idChunk : h.ids.fill;
      if (!(v instanceof Uint8Array) || v.length !== 8 * want) bad(`window chunk ${n} is ${describe(v)}, not ${want} ids`);
      const ids = new BigUint64Array((v as Uint8Array).slice().buffer);
      for (const x of ids) { if (seen.has(x)) bad(`window chunk ${n} repeats an eventId`); seen.add(x); }
      idChunks.set(n, ids);
    }
    let acc: Delta | null = null, live: Policy | null = null;
    if (this.mode === 'sums') acc = deltaFromPayload(this.empty!, h.count, bytes, this.where);
    else live = materialise(this.template, this.create, { mode: 'state', seq: h.seq, count: h.count, bytes }, this.where);
    this.live?.free();
    this.head = h; this.chunks = chunks; this.bytes = bytes; this.acc = acc; this.live = live; this.seen = seen; this.idChunks = idChunks;
  }

  /** The state as a reader receives it. */
  snapshot(): StoreSnapshot {
    return { mode: this.mode, seq: this.head?.seq ?? 0, count: this.head?.count ?? 0, bytes: this.bytes.slice() };
  }

  /** The update of learning `events` (checked whole like policy.learn: nothing prepared on a bad event). */
  prepareLearn(events: readonly BanditEvent[]): Prepared {
    this.template.checkLive();
    if (!Array.isArray(events)) throw new InvalidArgumentError(`${this.where} learn takes an array of events, got ${describe(events)}`);
    const name = (i: number): string => {
      const id = (events[i] as unknown as Record<string, unknown> | null)?.eventId;
      return `event ${i}${typeof id === 'string' ? ` (eventId ${JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id)})` : ''}`;
    };
    for (let i = 0; i < events.length; i++) this.template.validateEvent(events[i], name(i));
    const hashes = hashEventIds(this.engine, events.map((e) => e.eventId));
    const batch = new Set<bigint>(), keep: BanditEvent[] = [], keepIds: bigint[] = [];
    for (let i = 0; i < events.length; i++) {
      const h = hashes[i]!;
      if (this.seen.has(h) || batch.has(h)) continue;
      batch.add(h); keep.push(events[i]!); keepIds.push(h);
    }
    if (keep.length === 0) return this.nothing(events.length);
    if (this.mode === 'sums') {
      const d = this.template.delta(keep);
      const acc = mergeDeltas(this.acc!, d.withoutIds());
      return this.prepared(acc.payload, null, acc, keepIds, d.count, events.length);
    }
    const live = this.live!;
    const r = live.learn(keep);
    let bytes: Uint8Array;
    try { bytes = live.save(); } catch (e) { this.restoreLive(); throw e; }
    return this.prepared(bytes, live, null, keepIds, r.learned, events.length);
  }

  /** The update of applying a delta (mode 'sums'): all its ids known -> nothing; some -> InvalidArgumentError; none -> merged. */
  prepareApply(d: Delta): Prepared {
    this.template.checkLive();
    if (this.mode !== 'sums') throw new UnsupportedError(`${this.where} keeps ${this.template.kind}'s saved state (mode 'state'): send events to learn, not deltas`);
    if (!(d instanceof Delta)) throw new InvalidArgumentError(`${this.where} apply takes a Delta (policy.delta() or bandits.decodeDelta()), got ${describe(d)}`);
    const want = this.empty!;
    if (d.policy !== want.policy || d.optionsKey !== want.optionsKey) throw new InvalidArgumentError(`${this.where} apply: the delta is of ${d.policy} with options ${d.optionsKey}, this store holds ${want.policy} with options ${want.optionsKey}`);
    const ids = d.eventIds;
    if (ids === null) throw new InvalidArgumentError(`${this.where} apply: a delta without eventIds cannot be applied exactly once`);
    if (d.arms > this.template.arms) throw new InvalidArgumentError(`${this.where} apply: the delta covers ${d.arms} arms, the policy has ${this.template.arms}`);
    let known = 0;
    for (const x of ids) if (this.seen.has(x)) known++;
    if (known > 0 && known === ids.length) return this.nothing(ids.length);
    if (known > 0) throw new InvalidArgumentError(`${this.where} apply: ${known} of the delta's ${ids.length} eventIds were already learned: a sum cannot be split, so compute a delta of the new events only (or send the events to learn)`);
    const acc = mergeDeltas(this.acc!, d.withoutIds()); // InvalidArgumentError for another policy's delta
    return this.prepared(acc.payload, null, acc, Array.from(ids), d.count, d.count);
  }

  private nothing(total: number): Prepared {
    return { result: { learned: 0, duplicates: total }, write: null, head: this.head, commit: () => {}, abort: () => {} };
  }
  private restoreLive(): void {
    const p = materialise(this.template, this.create, { mode: 'state', seq: 0, count: 0, bytes: this.bytes }, this.where);
    this.live?.free(); this.live = p;
  }

  private prepared(bytes: Uint8Array, live: Policy | null, acc: Delta | null, newIds: bigint[], learned: number, total: number): Prepared {
    const old = this.head;
    const idChunk = old?.idChunk ?? Math.min(this.window, MAX_ID_CHUNK);
    const puts = new Map<string, string | Uint8Array>(), deletes: string[] = [];
    // state chunks: write the ones that changed, delete the ones past the end
    const chunks = split(bytes);
    for (let i = 0; i < chunks.length; i++) if (!old || i >= this.chunks.length || !same(chunks[i]!, this.chunks[i]!)) puts.set(stateKey(i), chunks[i]!);
    for (let i = chunks.length; i < (old ? this.chunks.length : 0); i++) deletes.push(stateKey(i));
    // window: append to the last chunk, open new ones, drop the oldest past the window
    let first = old?.ids.first ?? 0, next = old?.ids.next ?? 0, fill = old?.ids.fill ?? 0;
    const idChunks = new Map(this.idChunks);
    let total0 = 0;
    for (const c of idChunks.values()) total0 += c.length;
    let p = 0;
    while (p < newIds.length) {
      if (next === first || fill === idChunk) { next++; fill = 0; idChunks.set(next - 1, new BigUint64Array(0)); }
      const cur = idChunks.get(next - 1)!, take = Math.min(idChunk - fill, newIds.length - p);
      const c = new BigUint64Array(fill + take);
      c.set(cur); for (let j = 0; j < take; j++) c[fill + j] = newIds[p + j]!;
      idChunks.set(next - 1, c); puts.set(idKey(next - 1), new Uint8Array(c.buffer));
      fill += take; p += take; total0 += take;
    }
    const evicted: BigUint64Array[] = [];
    while (next - first > 1 && total0 - idChunks.get(first)!.length >= this.window) {
      const c = idChunks.get(first)!;
      evicted.push(c); total0 -= c.length; idChunks.delete(first);
      puts.delete(idKey(first));
      if (old && first < old.ids.next) deletes.push(idKey(first));
      first++;
    }
    const head: StoreHead = {
      format: STORE_FORMAT, version: STORE_VERSION, identity: this.identity, mode: this.mode,
      count: (old?.count ?? 0) + learned, seq: (old?.seq ?? 0) + 1, bytes: bytes.length, chunks: chunks.length, hash: this.hashOf(bytes),
      idChunk, ids: { first, next, fill },
    };
    puts.set(headKey, JSON.stringify(head));
    return {
      result: { learned, duplicates: total - learned }, write: { puts, deletes }, head,
      commit: () => {
        this.head = head; this.chunks = chunks; this.bytes = bytes; this.idChunks = idChunks;
        if (acc) this.acc = acc;
        for (const c of evicted) for (const x of c) this.seen.delete(x);
        for (const x of newIds) this.seen.add(x);
      },
      abort: () => { if (live) this.restoreLive(); },
    };
  }

  free(): void { this.live?.free(); this.live = null; this.hasher.free(); }
}

function split(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < b.length || out.length === 0; o += CHUNK_BYTES) out.push(b.slice(o, Math.min(b.length, o + CHUNK_BYTES)));
  return out;
}
function concat(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
