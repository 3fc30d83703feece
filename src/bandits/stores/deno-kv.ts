// A policy shared through Deno KV (`Deno.openKv()`: the local SQLite file backend, or Deno Deploy's
// KV): any number of writers, in one process or many, learn into one policy with optimistic
// check-and-set. No dependency: the store takes the Kv handle (anything with get, getMany, atomic).
//
//   const kv = await Deno.openKv('./bandit.sqlite');      // deno run --unstable-kv (Deno 2.x)
//   const store = new bandits.DenoKvStore(kv, { key: ['bandit', 'home'], create: () => new bandits.UCB1(engine, { arms: 10 }) });
//   await store.learn(events);  const policy = await store.snapshot();
//
// WHAT KV HOLDS (under [...key, name]): chunked.ts's layout: 'head' (identity, counts, hash, window
// position), 's:<i>' state chunks (60 KiB, under KV's 64 KiB value limit), 'i:<n>' window chunks.
// Mode 'sums' (mergeable policies, the default for them: the stored bytes do not depend on which writer
// came first) or 'state' (any policy, learned in the order the commits land).
//
// WHAT IS ATOMIC: one learn = read the head (and, when another writer moved it, the chunks), fold the
// batch in memory (duplicates of the window skipped), then ONE atomic operation that checks the head's
// versionstamp is unchanged and writes head, changed state chunks and window chunks (deletes the
// dropped ones). A concurrent writer's commit makes the check fail: nothing is written, the store
// re-reads and folds again, after a short back-off (at most `attempts` times, then StoreError
// applied: false); the local SQLite backend reports some of these conflicts as "database is locked"
// (the transaction rolled back), which the store treats the same way. So two
// writers can never both fold onto the same state (no lost update), and an id in the window is never
// folded twice. A crash before the commit writes nothing; after it, the events are in the window and a
// resend counts them as duplicates. A read of head + chunks is checked against the head's versionstamp
// again afterwards, so a reader never mixes the chunks of two commits.
import { describe, HyperparameterError, InvalidArgumentError, StoreError } from '../../errors.js';
import type { BanditEvent, LearnResult, Policy } from '../policy.js';
import type { Delta } from '../delta.js';
import { checkMode, createChecked, headKey, materialise, PolicyMirror, type Prepared, type StoreMode } from './chunked.js';

type KvKey = readonly (string | number | bigint | boolean | Uint8Array)[];
interface KvEntry { key: KvKey; value: unknown; versionstamp: string | null }
interface KvAtomic {
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomic;
  set(key: KvKey, value: unknown): KvAtomic;
  delete(key: KvKey): KvAtomic;
  commit(): Promise<{ ok: boolean }>;
}
/** What DenoKvStore needs of a `Deno.Kv`. */
export interface DenoKvLike {
  /** Read one key. */
  get(key: KvKey): Promise<KvEntry>;
  /** Read several keys in one consistent snapshot. */
  getMany(keys: KvKey[]): Promise<KvEntry[]>;
  /** Start an atomic operation (checks, sets and deletes committed together). */
  atomic(): KvAtomic;
}
/** Options of `bandits.DenoKvStore`, the shared policy state in Deno KV. */
export interface DenoKvStoreOptions {
  /** Key prefix of the policy's entries (1 to 8 parts: strings or numbers). */
  key: readonly (string | number)[];
  /** Makes a fresh policy of the served configuration. */
  create: () => Policy;
  /** 'sums' (mergeable policies; the default for them) or 'state' (any policy; the default for the others). */
  mode?: StoreMode;
  /** Distinct eventIds remembered for deduplication (1 to 1e6, default 100,000). */
  window?: number;
  /** Milliseconds one KV operation may take before StoreError (1 to 600000, default 5000). */
  timeoutMs?: number;
  /** Commits tried when other writers keep moving the head (1 to 1000, default 64). */
  attempts?: number;
}

const int = (v: unknown, name: string, lo: number, hi: number, d: number): number => {
  if (v === undefined) return d;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`DenoKvStore ${name} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Milliseconds to wait before the next try after `attempt` conflicts: 1, 2, 4 … 64 plus a spread by attempt. */
const backoff = (attempt: number): number => (1 << Math.min(attempt, 6)) + ((attempt * 7) % 5);

/** One policy shared through Deno KV; see the top of src/bandits/stores/deno-kv.ts. */
export class DenoKvStore {
  readonly key: readonly (string | number)[];
  readonly mode: StoreMode;
  readonly window: number;
  readonly timeoutMs: number;
  readonly attempts: number;
  private readonly kv: DenoKvLike;
  private readonly create: () => Policy;
  private readonly mirror: PolicyMirror;
  /** versionstamp of the head the mirror holds (undefined: nothing read yet). */
  private stamp: string | null | undefined = undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(kv: DenoKvLike, options: DenoKvStoreOptions) {
    if (kv === null || typeof kv !== 'object' || typeof (kv as { atomic?: unknown }).atomic !== 'function' || typeof (kv as { getMany?: unknown }).getMany !== 'function') {
      throw new InvalidArgumentError(`DenoKvStore needs a Deno.Kv (await Deno.openKv(path)), got ${describe(kv)}`);
    }
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`DenoKvStore options must be an object, got ${describe(options)}`);
    const known = ['key', 'create', 'mode', 'window', 'timeoutMs', 'attempts'];
    for (const k of Object.keys(options)) if (!known.includes(k)) throw new HyperparameterError(`unknown DenoKvStore option ${JSON.stringify(k)} (accepted: ${known.join(', ')})`);
    const key = options.key;
    if (!Array.isArray(key) || key.length < 1 || key.length > 8 || key.some((p) => !(typeof p === 'string' || (typeof p === 'number' && Number.isFinite(p))))) {
      throw new HyperparameterError(`DenoKvStore key must be an array of 1 to 8 strings or finite numbers, got ${describe(key)}`);
    }
    this.window = int(options.window, 'window', 1, 1e6, 100_000);
    this.timeoutMs = int(options.timeoutMs, 'timeoutMs', 1, 600_000, 5000);
    this.attempts = int(options.attempts, 'attempts', 1, 1000, 64);
    const t = createChecked(options.create, 'DenoKvStore');
    try {
      this.mode = checkMode(t, options.mode, 'DenoKvStore');
      this.mirror = new PolicyMirror(t, options.create, this.mode, this.window, `Deno KV key ${JSON.stringify(key)}`);
    } catch (e) { t.free(); throw e; }
    this.key = Object.freeze([...key]); this.kv = kv; this.create = options.create;
  }

  private k(name: string): KvKey { return [...this.key, name]; }
  private run<T>(op: () => Promise<T>): Promise<T> {
    const r = this.tail.then(op, op);
    this.tail = r.catch(() => undefined);
    return r;
  }
  /** One KV call with the timeout; failures become StoreError. */
  private async call<T>(what: string, f: () => Promise<T>, mayApply: boolean): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const maybe = mayApply ? ' (the update may or may not have been applied; resending the same events is safe)' : '';
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new StoreError(`Deno KV ${what} timed out after ${this.timeoutMs} ms${maybe}`, mayApply ? null : false)), this.timeoutMs); });
    try {
      return await Promise.race([Promise.resolve().then(f), timeout]);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(`Deno KV ${what} failed: ${e instanceof Error ? e.message : describe(e)}${maybe}`, mayApply ? null : false);
    } finally { clearTimeout(timer); }
  }

  /** Bring the mirror to the stored state (reads the chunks only when the head moved). */
  private async sync(): Promise<void> {
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const h = await this.call('read', () => this.kv.get(this.k(headKey)), false);
      if (this.stamp !== undefined && h.versionstamp === this.stamp) return;
      const head = this.mirror.parseHead(h.value ?? null);
      const values = new Map<string, unknown>();
      if (head) {
        const names = this.mirror.keysOf(head);
        for (let i = 0; i < names.length; i += 10) {
          const part = names.slice(i, i + 10);
          const got = await this.call('read', () => this.kv.getMany(part.map((n) => this.k(n))), false);
          got.forEach((e, j) => values.set(part[j]!, e.value ?? undefined));
        }
        const again = await this.call('read', () => this.kv.get(this.k(headKey)), false);
        if (again.versionstamp !== h.versionstamp) continue; // another writer committed meanwhile: read again
      }
      this.mirror.install(head, (n) => values.get(n));
      this.stamp = h.versionstamp;
      return;
    }
    throw new StoreError(`Deno KV read kept changing under other writers (${this.attempts} attempts)`, false);
  }

  private async commitLoop(prepare: () => Prepared): Promise<LearnResult> {
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      await this.sync();
      const p = prepare();
      if (!p.write) return p.result;
      let op = this.kv.atomic().check({ key: this.k(headKey), versionstamp: this.stamp ?? null });
      for (const [n, v] of p.write.puts) op = op.set(this.k(n), v);
      for (const n of p.write.deletes) op = op.delete(this.k(n));
      let r: { ok: boolean };
      try { r = await this.call('update', () => op.commit(), true); } catch (e) {
        p.abort(); this.stamp = undefined;
        // The local SQLite backend answers a commit that meets another connection's write with
        // "database is locked" (SQLITE_BUSY: the transaction was rolled back): a conflict like a
        // failed check. Back off and fold again.
        if (e instanceof StoreError && /database is locked|SQLITE_BUSY/i.test(e.message)) { await sleep(backoff(attempt)); continue; }
        throw e;
      }
      if (r && r.ok === true) { p.commit(); this.stamp = (r as { versionstamp?: string }).versionstamp ?? undefined; return p.result; }
      p.abort(); this.stamp = undefined; // another writer moved the head: nothing written; read and fold again
      if (attempt > 0) await sleep(backoff(attempt));
    }
    throw new StoreError(`Deno KV update kept conflicting with other writers (${this.attempts} attempts): nothing was written`, false);
  }

  /** Learn a batch exactly once (checked whole like policy.learn; ids in the window skipped and counted as duplicates). */
  learn(events: readonly BanditEvent[]): Promise<LearnResult> {
    return this.run(() => this.commitLoop(() => this.mirror.prepareLearn(events)));
  }
  /** Apply a delta (mode 'sums') exactly once, as policy.apply. */
  apply(delta: Delta): Promise<LearnResult> {
    return this.run(() => this.commitLoop(() => this.mirror.prepareApply(delta)));
  }
  /** Events folded so far and commits (as stored now). */
  async counts(): Promise<{ count: number; seq: number }> {
    return this.run(async () => { await this.sync(); return { count: this.mirror.head?.count ?? 0, seq: this.mirror.head?.seq ?? 0 }; });
  }
  /** A fresh policy holding the shared state (the caller owns it: free() it when replaced). */
  snapshot(): Promise<Policy> {
    return this.run(async () => {
      await this.sync();
      return materialise(this.mirror.template, this.create, this.mirror.snapshot(), `Deno KV key ${JSON.stringify(this.key)}`);
    });
  }
  /** The stored state's bytes (mode 'sums': the exact sums; 'state': policy.save()). */
  bytes(): Promise<Uint8Array> {
    return this.run(async () => { await this.sync(); return this.mirror.snapshot().bytes; });
  }

  /** Release the store's policies (the KV entries stay). */
  free(): void { this.mirror.free(); this.mirror.template.free(); }
}
