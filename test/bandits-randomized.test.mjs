// Randomized context-free policies (src/bandits/randomized.ts, src/bandits/thompson.ts) against their
// f64-exact JS references (test/helpers/reference-bandits-randomized.mjs) bit for bit, in every build
// (SIMD/scalar x 1/2 threads): decisions, propensities, scores and statistics over a seeded serving run
// (batches, repeated eventIds, an arm removed, one added with a prior), R copies in one call, and
// save/load resuming the same decisions. The serve() loop follows test/bandits-stochastic.test.mjs.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, HyperparameterError, InvalidArgumentError } from '../dist/index.js';
import { CONFIGS, engineMath, lcg, same, serveRun } from './helpers/serve-bandits.mjs';
import { fnvRef, keyOf } from './helpers/reference-bandits.mjs';
import { egreedyRef, etcLearnRef, etcRef, softmaxRef, tsRef } from './helpers/reference-bandits-randomized.mjs';

const foldStats = (st, arm, r) => { st.pulls[arm] += 1; st.rewards[arm] += r; st.squares[arm] += r * r; };

/** Every policy under test: constructor, reference decide, reference learn, reward source, extra slots, prior of the added arm. */
const unit = (mu, rnd, t) => (t % 5 === 0 ? rnd() * (rnd() < mu ? 1 : 0.5) : rnd() < mu ? 1 : 0);   // mostly 0/1, some fractional
const real = (mu, rnd) => 4 * mu - 1 + 3 * (rnd() - 0.5);
const CASES = {
  EpsilonGreedy: { make: (e, o) => new bandits.EpsilonGreedy(e, { ...o, epsilon: 0.3 }), ref: (st, a, key, h) => egreedyRef(st, a, { eps: 0.3 }, key, h), reward: real },
  EpsilonDecreasing: { make: (e, o) => new bandits.EpsilonDecreasing(e, { ...o, c: 0.7, d: 0.3 }), ref: (st, a, key, h) => egreedyRef(st, a, { decay: { c: 0.7, d: 0.3 } }, key, h), reward: real },
  Softmax: { make: (e, o) => new bandits.Softmax(e, { ...o, temperature: 0.4 }), ref: (st, a, key, h, M) => softmaxRef(st, a, 0.4, key, h, M), reward: real },
  ExploreThenCommit: {
    make: (e, o) => new bandits.ExploreThenCommit(e, { ...o, pullsPerArm: 6 }), ref: (st, a, key, h) => etcRef(st, a, 6, key, h),
    learn: (st, arm, r) => etcLearnRef(st, arm, r, 6), reward: real, slots: ['first'], prior: { first: 2 },
  },
  BernoulliTS: {
    make: (e, o) => new bandits.BernoulliTS(e, { ...o, alpha: 0.5, beta: 2, propensityDraws: 6 }),
    ref: (st, a, key, h, M) => tsRef(st, a, { kind: 'beta', a: 0.5, b: 2 }, 6, key, h, M), reward: unit,
  },
  GaussianTS: {
    make: (e, o) => new bandits.GaussianTS(e, { ...o, priorMean: 0.5, priorCount: 0.3, priorShape: 0.8, priorRate: 2, propensityDraws: 6 }),
    ref: (st, a, key, h, M) => tsRef(st, a, { kind: 'gauss', mu0: 0.5, kap0: 0.3, al0: 0.8, be0: 2 }, 6, key, h, M), reward: real,
  },
};
const fresh = (c, K) => {
  const st = { pulls: new Float64Array(K), rewards: new Float64Array(K), squares: new Float64Array(K) };
  for (const s of c.slots ?? []) st[s] = new Float64Array(K);
  return st;
};

/** The shared serving run (test/helpers/serve-bandits.mjs) as base64 of the saved state. */
const serve = async (cfg, c, { K = 7, rounds = 160 } = {}) => Buffer.from(await serveRun(cfg, {
  make: c.make, ref: c.ref, learn: c.learn ?? foldStats, slots: c.slots, K, rounds, removeAt: 50, addAt: 100,
  reward: c.reward, prior: { pulls: 3, rewards: 2, squares: 2, ...c.prior }, reload: 5,
})).toString('base64');

for (const [name, c] of Object.entries(CASES)) {
  test(`${name} equals its reference bit for bit in every build; state files byte-identical`, async () => {
    const files = [];
    for (const cfg of CONFIGS) files.push(await serve(cfg, c));
    assert.equal(new Set(files).size, 1);
  });

  test(`${name} decides for 13 copies in one call, each equal to its reference (4 builds)`, async () => {
    for (const cfg of CONFIGS) {
      const e = await init(cfg);
      await e.ready;
      const M = engineMath(e), R = 13, K = 5, seed = 3, key = keyOf(seed);
      const p = c.make(e, { arms: K, seed, copies: R });
      const refs = Array.from({ length: R }, () => fresh(c, K));
      const act = new Array(K).fill(true), rnd = lcg(5), learn = c.learn ?? foldStats;
      for (let t = 0; t < 25; t++) {
        const h = new Uint32Array(2 * R);
        for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
        const d = p.decideCopies(h);
        const copies = new Int32Array(R), arms = new Int32Array(R), rewards = new Float64Array(R);
        for (let r = 0; r < R; r++) {
          const want = c.ref(refs[r], act, key, [t, r], M);
          assert.equal(d.arms[r], want.arm, `t ${t} copy ${r}`);
          assert.ok(Object.is(d.propensities[r], want.propensity));
          same(d.scores.subarray(r * K, r * K + K), want.scores, `t ${t} copy ${r} scores`);
          copies[r] = r; arms[r] = want.arm; rewards[r] = c.reward(0.2 * want.arm, rnd, t);
        }
        p.learnCopies(copies, arms, rewards);
        for (let r = 0; r < R; r++) learn(refs[r], arms[r], rewards[r]);
      }
      for (let r = 0; r < R; r++) same(p.stats(r).rewards, refs[r].rewards, `copy ${r}`);
      await e.dispose();
    }
  });
}

test('epsilon-greedy propensities are exact: they sum to 1 over the arms and match the frequencies over many eventIds', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.EpsilonGreedy(e, { arms: 4, seed: 9, epsilon: 0.2, warmStart: { pulls: [2, 2, 2, 2], rewards: [1, 1, 0.5, 0] } });
  // arms 0 and 1 tie for the greedy choice: 0.05 + 0.4 each, 0.05 for arms 2 and 3
  const want = [0.45, 0.45, 0.05, 0.05], count = [0, 0, 0, 0], N = 40000;
  for (let i = 0; i < N; i++) {
    const d = p.decide({ eventId: `q${i}` });
    count[d.arm]++;
    assert.ok(Math.abs(d.propensity - want[d.arm]) < 1e-15, `propensity ${d.propensity}`);
  }
  // binomial: 5 standard deviations
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(count[k] / N - want[k]) < 5 * Math.sqrt(want[k] * (1 - want[k]) / N), `arm ${k}: ${count[k] / N}`);
  await e.dispose();
});

test('softmax propensities equal the closed form and the frequencies; large and tiny temperatures stay finite', async () => {
  const e = await init({ threads: 1 });
  const means = [0.2, 0.5, 0.9], tau = 0.25;
  const p = new bandits.Softmax(e, { arms: 3, seed: 1, temperature: tau, warmStart: { pulls: [10, 10, 10], rewards: means.map((m) => 10 * m) } });
  const w = means.map((m) => Math.exp(m / tau)), S = w.reduce((a, b) => a + b), want = w.map((x) => x / S);
  const count = [0, 0, 0], N = 30000;
  for (let i = 0; i < N; i++) {
    const d = p.decide({ eventId: `s${i}` });
    count[d.arm]++;
    assert.ok(Math.abs(d.propensity - want[d.arm]) < 1e-14);
  }
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(count[k] / N - want[k]) < 5 * Math.sqrt(want[k] * (1 - want[k]) / N), `arm ${k}`);
  for (const temperature of [1e-12, 1e12]) {
    const q = new bandits.Softmax(e, { arms: 3, temperature, warmStart: { pulls: [1, 1, 1], rewards: [1e150, -1e150, 0] } });
    const d = q.decide({ eventId: 'x' });
    assert.ok(d.scores.every(Number.isFinite) && Math.abs(d.scores.reduce((a, b) => a + b) - 1) < 1e-12);
    q.free();
  }
  await e.dispose();
});

test('explore-then-commit explores each arm m times, then commits for good (propensity 1) to the best first-m mean', async () => {
  const e = await init({ threads: 1 });
  const m = 3, K = 4;
  const p = new bandits.ExploreThenCommit(e, { arms: K, seed: 4, pullsPerArm: m });
  const rw = [0.1, 0.8, 0.3, 0.5];
  for (let t = 0; t < m * K; t++) {
    const d = p.decide({ eventId: `x${t}` });
    assert.ok(p.stats().pulls[d.arm] < m);
    p.learn([{ eventId: `x${t}`, arm: d.arm, reward: rw[d.arm] }]);
  }
  assert.deepEqual([...p.stats().pulls], [m, m, m, m]);
  for (let t = 0; t < 20; t++) {
    const d = p.decide({ eventId: `y${t}` });
    assert.deepEqual([d.arm, d.propensity], [1, 1]);
    p.learn([{ eventId: `y${t}`, arm: 1, reward: 0 }]);          // bad luck after committing changes nothing
  }
  assert.equal(p.stats().first[1], 3 * 0.8);
  await e.dispose();
});

test('option and reward checks: typed errors, nothing changes', async () => {
  const e = await init({ threads: 1 });
  for (const [C, o] of [[bandits.EpsilonGreedy, { epsilon: 1.5 }], [bandits.EpsilonDecreasing, { d: 0 }], [bandits.Softmax, { temperature: 0 }],
    [bandits.ExploreThenCommit, { pullsPerArm: 0 }], [bandits.BernoulliTS, { alpha: -1 }], [bandits.GaussianTS, { priorRate: 0 }],
    [bandits.BernoulliTS, { propensityDraws: 4097 }], [bandits.EpsilonGreedy, { epsilon: 0.1, c: 1 }]]) {
    assert.throws(() => new C(e, { arms: 2, ...o }), HyperparameterError);
  }
  const b = new bandits.BernoulliTS(e, { arms: 2 });
  assert.throws(() => b.learn([{ eventId: 'a', arm: 0, reward: 1.5 }]), InvalidArgumentError);
  const g = new bandits.GaussianTS(e, { arms: 2 });
  g.learn([{ eventId: 'a', arm: 0, reward: -7.25 }]);
  assert.throws(() => g.learn([{ eventId: 'b', arm: 0, reward: 1e200 }]), InvalidArgumentError);
  assert.deepEqual([...g.stats().rewards], [-7.25, 0]);
  assert.throws(() => new bandits.GaussianTS(e, { arms: 2, warmStart: { pulls: [0, 1], rewards: [1, 1] } }), HyperparameterError);
  await e.dispose();
});
