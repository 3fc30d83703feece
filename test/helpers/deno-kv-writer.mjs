// A writer process of test/deno-kv.test.mjs (run by Deno with --unstable-kv): learns its share of
// the load (test/helpers/deno-kv-load.mjs) into one UCB1 held in the Deno KV file `path`, in batches
// of `batch`, printing one line per committed batch, then a JSON line with its totals.
// deno run --unstable-kv --allow-read --allow-write test/helpers/deno-kv-writer.mjs '{"path":…,"writer":0,…}'
import { init, bandits } from '../../dist/index.js';
import { ARMS, sendsOf } from './deno-kv-load.mjs';

const a = JSON.parse(Deno.args[0]);
const engine = await init({ threads: 1 });
const kv = await Deno.openKv(a.path);
const store = new bandits.DenoKvStore(kv, { key: ['bandit', a.key], create: () => new bandits.UCB1(engine, { arms: ARMS }), timeoutMs: 60000, attempts: 1000 });
const sends = sendsOf(a.writer, a.writers, a.sends);
let learned = 0, duplicates = 0;
for (let i = 0; i < sends.length; i += a.batch) {
  const r = await store.learn(sends.slice(i, i + a.batch));
  learned += r.learned; duplicates += r.duplicates;
  console.log(`batch ${i / a.batch}`);
}
console.log(JSON.stringify({ learned, duplicates }));
kv.close();
