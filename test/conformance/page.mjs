// Browser side of the conformance harness: runs the configs named in ?configs=a,b (all by default)
// against /dist/index.js and leaves `{ crossOriginIsolated, results }` (or `{ error }`) in window.__result;
// with ?bandits=a,b it runs those bandit configs (test/conformance/bandits.mjs) instead: `{ crossOriginIsolated, bandits }`;
// with ?online=a,b the online learners' sequences (test/conformance/online.mjs): `{ crossOriginIsolated, online }`;
// with ?bilevel=a,b the bilevel runs (test/conformance/bilevel.mjs): `{ crossOriginIsolated, bilevel }`.
import { CONFIGS, runConfigs } from './trajectory.mjs';
import { runBanditConfigs } from './bandits.mjs';
import { runOnlineConfigs } from './online.mjs';
import { runBilevelConfigs } from './bilevel.mjs';

// Only in a page (importing it elsewhere does nothing).
if (typeof document !== 'undefined') {
  const q = new URLSearchParams(location.search).get('configs');
  const names = q ? q.split(',') : Object.keys(CONFIGS);
  try {
    const simdopt = await import('/dist/index.js');
    const b = new URLSearchParams(location.search).get('bandits');
    const o = new URLSearchParams(location.search).get('online');
    const bl = new URLSearchParams(location.search).get('bilevel');
    if (bl) window.__result = { crossOriginIsolated: globalThis.crossOriginIsolated, bilevel: await runBilevelConfigs(simdopt, bl.split(',')) };
    else if (o) window.__result = { crossOriginIsolated: globalThis.crossOriginIsolated, online: await runOnlineConfigs(simdopt, o.split(',')) };
    else if (b) window.__result = { crossOriginIsolated: globalThis.crossOriginIsolated, bandits: await runBanditConfigs(simdopt, b.split(',')) };
    else window.__result = { crossOriginIsolated: globalThis.crossOriginIsolated, results: await runConfigs(simdopt, names) };
  } catch (e) {
    window.__result = { error: String(e && e.stack || e) };
  }
}
