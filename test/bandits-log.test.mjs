// The decision log (src/bandits/serving/log.ts): delayed, out-of-order, missing, late and duplicate
// rewards; TTL defaults; bounded size with evictions; strict JSON export; and the order test of issue
// 10 §1: the same decisions with their rewards delivered in a shuffled, delayed order (random batches)
// give the same final state as in order, for every policy whose update commutes.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, HyperparameterError, StateError } from '../dist/index.js';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());

const K = 4, D = 3, E = 3;
// seeded LCG for the test's own choices (event order, batch sizes, rewards)
const lcg = (seed) => { let s = seed >>> 0; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296); };

// every policy of the library, dedupWindow 0 so that save() bytes compare the whole state
const MAKERS = {
  UCB1: (o) => new bandits.UCB1(e, o), UCBV: (o) => new bandits.UCBV(e, o), MOSS: (o) => new bandits.MOSS(e, { ...o, horizon: 1000 }),
  MOSSAnytime: (o) => new bandits.MOSSAnytime(e, o), KLUCB: (o) => new bandits.KLUCB(e, o), IMED: (o) => new bandits.IMED(e, o),
  BayesUCB: (o) => new bandits.BayesUCB(e, o), EpsilonGreedy: (o) => new bandits.EpsilonGreedy(e, o),
  EpsilonDecreasing: (o) => new bandits.EpsilonDecreasing(e, o), Softmax: (o) => new bandits.Softmax(e, o),
  BernoulliTS: (o) => new bandits.BernoulliTS(e, o), GaussianTS: (o) => new bandits.GaussianTS(e, o),
  Hedge: (o) => new bandits.Hedge(e, { ...o, horizon: 1000 }), EXP3: (o) => new bandits.EXP3(e, { ...o, horizon: 1000 }),
  EXP3IX: (o) => new bandits.EXP3IX(e, { ...o, horizon: 1000 }), EXP3P: (o) => new bandits.EXP3P(e, { ...o, horizon: 1000 }),
  EXP4: (o) => new bandits.EXP4(e, { ...o, experts: E, horizon: 1000 }),
  LinUCB: (o) => new bandits.LinUCB(e, { ...o, dim: D }), LinTS: (o) => new bandits.LinTS(e, { ...o, dim: D }),
  LinEpsilonGreedy: (o) => new bandits.LinEpsilonGreedy(e, { ...o, dim: D }), LinEpsilonGreedyLogistic: (o) => new bandits.LinEpsilonGreedy(e, { ...o, dim: D, regressor: 'logistic' }),
  SquareCB: (o) => new bandits.SquareCB(e, { ...o, dim: D }),
  CUSUM: (o) => new bandits.CUSUM(e, { ...o, horizon: 1000, warmup: 10 }), GLR: (o) => new bandits.GLR(e, { ...o, horizon: 1000 }),
  Monitored: (o) => new bandits.Monitored(e, { ...o, horizon: 1000 }),
  HybridLinUCB: (o) => new bandits.HybridLinUCB(e, { ...o, dim: D, sharedDim: 2 }),
  DLinUCB: (o) => new bandits.DLinUCB(e, { ...o, dim: D }), SWLinUCB: (o) => new bandits.SWLinUCB(e, { ...o, dim: D, tau: 50 }),
  TsallisINF: (o) => new bandits.TsallisINF(e, o), SWUCB: (o) => new bandits.SWUCB(e, { ...o, tau: 50 }),
  DiscountedUCB: (o) => new bandits.DiscountedUCB(e, o), DiscountedTS: (o) => new bandits.DiscountedTS(e, o),
  ExploreThenCommit: (o) => new bandits.ExploreThenCommit(e, { ...o, pullsPerArm: 10 }), FixedShare: (o) => new bandits.FixedShare(e, { ...o, horizon: 1000 }),
};
// Updates that are sums of per-event terms: with rewards whose sums are exact in f64 (multiples of 1/8
// here) the state is bit for bit the same in any order.
const EXACT = ['UCB1', 'UCBV', 'MOSS', 'MOSSAnytime', 'KLUCB', 'IMED', 'BayesUCB', 'EpsilonGreedy', 'EpsilonDecreasing', 'Softmax', 'BernoulliTS', 'GaussianTS', 'Hedge'];
// Sums too, of terms that are not exact (r/p, advice·r/p, Sherman-Morrison rank-one updates): the same
// state up to the rounding of a reordered f64 sum.
const ROUNDING = ['EXP3', 'EXP3IX', 'EXP3P', 'EXP4', 'LinUCB', 'LinTS', 'LinEpsilonGreedy', 'SquareCB', 'HybridLinUCB'];
// Order rule: each event is one round of a non-commuting update (a discount, a window of the last τ,
// the first m rewards, η_t at learn time, a share step, the logistic regressor's Newton step, a change detector's running statistics). The log learns in reward arrival order, so
// their state is that of learning the events directly in that order.
const ORDERED = ['TsallisINF', 'SWUCB', 'DiscountedUCB', 'DiscountedTS', 'ExploreThenCommit', 'FixedShare', 'LinEpsilonGreedyLogistic', 'CUSUM', 'GLR', 'Monitored', 'DLinUCB', 'SWLinUCB'];

test('every policy class of the namespace is in the order test, each configuration in one class', () => {
  assert.deepEqual([...EXACT, ...ROUNDING, ...ORDERED].sort(), Object.keys(MAKERS).sort());
  const kinds = new Set(Object.values(MAKERS).map((f) => { const p = f({ arms: 2 }); const k = p.kind; p.free(); return k; }));
  assert.deepEqual([...kinds].sort(), Object.keys(bandits.policyClasses()).sort());
});

/** T decisions on fresh policy p through log, with a context / advice per request; returns the rewards to deliver. */
function scenario(p, log, T, rnd) {
  const full = p.eventFields.includes('rewards'), key = full ? 'rewards' : 'reward';
  const binary = p.kind === 'BernoulliTS';
  const rewards = [];
  for (let t = 0; t < T; t++) {
    const req = { eventId: `ev-${t}` };
    const perArm = ['DLinUCB', 'SWLinUCB'].includes(p.kind); // they take one feature vector per arm
    if (p.eventFields.includes('context')) req.context = Array.from({ length: perArm ? K * D : D }, () => Math.floor(rnd() * 17 - 8) / 8);
    if (p.eventFields.includes('shared')) req.shared = Array.from({ length: K * 2 }, () => Math.floor(rnd() * 9 - 4) / 4);
    if (p.eventFields.includes('advice')) {
      const adv = [];
      for (let q = 0; q < E; q++) { const v = Array.from({ length: K }, () => 1 + Math.floor(rnd() * 3)); const z = v.reduce((a, b) => a + b); adv.push(...v.map((x) => x / z)); }
      req.advice = adv;
    }
    log.decide(req, t);
    const r = () => (binary ? (rnd() < 0.5 ? 1 : 0) : Math.floor(rnd() * 9) / 8);
    rewards.push({ eventId: req.eventId, [key]: full ? Array.from({ length: K }, r) : r() });
  }
  return rewards;
}
const shuffled = (a, rnd) => { const b = a.slice(); for (let i = b.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [b[i], b[j]] = [b[j], b[i]]; } return b; };
const maxRel = (a, b) => { let m = 0; for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) m = Math.max(m, Math.abs(a[k][i] - b[k][i]) / Math.max(1, Math.abs(a[k][i]))); return m; };
const same = (a, b) => Buffer.from(a).equals(Buffer.from(b));

for (const name of Object.keys(MAKERS)) {
  test(`${name}: rewards delivered shuffled and delayed in random batches vs in order`, () => {
    const T = 160, rnd = lcg(7 + name.length);
    const A = MAKERS[name]({ arms: K, seed: 5, dedupWindow: 0 }), B = MAKERS[name]({ arms: K, seed: 5, dedupWindow: 0 });
    const C = MAKERS[name]({ arms: K, seed: 5, dedupWindow: 0 });
    const la = new bandits.DecisionLog(A), lb = new bandits.DecisionLog(B);
    const ra = scenario(A, la, T, lcg(11)), rb = scenario(B, lb, T, lcg(11));
    assert.deepEqual(ra, rb);
    for (const [i, r] of ra.entries()) la.rewards([r], T + i);
    // shuffled, and a third of the rewards held back to arrive after all the others
    const order = shuffled(rb, rnd), held = order.filter((_, i) => i % 3 === 0), first = order.filter((_, i) => i % 3 !== 0);
    const arrival = [...first, ...held];
    let sent = 0;
    while (sent < arrival.length) {
      const n = 1 + Math.floor(rnd() * 17);
      const res = lb.rewards(arrival.slice(sent, sent + n), 2 * T + sent);
      assert.equal(res.joined, Math.min(n, arrival.length - sent));
      sent += n;
    }
    assert.equal(la.counts.learned, T); assert.equal(lb.counts.learned, T);
    assert.equal(la.pending, 0); assert.equal(lb.pending, 0);
    // the log learned in arrival order: the same state as learning those events directly, for every policy
    const direct = new bandits.DecisionLog(C);
    scenario(C, direct, T, lcg(11));
    for (const r of arrival) direct.rewards([r], 3 * T);
    assert.ok(same(B.save(), C.save()), 'batched arrival order = one event at a time in that order');
    if (EXACT.includes(name)) assert.ok(same(A.save(), B.save()), `${name} commutes: same bits in any order`);
    else if (ROUNDING.includes(name)) {
      const m = maxRel(A.stats(), B.stats());
      assert.ok(m <= 1e-12, `${name}: ${m}`);
    } else {
      assert.ok(ORDERED.includes(name));
      assert.ok(!same(A.save(), B.save()), `${name} is documented as order-dependent; this test should see it`);
    }
    for (const p of [A, B, C]) p.free();
  });
}

test('decide records eventId, arm, propensity, context hash, policy version and time; rewards join by eventId', () => {
  const p = new bandits.LinUCB(e, { arms: 3, dim: 2 });
  const log = new bandits.DecisionLog(p, { policyVersion: 'v7' });
  const d = log.decide({ eventId: 'a', context: [1, 0.5] }, 100);
  assert.equal(d.policyVersion, 'v7'); assert.equal(d.time, 100); assert.equal(d.eventId, 'a');
  const en = log.get('a');
  assert.equal(en.arm, d.arm); assert.equal(en.propensity, d.propensity); assert.equal(en.policyVersion, 'v7');
  assert.match(en.contextHash, /^[0-9a-f]{16}$/);
  assert.deepEqual(en.fields.context, [1, 0.5]);
  // the same context hashes the same; another context differently
  log.decide({ eventId: 'b', context: [1, 0.5] }, 101);
  log.decide({ eventId: 'c', context: [1, 0.25] }, 102);
  assert.equal(log.get('b').contextHash, en.contextHash);
  assert.notEqual(log.get('c').contextHash, en.contextHash);
  const q = new bandits.LinUCB(e, { arms: 3, dim: 2 });
  const res = log.rewards([{ eventId: 'c', reward: 0.5 }, { eventId: 'a', reward: 1 }], 200);
  assert.equal(res.joined, 2); assert.equal(res.learned, 2);
  assert.deepEqual(res.records.map((r) => [r.eventId, r.reward, r.outcome, r.rewardTime]), [['c', 0.5, 'joined', 200], ['a', 1, 'joined', 200]]);
  q.learn([{ eventId: 'c', arm: res.records[0].arm, reward: 0.5, context: [1, 0.25] }, { eventId: 'a', arm: d.arm, reward: 1, context: [1, 0.5] }]);
  assert.deepEqual(p.stats(), q.stats());
  assert.equal(log.pending, 1);
  p.free(); q.free();
});

test('TTL: a missing reward becomes defaultReward (learned once) or is dropped; a late reward is counted, not applied', () => {
  for (const dflt of [0, null]) {
    const p = new bandits.BernoulliTS(e, { arms: 2 });
    const log = new bandits.DecisionLog(p, { ttl: 10, defaultReward: dflt });
    log.decide({ eventId: 'x' }, 0); log.decide({ eventId: 'y' }, 5);
    const r1 = log.expire(9.5);
    assert.equal(r1.defaulted + r1.dropped, 0);
    const r2 = log.expire(10);
    assert.equal(dflt === null ? r2.dropped : r2.defaulted, 1);
    assert.equal(r2.learned, dflt === null ? 0 : 1);
    const before = p.save();
    // x's reward arrives after its TTL, y's in time: x counted late, y joined
    const r3 = log.rewards([{ eventId: 'x', reward: 1 }, { eventId: 'y', reward: 1 }], 12);
    assert.equal(r3.late, 1); assert.equal(r3.joined, 1); assert.equal(r3.learned, 1);
    const pulls = p.stats().pulls;
    assert.equal(pulls[0] + pulls[1], dflt === null ? 1 : 2);
    const r4 = log.rewards([{ eventId: 'x', reward: 1 }, { eventId: 'y', reward: 0 }], 13);
    assert.equal(r4.late, 1); assert.equal(r4.duplicates, 1); assert.equal(r4.learned, 0);
    assert.ok(!same(before, p.save()));
    assert.deepEqual(log.counts, { decided: 2, joined: 1, late: 2, duplicates: 1, unknown: 0, defaulted: dflt === null ? 0 : 1, dropped: dflt === null ? 1 : 0, evicted: 0, learned: dflt === null ? 1 : 2 });
    p.free();
  }
});

test('a reward that reaches an expired decision in the same call as its TTL ends is late, and the default applies once', () => {
  const p = new bandits.UCB1(e, { arms: 2 });
  const log = new bandits.DecisionLog(p, { ttl: 10, defaultReward: 0.25 });
  log.decide({ eventId: 'x' }, 0);
  const r = log.rewards([{ eventId: 'x', reward: 1 }], 20);
  assert.equal(r.late, 1); assert.equal(r.defaulted, 1); assert.equal(r.learned, 1);
  assert.deepEqual(r.records.map((x) => [x.reward, x.outcome]), [[0.25, 'defaulted']]);
  assert.equal(p.stats().rewards.reduce((a, b) => a + b), 0.25);
  p.free();
});

test('bad input is refused with a typed error and changes nothing', () => {
  const p = new bandits.BernoulliTS(e, { arms: 3 });
  const log = new bandits.DecisionLog(p, { ttl: 100 });
  for (let i = 0; i < 4; i++) log.decide({ eventId: `e${i}` }, i);
  log.rewards([{ eventId: 'e0', reward: 1 }], 5);
  const snap = () => [Buffer.from(p.save()).toString('hex'), JSON.stringify(log.toJSON())];
  const s0 = snap();
  const bad = [
    [[{ eventId: 'e1', reward: 1 }, { eventId: 'nope', reward: 1 }], /no decision with this eventId/],
    [[{ eventId: 'e1', reward: 2 }], /reward/],
    [[{ eventId: 'e1', reward: NaN }], /reward/],
    [[{ eventId: 'e1' }], /needs reward/],
    [[{ eventId: 'e1', reward: 1, arm: 0 }], /unknown key "arm"/],
    [[{ eventId: 7, reward: 1 }], /eventId must be a string/],
    [[null], /must be an object/],
    ['e1', /array/],
  ];
  for (const [batch, re] of bad) {
    assert.throws(() => log.rewards(batch, 6), (err) => err instanceof InvalidArgumentError && re.test(err.message), JSON.stringify(batch));
    assert.deepEqual(snap(), s0);
  }
  assert.throws(() => log.decide({ eventId: 'e2' }, 6), (err) => err instanceof InvalidArgumentError && /already logged/.test(err.message));
  assert.throws(() => log.decide({ eventId: 'e0' }, 6), (err) => err instanceof InvalidArgumentError && /already logged \(learned\)/.test(err.message));
  assert.throws(() => log.decide({ eventId: 'x', context: [1] }, 6), InvalidArgumentError);
  assert.throws(() => log.decide({ eventId: 'x' }, NaN), InvalidArgumentError);
  assert.deepEqual(snap(), s0);
  // counted instead of refused on request
  const l2 = new bandits.DecisionLog(p, { unknownRewards: 'count' });
  assert.equal(l2.rewards([{ eventId: 'nope', reward: 1 }], 0).unknown, 1);
  for (const [o, re] of [[{ capacity: 0 }, /capacity/], [{ ttl: 0 }, /ttl/], [{ defaultReward: 2 }, /reward/], [{ defaultReward: NaN }, /defaultReward/], [{ policyVersion: '' }, /policyVersion/],
    [{ ttll: 1 }, /did you mean "ttl"/], [{ shadows: { me: p } }, /served policy itself/], [{ shadows: { x: new bandits.UCB1(e, { arms: 2 }) } }, /2 arms/], [{ unknownRewards: 'drop' }, /unknownRewards/]]) {
    assert.throws(() => new bandits.DecisionLog(p, o), (err) => err instanceof HyperparameterError && re.test(err.message), JSON.stringify(Object.keys(o)));
  }
  assert.throws(() => new bandits.DecisionLog({}), InvalidArgumentError);
  p.free();
});

test('bounded: the oldest waiting decision is evicted and reported; its reward later counts as late; memory forgets', () => {
  const p = new bandits.UCB1(e, { arms: 2 });
  const evicted = [];
  const log = new bandits.DecisionLog(p, { capacity: 3, memory: 4, onEvict: (x) => evicted.push(x.eventId) });
  for (let i = 0; i < 5; i++) log.decide({ eventId: `e${i}` }, i);
  assert.deepEqual(evicted, ['e0', 'e1']);
  assert.equal(log.pending, 3); assert.equal(log.counts.evicted, 2);
  const r = log.rewards([{ eventId: 'e0', reward: 1 }, { eventId: 'e4', reward: 1 }], 10);
  assert.equal(r.late, 1); assert.equal(r.joined, 1);
  // memory of 4 resolved ids: e0, e1, e4 then e2, e3, e5... push e0 out
  log.rewards([{ eventId: 'e2', reward: 0 }, { eventId: 'e3', reward: 0 }], 11);
  assert.deepEqual(log.toJSON().resolved.map((x) => x[0]), ['e1', 'e4', 'e2', 'e3']);
  assert.throws(() => log.rewards([{ eventId: 'e0', reward: 1 }], 12), (err) => err instanceof InvalidArgumentError && /memory of 4/.test(err.message));
  p.free();
});

test('time never runs backwards: an earlier now is taken as the latest time seen', () => {
  const p = new bandits.UCB1(e, { arms: 2 });
  const log = new bandits.DecisionLog(p, { ttl: 10 });
  log.decide({ eventId: 'a' }, 100);
  assert.equal(log.decide({ eventId: 'b' }, 50).time, 100);
  assert.equal(log.expire(105).dropped, 0);
  assert.equal(log.expire(110).dropped, 2);
  let t = 1000;
  const l2 = new bandits.DecisionLog(p, { clock: () => t });
  assert.equal(l2.decide({ eventId: 'c' }).time, 1000);
  t = 'soon';
  assert.throws(() => l2.decide({ eventId: 'd' }), (err) => err instanceof InvalidArgumentError && /clock returned/.test(err.message));
  p.free();
});

test('shadow policies: what a challenger would have chosen is recorded with every decision', () => {
  const p = new bandits.UCB1(e, { arms: 3 }), ch = new bandits.EpsilonGreedy(e, { arms: 3, epsilon: 0.2, seed: 9 });
  const log = new bandits.DecisionLog(p, { shadows: { eps: ch } });
  const d = log.decide({ eventId: 'q1' }, 0);
  const s = ch.decide({ eventId: 'q1' });
  assert.deepEqual(log.get('q1').shadows, { eps: { arm: s.arm, propensity: s.propensity } });
  const r = log.rewards([{ eventId: 'q1', reward: 1 }], 1);
  assert.deepEqual(r.records[0].shadows.eps, { arm: s.arm, propensity: s.propensity });
  assert.equal(r.records[0].arm, d.arm);
  // the challenger learns nothing from the log
  assert.deepEqual(Array.from(ch.stats().pulls), [0, 0, 0]);
  p.free(); ch.free();
});

test('toJSON / fromJSON round trip, and malformed logs are refused with StateError', () => {
  const p = new bandits.EXP3P(e, { arms: 3, horizon: 100 });
  const log = new bandits.DecisionLog(p, { ttl: 50, capacity: 10, policyVersion: 'exp3p-1' });
  for (let i = 0; i < 6; i++) log.decide({ eventId: `e${i}` }, i);
  log.rewards([{ eventId: 'e2', reward: 1 }, { eventId: 'e0', reward: 0 }], 8);
  const j = JSON.parse(JSON.stringify(log.toJSON()));
  assert.equal(j.waiting[0].fields.probabilities.length, 3);
  const q = bandits.load(e, p.save());
  const back = bandits.DecisionLog.fromJSON(q, j);
  assert.deepEqual(back.toJSON(), log.toJSON());
  // the same rewards give the same state through both
  const r1 = log.rewards([{ eventId: 'e5', reward: 1 }, { eventId: 'e0', reward: 1 }], 9);
  const r2 = back.rewards([{ eventId: 'e5', reward: 1 }, { eventId: 'e0', reward: 1 }], 9);
  assert.deepEqual(r1, r2);
  assert.ok(same(p.save(), q.save()));
  const damage = [
    (x) => { x.format = 'other'; }, (x) => { x.version = 2; }, (x) => { x.policy = 'UCB1'; }, (x) => { delete x.counts; }, (x) => { x.extra = 1; },
    (x) => { x.waiting[0].arm = 7; }, (x) => { x.waiting[0].propensity = 0; }, (x) => { x.waiting[1].time = -1; }, (x) => { x.waiting[0].fields.probabilities = [1, 0]; },
    (x) => { x.waiting[0].fields.context = [1]; }, (x) => { x.waiting[1].eventId = x.waiting[0].eventId; }, (x) => { x.resolved[0][1] = 'maybe'; },
    (x) => { x.resolved.push([x.waiting[0].eventId, 'learned']); }, (x) => { x.counts.learned = -1; }, (x) => { x.capacity = 0; }, (x) => { x.waiting[0].contextHash = 'xyz'; },
    (x) => { x.lastTime = 'now'; }, (x) => { x.shadows = ['a']; }, (x) => { x.waiting = {}; },
  ];
  for (const [i, f] of damage.entries()) {
    const bad = JSON.parse(JSON.stringify(j));
    f(bad);
    assert.throws(() => bandits.DecisionLog.fromJSON(q, bad), StateError, `damage ${i}`);
  }
  assert.throws(() => bandits.DecisionLog.fromJSON(q, null), StateError);
  p.free(); q.free();
});

test('actionFeatures requests: the chosen arm\'s feature vector is what is learned', () => {
  const p = new bandits.LinUCB(e, { arms: 2, dim: 2 }), q = new bandits.LinUCB(e, { arms: 2, dim: 2 });
  const log = new bandits.DecisionLog(p);
  const d = log.decide({ eventId: 'a', context: [1, 0, 0, 1], actionFeatures: true }, 0);
  log.rewards([{ eventId: 'a', reward: 1 }], 1);
  q.learn([{ eventId: 'a', arm: d.arm, reward: 1, context: d.arm === 0 ? [1, 0] : [0, 1] }]);
  assert.deepEqual(p.stats(), q.stats());
  p.free(); q.free();
});

test('HybridLinUCB: shared features given per arm are learned as the chosen arm\'s block', () => {
  const p = new bandits.HybridLinUCB(e, { arms: 2, dim: 2, sharedDim: 1 }), q = new bandits.HybridLinUCB(e, { arms: 2, dim: 2, sharedDim: 1 });
  const log = new bandits.DecisionLog(p);
  const d = log.decide({ eventId: 'h', context: [1, 0.5], shared: [0.25, -0.75] }, 0);
  assert.deepEqual(log.get('h').fields, { context: [1, 0.5], shared: [[0.25], [-0.75]][d.arm] });
  log.rewards([{ eventId: 'h', reward: 1 }], 1);
  q.learn([{ eventId: 'h', arm: d.arm, reward: 1, context: [1, 0.5], shared: [[0.25], [-0.75]][d.arm] }]);
  assert.ok(same(p.save(), q.save()));
  p.free(); q.free();
});
