// Issue 15 §5: messages that say what to do. One case per message class: a wrong type shows the value
// with its type, an unknown name lists the accepted ones and the nearest match, a missing argument
// names what was expected. (Worker start failures: test/worker-fallback.test.mjs.)
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import * as S from '../dist/index.js';

let e, ps;
beforeAll(async () => { e = await S.init({ threads: 1 }); ps = new S.ParamSet(e, { weight: 3, bias: 2 }); });
afterAll(async () => { await e.dispose(); });

function message(f, code) {
  try { f(); } catch (x) { assert.ok(x instanceof S.SimdoptError, `${x.name}: ${x.message}`); assert.equal(x.code, code); return x.message; }
  assert.fail('no error');
}

test('a wrong type shows the value with its type', () => {
  assert.match(message(() => new S.Adam(ps, { lr: '0.1' }), 'INVALID_HYPERPARAMETER'), /lr must be a finite number, got string "0\.1"/);
  assert.match(message(() => new S.AdamW(ps, { betas: 0.9 }), 'INVALID_HYPERPARAMETER'), /betas must be a pair \[a, b\], got number 0\.9/);
  assert.match(message(() => e.pow('2', 3), 'INVALID_ARGUMENT'), /x must be a number, got string "2"/);
  assert.match(message(() => e.alloc(-1), 'LENGTH_MISMATCH'), /got number -1/);
});

test('an unknown name lists the accepted ones and the nearest match', () => {
  const t = message(() => ps.param('wieght'), 'INVALID_STATE');
  assert.match(t, /"wieght"/); assert.match(t, /did you mean "weight"\?/); assert.match(t, /Accepted: "weight", "bias"/);
  const k = message(() => e.kernel('pow_f65'), 'UNSUPPORTED');
  assert.match(k, /did you mean "pow_f64"\?/);
  assert.match(message(() => e.alloc(3, 'f23'), 'INVALID_HYPERPARAMETER'), /did you mean "f32"\? Accepted: "f32", "f64", "u8", "u16", "i32"/);
});

test('a missing or wrong-typed argument names what was expected', () => {
  assert.match(message(() => new S.SGD(null, { lr: 1 }), 'INVALID_ARGUMENT'), /params must be a ParamSet, got null/);
  assert.match(message(() => new S.ParamSet(e, null), 'INVALID_ARGUMENT'), /ParamSet spec must be an object of tensor name -> shape/);
  assert.match(message(() => new S.ParamSet({}, { w: 2 }), 'INVALID_ARGUMENT'), /engine must be an Engine from init\(\), got object \{\}/);
  assert.match(message(() => new S.SGD(ps, { lr: 0.1 }).set(null), 'INVALID_ARGUMENT'), /set\(\) changes must be an object, got null/);
  assert.match(message(() => e.sumSquares(new Float32Array(2)), 'FOREIGN_BUFFER'), /must be an EngineBuffer \(engine\.alloc\(\) or engine\.from\(\)\), got Float32Array of length 2/);
});

// Issue 12: the errors a newcomer meets first, across the families.
test('an option named as another library names it suggests ours; with no near name the list follows a full stop', async () => {
  const fresh = () => new S.ParamSet(e, { w: 4 });
  assert.match(message(() => new S.Adam(fresh(), { learningRate: 0.1 }), 'INVALID_HYPERPARAMETER'), /unknown Adam option "learningRate"; did you mean "lr"\?/);
  assert.match(message(() => new S.AdamW(fresh(), { beta1: 0.9 }), 'INVALID_HYPERPARAMETER'), /did you mean "betas"\?/);
  assert.match(message(() => new S.SGD(fresh(), { lr: 0.1, weight_decay: 1e-4 }), 'INVALID_HYPERPARAMETER'), /did you mean "weightDecay"\?/);
  assert.match(message(() => new S.LBFGS(fresh(), { lineSearch: 'strong_wolfe' }), 'INVALID_HYPERPARAMETER'), /did you mean "lineSearchFn"\?/);
  assert.match(message(() => new S.bandits.UCB1(e, { nArms: 3 }), 'INVALID_HYPERPARAMETER'), /unknown option "nArms" for UCB1; did you mean "arms"\?/);
  const policy = new S.bandits.UCB1(e, { arms: 3 });
  assert.match(message(() => new S.bandits.ServedPolicy(policy, { floor: 0.1 }), 'INVALID_HYPERPARAMETER'), /did you mean "explorationFloor"\?/);
  policy.free();
  assert.match(message(() => new S.bandits.BernoulliTS(e, { arms: 3, prior: [1, 1] }), 'INVALID_HYPERPARAMETER'), /unknown option "prior" for BernoulliTS\. Accepted: "arms", /);
  assert.match(message(() => S.bilevel.solve(e, { methd: 'aid-cg' }), 'INVALID_HYPERPARAMETER'), /did you mean "method"\?/);
  assert.match(message(() => S.optax.scaleByAdam({ bta2: 0.9 }), 'INVALID_HYPERPARAMETER'), /did you mean "b2"\?/);
  // init and saveState/loadState refuse a misspelt option instead of ignoring it
  await assert.rejects(S.init({ thread: 2 }), (x) => x.code === 'INVALID_HYPERPARAMETER' && /unknown init option "thread"; did you mean "threads"\? Accepted: "threads", "simd", "maxMemory", "splitMin", "wasm"/.test(x.message));
  await assert.rejects(S.init({ numThreads: 2 }), /did you mean "threads"\?/);
  const opt = new S.Adam(fresh(), {});
  assert.match(message(() => S.saveState(opt, { param: true }), 'INVALID_ARGUMENT'), /unknown saveState option "param"; did you mean "params"\?/);
  const bytes = S.saveState(opt);
  assert.match(message(() => S.loadState(opt, bytes, { parms: true }), 'INVALID_ARGUMENT'), /unknown loadState option "parms"; did you mean "params"\?/);
});

test('a wrong length names the expected length once', () => {
  const p = new S.bandits.LinUCB(e, { arms: 3, dim: 2 });
  const t = message(() => p.decide({ eventId: 'a', context: [1, 2, 3] }), 'INVALID_ARGUMENT');
  assert.match(t, /context must hold 2 numbers \(dim 2\), got array of length 3$/);
  p.free();
  assert.match(message(() => ps.setGrad('weight', new Float32Array(2)), 'LENGTH_MISMATCH'), /weight has 3 elements, got 2/);
});

test('use after free or dispose says what to do instead', async () => {
  const freed = (make) => { const x = make(); x.free(); return x; };
  const tail = /: (create|make|build|allocate) a new /;
  const cases = [
    ['optimizer', () => freed(() => new S.Adam(new S.ParamSet(e, { w: 2 }), {})).step(), /adam optimizer was freed .*loadState\(\)/],
    ['ParamSet', () => freed(() => new S.ParamSet(e, { w: 2 })).param('w'), /new ParamSet\(engine, spec\)/],
    ['buffer', () => freed(() => e.alloc(4)).toArray(), /engine\.alloc\(\)/],
    ['policy', () => freed(() => new S.bandits.UCB1(e, { arms: 2 })).decide({ eventId: 'x' }), /UCB1 policy was freed .*bandits\.load\(engine, bytes\)/],
    ['online learner', () => freed(() => new S.online.OGD(e, { set: S.online.sets.simplex(3) })).predict(), /OGD was freed .*online\.load\(engine, bytes\)/],
  ];
  for (const [what, f, re] of cases) {
    const t = message(f, 'DISPOSED');
    assert.match(t, re, what);
    assert.match(t, tail, what);
  }
  const e2 = await S.init({ threads: 1 });
  const ps2 = new S.ParamSet(e2, { w: 2 });
  await e2.dispose();
  assert.match(message(() => ps2.param('w'), 'DISPOSED'), /engine was disposed: create a new one with init\(\)/);
});
