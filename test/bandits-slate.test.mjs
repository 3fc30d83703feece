// Top-k slates of LinUCB and LinTS (decideSlate / decideSlates, src/bandits/contextual.ts; kernels in
// assembly/bandits/slate.ts) against the reference (test/helpers/reference-bandits-slate.mjs) bit for bit
// in every build: arms, per-position propensities and scores over a seeded run that learns one event per
// shown position (events carry `position`, deduplicated per eventId and position). Also: LinUCB's
// position propensities are the exact tie shares (hand-made ties), LinTS's estimates agree with the
// observed position frequencies, and bad requests are refused with typed errors.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError } from '../dist/index.js';
import { fnvRef, keyOf } from './helpers/reference-bandits.mjs';
import { linState, linLearnRef } from './helpers/reference-bandits-linear.mjs';
import { slateRef } from './helpers/reference-bandits-slate.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

async function serve(cfg, kind, { K = 7, d = 4, rounds = 60, alpha = 0.8, lambda = 0.6, draws = 12 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x) };
  const seed = 4242, C = kind === 'ucb' ? bandits.LinUCB : bandits.LinTS;
  const p = new C(e, { arms: K, dim: d, alpha, lambda, seed, ...(kind === 'ts' ? { propensityDraws: draws } : {}) });
  const st = linState(K, d, lambda), key = keyOf(seed), rnd = lcg(17 + d);
  const vec = (n) => Array.from({ length: n }, () => 2 * rnd() - 1);
  const thetas = Array.from({ length: K }, () => vec(d));
  const seen = new Set();
  for (let t = 0; t < rounds; t++) {
    const id = `s${t}`, k = 1 + (t % 3), mode = t % 4;
    let got, ref, xs;
    if (mode === 0 || mode === 1) {
      const x = vec(d), set = mode === 1 ? [0, 2, 3, 5, 6] : undefined;
      got = p.decideSlate({ eventId: id, context: x, slots: k, ...(set ? { actions: set } : {}) });
      ref = slateRef(st, () => x, st.active.map((a, i) => a && (!set || set.includes(i))), kind, alpha, key, fnvRef(id), M, k, draws);
      xs = () => x;
    } else if (mode === 2) {
      const all = vec(K * d);
      got = p.decideSlate({ eventId: id, context: all, slots: k, actionFeatures: true });
      ref = slateRef(st, (a) => all.slice(a * d, a * d + d), st.active, kind, alpha, key, fnvRef(id), M, k, draws);
      xs = (a) => all.slice(a * d, a * d + d);
    } else {
      const all = vec(2 * d), ids = [id, `${id}b`];
      const b = p.decideSlates(all, ids, k);
      for (let c = 0; c < 2; c++) {
        const r = slateRef(st, () => all.slice(c * d, c * d + d), st.active, kind, alpha, key, fnvRef(ids[c]), M, k, draws);
        same(b.arms.subarray(c * k, (c + 1) * k), r.arms, `round ${t} slate ${c} arms`);
        same(b.propensities.subarray(c * k, (c + 1) * k), r.propensities, `round ${t} slate ${c} propensities`);
        same(b.scores.subarray(c * K, (c + 1) * K), r.scores, `round ${t} slate ${c} scores`);
      }
      got = { arms: Array.from(b.arms.subarray(0, k)), propensities: Array.from(b.propensities.subarray(0, k)), scores: b.scores.slice(0, K) };
      ref = slateRef(st, () => all.slice(0, d), st.active, kind, alpha, key, fnvRef(id), M, k, draws);
      xs = () => all.slice(0, d);
    }
    assert.deepEqual(got.arms, ref.arms, `round ${t}: arms`);
    same(got.propensities, ref.propensities, `round ${t}: propensities`);
    same(got.scores, ref.scores, `round ${t}: scores`);
    assert.equal(new Set(got.arms).size, k);
    // one event per position (click = reward), the first repeated: learned once per (eventId, position)
    const events = got.arms.map((a, j) => ({ eventId: id, arm: a, position: j, reward: thetas[a].reduce((s, v, i) => s + v * xs(a)[i], 0) / (1 + j), context: xs(a) }));
    const res = p.learn([...events, events[0]]);
    let n = 0;
    for (const ev of [...events, events[0]]) {
      const kk = `${ev.eventId}/${ev.position}`;
      if (seen.has(kk)) continue;
      seen.add(kk); n++;
      linLearnRef(st, ev.arm, Float64Array.from(ev.context, Math.fround), ev.reward);
    }
    assert.deepEqual(res, { learned: n, duplicates: events.length + 1 - n });
  }
  const s = p.stats();
  same(s.b, Float64Array.from({ length: K * d }, (_, i) => st.arms[Math.floor(i / d)].b[i % d]), 'b');
  p.free(); await e.dispose();
}

for (const cfg of CONFIGS) {
  const name = `simd ${cfg.simd}, ${cfg.threads} thread(s)`;
  test(`LinUCB slates equal the reference bit for bit (k = 1..3, action sets and features, decideSlates, learning per position) (${name})`, async () => { await serve(cfg, 'ucb'); });
  test(`LinTS slates equal the reference bit for bit incl. Monte Carlo position propensities (${name})`, async () => { await serve(cfg, 'ts'); });
}

test('LinUCB: tied arms share their positions exactly (propensity 1/#tied, frequencies over 3000 events); LinTS: position propensities match the observed frequencies', async () => {
  const e = await init({ threads: 1 });
  // a fresh LinUCB scores every arm alike for one context: all 5 tie, each position has propensity 1/5
  const p = new bandits.LinUCB(e, { arms: 5, dim: 2 });
  const counts = Array.from({ length: 3 }, () => new Array(5).fill(0));
  for (let i = 0; i < 3000; i++) {
    const s = p.decideSlate({ eventId: `u${i}`, context: [1, 0], slots: 3 });
    assert.deepEqual(s.propensities, [0.2, 0.2, 0.2]);
    s.arms.forEach((a, j) => counts[j][a]++);
  }
  for (const row of counts) for (const c of row) assert.ok(Math.abs(c / 3000 - 0.2) < 4 * Math.sqrt(0.16 / 3000), `frequency ${c / 3000}`);
  p.free();
  // LinTS after some learning: the mean estimated propensity of (position j, arm a) over events where
  // the slate put a at j equals P(a at j | context) ≈ the observed frequency
  const q = new bandits.LinTS(e, { arms: 4, dim: 2, alpha: 0.5, propensityDraws: 256 });
  q.learn([0, 1, 2, 3].flatMap((a) => Array.from({ length: 3 }, (_, i) => ({ eventId: `l${a}-${i}`, arm: a, reward: 0.2 * a, context: [1, 0] }))));
  const N = 2000, freq = Array.from({ length: 2 }, () => new Array(4).fill(0)), psum = Array.from({ length: 2 }, () => new Array(4).fill(0));
  for (let i = 0; i < N; i++) {
    const s = q.decideSlate({ eventId: `t${i}`, context: [1, 0], slots: 2 });
    s.arms.forEach((a, j) => { freq[j][a]++; psum[j][a] += s.propensities[j]; });
  }
  for (let j = 0; j < 2; j++) for (let a = 0; a < 4; a++) {
    if (freq[j][a] < 50) continue;
    const f = freq[j][a] / N, est = psum[j][a] / freq[j][a];
    assert.ok(Math.abs(f - est) < 4 * Math.sqrt(f * (1 - f) / N) + 0.02, `position ${j} arm ${a}: frequency ${f}, mean propensity ${est}`);
  }
  q.free(); await e.dispose();
});

test('bad slate requests and position events are refused with typed errors, the state unchanged', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.LinUCB(e, { arms: 3, dim: 2 });
  assert.throws(() => p.decideSlate({ eventId: 'x', context: [1, 0], slots: 4 }), (x) => x instanceof InvalidArgumentError && /slots must be an integer in \[1, 3\]/.test(x.message));
  assert.throws(() => p.decideSlate({ eventId: 'x', context: [1, 0], slots: 0 }), /slots must be/);
  assert.throws(() => p.decideSlate({ eventId: 'x', context: [1, 0], slots: 3, actions: [0, 1] }), /offers 2 arms, fewer than the 3 slots/);
  assert.throws(() => p.decideSlate({ eventId: 'x', context: [1, 0], slot: 2 }), /unknown key "slot".*did you mean "slots"/);
  p.removeArm(2);
  assert.throws(() => p.decideSlates([1, 0], ['x'], 3), /offers 2 arms/);
  const before = p.save();
  assert.throws(() => p.learn([{ eventId: 'a', arm: 0, reward: 1, context: [1, 0], position: 0 }, { eventId: 'a', arm: 1, reward: 1, context: [1, 0], position: -1 }]), /event 1 \(eventId "a"\): position must be an integer/);
  assert.throws(() => p.learn([{ eventId: 'a', arm: 0, reward: 1, context: [1, 0], position: 1.5 }]), InvalidArgumentError);
  assert.deepEqual(p.save(), before);
  assert.deepEqual(p.learn([{ eventId: 'a', arm: 0, reward: 1, context: [1, 0], position: 0 }, { eventId: 'a', arm: 1, reward: 0, context: [1, 0], position: 1 }, { eventId: 'a', arm: 1, reward: 0, context: [1, 0], position: 1 }]), { learned: 2, duplicates: 1 });
  p.free(); await e.dispose();
});
