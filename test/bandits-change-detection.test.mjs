// Change-detection wrappers (src/bandits/change-detection.ts: CUSUM, GLR, Monitored) over UCB1
// against their JS reference (test/helpers/reference-change-detection.mjs) bit for bit in every build
// (SIMD/scalar x 1/2 threads): decisions, propensities (forced exploration mixed in), scores, the
// detector's alarms and the inner policy's statistics over a seeded serving run whose rewards change,
// with batches that hold alarms mid-batch, duplicates, an arm removed and one added; 17 copies decided
// and learned in one call each; state files byte-identical across builds; strict loading; a
// contextual inner policy (LinUCB) restarted by its detector; inner policies refused where the
// propensity could not be exact.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, HyperparameterError, InvalidArgumentError, StateError, UnsupportedError } from '../dist/index.js';
import { fnvRef, keyOf, pickRef } from './helpers/reference-bandits.mjs';
import { klLevelRef, klUpperRef } from './helpers/reference-index-policies.mjs';
import { mixRef, wrapperRef } from './helpers/reference-change-detection.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

/** name -> constructor options (over UCB1) and the reference's kind/options. */
const MODELS = {
  CUSUM: { C: 'CUSUM', o: { warmup: 6, epsilon: 0.05, threshold: 1.5, alpha: 0.3 }, kind: 'cusum', r: { warmup: 6, epsilon: 0.05, threshold: 1.5, alpha: 0.3, exploration: 'random', restart: 'local' } },
  CUSUMGlobalSchedule: { C: 'CUSUM', o: { warmup: 4, epsilon: 0.1, threshold: 1.2, alpha: 0.4, restart: 'global', exploration: 'schedule' }, kind: 'cusum', r: { warmup: 4, epsilon: 0.1, threshold: 1.2, alpha: 0.4, exploration: 'schedule', restart: 'global' } },
  GLRBernoulli: { C: 'GLR', o: { history: 30, delta: 0.5, alpha: 0.25 }, kind: 'glr', r: { history: 30, test: 'bernoulli', delta: 0.5, sigma: 0.5, alpha: 0.25, exploration: 'schedule', restart: 'local' } },
  GLRSubGaussian: { C: 'GLR', o: { history: 9, delta: 0.3, alpha: 0.2, test: 'subgaussian', sigma: 0.3, restart: 'global', exploration: 'random' }, kind: 'glr', r: { history: 9, test: 'subgaussian', delta: 0.3, sigma: 0.3, alpha: 0.2, exploration: 'random', restart: 'global' } },
  Monitored: { C: 'Monitored', o: { window: 8, threshold: 2.5, alpha: 0.3 }, kind: 'mucb', r: { window: 8, threshold: 2.5, alpha: 0.3, exploration: 'schedule' } },
};
const refOf = (name, K, M) => {
  const m = MODELS[name], o = { ...m.r };
  if (m.kind === 'glr') o.lnInvDelta = -M.log(o.delta);
  return wrapperRef(m.kind, K, o);
};

async function serve(cfg, name, { K = 4, rounds = 240 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x) };
  const seed = 2 ** 40 + 13, model = MODELS[name];
  const p = new bandits[model.C](e, { arms: K, seed, inner: { policy: 'UCB1' }, ...model.o });
  const ref = refOf(name, K, M);
  const active = new Array(K).fill(true), rnd = lcg(11), key = keyOf(seed), seen = new Set();
  const mu = (t, k) => (t < 90 ? 0.3 * k : t < 170 ? 0.9 - 0.3 * k : 0.5);
  let pending = [], alarms = 0;
  for (let t = 0; t < rounds; t++) {
    if (t === 60) { p.removeArm(1); active[1] = false; }
    if (t === 120) { assert.equal(p.addArm(), active.length); ref.addArm(); active.push(true); }
    const id = `ev-${t}`;
    const d = p.decide({ eventId: id });
    const r = ref.decide(active, key, fnvRef(id), M);
    assert.equal(d.arm, r.arm, `${name} round ${t}: arm`);
    assert.ok(Object.is(d.propensity, r.propensity), `${name} round ${t}: propensity ${d.propensity} vs ${r.propensity}`);
    same(d.scores, r.scores, `${name} round ${t}: scores`);
    pending.push({ eventId: id, arm: d.arm, reward: t % 5 === 0 ? rnd() : rnd() < Math.min(1, mu(t, d.arm)) ? 1 : 0 });
    if (t % 7 === 3) pending.push({ ...pending[0] });
    if (pending.length >= 1 + (t % 6)) {
      const res = p.learn(pending);
      let learned = 0;
      for (const ev of pending) if (!seen.has(ev.eventId)) { seen.add(ev.eventId); alarms += ref.learn(ev.arm, ev.reward, M) ? 1 : 0; learned++; }
      assert.deepEqual(res, { learned, duplicates: pending.length - learned });
      pending = [];
    }
  }
  assert.ok(alarms >= 2, `${name}: the run raised ${alarms} alarms (the test needs restarts)`);
  const det = p.detections();
  assert.deepEqual(det, { rounds: ref.st.t, alarms: ref.st.alarms, lastAlarm: ref.st.last, phase: ref.st.tau });
  same(p.stats().samples, Float64Array.from(ref.st.obs, (o) => o.length), `${name} samples`);
  const s = p.inner.stats();
  for (const k of ['pulls', 'rewards', 'squares']) same(s[k], ref.st.inner[k], `${name} inner ${k}`);
  const saved = p.save();
  const q = bandits.load(e, saved);
  assert.deepEqual(q.decide({ eventId: 'after' }), p.decide({ eventId: 'after' }));
  assert.deepEqual(q.save(), saved);
  assert.deepEqual(q.options, p.options);
  p.free(); q.free();
  await e.dispose();
  return saved;
}

for (const name of Object.keys(MODELS)) {
  for (const cfg of CONFIGS) {
    test(`${name} over UCB1 equals its reference bit for bit over 240 served decisions with restarts (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => { await serve(cfg, name); });
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
      const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x) };
      const Rn = 17, K = 3, seed = 21, model = MODELS[name];
      const p = new bandits[model.C](e, { arms: K, seed, copies: Rn, inner: { policy: 'UCB1' }, ...model.o });
      const refs = Array.from({ length: Rn }, () => refOf(name, K, M));
      const act = new Array(K).fill(true), rnd = lcg(5), key = keyOf(seed);
      let alarms = 0;
      for (let t = 0; t < 80; t++) {
        const h = new Uint32Array(2 * Rn);
        for (let r = 0; r < Rn; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
        const d = p.decideCopies(h);
        const copies = new Int32Array(Rn), arms = new Int32Array(Rn), rewards = new Float64Array(Rn);
        for (let r = 0; r < Rn; r++) {
          const want = refs[r].decide(act, key, [t, r], M);
          assert.equal(d.arms[r], want.arm, `t ${t} copy ${r}`);
          assert.ok(Object.is(d.propensities[r], want.propensity), `t ${t} copy ${r} propensity`);
          same(d.scores.subarray(r * K, r * K + K), want.scores, `t ${t} copy ${r} scores`);
          copies[r] = (r * 5 + t) % Rn; arms[r] = want.arm; rewards[r] = rnd() < (t < 40 ? 0.3 * want.arm : 0.9 - 0.4 * want.arm) ? 1 : 0;
        }
        const ord = Array.from({ length: Rn }, (_, i) => i).sort((a, b) => copies[a] - copies[b] || a - b).reverse();
        const c2 = Int32Array.from(ord, (i) => copies[i]), a2 = Int32Array.from(ord, (i) => arms[i]), r2 = Float64Array.from(ord, (i) => rewards[i]);
        p.learnCopies(c2, a2, r2);
        for (let i = 0; i < Rn; i++) alarms += refs[c2[i]].learn(a2[i], r2[i], M) ? 1 : 0;
      }
      assert.ok(alarms >= 3, `${name}: ${alarms} alarms over the copies`);
      for (let r = 0; r < Rn; r++) {
        const det = p.detections(r), w = refs[r].st;
        assert.deepEqual(det, { rounds: w.t, alarms: w.alarms, lastAlarm: w.last, phase: w.tau }, `copy ${r}`);
        const s = p.inner.stats(r);
        for (const k of ['pulls', 'rewards', 'squares']) same(s[k], w.inner[k], `copy ${r} inner ${k}`);
      }
      await e.dispose();
    }
  });
}

test('options: defaults from the papers\' tuning (horizon, changes), refused without a horizon, inner spec checked', async () => {
  const e = await init({ threads: 1 });
  const c = new bandits.CUSUM(e, { arms: 3, horizon: 10000, changes: 4 });
  assert.ok(Object.is(c.options.threshold, e.log(10000 / 4)));
  assert.ok(Object.is(c.options.alpha, Math.sqrt((4 / 10000) * e.log(10000 / 4))));
  assert.deepEqual(c.options.inner, { policy: 'UCB1' });
  const g = new bandits.GLR(e, { arms: 5, horizon: 20000, changes: 2 });
  assert.ok(Object.is(g.options.delta, 1 / Math.sqrt(2 * 20000)));
  assert.ok(Object.is(g.options.alpha, Math.sqrt(5 * 2 * e.log(20000) / 20000)));
  assert.equal(g.inner.kind, 'KLUCB');
  const gg = new bandits.GLR(e, { arms: 5, horizon: 20000, changes: 2, restart: 'global' });
  assert.ok(Object.is(gg.options.alpha, Math.sqrt(2 * e.log(20000) / 20000)));
  const m = new bandits.Monitored(e, { arms: 2, horizon: 50000, changes: 3, minChange: 0.5 });
  const l = e.log(4) + 2 * e.log(50000), w0 = Math.ceil(16 * (Math.sqrt(l) + Math.sqrt(e.log(100000))) ** 2);
  assert.equal(m.options.window, w0 + (w0 & 1));
  assert.ok(Object.is(m.options.threshold, Math.sqrt((m.options.window / 2) * l)));
  for (const bad of [
    () => new bandits.CUSUM(e, { arms: 2 }), () => new bandits.GLR(e, { arms: 2, alpha: 0.1 }), () => new bandits.Monitored(e, { arms: 2, window: 10, threshold: 2 }),
    () => new bandits.CUSUM(e, { arms: 2, horizon: 100, changes: 100 }), () => new bandits.CUSUM(e, { arms: 2, horizon: 1.5 }),
    () => new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1, inner: { policy: 'UCB2' } }),
    () => new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1, inner: { policy: 'UCB1', seed: 3 } }),
    () => new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1, inner: { policy: 'UCB1', alpha: -1 } }),
    () => new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1, inner: { policy: 'GLR' } }),
    () => new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1, inner: { policy: 'Hedge' } }),
    () => new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1, inner: { policy: 'BernoulliTS' } }),
    () => new bandits.Monitored(e, { arms: 2, window: 11, threshold: 2, alpha: 0.1 }),
    () => new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1, warmStart: { pulls: [1, 1] } }),
  ]) assert.throws(bad, HyperparameterError);
  // Thompson sampling is wrapped with the deterministic schedule (exact propensity) or alpha 0
  const ts = new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1, exploration: 'schedule', inner: { policy: 'BernoulliTS', propensityDraws: 3 } });
  assert.ok(ts.decide({ eventId: 'x' }).propensity > 0);
  // the inner policy's warm start is applied, not saved
  const w = new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0, inner: { policy: 'UCB1', warmStart: { pulls: [3, 1], rewards: [1, 1], squares: [1, 1] } } });
  assert.deepEqual([...w.inner.stats().pulls], [3, 1]);
  assert.deepEqual(w.options.inner, { policy: 'UCB1' });
  assert.deepEqual([...bandits.load(e, w.save()).inner.stats().pulls], [3, 1]);
  assert.throws(() => w.learn([{ eventId: 'a', arm: 0, reward: 2 }]), InvalidArgumentError);
  await e.dispose();
});

test('strict load: the inner state is checked like its own file, the detector values and header too', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.CUSUM(e, { arms: 2, threshold: 2, alpha: 0.2, warmup: 2 });
  p.learn([0, 1, 0, 1, 0, 0].map((a, i) => ({ eventId: `e${i}`, arm: a, reward: i % 3 ? 1 : 0 })));
  const good = p.save();
  const edit = (f) => {
    const b = good.slice(), dv = new DataView(b.buffer), len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
    f(new Float64Array(b.buffer, start, (b.length - 4 - start) >> 3));
    const { crc } = { crc: 0 };
    return { b, dv, crc };
  };
  const reseal = ({ b, dv }) => {
    // recompute the CRC with a throwaway policy's save format: bandits.load needs a valid checksum
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; table[n] = c >>> 0; }
    let c = 0xffffffff;
    for (let i = 0; i < b.length - 4; i++) c = table[(c ^ b[i]) & 0xff] ^ (c >>> 8);
    dv.setUint32(b.length - 4, (c ^ 0xffffffff) >>> 0, true);
    return b;
  };
  assert.deepEqual(bandits.load(e, reseal(edit(() => {}))).save(), good);
  // own layout: header 4, samples, u0, gPlus, gMinus (Kp = 2) = 12 values; then UCB1's pulls, rewards, squares
  const cases = [(s) => { s[0] = 3; }, (s) => { s[2] = 9; }, (s) => { s[4] = 0.5; }, (s) => { s[6] = 5; }, (s) => { s[8] = 2.5; }, (s) => { s[12] = -1; }, (s) => { s[16] = 7; }];
  for (const f of cases) assert.throws(() => bandits.load(e, reseal(edit(f))), StateError);
  p.free();
  await e.dispose();
});

test('a contextual inner policy: LinUCB under GLR is restarted by its detector, the mix respects action sets', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.GLR(e, { arms: 3, history: 40, delta: 0.01, alpha: 0.2, restart: 'local', inner: { policy: 'LinUCB', dim: 2 } });
  const rnd = lcg(3);
  for (let t = 0; t < 400; t++) {
    const x = [1, rnd()];
    const d = p.decide({ eventId: `c${t}`, context: x });
    assert.ok(d.propensity > 0 && d.propensity <= 1);
    const mu = t < 200 ? [0.1, 0.5, 0.9] : [0.9, 0.5, 0.1];
    p.learn([{ eventId: `c${t}`, arm: d.arm, reward: rnd() < mu[d.arm] ? 1 : 0, context: x }]);
  }
  assert.ok(p.detections().alarms >= 1, 'the change was detected');
  const d = p.decide({ eventId: 'only', context: [1, 0.5], actions: [1] });
  assert.equal(d.arm, 1);
  assert.equal(d.propensity, 1);
  const q = bandits.load(e, p.save());
  assert.deepEqual(q.decide({ eventId: 'z', context: [1, 0.3] }), p.decide({ eventId: 'z', context: [1, 0.3] }));
  assert.throws(() => p.learn([{ eventId: 'bad', arm: 0, reward: 1 }]), InvalidArgumentError);
  await e.dispose();
});

test('HybridLinUCB (argmax, shared features) under CUSUM with random exploration: restarted by alarms, exact-form propensities, save/load', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.CUSUM(e, { arms: 3, threshold: 2, alpha: 0.3, warmup: 5, inner: { policy: 'HybridLinUCB', dim: 2, sharedDim: 1 } });
  const rnd = lcg(1);
  for (let t = 0; t < 300; t++) {
    const x = [1, rnd()], z = [rnd()];
    const d = p.decide({ eventId: `h${t}`, context: x, shared: z });
    // α/m + (1 − α)·P_inner with P_inner ∈ {0} ∪ {1/ties}
    const pin = (d.propensity - 0.3 / 3) / 0.7;
    assert.ok(pin > -1e-12 && pin <= 1 + 1e-12 && (pin < 1e-12 || Math.abs(1 / pin - Math.round(1 / pin)) < 1e-9), `propensity ${d.propensity}`);
    const mu = t < 150 ? [0.1, 0.5, 0.9] : [0.9, 0.5, 0.1];
    p.learn([{ eventId: `h${t}`, arm: d.arm, reward: rnd() < mu[d.arm] ? 1 : 0, context: x, shared: z }]);
  }
  assert.ok(p.detections().alarms >= 1);
  const q = bandits.load(e, p.save()), r = { eventId: 'zz', context: [1, 0.2], shared: [0.4] };
  assert.deepEqual(q.decide(r), p.decide(r));
  await e.dispose();
});

test('learnCopies over an adversarial inner policy: a bad propensity after an alarm refuses the whole batch, both states unchanged', async () => {
  const e = await init({ threads: 1 });
  await e.ready;
  const batch = (bad) => {
    const n = 81, copies = new Int32Array(n), arms = new Int32Array(n), rewards = new Float64Array(n), props = new Float64Array(n).fill(0.5);
    for (let i = 0; i < n; i++) rewards[i] = i < 40 ? 1 : 0;
    if (bad) props[n - 1] = 0;
    return [copies, arms, rewards, props];
  };
  const make = () => new bandits.Monitored(e, { arms: 2, seed: 3, window: 8, threshold: 2.5, alpha: 0.1, inner: { policy: 'EXP3', gamma: 0.1 } });
  const ok = make();
  ok.learnCopies(...batch(false));
  assert.ok(ok.detections(0).alarms >= 1, 'the batch raises an alarm before its last event');
  const p = make();
  // a state that a restart would change: some rewards already learned on both arms (no alarm)
  p.learnCopies(new Int32Array(4), Int32Array.of(0, 1, 0, 1), Float64Array.of(0.5, 0.25, 0.5, 0.25), new Float64Array(4).fill(0.5));
  assert.equal(p.detections(0).alarms, 0);
  const before = p.save();
  assert.throws(() => p.learnCopies(...batch(true)), InvalidArgumentError);
  assert.deepEqual(p.save(), before, 'wrapper and inner state exactly as before');
  assert.equal(p.detections(0).alarms, 0);
  await e.dispose();
});

test('GLR-klUCB local restarts: arm a\'s index uses the paper\'s t − τ_a (Besson et al. 2022, Algorithm 1), not the inner clock Σ n; added and manually restarted arms start their clock; strict load', async () => {
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
    const K = 3, seed = 5;
    for (const inner of [{ policy: 'KLUCB', c: 3 }, { policy: 'KLUCB', family: 'gaussian', variance: 0.25 }, { policy: 'UCB1', alpha: 0.7 }]) {
      const p = new bandits.GLR(e, { arms: K, seed, history: 40, delta: 0.2, alpha: 0, inner });
      const taus = new Array(K).fill(0), key = keyOf(seed);
      // arm 0 pays 1 for 30 pulls, then 0: a local alarm on arm 0 only; arms 1 and 2 pay 0.5 (alternating)
      const evs = [];
      for (let i = 0; i < 90; i++) { const a = i % 3; evs.push({ eventId: `g${i}`, arm: a, reward: a === 0 ? (i < 45 ? 1 : 0) : i % 2 }); }
      let t = 0;
      for (const ev of evs) {
        const before = p.detections().alarms;
        p.learn([ev]); t++;
        if (p.detections().alarms > before) taus[ev.arm] = t;
      }
      assert.ok(taus[0] > 0 && taus[1] === 0 && taus[2] === 0, `${inner.policy}: alarms on arm 0 only (${taus})`);
      assert.deepEqual([...p.stats().restartRound], taus);
      const check = (id, what) => {
        const d = p.decide({ eventId: id }), s = p.inner.stats(), st = { pulls: s.pulls, rewards: s.rewards };
        const act = new Array(p.arms).fill(true), want = new Float64Array(p.arms);
        for (let k = 0; k < p.arms; k++) {
          const n = st.pulls[k], u = Math.max(t - taus[k], n);
          if (!(n > 0)) { want[k] = Infinity; continue; }
          if (inner.policy === 'UCB1') want[k] = st.rewards[k] / n + inner.alpha * M.sqrt(2 * (u > 1 ? M.log(u) : 0) / n);
          else want[k] = klUpperRef(inner.family ?? 'bernoulli', st.rewards[k] / n, klLevelRef(u, inner.c ?? 0, M) / n, inner.variance ?? 1, M);
        }
        same(d.scores, want, `${inner.policy} ${what} scores (${cfg.simd}/${cfg.threads})`);
        assert.equal(d.arm, pickRef(want, act, key, fnvRef(id)).arm);
        // the old behaviour (the inner's own clock Σ n) gives other scores: the test can fail
        const own = p.inner.decide({ eventId: id }).scores;
        assert.ok([...own].some((v, k) => !Object.is(v, want[k])), `${what}: the per-arm clock changed nothing`);
        return d;
      };
      check('after-alarm', 'after the alarm');
      // an added arm and a manual restart start their clocks at the current round
      assert.equal(p.addArm(), K); taus.push(t);
      p.learn([{ eventId: 'n0', arm: K, reward: 1 }, { eventId: 'n1', arm: 1, reward: 1 }]); t += 2;
      p.restart(0, 2); taus[2] = t;
      p.learn([{ eventId: 'n2', arm: 2, reward: 0 }, { eventId: 'n3', arm: 1, reward: 0 }]); t += 2;
      assert.deepEqual([...p.stats().restartRound], taus);
      check('after addArm and restart', 'after addArm and restart');
      const saved = p.save(), q = bandits.load(e, saved);
      assert.deepEqual(q.decide({ eventId: 'z' }), p.decide({ eventId: 'z' }));
      assert.deepEqual(q.save(), saved);
      q.free(); p.free();
    }
    await e.dispose();
  }
  // strict load: a restart round past the rounds, not an integer, or fewer rounds since it than samples, is refused
  const e = await init({ threads: 1 });
  const p = new bandits.GLR(e, { arms: 2, seed: 1, history: 4, delta: 0.5, alpha: 0 });
  p.learn([0, 1, 0, 1].map((a, i) => ({ eventId: `s${i}`, arm: a, reward: i % 2 })));
  const good = p.save();
  const edited = (f) => {
    const b = good.slice(), dv = new DataView(b.buffer), len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
    f(new Float64Array(b.buffer, start, (b.length - 4 - start) >> 3));
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; table[n] = c >>> 0; }
    let c = 0xffffffff;
    for (let i = 0; i < b.length - 4; i++) c = table[(c ^ b[i]) & 0xff] ^ (c >>> 8);
    dv.setUint32(b.length - 4, (c ^ 0xffffffff) >>> 0, true);
    return b;
  };
  // layout: header 4 (rounds 4), samples [2, 2], restartRound [0, 0] at 6-7, history 2 × 4
  assert.deepEqual(bandits.load(e, edited((s) => { assert.equal(s[0], 4); assert.equal(s[4], 2); assert.equal(s[6], 0); })).save(), good);
  assert.deepEqual([...bandits.load(e, edited((s) => { s[6] = 2; })).stats().restartRound], [2, 0]);
  for (const f of [(s) => { s[6] = 5; }, (s) => { s[7] = 0.5; }, (s) => { s[6] = 3; }, (s) => { s[7] = -1; }]) assert.throws(() => bandits.load(e, edited(f)), StateError);
  p.free();
  await e.dispose();
});

// decideBatch of a wrapper over a contextual inner policy: the inner's decideBatch, then the mix of
// all B rows in one wasm call; each row equals decide() of that row and the JS mix reference applied
// to the inner's batch decision, bit for bit in every build; errors are the inner's, nothing changes.
const BATCH_CASES = [
  { C: 'CUSUM', kind: 'cusum', o: { warmup: 3, epsilon: 0.05, threshold: 1, alpha: 0.35, exploration: 'random' }, inner: { policy: 'LinUCB', dim: 2 } },
  { C: 'GLR', kind: 'glr', o: { history: 12, delta: 0.4, alpha: 0.5, exploration: 'schedule' }, inner: { policy: 'LinUCB', dim: 2, alpha: 0.5 }, rounds: 58 },
  { C: 'Monitored', kind: 'mucb', o: { window: 6, threshold: 1.5, alpha: 0.6, exploration: 'schedule' }, inner: { policy: 'LinUCB', dim: 2 } },
  { C: 'CUSUM', kind: 'cusum', o: { warmup: 2, threshold: 1, alpha: 0.3, exploration: 'random' }, inner: { policy: 'HybridLinUCB', dim: 2, sharedDim: 1 }, shared: true },
  { C: 'GLR', kind: 'glr', o: { history: 10, delta: 0.4, alpha: 0.4, exploration: 'schedule' }, inner: { policy: 'LinTS', dim: 2, propensityDraws: 8 } },
];
test('change-detection decideBatch over a contextual inner policy: rows equal decide() and the mix reference bit for bit (4 builds), the inner\'s errors, state unchanged', async () => {
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    for (const c of BATCH_CASES) {
      const K = 4, seed = 77, p = new bandits[c.C](e, { arms: K, seed, inner: c.inner, ...c.o });
      const sh = c.shared ? { shared: [0.5] } : {};
      const rnd = lcg(9);
      let t = 0;
      // rounds: the schedule's period is ⌊K/alpha⌋ rounds, so where it stops decides whether the batch is forced
      for (; t < (c.rounds ?? 60); t++) {
        const x = [1, rnd() - 0.5];
        const d = p.decide({ eventId: `w${t}`, context: x, ...sh });
        p.learn([{ eventId: `w${t}`, arm: d.arm, reward: rnd() < (t < 30 ? 0.2 + 0.2 * d.arm : 0.8 - 0.2 * d.arm) ? 1 : 0, context: x, ...sh }]);
      }
      if (c.C !== 'Monitored') p.removeArm(3);
      const act = p.activeArms, B = 9;
      const ids = Array.from({ length: B }, (_, b) => `batch-${b}`);
      const xs = Array.from({ length: 2 * B }, (_, i) => (i % 2 ? ((i * 37) % 11) / 11 - 0.5 : 1));
      const sets = Array.from({ length: B }, (_, b) => (b % 3 === 0 ? null : b % 3 === 1 ? [act[b % act.length]] : act.slice(0, 2)));
      const shB = c.shared ? { shared: new Array(B).fill(0.5) } : {};
      const before = p.save();
      for (const options of [{ ...shB }, { ...shB, actions: sets }]) {
        const got = p.decideBatch(xs, ids, options);
        const inner = p.inner.decideBatch(xs, ids, options);
        const det = p.detections();
        for (let b = 0; b < B; b++) {
          const row = { eventId: ids[b], context: xs.slice(2 * b, 2 * b + 2), ...sh, ...(options.actions && options.actions[b] ? { actions: options.actions[b] } : {}) };
          const one = p.decide(row);
          const what = `${c.C}/${c.inner.policy} ${cfg.simd}/${cfg.threads} row ${b}${options.actions ? ' (action sets)' : ''}`;
          assert.equal(got.arms[b], one.arm, `${what}: arm`);
          assert.ok(Object.is(got.propensities[b], one.propensity), `${what}: propensity ${got.propensities[b]} vs ${one.propensity}`);
          same(got.scores.subarray(b * K, b * K + K), one.scores, `${what}: scores`);
          if (c.inner.policy === 'LinTS') continue;   // its mix needs only the schedule; the random mix is refused for it
          const offered = Array.from({ length: K }, (_, k) => (options.actions && options.actions[b] ? options.actions[b].includes(k) : act.includes(k)));
          const d = { arm: inner.arms[b], propensity: inner.propensities[b], scores: inner.scores.subarray(b * K, b * K + K) };
          const want = mixRef(c.kind, c.o, { t: det.rounds, tau: det.phase }, d, offered, keyOf(seed), fnvRef(ids[b]));
          assert.equal(got.arms[b], want.arm, `${what}: reference arm`);
          assert.ok(Object.is(got.propensities[b], want.propensity), `${what}: reference propensity ${got.propensities[b]} vs ${want.propensity} (arm ${got.arms[b]}/${want.arm}, inner ${d.arm} ${d.propensity}, det ${JSON.stringify(det)})`);
        }
        // the mix changed something somewhere (the test is not vacuous)
        assert.ok([...got.arms].some((a, b) => a !== inner.arms[b]) || [...got.propensities].some((q, b) => !Object.is(q, inner.propensities[b])), `${c.C}: no row was explored`);
      }
      // the inner policy's errors, the state unchanged
      for (const [xsBad, idsBad, oBad] of [[xs.slice(1), ids, { ...shB }], [xs, [...ids.slice(0, -1), 7], { ...shB }], [xs, ids, { ...shB, actions: [[9], ...sets.slice(1)] }], [xs, [], { ...shB }], [xs, ids, { ...shB, bogus: 1 }]]) {
        let want;
        try { p.inner.decideBatch(xsBad, idsBad, oBad); } catch (err) { want = err; }
        assert.ok(want instanceof InvalidArgumentError, `the inner refuses ${JSON.stringify(oBad)}`);
        assert.throws(() => p.decideBatch(xsBad, idsBad, oBad), (err) => err.constructor === want.constructor && err.message === want.message);
      }
      assert.deepEqual(p.save(), before);
      p.free();
    }
    const u = new bandits.CUSUM(e, { arms: 2, threshold: 1, alpha: 0.1 });
    assert.throws(() => u.decideBatch([1], ['a']), (err) => err instanceof UnsupportedError && /UCB1 has no decideBatch/.test(err.message));
    u.free();
    await e.dispose();
  }
});
