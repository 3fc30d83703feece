// Browser side of the conformance harness: runs the configs named in ?configs=a,b (all by default)
// against /dist/index.js and leaves `{ crossOriginIsolated, results }` (or `{ error }`) in window.__result.
import { CONFIGS, runConfigs } from './trajectory.mjs';

// Only in a page (importing it elsewhere does nothing).
if (typeof document !== 'undefined') {
  const q = new URLSearchParams(location.search).get('configs');
  const names = q ? q.split(',') : Object.keys(CONFIGS);
  try {
    const simdopt = await import('/dist/index.js');
    const results = await runConfigs(simdopt, names);
    window.__result = { crossOriginIsolated: globalThis.crossOriginIsolated, results };
  } catch (e) {
    window.__result = { error: String(e && e.stack || e) };
  }
}
