// Policy.restart (the change-detection wrappers' hook): one arm or every arm back to a fresh arm's
// statistics, for a context-free and a contextual policy; bad arguments refused, state unchanged.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError } from '../dist/index.js';

test('restart resets one arm or all arms of one copy to a fresh arm (UCB1 with copies, LinUCB)', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.UCB1(e, { arms: 3, copies: 2 });
  p.learnCopies(Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 2, 1, 2]), Float64Array.from([1, 0.5, 1, 0.25]));
  p.restart(0, 2);
  assert.deepEqual([...p.stats(0).pulls], [1, 0, 0]);
  assert.deepEqual([...p.stats(0).rewards], [1, 0, 0]);
  assert.deepEqual([...p.stats(1).pulls], [0, 1, 1]);
  p.restart(1, -1);
  assert.deepEqual([...p.stats(1).pulls], [0, 0, 0]);
  assert.deepEqual([...p.stats(0).pulls], [1, 0, 0]);
  const before = p.save();
  for (const [c, a] of [[2, 0], [0, 3], [0, -2], [0, 0.5], ['0', 0]]) assert.throws(() => p.restart(c, a), (err) => err.name.endsWith('Error'));
  assert.throws(() => p.restart(0, 7), InvalidArgumentError);
  assert.deepEqual(p.save(), before);
  const l = new bandits.LinUCB(e, { arms: 2, dim: 2, lambda: 2 });
  const fresh = l.decide({ eventId: 'x', context: [1, 0.5] });
  l.learn([{ eventId: 'a', arm: 1, reward: 1, context: [1, 0.5] }, { eventId: 'b', arm: 0, reward: 0.3, context: [0.2, 1] }]);
  l.restart(0, 1);
  assert.deepEqual([...l.stats().Ainv.subarray(4, 8)], [0.5, 0, 0, 0.5]);
  assert.deepEqual([...l.stats().b.subarray(2, 4)], [0, 0]);
  l.restart(0, -1);
  assert.deepEqual(l.decide({ eventId: 'x', context: [1, 0.5] }), fresh);      // the scoring cache was rebuilt
  await e.dispose();
});
