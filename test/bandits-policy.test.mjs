// The bandit policy contract (src/bandits/policy.ts), checked on UCB1: decide is pure, learn is
// batched and idempotent within a bounded eventId window, a bad event rejects the whole batch with a
// typed error naming it and the state unchanged, arms are added and removed, warm starts are checked,
// save/load round-trips bit for bit and resumes the same decisions, load is strict, free/dispose end it.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, DisposedError, HyperparameterError, InvalidArgumentError, StateError, saveState, ParamSet, SGD } from '../dist/index.js';
import { fingerprint } from './fuzz/contract.mjs';

const snap = (p) => fingerprint(() => p.stats(), () => p.activeArms, () => Array.from(p.save()));

test('decide is pure: same eventId, same answer; state, window and saved bytes unchanged', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.UCB1(e, { arms: 5, seed: 7 });
  p.learn([{ eventId: 'a', arm: 1, reward: 1 }, { eventId: 'b', arm: 3, reward: 0 }]);
  const before = snap(p);
  const d1 = p.decide({ eventId: 'req-81f3' }), d2 = p.decide({ eventId: 'req-81f3' });
  assert.deepEqual(d1, d2);
  assert.equal(snap(p), before);
  // three unplayed arms tie at +Infinity: propensity 1/3, and different eventIds reach all three
  assert.equal(d1.propensity, 1 / 3);
  const chosen = new Set(Array.from({ length: 60 }, (_, i) => p.decide({ eventId: `r${i}` }).arm));
  assert.deepEqual([...chosen].sort(), [0, 2, 4]);
  // another seed gives other tie-breaks for the same ids
  const q = new bandits.UCB1(e, { arms: 5, seed: 8 });
  q.learn([{ eventId: 'a', arm: 1, reward: 1 }, { eventId: 'b', arm: 3, reward: 0 }]);
  const diff = Array.from({ length: 30 }, (_, i) => p.decide({ eventId: `r${i}` }).arm !== q.decide({ eventId: `r${i}` }).arm).filter(Boolean).length;
  assert.ok(diff > 5, `seeds 7 and 8 differ on ${diff} of 30 tie-breaks`);
  await e.dispose();
});

test('learn is idempotent within the window: repeats are skipped, evicted ids are learned again', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.UCB1(e, { arms: 2, dedupWindow: 3 });
  assert.deepEqual(p.learn([{ eventId: 'a', arm: 0, reward: 1 }, { eventId: 'a', arm: 0, reward: 1 }, { eventId: 'b', arm: 1, reward: 0 }]), { learned: 2, duplicates: 1 });
  assert.deepEqual(p.learn([{ eventId: 'b', arm: 1, reward: 0 }]), { learned: 0, duplicates: 1 });
  p.learn([{ eventId: 'c', arm: 0, reward: 0 }, { eventId: 'd', arm: 0, reward: 0 }]);   // window now b, c, d: a evicted
  assert.deepEqual(p.learn([{ eventId: 'a', arm: 0, reward: 1 }]), { learned: 1, duplicates: 0 });
  assert.deepEqual([...p.stats().pulls], [4, 1]);
  // the window survives save/load
  const q = bandits.load(e, p.save());
  assert.deepEqual(q.learn([{ eventId: 'a', arm: 0, reward: 1 }, { eventId: 'd', arm: 0, reward: 1 }, { eventId: 'b', arm: 1, reward: 1 }]), { learned: 1, duplicates: 2 });
  assert.deepEqual(p.learn([{ eventId: 'a', arm: 0, reward: 1 }, { eventId: 'd', arm: 0, reward: 1 }, { eventId: 'b', arm: 1, reward: 1 }]), { learned: 1, duplicates: 2 });
  assert.deepEqual(Array.from(q.save()), Array.from(p.save()));
  // dedupWindow 0: no memory
  const z = new bandits.UCB1(e, { arms: 2, dedupWindow: 0 });
  z.learn([{ eventId: 'a', arm: 0, reward: 1 }]);
  assert.deepEqual(z.learn([{ eventId: 'a', arm: 0, reward: 1 }]), { learned: 1, duplicates: 0 });
  await e.dispose();
});

test('a bad event rejects the whole batch, names the event, and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.UCB1(e, { arms: 3, seed: 1 });
  p.learn([{ eventId: 'x', arm: 0, reward: 1 }]);
  p.removeArm(2);
  const before = snap(p);
  const good = { eventId: 'ok', arm: 1, reward: 0.5 };
  const cases = [
    [{ eventId: 'e1', arm: 3, reward: 1 }, /event 1 \(eventId "e1"\): arm must be an integer in \[0, 2\]/],
    [{ eventId: 'e1', arm: 2, reward: 1 }, /event 1 .*arm 2 was removed/],
    [{ eventId: 'e1', arm: 0.5, reward: 1 }, /arm must be an integer/],
    [{ eventId: 'e1', arm: 0, reward: NaN }, /reward must be a finite number/],
    [{ eventId: 'e1', arm: 0, reward: 1.5 }, /reward 1.5 is outside \[0, 1\]/],
    [{ eventId: 'e1', arm: 0, reward: -0.1 }, /outside \[0, 1\]/],
    [{ eventId: 'e1', arm: 0, reward: '1' }, /reward must be a finite number, got string "1"/],
    [{ eventId: 7, arm: 0, reward: 1 }, /event 1: eventId must be a string/],
    [{ eventId: '', arm: 0, reward: 1 }, /eventId must be 1 to 1024 UTF-8 bytes/],
    [{ eventId: 'é'.repeat(600), arm: 0, reward: 1 }, /1 to 1024 UTF-8 bytes, got 1200/],
    [{ eventId: 'e1', arm: 0, reward: 1, rewrad: 1 }, /unknown key "rewrad"/],
    [null, /event 1 must be an object/],
  ];
  for (const [bad, re] of cases) {
    assert.throws(() => p.learn([good, bad, good]), (err) => err instanceof InvalidArgumentError && re.test(err.message), JSON.stringify(bad)?.slice(0, 80));
    assert.equal(snap(p), before);
  }
  assert.throws(() => p.learn('nope'), InvalidArgumentError);
  assert.throws(() => p.decide({ eventId: 3 }), InvalidArgumentError);
  assert.throws(() => p.decide({ eventId: 'a', context: [] }), InvalidArgumentError);
  assert.throws(() => p.decide(null), InvalidArgumentError);
  assert.equal(snap(p), before);
  // the good ids of a rejected batch were not remembered
  assert.deepEqual(p.learn([good]), { learned: 1, duplicates: 0 });
  await e.dispose();
});

test('options are checked: unknown names with a suggestion, ranges, seed as a safe integer', async () => {
  const e = await init({ threads: 1 });
  const bad = [
    [{}, /needs arms/], [{ arms: 0 }, /arms must be an integer in \[1/], [{ arms: 2.5 }, /arms/], [{ arms: 3, alhpa: 1 }, /unknown option "alhpa".*did you mean "alpha"/],
    [{ arms: 3, alpha: -1 }, /alpha must be in/], [{ arms: 3, alpha: NaN }, /alpha must be a finite number/], [{ arms: 3, seed: -1 }, /seed must be an integer in \[0, 2\^53\)/],
    [{ arms: 3, seed: 2 ** 53 }, /seed/], [{ arms: 3, seed: 1.5 }, /seed/], [{ arms: 3, dedupWindow: 1e7 }, /dedupWindow/], [{ arms: 3, copies: 0 }, /copies/],
    [{ arms: 2, warmStart: { pulls: [1, 2] } }, /warmStart needs rewards/], [{ arms: 2, warmStart: { pulls: [1], rewards: [1] } }, /warmStart.pulls must be an array of 2/],
    [{ arms: 2, warmStart: { pulls: [1, 2], rewards: [2, 0] } }, /warmStart arm 0: rewards 2 is not in \[0, pulls = 1\]/],
    [{ arms: 2, warmStart: { pulls: [1, -2], rewards: [0, 0] } }, /pulls -2 is negative/], [{ arms: 2, warmStart: { pulls: [1, NaN], rewards: [0, 0] } }, /finite/],
    [{ arms: 2, warmStart: { pulls: [1, 1], rewards: [0, 0], pull: [1] } }, /unknown slot "pull"/],
  ];
  for (const [o, re] of bad) assert.throws(() => new bandits.UCB1(e, o), (err) => err instanceof HyperparameterError && re.test(err.message), JSON.stringify(o));
  assert.throws(() => new bandits.UCB1(null, { arms: 2 }), InvalidArgumentError);
  assert.throws(() => new bandits.UCB1(e, null), InvalidArgumentError);
  const w = new bandits.UCB1(e, { arms: 2, warmStart: { pulls: [10, 4], rewards: [7, 1] } });
  assert.deepEqual([...w.stats().squares], [7, 1]);
  await e.dispose();
});

test('arms: addArm appends with a checked prior, removeArm takes one out, the last one stays', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.UCB1(e, { arms: 3, seed: 2 });
  p.learn([0, 1, 2].map((k) => ({ eventId: `w${k}`, arm: k, reward: 0.5 })));
  assert.equal(p.addArm(), 3);
  assert.equal(p.decide({ eventId: 'z' }).arm, 3);                     // never pulled: played first
  assert.equal(p.addArm({ pulls: 100, rewards: 99 }), 4);
  assert.deepEqual([...p.stats().pulls], [1, 1, 1, 0, 100]);
  assert.throws(() => p.addArm({ pulls: 1, rewards: 2 }), HyperparameterError);
  assert.throws(() => p.addArm({ pull: 1 }), /unknown slot "pull".*did you mean "pulls"/);
  assert.equal(p.arms, 5);
  p.removeArm(3);
  const d = p.decide({ eventId: 'z' });                               // arms 0-2 tie (mean 0.5, one pull each)
  assert.ok([0, 1, 2].includes(d.arm) && d.propensity === 1 / 3 && d.scores[3] === -Infinity, JSON.stringify(d));
  assert.throws(() => p.removeArm(3), /already removed/);
  assert.throws(() => p.removeArm(7), InvalidArgumentError);
  for (const k of [0, 1, 2]) p.removeArm(k);
  assert.throws(() => p.removeArm(4), /last active arm/);
  assert.deepEqual(p.activeArms, [4]);
  const q = bandits.load(e, p.save());
  assert.deepEqual(q.activeArms, [4]);
  assert.deepEqual(q.decide({ eventId: 'k' }), p.decide({ eventId: 'k' }));
  await e.dispose();
});

test('save/load: bit-identical bytes, the same decisions after, in another engine too', async () => {
  const e = await init({ threads: 1 }), f = await init({ threads: 2, simd: false });
  const p = new bandits.UCB1(e, { arms: 6, seed: 99, alpha: 0.3 });
  for (let t = 0; t < 100; t++) { const id = `t${t}`; const d = p.decide({ eventId: id }); p.learn([{ eventId: id, arm: d.arm, reward: (t * 37 % 11) / 10 }]); }
  const bytes = p.save();
  const q = bandits.load(f, bytes);
  assert.ok(q instanceof bandits.UCB1 && q.kind === 'UCB1');
  assert.deepEqual(q.options, p.options);
  assert.deepEqual(Array.from(q.save()), Array.from(bytes));
  for (let t = 100; t < 160; t++) {
    const id = `t${t}`, a = p.decide({ eventId: id }), b = q.decide({ eventId: id });
    assert.deepEqual(a, b);
    const ev = [{ eventId: id, arm: a.arm, reward: (t % 3) / 2 }];
    p.learn(ev); q.learn(ev);
  }
  assert.deepEqual(Array.from(q.save()), Array.from(p.save()));
  await e.dispose(); await f.dispose();
});

/** Rewrite the manifest of a state file (and its checksum) with `edit`. */
async function edited(e, bytes, edit) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const len = dv.getUint32(16, true);
  const m = JSON.parse(new TextDecoder().decode(bytes.subarray(32, 32 + len)));
  edit(m);
  const json = new TextEncoder().encode(JSON.stringify(m));
  const start = Math.ceil((32 + len) / 16) * 16, payload = bytes.subarray(start, bytes.length - 4);
  const nstart = Math.ceil((32 + json.length) / 16) * 16;
  const out = new Uint8Array(nstart + payload.length + 4);
  out.set(bytes.subarray(0, 32)); out.set(json, 32); out.set(payload, nstart);
  const ov = new DataView(out.buffer);
  ov.setUint32(16, json.length, true); ov.setUint32(24, out.length, true);
  return reseal(e, out);
}
/** Recompute the CRC-32 of a state file (so a test reaches the checks after it). */
function reseal(e, out) {
  const t = e.alloc(2048, 'i32'), b = e.alloc(out.length - 4, 'u8');
  b.array.set(out.subarray(0, out.length - 4));
  e.kernel('crc32_table')(t.ptr);
  new DataView(out.buffer).setUint32(out.length - 4, e.kernel('crc32_u8')(0, t.ptr, b.ptr, out.length - 4) >>> 0, true);
  t.free(); b.free();
  return out;
}

test('load is strict: container, checksum, keys, policy, version, options, shapes and values', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.UCB1(e, { arms: 3, seed: 5, dedupWindow: 4 });
  p.learn([{ eventId: 'a', arm: 0, reward: 1 }, { eventId: 'b', arm: 1, reward: 0.25 }]);
  const good = p.save();
  const bad = async (bytes, re) => assert.throws(() => bandits.load(e, bytes), (err) => err instanceof StateError && re.test(err.message), String(re));
  await bad(good.subarray(0, 20), /truncated/);
  await bad(new Uint8Array(good.length), /bad magic/);
  const flip = good.slice(); flip[good.length - 10] ^= 1; await bad(flip, /checksum mismatch/);
  await bad(new Uint8Array([...good, 0]), /trailing bytes/);
  assert.throws(() => bandits.load(e, [1, 2]), StateError);
  await bad(await edited(e, good, (m) => { m.extra = 1; }), /manifest has unknown key "extra"/);
  await bad(await edited(e, good, (m) => { delete m.window; }), /manifest lacks "window"/);
  await bad(await edited(e, good, (m) => { m.policy = 'UCB2'; }), /unknown policy string "UCB2".*did you mean "UCB1"/);
  await bad(await edited(e, good, (m) => { m.policyVersion = 2; }), /version 2, this build reads version 1/);
  await bad(await edited(e, good, (m) => { m.options.alpha = -3; }), /state file options: alpha must be in/);
  await bad(await edited(e, good, (m) => { m.options.alfa = 1; }), /state file options: unknown option "alfa"/);
  await bad(await edited(e, good, (m) => { m.options.alpha = null; }), /alpha must be a finite number/);
  await bad(await edited(e, good, (m) => { m.arms = 4; }), /state has \d+ values|active must be 4 booleans/);
  await bad(await edited(e, good, (m) => { m.active = [false, false, false]; }), /no active arm/);
  await bad(await edited(e, good, (m) => { m.layout.slots[0].width = 2; }), /layout/);
  await bad(await edited(e, good, (m) => { m.window.size = 3; }), /window head 2 is inconsistent|values past its size|twice/);
  await bad(await edited(e, good, (m) => { m.window.capacity = 8; }), /window capacity 8 is not the options' dedupWindow 4/);
  await bad(await edited(e, good, (m) => { m.format = 'simdopt/optimizer-state'; }), /optimizer state file/);
  await bad(await edited(e, good, (m) => { m.entries.state.offset = 16; }), /malformed|not where/);
  // values: a pull count made negative, a reward sum made NaN (payload edited, checksum resealed)
  const start = Math.ceil((32 + new DataView(good.buffer).getUint32(16, true)) / 16) * 16;
  const setF64 = (i, v) => { const b = good.slice(); new DataView(b.buffer).setFloat64(start + 8 * i, v, true); return reseal(e, b); };
  await bad(setF64(0, -1), /arm 0: pulls -1 is negative/);
  await bad(setF64(4 + 1, NaN), /state value 5 is NaN/);
  await bad(setF64(4 + 1, 2), /arm 1: rewards 2 is not in \[0, pulls = 1\]/);
  await bad(setF64(3, 1), /padding of slot pulls is not zero/);
  // an optimizer's state file is refused, and vice versa
  const opt = new SGD(new ParamSet(e, { w: 2 }), { lr: 0.1 });
  await bad(saveState(opt), /optimizer state file \(use loadState\)/);
  await e.dispose();
});

test('free() and dispose(): every method raises DisposedError', async () => {
  const e = await init({ threads: 1 });
  const p = new bandits.UCB1(e, { arms: 2 });
  const q = new bandits.UCB1(e, { arms: 2 });
  const calls = [(x) => x.decide({ eventId: 'a' }), (x) => x.learn([]), (x) => x.save(), (x) => x.addArm(), (x) => x.removeArm(0),
    (x) => x.stats(), (x) => x.arms, (x) => x.activeArms, (x) => x.options, (x) => x.decideCopies(new Int32Array(2)), (x) => x.learnCopies(new Int32Array(0), new Int32Array(0), new Float64Array(0))];
  p.free(); p.free();
  assert.ok(p.freed);
  for (const c of calls) assert.throws(() => c(p), DisposedError);
  const bytes = q.save();
  await e.dispose();
  for (const c of calls) assert.throws(() => c(q), DisposedError);
  assert.throws(() => bandits.load(e, bytes), DisposedError);
  assert.throws(() => new bandits.UCB1(e, { arms: 2 }), DisposedError);
});
