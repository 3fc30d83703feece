// examples/node-server end to end: two server processes (node:http) share one UCB1 through a local
// redis-server (bandits.RedisStore). 1,000 decisions alternate between them; each reward comes back
// late (up to 60 decisions later), to a random one of the two, 10% of them twice and 5% never. At the
// end the shared state is byte for byte one delta of the unique rewarded events (nothing lost, nothing
// counted twice) and the arm share has moved to the best arm.
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { init, bandits } from '../dist/index.js';
import { available, redisClient, startRedis } from './helpers/redis-server.mjs';

const run = available ? test : test.skip;
const SERVER = new URL('../examples/node-server/server.mjs', import.meta.url).pathname;
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
let redis, procs = [], engine;

/** Start one server process; resolves its base URL once it listens. */
export function startServer(url, env) {
  const p = spawn(process.execPath, [SERVER], { env: { ...process.env, REDIS_URL: url, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(p);
  let out = '', err = '';
  p.stderr.on('data', (b) => { err += b; });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 15_000);
    p.stdout.on('data', (b) => { out += b; const m = /listening (\d+)/.exec(out); if (m) { clearTimeout(t); resolve(`http://127.0.0.1:${m[1]}`); } });
    p.on('exit', (c) => { clearTimeout(t); reject(new Error(`server exited ${c}: ${err}`)); });
  });
}
const post = async (base, path, obj) => { const r = await fetch(base + path, { method: 'POST', body: JSON.stringify(obj) }); return { status: r.status, body: await r.json() }; };

beforeAll(async () => { if (!available) return; redis = await startRedis(); engine = await init({ threads: 1 }); }, 20_000);
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) { const done = new Promise((r) => p.once('exit', r)); p.kill('SIGTERM'); await done; }
  await redis?.stop(); await engine?.dispose();
});

run('two Node servers share one policy through Redis: delayed, misrouted and duplicated rewards are learned exactly once; the arm share moves to the best arm', async () => {
  const env = { KEY: 'ns-e2e', POLICY: 'ucb1', ARMS: '4', REFRESH_MS: '30', FLUSH_MS: '10' };
  const servers = await Promise.all([startServer(redis.url, env), startServer(redis.url, env)]);
  const P = [0.2, 0.3, 0.4, 0.8], r = lcg(99), N = 1000;
  const decisions = [], due = [], unique = new Map();
  let sent = 0;
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
      assert.equal(ds[j].status, 200); assert.equal(d.policyVersion, 'ucb1-1');
      decisions.push(d.arm);
      if (r() < 0.05) continue; // this reward never comes
      const reward = r() < P[d.arm] ? 1 : 0;
      unique.set(id, { eventId: id, arm: d.arm, reward });
      const copies = r() < 0.1 ? 2 : 1;
      for (let c = 0; c < copies; c++) due.push({ at: i + j + Math.floor(r() * 60), server: Math.floor(r() * 2), token: d.token, reward });
    }
    await deliver(i + 9);
  }
  await deliver(Infinity);
  // bad input: refused, nothing changes
  assert.equal((await post(servers[0], '/reward', { token: 'not-a-token', reward: 1 })).status, 400);
  const tok = Buffer.from(JSON.stringify(['bad', 9])).toString('base64url');
  assert.equal((await post(servers[1], '/reward', { token: tok, reward: 1 })).status, 400);
  // the shared state: exactly the unique rewarded events
  const client = redisClient.createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
  const store = new bandits.RedisStore(client, { key: 'ns-e2e', create: () => new bandits.UCB1(engine, { arms: 4, seed: 1 }) });
  const got = await store.read(), local = new bandits.UCB1(engine, { arms: 4, seed: 1 });
  const want = local.delta([...unique.values()]);
  assert.equal(got.count, unique.size);
  assert.equal(Buffer.from(got.payload).toString('hex'), Buffer.from(want.payload).toString('hex'), 'stored sums = one delta of the unique events');
  assert.ok(sent > unique.size * 1.05, `${sent} rewards sent for ${unique.size} events`);
  const stats = await (await fetch(`${servers[1]}/stats`)).json();
  assert.equal(stats.count, unique.size);
  const last = decisions.slice(-300), share = last.filter((a) => a === 3).length / last.length;
  assert.ok(share > 0.5, `best-arm share of the last 300 decisions ${share}`);
  const first = decisions.slice(0, 200).filter((a) => a === 3).length / 200;
  assert.ok(share > first, `share grew: ${first} -> ${share}`);
  store.free(); local.free(); await client.quit();
}, 120_000);
