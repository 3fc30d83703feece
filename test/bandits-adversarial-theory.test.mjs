// Regret of the adversarial policies against the published bounds, over seeded repetitions (`copies`,
// every copy its own PRNG stream through the (round, copy) event keys), with the margins the bounds
// leave: deterministic, never flaky. The bit-exactness tests are in test/bandits-adversarial.test.mjs.
//
// THE ADVERSARIAL SEQUENCE (oblivious, fixed before any policy runs): the reward vectors that give UCB1
// zero reward. UCB1 is deterministic given its seed, so the adversary simulates it (the library's own
// UCB1, seed 0) and sets r_t(k) = 0 for the arm UCB1 pulls at round t and r_t(k) = b_k otherwise,
// b = (1, 0.6, 0.6, 0.6): UCB1 earns nothing (regret = G_max, linear in T; the standard argument that
// a deterministic policy is defeated by an adversary that knows it, Lattimore & Szepesvári 2020 §11.1),
// while the rewards still favour arm 0 by a margin that changes every round, so a randomized policy
// must find it from importance-weighted estimates.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits } from '../dist/index.js';

const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const K = 4, T = 4000, R = 20, B = [1, 0.6, 0.6, 0.6];

const e = await init({ threads: 1 });
/** T × K rewards that give UCB1 (seed 0) zero reward in every round. */
function antiUcb(T) {
  const u = new bandits.UCB1(e, { arms: K, seed: 0 });
  const seq = new Float64Array(T * K), h = new Uint32Array(2);
  for (let t = 0; t < T; t++) {
    h[0] = t;
    const a = u.decideCopies(h).arms[0];
    for (let k = 0; k < K; k++) seq[t * K + k] = k === a ? 0 : B[k];
    u.learnCopies(new Int32Array([0]), new Int32Array([a]), new Float64Array([0]));
  }
  u.free();
  return seq;
}
const SEQ = antiUcb(T);
const best = (seq, T, n) => { const G = new Float64Array(n); for (let t = 0; t < T; t++) for (let k = 0; k < n; k++) G[k] += seq[t * n + k]; return Math.max(...G); };
const GMAX = best(SEQ, T, K);

/** Play `p` (R copies) on the bandit sequence; returns the regret G_max - reward of each copy. */
function play(p, seq, T, vector) {
  const copies = Int32Array.from({ length: R }, (_, r) => r), rewards = new Float64Array(R), h = new Uint32Array(2 * R), got = new Float64Array(R);
  for (let t = 0; t < T; t++) {
    for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
    const d = p.decideCopies(h);
    const arms = d.arms.slice(), props = d.propensities.slice(), vec = vector ? d.scores.slice() : undefined;
    for (let r = 0; r < R; r++) { rewards[r] = seq[t * K + arms[r]]; got[r] += rewards[r]; }
    p.learnCopies(copies, arms, rewards, props, vec);
  }
  return Array.from(got, (g) => best(seq, T, K) - g);
}
const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;

test('the sequence defeats UCB1: zero reward, regret G_max, far above every bound below', () => {
  assert.ok(GMAX > 2800, `G_max ${GMAX}`);
  assert.ok(GMAX > 5 * 2 * Math.sqrt(Math.E - 1) * Math.sqrt(T * K * Math.log(K)));
});

test('EXP3 (γ tuned to the horizon) stays under Auer et al. 2002 Corollary 3.2: G_max - E[G] <= 2√(e-1)·√(T·K ln K)', () => {
  const p = new bandits.EXP3(e, { arms: K, seed: 1, copies: R, horizon: T });
  const bound = 2 * Math.sqrt(Math.E - 1) * Math.sqrt(T * K * Math.log(K));        // 392.3 at T = 4000, K = 4
  const reg = mean(play(p, SEQ, T, false));
  assert.ok(reg < 0.8 * bound, `mean regret ${reg.toFixed(1)} vs bound ${bound.toFixed(1)}`);
  assert.ok(reg > -bound, `mean regret ${reg}`);
  p.free();
});

test('EXP3, η-only anytime form (η_t = √(ln K/(K t))), stays under Bubeck & Cesa-Bianchi 2012 Theorem 3.1: 2√(T·K ln K)', () => {
  const p = new bandits.EXP3(e, { arms: K, seed: 2, copies: R });
  const bound = 2 * Math.sqrt(T * K * Math.log(K));                                // 297.8
  const reg = mean(play(p, SEQ, T, false));
  assert.ok(reg < 0.8 * bound, `mean regret ${reg.toFixed(1)} vs bound ${bound.toFixed(1)}`);
  p.free();
});

test('Tsallis-INF (reduced-variance, η_t = 4/√t) stays under Zimmert & Seldin 2021 Theorem 1: 4√(KT) + 1', () => {
  const p = new bandits.TsallisINF(e, { arms: K, seed: 3, copies: R });
  const bound = 4 * Math.sqrt(K * T) + 1;                                           // 507.0
  const reg = mean(play(p, SEQ, T, true));
  assert.ok(reg < 0.8 * bound, `mean regret ${reg.toFixed(1)} vs bound ${bound.toFixed(1)}`);
  const iw = new bandits.TsallisINF(e, { arms: K, seed: 3, copies: R, estimator: 'iw' });
  const reg2 = mean(play(iw, SEQ, T, false));
  assert.ok(reg2 < 0.8 * bound, `IW: mean regret ${reg2.toFixed(1)} vs bound ${bound.toFixed(1)}`);
  p.free(); iw.free();
});

test('EXP3-IX and EXP3.P stay under their high-probability bounds in every repetition (Neu 2015 Thm 1; Auer et al. 2002 Thm 6.3, δ = 0.05)', () => {
  const d = 0.05;
  const ix = new bandits.EXP3IX(e, { arms: K, seed: 4, copies: R, horizon: T });
  const bIx = 2 * Math.sqrt(2 * T * K * Math.log(K)) + (Math.sqrt((2 * T * K) / Math.log(K)) + 1) * Math.log(2 / d);
  const rIx = play(ix, SEQ, T, false);
  assert.ok(Math.max(...rIx) < bIx, `EXP3-IX worst regret ${Math.max(...rIx).toFixed(1)} vs ${bIx.toFixed(1)}`);
  assert.ok(mean(rIx) < 0.5 * bIx);
  const p = new bandits.EXP3P(e, { arms: K, seed: 5, copies: R, horizon: T, delta: d });
  const L = Math.log((K * T) / d);
  const bP = 4 * Math.sqrt(K * T * L) + 4 * Math.sqrt((5 / 3) * K * T * Math.log(K)) + 8 * L;
  const rP = play(p, SEQ, T, true);
  assert.ok(Math.max(...rP) < bP, `EXP3.P worst regret ${Math.max(...rP).toFixed(1)} vs ${bP.toFixed(1)}`);
  ix.free(); p.free();
});

test('Tsallis-INF has logarithmic regret on stochastic Bernoulli arms: pseudo-regret from T to 4T grows far less than √T would (×2), and each doubling adds about the same', () => {
  const mu = [0.7, 0.5, 0.4, 0.3], T1 = 2000, T4 = 4 * T1;
  const p = new bandits.TsallisINF(e, { arms: K, seed: 6, copies: R });
  const rnd = lcg(77), copies = Int32Array.from({ length: R }, (_, r) => r), rewards = new Float64Array(R), h = new Uint32Array(2 * R);
  let reg = 0;
  const at = {};
  for (let t = 0; t < T4; t++) {
    for (let r = 0; r < R; r++) { h[2 * r] = t; h[2 * r + 1] = r; }
    const d = p.decideCopies(h);
    const arms = d.arms.slice(), props = d.propensities.slice(), vec = d.scores.slice();
    for (let r = 0; r < R; r++) { rewards[r] = rnd() < mu[arms[r]] ? 1 : 0; reg += 0.7 - mu[arms[r]]; }
    p.learnCopies(copies, arms, rewards, props, vec);
    if ([1000, 2000, 4000, 8000].includes(t + 1)) at[t + 1] = reg / R;
  }
  const ratio = at[8000] / at[2000], inc = (at[8000] - at[4000]) / (at[2000] - at[1000]);
  const msg = `pseudo-regret ${[1000, 2000, 4000, 8000].map((t) => `${t}: ${at[t].toFixed(1)}`).join(', ')}`;
  // ln(4T)/ln(T) = 1.18 at T = 2000, √T growth gives 2 (and 2 for the increment ratio over two doublings), linear 4
  assert.ok(ratio < 1.5, `${msg} (ratio ${ratio.toFixed(2)})`);
  assert.ok(inc < 1.6, `${msg} (increments ratio ${inc.toFixed(2)})`);
  p.free();
});

/** Hedge-type expected regret max_k G_k - Σ_t <p_t, r_t> on a full-information sequence (exact: no sampling enters). */
function expertsRegret(p, seq, T, n, comparator) {
  const c = new Int32Array(1), h = new Uint32Array(2);
  let got = 0;
  for (let t = 0; t < T; t++) {
    h[0] = t;
    const s = p.decideCopies(h).scores;
    for (let k = 0; k < n; k++) got += s[k] * seq[t * n + k];
    p.learnVectors(c, seq.subarray(t * n, (t + 1) * n));
  }
  return (comparator ?? best(seq, T, n)) - got;
}
/** The sequence that defeats follow-the-leader: rewards (0.5, 1) then alternating (1, 0), (0, 1). */
const ftlKiller = (T) => { const s = new Float64Array(2 * T); s.set([0.5, 1]); for (let t = 1; t < T; t++) s.set(t % 2 ? [1, 0] : [0, 1], 2 * t); return s; };

test('Hedge stays under √(T ln N / 2) with η = √(8 ln N / T) (Cesa-Bianchi & Lugosi 2006 Thm 2.2) and under 2√(T ln N/2) + √(ln N/8) anytime (Thm 2.3)', () => {
  const cases = [[SEQ, K], [ftlKiller(T), 2]];
  const rnd = lcg(3), N = 8, noisy = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let k = 0; k < N; k++) noisy[t * N + k] = Math.min(1, rnd() * (k === 5 ? 1.02 : 1));
  cases.push([noisy, N]);
  for (const [seq, n] of cases) {
    const tuned = new bandits.Hedge(e, { arms: n, horizon: T });
    const r1 = expertsRegret(tuned, seq, T, n);
    assert.ok(r1 <= Math.sqrt((T * Math.log(n)) / 2), `N = ${n}: regret ${r1} vs ${Math.sqrt((T * Math.log(n)) / 2)}`);
    const any = new bandits.Hedge(e, { arms: n });
    const r2 = expertsRegret(any, seq, T, n);
    assert.ok(r2 <= 2 * Math.sqrt((T * Math.log(n)) / 2) + Math.sqrt(Math.log(n) / 8), `N = ${n}: anytime regret ${r2}`);
    tuned.free(); any.free();
  }
});

test('Fixed-Share tracks a switching best expert under its bound ((m+1) ln N + m ln(1/α) + (T-m-1) ln(1/(1-α)))/η + ηT/8; Hedge cannot', () => {
  const N = 4, m = 3, seg = T / (m + 1), rnd = lcg(11), seq = new Float64Array(T * N);
  let comp = 0;
  for (let t = 0; t < T; t++) {
    const j = Math.floor(t / seg);
    for (let k = 0; k < N; k++) seq[t * N + k] = k === j ? 0.6 + 0.4 * rnd() : 0.5 * rnd();
    comp += seq[t * N + j];
  }
  const alpha = m / (T - 1);
  const lnP = (m + 1) * Math.log(N) + m * Math.log(1 / alpha) + (T - m - 1) * Math.log(1 / (1 - alpha));
  const eta = Math.sqrt((8 * lnP) / T), bound = lnP / eta + (eta * T) / 8;              // the tuned η: bound = √(T·lnP/2)
  const fs = new bandits.FixedShare(e, { arms: N, eta, share: alpha });
  const r = expertsRegret(fs, seq, T, N, comp);
  assert.ok(r <= bound, `Fixed-Share tracking regret ${r.toFixed(1)} vs bound ${bound.toFixed(1)}`);
  const hedge = new bandits.Hedge(e, { arms: N, horizon: T });
  const rh = expertsRegret(hedge, seq, T, N, comp);
  assert.ok(rh > 2 * bound, `Hedge tracking regret ${rh.toFixed(1)} (bound for Fixed-Share ${bound.toFixed(1)})`);
  fs.free(); hedge.free();
});
