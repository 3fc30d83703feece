// Sleeping experts (online.SleepingExperts) against the f64-exact JS reference (test/helpers/
// reference-online-sleeping.mjs) bit for bit in every build (SIMD/scalar × 1/2 threads), with random awake
// sets; save/load continues bit for bit; bad input (mask entries other than 0/1, no expert awake, losses
// outside [0, 1], wrong lengths, NaN) is refused with the learner unchanged. And the theory: on a
// seeded groupwise problem (6 contexts, 5 overlapping groups × 3 base predictors = 15 experts, awake when
// the context lies in the group), every expert's regret on its awake rounds stays under the stated
// min_k [ln(NK)/η_k + η_k V_i] on every seed and checkpoint, the worst groupwise regret grows like √T_g,
// and Hedge over the 3 base predictors (online.EWA), blind to the groups, has a groupwise regret that
// grows linearly.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, online, LengthMismatchError, NonFiniteError, InvalidArgumentError, HyperparameterError, StateError } from '../dist/index.js';
import { sleepingRef } from './helpers/reference-online-sleeping.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const same = (a, b, what) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('SleepingExperts follows its reference bit for bit in every build; save/load continues exactly', async () => {
  const finals = [];
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    await e.ready;
    const M = { exp: (x) => e.exp(x), log: (x) => e.log(x) }, rnd = lcg(5), fin = [];
    for (const N of [1, 2, 7, 16]) {
      for (const o of [{}, { rates: 1 }, { rates: 5 }]) {
        const L = new online.SleepingExperts(e, { experts: N, ...o }), R = sleepingRef(N, o.rates ?? 20, M);
        let L2 = L;
        for (let t = 0; t < 150; t++) {
          const aw = t % 5 === 0 ? undefined : Uint8Array.from({ length: N }, () => (rnd() < 0.6 ? 1 : 0));
          if (aw && !aw.some((v) => v)) aw[t % N] = 1;
          same(L2.predict(aw), R.weights(aw), `N=${N} ${JSON.stringify(o)} t=${t} weights`);
          const loss = Array.from({ length: N }, (_, i) => (t % 7 === 0 ? Math.round(rnd()) : Math.min(1, Math.max(0, 0.5 + 0.4 * Math.sin(0.1 * t + i) + 0.3 * (rnd() - 0.5)))));
          assert.ok(Object.is(aw ? L2.update(loss, { awake: aw }) : L2.update(loss), R.update(loss, aw)), `t=${t} loss`);
          if (t === 80) { L2 = online.load(e, L.save()); assert.deepEqual(L2.options, L.options); same(L2.stateArray(), L.stateArray(), 'loaded'); L.free(); }
        }
        same(L2.regrets, R.st.R, 'regrets'); same(L2.regretBound, R.bound(), 'bound');
        fin.push(...L2.predict(), ...L2.regretBound);
        L2.free();
      }
    }
    finals.push(fin);
    await e.dispose();
  }
  for (const f of finals.slice(1)) same(f, finals[0], 'builds agree');
});

test('SleepingExperts: bad input raises typed errors and changes nothing', async () => {
  const e = await init({ threads: 1 });
  const L = new online.SleepingExperts(e, { experts: 3 });
  for (let t = 0; t < 10; t++) L.update([0.1 * t, 0.5, 0.3], { awake: [1, t % 2, 1] });
  const b = L.save();
  const bad = [
    [() => L.update([0.1, 0.2]), LengthMismatchError], [() => L.update([0.1, NaN, 0.2]), NonFiniteError],
    [() => L.update([0.1, 1.5, 0.2]), /losses\[1\] = 1.5 of an awake expert is outside \[0, 1\]/], [() => L.update([0.1, -0.5, 0.2]), InvalidArgumentError],
    [() => L.update([0.1, 0.2, 0.3], { awake: [0, 0, 0] }), /no expert is awake/], [() => L.update([0.1, 0.2, 0.3], { awake: [1, 0.5, 0] }), /awake\[1\] must be 0 or 1/],
    [() => L.update([0.1, 0.2, 0.3], { awake: [1, 0] }), LengthMismatchError], [() => L.update([0.1, 0.2, 0.3], { awak: [1, 1, 1] }), /did you mean "awake"/],
    [() => L.update([0.1, 0.2, 0.3], 4), InvalidArgumentError], [() => L.update([0.1, 0.2, 0.3], {}, 1), /takes 2 arguments/],
    [() => L.predict([0, 0, 0]), /no expert is awake/], [() => L.predict([1, 2, 0]), InvalidArgumentError], [() => L.predict([1, 1, 1], 2), /takes 1 argument/],
  ];
  for (const [f, err] of bad) { assert.throws(f, err); assert.deepEqual(L.save(), b); }
  // an asleep expert's loss may be anything finite: it is ignored
  const before = L.regrets;
  L.update([0.3, 7, 0.2], { awake: [1, 0, 1] });
  assert.equal(L.regrets[1], before[1]);
  assert.throws(() => new online.SleepingExperts(e, { experts: 0 }), HyperparameterError);
  assert.throws(() => new online.SleepingExperts(e, { experts: 3, rates: 0 }), HyperparameterError);
  assert.throws(() => new online.SleepingExperts(e, { experts: 3, rate: 4 }), /did you mean "rates"/);
  assert.throws(() => new online.SleepingExperts(e, null), InvalidArgumentError);
  const s = L.stateArray(), M = new online.SleepingExperts(e, { experts: 3 });
  const negV = s.slice(); negV[2 + 3 + 1] = -1;
  const bigR = s.slice(); bigR[2] = s[0] + 1;
  for (const x of [negV, bigR]) assert.throws(() => M.restore(x), StateError);
  M.free(); L.free();
  await e.dispose();
});

test('groupwise regret: every expert under its stated bound, √T_g growth, where group-blind Hedge grows linearly', async () => {
  const e = await init({ threads: 1 });
  // 6 contexts; groups (overlapping): all, {0,1,2}, {2,3}, {4,5}, {1,3,5}; base predictor b's loss is
  // Bernoulli(μ[c][b]) — which base is best differs from group to group
  const GROUPS = [[0, 1, 2, 3, 4, 5], [0, 1, 2], [2, 3], [4, 5], [1, 3, 5]], B = 3, N = GROUPS.length * B;
  const MU = [[0.2, 0.5, 0.6], [0.3, 0.6, 0.4], [0.5, 0.2, 0.6], [0.6, 0.3, 0.5], [0.6, 0.5, 0.2], [0.5, 0.6, 0.25]];
  const CHECK = [1000, 4000, 16000];
  const worstS = [], worstH = [], Tg = [];
  for (let seed = 0; seed < 4; seed++) {
    const rnd = lcg(900 + seed), S = new online.SleepingExperts(e, { experts: N }), H = new online.EWA(e, { experts: B });
    const lossS = new Float64Array(GROUPS.length), lossH = new Float64Array(GROUPS.length), base = GROUPS.map(() => new Float64Array(B)), cnt = new Float64Array(GROUPS.length);
    const rowS = [], rowH = [];
    for (let t = 1; t <= CHECK.at(-1); t++) {
      const c = Math.floor(rnd() * 6), lb = MU[c].map((m) => (rnd() < m ? 1 : 0));
      const inG = GROUPS.map((g) => g.includes(c));
      const awake = new Uint8Array(N), losses = new Float64Array(N);
      GROUPS.forEach((g, gi) => { for (let b = 0; b < B; b++) { awake[gi * B + b] = inG[gi] ? 1 : 0; losses[gi * B + b] = lb[b]; } });
      const ls = S.update(losses, { awake });
      const ph = H.predict(), lh = ph.reduce((a, p, b) => a + p * lb[b], 0);
      H.update(lb);
      GROUPS.forEach((_, gi) => { if (!inG[gi]) return; lossS[gi] += ls; lossH[gi] += lh; cnt[gi]++; for (let b = 0; b < B; b++) base[gi][b] += lb[b]; });
      if (CHECK.includes(t)) {
        const R = S.regrets, bound = S.regretBound;
        for (let i = 0; i < N; i++) assert.ok(R[i] <= bound[i], `seed ${seed} t=${t} expert ${i}: regret ${R[i]} > bound ${bound[i]}`);
        // groupwise regret = the regret to the group's best base expert
        const gS = GROUPS.map((_, gi) => lossS[gi] - Math.min(...base[gi])), gH = GROUPS.map((_, gi) => lossH[gi] - Math.min(...base[gi]));
        GROUPS.forEach((_, gi) => assert.ok(Math.abs(gS[gi] - Math.max(...Array.from({ length: B }, (_, b) => R[gi * B + b]))) < 1e-6 * t, 'groupwise regret is the max expert regret'));
        rowS.push(Math.max(...gS)); rowH.push(Math.max(...gH));
        if (seed === 0) Tg.push(Array.from(cnt));
      }
    }
    worstS.push(rowS); worstH.push(rowH);
    S.free(); H.free();
  }
  const mean = (rows) => rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
  const mS = mean(worstS), mH = mean(worstH);
  console.log(`worst groupwise regret, sleeping experts: ${mS.map((v) => v.toFixed(1)).join(', ')}; group-blind Hedge: ${mH.map((v) => v.toFixed(1)).join(', ')} at T = ${CHECK.join(', ')} (4 seeds; smallest group ${Tg.map((r) => Math.min(...r)).join(', ')} rounds)`);
  // √T: ×16 rounds at most ×6 regret (√16 = 4, margin 1.5); Hedge's linear growth at least ×10
  assert.ok(mS.at(-1) <= 6 * Math.max(mS[0], 1), `sleeping experts: ${mS}`);
  assert.ok(mH.at(-1) >= 10 * mH[0] && mH.at(-1) > 5 * mS.at(-1), `Hedge: ${mH} vs sleeping ${mS}`);
  await e.dispose();
});
