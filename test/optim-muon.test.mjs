// Muon (Keller Jordan's reference update; AdamW for the tensors that are not 2-D): bit for bit against
// the f32-exact JS reference in all four builds, within tolerance of torch 1.13 (scripts/golden_muon.py),
// state-dict resume, typed errors.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init, ParamSet, Muon, AdamW, HyperparameterError, StateError } from '../dist/index.js';
import { muonRef } from './helpers/reference-muon.mjs';
import { randomArray, rng, sameBits } from './helpers/reference.mjs';
import { CONFIGS } from './helpers/harness.mjs';

const fr = Math.fround;
// Wide, tall, square, vectors, a scalar, and a matrix large enough for the row split over two threads.
const SPEC = { w: [13, 7], v: [5, 9], sq: [4, 4], b: 5, big: [40, 70], one: 1, vec: 4099 };
const shapes = Object.values(SPEC).map((s) => (Array.isArray(s) ? s : [s]));
const STEPS = 8;
const HYPERS = [{}, { lr: 0.05, momentum: 0.9, nesterov: false, nsSteps: 3, eps: 1e-6, weightDecay: 0.1, adamLr: 0.01, adamBetas: [0.8, 0.99], adamEps: 1e-8, adamWeightDecay: 0.05 }];

test('Muon: bit-identical to the f32 reference in every build (SIMD/scalar x 1/2 threads)', async () => {
  const e0 = await init({ threads: 1 });
  const pow = (x, y) => e0.pow(x, y), sqrt = (x) => e0.sqrt(x);
  for (const h of HYPERS) {
    const ref = shapes.map((sh, i) => {
      const n = sh.reduce((a, b) => a * b, 1);
      return { sh, p: randomArray(n, 1 + i), st: { m: new Float32Array(n), v: new Float32Array(n), vmax: new Float32Array(n) } };
    });
    for (let k = 0; k < STEPS; k++) {
      const r = rng(100 + k);
      for (const x of ref) { const g = new Float32Array(x.p.length); for (let j = 0; j < g.length; j++) g[j] = r() * 2 - 1; muonRef(x.p, g, x.st, x.sh, h, k + 1, pow, sqrt); }
    }
    for (const cfg of CONFIGS) {
      const e = await init(cfg);
      const ps = new ParamSet(e, SPEC);
      ps.tensors.forEach((t, i) => ps.setParam(t.name, randomArray(t.size, 1 + i)));
      const o = new Muon(ps, h);
      for (let k = 0; k < STEPS; k++) {
        const r = rng(100 + k);
        for (const t of ps.tensors) { const g = new Float32Array(t.size); for (let j = 0; j < g.length; j++) g[j] = r() * 2 - 1; ps.setGrad(t.name, g); }
        o.step();
      }
      ps.tensors.forEach((t, i) => assert.ok(sameBits(ps.param(t.name), ref[i].p), `${JSON.stringify(cfg)} ${JSON.stringify(h)} ${t.name}`));
      await e.dispose();
    }
  }
  await e0.dispose();
}, 120_000);

// scripts/golden_muon.py: the reference muon.py in f32 torch 1.13. Differences: torch's matmul sums in
// blocks (and FMAs), its norm is an f32 reduction. Measured worst: 2.4e-7 (defaults), 2.7e-7 (case 1).
const golden = JSON.parse(readFileSync(new URL('./fixtures/muon-golden.json', import.meta.url), 'utf8'));
const camel = (h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.replace(/_(.)/g, (_, c) => c.toUpperCase()), v]));
for (const [idx, c] of golden.cases.entries()) {
  test(`torch ${golden.torch} Muon ${JSON.stringify(c.hyper)}: ${c.steps} steps within 1e-6 relative`, async () => {
    const e = await init({ threads: 1 });
    const ps = new ParamSet(e, Object.fromEntries(c.shapes.map((s, i) => [`t${i}`, s])));
    c.init.forEach((v, i) => ps.setParam(`t${i}`, v));
    const cs = c.c.map((v) => Float32Array.from(v)), ts = c.t.map((v) => Float32Array.from(v));
    const o = new Muon(ps, camel(c.hyper));
    let worst = 0;
    for (let step = 1; step <= c.steps; step++) {
      cs.forEach((ci, i) => { const p = ps.param(`t${i}`), g = ps.gradOf(`t${i}`); for (let j = 0; j < p.length; j++) g[j] = fr(ci[j] * fr(p[j] - ts[i][j])); });
      o.step();
      const want = c.checkpoints[String(step)];
      if (!want) continue;
      want.forEach((w, i) => { const p = ps.param(`t${i}`), sc = Math.max(1, ...w.map(Math.abs)); w.forEach((x, j) => { worst = Math.max(worst, Math.abs(p[j] - x) / sc); }); });
    }
    assert.ok(worst <= 1e-6, `case ${idx}: worst relative difference ${worst}`);
    await e.dispose();
  });
}

test('Muon resumes exactly from its state dict; a bad dict changes nothing', async () => {
  const e = await init({ threads: 1 });
  const run = (o, ps, k0, k1) => { for (let k = k0; k < k1; k++) { const r = rng(500 + k); for (const t of ps.tensors) { const g = new Float32Array(t.size); for (let j = 0; j < g.length; j++) g[j] = r() * 2 - 1; ps.setGrad(t.name, g); } o.step(); } };
  const a = new ParamSet(e, SPEC), b = new ParamSet(e, SPEC);
  a.tensors.forEach((t, i) => { a.setParam(t.name, randomArray(t.size, 9 + i)); });
  const oa = new Muon(a, HYPERS[1]);
  run(oa, a, 0, 5);
  a.tensors.forEach((t) => b.setParam(t.name, a.param(t.name)));
  const ob = new Muon(b, HYPERS[1]);
  const sd = oa.stateDict();
  const bad = { ...sd, state: { ...sd.state, w: { ...sd.state.w, exp_avg: new Float32Array(3) } } };
  const before = ob.stateDict();
  assert.throws(() => ob.loadStateDict(bad), StateError);
  assert.deepEqual(ob.stateDict(), before);
  ob.loadStateDict(sd);
  run(oa, a, 5, 10); run(ob, b, 5, 10);
  for (const t of a.tensors) assert.ok(sameBits(a.param(t.name), b.param(t.name)), t.name);
  await e.dispose();
});

test('Muon: bad hyperparameters are typed errors naming the option', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, SPEC);
  for (const [opts, name] of [[{ lr: -1 }, 'lr'], [{ momentum: 1 }, 'momentum'], [{ nesterov: 1 }, 'nesterov'], [{ nsSteps: 0 }, 'nsSteps'],
    [{ nsSteps: 2.5 }, 'nsSteps'], [{ eps: 0 }, 'eps'], [{ weightDecay: -1 }, 'weightDecay'], [{ adamLr: -1 }, 'adamLr'],
    [{ adamBetas: [1, 0.9] }, 'adamBetas'], [{ adamEps: 0 }, 'adamEps'], [{ adamWeightDecay: -1 }, 'adamWeightDecay'], [{ lrr: 1 }, 'Muon option']]) {
    assert.throws(() => new Muon(ps, opts), (err) => err instanceof HyperparameterError && err.message.includes(name), JSON.stringify(opts));
  }
  const o = new Muon(ps);
  assert.throws(() => o.set({ nsSteps: 3 }), HyperparameterError);
  assert.throws(() => o.set({ momentum: -0.5 }), HyperparameterError);
  assert.equal(o.hyperparameters.nsSteps, 5);
  assert.equal(o.hyperparameters.momentum, 0.95);
  await e.dispose();
});
