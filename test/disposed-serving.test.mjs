// Disposed means disposed for the entries added after test/disposed.test.mjs (issues 8-11): a freed
// policy's delta/apply/slates, the serving wrappers around it, and the online and bilevel entries on
// a disposed engine raise DisposedError, whatever the arguments (liveness is checked first).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, online, bilevel, DisposedError } from '../dist/index.js';

test('bandit serving entries on a freed policy raise DisposedError', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.UCB1(e, { arms: 2 });
  const d = p.delta([{ eventId: 'a', arm: 0, reward: 1 }]);
  const log = new bandits.DecisionLog(p);
  const served = new bandits.ServedPolicy(p, { policyVersion: 'v1' });
  const lin = new bandits.LinUCB(e, { arms: 2, dim: 2 });
  p.free();
  lin.free();
  for (const [what, f] of [['delta', () => p.delta([])], ['apply', () => p.apply(d)], ['decideSlate', () => lin.decideSlate({ eventId: 'a', context: new Float64Array(2), slots: 1 })],
    ['DecisionLog.decide', () => log.decide({ eventId: 'b' })], ['ServedPolicy.decide', () => served.decide({ eventId: 'b' })]]) {
    assert.throws(f, DisposedError, what);
  }
  await e.dispose();
});

test('online learners, bilevel.solve and bandits.offPolicy on a disposed engine raise DisposedError', async () => {
  const e = await init({ threads: 1 });
  const L = new online.MLpol(e, { experts: 2 });
  await e.dispose();
  assert.throws(() => L.update(0.5, { advice: Float64Array.of(0, 1) }), DisposedError);
  assert.throws(() => new online.MLpol(e, { experts: 2 }), DisposedError);
  assert.throws(() => bilevel.solve(e, {}), DisposedError);
  assert.throws(() => bandits.offPolicy(e, {}), DisposedError);
  assert.throws(() => bandits.load(e, new Uint8Array(0)), DisposedError);
});

test('bandits.cbify with a freed policy or on a disposed engine raises DisposedError', async () => {
  const e = await init({ threads: 1 });
  const data = { features: Float64Array.of(0, 1, 1, 0), labels: [0, 1], dim: 2 };
  const p = new bandits.LinUCB(e, { arms: 2, dim: 2 });
  p.free();
  assert.throws(() => bandits.cbify(e, { ...data, policies: { p } }), DisposedError);
  const q = new bandits.LinUCB(e, { arms: 2, dim: 2 });
  await e.dispose();
  assert.throws(() => bandits.cbify(e, { ...data, policies: { q } }), DisposedError);
});
