// Issue 9, the built-in small MLP (bilevel.models.mlp; assembly/bilevel/mlp.ts): one tanh hidden layer, a
// softmax output, per-sample weights or weight decay as the upper variable. Its kernels equal the f64 JS
// mirror (test/helpers/reference-mlp.mjs) bit for bit in SIMD and scalar builds at 1 and 2 threads; the
// gradient, Hessian-vector product, cross products and Hessian agree with torch 1.13 autograd
// (scripts/golden_mlp.py, fixture checked in .ci/run) and with finite differences of the gradient.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init, bilevel, HyperparameterError, InvalidArgumentError, LengthMismatchError } from '../dist/index.js';
import { mlpReference } from './helpers/reference-mlp.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2 }, { simd: false, threads: 1 }, { simd: false, threads: 2 }];
const engines = [];
for (const c of CONFIGS) engines.push(await init(c));
afterAll(() => { for (const e of engines) e.dispose(); });
const e = engines[0];
const hex = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const MODES = { logRidge: 0, sampleWeights: 2, upper: 3 };

/** Runs the model's kernels on plain arrays (every kernel of the family the oracles call). */
function kernels(eng, d, H, K, n, X, t, c) {
  const P = H * d + H + K * H + K, bufs = [];
  const buf = (a) => { const b = eng.alloc(Math.max(1, a.length), 'f64'); b.array.set(a); bufs.push(b); return b; };
  const bX = buf(X), bt = buf(t), bc = c ? buf(c) : null, s = buf(new Float64Array(4 * H + 3 * K + P));
  const call = (name, mode, hyp, alpha, w, vecs, outLen) => {
    const bh = buf(hyp), bw = buf(w), out = buf(new Float64Array(outLen));
    const extra = vecs.map((v) => buf(v).ptr);
    const r = eng.kernel(name)(n, d, H, K, bX.ptr, bt.ptr, bc ? bc.ptr : 0, mode, bh.ptr, ...(alpha === null ? [] : [alpha]), bw.ptr, ...extra, s.ptr, out.ptr);
    return outLen ? out.array.slice() : r;
  };
  const dx = (mode) => (mode === 2 ? n : 1);
  return {
    P,
    grad: (mode, hyp, alpha, w) => call('bl_mlp_grad', mode, hyp, alpha, w, [], P),
    value: (mode, hyp, alpha, w) => {
      const bh = buf(hyp), bw = buf(w);
      return eng.kernel('bl_mlp_value')(n, d, H, K, bX.ptr, bt.ptr, bc ? bc.ptr : 0, mode, bh.ptr, alpha, bw.ptr, s.ptr);
    },
    hvp: (mode, hyp, alpha, w, v) => call('bl_mlp_hvp', mode, hyp, alpha, w, [v], P),
    cross: (mode, hyp, w, v) => call('bl_mlp_cross', mode, hyp, null, w, [v], dx(mode)),
    crossT: (mode, hyp, w, u) => call('bl_mlp_cross_t', mode, hyp, null, w, [u], P),
    gradX: (mode, hyp, w) => call('bl_mlp_grad_x', mode, hyp, null, w, [], dx(mode)),
    hess: (mode, hyp, alpha, w) => call('bl_mlp_hess', mode, hyp, alpha, w, [], P * P),
    free: () => { for (const b of bufs) b.free(); },
  };
}

let seed = 9;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;

test('every kernel equals the f64 JS mirror bit for bit (modes logRidge, sampleWeights, upper; with and without sample weights; initial weights, accuracy; SIMD/scalar × 1/2 threads)', () => {
  const d = 7, H = 5, K = 3, n = 29; // odd sizes: the dots' 4-lane tails and the SIMD pairs' remainders
  const X = Float64Array.from({ length: n * d }, () => 2 * rnd()), t = Float64Array.from({ length: n }, (_, i) => (i * 7) % K);
  const c = Float64Array.from({ length: n }, () => rnd() + 0.5);
  const P = H * d + H + K * H + K;
  const w = Float64Array.from({ length: P }, () => 1.5 * rnd()), v = Float64Array.from({ length: P }, rnd);
  const hyp2 = Float64Array.from({ length: n }, () => 4 * rnd()), u2 = Float64Array.from({ length: n }, rnd);
  let first;
  for (const eng of engines) {
    const ref = mlpReference(eng, d, H, K), got = [];
    for (const cc of [null, c]) {
      const k = kernels(eng, d, H, K, n, X, t, cc);
      try {
        for (const [mode, hyp, u, alpha] of [[0, [-2.5], [0.7], 0], [2, hyp2, u2, 0.03], [3, [0], [0], 0]]) {
          const tag = `mode ${mode}${cc ? ' weighted' : ''}, simd ${eng.info.simd}, ${eng.info.threads} threads`;
          const pairs = [
            [k.grad(mode, hyp, alpha, w), ref.grad(n, X, t, cc, mode, hyp, alpha, w), 'grad'],
            [Float64Array.of(k.value(mode, hyp, alpha, w)), Float64Array.of(ref.value(n, X, t, cc, mode, hyp, alpha, w)), 'value'],
            [k.hvp(mode, hyp, alpha, w, v), ref.hvp(n, X, t, cc, mode, hyp, alpha, w, v), 'hvp'],
          ];
          if (mode !== 3) {
            pairs.push([k.cross(mode, hyp, w, v), ref.cross(n, X, t, cc, mode, hyp, w, v), 'cross'],
              [k.crossT(mode, hyp, w, u), ref.crossT(n, X, t, cc, mode, hyp, w, u), 'crossT'],
              [k.gradX(mode, hyp, w), ref.gradX(n, X, t, cc, mode, hyp, w), 'gradX']);
          }
          for (const [a, b, what] of pairs) { assert.equal(hex(a), hex(b), `${what}, ${tag}`); got.push(hex(a)); }
        }
      } finally { k.free(); }
    }
    // the seeded Glorot initial weights and the accuracy count
    for (const sd of [0, 7, 0xffffffff]) {
      const m = bilevel.models.mlp(eng, { features: d, classes: K, hidden: H, seed: sd, trainX: X, trainY: t, valX: X, valY: t });
      try {
        const w0 = m.initialWeights();
        assert.equal(hex(w0), hex(ref.init(sd)), `initialWeights seed ${sd}, simd ${eng.info.simd}, ${eng.info.threads} threads`);
        assert.equal(m.accuracy(w), ref.correct(n, X, t, w) / n, 'accuracy');
        got.push(hex(w0));
      } finally { m.free(); }
    }
    if (first === undefined) first = got.join(); else assert.equal(got.join(), first, 'the same bits in every build');
  }
});

test('HVP, cross products and ∇ₓg agree with central finite differences of the gradient and the value', () => {
  const d = 6, H = 4, K = 3, n = 31;
  const X = Float64Array.from({ length: n * d }, () => 2 * rnd()), t = Float64Array.from({ length: n }, (_, i) => (i * 5) % K);
  const P = H * d + H + K * H + K, w = Float64Array.from({ length: P }, () => 1.5 * rnd()), v = Float64Array.from({ length: P }, rnd);
  const k = kernels(e, d, H, K, n, X, t, null);
  const relErr = (a, b) => { let m = 0, s = 0; for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); } return m / s; };
  const shift = (a, b, h) => a.map((z, i) => z + h * b[i]);
  try {
    const h = 1e-5;
    for (const [mode, hyp, alpha] of [[0, [-2], 0], [2, Float64Array.from({ length: n }, () => 4 * rnd()), 0.05]]) {
      const fdH = k.grad(mode, hyp, alpha, shift(w, v, h)).map((z, i) => (z - k.grad(mode, hyp, alpha, shift(w, v, -h))[i]) / (2 * h));
      const hv = k.hvp(mode, hyp, alpha, w, v);
      assert.ok(relErr(hv, fdH) < 1e-8, `mode ${mode}: HVP vs FD ${relErr(hv, fdH)}`);
      // ∇²ₓw g·v: d/dε ⟨∇_w g(x + εeᵢ), v⟩; ∇²wₓ g·u: d/dε ∇_w g(x + εu); ∇ₓg: d/dε g(x + εeᵢ)
      const dx = hyp.length, u = Float64Array.from({ length: dx }, rnd);
      const dotv = (a) => a.reduce((s, z, i) => s + z * v[i], 0);
      const fdCross = Float64Array.from({ length: dx }, (_, i) => {
        const e1 = Float64Array.from(hyp), e2 = Float64Array.from(hyp); e1[i] += h; e2[i] -= h;
        return (dotv(k.grad(mode, e1, alpha, w)) - dotv(k.grad(mode, e2, alpha, w))) / (2 * h);
      });
      assert.ok(relErr(k.cross(mode, hyp, w, v), fdCross) < 1e-7, `mode ${mode}: cross vs FD ${relErr(k.cross(mode, hyp, w, v), fdCross)}`);
      const gp = k.grad(mode, shift(hyp, u, h), alpha, w), gm = k.grad(mode, shift(hyp, u, -h), alpha, w);
      const fdCrossT = gp.map((z, i) => (z - gm[i]) / (2 * h));
      assert.ok(relErr(k.crossT(mode, hyp, w, u), fdCrossT) < 1e-7, `mode ${mode}: crossT vs FD ${relErr(k.crossT(mode, hyp, w, u), fdCrossT)}`);
      const fdGx = Float64Array.from({ length: dx }, (_, i) => {
        const e1 = Float64Array.from(hyp), e2 = Float64Array.from(hyp); e1[i] += h; e2[i] -= h;
        return (k.value(mode, e1, alpha, w) - k.value(mode, e2, alpha, w)) / (2 * h);
      });
      assert.ok(relErr(k.gradX(mode, hyp, w), fdGx) < 1e-7, `mode ${mode}: gradX vs FD ${relErr(k.gradX(mode, hyp, w), fdGx)}`);
      const fdG = Float64Array.from({ length: P }, (_, q) => { const e1 = Float64Array.from(w), e2 = Float64Array.from(w); e1[q] += h; e2[q] -= h; return (k.value(mode, hyp, alpha, e1) - k.value(mode, hyp, alpha, e2)) / (2 * h); });
      assert.ok(relErr(k.grad(mode, hyp, alpha, w), fdG) < 1e-7, `mode ${mode}: grad vs FD of the value`);
    }
  } finally { k.free(); }
});

test('value, gradient, HVP, cross products, ∇ₓg and the dense Hessian agree with torch 1.13 autograd (f64) to 1e-12', () => {
  const fx = JSON.parse(readFileSync(new URL('./fixtures/bilevel-mlp-golden.json', import.meta.url), 'utf8'));
  assert.equal(fx.cases.length, 4);
  let worst = 0;
  const rel = (a, b, what) => {
    let m = 0, s = 0;
    for (let i = 0; i < b.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
    assert.equal(a.length, b.length, what);
    worst = Math.max(worst, m / s);
    assert.ok(m / s < 1e-12, `${what}: ${m / s}`);
  };
  for (const c of fx.cases) {
    const { n, d, hidden: H, classes: K } = c, mode = MODES[c.hyper], alpha = c.hyper === 'sampleWeights' ? c.alpha : 0;
    const k = kernels(e, d, H, K, n, c.X, c.t, c.weights);
    try {
      const tag = `case ${c.seed} (${c.hyper})`;
      rel([k.value(mode, c.x, alpha, c.w)], [c.value], `${tag} value`);
      rel(k.grad(mode, c.x, alpha, c.w), c.grad, `${tag} grad`);
      rel(k.hvp(mode, c.x, alpha, c.w, c.v), c.hvp, `${tag} hvp`);
      rel(k.cross(mode, c.x, c.w, c.v), c.cross, `${tag} cross`);
      rel(k.crossT(mode, c.x, c.w, c.u), c.crossT, `${tag} crossT`);
      rel(k.gradX(mode, c.x, c.w), c.gradX, `${tag} gradX`);
      rel(k.hess(mode, c.x, alpha, c.w), c.hessian, `${tag} hessian`);
      rel([k.value(3, [0], 0, c.w)], [c.upperValue], `${tag} upper value`);
      rel(k.grad(3, [0], 0, c.w), c.upperGrad, `${tag} upper grad`);
    } finally { k.free(); }
  }
  console.log(`mlp vs torch ${fx.torch} autograd: worst relative difference ${worst.toExponential(2)} over ${fx.cases.length} cases`);
});

test('model spec checks: hidden, seed, hyper; initialWeights is seeded Glorot-uniform and a solve without y0 starts there', () => {
  const base = { features: 3, classes: 2, hidden: 4, trainX: [0, 1, 2, 1, 0, -1], trainY: [0, 1], valX: [1, 1, 1], valY: [1] };
  assert.throws(() => bilevel.models.mlp(e, { ...base, hidden: 0 }), InvalidArgumentError);
  assert.throws(() => bilevel.models.mlp(e, { ...base, hidden: undefined }), InvalidArgumentError);
  assert.throws(() => bilevel.models.mlp(e, { ...base, seed: -1 }), InvalidArgumentError);
  assert.throws(() => bilevel.models.mlp(e, { ...base, hyper: 'logFeatureRidge' }), (err) => err instanceof HyperparameterError && /logRidge/.test(err.message));
  assert.throws(() => bilevel.models.mlp(e, { ...base, trainX: [1, 2] }), LengthMismatchError);
  assert.throws(() => bilevel.models.mlp(e, { ...base, extra: 1 }), /extra/);
  const m = bilevel.models.mlp(e, base), m2 = bilevel.models.mlp(e, { ...base, seed: 3 });
  try {
    assert.equal(m.dy, 4 * 3 + 4 + 2 * 4 + 2);
    const w = m.initialWeights(), a1 = Math.sqrt(6 / 7), a2 = Math.sqrt(6 / 6);
    assert.ok(w.subarray(0, 12).every((z) => Math.abs(z) <= a1) && w.subarray(12, 16).every((z) => z === 0));
    assert.ok(w.subarray(16, 24).every((z) => Math.abs(z) <= a2) && w.subarray(24).every((z) => z === 0));
    assert.notEqual(hex(w), hex(m2.initialWeights()));
    const r = bilevel.solve(e, { model: m, x0: [Math.log(0.1)], method: 'aid-cg', options: { innerSteps: 0, outer: { steps: 0 } } });
    assert.equal(hex(Float64Array.from(r.y)), hex(w), 'y starts at initialWeights()');
  } finally { m.free(); m2.free(); }
});
