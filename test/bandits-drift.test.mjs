// D-LinUCB and SW-LinUCB (src/bandits/drifting.ts) against their f64-exact JS references
// (test/helpers/reference-bandits-drift.mjs) bit for bit in every build (SIMD/scalar × 1/2 threads):
// scores, arms, propensities and the header state over a seeded serving run (batches, duplicates, action
// sets, a window that wraps several times, a removed and an added arm); save/load decides identically.
// The rank-1 bookkeeping equals the papers' matrices built from scratch and inverted (to rounding).
// Bad input is refused with typed errors and the state unchanged.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, HyperparameterError, StateError } from '../dist/index.js';
import { fnvRef, keyOf } from './helpers/reference-bandits.mjs';
import { directRef, dlinBetaRef, dlinLearnRef, dlinState, driftDecideRef, swlinBetaRef, swlinLearnRef, swlinState } from './helpers/reference-bandits-drift.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

async function serve(cfg, kind, { K = 5, d = 3, rounds = 90, alpha = 0.6, lambda = 0.7, gamma = 0.9, tau = 7 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = { log: (x) => e.log(x) };
  const seed = 777, o = { delta: 0.05, sigma: 0.5, thetaBound: 2, featureBound: 1.5 };
  const p = kind === 'd' ? new bandits.DLinUCB(e, { arms: K, dim: d, alpha, lambda, gamma, seed, ...o }) : new bandits.SWLinUCB(e, { arms: K, dim: d, alpha, lambda, tau, seed, ...o });
  const st = kind === 'd' ? dlinState(d, lambda) : swlinState(d, lambda, tau);
  const key = keyOf(seed), rnd = lcg(91 + d);
  const vec = (n) => Array.from({ length: n }, () => 2 * rnd() - 1);
  const coef = () => alpha * (kind === 'd' ? dlinBetaRef(d, lambda, 2, 0.5, 0.05, 1.5, gamma, st.g2, M) : swlinBetaRef(d, lambda, 2, 0.5, 0.05, 1.5, tau, M));
  let active = new Array(K).fill(true), pending = [];
  const seen = new Set();
  const flush = () => {
    const res = p.learn(pending);
    let n = 0;
    for (const ev of pending) {
      if (seen.has(ev.eventId)) continue;
      seen.add(ev.eventId); n++;
      if (kind === 'd') dlinLearnRef(st, ev.context, ev.reward, gamma); else swlinLearnRef(st, ev.context, ev.reward);
    }
    assert.deepEqual(res, { learned: n, duplicates: pending.length - n });
    pending = [];
  };
  for (let t = 0; t < rounds; t++) {
    if (t === 30) { flush(); p.removeArm(3); active[3] = false; }
    if (t === 60) { assert.equal(p.addArm(), active.length); active = [...active, true]; }
    const Kn = active.length, id = `w${t}`;
    const th = Array.from({ length: d }, (_, j) => (j === 0 ? Math.cos(t / 20) : j === 1 ? Math.sin(t / 20) : 0.3));
    let got, r, xs;
    if (t % 3 === 2) {
      const ids = [id, `${id}b`], all = vec(2 * Kn * d), sets = [null, active.map((a, k) => (a && k % 2 === 0 ? k : -1)).filter((k) => k >= 0)];
      const batch = p.decideBatch(all, ids, { actions: sets });
      for (let b = 0; b < 2; b++) {
        const off = active.map((a, k) => a && (!sets[b] || sets[b].includes(k)));
        const rr = driftDecideRef(st, (a) => all.slice((b * Kn + a) * d, (b * Kn + a + 1) * d), off, kind, coef(), key, fnvRef(ids[b]));
        assert.equal(batch.arms[b], rr.arm, `round ${t} batch ${b}`); assert.ok(Object.is(batch.propensities[b], rr.propensity));
        same(batch.scores.subarray(b * Kn, (b + 1) * Kn), rr.scores, `round ${t} batch ${b} scores`);
      }
      xs = all.slice(0, Kn * d);
      got = { arm: batch.arms[0], propensity: batch.propensities[0], scores: batch.scores.slice(0, Kn) };
    } else {
      xs = vec(Kn * d);
      got = t % 3 === 1 ? p.decide({ eventId: id, context: xs, actions: active.map((a, k) => (a ? k : -1)).filter((k) => k >= 0 && k !== 0) }) : p.decide({ eventId: id, context: xs });
    }
    const off = t % 3 === 1 ? active.map((a, k) => a && k !== 0) : active;
    r = driftDecideRef(st, (a) => xs.slice(a * d, a * d + d), off, kind, coef(), key, fnvRef(id));
    assert.equal(got.arm, r.arm, `round ${t}: arm`);
    assert.ok(Object.is(got.propensity, r.propensity), `round ${t}: propensity`);
    same(got.scores, r.scores, `round ${t}: scores`);
    const x = xs.slice(got.arm * d, got.arm * d + d);
    pending.push({ eventId: id, arm: got.arm, reward: x.reduce((s, v, j) => s + v * th[j], 0) + 0.1 * (rnd() - 0.5), context: x });
    if (t % 5 === 0) pending.push({ ...pending[0] });
    if (pending.length >= 1 + (t % 3)) flush();
  }
  flush();
  const h = p.header();
  same(h.subarray(0, d * d), st.M, 'Vinv');
  if (kind === 'd') { same(h.subarray(d * d, 2 * d * d), st.Vt, 'Vtilde'); same(h.subarray(2 * d * d, 2 * d * d + d), st.b, 'b'); assert.equal(p.rounds, st.t); }
  else { same(h.subarray(d * d, d * d + d), st.b, 'b'); assert.equal(p.windowSize, st.ring.length); }
  same(p.theta(), driftDecideRef(st, () => new Array(d).fill(0), [true], kind, 0, key, fnvRef('x')).theta, 'theta');
  const q = bandits.load(e, p.save()), xs = vec(active.length * d);
  assert.deepEqual(q.decide({ eventId: 'after', context: xs }), p.decide({ eventId: 'after', context: xs }));
  q.free(); p.free();
  await e.dispose();
}

for (const cfg of CONFIGS) {
  const name = `simd ${cfg.simd}, ${cfg.threads} thread(s)`;
  test(`DLinUCB equals its reference bit for bit over 90 served decisions, d = 3 and 6 (${name})`, async () => {
    await serve(cfg, 'd');
    await serve(cfg, 'd', { d: 6, K: 6, gamma: 0.99, lambda: 1.5 });
  });
  test(`SWLinUCB equals its reference bit for bit over 90 served decisions (window τ = 7 wraps 12 times; τ = 200 never), d = 3 and 6 (${name})`, async () => {
    await serve(cfg, 'sw');
    await serve(cfg, 'sw', { d: 6, K: 6, tau: 200 });
  });
}

test('the rank-1 bookkeeping equals the papers\' matrices built from the events and inverted (300 events, relative 1e-9)', async () => {
  const e = await init({ threads: 1 });
  const d = 4, lambda = 0.5, rnd = lcg(5);
  for (const [kind, opt] of [['d', { gamma: 0.97 }], ['sw', { tau: 50 }], ['sw', { tau: 37 }]]) {
    const p = kind === 'd' ? new bandits.DLinUCB(e, { arms: 2, dim: d, lambda, ...opt }) : new bandits.SWLinUCB(e, { arms: 2, dim: d, lambda, ...opt });
    const events = [];
    for (let t = 0; t < 300; t++) {
      const x = Array.from({ length: d }, () => 2 * rnd() - 1), r = rnd();
      events.push({ x, r });
      p.learn([{ eventId: `e${t}`, arm: t % 2, reward: r, context: x }]);
    }
    const ref = directRef(events, d, lambda, opt), h = p.header(), th = p.theta();
    for (let i = 0; i < d * d; i++) assert.ok(Math.abs(h[i] - ref.Vinv[i]) <= 1e-9 * Math.max(1, Math.abs(ref.Vinv[i])), `${kind} ${JSON.stringify(opt)} Vinv[${i}]: ${h[i]} vs ${ref.Vinv[i]}`);
    for (let i = 0; i < d; i++) assert.ok(Math.abs(th[i] - ref.theta[i]) <= 1e-9 * Math.max(1, Math.abs(ref.theta[i])), `${kind} theta[${i}]`);
    p.free();
  }
  await e.dispose();
});

test('bad options, requests, events and states are refused with typed errors, the state unchanged', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.SWLinUCB(e, { arms: 3, dim: 2, tau: 3 });
  p.learn([{ eventId: 'ok', arm: 0, reward: 1, context: [1, 0] }]);
  const before = p.save();
  assert.throws(() => p.learn([{ eventId: 'a', arm: 1, reward: 1, context: [1, 0] }, { eventId: 'b', arm: 1, reward: 1, context: [1, 0, 0] }]), (x) => x instanceof InvalidArgumentError && /event 1 \(eventId "b"\): context must hold 2 numbers/.test(x.message));
  assert.deepEqual(p.save(), before);
  assert.throws(() => p.decide({ eventId: 'x', context: [1, 2] }), /context must hold 3 arms × 2 numbers/);
  assert.throws(() => p.decideBatch([1, 2, 3, 4, 5, 6], ['x'], { actionFeatures: false }), /always takes one feature vector per arm/);
  assert.equal(p.decide({ eventId: 'y', context: [1, 0, 0, 1, 1, 1], actionFeatures: true }).arm, p.decide({ eventId: 'y', context: [1, 0, 0, 1, 1, 1] }).arm);
  assert.throws(() => new bandits.DLinUCB(e, { arms: 3, dim: 2, gamma: 1 }), HyperparameterError);
  assert.throws(() => new bandits.SWLinUCB(e, { arms: 3, dim: 2, tau: 0 }), HyperparameterError);
  assert.throws(() => new bandits.DLinUCB(e, { arms: 3, dim: 2, warmStart: {} }), /keep no per-arm statistics/);
  assert.throws(() => p.addArm({ pulls: 1 }), HyperparameterError);
  const good = p.save();
  const edit = (f) => {
    const b = good.slice(), dv = new DataView(b.buffer), len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
    f(new Float64Array(b.buffer, start, 8));
    const t = e.alloc(2048, 'i32'), buf = e.alloc(b.length - 4, 'u8');
    e.kernel('crc32_table')(t.ptr); buf.array.set(b.subarray(0, b.length - 4));
    dv.setUint32(b.length - 4, e.kernel('crc32_u8')(0, t.ptr, buf.ptr, b.length - 4) >>> 0, true);
    t.free(); buf.free();
    return b;
  };
  const ok = bandits.load(e, edit(() => {}));
  assert.equal(ok.windowSize, 1); ok.free();
  assert.throws(() => bandits.load(e, edit((s) => { s[1] = 0.3; })), (x) => x instanceof StateError && /Vinv is not symmetric/.test(x.message));
  assert.throws(() => bandits.load(e, edit((s) => { s[7] = 5; })), (x) => x instanceof StateError && /window size 5/.test(x.message));
  assert.throws(() => bandits.load(e, edit((s) => { s[6] = 2; })), (x) => x instanceof StateError && /window head 2/.test(x.message));
  p.restart(0, -1);
  assert.deepEqual([...p.header().subarray(0, 4)], [1, 0, 0, 1]);
  assert.equal(p.windowSize, 0);
  p.free(); await e.dispose();
});
