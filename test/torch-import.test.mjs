// importTorchState: real torch 1.13 optimizer state dicts (scripts/export_torch_state.py ->
// test/fixtures/torch-state.json) after N steps of a small nn.Sequential, imported into simdopt, then M
// more steps on torch's recorded gradients must land on torch's parameters within the torch-parity
// tolerance (1e-6 normwise relative, as test/torch-parity.test.mjs). Bad imports: StateError, nothing changed.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as so from '../dist/index.js';

const fx = JSON.parse(readFileSync(new URL('./fixtures/torch-state.json', import.meta.url), 'utf8'));
const TOL = 1e-6;

function build(e, c) {
  const ps = new so.ParamSet(e, c.shapes);
  for (const [n, v] of Object.entries(c.model_state)) ps.setParam(n, v);
  // Only what decides the state buffers and the group membership; the hyperparameters come from torch.
  const opts = { groups: c.grouped ? [{ params: /bias$/ }] : undefined };
  // Options fixed at construction (they decide which buffers exist) must match torch's.
  const k = c.kwargs;
  const fixed = { amsgrad: k.amsgrad, centered: k.centered, momentum: k.momentum, initialAccumulatorValue: k.initial_accumulator_value };
  for (const key of Object.keys(fixed)) if (fixed[key] === undefined) delete fixed[key];
  const opt = new so[c.optimizer](ps, { ...(c.optimizer === 'SGD' ? { lr: 1 } : {}), ...opts, ...fixed });
  return { ps, opt };
}
function cont(c, ps, opt) {
  for (const g of c.grads) { for (const [n, v] of Object.entries(g)) ps.setGrad(n, v); opt.step(); }
  let worst = 0;
  for (const [n, want] of Object.entries(c.final)) {
    const p = ps.param(n), scale = Math.max(1, ...want.map(Math.abs));
    want.forEach((x, j) => { worst = Math.max(worst, Math.abs(p[j] - x) / scale); });
  }
  return worst;
}

for (const c of fx.cases) {
  test(`torch ${fx.torch} ${c.label}: import after ${c.N} steps, ${c.M} more steps match torch within ${TOL}`, async () => {
    const e = await so.init({ threads: 1 });
    const { ps, opt } = build(e, c);
    so.importTorchState(opt, c.optimizer_state, { names: c.param_names });
    const torchStep = c.optimizer_state.state['0'].step;
    assert.equal(opt.stepCount, torchStep ?? 1);
    // Hyperparameters came from torch's param_groups (betas split, weight_decay per group).
    const tg = c.optimizer_state.param_groups;
    assert.equal(opt.hyperparameters.lr, tg[0].lr);
    if (tg[0].betas) assert.deepEqual([opt.hyperparameters.beta1, opt.hyperparameters.beta2], tg[0].betas);
    if (c.grouped) {
      assert.equal(opt.hyperparametersOf(0).weightDecay, 0.05);
      assert.equal(opt.hyperparametersOf(1).weightDecay, 0);
    }
    if (c.optimizer === 'NAdam') assert.equal(opt.stateDict().scalars.mu_product, c.optimizer_state.state['0'].mu_product);
    // The buffers are torch's, by name.
    const id0 = c.param_names[0];
    for (const [k, v] of Object.entries(c.optimizer_state.state['0'])) {
      if (Array.isArray(v)) assert.deepEqual([...opt.stateDict().state[id0][k]], v.map(Math.fround), `${id0}.${k}`);
    }
    const worst = cont(c, ps, opt);
    console.log(`torch import ${c.label}: worst relative difference ${worst.toExponential(2)}`);
    assert.ok(worst <= TOL, `worst relative difference ${worst}`);
    // Without the import (fresh state, same params and hyperparameters) the result is far off: the import matters.
    const fresh = build(e, c);
    fresh.opt.loadStateDict({ ...fresh.opt.stateDict(), hyper: opt.stateDict().hyper, groups: opt.stateDict().groups });
    assert.ok(cont(c, fresh.ps, fresh.opt) > 100 * TOL);
    await e.dispose();
  });
}

test('bad torch imports raise StateError naming the problem and change nothing', async () => {
  const e = await so.init({ threads: 1 });
  const [adamw, , sgd, , nadam] = fx.cases;
  const { ps, opt } = build(e, adamw);
  for (let k = 0; k < 3; k++) { for (const [n, v] of Object.entries(adamw.grads[k])) ps.setGrad(n, v); opt.step(); }
  const before = so.saveState(opt, { params: true });
  const bad = (json, options, re) => {
    assert.throws(() => so.importTorchState(opt, json, options), (err) => err instanceof so.StateError && re.test(err.message), String(re));
    assert.deepEqual(so.saveState(opt, { params: true }), before, `changed after ${re}`);
  };
  const sd = adamw.optimizer_state, names = adamw.param_names;
  const clone = () => JSON.parse(JSON.stringify(sd));
  bad(sd, {}, /no param_names: pass options\.names/);
  bad(sd, { names: names.slice(0, 3) }, /no name for torch param id 3/);
  bad(sd, { names: ['0.weight', '2.weight', '0.bias', 'head.bias'] }, /maps to head\.bias, which .* does not have/);
  bad(sd, { names: ['0.weight', '0.weight', '0.bias', '2.bias'] }, /same tensor/);
  bad(sgd.optimizer_state, { names: sgd.param_names }, /torch hyperparameter momentum \(group 0\) has no equivalent in simdopt's adamw/);
  bad(nadam.optimizer_state, { names: nadam.param_names }, /momentum_decay|mu_product/);
  const steps = clone(); steps.state['1'].step = 7;
  bad(steps, { names }, /different steps \(30 and 7\)/);
  const short = clone(); short.state['2'].exp_avg.pop();
  bad(short, { names }, /state\[2\]\.exp_avg \(0\.bias\) has 8 values, simdopt expects 9/);
  const shaped = clone(); shaped.state['0'].exp_avg = [shaped.state['0'].exp_avg];
  bad(shaped, { names }, /has shape \[1, 54\], the tensor has \[9, 6\]/);
  const missing = clone(); delete missing.state['3'];
  bad(missing, { names }, /no state for param id 3 \(2\.bias\)/);
  const mixed = clone(); mixed.param_groups[0].params = [0, 2]; mixed.param_groups[1].params = [1, 3];
  bad(mixed, { names }, /simdopt group 0 holds parameters of torch groups 0 and 1, which differ in weightDecay/);
  const neg = clone(); neg.param_groups[1].lr = -1;
  bad(neg, { names }, /invalid hyperparameters in state \(group 1\): lr must be/);
  bad('{"state":', { names }, /not valid JSON/);
  bad({ state: {} }, { names }, /not a torch optimizer state_dict/);
  bad({ state: {}, param_groups: sd.param_groups }, { names }, /torch state is empty/);
  await e.dispose();
});

test('JSON text and nested (unflattened) tensors are accepted', async () => {
  const e = await so.init({ threads: 1 });
  const c = fx.cases[0];
  const sd = JSON.parse(JSON.stringify(c.optimizer_state));
  const w = sd.state['0'].exp_avg; // 0.weight, [9, 6]
  sd.state['0'].exp_avg = Array.from({ length: 9 }, (_, i) => w.slice(6 * i, 6 * i + 6));
  const a = build(e, c), b = build(e, c);
  so.importTorchState(a.opt, JSON.stringify(sd), { names: c.param_names });
  so.importTorchState(b.opt, c.optimizer_state, { names: c.param_names });
  assert.deepEqual(so.saveState(a.opt), so.saveState(b.opt));
  await e.dispose();
});
