// Off-policy evaluation (bandits.offPolicy, src/bandits/ope.ts): every estimator and both intervals
// against the f64-exact JS reference (test/helpers/reference-ope.mjs) bit for bit in all four builds
// (SIMD/scalar × 1/2 threads); validation on simulated logs of the library's own policies where the
// target's true value is known by running it (coverage of the intervals over 200 seeded trials); the
// shadow-policy route from a DecisionLog; bad input.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, HyperparameterError } from '../dist/index.js';
import { opeRef, NAMES } from './helpers/reference-ope.mjs';
import { CONFIGS, lcg, engineMath } from './helpers/serve-bandits.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());

/** Random logged data: n samples, K arms, target rows positive, rewards in [-1, 1]. */
function randomData(n, K, seed, perSampleModel) {
  const rnd = lcg(seed);
  const arms = [], propensities = [], rewards = [], target = [], model = [];
  for (let i = 0; i < n; i++) {
    arms.push(Math.floor(rnd() * K)); propensities.push(0.05 + 0.95 * rnd()); rewards.push(2 * rnd() - 1);
    const row = Array.from({ length: K }, () => 0.01 + rnd()), z = row.reduce((a, b) => a + b);
    target.push(...row.map((x) => x / z));
    if (perSampleModel) for (let k = 0; k < K; k++) model.push(rnd() - 0.5);
  }
  return { arms, propensities, rewards, target, ...(perSampleModel ? { rewardModel: model } : {}) };
}
const exact = (a, b, what) => {
  assert.equal(a.n, b.n);
  assert.ok(Object.is(a.maxWeight, b.maxWeight), `${what} maxWeight`);
  assert.ok(Object.is(a.effectiveSampleSize, b.effectiveSampleSize), `${what} ess`);
  for (const k of NAMES) {
    const x = a.estimates[k], y = b.estimates[k];
    for (const f of ['value', 'stdError']) assert.ok(Object.is(x[f], y[f]), `${what} ${k}.${f}: ${x[f]} vs ${y[f]}`);
    for (const f of ['bootstrap', 'bernstein']) {
      if (y[f] === null) { assert.equal(x[f], null); continue; }
      assert.ok(Object.is(x[f][0], y[f][0]) && Object.is(x[f][1], y[f][1]), `${what} ${k}.${f}: ${x[f]} vs ${y[f]}`);
    }
  }
};

for (const cfg of CONFIGS) {
  test(`estimates and intervals equal the f64 reference bit for bit (${JSON.stringify(cfg)})`, async () => {
    const en = await init(cfg);
    await en.ready;
    try {
      const M = engineMath(en);
      for (const [n, K, model, o] of [[301, 4, false, {}], [257, 3, true, { clip: 2, switchTau: 1.5, level: 0.9 }], [64, 1, false, { bootstrap: 0 }], [500, 6, true, { seed: 2 ** 40 + 3, bootstrap: 37 }]]) {
        const data = randomData(n, K, n + K, model);
        const opts = { arms: K, bootstrap: 60, ...o };
        exact(bandits.offPolicy(en, data, opts), opeRef(data, opts, M), `n=${n} K=${K}`);
      }
    } finally { await en.dispose(); }
  });
}

test('typed arrays and plain arrays give the same result; a shared model row equals the same row repeated', () => {
  const data = randomData(200, 3, 5, false);
  const a = bandits.offPolicy(e, data, { arms: 3, bootstrap: 20 });
  const b = bandits.offPolicy(e, { arms: Int32Array.from(data.arms), propensities: Float64Array.from(data.propensities), rewards: Float64Array.from(data.rewards), target: Float64Array.from(data.target) }, { arms: 3, bootstrap: 20 });
  exact(a, b, 'typed');
  const row = [0.1, -0.3, 0.7];
  const c = bandits.offPolicy(e, { ...data, rewardModel: row }, { arms: 3, bootstrap: 20 });
  const d = bandits.offPolicy(e, { ...data, rewardModel: Array.from({ length: 200 }, () => row).flat() }, { arms: 3, bootstrap: 20 });
  exact(c, d, 'shared row');
  // on-policy data (target = logging): IPS weights are 1, so IPS = SNIPS = the mean reward
  const on = { ...data, target: data.arms.flatMap((a, i) => [0, 1, 2].map((k) => (k === a ? data.propensities[i] : (1 - data.propensities[i]) / 2))) };
  const r = bandits.offPolicy(e, on, { arms: 3, bootstrap: 0 });
  const mean = data.rewards.reduce((s, x) => s + x, 0) / 200;
  assert.ok(Math.abs(r.estimates.ips.value - mean) < 1e-12 && Math.abs(r.estimates.snips.value - mean) < 1e-12);
  assert.equal(r.maxWeight, 1); assert.ok(Math.abs(r.effectiveSampleSize - 200) < 1e-9);
});

// ---- validation on the library's own logs ----
// K = 4 arms, C = 6 equally likely contexts x_c = (1, cos c, sin c), Bernoulli rewards with means
// MU[c][a]. Logging: LinEpsilonGreedy (ε = 0.4) trained on 200 random events, frozen; its decisions
// (through a DecisionLog) give arms and exact propensities. Targets, run on every context: LinUCB
// trained on the same events (deterministic: 1/#ties on its maximal arms) and a warm-started Softmax
// (its scores are its probabilities). True value V = (1/C) Σ_c Σ_a π(a|x_c) MU[c][a].
const K = 4, C = 6, D = 3;
const X = Array.from({ length: C }, (_, c) => [1, Math.cos(c), Math.sin(c)]);
const MU = Array.from({ length: C }, (_, c) => Array.from({ length: K }, (_, a) => 0.15 + (0.7 * ((c * 3 + a * 5) % 7)) / 6));

test('coverage over 200 seeded trials: DR and SNIPS intervals (bootstrap and empirical Bernstein) hold the true value >= 90% of the time', () => {
  const rnd0 = lcg(1);
  const train = (p) => { for (let i = 0; i < 200; i++) { const c = Math.floor(rnd0() * C), a = Math.floor(rnd0() * K); p.learn([{ eventId: `w${i}`, arm: a, reward: rnd0() < MU[c][a] ? 1 : 0, context: X[c] }]); } return p; };
  const logging = train(new bandits.LinEpsilonGreedy(e, { arms: K, dim: D, epsilon: 0.4, seed: 3 }));
  const linucb = train(new bandits.LinUCB(e, { arms: K, dim: D, alpha: 0.1 }));
  const soft = new bandits.Softmax(e, { arms: K, temperature: 0.2, warmStart: { pulls: [10, 10, 10, 10], rewards: [3, 5, 6, 4], squares: [3, 5, 6, 4] } });
  const ucbRow = (c) => { const s = Array.from(linucb.decide({ eventId: 'run', context: X[c] }).scores), m = Math.max(...s), t = s.map((v) => (v === m ? 1 : 0)), z = t.reduce((a, b) => a + b); return t.map((v) => v / z); };
  const softRow = Array.from(soft.decide({ eventId: 'run' }).scores);
  const targets = { LinUCB: X.map((_, c) => ucbRow(c)), Softmax: X.map(() => softRow) };
  const truth = (rows) => rows.reduce((s, r, c) => s + r.reduce((t, p, a) => t + p * MU[c][a], 0), 0) / C;
  const N = 400, TRIALS = 200, hits = {};
  for (let tr = 0; tr < TRIALS; tr++) {
    const rnd = lcg(1000 + tr);
    const log = new bandits.DecisionLog(logging, { capacity: N });
    const ctx = [], entries = [], rewards = [];
    for (let i = 0; i < N; i++) {
      const c = Math.floor(rnd() * C), d = log.decide({ eventId: `t${tr}-${i}`, context: X[c] }, i);
      ctx.push(c); entries.push(log.get(`t${tr}-${i}`)); rewards.push(rnd() < MU[c][d.arm] ? 1 : 0);
    }
    for (const [name, rows] of Object.entries(targets)) {
      const V = truth(rows);
      const res = bandits.offPolicy(e, { arms: entries.map((x) => x.arm), propensities: entries.map((x) => x.propensity), rewards, target: ctx.flatMap((c) => rows[c]) }, { arms: K, bootstrap: 400, seed: tr });
      for (const [k, v] of Object.entries(res.estimates)) {
        const h = (hits[`${name} ${k}`] ??= { bootstrap: 0, bernstein: 0, mean: 0 });
        if (v.bootstrap[0] <= V && V <= v.bootstrap[1]) h.bootstrap++;
        if (v.bernstein[0] <= V && V <= v.bernstein[1]) h.bernstein++;
        h.mean += (v.value - V) / TRIALS;
      }
    }
    log.free();
  }
  console.log(`coverage of the true value in ${TRIALS} trials (n = ${N}, level 0.95) and mean error:\n${Object.entries(hits).map(([k, h]) => `  ${k.padEnd(20)} bootstrap ${h.bootstrap}  bernstein ${h.bernstein}  bias ${h.mean.toFixed(4)}`).join('\n')}`);
  for (const t of Object.keys(targets)) {
    for (const k of ['dr', 'snips']) {
      assert.ok(hits[`${t} ${k}`].bootstrap >= 180, `${t} ${k} bootstrap ${hits[`${t} ${k}`].bootstrap}/200`);
      assert.ok(hits[`${t} ${k}`].bernstein >= 180, `${t} ${k} bernstein ${hits[`${t} ${k}`].bernstein}/200`);
    }
    // unbiased estimators: mean error over the trials within 3 standard errors of 0 (sd/√200 with sd ≲ 0.05 here)
    for (const k of ['ips', 'dr']) assert.ok(Math.abs(hits[`${t} ${k}`].mean) < 0.012, `${t} ${k} bias ${hits[`${t} ${k}`].mean}`);
    // the direct method with per-arm means ignores the contexts: biased here, which DR corrects
    assert.ok(Math.abs(hits[`${t} dm`].mean) > 0.03, `${t} dm bias ${hits[`${t} dm`].mean}`);
  }
  for (const p of [logging, linucb, soft]) p.free();
});

test('shadow mode: a challenger recorded by a DecisionLog is evaluated from the records (offPolicyData)', () => {
  const champion = new bandits.EpsilonGreedy(e, { arms: 3, epsilon: 0.5, seed: 1, warmStart: { pulls: [20, 20, 20], rewards: [10, 4, 2], squares: [10, 4, 2] } });
  const challenger = new bandits.UCB1(e, { arms: 3, warmStart: { pulls: [50, 50, 50], rewards: [10, 20, 40], squares: [10, 20, 40] } });
  const log = new bandits.DecisionLog(champion, { shadows: { ucb: challenger } });
  const mu = [0.3, 0.5, 0.8], rnd = lcg(4), records = [];
  // the champion keeps learning from the log (its propensities are those of each decision's state)
  for (let i = 0; i < 4000; i++) {
    const d = log.decide({ eventId: `s${i}` }, i);
    records.push(...log.rewards([{ eventId: `s${i}`, reward: rnd() < mu[d.arm] ? 1 : 0 }], i).records);
  }
  assert.equal(challenger.decide({ eventId: 'z' }).arm, 2);
  const data = bandits.offPolicyData(records, { arms: 3, target: 'ucb' });
  const res = bandits.offPolicy(e, data, { arms: 3, bootstrap: 200 });
  // the challenger always plays arm 2: its value is 0.8
  const dr = res.estimates.dr;
  assert.ok(dr.bernstein[0] <= 0.8 && 0.8 <= dr.bernstein[1], JSON.stringify(dr));
  assert.ok(Math.abs(res.estimates.snips.value - 0.8) < 0.05, JSON.stringify(res.estimates.snips));
  // a function target: the champion itself evaluated on its own log is its realised mean
  const self = bandits.offPolicyData(records, { arms: 3, target: (r) => [0, 1, 2].map((k) => (k === r.arm ? r.propensity : (1 - r.propensity) / 2)) });
  const own = bandits.offPolicy(e, self, { arms: 3, bootstrap: 0 });
  const mean = records.reduce((s, r) => s + r.reward, 0) / records.length;
  assert.ok(Math.abs(own.estimates.snips.value - mean) < 1e-12);
  champion.free(); challenger.free(); log.free();
});

test('bad input: typed errors naming the value', () => {
  const good = randomData(10, 2, 1, false), o = { arms: 2, bootstrap: 10 };
  const bad = [
    [{ ...good, arms: good.arms.map((a, i) => (i === 3 ? 2 : a)) }, o, /arms\[3\] must be an integer in \[0, 1\]/],
    [{ ...good, arms: good.arms.map((a, i) => (i === 3 ? 0.5 : a)) }, o, /arms\[3\]/],
    [{ ...good, propensities: good.propensities.map((a, i) => (i === 4 ? 0 : a)) }, o, /propensities\[4\] must be in \(0, 1\]/],
    [{ ...good, rewards: good.rewards.map((a, i) => (i === 5 ? NaN : a)) }, o, /rewards\[5\]/],
    [{ ...good, rewards: good.rewards.map((a, i) => (i === 5 ? '1' : a)) }, o, /rewards\[5\]/],
    [{ ...good, target: good.target.map((a, i) => (i === 2 ? a + 0.1 : a)) }, o, /target row 1 does not sum to 1/],
    [{ ...good, target: good.target.map((a, i) => (i === 2 ? -0.1 : a)) }, o, /target row 1 has a value outside/],
    [{ ...good, rewardModel: [0, Infinity] }, o, /rewardModel row 0/],
    [{ ...good, rewardModel: [0, 1, 2] }, o, /rewardModel must hold/],
    [{ ...good, target: good.target.slice(1) }, o, /target must hold n × arms = 20/],
    [{ ...good, rewards: good.rewards.slice(1) }, o, /rewards has 9 values/],
    [{ ...good, extra: 1 }, o, /unknown key "extra"/],
    [{ ...good, arms: [0] , propensities: [1], rewards: [1], target: [1, 0] }, o, /2 to/],
    [null, o, /must be an object/],
  ];
  for (const [d, opts, re] of bad) assert.throws(() => bandits.offPolicy(e, d, opts), (err) => err instanceof InvalidArgumentError && re.test(err.message), String(re));
  for (const [opts, re] of [[{ arms: 0 }, /arms/], [{ arms: 2, clip: 0 }, /clip/], [{ arms: 2, level: 1 }, /level/], [{ arms: 2, bootstrap: 5 }, /bootstrap/], [{ arms: 2, seed: -1 }, /seed/], [{ arms: 2, clipp: 1 }, /did you mean "clip"/]]) {
    assert.throws(() => bandits.offPolicy(e, good, opts), (err) => err instanceof HyperparameterError && re.test(err.message), String(re));
  }
  assert.throws(() => bandits.offPolicy({}, good, o), InvalidArgumentError);
  assert.throws(() => bandits.offPolicyData([{ arm: 0, propensity: 1, reward: 1, shadows: {} }], { arms: 2, target: 'x' }), (err) => err instanceof InvalidArgumentError && /shadow "x"/.test(err.message));
  assert.throws(() => bandits.offPolicyData([{ arm: 0, propensity: 1, reward: 1 }], { arms: 2, target: () => [1] }), InvalidArgumentError);
  assert.throws(() => bandits.offPolicyData('x', { arms: 2, target: 'x' }), InvalidArgumentError);
  assert.throws(() => bandits.offPolicyData([], { arms: 2, target: 3 }), HyperparameterError);
});
