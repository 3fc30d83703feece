// A ServedPolicy's decisions recorded in a DecisionLog (src/bandits/serving/log.ts over served.ts):
// every entry keeps the rails' policyVersion, group and floor propensity; rewards that arrive delayed,
// shuffled and duplicated are learned exactly once by the served policy with those propensities,
// the holdout group's are resolved (records) but never learned; the final state equals a reference
// policy learning the policy group's events directly; toJSON/fromJSON keep the rails.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, HyperparameterError, StateError } from '../dist/index.js';

const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const hex = (u8) => Buffer.from(u8).toString('hex');

/** Serve N decisions through the log at times 0..N-1; rewards come back in shuffled batches, 20% twice, 5% never (TTL: defaultReward or drop). */
function serveDelayed(served, log, N, rewardOf, seed, request = (i) => ({ eventId: `ev${i}` })) {
  const r = lcg(seed), decisions = [], pending = [];
  const results = [];
  for (let i = 0; i < N; i++) {
    const d = log.decide(request(i), i);
    decisions.push(d);
    if (r() < 0.05) continue; // this reward never arrives
    const rw = { eventId: d.eventId, reward: rewardOf(d.arm, r) };
    pending.push(rw);
    if (r() < 0.2) pending.push({ ...rw });
    if (pending.length >= 40 || i === N - 1) {
      // deliver a random subset now (the rest waits: delayed), shuffled
      for (let j = pending.length - 1; j > 0; j--) { const k = Math.floor(r() * (j + 1)); [pending[j], pending[k]] = [pending[k], pending[j]]; }
      const now = pending.splice(0, i === N - 1 ? pending.length : Math.floor(pending.length * 0.7));
      results.push(log.rewards(now, i));
    }
  }
  results.push(log.expire(N + 1e9));
  return { decisions, results };
}

test('ServedPolicy + DecisionLog: delayed, shuffled and duplicate rewards are learned once, with the served propensities; the holdout is resolved, not learned', () => {
  for (const kind of ['UCB1', 'EXP3']) {
    const make = () => (kind === 'UCB1' ? new bandits.UCB1(e, { arms: 4 }) : new bandits.EXP3(e, { arms: 4, gamma: 0.1 }));
    const p = make();
    const served = new bandits.ServedPolicy(p, { policyVersion: `${kind}-v7`, explorationFloor: 0.1, holdout: 0.2, holdoutPolicy: 1, seed: 5 });
    const log = new bandits.DecisionLog(served, { ttl: 500, defaultReward: 0, capacity: 10_000 });
    assert.equal(log.served, served); assert.equal(log.policy, p); assert.equal(log.policyVersion, `${kind}-v7`);
    const rewardOf = (arm, r) => (r() < [0.2, 0.3, 0.4, 0.8][arm] ? 1 : 0);
    const { decisions, results } = serveDelayed(served, log, 3000, rewardOf, 17);
    const records = results.flatMap((x) => x.records);
    // every decision resolved exactly once (joined or defaulted), with the served fields
    assert.equal(records.length, 3000, kind);
    assert.equal(new Set(records.map((x) => x.eventId)).size, 3000);
    const byId = new Map(decisions.map((d) => [d.eventId, d]));
    for (const rec of records) {
      const d = byId.get(rec.eventId);
      assert.equal(rec.policyVersion, `${kind}-v7`); assert.equal(rec.group, d.group); assert.equal(rec.explored, d.explored);
      assert.equal(rec.propensity, d.propensity); assert.equal(rec.arm, d.arm);
      if (d.group === 'holdout') { assert.equal(d.arm, 1); assert.equal(d.propensity, 1); }
    }
    const hold = records.filter((x) => x.group === 'holdout').length;
    assert.ok(hold > 450 && hold < 750, `holdout share ${hold}/3000`);
    const sum = (k) => results.reduce((a, x) => a + x[k], 0);
    assert.equal(sum('holdout'), hold);
    assert.equal(sum('learned'), 3000 - hold, 'the policy group is learned once; the holdout never');
    assert.ok(sum('duplicates') > 400, `duplicates counted: ${sum('duplicates')}`);
    assert.equal(log.counts.learned, 3000 - hold);
    // the same state as a reference policy learning the policy group's events (with the served propensities) in the log's order
    const ref = make();
    for (const x of results) {
      const evs = x.records.filter((rec) => rec.group === 'policy').map((rec) => (kind === 'EXP3' ? { eventId: rec.eventId, arm: rec.arm, reward: rec.reward, propensity: rec.propensity } : { eventId: rec.eventId, arm: rec.arm, reward: rec.reward }));
      if (evs.length) ref.learn(evs);
    }
    const a = p.stats(), b = ref.stats();
    for (const k of Object.keys(a)) assert.deepEqual(Array.from(a[k]), Array.from(b[k]), `${kind} ${k}`);
    // the served policy moved to the best arm (arm 3) on its own group
    const late = decisions.slice(2000).filter((d) => d.group === 'policy');
    const share = late.filter((d) => d.arm === 3).length / late.length;
    assert.ok(share > 0.6, `${kind}: arm 3 share ${share}`);
    // rewards after resolution: duplicates or late, never applied again
    const before = hex(p.save());
    const again = log.rewards(decisions.slice(0, 50).map((d) => ({ eventId: d.eventId, reward: 1 })), 1e12);
    assert.equal(again.learned, 0); assert.equal(again.joined, 0); assert.equal(again.duplicates + again.late, 50);
    assert.equal(hex(p.save()), before);
    log.free(); served.free(); p.free(); ref.free();
  }
});

test('a contextual served log: LinUCB behind the rails learns the logged contexts of its own group', () => {
  const p = new bandits.LinUCB(e, { arms: 3, dim: 2, alpha: 0.5 });
  const served = new bandits.ServedPolicy(p, { explorationFloor: 0.2, holdout: 0.1, seed: 1 });
  const log = new bandits.DecisionLog(served, { ttl: 1e6 });
  const ctx = (i) => [Math.cos(i), Math.sin(i)];
  const rewardOf = (arm, r) => (arm === 2 ? 1 : 0) * (r() < 0.9 ? 1 : 0);
  const { results } = serveDelayed(served, log, 600, rewardOf, 3, (i) => ({ eventId: `c${i}`, context: ctx(i) }));
  const ref = new bandits.LinUCB(e, { arms: 3, dim: 2, alpha: 0.5 });
  for (const x of results) {
    const evs = x.records.filter((r) => r.group === 'policy').map((r) => ({ eventId: r.eventId, arm: r.arm, reward: r.reward, context: r.fields.context }));
    if (evs.length) ref.learn(evs);
  }
  assert.equal(hex(p.stats().Ainv.buffer.slice(0)), hex(ref.stats().Ainv.buffer.slice(0)));
  assert.deepEqual(Array.from(p.stats().b), Array.from(ref.stats().b));
  log.free(); served.free(); p.free(); ref.free();
});

test('toJSON / fromJSON keep the rails: read back with the same ServedPolicy; a bare policy or other rails are refused', () => {
  const p = new bandits.UCB1(e, { arms: 3 });
  const served = new bandits.ServedPolicy(p, { policyVersion: 'v2', holdout: 0.3, seed: 4 });
  const log = new bandits.DecisionLog(served, { ttl: 100 });
  for (let i = 0; i < 20; i++) log.decide({ eventId: `j${i}` }, i);
  const json = JSON.parse(JSON.stringify(log.toJSON()));
  assert.deepEqual(json.rails, { policyVersion: 'v2', explorationFloor: 0, holdout: 0.3, seed: 4 });
  const back = bandits.DecisionLog.fromJSON(served, json);
  assert.deepEqual(JSON.parse(JSON.stringify(back.toJSON())), json);
  assert.ok(json.waiting.some((w) => w.group === 'holdout') && json.waiting.some((w) => w.group === 'policy'));
  assert.throws(() => bandits.DecisionLog.fromJSON(p, json), StateError);
  const other = new bandits.ServedPolicy(p, { policyVersion: 'v3', holdout: 0.3, seed: 4 });
  assert.throws(() => bandits.DecisionLog.fromJSON(other, json), StateError);
  const bare = new bandits.DecisionLog(p, {});
  assert.throws(() => bandits.DecisionLog.fromJSON(served, bare.toJSON()), StateError);
  assert.throws(() => new bandits.DecisionLog(served, { policyVersion: 'v9' }), HyperparameterError);
  // holdout rewards resolve without learning
  const r = back.rewards(json.waiting.map((w) => ({ eventId: w.eventId, reward: 1 })), 50);
  assert.equal(r.joined, 20); assert.equal(r.learned + r.holdout, 20);
  assert.equal(p.stats().pulls.reduce((a, x) => a + x, 0), r.learned);
  log.free(); back.free(); bare.free(); served.free(); other.free(); p.free();
});
