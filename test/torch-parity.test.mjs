// Parity with the real torch.optim: trajectories recorded by scripts/golden_torch.py (torch 1.13 CPU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init, ParamSet, SGD, Adam, AdamW, Adagrad, RMSprop, Adadelta, Rprop, Adamax, NAdam, RAdam, ASGD } from '../dist/index.js';

const golden = JSON.parse(readFileSync(new URL('./fixtures/torch-golden.json', import.meta.url), 'utf8'));
const CLASSES = { SGD, Adam, AdamW, Adagrad, RMSprop, Adadelta, Rprop, Adamax, NAdam, RAdam, ASGD };
const camel = (h) => {
  const o = {};
  for (const [k, v] of Object.entries(h)) o[k.replace(/_(.)/g, (_, c) => c.toUpperCase())] = v;
  return o;
};
/**
 * Normwise relative tolerance per tensor: max|ours - torch| <= TOL * max(max|torch|, 1). torch's CPU kernels
 * fuse a + alpha*b into one FMA where the CPU has it; wasm SIMD128 has no FMA, so single elements differ by an
 * ulp or so per step, which is large relative to elements near zero but not to the tensor.
 */
const TOL = 1e-6;

for (const [idx, c] of golden.cases.entries()) {
  test(`torch ${golden.torch} ${c.optimizer} ${JSON.stringify(c.hyper)}: ${c.steps} steps within ${TOL} relative`, async () => {
    const e = await init({ threads: 1 });
    const spec = Object.fromEntries(c.shapes.map((s, i) => [`t${i}`, s]));
    const ps = new ParamSet(e, spec);
    c.init.forEach((v, i) => ps.setParam(`t${i}`, v));
    const cs = c.c.map((v) => Float32Array.from(v)), ts = c.t.map((v) => Float32Array.from(v));
    const opt = new CLASSES[c.optimizer](ps, camel(c.hyper));
    let worst = 0;
    for (let step = 1; step <= c.steps; step++) {
      for (let i = 0; i < cs.length; i++) {
        const p = ps.param(`t${i}`), g = ps.gradOf(`t${i}`);
        for (let j = 0; j < p.length; j++) g[j] = Math.fround(cs[i][j] * Math.fround(p[j] - ts[i][j]));
      }
      opt.step();
      const want = c.checkpoints[String(step)];
      if (!want) continue;
      const cmp = (w, p) => {
        const scale = Math.max(1, ...w.map(Math.abs));
        w.forEach((x, j) => { worst = Math.max(worst, Math.abs(p[j] - x) / scale); });
      };
      want.forEach((w, i) => cmp(w, ps.param(`t${i}`)));
      // ASGD: the averaged parameters (torch's state['ax']) too.
      c.averaged?.[String(step)].forEach((w, i) => cmp(w, opt.averaged(`t${i}`)));
    }
    assert.ok(worst <= TOL, `case ${idx}: worst relative difference ${worst}`);
    await e.dispose();
  });
}
