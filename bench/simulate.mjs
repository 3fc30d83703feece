// Bench row 12: bandits.simulate (src/bandits/simulate.ts) on K = 10 Bernoulli arms, T = 1e5 rounds,
// R = 100 repetitions: pulls per second (T·R / wall time) with the library's Thompson sampling when it
// exists (bandits.BernoulliTS / ThompsonSampling / TS), otherwise UCB1 (the row says which), 1 and 2
// engine threads (2 threads with splitMin 256, so the per-round kernels over 100 copies split at all),
// against two loops that do the same simulation without the simulator:
//   (a) plain JS: the same algorithm written out over Float64Arrays (UCB1: mean + sqrt(2 ln t / n);
//       TS: Beta(1 + s, 1 + n − s) samples as X/(X + Y) of Marsaglia–Tsang gammas with Box–Muller
//       normals and Math.log, what a user writes from the paper, from an xorshift PRNG), repetitions ×
//       rounds × arms in JS, Bernoulli rewards from the same PRNG;
//   (a') TS only: the same loop with the library's sampler written in plain JS (assembly/core/zig.ts's
//       algorithm: ziggurat normals from the same tables, one 4-word draw per Marsaglia–Tsang round, the
//       log-free squeeze, Math.log/Math.exp on the rare slow paths), so the ratio against it is the wasm
//       engine's part alone, the sampler's part taken out;
//   (b) the serving API: R policies, and per round and repetition policy.decide({ eventId }) then
//       policy.learn([event]) (what a user writes without simulate), on a shorter run (rates per pull).
// Each configuration is timed 3 times (the median reported). `node bench/simulate.mjs [--quick]`
// prints the rows alone and writes bench/results/simulate-latest.json; bench/run.mjs includes them as row 12.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ZIG } from '../test/helpers/ziggurat-tables.mjs';   // scripts/ziggurat_tables.py's tables, as assembly/core/ziggurat-tables.ts

const here = dirname(fileURLToPath(import.meta.url));
const K = 10, MEANS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9];
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const now = () => performance.now();
const ZX = ZIG.x, ZF = ZIG.f, ZR = ZIG.r;
const cpuMs = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));

/** xorshift128 words (the baselines' own randomness). */
function words(seed) {
  let a = seed >>> 0 || 1, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  return () => { const t = a ^ (a << 11); a = b; b = c; c = d; d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0; return d; };
}
/** xorshift128 in [0, 1). */
function rng(seed) { const w = words(seed); return () => w() / 4294967296; }
function gammaJs(shape, u) {
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x, v;
    do { const u1 = 1 - u(), u2 = u(); x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2); v = 1 + c * x; } while (v <= 0);
    v = v * v * v;
    const w = 1 - u();
    if (Math.log(w) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
/** The library's ziggurat normal (assembly/core/zig.ts) in plain JS: a, b two 32-bit words, w more words. */
function zigJs(a, b, w) {
  for (;;) {
    const i = b & 255, neg = (b & 256) !== 0;
    const x = (a * 2097152 + (b >>> 11)) * 1.1102230246251565e-16 * ZX[i];
    if (x < ZX[i + 1]) return neg ? -x : x;
    if (i === 0) {
      let p, q;
      do { p = -Math.log(1 - w() / 4294967296) / ZR; q = -Math.log(1 - w() / 4294967296); } while (q + q <= p * p);
      return neg ? -(ZR + p) : ZR + p;
    }
    if (ZF[i] + (ZF[i + 1] - ZF[i]) * (w() / 4294967296) < Math.exp(-0.5 * x * x)) return neg ? -x : x;
    a = w(); b = w();
  }
}
/** Marsaglia–Tsang (shape ≥ 1) as assembly/core/zig.ts runs it: one draw of 4 words per round, its squeeze first. */
function gammaZigJs(shape, w) {
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = zigJs(w(), w(), w), t = 1 + c * x;
    const e = (w() * 2097152 + (w() >>> 11)) * 1.1102230246251565e-16;
    if (t <= 0) continue;
    const v = t * t * t, x2 = x * x, m = t < 1 ? t : 1;
    if (t >= 0.5 && (e + 0.5 * e * e - 1.4210854715202004e-14 * (x2 + d * (4 + 2 * v))) * (108 * d * m) > x2 * x2 * 1.0000000000000142) return d * v;
    if (Math.log(1 - e) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
/**
 * The plain-JS simulation: returns the mean final pseudo-regret (so the work cannot be skipped).
 * sampler 'bm' (TS with Box–Muller Marsaglia–Tsang, baseline (a)) or 'zig' (the library's sampler, (a')).
 */
export function plainJs(algo, T, R, seed = 1, sampler = 'bm') {
  const w = words(seed), u = () => w() / 4294967296, n = new Float64Array(K), s = new Float64Array(K);
  const zig = sampler === 'zig';
  let best = 0;
  for (const m of MEANS) if (m > best) best = m;
  let regret = 0;
  for (let r = 0; r < R; r++) {
    n.fill(0); s.fill(0);
    for (let t = 0; t < T; t++) {
      let arm = 0, top = -Infinity;
      if (algo === 'UCB1') {
        const lt = t > 1 ? Math.log(t) : 0;
        for (let k = 0; k < K; k++) {
          const v = n[k] > 0 ? s[k] / n[k] + Math.sqrt((2 * lt) / n[k]) : Infinity;
          if (v > top) { top = v; arm = k; }
        }
      } else {
        for (let k = 0; k < K; k++) {
          const x = zig ? gammaZigJs(1 + s[k], w) : gammaJs(1 + s[k], u), y = zig ? gammaZigJs(1 + n[k] - s[k], w) : gammaJs(1 + n[k] - s[k], u), v = x / (x + y);
          if (v > top) { top = v; arm = k; }
        }
      }
      const x = u() < MEANS[arm] ? 1 : 0;
      n[arm] += 1; s[arm] += x; regret += best - MEANS[arm];
    }
  }
  return regret / R;
}

export async function measureSimulate(simdopt, { quick = false } = {}) {
  const { init, bandits } = simdopt;
  const T = quick ? 10_000 : 100_000, R = 100, reps = quick ? 1 : 3;
  // the library's Bernoulli Thompson sampling, whatever it is called (BernoulliTS, ThompsonSampling, ...), else UCB1
  const classes = Object.keys(bandits.policyClasses());
  const tsName = ['BernoulliTS', 'ThompsonSampling', 'Thompson', 'TS', 'BetaTS'].find((k) => classes.includes(k)) ?? classes.find((k) => /thompson/i.test(k) && !/gauss|linear|^lin|discount|sliding/i.test(k));
  const algo = tsName ? 'TS' : 'UCB1', cls = tsName ?? 'UCB1';
  const engines = { 1: await init({ threads: 1 }), 2: await init({ threads: 2, splitMin: 256 }) };
  const times = { 1: [], 2: [], plain: [], zig: [], api: [] }, cpu = { 1: [], plain: [], zig: [] };
  const env = { type: 'bernoulli', means: MEANS };
  const TA = quick ? 200 : 1000;          // the serving-API loop runs TA rounds × R repetitions
  let regret = {};
  for (let i = 0; i < reps; i++) {
    for (const t of [1, 2]) {
      const t0 = now(), c0 = cpuMs();
      const res = bandits.simulate(engines[t], { env, policies: [cls], horizon: T, repetitions: R, seed: 1, checkpoints: 10 });
      times[t].push(now() - t0);
      if (t === 1) cpu[1].push(cpuMs() - c0);
      regret[t] = res.policies[0].regret.mean.at(-1);
    }
    let t0 = now(), c0 = cpuMs();
    regret.plain = plainJs(algo, T, R);
    times.plain.push(now() - t0); cpu.plain.push(cpuMs() - c0);
    if (algo === 'TS') {
      t0 = now(); c0 = cpuMs();
      regret.zig = plainJs(algo, T, R, 1, 'zig');
      times.zig.push(now() - t0); cpu.zig.push(cpuMs() - c0);
    }
    // (b) the serving API loop
    const e = engines[1], u = rng(7);
    // as simulate does: no Monte Carlo propensities where the class has them (propensityDraws: 0)
    const make = () => { try { return new bandits[cls](e, { arms: K, seed: 1, dedupWindow: 0, propensityDraws: 0 }); } catch { return new bandits[cls](e, { arms: K, seed: 1, dedupWindow: 0 }); } };
    const pols = Array.from({ length: R }, make);
    t0 = now();
    for (let t = 0; t < TA; t++) {
      for (let r = 0; r < R; r++) {
        const eventId = `${r}:${t}`, p = pols[r];
        const { arm } = p.decide({ eventId });
        p.learn([{ eventId, arm, reward: u() < MEANS[arm] ? 1 : 0 }]);
      }
    }
    times.api.push(now() - t0);
    for (const p of pols) p.free();
  }
  const pps = (ms, pulls) => (pulls / ms) * 1000;
  const ours1 = pps(median(times[1]), T * R), ours2 = pps(median(times[2]), T * R), plain = pps(median(times.plain), T * R), api = pps(median(times.api), TA * R);
  // per CPU-second (one thread each, so a loaded machine's waiting is left out): simulate on 1 thread against each loop
  const cpu1 = pps(median(cpu[1]), T * R), cpuPlain = pps(median(cpu.plain), T * R);
  const label = algo === 'TS' ? `${cls} (Thompson sampling)` : 'UCB1 (no Thompson sampling policy in the library yet)';
  const rows = [
    { name: `simulate ${label}, K=10, T=${T}, R=${R}`, value: `${fmt(ours1)} pulls/s (1t, ${(median(times[1]) / 1000).toFixed(2)} s), ${fmt(ours2)} pulls/s (2t); ${fmt(cpu1)} pulls per CPU-second (1t)`, target: '—', pass: null },
    { name: `  vs plain-JS ${algo} loop (Float64Arrays, same algorithm${algo === 'TS' ? ': Box–Muller Marsaglia–Tsang, as written from the paper' : ''})`, value: `${fmt(plain)} pulls/s → ${(ours1 / plain).toFixed(2)}× (1t), ${(ours2 / plain).toFixed(2)}× (2t); per CPU-second ${(cpu1 / cpuPlain).toFixed(2)}× (1t)`, target: '≥ 10×', pass: Math.max(ours1, ours2) / plain >= 10 },
  ];
  let zig = null;
  if (algo === 'TS') {
    zig = pps(median(times.zig), T * R);
    const cpuZig = pps(median(cpu.zig), T * R);
    rows.push({ name: '  vs plain-JS TS loop with the library\'s sampler (ziggurat Marsaglia–Tsang, squeeze; the engine\'s part alone)', value: `${fmt(zig)} pulls/s → ${(ours1 / zig).toFixed(2)}× (1t), ${(ours2 / zig).toFixed(2)}× (2t); per CPU-second ${(cpu1 / cpuZig).toFixed(2)}× (1t)`, target: '—', pass: null });
  }
  rows.push({ name: `  vs the serving API loop (R policies, decide + learn per pull, ${TA} rounds)`, value: `${fmt(api)} pulls/s → ${(ours1 / api).toFixed(1)}× (1t), ${(ours2 / api).toFixed(1)}× (2t)`, target: '≥ 10×', pass: Math.max(ours1, ours2) / api >= 10 });
  await engines[1].dispose(); await engines[2].dispose();
  return { rows, data: { algo, policy: cls, T, R, TA, timesMs: times, cpuMs: cpu, pullsPerSecond: { ours1, ours2, plain, zig, api }, finalRegret: regret } };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
  const { rows, data } = await measureSimulate(simdopt, { quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(`${r.pass === null ? 'info' : r.pass ? 'PASS' : 'MISS'}  ${r.name}: ${r.value}${r.target !== '—' ? `  [target ${r.target}]` : ''}`);
  let commit = '';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: join(here, '..'), encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  const meta = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, commit, loadavg: loadavg() };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'simulate-latest.json'), JSON.stringify({ meta, rows, data }, null, 2) + '\n');
  console.log(`node ${process.version}, ${meta.cores} cores ${meta.cpu}, commit ${commit}, load average ${meta.loadavg.map((x) => x.toFixed(1)).join(' ')}; wrote bench/results/simulate-latest.json`);
  process.exit(0);
}
