// Bench row 11: disjoint LinUCB (src/bandits/contextual.ts), K = 1000 arms, d = 64.
//   decideBatch with B = 1 (one context scored against every arm, argmax with the PRNG tie-break):
//     absolute ms per call, 1 and 2 engine threads;
//     vs a plain-JS LinUCB over Float64Arrays (same algorithm and state: Sherman–Morrison A⁻¹ and θ = A⁻¹b
//       per arm; scores xᵀθ + α√(xᵀA⁻¹x) from the lower triangle, half the multiply-adds of a full xᵀA⁻¹x);
//     vs NumPy + OpenBLAS running MABWiser's numerics (bench/linucb_numpy.py, its per-arm loop), at the same
//       thread count (OPENBLAS_NUM_THREADS=1 vs engine threads 1, 2 vs 2), plus a stacked NumPy version
//       (one batched matmul over all arms, stronger than MABWiser) as information.
//   learn of 10,000 events (fresh eventIds each call, arms uniform over the 1000) vs the same NumPy
//   implementation (MABWiser's per-arm fit: A += XᵀX, inv(A), beta) and vs the plain-JS Sherman–Morrison.
// Timing: configurations interleaved in one run (rotating order), median of samples; ours is sampled
// right before and right after each Python process and pooled (as row 5 does for torch).
// `node bench/bandits.mjs [--quick]` prints these rows alone (and writes bench/results/bandits-latest.json);
// bench/run.mjs includes them as row 11.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const K = 1000, D = 64, EVENTS = 10_000, ALPHA = 1, LAMBDA = 1;
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const now = () => performance.now();
const fmt = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(d));

/** Test-side randomness (an LCG in [-1, 1)), not the library's. */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2147483648 - 1);

/** Plain-JS disjoint LinUCB: the same state and update as the engine's, in Float64Arrays, no wasm. */
export class PlainLinUCB {
  constructor(K, d, alpha, lambda) {
    this.K = K; this.d = d; this.alpha = alpha;
    this.M = Array.from({ length: K }, () => { const m = new Float64Array(d * d); for (let i = 0; i < d; i++) m[i * d + i] = 1 / lambda; return m; });
    this.b = Array.from({ length: K }, () => new Float64Array(d));
    this.theta = Array.from({ length: K }, () => new Float64Array(d));
    this.u = new Float64Array(d);
    this.scores = new Float64Array(K);
  }
  /** Sherman–Morrison per event: u = Mx, M ← M − uuᵀ/(1 + xᵀu), b ← b + r x; then θ = M b for each touched arm. */
  learn(arms, rewards, contexts) {
    const d = this.d, u = this.u, touched = new Set();
    for (let e = 0; e < arms.length; e++) {
      const k = arms[e], M = this.M[k], b = this.b[k], o = e * d;
      let s = 1;
      for (let i = 0; i < d; i++) { let t = 0; for (let j = 0; j < d; j++) t += M[i * d + j] * contexts[o + j]; u[i] = t; s += contexts[o + i] * t; }
      for (let i = 0; i < d; i++) { const wi = u[i] / s; for (let j = 0; j < d; j++) M[i * d + j] -= wi * u[j]; }
      for (let i = 0; i < d; i++) b[i] += rewards[e] * contexts[o + i];
      touched.add(k);
    }
    for (const k of touched) {
      const M = this.M[k], b = this.b[k], th = this.theta[k];
      for (let i = 0; i < d; i++) { let t = 0; for (let j = 0; j < d; j++) t += M[i * d + j] * b[j]; th[i] = t; }
    }
  }
  /** Argmax over arms of xᵀθ + α√(xᵀMx), xᵀMx = Σ_i x_i (M_ii x_i + 2 Σ_{j<i} M_ij x_j). */
  decide(x) {
    const d = this.d, sc = this.scores;
    let best = -Infinity, arm = -1;
    for (let k = 0; k < this.K; k++) {
      const M = this.M[k], th = this.theta[k];
      let mean = 0, q = 0;
      for (let i = 0; i < d; i++) {
        mean += th[i] * x[i];
        let r = 0;
        for (let j = 0; j < i; j++) r += M[i * d + j] * x[j];
        q += x[i] * (2 * r + M[i * d + i] * x[i]);
      }
      const s = mean + this.alpha * Math.sqrt(q > 0 ? q : 0);
      sc[k] = s;
      if (s > best) { best = s; arm = k; }
    }
    return arm;
  }
}

function interleave(configs, { reps = 15, sampleMs = 5, warm = 3 } = {}) {
  const st = configs.map((c) => {
    for (let i = 0; i < warm; i++) c.fn();
    const t0 = now(); c.fn(); const est = now() - t0;
    return { k: Math.max(1, Math.min(500, Math.ceil(sampleMs / Math.max(est, 1e-3)))), samples: [] };
  });
  for (let r = 0; r < reps; r++) {
    for (let j = 0; j < configs.length; j++) {
      const i = (j + r) % configs.length, s = st[i];
      const t0 = now();
      for (let q = 0; q < s.k; q++) configs[i].fn();
      s.samples.push((now() - t0) / s.k);
    }
  }
  return Object.fromEntries(configs.map((c, i) => [c.name, st[i].samples]));
}

/** Measure; returns { rows: [{ name, value, target, pass }], data }. `simdopt` = the dist module. */
export async function measureBandits(simdopt, { quick = false } = {}) {
  const { init, bandits } = simdopt;
  const rows = [], data = { K, d: D, events: EVENTS, alpha: ALPHA, lambda: LAMBDA };
  const engines = { 1: await init({ threads: 1 }), 2: await init({ threads: 2 }) };
  await engines[2].ready;
  data.engines = { 1: engines[1].info.threads, 2: engines[2].info.threads, variant: engines[1].info.variant };
  const rnd = lcg(12345);
  // learn batches: fresh eventIds per call (a repeated id would be skipped as a duplicate)
  const LEARN_CALLS = quick ? 6 : 12;
  let nextId = 0;
  const makeBatch = () => {
    const arms = new Int32Array(EVENTS), rewards = new Float64Array(EVENTS), ctx = new Float32Array(EVENTS * D), events = [];
    for (let i = 0; i < EVENTS; i++) {
      arms[i] = Math.min(K - 1, Math.floor(((rnd() + 1) / 2) * K)); rewards[i] = rnd();
      for (let j = 0; j < D; j++) ctx[i * D + j] = rnd();
      events.push({ eventId: `ev-${nextId++}`, arm: arms[i], reward: rewards[i], context: ctx.subarray(i * D, i * D + D) });
    }
    return { arms, rewards, ctx: Float64Array.from(ctx), events };
  };
  const policies = { 1: new bandits.LinUCB(engines[1], { arms: K, dim: D, alpha: ALPHA, lambda: LAMBDA, seed: 7 }),
    2: new bandits.LinUCB(engines[2], { arms: K, dim: D, alpha: ALPHA, lambda: LAMBDA, seed: 7 }) };
  const plain = new PlainLinUCB(K, D, ALPHA, LAMBDA);
  // one shared warm batch so every arm has a learned A⁻¹ and θ before deciding
  const first = makeBatch();
  policies[1].learn(first.events); policies[2].learn(first.events); plain.learn(first.arms, first.rewards, first.ctx);

  // ---- decide, B = 1 ----
  const xs = Array.from({ length: 64 }, () => Float32Array.from({ length: D }, rnd));
  let call = 0;
  const ourDecide = (t) => () => { const i = call++; policies[t].decideBatch(xs[i & 63], [`q-${i}`]); };
  const plainDecide = () => { plain.decide(xs[call++ & 63]); };
  // same algorithm check: the plain scores match ours (f32 scoring) to a relative 1e-4
  const ours = policies[1].decideBatch(xs[0], ['check']);
  plain.decide(xs[0]);
  let worst = 0;
  for (let k = 0; k < K; k++) worst = Math.max(worst, Math.abs(ours.scores[k] - plain.scores[k]) / Math.max(1, Math.abs(plain.scores[k])));
  data.plainScoreMaxRelDiff = worst;
  if (!(worst < 1e-4)) throw new Error(`plain-JS LinUCB scores differ from the engine's by ${worst}: not the same algorithm`);
  const pooled = { 1: [], 2: [], plain: [] };
  const oursRound = () => {
    const r = interleave([{ name: '1', fn: ourDecide(1) }, { name: '2', fn: ourDecide(2) }, { name: 'plain', fn: plainDecide }], { reps: quick ? 7 : 15, sampleMs: 5 });
    for (const k of Object.keys(pooled)) pooled[k].push(...r[k]);
  };
  oursRound();

  // ---- NumPy (MABWiser's numerics), one process per OpenBLAS thread count ----
  const py = '/usr/bin/python3', numpy = {};
  if (!existsSync(py)) data.numpyError = `${py} not found`;
  else {
    for (const t of [1, 2]) {
      const res = spawnSync(py, [join(here, 'linucb_numpy.py'), String(K), String(D), String(EVENTS), quick ? '7' : '15'],
        { encoding: 'utf8', timeout: 300000, env: { ...process.env, OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t) } });
      try { numpy[t] = JSON.parse(res.stdout.trim().split('\n').pop()); } catch { data.numpyError = `linucb_numpy.py failed: ${(res.stderr || res.error?.message || '').slice(-300)}`; break; }
      oursRound();
    }
  }
  const dec = { 1: median(pooled[1]), 2: median(pooled[2]), plain: median(pooled.plain) };
  data.decide = { oursMs: { 1: dec[1], 2: dec[2] }, plainMs: dec.plain, samples: pooled[1].length };
  for (const t of [1, 2]) {
    rows.push({ name: `LinUCB decideBatch K=1000 d=64 B=1, ${t}t`, value: `${fmt(dec[t], 3)} ms`, target: '≤ 0.5 ms', pass: dec[t] <= 0.5 });
  }
  rows.push({ name: 'LinUCB decideBatch vs plain JS (Float64Array, triangle)', value: `plain ${fmt(dec.plain, 2)} ms → ${fmt(dec.plain / dec[1], 1)}× (1t), ${fmt(dec.plain / dec[2], 1)}× (2t); scores agree to ${worst.toExponential(1)}`, target: '≥ 10× (1t)', pass: dec.plain / dec[1] >= 10 });

  // ---- learn 10,000 events ----
  const batches = { 1: [], 2: [], plain: [] };
  for (let c = 0; c < LEARN_CALLS; c++) { const b = makeBatch(); batches[1].push(b); batches[2].push(b); batches.plain.push(b); }
  const learnSamples = { 1: [], 2: [], plain: [] }, kernelSamples = { 1: [], 2: [] };
  // time inside the learn kernel (engine.run('bd_lin_learn')), to split learn into wasm and TypeScript
  let kernelMs = 0;
  for (const t of [1, 2]) {
    const e = engines[t], run = e.run.bind(e);
    e.run = (name, ...a) => { if (name !== 'bd_lin_learn') return run(name, ...a); const t0 = now(); try { return run(name, ...a); } finally { kernelMs += now() - t0; } };
  }
  for (let c = 0; c < LEARN_CALLS; c++) {
    for (let j = 0; j < 3; j++) {
      const key = ['1', '2', 'plain'][(j + c) % 3], b = batches[key][c];
      kernelMs = 0;
      const t0 = now();
      if (key === 'plain') plain.learn(b.arms, b.rewards, b.ctx); else policies[key].learn(b.events);
      if (c >= 2) { learnSamples[key].push(now() - t0); if (key !== 'plain') kernelSamples[key].push(kernelMs); } // the first two calls per config are warm-up
    }
  }
  const lrn = { 1: median(learnSamples[1]), 2: median(learnSamples[2]), plain: median(learnSamples.plain) };
  const kern = { 1: median(kernelSamples[1]), 2: median(kernelSamples[2]) };
  data.learn = { oursMs: { 1: lrn[1], 2: lrn[2] }, kernelMs: kern, plainMs: lrn.plain, samples: learnSamples[1].length };
  rows.push({ name: 'LinUCB learn 10,000 events d=64 (K=1000)', value: `${fmt(lrn[1], 1)} ms (1t; wasm kernel ${fmt(kern[1], 1)}), ${fmt(lrn[2], 1)} ms (2t; kernel ${fmt(kern[2], 1)}); plain JS ${fmt(lrn.plain, 0)} ms → ${fmt(lrn.plain / lrn[1], 1)}× (1t)`, target: '—', pass: null });

  if (data.numpyError) rows.push({ name: 'LinUCB vs NumPy', value: `skipped: ${data.numpyError}`, target: '—', pass: null });
  else {
    data.numpy = numpy;
    for (const t of [1, 2]) {
      const n = numpy[t];
      rows.push({ name: `LinUCB decideBatch vs NumPy ${n.numpy} (MABWiser's per-arm loop), ${t}t`,
        value: `numpy ${fmt(n.decide_mabwiser, 2)} ms vs ${fmt(dec[t], 3)} ms → ${fmt(n.decide_mabwiser / dec[t], 1)}×; stacked numpy ${fmt(n.decide_stacked, 2)} ms → ${fmt(n.decide_stacked / dec[t], 1)}×`,
        target: '≥ 2×', pass: n.decide_mabwiser / dec[t] >= 2 });
      rows.push({ name: `LinUCB learn 10,000 vs NumPy (MABWiser's per-arm fit + inv), ${t}t`,
        value: `numpy ${fmt(n.learn_mabwiser, 1)} ms vs ${fmt(lrn[t], 1)} ms → ${fmt(n.learn_mabwiser / lrn[t], 2)}×`, target: '—', pass: null });
    }
  }
  for (const p of Object.values(policies)) p.free();
  await engines[1].dispose(); await engines[2].dispose();
  return { rows, data };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
  const { rows, data } = await measureBandits(simdopt, { quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(`${r.pass === null ? 'info' : r.pass ? 'PASS' : 'MISS'}  ${r.name}: ${r.value}${r.target !== '—' ? `  [target ${r.target}]` : ''}`);
  let commit = '';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: join(here, '..'), encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  const meta = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, commit, loadavg: loadavg() };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'bandits-latest.json'), JSON.stringify({ meta, rows, data }, null, 2) + '\n');
  console.log(`node ${process.version}, ${meta.cores} cores ${meta.cpu}, commit ${commit}, load average ${meta.loadavg.map((x) => x.toFixed(1)).join(' ')}; wrote bench/results/bandits-latest.json`);
  process.exit(0);
}
