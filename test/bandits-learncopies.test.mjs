// Policy.learnCopies (the simulator's batch entry) checks a batch in one wasm pass (copies, arms,
// finiteness, and the reward model on the batch's smallest and largest reward): a bad batch is refused
// with the message of its FIRST bad event, exactly as the per-event checks word it, and the state is
// unchanged; a good batch is learned as one learn() of the same events would be.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError } from '../dist/index.js';

const CASES = [
  ['UCB1', {}, [0, 1], 0.5],
  ['GaussianTS', {}, [-1e150, 1e150], 3.25],
  ['KLUCB', { family: 'exponential' }, [1e-300, 1e100], 2],
  ['SWUCB', { tau: 50 }, [0, 1], 1],
];

for (const [name, o, [lo, hi], good] of CASES) {
  test(`${name}.learnCopies refuses a batch naming its first bad event, state unchanged; a good batch equals learn()`, async () => {
    const e = await init({ threads: 1 });
    const p = new bandits[name](e, { arms: 4, copies: 3, seed: 1, ...o });
    p.removeArm(3);
    const stats = (q, c) => JSON.stringify(Object.fromEntries(Object.entries(q.stats(c)).map(([k, v]) => [k, Array.from(v)])));
    p.learnCopies(Int32Array.of(0, 1, 2, 0), Int32Array.of(0, 1, 2, 1), Float64Array.of(lo, hi, good, good));
    const before = [0, 1, 2].map((c) => stats(p, c));
    const bad = (copies, arms, rewards, msg) => {
      assert.throws(() => p.learnCopies(Int32Array.from(copies), Int32Array.from(arms), Float64Array.from(rewards)), (err) => err instanceof InvalidArgumentError && err.message.startsWith(msg), msg);
      assert.deepEqual([0, 1, 2].map((c) => stats(p, c)), before);
    };
    bad([0, 3, 1], [0, 0, 0], [good, good, good], 'event 1: copy 3 is not in [0, 2]');
    bad([0, -1], [0, 0], [good, good], 'event 1: copy -1 is not in [0, 2]');
    bad([0, 1, 1], [0, 3, 9], [good, good, good], 'event 1: arm 3 is not an active arm');
    bad([0, 1], [0, 4], [good, good], 'event 1: arm 4 is not an active arm');
    bad([0, 1, 2], [0, 1, 2], [good, NaN, Infinity], 'event 1: reward must be finite, got NaN');
    bad([0, 1], [0, 1], [good, -Infinity], 'event 1: reward must be finite, got -Infinity');
    // out of the reward model: the first offending event, even when a later one is further out
    const below = lo === 0 ? -0.5 : lo > 0 ? 0 : -1e151, above = hi * 2;
    bad([0, 1, 2], [0, 1, 2], [good, below, above], `event 1: reward ${below}`);
    bad([0, 1, 2], [0, 1, 2], [good, above, below], `event 1: reward ${above}`);
    // an earlier bad arm wins over a later bad reward
    bad([0, 1, 2], [0, 3, 0], [above, good, good], 'event 0: reward');
    bad([0, 1, 2], [0, 3, 0], [good, good, above], 'event 1: arm 3 is not an active arm');
    // a good batch: the same state as learn() of the same events copy by copy
    const q = new bandits[name](e, { arms: 4, copies: 1, seed: 1, ...o });
    q.removeArm(3);
    q.learn([{ eventId: 'a', arm: 0, reward: lo }, { eventId: 'b', arm: 1, reward: good }, { eventId: 'c', arm: 2, reward: hi }]);
    const r = new bandits[name](e, { arms: 4, copies: 2, seed: 1, ...o });
    r.removeArm(3);
    r.learnCopies(Int32Array.of(1, 1, 0, 1), Int32Array.of(0, 1, 2, 2), Float64Array.of(lo, good, good, hi));
    assert.equal(stats(r, 1), stats(q, 0));
    p.free(); q.free(); r.free();
    await e.dispose();
  });
}
