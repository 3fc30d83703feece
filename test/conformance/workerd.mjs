// workerd runner (Node side), through miniflare's API. workerd forbids compiling wasm from bytes, so
// the worker imports every dist/wasm/*.wasm as a CompiledWasm module and passes them to
// init({ wasm: { 'core-simd-mt': mod, ... } }). The module list is given explicitly (miniflare's
// automatic module location refuses the engine's non-literal dynamic `import(spec)` of node: modules).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = join(root, 'test', 'conformance');

export function workerdEntrySource(wasmNames) {
  const imports = wasmNames.map((n, i) => `import m${i} from '../../dist/wasm/${n}.wasm';`).join('\n');
  const table = wasmNames.map((n, i) => `  '${n}': m${i},`).join('\n');
  return `import * as simdopt from '../../dist/index.js';
import { CONFIGS, runConfigs } from './trajectory.mjs';
import { runBanditConfigs } from './bandits.mjs';
import { runOnlineConfigs } from './online.mjs';
import { runBilevelConfigs } from './bilevel.mjs';
${imports}
const wasm = {
${table}
};
export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams.get('configs');
    const names = q ? q.split(',') : Object.keys(CONFIGS);
    try {
      // Negative control: without the precompiled modules the engine must refuse (no wasm from bytes here).
      let withoutWasm = 'initialised';
      try { await (await simdopt.init({ threads: 1 })).dispose(); } catch (e) { withoutWasm = String(e && e.message || e); }
      const bl = new URL(request.url).searchParams.get('bilevel');
      if (bl) return Response.json({ userAgent: globalThis.navigator?.userAgent, bilevel: await runBilevelConfigs(simdopt, bl.split(','), { wasm }) });
      const o = new URL(request.url).searchParams.get('online');
      if (o) return Response.json({ userAgent: globalThis.navigator?.userAgent, online: await runOnlineConfigs(simdopt, o.split(','), { wasm }) });
      const b = new URL(request.url).searchParams.get('bandits');
      if (b) return Response.json({ userAgent: globalThis.navigator?.userAgent, bandits: await runBanditConfigs(simdopt, b.split(','), { wasm }) });
      const results = await runConfigs(simdopt, names, { wasm });
      return Response.json({ userAgent: globalThis.navigator?.userAgent, withoutWasm, results });
    } catch (e) {
      return Response.json({ error: String(e && e.stack || e) });
    }
  },
};
`;
}

/**
 * Run the configs in workerd; returns `{ userAgent, withoutWasm, results }` or `{ error }`; with
 * `bandits` (bandit config names), those sequences instead: `{ userAgent, bandits }`; with `online`
 * (online config names), the online learners' sequences: `{ userAgent, online }`; with `bilevel`
 * (bilevel config names), the bilevel runs: `{ userAgent, bilevel }`.
 */
export async function runWorkerd(configs, bandits, online, bilevel) {
  const { Miniflare } = await import('miniflare');
  const wasmNames = readdirSync(join(root, 'dist', 'wasm')).filter((f) => f.endsWith('.wasm')).map((f) => f.slice(0, -5)).sort();
  const mf = new Miniflare({
    modulesRoot: root,
    modules: [
      { type: 'ESModule', path: join(here, 'workerd-entry.mjs'), contents: workerdEntrySource(wasmNames) },
      // dist/index.js and its chunks (the scalar modules live in a chunk loaded on demand).
      ...readdirSync(join(root, 'dist')).filter((f) => f.endsWith('.js')).map((f) => ({ type: 'ESModule', path: join(root, 'dist', f) })),
      { type: 'ESModule', path: join(here, 'trajectory.mjs') },
      { type: 'ESModule', path: join(here, 'bandits.mjs') },
      { type: 'ESModule', path: join(here, 'online.mjs') },
      { type: 'ESModule', path: join(here, 'bilevel.mjs') },
      ...wasmNames.map((n) => ({ type: 'CompiledWasm', path: join(root, 'dist', 'wasm', `${n}.wasm`), contents: readFileSync(join(root, 'dist', 'wasm', `${n}.wasm`)) })),
    ],
    compatibilityDate: '2025-06-01',
  });
  try {
    const res = await mf.dispatchFetch(`http://localhost/?configs=${configs.join(',')}${bandits ? `&bandits=${bandits.join(',')}` : ''}${online ? `&online=${online.join(',')}` : ''}${bilevel ? `&bilevel=${bilevel.join(',')}` : ''}`);
    const text = await res.text();
    try { return JSON.parse(text); } catch { return { error: `HTTP ${res.status}: ${text.slice(0, 2000)}` }; }
  } finally {
    await mf.dispose();
  }
}
