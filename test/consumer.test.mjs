// The package as a consumer gets it: `npm pack` (scripts off: dist/ is already built), the tarball
// installed offline into a fresh temporary app (its `prepare` build must never run there: the tarball
// has no scripts/ and no devDependencies, and the app even approves simdopt's scripts so that npm
// would run any it wanted to), then used by its package name from Node ESM, Node CJS, TypeScript
// (strict, no skipLibCheck) with moduleResolution node16 (an .mts and a .cts file) and bundler,
// Deno (an npm: specifier and a bare one, from the app's node_modules) and Bun. Every runtime runs the
// same 10 AdamW steps on 2 threads and must print the bits this process computes with ../dist.
// simdopt/tfjs is used from ESM, CJS and both TypeScript modes with tfjs-core as the app's own
// (peer) dependency: the repository's copy, linked into the app's node_modules.
// A Vite production build of a tiny page importing "simdopt" from the app, served with COOP/COEP and
// opened in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core, as
// test/conformance does), computes the same bits on 2 threads.
// A Cloudflare Worker: examples/workerd (its wrangler.toml and src/index.js, as a user copies them)
// inside the app, built by `wrangler deploy --dry-run` against the installed tarball and run in workerd
// (miniflare): the same bits on its one thread, each wasm module uploaded once as a precompiled module.
// Bounded: about 15-30 s on an idle 2-core machine (two tsc runs and the Vite build are most of it);
// timeouts 120 s.
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { extname } from 'node:path';
import { CHROMIUM } from './conformance/browser.mjs';
import { runDeploy, wasmCopies, wranglerBin } from '../scripts/app-bundles.mjs';
import * as simdopt from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const REQUIRE_ALL = process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1';
const bin = (name) => process.env[`SIMDOPT_${name.toUpperCase()}`] || join(root, 'node_modules', '.bin', name);
const run = async (cmd, args, cwd) => (await promisify(execFile)(cmd, args, { cwd, encoding: 'utf8', timeout: 100_000 })).stdout;
const npm = (args, cwd) => execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// The same program in every runtime: 10 AdamW steps over 2 threads, printed as the f32 bits.
const BODY = `
  const engine = await init({ threads: 2 });
  await engine.ready;
  const ps = new ParamSet(engine, { w: [3, 5] });
  ps.setParam('w', Float32Array.from({ length: 15 }, (_, i) => i / 7 - 1));
  const opt = new AdamW(ps, { lr: 1e-2, weightDecay: 0.1 });
  for (let t = 0; t < 10; t++) { ps.setGrad('w', Float32Array.from({ length: 15 }, (_, i) => Math.sin(i + t))); opt.step(); }
  const out = { variant: engine.info.variant, threads: engine.info.threads, bits: Array.from(new Uint32Array(ps.param('w').slice().buffer)) };
  await engine.dispose();`;
// simdopt/tfjs: one applyGradients on tfjs's cpu backend.
const TFJS = `
  await tf.setBackend('cpu');
  const e1 = await init({ threads: 1 });
  const v = tf.variable(tf.tensor1d([1, 2, 3]), true, 'consumer/v');
  const topt = simdoptTfjs(e1, { optimizer: 'adamw', lr: 0.1, weightDecay: 0 });
  topt.applyGradients({ 'consumer/v': tf.onesLike(v) });
  out.tfjs = Array.from(v.dataSync());
  topt.dispose(); await e1.dispose();`;

let dir, app, tgz, packed, installLog, expected;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simdopt-consumer-'));
  packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root))[0];
  tgz = join(dir, packed.filename);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, allowScripts: { [`file:${tgz}`]: true, simdopt: true } }, null, 2));
  installLog = npm(['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts', tgz], app);
  // tfjs-core is the app's own dependency (simdopt declares it as an optional peer): link the repository's copy.
  for (const p of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@types/long', '@types/seedrandom', '@types/offscreencanvas']) {
    mkdirSync(join(app, 'node_modules', p.split('/')[0]), { recursive: true });
    symlinkSync(join(root, 'node_modules', p), join(app, 'node_modules', p), 'dir');
  }
  const esm = (spec) => `import { init, ParamSet, AdamW } from '${spec}';\n${BODY}\n`;
  writeFileSync(join(app, 'esm.mjs'), `import * as tf from '@tensorflow/tfjs-core';\nimport '@tensorflow/tfjs-backend-cpu';\nimport { simdoptTfjs } from 'simdopt/tfjs';\n${esm('simdopt')}${TFJS}\nconsole.log(JSON.stringify(out));\n`);
  writeFileSync(join(app, 'cjs.cjs'), `const { init, ParamSet, AdamW } = require('simdopt');\nconst { simdoptTfjs } = require('simdopt/tfjs');\nconst tf = require('@tensorflow/tfjs-core');\nrequire('@tensorflow/tfjs-backend-cpu');\n(async () => {${BODY}${TFJS}\nconsole.log(JSON.stringify(out));\n})();\n`);
  writeFileSync(join(app, 'plain.mjs'), `${esm('simdopt')}console.log(JSON.stringify(out));\n`);
  writeFileSync(join(app, 'deno-npm.mjs'), `${esm('npm:simdopt')}console.log(JSON.stringify(out));\n`);
  writeFileSync(join(app, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }));
  // TypeScript: the public API typed end to end, namespace types included (linalg, optax, bandits, bilevel).
  const tsBody = `const engine: Engine = await init({ threads: 1 });
const ps: ParamSet = new ParamSet(engine, { w: [2, 3] });
const opt: AdamW = new AdamW(ps, { lr: 1e-2, weightDecay: 0.1, betas: [0.9, 0.999] });
ps.setGrad('w', new Float32Array(6).fill(1));
opt.step();
const w: Float32Array = ps.param('w');
const g: linalg.GemmOptions = { alpha: 1, transA: true };
const pol: bandits.Policy | null = null;
const tr: optax.GradientTransformation | null = null;
const so: bilevel.SolveOptions | null = null;
await tf.setBackend('cpu');
const v = tf.variable(tf.tensor1d([1, 2, 3]), true, 'v');
const topt: SimdoptTfjsOptimizer = simdoptTfjs(engine, { optimizer: 'lion', lr: 1e-3, weightDecay: 0.1 });
topt.applyGradients({ v: tf.onesLike(v) });
// simdopt/bandits (the bandits-only entry) gives the same types as the main entry
const bp: bandits.Policy = new banditsOnly.UCB1(engine, { arms: 2 });
const be: Engine = await initBandits({ threads: 1 });
await be.dispose();
console.log(w.length, g, pol, tr, so, topt.timings.steps, bp.arms);
await engine.dispose();
`;
  const imports = `import { init, ParamSet, AdamW, linalg, bandits, optax, bilevel, type Engine } from 'simdopt';
import { simdoptTfjs, type SimdoptTfjsOptimizer } from 'simdopt/tfjs';
import { init as initBandits, bandits as banditsOnly } from 'simdopt/bandits';
import * as tf from '@tensorflow/tfjs-core';`;
  writeFileSync(join(app, 'esm.mts'), `${imports}\n${tsBody}`);
  // A .cts file under node16 is CommonJS: its imports become require() and resolve through the "require" condition.
  writeFileSync(join(app, 'cjs.cts'), `${imports}\n(async () => {\n${tsBody}})();\n`);
  writeFileSync(join(app, 'bundler.ts'), `${imports}\n${tsBody}\nexport {};\n`);
  const tsconfig = (module, moduleResolution, files) => JSON.stringify({ compilerOptions: { strict: true, module, moduleResolution, target: 'es2022', lib: ['es2022', 'dom'], noEmit: true, skipLibCheck: false, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true }, files });
  writeFileSync(join(app, 'tsconfig.node16.json'), tsconfig('node16', 'node16', ['esm.mts', 'cjs.cts']));
  writeFileSync(join(app, 'tsconfig.bundler.json'), tsconfig('esnext', 'bundler', ['bundler.ts']));

  // What this checkout's dist computes, in this process.
  const { init, ParamSet, AdamW } = simdopt;
  // eslint-disable-next-line no-new-func
  expected = await new Function('init', 'ParamSet', 'AdamW', `return (async () => {${BODY}\nreturn out; })();`)(init, ParamSet, AdamW);
  assert.equal(expected.bits.length, 15);
}, 120_000);

afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function requireBinary(t, what, path) {
  if (existsSync(path)) return true;
  const msg = `${what} not found at ${path}`;
  if (REQUIRE_ALL) assert.fail(`${msg} (SIMDOPT_REQUIRE_ALL_RUNTIMES=1)`);
  console.warn(`${msg}; skipping`);
  t.skip(msg);
  return false;
}
const same = (out, what) => {
  const r = JSON.parse(out.trim().split('\n').pop());
  assert.deepEqual(r.bits, expected.bits, `${what}: the same bits as this checkout's dist`);
  assert.equal(r.threads, 2, `${what}: 2 threads (${r.variant})`);
  return r;
};

test('npm pack ships the built library only: dist, bin, README, LICENSE, package.json; no sources, tests or source maps', () => {
  const files = packed.files.map((f) => f.path);
  const allowed = /^(dist\/|bin\/|README\.md$|LICENSE$|CHANGELOG\.md$|package\.json$)/;
  assert.deepEqual(files.filter((f) => !allowed.test(f)), [], 'files outside what a consumer needs');
  assert.deepEqual(files.filter((f) => /\.map$|(^|\/)(src|test|assembly|rust|scripts)\//.test(f)), []);
  for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/tfjs/index.js', 'dist/tfjs/index.cjs', 'dist/tfjs/index.d.ts', 'dist/workerd/index.js', 'dist/bandits.js', 'dist/bandits.cjs', 'dist/bandits.d.ts', 'dist/bandits.d.cts', 'dist/workerd/bandits.js', 'bin/simdopt.mjs', 'LICENSE', 'CHANGELOG.md']) {
    assert.ok(files.includes(f), `${f} missing from the tarball`);
  }
  // every target named by package.json (exports, main, module, types, bin) is in the tarball
  const targets = new Set([pkg.main, pkg.module, pkg.types, ...Object.values(pkg.bin)]);
  const walk = (v) => { if (typeof v === 'string') targets.add(v); else if (v && typeof v === 'object') Object.values(v).forEach(walk); };
  walk(pkg.exports);
  for (const t of targets) {
    const p = t.replace(/^\.\//, '');
    if (p.includes('*')) assert.ok(files.some((f) => f.startsWith(p.slice(0, p.indexOf('*')))), `${t}: nothing packed`);
    else assert.ok(files.includes(p), `${t} is named by package.json but not packed`);
  }
  assert.equal(files.filter((f) => f.startsWith('dist/wasm/') && f.endsWith('.wasm')).length, readdirSync(join(root, 'dist', 'wasm')).length);
});

test('installing the tarball runs no build: prepare is not run for a tarball consumer, the package has no dependencies', () => {
  // With simdopt's scripts approved by the app, npm would have run any install-time script here; a
  // build would fail (no scripts/ in the tarball) and print through --foreground-scripts.
  assert.doesNotMatch(installLog, /build\.mjs|tsup|asc /, installLog);
  const installed = join(app, 'node_modules', 'simdopt');
  assert.ok(existsSync(join(installed, 'dist', 'index.js')));
  assert.ok(!existsSync(join(installed, 'scripts')) && !existsSync(join(installed, 'node_modules')));
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  assert.equal(manifest.dependencies, undefined);
  for (const s of ['preinstall', 'install', 'postinstall']) assert.equal(manifest.scripts?.[s], undefined, `${s} script`);
  // only simdopt itself was installed (the links are the app's tfjs, added afterwards)
  assert.deepEqual(readdirSync(join(app, 'node_modules')).filter((f) => !f.startsWith('.') && !f.startsWith('@')), ['simdopt']);
});

test('Node ESM: import from "simdopt" and "simdopt/tfjs"', async () => {
  const r = same(await run(process.execPath, ['esm.mjs'], app), 'node esm');
  assert.deepEqual(r.tfjs.map((x) => Math.fround(x)), [0.9, 1.9, 2.9].map(Math.fround));
});

test('Node CJS: require("simdopt") and require("simdopt/tfjs")', async () => {
  const r = same(await run(process.execPath, ['cjs.cjs'], app), 'node cjs');
  assert.deepEqual(r.tfjs.map((x) => Math.fround(x)), [0.9, 1.9, 2.9].map(Math.fround));
});

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
for (const mode of ['node16', 'bundler']) {
  test(`TypeScript strict (no skipLibCheck), moduleResolution ${mode}: the public API and simdopt/tfjs type-check`, async () => {
    try { await run(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`], app); } catch (e) { assert.fail(`tsc (${mode}) failed:\n${e.stdout}${e.stderr}`); }
  });
}

test('Deno: an npm: specifier and a bare specifier resolve to the installed package', async (t) => {
  const deno = bin('deno');
  if (!requireBinary(t, 'deno', deno)) return;
  same(await run(deno, ['run', '--allow-read', 'deno-npm.mjs'], app), 'deno npm:simdopt');
  same(await run(deno, ['run', '--allow-read', 'plain.mjs'], app), 'deno simdopt');
});

test('Bun: import from "simdopt"', async (t) => {
  const bun = bin('bun');
  if (!requireBinary(t, 'bun', bun)) return;
  same(await run(bun, ['plain.mjs'], app), 'bun');
});

test('Vite production build of a page importing "simdopt", opened in Chromium (cross-origin isolated): the same bits on 2 threads', async (t) => {
  if (!requireBinary(t, 'chromium', CHROMIUM)) return;
  writeFileSync(join(app, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>simdopt consumer</title></head><body><script type="module" src="/main.js"></script></body></html>\n');
  writeFileSync(join(app, 'main.js'), `import { init, ParamSet, AdamW } from 'simdopt';\ntry {${BODY}\nwindow.__out = out;\n} catch (e) { window.__out = { error: String(e && e.stack || e) }; }\n`);
  const outDir = join(dir, 'vite-dist');
  const { build } = await import('vite');
  await build({ root: app, configFile: false, logLevel: 'warn', build: { outDir, emptyOutDir: true, target: 'es2022' } });
  const built = readdirSync(join(outDir, 'assets'));
  assert.ok(built.some((f) => f.endsWith('.js')), `vite emitted no script: ${built}`);
  // the page loads only what Vite emitted (the app's installed simdopt, bundled), with COOP/COEP for threads
  const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = join(outDir, path === '/' ? 'index.html' : path);
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store' };
    if (!file.startsWith(outDir) || !existsSync(file)) { res.writeHead(404, headers); res.end(); return; }
    res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const logs = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__out, null, { timeout: 60_000 });
    const r = await page.evaluate(() => window.__out);
    assert.equal(r.error, undefined, `${r.error}\n${logs.join('\n')}`);
    same(JSON.stringify(r), 'vite build in chromium');
    assert.match(r.variant, /simd/, `SIMD in Chromium (${r.variant})`);
  } finally {
    await browser.close();
    server.close();
  }
}, 120_000);

test('workerd: examples/workerd built by wrangler against the installed tarball, run in workerd: the same bits, each wasm module uploaded once', async (t) => {
  const wrangler = wranglerBin();
  if (!requireBinary(t, 'wrangler', wrangler || join(root, 'node_modules', 'wrangler'))) return;
  const worker = join(app, 'workerd');
  cpSync(join(root, 'examples', 'workerd', 'wrangler.toml'), join(worker, 'wrangler.toml'));
  cpSync(join(root, 'examples', 'workerd', 'src'), join(worker, 'src'), { recursive: true });
  const out = join(worker, 'out');
  try {
    await promisify(execFile)(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', out], {
      cwd: worker, encoding: 'utf8', timeout: 100_000,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(worker, 'logs'), NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
    });
  } catch (e) { assert.fail(`wrangler deploy --dry-run failed:\n${e.stdout}${e.stderr}`); }
  const names = readdirSync(out).filter((f) => f.endsWith('.js') || f.endsWith('.wasm')).sort();
  const main = names.find((f) => f.endsWith('.js'));
  const deploy = { out, main, modules: names.map((f) => ({ file: f, type: f.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule', bytes: readFileSync(join(out, f)) })) };
  // the wasm arrives as precompiled modules only, each once, and every one is a module of the installed package
  const installed = readdirSync(join(app, 'node_modules', 'simdopt', 'dist', 'wasm')).map((f) => ({ name: f.replace(/\.wasm$/, ''), bytes: readFileSync(join(app, 'node_modules', 'simdopt', 'dist', 'wasm', f)) }));
  const copies = wasmCopies(deploy, installed);
  assert.equal(copies.inlined, 0, 'the worker script inlines wasm as base64');
  assert.ok(Object.keys(copies.uploaded).length >= 2, `uploaded: ${JSON.stringify(copies.uploaded)}`);
  for (const [k, n] of Object.entries(copies.uploaded)) {
    assert.match(k, /^[a-z]+-simd-mt$/, `${k}: an uploaded module that is not one of the package's simd-mt modules`);
    assert.equal(n, 1, `${k} uploaded ${n} times`);
  }
  const r = JSON.parse(await runDeploy(deploy));
  assert.equal(r.runtime, 'workerd');
  assert.equal(r.variant, 'simd-mt');
  assert.deepEqual(r.bits, expected.bits, 'workerd: the same bits as this checkout\'s dist');
  // the example's bandit decision, as this process computes it
  const e = await simdopt.init({ threads: 1 });
  const p = new simdopt.bandits.UCB1(e, { arms: 3, seed: 7 });
  p.learn([{ eventId: 'e1', arm: 0, reward: 1 }, { eventId: 'e2', arm: 1, reward: 0 }]);
  assert.equal(r.arm, p.decide({ eventId: 'e3' }).arm);
  await e.dispose();
}, 120_000);
