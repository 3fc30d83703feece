// examples/node-server end to end (plain node:http; a ServedPolicy behind a DecisionLog per process).
// 1. Two server processes on free localhost ports share one UCB1 through Debian's redis-server
//    (bandits.RedisStore), with an exploration floor and a holdout: 1,000 decisions alternate between
//    them; each reward comes back late (up to 60 decisions later) at a random one of the two (the other
//    forwards it to the process that logged the decision), 10% of them twice and 5% never. At the end
//    the shared state is byte for byte one delta of the unique rewarded events of the policy group
//    (nothing lost, nothing counted twice, the holdout never learned), the logs' counters account for
//    every reward sent, and the best arm's share has grown.
// 2. One process without Redis (the policy in-process): the TTL turns missing rewards into the
//    default reward, and a reward after the TTL is counted late, not learned.
// Every wait is bounded (server start-up 15 s, the TTL poll 10 s, each test 120 s).
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { init, bandits } from '../dist/index.js';
import { available, freePort, redisClient, startRedis } from './helpers/redis-server.mjs';

const withRedis = available ? test : test.skip;
const SERVER = new URL('../examples/node-server/server.mjs', import.meta.url).pathname;
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
let redis = null, engine;
const procs = [];

/** Start one server process; resolves its base URL once it listens (rejects after 15 s or on exit). */
function startServer(env) {
  const p = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(p);
  let out = '', err = '';
  p.stderr.on('data', (b) => { err += b; });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`server did not start in 15 s: ${err}`)); }, 15_000);
    p.stdout.on('data', (b) => { out += b; const m = /listening (\d+)/.exec(out); if (m) { clearTimeout(t); resolve(`http://127.0.0.1:${m[1]}`); } });
    p.on('exit', (c) => { clearTimeout(t); reject(new Error(`server exited ${c}: ${err}`)); });
  });
}
const post = async (base, path, obj) => { const r = await fetch(base + path, { method: 'POST', body: typeof obj === 'string' ? obj : JSON.stringify(obj) }); return { status: r.status, body: await r.json() }; };
const stats = async (base) => (await fetch(`${base}/stats`)).json();

beforeAll(async () => { engine = await init({ threads: 1 }); if (available) redis = await startRedis(); }, 20_000);
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) { const done = new Promise((r) => p.once('exit', r)); p.kill('SIGTERM'); setTimeout(() => p.kill('SIGKILL'), 5000).unref(); await done; }
  await redis?.stop(); await engine?.dispose();
});

withRedis('two Node servers share one policy through Redis: delayed, misrouted and duplicated rewards are learned exactly once, the holdout never; the arm share moves to the best arm', async () => {
  const ports = [await freePort(), await freePort()];
  const PEERS = ports.map((p) => `http://127.0.0.1:${p}`).join(',');
  const env = { REDIS_URL: redis.url, KEY: 'ns-e2e', POLICY: 'ucb1', ARMS: '4', FLOOR: '0.05', HOLDOUT: '0.05', REFRESH_MS: '30', FLUSH_MS: '10', PEERS };
  const servers = await Promise.all([0, 1].map((i) => startServer({ ...env, SERVER: String(i), PORT: String(ports[i]) })));
  const P = [0.2, 0.3, 0.4, 0.8], r = lcg(99), N = 1000;
  const decisions = [], due = [], unique = new Map();
  let sent = 0, holdoutSeen = 0, rewardedIds = 0;
  const deliver = async (upTo) => {
    const now = due.filter((x) => x.at <= upTo);
    for (const x of now) due.splice(due.indexOf(x), 1);
    const replies = await Promise.all(now.map((x) => post(servers[x.server], '/reward', { token: x.token, reward: x.reward })));
    for (const rep of replies) { assert.equal(rep.status, 200, JSON.stringify(rep.body)); assert.equal(rep.body.stored, true); sent++; }
  };
  for (let i = 0; i < N; i += 10) {
    const ds = await Promise.all(Array.from({ length: 10 }, (_, j) => post(servers[(i + j) % 2], '/decide', { eventId: `u${i + j}` })));
    for (let j = 0; j < 10; j++) {
      const d = ds[j].body, id = `u${i + j}`;
      assert.equal(ds[j].status, 200, JSON.stringify(d));
      assert.equal(d.policyVersion, 'ucb1-1'); assert.equal(d.eventId, id);
      assert.ok(d.group === 'policy' || d.group === 'holdout');
      if (d.group === 'holdout') { holdoutSeen++; assert.equal(d.arm, 0); } else decisions.push(d.arm);
      if (r() < 0.05) continue; // this reward never comes
      const reward = r() < P[d.arm] ? 1 : 0;
      rewardedIds++;
      if (d.group === 'policy') unique.set(id, { eventId: id, arm: d.arm, reward });
      const copies = r() < 0.1 ? 2 : 1;
      for (let c = 0; c < copies; c++) due.push({ at: i + j + Math.floor(r() * 60), server: Math.floor(r() * 2), token: d.token, reward });
    }
    await deliver(i + 9);
  }
  await deliver(Infinity);
  // bad input: refused with 400, nothing changes
  assert.equal((await post(servers[0], '/reward', { token: 'not-a-token', reward: 1 })).status, 400);
  assert.equal((await post(servers[1], '/reward', { token: Buffer.from(JSON.stringify([7, 'u1'])).toString('base64url'), reward: 1 })).status, 400);
  assert.equal((await post(servers[0], '/reward', '{"token":')).status, 400);
  assert.equal((await post(servers[0], '/decide', { context: [1] })).status, 400);
  const pend = (await post(servers[0], '/decide', { eventId: 'bad-1' })).body;
  assert.equal((await post(servers[1], '/reward', { token: pend.token, reward: 7 })).status, 400, 'a reward outside [0, 1] for a waiting decision (forwarded)');
  assert.equal((await post(servers[0], '/decide', { eventId: 'bad-1' })).status, 400, 'an eventId decided twice');
  // the shared state: exactly the unique rewarded events of the policy group
  const client = redisClient.createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
  const store = new bandits.RedisStore(client, { key: 'ns-e2e', create: () => new bandits.UCB1(engine, { arms: 4, seed: 1 }) });
  const got = await store.read(), local = new bandits.UCB1(engine, { arms: 4, seed: 1 });
  const want = local.delta([...unique.values()]);
  assert.equal(got.count, unique.size);
  assert.equal(Buffer.from(got.payload).toString('hex'), Buffer.from(want.payload).toString('hex'), 'stored sums = one delta of the unique policy-group events');
  // the logs account for every reward: each id joined once (at the process that decided it), the rest duplicates
  const [s0, s1] = [await stats(servers[0]), await stats(servers[1])];
  assert.equal(s0.count, unique.size); assert.equal(s1.count, unique.size);
  assert.equal(s0.log.joined + s1.log.joined, rewardedIds);
  assert.equal(s0.log.duplicates + s1.log.duplicates, sent - rewardedIds);
  assert.ok(sent > rewardedIds * 1.05, `${sent} rewards sent for ${rewardedIds} decisions`);
  assert.equal(s0.log.learned + s1.log.learned, unique.size, 'the holdout group is not learned');
  assert.equal(s0.log.unknown + s1.log.unknown, 0);
  assert.equal(s0.outbox + s1.outbox, 0);
  assert.ok(holdoutSeen > 20 && holdoutSeen < 90, `holdout decisions ${holdoutSeen} of ${N} (5%)`);
  const last = decisions.slice(-300), share = last.filter((a) => a === 3).length / last.length;
  assert.ok(share > 0.5, `best-arm share of the last 300 decisions ${share}`);
  const first = decisions.slice(0, 200).filter((a) => a === 3).length / 200;
  assert.ok(share > first, `share grew: ${first} -> ${share}`);
  store.free(); local.free(); await client.quit();
}, 120_000);

test('one Node server without Redis: the TTL learns missing rewards as DEFAULT_REWARD, a reward after it is counted late', async () => {
  const base = await startServer({ POLICY: 'ucb1', ARMS: '3', TTL_MS: '300', DEFAULT_REWARD: '0', FLUSH_MS: '5' });
  const ds = [];
  for (let i = 0; i < 20; i++) ds.push((await post(base, '/decide', { eventId: `t${i}` })).body);
  for (let i = 0; i < 10; i++) {
    const rep = await post(base, '/reward', { token: ds[i].token, reward: 1 });
    assert.equal(rep.status, 200); assert.equal(rep.body.joined, true);
  }
  let s;
  for (let k = 0; k < 100; k++) { s = await stats(base); if (s.log.defaulted === 10) break; await new Promise((r) => setTimeout(r, 100)); }
  assert.equal(s.log.defaulted, 10, JSON.stringify(s));
  assert.equal(s.pending, 0);
  const late = await post(base, '/reward', { token: ds[15].token, reward: 1 });
  assert.equal(late.status, 200); assert.equal(late.body.joined, false); assert.equal(late.body.batch.late, 1);
  s = await stats(base);
  assert.equal(s.count, 20, 'ten rewards + ten defaults learned, the late one not');
  assert.equal(s.pulls.reduce((a, b) => a + b, 0), 20);
}, 60_000);
