// A mergeable policy's state shared through Redis: many writer processes learn into one policy, every
// reader materialises the same bits. No runtime dependency: the store takes any client with one method,
// `sendCommand(args: string[]): Promise<unknown>` (node-redis v4/v5 `client.sendCommand`; ioredis:
// `{ sendCommand: (a) => redis.call(a[0], ...a.slice(1)) }`; anything that sends a command and
// resolves with the RESP reply as strings, arrays and integers).
//
// WHAT REDIS HOLDS (under the key prefix P):
//   P:meta   the policy's identity, JSON {policy, options, arms, slots} (set by the first write; a
//            store holding another policy is refused, never merged into)
//   P:sums   the accumulated Delta's payload: exact per-arm sums, binary (assembly/bandits/delta.ts:
//            u32 arm, then per slot a sign byte, lowest cell, cell count and u32 cells), ~20 B/slot
//   P:count  events folded so far (integer)
//   P:ids    the dedupe window: a sorted set of the last `window` eventId hashes (16 hex digits of
//            the 64-bit FNV-1a hash), scored by arrival order
//
// WHY A LUA SCRIPT (not WATCH/MULTI): the update is one EVALSHA, which Redis runs atomically: the
// duplicate check, the merge of the exact sums and the window update happen as one step, so there
// is no window between check and write, no lost update, no retry loop under contention (8 writers
// would make optimistic WATCH transactions abort each other), and no connection state (WATCH binds a
// connection, which a shared or pooled client cannot promise). The merge is integer arithmetic on
// 32-bit cells, exact in Lua's doubles (every intermediate is below 2^35), normalised to the same
// canonical bytes as the wasm merge, so the stored sums are the same bytes whatever the order in
// which writers arrive. The script validates everything (both payloads' structure, the identity)
// before its first write, so a refused update writes nothing.
//
// EXACTLY ONCE: an update carries the ids of its events. All already in the window: nothing changes
// (counted as duplicates). Some: the script refuses and returns them; the store recomputes the delta
// without them and sends again. None: merged. A writer that crashes or times out may have applied its
// update or not; resending the same events is always safe (StoreError.applied says which is known).
// Ids older than the window are forgotten (learned again if they return), as in the in-process window.
import type { Engine } from '../../engine/engine.js';
import { describe, HyperparameterError, InvalidArgumentError, StateError, StoreError } from '../../errors.js';
import { Policy, type BanditEvent, type LearnResult } from '../policy.js';
import { readStateFile } from '../state-file.js';
import { deltaFromPayload, deltaIdentity, hashEventIds, type Delta } from '../delta.js';

/** The one method the store needs of a Redis client. */
export interface RedisCommandClient {
  /** Send one raw command (`['EVALSHA', sha, ...]`) and resolve to its reply. */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * Options of `bandits.RedisStore`, the shared policy state in Redis that several processes merge their
 * deltas into.
 */
export interface RedisStoreOptions {
  /** Key prefix of this policy's keys (P:meta, P:sums, P:count, P:ids). */
  key: string;
  /** Makes a fresh policy of the served configuration (used to compute deltas and to materialise snapshots). */
  create: () => Policy;
  /** Distinct eventIds the store remembers for deduplication (1 to 1e7, default 1e6). */
  window?: number;
  /** Milliseconds one command may take before StoreError (1 to 600000, default 5000). */
  timeoutMs?: number;
}

const APPLY = `
local function hexdecode(h) return (h:gsub('..', function(x) return string.char(tonumber(x, 16)) end)) end
local function u32(s, p) local a, b, c, d = s:byte(p, p + 3); return a + b * 256 + c * 65536 + d * 16777216 end
local function w32(v) return string.char(v % 256, math.floor(v / 256) % 256, math.floor(v / 65536) % 256, math.floor(v / 16777216) % 256) end
local S, CELLS, B = tonumber(ARGV[7]), 68, 4294967296
-- parse a payload: list of {arm, {sign, lo, cells}}; returns nil, reason on a malformed one
local function parse(s, arms)
  local out, p, n, last = {}, 1, #s, -1
  while p <= n do
    if p + 3 > n then return nil, 'truncated' end
    local a = u32(s, p); p = p + 4
    if a <= last or a >= arms then return nil, 'arms not increasing or out of range' end
    last = a
    local e = {arm = a}
    for k = 1, S do
      if p > n then return nil, 'truncated' end
      local sign = s:byte(p)
      if sign == 0 then e[k] = {0, 0, {}}; p = p + 1
      elseif sign > 2 then return nil, 'bad sign byte'
      else
        if p + 2 > n then return nil, 'truncated' end
        local lo, c = s:byte(p + 1), s:byte(p + 2)
        if c == 0 or lo + c > CELLS then return nil, 'bad cell range' end
        if p + 2 + 4 * c > n then return nil, 'truncated' end
        local cells = {}
        for j = 1, c do cells[j] = u32(s, p + 3 + 4 * (j - 1)) end
        if cells[1] == 0 or cells[c] == 0 then return nil, 'not canonical' end
        e[k] = {sign, lo, cells}; p = p + 3 + 4 * c
      end
    end
    out[#out + 1] = e
  end
  return out
end
local function packacc(acc)
  if acc[1] == 0 then return string.char(0) end
  local t = {string.char(acc[1], acc[2], #acc[3])}
  for j = 1, #acc[3] do t[#t + 1] = w32(acc[3][j]) end
  return table.concat(t)
end
local function normalize(v)
  for i = 0, CELLS - 2 do local c = math.floor(v[i] / B); v[i] = v[i] - c * B; v[i + 1] = v[i + 1] + c end
end
-- exact sum of two accumulators, canonical sign-magnitude
local function addacc(x, y)
  local v = {}
  for i = 0, CELLS - 1 do v[i] = 0 end
  for _, a in ipairs({x, y}) do
    local sg = a[1] == 2 and -1 or 1
    for j = 1, #a[3] do v[a[2] + j - 1] = v[a[2] + j - 1] + sg * a[3][j] end
  end
  normalize(v)
  local sign = 1
  if v[CELLS - 1] < 0 then
    sign = 2
    for i = 0, CELLS - 1 do v[i] = -v[i] end
    normalize(v)
  end
  if v[CELLS - 1] >= B then return nil end
  local hi = CELLS - 1
  while hi >= 0 and v[hi] == 0 do hi = hi - 1 end
  if hi < 0 then return {0, 0, {}} end
  local lo = 0
  while v[lo] == 0 do lo = lo + 1 end
  local cells = {}
  for i = lo, hi do cells[#cells + 1] = v[i] end
  return {sign, lo, cells}
end
local function packentry(e)
  local t = {w32(e.arm)}
  for k = 1, S do t[#t + 1] = packacc(e[k]) end
  return table.concat(t)
end

-- KEYS: meta, sums, count, ids. ARGV: identity JSON, arms, window, payload hex, ids hex (16 digits each), events,
-- accumulators per arm entry (3: pulls, rewards, squares; d(d+1)/2 + d for a linear policy's A and b)
local meta = redis.call('GET', KEYS[1])
if meta and meta ~= ARGV[1] then return {'FOREIGN', meta} end
local arms, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local ids, nids = ARGV[5], #ARGV[5] / 16
local known = {}
for i = 0, nids - 1 do
  local id = ids:sub(16 * i + 1, 16 * i + 16)
  if redis.call('ZSCORE', KEYS[4], id) then known[#known + 1] = id end
end
if nids > 0 and #known == nids then return {'DUP', nids} end
if #known > 0 then return {'PARTIAL', table.concat(known)} end
local stored = redis.call('GET', KEYS[2]) or ''
local A, why = parse(stored, arms)
if not A then return {'BADSTATE', why} end
local D, why2 = parse(hexdecode(ARGV[4]), arms)
if not D then return {'BADDELTA', why2} end
local out, i, j = {}, 1, 1
while i <= #A or j <= #D do
  local a, d = A[i], D[j]
  if d == nil or (a ~= nil and a.arm < d.arm) then out[#out + 1] = packentry(a); i = i + 1
  elseif a == nil or d.arm < a.arm then out[#out + 1] = packentry(d); j = j + 1
  else
    local e = {arm = a.arm}
    for k = 1, S do e[k] = addacc(a[k], d[k]); if not e[k] then return {'OVERFLOW', a.arm} end end
    out[#out + 1] = packentry(e); i = i + 1; j = j + 1
  end
end
-- every check passed: write
if not meta then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('SET', KEYS[2], table.concat(out))
local seq = redis.call('INCRBY', KEYS[3], tonumber(ARGV[6]))
local base = seq - nids
for c = 0, nids - 1, 500 do
  local args = {}
  for q = c, math.min(c + 499, nids - 1) do args[#args + 1] = base + q; args[#args + 1] = ids:sub(16 * q + 1, 16 * q + 16) end
  redis.call('ZADD', KEYS[4], unpack(args))
end
local size = redis.call('ZCARD', KEYS[4])
if size > window then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, size - window - 1) end
return {'OK', nids}
`;

const READ = `
local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end
return {redis.call('GET', KEYS[1]) or '', hex(redis.call('GET', KEYS[2]) or ''), redis.call('GET', KEYS[3]) or '0'}
`;

const hexOf = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
};
function bytesOfHex(h: string, where: string): Uint8Array {
  if (typeof h !== 'string' || h.length % 2 !== 0 || !/^[0-9a-f]*$/.test(h)) throw new StateError(`${where}: the store returned ${describe(h)}, not hex bytes`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
const idHex = (x: bigint): string => x.toString(16).padStart(16, '0');

/**
 * One mergeable policy shared through Redis. learn(events) folds a batch exactly once, atomically,
 * from any number of processes; snapshot() gives a fresh policy holding the shared state (decide
 * from it; take a new one on the schedule you choose). See the top of this file for what is stored
 * and why the update is a Lua script.
 */
export class RedisStore {
  readonly key: string;
  readonly window: number;
  readonly timeoutMs: number;
  private readonly client: RedisCommandClient;
  private readonly create: () => Policy;
  private readonly template: Policy;
  private readonly engine: Engine;
  private readonly identity: string;
  private readonly empty: Delta;
  private sha: { apply?: string; read?: string } = {};

  constructor(client: RedisCommandClient, options: RedisStoreOptions) {
    if (client === null || typeof client !== 'object' || typeof (client as { sendCommand?: unknown }).sendCommand !== 'function') {
      throw new InvalidArgumentError(`RedisStore needs a client with sendCommand(args): node-redis's client, or a wrapper of another client; got ${describe(client)}`);
    }
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`RedisStore options must be an object, got ${describe(options)}`);
    const known = ['key', 'create', 'window', 'timeoutMs'];
    for (const k of Object.keys(options)) if (!known.includes(k)) throw new HyperparameterError(`unknown RedisStore option ${JSON.stringify(k)} (accepted: ${known.join(', ')})`);
    if (typeof options.key !== 'string' || options.key.length === 0 || options.key.length > 512) throw new HyperparameterError(`RedisStore key must be a string of 1 to 512 characters, got ${describe(options.key)}`);
    if (typeof options.create !== 'function') throw new HyperparameterError(`RedisStore create must be a function returning a fresh policy, got ${describe(options.create)}`);
    const int = (v: unknown, name: string, lo: number, hi: number, d: number): number => {
      if (v === undefined) return d;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`RedisStore ${name} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
      return v;
    };
    this.window = int(options.window, 'window', 1, 1e7, 1e6);
    this.timeoutMs = int(options.timeoutMs, 'timeoutMs', 1, 600_000, 5000);
    this.client = client; this.key = options.key; this.create = options.create;
    const t = options.create();
    if (t === null || typeof t !== 'object' || typeof (t as Policy).delta !== 'function') throw new HyperparameterError(`RedisStore create must return a policy, got ${describe(t)}`);
    if (!t.mergeable) { const k = t.kind; t.free(); throw new HyperparameterError(`RedisStore serves mergeable policies; ${k} is not (see policy.delta)`); }
    this.template = t; this.engine = t.engine;
    this.empty = t.delta([]);
    this.identity = deltaIdentity(this.empty);
  }

  private keys(): string[] { return [`${this.key}:meta`, `${this.key}:sums`, `${this.key}:count`, `${this.key}:ids`]; }

  /** One command with the timeout; failures become StoreError (applied: false before sending is certain, else null). */
  private async send(args: string[], what: string, mayApply: boolean): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreError(`Redis ${what} timed out after ${this.timeoutMs} ms${mayApply ? ': the update may or may not have been applied; resending the same events is safe' : ''}`, mayApply ? null : false)), this.timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(() => this.client.sendCommand(args)), timeout]);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const msg = e instanceof Error ? e.message : describe(e);
      if (/NOSCRIPT/.test(msg)) throw Object.assign(new StoreError(`Redis ${what}: ${msg}`, false), { noscript: true });
      throw new StoreError(`Redis ${what} failed: ${msg}${mayApply ? ' (the update may or may not have been applied; resending the same events is safe)' : ''}`, mayApply ? null : false);
    } finally { clearTimeout(timer); }
  }
  private async script(name: 'apply' | 'read', args: string[], mayApply: boolean): Promise<unknown> {
    const body = name === 'apply' ? APPLY : READ;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.sha[name]) {
        const sha = await this.send(['SCRIPT', 'LOAD', body], 'SCRIPT LOAD', false);
        if (typeof sha !== 'string') throw new StoreError(`Redis SCRIPT LOAD returned ${describe(sha)}`, false);
        this.sha[name] = sha;
      }
      try {
        return await this.send(['EVALSHA', this.sha[name]!, '4', ...this.keys(), ...args], name === 'apply' ? 'update' : 'read', mayApply);
      } catch (e) {
        if ((e as { noscript?: boolean }).noscript && attempt === 0) { delete this.sha[name]; continue; } // server restarted or flushed scripts
        throw e;
      }
    }
    throw new StoreError('Redis kept forgetting the script', false);
  }

  /**
   * Learn a batch into the shared policy, exactly once: checked like policy.learn (the whole batch
   * refused on a bad event, nothing sent), repeats inside the batch and ids the store already holds
   * skipped and counted as duplicates, the rest merged atomically. StoreError when Redis does not
   * answer (resend: it is safe), StateError when the key holds something else.
   */
  async learn(events: readonly BanditEvent[]): Promise<LearnResult> {
    this.template.checkLive();
    let d = this.template.delta(events);
    const dropped = new Set<string>();
    const total = Array.isArray(events) ? events.length : 0;
    let hashes: string[] | null = null;
    for (let attempt = 0; attempt < 64; attempt++) {
      const ids = d.eventIds!;
      let idh = '';
      for (const x of ids) idh += idHex(x);
      const r = await this.script('apply', [this.identity, String(this.empty.limit), String(this.window), hexOf(d.payload), idh, String(d.count), String(d.width)], true);
      if (!Array.isArray(r) || typeof r[0] !== 'string') throw new StateError(`Redis update returned ${describe(r)}`);
      const tag = r[0];
      if (tag === 'OK') return { learned: d.count, duplicates: total - d.count };
      if (tag === 'DUP') return { learned: 0, duplicates: total };
      if (tag === 'FOREIGN') throw new StateError(`Redis key ${this.key} holds another policy (${String(r[1]).slice(0, 300)}), not ${this.identity}`);
      if (tag === 'BADSTATE') throw new StateError(`Redis key ${this.key}:sums is not a policy's sums (${String(r[1])}): nothing was written`);
      if (tag === 'BADDELTA' || tag === 'OVERFLOW') throw new StateError(`Redis refused the update (${tag} ${String(r[1])}): nothing was written`);
      if (tag !== 'PARTIAL' || typeof r[1] !== 'string') throw new StateError(`Redis update returned ${describe(r)}`);
      // some ids are already stored (another writer, or a resend): drop those events and recompute
      for (let i = 0; i + 16 <= r[1].length; i += 16) dropped.add(r[1].slice(i, i + 16));
      if (!hashes) hashes = Array.from(hashEventIds(this.engine, events.map((e) => e.eventId)), idHex);
      const keep: BanditEvent[] = [];
      for (let i = 0; i < events.length; i++) if (!dropped.has(hashes[i]!)) keep.push(events[i]!);
      d = this.template.delta(keep);
    }
    throw new StoreError('Redis update kept conflicting with other writers (64 attempts)', false);
  }

  /** The shared state as a Delta without ids (its sums and event count), checked. */
  async read(): Promise<Delta> {
    this.template.checkLive();
    const r = await this.script('read', [], false);
    if (!Array.isArray(r) || r.length !== 3 || r.some((x) => typeof x !== 'string')) throw new StateError(`Redis read returned ${describe(r)}`);
    const [meta, sums, count] = r as string[];
    if (meta === '' && sums === '') return this.empty.withoutIds();
    if (meta !== this.identity) throw new StateError(`Redis key ${this.key} holds ${meta === '' ? 'sums without an identity' : `another policy (${meta!.slice(0, 300)})`}, not ${this.identity}`);
    const n = /^\d+$/.test(count!) ? Number(count) : NaN;
    return deltaFromPayload(this.empty, n, bytesOfHex(sums!, `Redis key ${this.key}:sums`), `Redis key ${this.key}`);
  }

  /**
   * A fresh policy (from `create`) holding the shared state: decide from it; free it when replaced.
   * With `into` (a live policy of the store's configuration, e.g. the one a ServedPolicy or a
   * DecisionLog serves), the shared state is written into that policy instead (its state and its
   * eventId window become the snapshot's, in one synchronous step, so no decision sees half of it) and
   * `into` is returned: whoever holds it decides from the new state, and nothing is freed. A policy of
   * another configuration is refused with InvalidArgumentError, unchanged.
   */
  async snapshot(into?: Policy): Promise<Policy> {
    if (into !== undefined) {
      if (!(into instanceof Policy)) throw new InvalidArgumentError(`RedisStore snapshot into must be a bandit policy, got ${describe(into)}`);
      into.checkLive();
      if (into.engine !== this.engine) throw new InvalidArgumentError('RedisStore snapshot into: the policy lives on another engine than the store');
      const id = into.mergeable ? deltaIdentity(into.delta([])) : null;
      if (id !== this.identity) throw new InvalidArgumentError(`RedisStore snapshot into: ${into.kind} ${JSON.stringify(into.options).slice(0, 200)} is not the store's policy (${this.identity.slice(0, 300)})`);
    }
    const d = await this.read();
    const p = this.create();
    try { p.apply(d); } catch (e) { p.free(); throw e; }
    if (into === undefined) return p;
    try {
      into.checkLive(); // it may have been freed while Redis answered
      const { manifest, state, window } = readStateFile(this.engine, p.save());
      into.installState(manifest, state, window);
    } finally { p.free(); }
    return into;
  }

  /** Release the template policy (the Redis keys stay). */
  free(): void { this.template.free(); }
}
