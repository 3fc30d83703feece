// The index policies of src/bandits/index-policies.ts (UCB-V, MOSS, MOSS-anytime, KL-UCB for four
// reward families, IMED, Bayes-UCB) against their JS references (test/helpers/reference-index-policies.mjs) bit
// for bit, in every build (SIMD/scalar x 1/2 threads): decisions, propensities, scores and statistics
// over a seeded serving run with learning in batches, warm start, duplicate events, an arm removed
// and one added; R copies decided in one call; the KL inversion's defining property; reward models.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, HyperparameterError, InvalidArgumentError, StateError } from '../dist/index.js';
import { CONFIGS, lcg, same, serveRun } from './helpers/serve-bandits.mjs';
import { fnvRef, keyOf, learnStatsRef } from './helpers/reference-bandits.mjs';
import { bayesUcbRef, betaUpperRef, imedRef, klucbRef, klUpperRef, mossRef, ucbvRef } from './helpers/reference-index-policies.mjs';
import { readFileSync } from 'node:fs';

/** Test-side reward draws per model (mean mu), from uniforms only. */
const DRAW = {
  bernoulli: (mu, u) => (u() < mu ? 1 : 0),
  unit: (mu, u) => (u() < mu ? 1 : 0.25 * u()),                                       // non-binary rewards in [0, 1]
  gaussian: (mu, u) => mu * 4 - 2 + (u() + u() + u() - 1.5) * 2,                       // finite reals of both signs
  poisson: (mu, u) => { let n = 0, p = u(); const l = 3 * mu; let c = Math.exp(-l), s = c; while (p > s && n < 50) { n++; c *= l / n; s += c; } return n; },
  exponential: (mu, u) => -(0.5 + 2 * mu) * Math.log(1 - u() * 0.999999),
};

/** The shared serving run (test/helpers/serve-bandits.mjs), loaded back at the end. */
const serve = (cfg, make, ref, { K = 7, rounds = 200, draw = DRAW.bernoulli, warm } = {}) => serveRun(cfg, { make, ref, K, rounds, warm, reward: draw, reload: 1 });

const CASES = [
  ['UCBV', { zeta: 1.2, c: 1 }, ucbvRef, DRAW.unit],
  ['UCBV', { zeta: 1, c: 0.5 }, ucbvRef, DRAW.bernoulli],
  ['MOSS', { horizon: 500 }, mossRef, DRAW.unit],
  ['MOSSAnytime', {}, (st, a, o, k, h, M) => mossRef(st, a, { ...o, anytime: true }, k, h, M), DRAW.bernoulli],
  ['MOSSAnytime', { alpha: 2 }, (st, a, o, k, h, M) => mossRef(st, a, { ...o, anytime: true }, k, h, M), DRAW.unit],
  ['KLUCB', {}, klucbRef, DRAW.bernoulli],
  ['KLUCB', { c: 3 }, klucbRef, DRAW.unit],
  ['KLUCB', { family: 'gaussian', variance: 0.7 }, klucbRef, DRAW.gaussian],
  ['KLUCB', { family: 'poisson' }, klucbRef, DRAW.poisson],
  ['KLUCB', { family: 'poisson', c: 1 }, klucbRef, DRAW.unit],
  ['KLUCB', { family: 'exponential' }, klucbRef, DRAW.exponential],
  ['IMED', {}, imedRef, DRAW.bernoulli],
  ['IMED', {}, imedRef, DRAW.unit],
  ['BayesUCB', {}, bayesUcbRef, DRAW.bernoulli],
  ['BayesUCB', { c: 2, horizon: 1000 }, bayesUcbRef, DRAW.unit],
];

for (const cfg of CONFIGS) {
  test(`index policies equal their references bit for bit over 200 served decisions (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    for (const [name, o, ref, draw] of CASES) {
      const refO = (st, a, k, h, M) => ref(st, a, o, k, h, M);
      await serve(cfg, (e, c) => new bandits[name](e, { ...c, ...o }), refO, { draw });
      const warm = draw === DRAW.gaussian ? { pulls: [10, 0, 4, 2.5], rewards: [-3, 0, 4, 1.25], squares: [9, 0, 5, 1] }
        : draw === DRAW.poisson ? { pulls: [10, 0, 4, 2.5], rewards: [30, 0, 4, 1.25], squares: [90, 0, 5, 1] }
          : draw === DRAW.exponential ? { pulls: [10, 0, 4, 2.5], rewards: [3, 0, 4, 1.25], squares: [2, 0, 5, 1] }
            : o.family && o.family !== 'bernoulli' ? { pulls: [10, 0, 4, 2.5], rewards: [3, 0, 4, 1.25], squares: [2, 0, 4, 1] }
              : { pulls: [10, 0, 4, 2.5], rewards: [3, 0, 4, 1.25] };
      await serve(cfg, (e, c) => new bandits[name](e, { ...c, ...o }), refO, { K: 4, warm, draw });
    }
  });
}

test('index policy state files are byte-identical across builds and thread counts', async () => {
  for (const [name, o, ref, draw] of [CASES[0], CASES[2], CASES[6], CASES[10], CASES[11], CASES[13]]) {
    const files = [];
    for (const cfg of CONFIGS) files.push(Buffer.from(await serve(cfg, (e, c) => new bandits[name](e, { ...c, ...o }), (st, a, k, h, M) => ref(st, a, o, k, h, M), { draw })).toString('base64'));
    assert.equal(new Set(files).size, 1, name);
  }
});

for (const cfg of CONFIGS) {
  test(`index policies decide for 33 copies in one call, each equal to its reference (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    const e = await init(cfg);
    await e.ready;
    const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
    for (const [name, o, ref, draw] of [CASES[0], CASES[2], CASES[3], CASES[6], CASES[7], CASES[11], CASES[13], CASES[14]]) {
      const R = 33, K = 5, seed = 3;
      const p = new bandits[name](e, { arms: K, seed, copies: R, ...o });
      const refs = Array.from({ length: R }, () => ({ pulls: new Float64Array(K), rewards: new Float64Array(K), squares: new Float64Array(K) }));
      const act = new Array(K).fill(true), rnd = lcg(5), key = keyOf(seed);
      for (let t = 0; t < 40; t++) {
        const h = new Uint32Array(2 * R);
        for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
        const d = p.decideCopies(h);
        const copies = new Int32Array(R), arms = new Int32Array(R), rewards = new Float64Array(R);
        for (let r = 0; r < R; r++) {
          const want = ref(refs[r], act, o, key, [t, r], M);
          assert.equal(d.arms[r], want.arm, `${name} t ${t} copy ${r}`);
          assert.ok(Object.is(d.propensities[r], want.propensity));
          same(d.scores.subarray(r * K, r * K + K), want.scores, `${name} t ${t} copy ${r} scores`);
          copies[r] = r; arms[r] = want.arm; rewards[r] = draw(0.2 * want.arm, rnd);
        }
        p.learnCopies(copies, arms, rewards);
        for (let r = 0; r < R; r++) learnStatsRef(refs[r], arms[r], rewards[r]);
      }
      for (let r = 0; r < R; r++) same(p.stats(r).rewards, refs[r].rewards, `${name} copy ${r}`);
      p.free();
    }
    await e.dispose();
  });
}

test('the KL-UCB inversion: u is an upper bound of max{q : kl(p, q) <= d} up to rounding, within 1e-12 of the gap u − p, over a grid of p and d', async () => {
  const e = await init({ threads: 1 });
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
  // the divergences evaluated test-side with the host's log1p (accurate near q = p; independent of the kernels' forms)
  const kl = {
    bernoulli: (p, q) => (p > 0 ? p * Math.log1p((p - q) / q) : 0) + (q < 1 ? (1 - p) * Math.log1p((q - p) / (1 - q)) : Infinity),
    poisson: (p, q) => (p > 0 ? (q - p) + p * Math.log1p((p - q) / q) : q),
    exponential: (p, q) => { const r1 = (p - q) / q; return r1 > -0.5 ? r1 - Math.log1p(r1) : p / q - 1 - Math.log(p / q); },
  };
  const ps = { bernoulli: [1e-9, 0.01, 0.1, 0.3, 0.5, 0.77, 0.9, 0.99, 1 - 1e-9], poisson: [0, 1e-6, 0.2, 1, 7.5, 300], exponential: [1e-6, 0.2, 1, 7.5, 300] };
  const ds = [1e-8, 1e-4, 0.01, 0.1, 0.7, 2, 10, 60];
  for (const fam of Object.keys(kl)) {
    for (const p of ps[fam]) {
      for (const d of ds) {
        const u = klUpperRef(fam, p, d, 1, M);
        assert.ok(u >= p, `${fam} p ${p} d ${d}: u ${u} < p`);
        if (fam === 'bernoulli' && u === 1) { assert.ok(kl.bernoulli(p, 1 - 1e-15) <= d * (1 + 1e-9) || p === 1, `${fam} p ${p} d ${d}: u = 1 too early`); continue; }
        // u is an upper bound of the root up to rounding and within 1e-12 of the gap u − p of it:
        // kl(p, u + 4 ulp) >= d >= kl(p, u − max(1e-12 (u − p), 4 ulp))
        const ulp2 = 9e-16 * u, down = Math.max(1e-12 * (u - p), ulp2);
        assert.ok(kl[fam](p, u + ulp2) >= d * (1 - 1e-15), `${fam} p ${p} d ${d}: kl(p, u = ${u} + 4 ulp) = ${kl[fam](p, u + ulp2)} < d`);
        assert.ok(kl[fam](p, u - down) <= d, `${fam} p ${p} d ${d}: kl(p, u − ${down}) = ${kl[fam](p, u - down)} > d`);
      }
    }
  }
  // p = 0: the closed form 1 − e^−d (against the host's expm1, test-side)
  for (const d of ds) { const u = klUpperRef('bernoulli', 0, d, 1, M); assert.ok(Math.abs(u + Math.expm1(-d)) <= 2e-16 * u, `bernoulli p 0 d ${d}: ${u}`); }
  // the closed form and the limits
  assert.equal(klUpperRef('gaussian', 0.5, 2, 0.25, M), 0.5 + Math.sqrt(1));
  assert.equal(klUpperRef('bernoulli', 1, 3, 1, M), 1);
  assert.equal(klUpperRef('poisson', 0, 3, 1, M), 3);
  // the policy's scores are the reference's (one arm pulled twice, another once, t = 3)
  const p = new bandits.KLUCB(e, { arms: 2, family: 'poisson' });
  p.learn([{ eventId: 'a', arm: 0, reward: 2 }, { eventId: 'b', arm: 0, reward: 5 }, { eventId: 'c', arm: 1, reward: 0 }]);
  const s = p.decide({ eventId: 'x' }).scores;
  assert.ok(Object.is(s[0], klUpperRef('poisson', 3.5, M.log(3) / 2, 1, M)) && Object.is(s[1], M.log(3)));
  await e.dispose();
});

test('the Bayes-UCB quantile agrees with SciPy\'s beta.isf to 1e-10 relative (to min(x, 1 − x)) + 2 ulp over 420 posteriors and levels (test/fixtures/beta-quantiles.json)', async () => {
  const e = await init({ threads: 1 });
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
  const { rows } = JSON.parse(readFileSync(new URL('./fixtures/beta-quantiles.json', import.meta.url), 'utf8'));
  assert.equal(rows.length, 420);
  for (const [a, b, delta, want] of rows) {
    const got = betaUpperRef(a, b, delta, M);
    assert.ok(got === want || Math.abs(got - want) <= 1e-10 * Math.min(want, 1 - want) + 2.3e-16, `Beta(${a}, ${b}) 1 − ${delta} quantile: ${got} vs SciPy ${want}`);
  }
  // the policy's scores are these quantiles: arm 0 with 3 of 4, arm 1 never pulled (its prior's quantile), t = 4
  const p = new bandits.BayesUCB(e, { arms: 2, warmStart: { pulls: [4, 0], rewards: [3, 0] } });
  const s = p.decide({ eventId: 'x' }).scores;
  assert.ok(Object.is(s[0], betaUpperRef(4, 2, 1 / 5, M)) && Object.is(s[1], betaUpperRef(1, 1, 1 / 5, M)));
  assert.ok(Math.abs(s[1] - 0.8) < 1e-15, `prior quantile ${s[1]}`);
  p.free();
  assert.throws(() => new bandits.BayesUCB(e, { arms: 2, c: 1 }), HyperparameterError);
  assert.throws(() => new bandits.BayesUCB(e, { arms: 2, horizon: 100 }), HyperparameterError);
  assert.throws(() => new bandits.BayesUCB(e, { arms: 2, c: 1, horizon: 1 }), HyperparameterError);
  assert.deepEqual(new bandits.BayesUCB(e, { arms: 2 }).options, { c: 0, seed: 0, dedupWindow: 4096 });
  assert.deepEqual(new bandits.BayesUCB(e, { arms: 2, c: 5, horizon: 1e4 }).options, { c: 5, horizon: 1e4, seed: 0, dedupWindow: 4096 });
  await e.dispose();
});

test('reward models and states are checked per family; options are checked', async () => {
  const e = await init({ threads: 1 });
  const bad = [
    [{ family: 'bernoulli' }, [1.5, -0.1]], [{}, [2]], [{ family: 'poisson' }, [-1, 1e101]],
    [{ family: 'exponential' }, [0, -2, 1e101]], [{ family: 'gaussian' }, [1e101, -1e101]],
  ];
  for (const [o, rewards] of bad) {
    const p = new bandits.KLUCB(e, { arms: 2, ...o });
    for (const reward of rewards) assert.throws(() => p.learn([{ eventId: 'x', arm: 0, reward }]), InvalidArgumentError, `${JSON.stringify(o)} ${reward}`);
    assert.equal(p.stats().pulls[0], 0);
    p.free();
  }
  const ok = [[{ family: 'gaussian' }, [-3, 1e100, 0]], [{ family: 'poisson' }, [0, 2, 0.5]], [{ family: 'exponential' }, [1e-300, 4]]];
  for (const [o, rewards] of ok) {
    const p = new bandits.KLUCB(e, { arms: 2, ...o });
    p.learn(rewards.map((reward, i) => ({ eventId: `e${i}`, arm: 0, reward })));
    const q = bandits.load(e, p.save());
    assert.deepEqual(q.stats(), p.stats());
    q.free(); p.free();
  }
  for (const C of [bandits.UCBV, bandits.MOSSAnytime, bandits.IMED, bandits.BayesUCB]) {
    const p = new C(e, { arms: 2 });
    assert.throws(() => p.learn([{ eventId: 'x', arm: 0, reward: 1.01 }]), InvalidArgumentError);
    p.free();
  }
  assert.throws(() => new bandits.KLUCB(e, { arms: 2, variance: 2 }), HyperparameterError);
  assert.throws(() => new bandits.KLUCB(e, { arms: 2, family: 'poisson', variance: 2 }), HyperparameterError);
  assert.throws(() => new bandits.KLUCB(e, { arms: 2, family: 'gamma' }), HyperparameterError);
  assert.throws(() => new bandits.KLUCB(e, { arms: 2, family: 'gaussian', variance: 0 }), HyperparameterError);
  assert.throws(() => new bandits.MOSS(e, { arms: 2 }), HyperparameterError);
  assert.throws(() => new bandits.MOSS(e, { arms: 2, horizon: 10.5 }), HyperparameterError);
  assert.throws(() => new bandits.UCBV(e, { arms: 2, zeta: -1 }), HyperparameterError);
  assert.throws(() => new bandits.IMED(e, { arms: 2, alpha: 1 }), HyperparameterError);
  // the defaults, as saved
  assert.deepEqual(new bandits.UCBV(e, { arms: 2 }).options, { zeta: 1.2, c: 1, seed: 0, dedupWindow: 4096 });
  assert.deepEqual(new bandits.KLUCB(e, { arms: 2 }).options, { family: 'bernoulli', c: 0, seed: 0, dedupWindow: 4096 });
  assert.deepEqual(new bandits.KLUCB(e, { arms: 2, family: 'gaussian' }).options, { family: 'gaussian', variance: 1, c: 0, seed: 0, dedupWindow: 4096 });
  assert.deepEqual(new bandits.MOSSAnytime(e, { arms: 2 }).options, { alpha: 1.35, seed: 0, dedupWindow: 4096 });
  // per-family state checks on warm starts (HyperparameterError) and on loaded states (StateError)
  assert.throws(() => new bandits.KLUCB(e, { arms: 1, family: 'exponential', warmStart: { pulls: [2], rewards: [0], squares: [0] } }), HyperparameterError);
  assert.throws(() => new bandits.KLUCB(e, { arms: 1, family: 'poisson', warmStart: { pulls: [2], rewards: [-1], squares: [1] } }), HyperparameterError);
  assert.throws(() => new bandits.KLUCB(e, { arms: 1, family: 'gaussian', warmStart: { pulls: [0], rewards: [1], squares: [1] } }), HyperparameterError);
  assert.throws(() => new bandits.KLUCB(e, { arms: 1, family: 'gaussian', warmStart: { pulls: [1], rewards: [1] } }), HyperparameterError);
  const g = new bandits.KLUCB(e, { arms: 1, family: 'gaussian', warmStart: { pulls: [2], rewards: [-1], squares: [3] } });
  assert.throws(() => bandits.load(e, g.save().slice(0, 100)), StateError);
  g.free();
  await e.dispose();
});
