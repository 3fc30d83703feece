// Context-free stochastic policies (src/bandits/stochastic.ts) against their JS references
// (test/helpers/reference-bandits.mjs) bit for bit, in every build (SIMD/scalar x 1/2 threads):
// decisions, propensities, scores and statistics over a seeded run with learning in batches, warm
// start, duplicate events, an arm removed and one added; and R copies decided in one call.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';
import { fnvRef, keyOf, learnStatsRef, ucb1Ref } from './helpers/reference-bandits.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
/** Test-side reward source (an LCG: the test's own randomness, not the library's). */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

/**
 * A seeded serving run of `rounds` decisions through a policy and through `refDecide`: decisions
 * collected in batches of 1..4, learned with some eventIds repeated; arm 2 removed at round 60, an arm
 * added with a prior at round 120. Every decision is compared as it is made.
 */
async function serve(cfg, make, refDecide, { K = 7, rounds = 200, means, warm } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x), exp: (x) => e.exp(x) };
  const seed = 2 ** 40 + 12345;
  const p = make(e, { arms: K, seed, ...(warm ? { warmStart: warm } : {}) });
  const st = { pulls: new Float64Array(K), rewards: new Float64Array(K), squares: new Float64Array(K) };
  if (warm) { st.pulls.set(warm.pulls); st.rewards.set(warm.rewards); st.squares.set(warm.squares ?? warm.rewards); }
  const active = new Array(K).fill(true);
  const mu = means ?? Array.from({ length: 16 }, (_, k) => 0.1 + 0.05 * k);
  const rnd = lcg(99);
  const key = keyOf(seed);
  let pending = [];
  const seen = new Set();
  for (let t = 0; t < rounds; t++) {
    if (t === 60) { p.removeArm(2); active[2] = false; }
    if (t === 120) {
      assert.equal(p.addArm({ pulls: 3, rewards: 2 }), st.pulls.length);
      for (const [k, v] of [['pulls', 3], ['rewards', 2], ['squares', 2]]) { const a = new Float64Array(st[k].length + 1); a.set(st[k]); a[st[k].length] = v; st[k] = a; }
      active.push(true);
    }
    const id = `evt-${t}`;
    const d = p.decide({ eventId: id });
    const r = refDecide(st, active, key, fnvRef(id), M);
    assert.equal(d.arm, r.arm, `round ${t}: arm`);
    assert.ok(Object.is(d.propensity, r.propensity), `round ${t}: propensity ${d.propensity} vs ${r.propensity}`);
    same(d.scores, r.scores, `round ${t}: scores`);
    pending.push({ eventId: id, arm: d.arm, reward: rnd() < mu[d.arm] ? 1 : 0 });
    if (t % 7 === 3) pending.push({ ...pending[0] });               // a repeat within the batch
    if (pending.length >= 1 + (t % 4)) {
      const res = p.learn(pending);
      let learned = 0;
      for (const ev of pending) if (!seen.has(ev.eventId)) { seen.add(ev.eventId); learnStatsRef(st, ev.arm, ev.reward); learned++; }
      assert.deepEqual(res, { learned, duplicates: pending.length - learned });
      if (t % 5 === 0) assert.equal(p.learn(pending).learned, 0);       // replaying a batch learns nothing
      pending = [];
    }
  }
  const s = p.stats();
  for (const k of ['pulls', 'rewards', 'squares']) same(s[k], st[k], k);
  const saved = p.save();
  p.free();
  await e.dispose();
  return saved;
}

const ucb1 = (alpha) => [(e, o) => new bandits.UCB1(e, { ...o, alpha }), (st, act, key, h, M) => ucb1Ref(st, act, alpha, key, h, M)];

for (const cfg of CONFIGS) {
  test(`UCB1 equals its reference bit for bit over 200 served decisions (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    const [make, ref] = ucb1(0.7);
    const a = await serve(cfg, make, ref);
    const [make2, ref2] = ucb1(1);
    await serve(cfg, make2, ref2, { K: 4, warm: { pulls: [10, 0, 4, 2.5], rewards: [3, 0, 4, 1.25] } });
    return a;
  });
}

test('UCB1 state files are byte-identical across builds and thread counts', async () => {
  const [make, ref] = ucb1(0.7);
  const files = [];
  for (const cfg of CONFIGS) files.push(Buffer.from(await serve(cfg, make, ref)).toString('base64'));
  assert.equal(new Set(files).size, 1);
});

for (const cfg of CONFIGS) {
  test(`UCB1 decides for 33 copies in one call, each equal to its reference (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    const e = await init(cfg);
    await e.ready;
    const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x) };
    const R = 33, K = 5, seed = 3;
    const p = new bandits.UCB1(e, { arms: K, seed, copies: R, alpha: 0.5 });
    const refs = Array.from({ length: R }, () => ({ pulls: new Float64Array(K), rewards: new Float64Array(K), squares: new Float64Array(K) }));
    const act = new Array(K).fill(true), rnd = lcg(5), key = keyOf(seed);
    for (let t = 0; t < 60; t++) {
      const h = new Uint32Array(2 * R);
      for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
      const d = p.decideCopies(h);
      const copies = new Int32Array(R), arms = new Int32Array(R), rewards = new Float64Array(R);
      for (let r = 0; r < R; r++) {
        const want = ucb1Ref(refs[r], act, 0.5, key, [t, r], M);
        assert.equal(d.arms[r], want.arm, `t ${t} copy ${r}`);
        assert.ok(Object.is(d.propensities[r], want.propensity));
        same(d.scores.subarray(r * K, r * K + K), want.scores, `t ${t} copy ${r} scores`);
        copies[r] = r; arms[r] = want.arm; rewards[r] = rnd() < 0.2 * want.arm ? 1 : 0.5 * rnd();
      }
      p.learnCopies(copies, arms, rewards);
      for (let r = 0; r < R; r++) learnStatsRef(refs[r], arms[r], rewards[r]);
    }
    for (let r = 0; r < R; r++) same(p.stats(r).rewards, refs[r].rewards, `copy ${r}`);
    await e.dispose();
  });
}

test('UCB1 finds the best Bernoulli arm: pulls concentrate on it, regret grows like log t', async () => {
  const e = await init({ threads: 1 });
  const mu = [0.2, 0.5, 0.55, 0.8], K = mu.length, R = 20, T = 4000;
  const p = new bandits.UCB1(e, { arms: K, seed: 1, copies: R });
  const rnd = lcg(1234);
  const copies = Int32Array.from({ length: R }, (_, r) => r), rewards = new Float64Array(R), h = new Uint32Array(2 * R);
  let regretHalf = 0, regret = 0;
  for (let t = 0; t < T; t++) {
    for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
    const d = p.decideCopies(h);
    const arms = d.arms.slice();
    for (let r = 0; r < R; r++) { rewards[r] = rnd() < mu[arms[r]] ? 1 : 0; regret += 0.8 - mu[arms[r]]; }
    p.learnCopies(copies, arms, rewards);
    if (t === T / 2 - 1) regretHalf = regret;
  }
  let best = 0;
  for (let r = 0; r < R; r++) best += p.stats(r).pulls[3];
  assert.ok(best / (R * T) > 0.85, `best arm share ${best / (R * T)}`);
  // logarithmic, not linear: the second half adds much less than the first
  assert.ok(regret - regretHalf < 0.5 * regretHalf, `regret ${regretHalf / R} at T/2, ${regret / R} at T`);
  await e.dispose();
});
