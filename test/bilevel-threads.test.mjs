// Issue 9, the threaded ridge kernels (assembly/bilevel/ridge.ts): ∇_w g = ρ∘w + Σ_b P_b with per-block
// partials P_b over fixed blocks of 64 rows (bl_ridge_part, one pass over each row) added in block order
// (bl_ridge_sum): equal bit for bit to an f64 JS reference of that order, in SIMD and scalar builds and
// for any split of the blocks and features, and so the same runs at 1 and 2 threads.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel } from '../dist/index.js';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const engines = [];
for (const c of CONFIGS) engines.push(await init(c));
afterAll(() => { for (const e of engines) e.dispose(); });

let s = 5;
const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
const n = 301, d = 67, m = 50; // odd sizes: splits fall mid-vector and off the SIMD pairs
const X = Float64Array.from({ length: n * d }, rnd), t = Float64Array.from({ length: n }, rnd);
const V = Float64Array.from({ length: m * d }, rnd), tv = Float64Array.from({ length: m }, rnd);
const hex = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

// the library's fixed-order dot (element i in lane i mod 4, lanes folded (l0 + l1) + (l2 + l3)) and the kernel's sum order
function dot(x, xo, y, n) {
  const a = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) a[i % 4] += x[xo + i] * y[i];
  return (a[0] + a[1]) + (a[2] + a[3]);
}
function reference(mode, tZero, hyp, alpha, w, omega, rho) {
  const nb = Math.ceil(n / 64), out = new Float64Array(d);
  for (let j = 0; j < d; j++) out[j] = rho[j] * w[j];
  for (let b = 0; b < nb; b++) {
    const p = new Float64Array(d);
    for (let i = b * 64; i < Math.min(n, (b + 1) * 64); i++) {
      const r = omega[i] * (tZero ? dot(X, i * d, w, d) : dot(X, i * d, w, d) - t[i]);
      for (let j = 0; j < d; j++) p[j] += r * X[i * d + j];
    }
    for (let j = 0; j < d; j++) out[j] += p[j];
  }
  return out;
}

test('per-block partials added in block order: equal to the f64 JS reference bit for bit, for any split (every mode, both builds)', () => {
  for (const e of engines) {
    const nb = Math.ceil(n / 64);
    const bx = e.alloc(n * d, 'f64'), bt = e.alloc(n, 'f64'), hyp = e.alloc(n, 'f64'), w = e.alloc(d, 'f64'), part = e.alloc(nb * d, 'f64'), b = e.alloc(d, 'f64');
    try {
      bx.array.set(X); bt.array.set(t);
      w.array.set(Float64Array.from({ length: d }, rnd)); hyp.array.set(Float64Array.from({ length: n }, () => 2 * rnd()));
      // ρ through the engine's exp (the core's exp_f64, the kernel's routine), not Math.exp
      for (const mode of [0, 1, 3]) for (const tZero of [false, true]) {
        const rho = mode === 3 ? new Float64Array(d) : Float64Array.from({ length: d }, (_, j) => (mode === 0 ? e.exp(hyp.array[0]) : e.exp(hyp.array[j])));
        const want = reference(mode, tZero, hyp.array, 0.25, w.array, new Float64Array(n).fill(1), rho);
        for (const [pAlign, sAlign] of [[1, 8], [1, 1], [3, 5]]) {
          e.run('bl_ridge_part', nb, [n, d, bx.ptr, tZero ? 0 : bt.ptr, mode, hyp.ptr, w.ptr, part.ptr], pAlign, 1);
          e.run('bl_ridge_sum', d, [nb, d, part.ptr, mode, hyp.ptr, 0.25, w.ptr, b.ptr], sAlign, 1);
          assert.equal(hex(b.array), hex(want), `mode ${mode}, t ${tZero ? '0' : 'set'}, align ${pAlign}/${sAlign}, ${e.info.threads} threads, simd ${e.info.simd}`);
        }
      }
      // mode 2 (ωᵢ = σ(xᵢ) by the core's exp): every split equals the one-thread, one-piece call
      e.kernel('bl_ridge_part')(0, nb, n, d, bx.ptr, bt.ptr, 2, hyp.ptr, w.ptr, part.ptr);
      e.kernel('bl_ridge_sum')(0, d, nb, d, part.ptr, 2, hyp.ptr, 0.25, w.ptr, b.ptr);
      const whole = hex(b.array);
      e.run('bl_ridge_part', nb, [n, d, bx.ptr, bt.ptr, 2, hyp.ptr, w.ptr, part.ptr], 1, 1);
      e.run('bl_ridge_sum', d, [nb, d, part.ptr, 2, hyp.ptr, 0.25, w.ptr, b.ptr], 3, 1);
      assert.equal(hex(b.array), whole, 'mode 2 split');
    } finally { for (const x of [bx, bt, hyp, w, part, b]) x.free(); }
  }
});

test('an AID-CG ridge run gives the same bits at 1 and 2 threads, SIMD and scalar', () => {
  let ref;
  for (const e of engines) {
    const model = bilevel.models.ridge(e, { features: d, trainX: X, trainY: t, valX: V, valY: tv, hyper: 'logFeatureRidge' });
    const res = bilevel.solve(e, { model, x0: new Array(d).fill(0), method: 'aid-cg', options: { innerSolver: 'newton', innerSteps: 3, cgSteps: 30, outer: { lr: 0.05, steps: 5 } } });
    model.free();
    const got = hex(Float64Array.of(...res.x, ...res.y, ...res.hypergradient));
    if (ref === undefined) ref = got; else assert.equal(got, ref, JSON.stringify(e.info));
  }
  assert.equal(engines[1].info.threads, 2);
});
