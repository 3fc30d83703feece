// Issue 15 §7: a workerd deploy ships each wasm module exactly once. `import 'simdopt'` under the
// "workerd" export condition (which wrangler sets) resolves to dist/workerd/index.js, which imports
// the module workerd runs (<group>-simd-mt) of every module group as a .wasm module and inlines no
// base64 copy. Checked on the deploy as wrangler builds it (`wrangler deploy --dry-run --outdir`) and
// as esbuild builds it with wrangler's settings, and run in workerd (miniflare): the trajectories are
// bit-identical to Node's main entry, and a variant that is not shipped is a typed error naming the fix.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as simdopt from '../dist/index.js';
import { runConfigs } from './conformance/trajectory.mjs';
import { appFolder, groupsOf, root, runDeploy, wasmCopies, wasmFiles, workerdDeploy, wranglerBin } from '../scripts/app-bundles.mjs';

const CONFIGS = ['simd-t1', 'simd-t2-amsgrad'];
const WORKER = `import * as simdopt from 'simdopt';
import { runConfigs } from ${JSON.stringify(join(root, 'test', 'conformance', 'trajectory.mjs'))};
export default {
  async fetch() {
    let scalar = 'initialised';
    try { await (await simdopt.init({ simd: false, threads: 1 })).dispose(); } catch (e) { scalar = { code: e.code, name: e.name, message: e.message }; }
    try {
      return Response.json({ scalar, results: await runConfigs(simdopt, ${JSON.stringify(CONFIGS)}) });
    } catch (e) { return Response.json({ error: String(e && e.stack || e) }); }
  },
};
`;

const files = wasmFiles();
const expected = Object.fromEntries(groupsOf(files).map((g) => [`${g}-simd-mt`, 1]));
let nodeHashes;
async function nodeRun() {
  nodeHashes ??= Object.fromEntries(Object.entries(await runConfigs(simdopt, CONFIGS, { threads: 1 })).map(([k, v]) => [k, v.sha256]));
  return nodeHashes;
}

async function checkDeploy(useWrangler) {
  const app = appFolder(WORKER);
  try {
    const deploy = await workerdDeploy(app.dir, { useWrangler });
    const copies = wasmCopies(deploy, files);
    assert.equal(copies.inlined, 0, `${deploy.by}: the worker script inlines ${copies.inlined} wasm module(s) as base64`);
    assert.deepEqual(copies.uploaded, expected, `${deploy.by}: each group's simd-mt module uploaded once, no other`);
    const out = JSON.parse(await runDeploy(deploy));
    assert.ok(!out.error, out.error);
    const want = await nodeRun();
    for (const name of CONFIGS) {
      const r = out.results[name];
      assert.ok(r && !r.error, `${name}: ${r && r.error}`);
      assert.equal(r.info.runtime, 'workerd');
      assert.equal(r.info.variant, 'simd-mt');
      assert.equal(r.sha256, want[name], `${deploy.by}: ${name} differs from Node's main entry`);
    }
    assert.equal(out.scalar.code, 'UNSUPPORTED', `init({ simd: false }) on the workerd entry: ${JSON.stringify(out.scalar)}`);
    assert.match(out.scalar.message, /core-scalar-mt is not in this build.*init\(\{ wasm: \{ 'core-scalar-mt': module \} \}\).*simdopt\/wasm\/core-scalar-mt\.wasm/);
  } finally {
    app.dispose();
  }
}

test('the copy counter sees base64 wasm in a script (the main entry inlines every SIMD module)', () => {
  // dist/index.js and the chunks it shares with dist/bandits.js (simdopt/bandits)
  const names = ['index.js', ...readdirSync(join(root, 'dist')).filter((f) => /^chunk-.*\.js$/.test(f))];
  const index = { modules: names.map((file) => ({ file, type: 'ESModule', bytes: readFileSync(join(root, 'dist', file)) })) };
  assert.ok(wasmCopies(index, files).inlined >= groupsOf(files).length);
});

test('workerd deploy built by esbuild with wrangler\'s settings: each wasm module once, same bits', { timeout: 180000 }, async () => {
  await checkDeploy(false);
});

test('workerd deploy built by wrangler deploy --dry-run: each wasm module once, same bits', { timeout: 180000 }, async (t) => {
  if (!wranglerBin()) {
    const note = 'wrangler is not installed (npm install adds it); skipping';
    if (process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1') assert.fail(`${note} (SIMDOPT_REQUIRE_ALL_RUNTIMES=1)`);
    console.warn(note);
    t.skip(note);
    return;
  }
  await checkDeploy(true);
});
