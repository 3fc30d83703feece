// The seeded serving run shared by the context-free bandit tests over the shared statistics
// (test/bandits-stochastic, bandits-index-policies, bandits-randomized): a policy and its f64-exact JS
// reference decide side by side for `rounds` eventIds, every decision compared bit for bit (arm,
// propensity, scores); decisions are learned in batches of 1..4 with some eventIds repeated (inside a
// batch, and whole batches replayed, which must learn nothing), arm 2 is removed at `removeAt` and an arm
// added with a prior at `addAt`; at the end the statistics are compared and the state saved (and, with
// `reload`, loaded back and checked to decide the same).
import assert from 'node:assert/strict';
import { init, bandits } from '../../dist/index.js';
import { fnvRef, keyOf, learnStatsRef } from './reference-bandits.mjs';

/** The four builds: SIMD/scalar × 1/2 threads (splitMin 8, so the 2-thread runs really split). */
export const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];

/** Element-wise Object.is (so -0, NaN and every bit of a double count). */
export const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

/** Test-side randomness (an LCG: the test's own, not the library's). */
export const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

/** The engine's own transcendentals, which the references call so that they round as the kernels do. */
export const engineMath = (e) => ({ log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x), exp: (x) => e.exp(x) });

/**
 * Run the serving loop on a fresh engine `init(cfg)` and return the saved state (bytes).
 * - make(engine, { arms, seed, warmStart? }) -> policy; ref(st, active, key, hash, M) -> { arm, propensity, scores }
 * - learn(st, arm, reward): the reference fold (default: pulls += 1, rewards += r, squares += r²)
 * - slots: extra per-arm reference slots beyond pulls, rewards, squares (zero at the start)
 * - reward(mu, rnd, t): the reward of the chosen arm (arm a's mean is 0.1 + 0.05·a)
 * - warm: a warmStart ({ pulls, rewards, squares? }; squares default to rewards, as the policies fill them)
 * - prior / priorState: addArm's argument and what the reference arm starts from (default: the prior)
 * - reload: load the saved state and check it decides `reload` eventIds the same (and has the same options)
 */
export async function serveRun(cfg, { make, ref, learn = learnStatsRef, slots = [], K = 7, rounds = 200, removeAt = 60, addAt = 120,
  reward = (mu, u) => (u() < mu ? 1 : 0), warm, prior = { pulls: 3, rewards: 2, squares: 2 }, priorState = prior, reload = 0 } = {}) {
  const e = await init(cfg);
  await e.ready;
  const M = engineMath(e), seed = 2 ** 40 + 12345, key = keyOf(seed);
  const p = make(e, { arms: K, seed, ...(warm ? { warmStart: warm } : {}) });
  let st = { pulls: new Float64Array(K), rewards: new Float64Array(K), squares: new Float64Array(K) };
  for (const s of slots) st[s] = new Float64Array(K);
  if (warm) { st.pulls.set(warm.pulls); st.rewards.set(warm.rewards); st.squares.set(warm.squares ?? warm.rewards); }
  const active = new Array(K).fill(true);
  const mu = Array.from({ length: 16 }, (_, k) => 0.1 + 0.05 * k);
  const rnd = lcg(99);
  let pending = [], flushes = 0;
  const seen = new Set();
  const flush = () => {
    if (!pending.length) return;
    const res = p.learn(pending);
    let learned = 0;
    for (const ev of pending) if (!seen.has(ev.eventId)) { seen.add(ev.eventId); learn(st, ev.arm, ev.reward); learned++; }
    assert.deepEqual(res, { learned, duplicates: pending.length - learned });
    if (flushes++ % 5 === 0) assert.equal(p.learn(pending).learned, 0, 'replaying a batch learns nothing');
    pending = [];
  };
  for (let t = 0; t < rounds; t++) {
    if (t === removeAt) { flush(); p.removeArm(2); active[2] = false; }
    if (t === addAt) {
      assert.equal(p.addArm(prior), st.pulls.length);
      const next = {};
      for (const [k, a] of Object.entries(st)) { next[k] = new Float64Array(a.length + 1); next[k].set(a); next[k][a.length] = priorState[k] ?? 0; }
      st = next;
      active.push(true);
    }
    const id = `evt-${t}`;
    const d = p.decide({ eventId: id });
    const r = ref(st, active, key, fnvRef(id), M);
    assert.equal(d.arm, r.arm, `round ${t}: arm`);
    assert.ok(Object.is(d.propensity, r.propensity), `round ${t}: propensity ${d.propensity} vs ${r.propensity}`);
    same(d.scores, r.scores, `round ${t}: scores`);
    assert.ok(d.propensity > 0 && d.propensity <= 1, `round ${t}: propensity ${d.propensity}`);
    pending.push({ eventId: id, arm: d.arm, reward: reward(mu[d.arm], rnd, t) });
    if (t % 7 === 3) pending.push({ ...pending[0] });               // a repeat within the batch
    if (pending.length >= 1 + (t % 4)) flush();
  }
  flush();
  const s = p.stats();
  for (const k of Object.keys(st)) same(s[k], st[k], k);
  const saved = p.save();
  if (reload) {
    const q = bandits.load(e, saved);
    assert.equal(q.kind, p.kind);
    assert.deepEqual(q.options, p.options);
    for (let i = 0; i < reload; i++) assert.deepEqual(q.decide({ eventId: `after-${i}` }), p.decide({ eventId: `after-${i}` }));
    q.free();
  }
  p.free();
  await e.dispose();
  return saved;
}
