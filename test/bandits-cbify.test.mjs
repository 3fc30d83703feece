// bandits.cbify (src/bandits/cbify.ts): the --cbify protocol (decide, then see the chosen label's 0/1
// cost, then learn) against an independent loop over the same policies; the bake-off's Z-test in
// closed form; digits end to end (examples/cbify-digits.mjs): every bandit well below uniform guessing's
// 0.9 loss and above the full-information learner, the README table is what the script prints; bad
// input refused with typed errors.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { init, bandits, HyperparameterError, InvalidArgumentError } from '../dist/index.js';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

/** A small synthetic data set: 3 classes, label = argmax of a fixed linear score. */
function synth(n, d, seed) {
  const r = lcg(seed), W = Array.from({ length: 3 * d }, () => r() * 2 - 1);
  const x = new Float64Array(n * d), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = r() * 2 - 1;
    let best = 0, bv = -Infinity;
    for (let k = 0; k < 3; k++) { let s = 0; for (let j = 0; j < d; j++) s += W[k * d + j] * x[i * d + j]; if (s > bv) { bv = s; best = k; } }
    y[i] = best;
  }
  return { x, y };
}

test('the protocol: mistakes, curve and final states equal an independent decide-then-learn loop (batch 1 and 7)', () => {
  const d = 4, n = 300, { x, y } = synth(n, d, 3);
  for (const batch of [1, 7]) {
    const make = () => ({ ucb: new bandits.LinUCB(e, { arms: 3, dim: d, alpha: 0.3, seed: 2 }), sq: new bandits.SquareCB(e, { arms: 3, dim: d, seed: 2 }) });
    const a = make(), b = make();
    const res = bandits.cbify(e, { features: x, labels: y, dim: d, policies: a, batch, every: 50, supervised: null });
    for (const [name, p] of Object.entries(b)) {
      let m = 0; const curve = [];
      for (let s = 0; s < n; s += batch) {
        const B = Math.min(batch, n - s), ids = Array.from({ length: B }, (_, j) => `cbify:${s + j}`);
        const ctx = Array.from(x.subarray(s * d, (s + B) * d));
        const dec = p.decideBatch(ctx, ids), evs = [];
        for (let j = 0; j < B; j++) {
          const arm = dec.arms[j];
          if (arm !== y[s + j]) m++;
          if ((s + j + 1) % 50 === 0 || s + j + 1 === n) curve.push(m / (s + j + 1));
          evs.push({ eventId: ids[j], arm, reward: arm === y[s + j] ? 1 : 0, context: ctx.slice(j * d, (j + 1) * d) });
        }
        p.learn(evs);
      }
      assert.equal(res.results[name].mistakes, m, `${name} batch ${batch}`);
      assert.deepEqual(res.results[name].curve, curve);
      assert.equal(res.results[name].loss, m / n);
      assert.deepEqual(Array.from(a[name].stats().b), Array.from(p.stats().b));
    }
    for (const p of [...Object.values(a), ...Object.values(b)]) p.free();
  }
});

test('the bake-off Z-test and the supervised learner', () => {
  const d = 5, n = 400, { x, y } = synth(n, d, 9);
  const p = new bandits.LinEpsilonGreedy(e, { arms: 3, dim: d, epsilon: 0.2, seed: 4 });
  const res = bandits.cbify(e, { features: x, labels: y, dim: d, policies: { eg: p } });
  const la = res.results.eg.loss, lb = res.results.supervised.loss;
  const z = (la - lb) / Math.sqrt((la * (1 - la) + lb * (1 - lb)) / n);
  assert.ok(Math.abs(res.z.eg.supervised - z) < 1e-12 && Math.abs(res.z.supervised.eg + z) < 1e-12);
  assert.ok(lb < la, `full information ${lb} < bandit ${la}`);
  assert.deepEqual(res.better.supervised, z > 1.96 ? ['eg'] : []);
  p.free();
});

test('digits end to end: the script\'s table is the README\'s; bandits well below 0.9, the supervised learner best', () => {
  const out = execFileSync(process.execPath, [new URL('../examples/cbify-digits.mjs', import.meta.url).pathname], { encoding: 'utf8' });
  const rows = out.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| learner'));
  assert.equal(rows.length, 5, out);
  const loss = Object.fromEntries(rows.map((l) => { const c = l.split('|').map((s) => s.trim()); return [c[1], Number(c[2])]; }));
  const sup = loss['supervised (full information)'];
  for (const [name, l] of Object.entries(loss)) {
    if (name.startsWith('supervised')) continue;
    assert.ok(l < 0.45, `${name}: PV loss ${l} (uniform guessing 0.9)`);
    assert.ok(l > sup, `${name}: ${l} above the full-information ${sup}`);
  }
  assert.ok(sup < 0.12, `supervised ${sup}`);
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const r of rows) assert.ok(readme.includes(r), `README has the row ${r}`);
});

test('bad input is refused with typed errors', () => {
  const p = new bandits.LinUCB(e, { arms: 3, dim: 2 });
  const ok = { features: [0, 1, 1, 0], labels: [0, 2], dim: 2, policies: { p } };
  assert.throws(() => bandits.cbify(e, { ...ok, labels: [0, 3] }), InvalidArgumentError);
  assert.throws(() => bandits.cbify(e, { ...ok, features: [0, 1, 1] }), InvalidArgumentError);
  assert.throws(() => bandits.cbify(e, { ...ok, features: [0, 1, 1, 0, 1, 1], dim: 3 }), HyperparameterError);
  assert.throws(() => bandits.cbify(e, { ...ok, policies: { u: new bandits.UCB1(e, { arms: 3 }) } }), HyperparameterError);
  assert.throws(() => bandits.cbify(e, { ...ok, batch: 0 }), HyperparameterError);
  assert.throws(() => bandits.cbify(e, { ...ok, bach: 2 }), HyperparameterError);
  assert.throws(() => bandits.cbify(e, { ...ok, supervised: 'p' }), HyperparameterError);
  assert.equal(p.stats().b.every((v) => v === 0), true, 'refused runs changed nothing');
  p.free();
});
