// LowPrecisionAdamW / LowPrecisionSGD: the fused decode → update in f32 → encode passes over bf16/f16
// states and parameters (stochastic rounding keyed by seed, step and arena index, or round to nearest
// even) and the master-weights mode, bit for bit against the f32-exact JS reference of
// test/helpers/reference-lowp.mjs in every build (SIMD/scalar × 1/2 threads); the state dict and state
// file carry the 16-bit slots and resume exactly; corrupt states and bad options are refused, changing nothing.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, LowPrecisionAdamW, LowPrecisionSGD, AdamW, SGD, saveState, loadState, HyperparameterError, StateError, toBfloat16 } from '../dist/index.js';
import { CONFIGS, SPEC } from './helpers/harness.mjs';
import { randomArray, rng, sameBits } from './helpers/reference.mjs';
import { adamw16Ref, sgd16Ref, encRef, decRef } from './helpers/reference-lowp.mjs';

const STEPS = 8;
const CASES = [
  [LowPrecisionAdamW, { lr: 0.01, weightDecay: 0.1, stateDtype: 'bf16', seed: 11 }],
  [LowPrecisionAdamW, { lr: 0.003, betas: [0.8, 0.99], stateDtype: 'f16', paramDtype: 'bf16', maximize: true, seed: 2 ** 45 + 3 }],
  [LowPrecisionAdamW, { lr: 0.02, stateDtype: 'bf16', paramDtype: 'f16', masterWeights: true }],
  [LowPrecisionAdamW, { lr: 0.01, stateDtype: 'bf16', paramDtype: 'bf16', stochasticRounding: false }],
  [LowPrecisionAdamW, { lr: 0.01, stateDtype: 'f32', paramDtype: 'bf16', seed: 5 }],
  [LowPrecisionSGD, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01, stateDtype: 'bf16', paramDtype: 'bf16', seed: 7 }],
  [LowPrecisionSGD, { lr: 0.1, momentum: 0.5, dampening: 0.3, stateDtype: 'f16', masterWeights: true, paramDtype: 'bf16' }],
  [LowPrecisionSGD, { lr: 0.001, paramDtype: 'bf16', stochasticRounding: false }],
];
const settings = (h) => ({ stateDtype: h.stateDtype ?? 'bf16', paramDtype: h.paramDtype ?? 'f32', stochasticRounding: h.stochasticRounding ?? true,
  masterWeights: h.masterWeights ?? false, seed: h.seed ?? 0 });
const grads = (k, n) => { const r = rng(500 + k), g = new Float32Array(n); for (let i = 0; i < n; i++) g[i] = r() * 2 - 1; return g; };

/** The reference over the whole arena (layout from the ParamSet: the rounding is keyed by arena index). */
function referenceRun(Cls, h, layout, size, pow, sqrt) {
  const cfg = settings(h), adam = Cls === LowPrecisionAdamW;
  const st16 = cfg.stateDtype === 'f32' ? () => new Float32Array(size) : () => new Uint16Array(size);
  const st = { p: new Float32Array(size), g: new Float32Array(size), copy: new Uint16Array(size), m: st16(), v: st16(), buf: st16() };
  layout.forEach((t, k) => st.p.set(randomArray(t.size, k + 1), t.offset));
  if (cfg.paramDtype !== 'f32') {
    for (let i = 0; i < size; i++) { st.copy[i] = encRef(cfg.paramDtype, st.p[i], false, 0); if (!cfg.masterWeights) st.p[i] = decRef(cfg.paramDtype, st.copy[i]); }
  }
  const key = [cfg.seed % 2 ** 32, Math.floor(cfg.seed / 2 ** 32)];
  const full = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: adam ? 1e-2 : 0, ...h };
  for (let k = 0; k < STEPS; k++) {
    st.g.fill(0);
    layout.forEach((t) => st.g.set(grads(k * 10 + layout.indexOf(t), t.size), t.offset));
    if (adam) adamw16Ref(size, st, cfg, full, k + 1, key, pow, sqrt); else sgd16Ref(size, st, cfg, full, k + 1, key);
  }
  return st;
}

test('LowPrecisionAdamW and LowPrecisionSGD match the f32-exact reference bit for bit in every build (states, parameters, model copy)', async () => {
  const refs = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg), what = JSON.stringify(cfg);
    for (const [ci, [Cls, h]] of CASES.entries()) {
      const ps = new ParamSet(e, SPEC);
      ps.tensors.forEach((t, k) => ps.setParam(t.name, randomArray(t.size, k + 1)));
      const opt = new Cls(ps, h);
      for (let k = 0; k < STEPS; k++) {
        ps.tensors.forEach((t, ti) => ps.setGrad(t.name, grads(k * 10 + ti, t.size)));
        opt.step();
      }
      const layout = ps.tensors.map((t) => ({ name: t.name, offset: t.offset, size: t.size }));
      refs[ci] ??= referenceRun(Cls, h, layout, ps.size, (a, b) => e.pow(a, b), (a) => e.sqrt(a));
      const ref = refs[ci], sd = opt.stateDict(), s = settings(h);
      for (const t of layout) {
        const sl = (a) => a.slice(t.offset, t.offset + t.size);
        assert.ok(sameBits(ps.param(t.name), sl(ref.p)), `${Cls.name} case ${ci} ${t.name} params ${what}`);
        const slots = Cls === LowPrecisionAdamW ? [['exp_avg', 'm'], ['exp_avg_sq', 'v']] : (h.momentum ? [['momentum_buffer', 'buf']] : []);
        for (const [name, r] of slots) {
          const a = sd.state[t.name][name];
          assert.ok(s.stateDtype === 'f32' ? a instanceof Float32Array : a instanceof Uint16Array, `${name} dtype`);
          assert.deepEqual(Array.from(s.stateDtype === 'f32' ? new Uint32Array(a.buffer) : a), Array.from(s.stateDtype === 'f32' ? new Uint32Array(sl(ref[r]).buffer) : sl(ref[r])),
            `${Cls.name} case ${ci} ${t.name}.${name} ${what}`);
        }
        if (s.paramDtype !== 'f32') {
          assert.deepEqual(Array.from(opt.modelTensor(t.name)), Array.from(sl(ref.copy)), `${Cls.name} case ${ci} ${t.name} model copy ${what}`);
          // Without master weights the ParamSet holds exactly the 16-bit values; with them, the copy is their RNE.
          const back = Array.from(ps.param(t.name), (x) => encRef(s.paramDtype, x, false, 0));
          assert.deepEqual(back, Array.from(opt.modelTensor(t.name)));
        }
      }
      assert.deepEqual(sd.lowPrecision, s);
      opt.free();
      ps.free();
    }
    await e.dispose();
  }
});

test('with f32 storage the fused kernel is AdamW / SGD exactly; bf16 states halve the state bytes', async () => {
  const e = await init({ threads: 1 });
  for (const [Low, Plain, h] of [[LowPrecisionAdamW, AdamW, { lr: 0.01, weightDecay: 0.05 }], [LowPrecisionSGD, SGD, { lr: 0.05, momentum: 0.9, nesterov: true }]]) {
    const a = new ParamSet(e, SPEC), b = new ParamSet(e, SPEC);
    a.tensors.forEach((t, k) => { a.setParam(t.name, randomArray(t.size, k + 1)); b.setParam(t.name, randomArray(t.size, k + 1)); });
    const oa = new Low(a, { ...h, stateDtype: 'f32' }), ob = new Plain(b, h);
    for (let k = 0; k < 6; k++) {
      a.tensors.forEach((t, ti) => { a.setGrad(t.name, grads(k * 10 + ti, t.size)); b.setGrad(t.name, grads(k * 10 + ti, t.size)); });
      oa.step(); ob.step();
    }
    for (const t of a.tensors) assert.ok(sameBits(a.param(t.name), b.param(t.name)), `${Low.name} = ${Plain.name} on ${t.name}`);
    assert.equal(oa.stateBytesPerParam, Low === LowPrecisionAdamW ? 8 : 4);
    assert.equal(new Low(a, h).stateBytesPerParam, Low === LowPrecisionAdamW ? 4 : 2);
  }
  await e.dispose();
});

test('stateDict / saveState round-trip the 16-bit slots and resume bit for bit; corrupt states change nothing', async () => {
  const e = await init({ threads: 1 });
  for (const [Cls, h] of [CASES[1], CASES[5]]) {
    const a = new ParamSet(e, SPEC);
    a.tensors.forEach((t, k) => a.setParam(t.name, randomArray(t.size, k + 1)));
    const oa = new Cls(a, h);
    const go = (ps, o, k) => { ps.tensors.forEach((t, ti) => ps.setGrad(t.name, grads(k * 10 + ti, t.size))); o.step(); };
    for (let k = 0; k < 4; k++) go(a, oa, k);
    const file = saveState(oa, { params: true }), sd = oa.stateDict();
    const b = new ParamSet(e, SPEC), ob = new Cls(b, h);
    loadState(ob, file);
    ob.syncModel();
    const c = new ParamSet(e, SPEC);
    a.tensors.forEach((t) => c.setParam(t.name, a.param(t.name)));
    const oc = new Cls(c, h);
    oc.loadStateDict(sd);
    for (let k = 4; k < 8; k++) { go(a, oa, k); go(b, ob, k); go(c, oc, k); }
    for (const t of a.tensors) {
      assert.ok(sameBits(a.param(t.name), b.param(t.name)) && sameBits(a.param(t.name), c.param(t.name)), `${Cls.name} resume ${t.name}`);
      if (h.paramDtype !== 'f32') assert.deepEqual(ob.modelTensor(t.name), oa.modelTensor(t.name));
    }
    // Corrupt states: each refused with StateError, the optimizer unchanged.
    const slot = Cls === LowPrecisionAdamW ? 'exp_avg_sq' : 'momentum_buffer';
    const good = oa.stateDict(), pBefore = a.param('big').slice();
    const mutate = (f) => { const x = structuredClone(good); f(x); return x; };
    const bad = [
      mutate((x) => { x.lowPrecision.stateDtype = 'f32'; }),
      mutate((x) => { x.lowPrecision.seed = 1; }),
      mutate((x) => { x.lowPrecision.stochasticRounding = !x.lowPrecision.stochasticRounding; }),
      mutate((x) => { delete x.lowPrecision; }),
      mutate((x) => { x.lowPrecision.extra = 1; }),
      mutate((x) => { x.state.big[slot] = new Float32Array(4099); }),
      mutate((x) => { x.state.big[slot] = x.state.big[slot].slice(1); }),
      mutate((x) => { x.state.w[slot][3] = h.stateDtype === 'f16' ? 0x7C00 : 0x7F80; }),          // Inf
      mutate((x) => { x.state.w[slot][4] = h.stateDtype === 'f16' ? 0x7E01 : 0x7FC1; }),          // NaN
      mutate((x) => { delete x.state.b[slot]; }),
      mutate((x) => { x.step = -1; }),
    ];
    if (Cls === LowPrecisionAdamW) bad.push(mutate((x) => { x.state.w.exp_avg_sq[2] = 0xBF80; }));   // a negative second moment
    for (const [i, x] of bad.entries()) {
      assert.throws(() => oa.loadStateDict(x), StateError, `${Cls.name} corrupt state ${i}`);
      assert.deepEqual(oa.stateDict(), good, `unchanged after ${i}`);
    }
    const broken = file.slice(); broken[broken.length - 9] ^= 1;
    assert.throws(() => loadState(oa, broken), StateError);
    assert.deepEqual(oa.stateDict(), good);
    assert.ok(sameBits(a.param('big'), pBefore));
    // Another optimizer's state, and another storage setting.
    assert.throws(() => new LowPrecisionAdamW(new ParamSet(e, SPEC), { stateDtype: 'bf16', seed: 99 }).loadStateDict(good), StateError);
    assert.throws(() => new AdamW(new ParamSet(e, SPEC)).loadStateDict(good), StateError);
  }
  await e.dispose();
});

test('options: HyperparameterError for bad storage settings; model copy access; free', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9 });
  for (const [Cls, base] of [[LowPrecisionAdamW, {}], [LowPrecisionSGD, { lr: 0.1 }]]) {
    for (const bad of [{ stateDtype: 'fp16' }, { paramDtype: 'float32' }, { stochasticRounding: 1 }, { masterWeights: 'yes' }, { seed: -1 }, { seed: 0.5 },
      { masterWeights: true }, { masterWeights: true, paramDtype: 'f32' }, { groups: [{ params: ['w'], stateDtype: 'f32' }] }, { stateDtyp: 'bf16' }]) {
      assert.throws(() => new Cls(ps, { ...base, ...bad }), HyperparameterError, `${Cls.name} ${JSON.stringify(bad)}`);
    }
    const o = new Cls(ps, base);
    assert.throws(() => o.modelTensor('w'), HyperparameterError);
    const m = new Cls(ps, { ...base, paramDtype: 'bf16', masterWeights: true });
    assert.throws(() => m.modelTensor('nope'), HyperparameterError);
    ps.setParam('w', [0.1, 0.2, 0.3, 1, 2, 3, -1, 1e-3, 7]);
    m.syncModel();
    assert.deepEqual(m.modelTensor('w'), toBfloat16(e, ps.param('w')));
    assert.equal(ps.param('w')[0], Math.fround(0.1), 'master weights stay f32');
    const pure = new Cls(ps, { ...base, paramDtype: 'bf16' });
    assert.equal(ps.param('w')[0], 0.10009765625, 'pure bf16 parameters are rounded at construction');
    o.free(); m.free(); pure.free();
    assert.throws(() => m.stateDict());
  }
  await e.dispose();
});
