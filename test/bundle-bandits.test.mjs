// Issue 8: an app that imports only bandits ships no optimizer (nor linear-algebra, bilevel, online)
// kernels. Checked on what real builds contain, as bench row 8 measures them (scripts/app-bundles.mjs:
// the app imports the package through its `exports`): from the subpath entry simdopt/bandits, no
// build carries a foreign module in any variant (esbuild split, its lazy chunks included; esbuild one
// file; a workerd deploy, which uploads every .wasm the bundle resolves); from the main entry, the
// initial download and the single file carry none. The deploy runs in workerd (miniflare) and decides
// as Node does; both entries hand out the same classes (ESM and CJS).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { appFolder, runDeploy, singleBundle, splitBundle, wasmCopies, wasmFiles, workerdDeploy, wranglerBin } from '../scripts/app-bundles.mjs';
import * as main from '../dist/index.js';
import * as sub from '../dist/bandits.js';

const require = createRequire(import.meta.url);
const files = wasmFiles();
const foreign = files.filter((f) => f.group !== 'core' && f.group !== 'bandits');
const own = files.filter((f) => f.group === 'core' || f.group === 'bandits');
const b64 = new Map(files.map((f) => [f.name, f.bytes.toString('base64')]));
const carried = (texts, list) => list.filter((f) => texts.some((t) => t.includes(b64.get(f.name)))).map((f) => f.name);

const APP = (from) => `import { init, bandits } from '${from}';
export default { async fetch() { const e = await init(); const p = new bandits.KLUCB(e, { arms: 3, seed: 7 }); const out = [];
  for (let t = 0; t < 20; t++) { const d = p.decide({ eventId: 'r' + t }); out.push(d.arm); p.learn([{ eventId: 'r' + t, arm: d.arm, reward: d.arm === 2 ? 1 : t % 2 }]); }
  return Response.json({ arms: out, groups: e.groups, variant: e.info.variant }); } };
`;

test('this build has foreign module groups to leave out (the check below could fail)', () => {
  assert.ok(foreign.some((f) => f.group === 'optim') && own.length >= 2, JSON.stringify(files.map((f) => f.name)));
});

test('simdopt/bandits, esbuild (split and one file): core and bandits kernels only, lazy chunks included', () => {
  const app = appFolder(APP('simdopt/bandits'));
  try {
    const split = splitBundle(app.dir), single = singleBundle(app.dir);
    const texts = split.files.map((f) => f.text);
    assert.deepEqual(carried(texts, foreign), [], 'split build (initial + lazy chunks) carries foreign kernels');
    assert.deepEqual(carried([single.text], foreign), [], 'single-file build carries foreign kernels');
    for (const n of ['core-simd', 'bandits-simd']) assert.ok(carried(split.files.filter((f) => f.initial).map((f) => f.text), own).includes(n), `${n} missing from the initial download`);
    for (const n of ['core-scalar', 'bandits-scalar']) assert.ok(carried(texts, own).includes(n), `${n} missing (the fallback chunk)`);
    assert.equal(split.files.filter((f) => !f.initial).length, 2, split.files.map((f) => f.file).join(' '));
  } finally { app.dispose(); }
});

test('main entry: a bandit app\'s initial download and single file carry no foreign kernels', () => {
  const app = appFolder(APP('simdopt'));
  try {
    const split = splitBundle(app.dir), single = singleBundle(app.dir);
    assert.deepEqual(carried(split.files.filter((f) => f.initial).map((f) => f.text), foreign), []);
    assert.deepEqual(carried([single.text], foreign), []);
  } finally { app.dispose(); }
});

async function nodeRun() {
  const e = await sub.init({ threads: 1 });
  try {
    const p = new sub.bandits.KLUCB(e, { arms: 3, seed: 7 }), arms = [];
    for (let t = 0; t < 20; t++) { const d = p.decide({ eventId: 'r' + t }); arms.push(d.arm); p.learn([{ eventId: 'r' + t, arm: d.arm, reward: d.arm === 2 ? 1 : t % 2 }]); }
    return arms;
  } finally { await e.dispose(); }
}

for (const useWrangler of [false, true]) {
  test(`simdopt/bandits, workerd deploy (${useWrangler ? 'wrangler deploy --dry-run' : "esbuild with wrangler's settings"}): uploads core and bandits once, runs as Node decides`, { timeout: 180000 }, async (t) => {
    if (useWrangler && !wranglerBin()) {
      const note = 'wrangler is not installed (npm install adds it); skipping';
      if (process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1') assert.fail(`${note} (SIMDOPT_REQUIRE_ALL_RUNTIMES=1)`);
      t.skip(note);
      return;
    }
    const app = appFolder(APP('simdopt/bandits'));
    try {
      const deploy = await workerdDeploy(app.dir, { useWrangler });
      assert.deepEqual(wasmCopies(deploy, files), { uploaded: { 'bandits-simd-mt': 1, 'core-simd-mt': 1 }, inlined: 0 });
      const out = JSON.parse(await runDeploy(deploy));
      assert.deepEqual(out.groups, ['core', 'bandits']);
      assert.equal(out.variant, 'simd-mt');
      assert.deepEqual(out.arms, await nodeRun());
    } finally { app.dispose(); }
  });
}

test('both entries hand out the same classes (ESM and CJS), so an app may mix them', async () => {
  for (const k of Object.keys(sub)) assert.equal(sub[k], main[k], k);
  assert.ok(Object.keys(sub).includes('bandits') && !Object.keys(sub).includes('AdamW'));
  const cjsMain = require('../dist/index.cjs'), cjsSub = require('../dist/bandits.cjs');
  assert.deepEqual(Object.keys(cjsSub).sort(), Object.keys(sub).sort());
  for (const k of Object.keys(cjsSub)) assert.equal(cjsSub[k], cjsMain[k], k);
  // a policy made through one entry's engine is a policy of the other's
  const e = await main.init({ threads: 1 });
  try {
    const p = new sub.bandits.UCB1(e, { arms: 2 });
    assert.ok(p instanceof main.bandits.Policy);
    assert.throws(() => p.learn([{ eventId: 'x', arm: 5, reward: 1 }]), main.InvalidArgumentError);
  } finally { await e.dispose(); }
});
