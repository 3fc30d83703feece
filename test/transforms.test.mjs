// Composable (optax-style) transformations and the torch-style helpers: bit for bit against the f32
// references of test/helpers/reference-transforms.mjs in every build (SIMD/scalar × 1/2 threads), chain order,
// masks, non-finite guards, MultiSteps, lookahead/EMA/SWA, typed errors, state round trips.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import {
  init, ParamSet, optax, applyUpdates, chain, scaleByAdam, scaleByLearningRate, addDecayedWeights, masked,
  clipByGlobalNorm, clipByValue, adaptiveGradClip, scaleBySign, scale, scaleBySchedule, scaleByRms, scaleByStddev,
  traceMomentum, ema, skipNonFinite, TransformState, zeroNonFinite, multiSteps, lookahead, identity,
  clipGradValue, clipGradNormAdaptive, guardNonFinite, Lookahead, EMA, SWA,
  SGD, AdamW, HyperparameterError, LengthMismatchError, ForeignBufferError, StateError,
} from '../dist/index.js';
import { R, layout, lookaheadSyncRef, emaTrackRef, runMeanRef } from './helpers/reference-transforms.mjs';
import { randomArray, sameBits, rng } from './helpers/reference.mjs';
import { CONFIGS, SPEC, STEPS, uniformGrads } from './helpers/harness.mjs';

const f = Math.fround;
const L = layout(SPEC);
const ALL = [{ off: 0, n: L.size }];

/** Uniform gradients times 3 (global norms well above the clipping thresholds). */
const big = (k, n, r) => uniformGrads(k, n, r).map((x) => x * 3);
/** Uniform gradients with a NaN and an Inf injected on steps 3, 8, 13, ... of the large tensor. */
const poisoned = (k, n, r) => {
  const g = uniformGrads(k, n, r);
  if (k % 5 === 3 && n > 1000) { g[7] = NaN; g[1000 + k] = -Infinity; g[4098] = Infinity; }
  return g;
};

function setGrads(ps, k, grads) {
  const r = rng(100 + k);
  for (const t of ps.tensors) ps.setGrad(t.name, grads(k, t.size, r));
}

/** Engine trajectory: STEPS updates through `make(e)`, applied; returns the whole flat arena. */
async function txTrajectory(cfg, make, grads) {
  const e = await init(cfg);
  assert.equal(await e.ready, e.info.threads);
  const ps = new ParamSet(e, SPEC);
  let s = 1;
  for (const t of ps.tensors) ps.setParam(t.name, randomArray(t.size, s++));
  const tx = make(e), st = tx.init(ps);
  for (let k = 0; k < STEPS; k++) {
    setGrads(ps, k, grads);
    tx.update(ps.grad, st, ps);
    applyUpdates(ps, ps.grad);
  }
  const out = { p: ps.data.toArray(), sd: st.stateDict() };
  await e.dispose();
  return out;
}

/** The same trajectory through reference transformation `rt` on flat arrays. */
function refTrajectory(rt, grads) {
  const p = new Float32Array(L.size);
  let s = 1;
  for (const t of L.tensors) p.set(randomArray(t.size, s++), t.offset);
  const st = rt.init(L, ALL, p);
  for (let k = 0; k < STEPS; k++) {
    const r = rng(100 + k), u = new Float32Array(L.size);
    for (const t of L.tensors) u.set(grads(k, t.size, r), t.offset);
    rt.update(u, st, p);
    for (let i = 0; i < p.length; i++) p[i] = f(p[i] + u[i]);
  }
  return { p, st };
}

const sel = (re) => (n) => re.test(n);
const lrSched = (c) => 0.02 / (1 + 0.1 * c);
const CASES = [
  ['adam (optax formula)', () => optax.adam({ lr: 0.01 }), (m) => R.chain(R.adam({}, m), R.lr(0.01))],
  ['adam b1/b2/eps/epsRoot', () => optax.adam({ lr: 0.02, b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-8 }),
    (m) => R.chain(R.adam({ b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-8 }, m), R.lr(0.02))],
  ['nadamw (optax nesterov form)', () => optax.nadamw({ lr: 0.01, weightDecay: 0.1, b1: 0.85 }),
    (m) => R.chain(R.adam({ b1: 0.85, nesterov: true }, m), R.decay(0.1), R.lr(0.01))],
  ['nadam', () => optax.nadam({ lr: 0.01 }), (m) => R.chain(R.adam({ nesterov: true }, m), R.lr(0.01))],
  ['adamw decoupled, masked decay, scheduled lr', () => optax.adamw({ lr: lrSched, weightDecay: 0.1, mask: /^(w|big)$/ }),
    (m) => R.chain(R.adam({}, m), R.masked(R.decay(0.1), sel(/^(w|big)$/)), R.lr(lrSched))],
  ['adamw coupled (L2 before Adam)', () => optax.adamw({ lr: 0.01, weightDecay: 0.5, decay: 'coupled' }),
    (m) => R.chain(R.decay(0.5), R.adam({}, m), R.lr(0.01))],
  ['adamw lr-independent', () => optax.adamw({ lr: 0.01, weightDecay: 0.01, decay: 'independent' }),
    (m) => R.chain(R.adam({}, m), R.lr(0.01), R.decay(-0.01))],
  ['sgd nesterov momentum', () => optax.sgd({ lr: 0.05, momentum: 0.9, nesterov: true }), () => R.chain(R.trace({ decay: 0.9, nesterov: true }), R.lr(0.05))],
  ['scaleByRms (eps in sqrt)', () => chain(scaleByRms(), scaleByLearningRate(0.01)), () => R.chain(R.rms(), R.lr(0.01))],
  ['scaleByRms (eps outside, initial scale)', () => chain(scaleByRms({ decay: 0.95, eps: 1e-4, epsInSqrt: false, initialScale: 0.1 }), scaleByLearningRate(0.01)),
    () => R.chain(R.rms({ decay: 0.95, eps: 1e-4, epsInSqrt: false, initialScale: 0.1 }), R.lr(0.01))],
  ['scaleByStddev', () => chain(scaleByStddev({ decay: 0.8, eps: 1e-3 }), scaleByLearningRate(0.01)), () => R.chain(R.stddev({ decay: 0.8, eps: 1e-3 }), R.lr(0.01))],
  ['scaleBySign + scaleBySchedule + scale', () => chain(scaleBySign(), scaleBySchedule((c) => 1 / (c + 1)), scale(-0.01)),
    () => R.chain(R.sign(), R.scale((c) => 1 / (c + 1)), R.scale(-0.01))],
  ['ema (debias) + lr', () => chain(ema({ decay: 0.9 }), scaleByLearningRate(0.01)), (m) => R.chain(R.ema({ decay: 0.9 }, m), R.lr(0.01))],
  ['ema (no debias) + trace', () => chain(ema({ decay: 0.5, debias: false }), traceMomentum({ decay: 0.5 }), scaleByLearningRate(0.01)),
    (m) => R.chain(R.ema({ decay: 0.5, debias: false }, m), R.trace({ decay: 0.5 }), R.lr(0.01))],
  ['clipByValue', () => chain(clipByValue(1.5), scaleByLearningRate(0.01)), () => R.chain(R.clip(1.5), R.lr(0.01)), big],
  ['clipByGlobalNorm + adam', () => chain(clipByGlobalNorm(5), scaleByAdam(), scaleByLearningRate(0.01)),
    (m) => R.chain(R.clipNorm(5, m), R.adam({}, m), R.lr(0.01)), big],
  ['masked clipByGlobalNorm (b, one)', () => chain(masked(clipByGlobalNorm(1), ['b', 'one']), scaleByLearningRate(0.01)),
    (m) => R.chain(R.masked(R.clipNorm(1, m), sel(/^(b|one)$/)), R.lr(0.01)), big],
  ['adaptiveGradClip', () => chain(adaptiveGradClip({ clipping: 0.05 }), scaleByLearningRate(0.1)), (m) => R.chain(R.agc({ clipping: 0.05 }, m), R.lr(0.1)), big],
  ['adaptiveGradClip (some tensors unclipped)', () => chain(adaptiveGradClip({ clipping: 2.2, eps: 0.5 }), scaleByLearningRate(0.1)),
    (m) => R.chain(R.agc({ clipping: 2.2, eps: 0.5 }, m), R.lr(0.1)), big],
  ['addDecayedWeights scheduled, name mask', () => chain(addDecayedWeights((c) => 0.1 * c, { mask: ['w', 'one'] }), scaleByLearningRate(0.01)),
    () => R.chain(R.masked(R.decay((c) => 0.1 * c), sel(/^(w|one)$/)), R.lr(0.01))],
  ['multiSteps(adam, 3)', () => multiSteps(optax.adam({ lr: 0.01 }), 3), (m) => R.multiSteps(R.chain(R.adam({}, m), R.lr(0.01)), 3)],
  ['lookahead(sgd momentum, 4, 0.5)', () => lookahead(optax.sgd({ lr: 0.05, momentum: 0.9 }), { syncPeriod: 4, alpha: 0.5 }),
    () => R.lookahead(R.chain(R.trace({ decay: 0.9 }), R.lr(0.05)), { syncPeriod: 4, alpha: 0.5 })],
  ['zeroNonFinite + adam (NaN/Inf injected)', () => chain(zeroNonFinite(), optax.adam({ lr: 0.01 })), (m) => R.chain(R.zero(), R.chain(R.adam({}, m), R.lr(0.01))), poisoned],
  ['skipNonFinite(adam) (NaN/Inf injected)', () => skipNonFinite(optax.adam({ lr: 0.01 })), (m) => R.skip(R.chain(R.adam({}, m), R.lr(0.01))), poisoned],
];

for (const [name, make, makeRef, grads = uniformGrads] of CASES) {
  test(`${name}: bit for bit with the f32 reference in every build`, async () => {
    const e = await init({ threads: 1 });
    const m = { pow: (x, y) => e.pow(x, y), sqrt: (x) => e.sqrt(x) };
    const ref = refTrajectory(makeRef(m), grads);
    await e.dispose();
    assert.ok(ref.p.every(Number.isFinite));
    for (const cfg of CONFIGS) {
      const got = await txTrajectory(cfg, make, grads);
      assert.ok(sameBits(got.p, ref.p), `config ${JSON.stringify(cfg)}`);
    }
  });
}

test('skip/zero counters: NaN/Inf counted, skipped steps counted, inner state unchanged on a skipped step', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, SPEC);
  ps.setParam('big', randomArray(4099, 3));
  const tx = skipNonFinite(optax.adam({ lr: 0.01 })), st = tx.init(ps);
  const z = chain(zeroNonFinite()), zs = z.init(ps);
  for (let k = 0; k < 10; k++) {
    setGrads(ps, k, poisoned);
    const before = st.stateDict(), p0 = ps.data.toArray();
    tx.update(ps.grad, st, ps);
    const sd = st.stateDict();
    if (k % 5 === 3) {
      assert.equal(sd.tree.scalars.nonFinite, 3);
      assert.deepEqual(sd.tree.inner, before.tree.inner, 'inner state untouched');
      assert.ok(ps.grad.array.every((x) => x === 0));
    } else assert.equal(sd.tree.scalars.nonFinite, 0);
    applyUpdates(ps, ps.grad);
    if (k % 5 === 3) assert.ok(sameBits(ps.data.array, p0), 'parameters untouched');
    setGrads(ps, k, poisoned);
    z.update(ps.grad, zs);
    assert.equal(e.countNonFinite(ps.grad), 0);
  }
  assert.equal(st.scalars.skipped, 2);
  assert.equal(st.inner[0].inner[0].scalars.count, 8);
  assert.deepEqual(zs.inner[0].scalars, { zeroed: 6, last: 0 });
  await e.dispose();
});

test('chain order: chain(a, b) is a then b with their own states; decay before/after Adam differ', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 37, b: 3 });
  ps.setParam('w', randomArray(37, 2)); ps.setParam('b', [1, -2, 3]);
  const a = scaleByAdam(), b = addDecayedWeights(0.3), c = scaleByLearningRate(0.1);
  const ab = chain(a, b, c), ba = chain(b, a, c);
  const sab = ab.init(ps), sba = ba.init(ps), sa = a.init(ps), sb = b.init(ps), sc = c.init(ps);
  const u1 = e.alloc(ps.size), u2 = e.alloc(ps.size), u3 = e.alloc(ps.size);
  for (let k = 0; k < 5; k++) {
    setGrads(ps, k, uniformGrads);
    for (const u of [u1, u2, u3]) u.set(ps.grad.array);
    ab.update(u1, sab, ps); ba.update(u2, sba, ps);
    a.update(u3, sa, ps); b.update(u3, sb, ps); c.update(u3, sc, ps);
    assert.ok(sameBits(u1.array, u3.array));
    assert.ok(!sameBits(u1.array, u2.array));
  }
  assert.ok(sameBits(sab.inner[0].buffers.mu.array, sa.buffers.mu.array));
  await e.dispose();
});

test('a user-defined transformation (init + update, no check) composes with chain', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 6 });
  const double = { kind: 'double', init: (p, runs) => new TransformState('double', p, runs ?? [{ off: 0, n: p.size }]), update: (u) => e.run('scale_f32', u.length, [u.ptr, 2]) };
  const tx = chain(double, scaleByLearningRate(0.5)), st = tx.init(ps);
  ps.setGrad('w', [1, 2, 3, 4, 5, 6]);
  tx.update(ps.grad, st);
  assert.deepEqual([...ps.gradOf('w')], [-1, -2, -3, -4, -5, -6]);
  assert.deepEqual(st.stateDict().tree.inner.map((n) => n.kind), ['double', 'scale_by_learning_rate']);
  await e.dispose();
});

test('masks: names, RegExp and predicate select the same tensors; unselected updates pass through bit for bit', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, SPEC);
  setGrads(ps, 0, uniformGrads);
  const g = ps.grad.toArray();
  const outs = [['w', 'one'], /^(w|one)$/, (n) => n === 'w' || n === 'one'].map((mask) => {
    const tx = masked(chain(scaleByAdam(), scaleByLearningRate(0.1)), mask), st = tx.init(ps);
    const u = e.alloc(ps.size); u.set(g);
    tx.update(u, st, ps);
    const nu = st.inner[0].inner[0].buffers.nu.array;
    for (const t of ps.tensors) {
      const inside = t.name === 'w' || t.name === 'one';
      const got = u.array.subarray(t.offset, t.offset + t.size), was = g.subarray(t.offset, t.offset + t.size);
      assert.equal(sameBits(got, was), !inside, t.name);
      assert.equal(nu.subarray(t.offset, t.offset + t.size).some((x) => x !== 0), inside, `${t.name} state`);
    }
    return u.toArray();
  });
  assert.ok(sameBits(outs[0], outs[1]) && sameBits(outs[0], outs[2]));
  // nested masks intersect
  const tx = masked(masked(scale(0), /^(w|b)$/), ['b', 'big']), st = tx.init(ps), u = e.alloc(ps.size);
  u.set(g); tx.update(u, st);
  for (const t of ps.tensors) assert.equal(u.array.subarray(t.offset, t.offset + t.size).every((x) => x === 0), t.name === 'b', t.name);
  await e.dispose();
});

test('multiSteps: zeros between boundaries; k equal micro-gradients give exactly one inner step; mean within rounding of sum/k', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 21 });
  const k = 4, inner = () => optax.adam({ lr: 0.01 });
  const acc = multiSteps(inner(), k), sa = acc.init(ps), one = inner(), so = one.init(ps);
  const u = e.alloc(ps.size), v = e.alloc(ps.size);
  for (let step = 0; step < 3; step++) {
    const gs = Array.from({ length: k }, (_, j) => randomArray(21, 50 + 10 * step + j));
    const same = randomArray(21, 90 + step);
    // (a) identical micro-gradients: the running mean is exact, so the result equals one inner step
    const s2 = multiSteps(inner(), k).init(ps), o2 = inner().init(ps);
    for (let j = 0; j < k; j++) {
      u.array.set(same);
      multiSteps(inner(), k).update(u, s2, ps);
      if (j < k - 1) assert.ok(u.array.every((x) => x === 0));
    }
    v.array.set(same); inner().update(v, o2, ps);
    assert.ok(sameBits(u.array, v.array));
    // (b) different micro-gradients: one inner step with their mean (sum/k up to f32 rounding)
    for (let j = 0; j < k; j++) { u.array.set(gs[j]); acc.update(u, sa, ps); }
    const mean = new Float32Array(21).map((_, i) => gs.reduce((s, g) => s + g[i], 0) / k);
    v.array.set(mean); one.update(v, so, ps);
    for (let i = 0; i < 21; i++) assert.ok(Math.abs(u.array[i] - v.array[i]) <= 1e-4 * Math.abs(v.array[i]) + 1e-9, `${i}: ${u.array[i]} vs ${v.array[i]}`);
    assert.equal(sa.scalars.gradientStep, step + 1);
    assert.equal(sa.scalars.miniStep, 0);
  }
  await e.dispose();
});

test('sgd chain is bit-identical to the SGD class; adamw chain agrees with the fused AdamW class within rounding', async () => {
  const e = await init({ threads: 1 });
  const run = (make) => {
    const ps = new ParamSet(e, SPEC);
    let s = 1;
    for (const t of ps.tensors) ps.setParam(t.name, randomArray(t.size, s++));
    const o = make(ps);
    for (let k = 0; k < STEPS; k++) { setGrads(ps, k, uniformGrads); o(); }
    const out = ps.data.toArray(); ps.free(); return out;
  };
  const chained = (tx) => (ps) => { const st = tx.init(ps); return () => { tx.update(ps.grad, st, ps); applyUpdates(ps, ps.grad); }; };
  const cls = (C, h) => (ps) => { const o = new C(ps, h); return () => o.step(); };
  for (const nesterov of [false, true]) {
    assert.ok(sameBits(run(chained(optax.sgd({ lr: 0.05, momentum: 0.9, nesterov }))), run(cls(SGD, { lr: 0.05, momentum: 0.9, nesterov }))));
  }
  assert.ok(sameBits(run(chained(optax.sgd({ lr: 0.05 }))), run(cls(SGD, { lr: 0.05 }))));
  // The fused class folds √(1−β2ᵗ)/(1−β1ᵗ) into one division, accumulates v as (v·β2) + ((1−β2)·g)·g
  // instead of optax's (1−β2)·g² + β2·v and decays p first as p·(1 − lr·λ): the same update in exact
  // arithmetic, a few f32 roundings apart per step, so not bit-identical.
  const a = run(chained(optax.adamw({ lr: 0.01, weightDecay: 0.1 }))), b = run(cls(AdamW, { lr: 0.01, weightDecay: 0.1 }));
  // Bound: a few ulp of max(1, |p|) per step, accumulated over the STEPS steps.
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  assert.ok(worst <= 2 * STEPS * 2 ** -23, `difference ${worst}`);
  if (process.env.SHOW_DIFF) console.log(`adamw chain vs fused AdamW: max |diff|/max(1,|p|) = ${worst} (${worst / 2 ** -23} ulp of 1)`);
  assert.ok(!sameBits(a, b) || worst === 0);
  await e.dispose();
});

test('lookahead transform: fast weights land on the slow weights at each sync (to one rounding), slow state matches the reference', async () => {
  const e = await init({ threads: 1 });
  const m = { pow: (x, y) => e.pow(x, y), sqrt: (x) => e.sqrt(x) };
  const ref = refTrajectory(R.lookahead(R.chain(R.adam({}, m), R.lr(0.05)), { syncPeriod: 5, alpha: 0.3 }), uniformGrads);
  const got = await txTrajectory({ threads: 1 }, () => lookahead(optax.adam({ lr: 0.05 }), { syncPeriod: 5, alpha: 0.3 }), uniformGrads);
  assert.ok(sameBits(got.p, ref.p));
  for (const t of L.tensors) {
    assert.ok(sameBits(got.sd.tree.state[t.name].slow, ref.st.slow.subarray(t.offset, t.offset + t.size)));
    // STEPS = 25 is a sync step: fast == slow up to the one rounding of p + (φ − p)
    const p = got.p.subarray(t.offset, t.offset + t.size), s = got.sd.tree.state[t.name].slow;
    for (let i = 0; i < t.size; i++) assert.ok(Math.abs(p[i] - s[i]) <= 2 ** -22 * Math.max(1, Math.abs(s[i])), `${p[i]} vs ${s[i]}`);
  }
  await e.dispose();
});

test('Lookahead, EMA and SWA wrappers match their references in every build', async () => {
  const e0 = await init({ threads: 1 });
  const pow = (x, y) => e0.pow(x, y);
  // references (flat arena with SGD momentum as the inner optimizer: same bits as optax.sgd)
  const p = new Float32Array(L.size);
  let s = 1;
  for (const t of L.tensors) p.set(randomArray(t.size, s++), t.offset);
  const sgdRef = R.chain(R.trace({ decay: 0.9 }), R.lr(0.05)), sst = sgdRef.init(L, ALL, p);
  const slow = Float32Array.from(p), ema1 = Float32Array.from(p), ema2 = new Float32Array(L.size), swa = new Float32Array(L.size);
  let n = 0;
  for (let k = 0; k < STEPS; k++) {
    const r = rng(100 + k), u = new Float32Array(L.size);
    for (const t of L.tensors) u.set(uniformGrads(k, t.size, r), t.offset);
    sgdRef.update(u, sst, p);
    for (let i = 0; i < p.length; i++) p[i] = f(p[i] + u[i]);
    if ((k + 1) % 3 === 0) lookaheadSyncRef(p, slow, 0.5);
    emaTrackRef(p, ema1, 0.9); emaTrackRef(p, ema2, 0.8);
    if (k + 1 > 5 && (k + 1 - 5) % 2 === 0) runMeanRef(swa, p, ++n);
  }
  const bc = f(1 - pow(0.8, STEPS)), deb = ema2.map((x) => f(x / bc));
  await e0.dispose();
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const ps = new ParamSet(e, SPEC);
    let q = 1;
    for (const t of ps.tensors) ps.setParam(t.name, randomArray(t.size, q++));
    const la = new Lookahead(new SGD(ps, { lr: 0.05, momentum: 0.9 }), { k: 3, alpha: 0.5 });
    const em = new EMA(ps, { decay: 0.9 }), ed = new EMA(ps, { decay: 0.8, debias: true }), sw = new SWA(ps, { every: 2, start: 5 });
    for (let k = 0; k < STEPS; k++) { setGrads(ps, k, uniformGrads); la.step(); em.update(); ed.update(); sw.update(); }
    assert.ok(sameBits(ps.data.array, p), `lookahead ${JSON.stringify(cfg)}`);
    assert.equal(sw.averaged, n);
    const out = e.alloc(ps.size);
    em.copyTo(out); assert.ok(sameBits(out.array, ema1), 'ema');
    ed.copyTo(out); assert.ok(sameBits(out.array, deb), 'ema debiased');
    sw.copyTo(out); assert.ok(sameBits(out.array, swa), 'swa');
    sw.copyTo(); assert.ok(sameBits(ps.data.array, swa), 'swa into params');
    await e.dispose();
  }
});

test('behaviour: adam chain minimises a quadratic; global-norm clip leaves norm maxNorm; AGC caps ‖g‖/‖p‖; SWA of a constant is that constant', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { x: 10 });
  ps.setParam('x', randomArray(10, 1, 5));
  const tx = optax.adamw({ lr: 0.1, weightDecay: 0 }), st = tx.init(ps);
  for (let k = 0; k < 300; k++) { ps.setGrad('x', ps.param('x').map((v) => 2 * v)); tx.update(ps.grad, st); applyUpdates(ps, ps.grad); }
  assert.ok(ps.param('x').every((v) => Math.abs(v) < 0.05));
  ps.setGrad('x', randomArray(10, 2, 100));
  clipByGlobalNorm(3).update(ps.grad, clipByGlobalNorm(3).init(ps));
  assert.ok(Math.abs(Math.sqrt(e.sumSquares(ps.grad)) - 3) < 1e-5);
  ps.setParam('x', new Float32Array(10).fill(1)); ps.setGrad('x', new Float32Array(10).fill(50));
  assert.equal(clipGradNormAdaptive(ps, { clipping: 0.1 }), 1);
  assert.ok(Math.abs(Math.sqrt(e.sumSquares(ps.grad)) / Math.sqrt(10) - 0.1) < 1e-6);
  const sw = new SWA(ps);
  for (let k = 0; k < 7; k++) sw.update();
  const out = e.alloc(ps.size); sw.copyTo(out);
  assert.ok(out.array.subarray(0, 10).every((x) => x === 1));
  await e.dispose();
});

test('Lookahead wrapper: a step skipped by the optimizer (nonFinite: skip) does not count towards k', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 5 });
  ps.setParam('w', [1, 2, 3, 4, 5]);
  const la = new Lookahead(new SGD(ps, { lr: 0.1, nonFinite: 'skip' }), { k: 2, alpha: 0.5 });
  ps.setGrad('w', [1, 1, 1, 1, 1]); la.step();
  ps.setGrad('w', [NaN, 1, 1, 1, 1]); la.step();
  assert.equal(la.stepCount, 1);
  assert.equal(la.optimizer.skippedSteps, 1);
  ps.setGrad('w', [1, 1, 1, 1, 1]); la.step();
  assert.equal(la.stepCount, 2);
  // synced: slow = 1 + 0.5·((1 − 0.2) − 1) = 0.9 (f32)
  assert.equal(ps.param('w')[0], f(f(1) + f(f(0.5) * f(f(f(1 - f(0.1)) - f(0.1)) - 1))));
  await e.dispose();
});

test('torch-style helpers: clipGradValue, guardNonFinite (skip/zero) with counts', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { a: 6, b: 3 });
  ps.setGrad('a', [1, -5, 0.5, NaN, Infinity, -Infinity]); ps.setGrad('b', [2, -0.1, 3]);
  assert.deepEqual(guardNonFinite(ps, 'skip'), { nonFinite: 3, skip: true });
  assert.ok(Number.isNaN(ps.gradOf('a')[3]), 'skip leaves gradients alone');
  assert.deepEqual(guardNonFinite(ps, 'zero'), { nonFinite: 3, skip: false });
  assert.deepEqual([...ps.gradOf('a')], [1, -5, 0.5, 0, 0, 0]);
  assert.deepEqual(guardNonFinite(ps), { nonFinite: 0, skip: false });
  clipGradValue(ps, 1);
  assert.deepEqual([...ps.gradOf('a')], [1, -1, 0.5, 0, 0, 0]);
  assert.deepEqual([...ps.gradOf('b')], [1, f(-0.1), 1]);
  await e.dispose();
});

test('typed errors: bad options name the option; wrong-length, foreign or wrong-state buffers refused with state unchanged', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9 });
  const BAD = [
    [() => scaleByAdam({ b1: 1 }), 'b1'], [() => scaleByAdam({ b2: -0.1 }), 'b2'], [() => scaleByAdam({ eps: NaN }), 'eps'], [() => scaleByAdam({ epsRoot: -1 }), 'epsRoot'], [() => scaleByAdam({ nesterov: 1 }), 'nesterov'],
    [() => scaleByLearningRate(-1), 'lr'], [() => scaleByLearningRate('x'), 'lr'], [() => scale(Infinity), 'stepSize'], [() => scaleBySchedule(3), 'schedule'],
    [() => scaleByRms({ decay: 2 }), 'decay'], [() => scaleByRms({ epsInSqrt: 1 }), 'epsInSqrt'], [() => scaleByStddev({ eps: -1 }), 'eps'],
    [() => traceMomentum({ decay: -0.5 }), 'decay'], [() => traceMomentum({ decay: 0.9, nesterov: 'yes' }), 'nesterov'],
    [() => ema({ decay: 1 }), 'decay'], [() => ema({ decay: 0.9, debias: 0 }), 'debias'],
    [() => clipByValue(-1), 'maxDelta'], [() => clipByGlobalNorm(0), 'maxNorm'], [() => adaptiveGradClip({ clipping: 0 }), 'clipping'], [() => adaptiveGradClip({ clipping: 1, eps: -1 }), 'eps'],
    [() => addDecayedWeights(NaN), 'weightDecay'], [() => masked(identity(), 42), 'mask'], [() => multiSteps(identity(), 0), 'k'], [() => multiSteps(identity(), 2.5), 'k'],
    [() => lookahead(identity(), { syncPeriod: 0, alpha: 0.5 }), 'syncPeriod'], [() => lookahead(identity(), { syncPeriod: 2, alpha: 1.5 }), 'alpha'],
    [() => optax.adamw({ decay: 'sideways' }), 'decay'], [() => optax.sgd({}), 'lr'], [() => optax.sgd({ lr: 0.1, nesterov: true }), 'nesterov'],
    [() => chain(identity(), 3), 'chain'], [() => new Lookahead(new SGD(ps, { lr: 0.1 }), { k: 0 }), 'k'], [() => new Lookahead(new SGD(ps, { lr: 0.1 }), { alpha: -1 }), 'alpha'],
    [() => new EMA(ps, { decay: 1.5 }), 'decay'], [() => new EMA(ps, { decay: 1, debias: true }), 'decay'], [() => new SWA(ps, { every: 0 }), 'every'], [() => new SWA(ps, { start: -1 }), 'start'],
    [() => clipGradValue(ps, -1), 'clipValue'], [() => clipGradNormAdaptive(ps, { clipping: -1 }), 'clipping'], [() => guardNonFinite(ps, 'ignore'), 'mode'],
  ];
  for (const [fn, name] of BAD) {
    assert.throws(fn, (err) => err instanceof HyperparameterError && err.code === 'INVALID_HYPERPARAMETER' && err.message.startsWith(name), name);
  }
  // a schedule that turns bad mid-run: the whole chain refuses before any member writes
  const tx = chain(scaleByAdam(), scaleByLearningRate((c) => (c < 2 ? 0.1 : -1))), st = tx.init(ps);
  ps.setGrad('w', randomArray(9, 1));
  tx.update(ps.grad, st); tx.update(ps.grad, st);
  const before = st.stateDict(), g = ps.grad.toArray();
  assert.throws(() => tx.update(ps.grad, st), (err) => err instanceof HyperparameterError && err.message.startsWith('lr'));
  assert.deepEqual(st.stateDict(), before);
  assert.ok(sameBits(ps.grad.array, g));
  // wrong length, foreign buffer, wrong state
  const short = e.alloc(8);
  assert.throws(() => tx.update(short, st), LengthMismatchError);
  const other = await init({ threads: 1 });
  assert.throws(() => tx.update(other.alloc(ps.size), st), ForeignBufferError);
  assert.throws(() => applyUpdates(ps, short), LengthMismatchError);
  assert.throws(() => tx.update(ps.grad, scaleByAdam().init(ps)), StateError);
  assert.throws(() => scaleByAdam().update(ps.grad, st), StateError);
  assert.throws(() => tx.update(ps.grad, st, new ParamSet(e, { w: 13 })), LengthMismatchError);
  assert.deepEqual(st.stateDict(), before);
  await other.dispose();
  await e.dispose();
});

test('state round trip: a resumed composite transformation continues bit for bit; bad dicts change nothing', async () => {
  const e = await init({ threads: 1 });
  const make = () => skipNonFinite(multiSteps(chain(clipByGlobalNorm(2), lookahead(optax.adamw({ lr: 0.01, weightDecay: 0.1, mask: ['w'] }), { syncPeriod: 3, alpha: 0.5 })), 2));
  const spec = { w: [3, 5], b: 5 };
  const a = new ParamSet(e, spec), b = new ParamSet(e, spec);
  a.setParam('w', randomArray(15, 4)); a.setParam('b', randomArray(5, 5));
  const tx = make(), sa = tx.init(a);
  const go = (ps, st, k) => { setGrads(ps, k, (kk, n, r) => uniformGrads(kk, n, r).map((x) => x * 4)); if (k === 7) ps.gradOf('b')[1] = NaN; tx.update(ps.grad, st, ps); applyUpdates(ps, ps.grad); };
  for (let k = 0; k < 11; k++) go(a, sa, k);
  const sd = sa.stateDict();
  assert.equal(sd.tree.scalars.skipped, 1);
  b.data.set(a.data.array);
  const sb = make().init(b);
  sb.loadStateDict(sd);
  assert.deepEqual(sb.stateDict(), sd);
  for (let k = 11; k < 25; k++) { go(a, sa, k); go(b, sb, k); }
  assert.ok(sameBits(a.data.array, b.data.array));
  // bad dicts: rejected with StateError, nothing written
  const before = sb.stateDict();
  const bad = (mutate) => { const d = structuredClone(sd); mutate(d); return d; };
  const BAD = [
    null, { ...sd, format: 'x' }, { ...sd, version: 2 },
    bad((d) => { d.tree.kind = 'chain'; }), bad((d) => { d.tree.scalars.skipped = -1; }), bad((d) => { d.tree.scalars.extra = 1; }),
    bad((d) => { d.tree.inner[0].state.w.acc = new Float32Array(3); }), bad((d) => { delete d.tree.inner[0].state.b; }),
    bad((d) => { d.tree.inner[0].state.zz = {}; }), bad((d) => { d.tree.inner[0].inner = []; }),
    bad((d) => { d.tree.inner[0].inner[0].inner[1].scalars.count = 0.5; }),
    bad((d) => { d.tree.inner[0].inner[0].inner[1].inner[0].inner[0].state.w.mu = [1, 2]; }),
  ];
  for (const d of BAD) assert.throws(() => sb.loadStateDict(d), StateError);
  assert.deepEqual(sb.stateDict(), before);
  // wrappers
  const o = new Lookahead(new SGD(a, { lr: 0.1, momentum: 0.9 }), { k: 2 }), em = new EMA(a, { decay: 0.9 }), sw = new SWA(a);
  for (let k = 0; k < 3; k++) { setGrads(a, k, uniformGrads); o.step(); em.update(); sw.update(); }
  for (const w of [o, em, sw]) {
    const d = w.stateDict(), cur = JSON.stringify(w.stateDict(), (k, v) => (v instanceof Float32Array ? [...v] : v));
    assert.throws(() => w.loadStateDict({ ...d, state: { ...d.state, w: new Float32Array(2) } }), StateError);
    assert.throws(() => w.loadStateDict({ ...d, scalars: { ...d.scalars, count: -1 } }), StateError);
    assert.equal(JSON.stringify(w.stateDict(), (k, v) => (v instanceof Float32Array ? [...v] : v)), cur);
    w.loadStateDict(d);
  }
  assert.throws(() => o.loadStateDict({ ...o.stateDict(), optimizer: { ...o.stateDict().optimizer, optimizer: 'adam' } }), StateError);
  await e.dispose();
});
