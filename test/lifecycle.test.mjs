// Every exported optimizer: step() after free(), after the ParamSet was freed, or after the engine was
// disposed raises DisposedError and writes nothing; free() twice raises too.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import * as simdopt from '../dist/index.js';
import { randomArray, sameBits } from './helpers/reference.mjs';

const { init, ParamSet, Optimizer, DisposedError } = simdopt;
const classes = Object.entries(simdopt).filter(([, C]) => typeof C === 'function' && C.prototype instanceof Optimizer);

function make(e, C) {
  const ps = new ParamSet(e, { a: 9, b: [3, 5] });
  ps.setParam('a', randomArray(9, 1)); ps.setGrad('a', randomArray(9, 2));
  ps.setParam('b', randomArray(15, 3)); ps.setGrad('b', randomArray(15, 4));
  try { const o = new C(ps, { lr: 1e-3 }); o.step(); return { ps, o }; } catch { ps.free(); return null; }
}

test('step() after free(): DisposedError, parameters untouched; a second free() is refused', async () => {
  const e = await init({ threads: 1 });
  let n = 0;
  for (const [name, C] of classes) {
    const m = make(e, C);
    if (!m) continue; // closure/HVP-driven: covered by their own files
    const before = m.ps.param('a').slice();
    m.o.free();
    assert.throws(() => m.o.step(), DisposedError, name);
    assert.ok(sameBits(m.ps.param('a'), before), name);
    assert.throws(() => m.o.free(), DisposedError, `${name} double free`);
    m.ps.free();
    n++;
  }
  assert.ok(n >= 25, `only ${n} optimizers checked`);
  await e.dispose();
});

test('step() on a freed ParamSet or a disposed engine: DisposedError', async () => {
  for (const [name, C] of classes) {
    const e = await init({ threads: 1 });
    const m = make(e, C);
    if (!m) { await e.dispose(); continue; }
    const other = make(e, C);
    other.ps.free();
    assert.throws(() => other.o.step(), DisposedError, `${name} freed ParamSet`);
    await e.dispose();
    assert.throws(() => m.o.step(), DisposedError, `${name} disposed engine`);
  }
});
