// Issue 9, resumable runs (src/bilevel/checkpoint.ts): a run stopped at iteration k (onIteration returning
// false, or outer.steps = k), saved with result.save() and continued with `resume` ends with the same bits
// (x, y, hypergradient, oracle counts) as the run that was never stopped, for every method and every build
// (SIMD/scalar × 1/2 threads, whose saved states are byte for byte equal); damaged, truncated, foreign or
// mismatched states are refused with StateError.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bilevel, online, StateError, HyperparameterError, DisposedError } from '../dist/index.js';
import { makeT1 } from './helpers/reference-bilevel.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const engines = [];
for (const c of CONFIGS) engines.push(await init(c));
afterAll(() => { for (const e of engines) e.dispose(); });
const e = engines[0];

let s = 99;
const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
const d = 6, n = 40, m = 20;
const X = Array.from({ length: n * d }, rnd), V = Array.from({ length: m * d }, rnd), w0 = Array.from({ length: d }, rnd);
const t = Array.from({ length: n }, (_, i) => X.slice(i * d, i * d + d).reduce((a, v, j) => a + v * w0[j], 0) + 0.3 * rnd());
const tv = Array.from({ length: m }, (_, i) => V.slice(i * d, i * d + d).reduce((a, v, j) => a + v * w0[j], 0) + 0.3 * rnd());
const lab = t.map((v) => (v > 0 ? 1 : 0)), labv = tv.map((v) => (v > 0 ? 1 : 0));
const T1 = makeT1(2, 3, 7);

// one problem per method family: built-in models (ridge, logistic), the quadratic model, callbacks
function problems(eng) {
  const ridge = bilevel.models.ridge(eng, { features: d, trainX: X, trainY: t, valX: V, valY: tv, hyper: 'logFeatureRidge' });
  const quad = bilevel.models.quadratic(eng, { dx: 2, dy: 3, lower: T1.lower, upper: T1.upper });
  const logi = bilevel.models.logistic(eng, { features: d, trainX: X, trainY: lab, valX: V, valY: labv, hyper: 'sampleWeights', alpha: 0.1 });
  const cb = { upper: T1.callbacks.upper, lower: { ...T1.callbacks.lower, hvp: T1.callbacks.hvp }, x0: [0.2, -0.1], y0: [0, 0, 0] };
  const runs = [
    ['aid-cg', { model: ridge, x0: new Array(d).fill(0), method: 'aid-cg', options: { cgSteps: 30, innerSolver: 'newton', outer: { lr: 0.1, steps: 11 } } }],
    ['aid-cg sgd', { model: quad, x0: [0.5, 0.5], method: 'aid-cg', options: { outer: { optimizer: 'sgd', lr: 0.05, momentum: 0.5, steps: 11 } } }],
    ['aid-neumann', { model: quad, x0: [0.5, 0.5], method: 'aid-neumann', options: { neumannSteps: 30, outer: { lr: 0.05, steps: 11 } } }],
    ['aid-fp', { model: quad, x0: [0.5, 0.5], method: 'aid-fp', options: { outer: { lr: 0.05, steps: 11 } } }],
    ['aid-exact', { model: quad, x0: [0.5, 0.5], method: 'aid-exact', options: { outer: { lr: 0.05, steps: 11 } } }],
    ['itd', { model: quad, x0: [0.5, 0.5], method: 'itd', options: { innerSteps: 15, unrollMemory: 8, outer: { lr: 0.05, steps: 11 } } }],
    ['itd-forward', { ...cb, method: 'itd-forward', options: { innerSteps: 10, outer: { lr: 0.05, steps: 11 } } }],
    ['aid-cg fd', { ...cb, lower: T1.callbacks.lower, method: 'aid-cg', options: { outer: { lr: 0.05, steps: 11 } } }],
    ['stocbio', { model: logi, x0: new Array(n).fill(0), method: 'stocbio', options: { batchSize: 8, outer: { lr: 0.1, steps: 11 } } }],
    ['soba', { model: logi, x0: new Array(n).fill(0), method: 'soba', options: { batchSize: 8, outer: { lr: 0.1, steps: 11 } } }],
    ['penalty', { model: quad, x0: [0.5, 0.5], method: 'penalty', options: { penalty: 10, innerSteps: 200, outer: { lr: 0.05, steps: 11 } } }],
    ['f2sa', { model: quad, x0: [0.5, 0.5], method: 'f2sa', options: { penaltyGrowth: 0.5, outer: { lr: 0.05, steps: 11 } } }],
    ['bome', { model: quad, x0: [0.5, 0.5], method: 'bome', options: { outer: { optimizer: 'sgd', lr: 0.05, steps: 11 } } }],
    ['vpbgd', { model: quad, x0: [0.5, 0.5], method: 'vpbgd', options: { xMin: -0.2, outer: { lr: 0.05, steps: 11 } } }],
    ['aid-normal-cg', { model: quad, x0: [0.5, 0.5], method: 'aid-normal-cg', options: { outer: { lr: 0.05, steps: 11 } } }],
    ['borep', { model: quad, x0: [0.5, 0.5], method: 'borep', options: { outer: { lr: 0.05, steps: 11 } } }],
    ['borep minibatch', { model: logi, x0: new Array(n).fill(0), method: 'borep', options: { batchSize: 8, outer: { lr: 0.1, steps: 11 } } }],
  ];
  return { runs, free: () => { ridge.free(); quad.free(); logi.free(); } };
}

const bits = (a) => Buffer.from(new Float64Array(a).buffer).toString('hex');
const same = (a, b, what) => {
  for (const k of ['x', 'y', 'hypergradient']) assert.equal(bits(a[k]), bits(b[k]), `${what}: ${k}`);
  assert.deepEqual(a.oracleCalls, b.oracleCalls, `${what}: oracle calls`);
  assert.equal(a.converged, b.converged, `${what}: converged`);
};
const withSteps = (p, steps) => ({ ...p, options: { ...p.options, outer: { ...p.options.outer, steps } } });

test('every method: stop at k (onIteration or outer.steps), save, resume = the uninterrupted run bit for bit, in all 4 builds', () => {
  const saved = {};
  for (const [ci, eng] of engines.entries()) {
    const { runs, free } = problems(eng);
    try {
      for (const [name, p] of runs) {
        const full = bilevel.solve(eng, p);
        assert.equal(full.history.length, 12, name);
        // stopped by onIteration at iteration 4, resumed to the end
        const a = bilevel.solve(eng, { ...p, onIteration: (i) => i.iteration < 4 });
        assert.equal(a.history.at(-1).iteration, 4);
        const ra = bilevel.solve(eng, { ...p, resume: a.save() });
        assert.deepEqual(ra.history.map((h) => h.iteration), [5, 6, 7, 8, 9, 10, 11], name);
        same(ra, full, `${name} (onIteration, build ${ci})`);
        for (const [i, h] of ra.history.entries()) assert.equal(h.hypergradientNorm, full.history[i + 5].hypergradientNorm, `${name} history ${i}`);
        // ended by outer.steps = 2, resumed to 7, then to the end: three pieces
        const b = bilevel.solve(eng, withSteps(p, 2));
        const b2 = bilevel.solve(eng, { ...withSteps(p, 7), resume: b.save() });
        const b3 = bilevel.solve(eng, { ...p, resume: b2.save() });
        same(b3, full, `${name} (three pieces, build ${ci})`);
        // the saved state of a finished run is the same bytes in every build
        const bytes = Buffer.from(full.save()).toString('hex');
        if (ci === 0) saved[name] = bytes;
        else assert.equal(bytes, saved[name], `${name}: state bytes in build ${ci}`);
      }
    } finally { free(); }
  }
});

test('resume is refused with StateError for damaged, truncated, foreign or mismatched states; the run is unchanged by a refused resume', () => {
  const { runs, free } = problems(e);
  try {
    const p = runs[0][1];
    const r = bilevel.solve(e, withSteps(p, 3));
    const st = r.save();
    const again = () => bilevel.solve(e, { ...withSteps(p, 5), resume: st });
    const good = again();
    // every single-byte flip is caught (checksum, header or manifest)
    for (let i = 0; i < st.length; i += 37) {
      const bad = st.slice(); bad[i] ^= 0x10;
      assert.throws(() => bilevel.solve(e, { ...withSteps(p, 5), resume: bad }), StateError, `flip at ${i}`);
    }
    assert.throws(() => bilevel.solve(e, { ...p, resume: st.subarray(0, st.length - 9) }), (err) => err instanceof StateError && /truncated/.test(err.message));
    assert.throws(() => bilevel.solve(e, { ...p, resume: [...st] }), (err) => err instanceof StateError && /Uint8Array/.test(err.message));
    assert.throws(() => bilevel.solve(e, { ...p, resume: new Uint8Array(64) }), (err) => err instanceof StateError && /bad magic/.test(err.message));
    const ogd = new online.OGD(e, { set: online.sets.box(-1, 1, 3), lipschitz: 1 });
    assert.throws(() => bilevel.solve(e, { ...p, resume: ogd.save() }), (err) => err instanceof StateError && /online learner state/.test(err.message));
    ogd.free();
    // another method, other options, another model, callbacks for a model
    const quadRun = runs[1][1], cg = bilevel.solve(e, withSteps(quadRun, 2));
    assert.throws(() => bilevel.solve(e, { ...quadRun, method: 'aid-neumann', options: { outer: quadRun.options.outer }, resume: cg.save() }),
      (err) => err instanceof StateError && /method "aid-cg", not "aid-neumann"/.test(err.message));
    assert.throws(() => bilevel.solve(e, { ...runs[10][1], resume: cg.save() }), (err) => err instanceof StateError && /method "aid-cg", not "penalty"/.test(err.message));
    assert.throws(() => bilevel.solve(e, { ...p, options: { ...p.options, cgSteps: 31 }, resume: st }),
      (err) => err instanceof StateError && /cgSteps: saved 30, now 31/.test(err.message));
    assert.throws(() => bilevel.solve(e, { ...p, options: { ...p.options, outer: { ...p.options.outer, lr: 0.2 } }, resume: st }),
      (err) => err instanceof StateError && /outer/.test(err.message));
    const other = bilevel.models.ridge(e, { features: d, trainX: X.map((v) => v * 1.5), trainY: t, valX: V, valY: tv, hyper: 'logFeatureRidge' });
    assert.throws(() => bilevel.solve(e, { ...p, model: other, resume: st }), (err) => err instanceof StateError && /another problem/.test(err.message));
    other.free();
    const cbRun = runs[6][1];
    const fwd = bilevel.solve(e, withSteps(cbRun, 2));
    const quadFwd = { model: runs[1][1].model, x0: [0.5, 0.5], method: 'itd-forward', options: cbRun.options };
    assert.throws(() => bilevel.solve(e, { ...quadFwd, resume: fwd.save() }), (err) => err instanceof StateError && /another problem/.test(err.message));
    // nothing left to run
    assert.throws(() => bilevel.solve(e, { ...withSteps(p, 3), resume: st }), (err) => err instanceof HyperparameterError && /nothing to resume/.test(err.message));
    // after all the refusals the same state resumes to the same bits
    same(again(), good, 'after refusals');
    // a freed model cannot be saved from
    const tmp = bilevel.models.ridge(e, { features: d, trainX: X, trainY: t, valX: V, valY: tv });
    const rt = bilevel.solve(e, { model: tmp, x0: [0], options: { outer: { steps: 1 } } });
    tmp.free();
    assert.throws(() => rt.save(), DisposedError);
  } finally { free(); }
});

test('the state file: container layout, one f64 entry per kept vector, save is not enumerable', () => {
  const { runs, free } = problems(e);
  try {
    const r = bilevel.solve(e, runs[0][1]);
    assert.ok(!Object.keys(r).includes('save'));
    const st = r.save();
    assert.equal(Buffer.from(st.subarray(0, 8)).toString('latin1'), 'SIMDOPT\x1a');
    const len = new DataView(st.buffer, st.byteOffset).getUint32(16, true);
    const mf = JSON.parse(new TextDecoder().decode(st.subarray(32, 32 + len)));
    assert.equal(mf.format, 'simdopt/bilevel-run');
    assert.deepEqual(Object.keys(mf.entries), ['x', 'y', 'hypergradient', 'v', 'm1', 'm2', 'scalars']);
    assert.equal(mf.method, 'aid-cg');
    assert.match(mf.problem, /^ridge 6x6 logFeatureRidge alpha 0\.001 crc [0-9a-f]{8}$/);
    assert.deepEqual(mf.calls, r.oracleCalls);
  } finally { free(); }
});
