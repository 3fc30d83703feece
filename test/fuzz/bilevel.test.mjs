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
import { init, bilevel, NonFiniteError, LengthMismatchError, InvalidArgumentError } from '../../dist/index.js';
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
  'unrollMemory', 'powerSteps', 'fdStep', 'maxDense', 'outer', 'innerstep', 'lr', 'steps', 'cgsteps', 'xMin', 'xMax', 'penalty'];
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

const FIELDS = ['upper', 'lower', 'model', 'x0', 'y0', 'method', 'options', 'onIteration', 'extra'];
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
    const err = expectCleanFailure(() => { r = bilevel.solve(e, { upper: u, lower: l, x0, y0, method: m, ...(sto ? { samples: { lower: 7, upper: 5 } } : {}), options: { ...(m === 'soba' ? {} : { innerSteps: 8 }), ...(sto ? { batchSize: 3 } : {}), outer: { steps: 2 } } }); }, () => [x0, y0]);
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
  const KINDS = ['ridge', 'quadratic', 'logistic', 'softmax'], BASE = { ridge, quadratic: quad, logistic: glm, softmax: soft };
  fc.assert(fc.property(fc.constantFrom(...KINDS), fc.dictionary(fc.constantFrom('features', 'trainX', 'trainY', 'valX', 'valY', 'hyper', 'alpha', 'dx', 'dy', 'lower', 'upper', 'extra', 'classes', 'weights'),
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
    mdl.free();
  }), { numRuns: runs(200) });
});
