// Adversarial policies (src/bandits/adversarial.ts) against their JS references
// (test/helpers/reference-bandits-adversarial.mjs) bit for bit in every build (SIMD/scalar x 1/2
// threads): served decisions learned late, in batches, with duplicates, an arm removed and one added;
// R copies in one call; T = 1e7 rounds without overflow. The theory tests are in
// test/bandits-adversarial-theory.test.mjs.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, HyperparameterError, UnsupportedError } from '../dist/index.js';
import { fnvRef, keyOf } from './helpers/reference-bandits.mjs';
import {
  decideParams, exp4DecideRef, exp4LearnRef, expDecideRef, expLearnRef, hedgeLearnRef, hedgeParams, learnParams, resolveOptions, tsallisDecideRef,
} from './helpers/reference-bandits-adversarial.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
/** Test-side reward source (an LCG: the test's own randomness, not the library's). */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const mathOf = (e) => ({ log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) });

/** One case: the class, its options, and how the reference decides and learns. */
const BANDIT = ['EXP3', 'EXP3IX', 'EXP3P', 'TsallisINF'];
const CASES = [
  ['EXP3', {}], ['EXP3', { horizon: 300 }], ['EXP3', { gamma: 0.2, eta: 0.05 }], ['EXP3', { eta: 0.3 }],
  ['EXP3IX', {}], ['EXP3IX', { horizon: 300 }], ['EXP3IX', { eta: 0.2, gamma: 0.05 }],
  ['EXP3P', { horizon: 300 }], ['EXP3P', { horizon: 1000, delta: 0.1, alpha: 1.5, gamma: 0.3 }],
  ['TsallisINF', {}], ['TsallisINF', { estimator: 'iw' }], ['TsallisINF', { eta0: 1.5 }],
  ['Hedge', {}], ['Hedge', { horizon: 300 }], ['FixedShare', {}], ['FixedShare', { horizon: 300, share: 0.05, eta: 0.7 }],
];
const refDecide = (kind, h, st, active, key, hash, M) => (kind === 'TsallisINF' ? tsallisDecideRef(st, active, h.eta0, key, hash, M) : expDecideRef(st, active, decideParams(kind, h, M), key, hash, M));
const vectorEvents = (kind, h) => kind === 'EXP3P' || (kind === 'TsallisINF' && h.estimator === 'rv');

/**
 * A seeded serving run of `rounds` decisions: decisions are learned late (a queue flushed in batches of
 * 1..5, so the state moves between a decision and its learning), with a repeat in some batches and a
 * replayed batch; arm 2 removed at round 50 and an arm added at round 100 (the queue is flushed first:
 * vector events carry one probability per arm). Every decision is compared as it is made.
 */
async function serve(cfg, kind, o, { K = 5, rounds = 160 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = mathOf(e), seed = 2 ** 41 + 777;
  const p = new bandits[kind](e, { arms: K, seed, ...o });
  const h = resolveOptions(kind, o, K, M);
  assert.deepEqual(p.options, { ...h, seed, dedupWindow: 4096 }, 'options');
  const st = { t: 0, S: new Float64Array(K) }, active = new Array(K).fill(true), key = keyOf(seed), rnd = lcg(31);
  const full = kind === 'Hedge' || kind === 'FixedShare';
  let queue = [];
  const seen = new Set();
  const flush = () => {
    if (!queue.length) return;
    const batch = queue.slice();
    if (batch.length > 2) batch.push({ ...batch[1] });
    const res = p.learn(batch);
    let learned = 0;
    for (const ev of batch) {
      if (seen.has(ev.eventId)) continue;
      seen.add(ev.eventId); learned++;
      if (full) hedgeLearnRef(st, active, ev.rewards, hedgeParams(kind, h, M), M);
      else expLearnRef(st, active, ev.arm, ev.reward, ev.propensity, ev.probabilities, learnParams(kind, h, M), M);
    }
    assert.deepEqual(res, { learned, duplicates: batch.length - learned });
    if (batch.length === 3) assert.equal(p.learn(batch).learned, 0);
    queue = [];
  };
  for (let t = 0; t < rounds; t++) {
    if (t === 50) { flush(); p.removeArm(2); active[2] = false; }
    if (t === 100) { flush(); assert.equal(p.addArm(), st.S.length); const S = new Float64Array(st.S.length + 1); S.set(st.S); st.S = S; active.push(true); }
    const id = `ev-${t}`;
    const d = p.decide({ eventId: id });
    const r = refDecide(kind, h, st, active, key, fnvRef(id), M);
    assert.equal(d.arm, r.arm, `${kind} round ${t}: arm`);
    assert.ok(Object.is(d.propensity, r.propensity), `${kind} round ${t}: propensity ${d.propensity} vs ${r.propensity}`);
    same(d.scores, r.scores, `${kind} round ${t}: scores`);
    const n = st.S.length;
    if (full) queue.push({ eventId: id, rewards: Array.from({ length: n }, (_, k) => (active[k] ? (k % 3 === t % 3 ? rnd() : 0.3 * rnd()) : 0)) });
    else {
      const ev = { eventId: id, arm: d.arm, reward: rnd() < 0.15 * (d.arm + 1) ? 1 : 0.25 * rnd(), propensity: d.propensity };
      if (vectorEvents(kind, h)) ev.probabilities = d.scores;
      queue.push(ev);
    }
    if (queue.length >= 1 + ((t * 7) % 5)) flush();
  }
  flush();
  same(p.stats()[Object.keys(p.stats())[0]], st.S, `${kind} state`);
  assert.equal(p.rounds(), st.t);
  const saved = p.save();
  const q = bandits.load(e, saved);
  assert.deepEqual(q.decide({ eventId: 'after' }), p.decide({ eventId: 'after' }));
  q.free(); p.free();
  await e.dispose();
  return saved;
}

for (const cfg of CONFIGS) {
  test(`EXP3, EXP3-IX, EXP3.P, Tsallis-INF, Hedge, Fixed-Share equal their references bit for bit over served decisions learned late (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    for (const [kind, o] of CASES) await serve(cfg, kind, o);
  });
}

test('state files are byte-identical across builds and thread counts', async () => {
  for (const [kind, o] of [CASES[0], CASES[7], CASES[9], CASES[14]]) {
    const files = [];
    for (const cfg of CONFIGS) files.push(Buffer.from(await serve(cfg, kind, o, { rounds: 60 })).toString('base64'));
    assert.equal(new Set(files).size, 1, kind);
  }
});

for (const cfg of CONFIGS) {
  test(`EXP4 equals its reference bit for bit, and with one pure expert per arm it is EXP3 exactly (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    const e = await init(cfg);
    await e.ready;
    const M = mathOf(e), K = 4, N = 3, seed = 9;
    const p = new bandits.EXP4(e, { arms: K, experts: N, seed, gamma: 0.15 });
    const st = { t: 0, G: new Float64Array(N) }, active = new Array(K).fill(true), key = keyOf(seed), rnd = lcg(4);
    const queue = [];
    for (let t = 0; t < 120; t++) {
      if (t === 60) {
        for (const q of queue) exp4LearnRef(st, K, q.arm, q.reward, q.propensity, q.advice);
        p.learn(queue.splice(0));
        p.removeArm(1); active[1] = false;
      }
      const act = active.map((a, k) => (a ? k : -1)).filter((k) => k >= 0);
      const advice = new Array(N * K).fill(0);
      advice[act[t % act.length]] = 1;                                                  // expert 0: one arm, rotating
      advice[K + act[act.length - 1]] = 1;                                              // expert 1: the last arm
      for (const k of act) advice[2 * K + k] = 1 / act.length;                          // expert 2: uniform
      const d = p.decide({ eventId: `x${t}`, advice });
      const r = exp4DecideRef(st, active, 0.15, advice, key, fnvRef(`x${t}`), M);
      assert.equal(d.arm, r.arm, `round ${t}`);
      assert.ok(Object.is(d.propensity, r.propensity));
      same(d.scores, r.scores, `round ${t} scores`);
      const ev = { eventId: `x${t}`, arm: d.arm, reward: rnd() < (d.arm === 3 ? 0.8 : 0.3) ? 1 : 0, propensity: d.propensity, advice };
      queue.push(ev);
      if (queue.length >= 1 + (t % 3)) {
        for (const q of queue) exp4LearnRef(st, K, q.arm, q.reward, q.propensity, q.advice);
        p.learn(queue.splice(0));
      }
    }
    for (const q of queue) exp4LearnRef(st, K, q.arm, q.reward, q.propensity, q.advice);
    p.learn(queue.splice(0));
    same(p.expertGains(), st.G, 'expert gains');
    assert.equal(p.rounds(), st.t);
    const q = bandits.load(e, p.save());
    const adv = [0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0, 0.25, 0.25];
    assert.deepEqual(q.decide({ eventId: 'z', advice: adv }), p.decide({ eventId: 'z', advice: adv }));
    q.free(); p.free();

    // EXP4 with experts e_0..e_{K-1} (advice = identity) is Auer's EXP3 with the same γ: same bits
    const x4 = new bandits.EXP4(e, { arms: K, experts: K, seed: 5, gamma: 0.1 });
    const x3 = new bandits.EXP3(e, { arms: K, seed: 5, gamma: 0.1 });
    const I = Array.from({ length: K * K }, (_, i) => (i % (K + 1) === 0 ? 1 : 0));
    for (let t = 0; t < 200; t++) {
      const a = x4.decide({ eventId: `y${t}`, advice: I }), b = x3.decide({ eventId: `y${t}` });
      assert.deepEqual(a, b, `round ${t}`);
      const reward = rnd() < 0.2 * (a.arm + 1) ? 1 : 0;
      x4.learn([{ eventId: `y${t}`, arm: a.arm, reward, propensity: a.propensity, advice: I }]);
      x3.learn([{ eventId: `y${t}`, arm: b.arm, reward, propensity: b.propensity }]);
    }
    same(x4.expertGains(), x3.stats().gains, 'EXP4 gains = EXP3 gains');
    await e.dispose();
  });
}

for (const cfg of CONFIGS) {
  test(`R copies decide in one threaded call and learn in one call, each equal to its reference (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    const e = await init(cfg);
    await e.ready;
    const M = mathOf(e), R = 9, K = 5, seed = 3;
    for (const [kind, o] of [['EXP3', {}], ['EXP3', { horizon: 100 }], ['EXP3IX', {}], ['EXP3P', { horizon: 100 }], ['TsallisINF', {}], ['TsallisINF', { estimator: 'iw' }], ['Hedge', {}], ['FixedShare', {}]]) {
      const p = new bandits[kind](e, { arms: K, seed, copies: R, ...o });
      const h = resolveOptions(kind, o, K, M), key = keyOf(seed), act = new Array(K).fill(true), rnd = lcg(5);
      const refs = Array.from({ length: R }, () => ({ t: 0, S: new Float64Array(K) }));
      const full = kind === 'Hedge' || kind === 'FixedShare';
      for (let t = 0; t < 40; t++) {
        const hs = new Uint32Array(2 * R);
        for (let r = 0; r < R; r++) { hs[2 * r] = t; hs[2 * r + 1] = r; }
        const d = p.decideCopies(hs);
        const copies = new Int32Array(R), arms = new Int32Array(R), rewards = new Float64Array(R), vec = new Float64Array(R * K);
        for (let r = 0; r < R; r++) {
          const want = refDecide(kind, h, refs[r], act, key, [t, r], M);
          assert.equal(d.arms[r], want.arm, `${kind} t ${t} copy ${r}`);
          assert.ok(Object.is(d.propensities[r], want.propensity));
          same(d.scores.subarray(r * K, r * K + K), want.scores, `${kind} t ${t} copy ${r} scores`);
          copies[r] = r; arms[r] = want.arm; rewards[r] = rnd() < 0.2 * want.arm ? 1 : 0.5 * rnd();
          for (let k = 0; k < K; k++) vec[r * K + k] = full ? rnd() : want.scores[k];
        }
        const props = d.propensities.slice();
        if (full) p.learnVectors(copies, vec);
        else if (vectorEvents(kind, h)) p.learnCopies(copies, arms, rewards, props, vec);
        else p.learnCopies(copies, arms, rewards, props);
        for (let r = 0; r < R; r++) {
          if (full) hedgeLearnRef(refs[r], act, vec.subarray(r * K, r * K + K), hedgeParams(kind, h, M), M);
          else expLearnRef(refs[r], act, arms[r], rewards[r], props[r], vec.subarray(r * K, r * K + K), learnParams(kind, h, M), M);
        }
      }
      for (let r = 0; r < R; r++) { same(Object.values(p.stats(r))[0], refs[r].S, `${kind} copy ${r}`); assert.equal(p.rounds(r), 40); }
      p.free();
    }
    await e.dispose();
  });
}

test('T = 1e7 rounds: cumulative estimates of 1e9 to 1e12 give finite probabilities that sum to 1 (no overflow, no underflow to NaN), as the reference computes them', async () => {
  const e = await init({ threads: 1 });
  const M = mathOf(e), K = 4, B = 1_000_000;
  // 1e7 events through learnCopies for the forms without uniform mixing (where an underflow would
  // show), 1e6 for the slower vector folds, which then start from warm estimates of ±1e12
  const cases = [['EXP3', {}, 1e7], ['EXP3IX', {}, 1e7], ['TsallisINF', { estimator: 'iw' }, 1e7], ['Hedge', {}, 1e7],
    ['EXP3', { gamma: 0.01 }, 1e6, 1e12], ['EXP3P', { horizon: 1e7 }, 1e6, 1e12], ['TsallisINF', {}, 1e6, -1e12], ['FixedShare', {}, 1e6]];
  const copies = new Int32Array(B), arms = new Int32Array(B), rewards = new Float64Array(B), props = new Float64Array(B), vec = new Float64Array(B * K);
  // an adversarial stream: arm i mod K, arm 0 with propensity 1e-6 (importance weights 1e6), rewards alternating in blocks of 4
  for (let i = 0; i < B; i++) {
    arms[i] = i % K; rewards[i] = (i >> 2) % 2; props[i] = arms[i] === 0 ? 1e-6 : 0.25;
    vec.set(arms[i] === 0 ? [1e-6, 0.5, 0.25, 0.25 - 1e-6] : [0.25, 0.25, 0.25, 0.25], i * K);
  }
  for (const [kind, o, T, warm] of cases) {
    const slot = { EXP3: o.gamma ? 'gains' : 'losses', EXP3IX: 'losses', EXP3P: 'gains', TsallisINF: 'losses', Hedge: 'gains', FixedShare: 'logWeights' }[kind];
    const p = new bandits[kind](e, { arms: K, seed: 1, ...o, ...(warm ? { warmStart: { [slot]: [warm, 0.5 * warm, 0, 0.25 * warm] } } : {}) });
    const h = resolveOptions(kind, o, K, M);
    const full = kind === 'Hedge' || kind === 'FixedShare';
    for (let b = 0; b < T / B; b++) {
      if (full) p.learnVectors(copies, vec);
      else if (kind === 'EXP3P' || h.estimator === 'rv') p.learnCopies(copies, arms, rewards, props, vec);
      else p.learnCopies(copies, arms, rewards, props);
    }
    assert.equal(p.rounds(), T);
    const S = Object.values(p.stats())[0];
    for (const s of S) assert.ok(Number.isFinite(s), `${kind} estimate ${s}`);
    if (!full) assert.ok(Math.max(...S.map(Math.abs)) >= 1e9, `${kind}: estimates reach ${Math.max(...S.map(Math.abs))}`);
    for (let j = 0; j < 10; j++) {
      const d = p.decide({ eventId: `late-${j}` });
      let sum = 0;
      for (const x of d.scores) { assert.ok(Number.isFinite(x) && x >= 0, `${kind} score ${x}`); sum += x; }
      assert.ok(Math.abs(sum - 1) < 1e-12, `${kind} probabilities sum to ${sum}`);
      assert.ok(d.propensity > 0 && d.propensity <= 1);
      const r = refDecide(kind, h, { t: T, S }, [true, true, true, true], keyOf(1), fnvRef(`late-${j}`), M);
      assert.deepEqual(d, { arm: r.arm, propensity: r.propensity, scores: r.scores });
    }
    p.free();
  }
  await e.dispose();
});

test('events without the decision-time propensity, or with a vector that does not match it, are refused whole and change nothing', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.EXP3P(e, { arms: 3, seed: 2, horizon: 100 });
  const d = p.decide({ eventId: 'a' });
  const good = { eventId: 'a', arm: d.arm, reward: 1, propensity: d.propensity, probabilities: d.scores };
  const before = p.save();
  const bad = [
    { ...good, propensity: undefined }, { ...good, propensity: 0 }, { ...good, propensity: 1.5 }, { ...good, propensity: 1e-13 }, { ...good, propensity: NaN },
    { ...good, propensity: d.propensity / 2 }, { ...good, probabilities: [0.5, 0.5] }, { ...good, probabilities: [1, 1, 1] }, { ...good, probabilities: undefined },
    { ...good, probabilities: [d.scores[0], d.scores[1], -d.scores[2]] },
  ];
  for (const ev of bad) {
    if (ev.propensity === undefined) delete ev.propensity;
    if (ev.probabilities === undefined) delete ev.probabilities;
    assert.throws(() => p.learn([good, ev]), InvalidArgumentError, JSON.stringify(ev));
    assert.deepEqual(p.save(), before);
  }
  assert.throws(() => p.learnCopies(new Int32Array([0]), new Int32Array([0]), new Float64Array([1])), InvalidArgumentError);
  assert.throws(() => p.learnCopies(new Int32Array([0]), new Int32Array([0]), new Float64Array([1]), new Float64Array([0.5])), InvalidArgumentError);
  assert.deepEqual(p.learn([good]), { learned: 1, duplicates: 0 });
  const x = new bandits.EXP3(e, { arms: 2 });
  assert.throws(() => x.learn([{ eventId: 'b', arm: 0, reward: 1 }]), /propensity/);
  assert.throws(() => x.learn([{ eventId: 'b', arm: 0, reward: 1, propensity: 0.5, probabilities: [0.5, 0.5] }]), /unknown key "probabilities"/);
  assert.throws(() => x.learn([{ eventId: 'b', arm: 0, reward: 2, propensity: 0.5 }]), /outside \[0, 1\]/);
  const hdg = new bandits.Hedge(e, { arms: 2 });
  assert.throws(() => hdg.learn([{ eventId: 'c', rewards: [0.5] }]), InvalidArgumentError);
  assert.throws(() => hdg.learn([{ eventId: 'c', arm: 0, reward: 1 }]), /unknown key/);
  assert.throws(() => hdg.learnCopies(), UnsupportedError);
  assert.throws(() => new bandits.EXP3P(e, { arms: 2 }), HyperparameterError);
  assert.throws(() => new bandits.EXP4(e, { arms: 2, experts: 2, copies: 2 }), HyperparameterError);
  const x4 = new bandits.EXP4(e, { arms: 2, experts: 2 });
  assert.throws(() => x4.decide({ eventId: 'q' }), InvalidArgumentError);
  assert.throws(() => x4.decide({ eventId: 'q', advice: [0.5, 0.4, 1, 0] }), /sums to/);
  await e.dispose();
});
