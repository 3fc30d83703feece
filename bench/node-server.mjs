// Bench row 17: decisions per second and per-request latency of the Node HTTP server
// (examples/node-server/server.mjs: a ServedPolicy behind a DecisionLog, every decision logged) with its
// policy shared through a local redis-server: one server process, a context-free UCB1 (K = 50) and a
// LinUCB (d = 64, K = 50) policy; the client (this process) keeps 16 keep-alive POST /decide requests in
// flight (LinUCB: a 64-number JSON context each) for the measured phase after a warm-up; decisions/s =
// answered requests / wall time, latency = each request's send-to-answer time (p50, p99 over the
// block), median of 3 blocks; the load average before and after is recorded with the figures. Client
// and server share the machine's cores, so this is a floor.
// `node bench/node-server.mjs` prints these rows alone (and writes bench/results/node-server-latest.json);
// bench/run.mjs includes them as row 17.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };

function startServer(url, env) {
  const p = spawn(process.execPath, [join(here, '..', 'examples', 'node-server', 'server.mjs')], { env: { ...process.env, REDIS_URL: url, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stderr.on('data', (b) => { err += b; });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
    p.stdout.on('data', (b) => { out += b; const m = /listening (\d+)/.exec(out); if (m) { clearTimeout(t); resolve({ port: Number(m[1]), stop: () => new Promise((r) => { p.once('exit', r); p.kill('SIGTERM'); }) }); } });
    p.on('exit', (c) => { clearTimeout(t); reject(new Error(`server exited ${c}: ${err}`)); });
  });
}
function post(agent, port, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/decide', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let s = ''; res.setEncoding('utf8'); res.on('data', (c) => { s += c; }); res.on('end', () => (res.statusCode === 200 ? resolve(s) : reject(new Error(`${res.statusCode} ${s}`))));
    });
    req.on('error', reject); req.end(body);
  });
}
let seq = 0; // eventIds never repeat within a server's life (its DecisionLog refuses a logged one)
const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
/** Decisions/s over `ms` with `inflight` concurrent requests, and the p50/p99 request latency (ms). */
async function rate(port, makeBody, ms, inflight) {
  const agent = new Agent({ keepAlive: true, maxSockets: inflight });
  const lat = [];
  const end = performance.now() + ms, t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, async () => { while (performance.now() < end) { const a = performance.now(); await post(agent, port, makeBody(seq++)); lat.push(performance.now() - a); } }));
  const s = (performance.now() - t0) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(lat).sort();
  return { rate: lat.length / s, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), n: lat.length };
}

export async function measureNodeServer(_simdopt, { quick = false } = {}) {
  const { available, startRedis } = await import(pathToFileURL(join(here, '..', 'test', 'helpers', 'redis-server.mjs')).href);
  if (!available) throw new Error('needs /usr/bin/redis-server and the redis npm client');
  const redis = await startRedis();
  const ms = quick ? 500 : 2000, reps = quick ? 1 : 3, rows = [], data = { inflight: 16, ms, reps, runs: {} };
  const ctx = JSON.stringify(Array.from({ length: 64 }, (_, j) => ((j * 37) % 17) / 17 - 0.5));
  try {
    for (const [name, env, body] of [
      ['context-free UCB1 (K = 50)', { POLICY: 'ucb1', ARMS: '50', KEY: 'bench-ucb' }, (i) => `{"eventId":"b${i}"}`],
      ['LinUCB (d = 64, K = 50)', { POLICY: 'linucb', ARMS: '50', DIM: '64', KEY: 'bench-lin' }, (i) => `{"eventId":"b${i}","context":${ctx}}`],
    ]) {
      const s = await startServer(redis.url, { ...env, REFRESH_MS: '1000' });
      try {
        await rate(s.port, body, quick ? 200 : 500, 16); // warm-up (JIT, connections)
        const load0 = loadavg()[0], runs = [];
        for (let r = 0; r < reps; r++) runs.push(await rate(s.port, body, ms, 16));
        const load1 = loadavg()[0];
        data.runs[name] = { blocks: runs, loadavgBefore: load0, loadavgAfter: load1 };
        const m = (k) => median(runs.map((x) => x[k]));
        rows.push({ name: `Node server (DecisionLog + rails, Redis), ${name}, 1 process, 16 in flight`, value: `${Math.round(m('rate'))} decisions/s, p50 ${m('p50').toFixed(2)} ms, p99 ${m('p99').toFixed(2)} ms (load ${load0.toFixed(1)}->${load1.toFixed(1)})`, target: 'info', pass: null });
      } finally { await s.stop(); }
    }
  } finally { await redis.stop(); }
  return { rows, data };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows, data } = await measureNodeServer(null, { quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(`${r.name}: ${r.value}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'node-server-latest.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, ...data }, null, 2) + '\n');
}
