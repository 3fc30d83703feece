// Issue 9: V-PBGD (Shen & Chen, ICML 2023), value-function penalised bilevel gradient descent: ŷ by a few
// warm-started gradient steps on g(x, ·), then one projected step of (x, y) on f + γ(g(x, y) − g(x, ŷ)).
// Closed forms: T4 (non-singleton lower level: the penalised optimum is the bilevel one, f = 0 at x* = 1,
// for every γ), T4 with the box x ∈ [0, 0.5] (x = 0.5, y₁ = (1 + γ/2)/(1 + γ), y₂ = 0.5 exactly), and
// T1, where the penalised solution is O(1/γ) from x* (the root of the closed-form ∇Φ).
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel, HyperparameterError, InvalidArgumentError } from '../dist/index.js';
import { makeT1, solveDense } from './helpers/reference-bilevel.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const T4 = {
  upper: { grad: (x, y, gx, gy) => { gx[0] = x[0] - y[1]; gy[0] = y[0] - 1; gy[1] = y[1] - x[0]; }, value: (x, y) => 0.5 * (x[0] - y[1]) ** 2 + 0.5 * (y[0] - 1) ** 2 },
  lower: { grad: (x, y, gy) => { gy[0] = y[0] - x[0]; gy[1] = 0; }, gradX: (x, y, gx) => { gx[0] = -y[0]; } },
  x0: [0], y0: [0, 0],
};
const sgd = (lr, steps, tol) => ({ optimizer: 'sgd', lr, steps, tol });

test('T4 (singular ∇²ᵧᵧg): vpbgd reaches f ≈ 0 at x* = 1, y* = (1, 1), gradients only', () => {
  for (const [penalty, lr] of [[10, 0.05], [100, 0.005]]) {
    const r = bilevel.solve(e, { ...T4, method: 'vpbgd', options: { penalty, outer: sgd(lr, 40000, 1e-9) } });
    assert.equal(r.converged, true, r.warnings.join('; '));
    assert.ok(r.history.at(-1).upperValue < 1e-16, `γ = ${penalty}: f = ${r.history.at(-1).upperValue}`);
    for (const v of [r.x[0], r.y[0], r.y[1]]) assert.ok(Math.abs(v - 1) < 1e-7, `γ = ${penalty}: ${[...r.x, ...r.y]}`);
    assert.ok(r.oracleCalls.hvp <= 50, 'no Hessian products beyond the power iteration of the default step');
  }
});

test('T4 on the box x ∈ [0, 0.5]: the projected steps end at x = 0.5, y₁ = (1 + γ/2)/(1 + γ), y₂ = 0.5', () => {
  for (const penalty of [10, 100]) {
    const r = bilevel.solve(e, { ...T4, x0: [3], method: 'vpbgd', options: { penalty, xMin: 0, xMax: [0.5], outer: sgd(0.5 / penalty, 40000, 1e-11) } });
    assert.equal(r.converged, true, r.warnings.join('; '));
    assert.equal(r.x[0], 0.5);
    assert.ok(Math.abs(r.y[0] - (1 + penalty / 2) / (1 + penalty)) < 1e-10, `y₁ ${r.y[0]}`);
    assert.ok(Math.abs(r.y[1] - 0.5) < 1e-10, `y₂ ${r.y[1]}`);
  }
});

test('T1: the penalised solution approaches x* as 1/γ (γ = 1e2 → 1e3: ×10 within 1%)', () => {
  const T1 = makeT1(3, 6, 7);
  const model = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: T1.lower, upper: T1.upper });
  const g0 = T1.hypergrad([0, 0, 0]);
  const J = [0, 1, 2].map((j) => T1.hypergrad([0, 1, 2].map((i) => (i === j ? 1 : 0))).map((v, i) => v - g0[i]));
  const xstar = solveDense([0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => J[j][i])), g0.map((v) => -v), 3);
  const err = (x) => Math.hypot(...[...x].map((v, i) => v - xstar[i])) / Math.hypot(...xstar);
  const errs = [1e2, 1e3].map((penalty) => {
    const r = bilevel.solve(e, { model, x0: [0, 0, 0], method: 'vpbgd', options: { penalty, innerSteps: 50, innerTol: 1e-12, outer: { optimizer: 'sgd', lr: 0.5 / penalty, momentum: 0.9, steps: 60000, tol: 1e-10 } } });
    return err(r.x);
  });
  console.log(`vpbgd on T1: relative error of x_γ at γ = 1e2, 1e3: ${errs.map((v) => v.toExponential(3)).join(', ')}`);
  assert.ok(Math.abs(errs[0] / errs[1] - 10) < 0.1, `ratio ${errs[0] / errs[1]}`);
  assert.ok(errs[1] < 1e-3);
  model.free();
});

test('vpbgd options and input checks', () => {
  assert.deepEqual(Object.keys(bilevel.resolveOptions('vpbgd')).sort(), ['fdStep', 'innerLr', 'innerSteps', 'innerTol', 'maxDense', 'outer', 'penalty', 'powerSteps', 'xMax', 'xMin']);
  const d = bilevel.resolveOptions('vpbgd');
  assert.equal(d.penalty, 10); assert.equal(d.innerSteps, 10); assert.equal(d.xMin, -Infinity); assert.equal(d.xMax, Infinity);
  for (const bad of [{ xMin: 1, xMax: 0 }, { xMin: NaN }, { xMax: ['a'] }, { xMin: [] }, { xMax: -Infinity }, { penalty: 0 }, { innerSteps: 0 }]) {
    assert.throws(() => bilevel.resolveOptions('vpbgd', bad), HyperparameterError, JSON.stringify(bad));
  }
  assert.throws(() => bilevel.solve(e, { ...T4, method: 'vpbgd', options: { xMin: [0, 0] } }), (err) => err instanceof HyperparameterError && /dx = 1/.test(err.message));
  assert.throws(() => bilevel.solve(e, { ...T4, method: 'vpbgd', options: { xMin: [1], xMax: 0 } }), (err) => err instanceof HyperparameterError && /empty/.test(err.message));
  assert.throws(() => bilevel.solve(e, { ...T4, method: 'aid-cg', options: { xMin: 0 } }), (err) => err instanceof HyperparameterError && /does not apply/.test(err.message));
  assert.throws(() => bilevel.solve(e, { ...T4, lower: { grad: T4.lower.grad }, method: 'vpbgd' }), (err) => err instanceof InvalidArgumentError && /gradX/.test(err.message));
  // too few inner steps for ŷ to settle: flagged, not converged
  const r = bilevel.solve(e, { ...T4, method: 'vpbgd', options: { innerSteps: 1, innerLr: 1e-3, outer: sgd(0.05, 5, 0) } });
  assert.equal(r.converged, false);
  assert.ok(r.warnings.some((w) => /innerTol/.test(w)), r.warnings.join('; '));
});
