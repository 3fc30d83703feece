// Passive non-stationary policies (src/bandits/nonstationary.ts: SWUCB, DiscountedUCB, DiscountedTS)
// against their JS references (test/helpers/reference-nonstationary.mjs) bit for bit in every build
// (SIMD/scalar x 1/2 threads): decisions, propensities, scores and statistics over a seeded serving
// run with batches, duplicates, an arm removed and one added; R copies decided and learned in one
// call each; state files byte-identical across builds; strict loading of the sliding window.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, HyperparameterError, StateError } from '../dist/index.js';
import { fnvRef, keyOf } from './helpers/reference-bandits.mjs';
import * as R from './helpers/reference-nonstationary.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

/** Each policy: its constructor options and a reference model (init, decide, learn, addArm, stats by slot name). */
const MODELS = {
  SWUCB: {
    make: (e, o) => new bandits.SWUCB(e, { ...o, tau: 23, xi: 0.7 }),
    ref: (K) => {
      const st = R.swState(K, 23);
      return { decide: (act, key, h, M) => R.swDecideRef(st, act, 0.7, key, h, M), learn: (a, r) => R.swLearn(st, a, r), addArm: () => R.swAddArm(st),
        prior: undefined, stats: () => ({ pulls: st.pulls, rewards: st.rewards }), forget: (a) => R.swForget(st, a) };
    },
  },
  DiscountedUCB: {
    make: (e, o) => new bandits.DiscountedUCB(e, { ...o, gamma: 0.93, xi: 0.55 }),
    ref: (K) => {
      const st = R.discState(K);
      return { decide: (act, key, h, M) => R.ducbDecideRef(st, act, 0.55, key, h, M), learn: (a, r) => R.discLearn(st, 0.93, 0, a, r), addArm: () => R.discAddArm(st, 3, 2),
        prior: { pulls: 3, rewards: 2 }, stats: () => ({ pulls: st.a, rewards: st.b }) };
    },
  },
  DiscountedTS: {
    make: (e, o) => new bandits.DiscountedTS(e, { ...o, gamma: 0.9, alpha0: 0.7, beta0: 1.5, propensityDraws: 9 }),
    ref: (K) => {
      const st = R.discState(K);
      return { decide: (act, key, h, M) => R.dtsDecideRef(st, act, 0.7, 1.5, 9, key, h, M), learn: (a, r) => R.discLearn(st, 0.9, 1, a, r), addArm: () => R.discAddArm(st, 1.25, 0.5),
        prior: { successes: 1.25, failures: 0.5 }, stats: () => ({ successes: st.a, failures: st.b }) };
    },
  },
};

async function serve(cfg, name, { K = 5, rounds = 160 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x), exp: (x) => e.exp(x) };
  const seed = 2 ** 41 + 77, model = MODELS[name];
  const p = model.make(e, { arms: K, seed });
  const ref = model.ref(K);
  const active = new Array(K).fill(true), rnd = lcg(7), key = keyOf(seed), seen = new Set();
  const mu = (t, k) => (t < 80 ? 0.15 * k : 0.9 - 0.15 * k);
  let pending = [];
  for (let t = 0; t < rounds; t++) {
    if (t === 50) { p.removeArm(2); active[2] = false; }
    if (t === 100) { assert.equal(p.addArm(ref.prior), active.length); ref.addArm(); active.push(true); }
    const id = `ev-${t}`;
    const d = p.decide({ eventId: id });
    const r = ref.decide(active, key, fnvRef(id), M);
    assert.equal(d.arm, r.arm, `${name} round ${t}: arm`);
    assert.ok(Object.is(d.propensity, r.propensity), `${name} round ${t}: propensity ${d.propensity} vs ${r.propensity}`);
    same(d.scores, r.scores, `${name} round ${t}: scores`);
    pending.push({ eventId: id, arm: d.arm, reward: t % 3 === 0 ? rnd() : rnd() < Math.min(1, mu(t, d.arm)) ? 1 : 0 });
    if (t % 7 === 3) pending.push({ ...pending[0] });
    if (pending.length >= 1 + (t % 4)) {
      const res = p.learn(pending);
      let learned = 0;
      for (const ev of pending) if (!seen.has(ev.eventId)) { seen.add(ev.eventId); ref.learn(ev.arm, ev.reward); learned++; }
      assert.deepEqual(res, { learned, duplicates: pending.length - learned });
      pending = [];
    }
    if (t === 130 && ref.forget) { p.restart(0, 1); ref.forget(1); }
  }
  const s = p.stats(), want = ref.stats();
  for (const k of Object.keys(want)) same(s[k], want[k], `${name} ${k}`);
  const saved = p.save();
  const q = bandits.load(e, saved);
  assert.deepEqual(q.decide({ eventId: 'after' }), p.decide({ eventId: 'after' }));
  p.free(); q.free();
  await e.dispose();
  return saved;
}

for (const name of Object.keys(MODELS)) {
  for (const cfg of CONFIGS) {
    test(`${name} equals its reference bit for bit over 160 served decisions (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => { await serve(cfg, name); });
  }
  test(`${name} state files are byte-identical across builds and thread counts`, async () => {
    const files = [];
    for (const cfg of CONFIGS) files.push(Buffer.from(await serve(cfg, name)).toString('base64'));
    assert.equal(new Set(files).size, 1);
  });
  test(`${name} decides and learns 17 copies in one call each, every copy equal to its reference (4 builds)`, async () => {
    for (const cfg of CONFIGS) {
      const e = await init(cfg);
      await e.ready;
      const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x), exp: (x) => e.exp(x) };
      const Rn = 17, K = 4, seed = 9, model = MODELS[name];
      const p = model.make(e, { arms: K, seed, copies: Rn });
      const refs = Array.from({ length: Rn }, () => model.ref(K));
      const act = new Array(K).fill(true), rnd = lcg(5), key = keyOf(seed);
      for (let t = 0; t < 40; t++) {
        const h = new Uint32Array(2 * Rn);
        for (let r = 0; r < Rn; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
        const d = p.decideCopies(h);
        const copies = new Int32Array(Rn), arms = new Int32Array(Rn), rewards = new Float64Array(Rn);
        for (let r = 0; r < Rn; r++) {
          const want = refs[r].decide(act, key, [t, r], M);
          assert.equal(d.arms[r], want.arm, `t ${t} copy ${r}`);
          assert.ok(Object.is(d.propensities[r], want.propensity));
          same(d.scores.subarray(r * K, r * K + K), want.scores, `t ${t} copy ${r} scores`);
          copies[r] = (r * 5 + t) % Rn; arms[r] = want.arm; rewards[r] = rnd() < 0.2 * want.arm ? 1 : 0.5 * rnd();
        }
        // events in a shuffled copy order, so runs of one copy are interleaved
        const ord = Array.from({ length: Rn }, (_, i) => i).sort((a, b) => copies[a] - copies[b] || a - b).reverse();
        const c2 = Int32Array.from(ord, (i) => copies[i]), a2 = Int32Array.from(ord, (i) => arms[i]), r2 = Float64Array.from(ord, (i) => rewards[i]);
        p.learnCopies(c2, a2, r2);
        for (let i = 0; i < Rn; i++) refs[c2[i]].learn(a2[i], r2[i]);
      }
      for (let r = 0; r < Rn; r++) { const s = p.stats(r), w = refs[r].stats(); for (const k of Object.keys(w)) same(s[k], w[k], `copy ${r} ${k}`); }
      await e.dispose();
    }
  });
}

test('SWUCB: the window is checked at load (ring entries, count/head, recount) and warmStart/priors are refused', async () => {
  const e = await init({ threads: 1 });
  assert.throws(() => new bandits.SWUCB(e, { arms: 2, warmStart: { pulls: [1, 1], rewards: [0, 1] } }), HyperparameterError);
  assert.throws(() => new bandits.SWUCB(e, { arms: 2, tau: 0 }), HyperparameterError);
  const p = new bandits.SWUCB(e, { arms: 3, tau: 4 });
  assert.throws(() => p.addArm({ pulls: 1 }), HyperparameterError);
  p.learn([0, 1, 2, 0, 2, 2].map((a, i) => ({ eventId: `e${i}`, arm: a, reward: i % 2 ? 1 : 0.25 })));
  assert.deepEqual([...p.stats().pulls], [1, 0, 3]);              // the last 4 events: arms 2, 0, 2, 2
  assert.deepEqual([...p.stats().rewards], [1, 0, 1.5]);
  const good = p.save();
  const edit = (f) => {
    const b = good.slice(), dv = new DataView(b.buffer), len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
    const st = new Float64Array(b.buffer, start, 18);
    f(st);
    const t = e.alloc(2048, 'i32'), buf = e.alloc(b.length - 4, 'u8');
    e.kernel('crc32_table')(t.ptr); buf.array.set(b.subarray(0, b.length - 4));
    dv.setUint32(b.length - 4, e.kernel('crc32_u8')(0, t.ptr, buf.ptr, b.length - 4) >>> 0, true);
    t.free(); buf.free();
    return b;
  };
  assert.equal(bandits.load(e, edit(() => {})).stats().pulls[2], 3);
  for (const [f, re] of [[(s) => { s[2] = 5; }, /not an arm/], [(s) => { s[3] = 1.5; }, /reward 1.5/], [(s) => { s[0] = 3; }, /head/],
    [(s) => { s[1] = 4; }, /head/], [(s) => { s[10] = 2; }, /recount/], [(s) => { s[16] = 1.5 + 2 ** -40; }, /recount/], [(s) => { s[12] = 2.5; }, /pulls 2.5/]]) {
    assert.throws(() => bandits.load(e, edit(f)), (err) => err instanceof StateError && re.test(err.message), String(re));
  }
  await e.dispose();
});
