import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, SGD, Adam, AdamW, clipGradNorm } from '../dist/index.js';
import { sgdRef, adamRef, randomArray, sameBits, rng } from './helpers/reference.mjs';
import { CONFIGS, SPEC, trajectory, reference, uniformGrads } from './helpers/harness.mjs';

function fillGrads(ps, seed) {
  const r = rng(seed);
  for (const t of ps.tensors) ps.setGrad(t.name, uniformGrads(0, t.size, r));
}

function flatTensors(ps, view) {
  return ps.tensors.map((t) => view(t.name).slice());
}

const sgdCases = [
  { lr: 0.1 },
  { lr: 0.05, momentum: 0.9 },
  { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 },
  { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1, maximize: true },
];

for (const h of sgdCases) {
  test(`SGD ${JSON.stringify(h)} matches the f32 reference bit for bit in every build`, async () => {
    const ref = reference((n) => new Float32Array(n), (p, g, buf, t) => sgdRef(p, g, buf, h, t === 1));
    for (const cfg of CONFIGS) {
      const got = await trajectory(cfg, (ps) => new SGD(ps, h));
      got.forEach((a, i) => assert.ok(sameBits(a, ref[i].p), `config ${JSON.stringify(cfg)} tensor ${i}`));
    }
  });
}

const adamCases = [
  [Adam, false, {}],
  [Adam, false, { lr: 0.01, weightDecay: 0.1, amsgrad: true }],
  [Adam, false, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, maximize: true }],
  [AdamW, true, {}],
  [AdamW, true, { lr: 0.01, weightDecay: 0.5, amsgrad: true, maximize: true }],
];

for (const [Cls, decoupled, h] of adamCases) {
  test(`${Cls.name} ${JSON.stringify(h)} matches the f32 reference bit for bit in every build`, async () => {
    const e = await init({ threads: 1 });
    const pow = (x, y) => e.pow(x, y), sqrt = (x) => e.sqrt(x);
    const hh = { ...h, weightDecay: h.weightDecay ?? (decoupled ? 1e-2 : 0) };
    const ref = reference((n) => ({ m: new Float32Array(n), v: new Float32Array(n), vmax: new Float32Array(n) }),
      (p, g, st, t) => adamRef(p, g, st, hh, decoupled, t, pow, sqrt));
    await e.dispose();
    for (const cfg of CONFIGS) {
      const got = await trajectory(cfg, (ps) => new Cls(ps, h));
      got.forEach((a, i) => assert.ok(sameBits(a, ref[i].p), `config ${JSON.stringify(cfg)} tensor ${i}`));
    }
  });
}

test('clipGradNorm: f64 norm, scales only above maxNorm, identical in every build', async () => {
  const results = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    assert.equal(await e.ready, e.info.threads);
    const ps = new ParamSet(e, SPEC);
    fillGrads(ps, 7);
    const before = flatTensors(ps, (n) => ps.gradOf(n));
    let ss = 0;
    for (const a of before) for (const x of a) ss += x * x;
    const norm = clipGradNorm(ps, 1);
    assert.ok(Math.abs(norm - Math.sqrt(ss)) <= 1e-12 * norm, `norm ${norm} vs ${Math.sqrt(ss)}`);
    const coef = Math.fround(1 / (norm + 1e-6));
    flatTensors(ps, (n) => ps.gradOf(n)).forEach((a, i) => a.forEach((x, j) => assert.equal(x, Math.fround(before[i][j] * coef))));
    const untouched = flatTensors(ps, (n) => ps.gradOf(n));
    assert.equal(clipGradNorm(ps, 1e9) <= 1 + 1e-6, true);
    flatTensors(ps, (n) => ps.gradOf(n)).forEach((a, i) => assert.ok(sameBits(a, untouched[i])));
    results.push(norm);
    await e.dispose();
  }
  assert.ok(results.every((x) => Object.is(x, results[0])), `norms differ across builds: ${results}`);
});

test('Adam minimises a quadratic and SGD with momentum converges', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { x: 10 });
  ps.setParam('x', randomArray(10, 3, 5));
  const opt = new Adam(ps, { lr: 0.1 });
  for (let k = 0; k < 500; k++) { const x = ps.param('x'), g = ps.gradOf('x'); for (let i = 0; i < 10; i++) g[i] = 2 * (x[i] - i); opt.step(); }
  ps.param('x').forEach((v, i) => assert.ok(Math.abs(v - i) < 1e-2, `x[${i}] = ${v}`));
  const ps2 = new ParamSet(e, { x: 3 });
  ps2.setParam('x', [5, -5, 3]);
  const sgd = new SGD(ps2, { lr: 0.05, momentum: 0.9, nesterov: true });
  for (let k = 0; k < 300; k++) { const x = ps2.param('x'), g = ps2.gradOf('x'); for (let i = 0; i < 3; i++) g[i] = 2 * x[i]; sgd.step(); }
  ps2.param('x').forEach((v) => assert.ok(Math.abs(v) < 1e-4));
  await e.dispose();
});

test('stateDict / loadStateDict resume exactly and match by name, not position', async () => {
  const e = await init({ threads: 1 });
  const run = (ps, opt, from, to) => { for (let k = from; k < to; k++) { fillGrads(ps, 500 + k); opt.step(); } };
  const a = new ParamSet(e, { w: 33, b: 7 });
  a.setParam('w', randomArray(33, 1)); a.setParam('b', randomArray(7, 2));
  const oa = new AdamW(a, { lr: 0.01, amsgrad: true });
  run(a, oa, 0, 20);
  const sd = oa.stateDict();
  const pw = a.param('w').slice(), pb = a.param('b').slice();
  run(a, oa, 20, 40);
  // Same tensors declared in the other order: state must follow the names.
  const b = new ParamSet(e, { b: 7, w: 33 });
  b.setParam('w', pw); b.setParam('b', pb);
  const ob = new AdamW(b, { lr: 0.01, amsgrad: true });
  ob.loadStateDict(sd);
  assert.equal(ob.stepCount, 20);
  for (let k = 20; k < 40; k++) {
    const r = rng(500 + k);
    // fillGrads walks tensors in declaration order: regenerate a's order explicitly.
    const gw = new Float32Array(33), gb = new Float32Array(7);
    for (let i = 0; i < 33; i++) gw[i] = r() * 2 - 1;
    for (let i = 0; i < 7; i++) gb[i] = r() * 2 - 1;
    b.setGrad('w', gw); b.setGrad('b', gb); ob.step();
  }
  assert.ok(sameBits(a.param('w'), b.param('w')));
  assert.ok(sameBits(a.param('b'), b.param('b')));
  await e.dispose();
});
