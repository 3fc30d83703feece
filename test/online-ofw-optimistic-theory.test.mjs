// Regret of online Frank–Wolfe and of the optimistic learners against their stated bounds, on seeded
// sequences whose comparator is known in closed form (deterministic, margins stated):
//   OnlineFrankWolfe with the book's η = D/(2G·T^{3/4}) (one learner per horizon T = 2^8 … 2^14):
//     regret ≤ 8·D·G·T^{3/4} (Hazan, Introduction to OCO, Thm 7.3) on every seed and T, and the average
//     regret falls at least like the bound's T^{−1/4} (log-log slope of the mean ≤ −0.25 + 0.05), on
//     random linear losses over a box and on quadratics with an interior minimiser over a simplex;
//   OptimisticOMD / OptimisticFTRL with the previous-gradient hint on slowly varying linear losses
//     (g_t = b + sin(2πt/64 + φ), a small bias b): regret ≤ (3/2)·D·√(4G² + Σ‖g_t − g_{t−1}‖²) on every
//     seed and checkpoint, that bound far below OGD's (3/2)·G·D·√T, and the regret itself far below
//     OGD's on the same sequence.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online } from '../dist/index.js';

const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const CHECK = [256, 1024, 4096, 16384];
const slope = (xs, ys) => {
  const lx = xs.map(Math.log), ly = ys.map(Math.log), mx = lx.reduce((a, b) => a + b) / lx.length, my = ly.reduce((a, b) => a + b) / ly.length;
  let num = 0, den = 0;
  for (let i = 0; i < lx.length; i++) { num += (lx[i] - mx) * (ly[i] - my); den += (lx[i] - mx) ** 2; }
  return num / den;
};
const dotv = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
const mean = (rows) => rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);

test('OnlineFrankWolfe, η = D/(2G·T^{3/4}): regret ≤ 8DG·T^{3/4} on every seed and horizon; average regret falls like T^{−1/4} or faster', async () => {
  const e = await init({ threads: 1 });
  const cases = {
    // linear losses g ∈ {±1}^4 on [-1, 1]^4: min_x ⟨Σg, x⟩ = −‖Σg‖₁; G = 2, D = 4
    'linear/box': { set: online.sets.box(-1, 1, 4), G: 2, run(L, T, rnd) {
      const d = 4, S = new Float64Array(d);
      let loss = 0;
      for (let t = 0; t < T; t++) { const g = Float64Array.from({ length: d }, () => (rnd() < 0.5 ? -1 : 1)); loss += dotv(g, L.predict()); for (let i = 0; i < d; i++) S[i] += g[i]; L.update(g); }
      return loss + S.reduce((a, v) => a + Math.abs(v), 0);
    } },
    // f_t = ½‖x − z_t‖² on the simplex(5), z_t = c + U(−½, ½)^5 with c interior: the minimiser of Σf_t is
    // Π(z̄); ‖∇f‖ = ‖x − z‖ ≤ √2 + √5·(0.2 + ½) < 3 = G, D = √2
    'quadratic/simplex': { set: online.sets.simplex(5), G: 3, run(L, T, rnd, e) {
      const d = 5, c = [0.3, 0.25, 0.2, 0.15, 0.1], Z = new Float64Array(d);
      let loss = 0, zz = 0;
      for (let t = 0; t < T; t++) {
        const x = L.predict(), z = c.map((v) => v + (rnd() - 0.5)), g = new Float64Array(d);
        for (let i = 0; i < d; i++) { g[i] = x[i] - z[i]; loss += 0.5 * g[i] * g[i]; Z[i] += z[i]; zz += z[i] * z[i]; }
        L.update(g);
      }
      const xs = online.sets.simplex(5).project(e, Z.map((v) => v / T));
      let best = 0.5 * zz;
      for (let i = 0; i < d; i++) best += 0.5 * T * xs[i] * xs[i] - xs[i] * Z[i];
      return loss - best;
    } },
  };
  for (const [name, { set, G, run }] of Object.entries(cases)) {
    const D = set.diameter, rows = [];
    for (let s = 0; s < 6; s++) {
      const row = [];
      for (const T of CHECK) {
        const L = new online.OnlineFrankWolfe(e, { set, horizon: T, lipschitz: G });
        const reg = run(L, T, lcg(1000 * s + T), e);
        L.free();
        assert.ok(reg <= 8 * D * G * T ** 0.75, `${name} seed ${s} T=${T}: regret ${reg} > 8DG·T^{3/4}`);
        row.push(reg / T);
      }
      rows.push(row);
    }
    const m = mean(rows), k = slope(CHECK, m.map((v) => Math.max(v, 1e-12)));
    console.log(`OFW ${name}: mean average regret ${m.map((v) => v.toFixed(4)).join(', ')} at T = ${CHECK.join(', ')}; log-log slope ${k.toFixed(3)}; bound 8DG·T^{-1/4} ${CHECK.map((T) => (8 * D * G * T ** -0.25).toFixed(2)).join(', ')}`);
    assert.ok(m.every((v) => v > 0), `${name}: the sequence has positive regret to measure`);
    assert.ok(k <= -0.2, `${name}: average regret slope ${k} (the bound's is −0.25)`);
  }
  await e.dispose();
});

test('OptimisticOMD and OptimisticFTRL on slowly varying losses: regret ≤ (3/2)D√(4G² + Σ‖g_t − g_{t−1}‖²), far below OGD\'s regret and bound', async () => {
  const e = await init({ threads: 1 });
  const d = 4, set = online.sets.box(-1, 1, d), D = set.diameter, P = 64;
  const res = { OGD: [], OptimisticOMD: [], OptimisticFTRL: [] }, bounds = [];
  for (let s = 0; s < 6; s++) {
    const rnd = lcg(77 + s), b = Array.from({ length: d }, () => (rnd() < 0.5 ? -1 : 1) * (0.02 + 0.08 * rnd())), ph = Array.from({ length: d }, () => 2 * Math.PI * rnd());
    const G = Math.sqrt(d) * 1.1;
    const L = { OGD: new online.OGD(e, { set, lipschitz: G }), OptimisticOMD: new online.OptimisticOMD(e, { set, lipschitz: G }), OptimisticFTRL: new online.OptimisticFTRL(e, { set, lipschitz: G }) };
    const loss = { OGD: 0, OptimisticOMD: 0, OptimisticFTRL: 0 }, Gs = new Float64Array(d), out = { OGD: [], OptimisticOMD: [], OptimisticFTRL: [] };
    for (let t = 1; t <= CHECK.at(-1); t++) {
      const g = Float64Array.from({ length: d }, (_, i) => b[i] + Math.sin((2 * Math.PI * t) / P + ph[i]));
      for (const k in L) { loss[k] += dotv(g, L[k].predict()); L[k].update(g); }
      for (let i = 0; i < d; i++) Gs[i] += g[i];
      if (CHECK.includes(t)) {
        const best = -Gs.reduce((a, v) => a + Math.abs(v), 0);
        for (const k in L) out[k].push(loss[k] - best);
        for (const k of ['OptimisticOMD', 'OptimisticFTRL']) {
          const bound = 1.5 * D * Math.sqrt(4 * G * G + L[k].hintError);
          assert.ok(Math.abs(L[k].regretBound - bound) <= 1e-9 * bound, `${k}: regretBound`);
          assert.ok(loss[k] - best <= bound, `${k} seed ${s} T=${t}: regret ${loss[k] - best} > ${bound}`);
        }
        if (t === CHECK.at(-1)) {
          const ogdBound = 1.5 * G * D * Math.sqrt(t);
          assert.ok(L.OptimisticFTRL.regretBound < ogdBound / 8, `seed ${s}: optimistic bound ${L.OptimisticFTRL.regretBound} vs OGD's ${ogdBound}`);
          bounds.push([L.OptimisticFTRL.regretBound, ogdBound]);
        }
      }
    }
    for (const k in L) { res[k].push(out[k]); L[k].free(); }
    const last = (k) => out[k].at(-1);
    assert.ok(last('OGD') > 50, `seed ${s}: OGD's regret ${last('OGD')} (the sequence should cost OGD something)`);
    assert.ok(last('OptimisticOMD') < last('OGD') / 4 && last('OptimisticFTRL') < last('OGD') / 4, `seed ${s}: optimistic ${last('OptimisticOMD')}, ${last('OptimisticFTRL')} vs OGD ${last('OGD')}`);
  }
  for (const k in res) console.log(`${k} mean regret ${mean(res[k]).map((v) => v.toFixed(1)).join(', ')} at T = ${CHECK.join(', ')}`);
  console.log(`at T = ${CHECK.at(-1)}: optimistic bound (3/2)D√(4G² + S) ${bounds.map((b) => b[0].toFixed(1)).join(', ')} vs OGD's (3/2)GD√T ${bounds[0][1].toFixed(0)}`);
  await e.dispose();
});
