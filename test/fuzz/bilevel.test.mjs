// Property tests over the bilevel entry points (src/bilevel/): random options through bilevel.solve,
// bilevel.hypergradient and bilevel.resolveOptions, random damage to the problem (wrong lengths, bad
// fields, non-numbers), and user oracles that misbehave at a random call (NaN or Infinity left in an
// output, an entry left unwritten, a returned array of the wrong length, a non-number value). Every
// failure is a SimdoptError with a code (the misbehaving callback's failure a NonFiniteError /
// LengthMismatchError / InvalidArgumentError naming it), the caller's arrays are unchanged, and every
// accepted call returns finite results of the right lengths.
// SIMDOPT_FUZZ_RUNS=N runs N cases per property.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { init, bilevel, NonFiniteError, LengthMismatchError, InvalidArgumentError, StateError, DisposedError } from '../../dist/index.js';
import { expectCleanFailure, runs } from './contract.mjs';
import { makeT1 } from '../helpers/reference-bilevel.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const T1 = makeT1(2, 3, 5);
const model = bilevel.models.quadratic(e, { dx: 2, dy: 3, lower: T1.lower, upper: T1.upper });
afterAll(() => model.free());
const cb = T1.callbacks;

// no huge counts among the values: a valid innerSteps of 1e7 with innerTol 0 would be a (legitimately) long run
const anyValue = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 1, 0.5, 2, 3, 5, 1.5, -0, 1e-3, 1e-12, 0.1),
  fc.constantFrom('1', 'gd', 'newton', 'adam', 'sgd', null, true, [], {}, () => 1, 10n, [1, 2], undefined, Object.create(null)),
  fc.double({ min: -3, max: 3, noNaN: true }), fc.integer({ min: -2, max: 12 }),
);
const NAMES = ['innerSteps', 'innerLr', 'innerTol', 'innerSolver', 'cgSteps', 'cgTol', 'neumannSteps', 'neumannLr', 'fpSteps', 'fpLr', 'fpTol',
  'unrollMemory', 'powerSteps', 'fdStep', 'maxDense', 'outer', 'innerstep', 'lr', 'steps', 'cgsteps', 'xMin', 'xMax', 'penalty', 'penaltyFactor', 'warmSteps', 'lowerInterval', 'proxY', 'penaltyPower', 'multiplierCap'];
const OUTER = ['optimizer', 'lr', 'steps', 'tol', 'momentum', 'beta1', 'beta2', 'eps', 'beta', 'Lr'];
const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...bilevel.METHODS) }, { weight: 1, arbitrary: anyValue }, { weight: 1, arbitrary: fc.constantFrom('aid', 'aid-gc', 'ITD') });
const REAL = NAMES.slice(0, 15).filter((n) => n !== 'outer');
const plausible = fc.constantFrom(1, 2, 3, 5, 10, 0.1, 0.5, 1e-3, 1e-8, 0, 'newton', 'gd', Infinity);
const options = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...REAL), plausible, { maxKeys: 3 }) },
  { weight: 6, arbitrary: fc.record({ o: fc.dictionary(fc.constantFrom(...NAMES), anyValue, { maxKeys: 3 }), outer: fc.option(fc.dictionary(fc.constantFrom(...OUTER), anyValue, { maxKeys: 3 }), { nil: undefined }) })
    .map(({ o, outer }) => (outer === undefined ? o : { ...o, outer: { steps: Math.min(3, Number(outer.steps) || 0), ...outer } })) },
  { weight: 1, arbitrary: anyValue },
);
// a run small enough to stay fast whatever was drawn: few outer steps unless the fuzz sets them
const small = (o) => (o && typeof o === 'object' && !Array.isArray(o) ? { innerSteps: 20, ...o, outer: o.outer === undefined ? { steps: 2 } : o.outer } : o);
const capped = (o) => o && typeof o === 'object' && !Array.isArray(o) && [o.innerSteps, o.cgSteps, o.neumannSteps, o.fpSteps, o.outer?.steps].every((v) => typeof v !== 'number' || v <= 50);

function checkResult(r, dx, dy) {
  assert.equal(r.x.length, dx); assert.equal(r.y.length, dy); assert.equal(r.hypergradient.length, dx);
  for (const v of [...r.x, ...r.y, ...r.hypergradient]) assert.ok(Number.isFinite(v));
  assert.ok(['user', 'finite-difference', 'built-in'].includes(r.secondOrder));
  assert.ok(r.history.length >= 1 && Array.isArray(r.warnings) && typeof r.converged === 'boolean');
  assert.equal(typeof r.options, 'object');
}

test('bilevel.solve / hypergradient / resolveOptions: random methods and options are run or refused cleanly', () => {
  let accepted = 0;
  fc.assert(fc.property(method, options, fc.boolean(), (m, o, hyper) => {
    let opts = small(o);
    if (!capped(opts)) return;
    if (hyper && opts && typeof opts === 'object' && !Array.isArray(opts) && opts.outer?.steps === 2) { opts = { ...opts }; delete opts.outer; } // hypergradient refuses outer options
    const x0 = [0.3, -0.2];
    const err0 = expectCleanFailure(() => bilevel.resolveOptions(m, opts));
    let r;
    const err = expectCleanFailure(() => { r = hyper ? bilevel.hypergradient(e, { model, x0, method: m, options: opts }) : bilevel.solve(e, { model, x0, method: m, options: opts }); }, () => x0);
    if (err0 && !err && !hyper) assert.fail(`resolveOptions refused what solve accepted: ${err0.message}`);
    if (!err) { checkResult(r, 2, 3); accepted++; }
  }), { numRuns: runs(320) });
  assert.ok(accepted >= 25, `only ${accepted} of 320 random option sets ran: the property barely exercises accepted runs`);
});

const FIELDS = ['upper', 'lower', 'model', 'x0', 'y0', 'method', 'options', 'onIteration', 'extra', 'constraints'];
const badVec = fc.oneof(anyValue, fc.constantFrom([1], [1, 2, 3, 4], new Float64Array(5), [NaN, 1, 0], ['1', 2, 3], new Float32Array(3)));
test('bilevel.solve: problems with one field replaced by a bad value are refused with a typed error, inputs unchanged', () => {
  fc.assert(fc.property(fc.constantFrom(...FIELDS), fc.oneof(badVec, anyValue), fc.boolean(), (field, value, useModel) => {
    const x0 = [0.3, -0.2], y0 = [0, 0, 0];
    const problem = useModel ? { model, x0, options: { outer: { steps: 1 } } } : { upper: cb.upper, lower: cb.lower, x0, y0, options: { innerSteps: 10, outer: { steps: 1 } } };
    problem[field] = value;
    if (field === 'options' && !capped(value) && value && typeof value === 'object') return;
    let r;
    const err = expectCleanFailure(() => { r = bilevel.solve(e, problem); }, () => [x0, y0]);
    if (!err) checkResult(r, 2, 3);
  }), { numRuns: runs(300) });
});

// A user oracle that misbehaves at call number `at`: the run must end with the typed error naming it.
const FAULTS = ['nan', 'inf', 'unwritten', 'longer', 'shorter', 'string'];
const ORACLES = ['upper.grad', 'lower.grad', 'lower.gradX', 'lower.hvp', 'lower.crossJvp', 'lower.crossJvpT', 'upper.value', 'lower.hvpT'];
function faulty(name, fn, fault, at, counter) {
  return (...a) => {
    const k = counter[name] = (counter[name] ?? 0) + 1;
    if (k !== at) return fn(...a);
    if (name === 'upper.value') return fault === 'string' ? '1' : fault === 'inf' ? Infinity : NaN;
    const at0 = a.findLastIndex((v) => v instanceof Float64Array), out = a[at0]; // the output (a stochastic method appends the batch after it)
    fn(...a);
    if (fault === 'nan') out[out.length - 1] = NaN;
    else if (fault === 'inf') out[0] = -Infinity;
    else if (fault === 'unwritten') { const tmp = new Float64Array(out.length); const b = a.slice(); b[at0] = tmp; fn(...b); out.fill(NaN); out.set(tmp.subarray(1), 1); }
    else if (fault === 'longer') return new Float64Array(out.length + 1);
    else if (fault === 'shorter') return [...out].slice(0, -1);
    else return 'done';
    return undefined;
  };
}
test('user oracles that write NaN/Infinity, leave entries unwritten, return wrong lengths or non-numbers end with the typed error naming them', () => {
  fc.assert(fc.property(fc.constantFrom(...bilevel.METHODS), fc.constantFrom(...ORACLES), fc.constantFrom(...FAULTS), fc.integer({ min: 1, max: 4 }), fc.boolean(), (m, name, fault, at, second) => {
    const counter = {};
    const u = { grad: cb.upper.grad, value: (x, y) => 0.5 * y.reduce((s, v) => s + v * v, 0) };
    const l = { grad: cb.lower.grad, gradX: cb.lower.gradX, ...(second ? { hvp: cb.hvp, crossJvp: cb.crossJvp, crossJvpT: cb.crossJvpT, ...(m === 'aid-normal-cg' ? { hvpT: cb.hvp } : {}) } : {}) };
    const [lvl, key] = name.split('.');
    const target = lvl === 'upper' ? u : l;
    if (!target[key]) return;
    target[key] = faulty(name, target[key], fault, at, counter);
    const x0 = [0.3, -0.2], y0 = [0, 0, 0];
    let r;
    const sto = m === 'stocbio' || m === 'soba';
    const err = expectCleanFailure(() => { r = bilevel.solve(e, { upper: u, lower: l, x0, y0, method: m, ...(sto ? { samples: { lower: 7, upper: 5 } } : {}), options: { ...(m === 'soba' || m === 'lvhba' ? {} : { innerSteps: 8 }), ...(sto ? { batchSize: 3 } : {}), outer: { steps: 2 } } }); }, () => [x0, y0]);
    if (!err) { assert.ok((counter[name] ?? 0) < at, `${name} misbehaved (${fault}) at call ${at} but the run succeeded`); checkResult(r, 2, 3); return; }
    // a returned array is a length error for one-output callbacks; upper.grad (gx and gy) must not return one at all
    const want = name === 'upper.value' ? (fault === 'string' ? InvalidArgumentError : NonFiniteError) : fault === 'longer' || fault === 'shorter' ? (name === 'upper.grad' ? InvalidArgumentError : LengthMismatchError) : fault === 'string' ? InvalidArgumentError : NonFiniteError;
    assert.ok(err instanceof want, `${name} ${fault}: ${err.constructor.name} ${err.message}`);
    assert.ok(err.message.includes(name), `the error names ${name}: ${err.message}`);
  }), { numRuns: runs(400) });
});

test('bilevel.models.*: random specs build a model or are refused cleanly', () => {
  const X = Array.from({ length: 12 }, (_, i) => Math.sin(i)), t = [1, 2, 3, 4], V = X.slice(0, 9), tv = [1, 0, 1];
  const ridge = { features: 3, trainX: X, trainY: t, valX: V, valY: tv };
  const quad = { dx: 2, dy: 3, lower: T1.lower, upper: T1.upper };
  const glm = { features: 3, trainX: X, trainY: [0, 1, 1, 0], valX: V, valY: [1, 0, 0] };
  const soft = { ...glm, classes: 3, trainY: [0, 2, 1, 2], valY: [2, 0, 1] };
  const mlp = { ...soft, hidden: 2 };
  const KINDS = ['ridge', 'quadratic', 'logistic', 'softmax', 'mlp'], BASE = { ridge, quadratic: quad, logistic: glm, softmax: soft, mlp };
  fc.assert(fc.property(fc.constantFrom(...KINDS), fc.dictionary(fc.constantFrom('features', 'trainX', 'trainY', 'valX', 'valY', 'hyper', 'alpha', 'dx', 'dy', 'lower', 'upper', 'extra', 'classes', 'weights', 'hidden', 'seed'),
    fc.oneof(badVec, anyValue, fc.constantFrom('logRidge', 'logFeatureRidge', 'sampleWeights', 'ridge', [0, 1, 2, 3], [1, 1, -1, 1], [0.5, 0, 2, 1])), { maxKeys: 2 }), (kind, patch) => {
    let mdl;
    const err = expectCleanFailure(() => { mdl = bilevel.models[kind](e, { ...BASE[kind], ...patch }); });
    if (err) return;
    let r;
    if (!expectCleanFailure(() => { r = bilevel.hypergradient(e, { model: mdl, x0: new Array(mdl.dx).fill(0), method: 'aid-exact', options: { innerSolver: 'newton' } }); })) checkResult(r, mdl.dx, mdl.dy);
    if (mdl.accuracy) {
      for (const args of [[new Array(mdl.dy).fill(0.1)], [[1, 2]], [new Array(mdl.dy).fill(0), X, [0, 1, 1, 5]], [new Array(mdl.dy).fill(0), X], [new Array(mdl.dy).fill(NaN)]]) {
        let a;
        if (!expectCleanFailure(() => { a = mdl.accuracy(...args); })) assert.ok(a >= 0 && a <= 1);
      }
    }
    if (mdl.initialWeights) {
      const w0 = mdl.initialWeights();
      assert.ok(w0.length === mdl.dy && w0.every(Number.isFinite));
    }
    mdl.free();
    if (mdl.initialWeights) assert.throws(() => mdl.initialWeights(), DisposedError);
  }), { numRuns: runs(200) });
});

test('bilevel.models.mlp: every method with random options runs to a finite result or is refused cleanly (nonconvex lower level)', () => {
  const X = Array.from({ length: 15 }, (_, i) => Math.sin(1.7 * i)), V = X.slice(0, 9);
  let accepted = 0;
  fc.assert(fc.property(fc.constantFrom(...bilevel.METHODS), fc.constantFrom('logRidge', 'sampleWeights'), options, (m, hyper, o) => {
    const opts = small(o);
    if (!capped(opts)) return;
    const mdl = bilevel.models.mlp(e, { features: 3, classes: 3, hidden: 2, trainX: X, trainY: [0, 2, 1, 2, 0], valX: V, valY: [2, 0, 1], hyper });
    try {
      const x0 = new Array(mdl.dx).fill(hyper === 'logRidge' ? -2 : 0);
      let r;
      if (!expectCleanFailure(() => { r = bilevel.solve(e, { model: mdl, x0, method: m, options: opts }); }, () => x0)) { checkResult(r, mdl.dx, mdl.dy); accepted++; }
    } finally { mdl.free(); }
  }), { numRuns: runs(160) });
  assert.ok(accepted >= 15, `only ${accepted} of 160 random MLP runs ran`);
});

// ---- resume: saved run states (src/bilevel/checkpoint.ts) under random damage
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (b) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
/** The container with its manifest replaced by `m` and payload by `payload`, resealed with a valid checksum. */
function reseal(bytes, m, payload) {
  const json = new TextEncoder().encode(JSON.stringify(m)), start = Math.ceil((32 + json.length) / 16) * 16, total = start + payload.length + 4;
  const out = new Uint8Array(total), dv = new DataView(out.buffer);
  out.set(bytes.subarray(0, 32)); dv.setUint32(16, json.length, true); dv.setUint32(24, total, true); dv.setUint32(28, 0, true);
  out.set(json, 32); out.set(payload, start); dv.setUint32(total - 4, crc32(out.subarray(0, total - 4)), true);
  return out;
}
function opened(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset), len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
  return { m: JSON.parse(new TextDecoder().decode(bytes.subarray(32, 32 + len))), payload: bytes.slice(start, bytes.length - 4) };
}

test('bilevel.solve resume: flipped, cut, resealed-edited and mismatched states are refused with StateError (or resume cleanly); the good state still resumes', () => {
  const problems = [
    { model, x0: [0.3, -0.2], method: 'aid-cg', options: { outer: { steps: 6 } } },
    { model, x0: [0.3, -0.2], method: 'f2sa', options: { outer: { steps: 6 } } },
    { upper: cb.upper, lower: { ...cb.lower, hvp: cb.hvp }, x0: [0.3, -0.2], y0: [0, 0, 0], method: 'aid-fp', options: { outer: { steps: 6 } } },
  ];
  const saved = problems.map((p) => bilevel.solve(e, { ...p, options: { outer: { steps: 2 } } }).save());
  const ends = problems.map((p, i) => bilevel.solve(e, { ...p, resume: saved[i] }).x);
  const jsonValue = anyValue.filter((v) => typeof v !== 'bigint' && typeof v !== 'function' && v !== undefined); // what a manifest can hold
  const edits = fc.oneof(
    fc.record({ key: fc.constantFrom('method', 'dx', 'dy', 'problem', 'options', 'calls', 'tiers', 'version', 'format', 'payloadBytes', 'extra', 'entries'), value: fc.oneof(jsonValue, fc.constantFrom('aid-neumann', 'f2sa', 'callbacks', ['user'], ['gpu'])) }),
    fc.record({ key: fc.constantFrom('calls.hvp', 'calls.lowerGrad', 'options.cgSteps', 'options.outer', 'options.fdStep', 'entries.x.elements', 'entries.m2.offset'), value: jsonValue }),
  );
  fc.assert(fc.property(fc.nat({ max: 2 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), edits, fc.nat(), fc.constantFrom(NaN, Infinity, -1, -0, 1e300, 2),
    (which, pos, flip, cut, edit, slot, val) => {
      const bytes = saved[which], p = problems[which];
      const b = bytes.slice(); b[pos % b.length] ^= flip;
      assert.ok(expectCleanFailure(() => bilevel.solve(e, { ...p, resume: b })) instanceof StateError, 'a flipped byte');
      const c = cut % bytes.length;
      assert.ok(expectCleanFailure(() => bilevel.solve(e, { ...p, resume: bytes.slice(0, c) })) instanceof StateError, 'a cut state');
      // a resealed manifest edit: refused with StateError, or (a value that changes nothing) resumed to the same end
      const { m, payload } = opened(bytes);
      const path = edit.key.split('.');
      let o = m; for (const k of path.slice(0, -1)) o = o[k];
      o[path.at(-1)] = edit.value;
      let r;
      const err = expectCleanFailure(() => { r = bilevel.solve(e, { ...p, resume: reseal(bytes, m, payload) }); });
      if (err) assert.ok(err instanceof StateError, `${edit.key}: ${err.constructor.name} ${err.message}`);
      else assert.deepEqual([...r.x], [...ends[which]], `${edit.key} accepted`);
      // a resealed payload value: a non-finite vector entry or a negative second moment is refused; a finite edit resumes to finite values
      const pl = payload.slice(), f = new Float64Array(pl.buffer), i = slot % f.length;
      const entry = Object.entries(opened(bytes).m.entries).find(([, en]) => i * 8 >= en.offset && i * 8 < en.offset + en.bytes) ?? ['padding'];
      f[i] = val;
      const err2 = expectCleanFailure(() => { r = bilevel.solve(e, { ...p, resume: reseal(bytes, opened(bytes).m, pl) }); });
      // (scalars may hold NaN: hessianNorm is NaN where no default step used it)
      const refusable = entry[0] === 'padding' || (entry[0] !== 'scalars' && (!Number.isFinite(val) || (val < 0 && /m2|n2/.test(entry[0]))));
      if (err2) assert.ok(err2 instanceof StateError || !refusable, `payload ${entry[0]}: ${err2.message}`); // a huge finite x may make the run itself fail (NonFiniteError)
      else { assert.ok(!refusable, `payload ${entry[0]} = ${val} accepted`); checkResult(r, 2, 3); }
    }), { numRuns: runs(60) });
  for (const bad of [null, 'x', new Uint8Array(0), new Float64Array(4), {}, [1, 2]]) assert.ok(expectCleanFailure(() => bilevel.solve(e, { ...problems[0], resume: bad })) instanceof StateError);
  problems.forEach((p, i) => assert.deepEqual([...bilevel.solve(e, { ...p, resume: saved[i] }).x], [...ends[i]]));
});
