// Parity with torch.optim.lr_scheduler: lr sequences recorded by scripts/golden_torch_schedulers.py
// (torch 1.13, 300 steps; entry k = the lr torch's optimizer uses at step k = our schedule(k)).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  init, stepDecay, multiStepDecay, exponentialDecay, cosineDecay, cosineWarmRestarts, oneCycle, cyclicSchedule,
  linearSchedule, polynomialSchedule, ReduceLROnPlateau,
} from '../dist/index.js';

const golden = JSON.parse(readFileSync(new URL('./fixtures/torch-schedulers.json', import.meta.url), 'utf8'));
const camel = (h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.replace(/_(.)/g, (_, c) => c.toUpperCase()), v]));

function ours(e, c) {
  const h = c.hyper, init = c.base_lr;
  switch (c.scheduler) {
    case 'StepLR': return stepDecay(e, { init, stepSize: h.step_size, gamma: h.gamma });
    case 'MultiStepLR': return multiStepDecay(e, { init, milestones: h.milestones, gamma: h.gamma });
    case 'ExponentialLR': return exponentialDecay(e, { init, transitionSteps: 1, decayRate: h.gamma });
    case 'CosineAnnealingLR': return cosineDecay(e, { init, decaySteps: h.T_max, alpha: (h.eta_min ?? 0) / init });
    case 'CosineAnnealingWarmRestarts': return cosineWarmRestarts(e, { init, t0: h.T_0, tMult: h.T_mult, etaMin: h.eta_min });
    case 'OneCycleLR': { const { cycleMomentum, ...o } = camel(h); return oneCycle(e, o); }
    case 'CyclicLR': { const { cycleMomentum, ...o } = camel(h); return cyclicSchedule(e, o); }
    case 'LinearLR': return linearSchedule(e, { init: init * h.start_factor, end: init * h.end_factor, transitionSteps: h.total_iters });
    case 'PolynomialLR': return polynomialSchedule(e, { init, end: 0, power: h.power, transitionSteps: h.total_iters });
    default: throw new Error(c.scheduler);
  }
}
const rel = (a, b) => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));
/**
 * Tolerances (relative, per value). Our schedules are closed forms of the step. Where torch has a closed
 * form (`_get_closed_form_lr`: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR,
 * PolynomialLR) we match it within CLOSED (measured: bit for bit except CosineAnnealingLR, 7e-16, and
 * LinearLR, 1.4e-15, from a different cos and operation order: optax's init·((1−α)·c + α) against torch's
 * ηmin + (base − ηmin)·c); its recursive (chainable) form, which the optimizer really sees, multiplies
 * the previous lr by a factor each step and drifts by a few ulps over 300 steps (measured ≤ 4.2e-15,
 * PolynomialLR), hence RECURSIVE. CosineAnnealingWarmRestarts, OneCycleLR and CyclicLR compute their
 * closed form directly (measured ≤ 4e-15, OneCycleLR three-phase cos; linear annealing and CyclicLR are
 * bit for bit), and ReduceLROnPlateau must agree exactly.
 */
const CLOSED = 2e-15, RECURSIVE = 1e-14;

const report = [];
for (const c of golden.cases) {
  const label = `${c.scheduler} ${JSON.stringify(c.hyper)}`;
  test(`torch ${golden.torch} ${label}`, async () => {
    const e = await init({ threads: 1 });
    let worstLr = 0, worstClosed = 0;
    if (c.scheduler === 'ReduceLROnPlateau') {
      const p = new ReduceLROnPlateau({ init: c.base_lr, ...camel(c.hyper) });
      c.metrics.forEach((m, k) => { worstLr = Math.max(worstLr, rel(p.step(m), c.lr[k])); });
    } else {
      const f = ours(e, c);
      c.lr.forEach((v, k) => { worstLr = Math.max(worstLr, rel(f(k), v)); });
      (c.closed ?? []).forEach((v, k) => { worstClosed = Math.max(worstClosed, rel(f(k), v)); });
    }
    report.push(`${label}: lr ${worstLr.toExponential(2)}${c.closed ? `, closed ${worstClosed.toExponential(2)}` : ''}`);
    if (c.scheduler === 'ReduceLROnPlateau') assert.equal(worstLr, 0, 'ReduceLROnPlateau must match exactly');
    else if (c.closed) { assert.ok(worstClosed <= CLOSED, `closed form: ${worstClosed}`); assert.ok(worstLr <= RECURSIVE, `recursive: ${worstLr}`); }
    else assert.ok(worstLr <= RECURSIVE, `${worstLr}`);
    await e.dispose();
  });
}
test('worst relative differences (printed)', () => { assert.equal(report.length, golden.cases.length); console.log(report.join('\n')); });
