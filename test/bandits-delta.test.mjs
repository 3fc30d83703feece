// Mergeable, exactly-once updates (src/bandits/delta.ts, assembly/bandits/delta.ts): for every policy
// whose statistics are sums of per-event terms, random event sets split into deltas and merged in
// every order and grouping give the same bytes as one delta of the unique events; applying it (twice)
// gives the correctly rounded exact sums, checked against an independent BigInt reference; the same
// bits in all four builds; equal to learn() bit for bit on dyadic rewards and within learn's own
// rounding bound otherwise. Refusals (policies that cannot merge, overlapping deltas, foreign or
// damaged blobs) are typed and change nothing.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, StateError, UnsupportedError } from '../dist/index.js';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const e = await init({ threads: 1 });
afterAll(() => e.dispose());

/** Test-side randomness (an LCG), not the library's. */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const unit = (rnd) => rnd();
const real = (rnd) => { const u = rnd(); return u < 0.1 ? -(rnd() * 1e3) : u < 0.15 ? rnd() * 1e-310 : u < 0.2 ? 1e150 * (rnd() - 0.5) : (rnd() - 0.3) * 7; };
const positive = (rnd) => rnd() * 50 + 1e-3;
const dyadic = (rnd) => Math.floor(rnd() * 65) / 64;

const MERGEABLE = {
  UCB1: [(en, o) => new bandits.UCB1(en, o), unit],
  UCBV: [(en, o) => new bandits.UCBV(en, o), unit],
  MOSS: [(en, o) => new bandits.MOSS(en, { horizon: 1000, ...o }), unit],
  MOSSAnytime: [(en, o) => new bandits.MOSSAnytime(en, o), unit],
  KLUCB: [(en, o) => new bandits.KLUCB(en, o), unit],
  KLUCBGaussian: [(en, o) => new bandits.KLUCB(en, { family: 'gaussian', ...o }), (r) => (r() - 0.5) * 1e6],
  KLUCBPoisson: [(en, o) => new bandits.KLUCB(en, { family: 'poisson', ...o }), positive],
  IMED: [(en, o) => new bandits.IMED(en, o), unit],
  BayesUCB: [(en, o) => new bandits.BayesUCB(en, o), unit],
  EpsilonGreedy: [(en, o) => new bandits.EpsilonGreedy(en, o), real],
  EpsilonDecreasing: [(en, o) => new bandits.EpsilonDecreasing(en, o), real],
  Softmax: [(en, o) => new bandits.Softmax(en, o), real],
  BernoulliTS: [(en, o) => new bandits.BernoulliTS(en, o), unit],
  GaussianTS: [(en, o) => new bandits.GaussianTS(en, o), real],
};

// ---- independent reference: exact sums as BigInt (units of 2^-1074), rounded by Number(bigint) ----
const dv = new DataView(new ArrayBuffer(8));
function exact(x) {
  dv.setFloat64(0, x);
  const bits = dv.getBigUint64(0), E = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n), sh = 0;
  if (E !== 0) { m |= 1n << 52n; sh = E - 1; }
  const v = m << BigInt(sh);
  return bits >> 63n ? -v : v;
}
const pow2 = (k) => { dv.setBigUint64(0, k >= -1022 ? BigInt(k + 1023) << 52n : 1n << BigInt(k + 1074)); return dv.getFloat64(0); };
function nearest(N) {
  if (N === 0n) return 0;
  const neg = N < 0n, a = neg ? -N : N, bl = a.toString(2).length;
  let v;
  if (bl <= 1000) v = Number(a) * Number.MIN_VALUE; // bl <= 53: exact; else the result is normal and the scaling exact
  else {
    const k = bl - 1000;
    const t = (a >> BigInt(k)) | ((a & ((1n << BigInt(k)) - 1n)) ? 1n : 0n); // sticky bit keeps the rounding
    v = Number(t) * pow2(k - 1074);
  }
  return neg ? -v : v;
}
function reference(events, K) {
  const seen = new Set(), S = [0, 1, 2].map(() => Array(K).fill(0n));
  for (const ev of events) {
    if (seen.has(ev.eventId)) continue;
    seen.add(ev.eventId);
    S[0][ev.arm] += exact(1); S[1][ev.arm] += exact(ev.reward); S[2][ev.arm] += exact(ev.reward * ev.reward);
  }
  return { pulls: S[0].map(nearest), rewards: S[1].map(nearest), squares: S[2].map(nearest) };
}

const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const hex = (u8) => Buffer.from(u8).toString('hex');
function permutations(a) {
  if (a.length <= 1) return [a];
  return a.flatMap((x, i) => permutations([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [x, ...p]));
}
/** Random events over K arms with ids repeated (about 15%: later events may reuse an earlier id). */
function makeEvents(rnd, n, K, reward) {
  const ev = [];
  for (let i = 0; i < n; i++) {
    const id = i > 0 && rnd() < 0.15 ? ev[Math.floor(rnd() * i)].eventId : `ev-${i}-${Math.floor(rnd() * 1e9)}`;
    ev.push({ eventId: id, arm: Math.floor(rnd() * K), reward: reward(rnd) });
  }
  return ev;
}
/** Split events into `parts` random groups: every id's events land in one group (so the deltas are disjoint). */
function split(rnd, events, parts) {
  const group = new Map(), out = Array.from({ length: parts }, () => []);
  for (const ev of events) {
    if (!group.has(ev.eventId)) group.set(ev.eventId, Math.floor(rnd() * parts));
    out[group.get(ev.eventId)].push(ev);
  }
  return out;
}

for (const [name, [make, reward]] of Object.entries(MERGEABLE)) {
  test(`${name}: deltas merged in every order and grouping, applied twice, equal the exact sums of the unique events`, () => {
    const rnd = lcg(name.length * 7919 + 13), K = 5;
    const events = makeEvents(rnd, 400, K, reward);
    const unique = [...new Map(events.map((x) => [x.eventId, x])).values()];
    const first = []; { const s = new Set(); for (const x of events) if (!s.has(x.eventId)) { s.add(x.eventId); first.push(x); } }
    const p = make(e, { arms: K });
    assert.equal(p.mergeable, true);
    const whole = p.delta(events);
    assert.equal(whole.count, first.length);
    assert.equal(whole.eventIds.length, unique.length);
    const parts = split(rnd, events, 4).map((g) => p.delta(g));
    const want = hex(whole.encode());
    for (const order of permutations(parts)) assert.equal(hex(order.reduce((a, b) => bandits.mergeDeltas(a, b)).encode()), want, 'left fold');
    const [a, b, c, d] = parts;
    const M = bandits.mergeDeltas;
    assert.equal(hex(M(M(a, b), M(c, d)).encode()), want, '(ab)(cd)');
    assert.equal(hex(M(M(d, M(b, a)), c).encode()), want, '(d(ba))c');
    assert.equal(hex(M(a, M(b, M(c, d))).encode()), want, 'a(b(cd))');
    // the stats delta does not depend on the state it was computed from
    const fresh = make(e, { arms: K });
    assert.deepEqual(fresh.apply(bandits.decodeDelta(e, whole.encode())), { learned: first.length, duplicates: 0 });
    const snap = fresh.save();
    assert.deepEqual(fresh.apply(whole), { learned: 0, duplicates: first.length });
    for (const part of parts) assert.deepEqual(fresh.apply(part), { learned: 0, duplicates: part.count });
    assert.equal(hex(fresh.save()), hex(snap), 'applying again changes nothing');
    const ref = reference(first, K), st = fresh.stats();
    same(st.pulls, ref.pulls, 'pulls'); same(st.rewards, ref.rewards, 'rewards'); same(st.squares, ref.squares, 'squares');
    // learn() adds term by term: equal where the sums are exact, else within its own rounding bound
    const l = make(e, { arms: K });
    l.learn(events);
    const ls = l.stats();
    same(ls.pulls, st.pulls, 'pulls vs learn');
    for (const s of ['rewards', 'squares']) {
      for (let k = 0; k < K; k++) {
        let abs = 0, n = 0;
        for (const x of first) if (x.arm === k) { abs += Math.abs(s === 'rewards' ? x.reward : x.reward * x.reward); n++; }
        assert.ok(Math.abs(ls[s][k] - st[s][k]) <= Math.max(n - 1, 0) * 2 ** -53 * abs * 1.0000001, `${s}[${k}]: learn ${ls[s][k]} vs apply ${st[s][k]}`);
      }
    }
    p.free(); fresh.free(); l.free();
  });
}

test('dyadic rewards (0/1 clicks, k/64 ratings): deltas applied one by one in any order equal learn() bit for bit', () => {
  for (const [name, [make, reward]] of Object.entries(MERGEABLE)) {
    if (reward === positive) continue;
    const rnd = lcg(name.length + 5), K = 4;
    const events = makeEvents(rnd, 300, K, (r) => (reward === unit ? dyadic(r) : dyadic(r) * 8 - 2));
    const l = make(e, { arms: K });
    l.learn(events);
    const parts = split(rnd, events, 5);
    for (const order of [[0, 1, 2, 3, 4], [4, 2, 0, 3, 1], [3, 4, 1, 0, 2]]) {
      const q = make(e, { arms: K });
      for (const i of order) q.apply(q.delta(parts[i]));
      for (const i of order) q.apply(q.delta(parts[i])); // already learned: q.delta skips them -> empty delta
      for (const s of ['pulls', 'rewards', 'squares']) same(q.stats()[s], l.stats()[s], `${name} ${s}`);
      q.free();
    }
    l.free();
  }
});

test('rounding: ties go to even, a sticky bit rounds up, opposite terms cancel to an exact zero', () => {
  const p = new bandits.GaussianTS(e, { arms: 3 });
  const ev = [
    { eventId: 'a', arm: 0, reward: 1 }, { eventId: 'b', arm: 0, reward: 2 ** -53 },           // 1 + 2^-53: a tie -> 1
    { eventId: 'c', arm: 1, reward: 1 }, { eventId: 'd', arm: 1, reward: 2 ** -53 }, { eventId: 'e', arm: 1, reward: 2 ** -90 }, // just above the tie -> 1 + 2^-52
    { eventId: 'f', arm: 2, reward: 1e150 }, { eventId: 'g', arm: 2, reward: 3 }, { eventId: 'h', arm: 2, reward: -1e150 }, // exact: 3
  ];
  const q = new bandits.GaussianTS(e, { arms: 3 });
  q.apply(p.delta(ev));
  same(q.stats().rewards, [1, 1 + 2 ** -52, 3], 'rewards');
  const l = new bandits.GaussianTS(e, { arms: 3 });
  l.learn(ev);
  same(l.stats().rewards, [1, 1, 0], 'learn rounds term by term'); // what the exact sums avoid
  p.free(); q.free(); l.free();
});

test('the same delta bytes and applied state in all four builds (SIMD/scalar x 1/2 threads)', async () => {
  let want = null;
  for (const cfg of CONFIGS) {
    const en = await init(cfg);
    await en.ready;
    const rnd = lcg(4242);
    const events = makeEvents(rnd, 2000, 37, real);
    const p = new bandits.EpsilonGreedy(en, { arms: 37 });
    const parts = split(rnd, events, 3).map((g) => p.delta(g));
    const m = bandits.mergeDeltas(bandits.mergeDeltas(parts[2], parts[0]), parts[1]);
    p.apply(m);
    const got = hex(m.encode()) + hex(p.save());
    if (want === null) want = got; else assert.equal(got, want, JSON.stringify(cfg));
    en.dispose();
  }
});

test('exactly once: a delta overlapping the learned ids, or another delta, is refused and nothing changes', () => {
  const p = new bandits.UCB1(e, { arms: 3 });
  const ev = Array.from({ length: 10 }, (_, i) => ({ eventId: `x${i}`, arm: i % 3, reward: (i % 4) / 4 }));
  const d1 = p.delta(ev.slice(0, 6)), d2 = p.delta(ev.slice(4));
  p.learn(ev.slice(0, 2));
  const before = hex(p.save());
  assert.throws(() => p.apply(d1), (x) => x instanceof InvalidArgumentError && /2 of the delta's 6 eventIds were already learned/.test(x.message));
  assert.equal(hex(p.save()), before);
  assert.throws(() => bandits.mergeDeltas(d1, d2), (x) => x instanceof InvalidArgumentError && /share 2 of their eventIds/.test(x.message));
  assert.equal(bandits.mergeDeltas(d1, d1), d1, 'a delta merged with itself is itself');
  // delta() skips what the policy has learned, so a delta of the rest applies
  assert.deepEqual(p.apply(p.delta(ev)), { learned: 8, duplicates: 0 });
  assert.deepEqual(p.apply(p.delta(ev)), { learned: 0, duplicates: 0 });
  // a delta without ids (a store's accumulated state) applies unconditionally
  const q = new bandits.UCB1(e, { arms: 3 });
  const w = d1.withoutIds();
  assert.equal(w.eventIds, null);
  q.apply(w); q.apply(w);
  same(q.stats().pulls, [4, 4, 4], 'pulls after the id-less delta twice');
  assert.equal(hex(bandits.decodeDelta(e, w.encode()).encode()), hex(w.encode()));
  p.free(); q.free();
});

test('policies that cannot merge say why with UnsupportedError', () => {
  const cases = [
    new bandits.SWUCB(e, { arms: 2, tau: 4 }), new bandits.DiscountedUCB(e, { arms: 2 }), new bandits.DiscountedTS(e, { arms: 2 }),
    new bandits.ExploreThenCommit(e, { arms: 2, pullsPerArm: 2 }),
    new bandits.FixedShare(e, { arms: 2 }), new bandits.TsallisINF(e, { arms: 2 }), new bandits.EXP3IX(e, { arms: 2 }),
    new bandits.LinEpsilonGreedy(e, { arms: 2, dim: 2, regressor: 'logistic' }), new bandits.SquareCB(e, { arms: 2, dim: 2, regressor: 'logistic' }),
    new bandits.HybridLinUCB(e, { arms: 2, dim: 2, sharedDim: 2 }), new bandits.DLinUCB(e, { arms: 2, dim: 2 }), new bandits.SWLinUCB(e, { arms: 2, dim: 2, tau: 4 }),
    new bandits.CUSUM(e, { arms: 2, horizon: 1000 }), new bandits.GLR(e, { arms: 2, horizon: 1000 }), new bandits.Monitored(e, { arms: 2, horizon: 1000 }),
  ];
  const ucb = new bandits.UCB1(e, { arms: 2 }), d = ucb.delta([{ eventId: 'a', arm: 0, reward: 1 }]);
  for (const p of cases) {
    assert.equal(p.mergeable, false, p.kind);
    assert.throws(() => p.delta([]), (x) => x instanceof UnsupportedError && x.message.startsWith(`${p.kind} cannot compute a delta: `), p.kind);
    const before = hex(p.save());
    assert.throws(() => p.apply(d), UnsupportedError, p.kind);
    assert.equal(hex(p.save()), before);
    p.free();
  }
  ucb.free();
});

test('foreign, damaged and non-canonical deltas are refused (StateError / InvalidArgumentError) and change nothing', () => {
  const p = new bandits.UCB1(e, { arms: 3 }), v = new bandits.UCBV(e, { arms: 3 }), a2 = new bandits.UCB1(e, { arms: 3, alpha: 2 }), small = new bandits.UCB1(e, { arms: 2 });
  const ev = [{ eventId: 'a', arm: 2, reward: 0.25 }, { eventId: 'b', arm: 0, reward: 1 }];
  const d = p.delta(ev), bytes = d.encode();
  for (const [q, re] of [[v, /delta is of UCB1/], [a2, /options/], [small, /covers 3 arms, this policy has 2/]]) {
    const before = hex(q.save());
    assert.throws(() => q.apply(d), (x) => x instanceof InvalidArgumentError && re.test(x.message));
    assert.equal(hex(q.save()), before);
  }
  assert.throws(() => p.apply({ policy: 'UCB1' }), InvalidArgumentError);
  assert.throws(() => bandits.mergeDeltas(d, v.delta(ev)), (x) => x instanceof InvalidArgumentError && /different policies/.test(x.message));
  assert.throws(() => bandits.decodeDelta(e, 'SDLT'), InvalidArgumentError);
  // every single-byte change and every truncation
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.slice(); b[i] ^= 1 << (i % 8);
    assert.throws(() => bandits.decodeDelta(e, b), StateError, `byte ${i}`);
  }
  for (let n = 0; n < bytes.length; n += 7) assert.throws(() => bandits.decodeDelta(e, bytes.slice(0, n)), StateError, `length ${n}`);
  // re-checksummed edits: the structural checks behind the checksum
  const { fnv } = checksummer();
  const edit = (f) => { const b = bytes.slice(0, bytes.length - 8); f(b); return concat(b, fnv(b)); };
  const H = new DataView(bytes.buffer).getUint32(8, true), payloadAt = 12 + H + 4 + 8 * 2 + 4;
  assert.throws(() => bandits.decodeDelta(e, edit((b) => { b[payloadAt] = 7; })), /payload arms not increasing or out of range/); // arm 2 -> 7 >= arms
  assert.throws(() => bandits.decodeDelta(e, edit((b) => { b[payloadAt + 4] = 3; })), /payload sign byte/);
  assert.throws(() => bandits.decodeDelta(e, edit((b) => { b[payloadAt + 6] = 0; })), /payload cell range/);
  assert.throws(() => bandits.decodeDelta(e, edit((b) => { const o = 12 + H + 4, x = b.slice(o, o + 8); b.copyWithin(o, o + 8, o + 16); b.set(x, o + 8); })), /ids are not strictly increasing/);
  // a real-reward delta relabelled as UCB1: decodes, but apply's state check refuses it (rewards > pulls)
  const g = new bandits.EpsilonGreedy(e, { arms: 3 });
  const gd = g.delta([{ eventId: 'z', arm: 1, reward: 5 }]);
  const relabel = relabelled(gd.encode(), p);
  const forged = bandits.decodeDelta(e, relabel);
  const before = hex(p.save());
  assert.throws(() => p.apply(forged), (x) => x instanceof InvalidArgumentError && /rewards 5 is not in \[0, pulls = 1\]/.test(x.message));
  assert.equal(hex(p.save()), before);
  for (const q of [p, v, a2, small, g]) q.free();
});

/** FNV-1a 64 (the container's checksum) in JS. */
function checksummer() {
  return {
    fnv(b) {
      let h = 0xcbf29ce484222325n;
      for (const x of b) { h ^= BigInt(x); h = (h * 0x100000001b3n) & 0xffffffffffffffffn; }
      const out = new Uint8Array(8); new DataView(out.buffer).setBigUint64(0, h, true); return out;
    },
  };
}
const concat = (a, b) => { const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o; };
/** The same delta with its header's policy and options replaced by p's (and a valid checksum). */
function relabelled(bytes, p) {
  const dvb = new DataView(bytes.buffer), H = dvb.getUint32(8, true);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + H)));
  const o = { ...p.options }; delete o.dedupWindow;
  head.policy = p.kind; head.options = Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  const h2 = new TextEncoder().encode(JSON.stringify(head)), rest = bytes.subarray(12 + H, bytes.length - 8);
  const b = new Uint8Array(12 + h2.length + rest.length);
  b.set(bytes.subarray(0, 12)); new DataView(b.buffer).setUint32(8, h2.length, true); b.set(h2, 12); b.set(rest, 12 + h2.length);
  return concat(b, checksummer().fnv(b));
}
