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
