// Issue 9: aid-normal-cg, implicit differentiation for lower levels given as a root / fixed point
// F(x, y*) = 0 with a non-symmetric Jacobian J = ∂ᵧF: the adjoint system Jᵀv = ∇ᵧf solved by CG on the
// normal equations (CGLS, products by J and Jᵀ only). Checked against closed forms computed in plain JS
// (Gaussian elimination, test/helpers/reference-bilevel.mjs): T1 and T2 (symmetric J, where it must agree
// with the closed form like aid-cg, 1e-10 in f64), a linear fixed point y = My + Nx + c with M
// non-symmetric (where aid-cg, which assumes symmetry, is wrong), and a nonlinear equilibrium
// y = tanh(Wy + Ux + b) (a one-layer deep-equilibrium model), with user, transposed-from-columns and
// finite-difference products.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel, InvalidArgumentError } from '../dist/index.js';
import { makeT1, ridgeClosedForm, solveDense } from './helpers/reference-bilevel.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const rel = (a, b) => { let n = 0, d = 0; for (let i = 0; i < b.length; i++) { n += (a[i] - b[i]) ** 2; d += b[i] ** 2; } return Math.sqrt(n / Math.max(d, 1e-300)); };
let s = 777;
const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
const mv = (A, x, m, n) => Array.from({ length: m }, (_, i) => { let t = 0; for (let j = 0; j < n; j++) t += A[i * n + j] * x[j]; return t; });
const mtv = (A, x, m, n) => Array.from({ length: n }, (_, j) => { let t = 0; for (let i = 0; i < m; i++) t += A[i * n + j] * x[i]; return t; });
const transpose = (A, m, n) => Array.from({ length: m * n }, (_, k) => A[(k % m) * n + Math.floor(k / m)]);

test('T1 and T2 (symmetric J): aid-normal-cg matches the closed form to 1e-10 (built-in models, user and finite-difference callbacks)', () => {
  const T1 = makeT1(3, 6, 7), x1 = [0.3, -0.2, 0.5], exact = T1.hypergrad(x1);
  const model = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: T1.lower, upper: T1.upper });
  for (const innerSolver of ['gd', 'newton']) {
    const r = bilevel.hypergradient(e, { model, x0: x1, method: 'aid-normal-cg', options: { innerSolver, innerSteps: 20000, innerTol: 1e-13 } });
    assert.ok(rel(r.hypergradient, exact) < 1e-10, `${innerSolver}: ${rel(r.hypergradient, exact)}`);
    assert.ok(rel(r.y, T1.ystar(x1)) < 1e-10);
    assert.deepEqual(r.warnings, []);
    assert.ok(r.history[0].residual < 1e-9);
  }
  const cb = T1.callbacks, y0 = new Array(6).fill(0);
  const user = bilevel.hypergradient(e, { upper: cb.upper, lower: { ...cb.lower, hvp: cb.hvp, hvpT: cb.hvp, crossJvp: cb.crossJvp }, x0: x1, y0, method: 'aid-normal-cg', options: { innerSolver: 'newton' } });
  assert.equal(user.secondOrder, 'user');
  assert.ok(rel(user.hypergradient, exact) < 1e-10, `user ${rel(user.hypergradient, exact)}`);
  assert.ok(user.oracleCalls.hvpT > 0);
  const fd = bilevel.hypergradient(e, { upper: cb.upper, lower: cb.lower, x0: x1, y0, method: 'aid-normal-cg', options: { innerSolver: 'newton' } });
  assert.equal(fd.secondOrder, 'finite-difference');
  assert.ok(rel(fd.hypergradient, exact) < 1e-8, `fd ${rel(fd.hypergradient, exact)}`);
  model.free();

  const n = 40, m = 30, d = 5;
  const wTrue = Array.from({ length: d }, rnd);
  const mk = (k) => { const X = Array.from({ length: k * d }, rnd); return [X, Array.from({ length: k }, (_, i) => mv(X, wTrue, k, d)[i] + 0.5 * rnd())]; };
  const [Xtr, ytr] = mk(n), [Xval, yval] = mk(m);
  const ridge = bilevel.models.ridge(e, { features: d, trainX: Xtr, trainY: ytr, valX: Xval, valY: yval });
  const cf = ridgeClosedForm(Xtr, ytr, Xval, yval, n, m, d, -0.7);
  const r2 = bilevel.hypergradient(e, { model: ridge, x0: [-0.7], method: 'aid-normal-cg', options: { innerSolver: 'newton' } });
  assert.ok(Math.abs(r2.hypergradient[0] - cf.dPhi) <= 1e-10 * Math.abs(cf.dPhi), `T2 ${r2.hypergradient[0]} vs ${cf.dPhi}`);
  ridge.free();
});

// A linear fixed point y = My + Nx + c (‖M‖ < 1, M not symmetric): F = y − My − Nx − c, J = I − M, ∂ₓF = −N.
// f = ½‖y − t‖² + ½ρ‖x‖²: y* = (I − M)⁻¹(Nx + c), ∇Φ = ρx + Nᵀ(I − M)⁻ᵀ(y* − t).
const dy = 8, dx = 3, rho = 0.1;
const M = Array.from({ length: dy * dy }, () => 0.6 * rnd() / Math.sqrt(dy) * 2);
const Nm = Array.from({ length: dy * dx }, rnd), c = Array.from({ length: dy }, rnd), tgt = Array.from({ length: dy }, rnd);
const IM = M.map((v, k) => (k % (dy + 1) === 0 ? 1 : 0) - v);
const linYstar = (x) => solveDense(IM, mv(Nm, x, dy, dx).map((v, i) => v + c[i]), dy);
const linGrad = (x) => { const y = linYstar(x); const w = solveDense(transpose(IM, dy, dy), y.map((v, i) => v - tgt[i]), dy); return mtv(Nm, w, dy, dx).map((v, i) => v + rho * x[i]); };
const linear = {
  upper: { grad: (x, y, gx, gy) => { for (let i = 0; i < dx; i++) gx[i] = rho * x[i]; for (let j = 0; j < dy; j++) gy[j] = y[j] - tgt[j]; },
    value: (x, y) => 0.5 * y.reduce((a, v, j) => a + (v - tgt[j]) ** 2, 0) + 0.5 * rho * x.reduce((a, v) => a + v * v, 0) },
  lower: {
    grad: (x, y, F) => { const my = mv(M, y, dy, dy), nx = mv(Nm, x, dy, dx); for (let j = 0; j < dy; j++) F[j] = y[j] - my[j] - nx[j] - c[j]; },
    hvp: (x, y, v, out) => out.set(mv(IM, v, dy, dy)),
    hvpT: (x, y, v, out) => out.set(mtv(IM, v, dy, dy)),
    crossJvp: (x, y, v, out) => out.set(mtv(Nm, v, dy, dx).map((t) => -t)),
  },
  y0: new Array(dy).fill(0),
};

test('non-symmetric linear fixed point: aid-normal-cg = closed form to 1e-10 (user Jᵀ, Jᵀ from J columns, finite differences); aid-cg is wrong here', () => {
  let sym = 0; for (let i = 0; i < dy; i++) for (let j = 0; j < dy; j++) sym = Math.max(sym, Math.abs(M[i * dy + j] - M[j * dy + i]));
  assert.ok(sym > 0.1, 'M is far from symmetric');
  const x1 = [0.4, -0.3, 0.2], exact = linGrad(x1);
  // innerLr 1: y ← y − F(x, y) = My + Nx + c, the plain fixed-point iteration
  const runs = {
    user: bilevel.hypergradient(e, { ...linear, x0: x1, method: 'aid-normal-cg', options: { innerLr: 1, innerSteps: 2000 } }),
    columns: bilevel.hypergradient(e, { ...linear, lower: { ...linear.lower, hvpT: undefined }, x0: x1, method: 'aid-normal-cg', options: { innerSolver: 'newton' } }),
    fd: bilevel.hypergradient(e, { ...linear, lower: { grad: linear.lower.grad, crossJvp: linear.lower.crossJvp }, x0: x1, method: 'aid-normal-cg', options: { innerSolver: 'newton' } }),
  };
  for (const [name, r] of Object.entries(runs)) {
    const tol = name === 'fd' ? 1e-8 : 1e-10;
    assert.ok(rel(r.hypergradient, exact) < tol, `${name}: ${rel(r.hypergradient, exact)}`);
    assert.ok(rel(r.y, linYstar(x1)) < tol, `${name} y*`);
    assert.deepEqual(r.warnings, [], name);
  }
  assert.equal(runs.user.secondOrder, 'user');
  assert.equal(runs.fd.secondOrder, 'finite-difference');
  const sy = bilevel.hypergradient(e, { ...linear, lower: { ...linear.lower, hvpT: undefined }, x0: x1, method: 'aid-cg', options: { innerSolver: 'gd', innerLr: 1, innerSteps: 2000 } });
  console.log(`linear fixed point: aid-normal-cg error ${rel(runs.user.hypergradient, exact).toExponential(2)}, aid-cg (assumes J symmetric) ${rel(sy.hypergradient, exact).toExponential(2)}`);
  assert.ok(rel(sy.hypergradient, exact) > 1e-2, 'CG on a non-symmetric J gives a wrong hypergradient (the reason for the normal equations)');
  // the outer optimum: ∇Φ(x) = 0 in closed form (affine in x)
  const r = bilevel.solve(e, { ...linear, x0: [0, 0, 0], method: 'aid-normal-cg', options: { innerSolver: 'newton', outer: { optimizer: 'sgd', lr: 0.3, momentum: 0.5, steps: 3000, tol: 1e-11 } } });
  assert.equal(r.converged, true, r.warnings.join('; '));
  assert.ok(Math.hypot(...linGrad([...r.x])) < 1e-10, `closed-form ∇Φ at the result ${Math.hypot(...linGrad([...r.x]))}`);
});

// y = tanh(Wy + Ux + b), ‖W‖ < 1: J = I − DW, D = diag(1 − y²) at the fixed point, ∂ₓF = −DU;
// f = ½‖y − t‖²: ∇Φ = UᵀD·v with Jᵀv = y* − t (dense solve in plain JS).
const W = Array.from({ length: dy * dy }, () => 1.2 * rnd() / Math.sqrt(dy)), U = Array.from({ length: dy * dx }, rnd), bb = Array.from({ length: dy }, rnd);
const pre = (x, y) => mv(W, y, dy, dy).map((v, j) => v + mv(U, x, dy, dx)[j] + bb[j]);
const deq = {
  upper: { grad: (x, y, gx, gy) => { gx.fill(0); for (let j = 0; j < dy; j++) gy[j] = y[j] - tgt[j]; } },
  lower: {
    grad: (x, y, F) => { const z = pre(x, y); for (let j = 0; j < dy; j++) F[j] = y[j] - Math.tanh(z[j]); },
    hvp: (x, y, v, out) => { const z = pre(x, y), wv = mv(W, v, dy, dy); for (let j = 0; j < dy; j++) out[j] = v[j] - (1 - Math.tanh(z[j]) ** 2) * wv[j]; },
    hvpT: (x, y, v, out) => { const z = pre(x, y), dv = v.map((t, j) => (1 - Math.tanh(z[j]) ** 2) * t), w = mtv(W, dv, dy, dy); for (let j = 0; j < dy; j++) out[j] = v[j] - w[j]; },
    crossJvp: (x, y, v, out) => { const z = pre(x, y), dv = v.map((t, j) => (1 - Math.tanh(z[j]) ** 2) * t); out.set(mtv(U, dv, dy, dx).map((t) => -t)); },
  },
  y0: new Array(dy).fill(0),
};
function deqExact(x) {
  let y = new Array(dy).fill(0);
  for (let k = 0; k < 5000; k++) { const z = pre(x, y); y = z.map(Math.tanh); }
  const z = pre(x, y), D = z.map((t) => 1 - Math.tanh(t) ** 2);
  const Jt = new Array(dy * dy); for (let i = 0; i < dy; i++) for (let j = 0; j < dy; j++) Jt[i * dy + j] = (i === j ? 1 : 0) - D[j] * W[j * dy + i];
  const v = solveDense(Jt, y.map((t, j) => t - tgt[j]), dy);
  return { y, grad: mtv(U, v.map((t, j) => D[j] * t), dy, dx) };
}

test('nonlinear equilibrium y = tanh(Wy + Ux + b): aid-normal-cg = the dense adjoint solve to 1e-10 (1e-7 by finite differences)', () => {
  const x1 = [0.5, -0.4, 0.8], ref = deqExact(x1);
  const user = bilevel.hypergradient(e, { ...deq, x0: x1, method: 'aid-normal-cg', options: { innerLr: 1, innerSteps: 5000, innerTol: 1e-13 } });
  assert.ok(rel(user.hypergradient, ref.grad) < 1e-10, `user ${rel(user.hypergradient, ref.grad)}`);
  assert.ok(rel(user.y, ref.y) < 1e-12);
  const newton = bilevel.hypergradient(e, { ...deq, x0: x1, method: 'aid-normal-cg', options: { innerSolver: 'newton', innerTol: 1e-13 } });
  assert.ok(rel(newton.hypergradient, ref.grad) < 1e-10, `newton ${rel(newton.hypergradient, ref.grad)}`);
  assert.ok(newton.oracleCalls.lowerGrad < 30, `Gauss–Newton inner solve: ${newton.oracleCalls.lowerGrad} residual evaluations`);
  const fd = bilevel.hypergradient(e, { ...deq, lower: { grad: deq.lower.grad, crossJvp: deq.lower.crossJvp }, x0: x1, method: 'aid-normal-cg', options: { innerLr: 1, innerSteps: 5000, innerTol: 1e-13 } });
  assert.ok(rel(fd.hypergradient, ref.grad) < 1e-7, `fd ${rel(fd.hypergradient, ref.grad)}`);
  // outer run to a stationary point of Φ, checked by the independent adjoint
  const r = bilevel.solve(e, { ...deq, x0: [0, 0, 0], method: 'aid-normal-cg', options: { innerSolver: 'newton', innerTol: 1e-13, outer: { lr: 0.05, steps: 3000, tol: 1e-9 } } });
  const g = deqExact([...r.x]).grad;
  assert.ok(Math.hypot(...g) < 1e-7, `‖∇Φ‖ at the result ${Math.hypot(...g)} (${r.warnings.join('; ')})`);
});

test('a singular Jacobian is flagged, hvpT is refused by the symmetric methods, options are aid-cg\'s', () => {
  // J = I − M with M = the permutation (1 2): eigenvalue 1 of M, so J is singular; y0 a root, b not in range(Jᵀ)
  const P = [0, 1, 1, 0];
  const sing = {
    upper: { grad: (x, y, gx, gy) => { gx[0] = 0; gy[0] = 1; gy[1] = 0; } },
    lower: { grad: (x, y, F) => { F[0] = y[0] - y[1]; F[1] = y[1] - y[0]; }, hvp: (x, y, v, out) => { out[0] = v[0] - P[1] * v[1]; out[1] = v[1] - P[2] * v[0]; }, crossJvp: (x, y, v, out) => { out[0] = 0; } },
    x0: [0], y0: [0, 0],
  };
  const r = bilevel.hypergradient(e, { ...sing, method: 'aid-normal-cg', options: { innerSteps: 0 } });
  assert.equal(r.converged, false);
  assert.ok(r.warnings.some((w) => /Jacobian .*singular/.test(w)), r.warnings.join('; '));
  assert.throws(() => bilevel.hypergradient(e, { ...linear, x0: [0, 0, 0], method: 'aid-cg' }), (err) => err instanceof InvalidArgumentError && /aid-normal-cg/.test(err.message));
  assert.deepEqual(Object.keys(bilevel.resolveOptions('aid-normal-cg')), Object.keys(bilevel.resolveOptions('aid-cg')));
});
