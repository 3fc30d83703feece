// Issue 9, first-order methods (gradients only, no inverse Hessian): the value-function penalty of Kwon et
// al. (ICLR 2024), F2SA (Kwon et al., ICML 2023) and BOME (Liu et al., NeurIPS 2022) against closed forms:
// T4 of the reference (a non-singleton lower level, where the implicit methods are ill-posed and say so) and
// T1 (the quadratic problem), where each method's known bias shows its theory: O(1/λ) for the penalty, O(ξ)
// for BOME's fixed step ξ.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel, InvalidArgumentError, HyperparameterError, NotPositiveDefiniteError } from '../dist/index.js';
import { makeT1, solveDense } from './helpers/reference-bilevel.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());

// T4 (BOME toy_lls): upper x = w ∈ R, lower y ∈ R²: f = ½(x − y₂)² + ½(y₁ − 1)², g = ½y₁² − x·y₁.
// argmin_y g = {y₁ = x, y₂ free}: ∇²ᵧᵧg = diag(1, 0) is singular. Optimistic optimum x* = 1, y* = (1, 1), f* = 0.
const T4 = {
  upper: { grad: (x, y, gx, gy) => { gx[0] = x[0] - y[1]; gy[0] = y[0] - 1; gy[1] = y[1] - x[0]; }, value: (x, y) => 0.5 * (x[0] - y[1]) ** 2 + 0.5 * (y[0] - 1) ** 2 },
  lower: { grad: (x, y, gy) => { gy[0] = y[0] - x[0]; gy[1] = 0; }, gradX: (x, y, gx) => { gx[0] = -y[0]; } },
  x0: [0], y0: [0, 0],
};
const sgd = (lr, steps, tol = 1e-12) => ({ optimizer: 'sgd', lr, steps, tol });

test('T4 (non-singleton lower level): bome, f2sa and penalty reach f ≈ 0 at x* = 1; aid-cg warns and points to them', () => {
  const runs = {
    bome: bilevel.solve(e, { ...T4, method: 'bome', options: { outer: sgd(0.5, 5000) } }),
    f2sa: bilevel.solve(e, { ...T4, method: 'f2sa', options: { penaltyGrowth: 1, penaltyMax: 100, outer: sgd(0.5, 5000) } }), // the flat y₂ direction contracts by 1 − 1/λ per inner step
    penalty: bilevel.solve(e, { ...T4, method: 'penalty', options: { penalty: 10, innerSteps: 5000, outer: sgd(0.5, 5000) } }),
  };
  for (const [name, r] of Object.entries(runs)) {
    const f = r.history.at(-1).upperValue;
    assert.ok(f < 1e-12, `${name}: f = ${f}`);
    assert.ok(Math.abs(r.x[0] - 1) < 1e-5 && Math.abs(r.y[0] - 1) < 1e-5 && Math.abs(r.y[1] - 1) < 1e-5, `${name}: x ${r.x[0]}, y ${[...r.y]}`);
    assert.equal(r.converged, true, `${name}: ${r.warnings.join('; ')}`);
  }
  for (const r of Object.values(runs)) assert.ok(r.oracleCalls.hvp <= 50, 'Hessian-vector products only for the default step (power iteration)');
  const aid = bilevel.solve(e, { ...T4, method: 'aid-cg', options: { outer: sgd(0.5, 50) } });
  assert.equal(aid.converged, false);
  assert.ok(aid.warnings.some((w) => /singular/.test(w) && /'bome', 'penalty' or 'f2sa'/.test(w)), aid.warnings.join('; '));
  assert.ok(aid.history.at(-1).upperValue > 0.1, 'the implicit method does not solve T4');
  assert.throws(() => bilevel.solve(e, { ...T4, lower: { grad: T4.lower.grad, hvp: (x, y, v, out) => { out[0] = v[0]; out[1] = 0; } }, method: 'aid-exact' }),
    (err) => err instanceof NotPositiveDefiniteError && /first-order method/.test(err.message));
});

const T1 = makeT1(3, 6, 7);
const model = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: T1.lower, upper: T1.upper });
afterAll(() => model.free());
// x*: the root of the closed-form ∇Φ (affine in x), by the reference's own dense solve
const g0 = T1.hypergrad([0, 0, 0]);
const J = [0, 1, 2].map((j) => T1.hypergrad([0, 1, 2].map((i) => (i === j ? 1 : 0))).map((v, i) => v - g0[i]));
const xstar = solveDense([0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => J[j][i])), g0.map((v) => -v), 3);
const err = (x) => Math.hypot(...[...x].map((v, i) => v - xstar[i])) / Math.hypot(...xstar);

test('T1: the penalty method\'s optimum approaches x* as 1/λ (λ = 1e2 … 1e4 within 2% of the 1/λ line), 1e-6 at λ = 1e6', () => {
  assert.ok(Math.hypot(...T1.hypergrad(xstar)) < 1e-12);
  const errs = [1e2, 1e3, 1e4, 1e6].map((penalty) => {
    const r = bilevel.solve(e, { model, x0: [0, 0, 0], method: 'penalty', options: { penalty, innerTol: 1e-12, innerSteps: 100000, outer: { optimizer: 'sgd', lr: 0.5, momentum: 0.5, steps: 3000, tol: 1e-11 } } });
    assert.equal(r.converged, true, r.warnings.join('; '));
    return err(r.x);
  });
  console.log(`penalty: relative error of x_λ for λ = 1e2, 1e3, 1e4, 1e6: ${errs.map((v) => v.toExponential(3)).join(', ')}`);
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(errs[i] / errs[i + 1] - 10) < 0.2, `ratio ${errs[i] / errs[i + 1]}`);
  assert.ok(errs[3] < 1e-6);
});

test('T1: f2sa with λ growing to 1e5 reaches x* within c/λ_max; bome\'s error is O(ξ) in its step ξ', () => {
  const f2 = bilevel.solve(e, { model, x0: [0, 0, 0], method: 'f2sa', options: { penaltyGrowth: 10, penaltyMax: 1e5, innerSteps: 20, outer: sgd(0.3, 20000, 1e-10) } });
  assert.equal(f2.converged, true);
  assert.ok(err(f2.x) < 1e-5, `f2sa ${err(f2.x)}`);
  const bome = [0.1, 0.01].map((lr) => err(bilevel.solve(e, { model, x0: [0, 0, 0], method: 'bome', options: { innerSteps: 100, outer: sgd(lr, lr === 0.1 ? 5000 : 50000, 0) } }).x));
  console.log(`f2sa: ${err(f2.x).toExponential(3)}; bome ξ = 0.1, 0.01: ${bome.map((v) => v.toExponential(3)).join(', ')}`);
  assert.ok(bome[1] < 0.01 && Math.abs(bome[0] / bome[1] - 10) < 2, `bome errors ${bome}`);
});

test('first-order methods need ∇ₓg; options are strict', () => {
  assert.throws(() => bilevel.solve(e, { ...T4, lower: { grad: T4.lower.grad }, method: 'bome' }), (err2) => err2 instanceof InvalidArgumentError && /gradX/.test(err2.message));
  assert.throws(() => bilevel.solve(e, { ...T4, method: 'bome', options: { penalty: 3 } }), HyperparameterError);
  assert.throws(() => bilevel.solve(e, { ...T4, method: 'f2sa', options: { penalty: 10, penaltyMax: 5 } }), HyperparameterError);
  assert.throws(() => bilevel.solve(e, { ...T4, method: 'penalty', options: { penalty: 0 } }), HyperparameterError);
  assert.deepEqual(Object.keys(bilevel.resolveOptions('bome')).sort(), ['bomeEta', 'fdStep', 'innerLr', 'innerSteps', 'maxDense', 'outer', 'powerSteps']);
});
