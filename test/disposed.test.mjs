// Issue 15 §4: disposed means disposed. Every method of every object that lives on an engine (the
// engine, EngineBuffers, ParamSets, every exported optimizer, the wrappers, transformation states)
// throws DisposedError once the object was freed or its engine disposed, whatever the arguments,
// and a freed ParamSet cannot be given to a constructor. Methods are enumerated from the prototypes,
// so a method added later is covered without editing this file.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as simdopt from '../dist/index.js';

const { init, ParamSet, Optimizer, DisposedError, EngineBuffer, LBFGS, SAM, SGD, Lookahead, EMA, SWA, chain, scaleByAdam, scale, TransformState } = simdopt;
// HvpOptimizer is the abstract base of the curvature optimizers (its constructor refuses)
const OPTIMIZERS = Object.entries(simdopt).filter(([n, C]) => typeof C === 'function' && C.prototype instanceof Optimizer && n !== 'HvpOptimizer');
const hvp = (v, out) => out.set(v);

/** Every method name on `obj`'s prototype chain below Object.prototype (getters excluded). */
function methods(obj) {
  const names = new Set();
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) if (k !== 'constructor' && typeof d.value === 'function') names.add(k);
  }
  return [...names];
}
/** The liveness queries, which answer by design once an object is freed (how else would one ask). */
const LIVENESS = ['freed', 'isDisposed'];
/** Every getter on `obj`'s prototype chain below Object.prototype, but the liveness queries. */
function getters(obj) {
  const names = new Set();
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) if (typeof d.get === 'function' && !LIVENESS.includes(k)) names.add(k);
  }
  return [...names];
}

/** TypeScript's private and protected members per class, read from the published declarations. */
const HIDDEN = new Map();
for (const m of readFileSync(new URL('../dist/index.d.ts', import.meta.url), 'utf8').matchAll(/declare (?:abstract )?class (\w+)[^{]*\{([\s\S]*?)\n\}/g)) {
  HIDDEN.set(m[1], new Set([...m[2].matchAll(/^\s+(?:private|protected)\s+(?:abstract\s+|readonly\s+|static\s+|get\s+|set\s+)*(\w+)/gm)].map((x) => x[1])));
}
/** Whether method `m` of `obj` is public (the class defining it does not declare it private/protected). */
function isPublic(obj, m) {
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.prototype.hasOwnProperty.call(p, m)) return !(HIDDEN.get(p.constructor.name.replace(/^_+/, ''))?.has(m)); // esbuild names some classes _X
  }
  return true;
}

const failures = [];
let getterCount = 0;
/** Asserts that no expectDisposed call since the last check found a method that still answered. */
function checkFailures() { const f = failures.splice(0); assert.deepEqual(f, [], `methods that still answer after free()/dispose():\n${f.join('\n')}`); }

function expectDisposed(obj, label, argsFor = () => [[]], allowed = []) {
  const names = methods(obj).filter((m) => isPublic(obj, m) && !allowed.includes(m));
  assert.ok(names.length > 0, `${label}: no methods found`);
  const gs = getters(obj).filter((g) => isPublic(obj, g));
  for (const g of gs) {
    let err;
    try { void obj[g]; } catch (e) { err = e; }
    if (!(err instanceof DisposedError) || err.code !== 'DISPOSED') failures.push(`${label}.${g} (getter): ${err ? `${err.name}: ${err.message}` : 'no error'}`);
  }
  getterCount += gs.length;
  for (const m of names) {
    for (const args of argsFor(m)) {
      let err;
      try { const r = obj[m](...args); if (r && typeof r.then === 'function') r.catch(() => {}); } catch (e) { err = e; }
      if (obj instanceof simdopt.Engine && m === 'dispose') continue; // idempotent by design
      if (!(err instanceof DisposedError) || err.code !== 'DISPOSED') failures.push(`${label}.${m}(${args.length} args): ${err ? `${err.name}: ${err.message}` : 'no error'}`);
    }
  }
  return names.length;
}

/** Before free(): every getter answers (no DisposedError), so a getter that always threw would not pass above. */
function answersWhileLive(obj, label) {
  for (const g of getters(obj).filter((x) => isPublic(obj, x))) {
    try { void obj[g]; } catch (e) { if (e instanceof DisposedError) failures.push(`${label}.${g} (getter) throws DisposedError while live`); }
  }
}

async function fixture() {
  const e = await init({ threads: 1 });
  const ps = new ParamSet(e, { w: [2, 3], b: 3 });
  ps.setParam('w', [1, 2, 3, 4, 5, 6]); ps.setGrad('w', [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  return { e, ps };
}
function makeOptimizer(C, ps) {
  if (C === LBFGS) return new LBFGS(ps);
  try { return new C(ps, { lr: 1e-3, hvp }); } catch { return new C(ps, { lr: 1e-3, ...(C === simdopt.SGD8bit ? { momentum: 0.9 } : {}) }); }
}
const validArgs = (ps) => (m) => [[], [ps.data], ['w', [1, 2, 3, 4, 5, 6]], [{ lr: 0.01 }], [() => 0]];

test('engine and EngineBuffer: every method after dispose() / free()', async () => {
  const { e, ps } = await fixture();
  const b = e.alloc(4);
  answersWhileLive(b, 'EngineBuffer'); answersWhileLive(e, 'engine'); answersWhileLive(ps, 'ParamSet');
  b.free();
  expectDisposed(b, 'freed EngineBuffer', () => [[], [[1, 2, 3, 4]]]);
  const live = e.alloc(4);
  await e.dispose();
  expectDisposed(live, 'EngineBuffer of a disposed engine', () => [[], [[1, 2, 3, 4]]]);
  assert.throws(() => live.array, DisposedError);
  const n = expectDisposed(e, 'disposed engine', (m) => [[], [4], [live], ['adam_f32'], [1, 2]]);
  assert.ok(n >= 15, `only ${n} engine methods`);
  expectDisposed(ps, 'ParamSet of a disposed engine', validArgs(ps));
  checkFailures();
});

test('ParamSet: every method after free(); a freed ParamSet is refused by every constructor', async () => {
  const { e, ps } = await fixture();
  ps.free();
  expectDisposed(ps, 'freed ParamSet', validArgs(ps));
  for (const [name, C] of OPTIMIZERS) {
    assert.throws(() => makeOptimizer(C, ps), DisposedError, name);
  }
  assert.throws(() => new LBFGS(ps), DisposedError);
  assert.throws(() => new EMA(ps, { decay: 0.9 }), DisposedError);
  assert.throws(() => new SWA(ps), DisposedError);
  assert.throws(() => chain(scale(2)).init(ps), DisposedError);
  assert.throws(() => simdopt.clipGradNorm(ps, 1), DisposedError);
  await e.dispose();
  checkFailures();
});

test('every exported optimizer: every method after free(), and after the engine was disposed', async () => {
  let count = 0;
  for (const [name, C] of [...OPTIMIZERS, ['LBFGS', LBFGS]]) {
    for (const how of ['free', 'dispose', 'freeParams']) {
      const { e, ps } = await fixture();
      const opt = makeOptimizer(C, ps);
      answersWhileLive(opt, name);
      if (how === 'free') opt.free(); else if (how === 'freeParams') ps.free(); else await e.dispose();
      // an optimizer whose ParamSet was freed may still release its own state
      count += expectDisposed(opt, `${name} (${how})`, validArgs(ps), how === 'freeParams' ? ['free'] : []);
      if (how === 'freeParams') opt.free();
      if (how !== 'dispose') await e.dispose();
    }
  }
  assert.ok(count > 100, `only ${count} methods checked`);
  checkFailures();
});

test('SAM, Lookahead, EMA, SWA and transformation states: every method after free() / dispose()', async () => {
  for (const how of ['free', 'dispose']) {
    const { e, ps } = await fixture();
    const objs = {
      SAM: new SAM(ps, { base: (p) => new SGD(p, { lr: 0.1 }) }),
      Lookahead: new Lookahead(new SGD(ps, { lr: 0.1 })),
      EMA: new EMA(ps, { decay: 0.9 }),
      SWA: new SWA(ps),
      TransformState: chain(scaleByAdam(), scale(-1e-3)).init(ps),
    };
    for (const [name, o] of Object.entries(objs)) answersWhileLive(o, name);
    if (how === 'free') for (const o of Object.values(objs)) o.free(); else await e.dispose();
    for (const [name, o] of Object.entries(objs)) expectDisposed(o, `${name} (${how})`, validArgs(ps));
    if (how === 'free') await e.dispose();
  }
  checkFailures();
});

test('getters are covered: the engine-owned classes have getters and each was checked', () => {
  assert.ok(getterCount > 150, `only ${getterCount} getters checked`);
});

test('schedules made on an engine: after engine.dispose() every schedule function throws DisposedError', async () => {
  const e = await init({ threads: 1 });
  const made = {
    polynomialSchedule: simdopt.polynomialSchedule(e, { init: 1, end: 0, power: 2, transitionSteps: 10 }),
    linearSchedule: simdopt.linearSchedule(e, { init: 1, end: 0, transitionSteps: 10 }),
    exponentialDecay: simdopt.exponentialDecay(e, { init: 1, transitionSteps: 2, decayRate: 0.5 }),
    cosineDecay: simdopt.cosineDecay(e, { init: 1, decaySteps: 10 }),
    warmupCosineDecay: simdopt.warmupCosineDecay(e, { init: 0, peak: 1, warmupSteps: 2, decaySteps: 10 }),
    stepDecay: simdopt.stepDecay(e, { init: 1, stepSize: 3 }),
    oneCycle: simdopt.oneCycle(e, { maxLr: 1, totalSteps: 10 }),
    multiStepDecay: simdopt.multiStepDecay(e, { init: 1, milestones: [2, 5] }),
    cosineWarmRestarts: simdopt.cosineWarmRestarts(e, { init: 1, t0: 4 }),
    cyclicSchedule: simdopt.cyclicSchedule(e, { baseLr: 0.1, maxLr: 1 }),
    warmupStableDecay: simdopt.warmupStableDecay(e, { peak: 1, warmupSteps: 2, stableSteps: 2, decaySteps: 4 }),
    rexSchedule: simdopt.rexSchedule(e, { init: 1, totalSteps: 10 }),
    linearDecayToZero: simdopt.linearDecayToZero(e, { init: 1, totalSteps: 10 }),
    refinedSchedule: simdopt.refinedSchedule(e, { init: 1, gradNorms: [1, 2, 3, 4] }),
  };
  // every exported factory whose first parameter is the engine is in the table
  const src = readFileSync(new URL('../dist/index.d.ts', import.meta.url), 'utf8');
  const engineMade = [...src.matchAll(/declare function (\w+)\(engine: Engine, o:/g)].map((m) => m[1]).filter((n) => /Schedule|Decay|Cycle|Restarts|Zero/i.test(n));
  assert.deepEqual(engineMade.filter((n) => !(n in made)), [], 'schedule factories missing from this test');
  for (const [n, f] of Object.entries(made)) assert.equal(typeof f(3), 'number', n);
  await e.dispose();
  for (const [n, f] of Object.entries(made)) {
    let err;
    try { f(3); } catch (x) { err = x; }
    if (!(err instanceof DisposedError)) failures.push(`${n}(3) after dispose: ${err ? `${err.name}: ${err.message}` : 'no error'}`);
  }
  checkFailures();
});
