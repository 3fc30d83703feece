// Issue 15 §2 / the contract work: state dicts saved before simdopt recorded tensor shapes (no `shapes`
// field). They are refused, not loaded on element counts alone (that would let a 5×7 state into a 7×5
// parameter): a StateError that says why and gives the one line that adds the shapes, after which the
// same dict loads and resumes bit for bit. A rejected load changes nothing.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, AdamW, LBFGS, StateError } from '../dist/index.js';
import { fingerprint } from './fuzz/contract.mjs';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());

function trained(C, spec) {
  const ps = new ParamSet(e, spec);
  for (const t of ps.tensors) ps.setParam(t.name, Array.from({ length: t.size }, (_, i) => Math.sin(i + 1)));
  const o = C === LBFGS ? new LBFGS(ps, { maxIter: 3 }) : new C(ps, { lr: 0.01 });
  const closure = () => { let f = 0; for (const t of ps.tensors) { const p = ps.param(t.name), g = ps.gradOf(t.name); for (let i = 0; i < p.length; i++) { g[i] = p[i]; f += p[i] * p[i] / 2; } } return f; };
  for (let k = 0; k < 3; k++) { closure(); o.step(closure); }
  return { ps, o };
}

for (const C of [AdamW, LBFGS]) {
  test(`${C.name}: a state dict without shapes is refused with the fix in the message; with the shapes added it loads`, () => {
    const src = trained(C, { w: [5, 7], b: 7 }), dst = trained(C, { w: [5, 7], b: 7 });
    dst.o.loadStateDict(dst.o.stateDict());
    const old = src.o.stateDict();
    delete old.shapes;                                   // as saved before shapes were recorded
    const before = fingerprint(dst.ps, dst.o);
    let err;
    try { dst.o.loadStateDict(old); } catch (x) { err = x; }
    assert.ok(err instanceof StateError && err.code === 'INVALID_STATE', `${err?.name}: ${err?.message}`);
    assert.match(err.message, /no shapes/);
    assert.match(err.message, /element counts/);
    assert.ok(err.message.includes('sd.shapes = {"w":[5,7],"b":[7]}'), err.message);
    assert.equal(fingerprint(dst.ps, dst.o), before, 'the rejected load changed something');
    // The fix the message names, taken literally:
    const fixed = { ...old, shapes: JSON.parse(err.message.slice(err.message.indexOf('sd.shapes = ') + 12)) };
    dst.o.loadStateDict(fixed);
    assert.deepEqual(JSON.stringify(dst.o.stateDict()), JSON.stringify(src.o.stateDict()));
    // Asserting other shapes (same element counts) is still refused with both shapes named.
    assert.throws(() => dst.o.loadStateDict({ ...old, shapes: { w: [7, 5], b: [7] } }), (x) => x instanceof StateError && /\[7, 5\]/.test(x.message) && /\[5, 7\]/.test(x.message));
    assert.throws(() => dst.o.loadStateDict({ ...old, shapes: null }), (x) => x instanceof StateError && /got null/.test(x.message));
    for (const x of [src, dst]) { x.o.free(); x.ps.free(); }
  });
}

test('a ParamSet too large to print in the message: the fix is given as code', () => {
  const spec = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`layer${i}.weight`, [2, 3]]));
  const { ps, o } = trained(AdamW, spec);
  const old = o.stateDict(); delete old.shapes;
  assert.throws(() => o.loadStateDict(old), (x) => x instanceof StateError && x.message.includes('sd.shapes = Object.fromEntries(params.tensors.map((t) => [t.name, t.shape]))'));
  o.loadStateDict({ ...old, shapes: Object.fromEntries(ps.tensors.map((t) => [t.name, t.shape])) });
  o.free(); ps.free();
});
