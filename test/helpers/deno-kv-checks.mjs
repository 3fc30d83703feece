// The single-process checks of test/deno-kv.test.mjs, run by Deno with --unstable-kv against a
// local KV file: prints one JSON line { name: result } the Node test asserts on.
import { init, bandits } from '../../dist/index.js';

const dir = Deno.args[0];
const engine = await init({ threads: 1 });
const out = {};
const ucb = () => new bandits.UCB1(engine, { arms: 4 });
const ev = (i, arm = i % 4) => ({ eventId: `id-${i}`, arm, reward: (i % 5) / 4 });
const events = Array.from({ length: 100 }, (_, i) => ev(i));
const err = async (f) => { try { await f(); return 'no error'; } catch (e) { return { name: e.name, applied: e.applied, message: e.message.slice(0, 200) }; } };
const dump = async (kv) => { const m = {}; for await (const e of kv.list({ prefix: [] })) m[JSON.stringify(e.key)] = e.value instanceof Uint8Array ? Array.from(e.value).join(',') : e.value; return JSON.stringify(m); };

{ // exactly once, two handles on one file interleaving, deltas
  const path = `${dir}/a.sqlite`;
  const kv1 = await Deno.openKv(path), kv2 = await Deno.openKv(path);
  const s1 = new bandits.DenoKvStore(kv1, { key: ['p'], create: ucb }), s2 = new bandits.DenoKvStore(kv2, { key: ['p'], create: ucb });
  out.first = await s1.learn([...events.slice(0, 30), events[2]]);
  out.resend = await s2.learn(events.slice(0, 30));
  out.partial = await s2.learn(events.slice(20, 50));
  out.concurrent = await Promise.all([s1.learn(events.slice(40, 80)), s2.learn(events.slice(60, 100))]);
  const w = ucb();
  out.deltaAgain = await s1.apply(w.delta(events.slice(0, 10)));
  out.deltaPartial = await err(() => s1.apply(w.delta([...events.slice(95), { eventId: 'new-1', arm: 1, reward: 1 }])));
  out.deltaNew = await s1.apply(w.delta([{ eventId: 'new-2', arm: 1, reward: 1 }]));
  out.counts = await s2.counts();
  const want = ucb().delta([...events, { eventId: 'new-2', arm: 1, reward: 1 }]).withoutIds();
  out.exact = Array.from(await s2.bytes()).join(',') === Array.from(want.payload).join(',');
  const snap = await s1.snapshot();
  out.pulls = Array.from(snap.stats().pulls);
  out.badBatch = await err(() => s1.learn([ev(200), { eventId: 'x', arm: 9, reward: 0 }]));
  out.countsAfterBad = await s1.counts();
  // foreign and damaged values: StateError, nothing written
  const foreign = new bandits.DenoKvStore(kv1, { key: ['p'], create: () => new bandits.UCB1(engine, { arms: 5 }) });
  const before = await dump(kv1);
  out.foreign = await err(() => foreign.learn([ev(300)]));
  const head = (await kv1.get(['p', 'head'])).value;
  await kv1.set(['p', 's:0'], new Uint8Array([1, 2, 3]));
  const damaged = new bandits.DenoKvStore(kv2, { key: ['p'], create: ucb });
  const before2 = await dump(kv1);
  out.damaged = await err(() => damaged.learn([ev(301)]));
  await kv1.set(['p', 'head'], '{"format":');
  out.badHead = await err(() => new bandits.DenoKvStore(kv2, { key: ['p'], create: ucb }).snapshot());
  out.nothingWritten = before2 === (await dump(kv1)).replace(JSON.stringify('{"format":'), JSON.stringify(head)) && before !== before2;
  kv1.close(); kv2.close();
  out.closed = await err(() => s1.learn([ev(400)]));
}
{ // mode state (asked for: LinUCB is mergeable, so its default is sums): LinUCB, two writers, every event once
  const path = `${dir}/b.sqlite`;
  const lin = () => new bandits.LinUCB(engine, { arms: 3, dim: 2 });
  const kv1 = await Deno.openKv(path), kv2 = await Deno.openKv(path);
  const s1 = new bandits.DenoKvStore(kv1, { key: ['lin'], create: lin, mode: 'state' }), s2 = new bandits.DenoKvStore(kv2, { key: ['lin'], create: lin, mode: 'state' });
  const cev = (i) => ({ eventId: `c-${i}`, arm: i % 3, reward: (i % 4) / 4, context: [1, (i % 7) / 7] });
  const r = await Promise.all([s1.learn(Array.from({ length: 30 }, (_, i) => cev(i))), s2.learn(Array.from({ length: 30 }, (_, i) => cev(i + 15)))]);
  out.stateMode = { mode: s1.mode, learned: r[0].learned + r[1].learned, duplicates: r[0].duplicates + r[1].duplicates, counts: await s1.counts() };
  kv1.close(); kv2.close();
}
console.log(JSON.stringify(out));
