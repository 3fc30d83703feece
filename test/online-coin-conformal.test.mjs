// Coin betting (online.CoinBetting) and online conformal prediction (online.ACI, SFOGD, SAOCP) against
// their f64-exact JS references (test/helpers/reference-online-conformal.mjs) bit for bit in every build
// (SIMD/scalar × 1/2 threads), save/load continuing bit for bit, and the bad-input contract (typed errors,
// state unchanged).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online, LengthMismatchError, NonFiniteError, InvalidArgumentError, HyperparameterError, StateError, DisposedError } from '../dist/index.js';
import { coinRef, conformalRef } from './helpers/reference-online-conformal.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const same = (a, b, what) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const refSet = (s) => ({ kind: s.kind, dim: s.dim, radius: s.radius, lower: s.lower, upper: s.upper });

test('CoinBetting (coordinate and ball modes, every set they take) follows its reference bit for bit in every build; save/load continues exactly', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const rnd = lcg(17), fin = [];
    for (const n of [1, 3, 8]) {
      const sets = [online.sets.unconstrained(n), online.sets.box(-0.5, 1.5, n), online.sets.l2Ball(n, 0.8), online.sets.simplex(n, 2), online.sets.l1Ball(n, 1.2)];
      for (const s of sets) {
        for (const mode of ['coordinate', 'ball']) {
          if (mode === 'coordinate' && s.kind !== 'unconstrained' && s.kind !== 'box') continue;
          for (const o of [{}, { epsilon: 0.01, lipschitz: 3 }]) {
            const G = o.lipschitz ?? 1;
            const L = new online.CoinBetting(e, { set: s, mode, ...o }), R = coinRef(refSet(s), { mode, ...o });
            for (let t = 0; t < 60; t++) {
              same(L.predict(), R.st.x, `${mode} ${s.kind} n=${n} ${JSON.stringify(o)} t=${t}`);
              // biased gradients (a far comparator), scaled to the bound (ball: ‖g‖ ≤ G), some exactly at it
              let g = Array.from({ length: n }, (_, i) => (rnd() - 0.5 + (i % 2 ? 0.3 : -0.2)) * G);
              if (mode === 'ball') { const nm = Math.hypot(...g); if (nm > G || t % 9 === 0) g = g.map((v) => (v / nm) * G); }
              else if (t % 9 === 0) g[0] = G;
              L.update(g); assert.equal(R.update(g), true);
              if (t === 30) { const L2 = online.load(e, L.save()); assert.deepEqual(L2.options, L.options); same(L2.stateArray(), L.stateArray(), 'loaded'); L.free(); fin.push(...L2.wealth); L2.free(); break; }
            }
            const L3 = new online.CoinBetting(e, { set: s, mode, ...o }), R3 = coinRef(refSet(s), { mode, ...o });
            for (let t = 0; t < 40; t++) { const g = Array.from({ length: n }, () => (rnd() * 2 - 1) * G / Math.sqrt(n)); L3.update(g); R3.update(g); }
            const L4 = online.load(e, L3.save());
            for (let t = 0; t < 20; t++) { const g = Array.from({ length: n }, () => (rnd() * 2 - 1) * G / Math.sqrt(n)); L4.update(g); R3.update(g); }
            same(L4.predict(), R3.st.x, `${mode} ${s.kind} resumed`);
            fin.push(...L4.predict(), ...L4.wealth);
            L3.free(); L4.free();
          }
        }
      }
    }
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('ACI, SFOGD and SAOCP follow their references bit for bit in every build (scores and forecasts, windows that wrap, a scale shift); save/load continues exactly', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const fin = [];
    const cases = [['ACI', {}], ['ACI', { alpha: 0.2, gamma: 0.05, window: 25 }], ['ACI', { window: 1, gamma: 0.5 }], ['SFOGD', {}], ['SFOGD', { alpha: 0.05, scale: 3, initial: 1 }],
      ['SAOCP', {}], ['SAOCP', { alpha: 0.2, lifetime: 3, scale: 2 }], ['SAOCP', { lifetime: 1, initial: 0.5 }]];
    for (const [m, o] of cases) {
      const rnd = lcg(23), L = new online[m](e, o), R = conformalRef(m, o);
      let L2 = L;
      for (let t = 0; t < 700; t++) {
        assert.ok(Object.is(L2.predict(), R.radius()), `${m} ${JSON.stringify(o)} t=${t}: ${L2.predict()} vs ${R.radius()}`);
        const sc = t < 350 ? 1 : 4, f = rnd() * 10, y = f + (rnd() - 0.5) * 2 * sc;
        const r = t % 3 ? L2.update(y, { forecast: f }) : L2.update(Math.abs(Math.round((y - f) * 4) / 4));
        const want = R.update(t % 3 ? Math.abs(y - f) : Math.abs(Math.round((y - f) * 4) / 4));
        assert.equal(r, want, `${m} covered t=${t}`);
        if (t === 400) { L2 = online.load(e, L.save()); assert.deepEqual(L2.options, L.options); same(L2.stateArray(), L.stateArray(), 'loaded'); L.free(); }
      }
      assert.equal(L2.t, 700);
      assert.ok(Object.is(L2.coverage, R.st.hits / 700) && Object.is(L2.infiniteIntervals, R.st.inf));
      assert.ok(Object.is(L2.meanWidth, R.st.widthSum / (700 - R.st.inf)));
      const [lo, hi] = L2.interval(5);
      assert.ok(Object.is(lo, 5 - R.radius()) && Object.is(hi, 5 + R.radius()));
      fin.push(L2.predict(), L2.coverage, L2.meanWidth);
      L2.free();
    }
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('coin betting and conformal: bad input raises typed errors and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const C = new online.CoinBetting(e, { set: online.sets.box(-1, 1, 3) });
  C.update([0.5, -0.2, 0.1]);
  let before = C.save();
  const same0 = (L, b) => assert.deepEqual(L.save(), b);
  assert.throws(() => C.update([1, 2]), LengthMismatchError); same0(C, before);
  assert.throws(() => C.update([1, NaN, 0]), NonFiniteError); same0(C, before);
  assert.throws(() => C.update([0.1, 1.5, 0]), (err) => err instanceof InvalidArgumentError && /gradient\[1\]/.test(err.message)); same0(C, before);
  assert.throws(() => C.update([0.1, 0.1, 0], 1), /takes 1 argument/); same0(C, before);
  C.update([1 + 1e-13, -1, 0]); // within the slack, scaled back to the bound
  const B = new online.CoinBetting(e, { set: online.sets.l2Ball(2), mode: 'ball', lipschitz: 2 });
  B.update([1, 1]);
  before = B.save();
  assert.throws(() => B.update([1.5, 1.5]), /‖gradient‖₂ exceeds lipschitz 2/); same0(B, before);
  assert.throws(() => new online.CoinBetting(e, { set: online.sets.simplex(3) }), HyperparameterError);
  assert.throws(() => new online.CoinBetting(e, { set: online.sets.l2Ball(3), mode: 'hilbert' }), HyperparameterError);
  assert.throws(() => new online.CoinBetting(e, { set: online.sets.l2Ball(3), mode: 'ball', epsilon: 0 }), HyperparameterError);
  assert.throws(() => new online.CoinBetting(e, { set: online.sets.l2Ball(3), mode: 'ball', lipshitz: 1 }), /did you mean "lipschitz"/);
  assert.throws(() => new online.CoinBetting(e, { set: [1, 2] }), InvalidArgumentError);
  assert.equal(C.stateArray().length, 2 + 4 * 3); // [t, 0, x, w, θ, W]
  assert.equal(B.stateArray().length, 2 + 3 * 2 + 4); // [t, 0, x, w, y, z, θ, W, S]
  for (const [m, o] of [['ACI', { window: 5 }], ['SFOGD', {}], ['SAOCP', {}]]) {
    const L = new online[m](e, o);
    L.update(1, { forecast: 0.5 }); L.update(0.3);
    const b = L.save();
    assert.throws(() => L.update(-0.1), InvalidArgumentError); same0(L, b);
    assert.throws(() => L.update(NaN), NonFiniteError); same0(L, b);
    assert.throws(() => L.update(1, { forecast: Infinity }), NonFiniteError); same0(L, b);
    assert.throws(() => L.update(1, { forcast: 1 }), /did you mean "forecast"/); same0(L, b);
    assert.throws(() => L.update(1, null), InvalidArgumentError); same0(L, b);
    assert.throws(() => L.update('1'), InvalidArgumentError); same0(L, b);
    assert.throws(() => L.update(1, { forecast: 1 }, 3), /takes 2 arguments/); same0(L, b);
    assert.throws(() => L.interval(NaN), NonFiniteError);
    assert.throws(() => L.predict(1), /takes no arguments/);
    assert.throws(() => new online[m](e, { ...o, alpha: 1 }), HyperparameterError);
    assert.throws(() => new online[m](e, { ...o, alpha: 0 }), HyperparameterError);
    assert.throws(() => new online[m](e, null), InvalidArgumentError);
    const bb = b.slice(); bb[bb.length - 20] ^= 4;
    assert.throws(() => online.load(e, bb), StateError);
    L.free();
    assert.throws(() => L.predict(), DisposedError);
  }
  assert.throws(() => new online.ACI(e, { window: 0 }), HyperparameterError);
  assert.throws(() => new online.ACI(e, { gamma: 2 }), HyperparameterError);
  assert.throws(() => new online.SAOCP(e, { lifetime: 0.5 }), HyperparameterError);
  assert.throws(() => new online.SFOGD(e, { scale: -1 }), HyperparameterError);
  C.free(); B.free();
  await e.dispose();
});
