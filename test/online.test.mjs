// The online family (src/online) against its f64-exact JS references (test/helpers/reference-online.mjs)
// bit for bit in every build (SIMD/scalar × 1/2 threads): the exact projections onto every feasible set
// (Euclidean, diagonal-norm and Mahalanobis), OGD (three step rules), diagonal AdaGrad, exponentiated
// gradient (simplex and EG± on the ℓ1 ball), FTRL-Proximal (Algorithm 1, sparse and dense), ONS, and
// the aggregation rules EWA, FixedShare, MLpol and BOA; save/load continuing bit for bit. The
// projections are also checked against independent solutions (bisection on the KKT multiplier).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online } from '../dist/index.js';
import {
  projectRef, mahaRef, ogdRef, adagradRef, egRef, ftrlRef, onsRef, aggregationRef, simplexRef,
} from './helpers/reference-online.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const same = (a, b, what) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
/** Test-side randomness (an LCG), uniform in [-1, 1) scaled. */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const vec = (rnd, n, scale = 1) => Float64Array.from({ length: n }, () => (rnd() * 2 - 1) * scale);
const mathOf = (e) => ({ log: (x) => e.log(x), exp: (x) => e.exp(x) });
const SIZES = [1, 3, 7, 33];
const setsFor = (n, rnd) => [
  online.sets.unconstrained(n), online.sets.simplex(n), online.sets.simplex(n, 2.5), online.sets.l1Ball(n, 0.7),
  online.sets.l2Ball(n), online.sets.l2Ball(n, 3), online.sets.box(vec(rnd, n, 0.5).map((v) => v - 0.5), vec(rnd, n, 0.5).map((v) => v + 0.5)),
];
const refSet = (s) => ({ kind: s.kind, dim: s.dim, radius: s.radius, lower: s.lower, upper: s.upper, diameter: s.diameter });

test('projections equal the references bit for bit in every build, and solve their problems', async () => {
  const results = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const rnd = lcg(7), out = [];
    for (const n of SIZES) {
      for (const s of setsFor(n, rnd)) {
        for (let k = 0; k < 6; k++) {
          const y = vec(rnd, n, k < 3 ? 3 : 0.2);
          if (k === 4 && n > 2) { y[1] = y[0]; y[2] = y[0]; } // ties in the sort
          const x = s.project(e, y);
          same(x, projectRef(refSet(s), y), `${s.kind} n=${n} k=${k}`);
          assert.ok(s.contains(e, x), `${s.kind}: projection inside`);
          out.push(...x);
        }
      }
      const ball = online.sets.l2Ball(n, 0.5);
      for (let k = 0; k < 3; k++) {
        const B = vec(rnd, n * n), A = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let l = 0; l < n; l++) s += B[i * n + l] * B[j * n + l]; A[i * n + j] = s + (i === j ? 0.1 : 0); }
        const y = vec(rnd, n, 4);
        const x = ball.projectMahalanobis(e, y, A);
        same(x, mahaRef(y, 0.5, A), `maha n=${n}`);
        out.push(...x);
      }
    }
    results.push(out);
    await e.dispose();
  }
  for (const r of results.slice(1)) same(r, results[0], 'builds agree');
});

test('projections are the exact minimisers: KKT checks against independent bisection solutions', async () => {
  const e = await init({ threads: 1 });
  const rnd = lcg(99);
  // simplex: x_i = max(y_i − θ, 0) with Σx = r; θ found here by bisection (independent of the sort)
  for (const n of [2, 5, 50, 300]) {
    for (let k = 0; k < 5; k++) {
      const y = vec(rnd, n, 2), r = 0.5 + rnd() * 2;
      const x = online.sets.simplex(n, r).project(e, y);
      let lo = -10, hi = 10;
      for (let it = 0; it < 200; it++) { const m = (lo + hi) / 2; let s = 0; for (const v of y) s += Math.max(v - m, 0); if (s > r) lo = m; else hi = m; }
      for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i] - Math.max(y[i] - lo, 0)) < 1e-12, `simplex n=${n}`);
      const sum = x.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - r) < 1e-12 * n);
      // weighted form with h = 1 is the same computation
      same(simplexRef(y, r, new Float64Array(n).fill(1)), x, 'unit weights');
    }
  }
  // ℓ2 ball in the A-norm: stationarity A(x − y) + μx = 0 with ‖x‖ = r, μ ≥ 0
  for (const n of [2, 6, 20]) {
    const B = vec(rnd, n * n), A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let l = 0; l < n; l++) s += B[i * n + l] * B[j * n + l]; A[i * n + j] = s + (i === j ? 0.5 : 0); }
    const y = vec(rnd, n, 5), x = online.sets.l2Ball(n, 1).projectMahalanobis(e, y, A);
    const nx = Math.hypot(...x);
    assert.ok(nx <= 1 && nx > 1 - 1e-9, `on the sphere: ${nx}`);
    const res = Array.from({ length: n }, (_, i) => { let s = 0; for (let j = 0; j < n; j++) s += A[i * n + j] * (x[j] - y[j]); return s; });
    const mu = -res.reduce((a, v, i) => a + v * x[i], 0) / (nx * nx);
    assert.ok(mu > 0);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(res[i] + mu * x[i]) < 1e-8 * (1 + mu), `KKT n=${n} i=${i}: ${res[i] + mu * x[i]}`);
  }
  // ℓ1: the projection of a point outside lands on the sphere, with the soft-threshold structure
  const y = Float64Array.from([3, -1, 0.5, -2]), x = online.sets.l1Ball(4, 2).project(e, y);
  same(x, Float64Array.from([1.5, -0, 0, -0.5]), 'l1 example (τ = 1.5; the sign of y kept, so -0 where y < 0)');
  await e.dispose();
});

/** Run `steps` rounds of learner and reference with the same gradients; compare every decision. */
function lockstep(L, R, grads, what, decide = () => L.predict(), refX = () => R.st.x) {
  for (let t = 0; t < grads.length; t++) {
    same(decide(), refX(), `${what} t=${t}`);
    L.update(grads[t]); R.update(grads[t]);
  }
  same(decide(), refX(), `${what} end`);
}

test('OGD (three step rules), AdaGrad, EG and ONS follow their references bit for bit in every build; save/load continues exactly', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const M = mathOf(e), rnd = lcg(5), fin = [];
    for (const n of [1, 4, 9]) {
      for (const s of setsFor(n, rnd)) {
        const grads = Array.from({ length: 30 }, () => vec(rnd, n, 2));
        const x0 = s.project(e, new Float64Array(n));
        for (const o of [{}, { stepRule: 'strongly-convex', lambda: 0.5 }, { stepRule: 'constant', lr: 0.3 }, { lipschitz: 3, diameter: 2 }]) {
          if (s.kind === 'unconstrained' && !o.stepRule && o.diameter === undefined) continue;
          const L = new online.OGD(e, { set: s, ...o }), R = ogdRef(refSet(s), o, x0);
          lockstep(L, R, grads.slice(0, 20), `OGD ${s.kind} ${JSON.stringify(o)}`);
          const L2 = online.load(e, L.save());
          assert.deepEqual(L2.options, L.options);
          lockstep(L2, R, grads.slice(20), `OGD resumed ${s.kind}`);
          fin.push(...L2.predict()); L.free(); L2.free();
        }
        const lr = Number.isFinite(s.widthInf) && s.widthInf > 0 ? s.widthInf / Math.SQRT2 : 1;
        const A = new online.AdaGrad(e, { set: s }), AR = adagradRef(refSet(s), { lr }, x0);
        lockstep(A, AR, grads.slice(0, 20), `AdaGrad ${s.kind}`);
        const A2 = online.load(e, A.save());
        lockstep(A2, AR, grads.slice(20), `AdaGrad resumed ${s.kind}`);
        fin.push(...A2.predict()); A.free(); A2.free();
        if (s.kind === 'simplex' || s.kind === 'l1Ball') {
          const m = s.kind === 'l1Ball' ? 2 * n : n;
          for (const o of [{}, { stepRule: 'constant', lr: 0.7 }]) {
            const c = o.lr ?? e.sqrt(e.log(Math.max(m, 2))) / s.radius;
            const G = new online.ExponentiatedGradient(e, { set: s, ...o }), GR = egRef(refSet(s), { stepRule: o.stepRule, c }, M);
            lockstep(G, GR, grads.slice(0, 20), `EG ${s.kind}`);
            const G2 = online.load(e, G.save());
            lockstep(G2, GR, grads.slice(20), `EG resumed ${s.kind}`);
            fin.push(...G2.predict()); G.free(); G2.free();
          }
        }
        if (s.kind === 'l2Ball' || s.kind === 'unconstrained') {
          const D = s.diameter, gamma = Number.isFinite(D) ? 0.5 * Math.min(1 / (4 * D), 1) : 0.5, eps = Number.isFinite(D) ? 1 / (gamma * gamma * D * D) : 1;
          for (const o of [{}, { gamma: 2, epsilon: 0.5 }]) {
            const O = new online.ONS(e, { set: s, ...o }), OR = onsRef(refSet(s), { gamma: o.gamma ?? gamma, epsilon: o.epsilon ?? eps }, new Float64Array(n));
            lockstep(O, OR, grads.slice(0, 20), `ONS ${s.kind} ${JSON.stringify(o)}`);
            const O2 = online.load(e, O.save());
            lockstep(O2, OR, grads.slice(20), `ONS resumed ${s.kind}`);
            fin.push(...O2.predict()); O.free(); O2.free();
          }
        }
      }
    }
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('FTRL-Proximal reproduces Algorithm 1 bit for bit (sparse logistic, dense gradients) in every build, with exact zeros under ℓ1', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const M = mathOf(e), rnd = lcg(11), d = 64;
    const truth = vec(rnd, d, 2).map((v, i) => (i % 5 === 0 ? v : 0));
    const fin = [];
    for (const o of [{}, { alpha: 0.5, beta: 0.1, l1: 1, l2: 0.5 }, { l1: 3 }]) {
      const L = new online.FTRLProximal(e, { dim: d, ...o }), R = ftrlRef(d, o, M);
      for (let t = 0; t < 400; t++) {
        const k = 1 + Math.floor(rnd() * 6), set = new Set();
        while (set.size < k) set.add(Math.floor(rnd() * d));
        const idx = [...set].sort((a, b) => a - b), val = idx.map(() => (rnd() < 0.5 ? 1 : rnd() * 2));
        let m = 0; for (let j = 0; j < k; j++) m += truth[idx[j]] * val[j];
        const y = rnd() < 1 / (1 + Math.exp(-m)) ? 1 : 0;
        assert.ok(Object.is(L.predict({ indices: idx, values: val }), R.predict(idx, val)), 'predict');
        assert.ok(Object.is(L.update(y, { x: { indices: idx, values: val } }), R.logistic(idx, val, y)), `update t=${t}`);
        if (t === 200) { const L2 = online.load(e, L.save()); L.free(); L2.update(0, { x: { indices: [0], values: [0] } }); R.logistic([0], [0], 0); fin.push(...L2.predict()); L2.free(); break; }
      }
      const L3 = new online.FTRLProximal(e, { dim: d, ...o }), R3 = ftrlRef(d, o, M);
      for (let t = 0; t < 30; t++) { const g = vec(rnd, d); L3.update(g); R3.gradient(null, g); }
      same(L3.predict(), R3.weights(), 'dense gradient weights');
      const w = L3.predict();
      if (o.l1) assert.ok(w.some((v) => v === 0), 'exact zeros under l1');
      fin.push(...w); L3.free();
    }
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('EWA, FixedShare, MLpol and BOA follow their opera transcriptions bit for bit in every build (losses and advice forms, every loss)', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const M = mathOf(e), rnd = lcg(21), fin = [];
    const cases = [['EWA', {}], ['EWA', { eta: 0.7, loss: 'absolute' }], ['FixedShare', { eta: 2, alpha: 0.05 }], ['FixedShare', { eta: 0.5, loss: 'pinball', tau: 0.9 }],
      ['MLpol', {}], ['MLpol', { loss: 'pinball', tau: 0.2 }], ['MLpol', { gradient: false, loss: 'absolute' }], ['BOA', {}], ['BOA', { loss: 'percentage' }], ['BOA', { gradient: false }]];
    for (const N of [1, 2, 5]) {
      for (const [rule, o] of cases) {
        const L = new online[rule](e, { experts: N, ...o }), R = aggregationRef(rule, N, o, M);
        for (let t = 0; t < 40; t++) {
          same(L.predict(), R.weights(), `${rule} ${JSON.stringify(o)} N=${N} t=${t}`);
          if (t % 7 === 3) {
            const l = vec(rnd, N).map((v) => (v + 1) / 2);
            const got = L.update(l), want = R.update(l);
            assert.ok(Object.is(got, want[1]), 'mixture loss');
          } else {
            const y = 2 + rnd(), adv = vec(rnd, N, 1).map((v, i) => y + v + (i - 1) * 0.3);
            assert.ok(Object.is(L.forecast(adv), R.combine(R.weights(), adv)), 'forecast');
            const got = L.update(y, { advice: adv }), want = R.update(adv, y);
            assert.ok(Object.is(got, want[1]) && Object.is(L.lastForecast, want[0]), `${rule} update t=${t}`);
          }
          if (t === 20) { const L2 = online.load(e, L.save()); assert.deepEqual(L2.options, L.options); same(L2.stateArray(), L.stateArray(), 'loaded state'); L.free(); Object.assign(L, {}); fin.push(...L2.predict()); L2.free(); break; }
        }
      }
    }
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('bad input raises the documented typed errors and changes nothing', async () => {
  const { LengthMismatchError, NonFiniteError, InvalidArgumentError, HyperparameterError, StateError, DisposedError, UnsupportedError } = await import('../dist/index.js');
  const e = await init({ threads: 1 });
  const set = online.sets.simplex(3);
  const L = new online.OGD(e, { set });
  L.update([0.3, -0.1, 0.2]);
  const before = L.save();
  const unchanged = () => assert.deepEqual(L.save(), before);
  assert.throws(() => L.update([1, 2]), LengthMismatchError); unchanged();
  assert.throws(() => L.update([1, NaN, 2]), (err) => err instanceof NonFiniteError && err.tensor === 'gradient' && err.count === 1); unchanged();
  assert.throws(() => L.update([1, Infinity, 2]), NonFiniteError); unchanged();
  assert.throws(() => L.update([1, '2', 3]), InvalidArgumentError); unchanged();
  assert.throws(() => L.update([1, 1e101, 3]), InvalidArgumentError); unchanged();
  assert.throws(() => L.update('123'), InvalidArgumentError); unchanged();
  assert.throws(() => L.update([0.1, 0.2, 0.3], { loss: 1 }), /takes 1 argument/); unchanged();
  assert.throws(() => L.predict([1, 2, 3]), /takes no arguments/); unchanged();
  assert.throws(() => new online.OGD(e, { set, x0: [1, 1, 1] }), /outside the simplex/);
  assert.throws(() => new online.OGD(e, { set, x0: [1, 1, 1] }), InvalidArgumentError);
  assert.throws(() => new online.OGD(e, { set, stepRule: 'sqrtt' }), HyperparameterError);
  assert.throws(() => new online.OGD(e, { set, stepRule: 'sqrt', lipschitz: 0 }), HyperparameterError);
  assert.throws(() => new online.OGD(e, { set, steprule: 'sqrt' }), /did you mean "stepRule"/);
  assert.throws(() => new online.OGD(e, { set: online.sets.unconstrained(2) }), /diameter/);
  assert.throws(() => new online.ONS(e, { set }), HyperparameterError);
  assert.throws(() => new online.ExponentiatedGradient(e, { set: online.sets.l2Ball(2) }), HyperparameterError);
  assert.throws(() => new online.OGD(e, { set: [1, 2] }), InvalidArgumentError);
  const M = new online.MLpol(e, { experts: 3 });
  M.update(1, { advice: [0.5, 1, 2] });
  const mb = M.save();
  assert.throws(() => M.update([0.1, 0.2]), LengthMismatchError);
  assert.throws(() => M.update(1, { advice: [1, NaN, 2] }), NonFiniteError);
  assert.throws(() => M.update(NaN, { advice: [1, 1, 2] }), NonFiniteError);
  assert.throws(() => M.update(1, { advise: [1, 1, 2] }), /did you mean/);
  assert.throws(() => M.update(1), InvalidArgumentError);
  assert.deepEqual(M.save(), mb);
  const F = new online.FTRLProximal(e, { dim: 10 });
  const fb = F.save();
  assert.throws(() => F.update(1, { x: { indices: [3, 2], values: [1, 1] } }), /strictly increasing/);
  assert.throws(() => F.update(1, { x: { indices: [3, 10], values: [1, 1] } }), InvalidArgumentError);
  assert.throws(() => F.update(1, { x: { indices: [1.5], values: [1] } }), InvalidArgumentError);
  assert.throws(() => F.update(2, { x: { indices: [1], values: [1] } }), /\[0, 1\]/);
  assert.throws(() => F.update(1, { x: { indices: [1, 2], values: [1] } }), LengthMismatchError);
  assert.deepEqual(F.save(), fb);
  // state files: another family's, a damaged one, a wrong version
  assert.throws(() => online.load(e, new Uint8Array(10)), StateError);
  const b = L.save(); b[40] ^= 1;
  assert.throws(() => online.load(e, b), /checksum/);
  // an overflowing update is undone: unconstrained OGD with a huge constant step
  const U = new online.OGD(e, { set: online.sets.unconstrained(2), stepRule: 'constant', lr: 1e250 });
  U.update([1e50, 0]);
  const ub = U.save();
  assert.throws(() => U.update([1e100, 0]), NonFiniteError);
  assert.deepEqual(U.save(), ub);
  L.free();
  assert.throws(() => L.predict(), DisposedError);
  // an engine created before the family was imported would lack the kernels: every engine here has them
  assert.ok(e.groups.includes('online'));
  void UnsupportedError;
  await e.dispose();
});

test('FTRLProximal.updateBatch (CSR, one wasm call) gives the bits of the same rounds one at a time, in every build; a bad batch changes nothing', async () => {
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    const rnd = lcg(71), d = 500, m = 300, o = { alpha: 0.4, l1: 0.3, l2: 0.2 };
    const indptr = [0], indices = [], values = [], ys = [];
    for (let k = 0; k < m; k++) {
      const s = new Set(); const nz = Math.floor(rnd() * 8); while (s.size < nz) s.add(Math.floor(rnd() * d));
      for (const i of [...s].sort((a, b) => a - b)) { indices.push(i); values.push(rnd() * 2 - 1); }
      indptr.push(indices.length); ys.push(rnd() < 0.4 ? 1 : 0);
    }
    const A = new online.FTRLProximal(e, { dim: d, ...o }), B = new online.FTRLProximal(e, { dim: d, ...o });
    const p = A.updateBatch(ys, { indptr, indices, values });
    const q = ys.map((y, k) => B.update(y, { x: { indices: indices.slice(indptr[k], indptr[k + 1]), values: values.slice(indptr[k], indptr[k + 1]) } }));
    same(p, Float64Array.from(q), 'batch predictions');
    same(A.stateArray(), B.stateArray(), 'batch state');
    const before = A.save();
    for (const bad of [
      [ys, { indptr: [1, ...indptr.slice(1)], indices, values }], [ys, { indptr, indices: [d, ...indices.slice(1)], values }],
      [ys, { indptr, indices, values: [NaN, ...values.slice(1)] }], [[2, ...ys.slice(1)], { indptr, indices, values }],
      [ys.slice(1), { indptr, indices, values }], [ys, { indptr, indices, values, extra: 1 }], [ys, null],
    ]) assert.throws(() => A.updateBatch(...bad), (err) => err.code !== undefined);
    assert.deepEqual(A.save(), before);
    A.free(); B.free();
    await e.dispose();
  }
});
