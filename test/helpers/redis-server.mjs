// Start Debian's redis-server on a free localhost port for a test (no persistence, bounded start-up
// time); `available` says whether both the server binary and the `redis` npm client are here. Set
// SIMDOPT_REQUIRE_ALL_RUNTIMES=1 (CI) to make a missing one an error instead of a skip.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const REDIS_SERVER = '/usr/bin/redis-server';
let client = null;
try { client = await import('redis'); } catch { client = null; }
export const redisClient = client;
export const available = existsSync(REDIS_SERVER) && client !== null;
if (!available && process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1') throw new Error(`redis tests need ${REDIS_SERVER} (apt-get install redis-server) and the redis npm client`);

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Start redis-server; resolves { port, url, stop } once it accepts connections (rejects after 10 s). */
export async function startRedis() {
  const port = await freePort();
  const proc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`redis-server did not start in 10 s:\n${out}`)); }, 10_000);
    proc.stdout.on('data', (b) => { out += b; if (/Ready to accept connections/.test(out)) { clearTimeout(timer); resolve(); } });
    proc.on('exit', (c) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${c}:\n${out}`)); });
  });
  proc.removeAllListeners('exit');
  return {
    port, url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => { if (proc.exitCode !== null) return resolve(); proc.once('exit', resolve); proc.kill('SIGTERM'); setTimeout(() => proc.kill('SIGKILL'), 5000).unref(); }),
  };
}
