// HybridLinUCB (src/bandits/hybrid.ts) against its f64-exact JS reference (test/helpers/reference-bandits-hybrid.mjs)
// bit for bit in every build (SIMD/scalar × 1/2 threads): scores, arms, propensities, the per-arm and
// shared state over a seeded serving run (shared features common and per arm, action sets, action
// features, batches, duplicates, a removed and an added arm); save/load decides identically. The
// rank-1 update equals Li et al.'s Algorithm 2 run literally (explicit inverses) to rounding. Bad input
// is refused with typed errors and the state unchanged.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, HyperparameterError, StateError, UnsupportedError } from '../dist/index.js';
import { fnvRef, keyOf } from './helpers/reference-bandits.mjs';
import { alg2Learn, alg2Score, alg2State, hybArm, hybBetaRef, hybDecideRef, hybLearnRef, hybState, hybThetaRef } from './helpers/reference-bandits-hybrid.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

async function serve(cfg, { K = 5, d = 3, k = 4, rounds = 100, alpha = 0.7, lambda = 0.8 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const seed = 31337;
  const p = new bandits.HybridLinUCB(e, { arms: K, dim: d, sharedDim: k, alpha, lambda, seed });
  const st = hybState(K, d, k, lambda), key = keyOf(seed), rnd = lcg(55 + d + k);
  const vec = (n) => Array.from({ length: n }, () => 2 * rnd() - 1);
  const beta = vec(k), thetas = Array.from({ length: 12 }, () => vec(d));
  const check = (got, r, what) => {
    assert.equal(got.arm, r.arm, `${what}: arm`);
    assert.ok(Object.is(got.propensity, r.propensity), `${what}: propensity`);
    same(got.scores, r.scores, `${what}: scores`);
  };
  let pending = [];
  const seen = new Set();
  const flush = () => {
    const res = p.learn(pending);
    let n = 0;
    for (const ev of pending) { if (seen.has(ev.eventId)) continue; seen.add(ev.eventId); n++; hybLearnRef(st, ev.arm, ev.context, ev.shared, ev.reward); }
    assert.deepEqual(res, { learned: n, duplicates: pending.length - n });
    pending = [];
  };
  for (let t = 0; t < rounds; t++) {
    if (t === 35) { flush(); p.removeArm(1); st.active[1] = false; }
    if (t === 70) { assert.equal(p.addArm(), st.arms.length); st.arms.push(hybArm(d, k, lambda)); st.active.push(true); }
    const Kn = st.arms.length, id = `h${t}`, mode = t % 5;
    let got, r, x, z;
    if (mode === 0) {
      x = vec(d); z = vec(k);
      got = p.decide({ eventId: id, context: x, shared: z });
      r = hybDecideRef(st, () => x, () => z, st.active, alpha, key, fnvRef(id));
    } else if (mode === 1) {                                         // z per arm (user × article)
      x = vec(d); const zs = vec(Kn * k);
      got = p.decide({ eventId: id, context: x, shared: zs });
      r = hybDecideRef(st, () => x, (a) => zs.slice(a * k, a * k + k), st.active, alpha, key, fnvRef(id));
      z = zs.slice(got.arm * k, got.arm * k + k);
    } else if (mode === 2) {                                         // action set
      x = vec(d); z = vec(k);
      const set = st.active.map((a, i) => (a && (i + t) % 2 === 0 ? i : -1)).filter((i) => i >= 0);
      got = p.decide({ eventId: id, context: x, shared: z, actions: set });
      r = hybDecideRef(st, () => x, () => z, st.active.map((a, i) => a && set.includes(i)), alpha, key, fnvRef(id));
    } else if (mode === 3) {                                         // action features and z per arm
      const xs = vec(Kn * d), zs = vec(Kn * k);
      got = p.decide({ eventId: id, context: new Float64Array(xs), shared: new Float64Array(zs), actionFeatures: true });
      r = hybDecideRef(st, (a) => xs.slice(a * d, a * d + d), (a) => zs.slice(a * k, a * k + k), st.active, alpha, key, fnvRef(id));
      x = xs.slice(got.arm * d, got.arm * d + d); z = zs.slice(got.arm * k, got.arm * k + k);
    } else {                                                         // a batch of 3, z common
      const xs = vec(3 * d), zs = vec(3 * k), ids = [id, `${id}b`, `${id}c`];
      const sets = [null, undefined, st.active.map((a, i) => (a ? i : -1)).filter((i) => i >= 0).slice(0, 2)];
      const batch = p.decideBatch(xs, ids, { shared: zs, actions: sets });
      for (let b = 0; b < 3; b++) {
        const off = st.active.map((a, i) => a && (!sets[b] || sets[b].includes(i)));
        check({ arm: batch.arms[b], propensity: batch.propensities[b], scores: batch.scores.subarray(b * Kn, (b + 1) * Kn) },
          hybDecideRef(st, () => xs.slice(b * d, b * d + d), () => zs.slice(b * k, b * k + k), off, alpha, key, fnvRef(ids[b])), `round ${t} batch ${b}`);
      }
      x = xs.slice(0, d); z = zs.slice(0, k);
      got = { arm: batch.arms[0], propensity: batch.propensities[0], scores: batch.scores.slice(0, Kn) };
      r = hybDecideRef(st, () => x, () => z, st.active, alpha, key, fnvRef(id));
    }
    check(got, r, `round ${t}`);
    const reward = z.reduce((s, v, j) => s + v * beta[j], 0) + x.reduce((s, v, j) => s + v * thetas[got.arm % 12][j], 0) + 0.1 * (rnd() - 0.5);
    pending.push({ eventId: id, arm: got.arm, reward, context: x, shared: z });
    if (t % 7 === 3) pending.push({ ...pending[0] });
    if (pending.length >= 1 + (t % 4)) flush();
  }
  const s = p.stats(), sh = p.sharedStats(), Kn = st.arms.length;
  same(sh.A0inv, st.M0, 'A0inv'); same(sh.b0, st.b0, 'b0');
  same(s.Ainv, Float64Array.from({ length: Kn * d * d }, (_, i) => st.arms[Math.floor(i / (d * d))].M[i % (d * d)]), 'Ainv');
  same(s.Bt, Float64Array.from({ length: Kn * k * d }, (_, i) => st.arms[Math.floor(i / (k * d))].Bt[i % (k * d)]), 'Bt');
  same(s.b, Float64Array.from({ length: Kn * d }, (_, i) => st.arms[Math.floor(i / d)].b[i % d]), 'b');
  same(p.sharedTheta(), hybBetaRef(st), 'beta');
  for (let a = 0; a < Kn; a++) same(p.theta(a), hybThetaRef(st, a), `theta ${a}`);
  const q = bandits.load(e, p.save());
  const x = vec(d), z = vec(k);
  assert.deepEqual(q.decide({ eventId: 'after', context: x, shared: z }), p.decide({ eventId: 'after', context: x, shared: z }));
  q.free(); p.free();
  await e.dispose();
}

for (const cfg of CONFIGS) {
  test(`HybridLinUCB equals its reference bit for bit over 100 served decisions, (d, k) = (3, 4) and (6, 5) (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    await serve(cfg);
    await serve(cfg, { K: 7, d: 6, k: 5, alpha: 1.5, lambda: 1 });
  });
}

test('the rank-1 update is Algorithm 2: β̂, θ̂_a and the scores equal Li et al.\'s literal update with explicit inverses (200 events, relative 1e-9)', async () => {
  const e = await init({ threads: 1 });
  const K = 4, d = 3, k = 5, lambda = 1, alpha = 0.9, rnd = lcg(2024);
  const p = new bandits.HybridLinUCB(e, { arms: K, dim: d, sharedDim: k, lambda, alpha });
  const ref = alg2State(K, d, k, lambda);
  const vec = (n) => Array.from({ length: n }, () => 2 * rnd() - 1);
  const close = (a, b, what) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  for (let t = 0; t < 200; t++) {
    const a = t % 3 === 0 ? 0 : Math.floor(rnd() * K), x = vec(d), z = vec(k), r = 2 * rnd() - 1;
    p.learn([{ eventId: `e${t}`, arm: a, reward: r, context: x, shared: z }]);
    alg2Learn(ref, a, x, z, r);
  }
  const x = vec(d), z = vec(k), dec = p.decide({ eventId: 'q', context: x, shared: z });
  const beta = p.sharedTheta();
  for (let a = 0; a < K; a++) {
    const g = alg2Score(ref, a, x, z, alpha);
    if (a === 0) for (let j = 0; j < k; j++) close(beta[j], g.beta[j], `beta ${j}`);
    const th = p.theta(a);
    for (let i = 0; i < d; i++) close(th[i], g.theta[i], `theta ${a} ${i}`);
    close(dec.scores[a], g.score, `score ${a}`);
  }
  p.free(); await e.dispose();
});

test('bad options, requests, events and states are refused with typed errors, the state unchanged; restart(-1) resets the shared part', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.HybridLinUCB(e, { arms: 3, dim: 2, sharedDim: 2 });
  p.learn([{ eventId: 'ok', arm: 0, reward: 1, context: [1, 0], shared: [0, 1] }]);
  const before = p.save();
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 1, context: [1, 0], shared: [0, 1] }, { eventId: 'b', arm: 1, reward: 1, context: [1, 0] }]), (x) => x instanceof InvalidArgumentError && /event 1 \(eventId "b"\): shared must hold 2 numbers/.test(x.message));
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 1, context: [1, 0], shared: [NaN, 1] }]), /shared value 0 is number NaN/);
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 1e13, context: [1, 0], shared: [0, 1] }]), InvalidArgumentError);
  assert.deepEqual(p.save(), before);
  assert.throws(() => p.decide({ eventId: 'x', context: [1, 2] }), /shared must hold/);
  assert.throws(() => p.decide({ eventId: 'x', context: [1, 2], shared: [1, 2, 3] }), /shared must hold 2 numbers, or 3 arms × 2/);
  assert.throws(() => p.decide({ eventId: 'x', context: [1, 2], shard: [1, 2] }), /unknown key "shard".*did you mean "shared"/);
  assert.throws(() => p.decideBatch([1, 2], ['x'], {}), /shared must hold/);
  assert.throws(() => new bandits.HybridLinUCB(e, { arms: 3, dim: 2 }), (x) => x instanceof HyperparameterError && /sharedDim/.test(x.message));
  assert.throws(() => new bandits.HybridLinUCB(e, { arms: 3, dim: 2, sharedDim: 0 }), HyperparameterError);
  assert.throws(() => new bandits.HybridLinUCB(e, { arms: 3, dim: 2, sharedDim: 2, copies: 2 }), /copies must be 1/);
  assert.throws(() => p.learnCopies(new Int32Array(1), new Int32Array(1), new Float64Array(1)), UnsupportedError);
  assert.throws(() => p.addArm({ Ainv: [1, 2, 3, 4] }), /not symmetric/);
  assert.equal(p.addArm({ b: [0.5, 0] }), 3);
  // a state file with a damaged shared part is refused (checksum recomputed, so only the value is wrong)
  const good = p.save();
  const edit = (f) => {
    const b = good.slice(), dv = new DataView(b.buffer), len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
    f(new Float64Array(b.buffer, start, 6));
    const t = e.alloc(2048, 'i32'), buf = e.alloc(b.length - 4, 'u8');
    e.kernel('crc32_table')(t.ptr); buf.array.set(b.subarray(0, b.length - 4));
    dv.setUint32(b.length - 4, e.kernel('crc32_u8')(0, t.ptr, buf.ptr, b.length - 4) >>> 0, true);
    t.free(); buf.free();
    return b;
  };
  const ok = bandits.load(e, edit(() => {}));
  assert.deepEqual(ok.sharedStats(), p.sharedStats()); ok.free();
  assert.throws(() => bandits.load(e, edit((s) => { s[1] = 0.25; })), (x) => x instanceof StateError && /A0inv is not symmetric/.test(x.message));
  assert.throws(() => bandits.load(e, edit((s) => { s[0] = -1; })), (x) => x instanceof StateError && /not positive definite/.test(x.message));
  p.restart(0, -1);
  assert.deepEqual([...p.sharedStats().A0inv], [1, 0, 0, 1]);
  assert.deepEqual([...p.sharedStats().b0], [0, 0]);
  assert.deepEqual([...p.stats().Ainv.slice(0, 4)], [1, 0, 0, 1]);
  p.free(); await e.dispose();
});
