// bandits.DenoKvStore (src/bandits/stores/deno-kv.ts) in the Deno that npm installs here
// (node_modules/.bin/deno, `deno run --unstable-kv`), on Deno KV's local SQLite file backend:
// single-process checks (exactly once across two handles, deltas, foreign and damaged values, a
// closed database, a LinUCB kept as its saved state), the README's Deno KV block, and a load test: 4 writer processes × 2,000
// events (10% of them another writer's, sent again) into one UCB1 on one KV file, writer 0 SIGKILLed
// after its third batch and restarted from the start: the stored sums are byte for byte one delta of
// the 8,000 unique events, and every event was learned exactly once.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, bandits } from '../dist/index.js';
import { ARMS, uniqueEvents } from './helpers/deno-kv-load.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const deno = join(root, 'node_modules', '.bin', 'deno');
const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
const flags = (dir) => ['run', '--unstable-kv', `--allow-read=${root},${dir}`, `--allow-write=${dir}`];

function needDeno(t) {
  if (existsSync(deno)) return true;
  const note = `deno not found at ${deno}; skipping`;
  if (process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1') assert.fail(`${note} (SIMDOPT_REQUIRE_ALL_RUNTIMES=1)`);
  t.skip(note);
  return false;
}

test('Deno KV: exactly once across handles, deltas, typed refusals of foreign/damaged values and a closed database, mode state', { timeout: 120000 }, async (t) => {
  if (!needDeno(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-kv-'));
  try {
    const out = await new Promise((resolve, reject) => execFile(deno, [...flags(dir), 'test/helpers/deno-kv-checks.mjs', dir], { cwd: root, env, timeout: 100000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`)); else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    }));
    assert.deepEqual(out.first, { learned: 30, duplicates: 1 });
    assert.deepEqual(out.resend, { learned: 0, duplicates: 30 });
    assert.deepEqual(out.partial, { learned: 20, duplicates: 10 });
    assert.equal(out.concurrent[0].learned + out.concurrent[1].learned, 50, 'two handles committing at once: each event once');
    assert.deepEqual(out.deltaAgain, { learned: 0, duplicates: 10 });
    assert.equal(out.deltaPartial.name, 'InvalidArgumentError');
    assert.deepEqual(out.deltaNew, { learned: 1, duplicates: 0 });
    assert.deepEqual(out.counts, { count: 101, seq: 5 });
    assert.equal(out.exact, true, 'stored sums = one delta of the unique events');
    assert.deepEqual(out.pulls, [25, 26, 25, 25]);
    assert.equal(out.badBatch.name, 'InvalidArgumentError');
    assert.deepEqual(out.countsAfterBad, out.counts);
    assert.equal(out.foreign.name, 'StateError');
    assert.equal(out.damaged.name, 'StateError');
    assert.equal(out.badHead.name, 'StateError');
    assert.equal(out.nothingWritten, true);
    assert.equal(out.closed.name, 'StoreError');
    assert.equal(out.closed.applied, false);
    assert.deepEqual(out.stateMode, { mode: 'state', learned: 45, duplicates: 15, counts: { count: 45, seq: 2 } });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

function writer(dir, args, { killAfter } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(deno, [...flags(dir), 'test/helpers/deno-kv-writer.mjs', JSON.stringify(args)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', batches = 0;
    p.stdout.on('data', (b) => {
      out += b;
      batches = (out.match(/^batch /gm) || []).length;
      if (killAfter !== undefined && batches >= killAfter) p.kill('SIGKILL');
    });
    p.stderr.on('data', (b) => { err += b; });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, batches });
      else if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()));
      else reject(new Error(`writer exited ${code}: ${err}`));
    });
  });
}

test('Deno KV load: 4 writer processes × 2,000 events (10% resent), one killed and restarted: the sums are one delta of the unique events', { timeout: 240000 }, async (t) => {
  if (!needDeno(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-kv-load-'));
  const e = await init({ threads: 1 });
  try {
    const W = 4, S = 2000, path = join(dir, 'load.sqlite');
    const base = { path, key: 'load', writers: W, sends: S, batch: 100 };
    const t0 = Date.now();
    const [killed, ...rest] = await Promise.all([writer(dir, { ...base, writer: 0 }, { killAfter: 3 }), ...[1, 2, 3].map((w) => writer(dir, { ...base, writer: w }))]);
    assert.equal(killed.killed, true);
    const again = await writer(dir, { ...base, writer: 0 });
    const seconds = (Date.now() - t0) / 1000;
    const sends = (S + S / 10) * W + killed.batches * 100;
    const learned = [...rest, again].reduce((s, r) => s + r.learned, 0);
    console.log(`Deno KV load: ${sends} sends (${killed.batches} batches before the kill), ${seconds.toFixed(1)} s with process start-up: ${Math.round(sends / seconds)} events/s`);
    // read the final state in Deno and compare with one delta of the unique events
    const read = `import { init, bandits } from ${JSON.stringify(join(root, 'dist', 'index.js'))};
const e = await init({ threads: 1 }); const kv = await Deno.openKv(${JSON.stringify(path)});
const s = new bandits.DenoKvStore(kv, { key: ['bandit', 'load'], create: () => new bandits.UCB1(e, { arms: ${ARMS} }) });
console.log(JSON.stringify({ bytes: Array.from(await s.bytes()), counts: await s.counts() })); kv.close();`;
    const out = await new Promise((resolve, reject) => {
      const p = spawn(deno, [...flags(dir), '-'], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let o = '', er = '';
      p.stdout.on('data', (b) => { o += b; }); p.stderr.on('data', (b) => { er += b; });
      p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(o.trim().split('\n').pop())) : reject(new Error(er))));
      p.stdin.end(read);
    });
    const want = new bandits.UCB1(e, { arms: ARMS }).delta(uniqueEvents(W, S));
    assert.equal(out.counts.count, W * S);
    assert.equal(Buffer.from(out.bytes).toString('hex'), Buffer.from(want.payload).toString('hex'), 'stored sums = one delta of the 8,000 unique events');
    assert.ok(learned < W * S && learned >= W * S - 1000, `learned by the finishing writers: ${learned} (the killed run's commits are not learned again)`);
  } finally { rmSync(dir, { recursive: true, force: true }); e.dispose(); }
});

test('the README\'s Deno KV block runs in Deno and prints what it claims', { timeout: 120000 }, async (t) => {
  if (!needDeno(t)) return;
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('Deno.openKv'));
  assert.ok(block, 'the README has a ```ts block with Deno.openKv');
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-kv-readme-'));
  try {
    const file = join(dir, 'bandit.ts');
    writeFileSync(file, block.replace("from 'simdopt'", `from ${JSON.stringify(join(root, 'dist', 'index.js'))}`));
    const out = await new Promise((resolve, reject) => execFile(deno, ['run', '--unstable-kv', `--allow-read=${root},${tmpdir()}`, `--allow-write=${tmpdir()}`, file], { cwd: dir, env, timeout: 100000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))));
    for (const m of block.matchAll(/\/\/ -> (.*)/g)) assert.ok(out.includes(m[1].trim()), `expected "${m[1].trim()}" in:\n${out}`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
