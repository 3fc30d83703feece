// An in-memory stand-in for a Durable Object's ctx.storage (get(keys[]) -> Map, transaction(fn) that
// commits all its puts and deletes or none), with fault switches: `failNext` makes the next
// transaction throw before committing, `failAfterCommit` commits it and then throws (the answer is
// lost), `failReads` makes reads throw. Values are stored as given (the real storage structured-clones).
export class MemoryStorage {
  constructor() { this.map = new Map(); this.failNext = false; this.failAfterCommit = false; this.failReads = false; this.transactions = 0; }
  async get(keys) {
    if (this.failReads) throw new Error('storage read failed (test)');
    const out = new Map();
    for (const k of keys) if (this.map.has(k)) out.set(k, this.map.get(k) instanceof Uint8Array ? this.map.get(k).slice() : this.map.get(k));
    return out;
  }
  async transaction(f) {
    const puts = new Map(), dels = [];
    await f({ put: (e) => { for (const [k, v] of Object.entries(e)) puts.set(k, v instanceof Uint8Array ? v.slice() : v); }, delete: (ks) => { dels.push(...ks); return ks.length; } });
    if (this.failNext) { this.failNext = false; throw new Error('transaction failed (test)'); }
    for (const k of dels) this.map.delete(k);
    for (const [k, v] of puts) this.map.set(k, v);
    this.transactions++;
    if (this.failAfterCommit) { this.failAfterCommit = false; throw new Error('connection lost after commit (test)'); }
  }
  /** A copy of every stored value (for bit-for-bit comparisons). */
  dump() { return new Map([...this.map].map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v])); }
}
/** A stub calling the object's fetch directly (what a Durable Object stub does, minus the network). */
export const stubOf = (object) => ({ fetch: (url, init) => object.fetch(new Request(url, init)) });

/**
 * An in-memory stand-in for a Deno.Kv (get, getMany, atomic with check/set/delete/commit and
 * versionstamps): for property tests of bandits.DenoKvStore without Deno.
 */
export class MemoryKv {
  constructor() { this.map = new Map(); this.version = 0; }
  static k(key) { return JSON.stringify(key); }
  async get(key) { const e = this.map.get(MemoryKv.k(key)); return e ? { key, value: e.value instanceof Uint8Array ? e.value.slice() : e.value, versionstamp: e.vs } : { key, value: null, versionstamp: null }; }
  async getMany(keys) { return Promise.all(keys.map((k) => this.get(k))); }
  atomic() {
    const checks = [], ops = [];
    const op = {
      check: (...c) => { checks.push(...c); return op; },
      set: (key, value) => { ops.push([key, value]); return op; },
      delete: (key) => { ops.push([key, undefined]); return op; },
      commit: async () => {
        for (const c of checks) if ((this.map.get(MemoryKv.k(c.key))?.vs ?? null) !== c.versionstamp) return { ok: false };
        const vs = String(++this.version).padStart(20, '0');
        for (const [key, value] of ops) if (value === undefined) this.map.delete(MemoryKv.k(key)); else this.map.set(MemoryKv.k(key), { value: value instanceof Uint8Array ? value.slice() : value, vs });
        return { ok: true, versionstamp: vs };
      },
    };
    return op;
  }
  dump() { return new Map([...this.map].map(([k, v]) => [k, v.value instanceof Uint8Array ? Buffer.from(v.value).toString('hex') : v.value])); }
}
