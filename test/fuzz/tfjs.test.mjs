// Property tests over simdopt/tfjs: random options through simdoptTfjs (names, the adapter's own
// options, every optimizer's options with wrong types and ranges mixed in) and random gradient maps
// through applyGradients. Every failure is a SimdoptError with a code; a refused step leaves the
// variables and the optimizer state bit for bit as they were; an accepted adapter steps to finite values.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { init } from '../../dist/index.js';
import { simdoptTfjs, SIMDOPT_TFJS_OPTIMIZERS } from '../../dist/tfjs/index.js';
import { expectCleanFailure, runs } from './contract.mjs';

await tf.setBackend('cpu');
const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const anyValue = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 1, 0.5, 1e-3, 2, 1e6, -0, 0.9, 0.999),
  fc.constantFrom('1', 'auto', 'flat', 'perVariable', 'adamw', null, true, [], {}, () => 0.01, 10n, [0.9, 0.99], [1, 2, 3], undefined, Object.create(null), /w/),
  fc.double({ min: -2, max: 2, noNaN: true }),
);
const NAMES = ['optimizer', 'lr', 'betas', 'eps', 'weightDecay', 'momentum', 'transfer', 'groups', 'nonFinite', 'learningRate', 'beta1', 'decay', 'amsgrad'];
const optName = fc.oneof(fc.constantFrom(...Object.keys(SIMDOPT_TFJS_OPTIMIZERS)), anyValue, fc.constantFrom('Adam', 'adam_w', 'lbfgs', 'sam'));

let uid = 0;
const vars = () => { const t = `fz${uid++}`; return [tf.variable(tf.tensor([0.5, -1, 2], [3]), true, `${t}/w`), tf.variable(tf.tensor([[1, 2], [3, 4]]), true, `${t}/b`)]; };

test('simdoptTfjs: random options give a working optimizer or a typed error', () => {
  fc.assert(fc.property(optName, fc.dictionary(fc.constantFrom(...NAMES), anyValue, { maxKeys: 4 }), (name, o) => {
    const opts = { ...o, optimizer: name };
    let opt;
    const err = expectCleanFailure(() => { opt = simdoptTfjs(e, opts); });
    if (err) return;
    const vs = vars();
    try {
      const before = vs.map((v) => Array.from(v.dataSync()));
      const stepErr = expectCleanFailure(() => tf.tidy(() => opt.applyGradients(Object.fromEntries(vs.map((v) => [v.name, tf.onesLike(v)])))),
        () => vs.map((v) => Array.from(v.dataSync())));
      if (stepErr) assert.deepEqual(vs.map((v) => Array.from(v.dataSync())), before);
      else assert.ok(vs.every((v) => v.dataSync().every(Number.isFinite)), 'finite after a step');
    } finally { opt.dispose(); tf.dispose(vs); }
  }), { numRuns: runs(200) });
});

const grad = fc.oneof(
  { weight: 3, arbitrary: fc.constant('ok') },
  { weight: 1, arbitrary: fc.oneof(anyValue, fc.constantFrom('shape', 'nan', 'int', 'disposed', 'missing', 'extra')) },
);
test('applyGradients: random gradient maps are applied whole or refused with nothing changed', () => {
  const vs = vars();
  const opt = simdoptTfjs(e, { optimizer: 'adamw', lr: 1e-2 });
  const state = () => [vs.map((v) => Array.from(v.dataSync())), opt.simdopt ? opt.simdopt.stateDict() : null];
  fc.assert(fc.property(fc.tuple(grad, grad), fc.boolean(), (kinds, asList) => {
    const made = [];
    const t = (x) => { made.push(x); return x; };
    const entries = [];
    kinds.forEach((k, i) => {
      const v = vs[i];
      if (k === 'missing') return;
      const g = k === 'ok' ? t(tf.onesLike(v)) : k === 'shape' ? t(tf.ones([v.size + 1])) : k === 'nan' ? t(tf.fill(v.shape, NaN))
        : k === 'int' ? t(tf.ones(v.shape, 'int32')) : k === 'disposed' ? (() => { const x = tf.onesLike(v); x.dispose(); return x; })()
        : k === 'extra' ? t(tf.onesLike(v)) : k;
      entries.push([v.name, g]);
      if (k === 'extra') entries.push([`${v.name}-not-a-variable`, t(tf.onesLike(v))]);
    });
    const arg = asList ? entries.map(([name, tensor]) => ({ name, tensor })) : Object.fromEntries(entries);
    expectCleanFailure(() => opt.applyGradients(arg), state);
    tf.dispose(made);
  }), { numRuns: runs(150) });
  opt.dispose(); tf.dispose(vs);
});
