// One writer process of the Redis load and fault test: learns its sends (test/helpers/redis-load.mjs)
// in batches through bandits.RedisStore, recording each acknowledged batch in a progress file and
// resuming after the last one when restarted; start/end are the absolute times (ms) of its learning. CRASH=sent:k kills itself (SIGKILL) right after sending
// batch k, before the reply; CRASH=acked:k after the reply, before recording it. Prints one JSON line.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createClient } from 'redis';
import { init, bandits } from '../../dist/index.js';
import { ARMS, BATCH, sendsOf } from './redis-load.mjs';

const { url, key, writer, progress, sends, writers } = JSON.parse(process.argv[2]);
const [mode, at] = (process.env.CRASH ?? 'none:-1').split(':');
const e = await init({ threads: 1 });
const client = createClient({ url });
await client.connect();
const store = new bandits.RedisStore(client, { key, create: () => new bandits.UCB1(e, { arms: ARMS }), timeoutMs: 30_000 });
const all = sendsOf(writer, sends, writers);
let next = existsSync(progress) ? Number(readFileSync(progress, 'utf8')) + 1 : 0;
let learned = 0, duplicates = 0;
const start = performance.timeOrigin + performance.now();
for (let b = next; b * BATCH < all.length; b++) {
  const batch = all.slice(b * BATCH, (b + 1) * BATCH);
  if (mode === 'sent' && b === Number(at)) {
    store.learn(batch).catch(() => {});
    await new Promise((r) => setTimeout(r, b % 3)); // the command may or may not have reached the server
    process.kill(process.pid, 'SIGKILL');
  }
  const r = await store.learn(batch);
  learned += r.learned; duplicates += r.duplicates;
  if (mode === 'acked' && b === Number(at)) process.kill(process.pid, 'SIGKILL');
  writeFileSync(progress, String(b));
}
const end = performance.timeOrigin + performance.now();
console.log(JSON.stringify({ writer, learned, duplicates, start, end }));
await client.quit();
store.free();
e.dispose();
