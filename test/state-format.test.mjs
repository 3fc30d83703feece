// The binary state file (src/optim/state-format.ts): round trip and exact resume for every optimizer,
// generic extra fields, and every way a file can be wrong (StateError, nothing changed, bit for bit).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc } from 'node:zlib';
import * as so from '../dist/index.js';
import { randomArray, rng, sameBits } from './helpers/reference.mjs';

const { init, ParamSet, saveState, loadState, readStateManifest, StateError } = so;
const SPEC = { 'enc.w': [13, 7], 'enc.b': 7, head: [6, 5], one: 1 };

/** Options per optimizer (AMSGrad / momentum variants where they add state, groups where cheap); others use {}. */
const OPTIONS = [
  ['SGD', { lr: 0.05, momentum: 0.9 }],
  ['Adam', { lr: 0.01, amsgrad: true }],
  ['AdamW', { lr: 0.01, groups: [{ params: /\.b$/, weightDecay: 0 }] }],
  ['Adagrad', { lr: 0.1 }],
  ['RMSprop', { lr: 0.01, centered: true, momentum: 0.5 }],
  ['Adadelta', {}],
  ['Rprop', {}],
  ['Adamax', {}],
  ['NAdam', { lr: 0.01 }],
  ['RAdam', { lr: 0.01 }],
  ['Lion', { lr: 1e-3 }],
  ['ScheduleFreeSGD', { lr: 0.05 }],
  ['ScheduleFreeAdamW', { lr: 0.01, groups: [{ params: ['head'], lr: 0.02 }] }],
  ['LAMB', {}],
  ['LARS', {}],
  ['NovoGrad', {}],
  ['Adafactor', {}],
  ['ASGD', { lr: 0.01 }],
  ['Prodigy', {}],
  ['DoG', {}],
  ['LowPrecisionSGD', { lr: 0.05, momentum: 0.9, paramDtype: 'bf16' }],
  ['LowPrecisionAdamW', { lr: 0.01, stateDtype: 'bf16', paramDtype: 'f16', masterWeights: true }],
  ['SGD8bit', { lr: 0.05, momentum: 0.9, min8bitSize: 8 }],
  ['AdamW8bit', { lr: 0.01, min8bitSize: 8 }],
  ['Lion8bit', { lr: 1e-3, min8bitSize: 8 }],
];
/** Every exported Optimizer subclass, so that a new optimizer is covered without touching this file. */
/** A diagonal Hessian (H = diag(1 + i mod 3)) for the curvature optimizers. */
const hvp = (v, out) => { for (let i = 0; i < v.length; i++) out[i] = v[i] * (1 + (i % 3)); };
const CASES = Object.entries(so).filter(([, v]) => typeof v === 'function' && v.prototype instanceof so.Optimizer && v !== so.HvpOptimizer)
  .concat(so.LBFGS ? [['LBFGS', so.LBFGS]] : [])
  .map(([name, C]) => [name, { ...(OPTIONS.find(([n]) => n === name)?.[1] ?? {}), ...(C.prototype instanceof so.HvpOptimizer ? { hvp } : {}) }]);

function fill(ps, seed) {
  let s = seed;
  for (const t of ps.tensors) ps.setParam(t.name, randomArray(t.size, s++));
}
function go(ps, opt, k) {
  const r = rng(900 + k);
  for (const t of ps.tensors) ps.setGrad(t.name, Float32Array.from({ length: t.size }, () => r() * 2 - 1));
  if (so.SANIA && opt instanceof so.SANIA) opt.step(1 / (k + 1));   // SANIA: step(loss)
  else if (so.LBFGS && opt instanceof so.LBFGS) opt.step(() => quadratic(ps, k));
  else opt.step();
}
/** LBFGS's closure: loss ½Σ w(p − t)² with seeded t and w per step, gradient into the grad buffer. */
function quadratic(ps, k) {
  let loss = 0;
  for (const t of ps.tensors) {
    const p = ps.param(t.name), g = ps.gradOf(t.name), tr = rng(300 + k), wr = rng(400);
    for (let i = 0; i < p.length; i++) { const d = p[i] - (tr() - 0.5), w = 0.5 + wr(); g[i] = w * d; loss += 0.5 * w * d * d; }
  }
  return loss;
}
const eq = (a, b) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

test('the case list covers every optimizer', () => assert.ok(CASES.length >= 20, CASES.map(([n]) => n).join(', ')));

test('every optimizer: save -> load into a fresh one -> identical bytes and bit-exact continuation', async () => {
  const done = [];
  const e = await init({ threads: 1 });
  for (const [name, h] of CASES) {
    const a = new ParamSet(e, SPEC), b = new ParamSet(e, SPEC);
    fill(a, 3); fill(b, 50);
    const oa = new so[name](a, h), ob = new so[name](b, h);
    for (let k = 0; k < 7; k++) go(a, oa, k);
    const file = saveState(oa, { params: true });
    loadState(ob, file);
    assert.ok(eq(saveState(ob, { params: true }), file), `${name}: re-saved file differs`);
    assert.equal(ob.stepCount ?? ob.stateDict().step, 7, name);
    for (let k = 7; k < 14; k++) { go(a, oa, k); go(b, ob, k); }
    for (const t of a.tensors) assert.ok(sameBits(a.param(t.name), b.param(t.name)), `${name}: ${t.name} diverged after resume`);
    assert.ok(eq(saveState(oa), saveState(ob)), `${name}: state differs after resume`);
    oa.free(); ob.free(); a.free(); b.free();
    done.push(name);
  }
  console.log(`state file round trip: ${done.join(', ')}`);
  await e.dispose();
});

test('layout: magic, version, 16-byte aligned payload, zlib CRC-32, manifest contents', async () => {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, SPEC);
  fill(ps, 1);
  const opt = new so.AdamW(ps, { lr: so.constantSchedule(0.01), groups: [{ params: /\.b$/, weightDecay: 0 }] });
  for (let k = 0; k < 3; k++) go(ps, opt, k);
  const f = saveState(opt);
  assert.equal(new TextDecoder().decode(f.subarray(0, 7)), 'SIMDOPT');
  const dv = new DataView(f.buffer);
  assert.equal(dv.getUint32(8, true), so.STATE_FILE_VERSION);
  assert.equal(dv.getUint32(24, true), f.length);
  assert.equal(dv.getUint32(f.length - 4, true), zlibCrc(f.subarray(0, f.length - 4)));
  const { manifest: m, payload } = readStateManifest(e, f);
  assert.equal(payload.byteOffset % 16, 0);
  assert.equal(m.format, so.STATE_FILE_FORMAT);
  assert.equal(m.optimizer, 'adamw');
  assert.equal(m.step, 3);
  assert.deepEqual(m.groups.map((g) => g.params), [['enc.w', 'head', 'one'], ['enc.b']]);
  assert.equal(m.groups[1].hyper.weightDecay, 0);
  assert.deepEqual(m.tensors.map((t) => [t.name, t.shape, t.slots]), Object.entries(SPEC).map(([n, s]) => [n, [s].flat(), ['exp_avg', 'exp_avg_sq']]));
  for (const t of m.tensors) for (const x of t.entries) assert.equal(x.offset % 16, 0);
  assert.ok(m.tensors.every((t) => t.param === undefined), 'no params unless asked');
  const ea = m.tensors[0].entries[0];
  assert.ok(sameBits(new Float32Array(payload.slice(ea.offset, ea.offset + ea.bytes).buffer), opt.stateDict().state['enc.w'].exp_avg));
  await e.dispose();
});

test('extra state-dict fields are carried generically: typed arrays, NaN, ±Infinity, -0, nesting', async () => {
  const e = await init({ threads: 1 });
  const extra = { v: new Float64Array([1 / 3, -0, NaN]), c: new Uint8Array([1, 2, 3]), x: [-0, Infinity, -Infinity, NaN, 0.1, { deep: true, s: 'ok' }] };
  class Custom extends so.SGD {
    got = null;
    stateDict() { return { ...super.stateDict(), scalars: extra, counter: 42 }; }
    loadStateDict(sd) { super.loadStateDict(sd); this.got = sd; }
  }
  const a = new ParamSet(e, SPEC), b = new ParamSet(e, SPEC);
  const oa = new Custom(a, { lr: 0.1 }), ob = new Custom(b, { lr: 0.1 });
  loadState(ob, saveState(oa));
  const s = ob.got.scalars;
  assert.ok(s.v instanceof Float64Array && Object.is(s.v[1], -0) && Number.isNaN(s.v[2]) && s.v[0] === 1 / 3);
  assert.ok(s.c instanceof Uint8Array && eq(s.c, extra.c));
  assert.ok(Object.is(s.x[0], -0) && s.x[1] === Infinity && s.x[2] === -Infinity && Number.isNaN(s.x[3]) && s.x[4] === 0.1);
  assert.deepEqual(s.x[5], { deep: true, s: 'ok' });
  assert.equal(ob.got.counter, 42);
  await e.dispose();
});

/** Bytes and params of `opt` before a failing load must equal those after. */
async function assertRejected(opt, file, re, opts) {
  const before = saveState(opt, { params: true });
  assert.throws(() => loadState(opt, file, opts), (err) => {
    assert.ok(err instanceof StateError, `${err}`);
    assert.match(err.message, re);
    return true;
  });
  assert.ok(eq(saveState(opt, { params: true }), before), `state or params changed after a rejected load (${re})`);
}

test('bad files raise StateError naming the problem and change nothing, bit for bit', async () => {
  const e = await init({ threads: 1 });
  const src = new ParamSet(e, SPEC), dst = new ParamSet(e, SPEC);
  fill(src, 7); fill(dst, 70);
  const so1 = new so.AdamW(src, { lr: 0.01 }), target = new so.AdamW(dst, { lr: 0.02 });
  for (let k = 0; k < 5; k++) { go(src, so1, k); go(dst, target, k + 40); }
  const good = saveState(so1, { params: true });
  const withCrc = (f) => { new DataView(f.buffer).setUint32(f.length - 4, zlibCrc(f.subarray(0, f.length - 4)), true); return f; };

  const flipPayload = good.slice(); flipPayload[good.length - 40] ^= 0x10;
  await assertRejected(target, flipPayload, /checksum mismatch/);
  const flipManifest = good.slice(); flipManifest[40] ^= 0x01;
  await assertRejected(target, flipManifest, /checksum mismatch/);
  const flipCrc = good.slice(); flipCrc[good.length - 1] ^= 0x80;
  await assertRejected(target, flipCrc, /checksum mismatch/);
  await assertRejected(target, good.slice(0, good.length - 100), /truncated state file \(\d+ of \d+ bytes\)/);
  await assertRejected(target, good.slice(0, 20), /truncated state file/);
  await assertRejected(target, good.slice(0, 3), /truncated state file/);
  await assertRejected(target, new Uint8Array(0), /truncated state file/);
  const trailing = new Uint8Array(good.length + 8); trailing.set(good);
  await assertRejected(target, trailing, /trailing bytes/);
  const magic = good.slice(); magic[0] = 0x50;
  await assertRejected(target, magic, /bad magic/);
  const json = good.slice(); json.set(new TextEncoder().encode('{"format":"simdopt'), 0);
  await assertRejected(target, json, /bad magic/);
  const ver = good.slice(); new DataView(ver.buffer).setUint32(8, 2, true);
  await assertRejected(target, withCrc(ver), /unsupported state file version 2/);
  await assertRejected(target, 'not bytes', /must be a Uint8Array/);

  // A valid file for something else.
  const other = new so.NAdam(new ParamSet(e, SPEC), {});
  await assertRejected(target, saveState(other), /holds nadam state, this optimizer is adamw/);
  const ams = new so.AdamW(new ParamSet(e, SPEC), { amsgrad: true });
  await assertRejected(target, saveState(ams), /has slots \[exp_avg, exp_avg_sq, max_exp_avg_sq\] in the state file, this optimizer has \[exp_avg, exp_avg_sq\]/);
  const renamed = new so.AdamW(new ParamSet(e, { 'enc.w': [13, 7], 'enc.bias': 7, head: [6, 5], one: 1 }), {});
  await assertRejected(target, saveState(renamed), /state file has no tensor enc\.b/);
  const more = new so.AdamW(new ParamSet(e, { ...SPEC, extra: 3 }), {});
  await assertRejected(target, saveState(more), /unknown tensor extra/);
  const reshaped = new so.AdamW(new ParamSet(e, { ...SPEC, head: [5, 6] }), {});
  await assertRejected(target, saveState(reshaped), /tensor head has shape \[5, 6\] in the state file, \[6, 5\] here/);
  const grouped = new so.AdamW(new ParamSet(e, SPEC), { groups: [{ params: ['head'], lr: 0.1 }] });
  await assertRejected(target, saveState(grouped), /2 param groups, this optimizer has 1/);
  const badHyper = new so.AdamW(new ParamSet(e, SPEC), {});
  badHyper.set({ lr: 0.25 });
  const bh = saveState(badHyper);
  const text = new TextDecoder().decode(bh);
  const at = text.indexOf('"lr":0.25');
  bh.set(new TextEncoder().encode('"lr":-1.5'), at);
  await assertRejected(target, withCrc(bh), /invalid hyperparameters in state \(group 0\): lr must be/);
  await assertRejected(target, saveState(so1), /no parameter values for enc\.w/, { params: true });
  await e.dispose();
});

test('params: saved on request, restored by default, skipped with { params: false }', async () => {
  const e = await init({ threads: 1 });
  const a = new ParamSet(e, SPEC), b = new ParamSet(e, SPEC);
  fill(a, 11); fill(b, 12);
  const oa = new so.Lion(a, {}), ob = new so.Lion(b, {});
  go(a, oa, 0);
  const keep = b.param('head').slice();
  loadState(ob, saveState(oa, { params: true }), { params: false });
  assert.ok(sameBits(b.param('head'), keep));
  loadState(ob, saveState(oa, { params: true }));
  for (const t of a.tensors) assert.ok(sameBits(b.param(t.name), a.param(t.name)));
  await e.dispose();
});
