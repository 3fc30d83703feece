// Issue 9: BO-REP (Hao, Gong, Liu, ICLR 2024): normalised momentum on the upper variable, initialisation
// refinement and periodic updates of the lower variable, one SGD-like step of the linear-system variable z
// per iteration. Deterministic T1 (full oracles): with a constant step η the iterate ends within a few η of
// x* (a normalised method moves η every step), with η/√t it converges; the step is invariant to the scale of
// f (the point of normalising under unbounded smoothness): f × 1e4 gives the same iterates. Minibatch runs
// are in test/bilevel-stochastic.test.mjs.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel, HyperparameterError, InvalidArgumentError } from '../dist/index.js';
import { makeT1, solveDense } from './helpers/reference-bilevel.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const T1 = makeT1(3, 6, 7);
const model = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: T1.lower, upper: T1.upper });
afterAll(() => model.free());
const g0 = T1.hypergrad([0, 0, 0]);
const J = [0, 1, 2].map((j) => T1.hypergrad([0, 1, 2].map((i) => (i === j ? 1 : 0))).map((v, i) => v - g0[i]));
const xstar = solveDense([0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => J[j][i])), g0.map((v) => -v), 3);
const dist = (x) => Math.hypot(...[...x].map((v, i) => v - xstar[i]));

test('T1: constant η ends within 3η (η = 1e-2) and 5η (η = 1e-3) of x*; η/√t from 1e-2 within 2e-4 after 20000 steps', () => {
  const run = (lr, stepDecay) => bilevel.solve(e, { model, x0: [0, 0, 0], method: 'borep', options: { stepDecay, outer: { lr, steps: 20000, tol: 1e-9 } } });
  const c2 = dist(run(1e-2, 'none').x), c3 = dist(run(1e-3, 'none').x), sq = run(1e-2, 'sqrt');
  console.log(`borep on T1: ‖x − x*‖ = ${c2.toExponential(2)} (η = 1e-2), ${c3.toExponential(2)} (η = 1e-3), ${dist(sq.x).toExponential(2)} (1e-2/√t)`);
  assert.ok(c2 < 3e-2 && c3 < 5e-3 && c3 < c2 / 3, `${c2}, ${c3}`);
  assert.ok(dist(sq.x) < 2e-4, `${dist(sq.x)}`);
  assert.ok(Math.hypot(...T1.hypergrad([...sq.x])) < 3e-4, 'the closed-form ∇Φ at the result is small');
  // periodic updates: innerSteps gradient steps every lowerInterval iterations, warmSteps at the start
  assert.equal(sq.oracleCalls.lowerGrad, 100 + Math.ceil(sq.history.length / 2) * 10 + sq.history.length);
});

test('normalised momentum: f scaled by 1e4 gives the same iterates (to 1e-9); converged when the steps have settled', () => {
  const scale = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.map((t) => 1e4 * t)]));
  const big = bilevel.models.quadratic(e, { dx: 3, dy: 6, lower: T1.lower, upper: scale(T1.upper) });
  const opts = { stepDecay: 'sqrt', linearLr: 0.3, innerLr: 0.3, outer: { lr: 5e-2, steps: 500 } };
  const a = bilevel.solve(e, { model, x0: [0, 0, 0], method: 'borep', options: opts });
  const b = bilevel.solve(e, { model: big, x0: [0, 0, 0], method: 'borep', options: opts });
  assert.ok(dist(a.x) < 0.1);
  const d = Math.hypot(...[...a.x].map((v, i) => v - b.x[i]));
  assert.ok(d < 1e-9, `scaled f moved x by ${d}`);
  big.free();
  const c = bilevel.solve(e, { model, x0: xstar, y0: T1.ystar(xstar), method: 'borep', options: { outer: { lr: 1e-6, steps: 2000, tol: 1e-6 }, innerTol: 1e-8 } });
  assert.equal(c.converged, true, c.warnings.join('; '));
});

test('borep options: outer is normalised SGD with momentum β = 0.9; adam, bad intervals and radii are refused', () => {
  const d = bilevel.resolveOptions('borep');
  assert.equal(d.outer.optimizer, 'sgd'); assert.equal(d.outer.momentum, 0.9); assert.equal(d.outer.lr, 0.05);
  assert.equal(d.warmSteps, 100); assert.equal(d.lowerInterval, 2); assert.equal(d.innerSteps, 10); assert.equal(d.linearLr, null); assert.equal(d.linearRadius, Infinity);
  for (const bad of [{ outer: { optimizer: 'adam' } }, { lowerInterval: 0 }, { linearRadius: 0 }, { linearRadius: NaN }, { warmSteps: -1 }, { linearLr: 0 }, { cgSteps: 3 }]) {
    assert.throws(() => bilevel.resolveOptions('borep', bad), HyperparameterError, JSON.stringify(bad));
  }
  // radius R bounds z
  const r = bilevel.solve(e, { model, x0: [0, 0, 0], method: 'borep', options: { linearRadius: 1e-3, outer: { steps: 20 } } });
  assert.ok(r.history.every((h) => Number.isFinite(h.hypergradientNorm)));
  assert.throws(() => bilevel.solve(e, { model, x0: [0, 0, 0], method: 'borep', samples: { lower: 3, upper: 3 } }), InvalidArgumentError);
});
