// Runner for CLI runtimes (Deno, Bun): runs the named configs against the ESM build
// and prints one JSON line `{ runtime, results }` on stdout.
//   deno run --allow-read=<repo> test/conformance/cli.mjs [config ...]
//   bun test/conformance/cli.mjs [config ...]
import * as simdopt from '../../dist/index.js';
import { CONFIGS, runConfigs } from './trajectory.mjs';

const g = globalThis;
// Only under Deno or Bun: Node is covered directly by test/conformance.test.mjs.
if (g.Deno || g.Bun) {
  const argv = g.Deno ? g.Deno.args : g.process.argv.slice(2);
  const names = argv.length ? argv : Object.keys(CONFIGS);
  const results = await runConfigs(simdopt, names);
  console.log(JSON.stringify({ runtime: g.Deno ? 'deno' : 'bun', results }));
  // Workers are terminated by dispose(); exit explicitly anyway so a stuck worker cannot hang the runner.
  if (g.Deno) g.Deno.exit(0); else g.process.exit(0);
}
