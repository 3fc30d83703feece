// Property tests over every exported optimizer (issue 15 §1–§2, issue 7 §3): random hyperparameters
// through the constructor and set(), random gradients through step(), random mutations of valid
// states through loadStateDict and loadState. Every failure is a SimdoptError with a code and leaves
// parameters and state bit for bit as they were; every accepted input, with finite gradients of
// moderate size, gives finite parameters, and an accepted state can be saved and loaded again.
// SIMDOPT_FUZZ_RUNS=N runs N cases per property and optimizer (default: a few, bounded in time).
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as simdopt from '../../dist/index.js';
import { expectCleanFailure, runs } from './contract.mjs';

const { init, ParamSet, Optimizer, HvpOptimizer, saveState, loadState } = simdopt;
const e = await init({ threads: 1 });
afterAll(() => e.dispose());

const SPEC = { a: [2, 3], b: 5 };
const classes = Object.entries(simdopt).filter(([, C]) => typeof C === 'function' && C.prototype instanceof Optimizer && C !== HvpOptimizer);
const identityHvp = (v, out) => out.set(v);
/** Options every instance needs (SGD's lr; the curvature optimizers' hvp). */
const EIGHT_BIT = new Set([simdopt.Adam8bit, simdopt.AdamW8bit, simdopt.Lion8bit, simdopt.SGD8bit]);
const required = (C) => ({ ...(C === simdopt.SGD || C === simdopt.LowPrecisionSGD ? { lr: 0.01 } : {}), ...(C.prototype instanceof HvpOptimizer ? { hvp: identityHvp } : {}),
  // The 8-bit optimizers: tensor a (6 elements) in 8-bit state, b (5) in 32-bit (bitsandbytes' rule with min_8bit_size = 6).
  ...(EIGHT_BIT.has(C) ? { min8bitSize: 6 } : {}), ...(C === simdopt.SGD8bit ? { lr: 0.01, momentum: 0.9 } : {}) });
const stepOf = (C) => (C === simdopt.SANIA ? (o) => o.step(1) : (o) => o.step());

function freshParams(seed = 1) {
  const ps = new ParamSet(e, SPEC);
  let s = seed;
  const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
  for (const t of ps.tensors) ps.setParam(t.name, Array.from({ length: t.size }, rnd));
  return ps;
}
function setGrads(ps, g) {
  let k = 0;
  for (const t of ps.tensors) { const v = ps.gradOf(t.name); for (let i = 0; i < t.size; i++) v[i] = g[k++ % g.length]; }
}
const allFinite = (ps) => ps.tensors.every((t) => ps.param(t.name).every(Number.isFinite));

// Numbers a user might pass: bad ones, edge ones and moderate ones.
const badNumber = fc.constantFrom(NaN, Infinity, -Infinity, -1, -1e-8, 1e39, -1e39, 1e-300, 1e300, 2 ** 53, -0);
const edgeNumber = fc.constantFrom(0, 1e-45, 1e-38, 1e-30, 1e-8, 0.5, 0.9, 0.999, 1, 1 - 1e-7, 2, 10, 1e6);
const wrongType = fc.constantFrom('0.1', null, true, false, [], {}, () => 0.1, 10n, [0.9], [0.9, 0.999], [0.9, 1.5], [NaN, 0.9], Object.create(null), [Object.create(null)]);
// Schedules: valid at step 0, some leave the valid range at a later step (a typed error then, nothing changed).
const schedule = fc.constantFrom((t) => (t < 1 ? 0.01 : 1e39), (t) => (t < 2 ? 0.5 : NaN), (t) => 0.01 / (1 + t), (t) => (t < 1 ? 0.1 : -1), (t) => (t < 1 ? 0.9 : '0.9'));
const anyValue = fc.oneof(badNumber, edgeNumber, wrongType, schedule, fc.double({ min: -20, max: 20, noNaN: true }));
const TYPOS = ['momentun', 'weight_decay', 'learning_rate', 'lR', 'beta', 'epsilon', 'betas1', 'maximise', 'nesterof'];
/** Finite gradients of moderate size, zero and subnormal ones included (zero gradients hit ε). */
const finiteGrads = fc.oneof(
  fc.constant([0]),
  fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 13 }),
  fc.array(fc.constantFrom(0, 1e-40, -1e-40, 1e-20, 1, -1, 1e3), { minLength: 1, maxLength: 13 }),
);
const anyGrads = fc.oneof(finiteGrads, fc.array(fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 3e38)), { minLength: 1, maxLength: 13 }));

/** Option names of `C`: its hyperparameter keys plus the pair options, for random option objects. */
function optionNames(C) {
  const ps = freshParams();
  try {
    const o = new C(ps, required(C));
    const keys = Object.keys(o.hyperparameters);
    o.free();
    return [...new Set([...keys, 'betas', 'etas', 'stepSizes', 'eps', 'nonFinite'])];
  } finally { ps.free(); }
}

/**
 * After an accepted change: a few steps with finite gradients keep every parameter finite (moderate
 * hyperparameters only). An ε below 1e-30 is not moderate: with a zero second moment (beta2 = 0 and a
 * zero gradient) the step is m / ε, which overflows f32 for m >= ε·3.4e38, in torch exactly as here
 * (Adam and DiffGrad with { beta2: 0, eps: 1e-45 } after one step give -Infinity in both).
 */
function moderate(h, defaults) {
  return Object.entries(h).every(([k, v]) => typeof v !== 'number' || v === defaults[k]
    || (/eps/i.test(k) ? v >= 1e-30 && v <= 10 : v === 0 || (Math.abs(v) >= 1e-45 && Math.abs(v) <= 10)));
}
function stepsStayFinite(C, o, ps, grads, name) {
  const step = stepOf(C);
  if (typeof o.train === 'function') o.train(); // Schedule-Free: a loaded state may be in eval mode
  for (let i = 0; i < 3; i++) {
    setGrads(ps, grads);
    const err = expectCleanFailure(() => step(o), ps, o);
    if (err) { assert.equal(err.code, 'INVALID_HYPERPARAMETER', `${name}: ${err.message}`); return; } // a schedule left its range
  }
  assert.ok(allFinite(ps), `${name}: finite gradients [${grads.slice(0, 4)}…] with ${JSON.stringify(o.hyperparameters)} gave non-finite parameters`);
}

const counts = {};
const count = (k) => { counts[k] = (counts[k] ?? 0) + 1; };
afterAll(() => { if (process.env.SIMDOPT_FUZZ_RUNS) console.log('fuzz case counts', counts); });

for (const [name, C] of classes) {
  const names = optionNames(C);
  const defaults = (() => { const ps = freshParams(); const o = new C(ps, required(C)); const h = o.hyperparameters; o.free(); ps.free(); return h; })();
  const optionObject = fc.dictionary(fc.constantFrom(...names, ...TYPOS), anyValue, { maxKeys: 3 });

  test(`${name}: constructor with random options: clean failure or finite steps`, () => {
    fc.assert(fc.property(optionObject, finiteGrads, (opts, grads) => {
      const ps = freshParams();
      try {
        let o;
        const err = expectCleanFailure(() => { o = new C(ps, { ...required(C), ...opts }); }, ps);
        const typo = Object.keys(opts).find((k) => TYPOS.includes(k));
        if (typo) {
          assert.ok(err, `${name} accepted the unknown option ${typo}`);
          count('ctor-typo-rejected');
          return;
        }
        if (err) { count('ctor-rejected'); return; }
        count('ctor-accepted');
        for (const v of Object.values(o.hyperparameters)) if (typeof v === 'number') assert.ok(Number.isFinite(Math.fround(v)) || v === Infinity, `${name}: ${v}`);
        if (moderate(o.hyperparameters, defaults)) stepsStayFinite(C, o, ps, grads, name);
        o.free();
      } finally { ps.free(); }
    }), { numRuns: runs(30) });
  });

  test(`${name}: set() with random changes and step() with random gradients: clean failure, state unchanged`, () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...Object.keys(defaults), ...TYPOS), anyValue, { maxKeys: 2 }), anyGrads, finiteGrads,
      (changes, grads, good) => {
        const ps = freshParams();
        const o = new C(ps, required(C));
        try {
          setGrads(ps, [0.1, -0.2]); stepOf(C)(o);
          const err = expectCleanFailure(() => o.set(changes), ps, o);
          if (Object.keys(changes).some((k) => TYPOS.includes(k))) assert.ok(err, `${name}: set() accepted an unknown key`);
          count(err ? 'set-rejected' : 'set-accepted');
          setGrads(ps, grads);
          const serr = expectCleanFailure(() => stepOf(C)(o), ps, o);
          count(serr ? 'step-rejected' : 'step-accepted');
          if (!grads.every(Number.isFinite)) assert.ok(serr, `${name}: step() accepted a non-finite gradient`);
          if (moderate(o.hyperparameters, defaults) && grads.every((g) => Math.abs(g) <= 1e3)) {
            if (!serr) assert.ok(allFinite(ps), `${name}: ${JSON.stringify(o.hyperparameters)} with gradients [${grads}] gave non-finite parameters`);
            stepsStayFinite(C, o, ps, good, name);
          }
        } finally { o.free(); ps.free(); }
      }), { numRuns: runs(30) });
  });

  // Mutations of a valid state dict: each returns the mutated copy (the original dict is not touched).
  const clone = (sd) => structuredClone(sd);
  const leafPaths = (v, p = []) => (v && typeof v === 'object' && !ArrayBuffer.isView(v)
    ? Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...p, k])) : [p]);
  const setPath = (o, p, v) => { let x = o; for (const k of p.slice(0, -1)) x = x[k]; x[p[p.length - 1]] = v; };
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('slot'), i: fc.nat(), v: fc.constantFrom(NaN, Infinity, -Infinity, -1, -1e-30, 1e38, 3.4e38) }),
    fc.record({ kind: fc.constant('step'), v: fc.constantFrom(-1, 0.5, 2 ** 31, 2 ** 53, 1e300, NaN, '3', null, Object.create(null), 7) }),
    fc.record({ kind: fc.constant('leaf'), i: fc.nat(), v: anyValue }),
    fc.record({ kind: fc.constantFrom('renameTensor', 'dropTensor', 'extraKey', 'hyperTypo', 'swapShape', 'otherOptimizer', 'version', 'extraSlot', 'truncateSlot') }),
  );
  function mutate(sd, m) {
    const s = clone(sd);
    const tensors = Object.keys(s.state);
    switch (m.kind) {
      case 'slot': {
        const slots = tensors.flatMap((t) => Object.keys(s.state[t]).map((k) => [t, k]));
        if (!slots.length) { s.step = -1; break; }
        const [t, k] = slots[m.i % slots.length];
        const a = s.state[t][k];
        // uint8 codes (the 8-bit optimizers' state1/state2) hold no invalid value: the corruption is f32 values in their place.
        if (a instanceof Uint8Array) { const x = Float32Array.from(a); x[m.i % x.length] = m.v; s.state[t][k] = x; break; }
        // A 16-bit slot (LowPrecision*) holds bit patterns: write the value's pattern in the state's format.
        const dt = s.lowPrecision?.stateDtype;
        a[m.i % a.length] = a instanceof Uint16Array ? (dt === 'f16' ? simdopt.toFloat16 : simdopt.toBfloat16)(e, [m.v])[0] : m.v; break;
      }
      case 'step': s.step = m.v; break;
      case 'leaf': {
        const paths = leafPaths(s).filter((p) => !['format', 'optimizer'].includes(p[0]));
        setPath(s, paths[m.i % paths.length], m.v); break;
      }
      case 'renameTensor': s.state.c = s.state.a; delete s.state.a; break;
      case 'dropTensor': delete s.state.b; break;
      case 'extraKey': s.momentun = 0.9; break;
      case 'hyperTypo': s.hyper.weight_decay = 0.1; break;
      case 'swapShape': s.shapes.a = [3, 2]; break;
      case 'otherOptimizer': s.optimizer = s.optimizer === 'sgd' ? 'adam' : 'sgd'; break;
      case 'version': s.version = 2; break;
      case 'extraSlot': s.state.a.bogus = new Float32Array(6); break;
      case 'truncateSlot': { const k = Object.keys(s.state.a)[0]; if (k) s.state.a[k] = s.state.a[k].subarray(1); else s.step = 0.5; break; }
    }
    return s;
  }

  test(`${name}: loadStateDict with mutated states: clean failure, or a state that saves, reloads and steps finitely`, () => {
    fc.assert(fc.property(mutation, finiteGrads, (m, grads) => {
      const ps = freshParams(), src = freshParams(2);
      const a = new C(src, required(C)), o = new C(ps, required(C));
      try {
        for (const g of [[0.3, -0.1, 0], [0, 0, 0]]) { setGrads(src, g); stepOf(C)(a); }
        const bad = mutate(a.stateDict(), m);
        const err = expectCleanFailure(() => o.loadStateDict(bad), ps, o);
        if (m.kind !== 'leaf' && m.kind !== 'slot' && !(m.kind === 'step' && m.v === 7)) {
          assert.ok(err, `${name}: a state with mutation ${JSON.stringify(m)} was accepted`);
        }
        if (m.kind === 'slot' && !Number.isFinite(m.v)) assert.ok(err, `${name}: a state with a ${m.v} slot value was accepted`);
        count(err ? 'load-rejected' : 'load-accepted');
        if (err) return;
        o.loadStateDict(o.stateDict());
        // Slots are checked for finiteness and sign, not for consistency with each other: a huge but
        // finite first moment next to a small second moment may overflow, so only moderate edits count here.
        const huge = (m.kind === 'slot' || m.kind === 'leaf') && typeof m.v === 'number' && Math.abs(m.v) > 1e3;
        if (!huge && moderate(o.hyperparameters, defaults)) stepsStayFinite(C, o, ps, grads, `${name} after load ${JSON.stringify(m)}`);
      } finally { a.free(); o.free(); ps.free(); src.free(); }
    }), { numRuns: runs(30) });
  });

  test(`${name}: loadState with bit flips, truncation and edited manifests: clean failure or a loadable state`, () => {
    const fileMutation = fc.oneof(
      fc.record({ kind: fc.constant('flip'), i: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('truncate'), i: fc.nat() }),
      fc.record({ kind: fc.constant('manifest'), m: mutation }),
      fc.record({ kind: fc.constant('payload'), i: fc.nat(), v: fc.constantFrom(NaN, -1, Infinity, 1e38) }),
    );
    fc.assert(fc.property(fileMutation, (fm) => {
      const ps = freshParams(), src = freshParams(2);
      const a = new C(src, required(C)), o = new C(ps, required(C));
      try {
        setGrads(src, [0.3, -0.1, 0.2]); stepOf(C)(a);
        const bytes = saveState(a);
        const bad = editFile(bytes, fm);
        const err = expectCleanFailure(() => loadState(o, bad), ps, o);
        // Any flipped bit breaks the checksum (or is in it); any truncation shortens the file.
        if (fm.kind === 'truncate' || fm.kind === 'flip') assert.ok(err, `${name}: a ${fm.kind} was accepted`);
        // (a value written to the payload may land in the alignment padding between arrays: no assertion on it)
        count(err ? 'file-rejected' : 'file-accepted');
        if (!err) o.loadStateDict(o.stateDict());
      } finally { a.free(); o.free(); ps.free(); src.free(); }
    }), { numRuns: runs(20) });
  });
}

// --- state files: CRC-32 (zlib) to re-seal edited files, so that the checks behind the checksum are reached.
const CRC = (() => { const t = new Uint32Array(256); for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; } return t; })();
function crc32(b) { let c = 0xffffffff; for (let i = 0; i < b.length; i++) c = CRC[(c ^ b[i]) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; }
function reseal(out) { new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true); return out; }
function editFile(bytes, fm) {
  if (fm.kind === 'flip') { const b = bytes.slice(); b[fm.i % b.length] ^= 1 << fm.bit; return b; }
  if (fm.kind === 'truncate') return bytes.slice(0, fm.i % bytes.length);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint32(16, true), start = Math.ceil((32 + len) / 16) * 16;
  if (fm.kind === 'payload') {
    const b = bytes.slice(), n = (b.length - 4 - start) / 4;
    if (n >= 1) new DataView(b.buffer).setFloat32(start + 4 * (fm.i % n), fm.v, true);
    return reseal(b);
  }
  // Edit the JSON manifest as a state dict mutation would, then rebuild the container.
  const man = JSON.parse(new TextDecoder().decode(bytes.subarray(32, 32 + len)));
  const m = fm.m;
  switch (m.kind) {
    case 'step': man.step = m.v; break;
    case 'renameTensor': man.tensors[0].name = 'c'; break;
    case 'dropTensor': man.tensors.pop(); break;
    case 'extraKey': man.fields.momentun = 0.9; break;
    case 'hyperTypo': man.groups[0].hyper.weight_decay = 0.1; break;
    case 'swapShape': man.tensors[0].shape = [3, 2]; break;
    case 'otherOptimizer': man.optimizer = 'sgd-x'; break;
    case 'version': man.stateVersion = 2; break;
    case 'extraSlot': if (man.tensors[0].entries[0]) man.tensors[0].entries.push({ ...man.tensors[0].entries[0], slot: 'bogus' }); else man.step = -1; break;
    case 'truncateSlot': if (man.tensors[0].entries[0]) man.tensors[0].entries[0].elements -= 1; else man.step = -1; break;
    default: {
      const leaves = JSON.stringify(man.groups[0].hyper) === '{}' ? [] : Object.keys(man.groups[0].hyper);
      if (leaves.length) man.groups[0].hyper[leaves[m.i % leaves.length]] = typeof m.v === 'number' && !Number.isFinite(m.v) ? { $num: String(m.v) }
        : typeof m.v === 'bigint' || typeof m.v === 'function' ? String(m.v) : (m.v ?? null);
    }
  }
  const json = new TextEncoder().encode(JSON.stringify(man));
  const payload = bytes.subarray(start, bytes.length - 4);
  const ns = Math.ceil((32 + json.length) / 16) * 16, total = ns + payload.length + 4;
  const out = new Uint8Array(total);
  out.set(bytes.subarray(0, 32)); out.set(json, 32); out.set(payload, ns);
  const o = new DataView(out.buffer);
  o.setUint32(16, json.length, true); o.setUint32(24, total, true); o.setUint32(28, 0, true);
  return reseal(out);
}

test('the registry covers every exported optimizer', () => {
  assert.ok(classes.length >= 30, `only ${classes.length} optimizer classes found`);
});

// LBFGS and SAM are not Optimizer subclasses (closure-driven): the same properties, their own entry points.
const quadratic = (ps) => () => {                    // f = ½‖p‖², ∇f = p
  let f = 0;
  for (const t of ps.tensors) { const p = ps.param(t.name), g = ps.gradOf(t.name); for (let i = 0; i < p.length; i++) { g[i] = p[i]; f += p[i] * p[i] / 2; } }
  return f;
};
const LBFGS_KEYS = ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn'];

test('LBFGS: constructor, set() and loadStateDict with random inputs: clean failure, or finite steps', () => {
  const value = fc.oneof(anyValue, fc.constantFrom('strong_wolfe', 3, 50));
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('slot'), v: fc.constantFrom(NaN, Infinity, -Infinity, 1e38) }),
    fc.record({ kind: fc.constant('step'), v: fc.constantFrom(-1, 0.5, 2 ** 31, 2 ** 53, 1e300, NaN, '3', null, Object.create(null), 7) }),
    fc.record({ kind: fc.constantFrom('extraKey', 'otherOptimizer') }),
  );
  fc.assert(fc.property(fc.dictionary(fc.constantFrom(...LBFGS_KEYS, ...TYPOS), value, { maxKeys: 3 }),
    fc.dictionary(fc.constantFrom(...LBFGS_KEYS, ...TYPOS), value, { maxKeys: 2 }), mutation, (opts, changes, m) => {
      const ps = freshParams();
      let o;
      try {
        const err = expectCleanFailure(() => { o = new simdopt.LBFGS(ps, opts); }, ps);
        if (Object.keys(opts).some((k) => TYPOS.includes(k))) assert.ok(err, 'LBFGS accepted an unknown option');
        count(err ? 'lbfgs-ctor-rejected' : 'lbfgs-ctor-accepted');
        if (err) { o = new simdopt.LBFGS(ps, { maxIter: 3 }); }
        const serr = expectCleanFailure(() => o.set(changes), ps, o);
        if (Object.keys(changes).some((k) => TYPOS.includes(k))) assert.ok(serr, 'LBFGS set() accepted an unknown key');
        if (o.hyperparameters.maxIter > 20 || o.hyperparameters.maxEval > 25) o.set({ maxIter: 3, maxEval: 4 });
        o.step(quadratic(ps));
        if (o.hyperparameters.lr <= 10) assert.ok(allFinite(ps), `LBFGS ${JSON.stringify(o.hyperparameters)} gave non-finite parameters`);
        const sd = o.stateDict();
        const bad = structuredClone(sd);
        if (m.kind === 'step') bad.step = m.v; else if (m.kind === 'extraKey') bad.momentun = 1; else if (m.kind === 'otherOptimizer') bad.optimizer = 'sgd';
        else if (m.kind === 'slot') { const t = Object.values(bad.state)[0]; const k = Object.keys(t)[0]; if (k && t[k].length) t[k][0] = m.v; }
        const lerr = expectCleanFailure(() => o.loadStateDict(bad), ps, o);
        if (['extraKey', 'otherOptimizer'].includes(m.kind) || (m.kind === 'step' && m.v !== 7)) assert.ok(lerr, `LBFGS accepted ${JSON.stringify(m)}`);
        if (!lerr) o.loadStateDict(o.stateDict());
      } finally { o?.free?.(); ps.free(); }
    }), { numRuns: runs(40) });
});

test('SAM: constructor and set() with random inputs: clean failure, state unchanged', () => {
  fc.assert(fc.property(fc.dictionary(fc.constantFrom('rho', 'adaptive', ...TYPOS), anyValue, { maxKeys: 2 }),
    fc.dictionary(fc.constantFrom('rho', 'adaptive', ...TYPOS), anyValue, { maxKeys: 2 }), (opts, changes) => {
      const ps = freshParams(), base = new simdopt.SGD(ps, { lr: 0.01 });
      let s;
      try {
        const err = expectCleanFailure(() => { s = new simdopt.SAM(ps, { base, ...opts }); }, ps, base);
        if (Object.keys(opts).some((k) => TYPOS.includes(k))) assert.ok(err, 'SAM accepted an unknown option');
        if (err) return;
        const before = [s.rho, s.adaptive];
        const serr = expectCleanFailure(() => s.set(changes), ps, base);
        if (serr) assert.deepEqual([s.rho, s.adaptive], before);
        if (Object.keys(changes).some((k) => TYPOS.includes(k))) assert.ok(serr, 'SAM set() accepted an unknown key');
      } finally { base.free(); ps.free(); }
    }), { numRuns: runs(40) });
});
