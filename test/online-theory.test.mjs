// Regret of the online learners against their papers' bounds, on seeded sequences whose comparator is
// known in closed form, with the bound's rate checked on a log-log fit over T = 2^8 … 2^14 (averaged over
// seeds; deterministic, margins stated): OGD √T (convex) and log T (strongly convex, Hazan Thms 3.1 and
// 3.3), AdaGrad (Duchi et al.'s diagonal bound), exponentiated gradient (2rG√(T ln m)), ONS log T on
// exp-concave squared losses (Hazan Thm 4.5), Hedge/EWA (Cesa-Bianchi & Lugosi Thm 2.3), Fixed-Share on
// a switching sequence, and MLpol/BOA beating the best expert and the uniform average on a seeded
// forecasting sequence (what opera's vignette shows on its electricity data).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online } from '../dist/index.js';

const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const CHECK = [256, 1024, 4096, 16384];
/** Least-squares slope of log(y) on log(x). */
const slope = (xs, ys) => {
  const lx = xs.map(Math.log), ly = ys.map(Math.log), mx = lx.reduce((a, b) => a + b) / lx.length, my = ly.reduce((a, b) => a + b) / ly.length;
  let num = 0, den = 0;
  for (let i = 0; i < lx.length; i++) { num += (lx[i] - mx) * (ly[i] - my); den += (lx[i] - mx) ** 2; }
  return num / den;
};
const dotv = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

/** Linear losses g_t ∈ {±1}^d on the box [-1, 1]^d: regret at the checkpoints against min_x ⟨Σg, x⟩ = −‖Σg‖₁. */
function linearBoxRegret(make, d, seed) {
  const L = make(), rnd = lcg(seed), G = new Float64Array(d), out = [];
  let loss = 0;
  for (let t = 1; t <= CHECK.at(-1); t++) {
    const x = L.predict(), g = Float64Array.from({ length: d }, () => (rnd() < 0.5 ? -1 : 1));
    loss += dotv(g, x);
    for (let i = 0; i < d; i++) G[i] += g[i];
    L.update(g);
    if (CHECK.includes(t)) out.push(loss + G.reduce((a, v) => a + Math.abs(v), 0));
  }
  L.free();
  return out;
}
const mean = (rows) => rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);

test('OGD with η_t = D/(G√t): regret ≤ (3/2)GD√T on every seed, √T rate (log-log slope 0.5 ± 0.12)', async () => {
  const e = await init({ threads: 1 });
  const d = 4, set = online.sets.box(-1, 1, d), G = Math.sqrt(d), D = set.diameter;
  const rows = [];
  for (let s = 0; s < 8; s++) {
    const r = linearBoxRegret(() => new online.OGD(e, { set, lipschitz: G }), d, 100 + s);
    r.forEach((v, j) => assert.ok(v <= 1.5 * G * D * Math.sqrt(CHECK[j]), `seed ${s} T=${CHECK[j]}: ${v} > bound`));
    rows.push(r);
  }
  const m = mean(rows), k = slope(CHECK, m);
  console.log(`OGD mean regret ${m.map((v) => v.toFixed(1)).join(', ')} at T = ${CHECK.join(', ')}; slope ${k.toFixed(3)}; bound at T=16384: ${(1.5 * G * D * 128).toFixed(0)}`);
  assert.ok(Math.abs(k - 0.5) < 0.12, `slope ${k}`);
  await e.dispose();
});

test('AdaGrad on sparse linear losses: regret ≤ √2·D∞·Σ_i ‖g_{1:T,i}‖₂ and the √T rate', async () => {
  const e = await init({ threads: 1 });
  const d = 6, set = online.sets.box(-1, 1, d);
  const rows = [];
  for (let s = 0; s < 8; s++) {
    const A = new online.AdaGrad(e, { set }), rnd = lcg(300 + s), G = new Float64Array(d), sq = new Float64Array(d), out = [];
    let loss = 0;
    for (let t = 1; t <= CHECK.at(-1); t++) {
      // coordinate i is active with probability 2^-i: sparse features
      const g = Float64Array.from({ length: d }, (_, i) => (rnd() < 2 ** -i ? (rnd() < 0.5 ? -1 : 1) : 0));
      loss += dotv(g, A.predict());
      for (let i = 0; i < d; i++) { G[i] += g[i]; sq[i] += g[i] * g[i]; }
      A.update(g);
      if (CHECK.includes(t)) {
        const reg = loss + G.reduce((a, v) => a + Math.abs(v), 0), bound = Math.SQRT2 * 2 * sq.reduce((a, v) => a + Math.sqrt(v), 0);
        assert.ok(reg <= bound, `seed ${s} T=${t}: ${reg} > ${bound}`);
        out.push(reg);
      }
    }
    A.free(); rows.push(out);
  }
  const k = slope(CHECK, mean(rows));
  console.log(`AdaGrad mean regret ${mean(rows).map((v) => v.toFixed(1)).join(', ')}; slope ${k.toFixed(3)}`);
  assert.ok(Math.abs(k - 0.5) < 0.12, `slope ${k}`);
  await e.dispose();
});

test('OGD with η_t = 1/(λt) on λ-strongly convex quadratics: regret ≤ G²/(2λ)(1 + ln T), logarithmic growth', async () => {
  const e = await init({ threads: 1 });
  const d = 3, lambda = 1, set = online.sets.box(-1, 1, d), G = lambda * set.diameter;
  const rows = [];
  for (let s = 0; s < 8; s++) {
    const L = new online.OGD(e, { set, stepRule: 'strongly-convex', lambda }), rnd = lcg(500 + s), Z = new Float64Array(d), out = [];
    let loss = 0, zz = 0;
    const c = Float64Array.from({ length: d }, () => rnd() - 0.5);
    for (let t = 1; t <= CHECK.at(-1); t++) {
      const x = L.predict(), z = c.map((v) => v + (rnd() - 0.5));
      let f = 0; const g = new Float64Array(d);
      for (let i = 0; i < d; i++) { f += 0.5 * lambda * (x[i] - z[i]) ** 2; g[i] = lambda * (x[i] - z[i]); Z[i] += z[i]; zz += z[i] * z[i]; }
      loss += f;
      L.update(g);
      if (CHECK.includes(t)) {
        // min over the box of Σ (λ/2)‖x − z_s‖² is at the mean of the z_s (inside the box here)
        let best = 0.5 * lambda * zz;
        for (let i = 0; i < d; i++) best -= 0.5 * lambda * (Z[i] * Z[i]) / t;
        const reg = loss - best;
        assert.ok(reg <= (G * G) / (2 * lambda) * (1 + Math.log(t)), `seed ${s} T=${t}: ${reg}`);
        out.push(reg);
      }
    }
    L.free(); rows.push(out);
  }
  const m = mean(rows), k = slope(CHECK, m);
  console.log(`OGD 1/(λt) mean regret ${m.map((v) => v.toFixed(2)).join(', ')}; log-log slope ${k.toFixed(3)}; regret/ln T ${m.map((v, j) => (v / Math.log(CHECK[j])).toFixed(2)).join(', ')}`);
  assert.ok(k < 0.2, `log-log slope ${k} (√T would be 0.5)`);
  await e.dispose();
});

test('exponentiated gradient: regret ≤ 2rG√(T ln n) against the best vertex, √T rate', async () => {
  const e = await init({ threads: 1 });
  const n = 8, set = online.sets.simplex(n);
  const rows = [];
  for (let s = 0; s < 8; s++) {
    const L = new online.ExponentiatedGradient(e, { set }), rnd = lcg(700 + s), G = new Float64Array(n), out = [];
    let loss = 0;
    for (let t = 1; t <= CHECK.at(-1); t++) {
      const g = Float64Array.from({ length: n }, () => rnd());
      loss += dotv(g, L.predict());
      for (let i = 0; i < n; i++) G[i] += g[i];
      L.update(g);
      if (CHECK.includes(t)) {
        const reg = loss - Math.min(...G);
        assert.ok(reg <= 2 * Math.sqrt(t * Math.log(n)), `seed ${s} T=${t}: ${reg}`);
        out.push(reg);
      }
    }
    L.free(); rows.push(out);
  }
  const k = slope(CHECK, mean(rows));
  console.log(`EG mean regret ${mean(rows).map((v) => v.toFixed(1)).join(', ')}; slope ${k.toFixed(3)}`);
  assert.ok(Math.abs(k - 0.5) < 0.15, `slope ${k}`);
  await e.dispose();
});

test('ONS on exp-concave quadratics: regret ≤ 5(1/α + GD)·d·ln T, and it grows by a constant per ×4 of T (log T) while OGD\'s doubles (√T)', async () => {
  // f_t(x) = ½‖x − z_t‖² on the unit ball, z_t = μ + (±½)^d: ‖x − z‖ ≤ 2, so α = 1/4 and G = 2; D = 2.
  // With Hazan's γ = ½min(1/(4GD), α) and ε = 1/(γ²D²) the transient lasts until Σ g gᵀ outgrows εI
  // (a few thousand rounds), so the rate is read on the regret's increments over T = 4^k up to 2^16.
  const e = await init({ threads: 1 });
  const d = 3, set = online.sets.l2Ball(d, 1), alpha = 0.25, G = 2, D = 2, C = [256, 1024, 4096, 16384, 65536], mu = [0.3, -0.2, 0.1];
  const rowsO = [], rowsG = [];
  for (let s = 0; s < 4; s++) {
    const rnd = lcg(900 + s);
    const ons = new online.ONS(e, { set, alpha, lipschitz: G }), ogd = new online.OGD(e, { set, lipschitz: G });
    const Z = new Float64Array(d), oO = [], oG = [];
    let zz = 0, lo = 0, lg = 0;
    for (let t = 1; t <= C.at(-1); t++) {
      const z = Float64Array.from({ length: d }, (_, i) => mu[i] + (rnd() < 0.5 ? -0.5 : 0.5));
      for (const L of [ons, ogd]) {
        const g = L.predict().map((v, i) => v - z[i]);
        const f = 0.5 * dotv(g, g);
        if (L === ons) lo += f; else lg += f;
        L.update(g);
      }
      for (let i = 0; i < d; i++) { Z[i] += z[i]; zz += z[i] * z[i]; }
      if (C.includes(t)) {
        // the best point in hindsight: the projection of the mean of the z_s onto the ball
        const m = Z.map((v) => v / t), nm = Math.hypot(...m), xb = nm > 1 ? m.map((v) => v / nm) : m;
        let best = 0.5 * zz;
        for (let i = 0; i < d; i++) best += 0.5 * t * xb[i] * xb[i] - xb[i] * Z[i];
        assert.ok(lo - best <= 5 * (1 / alpha + G * D) * d * Math.log(t), `seed ${s} T=${t}`);
        oO.push(lo - best); oG.push(lg - best);
      }
    }
    ons.free(); ogd.free(); rowsO.push(oO); rowsG.push(oG);
  }
  const mO = mean(rowsO), mG = mean(rowsG);
  const inc = (m) => m.slice(1).map((v, j) => v - m[j]);
  const iO = inc(mO), iG = inc(mG);
  console.log(`ONS mean regret ${mO.map((v) => v.toFixed(2)).join(', ')} at T = ${C.join(', ')} (increments ${iO.map((v) => v.toFixed(1)).join(', ')}); OGD ${mG.map((v) => v.toFixed(2)).join(', ')} (increments ${iG.map((v) => v.toFixed(1)).join(', ')})`);
  assert.ok(iO.at(-1) / iO.at(-2) < 1.3, `ONS increments ${iO}: log T adds a constant per ×4`);
  assert.ok(iG.at(-1) / iG.at(-2) > 1.6, `OGD increments ${iG}: √T doubles them`);
  await e.dispose();
});

test('Hedge/EWA with the anytime rate: regret ≤ √(2T ln N) + √(ln N/8) on losses in [0, 1]; Fixed-Share tracks a switching best expert', async () => {
  const e = await init({ threads: 1 });
  const N = 6, T = 8000;
  for (let s = 0; s < 4; s++) {
    const L = new online.EWA(e, { experts: N }), rnd = lcg(1100 + s), cum = new Float64Array(N);
    let loss = 0;
    for (let t = 1; t <= T; t++) {
      const l = Float64Array.from({ length: N }, (_, i) => (rnd() < 0.5 - 0.05 * (i === 2) ? 1 : 0));
      loss += L.update(l);
      for (let i = 0; i < N; i++) cum[i] += l[i];
    }
    const reg = loss - Math.min(...cum);
    assert.ok(reg <= Math.sqrt(2 * T * Math.log(N)) + Math.sqrt(Math.log(N) / 8), `seed ${s}: ${reg}`);
    L.free();
  }
  // a switching sequence: the good expert changes every 500 rounds; Fixed-Share's loss stays near the
  // switching oracle's while EWA (whose weights concentrate) pays for each switch
  const fs = new online.FixedShare(e, { experts: N, eta: 2, alpha: 0.01 }), ewa = new online.EWA(e, { experts: N, eta: 2 }), rnd = lcg(77);
  let lf = 0, le = 0, oracle = 0;
  for (let t = 0; t < 6000; t++) {
    const good = Math.floor(t / 500) % N;
    const l = Float64Array.from({ length: N }, (_, i) => (rnd() < (i === good ? 0.1 : 0.6) ? 1 : 0));
    lf += fs.update(l); le += ewa.update(l); oracle += l[good];
  }
  console.log(`switching sequence: Fixed-Share ${lf.toFixed(0)}, EWA ${le.toFixed(0)}, switching oracle ${oracle}`);
  assert.ok(lf < 0.8 * le, 'Fixed-Share well below EWA');
  assert.ok(lf - oracle < 0.15 * 6000 * 0.5, 'Fixed-Share within 7.5% of T of the switching oracle');
  await e.dispose();
});

/** A seeded forecasting sequence: a daily-seasonal load with a level shift, three experts (biased high, biased low, a lagged persistence forecast). */
export function forecastingSequence(seed, T) {
  const rnd = lcg(seed), ys = [], adv = [];
  let prev = 0;
  for (let t = 0; t < T; t++) {
    const y = 10 + 3 * Math.sin((2 * Math.PI * t) / 24) + (t > T / 2 ? 1.5 : 0) + (rnd() - 0.5);
    const a = [y + 1 + 0.8 * (rnd() - 0.5), y - 1.2 + 0.8 * (rnd() - 0.5), t === 0 ? 10 : prev];
    ys.push(y); adv.push(a); prev = y;
  }
  return { ys, adv };
}

test('MLpol and BOA beat the best single expert and the uniform average on a seeded forecasting sequence (square loss, gradient trick)', async () => {
  const e = await init({ threads: 1 });
  for (let s = 0; s < 4; s++) {
    const T = 2000, { ys, adv } = forecastingSequence(40 + s, T);
    const rules = { MLpol: new online.MLpol(e, { experts: 3 }), BOA: new online.BOA(e, { experts: 3 }) };
    const mse = { MLpol: 0, BOA: 0, uniform: 0 }, ex = [0, 0, 0];
    for (let t = 0; t < T; t++) {
      for (const [k, L] of Object.entries(rules)) mse[k] += L.update(ys[t], { advice: adv[t] }) / T;
      mse.uniform += ((adv[t][0] + adv[t][1] + adv[t][2]) / 3 - ys[t]) ** 2 / T;
      for (let i = 0; i < 3; i++) ex[i] += (adv[t][i] - ys[t]) ** 2 / T;
    }
    const best = Math.min(...ex);
    if (s === 0) console.log(`forecasting (seed 40, T=${T}): MSE MLpol ${mse.MLpol.toFixed(4)}, BOA ${mse.BOA.toFixed(4)}, best expert ${best.toFixed(4)}, uniform ${mse.uniform.toFixed(4)}`);
    for (const k of ['MLpol', 'BOA']) {
      assert.ok(mse[k] < 0.8 * best, `${k} ${mse[k]} vs best expert ${best}`);
      assert.ok(mse[k] < 0.8 * mse.uniform, `${k} ${mse[k]} vs uniform ${mse.uniform}`);
    }
    for (const L of Object.values(rules)) L.free();
  }
  await e.dispose();
});
