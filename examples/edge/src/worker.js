// A bandit policy at the edge (Cloudflare Workers + one Durable Object per policy).
//
//   POST /decide  {"eventId"?: string, "context"?: number[]}
//              -> {"eventId", "arm", "propensity", "policyVersion", "token"}
//      Pure: the Worker decides from its snapshot of the policy (refreshed when older than
//      REFRESH_MS), seeded by the eventId, so the same eventId and snapshot give the same arm. The token
//      (HMAC-SHA256 with SIGNING_KEY) carries what learning needs later: eventId, arm, propensity,
//      context, time; the Worker keeps nothing between requests.
//   POST /reward  {"token": string, "reward": number}
//              -> {"learned", "duplicates", "seq", "count"}   (410 when older than TTL_MS, 401 on a bad token)
//      The Durable Object learns the event exactly once: a reward sent twice counts as a duplicate.
//   GET /stats    -> {"seq", "count", "pulls", "rewards"}   the snapshot this Worker serves (?fresh: the object's state now; per-arm sums of context-free policies)
import { init, bandits } from 'simdopt';

let enginePromise = null;
/** One engine per isolate (the wasm modules come precompiled with the deploy). */
const engine = () => (enginePromise ??= init({ threads: 1 }));

/** The served policy's constructor call, from the [vars] of wrangler.toml. */
function policyFactory(e, env) {
  const arms = Number(env.ARMS ?? 3), dim = Number(env.DIM ?? 0), seed = Number(env.SEED ?? 0);
  const kind = env.POLICY_KIND ?? 'BernoulliTS';
  const Policy = bandits[kind];
  if (typeof Policy !== 'function' || !(Policy.prototype instanceof bandits.Policy)) throw new Error(`POLICY_KIND ${JSON.stringify(kind)} is not a bandits policy`);
  return dim > 0 ? () => new Policy(e, { arms, dim, seed }) : () => new Policy(e, { arms, seed });
}

/** The Durable Object: one per policy, it holds the state and serialises the learns. */
export class PolicyDO {
  constructor(ctx, env) {
    this.ready = ctx.blockConcurrencyWhile(async () => {
      this.object = new bandits.PolicyObject(ctx.storage, { create: policyFactory(await engine(), env), window: 100_000 });
    });
  }
  async fetch(request) {
    await this.ready;
    return this.object.fetch(request);
  }
}

// ---- decision tokens: base64url(JSON payload) + "." + base64url(HMAC-SHA256(payload)) ----
const enc = new TextEncoder();
const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
let keyPromise = null;
function signingKey(env) {
  if (typeof env.SIGNING_KEY !== 'string' || env.SIGNING_KEY.length < 16) throw new HttpError(500, 'set the SIGNING_KEY secret (16 characters or more): npx wrangler secret put SIGNING_KEY');
  return (keyPromise ??= crypto.subtle.importKey('raw', enc.encode(env.SIGNING_KEY), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']));
}
async function sign(env, payload) {
  const body = b64(enc.encode(JSON.stringify(payload)));
  return `${body}.${b64(await crypto.subtle.sign('HMAC', await signingKey(env), enc.encode(body)))}`;
}
// atob ignores the low bits of a last character that are not data (a 32-byte MAC is 43 characters,
// the last carrying 4 data bits and 2 unused ones), so 'xxA' and 'xxB' decode to the same MAC: only
// the canonical spelling is accepted, and one signed decision has exactly one valid token string.
const MAC_B64 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
async function verify(env, token) {
  const [body, mac, rest] = typeof token === 'string' ? token.split('.') : [];
  let ok = false;
  try { ok = !!body && typeof mac === 'string' && rest === undefined && MAC_B64.test(mac) && (await crypto.subtle.verify('HMAC', await signingKey(env), unb64(mac), enc.encode(body))); } catch (e) { if (e instanceof HttpError) throw e; }
  if (!ok) throw new HttpError(401, 'the token is not one this Worker signed');
  return JSON.parse(new TextDecoder().decode(unb64(body)));
}

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}
const json = (value, status = 200) => Response.json(value, { status });

let store = null;
/** The Worker's view of the policy object: learns go to it, decisions read a snapshot. */
async function storeOf(env) {
  if (!store) {
    const e = await engine();
    const id = env.POLICY.idFromName(env.POLICY_NAME ?? 'default');
    // a stub belongs to the request that made it: the store asks for one per request to the object
    store = new bandits.DurableObjectStore(() => env.POLICY.get(id), { create: policyFactory(e, env), refreshMs: Number(env.REFRESH_MS ?? 1000) });
  }
  return store;
}

async function decide(request, env) {
  const body = await request.json().catch(() => ({}));
  const eventId = typeof body.eventId === 'string' ? body.eventId : crypto.randomUUID();
  const s = await storeOf(env);
  const policy = await s.policy();
  const req = body.context === undefined ? { eventId } : { eventId, context: body.context };
  const d = policy.decide(req);
  const payload = { e: eventId, a: d.arm, p: d.propensity, t: Date.now(), ...(body.context === undefined ? {} : { x: body.context }) };
  return json({ eventId, arm: d.arm, propensity: d.propensity, policyVersion: s.seq, token: await sign(env, payload) });
}

async function reward(request, env) {
  const body = await request.json().catch(() => null);
  if (!body || typeof body.reward !== 'number') throw new HttpError(400, 'the body must be {"token": string, "reward": number}');
  const t = await verify(env, body.token);
  const ttl = Number(env.TTL_MS ?? 86_400_000);
  if (Date.now() - t.t > ttl) throw new HttpError(410, `the decision ${t.e} is older than TTL_MS = ${ttl}: its reward is not learned`);
  const s = await storeOf(env);
  const fields = (await s.policy()).eventFields;
  const event = { eventId: t.e, arm: t.a, reward: body.reward };
  if (fields.includes('context')) event.context = t.x;
  if (fields.includes('propensity')) event.propensity = t.p;
  return json(await s.learn([event]));
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      if (request.method === 'POST' && pathname === '/decide') return await decide(request, env);
      if (request.method === 'POST' && pathname === '/reward') return await reward(request, env);
      if (request.method === 'GET' && pathname === '/stats') {
        const s = await storeOf(env);
        const p = new URL(request.url).searchParams.has('fresh') ? await s.refresh() : await s.policy();
        const stats = p.stats();
        return json({ seq: s.seq, count: s.count, pulls: stats.pulls ? Array.from(stats.pulls) : null, rewards: stats.rewards ? Array.from(stats.rewards) : null });
      }
      return json({ error: `no route ${request.method} ${pathname} (POST /decide, POST /reward, GET /stats)` }, 404);
    } catch (e) {
      // the library's typed errors: bad input is the caller's (400), a store that does not answer is 503
      const status = e instanceof HttpError ? e.status : e?.name === 'StoreError' ? 503 : e?.name === 'InvalidArgumentError' ? 400 : 500;
      return json({ error: e?.message ?? String(e), name: e?.name }, status);
    }
  },
};
