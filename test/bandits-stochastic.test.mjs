// Context-free stochastic policies (src/bandits/stochastic.ts) against their JS references
// (test/helpers/reference-bandits.mjs) bit for bit, in every build (SIMD/scalar x 1/2 threads):
// decisions, propensities, scores and statistics over a seeded run with learning in batches, warm
// start, duplicate events, an arm removed and one added; and R copies decided in one call.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';
import { CONFIGS, lcg, same, serveRun } from './helpers/serve-bandits.mjs';
import { fnvRef, keyOf, learnStatsRef, ucb1Ref } from './helpers/reference-bandits.mjs';

/** The shared serving run (test/helpers/serve-bandits.mjs): addArm's prior leaves squares to the policy (= rewards). */
const serve = (cfg, make, ref, { K = 7, rounds = 200, warm } = {}) => serveRun(cfg, {
  make, ref, K, rounds, warm, prior: { pulls: 3, rewards: 2 }, priorState: { pulls: 3, rewards: 2, squares: 2 },
});

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
