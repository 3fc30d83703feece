// Follow-the-Leading-History's adaptive regret (Hazan & Seshadhri 2009) on a switching sequence, with
// the bound's constants stated and checked on every window, over seeded repetitions (deterministic).
// Losses: linear ⟨g_t, x⟩ on the box [-1, 1]^4 with g_t = ±μ + uniform noise in [-0.4, 0.4]^4, the
// sign flipping every 500 rounds, so the best point in hindsight moves between two vertices; the regret
// on a window I = [r, s] is Σ_{t∈I} ⟨g_t, x_t⟩ + ‖Σ_{t∈I} g_t‖₁ (min over the box of a linear function).
//
// The bound. Let G = max ‖g_t‖₂, D the box's diameter, η Hedge's rate (default 1/(GD)). On a piece
// [a, b] inside the life of the expert born at round a (which lives L(a) = g·2^{v(a)} rounds, v the
// 2-adic valuation, g the lifetime option), the regret against any u is at most
//   B(a, b) = ln(b)/η + η(GD)²(b − a + 1)/8 + (3/2)GD√(b − a + 1):
// Hedge on the linearised losses (range ≤ GD, Hoeffding) against an expert entering with weight 1/a and
// rescaled by ≥ 1 − 1/(t + 1) each round gives the first two terms, that expert's OGD with steps
// D/(G√τ) the third. Any window is split into pieces by the geometric covering (from a, to the end of
// the window if the expert born at a lives that long, else to just before the round of highest 2-adic
// valuation within its life), O(log_g |I|) pieces; the window's bound is the sum of B over its pieces.
// Checked: FLH's regret ≤ that sum on every window of 64, 250 and 1000 rounds on every seed; its worst
// 250-round window regret grows like log T (T = 1000 → 8000: × < 1.7) while OGD's (η_t = D/(G√t))
// grows like √T (× > 2.5) and is over 3× FLH's at T = 8000.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online } from '../dist/index.js';

const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const d = 4, MU = [0.6, -0.4, 0.5, -0.3], NOISE = 0.4, SWITCH = 500, LIFE = 8;
const G = Math.sqrt(MU.reduce((a, m) => a + (Math.abs(m) + NOISE) ** 2, 0));

/** Play T rounds; returns the prefix sums of the gradients and of the learner's losses. */
function play(L, T, seed) {
  const rnd = lcg(seed), P = [new Float64Array(d)], PL = [0];
  for (let t = 1; t <= T; t++) {
    const sign = Math.floor((t - 1) / SWITCH) % 2 ? -1 : 1;
    const x = L.predict(), g = MU.map((m) => sign * m + NOISE * (2 * rnd() - 1));
    let l = 0;
    const p = P[t - 1].slice();
    for (let i = 0; i < d; i++) { l += g[i] * x[i]; p[i] += g[i]; }
    assert.ok(Math.hypot(...g) <= G);
    P.push(p); PL.push(PL[t - 1] + l);
    L.update(g);
  }
  L.free();
  return { P, PL };
}
/** Regret on the window of rounds [r, s] (1-based) against the best vertex. */
const windowRegret = ({ P, PL }, r, s) => { let reg = PL[s] - PL[r - 1]; for (let i = 0; i < d; i++) reg += Math.abs(P[s][i] - P[r - 1][i]); return reg; };
const v2 = (a) => { let k = 0; while (a % 2 === 0) { a /= 2; k++; } return k; };
const life = (a) => LIFE * 2 ** v2(a);
/** The window's bound: Σ B(a, b) over the geometric covering's pieces (and their count). */
function windowBound(r, s, GD, eta) {
  let a = r, sum = 0, pieces = 0;
  while (a <= s) {
    let b;
    if (a + life(a) - 1 >= s) b = s;
    else { let c = a + 1; for (let q = a + 2; q <= a + life(a); q++) if (v2(q) > v2(c)) c = q; b = c - 1; }
    const len = b - a + 1;
    sum += Math.log(b) / eta + (eta * GD * GD * len) / 8 + 1.5 * GD * Math.sqrt(len);
    pieces++; a = b + 1;
  }
  return { sum, pieces };
}
const worstWindow = (run, m) => { let w = -Infinity; for (let r = 1; r + m - 1 < run.PL.length; r++) w = Math.max(w, windowRegret(run, r, r + m - 1)); return w; };

test('FLH: regret ≤ the covering bound Σ B(a, b) on every window of 64, 250 and 1000 rounds (8 seeds, T = 4000)', async () => {
  const e = await init({ threads: 1 });
  const set = online.sets.box(-1, 1, d), GD = G * set.diameter, eta = 1 / GD, T = 4000;
  let tightest = Infinity, most = 0;
  for (let s = 0; s < 8; s++) {
    const run = play(new online.FLH(e, { set, lipschitz: G, lifetime: LIFE }), T, 900 + s);
    for (const m of [64, 250, 1000]) {
      for (let r = 1; r + m - 1 <= T; r++) {
        const reg = windowRegret(run, r, r + m - 1), { sum, pieces } = windowBound(r, r + m - 1, GD, eta);
        assert.ok(reg <= sum, `seed ${s} window [${r}, ${r + m - 1}]: regret ${reg} > bound ${sum}`);
        tightest = Math.min(tightest, sum - reg); most = Math.max(most, pieces);
      }
    }
  }
  console.log(`FLH covering bound: G = ${G.toFixed(4)}, GD = ${GD.toFixed(3)}, η = 1/(GD); least slack ${tightest.toFixed(1)}; at most ${most} pieces per window`);
  assert.ok(most <= 6, `${most} pieces (the covering should be O(log_8 |I|))`);
  await e.dispose();
});

test('FLH adapts after every switch: worst 250-round window regret grows like log T, OGD\'s like √T (8 seeds)', async () => {
  const e = await init({ threads: 1 });
  const set = online.sets.box(-1, 1, d), Ts = [1000, 8000], f = Ts.map(() => []), o = Ts.map(() => []);
  for (let s = 0; s < 8; s++) {
    Ts.forEach((T, j) => {
      f[j].push(worstWindow(play(new online.FLH(e, { set, lipschitz: G, lifetime: LIFE }), T, 1000 + s), 250));
      o[j].push(worstWindow(play(new online.OGD(e, { set, lipschitz: G }), T, 1000 + s), 250));
    });
  }
  const fmt = (a) => a.map((v) => v.toFixed(1)).join(' ');
  console.log(`worst 250-round window regret, T = ${Ts.join(' / ')}: FLH ${fmt(f[0])} / ${fmt(f[1])}; OGD ${fmt(o[0])} / ${fmt(o[1])}`);
  for (let s = 0; s < 8; s++) {
    assert.ok(f[1][s] / f[0][s] < 1.7, `seed ${s}: FLH grew ×${f[1][s] / f[0][s]}`);
    assert.ok(o[1][s] / o[0][s] > 2.5, `seed ${s}: OGD grew ×${o[1][s] / o[0][s]}`);
    assert.ok(3 * f[1][s] < o[1][s], `seed ${s}: FLH ${f[1][s]} vs OGD ${o[1][s]} at T = 8000`);
  }
  await e.dispose();
});
