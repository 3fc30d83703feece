// Online Frank–Wolfe (online.OnlineFrankWolfe), the sets' linear-optimisation oracle
// (FeasibleSet.linearMinimizer) and the optimistic learners (online.OptimisticOMD, OptimisticFTRL)
// against their f64-exact JS references (test/helpers/reference-online-ofw-optimistic.mjs) bit for bit
// in every build (SIMD/scalar × 1/2 threads), on every set each takes, with the default and user hints;
// save/load continues bit for bit; bad input is refused with the learner unchanged.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online, LengthMismatchError, NonFiniteError, InvalidArgumentError, HyperparameterError, StateError } from '../dist/index.js';
import { lmoRef, ofwRef, optimisticRef } from './helpers/reference-online-ofw-optimistic.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const same = (a, b, what) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const refSet = (s) => ({ kind: s.kind, dim: s.dim, radius: s.radius, lower: s.lower, upper: s.upper });
const bounded = (n) => [online.sets.simplex(n, 2), online.sets.l1Ball(n, 1.5), online.sets.l2Ball(n, 0.8), online.sets.box(Array.from({ length: n }, (_, i) => -1 - 0.1 * i), Array.from({ length: n }, (_, i) => 0.5 + 0.2 * i))];

test('linearMinimizer: the oracle of every bounded set matches its reference, is a minimiser, and breaks ties the stated way', async () => {
  const e = await init({ threads: 1 });
  const rnd = lcg(3);
  for (const n of [1, 2, 5, 9]) {
    for (const s of bounded(n)) {
      for (let k = 0; k < 40; k++) {
        const c = k === 0 ? new Array(n).fill(0) : k === 1 ? new Array(n).fill(-0.5) : Array.from({ length: n }, () => (rnd() < 0.2 ? 0 : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 6 - 2)));
        const v = s.linearMinimizer(e, c);
        same(v, lmoRef(refSet(s), c), `${s.kind} n=${n} k=${k}`);
        assert.ok(s.contains(e, v), `${s.kind}: inside`);
        // no vertex / random point of the set does better
        const cv = c.reduce((a, ci, i) => a + ci * v[i], 0);
        for (let j = 0; j < 5; j++) {
          const p = s.project(e, Array.from({ length: n }, () => (rnd() - 0.5) * 8));
          assert.ok(c.reduce((a, ci, i) => a + ci * p[i], 0) >= cv - 1e-12 * (1 + Math.abs(cv)), `${s.kind}: a point beats the oracle`);
        }
      }
    }
  }
  same(online.sets.simplex(3).linearMinimizer(e, [1, 0, 0]), [0, 1, 0], 'simplex tie: first smallest');
  same(online.sets.l1Ball(3, 2).linearMinimizer(e, [1, -3, 3]), [0, 2, 0], 'l1 tie: first largest |c|');
  same(online.sets.l2Ball(2, 5).linearMinimizer(e, [3 * 2 ** 300, -4 * 2 ** 300]), [-3, 4], 'l2: scaled by max|c| first');
  assert.throws(() => online.sets.unconstrained(2).linearMinimizer(e, [1, 2]), InvalidArgumentError);
  assert.throws(() => online.sets.simplex(2).linearMinimizer(e, [1, NaN]), NonFiniteError);
  assert.throws(() => online.sets.simplex(2).linearMinimizer(e, [1]), LengthMismatchError);
  await e.dispose();
});

test('OnlineFrankWolfe and the optimistic learners follow their references bit for bit in every build; save/load continues exactly', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const rnd = lcg(11), fin = [];
    for (const n of [1, 3, 6]) {
      const sets = bounded(n);
      for (const s of sets) {
        for (const o of [{ horizon: 300 }, { horizon: 7, lipschitz: 3 }, { lr: 0.9 }]) {
          const L = new online.OnlineFrankWolfe(e, { set: s, ...o }), R = ofwRef(refSet(s), L.options.lr, L.predict());
          let L2 = L;
          for (let t = 0; t < 120; t++) {
            same(L2.predict(), R.st.x, `OFW ${s.kind} n=${n} ${JSON.stringify(o)} t=${t}`);
            const g = Array.from({ length: n }, (_, i) => (t % 17 === 3 ? 0 : Math.sin(0.05 * t + i) + (rnd() - 0.5)));
            L2.update(g);
            assert.ok(Object.is(L2.lastStep, R.update(g)));
            if (t === 60) { L2 = online.load(e, L.save()); assert.deepEqual(L2.options, L.options); same(L2.stateArray(), L.stateArray(), 'loaded'); L.free(); }
          }
          fin.push(...L2.predict()); L2.free();
        }
      }
      for (const s of [...sets, online.sets.unconstrained(n)]) {
        for (const C of [online.OptimisticOMD, online.OptimisticFTRL]) {
          for (const o of [{}, { lipschitz: 2 }, { lr: 0.3 }]) {
            const opts = s.kind === 'unconstrained' || !(s.diameter > 0) ? { diameter: 4, ...o } : o;
            const L = new C(e, { set: s, ...opts });
            const R = optimisticRef(C === online.OptimisticOMD ? 'omd' : 'ftrl', refSet(s), { lipschitz: 1, diameter: s.diameter, ...opts }, L.predict());
            let L2 = L;
            for (let t = 0; t < 120; t++) {
              same(L2.predict(), R.st.x, `${C.learnerName} ${s.kind} n=${n} ${JSON.stringify(o)} t=${t}`);
              const g = Array.from({ length: n }, (_, i) => Math.cos(0.03 * t + i) + 0.3 * (rnd() - 0.5));
              const hint = t % 3 === 1 ? Array.from({ length: n }, () => rnd() - 0.5) : undefined;
              if (hint) L2.update(g, { hint }); else L2.update(g);
              assert.ok(Object.is(L2.nextStep, R.update(g, hint)));
              assert.ok(Object.is(L2.hintError, R.st.S));
              if (t === 60) { L2 = online.load(e, L.save()); same(L2.stateArray(), L.stateArray(), 'loaded'); assert.ok(Object.is(L2.nextStep, L.nextStep)); L.free(); }
            }
            fin.push(...L2.predict(), L2.regretBound); L2.free();
          }
        }
      }
    }
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('OnlineFrankWolfe and the optimistic learners: bad input raises typed errors and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const set = online.sets.simplex(3);
  for (const L of [new online.OnlineFrankWolfe(e, { set, horizon: 100 }), new online.OptimisticOMD(e, { set }), new online.OptimisticFTRL(e, { set })]) {
    for (let t = 0; t < 10; t++) L.update([0.1 * t, -0.2, 0.3]);
    const b = L.save();
    assert.throws(() => L.update([1, 2]), LengthMismatchError); assert.deepEqual(L.save(), b);
    assert.throws(() => L.update([1, NaN, 2]), NonFiniteError); assert.deepEqual(L.save(), b);
    assert.throws(() => L.update('abc'), InvalidArgumentError); assert.deepEqual(L.save(), b);
    assert.throws(() => L.update([1, 2, 3], {}, 3), /takes (1|2) argument/); assert.deepEqual(L.save(), b);
    if (L instanceof online.OnlineFrankWolfe) assert.throws(() => L.update([1, 2, 3], {}), /takes 1 argument/);
    else {
      assert.throws(() => L.update([1, 2, 3], { hint: [1, 2] }), LengthMismatchError); assert.deepEqual(L.save(), b);
      assert.throws(() => L.update([1, 2, 3], { hint: [1, Infinity, 2] }), NonFiniteError); assert.deepEqual(L.save(), b);
      assert.throws(() => L.update([1, 2, 3], { hnit: [1, 2, 3] }), /did you mean "hint"/); assert.deepEqual(L.save(), b);
      assert.throws(() => L.update([1, 2, 3], 5), InvalidArgumentError); assert.deepEqual(L.save(), b);
    }
    assert.deepEqual(L.save(), b);
    const bb = b.slice(); bb[bb.length - 30] ^= 1;
    assert.throws(() => online.load(e, bb), StateError);
    const s = L.stateArray();
    const out = s.slice(); out[2] = 5;
    const C = L.constructor, M = new C(e, { set, ...L.options });
    assert.throws(() => M.restore(out), StateError);
    if (!(L instanceof online.OnlineFrankWolfe)) { const neg = s.slice(); neg[neg.length - 1] = -1; assert.throws(() => M.restore(neg), StateError); }
    M.free(); L.free();
  }
  assert.throws(() => new online.OnlineFrankWolfe(e, { set }), /horizon/);
  assert.throws(() => new online.OnlineFrankWolfe(e, { set: online.sets.unconstrained(3), horizon: 10 }), HyperparameterError);
  assert.throws(() => new online.OnlineFrankWolfe(e, { set, horizon: 0 }), HyperparameterError);
  assert.throws(() => new online.OnlineFrankWolfe(e, { set, horizon: 1.5 }), HyperparameterError);
  assert.throws(() => new online.OnlineFrankWolfe(e, { set, horizon: 10, x0: [1, 1, 1] }), /outside/);
  assert.throws(() => new online.OnlineFrankWolfe(e, { set, horizon: 10, horizn: 3 }), /did you mean "horizon"/);
  assert.throws(() => new online.OptimisticOMD(e, { set: online.sets.unconstrained(3) }), /diameter/);
  assert.throws(() => new online.OptimisticFTRL(e, { set, lr: 0 }), HyperparameterError);
  assert.throws(() => new online.OptimisticFTRL(e, { set, lipschitz: -1 }), HyperparameterError);
  assert.throws(() => new online.OptimisticOMD(e, null), InvalidArgumentError);
  await e.dispose();
});
