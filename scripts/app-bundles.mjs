// Real builds of a small app that imports `simdopt` as a user's app does (through package.json's
// exports, from a temporary app folder whose node_modules/simdopt links to this checkout): an esbuild
// bundle with code splitting, a single-file esbuild bundle, and a workerd deploy built by wrangler
// (`wrangler deploy --dry-run --outdir`) or, where wrangler is not installed, by esbuild set up as
// wrangler sets it up (conditions workerd/worker/browser, every .wasm import uploaded as a module).
// Used by bench/sizes.mjs (bench row 8) and test/workerd-deploy.test.mjs. Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const esbuild = () => require('esbuild');

/** Module groups and variants of this build, from the files in dist/wasm (`<group>-<variant>.wasm`). */
export function wasmFiles() {
  const variants = Object.keys(JSON.parse(readFileSync(join(root, 'asconfig.json'), 'utf8')).targets);
  const out = [];
  for (const f of readdirSync(join(root, 'dist', 'wasm')).filter((x) => x.endsWith('.wasm')).sort()) {
    const name = f.slice(0, -5), variant = variants.filter((v) => name.endsWith(`-${v}`)).sort((a, b) => b.length - a.length)[0];
    if (!variant) continue;
    out.push({ name, group: name.slice(0, -variant.length - 1), variant, bytes: readFileSync(join(root, 'dist', 'wasm', f)) });
  }
  return out;
}
/** The group names, core first. */
export const groupsOf = (files) => [...new Set(files.map((f) => f.group))].sort((a, b) => (a === 'core' ? -1 : b === 'core' ? 1 : a.localeCompare(b)));

/** A temporary app folder with `source` as app.mjs and node_modules/simdopt -> this checkout. `dispose()` removes it. */
export function appFolder(source, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-app-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'simdopt'), 'dir');
  writeFileSync(join(dir, 'app.mjs'), source);
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(dir, f), text);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

const gz = (b) => gzipSync(b).length;

/**
 * esbuild, minified, code splitting (a production app build): every output file with its gzip size
 * and whether it is part of the initial download (the entry and what it imports statically).
 */
export function splitBundle(dir) {
  const r = esbuild().buildSync({
    entryPoints: [join(dir, 'app.mjs')], absWorkingDir: dir, bundle: true, minify: true, format: 'esm', splitting: true,
    platform: 'browser', outdir: join(dir, 'split'), write: false, metafile: true, logLevel: 'error',
  });
  const outs = r.metafile.outputs, key = (p) => Object.keys(outs).find((k) => join(dir, k) === p);
  const entry = Object.keys(outs).find((k) => outs[k].entryPoint);
  const initial = new Set();
  const walk = (k) => { if (initial.has(k)) return; initial.add(k); for (const i of outs[k].imports) if (i.kind === 'import-statement' && outs[i.path]) walk(i.path); };
  walk(entry);
  const files = r.outputFiles.map((f) => ({ file: basename(f.path), bytes: f.contents.length, gzip: gz(f.contents), text: f.text, initial: initial.has(key(f.path)) }));
  const sum = (a) => a.reduce((s, f) => s + f.gzip, 0);
  return { files, initialGzip: sum(files.filter((f) => f.initial)), totalGzip: sum(files) };
}

/** esbuild, minified, one file (dynamic imports inlined): what a bundler without code splitting ships. */
export function singleBundle(dir) {
  const r = esbuild().buildSync({
    entryPoints: [join(dir, 'app.mjs')], absWorkingDir: dir, bundle: true, minify: true, format: 'esm', splitting: false,
    platform: 'browser', outfile: join(dir, 'single.js'), write: false, logLevel: 'error',
  });
  const f = r.outputFiles[0];
  return { bytes: f.contents.length, gzip: gz(f.contents), text: f.text };
}

/** The wrangler CLI of this checkout, or null. */
export function wranglerBin() {
  try { return require.resolve('wrangler/bin/wrangler.js'); } catch { return null; }
}

const WRANGLER_TOML = 'name = "simdopt-size"\nmain = "app.mjs"\ncompatibility_date = "2025-06-01"\n';

/**
 * A workerd deploy of app.mjs into dir/out: `wrangler deploy --dry-run --outdir out` when wrangler is
 * installed (`by: 'wrangler <version>'`, `report`: its "Total Upload" line), else esbuild set up as
 * wrangler's bundler (`by: 'esbuild (wrangler's settings)'`). Returns the uploaded modules: the worker
 * script and every wasm module, each with its bytes, and gzip as wrangler counts it (all modules
 * concatenated, then gzip'd).
 */
export async function workerdDeploy(dir, { useWrangler = true } = {}) {
  const out = join(dir, 'out');
  rmSync(out, { recursive: true, force: true });
  const bin = useWrangler ? wranglerBin() : null;
  let by, report = null;
  if (bin) {
    writeFileSync(join(dir, 'wrangler.toml'), WRANGLER_TOML);
    const r = spawnSync(process.execPath, [bin, 'deploy', '--dry-run', '--outdir', 'out'], {
      cwd: dir, encoding: 'utf8', timeout: 120000,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(dir, 'wrangler-logs'), NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
    });
    if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${r.status}): ${r.stderr || r.stdout}`);
    report = (r.stdout.match(/Total Upload:[^\n]*/) || [null])[0];
    by = `wrangler ${require('wrangler/package.json').version}`;
  } else {
    // As wrangler's bundler: conditions workerd, worker, browser; its default rule uploads every
    // imported .wasm as a CompiledWasm module named `<sha1>-<file>` beside the script, collected when
    // the import is resolved (so also where the importing code is then tree-shaken away).
    mkdirSync(out, { recursive: true });
    await esbuild().build({
      entryPoints: [join(dir, 'app.mjs')], absWorkingDir: dir, bundle: true, format: 'esm', target: 'es2022',
      conditions: ['workerd', 'worker', 'browser'], outfile: join(out, 'app.js'), logLevel: 'error',
      plugins: [{
        name: 'wasm-modules',
        setup(b) {
          b.onResolve({ filter: /\.wasm(\?module)?$/ }, (a) => {
            const file = join(a.resolveDir, a.path.replace(/\?module$/, ''));
            const bytes = readFileSync(file);
            const name = `${createHash('sha1').update(bytes).digest('hex')}-${basename(file)}`;
            copyFileSync(file, join(out, name));
            return { path: `./${name}`, external: true };
          });
        },
      }],
    });
    by = "esbuild (wrangler's settings)";
  }
  const names = readdirSync(out).filter((f) => f.endsWith('.js') || f.endsWith('.wasm')).sort();
  const main = names.find((f) => f.endsWith('.js'));
  const modules = names.map((f) => ({ file: f, type: f.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule', bytes: readFileSync(join(out, f)) }));
  const ordered = [...modules.filter((m) => m.file !== main), ...modules.filter((m) => m.file === main)];
  return { by, report, out, main, modules, bytes: ordered.reduce((s, m) => s + m.bytes.length, 0), gzip: gz(Buffer.concat(ordered.map((m) => m.bytes))) };
}

/** Which wasm modules (by name) a deploy uploads and how often, and how many base64 wasm copies its scripts carry. */
export function wasmCopies(deploy, files = wasmFiles()) {
  const uploaded = {};
  for (const m of deploy.modules.filter((x) => x.type === 'CompiledWasm')) {
    const hit = files.filter((f) => f.bytes.equals(m.bytes)).map((f) => f.name);
    const key = hit.length ? hit.join('|') : `unknown:${m.file}`;
    uploaded[key] = (uploaded[key] || 0) + 1;
  }
  const script = deploy.modules.filter((x) => x.type === 'ESModule').map((m) => m.bytes.toString('utf8')).join('\n');
  const inlined = (script.match(/AGFzbQ[A-Za-z0-9+/]{40}/g) || []).length; // base64 of "\0asm" + a module's first bytes
  return { uploaded, inlined };
}

/** A deploy's modules as miniflare takes them, the worker script first (miniflare's first module is the entry). */
export const miniflareModules = (deploy) => [...deploy.modules].sort((a, b) => (b.file === deploy.main) - (a.file === deploy.main))
  .map((m) => ({ type: m.type, path: join(deploy.out, m.file), contents: m.bytes }));

/** Run a deploy's modules in workerd (miniflare) and return the text of GET `path`. */
export async function runDeploy(deploy, path = '/') {
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    modulesRoot: deploy.out,
    modules: miniflareModules(deploy),
    compatibilityDate: '2025-06-01',
  });
  try {
    const res = await mf.dispatchFetch(`http://localhost${path}`);
    return await res.text();
  } finally {
    await mf.dispose();
  }
}
