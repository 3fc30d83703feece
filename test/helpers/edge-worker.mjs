// examples/edge built as a user deploys it and run in workerd (miniflare) with its Durable Object:
// used by test/edge-worker.test.mjs and bench/edge.mjs. The deploy is `wrangler deploy --dry-run
// --outdir` with the example's own wrangler.toml (esbuild with wrangler's settings where wrangler is
// not installed), from a temporary copy of examples/edge whose node_modules/simdopt links to this
// checkout; miniflare gets the uploaded modules, the [vars] of wrangler.toml (overridable) and the
// POLICY binding to the PolicyDO class on SQLite-backed storage. Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { miniflareModules, root, wranglerBin, workerdDeploy } from '../../scripts/app-bundles.mjs';

const example = join(root, 'examples', 'edge');

/** The [vars] table of examples/edge/wrangler.toml (string values only, as the file has). */
export function exampleVars() {
  const text = readFileSync(join(example, 'wrangler.toml'), 'utf8');
  const section = text.split(/^\[vars\]\s*$/m)[1].split(/^\[/m)[0];
  return Object.fromEntries([...section.matchAll(/^([A-Z_]+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]));
}

/** Build the example's deploy into a temporary folder: { dir, deploy, by, dispose }. */
export async function buildEdge() {
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-edge-'));
  cpSync(example, dir, { recursive: true, filter: (s) => !s.includes('node_modules') });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'simdopt'), 'dir');
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    const bin = wranglerBin();
    let deploy;
    if (bin) {
      const out = join(dir, 'out');
      const r = spawnSync(process.execPath, [bin, 'deploy', '--dry-run', '--outdir', 'out'], {
        cwd: dir, encoding: 'utf8', timeout: 120000,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(dir, 'wrangler-logs'), NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
      });
      if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${r.status}): ${r.stderr || r.stdout}`);
      const names = readdirSync(out).filter((f) => f.endsWith('.js') || f.endsWith('.wasm')).sort();
      const main = names.find((f) => f.endsWith('.js'));
      deploy = { by: 'wrangler', out, main, modules: names.map((f) => ({ file: f, type: f.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule', bytes: readFileSync(join(out, f)) })), report: (r.stdout.match(/Total Upload:[^\n]*/) || [null])[0] };
    } else {
      cpSync(join(dir, 'src', 'worker.js'), join(dir, 'app.mjs'));
      deploy = await workerdDeploy(dir, { useWrangler: false });
    }
    return { dir, deploy, dispose };
  } catch (e) { dispose(); throw e; }
}

/**
 * Start the deploy in miniflare: `vars` override wrangler.toml's [vars]; `persist` (a folder) keeps
 * the Durable Object's storage across starts (a restart is a new miniflare on the same folder).
 */
export async function startEdge(deploy, { vars = {}, persist } = {}) {
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    modulesRoot: deploy.out,
    modules: miniflareModules(deploy),
    compatibilityDate: '2025-06-01',
    bindings: { ...exampleVars(), SIGNING_KEY: 'test-signing-key-0123456789', ...vars },
    durableObjects: { POLICY: { className: 'PolicyDO', useSQLite: true } },
    ...(persist ? { durableObjectsPersist: persist } : {}),
  });
  await mf.ready;
  const call = async (method, path, body) => {
    const res = await mf.dispatchFetch(`http://localhost${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  return { mf, call, dispose: () => mf.dispose() };
}
