// Property tests over the online family (src/online/): random options through every learner's
// constructor and the feasible-set builders, random (good and bad) feedback through update() and
// predict(), random points through the projections, and random damage to saved states (bit flips,
// truncation, edited manifests) through online.load. Every failure is a SimdoptError with a code and
// leaves the learner bit for bit as it was; every accepted input leaves a learner whose decision is
// valid (inside its set, or a probability vector) and that saves and loads to the same decisions.
// SIMDOPT_FUZZ_RUNS=N runs N cases per property.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { init, online, StateError } from '../../dist/index.js';
import { expectCleanFailure, expectRejected, runs } from './contract.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());

const anyValue = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 1, 0.5, 2, 1e6, 2 ** 53, -0, 1.5, 3, 1e-300, 1e308),
  fc.constantFrom('1', null, true, [], {}, () => 1, 10n, [1, 2], undefined, 'sqrt', 'constant', 'strongly-convex', 'square', 'pinball', 'x'),
  fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: -5, max: 10 }),
);
const SETS = [online.sets.simplex(3), online.sets.l1Ball(3, 2), online.sets.l2Ball(3), online.sets.box([-1, 0, -2], [1, 1, 0]), online.sets.unconstrained(3)];
const anySet = fc.oneof(fc.constantFrom(...SETS), anyValue);
const NAMES = ['set', 'stepRule', 'lipschitz', 'diameter', 'lambda', 'lr', 'x0', 'delta', 'alpha', 'beta', 'l1', 'l2', 'dim', 'gamma', 'epsilon',
  'experts', 'eta', 'loss', 'tau', 'gradient', 'step', 'lR', 'Experts', 'mode', 'window', 'scale', 'initial', 'lifetime', 'horizon', 'hint', 'rates', 'awake'];
const LEARNERS = {
  OGD: { C: online.OGD, base: { set: SETS[2] } }, AdaGrad: { C: online.AdaGrad, base: { set: SETS[0] } },
  ExponentiatedGradient: { C: online.ExponentiatedGradient, base: { set: SETS[1] } }, ONS: { C: online.ONS, base: { set: SETS[2] } },
  FTRLProximal: { C: online.FTRLProximal, base: { dim: 3 } }, EWA: { C: online.EWA, base: { experts: 3 } },
  FixedShare: { C: online.FixedShare, base: { experts: 3, eta: 1 } }, MLpol: { C: online.MLpol, base: { experts: 3 } }, BOA: { C: online.BOA, base: { experts: 3 } },
  CoinBetting: { C: online.CoinBetting, base: { set: SETS[3] } }, 'CoinBetting ball': { C: online.CoinBetting, base: { set: SETS[0], mode: 'ball' } },
  FLH: { C: online.FLH, base: { set: SETS[3], lifetime: 2 } },
  FullMatrixAdaGrad: { C: online.FullMatrixAdaGrad, base: { set: SETS[2] } },
  OnlineFrankWolfe: { C: online.OnlineFrankWolfe, base: { set: SETS[2], horizon: 50 } }, 'OnlineFrankWolfe box': { C: online.OnlineFrankWolfe, base: { set: SETS[3], lr: 0.5 } },
  OptimisticOMD: { C: online.OptimisticOMD, base: { set: SETS[3] } }, OptimisticFTRL: { C: online.OptimisticFTRL, base: { set: SETS[0] } },
  SleepingExperts: { C: online.SleepingExperts, base: { experts: 3 } },
};
const guard = (L) => () => ({ state: L.stateArray(), t: L.t, bytes: L.save() });

/** A valid decision: inside the set (OCO), a probability vector (experts), finite weights (FTRL); save/load keeps it. */
function checkValid(L) {
  const x = L.predict();
  assert.equal(x.length, L.dim);
  assert.ok(x.every(Number.isFinite), 'finite decision');
  if (L.set) assert.ok(L.set.contains(e, x), `decision inside its ${L.set.kind}`);
  else if (!(L instanceof online.FTRLProximal)) { const s = x.reduce((a, b) => a + b, 0); assert.ok(x.every((v) => v >= 0) && Math.abs(s - 1) < 1e-12, `weights ${x}`); }
  const q = online.load(e, L.save());
  assert.deepEqual(Array.from(q.predict()), Array.from(x));
  q.free();
}

for (const [name, { C, base }] of Object.entries(LEARNERS)) {
  test(`${name}: random options are accepted into a valid learner or refused cleanly`, () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...NAMES), fc.oneof(anyValue, anySet), { maxKeys: 4 }), fc.boolean(), (extra, keepBase) => {
      const o = keepBase ? { ...base, ...extra } : extra;
      let L;
      const err = expectCleanFailure(() => { L = new C(e, o); });
      if (err === undefined) { checkValid(L); L.free(); }
    }), { numRuns: runs(150) });
    for (const bad of [null, undefined, 3, 'x', []]) expectRejected(() => new C(e, bad));
  });

  test(`${name}: random feedback is learned validly or refused with the learner unchanged`, () => {
    const feedback = fc.oneof(
      fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity, '1', null)), { minLength: 0, maxLength: 5 }),
      fc.float64Array({ minLength: 2, maxLength: 4, noNaN: false }), anyValue,
      fc.record({ indices: fc.array(fc.oneof(fc.integer({ min: -1, max: 4 }), anyValue), { maxLength: 4 }), values: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { maxLength: 4 }) }),
    );
    const info = fc.oneof(fc.constant(undefined), anyValue, fc.record({ advice: feedback }), fc.record({ x: feedback }), fc.record({ advice: fc.float64Array({ minLength: 3, maxLength: 3, noNaN: true, min: -5, max: 5 }) }),
      fc.record({ hint: feedback }), fc.record({ awake: fc.oneof(feedback, fc.constantFrom([1, 0, 1], [0, 0, 0], new Uint8Array([0, 1, 0]))) }), fc.record({ hint: fc.float64Array({ minLength: 3, maxLength: 3, noNaN: true, min: -5, max: 5 }) }));
    const L = new C(e, base);
    fc.assert(fc.property(fc.array(fc.tuple(fc.oneof(feedback, fc.double({ min: -2, max: 2, noNaN: true })), info), { minLength: 1, maxLength: 6 }), (calls) => {
      for (const [a, i] of calls) {
        const err = expectCleanFailure(() => (i === undefined ? L.update(a) : L.update(a, i)), guard(L));
        if (err === undefined) checkValid(L);
        expectCleanFailure(() => L.predict(a), guard(L));
      }
    }), { numRuns: runs(120) });
    L.free();
    expectRejected(() => L.predict());
    expectRejected(() => L.update([1, 2, 3]));
  });

  test(`${name}: damaged state files are refused by online.load, the original loads`, () => {
    const L = new C(e, base);
    for (let t = 0; t < 5; t++) { if (base.experts) L.update([0.1 * t, 0.5, 0.3]); else L.update([0.3 * t - 0.5, 0.2, -0.4]); }
    const bytes = L.save();
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: bytes.length }), (pos, flip, cut) => {
      const b = bytes.slice(); b[pos] ^= flip;
      assert.ok(expectRejected(() => online.load(e, b)) instanceof StateError);
      if (cut < bytes.length) expectRejected(() => online.load(e, bytes.slice(0, cut)));
    }), { numRuns: runs(60) });
    for (const bad of [null, 'x', new Uint8Array(0), new Float64Array(4), {}]) expectRejected(() => online.load(e, bad));
    const q = online.load(e, bytes);
    assert.deepEqual(Array.from(q.predict()), Array.from(L.predict()));
    q.free(); L.free();
  });
}

test('feasible sets: random builders and points are projected into the set or refused cleanly', () => {
  const builders = { simplex: online.sets.simplex, l1Ball: online.sets.l1Ball, l2Ball: online.sets.l2Ball, unconstrained: online.sets.unconstrained };
  fc.assert(fc.property(fc.constantFrom(...Object.keys(builders)), anyValue, anyValue, fc.oneof(fc.float64Array({ minLength: 0, maxLength: 5 }), anyValue, fc.array(anyValue, { maxLength: 4 })), (k, d, r, y) => {
    let s;
    if (expectCleanFailure(() => { s = builders[k](d, r); }) !== undefined) return;
    if (s.dim > 64) return;
    let x;
    if (expectCleanFailure(() => { x = s.project(e, y); }) === undefined) assert.ok(s.contains(e, x));
  }), { numRuns: runs(300) });
  fc.assert(fc.property(anyValue, anyValue, fc.oneof(anyValue, fc.constant(undefined)), (lo, hi, d) => { expectCleanFailure(() => online.sets.box(lo, hi, d)); }), { numRuns: runs(100) });
  expectRejected(() => online.sets.box([0, 1], [1, 0]));
  // the linear-optimisation oracle: random costs give a point of the set, or a clean refusal
  fc.assert(fc.property(fc.constantFrom(...SETS), fc.oneof(fc.float64Array({ minLength: 0, maxLength: 5 }), anyValue, fc.array(anyValue, { maxLength: 4 }), fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 3, maxLength: 3 })), (s, c) => {
    let v;
    if (expectCleanFailure(() => { v = s.linearMinimizer(e, c); }) === undefined) assert.ok(s.contains(e, v));
  }), { numRuns: runs(300) });
  expectRejected(() => SETS[0].projectMahalanobis(e, [1, 2, 3], new Float64Array(9)));
  expectRejected(() => SETS[2].projectMahalanobis(e, [5, 2, 3], new Float64Array(9)));
  expectRejected(() => SETS[2].projectMahalanobis(e, [5, 2, 3], [1, 0, 0, 0, 1, 0, 0, 0]));
});

test('FTRLProximal.updateBatch: random CSR batches are learned or refused with the learner unchanged', () => {
  const L = new online.FTRLProximal(e, { dim: 6, l1: 0.2 });
  const nums = fc.array(fc.oneof(fc.integer({ min: -1, max: 7 }), anyValue), { maxLength: 6 });
  fc.assert(fc.property(fc.oneof(nums, anyValue), fc.oneof(fc.record({ indptr: nums, indices: nums, values: nums }), anyValue), (y, x) => {
    const err = expectCleanFailure(() => L.updateBatch(y, x), guard(L));
    if (err === undefined) checkValid(L);
  }), { numRuns: runs(200) });
  const ok = L.updateBatch([1, 0], { indptr: [0, 2, 3], indices: [1, 4, 2], values: [1, 1, 0.5] });
  assert.equal(ok.length, 2);
  L.free();
});

// online conformal prediction: predict() is a radius, update(score) or update(y, { forecast })
const CONFORMAL = { ACI: { window: 4 }, SFOGD: {}, SAOCP: { lifetime: 2 } };
/** A valid conformal learner: a radius ≥ 0 (ACI: possibly Infinity), coverage in [0, 1]; save/load keeps it. */
function checkConformal(L) {
  const q = L.predict();
  assert.ok(q >= 0 && (Number.isFinite(q) || L instanceof online.ACI), `radius ${q}`);
  if (L.t > 0) assert.ok(L.coverage >= 0 && L.coverage <= 1);
  const c = online.load(e, L.save());
  assert.ok(Object.is(c.predict(), q));
  c.free();
}
for (const [name, base] of Object.entries(CONFORMAL)) {
  const C = online[name];
  test(`${name}: random options are accepted into a valid learner or refused cleanly`, () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...NAMES, 'alpha', 'gamma'), anyValue, { maxKeys: 4 }), (o) => {
      let L;
      if (expectCleanFailure(() => { L = new C(e, o); }) === undefined) { checkConformal(L); L.free(); }
    }), { numRuns: runs(150) });
    for (const bad of [null, 3, 'x', []]) expectRejected(() => new C(e, bad));
  });

  test(`${name}: random scores and outcomes are learned validly or refused with the learner unchanged`, () => {
    const L = new C(e, base);
    const num = fc.oneof(fc.double({ min: -3, max: 6, noNaN: true }), anyValue);
    const info = fc.oneof(fc.constant(undefined), anyValue, fc.record({ forecast: num }), fc.record({ forecast: num, extra: num }));
    fc.assert(fc.property(fc.array(fc.tuple(num, info), { minLength: 1, maxLength: 8 }), (calls) => {
      for (const [a, i] of calls) {
        if (expectCleanFailure(() => (i === undefined ? L.update(a) : L.update(a, i)), guard(L)) === undefined) checkConformal(L);
        expectCleanFailure(() => L.interval(a), guard(L));
      }
    }), { numRuns: runs(120) });
    L.free();
    expectRejected(() => L.predict());
    expectRejected(() => L.update(1));
  });

  test(`${name}: damaged state files are refused by online.load, the original loads`, () => {
    const L = new C(e, base);
    for (let t = 0; t < 9; t++) L.update(0.4 * t, { forecast: 1 });
    const bytes = L.save();
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: bytes.length }), (pos, flip, cut) => {
      const b = bytes.slice(); b[pos] ^= flip;
      assert.ok(expectRejected(() => online.load(e, b)) instanceof StateError);
      if (cut < bytes.length) expectRejected(() => online.load(e, bytes.slice(0, cut)));
    }), { numRuns: runs(60) });
    const q = online.load(e, bytes);
    assert.ok(Object.is(q.predict(), L.predict()));
    q.free(); L.free();
  });
}
