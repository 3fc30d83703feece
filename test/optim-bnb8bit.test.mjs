// The bitsandbytes 8-bit optimizer classes (Adam8bit, AdamW8bit, Lion8bit, SGD8bit): whole trajectories
// bit for bit against scripts/bnb_dynamic_map.py (bitsandbytes' numerics in torch 1.13) in every build,
// 8-bit and 32-bit state per tensor (min8bitSize, optimBits groups, stableEmbedding), state bytes per
// parameter, the state dict under bitsandbytes' names, its bitsandbytes (torch state_dict) layout, the
// portable state file, and corrupt states rejected with nothing changed.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init, ParamSet, Adam8bit, AdamW8bit, Lion8bit, SGD8bit, AdamW, saveState, loadState, dynamicMap,
  HyperparameterError, StateError, DisposedError } from '../dist/index.js';
import { CONFIGS } from './helpers/harness.mjs';
import { grad, initParam, BLOCK } from './helpers/reference-quant8.mjs';

const FIX = JSON.parse(readFileSync(new URL('./fixtures/bnb-8bit.json', import.meta.url), 'utf8'));
const bits = (a) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const sameF32 = (a, b, what) => assert.deepEqual(bits(a), bits(b), what);
const unb64 = (s, u8) => { const b = Buffer.from(s, 'base64'); const c = new Uint8Array(b); return u8 ? c : new Float32Array(c.buffer); };

/** The class and options of a fixture case (`extra`: min8bitSize, groups, stableEmbedding ...). */
function make(ps, kind, h, extra = {}) {
  if (kind === 'adam') {
    const o = { lr: h.lr, betas: h.betas, eps: h.eps, ...extra };
    return h.weightDecay ? new AdamW8bit(ps, { ...o, weightDecay: h.weightDecay }) : new Adam8bit(ps, o);
  }
  if (kind === 'lion') return new Lion8bit(ps, { lr: h.lr, betas: h.betas, weightDecay: h.weightDecay ?? 0, ...extra });
  return new SGD8bit(ps, { lr: h.lr, momentum: h.momentum, weightDecay: h.weightDecay ?? 0, ...extra });
}

/** Runs `steps` fixture steps (params initParam(n), gradients grad(k, n) per tensor). */
function runSteps(ps, opt, from, to) {
  for (let t = from; t < to; t++) {
    for (const x of ps.tensors) ps.setGrad(x.name, grad(t, x.size));
    opt.step();
  }
}
function setup(e, tensors) {
  const ps = new ParamSet(e, Object.fromEntries(tensors.map((t) => [t.name, t.n])));
  for (const t of tensors) ps.setParam(t.name, initParam(t.n));
  return ps;
}

test('Adam8bit/AdamW8bit/Lion8bit/SGD8bit match bitsandbytes\' numerics bit for bit in every build (8-bit and 32-bit state per tensor)', async () => {
  for (const cfg of CONFIGS) {
    const e = await init({ ...cfg, splitMin: cfg.threads === 2 ? 8 : undefined });
    for (const c of FIX.classes) {
      // 'emb' (≥ 4096 elements, 32-bit in the fixture) is the stable-embedding override; once also as an optimBits: 32 group.
      const variants = [{ stableEmbedding: ['emb'] }];
      if (c.tensors.some((t) => t.name === 'emb')) variants.push({ groups: [{ params: ['emb'], optimBits: 32 }] });
      for (const extra of variants) {
        const ps = setup(e, c.tensors), opt = make(ps, c.kind, c.hyper, extra);
        const what = `${opt.kind} ${JSON.stringify(c.hyper)} ${JSON.stringify(extra)} ${JSON.stringify(cfg)}`;
        for (const t of c.tensors) assert.equal(opt.stateBits(t.name), t.bits, `${what}: ${t.name} state width`);
        runSteps(ps, opt, 0, c.steps);
        const sd = opt.stateDict();
        for (const t of c.tensors) {
          sameF32(ps.param(t.name), unb64(t.param), `${what}: ${t.name} params`);
          const st = sd.state[t.name];
          for (const k of ['state1', 'state2']) {
            if (!t[k]) { assert.equal(st[k], undefined); continue; }
            if (t.bits === 8) { assert.ok(st[k] instanceof Uint8Array); assert.deepEqual(st[k], unb64(t[k], true), `${what}: ${t.name}.${k}`); }
            else { assert.ok(st[k] instanceof Float32Array); sameF32(st[k], unb64(t[k]), `${what}: ${t.name}.${k}`); }
          }
          if (t.bits === 8) {
            sameF32(st.absmax1, unb64(t.absmax1), `${what}: ${t.name}.absmax1`);
            sameF32(st.qmap1, dynamicMap(true));
            if (t.state2) { sameF32(st.absmax2, unb64(t.absmax2)); sameF32(st.qmap2, dynamicMap(false)); }
          } else assert.equal(st.absmax1, undefined);
        }
        opt.free(); ps.free();
      }
    }
    // The kernel-level trajectories (tail blocks of 600 and 1100 elements) through the classes with min8bitSize: 0.
    for (const tr of FIX.trajectories) {
      const ps = setup(e, [{ name: 'x', n: tr.n }]), opt = make(ps, tr.kind, tr.hyper, { min8bitSize: 0 });
      assert.equal(opt.stateBits('x'), 8);
      runSteps(ps, opt, 0, tr.steps);
      const st = opt.stateDict().state.x, what = `${tr.kind} n=${tr.n} ${JSON.stringify(cfg)}`;
      sameF32(ps.param('x'), tr.param, `${what}: params`);
      assert.deepEqual(Array.from(st.state1), tr.state1, `${what}: state1`); sameF32(st.absmax1, tr.absmax1);
      if (tr.kind === 'adam') { assert.deepEqual(Array.from(st.state2), tr.state2); sameF32(st.absmax2, tr.absmax2); }
      opt.free(); ps.free();
    }
    await e.dispose();
  }
});

test('min8bitSize (bitsandbytes\' min_8bit_size = 4096): smaller tensors keep 32-bit state; optimBits and stableEmbedding override', async () => {
  const e = await init();
  const ps = new ParamSet(e, { w: [64, 64], b: 4095, edge: 4096, emb: [100, 50], v: 7 });
  const o = new AdamW8bit(ps);
  assert.deepEqual(ps.tensors.map((t) => o.stateBits(t.name)), [8, 32, 8, 8, 32]);
  assert.equal(o.min8bitSize, 4096);
  o.free();
  const s = new AdamW8bit(ps, { stableEmbedding: /emb/, groups: [{ params: ['w'], optimBits: 32, lr: 1e-2 }] });
  assert.deepEqual(ps.tensors.map((t) => s.stateBits(t.name)), [32, 32, 8, 32, 32]);
  s.free();
  const all8 = new Lion8bit(ps, { min8bitSize: 0 }), all32 = new SGD8bit(ps, { lr: 0.1, momentum: 0.9, optimBits: 32 });
  assert.deepEqual(ps.tensors.map((t) => all8.stateBits(t.name)), [8, 8, 8, 8, 8]);
  assert.deepEqual(ps.tensors.map((t) => all32.stateBits(t.name)), [32, 32, 32, 32, 32]);
  // 32-bit state is the same update unquantized: SGD8bit with optimBits 32 is torch's SGD(momentum) bit for bit.
  all8.free(); all32.free();
  await e.dispose();
});

test('state bytes per parameter: 8-bit Adam ~2 B/param (codes + per-256 absmax), 32-bit AdamW 8; Lion/SGD ~1', async () => {
  const e = await init();
  const n = 1 << 20, ps = new ParamSet(e, { w: [1024, 1024] });
  const a8 = new AdamW8bit(ps), l8 = new Lion8bit(ps), s8 = new SGD8bit(ps, { lr: 0.1, momentum: 0.9 });
  const per = (o) => o.stateBytes / n;
  // codes 2 B + absmax 2·4 B per 256 + block table 8 B per 256 + the two maps (2 KiB) + 8 B of empty 32-bit buffers.
  assert.equal(a8.stateBytes, 2 * n + 8 * (n / 256) + 8 * (n / 256) + 2048 + 8);
  assert.equal(l8.stateBytes, n + 4 * (n / 256) + 8 * (n / 256) + 1024 + 4);
  assert.ok(per(a8) < 2.07 && per(l8) < 1.05 && per(s8) < 1.05, `${per(a8)} ${per(l8)} ${per(s8)}`);
  const a32 = new AdamW8bit(ps, { optimBits: 32 });
  assert.ok(per(a32) >= 8 && per(a32) < 8.1, `${per(a32)}`);
  for (const o of [a8, l8, s8, a32]) o.free();
  await e.dispose();
});

/** A two-tensor setup (one 8-bit, one 32-bit), a few steps in. */
async function trained(Ctor, opts, steps = 3) {
  const e = await init();
  const ps = setup(e, [{ name: 'w', n: 4500 }, { name: 'b', n: 300 }]);
  const opt = new Ctor(ps, opts);
  runSteps(ps, opt, 0, steps);
  return { e, ps, opt };
}
const CASES = [[AdamW8bit, { lr: 1e-2 }], [Adam8bit, { lr: 1e-2, weightDecay: 0.1 }], [Lion8bit, { lr: 1e-3, weightDecay: 0.1 }], [SGD8bit, { lr: 1e-2, momentum: 0.9 }]];

test('stateDict / saveState / bnbStateDict round trips resume bit for bit', async () => {
  for (const [Ctor, opts] of CASES) {
    const { e, ps, opt } = await trained(Ctor, opts);
    const at3 = ps.tensors.map((t) => ps.param(t.name).slice());
    const sd = opt.stateDict(), file = saveState(opt, { params: true }), bnb = opt.bnbStateDict();
    // bitsandbytes' layout: integer ids, step per parameter, its key names; uint8 codes for the 8-bit tensor.
    assert.deepEqual(Object.keys(bnb.state), ['0', '1']);
    assert.equal(bnb.state[0].step, 3);
    assert.ok(bnb.state[0].state1 instanceof Uint8Array && bnb.state[1].state1 instanceof Float32Array);
    assert.deepEqual(Object.keys(bnb.state[0]).sort(), (Ctor === Lion8bit || Ctor === SGD8bit ? ['absmax1', 'qmap1', 'state1', 'step'] : ['absmax1', 'absmax2', 'qmap1', 'qmap2', 'state1', 'state2', 'step']));
    assert.deepEqual(bnb.param_groups[0].params, [0, 1]); assert.deepEqual(bnb.param_groups[0].param_names, ['w', 'b']);
    assert.equal(bnb.param_groups[0].lr, opts.lr);
    // As PyTorch would export it to JSON: plain (number) lists.
    const asJson = JSON.parse(JSON.stringify(bnb, (k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v)));
    runSteps(ps, opt, 3, 6);
    const want = ps.tensors.map((t) => ps.param(t.name).slice()), wantSd = opt.stateDict();
    for (const restore of [(o) => o.loadStateDict(sd), (o) => loadState(o, file), (o) => o.loadBnbStateDict(bnb), (o) => o.loadBnbStateDict(asJson)]) {
      const ps2 = setup(e, [{ name: 'w', n: 4500 }, { name: 'b', n: 300 }]);
      const o2 = new Ctor(ps2, opts);
      // The state dicts restore the optimizer state only: the parameters at step 3 are set by hand (the file has them).
      ps2.tensors.forEach((t, i) => ps2.setParam(t.name, at3[i]));
      restore(o2);
      assert.equal(o2.stepCount, 3);
      runSteps(ps2, o2, 3, 6);
      ps2.tensors.forEach((t, i) => sameF32(ps2.param(t.name), want[i], `${o2.kind} ${restore}: ${t.name}`));
      assert.deepEqual(saveState(o2), saveState(opt));
      assert.deepEqual(o2.stateDict().state, wantSd.state);
      o2.free(); ps2.free();
    }
    // Before the first step the bitsandbytes state is empty (as torch's), and loading it resets to zeros.
    const ps3 = setup(e, [{ name: 'w', n: 4500 }, { name: 'b', n: 300 }]);
    const fresh = new Ctor(ps3, opts);
    assert.deepEqual(fresh.bnbStateDict().state, {});
    const o4 = new Ctor(ps3, opts);
    runSteps(ps3, o4, 0, 2);
    o4.loadBnbStateDict(fresh.bnbStateDict());
    assert.equal(o4.stepCount, 0);
    assert.deepEqual(saveState(o4), saveState(fresh));
    await e.dispose();
  }
});

test('corrupt or mismatched 8-bit states raise StateError and change nothing', async () => {
  const { e, ps, opt } = await trained(AdamW8bit, { lr: 1e-2 });
  const before = saveState(opt, { params: true });
  const sd = () => opt.stateDict();
  const bad = [];
  const edit = (f) => { const s = sd(); f(s.state); bad.push(s); };
  edit((s) => { s.w.state1 = s.w.state1.slice(1); });                       // truncated codes
  edit((s) => { s.w.state1 = Float32Array.from(s.w.state1); });            // 32-bit values for an 8-bit tensor
  edit((s) => { s.b.state1 = Uint8Array.from(s.b.state1); });              // codes for a 32-bit tensor
  edit((s) => { s.w.absmax1[2] = NaN; });
  edit((s) => { s.w.absmax2[0] = -1; });
  edit((s) => { s.w.absmax1 = s.w.absmax1.slice(1); });
  edit((s) => { s.w.qmap1 = dynamicMap(false); });                         // wrong map
  edit((s) => { s.w.qmap2 = s.w.qmap2.slice(0, 255); });
  edit((s) => { delete s.w.absmax2; });
  edit((s) => { s.w.exp_avg = new Float32Array(4500); });                  // torch Adam's slot names
  edit((s) => { s.b.state2[0] = -1; });                                    // negative second moment
  edit((s) => { s.b.absmax1 = new Float32Array(2); });                     // absmax for a 32-bit tensor
  for (const s of bad) assert.throws(() => opt.loadStateDict(s), StateError, JSON.stringify(Object.keys(s.state.w)));
  assert.throws(() => opt.loadStateDict({ ...sd(), optimizer: 'adamw' }), StateError);
  const torchAdam = new AdamW(ps, { lr: 1e-2 });
  assert.throws(() => torchAdam.loadStateDict(sd()), StateError);
  assert.throws(() => opt.loadStateDict(torchAdam.stateDict()), StateError);
  torchAdam.free();
  // bitsandbytes layout: mismatched steps, codes out of range, wrong groups, unknown ids.
  const b = () => opt.bnbStateDict();
  const badBnb = [
    (x) => { x.state[1].step = 2; }, (x) => { x.state[0].state1 = [...x.state[0].state1.slice(1), 256]; },
    (x) => { x.param_groups[0].params = [1, 0]; }, (x) => { x.state[7] = x.state[0]; }, (x) => { x.param_groups[0].betas = [0.9]; },
    (x) => { x.param_groups[0].lr = -1; }, (x) => { delete x.state[1]; }, (x) => { x.state[0].state1 = 'abc'; }, (x) => { x.param_groups = []; },
  ];
  for (const f of badBnb) { const x = b(); f(x); assert.throws(() => opt.loadBnbStateDict(x), StateError, f.toString()); }
  assert.throws(() => opt.loadBnbStateDict(null), StateError);
  // The portable file: a flipped payload byte fails the checksum; a manifest claiming f32 codes fails the dtype check.
  const flipped = before.slice(); flipped[flipped.length - 40] ^= 1;
  assert.throws(() => loadState(opt, flipped), StateError);
  assert.deepEqual(saveState(opt, { params: true }), before, 'nothing changed');
  await e.dispose();
});

test('bad options raise HyperparameterError; free() releases everything once', async () => {
  const e = await init();
  const ps = new ParamSet(e, { w: 5000, b: 10 });
  const bad = [
    () => new AdamW8bit(ps, { optimBits: 16 }), () => new AdamW8bit(ps, { min8bitSize: -1 }), () => new AdamW8bit(ps, { min8bitSize: 1.5 }),
    () => new Adam8bit(ps, { stableEmbedding: 5 }), () => new Adam8bit(ps, { amsgrad: true }), () => new Adam8bit(ps, { betas: [1, 0.9] }),
    () => new Adam8bit(ps, { eps: 0 }), () => new Lion8bit(ps, { betas: [0.9, 1] }), () => new Lion8bit(ps, { lr: -1 }),
    () => new SGD8bit(ps, { lr: 0.1, momentum: 0 }), () => new SGD8bit(ps, { lr: 0.1 }), () => new SGD8bit(ps, { lr: 0.1, momentum: 0.9, nesterov: true }),
    () => new AdamW8bit(ps, { groups: [{ params: ['b'], optimBits: 4 }] }), () => new AdamW8bit(ps, { groups: [{ params: ['b'], min8bitSize: 1 }] }),
    () => new AdamW8bit(ps, { groups: 3 }), () => new AdamW8bit(ps, { lr: 'x' }),
  ];
  const used = e.memory?.used;
  for (const f of bad) assert.throws(f, HyperparameterError, f.toString());
  const o = new AdamW8bit(ps);
  assert.throws(() => o.set({ lr: -1 }), HyperparameterError);
  o.set({ lr: 0.5 }); assert.equal(o.hyperparameters.lr, 0.5);
  o.free();
  assert.throws(() => o.step(), DisposedError); assert.throws(() => o.free(), DisposedError); assert.throws(() => o.stateBytes, DisposedError);
  if (used !== undefined) assert.equal(e.memory.used, used);
  await e.dispose();
});
