// Follow-the-Leading-History (online.FLH) against its f64-exact JS reference (test/helpers/
// reference-online-conformal.mjs) bit for bit in every build (SIMD/scalar × 1/2 threads), on every
// feasible set, through many expert retirements; save/load continuing bit for bit; bad input refused
// with the learner unchanged.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online, LengthMismatchError, NonFiniteError, InvalidArgumentError, HyperparameterError, StateError } from '../dist/index.js';
import { flhRef } from './helpers/reference-online-conformal.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const same = (a, b, what) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const refSet = (s) => ({ kind: s.kind, dim: s.dim, radius: s.radius, lower: s.lower, upper: s.upper, diameter: s.diameter });

test('FLH follows its reference bit for bit in every build (every set, lifetimes 1, 2 and 8); save/load continues exactly', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const M = { exp: (x) => e.exp(x) }, rnd = lcg(41), fin = [];
    for (const n of [1, 3, 6]) {
      const sets = [online.sets.box(-1, 2, n), online.sets.l2Ball(n, 0.8), online.sets.simplex(n, 2), online.sets.l1Ball(n, 1.2), online.sets.unconstrained(n)];
      for (const s of sets) {
        for (const o of [{}, { lifetime: 1, eta: 4 }, { lifetime: 2, lipschitz: 3, diameter: 1.5 }]) {
          const opts = s.kind === 'unconstrained' || !(s.diameter > 0) ? { diameter: 2, ...o } : o;
          const x0 = s.project(e, new Float64Array(n));
          const L = new online.FLH(e, { set: s, ...opts }), R = flhRef(refSet(s), opts, x0, M);
          let L2 = L;
          for (let t = 0; t < 150; t++) {
            same(L2.predict(), R.st.x, `FLH ${s.kind} n=${n} ${JSON.stringify(opts)} t=${t}`);
            const phase = Math.floor(t / 40) % 2 ? 1 : -1;
            const g = Array.from({ length: n }, (_, i) => (rnd() - 0.5 + phase * (i % 2 ? 0.4 : -0.3)) * 2);
            L2.update(g); R.update(g);
            if (t === 90) { L2 = online.load(e, L.save()); assert.deepEqual(L2.options, L.options); same(L2.stateArray(), L.stateArray(), 'loaded'); assert.equal(L2.experts, L.experts); L.free(); }
          }
          assert.equal(L2.experts, R.st.slots.filter(Boolean).length);
          fin.push(...L2.predict());
          L2.free();
        }
      }
    }
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('FLH: bad input raises typed errors and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const L = new online.FLH(e, { set: online.sets.simplex(3) });
  for (let t = 0; t < 20; t++) L.update([0.1 * t, -0.2, 0.3]);
  const b = L.save();
  assert.throws(() => L.update([1, 2]), LengthMismatchError); assert.deepEqual(L.save(), b);
  assert.throws(() => L.update([1, NaN, 2]), NonFiniteError); assert.deepEqual(L.save(), b);
  assert.throws(() => L.update([1, 2, 3], {}), /takes 1 argument/); assert.deepEqual(L.save(), b);
  assert.throws(() => L.update('abc'), InvalidArgumentError); assert.deepEqual(L.save(), b);
  assert.throws(() => new online.FLH(e, { set: online.sets.simplex(3), x0: [1, 1, 1] }), /outside the simplex/);
  assert.throws(() => new online.FLH(e, { set: online.sets.unconstrained(3) }), /diameter/);
  assert.throws(() => new online.FLH(e, { set: online.sets.simplex(3), eta: 0 }), HyperparameterError);
  assert.throws(() => new online.FLH(e, { set: online.sets.simplex(3), lifetime: 0 }), HyperparameterError);
  assert.throws(() => new online.FLH(e, { set: online.sets.simplex(3), lifetme: 3 }), /did you mean "lifetime"/);
  assert.throws(() => new online.FLH(e, null), InvalidArgumentError);
  const bb = b.slice(); bb[bb.length - 30] ^= 1;
  assert.throws(() => online.load(e, bb), StateError);
  L.free();
  await e.dispose();
});
