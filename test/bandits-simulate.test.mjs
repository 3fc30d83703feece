// bandits.simulate and its environments (src/bandits/simulate.ts, envs.ts, assembly/bandits/env.ts):
// reward draws bit for bit against the JS reference (test/helpers/reference-envs.mjs) in all four
// builds; a whole UCB1 simulation bit for bit against a JS re-implementation; the same bits for a seed
// in every build and thread count; env moments against theory (seeded, CLT margins); UCB1's regret
// growing like ln t and lying above Lai & Robbins' C(μ)·ln t; the adversarial sequence against UCB1;
// piecewise-constant means; accounting (regret = Σ Δ_k · pulls_k); argument errors.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';
import { drawRef, testbedRef, simulateUcb1Ref, simulateTsRef, linearRef, keyOf, KIND } from './helpers/reference-envs.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const mathOf = (e) => ({ log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x), exp: (x) => e.exp(x) });
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

/** Every arm's reward of repetitions 0..R-1 at round t (bd_env_draw). */
function draws(e, kind, means, sds, R, seed, t) {
  const K = means.length, m = e.from(means, { dtype: 'f64' }), s = e.from(sds, { dtype: 'f64' }), out = e.alloc(R * K, 'f64');
  const [k0, k1] = keyOf(seed);
  e.run('bd_env_draw', R, [kind, K, m.ptr, s.ptr, 0, k0, k1, t, out.ptr], 1, 8 * K);
  const v = out.array.slice();
  m.free(); s.free(); out.free();
  return v;
}

const ENVS = [
  ['bernoulli', KIND.bernoulli, [0.05, 0.5, 0.93], [0, 0, 0]],
  ['gaussian', KIND.gaussian, [-1.5, 0, 2.25], [0.5, 1, 3]],
  ['poisson', KIND.poisson, [0.3, 4, 60], [0, 0, 0]],
  ['exponential', KIND.exponential, [0.2, 1, 7], [0, 0, 0]],
];

test('reward draws: bit for bit the JS reference in every build, keyed by (seed, repetition, round, arm)', async () => {
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    const M = mathOf(e);
    for (const [name, kind, means, sds] of ENVS) {
      for (const t of [0, 7, 4294967294]) {
        const v = draws(e, kind, means, sds, 40, 2 ** 40 + 3, t);
        const want = [];
        for (let r = 0; r < 40; r++) for (let k = 0; k < 3; k++) want.push(drawRef(kind, means[k], sds[k], keyOf(2 ** 40 + 3), r, t, k, M));
        same(v, want, `${name} t=${t} ${JSON.stringify(cfg)}`);
      }
    }
    await e.dispose();
  }
});

test('env moments match theory: mean and variance within 5 standard errors over 30,000 seeded draws per arm', async () => {
  const e = await init({ threads: 1 });
  const R = 30000;
  for (const [name, kind, means, sds] of ENVS) {
    const v = draws(e, kind, means, sds, R, 77, 12);
    for (let k = 0; k < 3; k++) {
      const mu = means[k];
      const { mean: m1, variance: m2, m4 } = { mean: mu, ...theory(name, mu, sds[k]) };
      let s = 0, q = 0;
      for (let r = 0; r < R; r++) s += v[r * 3 + k];
      const avg = s / R;
      for (let r = 0; r < R; r++) q += (v[r * 3 + k] - avg) ** 2;
      const variance = q / (R - 1);
      assert.ok(Math.abs(avg - m1) <= 5 * Math.sqrt(m2 / R), `${name} arm ${k}: mean ${avg} vs ${m1}`);
      // sd of the sample variance ≈ sqrt((μ4 − σ⁴)/n)
      assert.ok(Math.abs(variance - m2) <= 5 * Math.sqrt((m4 - m2 * m2) / R) + 10 * m2 / R, `${name} arm ${k}: variance ${variance} vs ${m2}`);
      if (name === 'bernoulli' || name === 'poisson') for (let r = 0; r < R; r++) assert.ok(Number.isInteger(v[r * 3 + k]) && v[r * 3 + k] >= 0);
      if (name === 'exponential') for (let r = 0; r < R; r++) assert.ok(v[r * 3 + k] >= 0);
    }
  }
  // independence across rounds: a Bernoulli(0.5) arm's draws at rounds t and t + 1 are uncorrelated
  const a = draws(e, 0, [0.5], [0], R, 5, 100), b = draws(e, 0, [0.5], [0], R, 5, 101);
  let c = 0;
  for (let r = 0; r < R; r++) c += (a[r] - 0.5) * (b[r] - 0.5);
  assert.ok(Math.abs(c / R) <= 5 * 0.25 / Math.sqrt(R), `correlation ${c / R}`);
  await e.dispose();
});
/** Variance and 4th central moment of each reward model. */
function theory(name, mu, sd) {
  if (name === 'bernoulli') { const v = mu * (1 - mu); return { variance: v, m4: v * (1 - 3 * v) }; }
  if (name === 'gaussian') return { variance: sd * sd, m4: 3 * sd ** 4 };
  if (name === 'poisson') return { variance: mu, m4: mu * (1 + 3 * mu) };
  return { variance: mu * mu, m4: 9 * mu ** 4 };
}

test('UCB1 simulation: bit for bit a JS re-implementation, and the same bits in all four builds', async () => {
  const env = { kind: KIND.bernoulli, segments: [{ start: 0, means: [0.2, 0.5, 0.45, 0.8, 0.1], sds: [0, 0, 0, 0, 0] }, { start: 150, means: [0.9, 0.5, 0.45, 0.3, 0.1], sds: [0, 0, 0, 0, 0] }] };
  const spec = { type: 'bernoulli', means: env.segments.map((s) => s.means), changePoints: [150] };
  const opts = { T: 300, R: 24, seed: 2 ** 33 + 9, checkpoints: [1, 2, 10, 149, 150, 151, 300] };
  let first = null;
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    const res = bandits.simulate(e, { env: spec, policies: ['ucb1'], horizon: opts.T, repetitions: opts.R, seed: opts.seed, checkpoints: opts.checkpoints });
    if (!first) {
      const ref = simulateUcb1Ref(env, opts, mathOf(e));
      same(res.policies[0].regret.mean, ref.mean, 'mean regret');
      same(res.policies[0].regret.sd, ref.sd, 'sd');
      same(res.policies[0].pulls, ref.pulls, 'pulls');
      first = res;
    } else {
      for (const k of ['mean', 'sd', 'lower', 'upper', 'min', 'max']) same(res.policies[0].regret[k], first.policies[0].regret[k], `${k} ${JSON.stringify(cfg)}`);
      same(res.policies[0].pulls, first.policies[0].pulls, 'pulls');
    }
    await e.dispose();
  }
});

test('BernoulliTS simulation (the fused many-rounds-per-call path): bit for bit a JS reference, the round-by-round path, and the same bits in all four builds', async () => {
  const env = { kind: KIND.bernoulli, segments: [{ start: 0, means: [0.2, 0.5, 0.45, 0.8, 0.1], sds: [0, 0, 0, 0, 0] }, { start: 120, means: [0.9, 0.5, 0.45, 0.3, 0.1], sds: [0, 0, 0, 0, 0] }] };
  const spec = { type: 'bernoulli', means: env.segments.map((s) => s.means), changePoints: [120] };
  const opts = { T: 240, R: 12, seed: 2 ** 34 + 3, alpha: 0.5, beta: 2, checkpoints: [1, 2, 10, 119, 120, 121, 200, 240] };
  // a subclass is not the fused path's class: simulate runs it round by round (decideCopies, env step, learnCopies)
  class RoundByRound extends bandits.BernoulliTS {}
  const run = (e, P) => bandits.simulate(e, { env: spec, policies: [{ policy: P, options: { alpha: opts.alpha, beta: opts.beta } }], horizon: opts.T, repetitions: opts.R, seed: opts.seed, checkpoints: opts.checkpoints });
  let first = null;
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    const res = run(e, bandits.BernoulliTS), slow = run(e, RoundByRound);
    for (const k of ['mean', 'sd', 'lower', 'upper', 'min', 'max']) same(res.policies[0].regret[k], slow.policies[0].regret[k], `${k} fused vs round by round ${JSON.stringify(cfg)}`);
    same(res.policies[0].pulls, slow.policies[0].pulls, 'pulls fused vs round by round');
    assert.ok(Object.is(res.policies[0].meanReward, slow.policies[0].meanReward));
    if (!first) {
      const ref = simulateTsRef(env, opts, mathOf(e));
      same(res.policies[0].regret.mean, ref.mean, 'mean regret');
      same(res.policies[0].regret.sd, ref.sd, 'sd');
      same(res.policies[0].pulls, ref.pulls, 'pulls');
      first = res;
    } else {
      for (const k of ['mean', 'sd', 'lower', 'upper', 'min', 'max']) same(res.policies[0].regret[k], first.policies[0].regret[k], `${k} ${JSON.stringify(cfg)}`);
      same(res.policies[0].pulls, first.policies[0].pulls, 'pulls');
    }
    await e.dispose();
  }
}, 60_000);

test('same seed gives the same bits, another seed other rewards; the band is mean ± z·sd/√R; accounting', async () => {
  const e = await init({ threads: 2, splitMin: 8 });
  const o = { env: 'bernoulli:0.3,0.6,0.55', policies: ['UCB1', { policy: 'ucb1', options: { alpha: 0.5 }, label: 'UCB1 α=½' }], horizon: 2000, repetitions: 64, seed: 11, checkpoints: 20 };
  const a = bandits.simulate(e, o), b = bandits.simulate(e, o), c = bandits.simulate(e, { ...o, seed: 12 });
  for (let p = 0; p < 2; p++) {
    same(a.policies[p].regret.mean, b.policies[p].regret.mean, 'repeat');
    assert.notDeepEqual(Array.from(a.policies[p].regret.mean), Array.from(c.policies[p].regret.mean));
    const g = a.policies[p].regret, n = g.mean.length;
    for (let i = 0; i < n; i++) {
      assert.equal(g.upper[i], g.mean[i] + 1.96 * g.sd[i] / 8);
      assert.equal(g.lower[i], g.mean[i] - 1.96 * g.sd[i] / 8);
      assert.ok(g.min[i] <= g.mean[i] + 1e-9 && g.mean[i] <= g.max[i] + 1e-9);   // (a sum's rounding can put the mean of equal values 1 ulp off)
    }
    // pseudo-regret of a stationary problem = Σ_k Δ_k · E[pulls_k]
    const pulls = a.policies[p].pulls, gaps = [0.3, 0, 0.05];
    assert.ok(Math.abs(g.mean[n - 1] - (gaps[0] * pulls[0] + gaps[2] * pulls[2])) < 1e-9);
    assert.ok(Math.abs(pulls.reduce((x, y) => x + y) - 2000) < 1e-9);
    assert.ok(Math.abs(a.policies[p].meanReward - (0.3 * pulls[0] + 0.6 * pulls[1] + 0.55 * pulls[2]) / 2000) < 1e-12);
  }
  assert.equal(a.policies[1].label, 'UCB1 α=½');
  assert.equal(a.policies[0].label, 'UCB1');
  assert.equal(a.checkpoints[a.checkpoints.length - 1], 2000);
  await e.dispose();
});

test('UCB1 on Bernoulli: regret grows like ln t, above the Lai–Robbins curve C(μ)·ln t and below UCB1\'s Σ 8 ln t/Δ', async () => {
  const e = await init({ threads: 1 });
  const mu = [0.1, 0.5, 0.9];
  const res = bandits.simulate(e, { env: { type: 'bernoulli', means: mu }, policies: ['ucb1'], horizon: 20000, repetitions: 100, seed: 3, checkpoints: [200, 2000, 20000] });
  const m = res.policies[0].regret.mean;
  // C(μ) = Σ Δ_k / kl(μ_k, μ*) (Bernoulli kl, computed here independently)
  const kl = (p, q) => p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
  const C = 0.8 / kl(0.1, 0.9) + 0.4 / kl(0.5, 0.9);
  assert.ok(Math.abs(res.lowerBound.constant - C) < 1e-12, `C(μ) ${res.lowerBound.constant} vs ${C}`);
  same(res.lowerBound.curve, Float64Array.from([200, 2000, 20000], (t) => res.lowerBound.constant * e.log(t)), 'curve');
  // logarithmic growth: equal increments per decade of t (within 30%), not linear (a 10x longer run would add 9x)
  const d1 = m[1] - m[0], d2 = m[2] - m[1];
  assert.ok(d2 / d1 > 0.7 && d2 / d1 < 1.3, `increments per decade ${d1}, ${d2}`);
  for (let i = 0; i < 3; i++) {
    const t = [200, 2000, 20000][i];
    assert.ok(m[i] > C * Math.log(t), `regret ${m[i]} above C ln t = ${C * Math.log(t)}`);
    assert.ok(m[i] < (8 / 0.8 + 8 / 0.4) * Math.log(t) + 2 * 1.3, `regret ${m[i]} below UCB1's bound`);
  }
  await e.dispose();
});

test('adversarial sequence against UCB1: UCB1 regret ≈ T/2 (linear), the table replays UCB1 exactly', async () => {
  const e = await init({ threads: 1 });
  for (const T of [500, 4000]) {
    const res = bandits.simulate(e, { env: 'adversarial:ucb1', policies: ['ucb1'], horizon: T, repetitions: 8, checkpoints: [T] });
    const g = res.policies[0].regret;
    // UCB1 collects exactly 1 (round 0 or 1); the best fixed arm at least (T − 2)/2
    assert.equal(res.policies[0].meanReward * T, 1);
    assert.ok(g.mean[0] >= (T - 2) / 2 - 1 && g.mean[0] <= 0.6 * T, `regret ${g.mean[0]} at T = ${T}`);
    assert.equal(g.sd[0], 0);
    assert.equal(res.lowerBound, null);
    assert.equal(res.env.regret, 'static');
  }
  // a randomized policy is not trapped: EXP3 (when the library has it) stays far below T/2 (measured ≈ 5 ± 23 at T = 8000)
  if (bandits.policyClasses().EXP3) {
    const x = bandits.simulate(e, { env: 'adversarial:ucb1', policies: ['exp3'], horizon: 4000, repetitions: 10, checkpoints: [4000] });
    assert.ok(x.policies[0].regret.mean[0] < 0.1 * 4000, `EXP3 regret ${x.policies[0].regret.mean[0]}`);
  }
  // UCB1 with another alpha is not what the default table was built against; the table for its alpha traps it
  const other = bandits.simulate(e, { env: { type: 'adversarial', sequence: 'ucb1', alpha: 0.3 }, policies: [{ policy: 'UCB1', options: { alpha: 0.3 } }], horizon: 1000, repetitions: 4, checkpoints: [1000] });
  assert.equal(other.policies[0].meanReward * 1000, 1);
  // an explicit table: static comparator = best fixed arm in hindsight
  const tab = bandits.simulate(e, { env: 'adversarial:1,0|0,1@300', policies: ['ucb1'], horizon: 1000, repetitions: 4, checkpoints: [300, 1000] });
  // before the switch the best fixed arm is arm 0 (300): UCB1's regret is its exploration of arm 1 (> 0, logarithmic)
  const rm = tab.policies[0].regret.mean;
  assert.ok(rm[0] > 0 && rm[0] < 100, `regret at 300: ${rm[0]}`);
  // after: arm 1 (700) is the best fixed arm; regret = 700 − collected
  assert.ok(Math.abs(rm[1] - (700 - tab.policies[0].meanReward * 1000)) < 1e-9);
  await e.dispose();
});

test('piecewise-constant means: dynamic regret jumps after a change point, the testbed draws its means from the seed', async () => {
  const e = await init({ threads: 1 });
  const res = bandits.simulate(e, { env: 'bernoulli:0.9,0.1|0.1,0.9@2000', policies: ['ucb1'], horizon: 4000, repetitions: 20, checkpoints: [1000, 2000, 3000, 4000] });
  const m = res.policies[0].regret.mean;
  assert.ok(m[2] - m[1] > 5 * (m[1] - m[0]), `regret after the change ${m[2] - m[1]} vs before ${m[1] - m[0]}`);
  assert.deepEqual(res.env.changePoints, [2000]);
  assert.equal(res.lowerBound, null);
  // testbed means: N(0, 1) per repetition (perRepetition: true) from the env seed, as the reference draws them
  const M = mathOf(e);
  const means = e.alloc(30, 'f64');
  e.run('bd_env_testbed', 3, [10, 42, 0, means.ptr], 1, 40);
  same(means.array.slice(), [0, 1, 2].flatMap((r) => testbedRef(keyOf(42), r, 10, M)), 'testbed means');
  means.free();
  await e.dispose();
});

test('strict arguments: typed errors naming the field; progress callback', async () => {
  const e = await init({ threads: 1 });
  const ok = { env: 'bernoulli:0.1,0.9', policies: ['ucb1'], horizon: 10, repetitions: 2 };
  const bad = [
    [{ ...ok, horizon: 0 }, /horizon/], [{ ...ok, horizon: 1.5 }, /horizon/], [{ ...ok, repetitions: 0 }, /repetitions/],
    [{ ...ok, repetitions: 70000 }, /repetitions/], [{ ...ok, seed: -1 }, /seed/], [{ ...ok, horizont: 3 }, /did you mean "horizon"/],
    [{ ...ok, env: 'bernouli:0.1' }, /did you mean "bernoulli"/], [{ ...ok, env: 'bernoulli:1.5' }, /env.means\[0\]/],
    [{ ...ok, env: { type: 'bernoulli', means: [[0.1, 0.2], [0.3]], changePoints: [5] } }, /env.means\[1\]/],
    [{ ...ok, env: { type: 'bernoulli', means: [[0.1, 0.2], [0.3, 0.1]] } }, /changePoints/],
    [{ ...ok, env: { type: 'bernoulli', means: [[0.1, 0.2], [0.3, 0.1]], changePoints: [0] } }, /changePoints\[0\]/],
    [{ ...ok, env: { type: 'poisson', means: [800] } }, /700/], [{ ...ok, env: { type: 'gaussian', means: [0], sd: 0 } }, /sd/],
    [{ ...ok, env: { type: 'testbed', arms: 0 } }, /arms/], [{ ...ok, env: { type: 'adversarial' } }, /rewards/],
    [{ ...ok, env: { type: 'adversarial', sequence: 'ucb' } }, /did you mean "ucb1"/],
    [{ ...ok, policies: [] }, /policies/], [{ ...ok, policies: ['ucb2x'] }, /unknown policy/], [{ ...ok, policies: ['lin'] }, /ambiguous/],
    [{ ...ok, policies: [{ policy: 'ucb1', options: { copies: 3 } }] }, /copies/], [{ ...ok, policies: [{ policy: 'ucb1', options: { alpha: -1 } }] }, /alpha/],
    [{ ...ok, checkpoints: [5, 5] }, /checkpoints\[1\]/], [{ ...ok, checkpoints: [11] }, /checkpoints\[0\]/], [{ ...ok, checkpoints: 1 }, /checkpoints/],
    [{ ...ok, progress: 3 }, /progress/], [{ ...ok, env: 'gaussian:0,1' }, /UCB1 does not take the rewards/],
  ];
  for (const [o, re] of bad) assert.throws(() => bandits.simulate(e, o), (err) => err instanceof Error && err.name === 'InvalidArgumentError' && re.test(err.message), JSON.stringify(o));
  assert.throws(() => bandits.simulate(null, ok), /engine/i);
  // a throwing progress callback stops the run and frees what it allocated
  assert.throws(() => bandits.simulate(e, { ...ok, progress: () => { throw new RangeError('stop'); } }), RangeError);
  // progress: fractions increase to 1
  const seen = [];
  bandits.simulate(e, { ...ok, policies: ['ucb1', 'ucb1'], horizon: 300, progress: (p) => seen.push(p.fraction) });
  assert.equal(seen[seen.length - 1], 1);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1]);
  await e.dispose();
});

test('linear contextual env: contexts and means bit for bit the reference; LinUCB/LinTS simulated, sublinear regret, same bits in every build', async () => {
  const theta = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.6, 0.6, 0]];
  let first = null;
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    const M = mathOf(e), R = 6, d = 3, K = 4;
    // the context kernel against the reference
    const th = e.from(theta.flat(), { dtype: 'f64' }), ctx = e.alloc(R * d, 'f64'), mu = e.alloc(R * K, 'f64'), best = e.alloc(R, 'f64');
    const [k0, k1] = keyOf(99);
    e.run('bd_env_linear_ctx', R, [d, K, th.ptr, k0, k1, 17, ctx.ptr, mu.ptr, best.ptr], 1, 4 * K * d);
    const want = Array.from({ length: R }, (_, r) => linearRef(theta, d, keyOf(99), r, 17, M));
    same(ctx.array.slice(), want.flatMap((w) => w.x), 'contexts');
    same(mu.array.slice(), want.flatMap((w) => w.mu), 'means');
    same(best.array.slice(), want.map((w) => w.best), 'best');
    th.free(); ctx.free(); mu.free(); best.free();
    const res = bandits.simulate(e, { env: { type: 'linear', theta, noise: 0.5, seed: 99 }, policies: ['LinUCB', 'lints'], horizon: 120, repetitions: 3, seed: 4, checkpoints: [30, 120] });
    if (!first) first = res;
    else for (let p = 0; p < 2; p++) { same(res.policies[p].regret.mean, first.policies[p].regret.mean, `${JSON.stringify(cfg)} regret`); same(res.policies[p].pulls, first.policies[p].pulls, 'pulls'); }
    await e.dispose();
  }
  assert.equal(first.env.means, null);
  assert.equal(first.lowerBound, null);
  const e = await init({ threads: 1 });
  // LinUCB learns θ: regret from T = 400 to 1600 grows far less than 4× (linear) — measured ≈ 1.3×
  const r = bandits.simulate(e, { env: { type: 'linear', theta, noise: 0.5 }, policies: ['linucb'], horizon: 1600, repetitions: 6, seed: 1, checkpoints: [400, 1600] });
  const m = r.policies[0].regret.mean;
  assert.ok(m[0] > 0 && m[1] / m[0] < 2.5, `regret ${m[0]} → ${m[1]}`);
  assert.throws(() => bandits.simulate(e, { env: 'bernoulli:0.2,0.4', policies: ['linucb'], horizon: 5, repetitions: 2 }), /contextual: it needs an env of type "linear"/);
  assert.throws(() => bandits.simulate(e, { env: { type: 'linear', theta }, policies: [{ policy: 'linucb', options: { dim: 5 } }], horizon: 5, repetitions: 2 }), /dim number 5 is not the env.s context dimension 3/);
  assert.throws(() => bandits.simulate(e, { env: { type: 'linear', theta: [1, 2] }, policies: ['linucb'], horizon: 5, repetitions: 2 }), /theta/);
  assert.throws(() => bandits.simulate(e, { env: { type: 'linear', theta, noise: -1 }, policies: ['linucb'], horizon: 5, repetitions: 2 }), /noise/);
  await e.dispose();
});
