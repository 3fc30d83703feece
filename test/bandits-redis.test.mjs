// bandits.RedisStore (src/bandits/stores/redis.ts) against Debian's redis-server on a free localhost
// port, through the `redis` npm client: exactly-once learning, the stored sums byte for byte equal to
// one delta of the unique events, typed refusals of foreign or damaged keys and of a store that fails
// or times out (nothing written), and the load and fault test: 8 writer processes x 10,000 events
// (10% sent twice), two of them killed mid-batch and restarted, end state bit for bit one process's.
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, bandits, InvalidArgumentError, StateError, StoreError } from '../dist/index.js';
import { available, redisClient, startRedis } from './helpers/redis-server.mjs';
import { ARMS, SENDS, WRITERS, sendsOf, uniqueEvents } from './helpers/redis-load.mjs';

const run = available ? test : test.skip;
const e = await init({ threads: 1 });
let server, client;
beforeAll(async () => {
  if (!available) return;
  server = await startRedis();
  client = redisClient.createClient({ url: server.url });
  await client.connect();
}, 20_000);
afterAll(async () => { await client?.quit(); await server?.stop(); e.dispose(); });

const hex = (u8) => Buffer.from(u8).toString('hex');
const same = (a, b, what) => { assert.equal(a.length, b.length); for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`); };
const ucb = () => new bandits.UCB1(e, { arms: 4 });
const ev = (i, arm, reward) => ({ eventId: `id-${i}`, arm, reward });

run('learn is exactly once: repeats in a batch, resent batches and partly known batches fold each event once', async () => {
  const store = new bandits.RedisStore(client, { key: 't1', create: ucb });
  const events = Array.from({ length: 60 }, (_, i) => ev(i, i % 4, ((i * 0.618033) % 1)));
  assert.deepEqual(await store.learn([...events.slice(0, 20), events[3], events[5]]), { learned: 20, duplicates: 2 });
  assert.deepEqual(await store.learn(events.slice(0, 20)), { learned: 0, duplicates: 20 });
  assert.deepEqual(await store.learn(events.slice(10, 40)), { learned: 20, duplicates: 10 }); // 10 known: recomputed without them
  assert.deepEqual(await store.learn(events), { learned: 20, duplicates: 40 });
  const local = ucb(), want = local.delta(events);
  const got = await store.read();
  assert.equal(got.count, 60);
  assert.equal(hex(got.payload), hex(want.payload), 'stored sums = one delta of the unique events, byte for byte');
  const p = await store.snapshot(), q = ucb();
  q.apply(want.withoutIds());
  for (const s of ['pulls', 'rewards', 'squares']) same(p.stats()[s], q.stats()[s], s);
  assert.ok(hex(p.save()) === hex(q.save()), 'snapshot = a fresh policy applying the delta, bit for bit');
  // a bad event refuses the whole batch before anything is sent
  await assert.rejects(store.learn([ev(100, 0, 0.5), ev(101, 9, 0.5)]), InvalidArgumentError);
  assert.equal((await store.read()).count, 60);
  p.free(); q.free(); local.free(); store.free();
});

run('the dedupe window lives in Redis: ids older than the window are forgotten, as in the in-process window', async () => {
  const store = new bandits.RedisStore(client, { key: 't2', create: ucb, window: 5 });
  for (let i = 0; i < 8; i++) await store.learn([ev(i, 0, 1)]);
  assert.equal(await client.zCard('t2:ids'), 5);
  assert.deepEqual(await store.learn([ev(7, 0, 1)]), { learned: 0, duplicates: 1 });
  assert.deepEqual(await store.learn([ev(0, 0, 1)]), { learned: 1, duplicates: 0 });
  store.free();
});

run('a key holding another policy, damaged sums or a malformed count is refused with StateError and left as it was', async () => {
  const a = new bandits.RedisStore(client, { key: 't3', create: ucb });
  await a.learn([ev(1, 2, 0.25)]);
  const before = hex(Buffer.from(await client.sendCommand(['GET', 't3:sums'], { typeMapping: { [redisClient.RESP_TYPES.BLOB_STRING]: Buffer } })));
  const other = new bandits.RedisStore(client, { key: 't3', create: () => new bandits.UCBV(e, { arms: 4 }) });
  await assert.rejects(other.learn([ev(2, 0, 0.5)]), (x) => x instanceof StateError && /holds another policy/.test(x.message));
  await assert.rejects(other.read(), StateError);
  const wider = new bandits.RedisStore(client, { key: 't3', create: () => new bandits.UCB1(e, { arms: 5 }) });
  await assert.rejects(wider.learn([ev(2, 0, 0.5)]), StateError);
  const after = hex(Buffer.from(await client.sendCommand(['GET', 't3:sums'], { typeMapping: { [redisClient.RESP_TYPES.BLOB_STRING]: Buffer } })));
  assert.equal(after, before);
  for (const [junk, why] of [['garbage!', /truncated|out of range/], [Buffer.from([0, 0, 0, 0, 1, 3, 0]), /cell range/], [Buffer.from([0, 0, 0, 0, 7]), /sign/]]) {
    await client.set('t3:sums', junk);
    await assert.rejects(a.learn([ev(3, 1, 0.5)]), (x) => x instanceof StateError && /nothing was written/.test(x.message));
    await assert.rejects(a.read(), (x) => x instanceof StateError && why.test(x.message), String(junk));
    assert.equal(await client.zScore('t3:ids', '0'), null);
  }
  await client.set('t3:count', 'many');
  await assert.rejects(a.read(), StateError);
  // a foreign value under the meta key
  await client.set('t4:meta', '{"policy":"EXP3"}');
  const b = new bandits.RedisStore(client, { key: 't4', create: ucb });
  await assert.rejects(b.learn([ev(1, 0, 1)]), StateError);
  await assert.rejects(b.read(), StateError);
  for (const s of [a, other, wider, b]) s.free();
});

run('a store that refuses, fails or does not answer gives StoreError; nothing is applied; a resend is safe', async () => {
  const failing = { sendCommand: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:1'); } };
  const s1 = new bandits.RedisStore(failing, { key: 't5', create: ucb });
  await assert.rejects(s1.learn([ev(1, 0, 1)]), (x) => x instanceof StoreError && x.code === 'STORE_UNAVAILABLE' && x.applied === false && /ECONNREFUSED/.test(x.message));
  await assert.rejects(s1.read(), StoreError);
  // a client that forwards SCRIPT LOAD and then hangs on the update
  let hang = false;
  const slow = { sendCommand: (args) => (hang && args[0] === 'EVALSHA' ? new Promise(() => {}) : client.sendCommand(args)) };
  const s2 = new bandits.RedisStore(slow, { key: 't5', create: ucb, timeoutMs: 50 });
  assert.deepEqual(await s2.learn([ev(1, 0, 1)]), { learned: 1, duplicates: 0 });
  hang = true;
  await assert.rejects(s2.learn([ev(2, 0, 1)]), (x) => x instanceof StoreError && x.applied === null && /timed out after 50 ms/.test(x.message));
  hang = false;
  assert.deepEqual(await s2.learn([ev(1, 0, 1), ev(2, 0, 1)]), { learned: 1, duplicates: 1 });
  // the server forgot the script (restart, SCRIPT FLUSH): reloaded once
  await client.sendCommand(['SCRIPT', 'FLUSH']);
  assert.deepEqual(await s2.learn([ev(3, 1, 0)]), { learned: 1, duplicates: 0 });
  assert.equal((await s2.read()).count, 3);
  assert.throws(() => new bandits.RedisStore({}, { key: 'x', create: ucb }), InvalidArgumentError);
  assert.throws(() => new bandits.RedisStore(client, { key: 'x', create: () => new bandits.SWUCB(e, { arms: 2, tau: 3 }) }), /not \(see policy.delta\)/);
  assert.throws(() => new bandits.RedisStore(client, { key: 'x', create: ucb, windw: 3 }), /unknown RedisStore option/);
  s1.free(); s2.free();
});

/** Run one writer process; resolves with its exit and stdout. */
function writer(args, crash) {
  const script = fileURLToPath(new URL('./helpers/redis-writer.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, JSON.stringify(args)], { env: { ...process.env, CRASH: crash ?? 'none:-1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 100_000);
    p.stdout.on('data', (b) => { out += b; });
    p.stderr.on('data', (b) => { err += b; });
    p.on('error', reject);
    p.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
  });
}

run('load and fault: 8 writer processes x 10,000 events (10% sent twice), two killed mid-batch and restarted: the state is one process learning the unique events, bit for bit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-redis-'));
  const key = 'load';
  const crashes = { 2: 'sent:7', 5: 'acked:11' };
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
    const args = { url: server.url, key, writer: w, progress: join(dir, `w${w}`), sends: SENDS, writers: WRITERS };
    const first = await writer(args, crashes[w]);
    if (crashes[w]) {
      assert.equal(first.signal, 'SIGKILL', `writer ${w} was to die: ${first.err}`);
      const again = await writer(args);
      assert.equal(again.code, 0, again.err);
      return { restarted: true, ...JSON.parse(again.out) };
    }
    assert.equal(first.code, 0, first.err);
    return JSON.parse(first.out);
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  rmSync(dir, { recursive: true, force: true });
  const unique = uniqueEvents();
  const store = new bandits.RedisStore(client, { key, create: () => new bandits.UCB1(e, { arms: ARMS }) });
  const stored = await store.read();
  assert.equal(stored.count, unique.length, 'nothing lost, nothing counted twice');
  const one = new bandits.UCB1(e, { arms: ARMS }), want = one.delta(unique);
  assert.ok(hex(stored.payload) === hex(want.payload), 'stored sums = one process\'s delta of the unique events, byte for byte');
  const p = await store.snapshot(), q = new bandits.UCB1(e, { arms: ARMS });
  q.apply(want.withoutIds());
  assert.ok(hex(p.save()) === hex(q.save()), 'the materialised policy, bit for bit');
  // the writers that were not killed report every send as learned or duplicate
  for (const r of results) if (!r.restarted) assert.equal(r.learned + r.duplicates, sendsOf(r.writer).length);
  const sends = WRITERS * SENDS;
  console.log(`redis load test: ${WRITERS} writers x ${SENDS} events (${sends - unique.length} repeats, 2 writers killed and restarted) in ${seconds.toFixed(2)} s = ${Math.round(sends / seconds)} events/s for the whole run (process start-up included)`);
  p.free(); q.free(); one.free(); store.free();
}, 120_000);

run('snapshot(into) writes the shared state into a served policy (same bits as a fresh snapshot, same object); another configuration is refused, unchanged', async () => {
  const store = new bandits.RedisStore(client, { key: 't-into', create: ucb });
  const served = ucb(), held = served;
  served.learn([ev('local', 1, 1)]); // local learning the shared state replaces
  await store.learn(Array.from({ length: 30 }, (_, i) => ev(i, i % 4, (i % 3) / 2)));
  assert.equal(await store.snapshot(served), held, 'the same object comes back');
  const fresh = await store.snapshot();
  assert.equal(hex(served.save()), hex(fresh.save()), 'into = a fresh snapshot, bit for bit');
  const other = new bandits.UCB1(e, { arms: 5 }), before = hex(other.save());
  await assert.rejects(store.snapshot(other), InvalidArgumentError);
  assert.equal(hex(other.save()), before);
  await assert.rejects(store.snapshot({}), InvalidArgumentError);
  other.free(); fresh.free(); served.free(); store.free();
});
