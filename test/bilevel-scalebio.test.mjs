// Issue 9: ScaleBiO-style data-source reweighting (Pan et al., ACL 2025): source weights s on the simplex,
// the minimax penalty form min_{s∈Δ, w} max_u f(w) + α(g(s, w) − g(s, u)) by single-loop first-order steps
// and the exact simplex projection in wasm. Sources k = quadratic losses Lₖ(w) = ½(w − cₖ)ᵀAₖ(w − cₖ),
// g(s, w) = Σₖ sₖLₖ(w), f(w) = ½‖w − t‖², so w*(s) = (ΣsₖAₖ)⁻¹ΣsₖAₖcₖ and ∇Φ in closed form:
//   Aₖ = I: w* = Cs and the penalised problem has the bilevel minimiser for every α: t inside the hull of the
//   cₖ → s = its barycentric coordinates; t outside → the nearest edge, with an exact zero weight;
//   Aₖ distinct: the penalised minimiser is O(1/α) from s* (found here by projected gradient descent on the
//   closed-form Φ with an independent JS simplex projection).
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel, HyperparameterError, InvalidArgumentError } from '../dist/index.js';
import { solveDense } from './helpers/reference-bilevel.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const d = 2;
const mv = (A, v) => [A[0] * v[0] + A[1] * v[1], A[2] * v[0] + A[3] * v[1]];
function sources(cs, As, t) {
  const K = cs.length;
  const M = (s) => [0, 1, 2, 3].map((q) => s.reduce((a, sk, k) => a + sk * As[k][q], 0));
  const wstar = (s) => solveDense(M(s), [0, 1].map((i) => s.reduce((a, sk, k) => a + sk * mv(As[k], cs[k])[i], 0)), d);
  const hyper = (s) => { const w = wstar(s), z = solveDense(M(s), w.map((v, i) => v - t[i]), d); // M symmetric
    return cs.map((c, k) => { const r = mv(As[k], c.map((v, i) => v - w[i])); return z[0] * r[0] + z[1] * r[1]; }); };
  const problem = {
    upper: { grad: (x, w, gx, gy) => { gx.fill(0); gy[0] = w[0] - t[0]; gy[1] = w[1] - t[1]; }, value: (x, w) => 0.5 * ((w[0] - t[0]) ** 2 + (w[1] - t[1]) ** 2) },
    lower: {
      grad: (s, w, gy) => { gy.fill(0); for (let k = 0; k < K; k++) { const r = mv(As[k], [w[0] - cs[k][0], w[1] - cs[k][1]]); gy[0] += s[k] * r[0]; gy[1] += s[k] * r[1]; } },
      gradX: (s, w, gx) => { for (let k = 0; k < K; k++) { const q = [w[0] - cs[k][0], w[1] - cs[k][1]], r = mv(As[k], q); gx[k] = 0.5 * (q[0] * r[0] + q[1] * r[1]); } },
      hvp: (s, w, v, out) => { const r = mv(M([...s]), v); out[0] = r[0]; out[1] = r[1]; },
    },
    x0: new Array(K).fill(1 / K), y0: [0, 0],
  };
  return { problem, wstar, hyper };
}
// the Euclidean simplex projection (sort-based), independent of the library's kernel
const projSimplex = (y) => { const u = [...y].sort((a, b) => b - a); let c = 0, tau = 0; for (let j = 0; j < u.length; j++) { c += u[j]; const t = (c - 1) / (j + 1); if (u[j] - t > 0) tau = t; } return y.map((v) => Math.max(v - tau, 0)); };
const I = [1, 0, 0, 1], C3 = [[0, 0], [1, 0], [0, 1]];
const opts = (o = {}) => ({ innerSteps: 5, innerTol: 1e-12, ...o, outer: { optimizer: 'sgd', lr: 0.05, momentum: 0.5, steps: 20000, tol: 1e-11, ...o.outer } });

test('Aₖ = I, t inside the hull: s = barycentric coordinates of t (1e-9), Φ = 0', () => {
  const { problem } = sources(C3, [I, I, I], [0.2, 0.3]);
  const r = bilevel.solve(e, { ...problem, method: 'scalebio', options: opts() });
  assert.equal(r.converged, true, r.warnings.join('; '));
  [0.5, 0.2, 0.3].forEach((v, k) => assert.ok(Math.abs(r.x[k] - v) < 1e-9, `s ${[...r.x]}`));
  assert.ok(Math.abs(r.x.reduce((a, b) => a + b, 0) - 1) < 1e-14 && r.x.every((v) => v >= 0));
  assert.ok(r.history.at(-1).upperValue < 1e-18);
  assert.ok(r.oracleCalls.hvp <= 50, 'no Hessian products beyond the power iteration');
});

test('Aₖ = I, t outside the hull: the weights land on the nearest edge, the far source exactly 0', () => {
  const { problem } = sources(C3, [I, I, I], [0.8, 0.8]);
  for (const penalty of [10, 1000]) {
    const r = bilevel.solve(e, { ...problem, method: 'scalebio', options: opts({ penalty, outer: { lr: 0.5 / penalty } }) });
    assert.equal(r.converged, true, r.warnings.join('; '));
    assert.equal(r.x[0], 0, 'source 0 is switched off exactly (projection, not softmax)');
    assert.ok(Math.abs(r.x[1] - 0.5) < 1e-9 && Math.abs(r.x[2] - 0.5) < 1e-9, `α = ${penalty}: ${[...r.x]}`);
  }
});

test('distinct curvatures Aₖ: the penalised weights approach s* (closed-form Φ, projected GD) as 1/α', () => {
  const As = [[2, 0.3, 0.3, 0.5], [0.6, -0.2, -0.2, 1.5], [1, 0, 0, 3]];
  const t = [0.9, 0.9]; // outside the reachable set: Φ(s*) > 0, s* unique
  const { problem, hyper } = sources(C3, As, t);
  let s = [1 / 3, 1 / 3, 1 / 3];
  for (let k = 0; k < 50000; k++) s = projSimplex(hyper(s).map((g, i) => s[i] - 0.5 * g));
  const pg = projSimplex(hyper(s).map((g, i) => s[i] - g)).map((v, i) => s[i] - v);
  assert.ok(Math.hypot(...pg) < 1e-12, 's* is stationary on the simplex');
  const errs = [1e2, 1e3].map((penalty) => {
    const r = bilevel.solve(e, { ...problem, method: 'scalebio', options: opts({ penalty, innerSteps: 20, outer: { lr: 2 / penalty, steps: 40000, tol: 1e-10 } }) });
    assert.equal(r.converged, true, r.warnings.join('; '));
    return Math.hypot(...[...r.x].map((v, i) => v - s[i]));
  });
  console.log(`scalebio, distinct curvatures: s* = ${s.map((v) => v.toFixed(4)).join(', ')}; ‖s_α − s*‖ = ${errs.map((v) => v.toExponential(3)).join(', ')} at α = 1e2, 1e3`);
  assert.ok(errs[0] > 1e-6 && Math.abs(errs[0] / errs[1] - 10) < 0.5, `errors ${errs}`);
});

test('scalebio options and refusals', () => {
  assert.deepEqual(Object.keys(bilevel.resolveOptions('scalebio')).sort(), ['fdStep', 'innerLr', 'innerSteps', 'innerTol', 'maxDense', 'outer', 'penalty', 'penaltyFactor', 'penaltyMax', 'powerSteps']);
  const dflt = bilevel.resolveOptions('scalebio');
  assert.equal(dflt.penalty, 100); assert.equal(dflt.penaltyFactor, 1); assert.equal(dflt.innerSteps, 1);
  for (const bad of [{ penaltyFactor: 0.5 }, { penalty: 0 }, { innerSteps: 0 }, { penaltyGrowth: 1 }]) assert.throws(() => bilevel.resolveOptions('scalebio', bad), HyperparameterError, JSON.stringify(bad));
  const { problem } = sources(C3, [I, I, I], [0.2, 0.3]);
  assert.throws(() => bilevel.solve(e, { ...problem, method: 'scalebio', options: { penalty: 10, penaltyMax: 5 } }), HyperparameterError);
  assert.throws(() => bilevel.solve(e, { ...problem, lower: { grad: problem.lower.grad }, method: 'scalebio' }), (err) => err instanceof InvalidArgumentError && /gradX/.test(err.message));
  assert.throws(() => bilevel.solve(e, { ...problem, x0: [1], upper: { grad: (x, w, gx, gy) => { gx[0] = 0; gy.fill(0); } }, lower: { grad: (x, w, g) => g.fill(0), gradX: (x, w, g) => g.fill(0) }, method: 'scalebio' }), InvalidArgumentError);
  // α growing by τ = 1.01 to 100: converged only once it has reached the cap
  const r = bilevel.solve(e, { ...problem, method: 'scalebio', options: opts({ penalty: 10, penaltyFactor: 1.01, penaltyMax: 100, outer: { lr: 5e-3 } }) });
  assert.equal(r.converged, true, r.warnings.join('; '));
  [0.5, 0.2, 0.3].forEach((v, k) => assert.ok(Math.abs(r.x[k] - v) < 1e-8, `s ${[...r.x]}`));
  // too few steps: flagged
  const short = bilevel.solve(e, { ...problem, method: 'scalebio', options: { outer: { steps: 3 } } });
  assert.equal(short.converged, false);
  assert.ok(short.warnings.some((w) => /innerTol/.test(w)), short.warnings.join('; '));
});
