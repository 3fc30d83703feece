// Issue 9 proof (reference §6 T1, T2): every hypergradient method against the closed form, in f64
// (every bilevel path computes in f64): built-in models, user second-order callbacks and finite
// differences of the user's gradients; the outer optimum against the root of the closed-form derivative.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel, NonFiniteError, LengthMismatchError, HyperparameterError, InvalidArgumentError, NotPositiveDefiniteError } from '../dist/index.js';
import { makeT1, ridgeClosedForm } from './helpers/reference-bilevel.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const rel = (a, b) => { let n = 0, d = 0; for (let i = 0; i < b.length; i++) { n += (a[i] - b[i]) ** 2; d += b[i] ** 2; } return Math.sqrt(n / Math.max(d, 1e-300)); };

const T1 = makeT1(3, 6, 7);
const x1 = [0.3, -0.2, 0.5];
const exact1 = T1.hypergrad(x1);
const METHOD_OPTS = {
  'aid-cg': { innerSolver: 'newton' }, 'aid-neumann': { innerSolver: 'newton', neumannSteps: 2000 }, 'aid-fp': { innerSolver: 'newton', fpSteps: 5000 },
  'aid-exact': { innerSolver: 'newton' }, itd: { innerSteps: 3000 }, 'itd-forward': { innerSteps: 3000 },
};

test('T1 quadratic, built-in model: every method matches the closed form to 1e-10 (f64)', () => {
  const model = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: T1.lower, upper: T1.upper });
  for (const [method, options] of Object.entries(METHOD_OPTS)) {
    const r = bilevel.hypergradient(e, { model, x0: x1, method, options });
    assert.equal(r.secondOrder, 'built-in');
    assert.ok(rel(r.hypergradient, exact1) < 1e-10, `${method}: ${rel(r.hypergradient, exact1)}`);
    if (!method.startsWith('itd')) assert.ok(rel(r.y, T1.ystar(x1)) < 1e-10, `${method} y*`);
  }
  model.free();
});

test('T1 with user callbacks (user tier and finite-difference tier) matches the closed form', () => {
  const cb = T1.callbacks;
  const y0 = new Array(6).fill(0);
  for (const [method, options] of Object.entries(METHOD_OPTS)) {
    const user = bilevel.hypergradient(e, { upper: cb.upper, lower: { ...cb.lower, hvp: cb.hvp, crossJvp: cb.crossJvp, crossJvpT: cb.crossJvpT }, x0: x1, y0, method, options });
    assert.equal(user.secondOrder, 'user');
    assert.ok(rel(user.hypergradient, exact1) < 1e-10, `${method} user: ${rel(user.hypergradient, exact1)}`);
    if (method === 'itd' || method === 'itd-forward') continue; // FD through thousands of unrolled steps: checked with fewer below
    const fd = bilevel.hypergradient(e, { upper: cb.upper, lower: cb.lower, x0: x1, y0, method, options });
    assert.equal(fd.secondOrder, 'finite-difference');
    assert.ok(rel(fd.hypergradient, exact1) < 1e-8, `${method} fd: ${rel(fd.hypergradient, exact1)}`);
    assert.ok(fd.fdError > 0 && fd.fdError < 1e-6, `fdError ${fd.fdError}`);
  }
  // FD without gradX: cross product from dx transposed products
  const fd2 = bilevel.hypergradient(e, { upper: cb.upper, lower: { grad: cb.lower.grad }, x0: x1, y0, method: 'aid-cg', options: { innerSolver: 'newton' } });
  assert.ok(rel(fd2.hypergradient, exact1) < 1e-8, `fd no gradX: ${rel(fd2.hypergradient, exact1)}`);
});

test('ITD with bounded memory (checkpointing) gives the bits of the full unroll', () => {
  const model = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: T1.lower, upper: T1.upper });
  const full = bilevel.hypergradient(e, { model, x0: x1, method: 'itd', options: { innerSteps: 400, innerLr: 0.3 } });
  const ck = bilevel.hypergradient(e, { model, x0: x1, method: 'itd', options: { innerSteps: 400, innerLr: 0.3, unrollMemory: 45 } });
  assert.deepEqual([...ck.hypergradient], [...full.hypergradient]);
  assert.ok(ck.oracleCalls.lowerGrad > full.oracleCalls.lowerGrad);
  const fwd = bilevel.hypergradient(e, { model, x0: x1, method: 'itd-forward', options: { innerSteps: 400, innerLr: 0.3 } });
  assert.ok(rel(fwd.hypergradient, full.hypergradient) < 1e-12, `forward vs reverse ${rel(fwd.hypergradient, full.hypergradient)}`);
  assert.throws(() => bilevel.hypergradient(e, { model, x0: x1, method: 'itd', options: { innerSteps: 400, unrollMemory: 10 } }), HyperparameterError);
  model.free();
});

test('T1 outer optimum: solve drives ∇Φ to 0 at the closed-form minimiser', () => {
  const model = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: T1.lower, upper: T1.upper });
  const r = bilevel.solve(e, { model, x0: [0, 0, 0], method: 'aid-cg', options: { innerSolver: 'newton', outer: { optimizer: 'sgd', lr: 0.5, momentum: 0.5, steps: 2000, tol: 1e-11 } } });
  assert.equal(r.converged, true, r.warnings.join('; '));
  const g = T1.hypergrad([...r.x]);
  assert.ok(Math.hypot(...g) < 1e-10, `closed-form ∇Φ at the result ${Math.hypot(...g)}`);
  model.free();
});

// T2: ridge HPO on a seeded data set
let s = 12345;
const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
const n = 40, m = 30, d = 5;
const wTrue = Array.from({ length: d }, rnd);
const mk = (k) => { const X = Array.from({ length: k * d }, rnd); const y = Array.from({ length: k }, (_, i) => { let t = 0; for (let j = 0; j < d; j++) t += X[i * d + j] * wTrue[j]; return t + 0.5 * rnd(); }); return [X, y]; };
const [Xtr, ytr] = mk(n), [Xval, yval] = mk(m);

test('T2 ridge HPO (logRidge): every method matches dΦ/dλ in closed form to 1e-10', () => {
  const model = bilevel.models.ridge(e, { features: d, trainX: Xtr, trainY: ytr, valX: Xval, valY: yval });
  const lam = -0.7;
  const cf = ridgeClosedForm(Xtr, ytr, Xval, yval, n, m, d, lam);
  for (const [method, options] of Object.entries({ ...METHOD_OPTS, 'aid-neumann': { innerSolver: 'newton', neumannSteps: 4000 }, 'aid-fp': { innerSolver: 'newton', fpSteps: 8000 }, itd: { innerSteps: 6000 }, 'itd-forward': { innerSteps: 6000 } })) {
    const r = bilevel.hypergradient(e, { model, x0: [lam], method, options });
    assert.ok(Math.abs(r.hypergradient[0] - cf.dPhi) <= 1e-10 * Math.abs(cf.dPhi), `${method}: ${r.hypergradient[0]} vs ${cf.dPhi}`);
    assert.ok(Math.abs(r.history[0].upperValue - cf.phi) <= 1e-10 * cf.phi);
  }
  model.free();
});

test('T2 outer optimum: λ from solve is the root of the closed-form dΦ/dλ (bisection)', () => {
  const dphi = (l) => ridgeClosedForm(Xtr, ytr, Xval, yval, n, m, d, l).dPhi;
  let lo = -8, hi = 6;
  assert.ok(dphi(lo) < 0 && dphi(hi) > 0, 'the data have an interior optimum');
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) { const mid = 0.5 * (lo + hi); if (dphi(mid) < 0) lo = mid; else hi = mid; }
  const root = 0.5 * (lo + hi);
  const model = bilevel.models.ridge(e, { features: d, trainX: Xtr, trainY: ytr, valX: Xval, valY: yval });
  const r = bilevel.solve(e, { model, x0: [0], method: 'aid-exact', options: { innerSolver: 'newton', outer: { optimizer: 'adam', lr: 0.05, steps: 3000, tol: 1e-10 } } });
  assert.equal(r.converged, true, r.warnings.join('; '));
  assert.ok(Math.abs(r.x[0] - root) < 1e-6, `${r.x[0]} vs ${root}`);
  model.free();
});

test('bad callbacks end with typed errors naming the callback', () => {
  const cb = T1.callbacks, y0 = new Array(6).fill(0);
  const base = { upper: cb.upper, x0: x1, y0, method: 'aid-cg' };
  assert.throws(() => bilevel.hypergradient(e, { ...base, lower: { ...cb.lower, hvp: (x, y, v, out) => { out[0] = 1; } } }), (err) => err instanceof NonFiniteError && /lower\.hvp/.test(err.message));
  assert.throws(() => bilevel.hypergradient(e, { ...base, lower: { ...cb.lower, hvp: () => [1, 2] } }), (err) => err instanceof LengthMismatchError && /lower\.hvp/.test(err.message));
  assert.throws(() => bilevel.hypergradient(e, { ...base, lower: { grad: (x, y, g) => { g.fill(NaN); } } }), (err) => err instanceof NonFiniteError && /lower\.grad/.test(err.message));
  assert.throws(() => bilevel.hypergradient(e, { ...base, lower: cb.lower, options: { cgStep: 3 } }), (err) => err instanceof HyperparameterError && /cgSteps/.test(err.message));
  assert.throws(() => bilevel.hypergradient(e, { ...base, lower: cb.lower, options: { neumannSteps: 3 } }), (err) => err instanceof HyperparameterError && /does not apply/.test(err.message));
  assert.throws(() => bilevel.solve(e, { ...base, lower: cb.lower, method: 'aid-gc' }), (err) => err instanceof HyperparameterError && /aid-cg/.test(err.message));
  assert.throws(() => bilevel.solve(e, { ...base, lower: cb.lower, x0: [1, NaN, 0] }), NonFiniteError);
  assert.throws(() => bilevel.solve(e, { upper: cb.upper, x0: x1, y0 }), InvalidArgumentError);
});

test('a singular lower level is refused by aid-exact and flagged by aid-cg', () => {
  const A = new Array(36).fill(0); for (let i = 0; i < 5; i++) A[i * 6 + i] = 1; // last direction flat
  const model = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: { A, C: T1.lower.C }, upper: T1.upper });
  assert.throws(() => bilevel.hypergradient(e, { model, x0: x1, method: 'aid-exact', options: { innerSteps: 0 } }), NotPositiveDefiniteError);
  const r = bilevel.hypergradient(e, { model, x0: x1, method: 'aid-cg', options: { innerSteps: 0 } });
  assert.equal(r.converged, false);
  assert.ok(r.warnings.some((w) => /singular/.test(w)), r.warnings.join('; '));
  model.free();
});
