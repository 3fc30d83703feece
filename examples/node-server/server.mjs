// A Node HTTP server (node:http, no framework) serving one bandit policy shared through Redis by any
// number of processes (bandits.RedisStore). Run several of these against one Redis:
//   REDIS_URL=redis://127.0.0.1:6379 PORT=8080 POLICY=ucb1 node examples/node-server/server.mjs
//
// POST /decide  {"eventId": "...", "context": [..]?}  -> {"arm", "propensity", "policyVersion", "token"}
//   decided from this process's snapshot of the shared policy (pure: nothing is written);
// POST /reward  {"token": "...", "reward": r}          -> {"stored": true, "batch": {"events", "learned", "duplicates"}}
//   the token is the decision echoed back (eventId, arm, context), so a reward may reach any process,
//   late or twice: rewards are batched (up to BATCH events or FLUSH_MS ms) into one store.learn, which
//   Redis folds atomically and exactly once (its dedupe window drops a resent eventId); the reply comes
//   once the batch is in Redis and gives the whole batch's counts (a 503 StoreError: resend, it is safe).
// GET /stats -> {"count", "pulls"?}: the shared state's event count (and pulls of a context-free policy).
// The snapshot is refreshed every REFRESH_MS ms (default 100), so every process decides from the same
// shared state, at most REFRESH_MS old. The server prints "listening <port>" once it accepts requests.
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { init, bandits } from 'simdopt';

const env = process.env;
const PORT = Number(env.PORT ?? 0), KEY = env.KEY ?? 'node-server:policy', POLICY = env.POLICY ?? 'ucb1';
const ARMS = Number(env.ARMS ?? (POLICY === 'linucb' ? 50 : 4)), DIM = Number(env.DIM ?? 64);
const REFRESH_MS = Number(env.REFRESH_MS ?? 100), BATCH = Number(env.BATCH ?? 200), FLUSH_MS = Number(env.FLUSH_MS ?? 20);
const VERSION = `${POLICY}-1`;

const engine = await init({ threads: 1 });
const create = POLICY === 'linucb' ? () => new bandits.LinUCB(engine, { arms: ARMS, dim: DIM, alpha: 0.5, seed: 1 }) : () => new bandits.UCB1(engine, { arms: ARMS, seed: 1 });
const redis = createClient({ url: env.REDIS_URL });
redis.on('error', (e) => process.stderr.write(`redis: ${e.message}\n`));
await redis.connect();
const store = new bandits.RedisStore(redis, { key: KEY, create });

let policy = await store.snapshot();
async function refresh() {
  try { const next = await store.snapshot(); const old = policy; policy = next; old.free(); } catch (e) { process.stderr.write(`refresh: ${e.message}\n`); }
}
const timer = setInterval(refresh, REFRESH_MS);

// reward batching: one store.learn per batch, every waiting request answered with the batch's result
let queue = [], flushTimer = null;
function flush() {
  clearTimeout(flushTimer); flushTimer = null;
  const batch = queue; queue = [];
  if (batch.length === 0) return;
  store.learn(batch.map((b) => b.event)).then((r) => { for (const b of batch) b.resolve({ stored: true, batch: { events: batch.length, ...r } }); }, (e) => { for (const b of batch) b.reject(e); });
}
const learnLater = (event) => new Promise((resolve, reject) => {
  queue.push({ event, resolve, reject });
  if (queue.length >= BATCH) flush(); else if (!flushTimer) flushTimer = setTimeout(flush, FLUSH_MS);
});

const body = (req) => new Promise((resolve, reject) => {
  let s = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { s += c; if (s.length > 1 << 20) reject(new Error('body too large')); });
  req.on('end', () => { try { resolve(JSON.parse(s)); } catch { reject(new Error('body is not JSON')); } });
});
const send = (res, code, obj) => { const b = JSON.stringify(obj); res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) }); res.end(b); };

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/decide') {
      const q = await body(req);
      const d = policy.decide(POLICY === 'linucb' ? { eventId: q.eventId, context: q.context } : { eventId: q.eventId });
      const token = Buffer.from(JSON.stringify(POLICY === 'linucb' ? [q.eventId, d.arm, q.context] : [q.eventId, d.arm])).toString('base64url');
      return send(res, 200, { arm: d.arm, propensity: d.propensity, policyVersion: VERSION, token });
    }
    if (req.method === 'POST' && req.url === '/reward') {
      const q = await body(req);
      let t;
      try { t = JSON.parse(Buffer.from(String(q.token), 'base64url').toString('utf8')); } catch { return send(res, 400, { error: 'InvalidArgumentError', message: 'token is not a decision token' }); }
      if (!Array.isArray(t)) return send(res, 400, { error: 'InvalidArgumentError', message: 'token is not a decision token' });
      const event = { eventId: t[0], arm: t[1], reward: q.reward, ...(POLICY === 'linucb' ? { context: t[2] } : {}) };
      policy.validateEvent(event, 'reward'); // a bad reward is refused here, not inside a shared batch
      const r = await learnLater(event);
      return send(res, 200, r);
    }
    if (req.method === 'GET' && req.url === '/stats') {
      const d = await store.read();
      const p = await store.snapshot();
      const out = { count: d.count, ...(POLICY === 'linucb' ? {} : { pulls: Array.from(p.stats().pulls) }) };
      p.free();
      return send(res, 200, out);
    }
    send(res, 404, { error: 'not found' });
  } catch (e) {
    send(res, e && /InvalidArgument|Hyperparameter/.test(e.name) ? 400 : e && e.name === 'StoreError' ? 503 : 500, { error: e?.name ?? 'Error', message: e?.message ?? String(e) });
  }
});
server.keepAliveTimeout = 10_000;
server.listen(PORT, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));

async function shutdown() {
  clearInterval(timer); flush();
  server.close();
  await new Promise((r) => setTimeout(r, 50));
  await redis.quit().catch(() => {});
  policy.free(); store.free(); await engine.dispose();
  process.exit(0);
}
process.on('SIGTERM', shutdown); process.on('SIGINT', shutdown);
