// bandits.PolicyObject / DurableObjectStore (src/bandits/stores/durable.ts, chunked.ts) in Node over
// an in-memory Durable Object storage: exactly-once learning and delta application, the stored bytes
// independent of the order of the learns (mode 'sums'), the window kept in storage and reloaded, a
// LinUCB kept as its saved state (mode 'state', only the changed chunks written), and the typed
// outcome of every fault: a storage that fails before or after committing, a damaged, foreign or
// malformed stored value, an object that does not answer or times out. The same classes run in
// workerd in test/edge-worker.test.mjs.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, StateError, StoreError, UnsupportedError, HyperparameterError } from '../dist/index.js';
import { MemoryStorage, stubOf } from './helpers/memory-storage.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const ucb = () => new bandits.UCB1(e, { arms: 4 });
const ev = (i, arm = i % 4, reward = ((i * 0.618033) % 1)) => ({ eventId: `id-${i}`, arm, reward });
const events = Array.from({ length: 200 }, (_, i) => ev(i));
const setup = (create = ucb, opts = {}) => {
  const storage = new MemoryStorage();
  const object = new bandits.PolicyObject(storage, { create, ...opts });
  const store = new bandits.DurableObjectStore(stubOf(object), { create, refreshMs: 0 });
  return { storage, object, store };
};
const bytesOf = async (object) => Buffer.from((await object.snapshot()).bytes).toString('hex');

test('learn is exactly once and the stored sums are one delta of the unique events, whatever the order', async () => {
  const a = setup(), b = setup();
  assert.deepEqual(await a.store.learn([...events.slice(0, 50), events[3], events[7]]), { learned: 50, duplicates: 2, seq: 1, count: 50 });
  assert.deepEqual(await a.store.learn(events.slice(0, 50)), { learned: 0, duplicates: 50, seq: 1, count: 50 });
  assert.deepEqual(await a.store.learn(events.slice(30, 120)), { learned: 70, duplicates: 20, seq: 2, count: 120 });
  await a.store.learn(events.slice(100));
  // b learns the same events in another order and split
  for (let i = 199; i >= 0; i -= 25) await b.store.learn(events.slice(Math.max(0, i - 24), i + 1).reverse());
  assert.deepEqual(a.storage.dump().get('policy:s:0'), b.storage.dump().get('policy:s:0'));
  const want = ucb().delta(events).withoutIds();
  const snap = await a.store.snapshot();
  const ref = ucb(); ref.apply(want);
  for (const k of ['pulls', 'rewards', 'squares']) assert.deepEqual(Array.from(snap.stats()[k]), Array.from(ref.stats()[k]));
  assert.equal((await a.object.snapshot()).count, 200);
  assert.equal(Buffer.from((await a.object.snapshot()).bytes).toString('hex'), Buffer.from(want.payload).toString('hex'));
});

test('deltas: applied once, a partly known delta refused, a foreign delta refused, nothing written', async () => {
  const { storage, store } = setup();
  const w = ucb();
  const d1 = w.delta(events.slice(0, 40)), d2 = w.delta(events.slice(40, 80));
  assert.deepEqual(await store.apply(d1), { learned: 40, duplicates: 0, seq: 1, count: 40 });
  assert.deepEqual(await store.apply(d1), { learned: 0, duplicates: 40, seq: 1, count: 40 });
  const before = storage.dump();
  await assert.rejects(store.apply(w.delta(events.slice(20, 60))), (err) => err instanceof InvalidArgumentError && /20 of the delta's 40 eventIds were already learned/.test(err.message));
  await assert.rejects(store.apply(new bandits.UCB1(e, { arms: 4, alpha: 2 }).delta(events.slice(0, 3))), InvalidArgumentError);
  await assert.rejects(store.apply(d1.withoutIds()), (err) => err instanceof InvalidArgumentError && /without eventIds/.test(err.message));
  assert.deepEqual(storage.dump(), before);
  assert.deepEqual(await store.learn(events.slice(0, 80)), { learned: 40, duplicates: 40, seq: 2, count: 80 });
  assert.deepEqual(await store.apply(d2), { learned: 0, duplicates: 40, seq: 2, count: 80 });
});

test('the window lives in storage: a new object on the same storage remembers it; old ids are forgotten past the window', async () => {
  const { storage, store } = setup(ucb, { window: 30 });
  for (let i = 0; i < 100; i += 10) await store.learn(events.slice(i, i + 10));
  const again = new bandits.PolicyObject(storage, { create: ucb, window: 30 });
  const s2 = new bandits.DurableObjectStore(stubOf(again), { create: ucb });
  assert.deepEqual(await s2.learn(events.slice(70, 100)), { learned: 0, duplicates: 30, seq: 10, count: 100 }); // the last 30: remembered
  assert.deepEqual(await s2.learn(events.slice(0, 10)), { learned: 10, duplicates: 0, seq: 11, count: 110 }); // past the window: learned again
  const ids = [...storage.map.keys()].filter((k) => k.startsWith('policy:i:'));
  assert.ok(ids.length <= 2, `window chunks ${ids}`);
});

test('mode state: LinUCB learned in the object in arrival order, bit for bit one policy learning the unique events; only changed chunks written', async () => {
  const lin = () => new bandits.LinUCB(e, { arms: 50, dim: 32 });
  const auto = setup(lin);
  assert.equal(auto.object.mode, 'sums'); // LinUCB is mergeable (exact ΔA, Δb deltas), so the default is sums
  const { storage, object, store } = setup(lin, { mode: 'state' }); // the state mode, asked for
  assert.equal(object.mode, 'state');
  const cev = (i) => ({ eventId: `c-${i}`, arm: (i * 7) % 50, reward: (i % 5) / 4, context: Float64Array.from({ length: 32 }, (_, j) => ((i * 31 + j * 17) % 13) / 13 - 0.5) });
  const evs = Array.from({ length: 30 }, (_, i) => (i < 20 ? cev(i) : { ...cev(i), arm: 3 })); // the last 10: one arm
  await store.learn(evs.slice(0, 20));
  const puts = [];
  const tx = storage.transaction.bind(storage);
  storage.transaction = (f) => tx(async (t) => f({ put: (x) => { puts.push(...Object.keys(x)); return t.put(x); }, delete: (k) => t.delete(k) }));
  assert.deepEqual(await store.learn([...evs.slice(15, 30)]), { learned: 10, duplicates: 5, seq: 2, count: 30 });
  const chunks = [...storage.map.keys()].filter((k) => k.startsWith('policy:s:')).length;
  assert.ok(chunks >= 7, `${chunks} state chunks`);
  const wrote = puts.filter((k) => k.startsWith('policy:s:')).length;
  assert.ok(wrote <= 3, `wrote ${wrote} of ${chunks} chunks for one arm's update`);
  const ref = lin(); ref.learn(evs);
  const got = await store.snapshot();
  assert.equal(Buffer.from(got.save()).toString('hex'), Buffer.from(ref.save()).toString('hex'));
  await assert.rejects(store.apply(ref.delta ? { encode: () => new Uint8Array(8) } : null), (err) => err instanceof StateError || err instanceof UnsupportedError);
  got.free(); ref.free();
});

test('storage faults: a failed transaction writes nothing and is retried safely; a lost answer after commit is not applied twice', async () => {
  const { storage, store } = setup();
  await store.learn(events.slice(0, 10));
  const before = storage.dump();
  storage.failNext = true;
  await assert.rejects(store.learn(events.slice(10, 20)), (err) => err instanceof StoreError && err.applied === null);
  assert.deepEqual(storage.dump(), before);
  assert.deepEqual(await store.learn(events.slice(10, 20)), { learned: 10, duplicates: 0, seq: 2, count: 20 });
  storage.failAfterCommit = true;
  await assert.rejects(store.learn(events.slice(20, 30)), (err) => err instanceof StoreError && err.applied === null);
  assert.deepEqual(await store.learn(events.slice(20, 30)), { learned: 0, duplicates: 10, seq: 3, count: 30 });
  storage.failReads = true;
  const fresh = new bandits.PolicyObject(storage, { create: ucb });
  await assert.rejects(new bandits.DurableObjectStore(stubOf(fresh), { create: ucb }).learn(events.slice(0, 1)), (err) => err instanceof StoreError && err.applied === false);
  storage.failReads = false;
});

test('damaged, foreign and malformed stored values: StateError, nothing written', async () => {
  const { storage } = setup();
  await setup().store.learn([]); // an empty batch writes nothing
  const obj = new bandits.PolicyObject(storage, { create: ucb });
  await new bandits.DurableObjectStore(stubOf(obj), { create: ucb }).learn(events.slice(0, 20));
  const cases = {
    'another policy': (m) => { const h = JSON.parse(m.get('policy:head')); h.identity = h.identity.replace('"arms":4', '"arms":5'); m.set('policy:head', JSON.stringify(h)); },
    'head not JSON': (m) => m.set('policy:head', '{nope'),
    'head with another key': (m) => { const h = JSON.parse(m.get('policy:head')); h.extra = 1; m.set('policy:head', JSON.stringify(h)); },
    'head as a number': (m) => m.set('policy:head', 7),
    'a flipped state byte': (m) => { const b = m.get('policy:s:0').slice(); b[b.length - 1] ^= 1; m.set('policy:s:0', b); },
    'a missing state chunk': (m) => m.delete('policy:s:0'),
    'a short window chunk': (m) => { const k = [...m.keys()].find((x) => x.startsWith('policy:i:')); m.set(k, m.get(k).slice(0, 8)); },
    'a state chunk of text': (m) => m.set('policy:s:0', 'abc'),
  };
  for (const [name, damage] of Object.entries(cases)) {
    const s = new MemoryStorage();
    for (const [k, v] of storage.map) s.map.set(k, v instanceof Uint8Array ? v.slice() : v);
    damage(s.map);
    const before = s.dump();
    const o = new bandits.PolicyObject(s, { create: ucb });
    const st = new bandits.DurableObjectStore(stubOf(o), { create: ucb });
    await assert.rejects(st.learn(events.slice(50, 60)), StateError, name);
    await assert.rejects(st.snapshot(), StateError, name);
    assert.deepEqual(s.dump(), before, `${name}: nothing written`);
  }
  // a mergeable policy kept as state is another store, not this one
  const asState = new bandits.PolicyObject(storage, { create: ucb, mode: 'state' });
  await assert.rejects(asState.learn(events.slice(0, 1)), (err) => err instanceof StateError && /another policy/.test(err.message));
});

test('the Worker side: timeouts and unreachable objects are StoreError, bad batches are refused before sending, the snapshot refreshes on its schedule', async () => {
  let calls = 0;
  const never = { fetch: () => { calls++; return new Promise(() => {}); } };
  const slow = new bandits.DurableObjectStore(never, { create: ucb, timeoutMs: 20 });
  await assert.rejects(slow.learn(events.slice(0, 2)), (err) => err instanceof StoreError && err.applied === null && /timed out after 20 ms/.test(err.message));
  await assert.rejects(slow.policy(), (err) => err instanceof StoreError && err.applied === false);
  const down = new bandits.DurableObjectStore({ fetch: async () => { throw new Error('connection refused'); } }, { create: ucb });
  await assert.rejects(down.learn(events.slice(0, 2)), (err) => err instanceof StoreError && /connection refused/.test(err.message));
  calls = 0;
  await assert.rejects(slow.learn([events[0], { eventId: 'x', arm: 9, reward: 0 }]), (err) => err instanceof InvalidArgumentError && /event 1/.test(err.message));
  assert.equal(calls, 0, 'nothing sent');
  const notOurs = new bandits.DurableObjectStore({ fetch: async () => new Response('hello') }, { create: ucb });
  await assert.rejects(notOurs.snapshot(), StateError);
  // schedule: a clock the test moves
  let now = 0, fetches = 0;
  const storage = new MemoryStorage(), object = new bandits.PolicyObject(storage, { create: ucb });
  const counting = { fetch: (u, i) => { if (u.endsWith('snapshot')) fetches++; return object.fetch(new Request(u, i)); } };
  const store = new bandits.DurableObjectStore(counting, { create: ucb, refreshMs: 1000, clock: () => now });
  const p0 = await store.policy();
  await store.learn(events.slice(0, 10));
  assert.deepEqual(Array.from((await store.policy()).stats().pulls), [0, 0, 0, 0], 'served from the cache before refreshMs');
  assert.equal(fetches, 1);
  now = 1000;
  const p1 = await store.policy();
  assert.equal(p1, p0, 'the same policy, updated in place'); assert.equal(p0.freed, false); assert.equal(store.count, 10); assert.equal(fetches, 2);
  assert.deepEqual(Array.from(p1.stats().pulls), [3, 3, 2, 2]);
  now = 2000;
  assert.deepEqual(Array.from((await store.policy()).stats().pulls), [3, 3, 2, 2], 'unchanged state: a 304 keeps the policy'); assert.equal(fetches, 3);
  storage.failReads = true; object['loaded'] = false; now = 3000;
  await store.learn(events.slice(10, 12)).catch(() => {});
  assert.deepEqual(Array.from((await store.policy()).stats().pulls), [3, 3, 2, 2], 'a failed refresh keeps serving the last snapshot');
  assert.ok(store.lastRefreshError instanceof StoreError);
  storage.failReads = false;
});

test('options are checked', () => {
  const s = new MemoryStorage();
  assert.throws(() => new bandits.PolicyObject(null, { create: ucb }), InvalidArgumentError);
  assert.throws(() => new bandits.PolicyObject(s, { create: ucb, window: 0 }), HyperparameterError);
  assert.throws(() => new bandits.PolicyObject(s, { create: ucb, windw: 3 }), (err) => err instanceof HyperparameterError && /unknown PolicyObject option "windw"/.test(err.message));
  assert.throws(() => new bandits.PolicyObject(s, { create: () => new bandits.SWUCB(e, { arms: 3, tau: 5 }), mode: 'sums' }), HyperparameterError);
  assert.throws(() => new bandits.PolicyObject(s, { create: 3 }), HyperparameterError);
  assert.throws(() => new bandits.DurableObjectStore({}, { create: ucb }), InvalidArgumentError);
  assert.throws(() => new bandits.DurableObjectStore({ fetch() {} }, { create: ucb, refreshMs: -1 }), HyperparameterError);
  assert.equal(new bandits.PolicyObject(s, { create: () => new bandits.SWUCB(e, { arms: 3, tau: 5 }) }).mode, 'state');
});

test('freed stores (Durable Object and Deno KV) and a disposed engine raise DisposedError (liveness before anything is sent or written)', async () => {
  const { DisposedError } = await import('../dist/index.js');
  const { storage, object, store } = setup();
  await store.learn(events.slice(0, 3));
  const before = storage.dump();
  store.free();
  await assert.rejects(store.learn(events.slice(3, 4)), DisposedError);
  await assert.rejects(store.policy(), DisposedError);
  object.free();
  await assert.rejects(object.learn(events.slice(3, 4)), DisposedError);
  const res = await object.fetch(new Request('https://x/learn', { method: 'POST', body: JSON.stringify({ events: events.slice(3, 4) }) }));
  assert.equal((await res.json()).error.name, 'DisposedError');
  assert.deepEqual(storage.dump(), before);
  const e2 = await init({ threads: 1 });
  const c2 = () => new bandits.UCB1(e2, { arms: 2 });
  const s2 = new bandits.DurableObjectStore(stubOf(new bandits.PolicyObject(new MemoryStorage(), { create: c2 })), { create: c2 });
  await e2.dispose();
  await assert.rejects(s2.learn([{ eventId: 'a', arm: 0, reward: 1 }]), DisposedError);
  const { MemoryKv } = await import('./helpers/memory-storage.mjs');
  const kvStore = new bandits.DenoKvStore(new MemoryKv(), { key: ['p'], create: ucb });
  kvStore.free();
  await assert.rejects(kvStore.learn(events.slice(0, 1)), DisposedError);
  await assert.rejects(kvStore.snapshot(), DisposedError);
});
