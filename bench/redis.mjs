// Bench row 14: Redis learn throughput through bandits.RedisStore (src/bandits/stores/redis.ts): 1 and
// 8 writer processes, each learning 10,000 events (10% of them repeats) in batches of 500 into one
// UCB1 (K = 10) held by a local redis-server (Debian's, started on a free port, no persistence).
// events/s = all events sent / (last writer's end − first writer's start), the concurrent learning
// phase (process start-up and wasm compilation excluded); median of 3 runs, fresh keys each run. The
// writers are test/helpers/redis-writer.mjs, the workload test/helpers/redis-load.mjs (the load test's).
// `node bench/redis.mjs` prints these rows alone (and writes bench/results/redis-latest.json);
// bench/run.mjs includes them as row 14.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };

function writer(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(here, '..', 'test', 'helpers', 'redis-writer.mjs'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (b) => { out += b; });
    p.stderr.on('data', (b) => { err += b; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

export async function measureRedis(_simdopt, { quick = false } = {}) {
  const { available, startRedis } = await import(pathToFileURL(join(here, '..', 'test', 'helpers', 'redis-server.mjs')).href);
  if (!available) throw new Error('needs /usr/bin/redis-server and the redis npm client');
  const sends = quick ? 2000 : 10_000, reps = quick ? 1 : 3;
  const server = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-redis-bench-'));
  const rows = [], data = { sends, batch: 500, reps, runs: {} };
  try {
    for (const n of [1, 8]) {
      const rates = [];
      for (let r = 0; r < reps; r++) {
        const key = `bench-${n}-${r}`;
        const res = await Promise.all(Array.from({ length: n }, (_, w) => writer({ url: server.url, key, writer: w, progress: join(dir, `${key}-${w}`), sends, writers: n })));
        const t0 = Math.min(...res.map((x) => x.start)), t1 = Math.max(...res.map((x) => x.end));
        rates.push((n * sends) / ((t1 - t0) / 1000));
      }
      data.runs[n] = rates;
      rows.push({ name: `Redis learn, ${n} writer${n > 1 ? 's' : ''} × ${sends} events (batches of 500, 10% repeats), events/s`, value: Math.round(median(rates)), target: 'info', pass: null });
    }
  } finally { rmSync(dir, { recursive: true, force: true }); await server.stop(); }
  data.cpu = cpus()[0]?.model; data.cores = cpus().length;
  return { rows, data };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
  const { rows, data } = await measureRedis(simdopt, { quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(`${r.name}: ${r.value}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'redis-latest.json'), JSON.stringify({ date: new Date().toISOString(), rows, data }, null, 2) + '\n');
}
