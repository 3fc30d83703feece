// Bench row 12: bandits.simulate (src/bandits/simulate.ts) on K = 10 Bernoulli arms, T = 1e5 rounds,
// R = 100 repetitions: pulls per second (T·R / wall time) with the library's Thompson sampling when it
// exists (bandits.BernoulliTS / ThompsonSampling / TS), otherwise UCB1 (the row says which), 1 and 2
// engine threads (2 threads with splitMin 256, so the per-round kernels over 100 copies split at all),
// against two loops that do the same simulation without the simulator:
//   (a) plain JS: the same algorithm written out over Float64Arrays (UCB1: mean + sqrt(2 ln t / n);
//       TS: Beta(1 + s, 1 + n − s) samples by Marsaglia–Tsang from an xorshift PRNG), repetitions ×
//       rounds × arms in JS, Bernoulli rewards from the same PRNG;
//   (b) the serving API: R policies, and per round and repetition policy.decide({ eventId }) then
//       policy.learn([event]) (what a user writes without simulate), on a shorter run (rates per pull).
// Each configuration is timed 3 times (the median reported). `node bench/simulate.mjs [--quick]`
// prints the rows alone and writes bench/results/simulate-latest.json; bench/run.mjs includes them as row 12.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const K = 10, MEANS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9];
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const now = () => performance.now();
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));

/** xorshift128+ in [0, 1) (the baseline's own randomness). */
function rng(seed) {
  let a = seed >>> 0 || 1, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  return () => { const t = a ^ (a << 11); a = b; b = c; c = d; d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0; return d / 4294967296; };
}
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
/** The plain-JS simulation: returns the mean final pseudo-regret (so the work cannot be skipped). */
export function plainJs(algo, T, R, seed = 1) {
  const u = rng(seed), n = new Float64Array(K), s = new Float64Array(K);
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
          const x = gammaJs(1 + s[k], u), y = gammaJs(1 + n[k] - s[k], u), v = x / (x + y);
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
  const times = { 1: [], 2: [], plain: [], api: [] };
  const env = { type: 'bernoulli', means: MEANS };
  const TA = quick ? 200 : 1000;          // the serving-API loop runs TA rounds × R repetitions
  let regret = {};
  for (let i = 0; i < reps; i++) {
    for (const t of [1, 2]) {
      const t0 = now();
      const res = bandits.simulate(engines[t], { env, policies: [cls], horizon: T, repetitions: R, seed: 1, checkpoints: 10 });
      times[t].push(now() - t0);
      regret[t] = res.policies[0].regret.mean.at(-1);
    }
    let t0 = now();
    regret.plain = plainJs(algo, T, R);
    times.plain.push(now() - t0);
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
  const label = algo === 'TS' ? `${cls} (Thompson sampling)` : 'UCB1 (no Thompson sampling policy in the library yet)';
  const rows = [
    { name: `simulate ${label}, K=10, T=${T}, R=${R}`, value: `${fmt(ours1)} pulls/s (1t, ${(median(times[1]) / 1000).toFixed(2)} s), ${fmt(ours2)} pulls/s (2t)`, target: '—', pass: null },
    { name: `  vs plain-JS ${algo} loop (Float64Arrays, same algorithm)`, value: `${fmt(plain)} pulls/s → ${(ours1 / plain).toFixed(2)}× (1t), ${(ours2 / plain).toFixed(2)}× (2t)`, target: '≥ 10×', pass: Math.max(ours1, ours2) / plain >= 10 },
    { name: `  vs the serving API loop (R policies, decide + learn per pull, ${TA} rounds)`, value: `${fmt(api)} pulls/s → ${(ours1 / api).toFixed(1)}× (1t), ${(ours2 / api).toFixed(1)}× (2t)`, target: '≥ 10×', pass: Math.max(ours1, ours2) / api >= 10 },
  ];
  await engines[1].dispose(); await engines[2].dispose();
  return { rows, data: { algo, policy: cls, T, R, TA, timesMs: times, pullsPerSecond: { ours1, ours2, plain, api }, finalRegret: regret } };
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
