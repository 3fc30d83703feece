// A policy shared through a Cloudflare Durable Object: one object per policy serialises its learns;
// Workers decide from a snapshot they refresh on the schedule the user chooses. No dependency on
// Cloudflare's packages: the object side takes the object's `ctx.storage` (anything with
// get(keys[]) -> Map and transaction(fn)), the Worker side a stub (anything with fetch(url, init)).
//
//   export class PolicyDO {                      // in the Worker's module, bound in wrangler.toml
//     constructor(ctx, env) { this.object = new bandits.PolicyObject(ctx.storage, { create }); }
//     fetch(request) { return this.object.fetch(request); }
//   }
//   const store = new bandits.DurableObjectStore(() => env.POLICY.get(env.POLICY.idFromName('home')), { create, refreshMs: 1000 });
//   const policy = await store.policy();        // cached snapshot, refreshed when older than refreshMs
//   policy.decide({ eventId });  ...  await store.learn([{ eventId, arm, reward }]);
//
// WHAT THE OBJECT STORES: chunked.ts's layout (head, state chunks, window chunks) in its storage.
// Mode 'sums' (mergeable policies, the default for them) keeps the exact per-arm sums: the stored
// bytes are the same whatever the order of the learns, and deltas computed elsewhere (policy.delta)
// can be applied. Mode 'state' (any policy, the default for the others, e.g. LinUCB) keeps
// policy.save() and learns the events in the order the object receives them; a commit writes only the
// 60 KiB chunks whose bytes changed.
//
// EXACTLY ONCE: learns run one at a time (a queue inside the object, on top of the object's own
// input gate). Each checks the whole batch (InvalidArgumentError naming the event: nothing written),
// skips ids the window holds or the batch repeats (counted as duplicates), folds the rest, and
// writes state + window + head in one storage transaction; the in-memory mirror changes only after
// the transaction resolved. A storage failure leaves the mirror to be reloaded from storage at the
// next request. A Worker whose request to the object fails or times out gets StoreError with
// applied: null (the object may have committed): resending the same events is safe.
//
// PROTOCOL (what fetch(request) answers; the last path segment names the route):
//   POST …/learn     JSON {events: [...]}            -> 200 {learned, duplicates, seq, count}
//   POST …/apply     Delta.encode() bytes            -> 200 {learned, duplicates, seq, count}
//   GET  …/snapshot  (x-simdopt-etag: a known etag)  -> 200 the state bytes (x-simdopt-mode, -seq,
//                                                       -count, -etag headers) or 304 when unchanged
//   errors: 400 (InvalidArgumentError, HyperparameterError, UnsupportedError), 500 StateError (the
//   stored state is malformed or another policy's: nothing is written), 503 StoreError; body
//   {error: {name, message, applied}}
import type { Engine } from '../../engine/engine.js';
import {
  describe, DisposedError, HyperparameterError, InvalidArgumentError, StateError, StoreError, UnsupportedError,
} from '../../errors.js';
import type { BanditEvent, LearnResult, Policy } from '../policy.js';
import { decodeDelta, type Delta } from '../delta.js';
import { checkMode, createChecked, headKey, materialise, PolicyMirror, type StoreMode, type StoreSnapshot } from './chunked.js';
import { readStateFile } from '../state-file.js';

/** What PolicyObject needs of a Durable Object's `ctx.storage`. */
export interface DurableStorageLike {
  /** Read several keys at once. */
  get(keys: string[]): Promise<Map<string, unknown>>;
  /** Run `f` as one transaction (its puts and deletes commit together or not at all). */
  transaction<T>(f: (txn: { put(entries: Record<string, unknown>): Promise<void> | void; delete(keys: string[]): Promise<number> | number }) => Promise<T>): Promise<T>;
}
/** What DurableObjectStore needs of a Durable Object stub. */
export interface DurableStubLike {
  /** Send a request to the object. */
  fetch(input: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<Response> }

/** Options of `bandits.PolicyObject`, the policy state kept inside a Durable Object. */
export interface PolicyObjectOptions {
  /** Makes a fresh policy of the served configuration (the state starts from it). */
  create: () => Policy;
  /** 'sums' (mergeable policies; the default for them) or 'state' (any policy; the default for the others). */
  mode?: StoreMode;
  /** Distinct eventIds the object remembers for deduplication (1 to 1e6, default 100,000; ~50 B each in memory). */
  window?: number;
  /** Prefix of the object's storage keys (1 to 256 characters, default 'policy'): several policies can share one object. */
  prefix?: string;
  /** Most events of one learn request (1 to 1e6, default 100,000). */
  maxBatch?: number;
}
/** Options of `bandits.DurableObjectStore`, the Worker-side client of a PolicyObject. */
export interface DurableObjectStoreOptions {
  /** Makes a fresh policy of the served configuration (snapshots are materialised into one). */
  create: () => Policy;
  /** Milliseconds a snapshot serves before policy() fetches a newer one (0 to 1e9; 0: every call; default 1000). */
  refreshMs?: number;
  /** Milliseconds one request to the object may take before StoreError (1 to 600000, default 5000). */
  timeoutMs?: number;
  /** Base URL of the object's routes (default 'https://policy.internal/'; the object reads only the last path segment). */
  url?: string;
  /** The clock of the refresh schedule (default Date.now). */
  clock?: () => number;
}
/** A learn's answer from the object: what policy.learn answers, and the object's commit count and event count after it. */
export interface StoreLearnResult extends LearnResult { seq: number; count: number }

const int = (v: unknown, name: string, lo: number, hi: number, d: number): number => {
  if (v === undefined) return d;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`${name} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
};
function knownKeys(o: unknown, known: string[], what: string): void {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError(`${what} options must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new HyperparameterError(`unknown ${what} option ${JSON.stringify(k)} (accepted: ${known.join(', ')})`);
}

const ERRORS: Record<string, new (m: string) => Error> = { InvalidArgumentError, HyperparameterError, UnsupportedError, StateError, DisposedError };
function errorResponse(e: unknown): Response {
  const name = e instanceof StoreError ? 'StoreError' : e instanceof StateError ? 'StateError' : e instanceof UnsupportedError ? 'UnsupportedError'
    : e instanceof HyperparameterError ? 'HyperparameterError' : e instanceof InvalidArgumentError ? 'InvalidArgumentError' : e instanceof DisposedError ? 'DisposedError' : 'Error';
  const status = name === 'StoreError' ? 503 : name === 'StateError' || name === 'Error' || name === 'DisposedError' ? 500 : 400;
  const message = e instanceof Error ? e.message : describe(e);
  return new Response(JSON.stringify({ error: { name, message, applied: e instanceof StoreError ? e.applied : false } }), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * The Durable Object side: one policy's state in the object's storage, learned one batch at a time,
 * exactly once. Use it from the object's fetch() (or call learn/apply/snapshot directly from RPC
 * methods). See the top of src/bandits/stores/durable.ts.
 */
export class PolicyObject {
  readonly mode: StoreMode;
  readonly window: number;
  readonly prefix: string;
  readonly maxBatch: number;
  private readonly storage: DurableStorageLike;
  private readonly mirror: PolicyMirror;
  private loaded = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(storage: DurableStorageLike, options: PolicyObjectOptions) {
    if (storage === null || typeof storage !== 'object' || typeof (storage as { get?: unknown }).get !== 'function' || typeof (storage as { transaction?: unknown }).transaction !== 'function') {
      throw new InvalidArgumentError(`PolicyObject needs the Durable Object's ctx.storage (get and transaction), got ${describe(storage)}`);
    }
    knownKeys(options, ['create', 'mode', 'window', 'prefix', 'maxBatch'], 'PolicyObject');
    this.window = int(options.window, 'PolicyObject window', 1, 1e6, 100_000);
    this.maxBatch = int(options.maxBatch, 'PolicyObject maxBatch', 1, 1e6, 100_000);
    const prefix = options.prefix ?? 'policy';
    if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > 256) throw new HyperparameterError(`PolicyObject prefix must be a string of 1 to 256 characters, got ${describe(options.prefix)}`);
    this.prefix = prefix;
    const t = createChecked(options.create, 'PolicyObject');
    try {
      this.mode = checkMode(t, options.mode, 'PolicyObject');
      this.mirror = new PolicyMirror(t, options.create, this.mode, this.window, `Durable Object storage ${prefix}`);
    } catch (e) { t.free(); throw e; }
    this.storage = storage;
  }

  private name(k: string): string { return `${this.prefix}:${k}`; }
  /** One operation at a time, in arrival order. */
  private run<T>(op: () => Promise<T>): Promise<T> {
    const r = this.tail.then(op, op);
    this.tail = r.catch(() => undefined);
    return r;
  }
  private async read(keys: string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    try {
      for (let i = 0; i < keys.length; i += 128) {
        const m = await this.storage.get(keys.slice(i, i + 128).map((k) => this.name(k)));
        for (const [k, v] of m) out.set(k.slice(this.prefix.length + 1), v);
      }
    } catch (e) { throw new StoreError(`Durable Object storage read failed: ${e instanceof Error ? e.message : describe(e)}`, false); }
    return out;
  }
  private async ready(): Promise<void> {
    if (this.loaded) return;
    const h = this.mirror.parseHead((await this.read([headKey])).get(headKey));
    const values = h ? await this.read(this.mirror.keysOf(h)) : new Map<string, unknown>();
    this.mirror.install(h, (k) => values.get(k));
    this.loaded = true;
  }
  private async commit(p: ReturnType<PolicyMirror['prepareLearn']>): Promise<StoreLearnResult> {
    if (p.write) {
      const entries = [...p.write.puts].map(([k, v]) => [this.name(k), v] as const);
      const deletes = p.write.deletes.map((k) => this.name(k));
      try {
        await this.storage.transaction(async (txn) => {
          for (let i = 0; i < entries.length; i += 128) await txn.put(Object.fromEntries(entries.slice(i, i + 128)));
          for (let i = 0; i < deletes.length; i += 128) await txn.delete(deletes.slice(i, i + 128));
        });
      } catch (e) {
        p.abort();
        this.loaded = false; // storage is the truth: read it again before the next operation
        throw new StoreError(`Durable Object storage write failed: ${e instanceof Error ? e.message : describe(e)} (the update may or may not have been applied; resending the same events is safe)`, null);
      }
      p.commit();
    }
    return { ...p.result, seq: this.mirror.head?.seq ?? 0, count: this.mirror.head?.count ?? 0 };
  }

  /** Learn a batch exactly once (checked whole; ids already held are skipped and counted as duplicates). */
  learn(events: readonly BanditEvent[]): Promise<StoreLearnResult> {
    return this.run(async () => {
      if (Array.isArray(events) && events.length > this.maxBatch) throw new InvalidArgumentError(`PolicyObject learn: ${events.length} events is more than maxBatch ${this.maxBatch}`);
      await this.ready();
      return this.commit(this.mirror.prepareLearn(events));
    });
  }
  /** Apply a delta (Delta.encode() bytes or a Delta; mode 'sums'): exactly once, as policy.apply. */
  apply(delta: Uint8Array | Delta): Promise<StoreLearnResult> {
    return this.run(async () => {
      await this.ready();
      const d = delta instanceof Uint8Array ? decodeDelta(this.mirror.engine, delta) : delta;
      return this.commit(this.mirror.prepareApply(d));
    });
  }
  /** The shared state as readers receive it (see DurableObjectStore.snapshot). */
  snapshot(): Promise<StoreSnapshot & { etag: string }> {
    return this.run(async () => {
      await this.ready();
      const s = this.mirror.snapshot();
      return { ...s, etag: `${s.seq}-${this.mirror.head?.hash ?? 'empty'}` };
    });
  }

  /** The object's HTTP routes (see the top of src/bandits/stores/durable.ts); every error is a typed JSON answer. */
  async fetch(request: Request): Promise<Response> {
    try {
      const route = new URL(request.url).pathname.split('/').filter(Boolean).pop() ?? '';
      const method = request.method.toUpperCase();
      if (route === 'learn' && method === 'POST') {
        let body: unknown;
        try { body = await request.json(); } catch { throw new InvalidArgumentError('PolicyObject learn: the body is not JSON'); }
        const events = (body as { events?: unknown } | null)?.events;
        if (!Array.isArray(events)) throw new InvalidArgumentError(`PolicyObject learn: the body must be {"events": [...]}, got ${describe(body)}`);
        return Response.json(await this.learn(events as BanditEvent[]));
      }
      if (route === 'apply' && method === 'POST') return Response.json(await this.apply(new Uint8Array(await request.arrayBuffer())));
      if (route === 'snapshot' && method === 'GET') {
        const s = await this.snapshot();
        const headers = { 'x-simdopt-mode': s.mode, 'x-simdopt-seq': String(s.seq), 'x-simdopt-count': String(s.count), 'x-simdopt-etag': s.etag };
        if (request.headers.get('x-simdopt-etag') === s.etag) return new Response(null, { status: 304, headers });
        return new Response(s.bytes as unknown as BodyInit, { status: 200, headers: { ...headers, 'content-type': 'application/octet-stream' } });
      }
      return new Response(JSON.stringify({ error: { name: 'InvalidArgumentError', message: `PolicyObject has no route ${method} ${route} (POST learn, POST apply, GET snapshot)` } }), { status: 404, headers: { 'content-type': 'application/json' } });
    } catch (e) {
      return errorResponse(e);
    }
  }

  /** Release the object's policies (the storage stays). */
  free(): void { this.mirror.free(); this.mirror.template.free(); }
}

/**
 * The Worker side of a Durable Object policy: learn/apply send to the object; policy() serves a
 * snapshot refreshed when it is older than `refreshMs` (decide from it: decisions never wait for the
 * object unless the snapshot is due). See the top of src/bandits/stores/durable.ts.
 */
export class DurableObjectStore {
  readonly refreshMs: number;
  readonly timeoutMs: number;
  readonly url: string;
  private readonly stub: DurableStubLike | (() => DurableStubLike);
  private readonly create: () => Policy;
  private readonly template: Policy;
  private readonly clock: () => number;
  private cached: { policy: Policy; etag: string; seq: number; count: number; at: number } | null = null;
  private pending: Promise<Policy> | null = null;
  /** The last refresh failure while an older snapshot kept serving (null after a good refresh). */
  lastRefreshError: StoreError | StateError | null = null;

  /**
   * `stub`: the object's stub, or a function returning one. In workerd a stub belongs to the request
   * that made it, so a store kept across requests takes the function (`() => env.POLICY.get(id)`),
   * called once per request to the object.
   */
  constructor(stub: DurableStubLike | (() => DurableStubLike), options: DurableObjectStoreOptions) {
    if (typeof stub !== 'function' && (stub === null || typeof stub !== 'object' || typeof (stub as { fetch?: unknown }).fetch !== 'function')) {
      throw new InvalidArgumentError(`DurableObjectStore needs a Durable Object stub (env.BINDING.get(id)) or a function returning one, got ${describe(stub)}`);
    }
    knownKeys(options, ['create', 'refreshMs', 'timeoutMs', 'url', 'clock'], 'DurableObjectStore');
    this.refreshMs = int(options.refreshMs, 'DurableObjectStore refreshMs', 0, 1e9, 1000);
    this.timeoutMs = int(options.timeoutMs, 'DurableObjectStore timeoutMs', 1, 600_000, 5000);
    const url = options.url ?? 'https://policy.internal/';
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new HyperparameterError(`DurableObjectStore url must be an http(s) URL, got ${describe(options.url)}`);
    this.url = url.endsWith('/') ? url : `${url}/`;
    if (options.clock !== undefined && typeof options.clock !== 'function') throw new HyperparameterError(`DurableObjectStore clock must be a function, got ${describe(options.clock)}`);
    this.clock = options.clock ?? Date.now;
    this.template = createChecked(options.create, 'DurableObjectStore');
    this.create = options.create; this.stub = stub;
  }

  get engine(): Engine { return this.template.engine; }
  /** Commit count and event count of the snapshot policy() serves (0 before the first). */
  get seq(): number { return this.cached?.seq ?? 0; }
  get count(): number { return this.cached?.count ?? 0; }

  private async send(route: string, init: { method: string; headers?: Record<string, string>; body?: string | Uint8Array }, mayApply: boolean): Promise<Response> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const what = `Durable Object ${route}`, maybe = mayApply ? ' (the update may or may not have been applied; resending the same events is safe)' : '';
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new StoreError(`${what} timed out after ${this.timeoutMs} ms${maybe}`, mayApply ? null : false)), this.timeoutMs); });
    let res: Response;
    try {
      res = await Promise.race([Promise.resolve().then(() => {
        const stub = typeof this.stub === 'function' ? this.stub() : this.stub;
        if (stub === null || typeof stub !== 'object' || typeof stub.fetch !== 'function') throw new InvalidArgumentError(`DurableObjectStore: the stub function returned ${describe(stub)}, not a stub`);
        return stub.fetch(this.url + route, init);
      }), timeout]);
    } catch (e) {
      if (e instanceof StoreError || e instanceof InvalidArgumentError) throw e;
      throw new StoreError(`${what} failed: ${e instanceof Error ? e.message : describe(e)}${maybe}`, mayApply ? null : false);
    } finally { clearTimeout(timer); }
    if (res.ok || res.status === 304) return res;
    type Wire = { name?: unknown; message?: unknown; applied?: unknown };
    let err: Wire | null = null;
    try { err = ((await res.json()) as { error?: Wire }).error ?? null; } catch { /* not ours */ }
    const message = typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`;
    if (err && err.name === 'StoreError') throw new StoreError(message, err.applied === false ? false : null);
    const C = err && typeof err.name === 'string' ? ERRORS[err.name] : undefined;
    if (C) throw new C(message);
    throw new StoreError(`${what} answered HTTP ${res.status}: ${message}${maybe}`, mayApply && res.status >= 500 ? null : false);
  }

  /**
   * Learn a batch into the shared policy exactly once: checked here like policy.learn (a bad event
   * refuses the batch, nothing is sent), then sent to the object, which skips the ids it holds.
   */
  async learn(events: readonly BanditEvent[]): Promise<StoreLearnResult> {
    this.template.checkLive();
    if (!Array.isArray(events)) throw new InvalidArgumentError(`DurableObjectStore learn takes an array of events, got ${describe(events)}`);
    for (let i = 0; i < events.length; i++) this.template.validateEvent(events[i], `event ${i}`);
    const body = JSON.stringify({ events }, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
    const res = await this.send('learn', { method: 'POST', headers: { 'content-type': 'application/json' }, body }, true);
    return readResult(await res.json());
  }
  /** Apply a delta of the served policy (mode 'sums'): exactly once, as policy.apply. */
  async apply(delta: Delta): Promise<StoreLearnResult> {
    this.template.checkLive();
    if (delta === null || typeof delta !== 'object' || typeof (delta as Delta).encode !== 'function') throw new InvalidArgumentError(`DurableObjectStore apply takes a Delta, got ${describe(delta)}`);
    const res = await this.send('apply', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: delta.encode() }, true);
    return readResult(await res.json());
  }

  /** The shared state's bytes (mode, seq, count, etag), or null when `etag` is still current. */
  private async fetchSnapshot(etag: string | null): Promise<(StoreSnapshot & { etag: string }) | null> {
    const res = await this.send('snapshot', { method: 'GET', headers: etag ? { 'x-simdopt-etag': etag } : {} }, false);
    const mode = res.headers.get('x-simdopt-mode'), seq = Number(res.headers.get('x-simdopt-seq')), count = Number(res.headers.get('x-simdopt-count')), tag = res.headers.get('x-simdopt-etag');
    if ((mode !== 'sums' && mode !== 'state') || !Number.isSafeInteger(seq) || !Number.isSafeInteger(count) || typeof tag !== 'string') {
      throw new StateError(`Durable Object snapshot answered without its headers (mode ${describe(mode)}, seq ${describe(seq)}): not a PolicyObject`);
    }
    if (res.status === 304) return null;
    return { mode, seq, count, etag: tag, bytes: new Uint8Array(await res.arrayBuffer()) };
  }

  /** A fresh policy holding the shared state (the caller owns it: free() it when replaced). */
  async snapshot(): Promise<Policy> {
    this.template.checkLive();
    const s = (await this.fetchSnapshot(null))!;
    return materialise(this.template, this.create, s, 'Durable Object snapshot');
  }

  /**
   * The policy to decide from: the cached snapshot while it is younger than refreshMs, else a fresh
   * one (a request to the object; unchanged state costs a 304). If the refresh fails and a snapshot
   * exists, that one keeps serving (lastRefreshError says why); with none yet, the error is thrown.
   * The store owns the policy and always returns the same one: a refresh writes the new state into it
   * (do not free it; store.free() does).
   */
  async policy(): Promise<Policy> {
    this.template.checkLive();
    if (this.cached && this.clock() - this.cached.at < this.refreshMs) return this.cached.policy;
    return this.refresh();
  }
  /** Fetch the shared state now (concurrent calls share one request). */
  refresh(): Promise<Policy> {
    this.pending ??= (async () => {
      try {
        const s = await this.fetchSnapshot(this.cached?.etag ?? null);
        const at = this.clock();
        if (s === null) { this.cached!.at = at; } else {
          const p = materialise(this.template, this.create, s, 'Durable Object snapshot');
          if (!this.cached) this.cached = { policy: p, etag: s.etag, seq: s.seq, count: s.count, at };
          else {
            // Written into the policy already served, never a replacement to free: a request that holds
            // it (in workerd a continuation of another request's refresh can run after this one) keeps
            // a live policy. decide() is synchronous, so no decision sees half of an update.
            try {
              const { manifest, state, window } = readStateFile(this.template.engine, p.save());
              this.cached.policy.installState(manifest, state, window);
            } finally { p.free(); }
            Object.assign(this.cached, { etag: s.etag, seq: s.seq, count: s.count, at });
          }
        }
        this.lastRefreshError = null;
        return this.cached!.policy;
      } catch (e) {
        if (this.cached && (e instanceof StoreError || e instanceof StateError)) { this.lastRefreshError = e; return this.cached.policy; }
        throw e;
      } finally { this.pending = null; }
    })();
    return this.pending;
  }

  /** Release the cached snapshot and the template policy (the object's state stays). */
  free(): void { this.cached?.policy.free(); this.cached = null; this.template.free(); }
}

function readResult(r: unknown): StoreLearnResult {
  const o = r as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || ![o.learned, o.duplicates, o.seq, o.count].every((x) => Number.isSafeInteger(x))) throw new StateError(`Durable Object answered ${describe(r)}, not a learn result`);
  return { learned: o.learned as number, duplicates: o.duplicates as number, seq: o.seq as number, count: o.count as number };
}
