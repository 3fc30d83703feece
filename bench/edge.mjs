// Bench row 15: decisions per second of the edge Worker (examples/edge) in workerd through miniflare,
// deployed as test/edge-worker.test.mjs deploys it (wrangler deploy --dry-run, the example's
// wrangler.toml), for context-free policies (UCB1 and BernoulliTS, K = 50: the object keeps exact sums; BernoulliTS
// estimates its propensity by Monte Carlo draws, the example's default policy) and
// LinUCB (d = 64, K = 50: the object keeps its saved state, 1.7 MB). Each policy first learns 500
// rewards through /reward; then POST /decide requests are sent from Node with 16 in flight (each
// decision: the Worker's cached snapshot, refreshed at most once a second, one decide, one HMAC
// token). decisions/s = requests / wall time, median of 5 blocks of 1,000 per configuration, the
// configurations interleaved (one block each per round, order rotating; quick: 1 of 300). The
// "no policy" row is the example's 404 route through the same path: the floor the HTTP hop between
// Node and workerd sets on this machine (the client runs on the same cores).
// `node bench/edge.mjs` prints these rows alone (and writes bench/results/edge-latest.json);
// bench/run.mjs includes them as row 15.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };

function rng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

async function pump(n, inFlight, one) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => { while (next < n) await one(next++); }));
  return n / ((performance.now() - t0) / 1000);
}

export async function measureEdge(_simdopt, { quick = false } = {}) {
  const { buildEdge, startEdge } = await import(pathToFileURL(join(here, '..', 'test', 'helpers', 'edge-worker.mjs')).href);
  const N = quick ? 300 : 1000, reps = quick ? 1 : 5, IN_FLIGHT = 16, WARM = quick ? 100 : 500;
  const load0 = loadavg();
  const build = await buildEdge();
  const rows = [], data = { loadavgStart: load0, requests: N, reps, interleaved: true, inFlight: IN_FLIGHT, warmRewards: WARM, runs: {}, by: build.deploy.by };
  const configs = [
    { label: 'no policy (404 route: the HTTP floor)', vars: { POLICY_KIND: 'BernoulliTS', ARMS: '50' }, path: '/none' },
    { label: 'UCB1 K = 50 (context-free)', vars: { POLICY_KIND: 'UCB1', ARMS: '50' } },
    { label: 'BernoulliTS K = 50 (context-free, Monte Carlo propensity)', vars: { POLICY_KIND: 'BernoulliTS', ARMS: '50' } },
    { label: 'LinUCB d = 64, K = 50', vars: { POLICY_KIND: 'LinUCB', ARMS: '50', DIM: '64' }, dim: 64 },
  ];
  const workers = [];
  try {
    for (const c of configs) {
      const w = await startEdge(build.deploy, { vars: { ...c.vars, REFRESH_MS: '1000' } });
      workers.push(w);
      const rand = rng(7);
      const ctx = () => (c.dim ? Array.from({ length: c.dim }, (_, j) => (j === 0 ? 1 : rand() - 0.5)) : undefined);
      c.decide = async (id) => {
        const r = await w.mf.dispatchFetch('http://localhost' + (c.path ?? '/decide'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ eventId: id, context: ctx() }) });
        const body = await r.json();
        if (!c.path && r.status !== 200) throw new Error(`${c.label}: /decide answered ${r.status} ${JSON.stringify(body)}`);
        return body;
      };
      if (!c.path) {
        await pump(WARM, 8, async (i) => {
          const d = await c.decide(`warm-${i}`);
          const r = await w.call('POST', '/reward', { token: d.token, reward: rand() < (d.arm % 10) / 10 ? 1 : 0 });
          if (r.status !== 200) throw new Error(`${c.label}: /reward answered ${r.status} ${JSON.stringify(r.body)}`);
        });
      }
      await pump(Math.min(200, N), IN_FLIGHT, (i) => c.decide(`pre-${i}`)); // warm the isolate and the snapshot
      c.rates = [];
    }
    // interleaved: each round times one block of every configuration, the order rotating per round
    for (let r = 0; r < reps; r++) {
      for (let k = 0; k < configs.length; k++) {
        const c = configs[(k + r) % configs.length];
        c.rates.push(await pump(N, IN_FLIGHT, (i) => c.decide(`b${r}-${i}`)));
      }
    }
    for (const c of configs) {
      data.runs[c.label] = c.rates;
      rows.push({ name: `edge Worker in miniflare, ${c.label}: decisions/s (${IN_FLIGHT} in flight)`, value: Math.round(median(c.rates)), target: 'info', pass: null });
    }
  } finally { for (const w of workers) await w.dispose(); build.dispose(); }
  data.cpu = cpus()[0]?.model; data.cores = cpus().length; data.loadavgEnd = loadavg();
  return { rows, data };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
  const { rows, data } = await measureEdge(simdopt, { quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(`${r.name}: ${r.value}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'edge-latest.json'), JSON.stringify({ date: new Date().toISOString(), rows, data }, null, 2) + '\n');
}
