// simdopt/tfjs (src/tfjs/): a simdopt optimizer behind tfjs's Optimizer interface. A tfjs-layers MLP
// trains on the digits fixture through model.fit; the adapter's update is simdopt's own step on the
// same gradients bit for bit (flat and per-variable transfer, padding, groups, schedules); weights
// round-trip through getWeights/setWeights and model.save/loadLayersModel; bad input gives typed
// SimdoptErrors and changes nothing; the core bundles never contain tfjs.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, ParamSet, AdamW, Lion, warmupCosineDecay, HyperparameterError, InvalidArgumentError, DisposedError, StateError, SimdoptError } from '../dist/index.js';
import { simdoptTfjs, registerEngineForLoading, SimdoptTfjsOptimizer } from '../dist/tfjs/index.js';

await tf.setBackend('cpu');
const engine = await init({ threads: 1 });
afterAll(() => engine.dispose());
const bits = (a) => Array.from(new Uint32Array(new Float32Array(a).buffer));

const d = JSON.parse(readFileSync(new URL('./fixtures/digits.json', import.meta.url), 'utf8'));
const xs = (rows) => {
  const x = new Float32Array(rows.length * 64);
  rows.forEach((r, i) => { for (let j = 0; j < 64; j++) x[i * 64 + j] = (d.pixels.charCodeAt(r * 64 + j) - 97) / 16; });
  return tf.tensor2d(x, [rows.length, 64]);
};
const ys = (rows) => tf.oneHot(tf.tensor1d(rows.map((r) => d.labels.charCodeAt(r) - 48), 'int32'), 10);
const mlp = () => tfl.sequential({ layers: [
  tfl.layers.dense({ inputShape: [64], units: 32, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
  tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
] });

const ACCURACY = 0.93;
test(`a tfjs-layers 64-32-10 MLP trained by model.fit with the adapter's AdamW (warm-up + cosine lr, no decay on biases) reaches ${ACCURACY * 100}% on the digits test split`, async () => {
  const model = mlp();
  const steps = 10 * Math.ceil(d.train.length / 64);
  const opt = simdoptTfjs(engine, {
    optimizer: 'adamw', lr: warmupCosineDecay(engine, { init: 0, peak: 1e-2, warmupSteps: 20, decaySteps: steps, end: 1e-4 }),
    weightDecay: 1e-2, groups: [{ params: /bias/, weightDecay: 0 }],
  });
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const [x, y, xt, yt] = [xs(d.train), ys(d.train), xs(d.test), ys(d.test)];
  const h = await model.fit(x, y, { epochs: 10, batchSize: 64, shuffle: false, verbose: 0 });
  const acc = (await model.evaluate(xt, yt)[1].data())[0];
  assert.ok(acc >= ACCURACY, `test accuracy ${acc}`);
  assert.ok(h.history.loss.at(-1) < h.history.loss[0] / 5, `loss ${h.history.loss}`);
  assert.equal(opt.simdopt.stepCount, steps);
  assert.equal(opt.iterations, steps);
  assert.deepEqual(opt.simdopt.groups.map((g) => g.params.length), [2, 2]);
  assert.equal(opt.simdopt.hyperparametersOf(1).weightDecay, 0);
  model.dispose();
  assert.ok(!opt.isDisposed, 'the user owns an optimizer they passed in');
  opt.dispose();
  tf.dispose([x, y, xt, yt]);
});

// Variables of awkward sizes (15 and 7: the arena pads them to 16 and 8), gradients drawn once.
function fixture(seed = 1) {
  const shapes = { a: [3, 5], b: [7], c: [2, 2] };
  let s = seed;
  const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
  const init0 = Object.fromEntries(Object.entries(shapes).map(([k, sh]) => [k, Float32Array.from({ length: sh.reduce((p, q) => p * q, 1) }, rnd)]));
  const grads = [0, 1, 2, 3].map(() => Object.fromEntries(Object.entries(init0).map(([k, v]) => [k, Float32Array.from(v, rnd)])));
  return { shapes, init0, grads };
}
let uid = 0;
function tfVars({ shapes, init0 }) {
  const tag = `t${uid++}`;
  return Object.fromEntries(Object.entries(shapes).map(([k, sh]) => [k, tf.variable(tf.tensor(init0[k], sh), true, `${tag}/${k}`)]));
}
const apply = (opt, vars, g) => tf.tidy(() => opt.applyGradients(Object.fromEntries(Object.entries(vars).map(([k, v]) => [v.name, tf.tensor(g[k], v.shape)]))));

for (const [label, options, make] of [
  ['AdamW, default transfer (auto)', { optimizer: 'adamw', lr: 1e-2, weightDecay: 0.1 }, (p) => new AdamW(p, { lr: 1e-2, weightDecay: 0.1 })],
  ['AdamW, flat transfer', { optimizer: 'adamw', lr: 1e-2, weightDecay: 0.1, transfer: 'flat' }, (p) => new AdamW(p, { lr: 1e-2, weightDecay: 0.1 })],
  ['AdamW, per-variable transfer', { optimizer: 'adamw', lr: 1e-2, weightDecay: 0.1, transfer: 'perVariable' }, (p) => new AdamW(p, { lr: 1e-2, weightDecay: 0.1 })],
  ['Lion with a group and a scheduled lr', { optimizer: 'lion', lr: (t) => 1e-3 / (1 + t), groups: [{ params: /\/b$/, weightDecay: 0.5 }] },
    (p) => new Lion(p, { lr: (t) => 1e-3 / (1 + t), groups: [{ params: /\/b$/, weightDecay: 0.5 }] })],
  ['a factory (frozen group)', { optimizer: (p) => new AdamW(p, { lr: 0.1, groups: [{ params: /\/c$/, frozen: true }] }) },
    (p) => new AdamW(p, { lr: 0.1, groups: [{ params: /\/c$/, frozen: true }] })],
]) {
  test(`the adapter's update is simdopt's own step on the same gradients, bit for bit: ${label}`, () => {
    const f = fixture();
    const vars = tfVars(f);
    const opt = simdoptTfjs(engine, options);
    for (const g of f.grads) apply(opt, vars, g);
    const ps = new ParamSet(engine, Object.fromEntries(Object.entries(vars).map(([, v]) => [v.name, v.shape])));
    const ref = make(ps);
    for (const [k, v] of Object.entries(vars)) ps.setParam(v.name, f.init0[k]);
    for (const g of f.grads) { for (const [k, v] of Object.entries(vars)) ps.setGrad(v.name, g[k]); ref.step(); }
    for (const v of Object.values(vars)) assert.deepEqual(bits(v.dataSync()), bits(ps.param(v.name)), v.name);
    assert.deepEqual(opt.simdopt.stateDict(), ref.stateDict());
    assert.equal(opt.timings.steps, 4);
    ref.free(); ps.free(); opt.dispose(); tf.dispose(Object.values(vars));
  });
}

test("transfer 'auto' reads per variable on the cpu and wasm backends (measured faster there: bench/tfjs.mjs), flat on webgl/webgpu; on wasm the update is still bit for bit simdopt's own step (the assign passes a view of the arena, which that backend copies at once)", async () => {
  const o = simdoptTfjs(engine, { optimizer: 'sgd', lr: 0.1 });
  assert.equal(o.transferMode, 'perVariable');
  assert.equal(simdoptTfjs(engine, { optimizer: 'sgd', lr: 0.1, transfer: 'flat' }).transferMode, 'flat');
  o.dispose();
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const tfw = await import('@tensorflow/tfjs-backend-wasm');
  tfw.setWasmPaths(new URL('.', 'file://' + require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')).pathname);
  assert.ok(await tf.setBackend('wasm'));
  try {
    const f = fixture(11);
    for (const transfer of ['auto', 'flat']) {
      const vars = tfVars(f);
      const opt = simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-2, weightDecay: 0.1, transfer });
      assert.equal(opt.transferMode, transfer === 'auto' ? 'perVariable' : 'flat');
      for (const g of f.grads) apply(opt, vars, g);
      const ps = new ParamSet(engine, Object.fromEntries(Object.values(vars).map((v) => [v.name, v.shape])));
      const ref = new AdamW(ps, { lr: 1e-2, weightDecay: 0.1 });
      for (const [k, v] of Object.entries(vars)) ps.setParam(v.name, f.init0[k]);
      for (const g of f.grads) { for (const [k, v] of Object.entries(vars)) ps.setGrad(v.name, g[k]); ref.step(); }
      // the variables own their values: overwriting the arena afterwards changes none of them
      const got = Object.values(vars).map((v) => bits(v.dataSync()));
      opt.params.data.array.fill(7);
      Object.values(vars).forEach((v, i) => {
        assert.deepEqual(bits(v.dataSync()), got[i], `${v.name} aliases the arena`);
        assert.deepEqual(got[i], bits(ps.param(v.name)), `${transfer} ${v.name}`);
      });
      ref.free(); ps.free(); opt.dispose(); tf.dispose(Object.values(vars));
    }
  } finally { await tf.setBackend('cpu'); }
});

test('minimize() (tfjs base class) computes the gradients and steps; a value assigned by the user is read again', () => {
  const x = tf.variable(tf.tensor1d([3, -2, 1, 5, 0.5]), true, `q${uid++}`);
  const opt = simdoptTfjs(engine, { optimizer: 'adam', lr: 0.1 });
  const loss = () => tf.sum(tf.square(x));
  const l0 = tf.tidy(() => loss().dataSync()[0]);
  for (let i = 0; i < 50; i++) opt.minimize(loss);
  const l1 = tf.tidy(() => loss().dataSync()[0]);
  assert.ok(l1 < l0 / 10, `${l0} -> ${l1}`);
  x.assign(tf.tensor1d([1, 1, 1, 1, 1]));
  const c = opt.minimize(loss, true);
  assert.ok(Math.abs(c.dataSync()[0] - 5) < 1e-6, 'the cost is computed at the assigned value');
  assert.ok(x.dataSync().every((v) => Math.abs(v - 1) < 0.2 && v < 1), `stepped from the assigned value: ${x.dataSync()}`);
  c.dispose(); opt.dispose(); x.dispose();
});

test('getWeights/setWeights: a fresh adapter continues bit for bit; model.save + loadLayersModel restores the optimizer', async () => {
  const f = fixture(7);
  const [va, vb] = [tfVars(f), tfVars(f)];
  const a = simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-2 });
  apply(a, va, f.grads[0]); apply(a, va, f.grads[1]);
  const w = await a.getWeights();
  assert.deepEqual(w.map((e) => e.name), ['iter', 'simdopt/state']);
  // the second adapter gets the weights before its first step, and the values of va
  for (const k of Object.keys(vb)) vb[k].assign(va[k]);
  const b = simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-2 });
  await b.setWeights(w);
  assert.equal(b.iterations, 2);
  apply(a, va, f.grads[2]); apply(b, vb, f.grads[2]);
  for (const k of Object.keys(va)) assert.deepEqual(bits(va[k].dataSync()), bits(vb[k].dataSync()), k);
  assert.equal(b.simdopt.stepCount, 3);
  // weights that are not simdopt's are refused, nothing changes
  const before = JSON.stringify(bits(b.simdopt.stateDict().state[vb.a.name].exp_avg));
  await assert.rejects(b.setWeights([w[0], { name: 'dense/kernel/m', tensor: tf.zeros([2]) }]), StateError);
  await assert.rejects(b.setWeights([w[0], { name: 'simdopt/state', tensor: tf.tensor('AAAA', [], 'string') }]), StateError);
  await assert.rejects(b.setWeights('x'), StateError);
  assert.equal(JSON.stringify(bits(b.simdopt.stateDict().state[vb.a.name].exp_avg)), before);
  assert.equal(b.iterations, 3);
  a.dispose(); b.dispose(); tf.dispose([...Object.values(va), ...Object.values(vb), ...w.map((e) => e.tensor)]);

  const model = mlp();
  const opt = simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-3, groups: [{ params: /bias/, weightDecay: 0 }] });
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
  const [x, y] = [xs(d.train.slice(0, 128)), ys(d.train.slice(0, 128))];
  await model.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
  let saved;
  await model.save(tf.io.withSaveHandler(async (art) => { saved = art; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
  registerEngineForLoading(null);
  await assert.rejects(tfl.loadLayersModel(tf.io.fromMemory(saved)), StateError);
  registerEngineForLoading(engine);
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved));
  assert.ok(loaded.optimizer instanceof SimdoptTfjsOptimizer);
  assert.equal(loaded.optimizer.iterations, 2);
  await loaded.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
  await model.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
  const [wl, wm] = [loaded.getWeights(), model.getWeights()];
  wl.forEach((t, i) => assert.deepEqual(bits(t.dataSync()), bits(wm[i].dataSync()), `weight ${i} after resuming`));
  assert.equal(loaded.optimizer.simdopt.hyperparametersOf(1).weightDecay, 0);
  registerEngineForLoading(null);
  loaded.dispose(); model.dispose(); tf.dispose([x, y]);
});

test('bad input: typed SimdoptErrors with what to do, and nothing changes', async () => {
  const err = (fn, C, re) => assert.throws(fn, (e) => e instanceof C && e instanceof SimdoptError && re.test(e.message), String(re));
  err(() => simdoptTfjs(engine, { optimizer: 'adamv' }), HyperparameterError, /did you mean "adam"\?/);
  err(() => simdoptTfjs(engine, {}), HyperparameterError, /accepted: sgd, adam, adamw.*e\.g\. simdoptTfjs/);
  err(() => simdoptTfjs(engine, { optimizer: 'lbfgs' }), HyperparameterError, /optimizer's name or a factory/);
  err(() => simdoptTfjs(engine, { optimizer: 'adamw', learningRate: 1e-3 }), HyperparameterError, /learningRate/);
  err(() => simdoptTfjs(engine, { optimizer: 'adamw', lr: -1 }), HyperparameterError, /lr/);
  err(() => simdoptTfjs(engine, { optimizer: 'adamw', transfer: 'gpu' }), HyperparameterError, /transfer/);
  err(() => simdoptTfjs(engine, { optimizer: () => null, lr: 1 }), HyperparameterError, /factory/);
  err(() => simdoptTfjs({}, { optimizer: 'adamw' }), InvalidArgumentError, /Engine from init/);
  err(() => simdoptTfjs(engine, 'adamw'), InvalidArgumentError, /options must be an object/);
  err(() => registerEngineForLoading(5), InvalidArgumentError, /Engine/);

  const f = fixture(3);
  const vars = tfVars(f);
  const bad = simdoptTfjs(engine, { optimizer: () => ({}) });
  err(() => apply(bad, vars, f.grads[0]), InvalidArgumentError, /factory must return a simdopt optimizer/);
  const opt = simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-2 });
  apply(opt, vars, f.grads[0]);
  const snap = () => JSON.stringify([Object.values(vars).map((v) => bits(v.dataSync())), opt.simdopt.stepCount, bits(opt.simdopt.stateDict().state[vars.a.name].exp_avg)]);
  const s0 = snap();
  err(() => opt.applyGradients({ [vars.a.name]: tf.zeros([3, 5]) }), InvalidArgumentError, /set up for 3 variables.*missing/);
  err(() => opt.applyGradients({ nope: tf.zeros([1]) }), InvalidArgumentError, /no tfjs variable named "nope"/);
  err(() => opt.applyGradients({ [vars.a.name]: tf.zeros([5, 3]), [vars.b.name]: tf.zeros([7]), [vars.c.name]: tf.zeros([2, 2]) }), InvalidArgumentError, /gradient of .* has shape \[5, 3\]/);
  err(() => opt.applyGradients({ [vars.a.name]: [1, 2], [vars.b.name]: tf.zeros([7]), [vars.c.name]: tf.zeros([2, 2]) }), InvalidArgumentError, /live tf.Tensor/);
  err(() => opt.applyGradients([{ name: vars.a.name, tensor: tf.zeros([3, 5]) }, { name: vars.a.name, tensor: tf.zeros([3, 5]) }]), InvalidArgumentError, /twice/);
  err(() => opt.applyGradients(null), InvalidArgumentError, /map of variable name/);
  err(() => opt.applyGradients({}), InvalidArgumentError, /no gradients/);
  const nan = { ...f.grads[1], b: Float32Array.from(f.grads[1].b, (v, i) => (i === 3 ? NaN : v)) };
  assert.throws(() => apply(opt, vars, nan), (e) => e.code === 'NON_FINITE');
  assert.equal(snap(), s0, 'a refused step changes nothing');
  // a variable of the same name replaced by one of another shape
  const name = vars.c.name;
  vars.c.dispose();
  vars.c = tf.variable(tf.zeros([4, 1]), true, name);
  err(() => apply(opt, vars, { ...f.grads[1], c: new Float32Array(4) }), InvalidArgumentError, /changed shape from \[2, 2\] to \[4, 1\]/);
  opt.dispose();
  opt.dispose(); // tfjs may dispose twice (model and user)
  err(() => apply(opt, vars, f.grads[1]), DisposedError, /disposed/);
  err(() => opt.getConfig(), DisposedError, /disposed/);
  await assert.rejects(opt.getWeights(), DisposedError);
  const e2 = await init({ threads: 1 });
  const o2 = simdoptTfjs(e2, { optimizer: 'sgd', lr: 0.1 });
  await e2.dispose();
  err(() => apply(o2, vars, f.grads[1]), DisposedError, /engine was disposed/);
  tf.dispose(Object.values(vars));
});

test('getConfig is JSON: schedules become their current value and are listed', () => {
  const o = simdoptTfjs(engine, { optimizer: 'adamw', lr: (t) => 0.5 / (t + 1), betas: [0.8, 0.99], groups: [{ params: /bias/i, weightDecay: 0 }] });
  const c = o.getConfig();
  assert.deepEqual(JSON.parse(JSON.stringify(c)), { optimizer: 'adamw', options: { lr: 0.5, betas: [0.8, 0.99], groups: [{ params: { regexp: 'bias', flags: 'i' }, weightDecay: 0 }] }, transfer: 'auto', schedules: ['lr'] });
  assert.equal(SimdoptTfjsOptimizer.className, o.getClassName());
  o.dispose();
});

test('the core bundles never contain tfjs (it is a peer dependency of simdopt/tfjs only)', () => {
  const dist = new URL('../dist/', import.meta.url);
  const files = readdirSync(dist, { recursive: true }).filter((f) => /\.(c?js|d\.c?ts)$/.test(f) && !String(f).startsWith('tfjs'));
  assert.ok(files.length >= 6, files.join());
  for (const f of files) assert.ok(!readFileSync(new URL(f, dist), 'utf8').includes('@tensorflow'), `${f} mentions @tensorflow`);
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.dependencies, undefined, 'the core has no runtime dependencies');
  assert.equal(pkg.peerDependenciesMeta['@tensorflow/tfjs-core'].optional, true);
});
