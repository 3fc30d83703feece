// The bit-exactness harness shared by the optimizer tests: the same seeded trajectory through an
// engine optimizer (in every build) and through an f32-exact reference, on awkward tensor sizes.
import assert from 'node:assert/strict';
import { init, ParamSet, HyperparameterError } from '../../dist/index.js';
import { randomArray, rng, sameBits } from './reference.mjs';

export const SPEC = { w: [13, 7], b: 5, big: 4099, one: 1 };
export const SIZES = [91, 5, 4099, 1];
export const STEPS = 25;

/** SIMD and scalar builds, one and two threads (split forced by a tiny splitMin). */
export const CONFIGS = [
  { simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 },
  { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 },
];

/** Uniform gradients in [-1, 1) from the step's generator. */
export function uniformGrads(k, n, r) {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = r() * 2 - 1;
  return g;
}

/** Final parameters (one array per tensor) after STEPS steps of `make(ps)` on engine `cfg`. */
export async function trajectory(cfg, make, grads = uniformGrads) {
  const e = await init(cfg);
  assert.equal(await e.ready, e.info.threads);
  const ps = new ParamSet(e, SPEC);
  let s = 1;
  for (const t of ps.tensors) ps.setParam(t.name, randomArray(t.size, s++));
  const opt = make(ps);
  for (let k = 0; k < STEPS; k++) {
    const r = rng(100 + k);
    for (const t of ps.tensors) ps.setGrad(t.name, grads(k, t.size, r));
    opt.step();
  }
  const out = ps.tensors.map((t) => ps.param(t.name).slice());
  await e.dispose();
  return out;
}

/** The same trajectory through `stepFn(p, g, state, t)` with per-tensor `makeState(n)`; returns [{ p, st }]. */
export function reference(makeState, stepFn, grads = uniformGrads) {
  const ref = [];
  let s = 1;
  for (const n of SIZES) ref.push({ p: randomArray(n, s++), st: makeState(n) });
  for (let k = 0; k < STEPS; k++) {
    const r = rng(100 + k);
    for (const x of ref) stepFn(x.p, grads(k, x.p.length, r), x.st, k + 1);
  }
  return ref;
}

/**
 * Resume check: 10 steps, stateDict, load into a fresh optimizer on a copy of the parameters, then 10
 * more steps on both; the two must end bit-identical. `grads(k, n, r)` draws step k's gradient.
 */
export async function assertResumesExactly(cases, grads = uniformGrads) {
  const e = await init({ threads: 1 });
  for (const [Cls, h] of cases) {
    const a = new ParamSet(e, { w: 17 }), b = new ParamSet(e, { w: 17 });
    a.setParam('w', randomArray(17, 4));
    const oa = new Cls(a, h);
    const go = (ps, opt, k) => { ps.setGrad('w', grads(k, 17, rng(700 + k))); opt.step(); };
    for (let k = 0; k < 10; k++) go(a, oa, k);
    const sd = oa.stateDict();
    b.setParam('w', a.param('w'));
    const ob = new Cls(b, h);
    ob.loadStateDict(sd);
    for (let k = 10; k < 20; k++) { go(a, oa, k); go(b, ob, k); }
    assert.ok(sameBits(a.param('w'), b.param('w')), Cls.name);
  }
  await e.dispose();
}

// Option pairs and the hyperparameter names set() takes for them.
const PAIRS = { betas: ['beta1', 'beta2'], etas: ['etaMinus', 'etaPlus'], stepSizes: ['stepSizeMin', 'stepSizeMax'] };

/**
 * Bad hyperparameters: for each [Cls, bad, name, base = {}], constructing with `{...base, ...bad}` throws
 * HyperparameterError (code INVALID_HYPERPARAMETER) whose message starts with `name`; on an optimizer
 * built from `base` and stepped by `setup(ps, opt)`, set(bad) throws the same and changes nothing
 * (stateDict and parameters bit for bit).
 */
export async function assertBadHypers(bad, setup = (ps, o) => { ps.setGrad('w', randomArray(9, 2)); o.step(); o.step(); }) {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: 9 });
  const typed = (name) => (err) => err instanceof HyperparameterError && err.code === 'INVALID_HYPERPARAMETER' && err.message.startsWith(name);
  for (const [Cls, b, name, base = {}] of bad) {
    assert.throws(() => new Cls(ps, { ...base, ...b }), typed(name), `${Cls.name} ${JSON.stringify(b)}`);
    const o = new Cls(ps, base);
    ps.setParam('w', randomArray(9, 1));
    setup(ps, o);
    const before = o.stateDict(), pBefore = ps.param('w').slice();
    const changes = { ...b };
    for (const [k, [x, y]] of Object.entries(PAIRS)) if (changes[k]) { changes[x] = changes[k][0]; changes[y] = changes[k][1]; delete changes[k]; }
    assert.throws(() => o.set(changes), typed(name), `${Cls.name} set ${JSON.stringify(b)}`);
    assert.deepEqual(o.stateDict(), before);
    assert.ok(sameBits(ps.param('w'), pBefore));
    o.free();
  }
  await e.dispose();
}
