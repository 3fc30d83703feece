// Mergeable deltas of the adversarial family (src/bandits/adversarial.ts expMerge/expTerms,
// assembly/bandits/adversarial.ts bd_exp_terms, assembly/bandits/delta.ts bd_delta_sums): EXP3 (gains
// and losses forms), EXP3-IX with a round-free γ, EXP3.P, Tsallis-INF with the 'iw' estimator, Hedge
// and EXP4 keep cumulative estimates that are sums of per-event importance-weighted terms. For each:
// random event sets split into deltas and merged in every order and grouping give the same bytes as one
// delta of the unique events; applying it twice changes nothing the second time; the state after apply
// is the correctly rounded exact sum of the terms (independent BigInt reference of the same f64 term
// expressions) and the round count adds; the same bytes in all four builds; one event per arm gives
// learn's bits, many stay within learn's rounding bound. The variants whose terms depend on the round
// (EXP3-IX's anytime γ_t, Tsallis-INF's 'rv' estimator) or that renormalize (Fixed-Share) refuse with
// UnsupportedError, state unchanged; EXP3.P and the horizon-tuned EXP3-IX refuse once an arm is removed.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, UnsupportedError, InvalidArgumentError } from '../dist/index.js';
import { available, redisClient, startRedis } from './helpers/redis-server.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const hex = (u8) => Buffer.from(u8).toString('hex');
const K = 4, N = 3;

// ---- exact sums as BigInt in units of 2^-1074, rounded to nearest (as test/bandits-delta.test.mjs) ----
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
function nearest(X) {
  if (X === 0n) return 0;
  const neg = X < 0n, a = neg ? -X : X, bl = a.toString(2).length;
  let v;
  if (bl <= 1000) v = Number(a) * Number.MIN_VALUE;
  else { const k = bl - 1000; const t = (a >> BigInt(k)) | ((a & ((1n << BigInt(k)) - 1n)) ? 1n : 0n); v = Number(t) * pow2(k - 1074); }
  return neg ? -v : v;
}

/** A random probability vector over K arms, entries >= 0.02. */
function probVec(rnd) { const w = Array.from({ length: K }, () => rnd() + 0.02 * K); const s = w.reduce((a, b) => a + b, 0); const v = w.map((x) => x / s); v[K - 1] = 1 - v.slice(0, K - 1).reduce((a, b) => a + b, 0); return v; }
/** Random advice: N probability vectors. */
const adviceOf = (rnd) => Array.from({ length: N }, () => probVec(rnd)).flat();

// name -> [make(engine), event(rnd, i) -> event, terms(policy, event) -> [[index, term]...], slot, count]
const bandit = (extra) => (rnd, id) => { const arm = Math.floor(rnd() * K), v = probVec(rnd); return { eventId: id, arm, reward: Math.floor(rnd() * 5) / 4 + (rnd() < 0.5 ? rnd() * 1e-3 : 0) - (rnd() < 0.2 ? 0 : 0), propensity: v[arm], ...extra(v) }; };
const clip = (ev) => ({ ...ev, reward: Math.min(1, ev.reward) });
const POLICIES = {
  'EXP3 (gains)': [(en) => new bandits.EXP3(en, { arms: K, horizon: 1000 }), bandit(() => ({})), (p, ev) => [[ev.arm, ev.reward / ev.propensity]], 'gains'],
  'EXP3 (losses)': [(en) => new bandits.EXP3(en, { arms: K, gamma: 0 }), bandit(() => ({})), (p, ev) => [[ev.arm, (1 - ev.reward) / ev.propensity]], 'losses'],
  'EXP3IX (gamma)': [(en) => new bandits.EXP3IX(en, { arms: K, gamma: 0.05 }), bandit(() => ({})), (p, ev) => [[ev.arm, (1 - ev.reward) / (ev.propensity + 0.05)]], 'losses'],
  'EXP3IX (horizon)': [(en) => new bandits.EXP3IX(en, { arms: K, horizon: 500 }), bandit(() => ({})), (p, ev) => {
    const c = p.engine.sqrt(2 / 500) / 2, g = c * Math.sqrt(p.engine.log(K) / K);
    return [[ev.arm, (1 - ev.reward) / (ev.propensity + g)]];
  }, 'losses'],
  EXP3P: [(en) => new bandits.EXP3P(en, { arms: K, horizon: 800 }), bandit((v) => ({ probabilities: v })), (p, ev) => {
    const { alpha, horizon } = p.options, b = Math.sqrt(K * horizon);
    return Array.from({ length: K }, (_, k) => { let g = alpha / (ev.probabilities[k] * b); if (k === ev.arm) g = ev.reward / ev.propensity + g; return [k, g]; });
  }, 'gains'],
  'TsallisINF (iw)': [(en) => new bandits.TsallisINF(en, { arms: K, estimator: 'iw' }), bandit(() => ({})), (p, ev) => [[ev.arm, (1 - ev.reward) / ev.propensity]], 'losses'],
  Hedge: [(en) => new bandits.Hedge(en, { arms: K }), (rnd, id) => ({ eventId: id, rewards: Array.from({ length: K }, () => rnd()) }), (p, ev) => ev.rewards.map((x, k) => [k, x]), 'gains'],
  EXP4: [(en) => new bandits.EXP4(en, { arms: K, experts: N }), (rnd, id) => {
    const advice = adviceOf(rnd), arm = Math.floor(rnd() * K);
    return { eventId: id, arm, reward: rnd(), propensity: 0.05 + 0.95 * rnd(), advice };
  }, (p, ev) => Array.from({ length: N }, (_, j) => [j, ev.advice[j * K + ev.arm] * (ev.reward / ev.propensity)]), 'expertGains'],
};
const valuesOf = (p, slot) => (slot === 'expertGains' ? Array.from(p.expertGains()) : Array.from(p.stats()[slot]));
/** Events with ~15% repeated ids (a repeat keeps the first event's content). */
function makeEvents(rnd, n, gen) {
  const ev = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && rnd() < 0.15) { ev.push(ev[Math.floor(rnd() * i)]); continue; }
    const x = gen(rnd, `ev-${i}-${Math.floor(rnd() * 1e9)}`);
    ev.push('reward' in x ? clip(x) : x);
  }
  return ev;
}
function split(rnd, events, parts) {
  const group = new Map(), out = Array.from({ length: parts }, () => []);
  for (const x of events) { if (!group.has(x.eventId)) group.set(x.eventId, Math.floor(rnd() * parts)); out[group.get(x.eventId)].push(x); }
  return out;
}
function permutations(a) { return a.length <= 1 ? [a] : a.flatMap((x, i) => permutations([...a.slice(0, i), ...a.slice(i + 1)]).map((q) => [x, ...q])); }

for (const [name, [make, gen, terms, slot]] of Object.entries(POLICIES)) {
  test(`${name}: deltas merge in every order and grouping, apply exactly once to the correctly rounded sums of the terms, same bytes in 4 builds`, async () => {
    const rnd = lcg(name.length * 104729 + 7);
    const events = makeEvents(rnd, 240, gen);
    const unique = [...new Map(events.map((x) => [x.eventId, x])).values()];
    const p = make(e);
    assert.equal(p.mergeable, true);
    const whole = p.delta(events);
    assert.equal(whole.count, unique.length);
    const parts = split(rnd, events, 4).map((g) => p.delta(g));
    const want = hex(whole.encode());
    for (const order of permutations(parts)) assert.equal(hex(order.reduce((a, b) => bandits.mergeDeltas(a, b)).encode()), want);
    const M = bandits.mergeDeltas, [a, b, c, d] = parts;
    assert.equal(hex(M(M(a, b), M(c, d)).encode()), want, '(ab)(cd)');
    assert.equal(hex(M(a, M(b, M(c, d))).encode()), want, 'a(b(cd))');
    assert.equal(hex(M(whole, whole).encode()), want, 'idempotent merge');
    assert.equal(hex(bandits.decodeDelta(e, whole.encode()).encode()), want, 'encode/decode');
    // apply: the exact sums, once
    const q = make(e);
    assert.deepEqual(q.apply(whole), { learned: unique.length, duplicates: 0 });
    const after = hex(q.save());
    assert.deepEqual(q.apply(whole), { learned: 0, duplicates: unique.length });
    assert.equal(hex(q.save()), after, 'the second apply changes nothing');
    const S = Array.from({ length: slot === 'expertGains' ? N : K }, () => 0n);
    for (const x of unique) for (const [k, t] of terms(q, x)) S[k] += exact(t);
    const got = valuesOf(q, slot), ref = S.map(nearest);
    for (let k = 0; k < ref.length; k++) assert.ok(Object.is(got[k], ref[k]), `${slot}[${k}]: ${got[k]} vs exact ${ref[k]}`);
    assert.equal(q.rounds(), unique.length, 'round count');
    // learn: one event per arm gives the same bits; the whole set stays within learn's rounding bound
    const one = make(e), viaDelta = make(e), firsts = [];
    const seen = new Set();
    for (const x of unique) { const k = 'arm' in x ? x.arm : 0; if (!seen.has(k)) { seen.add(k); firsts.push(x); } }
    if (slot !== 'expertGains' && name !== 'EXP3P' && name !== 'Hedge') {
      one.learn(firsts); viaDelta.apply(viaDelta.delta(firsts));
      assert.deepEqual(valuesOf(viaDelta, slot), valuesOf(one, slot), 'one event per arm: learn\'s bits');
    }
    const L = make(e);
    L.learn(unique);
    const lv = valuesOf(L, slot);
    const absSum = Array.from({ length: ref.length }, () => 0), cnt = Array.from({ length: ref.length }, () => 0);
    for (const x of unique) for (const [k, t] of terms(q, x)) { absSum[k] += Math.abs(t); cnt[k]++; }
    for (let k = 0; k < ref.length; k++) assert.ok(Math.abs(lv[k] - got[k]) <= cnt[k] * 2 ** -53 * absSum[k] * 1.01, `${slot}[${k}] learn ${lv[k]} vs apply ${got[k]}`);
    // four builds: the same delta bytes and the same state after apply
    const saved = [];
    for (const cfg of CONFIGS) {
      const en = await init(cfg);
      const r = make(en), dd = r.delta(events);
      assert.equal(hex(dd.encode()), want, JSON.stringify(cfg));
      r.apply(dd);
      saved.push(valuesOf(r, slot));
      r.free(); await en.dispose();
    }
    for (const s of saved) assert.deepEqual(s, got);
    for (const x of [p, q, one, viaDelta, L]) x.free();
  }, 60_000);
}

test('adversarial variants that cannot merge say why (UnsupportedError), state unchanged; a removed arm stops the arm-count-dependent ones', () => {
  const cases = [
    new bandits.FixedShare(e, { arms: 3 }), new bandits.TsallisINF(e, { arms: 3 }), new bandits.EXP3IX(e, { arms: 3 }),
  ];
  const x = new bandits.EXP3P(e, { arms: 3, horizon: 100 }); x.removeArm(2); cases.push(x);
  const y = new bandits.EXP3IX(e, { arms: 3, horizon: 100 }); y.removeArm(1); cases.push(y);
  const ok = new bandits.EXP3(e, { arms: 3, gamma: 0 }), d = ok.delta([{ eventId: 'a', arm: 0, reward: 1, propensity: 0.5 }]);
  for (const p of cases) {
    assert.equal(p.mergeable, false, p.kind);
    assert.throws(() => p.delta([]), (err) => err instanceof UnsupportedError && err.message.startsWith(`${p.kind} cannot compute a delta: `), p.kind);
    const before = hex(p.save());
    assert.throws(() => p.apply(d), UnsupportedError, p.kind);
    assert.equal(hex(p.save()), before);
    p.free();
  }
  // a removed arm on a policy whose terms do not depend on the arm count: its events are refused, nothing changes
  const z = new bandits.EXP3(e, { arms: 3, gamma: 0 }); z.removeArm(0);
  assert.equal(z.mergeable, true);
  const before = hex(z.save());
  assert.throws(() => z.apply(d), InvalidArgumentError);
  assert.equal(hex(z.save()), before);
  // another policy's delta is refused
  const h = new bandits.Hedge(e, { arms: 3 });
  assert.throws(() => h.apply(d), InvalidArgumentError);
  z.free(); h.free(); ok.free();
});

(available ? test : test.skip)('EXP4 through RedisStore: the stored sums are one delta of the unique events (the experts index the entries)', async () => {
  const server = await startRedis(), client = redisClient.createClient({ url: server.url });
  client.on('error', () => {});
  await client.connect();
  try {
    const make = POLICIES.EXP4[0], rnd = lcg(5);
    const events = makeEvents(rnd, 120, POLICIES.EXP4[1]);
    const store = new bandits.RedisStore(client, { key: 'exp4', create: () => make(e) });
    for (const g of split(rnd, events, 3)) await store.learn(g);
    await store.learn(events.slice(0, 30)); // resent: nothing counted twice
    const got = await store.read(), local = make(e), want = local.delta(events);
    assert.equal(got.count, want.count);
    assert.equal(hex(got.payload), hex(want.payload));
    const snap = await store.snapshot(), q = make(e);
    q.apply(want);
    assert.deepEqual(Array.from(snap.expertGains()), Array.from(q.expertGains()));
    snap.free(); q.free(); local.free(); store.free();
  } finally { await client.quit(); await server.stop(); }
}, 60_000);
