// Property tests over the bandit policies (src/bandits/): random options through the constructors,
// random batches (good and bad events mixed) through learn(), random requests through decide(), and
// random damage to saved states (bit flips, truncation, edited manifest values) through bandits.load.
// Every failure is a SimdoptError with a code and leaves the policy bit for bit as it was; every
// accepted input leaves a policy that decides validly and saves/loads again.
// SIMDOPT_FUZZ_RUNS=N runs N cases per property.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { init, bandits, StateError } from '../../dist/index.js';
import { expectCleanFailure, runs } from './contract.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const POLICIES = { UCB1: bandits.UCB1 };
// the index policies (src/bandits/index-policies.ts); required options preset, overridable by the fuzzed ones
const preset = (C, o) => class extends C { constructor(en, opts) { super(en, typeof opts === 'object' && opts !== null ? { ...o, ...opts } : opts); } };
Object.assign(POLICIES, {
  UCBV: bandits.UCBV, MOSS: preset(bandits.MOSS, { horizon: 1000 }), MOSSAnytime: bandits.MOSSAnytime, IMED: bandits.IMED,
  KLUCB: bandits.KLUCB, KLUCBGaussian: preset(bandits.KLUCB, { family: 'gaussian' }),
  KLUCBPoisson: preset(bandits.KLUCB, { family: 'poisson' }), KLUCBExponential: preset(bandits.KLUCB, { family: 'exponential' }),
  BayesUCB: bandits.BayesUCB, BayesUCBHorizon: preset(bandits.BayesUCB, { c: 1, horizon: 5000 }),
});
// the passive non-stationary policies (src/bandits/nonstationary.ts); a short window so it wraps
Object.assign(POLICIES, { SWUCB: preset(bandits.SWUCB, { tau: 3 }), DiscountedUCB: bandits.DiscountedUCB, DiscountedTS: preset(bandits.DiscountedTS, { propensityDraws: 4 }) });
Object.assign(POLICIES, {
  EpsilonGreedy: bandits.EpsilonGreedy, EpsilonDecreasing: bandits.EpsilonDecreasing, Softmax: bandits.Softmax,
  ExploreThenCommit: bandits.ExploreThenCommit, BernoulliTS: bandits.BernoulliTS, GaussianTS: bandits.GaussianTS,
});
// the change-detection wrappers (src/bandits/change-detection.ts); small detectors so that alarms (restarts) happen
Object.assign(POLICIES, {
  CUSUM: preset(bandits.CUSUM, { horizon: 1000, warmup: 2, threshold: 0.6 }),
  CUSUMScheduleTS: preset(bandits.CUSUM, { horizon: 1000, warmup: 1, threshold: 0.4, exploration: 'schedule', restart: 'global', inner: { policy: 'BernoulliTS', propensityDraws: 2 } }),
  GLR: preset(bandits.GLR, { horizon: 1000, history: 6, delta: 0.5 }),
  GLRSubGaussian: preset(bandits.GLR, { horizon: 1000, history: 8, test: 'subgaussian', restart: 'global', exploration: 'random', delta: 0.6, inner: { policy: 'UCB1' } }),
  Monitored: preset(bandits.Monitored, { window: 4, threshold: 0.9, alpha: 0.3 }),
});
const guard = (p) => () => ({ stats: p.stats(), active: p.activeArms, bytes: p.save() });

const anyValue = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 1, 0.5, 2, 1e6, 1e7, 2 ** 53, -0, 1.5, 3),
  fc.constantFrom('1', null, true, [], {}, () => 1, 10n, [1, 2], undefined, Object.create(null)),
  fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: -5, max: 10 }),
);
const NAMES = ['arms', 'seed', 'alpha', 'dedupWindow', 'copies', 'warmStart', 'alfa', 'arm', 'Seed', 'zeta', 'c', 'horizon', 'family', 'variance', 'tau', 'xi', 'gamma', 'alpha0', 'beta0', 'propensityDraws'];
NAMES.push('inner', 'changes', 'warmup', 'threshold', 'restart', 'exploration', 'test', 'sigma', 'delta', 'history', 'window', 'minChange');
NAMES.push('epsilon', 'c', 'd', 'temperature', 'pullsPerArm', 'beta', 'propensityDraws', 'priorMean', 'priorCount', 'priorShape', 'priorRate');

function checkValid(p) {
  const d = p.decide({ eventId: 'probe' });
  assert.ok(Number.isInteger(d.arm) && p.activeArms.includes(d.arm), `arm ${d.arm}`);
  assert.ok(d.propensity > 0 && d.propensity <= 1, `propensity ${d.propensity}`);
  assert.equal(d.scores.length, p.arms);
  const q = bandits.load(e, p.save());
  assert.deepEqual(q.decide({ eventId: 'probe' }), d);
  q.free();
}

for (const [name, C] of Object.entries(POLICIES)) {
  test(`${name}: random options are accepted into a valid policy or refused cleanly`, () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...NAMES), anyValue, { maxKeys: 4 }), fc.integer({ min: 1, max: 6 }), (o, arms) => {
      const opts = { arms, ...o };
      if (opts.warmStart === undefined) delete opts.warmStart;
      let p;
      const err = expectCleanFailure(() => { p = new C(e, opts); });
      if (err) return;
      checkValid(p);
      p.free();
    }), { numRuns: runs(150) });
  });

  const event = (K) => fc.oneof(
    { weight: 4, arbitrary: fc.record({ eventId: fc.string({ minLength: 1, maxLength: 8 }), arm: fc.integer({ min: 0, max: K - 1 }), reward: fc.double({ min: 0, max: 1, noNaN: true }) }) },
    { weight: 1, arbitrary: fc.record({ eventId: fc.oneof(fc.string({ maxLength: 3 }), anyValue), arm: anyValue, reward: anyValue }) },
    { weight: 1, arbitrary: fc.oneof(anyValue, fc.record({ eventId: fc.string({ minLength: 1 }), arm: fc.constant(0), reward: fc.constant(1), extra: anyValue })) },
  );
  test(`${name}: random batches are learned whole or refused whole, state unchanged`, () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.array(event(5), { maxLength: 6 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: -1, max: 4 }), (K, batches, removed) => {
      const p = new C(e, { arms: K, seed: 3, dedupWindow: 5 });
      if (removed >= 0 && removed < K && K > 1) p.removeArm(removed);
      for (const b of batches) {
        let res;
        const err = expectCleanFailure(() => { res = p.learn(b); }, guard(p));
        if (!err) assert.equal(res.learned + res.duplicates, b.length);
      }
      checkValid(p);
      p.free();
    }), { numRuns: runs(150) });
  });

  test(`${name}: random decide requests give a valid decision or a clean refusal`, () => {
    const p = new C(e, { arms: 4, seed: 11 });
    p.learn([{ eventId: 'a', arm: 1, reward: 1 }]);
    fc.assert(fc.property(fc.oneof(anyValue, fc.record({ eventId: fc.oneof(fc.string({ maxLength: 40 }), anyValue) }), fc.record({ eventId: fc.string(), context: anyValue })), (req) => {
      let d;
      const err = expectCleanFailure(() => { d = p.decide(req); }, guard(p));
      if (!err) assert.ok(p.activeArms.includes(d.arm) && d.propensity > 0 && d.propensity <= 1);
    }), { numRuns: runs(200) });
    p.free();
  });

  test(`${name}: damaged state files are refused with StateError (bit flips, truncation, edited values)`, () => {
    const p = new C(e, { arms: 3, seed: 5, dedupWindow: 3 });
    p.learn([{ eventId: 'a', arm: 0, reward: 1 }, { eventId: 'b', arm: 2, reward: 0.5 }]);
    const good = p.save();
    fc.assert(fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 7 }), fc.boolean(), (i, bit, cut) => {
      const b = cut ? good.slice(0, i) : good.slice();
      if (!cut) b[i] ^= 1 << bit;
      assert.throws(() => bandits.load(e, b), StateError);
    }), { numRuns: runs(200) });
    // edited manifest values, resealed so that the checks after the checksum run
    const dv = new DataView(good.buffer), len = dv.getUint32(16, true);
    const m0 = JSON.parse(new TextDecoder().decode(good.subarray(32, 32 + len)));
    const paths = [];
    const walk = (o, path) => { for (const [k, v] of Object.entries(o)) { paths.push([...path, k]); if (v && typeof v === 'object') walk(v, [...path, k]); } };
    walk(m0, []);
    const t = e.alloc(2048, 'i32');
    e.kernel('crc32_table')(t.ptr);
    fc.assert(fc.property(fc.constantFrom(...paths), anyValue, (path, v) => {
      const m = structuredClone(m0);
      let o = m;
      for (const k of path.slice(0, -1)) o = o[k];
      if (v === undefined) delete o[path.at(-1)]; else o[path.at(-1)] = typeof v === 'function' || typeof v === 'bigint' ? String(v) : v;
      const json = new TextEncoder().encode(JSON.stringify(m));
      const start = Math.ceil((32 + len) / 16) * 16, payload = good.subarray(start, good.length - 4);
      const ns = Math.ceil((32 + json.length) / 16) * 16, out = new Uint8Array(ns + payload.length + 4);
      out.set(good.subarray(0, 32)); out.set(json, 32); out.set(payload, ns);
      const ov = new DataView(out.buffer);
      ov.setUint32(16, json.length, true); ov.setUint32(24, out.length, true);
      const buf = e.alloc(out.length - 4, 'u8');
      buf.array.set(out.subarray(0, out.length - 4));
      ov.setUint32(out.length - 4, e.kernel('crc32_u8')(0, t.ptr, buf.ptr, out.length - 4) >>> 0, true);
      buf.free();
      let q;
      const err = expectCleanFailure(() => { q = bandits.load(e, out); });
      if (err) { assert.ok(err instanceof StateError, `${err.name}: ${err.message}`); return; }
      checkValid(q);
      q.free();
    }), { numRuns: runs(300) });
    t.free();
    p.free();
  });
}

// ---- bandits.simulate, its environments (envs.ts, parseEnv) and bandits.plotRegret ----
const envSpec = fc.oneof(
  fc.record({ type: fc.constantFrom('bernoulli', 'gaussian', 'poisson', 'exponential', 'testbed', 'adversarial', 'bernouli', 'linear'),
    means: fc.oneof(anyValue, fc.array(fc.oneof(fc.double({ min: -1, max: 2, noNaN: true }), anyValue), { minLength: 0, maxLength: 4 }),
      fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 3 })),
    changePoints: fc.oneof(anyValue, fc.array(fc.oneof(fc.integer({ min: -2, max: 30 }), anyValue), { maxLength: 3 })),
    sd: anyValue, seed: anyValue, arms: anyValue, perRepetition: anyValue, sequence: fc.oneof(fc.constant('ucb1'), anyValue), rewards: anyValue, alpha: anyValue, extra: anyValue, theta: fc.oneof(anyValue, fc.constant([[1, 0], [0, 1]]), fc.constant([[0.5], [NaN]])), noise: anyValue },
  { requiredKeys: ['type'] }),
  fc.constantFrom('bernoulli:0.1,0.9', 'gaussian:0,1:2', 'poisson:1,2', 'exponential:1', 'testbed', 'testbed-fixed:3', 'adversarial:ucb1',
    'adversarial:1,0|0,1@5', 'bernoulli:0.9,0.1|0.1,0.9@10', 'bernoulli:', 'bernoulli:x', 'bernoulli:0.5|0.5,0.5@3', 'bernoulli:0.5,0.5@', '{"type":"bernoulli","means":[0.2,0.4]}', '{bad', ''),
  anyValue,
);
const simOptions = fc.record({
  env: envSpec,
  policies: fc.oneof(fc.constant(['ucb1']), fc.constant(['imed', 'MOSS']), fc.array(fc.oneof(fc.constantFrom('ucb1', 'klucb', 'lin', 'nosuch', 'LinUCB'), anyValue,
    fc.record({ policy: fc.constantFrom('ucb1', 'KLUCB'), options: fc.oneof(anyValue, fc.dictionary(fc.constantFrom('alpha', 'copies', 'seed', 'family', 'horizon', 'c'), anyValue, { maxKeys: 2 })), label: anyValue }, { requiredKeys: ['policy'] })), { maxLength: 2 }), anyValue),
  horizon: fc.oneof(fc.integer({ min: 0, max: 40 }), anyValue), repetitions: fc.oneof(fc.integer({ min: 0, max: 5 }), anyValue),
  seed: anyValue, checkpoints: fc.oneof(anyValue, fc.array(fc.oneof(fc.integer({ min: -1, max: 45 }), anyValue), { maxLength: 4 })),
  z: anyValue, progress: anyValue, horizont: anyValue,
}, { requiredKeys: [] });

test('simulate: random options, environments and policy lists give a consistent result or a clean refusal', () => {
  let accepted = 0;
  const valid = fc.record({ env: fc.constantFrom('bernoulli:0.1,0.9', 'adversarial:ucb1', 'bernoulli:0.9,0.1|0.1,0.9@10', { type: 'bernoulli', means: [0.3, 0.2] }, { type: 'linear', theta: [[1, 0], [0, 1]] }),
    policies: fc.constantFrom(['ucb1'], ['ucb1', 'imed'], ['linucb']), horizon: fc.integer({ min: 1, max: 40 }), repetitions: fc.integer({ min: 1, max: 5 }) });
  fc.assert(fc.property(fc.oneof({ weight: 1, arbitrary: simOptions }, { weight: 1, arbitrary: valid }, { weight: 2, arbitrary: fc.tuple(valid, simOptions).map(([v, o]) => { const k = Object.keys(o)[0]; return k === undefined ? v : { ...v, [k]: o[k] }; }) }), (o) => {
    let res;
    const err = expectCleanFailure(() => { res = bandits.simulate(e, o); });
    if (err) return;
    accepted++;
    const n = res.checkpoints.length, T = res.horizon;
    assert.ok(n >= 1 && res.checkpoints[n - 1] <= T);
    for (const p of res.policies) {
      for (const k of ['mean', 'sd', 'lower', 'upper', 'min', 'max']) { assert.equal(p.regret[k].length, n); for (const v of p.regret[k]) assert.ok(Number.isFinite(v), `${k} ${v}`); }
      assert.ok(Math.abs(p.pulls.reduce((a, b) => a + b, 0) - T) < 1e-9 * T);
      if (res.env.regret === 'dynamic') for (const v of p.regret.mean) assert.ok(v >= -1e-9);
    }
    // and the result plots
    assert.ok(bandits.plotRegret(res).startsWith('<?xml'));
  }), { numRuns: runs(150) });
  assert.ok(accepted >= 10, `only ${accepted} accepted cases`);
});

test('parseEnv: random strings give a spec or a clean refusal', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^(bernoulli|gaussian|poisson|adversarial|testbed)[:0-9.,|@x-]{0,16}$/), anyValue), (s) => {
    let spec;
    if (expectCleanFailure(() => { spec = bandits.parseEnv(s); })) return;
    assert.equal(typeof spec, typeof {});
    expectCleanFailure(() => bandits.simulate(e, { env: spec, policies: ['ucb1'], horizon: 5, repetitions: 2 }));
  }), { numRuns: runs(200) });
});

test('plotRegret: random options and damaged results give an SVG or a clean refusal', () => {
  const good = bandits.simulate(e, { env: 'bernoulli:0.2,0.7', policies: ['ucb1'], horizon: 50, repetitions: 3, checkpoints: 5 });
  const damage = fc.record({ path: fc.constantFrom('checkpoints', 'policies', 'lowerBound', 'policies.0.label', 'policies.0.regret', 'policies.0.regret.mean', 'policies.0.regret.upper', 'lowerBound.curve', 'env'), v: fc.oneof(anyValue, fc.constant(new Float64Array(5).fill(NaN)), fc.constant(new Float64Array(2))) });
  fc.assert(fc.property(fc.dictionary(fc.constantFrom('width', 'height', 'title', 'logX', 'bands', 'lowerBound', 'colors', 'colour'), fc.oneof(anyValue, fc.string({ maxLength: 12 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 })), { maxKeys: 3 }), fc.option(damage), (opts, dmg) => {
    const r = structuredClone(good);
    if (dmg) {
      const keys = dmg.path.split('.');
      let o = r;
      for (const k of keys.slice(0, -1)) o = o[k];
      o[keys[keys.length - 1]] = dmg.v;
    }
    let svg;
    if (expectCleanFailure(() => { svg = bandits.plotRegret(r, opts); })) return;
    assert.ok(svg.startsWith('<?xml') && svg.trimEnd().endsWith('</svg>'));
    assert.ok(!/NaN|Infinity|undefined/.test(svg), 'no non-finite coordinates');
  }), { numRuns: runs(200) });
});
// ---- adversarial policies (src/bandits/adversarial.ts): their events carry the decision's propensity
// (and probability vector / advice / full reward vector), so good events are made from a decision and
// then damaged by one random edit.
const ADV = {
  EXP3: { C: bandits.EXP3, o: {}, names: ['gamma', 'eta', 'horizon', 'gama'] },
  EXP3IX: { C: bandits.EXP3IX, o: {}, names: ['gamma', 'eta', 'horizon'] },
  EXP3P: { C: bandits.EXP3P, o: { horizon: 100 }, names: ['gamma', 'alpha', 'delta', 'horizon'] },
  TsallisINF: { C: bandits.TsallisINF, o: {}, names: ['estimator', 'eta0', 'eta'] },
  Hedge: { C: bandits.Hedge, o: {}, names: ['eta', 'horizon'] },
  FixedShare: { C: bandits.FixedShare, o: {}, names: ['eta', 'horizon', 'share'] },
  EXP4: { C: bandits.EXP4, o: { experts: 2 }, names: ['experts', 'gamma', 'horizon'] },
};
const adviceOf = (p) => { const act = p.activeArms; return Array.from({ length: p.experts * p.arms }, (_, i) => (act[Math.floor(i / p.arms) % act.length] === i % p.arms ? 1 : 0)); };
const requestOf = (p, eventId) => (p.kind === 'EXP4' ? { eventId, advice: adviceOf(p) } : { eventId });
/** A good event for `p` made from its decision for eventId (the fields its kind needs). */
function goodEvent(p, eventId, reward, vec) {
  if (p.kind === 'Hedge' || p.kind === 'FixedShare') return { eventId, rewards: Array.from({ length: p.arms }, (_, k) => vec[k % vec.length]) };
  const req = requestOf(p, eventId), d = p.decide(req);
  const ev = { eventId, arm: d.arm, reward, propensity: d.propensity };
  if (p.kind === 'EXP3P' || (p.kind === 'TsallisINF' && p.options.estimator === 'rv')) ev.probabilities = Array.from(d.scores);
  if (p.kind === 'EXP4') ev.advice = req.advice;
  return ev;
}
function checkValidAdv(p) {
  const d = p.decide(requestOf(p, 'probe'));
  assert.ok(Number.isInteger(d.arm) && p.activeArms.includes(d.arm), `arm ${d.arm}`);
  assert.ok(d.propensity > 0 && d.propensity <= 1, `propensity ${d.propensity}`);
  let s = 0;
  for (const x of d.scores) { assert.ok(x >= 0 && x <= 1); s += x; }
  assert.ok(Math.abs(s - 1) < 1e-9, `scores sum to ${s}`);
  const q = bandits.load(e, p.save());
  assert.deepEqual(q.decide(requestOf(q, 'probe')), d);
  q.free();
}
const EDIT_KEYS = ['eventId', 'arm', 'reward', 'propensity', 'probabilities', 'advice', 'rewards', 'extra'];
const edit = fc.option(fc.record({ key: fc.constantFrom(...EDIT_KEYS), value: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 8 })), drop: fc.boolean() }), { freq: 2 });

for (const [name, { C, o, names }] of Object.entries(ADV)) {
  test(`${name}: random options are accepted into a valid policy or refused cleanly`, () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...NAMES, ...names), anyValue, { maxKeys: 4 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), (opts0, arms, base) => {
      const opts = { arms, ...(base ? o : {}), ...opts0 };
      if (opts.warmStart === undefined) delete opts.warmStart;
      let p;
      const err = expectCleanFailure(() => { p = new C(e, opts); });
      if (err) return;
      checkValidAdv(p);
      p.free();
    }), { numRuns: runs(120) });
  });

  test(`${name}: random batches (events from decisions, randomly damaged) are learned whole or refused whole, state unchanged`, () => {
    const ev = fc.record({ eventId: fc.string({ minLength: 1, maxLength: 6 }), reward: fc.double({ min: 0, max: 1, noNaN: true }), vec: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }), edit });
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(ev, { maxLength: 5 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: -1, max: 3 }), (K, batches, removed) => {
      const p = new C(e, { arms: K, seed: 3, dedupWindow: 5, ...o });
      if (removed >= 0 && removed < K && K > 1) p.removeArm(removed);
      for (const b of batches) {
        const events = b.map(({ eventId, reward, vec, edit: ed }) => {
          const g = goodEvent(p, eventId, reward, vec);
          if (ed) { if (ed.drop) delete g[ed.key]; else g[ed.key] = ed.value; }
          return g;
        });
        let res;
        const err = expectCleanFailure(() => { res = p.learn(events); }, guard(p));
        if (!err) assert.equal(res.learned + res.duplicates, events.length);
      }
      checkValidAdv(p);
      p.free();
    }), { numRuns: runs(120) });
  });

  test(`${name}: random decide requests give a valid decision or a clean refusal`, () => {
    const p = new C(e, { arms: 3, seed: 11, ...o });
    p.learn([goodEvent(p, 'a', 1, [0.5])]);
    fc.assert(fc.property(fc.oneof(anyValue, fc.record({ eventId: fc.oneof(fc.string({ maxLength: 20 }), anyValue) }), fc.record({ eventId: fc.string({ minLength: 1 }), advice: fc.oneof(anyValue, fc.array(fc.oneof(anyValue, fc.double({ min: 0, max: 1 })), { maxLength: 7 })) })), (req) => {
      let d;
      const err = expectCleanFailure(() => { d = p.decide(req); }, guard(p));
      if (!err) assert.ok(p.activeArms.includes(d.arm) && d.propensity > 0 && d.propensity <= 1);
    }), { numRuns: runs(150) });
    p.free();
  });

  test(`${name}: damaged state files are refused with StateError (bit flips, truncation)`, () => {
    const p = new C(e, { arms: 3, seed: 5, dedupWindow: 3, ...o });
    p.learn([goodEvent(p, 'a', 1, [0.5]), goodEvent(p, 'b', 0.25, [0.1, 0.9])]);
    const good = p.save();
    fc.assert(fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 7 }), fc.boolean(), (i, bit, cut) => {
      const b = cut ? good.slice(0, i) : good.slice();
      if (!cut) b[i] ^= 1 << bit;
      assert.throws(() => bandits.load(e, b), StateError);
    }), { numRuns: runs(100) });
    p.free();
  });

  if (C !== bandits.EXP4) {
    test(`${name}: random simulation batches (learnCopies / learnVectors) are learned or refused cleanly`, () => {
      fc.assert(fc.property(fc.array(fc.record({ c: fc.integer({ min: -1, max: 2 }), a: fc.integer({ min: -1, max: 3 }), r: fc.oneof(fc.double({ min: 0, max: 1 }), anyValue), p: fc.oneof(fc.double({ min: 0, max: 1 }), anyValue) }), { maxLength: 5 }), fc.boolean(), (rows, vector) => {
        const p = new C(e, { arms: 3, seed: 1, copies: 2, ...o });
        const n = rows.length, num = (v) => (typeof v === 'number' ? v : NaN);
        const copies = Int32Array.from(rows, (x) => x.c), arms = Int32Array.from(rows, (x) => x.a), rewards = Float64Array.from(rows, (x) => num(x.r)), props = Float64Array.from(rows, (x) => num(x.p));
        const vec = new Float64Array(3 * n).fill(1 / 3);
        for (let i = 0; i < n; i++) if (arms[i] >= 0 && arms[i] < 3) vec[3 * i + arms[i]] = props[i];
        const err = expectCleanFailure(() => {
          if (name === 'Hedge' || name === 'FixedShare') p.learnVectors(copies, vector ? vec : rewards);
          else p.learnCopies(copies, arms, rewards, props, vector ? vec : undefined);
        }, guard(p));
        if (err === undefined) checkValidAdv(p);
        p.free();
      }), { numRuns: runs(100) });
    });
  }
}

// ---- contextual policies over regressors (src/bandits/regression.ts); later contextual pieces append to CTX ----
const CTX = {
  LinEpsilonGreedy: { C: bandits.LinEpsilonGreedy, o: {}, names: ['epsilon', 'regressor', 'lambda', 'alpha'] },
  LinEpsilonGreedyLogistic: { C: bandits.LinEpsilonGreedy, o: { regressor: 'logistic' }, names: ['epsilon', 'lambda'] },
  SquareCB: { C: bandits.SquareCB, o: {}, names: ['gamma', 'gammaExponent', 'regressor', 'lambda', 'gama'] },
  SquareCBLogistic: { C: bandits.SquareCB, o: { regressor: 'logistic' }, names: ['gamma', 'gammaExponent', 'lambda'] },
};
/** The context of a decide request of `p` (B = 1), as the policy wants it (a hook later pieces extend). */
const sharedOf = (p) => Array.from({ length: p.sharedDim }, (_, j) => 0.5 - (j % 2));
const PER_ARM = new Set(['DLinUCB', 'SWLinUCB']);
const ctxRequest = (p, eventId, x) => (p.kind === 'HybridLinUCB' ? { eventId, context: x, shared: sharedOf(p) } : PER_ARM.has(p.kind) ? { eventId, context: Array.from({ length: p.arms }, () => x).flat() } : { eventId, context: x });
const ctxEvent = (p, eventId, arm, reward, x) => (p.kind === 'HybridLinUCB' ? { eventId, arm, reward, context: x, shared: sharedOf(p) } : { eventId, arm, reward, context: x });
// DLinUCB, SWLinUCB (src/bandits/drifting.ts): one θ for every arm, so a request's context is arms × dim
CTX.DLinUCB = { C: bandits.DLinUCB, o: {}, names: ['gamma', 'alpha', 'lambda', 'delta', 'sigma', 'thetaBound', 'featureBound', 'gama'], perArm: true };
CTX.SWLinUCB = { C: bandits.SWLinUCB, o: { tau: 2 }, names: ['tau', 'alpha', 'lambda', 'delta', 'sigma', 'featureBound'], perArm: true };
// HybridLinUCB (src/bandits/hybrid.ts): requests and events also carry `shared` (sharedDim 2 here)
CTX.HybridLinUCB = { C: bandits.HybridLinUCB, o: { sharedDim: 2 }, names: ['sharedDim', 'alpha', 'lambda', 'sharedDims'], shared: 2 };
const ctxVec = (d) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: d, maxLength: d });
function checkValidCtx(p) {
  const x = Array.from({ length: p.dim }, (_, j) => (j % 3) - 1);
  const d = p.decide(ctxRequest(p, 'probe', x));
  assert.ok(Number.isInteger(d.arm) && p.activeArms.includes(d.arm), `arm ${d.arm}`);
  assert.ok(d.propensity > 0 && d.propensity <= 1, `propensity ${d.propensity}`);
  assert.equal(d.scores.length, p.arms);
  const q = bandits.load(e, p.save());
  assert.deepEqual(q.decide(ctxRequest(q, 'probe', x)), d);
  q.free();
}
for (const [name, { C, o, names }] of Object.entries(CTX)) {
  test(`${name}: random options are accepted into a valid policy or refused cleanly`, () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...names, 'dim', 'copies', 'warmStart', 'seed'), fc.oneof(anyValue, fc.constantFrom('ridge', 'logistic', 'lasso')), { maxKeys: 3 }), fc.integer({ min: 1, max: 5 }), (opt, arms) => {
      const opts = { dim: 3, ...o, arms, ...opt };
      if (opts.warmStart === undefined) delete opts.warmStart;
      let p;
      if (expectCleanFailure(() => { p = new C(e, opts); })) return;
      checkValidCtx(p);
      p.free();
    }), { numRuns: runs(100) });
  });
  const sh = CTX[name].shared;
  const withShared = (rec, bad) => (sh ? { ...rec, shared: bad ? fc.oneof(ctxVec(sh), ctxVec(sh + 1), anyValue) : ctxVec(sh) } : rec);
  const event = (K, d) => fc.oneof(
    { weight: 4, arbitrary: fc.record(withShared({ eventId: fc.string({ minLength: 1, maxLength: 6 }), arm: fc.integer({ min: 0, max: K - 1 }), reward: fc.double({ min: 0, max: 1, noNaN: true }), context: ctxVec(d) }, false)) },
    { weight: 1, arbitrary: fc.record(withShared({ eventId: fc.oneof(fc.string({ maxLength: 3 }), anyValue), arm: fc.oneof(fc.integer({ min: -1, max: K }), anyValue), reward: fc.oneof(fc.double({ min: -2, max: 2 }), anyValue), context: fc.oneof(ctxVec(d), ctxVec(d + 1), anyValue, fc.constant([NaN, 0, 0])) }, true)) },
    { weight: 1, arbitrary: fc.oneof(anyValue, fc.record(withShared({ eventId: fc.string({ minLength: 1 }), arm: fc.constant(0), reward: fc.constant(1), context: ctxVec(d), extra: anyValue }, false))) },
  );
  test(`${name}: random contextual batches are learned whole or refused whole, state unchanged`, () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(event(4, 3), { maxLength: 5 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: -1, max: 3 }), (K, batches, removed) => {
      const p = new C(e, { dim: 3, ...o, arms: K, seed: 3, dedupWindow: 4 });
      if (removed >= 0 && removed < K && K > 1) p.removeArm(removed);
      for (const b of batches) {
        let res;
        const err = expectCleanFailure(() => { res = p.learn(b); }, guard(p));
        if (!err) assert.equal(res.learned + res.duplicates, b.length);
      }
      checkValidCtx(p);
      p.free();
    }), { numRuns: runs(100) });
  });
  test(`${name}: random decide requests and batches give valid decisions or a clean refusal`, () => {
    const p = new C(e, { dim: 3, ...o, arms: 4, seed: 11 });
    p.learn([ctxEvent(p, 'a', 1, 1, [1, 0, 0.5])]);
    p.removeArm(3);
    const req = fc.record({ eventId: fc.oneof(fc.string({ maxLength: 20 }), anyValue), context: fc.oneof(ctxVec(3), ctxVec(12), anyValue, ctxVec(2)),
      actions: fc.oneof(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 }), anyValue), actionFeatures: fc.oneof(fc.boolean(), anyValue), extra: anyValue,
      ...(sh ? { shared: fc.oneof(ctxVec(sh), ctxVec(4 * sh), ctxVec(sh + 1), anyValue) } : {}) }, { requiredKeys: sh ? ['eventId', 'context', 'shared'] : ['eventId', 'context'] });
    fc.assert(fc.property(fc.oneof(anyValue, req), (r) => {
      let d;
      if (!expectCleanFailure(() => { d = p.decide(r); }, guard(p))) assert.ok(p.activeArms.includes(d.arm) && d.propensity > 0 && d.propensity <= 1);
    }), { numRuns: runs(100) });
    fc.assert(fc.property(fc.oneof(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 9 }), ctxVec(12), anyValue), fc.oneof(fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), anyValue), fc.oneof(fc.constant(sh ? { shared: [0.5, 1] } : {}), fc.record({ actions: anyValue, ...(sh ? { shared: fc.oneof(ctxVec(sh), ctxVec(3 * sh), anyValue) } : {}) }), anyValue), (xs, ids, opt) => {
      let d;
      if (expectCleanFailure(() => { d = p.decideBatch(xs, ids, opt); }, guard(p))) return;
      for (let b = 0; b < ids.length; b++) assert.ok(p.activeArms.includes(d.arms[b]) && d.propensities[b] > 0 && d.propensities[b] <= 1);
    }), { numRuns: runs(100) });
    p.free();
  });
  test(`${name}: damaged state files are refused with StateError (bit flips, truncation)`, () => {
    const p = new C(e, { dim: 2, ...o, arms: 3, seed: 5, dedupWindow: 3 });
    p.learn([ctxEvent(p, 'a', 0, 1, [1, 0]), ctxEvent(p, 'b', 2, 0.5, [0.5, -1])]);
    const good = p.save();
    fc.assert(fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 7 }), fc.boolean(), (i, bit, cut) => {
      const b = cut ? good.slice(0, i) : good.slice();
      if (!cut) b[i] ^= 1 << bit;
      assert.throws(() => bandits.load(e, b), StateError);
    }), { numRuns: runs(150) });
    p.free();
  });
}

// The decision log (src/bandits/serving/log.ts): random options, random operation sequences (decide,
// rewards with good, unknown, duplicate and malformed entries, expire, clock values) and damaged JSON
// exports. A refused call throws a SimdoptError and leaves the policy and the log as they were.
const LOG_POLICIES = { UCB1: (o) => new bandits.UCB1(e, o), BernoulliTS: (o) => new bandits.BernoulliTS(e, o), EXP3P: (o) => new bandits.EXP3P(e, { ...o, horizon: 100 }),
  LinUCB: (o) => new bandits.LinUCB(e, { ...o, dim: 2 }), Hedge: (o) => new bandits.Hedge(e, o) };
test('DecisionLog: random options give a log or a clean refusal', () => {
  const p = new bandits.UCB1(e, { arms: 3 });
  const names = ['capacity', 'ttl', 'defaultReward', 'memory', 'unknownRewards', 'policyVersion', 'shadows', 'clock', 'onEvict', 'ttL', 'capcity'];
  fc.assert(fc.property(fc.dictionary(fc.constantFrom(...names), fc.oneof(anyValue, fc.constantFrom('count', 'error', 'v2', '')), { maxKeys: 4 }), (o) => {
    let log;
    const err = expectCleanFailure(() => { log = new bandits.DecisionLog(p, o); }, guard(p));
    if (!err) { log.decide({ eventId: 'probe' }, 0); log.free(); }
  }), { numRuns: runs(100) });
  p.free();
});
for (const [name, make] of Object.entries(LOG_POLICIES)) {
  test(`DecisionLog over ${name}: random operation sequences apply whole or are refused whole`, () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('decide'), id: fc.oneof(fc.string({ minLength: 1, maxLength: 3 }), anyValue), now: fc.oneof(fc.integer({ min: 0, max: 50 }), anyValue), ctx: fc.oneof(fc.constant([0.5, -1]), anyValue) }),
      fc.record({ t: fc.constant('rewards'), now: fc.oneof(fc.integer({ min: 0, max: 50 }), anyValue),
        batch: fc.oneof(fc.array(fc.oneof(
          fc.record({ eventId: fc.string({ minLength: 1, maxLength: 3 }), reward: fc.oneof(fc.constantFrom(0, 1, 0.5), anyValue) }),
          fc.record({ eventId: fc.string({ minLength: 1, maxLength: 3 }), rewards: fc.oneof(fc.constant([0, 1, 0.5]), anyValue) }),
          anyValue), { maxLength: 4 }), anyValue) }),
      fc.record({ t: fc.constant('expire'), now: fc.oneof(fc.integer({ min: 0, max: 80 }), anyValue) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 12 }), fc.constantFrom(null, 0), fc.constantFrom('error', 'count'), (ops, dflt, unknown) => {
      const p = make({ arms: 3, seed: 2 });
      const log = new bandits.DecisionLog(p, { capacity: 4, memory: 3, ttl: 20, defaultReward: name === 'Hedge' ? null : dflt, unknownRewards: unknown });
      const look = () => ({ policy: p.save(), log: log.toJSON() });
      for (const o of ops) {
        let res;
        const err = expectCleanFailure(() => {
          if (o.t === 'decide') res = log.decide(name === 'LinUCB' ? { eventId: o.id, context: o.ctx } : { eventId: o.id }, o.now);
          else if (o.t === 'rewards') res = log.rewards(o.batch, o.now);
          else res = log.expire(o.now);
        }, look);
        if (!err && o.t !== 'decide') assert.equal(res.records.length, res.joined + res.defaulted);
      }
      const c = log.counts;
      assert.equal(c.decided, log.pending + c.joined + c.defaulted + c.dropped + c.evicted);
      const back = bandits.DecisionLog.fromJSON(p, JSON.parse(JSON.stringify(log.toJSON())));
      assert.deepEqual(back.toJSON(), log.toJSON());
      log.free(); back.free(); p.free();
    }), { numRuns: runs(50) });
  });
}
test('DecisionLog.fromJSON: randomly damaged exports are refused with StateError or read back exactly', () => {
  const p = new bandits.EXP3P(e, { arms: 3, horizon: 100 });
  const log = new bandits.DecisionLog(p, { ttl: 100, capacity: 8 });
  for (let i = 0; i < 6; i++) log.decide({ eventId: `e${i}` }, i);
  log.rewards([{ eventId: 'e1', reward: 1 }], 7);
  const good = JSON.parse(JSON.stringify(log.toJSON()));
  const paths = [];
  const walk = (v, path) => { paths.push(path); if (v && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], [...path, k]); };
  walk(good, []);
  fc.assert(fc.property(fc.integer({ min: 1, max: paths.length - 1 }), fc.oneof(anyValue, fc.constantFrom('x', -1, 3, 'e2', [], [0.5, 0.5])), fc.boolean(), (pi, v, del) => {
    const bad = JSON.parse(JSON.stringify(good));
    const path = paths[pi];
    let o = bad;
    for (const k of path.slice(0, -1)) o = o[k];
    if (del) { if (Array.isArray(o)) o.splice(Number(path.at(-1)), 1); else delete o[path.at(-1)]; } else o[path.at(-1)] = v;
    let back;
    try { back = bandits.DecisionLog.fromJSON(p, bad); } catch (err) { assert.ok(err instanceof StateError, `${path.join('.')}: ${err}`); return; }
    // accepted: then it was read exactly as written
    assert.deepEqual(JSON.parse(JSON.stringify(back.toJSON())), JSON.parse(JSON.stringify(bad)), path.join('.'));
    back.free();
  }), { numRuns: runs(200) });
  p.free();
});

// Mergeable updates (src/bandits/delta.ts): delta() on random batches, apply() of random, damaged and
// foreign deltas, mergeDeltas() of random pairs, decodeDelta() of random bytes: a Delta or a clean
// refusal, and a refused apply leaves the policy bit for bit as it was.
for (const [name, C] of Object.entries(POLICIES)) {
  test(`${name}: delta / apply / mergeDeltas / decodeDelta on random input give a result or a clean refusal`, () => {
    const devent = fc.oneof(
      { weight: 4, arbitrary: fc.record({ eventId: fc.string({ minLength: 1, maxLength: 4 }), arm: fc.integer({ min: 0, max: 3 }), reward: fc.double({ min: 0, max: 1, noNaN: true }) }) },
      { weight: 1, arbitrary: fc.oneof(anyValue, fc.record({ eventId: anyValue, arm: anyValue, reward: anyValue })) },
      // the adversarial family's events carry the decision's propensity (its deltas sum importance-weighted terms)
      { weight: 3, arbitrary: fc.record({ eventId: fc.string({ minLength: 1, maxLength: 4 }), arm: fc.integer({ min: 0, max: 3 }), reward: fc.double({ min: 0, max: 1, noNaN: true }), propensity: fc.oneof(fc.double({ min: 1e-12, max: 1, noNaN: true }), anyValue) }) },
    );
    fc.assert(fc.property(fc.array(fc.array(devent, { maxLength: 5 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 7 }), anyValue, (batches, at, bit, junk) => {
      const p = new C(e, { arms: 4, seed: 2, dedupWindow: 6 });
      const ds = [];
      for (const b of batches) {
        let d;
        const err = expectCleanFailure(() => { d = p.delta(b); }, guard(p));
        if (err) continue;
        ds.push(d);
        const bytes = d.encode();
        const copy = bytes.slice(); if (copy.length) copy[at % copy.length] ^= 1 << bit;
        for (const x of [bytes, copy, bytes.slice(0, at % (bytes.length + 1)), junk]) {
          let y;
          const derr = expectCleanFailure(() => { y = bandits.decodeDelta(e, x); });
          if (!derr) expectCleanFailure(() => p.apply(y), guard(p));
        }
        expectCleanFailure(() => p.apply(junk), guard(p));
      }
      for (let i = 0; i + 1 < ds.length; i++) {
        let m;
        if (!expectCleanFailure(() => { m = bandits.mergeDeltas(ds[i], ds[i + 1]); })) expectCleanFailure(() => p.apply(m), guard(p));
      }
      expectCleanFailure(() => bandits.mergeDeltas(ds[0], junk));
      checkValid(p);
      p.free();
    }), { numRuns: runs(40) });
  });
}

// Off-policy evaluation (src/bandits/ope.ts): random data (good rows mixed with damaged values, wrong
// lengths, wrong types) and options give estimates with ordered, finite intervals or a clean refusal,
// and never change the caller's arrays.
test('offPolicy: random logs and options give finite estimates or a clean refusal', () => {
  let accepted = 0;
  const val = fc.double({ min: 0.05, max: 1, noNaN: true });
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 12 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), val, val, fc.integer({ min: 0, max: 29 }), anyValue), { minLength: 1, maxLength: 12 }),
    fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 2, arbitrary: fc.dictionary(fc.constantFrom('clip', 'switchTau', 'level', 'bootstrap', 'seed', 'arms', 'clipp'), fc.oneof(anyValue, fc.constantFrom(0, 10, 0.9, 2, new BigInt64Array(2))), { maxKeys: 3 }) }),
    fc.boolean(), fc.boolean(),
    (K, m, rows, o, withModel, damageTarget) => {
      const n = rows.length;
      // a row's fields are valid unless its damage roll (one in ten per field) puts the arbitrary value in
      const data = { arms: rows.map((r) => (r[3] === 0 ? r[4] : r[0] % K)), propensities: rows.map((r) => (r[3] === 1 ? r[4] : r[1])), rewards: rows.map((r) => (r[3] === 2 ? r[4] : r[2])), target: rows.flatMap(() => new Array(K).fill(1 / K)) };
      if (damageTarget && m < 4) data.target[m % data.target.length] = m % 3 === 0 ? NaN : 0.9;
      if (withModel) data.rewardModel = m === 7 ? new BigInt64Array(K) : new Array(m % 2 ? K : n * K).fill(0.25);
      const show = (x) => JSON.stringify(x, (k, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'function' ? 'fn' : v));
      const before = show(data);
      let res;
      const err = expectCleanFailure(() => { res = bandits.offPolicy(e, data, { arms: K, bootstrap: 10, ...o }); }, () => before);
      assert.equal(show(data), before);
      if (err) return;
      accepted++;
      for (const [k, v] of Object.entries(res.estimates)) {
        assert.ok(Number.isFinite(v.value) && v.bernstein[0] <= v.value && v.value <= v.bernstein[1], k);
        if (v.bootstrap) assert.ok(v.bootstrap[0] <= v.bootstrap[1], k);
      }
    }), { numRuns: runs(300) });
  assert.ok(accepted >= 20, `only ${accepted} accepted cases: the property must reach the estimators`);
});

// Production rails (src/bandits/serving/served.ts): random options and requests give a decision with a
// propensity in (0, 1] on an offered arm, or a clean refusal that changes neither policy.
test('ServedPolicy: random options and requests give a valid decision or a clean refusal', () => {
  const p = new bandits.UCB1(e, { arms: 3, warmStart: { pulls: [5, 5, 5], rewards: [1, 2, 3], squares: [1, 2, 3] } });
  const h = new bandits.Softmax(e, { arms: 3 });
  fc.assert(fc.property(fc.dictionary(fc.constantFrom('policyVersion', 'explorationFloor', 'holdout', 'holdoutPolicy', 'seed', 'floor'),
    fc.oneof(anyValue, fc.constantFrom(0.3, 0.99, 2, 'v1', h)), { maxKeys: 4 }), fc.array(fc.oneof(fc.record({ eventId: fc.string({ minLength: 1, maxLength: 4 }) }), anyValue), { maxLength: 5 }), (o, reqs) => {
    let s;
    if (expectCleanFailure(() => { s = new bandits.ServedPolicy(p, o); }, guard(p))) return;
    for (const r of reqs) {
      let d;
      if (expectCleanFailure(() => { d = s.decide(r); }, guard(p))) continue;
      assert.ok(p.activeArms.includes(d.arm) && d.propensity > 0 && d.propensity <= 1, JSON.stringify(d));
    }
    s.free();
  }), { numRuns: runs(200) });
  p.free(); h.free();
});

// bandits.RedisStore (src/bandits/stores/redis.ts) without a server: random options and clients are
// accepted or refused cleanly; random batches are refused before anything is sent, or sent once; a
// client answering junk gives a clean refusal.
test('RedisStore: random options, clients, batches and replies give a result or a clean refusal, nothing sent for a refused batch', async () => {
  const storeOptions = fc.record({ key: fc.oneof(fc.string({ maxLength: 6 }), anyValue), window: fc.oneof(fc.integer({ min: -2, max: 20 }), anyValue), timeoutMs: fc.oneof(fc.integer({ min: 0, max: 50 }), anyValue), extra: anyValue }, { requiredKeys: [] });
  fc.assert(fc.property(storeOptions, fc.boolean(), (o, good) => {
    const opts = { create: good ? () => new bandits.UCB1(e, { arms: 3 }) : () => new bandits.SWUCB(e, { arms: 3, tau: 2 }), ...o };
    if (opts.extra === undefined) delete opts.extra;
    let s;
    if (!expectCleanFailure(() => { s = new bandits.RedisStore({ sendCommand: async () => ['OK', 0] }, opts); })) s.free();
  }), { numRuns: runs(100) });
  const devent = fc.oneof(
    { weight: 3, arbitrary: fc.record({ eventId: fc.string({ minLength: 1, maxLength: 4 }), arm: fc.integer({ min: 0, max: 2 }), reward: fc.double({ min: 0, max: 1, noNaN: true }) }) },
    { weight: 1, arbitrary: fc.oneof(anyValue, fc.record({ eventId: anyValue, arm: anyValue, reward: anyValue })) },
  );
  const reply = fc.oneof(fc.constant(['OK', 1]), fc.constant(['DUP', 1]), fc.constant(['PARTIAL', 'zz']), fc.constant(['FOREIGN', '{}']), fc.constant(['BADSTATE', 'x']), anyValue, fc.array(anyValue, { maxLength: 3 }));
  await fc.assert(fc.asyncProperty(fc.oneof(fc.array(devent, { maxLength: 5 }), anyValue), reply, async (batch, r) => {
    const sent = [];
    const s = new bandits.RedisStore({ sendCommand: async (a) => { sent.push(a[0]); return a[0] === 'SCRIPT' ? 'sha' : r; } }, { key: 'k', create: () => new bandits.UCB1(e, { arms: 3 }), timeoutMs: 1000 });
    let threw;
    try { await s.learn(batch); } catch (x) { threw = x; }
    if (threw) {
      assert.ok(typeof threw.code === 'string' && /Error$/.test(threw.name) && threw.name !== 'TypeError' && threw.name !== 'RangeError', String(threw));
      if (threw.code === 'INVALID_ARGUMENT') assert.deepEqual(sent, [], 'a refused batch sends nothing');
    }
    let rt;
    try { await s.read(); } catch (x) { rt = x; }
    if (rt) assert.ok(typeof rt.code === 'string', String(rt));
    s.free();
  }), { numRuns: runs(100) });
  // snapshot(into): a policy of the store's configuration gets the shared state (the same object back);
  // anything else is a clean refusal with `into` unchanged
  const freed = new bandits.UCB1(e, { arms: 3 }); freed.free();
  const intoOf = fc.oneof(anyValue, fc.constantFrom('good', 'arms4', 'swucb', 'seed', 'freed'));
  await fc.assert(fc.asyncProperty(intoOf, fc.boolean(), async (w, empty) => {
    const s = new bandits.RedisStore({ sendCommand: async (a) => (a[0] === 'SCRIPT' ? 'sha' : empty ? ['', '', '0'] : [anyValue, 'zz', '1']) }, { key: 'k', create: () => new bandits.UCB1(e, { arms: 3 }), timeoutMs: 1000 });
    const made = { good: () => new bandits.UCB1(e, { arms: 3 }), arms4: () => new bandits.UCB1(e, { arms: 4 }), swucb: () => new bandits.SWUCB(e, { arms: 3, tau: 2 }), seed: () => new bandits.UCB1(e, { arms: 3, seed: 5 }), freed: () => freed };
    const into = typeof w === 'string' && made[w] ? made[w]() : w;
    const live = into instanceof bandits.Policy && !into.freed;
    if (live) into.learn([{ eventId: 'x', arm: 1, reward: 1 }]);
    const before = live ? Buffer.from(into.save()).toString('hex') : null;
    let got, threw;
    try { got = await s.snapshot(into); } catch (x) { threw = x; }
    if (threw) {
      assert.ok(typeof threw.code === 'string' && /Error$/.test(threw.name) && threw.name !== 'TypeError', String(threw));
      if (live) assert.equal(Buffer.from(into.save()).toString('hex'), before, 'a refused snapshot leaves into unchanged');
    } else {
      assert.ok(w === undefined ? got !== into : got === into);
      if (w === 'good') assert.equal(into.stats().pulls[1], 0, 'the shared (empty) state replaced the local one');
      if (got !== into) got.free();
    }
    if (live) into.free();
    s.free();
  }), { numRuns: runs(60) });
});

// bandits.PolicyObject / DurableObjectStore (src/bandits/stores/durable.ts) over an in-memory storage:
// random options are accepted or refused cleanly; random batches and deltas are learned or refused
// with the storage unchanged; random damage to a stored value is a clean refusal with nothing written.
test('PolicyObject / DurableObjectStore: random options, batches, deltas and damaged storage give a result or a clean refusal, nothing written on refusal', async () => {
  const { MemoryStorage, stubOf } = await import('../helpers/memory-storage.mjs');
  const objOptions = fc.record({ window: fc.oneof(fc.integer({ min: -2, max: 20 }), anyValue), mode: fc.oneof(fc.constantFrom('sums', 'state', 'x'), anyValue), prefix: fc.oneof(fc.string({ maxLength: 4 }), anyValue), maxBatch: fc.oneof(fc.integer({ min: 0, max: 5 }), anyValue), extra: anyValue }, { requiredKeys: [] });
  const clientOptions = fc.record({ refreshMs: fc.oneof(fc.integer({ min: -1, max: 5 }), anyValue), timeoutMs: fc.oneof(fc.integer({ min: 0, max: 50 }), anyValue), url: fc.oneof(fc.constantFrom('https://x/', 'ftp://x'), anyValue), clock: anyValue }, { requiredKeys: [] });
  fc.assert(fc.property(objOptions, clientOptions, fc.boolean(), (o, c, good) => {
    const create = good ? () => new bandits.UCB1(e, { arms: 3 }) : () => new bandits.SWUCB(e, { arms: 3, tau: 2 });
    for (const x of [o, c]) if (x.extra === undefined) delete x.extra;
    let obj, st;
    if (!expectCleanFailure(() => { obj = new bandits.PolicyObject(new MemoryStorage(), { create, ...o }); })) obj.free();
    if (!expectCleanFailure(() => { st = new bandits.DurableObjectStore({ fetch: async () => new Response('') }, { create, ...c }); })) st.free();
  }), { numRuns: runs(100) });
  const devent = fc.oneof(
    { weight: 3, arbitrary: fc.record({ eventId: fc.string({ minLength: 1, maxLength: 3 }), arm: fc.integer({ min: 0, max: 2 }), reward: fc.double({ min: 0, max: 1, noNaN: true }) }) },
    { weight: 1, arbitrary: fc.oneof(anyValue, fc.record({ eventId: anyValue, arm: anyValue, reward: anyValue })) },
  );
  const seed = [{ eventId: 's0', arm: 0, reward: 1 }, { eventId: 's1', arm: 2, reward: 0.5 }];
  await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.array(devent, { maxLength: 4 }), anyValue), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40 }), fc.oneof(anyValue, fc.constant('damage')), async (batches, state, which, bit, junk) => {
    const create = state ? () => new bandits.UCB1(e, { arms: 3 }) : () => new bandits.BernoulliTS(e, { arms: 3 });
    const storage = new MemoryStorage();
    const obj = new bandits.PolicyObject(storage, { create, window: 3, mode: state ? 'state' : 'sums' });
    const st = new bandits.DurableObjectStore(stubOf(obj), { create });
    await st.learn(seed);
    for (const b of batches) {
      const before = storage.dump();
      let threw;
      try { await st.learn(b); } catch (x) { threw = x; }
      if (threw) { assert.ok(typeof threw.code === 'string' && threw.name !== 'TypeError', String(threw)); assert.deepEqual(storage.dump(), before, 'a refused batch writes nothing'); }
      try { await st.apply(create().delta(Array.isArray(b) ? b : [])); } catch (x) { assert.ok(typeof x.code === 'string' && x.name !== 'TypeError', String(x)); }
    }
    // damage one stored value: a fresh object refuses cleanly and writes nothing
    const keys = [...storage.map.keys()].sort(), k = keys[which % keys.length], v = storage.map.get(k);
    if (junk === 'damage' && v instanceof Uint8Array) { const b = v.slice(); if (b.length) b[bit % b.length] ^= 1 << (bit % 8); storage.map.set(k, b); } else if (junk === 'damage') storage.map.set(k, `${v}`.slice(0, bit)); else storage.map.set(k, junk);
    const before = storage.dump();
    const again = new bandits.DurableObjectStore(stubOf(new bandits.PolicyObject(storage, { create, window: 3, mode: state ? 'state' : 'sums' })), { create });
    for (const op of [() => again.learn([{ eventId: 'n', arm: 1, reward: 1 }]), () => again.snapshot()]) {
      let threw, got;
      try { got = await op(); } catch (x) { threw = x; }
      if (threw) { assert.ok(typeof threw.code === 'string' && threw.name !== 'TypeError', String(threw)); assert.deepEqual(storage.dump(), before, 'nothing written'); } else if (got && got.free) got.free();
    }
  }), { numRuns: runs(60) });
});

// bandits.DenoKvStore (src/bandits/stores/deno-kv.ts) over an in-memory Kv (the real one: test/deno-kv.test.mjs).
test('DenoKvStore: random options, batches and damaged entries give a result or a clean refusal, nothing written on refusal', async () => {
  const { MemoryKv } = await import('../helpers/memory-storage.mjs');
  const opts = fc.record({ key: fc.oneof(fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 9 }), anyValue), window: fc.oneof(fc.integer({ min: -1, max: 9 }), anyValue), mode: fc.oneof(fc.constantFrom('sums', 'state'), anyValue), timeoutMs: anyValue, attempts: anyValue, extra: anyValue }, { requiredKeys: [] });
  fc.assert(fc.property(opts, fc.boolean(), (o, good) => {
    if (o.extra === undefined) delete o.extra;
    let s;
    if (!expectCleanFailure(() => { s = new bandits.DenoKvStore(new MemoryKv(), { key: ['k'], create: good ? () => new bandits.UCB1(e, { arms: 3 }) : () => new bandits.SWUCB(e, { arms: 3, tau: 2 }), ...o }); })) s.free();
  }), { numRuns: runs(100) });
  const devent = fc.oneof(
    { weight: 3, arbitrary: fc.record({ eventId: fc.string({ minLength: 1, maxLength: 3 }), arm: fc.integer({ min: 0, max: 2 }), reward: fc.double({ min: 0, max: 1, noNaN: true }) }) },
    { weight: 1, arbitrary: fc.oneof(anyValue, fc.record({ eventId: anyValue, arm: anyValue, reward: anyValue })) },
  );
  await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.array(devent, { maxLength: 4 }), anyValue), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.oneof(anyValue, fc.constant('flip')), async (batches, state, which, junk) => {
    const kv = new MemoryKv(), create = () => new bandits.UCB1(e, { arms: 3 }), mode = state ? 'state' : 'sums';
    const s = new bandits.DenoKvStore(kv, { key: ['p'], create, window: 3, mode });
    await s.learn([{ eventId: 's0', arm: 1, reward: 1 }]);
    for (const b of batches) {
      const before = kv.dump();
      try { await s.learn(b); } catch (x) { assert.ok(typeof x.code === 'string' && x.name !== 'TypeError', String(x)); assert.deepEqual(kv.dump(), before, 'a refused batch writes nothing'); }
    }
    const keys = [...kv.map.keys()].sort(), k = keys[which % keys.length], ent = kv.map.get(k);
    if (junk === 'flip' && ent.value instanceof Uint8Array && ent.value.length) { ent.value = ent.value.slice(); ent.value[which % ent.value.length] ^= 4; } else ent.value = junk === 'flip' ? 'x' : junk;
    ent.vs = String(++kv.version).padStart(20, '0');
    const before = kv.dump();
    const t = new bandits.DenoKvStore(kv, { key: ['p'], create, window: 3, mode });
    for (const op of [() => t.learn([{ eventId: 'n', arm: 0, reward: 0 }]), () => t.snapshot()]) {
      let threw, got;
      try { got = await op(); } catch (x) { threw = x; }
      if (threw) { assert.ok(typeof threw.code === 'string' && threw.name !== 'TypeError', String(threw)); assert.deepEqual(kv.dump(), before, 'nothing written'); } else if (got && got.free) got.free();
    }
    s.free(); t.free();
  }), { numRuns: runs(60) });
});

// ---- top-k slates of LinUCB / LinTS (decideSlate, decideSlates, learn with `position`) ----
for (const [name, C] of Object.entries({ LinUCB: bandits.LinUCB, LinTS: bandits.LinTS })) {
  test(`${name}: random slate requests give k distinct offered arms with propensities in (0, 1], or a clean refusal`, () => {
    const p = new C(e, { arms: 5, dim: 2, seed: 9, ...(name === 'LinTS' ? { propensityDraws: 4 } : {}) });
    p.learn([{ eventId: 'a', arm: 1, reward: 1, context: [1, 0], position: 0 }]);
    p.removeArm(4);
    const req = fc.record({ eventId: fc.oneof(fc.string({ maxLength: 10 }), anyValue), context: fc.oneof(ctxVec(2), ctxVec(10), anyValue), slots: fc.oneof(fc.integer({ min: -1, max: 6 }), anyValue),
      actions: fc.oneof(fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 5 }), anyValue), actionFeatures: fc.oneof(fc.boolean(), anyValue), extra: anyValue }, { requiredKeys: ['eventId', 'context', 'slots'] });
    fc.assert(fc.property(fc.oneof(anyValue, req), (r) => {
      let s;
      if (expectCleanFailure(() => { s = p.decideSlate(r); }, guard(p))) return;
      assert.equal(s.arms.length, r.slots);
      assert.equal(new Set(s.arms).size, r.slots);
      for (let j = 0; j < r.slots; j++) assert.ok(p.activeArms.includes(s.arms[j]) && s.propensities[j] > 0 && s.propensities[j] <= 1);
    }), { numRuns: runs(150) });
    fc.assert(fc.property(fc.array(fc.record({ eventId: fc.string({ minLength: 1, maxLength: 4 }), arm: fc.integer({ min: 0, max: 4 }), reward: fc.double({ min: -1, max: 1, noNaN: true }), context: ctxVec(2), position: fc.oneof(fc.integer({ min: 0, max: 3 }), anyValue) }, { requiredKeys: ['eventId', 'arm', 'reward', 'context'] }), { maxLength: 4 }), (batch) => {
      let res;
      if (!expectCleanFailure(() => { res = p.learn(batch); }, guard(p))) assert.equal(res.learned + res.duplicates, batch.length);
    }), { numRuns: runs(150) });
    p.free();
  });
}

// ---- mergeable linear policies (src/bandits/delta.ts linear form): delta / apply / mergeDeltas /
// decodeDelta on random context events, damaged bytes and junk: a result or a clean refusal, and a
// refused apply leaves the policy bit for bit as it was ----
for (const [name, make] of Object.entries({
  LinUCB: () => new bandits.LinUCB(e, { arms: 4, dim: 2, seed: 2, dedupWindow: 6 }),
  LinTS: () => new bandits.LinTS(e, { arms: 4, dim: 2, seed: 2, dedupWindow: 6, propensityDraws: 4 }),
  SquareCB: () => new bandits.SquareCB(e, { arms: 4, dim: 2, seed: 2, dedupWindow: 6 }),
})) {
  test(`${name}: linear delta / apply / mergeDeltas / decodeDelta on random input give a result or a clean refusal`, () => {
    // (features up to 1e3: at 1e12 learn itself can round A⁻¹ to a singular matrix that load refuses)
    const num = fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constantFrom(0, 1e3, -1e3, 1e-300));
    const devent = fc.oneof(
      { weight: 4, arbitrary: fc.record({ eventId: fc.string({ minLength: 1, maxLength: 4 }), arm: fc.integer({ min: 0, max: 3 }), reward: fc.double({ min: -2, max: 2, noNaN: true }), context: fc.array(num, { minLength: 2, maxLength: 2 }) }) },
      { weight: 1, arbitrary: fc.oneof(anyValue, fc.record({ eventId: anyValue, arm: anyValue, reward: anyValue, context: fc.oneof(ctxVec(2), ctxVec(3), anyValue), position: anyValue })) },
    );
    fc.assert(fc.property(fc.array(fc.array(devent, { maxLength: 5 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 7 }), anyValue, fc.boolean(), (batches, at, bit, junk, remove) => {
      const p = make();
      if (remove) p.removeArm(3);
      const ds = [];
      for (const b of batches) {
        let d;
        if (expectCleanFailure(() => { d = p.delta(b); }, guard(p))) continue;
        ds.push(d);
        const bytes = d.encode();
        const copy = bytes.slice(); if (copy.length) copy[at % copy.length] ^= 1 << bit;
        for (const x of [bytes, copy, bytes.slice(0, at % (bytes.length + 1)), junk]) {
          let y;
          if (!expectCleanFailure(() => { y = bandits.decodeDelta(e, x); })) expectCleanFailure(() => p.apply(y), guard(p));
        }
        expectCleanFailure(() => p.apply(junk), guard(p));
      }
      for (let i = 0; i + 1 < ds.length; i++) {
        let m;
        if (!expectCleanFailure(() => { m = bandits.mergeDeltas(ds[i], ds[i + 1]); })) expectCleanFailure(() => p.apply(m), guard(p));
      }
      checkValidCtx(p);
      p.free();
    }), { numRuns: runs(40) });
  });
}

// ---- DecisionLog over a ServedPolicy (src/bandits/serving/log.ts + served.ts): random operation
// sequences apply whole or are refused whole, holdout decisions are never learned, exports read back ----
test('DecisionLog over a ServedPolicy (floor + holdout): random operation sequences apply whole or are refused whole', () => {
  const op = fc.oneof(
    fc.record({ t: fc.constant('decide'), id: fc.oneof(fc.string({ minLength: 1, maxLength: 3 }), anyValue), now: fc.oneof(fc.integer({ min: 0, max: 50 }), anyValue) }),
    fc.record({ t: fc.constant('rewards'), now: fc.oneof(fc.integer({ min: 0, max: 50 }), anyValue),
      batch: fc.oneof(fc.array(fc.oneof(fc.record({ eventId: fc.string({ minLength: 1, maxLength: 3 }), reward: fc.oneof(fc.constantFrom(0, 1, 0.5), anyValue) }), anyValue), { maxLength: 4 }), anyValue) }),
    fc.record({ t: fc.constant('expire'), now: fc.oneof(fc.integer({ min: 0, max: 80 }), anyValue) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 12 }), fc.constantFrom(null, 0), fc.constantFrom('UCB1', 'EXP3'), (ops, dflt, kind) => {
    const p = kind === 'UCB1' ? new bandits.UCB1(e, { arms: 3 }) : new bandits.EXP3(e, { arms: 3, gamma: 0.2 });
    const served = new bandits.ServedPolicy(p, { explorationFloor: 0.2, holdout: 0.4, seed: 3, policyVersion: 'fz' });
    const log = new bandits.DecisionLog(served, { capacity: 4, memory: 3, ttl: 20, defaultReward: dflt, unknownRewards: 'count' });
    const look = () => ({ policy: p.save(), log: log.toJSON() });
    let held = 0;
    for (const o of ops) {
      let res;
      const err = expectCleanFailure(() => {
        if (o.t === 'decide') res = log.decide({ eventId: o.id }, o.now);
        else if (o.t === 'rewards') res = log.rewards(o.batch, o.now);
        else res = log.expire(o.now);
      }, look);
      if (err) continue;
      if (o.t === 'decide') assert.ok(res.policyVersion === 'fz' && (res.group === 'policy' || res.group === 'holdout'));
      else {
        assert.equal(res.records.length, res.joined + res.defaulted);
        assert.equal(res.holdout, res.records.filter((r) => r.group === 'holdout').length);
        assert.equal(res.learned, res.records.length - res.holdout);
        held += res.holdout;
      }
    }
    const c = log.counts;
    assert.equal(c.decided, log.pending + c.joined + c.defaulted + c.dropped + c.evicted);
    assert.equal(c.learned, c.joined + c.defaulted - held);
    const back = bandits.DecisionLog.fromJSON(served, JSON.parse(JSON.stringify(log.toJSON())));
    assert.deepEqual(back.toJSON(), log.toJSON());
    log.free(); back.free(); served.free(); p.free();
  }), { numRuns: runs(60) });
});

// ---- bandits.cbify (src/bandits/cbify.ts): random data and options give losses in [0, 1] or a clean refusal ----
test('cbify: random data and options give a result with losses in [0, 1] or a clean refusal', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 2 }), anyValue), { minLength: 0, maxLength: 6 }), fc.array(fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), anyValue), { maxLength: 14 }),
    fc.dictionary(fc.constantFrom('batch', 'supervised', 'supervisedLambda', 'every', 'dim', 'bach'), fc.oneof(anyValue, fc.constantFrom('sup', null, 2)), { maxKeys: 2 }), (labels, features, extra) => {
      const p = new bandits.LinUCB(e, { arms: 3, dim: 2 });
      let res;
      const err = expectCleanFailure(() => { res = bandits.cbify(e, { features, labels, dim: 2, policies: { p }, ...extra }); });
      if (!err) for (const r of Object.values(res.results)) assert.ok(r.loss >= 0 && r.loss <= 1 && r.mistakes <= res.n);
      p.free();
    }), { numRuns: runs(100) });
});
// ---- decideBatch of the change-detection wrappers over contextual inner policies ----
for (const [name, make] of Object.entries({
  CUSUMLinUCB: () => new bandits.CUSUM(e, { arms: 4, seed: 3, warmup: 1, threshold: 0.5, alpha: 0.4, inner: { policy: 'LinUCB', dim: 2 } }),
  GLRLinTS: () => new bandits.GLR(e, { arms: 4, seed: 4, history: 4, delta: 0.5, alpha: 0.5, inner: { policy: 'LinTS', dim: 2, propensityDraws: 3 } }),
  MonitoredHybrid: () => new bandits.Monitored(e, { arms: 4, seed: 5, window: 2, threshold: 0.5, alpha: 0.5, inner: { policy: 'HybridLinUCB', dim: 2, sharedDim: 1 } }),
})) {
  test(`${name}: random decideBatch calls give valid decisions (each equal to decide of its row) or a clean refusal`, () => {
    const p = make(), hy = name === 'MonitoredHybrid';
    p.learn([{ eventId: 'a', arm: 1, reward: 1, context: [1, 0], ...(hy ? { shared: [1] } : {}) }]);
    p.removeArm(3);
    const opts = fc.oneof(fc.constant(hy ? { shared: [0.5, 1, -1] } : {}), fc.record({ actions: fc.oneof(fc.array(fc.oneof(fc.constant(null), fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 })), { maxLength: 4 }), anyValue),
      ...(hy ? { shared: fc.oneof(ctxVec(3), ctxVec(1), anyValue) } : {}), extra: anyValue }, { requiredKeys: hy ? ['shared'] : [] }), anyValue);
    fc.assert(fc.property(fc.oneof(ctxVec(6), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 7 }), anyValue), fc.oneof(fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 3, maxLength: 3 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 4 }), anyValue), opts, (xs, ids, opt) => {
      let d;
      if (expectCleanFailure(() => { d = p.decideBatch(xs, ids, opt); }, guard(p))) return;
      for (let b = 0; b < ids.length; b++) {
        assert.ok(p.activeArms.includes(d.arms[b]) && d.propensities[b] > 0 && d.propensities[b] <= 1, `row ${b}: arm ${d.arms[b]}, propensity ${d.propensities[b]}`);
        const set = opt && Array.isArray(opt.actions) ? opt.actions[b] : undefined;
        const one = p.decide({ eventId: ids[b], context: Array.from(xs).slice(2 * b, 2 * b + 2), ...(hy ? { shared: [Array.from(opt.shared)[b]] } : {}), ...(set ? { actions: set } : {}) });
        assert.equal(one.arm, d.arms[b]);
        assert.ok(Object.is(one.propensity, d.propensities[b]));
      }
    }), { numRuns: runs(150) });
    p.free();
  });
}
