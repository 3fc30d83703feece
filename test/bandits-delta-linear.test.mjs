// Mergeable updates of the linear policies (LinUCB, LinTS, ridge LinEpsilonGreedy and SquareCB;
// src/bandits/delta.ts linear form, assembly/bandits/delta.ts bd_delta_lin*): a delta holds the exact
// sums ΔA = Σ x xᵀ (upper triangle) and Δb = Σ r x, so deltas merge in every order and grouping to the
// same bytes; apply() updates A⁻¹ by Sherman–Morrison steps over a pivoted Cholesky factor of ΔA:
// equal to learn() bit for bit when each arm gets one event, within 1e-10 (normwise, relative) of
// learn() and of an independent JS inverse of λI + Σ x xᵀ otherwise; the same bits in all four
// builds; exactly once (applying twice changes nothing); decisions after apply equal decisions of
// the same state loaded from its save; refusals typed and changing nothing; RedisStore serves them.
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError, StateError, UnsupportedError } from '../dist/index.js';
import { available, redisClient, startRedis } from './helpers/redis-server.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const e = await init({ threads: 1 });
afterAll(() => e.dispose());

/** Test-side randomness (an LCG), not the library's. */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const hex = (u8) => Buffer.from(u8).toString('hex');
const MAKERS = {
  LinUCB: (en, o) => new bandits.LinUCB(en, o),
  LinTS: (en, o) => new bandits.LinTS(en, o),
  LinEpsilonGreedy: (en, o) => new bandits.LinEpsilonGreedy(en, o),
  SquareCB: (en, o) => new bandits.SquareCB(en, o),
};
function events(seed, n, K, d, prefix = 'e') {
  const r = lcg(seed);
  return Array.from({ length: n }, (_, i) => ({
    eventId: `${prefix}${i}`, arm: Math.floor(r() * K), reward: r() < 0.2 ? r() * 5 - 2 : Math.round(r()),
    context: Array.from({ length: d }, () => (r() < 0.1 ? 0 : (r() * 2 - 1) * (r() < 0.1 ? 100 : 1))),
  }));
}
/** ||a − b||∞ / ||a||∞ */
const relDiff = (a, b) => { let m = 0, s = 0; for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(a[i])); } return m / s; };
const ainv = (p, k) => { const d = p.dim; return p.stats().Ainv.slice(k * d * d, (k + 1) * d * d); };
/** Independent reference: (λI + Σ x xᵀ)⁻¹ for one arm by Gauss–Jordan with partial pivoting, f64, contexts f32-rounded as learn folds them. */
function refInverse(evs, arm, d, lambda) {
  const A = Array.from({ length: d }, (_, i) => Array.from({ length: 2 * d }, (_, j) => (j === i ? lambda : j === d + i ? 1 : 0)));
  for (const ev of evs) if (ev.arm === arm) { const x = ev.context.map(Math.fround); for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i][j] += x[i] * x[j]; }
  for (let c = 0; c < d; c++) {
    let p = c; for (let i = c + 1; i < d; i++) if (Math.abs(A[i][c]) > Math.abs(A[p][c])) p = i;
    [A[c], A[p]] = [A[p], A[c]];
    const v = A[c][c]; for (let j = 0; j < 2 * d; j++) A[c][j] /= v;
    for (let i = 0; i < d; i++) if (i !== c) { const f = A[i][c]; if (f) for (let j = 0; j < 2 * d; j++) A[i][j] -= f * A[c][j]; }
  }
  return A.flatMap((row) => row.slice(d));
}
/** The numeric state (every arm's A⁻¹ and b, SquareCB's round count) bit for bit; the eventId windows may differ in order (apply adds a delta's ids sorted). */
function sameState(p, q, what) {
  const a = p.stats(), b = q.stats();
  for (const s of Object.keys(a)) {
    const x = a[s], y = b[s];
    assert.equal(x.length, y.length, what);
    for (let i = 0; i < x.length; i++) assert.ok(Object.is(x[i], y[i]), `${what}: ${s}[${i}]: ${x[i]} vs ${y[i]}`);
  }
  if (p.kind === 'SquareCB') assert.equal(p.rounds, q.rounds, what);
}

test('every merge order and grouping gives the bytes of one delta of the unique events; apply is exactly once, equal in all four builds, and within 1e-10 of learn and of an exact inverse', async () => {
  const K = 4, d = 5;
  for (const [name, make] of Object.entries(MAKERS)) {
    const evs = events(11, 120, K, d);
    const opts = { arms: K, dim: d, lambda: 0.5, seed: 3 };
    const p = make(e, opts);
    const all = p.delta([...evs, evs[7], evs[9]]);
    assert.equal(all.count, 120, name);
    assert.deepEqual(all.options.dim, d);
    const parts = [p.delta(evs.slice(0, 30)), p.delta(evs.slice(30, 85)), p.delta(evs.slice(85))];
    const [a, b, c] = parts, m = bandits.mergeDeltas;
    const want = hex(all.encode());
    for (const x of [m(m(a, b), c), m(a, m(b, c)), m(m(c, a), b), m(c, m(b, a)), m(m(b, c), a)]) assert.equal(hex(x.encode()), want, `${name}: merge order`);
    assert.equal(hex(bandits.decodeDelta(e, all.encode()).encode()), want, `${name}: encode/decode`);
    // apply: exactly once
    assert.deepEqual(p.apply(all), { learned: 120, duplicates: 0 });
    const saved = hex(p.save());
    assert.deepEqual(p.apply(all), { learned: 0, duplicates: 120 });
    assert.deepEqual(p.apply(a), { learned: 0, duplicates: 30 });
    assert.equal(hex(p.save()), saved, `${name}: a second apply changes nothing`);
    assert.throws(() => p.apply(m(a, p.delta(events(12, 5, K, d, 'new')))), InvalidArgumentError);
    assert.equal(hex(p.save()), saved);
    // the same bits in every build
    for (const cfg of CONFIGS) {
      const en = await init(cfg), q = make(en, opts);
      q.apply(bandits.decodeDelta(en, all.encode()));
      assert.equal(hex(q.save()), saved, `${name} ${JSON.stringify(cfg)}`);
      q.free(); en.dispose();
    }
    // vs learn (Sherman–Morrison event by event) and vs an independent inverse
    const l = make(e, opts);
    l.learn(evs);
    for (let k = 0; k < K; k++) {
      const Mp = ainv(p, k), Ml = ainv(l, k);
      assert.ok(relDiff(Ml, Mp) <= 1e-10, `${name} arm ${k}: A⁻¹ vs learn ${relDiff(Ml, Mp)}`);
      assert.ok(relDiff(refInverse(evs, k, d, 0.5), Mp) <= 1e-10, `${name} arm ${k}: A⁻¹ vs exact inverse`);
      assert.ok(relDiff(l.theta(k), p.theta(k)) <= 1e-10, `${name} arm ${k}: θ vs learn ${relDiff(l.theta(k), p.theta(k))}`);
    }
    if (name === 'SquareCB') assert.equal(p.rounds, l.rounds);
    l.free(); p.free();
  }
});

test('one event per arm: apply equals learn bit for bit (the pivoted factor of x xᵀ is ±x exactly)', () => {
  for (const [name, make] of Object.entries(MAKERS)) {
    const K = 6, d = 7, r = lcg(5);
    const evs = Array.from({ length: K }, (_, k) => ({ eventId: `o${k}`, arm: k, reward: r() * 3 - 1, context: Array.from({ length: d }, () => r() * 4 - 2) }));
    const p = make(e, { arms: K, dim: d, seed: 1 }), l = make(e, { arms: K, dim: d, seed: 1 });
    l.learn(evs.slice(0, 3)); p.learn(evs.slice(0, 3)); // a non-trivial starting A⁻¹ for half the arms
    const more = evs.map((x, k) => ({ ...x, eventId: `p${k}`, context: x.context.map((v) => -v * 0.75) }));
    l.learn(more); p.apply(p.delta(more));
    sameState(p, l, name);
    p.free(); l.free();
  }
});

test('decisions after apply equal those of the same state loaded from its save (the scoring cache is refreshed); slate positions map as in learn', () => {
  const K = 5, d = 4;
  for (const name of ['LinUCB', 'LinTS']) {
    const p = MAKERS[name](e, { arms: K, dim: d, seed: 9 });
    p.apply(p.delta(events(21, 80, K, d)));
    const q = bandits.load(e, p.save());
    const ctx = events(22, 16, K, d).flatMap((x) => x.context), ids = Array.from({ length: 16 }, (_, i) => `q${i}`);
    const A = p.decideBatch(ctx, ids), B = q.decideBatch(ctx, ids);
    assert.deepEqual(Array.from(A.arms), Array.from(B.arms)); assert.deepEqual(Array.from(A.scores), Array.from(B.scores));
    // position events: the delta covers the same (eventId, position) keys as learn
    const pos = [0, 1, 2].map((j) => ({ eventId: 'slate', position: j, arm: j, reward: j === 1 ? 1 : 0, context: [0.5, -0.25, 1, 0.125] }));
    const l = bandits.load(e, p.save());
    l.learn(pos); p.apply(p.delta(pos));
    sameState(p, l, `${name}: one event per arm with positions = learn`);
    assert.deepEqual(l.learn(pos), { learned: 0, duplicates: 3 });
    assert.deepEqual(p.apply(p.delta(pos)), { learned: 0, duplicates: 0 }); // delta skips ids already learned: an empty delta
    p.free(); q.free(); l.free();
  }
});

test('refusals are typed and change nothing: logistic regressor, other dimension, removed arm, foreign and damaged linear deltas', () => {
  const logistic = new bandits.LinEpsilonGreedy(e, { arms: 2, dim: 2, regressor: 'logistic' });
  assert.equal(logistic.mergeable, false);
  assert.throws(() => logistic.delta([]), (x) => x instanceof UnsupportedError && /logistic/.test(x.message));
  logistic.free();
  const p = new bandits.LinUCB(e, { arms: 3, dim: 3 }), q = new bandits.LinUCB(e, { arms: 3, dim: 4 }), u = new bandits.UCB1(e, { arms: 3 });
  assert.equal(p.mergeable, true);
  const d = p.delta(events(31, 20, 3, 3));
  const before = hex(q.save());
  assert.throws(() => q.apply(d), InvalidArgumentError);
  assert.throws(() => u.apply(d), InvalidArgumentError);
  assert.throws(() => p.apply(u.delta([{ eventId: 'u', arm: 0, reward: 1 }])), InvalidArgumentError);
  assert.throws(() => bandits.mergeDeltas(d, u.delta([])), InvalidArgumentError);
  assert.equal(hex(q.save()), before);
  const r = new bandits.LinUCB(e, { arms: 3, dim: 3 });
  r.removeArm(d.eventIds && 0);
  const rb = hex(r.save());
  assert.throws(() => r.apply(d), (x) => x instanceof InvalidArgumentError && /removed/.test(x.message));
  assert.equal(hex(r.save()), rb);
  const bytes = d.encode();
  for (let at = 0; at < bytes.length; at += 97) {
    const c = bytes.slice(); c[at] ^= 4;
    assert.throws(() => bandits.decodeDelta(e, c), StateError);
  }
  p.free(); q.free(); u.free(); r.free();
});

const run = available ? test : test.skip;
let server, client;
beforeAll(async () => {
  if (!available) return;
  server = await startRedis();
  client = redisClient.createClient({ url: server.url });
  await client.connect();
}, 20_000);
afterAll(async () => { await client?.quit(); await server?.stop(); });

run('RedisStore serves LinUCB: resent and overlapping batches fold once, the stored sums are one delta of the unique events, snapshots are the same bits', async () => {
  const create = () => new bandits.LinUCB(e, { arms: 3, dim: 3, alpha: 0.5 });
  const store = new bandits.RedisStore(client, { key: 'lin1', create });
  const evs = events(41, 90, 3, 3);
  assert.deepEqual(await store.learn(evs.slice(0, 40)), { learned: 40, duplicates: 0 });
  assert.deepEqual(await store.learn(evs.slice(20, 70)), { learned: 30, duplicates: 20 });
  assert.deepEqual(await store.learn(evs), { learned: 20, duplicates: 70 });
  const local = create(), want = local.delta(evs);
  assert.equal(hex((await store.read()).payload), hex(want.payload));
  const s = await store.snapshot(), t = create();
  t.apply(want.withoutIds());
  assert.equal(hex(s.save()), hex(t.save()));
  s.free(); t.free(); local.free(); store.free();
}, 30_000);
