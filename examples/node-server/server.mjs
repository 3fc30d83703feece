// A bandit policy served over plain node:http (no framework): a ServedPolicy (production rails:
// policyVersion, exploration floor, holdout) behind a DecisionLog (delayed rewards joined by eventId,
// TTL, late and duplicate rewards counted), shared through Redis by any number of processes when
// REDIS_URL is set, else held in this one process.
//
//   POST /decide  {"eventId": string, "context"?: number[]}
//       -> {"eventId", "arm", "propensity", "policyVersion", "group", "explored", "token"}
//      Pure: decided from this process's copy of the policy (nothing is written anywhere but the
//      process's decision log). The token names the process that logged the decision.
//   POST /reward  {"token": string, "reward": number}
//       -> {"joined": bool, "stored": bool, "batch": {joined, late, duplicates, unknown, learned, holdout}}
//      At any process: one that did not log the decision forwards the reward to the one that did
//      (PEERS). Rewards are batched (BATCH rewards or FLUSH_MS ms) into one log.rewards call; the
//      joined events of the 'policy' group are learned by this process's copy at once and sent to
//      Redis in one exactly-once store.learn (its dedupe window folds a resent eventId once). A reward
//      for an expired, dropped or already rewarded decision is counted (late / duplicates), never
//      learned twice. "stored": false (status 503) when Redis did not take the batch: the events stay
//      in this process's outbox and are resent with the next batch and on every refresh (safe: exactly
//      once); the client need not resend.
//   GET /stats -> {"count", "pulls"?, "log", "pending", "outbox"}: the events in the shared state (or
//      the local one), pulls of a context-free policy, the decision log's counters.
//
// Environment: PORT (0: a free port; the server prints "listening <port>"), REDIS_URL, KEY (Redis key
// prefix), POLICY ('ucb1' | 'linucb'), ARMS, DIM (LinUCB), SEED, POLICY_VERSION, FLOOR (exploration
// floor), HOLDOUT (fraction served arm 0, never learned), TTL_MS (a decision's time to live, default a
// day), DEFAULT_REWARD (learned when the TTL ends without a reward; unset: dropped), REFRESH_MS (how
// often the copy is replaced by the shared state, default 100), BATCH, FLUSH_MS, SERVER (this
// process's index in PEERS, default 0), PEERS (comma-separated base URLs of all processes, by index).
//
// What is where: decisions and the waiting log live in the process (a crash loses the decisions still
// waiting for a reward; their rewards are then counted as unknown by the process that restarts); the
// policy's statistics live in Redis (atomic, exactly once, the same bytes whatever the order writers
// arrive in); each process decides from a copy at most REFRESH_MS old plus its own rewards since.
import { createServer } from 'node:http';
import { init, bandits } from 'simdopt';

const env = process.env;
const num = (name, d) => {
  const v = env[name] === undefined || env[name] === '' ? d : Number(env[name]);
  if (!Number.isFinite(v)) throw new Error(`${name} must be a number, got ${JSON.stringify(env[name])}`);
  return v;
};
const POLICY = env.POLICY ?? 'ucb1';
if (POLICY !== 'ucb1' && POLICY !== 'linucb') throw new Error(`POLICY must be ucb1 or linucb, got ${JSON.stringify(POLICY)}`);
const PORT = num('PORT', 0), ARMS = num('ARMS', POLICY === 'linucb' ? 50 : 4), DIM = num('DIM', 64), SEED = num('SEED', 1);
const REFRESH_MS = num('REFRESH_MS', 100), BATCH = num('BATCH', 200), FLUSH_MS = num('FLUSH_MS', 20);
const TTL_MS = num('TTL_MS', 86_400_000), DEFAULT_REWARD = env.DEFAULT_REWARD === undefined ? null : num('DEFAULT_REWARD', 0);
const SERVER = num('SERVER', 0), PEERS = (env.PEERS ?? '').split(',').filter(Boolean);
if (PEERS.length && !(Number.isInteger(SERVER) && SERVER >= 0 && SERVER < PEERS.length)) throw new Error(`SERVER must index PEERS (${PEERS.length} URLs), got ${SERVER}`);

const engine = await init({ threads: 1 });
const create = POLICY === 'linucb'
  ? () => new bandits.LinUCB(engine, { arms: ARMS, dim: DIM, alpha: 0.5, seed: SEED })
  : () => new bandits.UCB1(engine, { arms: ARMS, seed: SEED });

let redis = null, store = null;
const policy = create(); // the one copy every decision reads; a refresh writes the shared state into it
if (env.REDIS_URL) {
  const { createClient } = await import('redis');
  redis = createClient({ url: env.REDIS_URL });
  redis.on('error', (e) => process.stderr.write(`redis: ${e.message}\n`));
  await redis.connect();
  store = new bandits.RedisStore(redis, { key: env.KEY ?? 'node-server:policy', create });
  await store.snapshot(policy);
}
const served = new bandits.ServedPolicy(policy, { policyVersion: env.POLICY_VERSION ?? `${POLICY}-1`, explorationFloor: num('FLOOR', 0), holdout: num('HOLDOUT', 0), seed: SEED + 1 });
const log = new bandits.DecisionLog(served, { ttl: TTL_MS, defaultReward: DEFAULT_REWARD, unknownRewards: 'count' });

// ---- the outbox: learned events not yet in Redis (resent until Redis takes them; exactly once there) ----
let outbox = [], sending = null;
const eventOf = (rec) => ({ eventId: rec.eventId, arm: rec.arm, reward: rec.reward, ...(POLICY === 'linucb' ? { context: rec.fields.context } : {}) });
function queueLearned(records) { for (const r of records) if (r.group !== 'holdout') outbox.push(eventOf(r)); }
/** Send the outbox to Redis (one store.learn); resolves true when everything queued before the call is stored. */
async function sendOutbox() {
  if (!store) { outbox = []; return true; }
  while (sending) await sending.catch(() => {});
  if (outbox.length === 0) return true;
  const batch = outbox; outbox = [];
  sending = store.learn(batch);
  try { await sending; return true; } catch (e) {
    outbox = batch.concat(outbox); // safe to resend: Redis folds each eventId once
    process.stderr.write(`store.learn: ${e.message}\n`);
    return false;
  } finally { sending = null; }
}

// ---- the refresh: the shared state written into the served copy ----
async function refresh() {
  if (!store) return;
  if (outbox.length) await sendOutbox();
  try { await store.snapshot(policy); } catch (e) { process.stderr.write(`refresh: ${e.message}\n`); }
}
const timers = [];
if (store) timers.push(setInterval(refresh, REFRESH_MS));
// the TTL: expired decisions learned with DEFAULT_REWARD or dropped
timers.push(setInterval(() => { const r = log.expire(); if (r.records.length) { queueLearned(r.records); sendOutbox(); } }, Math.max(10, Math.min(1000, TTL_MS / 4))));

// ---- reward batching: one log.rewards and one store.learn per batch ----
let queue = [], flushTimer = null;
async function flush() {
  clearTimeout(flushTimer); flushTimer = null;
  const batch = queue; queue = [];
  if (batch.length === 0) return;
  let r;
  try { r = log.rewards(batch.map((b) => ({ eventId: b.eventId, reward: b.reward }))); } catch (e) { for (const b of batch) b.reject(e); return; }
  queueLearned(r.records);
  const stored = await sendOutbox();
  const joined = new Set(r.records.filter((x) => x.outcome === 'joined').map((x) => x.eventId));
  const counts = { joined: r.joined, late: r.late, duplicates: r.duplicates, unknown: r.unknown, learned: r.learned, holdout: r.holdout };
  for (const b of batch) {
    const first = joined.delete(b.eventId); // the first reward of a joined id in this batch is the one joined
    b.resolve({ joined: first, stored, batch: counts });
  }
}
const rewardLater = (eventId, reward) => new Promise((resolve, reject) => {
  queue.push({ eventId, reward, resolve, reject });
  if (queue.length >= BATCH) flush(); else flushTimer ??= setTimeout(flush, FLUSH_MS);
});

// ---- HTTP ----
class HttpError extends Error { constructor(status, message) { super(message); this.status = status; } }
const body = (req) => new Promise((resolve, reject) => {
  let s = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { s += c; if (s.length > 1 << 20) { reject(new HttpError(413, 'body over 1 MiB')); req.destroy(); } });
  req.on('end', () => { try { resolve(JSON.parse(s)); } catch { reject(new HttpError(400, 'the body is not JSON')); } });
  req.on('error', reject);
});
const send = (res, code, obj) => { const b = JSON.stringify(obj); res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) }); res.end(b); };
const tokenOf = (eventId) => Buffer.from(JSON.stringify([SERVER, eventId])).toString('base64url');
function readToken(t) {
  let v;
  try { v = JSON.parse(Buffer.from(String(t), 'base64url').toString('utf8')); } catch { v = null; }
  if (!Array.isArray(v) || v.length !== 2 || !Number.isInteger(v[0]) || typeof v[1] !== 'string') throw new HttpError(400, 'token is not a decision token of this service');
  if (v[0] !== SERVER && !(v[0] >= 0 && v[0] < PEERS.length)) throw new HttpError(400, `token names process ${v[0]}, which PEERS does not list`);
  return { server: v[0], eventId: v[1] };
}

async function reward(req, q) {
  if (!q || typeof q !== 'object' || typeof q.reward !== 'number') throw new HttpError(400, 'the body must be {"token": string, "reward": number}');
  const t = readToken(q.token);
  if (t.server !== SERVER) {
    if (req.headers['x-forwarded-reward']) throw new HttpError(400, 'a forwarded reward names another process');
    const r = await fetch(new URL('/reward', PEERS[t.server]), { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-reward': '1' }, body: JSON.stringify({ token: q.token, reward: q.reward }) })
      .catch((e) => { throw new HttpError(503, `process ${t.server} (${PEERS[t.server]}) that logged the decision does not answer: ${e.message}; resend later`); });
    return { status: r.status, body: await r.json() };
  }
  const entry = log.get(t.eventId);
  // a bad reward is refused here, alone, not inside a shared batch (the policy's own event check)
  if (entry) policy.validateEvent({ eventId: entry.eventId, arm: entry.arm, reward: q.reward, ...(POLICY === 'linucb' ? { context: entry.fields.context } : {}) }, 'reward');
  const r = await rewardLater(t.eventId, q.reward);
  return { status: r.stored ? 200 : 503, body: r };
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/decide') {
      const q = await body(req);
      if (!q || typeof q !== 'object' || typeof q.eventId !== 'string') throw new HttpError(400, 'the body must be {"eventId": string, "context"?: number[]}');
      const d = log.decide(POLICY === 'linucb' ? { eventId: q.eventId, context: q.context } : { eventId: q.eventId });
      return send(res, 200, { eventId: d.eventId, arm: d.arm, propensity: d.propensity, policyVersion: d.policyVersion, group: d.group, explored: d.explored, token: tokenOf(d.eventId) });
    }
    if (req.method === 'POST' && req.url === '/reward') {
      const r = await reward(req, await body(req));
      return send(res, r.status, r.body);
    }
    if (req.method === 'GET' && req.url === '/stats') {
      const count = store ? (await store.read()).count : log.counts.learned;
      return send(res, 200, { count, ...(POLICY === 'linucb' ? {} : { pulls: Array.from(policy.stats().pulls) }), log: log.counts, pending: log.pending, outbox: outbox.length });
    }
    send(res, 404, { error: `no route ${req.method} ${req.url} (POST /decide, POST /reward, GET /stats)` });
  } catch (e) {
    // the library's typed errors: bad input is the caller's (400), a store that does not answer is 503
    const status = e instanceof HttpError ? e.status : e?.name === 'InvalidArgumentError' ? 400 : e?.name === 'StoreError' ? 503 : 500;
    send(res, status, { error: e?.name ?? 'Error', message: e?.message ?? String(e) });
  }
});
server.keepAliveTimeout = 10_000;
server.listen(PORT, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));

async function shutdown() {
  for (const t of timers) clearInterval(t);
  server.close();
  await flush();
  await sendOutbox();
  await redis?.quit().catch(() => {});
  served.free(); policy.free(); store?.free(); await engine.dispose();
  process.exit(0);
}
process.on('SIGTERM', shutdown); process.on('SIGINT', shutdown);
