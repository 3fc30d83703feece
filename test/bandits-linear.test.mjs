// Linear contextual policies (src/bandits/contextual.ts) against their JS references
// (test/helpers/reference-bandits-linear.mjs) bit for bit in every build (SIMD/scalar × 1/2 threads):
// scores, arms, propensities and the f64 state over a seeded serving run with batched learning,
// duplicate events, per-request action sets, action-dependent features, an arm removed and one added,
// and decideBatch; then save/load decides identically. Also: bad input is refused with typed errors
// and the state unchanged.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, HyperparameterError, UnsupportedError } from '../dist/index.js';
import { fnvRef, keyOf } from './helpers/reference-bandits.mjs';
import { linState, newArm, linLearnRef, linDecideRef, thetaRef } from './helpers/reference-bandits-linear.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
/** Test-side randomness (an LCG), not the library's. */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

async function serve(cfg, kind, { K = 6, d = 5, rounds = 120, alpha = 0.8, lambda = 0.5, draws = 16 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x) };
  const seed = 2 ** 33 + 777;
  const C = kind === 'ucb' ? bandits.LinUCB : bandits.LinTS;
  const p = new C(e, { arms: K, dim: d, alpha, lambda, seed, ...(kind === 'ts' ? { propensityDraws: draws } : {}) });
  const st = linState(K, d, lambda);
  const key = keyOf(seed);
  const rnd = lcg(1234 + d);
  const vec = (n) => Array.from({ length: n }, () => 2 * rnd() - 1);
  const thetaTrue = Array.from({ length: 16 }, () => vec(d));
  let pending = [];
  const seen = new Set();
  const check = (got, ref, what) => {
    assert.equal(got.arm, ref.arm, `${what}: arm`);
    assert.ok(Object.is(got.propensity, ref.propensity), `${what}: propensity ${got.propensity} vs ${ref.propensity}`);
    same(got.scores, ref.scores, `${what}: scores`);
  };
  for (let t = 0; t < rounds; t++) {
    if (t === 40) { p.removeArm(2); st.active[2] = false; }
    if (t === 80) { assert.equal(p.addArm(), st.arms.length); st.arms.push(newArm(d, lambda)); st.active.push(true); }
    const Kn = st.arms.length, id = `req-${t}`;
    const mode = t % 5;                       // 0,1: plain; 2: action set; 3: action features; 4: batch of 3
    let got, ref, x;
    if (mode === 2) {
      const set = st.active.map((a, k) => (a && (k + t) % 3 !== 0 ? k : -1)).filter((k) => k >= 0);
      x = vec(d);
      got = p.decide({ eventId: id, context: x, actions: set });
      const offered = st.active.map((a, k) => a && set.includes(k));
      ref = linDecideRef(st, () => x, offered, kind, alpha, key, fnvRef(id), M, draws);
    } else if (mode === 3) {
      const xs = vec(Kn * d);
      got = p.decide({ eventId: id, context: new Float32Array(xs), actionFeatures: true });
      ref = linDecideRef(st, (k) => xs.slice(k * d, k * d + d), st.active, kind, alpha, key, fnvRef(id), M, draws);
      x = xs.slice(got.arm * d, got.arm * d + d);
    } else if (mode === 4) {
      const xs = vec(3 * d), ids = [id, `${id}-b`, `${id}-c`];
      const sets = [null, st.active.map((a, k) => (a && k % 2 === 0 ? k : -1)).filter((k) => k >= 0), undefined];
      const batch = p.decideBatch(new Float32Array(xs), ids, { actions: sets });
      for (let b = 0; b < 3; b++) {
        const offered = st.active.map((a, k) => a && (!sets[b] || sets[b].includes(k)));
        const r = linDecideRef(st, () => xs.slice(b * d, b * d + d), offered, kind, alpha, key, fnvRef(ids[b]), M, draws);
        check({ arm: batch.arms[b], propensity: batch.propensities[b], scores: batch.scores.subarray(b * Kn, (b + 1) * Kn) }, r, `round ${t} batch ${b}`);
      }
      got = { arm: batch.arms[0], propensity: batch.propensities[0], scores: batch.scores.slice(0, Kn) };
      x = xs.slice(0, d);
      ref = linDecideRef(st, () => x, st.active, kind, alpha, key, fnvRef(id), M, draws);
    } else {
      x = vec(d);
      got = p.decide({ eventId: id, context: x });
      ref = linDecideRef(st, () => x, st.active, kind, alpha, key, fnvRef(id), M, draws);
    }
    check(got, ref, `round ${t}`);
    const th = thetaTrue[got.arm % 16];
    const reward = th.reduce((s, v, j) => s + v * x[j], 0) + 0.1 * (rnd() - 0.5);
    pending.push({ eventId: id, arm: got.arm, reward, context: x });
    if (t % 6 === 2) pending.push({ ...pending[0] });               // a repeat within the batch
    if (pending.length >= 1 + (t % 5)) {
      const res = p.learn(pending);
      let learned = 0;
      for (const ev of pending) {
        if (seen.has(ev.eventId)) continue;
        seen.add(ev.eventId); learned++;
        linLearnRef(st, ev.arm, Float64Array.from(ev.context, Math.fround), ev.reward);
      }
      assert.deepEqual(res, { learned, duplicates: pending.length - learned });
      pending = [];
    }
  }
  const s = p.stats();
  const Kn = st.arms.length;
  same(s.Ainv, Float64Array.from({ length: Kn * d * d }, (_, i) => st.arms[Math.floor(i / (d * d))].M[i % (d * d)]), 'Ainv');
  same(s.b, Float64Array.from({ length: Kn * d }, (_, i) => st.arms[Math.floor(i / d)].b[i % d]), 'b');
  for (let k = 0; k < Kn; k++) same(p.theta(k), thetaRef(st, k), `theta ${k}`);
  const q = bandits.load(e, p.save());
  const x = vec(d);
  assert.deepEqual(q.decide({ eventId: 'after-load', context: x }), p.decide({ eventId: 'after-load', context: x }));
  q.free(); p.free();
  await e.dispose();
}

for (const cfg of CONFIGS) {
  const name = `simd ${cfg.simd}, ${cfg.threads} thread(s)`;
  test(`LinUCB equals its reference bit for bit over 120 served decisions, d = 5 and 8 (${name})`, async () => {
    await serve(cfg, 'ucb');
    await serve(cfg, 'ucb', { d: 8, K: 9, alpha: 1.5, lambda: 1 });
  });
  test(`LinTS equals its reference bit for bit (scores, Monte Carlo propensities) over 120 decisions (${name})`, async () => {
    await serve(cfg, 'ts');
    await serve(cfg, 'ts', { d: 8, K: 9, alpha: 0.3, lambda: 2, draws: 4 });
  });
}

test('LinTS decisions are bit-identical across thread counts and builds (K = 40, d = 12, 60 contexts)', async () => {
  const runs = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const p = new bandits.LinTS(e, { arms: 40, dim: 12, seed: 5, propensityDraws: 8 });
    const rnd = lcg(77);
    const ev = [];
    for (let i = 0; i < 400; i++) { const c = Array.from({ length: 12 }, () => rnd() - 0.5); ev.push({ eventId: `l${i}`, arm: i % 40, reward: c[0] + c[1], context: c }); }
    p.learn(ev);
    const xs = new Float32Array(Array.from({ length: 60 * 12 }, () => rnd() - 0.5));
    const r = p.decideBatch(xs, Array.from({ length: 60 }, (_, b) => `d${b}`));
    runs.push(r);
    p.free(); await e.dispose();
  }
  for (let i = 1; i < runs.length; i++) {
    same(runs[i].arms, runs[0].arms, `config ${i} arms`);
    same(runs[i].propensities, runs[0].propensities, `config ${i} propensities`);
    same(runs[i].scores, runs[0].scores, `config ${i} scores`);
  }
});

test('bad contexts, events and options are refused with typed errors; a rejected batch leaves the state as it was', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.LinUCB(e, { arms: 3, dim: 2 });
  p.learn([{ eventId: 'ok', arm: 0, reward: 1, context: [1, 0] }]);
  const before = p.save();
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 1, context: [1, 0] }, { eventId: 'b', arm: 1, reward: 1, context: [1] }]), (x) => x instanceof InvalidArgumentError && /event 1 \(eventId "b"\).*2 numbers/.test(x.message));
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 1, context: [NaN, 0] }]), /context value 0 is number NaN/);
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 1 }]), /context must hold 2 numbers/);
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: Infinity, context: [0, 0] }]), InvalidArgumentError);
  assert.deepEqual(p.save(), before);
  assert.throws(() => p.decide({ eventId: 'x', context: [1, 2, 3] }), /context must hold 2 numbers/);
  assert.throws(() => p.decide({ eventId: 'x', context: [1, 2], actions: [] }), /non-empty/);
  assert.throws(() => p.decide({ eventId: 'x', context: [1, 2], actions: [5] }), /not an arm in \[0, 2\]/);
  assert.throws(() => p.decide({ eventId: 'x', contxt: [1, 2] }), /unknown key "contxt".*did you mean "context"/);
  p.removeArm(1);
  assert.throws(() => p.decide({ eventId: 'x', context: [1, 2], actions: [1] }), /arm 1, which was removed/);
  assert.throws(() => p.decideBatch(new Float32Array(4), ['a']), /1 × |2 numbers/);
  assert.throws(() => p.decideBatch(new Float32Array(2), []), InvalidArgumentError);
  assert.throws(() => new bandits.LinUCB(e, { arms: 3 }), (x) => x instanceof HyperparameterError && /dim/.test(x.message));
  assert.throws(() => new bandits.LinUCB(e, { arms: 3, dim: 2, lambda: 0 }), HyperparameterError);
  assert.throws(() => new bandits.LinUCB(e, { arms: 3, dim: 2, copies: 2 }), /copies must be 1/);
  assert.throws(() => new bandits.LinUCB(e, { arms: 3, dim: 2, alhpa: 1 }), /did you mean "alpha"/);
  assert.throws(() => p.learnCopies(new Int32Array(1), new Int32Array(1), new Float64Array(1)), UnsupportedError);
  assert.throws(() => p.addArm({ Ainv: [1, 2, 3, 4] }), /not symmetric/);
  assert.throws(() => p.addArm({ Ainv: [1, 2, 2, 1] }), /not positive definite/);
  assert.equal(p.addArm({ b: [1, 1] }), 3);
  // a damaged state file (Ainv made asymmetric) is refused
  const s = p.stats();
  assert.equal(s.Ainv.length, 4 * 4);
  p.free(); await e.dispose();
});

test('a large learn batch (many events per arm: the fused update + next-u pass) equals the reference bit for bit, d = 7 and 64, every build', async () => {
  for (const d of [7, 64]) {
    const K = 5, lambda = 0.7, rnd = lcg(900 + d);
    const ev = [];
    for (let i = 0; i < 60; i++) ev.push({ eventId: `big${i}`, arm: (i * 7 + (i >> 3)) % K, reward: 2 * rnd() - 1, context: Array.from({ length: d }, () => 2 * rnd() - 1) });
    const st = linState(K, d, lambda);
    for (const x of ev) linLearnRef(st, x.arm, Float64Array.from(x.context, Math.fround), x.reward);
    for (const cfg of CONFIGS) {
      const e = await init(cfg);
      await e.ready;
      const p = new bandits.LinUCB(e, { arms: K, dim: d, lambda });
      p.learn(ev.slice(0, 1)); p.learn(ev.slice(1));
      const s = p.stats();
      same(s.Ainv, Float64Array.from({ length: K * d * d }, (_, i) => st.arms[Math.floor(i / (d * d))].M[i % (d * d)]), `d ${d} ${JSON.stringify(cfg)} Ainv`);
      same(s.b, Float64Array.from({ length: K * d }, (_, i) => st.arms[Math.floor(i / d)].b[i % d]), `d ${d} b`);
      for (let k = 0; k < K; k++) same(p.theta(k), thetaRef(st, k), `d ${d} theta ${k}`);
      p.free(); await e.dispose();
    }
  }
});
