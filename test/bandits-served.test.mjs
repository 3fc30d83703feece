// Production rails (src/bandits/serving/served.ts): policyVersion in every decision, the exploration
// floor's exact mixture propensity (against the closed form and draw frequencies), the holdout
// fraction, warm start from A/B results, the JSON export of a policy's state, and bad input.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, HyperparameterError, InvalidArgumentError } from '../dist/index.js';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());

test('exploration floor: arm frequencies match the logged propensities, which are (1 − f)·π(b) + f/K', () => {
  // UCB1 warm-started so arm 2 is the argmax: π = (0, 0, 1); f = 0.2 over 3 arms
  const p = new bandits.UCB1(e, { arms: 3, warmStart: { pulls: [100, 100, 100], rewards: [10, 20, 80], squares: [10, 20, 80] } });
  const s = new bandits.ServedPolicy(p, { explorationFloor: 0.2, seed: 9, policyVersion: 'ucb-v3' });
  const N = 30000, count = [0, 0, 0], props = [new Set(), new Set(), new Set()];
  let explored = 0;
  for (let i = 0; i < N; i++) {
    const d = s.decide({ eventId: `f${i}` });
    assert.equal(d.policyVersion, 'ucb-v3'); assert.equal(d.group, 'policy');
    count[d.arm]++; props[d.arm].add(d.propensity); if (d.explored) explored++;
  }
  const want = [0.2 / 3, 0.2 / 3, 0.8 + 0.2 / 3];
  for (let k = 0; k < 3; k++) {
    assert.deepEqual([...props[k]], [(1 - 0.2) * (k === 2 ? 1 : 0) + 0.2 / 3]);
    const sd = Math.sqrt(want[k] * (1 - want[k]) / N);
    assert.ok(Math.abs(count[k] / N - want[k]) < 4 * sd, `arm ${k}: ${count[k] / N} vs ${want[k]}`);
  }
  assert.equal(explored, count[0] + count[1]);
  // the same eventId gives the same served decision (the rails' draws are keyed by it)
  assert.deepEqual(s.decide({ eventId: 'f7' }), s.decide({ eventId: 'f7' }));
  p.free(); s.free();
});

test('exploration floor over a probability-vector policy (Softmax) and an offered subset (LinUCB actions)', () => {
  const p = new bandits.Softmax(e, { arms: 3, temperature: 0.5, warmStart: { pulls: [10, 10, 10], rewards: [2, 5, 7], squares: [2, 5, 7] } });
  const s = new bandits.ServedPolicy(p, { explorationFloor: 0.3, seed: 2 });
  const pi = p.decide({ eventId: 'x' }).scores;
  for (let i = 0; i < 200; i++) {
    const d = s.decide({ eventId: `s${i}` });
    assert.ok(Math.abs(d.propensity - (0.7 * pi[d.arm] + 0.1)) < 1e-15, `${d.propensity}`);
  }
  const L = new bandits.LinUCB(e, { arms: 4, dim: 2 });
  const sl = new bandits.ServedPolicy(L, { explorationFloor: 0.5, seed: 3 });
  for (let i = 0; i < 200; i++) {
    const d = sl.decide({ eventId: `l${i}`, context: [1, 0.5], actions: [1, 3] });
    assert.ok(d.arm === 1 || d.arm === 3, `arm ${d.arm} was not offered`);
    // both offered arms tie (fresh state): π = 1/2 each, floor over the 2 offered arms
    assert.equal(d.propensity, 0.5 * 0.5 + 0.5 / 2);
  }
  for (const x of [p, s, L, sl]) x.free();
});

test('holdout: a fraction of eventIds is served the fixed policy or arm, tagged, conditional propensities', () => {
  const p = new bandits.UCB1(e, { arms: 3, warmStart: { pulls: [10, 10, 10], rewards: [1, 2, 9], squares: [1, 2, 9] } });
  const old = new bandits.UCB1(e, { arms: 3, warmStart: { pulls: [10, 10, 10], rewards: [9, 2, 1], squares: [9, 2, 1] } });
  const s = new bandits.ServedPolicy(p, { holdout: 0.1, holdoutPolicy: old, seed: 4 });
  let hold = 0;
  for (let i = 0; i < 20000; i++) {
    const d = s.decide({ eventId: `h${i}` });
    if (d.group === 'holdout') { hold++; assert.equal(d.arm, 0); } else assert.equal(d.arm, 2);
    assert.equal(d.propensity, 1);
  }
  assert.ok(Math.abs(hold / 20000 - 0.1) < 4 * Math.sqrt(0.09 / 20000), `${hold}`);
  const fixed = new bandits.ServedPolicy(p, { holdout: 0.5, holdoutPolicy: 1, seed: 4 });
  const ds = Array.from({ length: 100 }, (_, i) => fixed.decide({ eventId: `h${i}` }));
  assert.ok(ds.some((d) => d.group === 'holdout') && ds.every((d) => d.group !== 'holdout' || (d.arm === 1 && d.propensity === 1)));
  // a holdout coin is a function of (seed, eventId): the same ids fall in the holdout at any rate below
  const ids = ds.filter((d) => d.group === 'holdout').map((d) => d.eventId);
  const wider = new bandits.ServedPolicy(p, { holdout: 0.9, holdoutPolicy: 1, seed: 4 });
  for (const id of ids) assert.equal(wider.decide({ eventId: id }).group, 'holdout');
  for (const x of [p, old, s, fixed, wider]) x.free();
});

test('warm start from A/B results and the JSON export of the state', () => {
  const warm = bandits.warmStartFromAB({ impressions: [1000, 1200], conversions: [31, 52] });
  assert.deepEqual(warm, { pulls: [1000, 1200], rewards: [31, 52], squares: [31, 52] });
  const p = new bandits.BernoulliTS(e, { arms: 2, warmStart: warm, seed: 1 });
  const j = JSON.parse(JSON.stringify(bandits.inspect(p)));
  assert.equal(j.kind, 'BernoulliTS'); assert.deepEqual(j.activeArms, [0, 1]);
  assert.deepEqual(j.stats.pulls, [[1000], [1200]]); assert.deepEqual(j.stats.rewards, [[31], [52]]);
  assert.equal(j.options.seed, 1);
  const L = new bandits.LinUCB(e, { arms: 2, dim: 2 });
  assert.deepEqual(bandits.inspect(L).stats.Ainv[1], [1, 0, 0, 1]);
  for (const [r, re] of [[{ impressions: [10], conversions: [11] }, /conversions\[0\]/], [{ impressions: [1.5], conversions: [1] }, /impressions\[0\]/], [{ impressions: [1, 2], conversions: [1] }, /one length/], [null, /object/]]) {
    assert.throws(() => bandits.warmStartFromAB(r), (err) => (err instanceof HyperparameterError || err instanceof InvalidArgumentError) && re.test(err.message));
  }
  assert.throws(() => bandits.inspect({}), InvalidArgumentError);
  p.free(); L.free();
});

test('bad options are refused with HyperparameterError', () => {
  const p = new bandits.UCB1(e, { arms: 3 }), ts = new bandits.BernoulliTS(e, { arms: 3 });
  for (const [pol, o, re] of [[p, { explorationFloor: 1 }, /explorationFloor/], [p, { holdout: -0.1 }, /holdout/], [p, { holdoutPolicy: 3 }, /holdoutPolicy/], [p, { holdoutPolicy: p }, /itself/],
    [p, { policyVersion: '' }, /policyVersion/], [p, { seed: 0.5 }, /seed/], [p, { floor: 0.1 }, /unknown ServedPolicy option/], [ts, { explorationFloor: 0.1 }, /not known exactly/]]) {
    assert.throws(() => new bandits.ServedPolicy(pol, o), (err) => err instanceof HyperparameterError && re.test(err.message), JSON.stringify(o));
  }
  assert.ok(new bandits.ServedPolicy(ts, { holdout: 0.1 }));
  const s = new bandits.ServedPolicy(p);
  assert.throws(() => s.decide({ eventId: 3 }), InvalidArgumentError);
  assert.throws(() => s.decide({ eventId: 'a', extra: 1 }), InvalidArgumentError);
  p.free(); ts.free();
});
