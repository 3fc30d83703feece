// Full-matrix AdaGrad (online.FullMatrixAdaGrad) against its f64-exact JS reference (test/helpers/
// reference-online-fullmatrix.mjs) bit for bit in every build (SIMD/scalar × 1/2 threads), on the ℓ2
// ball (projections in the H-norm taken) and unconstrained, with rank-deficient G (zero and repeated
// gradients); the Jacobi eigendecomposition reconstructs G; save/load continues bit for bit; bad input
// is refused with the learner unchanged.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online, LengthMismatchError, NonFiniteError, InvalidArgumentError, HyperparameterError, StateError } from '../dist/index.js';
import { fullAdagradRef, jacobiRef } from './helpers/reference-online-fullmatrix.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const same = (a, b, what) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const refSet = (s) => ({ kind: s.kind, dim: s.dim, radius: s.radius, diameter: s.diameter });

test('FullMatrixAdaGrad follows its reference bit for bit in every build; save/load continues exactly', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const rnd = lcg(7), fin = [];
    let projected = 0;
    for (const n of [1, 2, 3, 5, 8]) {
      for (const s of [online.sets.l2Ball(n, 0.3), online.sets.l2Ball(n, 2), online.sets.unconstrained(n)]) {
        for (const o of [{}, { lr: 3, delta: 0.5 }]) {
          const L = new online.FullMatrixAdaGrad(e, { set: s, ...o }), R = fullAdagradRef(refSet(s), L.options, new Float64Array(n));
          let L2 = L;
          for (let t = 0; t < 60; t++) {
            same(L2.predict(), R.st.x, `${s.kind} r=${s.radius} n=${n} ${JSON.stringify(o)} t=${t}`);
            // rank-deficient phases: zero gradients, then one direction, then everything
            const g = t < 3 ? new Array(n).fill(0) : t < 15 ? Array.from({ length: n }, (_, i) => (i + 1) * (rnd() - 0.5)) .map((v, i, a) => a[0] * (i + 1)) : Array.from({ length: n }, () => 2 * rnd() - 1 + 0.3);
            L2.update(g); R.update(g);
            assert.equal(L2.lastSweeps, R.st.sweeps);
            if (s.kind === 'l2Ball' && Math.hypot(...R.st.x) > 0.999 * s.radius) projected++;
            if (t === 40) { L2 = online.load(e, L.save()); assert.deepEqual(L2.options, L.options); same(L2.stateArray(), L.stateArray(), 'loaded'); L.free(); }
          }
          same(L2.stateArray().subarray(2 + n), R.st.G, 'G');
          fin.push(...L2.predict());
          L2.free();
        }
      }
    }
    assert.ok(projected > 200, `${projected} rounds ended on the ball's boundary`);
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('the Jacobi eigendecomposition reconstructs G and its eigenvectors are orthonormal (d = 1 … 24)', () => {
  const rnd = lcg(99);
  for (const n of [1, 2, 3, 7, 16, 24]) {
    const B = Array.from({ length: n * (n + 2) }, () => rnd() - 0.5), A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n + 2; k++) s += B[i * (n + 2) + k] * B[j * (n + 2) + k]; A[i * n + j] = s; }
    const a = Float64Array.from(A), { W, sweeps } = jacobiRef(n, a);
    let err = 0, orth = 0, scale = 0;
    for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(A[i]));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, o = 0;
        for (let k = 0; k < n; k++) { s += W[k * n + i] * a[k * n + k] * W[k * n + j]; o += W[i * n + k] * W[j * n + k]; }
        err = Math.max(err, Math.abs(s - A[i * n + j])); orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
      }
    }
    assert.ok(err <= 1e-13 * scale * n && orth <= 1e-13 * n, `n=${n}: reconstruction ${err}, orthogonality ${orth}`);
    assert.ok(sweeps <= 12, `n=${n}: ${sweeps} sweeps`);
  }
});

test('FullMatrixAdaGrad: bad input raises typed errors and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const L = new online.FullMatrixAdaGrad(e, { set: online.sets.l2Ball(3) });
  for (let t = 0; t < 20; t++) L.update([0.1 * t, -0.2, 0.3]);
  const b = L.save();
  assert.throws(() => L.update([1, 2]), LengthMismatchError); assert.deepEqual(L.save(), b);
  assert.throws(() => L.update([1, NaN, 2]), NonFiniteError); assert.deepEqual(L.save(), b);
  assert.throws(() => L.update([1, 2, 3], {}), /takes 1 argument/); assert.deepEqual(L.save(), b);
  assert.throws(() => L.update('abc'), InvalidArgumentError); assert.deepEqual(L.save(), b);
  assert.throws(() => new online.FullMatrixAdaGrad(e, { set: online.sets.l2Ball(3), x0: [1, 1, 1] }), /outside/);
  assert.throws(() => new online.FullMatrixAdaGrad(e, { set: online.sets.simplex(3) }), /l2Ball.*simplex/);
  assert.throws(() => new online.FullMatrixAdaGrad(e, { set: online.sets.l2Ball(3), lr: 0 }), HyperparameterError);
  assert.throws(() => new online.FullMatrixAdaGrad(e, { set: online.sets.l2Ball(3), delta: -1 }), HyperparameterError);
  assert.throws(() => new online.FullMatrixAdaGrad(e, { set: online.sets.l2Ball(3), dleta: 3 }), /did you mean "delta"/);
  assert.throws(() => new online.FullMatrixAdaGrad(e, null), InvalidArgumentError);
  const s = L.stateArray();
  const asym = s.slice(); asym[2 + 3 + 1] += 1;
  const neg = s.slice(); neg[2 + 3] = -1;
  for (const bad of [asym, neg]) {
    const M = new online.FullMatrixAdaGrad(e, { set: online.sets.l2Ball(3) });
    assert.throws(() => M.restore(bad), StateError);
    M.free();
  }
  const bb = b.slice(); bb[bb.length - 30] ^= 1;
  assert.throws(() => online.load(e, bb), StateError);
  L.free();
  await e.dispose();
});
