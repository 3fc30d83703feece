// Issue 15 §1–§4 / issue 7 §3, the entries entries.test.mjs leaves out: engine.requireGroup / groups /
// faults, importTorchState (real torch 1.13 state dicts from test/fixtures/torch-state.json, randomly
// mutated: renamed or deleted keys, wrong shapes, truncated arrays, bigint/strings/NaN where numbers
// go, missing param_groups), the HVP helpers (rademacher, hutchinson, finiteDifferenceHvp, the
// HvpOptimizer subclasses' hvp option and setter), ReduceLROnPlateau.step/loadStateDict and the
// transform factories' options. Every failure is a SimdoptError with a code and leaves parameters and
// optimizer state bit for bit as before; after engine.dispose() every engine-bound entry raises
// DisposedError. Bounded (about a second); SIMDOPT_FUZZ_RUNS=N runs N cases per property.
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import * as S from '../../dist/index.js';
import { expectCleanFailure, expectRejected, runs } from './contract.mjs';

const fx = JSON.parse(readFileSync(new URL('../fixtures/torch-state.json', import.meta.url), 'utf8'));
let e;
beforeAll(async () => { e = await S.init({ threads: 1 }); });
afterAll(async () => { await e?.dispose(); });

const BAD = [
  () => null, () => undefined, () => 0, () => -1, () => NaN, () => Infinity, () => -Infinity, () => 1.5, () => 2 ** 32, () => 2 ** 53,
  () => '', () => 'x', () => '0.1', () => true, () => ({}), () => [], () => [1], () => new Float32Array(3), () => Symbol('s'), () => 10n,
  () => () => 0, () => new Map(), () => ({ name: 'nope' }), () => ({ name: 42 }), () => Object.create(null),
  () => { const b = e.alloc(4); b.free(); return b; }, () => e.alloc(3, 'i32'), () => e.alloc(2),
];
const bad = fc.integer({ min: 0, max: BAD.length - 1 }).map((i) => BAD[i]);
const count = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
const report = (what, n, seen) => console.log(`fuzz ${what}: ${n} cases, ${seen.get('ok') ?? 0} accepted, error codes`, Object.fromEntries([...seen].filter(([k]) => k !== 'ok')));

function fixture() {
  const ps = new S.ParamSet(e, { w: [2, 3], b: 3 });
  ps.setParam('w', [1, -2, 3, -4, 5, -6]); ps.setParam('b', [0.5, 0.25, -1]);
  ps.setGrad('w', [0.1, 0.2, -0.3, 0.4, 0.5, 0.6]); ps.setGrad('b', [1, 2, 3]);
  return ps;
}
const identityHvp = (v, out) => out.set(v);
const HVP_CLASSES = [S.AdaHessian, S.Sophia, S.OASIS, S.SANIA];

/** Engine and HVP entries: name, valid arguments, the call (frees what it made). */
function entries(ps) {
  const n = ps.size;
  const z = e.alloc(n), hz = e.alloc(n), out = e.alloc(n);
  const opt = new S.AdaHessian(ps, { lr: 1e-3, hvp: identityHvp });
  const list = [
    ['requireGroup', [{ name: 'core' }], (g) => e.requireGroup(g)],
    ['rademacher', [e, out, 7, 3, 0], (...a) => S.rademacher(...a)],
    ['hutchinson', [e, z, hz, out], (...a) => S.hutchinson(...a)],
    ['finiteDifferenceHvp', [ps, () => {}, { eps: 1e-3, central: true }], (a, b, c) => S.finiteDifferenceHvp(a, b, c).free()],
    ['fdHvp options', [{ eps: 1e-3, central: false }], (o) => S.finiteDifferenceHvp(ps, () => {}, o).free()],
    ['fdHvp call', [ps.grad.array, out.array], (v, o) => { const f = S.finiteDifferenceHvp(ps, () => {}); try { f(v, o); } finally { f.free(); } }],
    ['hvp setter', [identityHvp], (f) => { opt.hvp = f; }],
    ['step(hvp)', [identityHvp], (f) => opt.step(f)],
  ];
  for (const C of HVP_CLASSES) list.push([`new ${C.name}`, [ps, { lr: 1e-3, hvp: identityHvp }], (a, b) => new C(a, b).free()]);
  return { opt, list, free: () => { z.free(); hz.free(); out.free(); opt.free(); } };
}

test('engine and HVP entries: a wrong argument gives a SimdoptError with a code, nothing changed', () => {
  const ps0 = fixture(); const k0 = entries(ps0); const names = k0.list.map((x) => x[0]); k0.free(); ps0.free();
  const seen = new Map(); let cases = 0;
  fc.assert(fc.property(fc.integer({ min: 0, max: names.length - 1 }), fc.nat(), bad, (ei, pos, mk) => {
    cases++;
    const ps = fixture(); const { opt, list, free } = entries(ps);
    const [name, args, call] = list[ei];
    const k = pos % args.length; const a = args.slice(); a[k] = mk();
    try {
      const err = expectCleanFailure(() => call(...a), ps, opt, () => e.groups, () => e.faults);
      count(seen, err ? err.code : 'ok');
    } catch (x) { x.message = `${name} with argument ${k} replaced: ${x.message}`; throw x; } finally { free(); ps.free(); }
  }), { numRuns: runs(400) });
  report('engine/hvp entries', cases, seen);
}, 60_000);

// ---- importTorchState: random mutations of real torch state dicts ----
const WRONG = [null, undefined, NaN, Infinity, -Infinity, -1, 1.5, 1e39, '1', 'x', 10n, true, {}, [], [1], [[1, 2], [3]], [NaN], ['0.1'], [10n], () => 0];
function paths(v, at = [], out = []) {
  if (v && typeof v === 'object') for (const k of Object.keys(v)) { out.push([...at, k]); paths(v[k], [...at, k], out); }
  return out;
}
/** One mutation of `sd` (a deep copy) chosen by the random numbers `r`. */
/** WRONG[i], copied when it is an object, so that later mutations never write into the shared constants. */
const wrong = (i) => { const v = WRONG[i % WRONG.length]; return v !== null && typeof v === 'object' ? structuredClone(v) : v; };
function mutate(sd, r) {
  const all = paths(sd); const p = all[r[0] % all.length]; const key = p.at(-1);
  let parent = sd; for (const k of p.slice(0, -1)) parent = parent[k];
  const kind = r[1] % 6;
  if (kind === 0) parent[key] = wrong(r[2]);
  else if (kind === 1) { if (Array.isArray(parent)) parent.splice(Number(key), 1); else delete parent[key]; }
  else if (kind === 2 && !Array.isArray(parent)) { parent[`${key}_x`] = parent[key]; delete parent[key]; }
  else if (kind === 3 && Array.isArray(parent[key])) parent[key] = parent[key].slice(0, r[2] % Math.max(1, parent[key].length));
  else if (kind === 4 && Array.isArray(parent[key])) parent[key] = [parent[key]]; // one more dimension
  else if (kind === 5) { const n = Number(parent[key]); parent[key] = r[2] % 2 ? BigInt(Number.isInteger(n) ? n : 1) : String(parent[key]); }
  else parent[key] = wrong(r[2]);
  return `${kind} at ${p.join('.')}`;
}
function torchFixture(c) {
  const ps = new S.ParamSet(e, c.shapes);
  for (const [n, v] of Object.entries(c.model_state)) ps.setParam(n, v);
  const k = c.kwargs;
  const fixed = { amsgrad: k.amsgrad, centered: k.centered, momentum: k.momentum, initialAccumulatorValue: k.initial_accumulator_value };
  for (const key of Object.keys(fixed)) if (fixed[key] === undefined) delete fixed[key];
  const opt = new S[c.optimizer](ps, { ...(c.optimizer === 'SGD' ? { lr: 1 } : {}), groups: c.grouped ? [{ params: /bias$/ }] : undefined, ...fixed });
  return { ps, opt };
}

test('importTorchState: mutated torch state dicts are refused cleanly (StateError, nothing changed)', () => {
  const seen = new Map(); let cases = 0;
  fc.assert(fc.property(fc.integer({ min: 0, max: fx.cases.length - 1 }), fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), (ci, r, times, how) => {
      cases++;
      const c = fx.cases[ci]; const { ps, opt } = torchFixture(c);
      const sd = structuredClone(c.optimizer_state); const done = [];
      for (let i = 0; i < times; i++) done.push(mutate(sd, r.map((x) => x + i * 7919)));
      // a truncated JSON text of the mutated dict (a mutation may make it circular: then of the original)
      let text;
      try { text = JSON.stringify(sd, (_, v) => (typeof v === 'bigint' ? Number(v) : v)); } catch { text = JSON.stringify(c.optimizer_state); }
      const call = [
        () => S.importTorchState(opt, sd, { names: c.param_names }),
        () => S.importTorchState(opt, text.slice(0, r[0] % 400 + 1), { names: c.param_names }),
        () => S.importTorchState(opt, sd, { names: c.param_names.slice(0, r[2] % c.param_names.length) }),
        () => S.importTorchState(opt, sd, r[2] % 3 === 0 ? null : r[2] % 3 === 1 ? { names: 'w' } : { names: c.param_names, step: WRONG[r[1] % WRONG.length], typo: 1 }),
      ][how];
      try {
        const err = expectCleanFailure(call, ps, opt);
        count(seen, err ? err.code : 'ok');
      } catch (x) { x.message = `${c.label}, mutations ${done.join('; ')}, call ${how}: ${x.message}`; throw x; } finally { opt.free(); ps.free(); }
    }), { numRuns: runs(300) });
  report('importTorchState', cases, seen);
}, 60_000);

test('importTorchState: wrong optimizer or state arguments are refused cleanly', () => {
  const c = fx.cases[0]; const { ps, opt } = torchFixture(c);
  const seen = new Map(); let cases = 0;
  try {
    fc.assert(fc.property(bad, fc.boolean(), (mk, first) => {
      cases++;
      const err = expectRejected(() => (first ? S.importTorchState(mk(), c.optimizer_state, { names: c.param_names }) : S.importTorchState(opt, mk(), { names: c.param_names })), ps, opt);
      count(seen, err.code);
    }), { numRuns: runs(100) });
  } finally { opt.free(); ps.free(); }
  report('importTorchState arguments', cases, seen);
});

// ---- ReduceLROnPlateau and the transform factories ----
test('ReduceLROnPlateau.step / loadStateDict and transform factories: bad values are refused cleanly', () => {
  const FACTORIES = [
    ['scale', (x) => S.scale(x)], ['scaleByAdam', (x) => S.scaleByAdam(x)], ['scaleByAdam b1', (x) => S.scaleByAdam({ b1: x })],
    ['scaleByRms', (x) => S.scaleByRms(x)], ['scaleByStddev', (x) => S.scaleByStddev({ decay: x })], ['traceMomentum', (x) => S.traceMomentum({ decay: x })],
    ['ema', (x) => S.ema({ decay: x })], ['clipByValue', (x) => S.clipByValue(x)], ['clipByGlobalNorm', (x) => S.clipByGlobalNorm(x)],
    ['adaptiveGradClip', (x) => S.adaptiveGradClip(x)], ['addDecayedWeights', (x) => S.addDecayedWeights(x)], ['scaleBySchedule', (x) => S.scaleBySchedule(x)],
    ['scaleByLearningRate', (x) => S.scaleByLearningRate(x)], ['multiSteps', (x) => S.multiSteps(S.identity(), x)], ['lookahead', (x) => S.lookahead(S.identity(), x)],
    ['masked', (x) => S.masked(S.identity(), x)], ['chain', (x) => S.chain(S.identity(), x)], ['typo', (x) => S.scaleByAdam({ b1: 0.9, bx: x })],
  ];
  const ps = fixture();
  const seen = new Map(); let cases = 0;
  try {
    fc.assert(fc.property(fc.integer({ min: 0, max: FACTORIES.length + 1 }), bad, (fi, mk) => {
      cases++;
      if (fi < FACTORIES.length) {
        // A factory either refuses its options or makes a transformation whose init/update keep the contract.
        const [name, f] = FACTORIES[fi];
        let tx;
        const err = expectCleanFailure(() => { tx = f(mk()); }, ps);
        count(seen, err ? err.code : 'ok');
        if (tx) {
          let st;
          try { const e2 = expectCleanFailure(() => { st = tx.init(ps); }, ps); if (e2) count(seen, e2.code); if (st) { const e3 = expectCleanFailure(() => tx.update(ps.grad, st, ps), ps, () => st.stateDict?.()); if (e3) count(seen, e3.code); } } catch (x) { x.message = `${name}: ${x.message}`; throw x; } finally { st?.free?.(); }
        }
        return;
      }
      const p = new S.ReduceLROnPlateau({ init: 0.1, patience: 1 });
      p.step(1); p.step(2);
      const snap = () => [p.lr, p.numBadSteps, p.stateDict()];
      const err = fi === FACTORIES.length ? expectCleanFailure(() => p.step(mk()), snap) : expectCleanFailure(() => p.loadStateDict(mk()), snap);
      count(seen, err ? err.code : 'ok');
    }), { numRuns: runs(400) });
  } finally { ps.free(); }
  report('plateau/transforms', cases, seen);
}, 60_000);

// ---- after dispose ----
test('after engine.dispose(): requireGroup, groups, faults, importTorchState and the HVP helpers raise DisposedError', async () => {
  const d = await S.init({ threads: 1 });
  const ps = new S.ParamSet(d, { w: 4 }); const buf = d.alloc(4), buf2 = d.alloc(4), buf3 = d.alloc(4);
  const opt = new S.AdaHessian(ps, { lr: 1e-3, hvp: identityHvp });
  const sgd = new S.SGD(ps, { lr: 0.1, momentum: 0.9 });
  const fd = S.finiteDifferenceHvp(ps, () => {});
  const torch = { state: {}, param_groups: [{ lr: 0.1, momentum: 0.9, dampening: 0, weight_decay: 0, nesterov: false, maximize: false, params: [0] }] };
  const v = ps.grad.array, o = buf.array;
  await d.dispose();
  const calls = {
    requireGroup: () => d.requireGroup({ name: 'core' }), groups: () => d.groups, faults: () => d.faults,
    importTorchState: () => S.importTorchState(sgd, torch, { names: ['w'] }),
    rademacher: () => S.rademacher(d, buf, 1, 2), hutchinson: () => S.hutchinson(d, buf, buf2, buf3),
    finiteDifferenceHvp: () => S.finiteDifferenceHvp(ps, () => {}), 'finiteDifferenceHvp call': () => fd(v, o),
    'new AdaHessian': () => new S.AdaHessian(ps, { hvp: identityHvp }), 'HvpOptimizer.hvp': () => opt.hvp, 'HvpOptimizer.step': () => opt.step(),
  };
  for (const [name, f] of Object.entries(calls)) {
    let err; try { f(); } catch (x) { err = x; }
    assert.ok(err instanceof S.DisposedError, `${name} after dispose: expected DisposedError, got ${err?.name ?? 'no error'}: ${err?.message}`);
    assert.equal(err.code, new S.DisposedError('x').code);
  }
  console.log(`fuzz dispose: ${Object.keys(calls).length} entries raise DisposedError`);
});
