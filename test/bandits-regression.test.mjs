// Regression-oracle contextual policies (src/bandits/regression.ts: LinEpsilonGreedy, SquareCB over
// ridge and logistic regressors) against their JS references (test/helpers/reference-bandits-regression.mjs)
// bit for bit in every build (SIMD/scalar × 1/2 threads): scores, arms, exact propensities and the f64
// state over a seeded serving run with batched learning, duplicates, action sets, action-dependent
// features, an arm removed and one added, decideBatch; save/load decides identically. Also: the
// propensity is the distribution's value (probabilities sum to 1), and bad input is refused with typed
// errors and the state unchanged.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, HyperparameterError, StateError } from '../dist/index.js';
import { fnvRef, keyOf } from './helpers/reference-bandits.mjs';
import { linState, newArm, linLearnRef } from './helpers/reference-bandits-linear.mjs';
import { logisticLearnRef, newLogisticArm, regDecideRef, regThetaRef } from './helpers/reference-bandits-regression.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

async function serve(cfg, kind, regressor, { K = 6, d = 5, rounds = 100, lambda = 0.5, epsilon = 0.2, gamma = 7, gammaExponent = 0.5 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x), exp: (x) => e.exp(x) };
  const seed = 2 ** 40 + 99;
  const C = bandits[kind];
  const opts = kind === 'SquareCB' ? { gamma, gammaExponent } : { epsilon };
  const p = new C(e, { arms: K, dim: d, lambda, seed, regressor, ...opts });
  const st = linState(K, d, lambda);
  if (regressor === 'logistic') st.arms = st.arms.map(() => newLogisticArm(d, lambda));
  const key = keyOf(seed), rnd = lcg(4321 + d);
  const vec = (n) => Array.from({ length: n }, () => 2 * rnd() - 1);
  const thetaTrue = Array.from({ length: 16 }, () => vec(d));
  let learned = 0;
  const ref = (ctx, offered, id) => regDecideRef(st, ctx, offered, { regressor, mode: kind === 'SquareCB' ? 'squarecb' : 'eps', p1: kind === 'SquareCB' ? gamma : epsilon, p2: gammaExponent, t: learned + 1 }, key, fnvRef(id), M);
  const check = (got, r, what) => {
    assert.equal(got.arm, r.arm, `${what}: arm`);
    assert.ok(Object.is(got.propensity, r.propensity), `${what}: propensity ${got.propensity} vs ${r.propensity}`);
    same(got.scores, r.scores, `${what}: scores`);
    const tot = r.probs.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(tot - 1) < 1e-12, `${what}: probabilities sum to ${tot}`);
  };
  let pending = [];
  const seen = new Set();
  for (let t = 0; t < rounds; t++) {
    if (t === 30) { p.removeArm(2); st.active[2] = false; }
    if (t === 60) { assert.equal(p.addArm(), st.arms.length); st.arms.push(regressor === 'logistic' ? newLogisticArm(d, lambda) : newArm(d, lambda)); st.active.push(true); }
    const Kn = st.arms.length, id = `q-${t}`, mode = t % 4;
    let got, r, x;
    if (mode === 1) {
      const set = st.active.map((a, k) => (a && (k + t) % 3 !== 0 ? k : -1)).filter((k) => k >= 0);
      x = vec(d);
      got = p.decide({ eventId: id, context: x, actions: set });
      r = ref(() => x, st.active.map((a, k) => a && set.includes(k)), id);
    } else if (mode === 2) {
      const xs = vec(Kn * d);
      got = p.decide({ eventId: id, context: new Float32Array(xs), actionFeatures: true });
      r = ref((k) => xs.slice(k * d, k * d + d), st.active, id);
      x = xs.slice(got.arm * d, got.arm * d + d);
    } else if (mode === 3) {
      const xs = vec(2 * d), ids = [id, `${id}-b`];
      const batch = p.decideBatch(new Float32Array(xs), ids);
      for (let b = 0; b < 2; b++) {
        check({ arm: batch.arms[b], propensity: batch.propensities[b], scores: batch.scores.subarray(b * Kn, (b + 1) * Kn) }, ref(() => xs.slice(b * d, b * d + d), st.active, ids[b]), `round ${t} batch ${b}`);
      }
      got = { arm: batch.arms[0], propensity: batch.propensities[0], scores: batch.scores.slice(0, Kn) };
      x = xs.slice(0, d);
      r = ref(() => x, st.active, id);
    } else {
      x = vec(d);
      got = p.decide({ eventId: id, context: x });
      r = ref(() => x, st.active, id);
    }
    check(got, r, `round ${t}`);
    const mu = thetaTrue[got.arm % 16].reduce((s, v, j) => s + v * x[j], 0);
    const reward = regressor === 'logistic' ? (rnd() < 1 / (1 + Math.exp(-2 * mu)) ? 1 : 0) : mu + 0.1 * (rnd() - 0.5);
    pending.push({ eventId: id, arm: got.arm, reward, context: x });
    if (t % 5 === 1) pending.push({ ...pending[0] });
    if (pending.length >= 1 + (t % 4)) {
      const res = p.learn(pending);
      let n = 0;
      for (const ev of pending) {
        if (seen.has(ev.eventId)) continue;
        seen.add(ev.eventId); n++;
        const x64 = Float64Array.from(ev.context, Math.fround);
        if (regressor === 'logistic') logisticLearnRef(st, ev.arm, x64, ev.reward, M); else linLearnRef(st, ev.arm, x64, ev.reward);
      }
      learned += n;
      assert.deepEqual(res, { learned: n, duplicates: pending.length - n });
      pending = [];
    }
  }
  const s = p.stats(), Kn = st.arms.length, vs = regressor === 'logistic' ? 'theta' : 'b';
  same(s.Ainv, Float64Array.from({ length: Kn * d * d }, (_, i) => st.arms[Math.floor(i / (d * d))].M[i % (d * d)]), 'Ainv');
  same(s[vs], Float64Array.from({ length: Kn * d }, (_, i) => st.arms[Math.floor(i / d)].b[i % d]), vs);
  for (let k = 0; k < Kn; k++) same(p.theta(k), regThetaRef(st, k, regressor), `theta ${k}`);
  if (kind === 'SquareCB') assert.equal(p.rounds, learned);
  const q = bandits.load(e, p.save());
  const x = vec(d);
  assert.deepEqual(q.decide({ eventId: 'after-load', context: x }), p.decide({ eventId: 'after-load', context: x }));
  q.free(); p.free();
  await e.dispose();
}

for (const cfg of CONFIGS) {
  const name = `simd ${cfg.simd}, ${cfg.threads} thread(s)`;
  for (const kind of ['LinEpsilonGreedy', 'SquareCB']) {
    test(`${kind} (ridge and logistic) equals its reference bit for bit over 100 served decisions, d = 5 and 8 (${name})`, async () => {
      await serve(cfg, kind, 'ridge');
      await serve(cfg, kind, 'logistic');
      await serve(cfg, kind, 'logistic', { d: 8, K: 9, lambda: 1, epsilon: 0, gamma: 100, gammaExponent: 0 });
      await serve(cfg, kind, 'ridge', { d: 8, K: 9, lambda: 2, epsilon: 1, gamma: 0, gammaExponent: 1 });
    });
  }
}

test('SquareCB: the inverse-gap weights are Foster & Rakhlin\'s (closed form on a hand-made state), γ_t grows as γ₀·√t', async () => {
  const e = await init({ threads: 1 });
  // one-dimensional ridge arms with b set so that ŷ_k = b_k / (λ + 0) for the context x = 1: ŷ = (0.9, 0.5, 0.5, 0.1)
  const p = new bandits.SquareCB(e, { arms: 4, dim: 1, lambda: 1, gamma: 10, gammaExponent: 0, warmStart: { b: [0.9, 0.5, 0.5, 0.1] } });
  const probs = (d) => d.scores;
  const n = 4, g = 10, yh = [0.9, 0.5, 0.5, 0.1].map(Math.fround);
  const want = yh.map((y) => 1 / (n + g * (yh[0] - y)));
  want[0] = 1 - want[1] - want[2] - want[3];
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) {
    const d = p.decide({ eventId: `c${i}`, context: [1] });
    assert.ok(Math.abs(d.propensity - want[d.arm]) < 1e-15, `arm ${d.arm}: ${d.propensity} vs ${want[d.arm]}`);
    counts[d.arm]++;
    probs(d);
  }
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(counts[k] / 4000 - want[k]) < 4 * Math.sqrt(want[k] * (1 - want[k]) / 4000), `arm ${k}: frequency ${counts[k] / 4000} vs ${want[k]}`);
  p.free();
  // with the exponent, γ_t = γ₀·t^0.5: after 99 events t = 100 and γ = 10·10 = 100
  const q = new bandits.SquareCB(e, { arms: 2, dim: 1, lambda: 1, gamma: 10 });
  q.learn(Array.from({ length: 99 }, (_, i) => ({ eventId: `l${i}`, arm: i % 2, reward: i % 2 ? 0.2 : 0.6, context: [1] })));
  assert.equal(q.rounds, 99);
  const th = [q.theta(0)[0], q.theta(1)[0]].map(Math.fround);
  const d = q.decide({ eventId: 'z', context: [1] });
  const gap = th[0] - th[1], low = 1 / (2 + 10 * e.exp(0.5 * e.log(100)) * gap);
  assert.ok(Math.abs((d.arm === 1 ? d.propensity : 1 - d.propensity) - low) < 1e-15, `${d.propensity} vs ${low}`);
  q.free(); await e.dispose();
});

test('bad options, events and states are refused with typed errors; a rejected batch leaves the state as it was', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.SquareCB(e, { arms: 3, dim: 2, regressor: 'logistic' });
  p.learn([{ eventId: 'ok', arm: 0, reward: 1, context: [1, 0] }]);
  const before = p.save();
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 1, context: [1, 0] }, { eventId: 'b', arm: 1, reward: 2, context: [1, 0] }]), (x) => x instanceof InvalidArgumentError && /event 1 \(eventId "b"\).*outside \[0, 1\]/.test(x.message));
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 0, context: [1] }]), /context must hold 2 numbers/);
  assert.deepEqual(p.save(), before);
  assert.equal(p.rounds, 1);
  assert.throws(() => new bandits.SquareCB(e, { arms: 3, dim: 2, regressor: 'lasso' }), (x) => x instanceof HyperparameterError && /'ridge' or 'logistic'/.test(x.message));
  assert.throws(() => new bandits.SquareCB(e, { arms: 3, dim: 2, gamma: -1 }), HyperparameterError);
  assert.throws(() => new bandits.SquareCB(e, { arms: 3, dim: 2, alpha: 1 }), /unknown option "alpha"/);
  assert.throws(() => new bandits.LinEpsilonGreedy(e, { arms: 3, dim: 2, epsilon: 1.5 }), HyperparameterError);
  assert.throws(() => new bandits.LinEpsilonGreedy(e, { arms: 3, dim: 2, epsilom: 0.1 }), /did you mean "epsilon"/);
  assert.throws(() => new bandits.LinEpsilonGreedy(e, { arms: 3, dim: 2, regressor: 'logistic', warmStart: { b: [0, 0, 0, 0, 0, 0] } }), /unknown slot "b".*"theta"/);
  // a state file whose round count is not an integer is refused (checksum recomputed, so only the value is wrong)
  const good = p.save();
  const edit = (f) => {
    const b = good.slice(), dv = new DataView(b.buffer), len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
    f(new Float64Array(b.buffer, start, 2));
    const t = e.alloc(2048, 'i32'), buf = e.alloc(b.length - 4, 'u8');
    e.kernel('crc32_table')(t.ptr); buf.array.set(b.subarray(0, b.length - 4));
    dv.setUint32(b.length - 4, e.kernel('crc32_u8')(0, t.ptr, buf.ptr, b.length - 4) >>> 0, true);
    t.free(); buf.free();
    return b;
  };
  const same0 = bandits.load(e, edit(() => {}));
  assert.equal(same0.rounds, 1); same0.free();
  assert.throws(() => bandits.load(e, edit((st) => { st[0] = 0.5; })), (x) => x instanceof StateError && /round count 0.5/.test(x.message));
  assert.throws(() => bandits.load(e, edit((st) => { st[0] = -1; })), StateError);
  p.free(); await e.dispose();
});

