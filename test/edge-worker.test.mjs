// Issue 10: examples/edge end to end in workerd (miniflare), deployed as a user deploys it (wrangler
// deploy --dry-run with the example's wrangler.toml: precompiled wasm modules, the PolicyDO class on
// SQLite-backed storage). 1,000 decisions with rewards that arrive 50 to 200 requests later (10% sent
// twice, 5% never), 8 requests in flight: the share of the best arm rises, every reward is learned
// exactly once, and the object's sums are exactly those of the unique rewarded events. Restarting
// workerd on the same storage keeps the state and the dedupe window. Seeded: the rewards and delays
// are fixed; which snapshot a decision reads depends on timing, so the share is checked with margins.
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEdge, startEdge } from './helpers/edge-worker.mjs';

const KEY = 'test-signing-key-0123456789';
const MEANS = [0.3, 0.5, 0.7];
let build;
beforeAll(async () => { build = await buildEdge(); }, 180000);
afterAll(() => build?.dispose());

function rng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const b64 = (b) => Buffer.from(b).toString('base64url');
/** A token as the Worker signs it (the test knows the key): for the late-reward check. */
const forge = (payload) => { const body = b64(JSON.stringify(payload)); return `${body}.${b64(createHmac('sha256', KEY).update(body).digest())}`; };

test('1,000 decisions with delayed rewards: the best arm takes over, each reward learned exactly once, sums exact', { timeout: 240000 }, async () => {
  const w = await startEdge(build.deploy, { vars: { REFRESH_MS: '20' } });
  try {
    const N = 1000, rand = rng(10);
    const plan = Array.from({ length: N }, () => ({ delay: 50 + Math.floor(rand() * 151), u: rand(), twice: rand() < 0.1, never: rand() < 0.05 }));
    const arms = new Array(N), versions = new Array(N), due = new Map(); // request index -> rewards to send then
    const sent = [], results = [];
    const learned = new Map(); // eventId -> [arm, reward]
    const sendReward = async (i, token, reward) => {
      const r = await w.call('POST', '/reward', { token, reward });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      results.push(r.body);
    };
    for (let i = 0; i < N + 210; i += 8) {
      const batch = [];
      for (let j = i; j < Math.min(i + 8, N); j++) {
        batch.push(w.call('POST', '/decide', { eventId: `ev-${j}` }).then((d) => {
          assert.equal(d.status, 200, JSON.stringify(d.body));
          assert.equal(d.body.eventId, `ev-${j}`);
          arms[j] = d.body.arm; versions[j] = d.body.policyVersion;
          const p = plan[j];
          if (p.never) return;
          const reward = p.u < MEANS[d.body.arm] ? 1 : 0;
          learned.set(`ev-${j}`, [d.body.arm, reward]);
          const at = j + p.delay;
          for (const k of p.twice ? [at, at + 5] : [at]) { if (!due.has(k)) due.set(k, []); due.get(k).push([j, d.body.token, reward]); }
        }));
      }
      await Promise.all(batch);
      const rewards = [];
      for (let k = i; k < i + 8; k++) for (const x of due.get(k) ?? []) { rewards.push(sendReward(...x)); sent.push(x[0]); }
      await Promise.all(rewards);
    }
    for (const [k, xs] of due) if (k >= N + 210) for (const x of xs) { await sendReward(...x); sent.push(x[0]); }
    const unique = learned.size;
    assert.equal(sent.length, unique + plan.filter((p, j) => p.twice && learned.has(`ev-${j}`)).length);
    assert.equal(results.reduce((s, r) => s + r.learned, 0), unique, 'every rewarded event learned once');
    assert.equal(results.reduce((s, r) => s + r.duplicates, 0), sent.length - unique, 'every resend counted as a duplicate');
    // the object's state: exactly the sums of the unique events (0/1 rewards: exact in f64)
    const st = await w.call('GET', '/stats?fresh');
    assert.equal(st.body.count, unique);
    const pulls = [0, 0, 0], sums = [0, 0, 0];
    for (const [a, r] of learned.values()) { pulls[a]++; sums[a] += r; }
    assert.deepEqual(st.body.pulls, pulls);
    assert.deepEqual(st.body.rewards, sums);
    // the share of the best arm moves to it
    const share = (lo, hi) => arms.slice(lo, hi).filter((a) => a === 2).length / (hi - lo);
    // no reward arrives before request 50: the first 50 decisions are the prior's (uniform draws)
    assert.ok(versions.slice(0, 48).every((v) => v === 0), 'the first decisions were served by the empty policy');
    const early = share(0, 48), late = share(N - 300, N);
    console.log(`best-arm share: first 48 decisions ${early.toFixed(3)}, last 300 ${late.toFixed(3)} (uniform 0.333)`);
    assert.ok(early < 0.5, `early best-arm share ${early}`);
        assert.ok(late >= 0.8, `late best-arm share ${late}`);
    assert.ok(late > early + 0.3, `share ${early} -> ${late}`);
    // a reward after the TTL is refused and not learned; a forged token is refused; a bad reward is refused
    const old = await w.call('POST', '/reward', { token: forge({ e: 'old', a: 2, p: 1, t: Date.now() - 86_400_001 }), reward: 1 });
    assert.equal(old.status, 410);
    // a MAC with one data bit changed (its first character: 6 data bits; the last has 4 data bits and 2
    // unused ones, which is why swapping 'A' and 'B' there was the same MAC 1 time in 16)
    const real = forge({ e: 'x', a: 2, p: 1, t: Date.now() }), dot = real.indexOf('.');
    const forged = await w.call('POST', '/reward', { token: `${real.slice(0, dot + 1)}${real[dot + 1] === 'A' ? 'B' : 'A'}${real.slice(dot + 2)}`, reward: 1 });
    assert.equal(forged.status, 401);
    // the same MAC spelled with an unused bit set (atob decodes it to the same bytes) and a token with a
    // third segment: one decision has one valid token string
    const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = `${real.slice(0, -1)}${ALPHA[ALPHA.indexOf(real.at(-1)) | 1]}`;
    assert.equal((await w.call('POST', '/reward', { token: respelled, reward: 1 })).status, 401);
    assert.equal((await w.call('POST', '/reward', { token: `${real}.x`, reward: 1 })).status, 401);
    const d = await w.call('POST', '/decide', { eventId: 'bad-reward' });
    const bad = await w.call('POST', '/reward', { token: d.body.token, reward: 2 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.name, 'InvalidArgumentError');
    assert.equal((await w.call('GET', '/stats?fresh')).body.count, unique, 'nothing learned by refused rewards');
  } finally { await w.dispose(); }
});

test('restart on the same storage: state and dedupe window survive, resent rewards count as duplicates', { timeout: 120000 }, async () => {
  const persist = mkdtempSync(join(tmpdir(), 'simdopt-edge-do-'));
  try {
    let w = await startEdge(build.deploy, { vars: { REFRESH_MS: '0' }, persist });
    const tokens = [];
    for (let i = 0; i < 40; i++) tokens.push((await w.call('POST', '/decide', { eventId: `r-${i}` })).body);
    for (const t of tokens.slice(0, 30)) assert.equal((await w.call('POST', '/reward', { token: t.token, reward: 1 })).body.learned, 1);
    const before = (await w.call('GET', '/stats?fresh')).body;
    await w.dispose(); // the isolate and the object go away mid-stream; the storage stays
    w = await startEdge(build.deploy, { vars: { REFRESH_MS: '0' }, persist });
    try {
      const after = (await w.call('GET', '/stats?fresh')).body;
      assert.deepEqual(after, before);
      let dup = 0, learned = 0;
      for (const t of tokens) { const r = (await w.call('POST', '/reward', { token: t.token, reward: 1 })).body; dup += r.duplicates; learned += r.learned; }
      assert.equal(dup, 30); assert.equal(learned, 10);
      assert.equal((await w.call('GET', '/stats?fresh')).body.count, 40);
    } finally { await w.dispose(); }
  } finally { rmSync(persist, { recursive: true, force: true }); }
});

test('LinUCB in the object (mode state): contexts travel in the token, learned in order, exactly once', { timeout: 120000 }, async () => {
  const w = await startEdge(build.deploy, { vars: { POLICY_KIND: 'LinUCB', ARMS: '4', DIM: '3', REFRESH_MS: '0' } });
  try {
    const rand = rng(3);
    let learned = 0;
    for (let i = 0; i < 60; i++) {
      const context = [1, rand(), rand()];
      const d = await w.call('POST', '/decide', { eventId: `l-${i}`, context });
      assert.equal(d.status, 200, JSON.stringify(d.body));
      const reward = context[1] * (d.body.arm === 3 ? 1 : 0.2);
      learned += (await w.call('POST', '/reward', { token: d.body.token, reward })).body.learned;
      if (i % 10 === 0) assert.equal((await w.call('POST', '/reward', { token: d.body.token, reward })).body.duplicates, 1);
    }
    assert.equal(learned, 60);
    // bursts with a refresh on every call: a request never finds its snapshot freed by another's refresh
    for (let r = 0; r < 3; r++) {
      const ds = await Promise.all(Array.from({ length: 16 }, (_, i) => w.call('POST', '/decide', { eventId: `burst-${r}-${i}`, context: [1, i / 16, 0.5] })));
      const rs = await Promise.all(ds.map((d) => w.call('POST', '/reward', { token: d.body.token, reward: 0.5 })));
      assert.deepEqual([...ds, ...rs].filter((x) => x.status !== 200).map((x) => x.body), []);
    }
    const st = (await w.call('GET', '/stats?fresh')).body;
    assert.equal(st.count, 60 + 48);
    const bad = await w.call('POST', '/decide', { eventId: 'short', context: [1, 2] });
    assert.equal(bad.status, 400);
  } finally { await w.dispose(); }
});
