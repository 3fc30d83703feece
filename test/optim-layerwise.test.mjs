// LAMB, LARS, NovoGrad, Adafactor (per-tensor statistics): bit-exact against the f32 references in
// every build (SIMD/scalar × 1/2 threads; the 4099-element tensor spans two reduction blocks), typed
// hyperparameter errors that leave state untouched, exact resume (NovoGrad's per-tensor v and
// Adafactor's factored moments in the state dict), and one behavioural check each.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, LAMB, LARS, NovoGrad, Adafactor, HyperparameterError, StateError } from '../dist/index.js';
import { lambRef, larsRef, novogradRef, segSumSq, adafactorRef, adafactorState } from './helpers/reference-layerwise.mjs';
import { randomArray, sameBits, rng } from './helpers/reference.mjs';
import { CONFIGS, SPEC, trajectory, reference, uniformGrads, assertResumesExactly, assertBadHypers } from './helpers/harness.mjs';

// Seeded uniform gradients; at step 3 the one-element tensor's gradient is exactly 0.
function grads(k, n, r) {
  const g = uniformGrads(k, n, r);
  if (k === 3 && n === 1) g[0] = 0;
  return g;
}

const z = (n) => new Float32Array(n);
const CASES = [
  ['LAMB', LAMB, [{}, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-4, weightDecay: 0.1 }, { lr: 0.005, weightDecay: 0.01 }],
    () => (n) => ({ m: z(n), v: z(n) }), (h, pow, sqrt) => (p, g, s, t) => lambRef(p, g, s, h, t, pow, sqrt)],
  ['LARS', LARS, [{}, { lr: 5, momentum: 0.8, nesterov: true, weightDecay: 0.1, trustCoefficient: 0.01, eps: 1e-3 },
    { lr: 0.05, momentum: 0, weightDecay: 0.01, trustRatio: false }, { lr: 2, momentum: 0.5, trustCoefficient: 0.02 }],
    () => (n) => ({ m: z(n) }), (h, _pow, sqrt) => (p, g, s) => larsRef(p, g, s, h, sqrt)],
  ['NovoGrad', NovoGrad, [{}, { lr: 0.02, betas: [0.8, 0.5], eps: 1e-3, weightDecay: 0.1 }, { lr: 0.005, betas: [0.95, 0.98], weightDecay: 0.01 }],
    () => (n) => ({ m: z(n), nu: 0 }), (h, _pow, sqrt) => (p, g, s, t) => novogradRef(p, g, s, h, t, sqrt)],
  // Adafactor: the harness's [13, 7] matrix is factored, the vectors are not.
  ['Adafactor', Adafactor, [{}, { lr: 0.01, relativeStep: false, beta1: 0.9, weightDecay: 0.1, clipThreshold: 0.5 },
    { eps: [1e-3, 1e-2], decayRate: -0.5, scaleParameter: false, warmupInit: true, beta1: 0 }, { lr: 0.05, relativeStep: false, scaleParameter: false }],
    (h) => (n) => adafactorState(n === 91 ? SPEC.w : [n], h.beta1 !== undefined),
    (h, pow, sqrt) => (p, g, s, t) => adafactorRef(p, g, s, p.length === 91 ? SPEC.w : [p.length], h, t, pow, sqrt)],
];

for (const [name, Cls, hypers, makeState, makeStep] of CASES) {
  for (const h of hypers) {
    test(`${name} ${JSON.stringify(h)} matches the f32 reference bit for bit in every build`, async () => {
      const e = await init({ threads: 1 });
      const pow = (x, y) => e.pow(x, y), sqrt = (x) => e.sqrt(x);
      const ref = reference(makeState(h), makeStep(h, pow, sqrt), grads);
      await e.dispose();
      for (const cfg of CONFIGS) {
        const got = await trajectory(cfg, (ps) => new Cls(ps, h), grads);
        got.forEach((a, i) => assert.ok(sameBits(a, ref[i].p), `config ${JSON.stringify(cfg)} tensor ${i}`));
      }
    });
  }
}

test('segmented sums of squares: the reference order matches the engine on a 3000-tensor model in one call', async () => {
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const spec = {};
    for (let i = 0; i < 3000; i++) spec[`t${i}`] = i % 97 === 0 ? 9000 + i : 1 + (i * 37) % 300;
    const ps = new ParamSet(e, spec);
    let k = 1;
    for (const t of ps.tensors) ps.setGrad(t.name, randomArray(t.size, k++));
    const o = new NovoGrad(ps, { lr: 0 });
    o.step();
    const nu = o.stateDict().scalars.nu;
    for (const t of ps.tensors) assert.equal(nu[t.name], segSumSq(ps.gradOf(t.name)), `${JSON.stringify(cfg)} ${t.name}`);
    await e.dispose();
  }
});

const BAD = [
  [LAMB, { lr: -1 }, 'lr'], [LAMB, { betas: [1, 0.9] }, 'betas[0]'], [LAMB, { betas: [0.9, -0.1] }, 'betas[1]'],
  [LAMB, { eps: NaN }, 'eps'], [LAMB, { weightDecay: -1 }, 'weightDecay'],
  [LARS, { lr: Infinity }, 'lr'], [LARS, { momentum: 1 }, 'momentum'], [LARS, { nesterov: 1 }, 'nesterov'],
  [LARS, { weightDecay: -1 }, 'weightDecay'], [LARS, { trustCoefficient: -1 }, 'trustCoefficient'], [LARS, { eps: -1 }, 'eps'],
  [LARS, { trustRatio: 'yes' }, 'trustRatio'],
  [NovoGrad, { lr: -0.1 }, 'lr'], [NovoGrad, { betas: [1.5, 0.9] }, 'betas[0]'], [NovoGrad, { betas: [0.9, 1] }, 'betas[1]'],
  [NovoGrad, { eps: 'x' }, 'eps'], [NovoGrad, { weightDecay: NaN }, 'weightDecay'],
];

test('bad hyperparameters: typed error naming the parameter, at construction and in set(), state unchanged', () => assertBadHypers(BAD));

test('stateDict round trip resumes every optimizer exactly (NovoGrad carries its per-tensor v)', () => assertResumesExactly([
  [LAMB, { lr: 0.01, weightDecay: 0.1 }], [LARS, { lr: 3, weightDecay: 0.1, nesterov: true }], [NovoGrad, { lr: 0.01, weightDecay: 0.1 }],
], grads));

test('NovoGrad loadStateDict rejects a missing or invalid nu and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 5, b: 2 });
  const o = new NovoGrad(ps);
  ps.setGrad('w', randomArray(5, 3)); ps.setGrad('b', randomArray(2, 4));
  o.step(); o.step();
  const good = o.stateDict(), before = o.stateDict();
  const { scalars, ...noScalars } = good;
  assert.ok(scalars.nu.w > 0 && scalars.nu.b > 0);
  assert.throws(() => o.loadStateDict(noScalars), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { nu: { w: 1 } } }), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { nu: { w: 1, b: -1 } } }), StateError);
  assert.throws(() => o.loadStateDict({ ...good, scalars: { nu: { w: NaN, b: 1 } } }), StateError);
  assert.deepEqual(o.stateDict(), before);
  const fresh = new NovoGrad(ps).stateDict();
  delete fresh.scalars;
  o.loadStateDict(fresh);
  assert.deepEqual(o.stateDict().scalars, { nu: { w: 0, b: 0 } });
  await e.dispose();
});

// Per-layer step norms: with wd = 0 (and LARS without momentum, eps = 0) every tensor moves by
// ‖Δp_l‖ = lr·‖p_l‖ (LAMB) and lr·η·‖p_l‖ (LARS), whatever the scale of its gradient.
test('LAMB and LARS: each tensor moves by lr·‖p‖ (·η for LARS), independent of its gradient scale', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { a: [20, 30], b: 64, c: 5000 });
  const norm = (x) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  for (const [make, factor] of [[() => new LAMB(ps, { lr: 0.01 }), 1], [() => new LARS(ps, { lr: 10, momentum: 0 }), 1e-3]]) {
    let k = 1;
    for (const t of ps.tensors) ps.setParam(t.name, randomArray(t.size, k++, 0.1 * k));
    const o = make();
    for (let step = 0; step < 3; step++) {
      let j = 0;
      for (const t of ps.tensors) ps.setGrad(t.name, randomArray(t.size, 50 + step * 10 + j, 10 ** (j++ - 1)));
      const before = ps.tensors.map((t) => ps.param(t.name).slice());
      o.step();
      ps.tensors.forEach((t, i) => {
        const d = ps.param(t.name).map((v, q) => v - before[i][q]);
        const want = o.hyperparameters.lr * factor * norm(before[i]);
        assert.ok(Math.abs(norm(d) - want) < 1e-4 * want, `${o.kind} ${t.name} step ${step}: ${norm(d)} vs ${want}`);
      });
    }
    assert.deepEqual(Object.keys(o.trustRatios), ['a', 'b', 'c']);
    o.free();
  }
  await e.dispose();
});

test('LAMB/LARS: a zero tensor gets trust ratio 1 (optax), and the step stays finite', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 8, zero: 8 });
  ps.setParam('w', randomArray(8, 1)); ps.setGrad('w', randomArray(8, 2)); ps.setGrad('zero', randomArray(8, 3));
  const o = new LARS(ps, { lr: 0.1, momentum: 0 });
  o.step();
  assert.equal(o.trustRatios.zero, 1);
  assert.ok(ps.param('zero').every((v, i) => v === Math.fround(Math.fround(-0.1) * ps.gradOf('zero')[i])));
  await e.dispose();
});

test('NovoGrad is invariant to a per-tensor gradient rescaling by a power of two (eps = 1e-45, wd = 0): identical bits', async () => {
  const e = await init({ threads: 1 });
  const run = (scale) => {
    const ps = new ParamSet(e, { a: 77, b: 300 });
    ps.setParam('a', randomArray(77, 1)); ps.setParam('b', randomArray(300, 2));
    const o = new NovoGrad(ps, { lr: 0.01, eps: 1e-45 }); // the smallest f32: far below half an ulp of any √v here, so as exact as eps = 0 (which divides 0 by 0 for a zero gradient and is refused)
    for (let k = 0; k < 20; k++) {
      ps.setGrad('a', randomArray(77, 10 + k)); ps.setGrad('b', randomArray(300, 40 + k).map((v) => v * scale));
      o.step();
    }
    const out = [ps.param('a').slice(), ps.param('b').slice()];
    o.free(); ps.free();
    return out;
  };
  const [a1, b1] = run(1), [a2, b2] = run(1024);
  assert.ok(sameBits(a1, a2) && sameBits(b1, b2));
  await e.dispose();
});

test('Adafactor: batch dims ([2, 9, 6] factored per leading index), [1, 5], [6, 1] match the reference in every build', async () => {
  const spec = { t3: [2, 9, 6], row: [1, 5], col: [6, 1], v: 10 };
  const h = { beta1: 0.8, weightDecay: 0.05, clipThreshold: 0.7 };
  const e0 = await init({ threads: 1 });
  const pow = (x, y) => e0.pow(x, y), sqrt = (x) => e0.sqrt(x);
  const ref = Object.entries(spec).map(([, shape], i) => {
    const sh = typeof shape === 'number' ? [shape] : shape, n = sh.reduce((a, b) => a * b, 1);
    return { sh, p: randomArray(n, 1 + i), st: adafactorState(sh, true) };
  });
  for (let k = 0; k < 12; k++) { const r = rng(300 + k); for (const x of ref) adafactorRef(x.p, uniformGrads(k, x.p.length, r), x.st, x.sh, h, k + 1, pow, sqrt); }
  await e0.dispose();
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const ps = new ParamSet(e, spec);
    ps.tensors.forEach((t, i) => ps.setParam(t.name, randomArray(t.size, 1 + i)));
    const o = new Adafactor(ps, h);
    for (let k = 0; k < 12; k++) { const r = rng(300 + k); for (const t of ps.tensors) ps.setGrad(t.name, uniformGrads(k, t.size, r)); o.step(); }
    ps.tensors.forEach((t, i) => assert.ok(sameBits(ps.param(t.name), ref[i].p), `${JSON.stringify(cfg)} ${t.name}`));
    const st = o.stateDict().state;
    assert.ok(sameBits(st.t3.exp_avg_sq_row, ref[0].st.vr) && sameBits(st.t3.exp_avg_sq_col, ref[0].st.vc));
    assert.deepEqual([st.t3.exp_avg_sq_row.length, st.t3.exp_avg_sq_col.length, st.row.exp_avg_sq_col.length, st.v.exp_avg_sq.length], [18, 12, 5, 10]);
    await e.dispose();
  }
});

test('Adafactor state for a 1000x1000 matrix is ~8 KB (rows + columns), vs 8 MB for Adam', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: [1000, 1000], b: 1000 });
  const o = new Adafactor(ps);
  ps.setGrad('w', randomArray(1e6, 5)); ps.setGrad('b', randomArray(1000, 6));
  o.step();
  const bytes = (entry) => Object.values(entry).reduce((s, a) => s + a.byteLength, 0);
  const st = o.stateDict().state;
  assert.equal(bytes(st.w), 8000);
  assert.deepEqual(Object.keys(st.w).sort(), ['exp_avg_sq_col', 'exp_avg_sq_row']);
  assert.equal(bytes(st.b), 4000);
  assert.ok(ps.param('w').every(Number.isFinite));
  o.free();
  await e.dispose();
});

test('Adafactor clips the update to RMS ≤ clipThreshold·lr (first step, huge gradients)', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: [30, 40] });
  ps.setGrad('w', randomArray(1200, 8, 1e4));
  const o = new Adafactor(ps, { lr: 1, relativeStep: false, scaleParameter: false, clipThreshold: 0.1 });
  o.step();
  const rms = Math.sqrt(ps.param('w').reduce((s, v) => s + v * v, 0) / 1200);
  assert.ok(Math.abs(rms - 0.1) < 1e-5, `RMS ${rms}`);
  await e.dispose();
});

test('Adafactor: bad hyperparameters are typed errors naming the option; set() changes nothing', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: [3, 4] });
  const bad = [
    [{ lr: 0.1, relativeStep: true }, { lr: 0.1 }, 'lr'], [{ relativeStep: false }, null, 'lr'], [{ eps: [-1, 1e-3] }, { eps1: -1 }, 'eps[0]'], [{ eps: [1e-30, NaN] }, { eps2: NaN }, 'eps[1]'],
    [{ clipThreshold: 0 }, { clipThreshold: 0 }, 'clipThreshold'], [{ decayRate: 0.5 }, { decayRate: 0.5 }, 'decayRate'],
    [{ beta1: 1 }, null, 'beta1'], [{ weightDecay: -1 }, { weightDecay: -1 }, 'weightDecay'], [{ scaleParameter: 1 }, { scaleParameter: 1 }, 'scaleParameter'],
    [{ warmupInit: true, relativeStep: false, lr: 0.1 }, { warmupInit: true }, 'warmupInit'],
    [{ groups: [{ params: ['w'], beta1: 0.9 }] }, { momentum: true }, 'momentum'],
  ];
  for (const [opts, changes, name] of bad) {
    assert.throws(() => new Adafactor(ps, opts), (err) => err instanceof HyperparameterError && err.message.startsWith(name), JSON.stringify(opts));
    if (!changes) continue;
    const o = new Adafactor(ps, name === 'warmupInit' ? { lr: 0.1 } : {});
    ps.setParam('w', randomArray(12, 1)); ps.setGrad('w', randomArray(12, 2));
    o.step(); o.step();
    const before = o.stateDict(), pBefore = ps.param('w').slice();
    assert.throws(() => o.set(changes), (err) => err instanceof HyperparameterError && err.message.startsWith(name), JSON.stringify(changes));
    assert.deepEqual(o.stateDict(), before);
    assert.ok(sameBits(ps.param('w'), pBefore));
    o.free();
  }
  await e.dispose();
});

test('Adafactor resumes exactly from its state dict (factored rows/columns, vector moments, exp_avg); bad dicts change nothing', async () => {
  const e = await init({ threads: 1 });
  const spec = { w: [6, 5], b: 7 }, h = { beta1: 0.9, weightDecay: 0.01 };
  const a = new ParamSet(e, spec), b = new ParamSet(e, spec);
  a.setParam('w', randomArray(30, 1)); a.setParam('b', randomArray(7, 2));
  const oa = new Adafactor(a, h);
  const go = (ps, o, k) => { const r = rng(500 + k); for (const t of ps.tensors) ps.setGrad(t.name, uniformGrads(k, t.size, r)); o.step(); };
  for (let k = 0; k < 10; k++) go(a, oa, k);
  const sd = oa.stateDict();
  for (const t of a.tensors) b.setParam(t.name, a.param(t.name));
  const ob = new Adafactor(b, h);
  const fresh = ob.stateDict();
  const { exp_avg_sq_col: _c, ...noCol } = sd.state.w;
  assert.throws(() => ob.loadStateDict({ ...sd, state: { ...sd.state, w: noCol } }), StateError);
  assert.throws(() => ob.loadStateDict({ ...sd, state: { ...sd.state, w: { ...sd.state.w, exp_avg_sq_row: new Float32Array(5) } } }), StateError);
  assert.throws(() => ob.loadStateDict({ ...sd, step: -1 }), StateError);
  assert.deepEqual(ob.stateDict(), fresh);
  ob.loadStateDict(sd);
  for (let k = 10; k < 20; k++) { go(a, oa, k); go(b, ob, k); }
  for (const t of a.tensors) assert.ok(sameBits(a.param(t.name), b.param(t.name)), t.name);
  await e.dispose();
});

test('param groups split the tensor table into runs: same-hyperparameter groups give the ungrouped bits, frozen tensors stay put', async () => {
  const e = await init({ threads: 2, splitMin: 8 });
  await e.ready;
  const spec = { a: [9, 7], b: 30, c: [4, 5, 6], d: 3, f: [11, 3] };
  const run = (Cls, opts) => {
    const ps = new ParamSet(e, spec);
    ps.tensors.forEach((t, i) => ps.setParam(t.name, randomArray(t.size, 1 + i)));
    const o = new Cls(ps, opts);
    for (let k = 0; k < 6; k++) { const r = rng(40 + k); for (const t of ps.tensors) ps.setGrad(t.name, uniformGrads(k, t.size, r)); o.step(); }
    const out = Object.fromEntries(ps.tensors.map((t) => [t.name, ps.param(t.name).slice()]));
    o.free(); ps.free();
    return out;
  };
  for (const [Cls, h] of [[LAMB, { lr: 0.01, weightDecay: 0.1 }], [LARS, { lr: 2 }], [NovoGrad, { lr: 0.01 }], [Adafactor, { beta1: 0.9 }]]) {
    const plain = run(Cls, h);
    const grouped = run(Cls, { ...h, groups: [{ params: ['b', 'd'] }, { params: ['f'], frozen: true }] });
    for (const n of ['a', 'b', 'c', 'd']) assert.ok(sameBits(plain[n], grouped[n]), `${Cls.name} ${n}`);
    assert.ok(sameBits(grouped.f, randomArray(33, 5)), `${Cls.name} frozen f`);
  }
  await e.dispose();
});

test('LAMB and LARS trust ratios equal the reference ratios exactly (multi-block tensors, every build)', async () => {
  const spec = { a: 9001, b: [13, 7], c: 4096 * 2 + 4 };
  const e0 = await init({ threads: 1 });
  const pow = (x, y) => e0.pow(x, y), sqrt = (x) => e0.sqrt(x);
  const cases = [[LAMB, { lr: 0.01, weightDecay: 0.1 }, (p, g, s, t) => lambRef(p, g, s, { lr: 0.01, weightDecay: 0.1 }, t, pow, sqrt), (n) => ({ m: z(n), v: z(n) })],
    [LARS, { lr: 3, weightDecay: 0.1 }, (p, g, s) => larsRef(p, g, s, { lr: 3, weightDecay: 0.1 }, sqrt), (n) => ({ m: z(n) })]];
  const want = cases.map(([, , step, mk]) => {
    const ref = Object.values(spec).map((sh, i) => { const n = typeof sh === 'number' ? sh : 91; return { p: randomArray(n, 1 + i), st: mk(n) }; });
    let ratios;
    for (let k = 0; k < 4; k++) { const r = rng(60 + k); ratios = ref.map((x) => step(x.p, uniformGrads(k, x.p.length, r), x.st, k + 1)); }
    return { ref, ratios };
  });
  await e0.dispose();
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    for (const [ci, [Cls, h]] of cases.entries()) {
      const ps = new ParamSet(e, spec);
      ps.tensors.forEach((t, i) => ps.setParam(t.name, randomArray(t.size, 1 + i)));
      const o = new Cls(ps, h);
      for (let k = 0; k < 4; k++) { const r = rng(60 + k); for (const t of ps.tensors) ps.setGrad(t.name, uniformGrads(k, t.size, r)); o.step(); }
      assert.deepEqual(Object.values(o.trustRatios), want[ci].ratios, `${Cls.name} ${JSON.stringify(cfg)}`);
      ps.tensors.forEach((t, i) => assert.ok(sameBits(ps.param(t.name), want[ci].ref[i].p), `${Cls.name} ${t.name}`));
      o.free(); ps.free();
    }
    await e.dispose();
  }
});
