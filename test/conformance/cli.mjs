// Runner for CLI runtimes (Deno, Bun): runs the named configs against the ESM build
// and prints one JSON line `{ runtime, results }` on stdout; with `--bandits` first, the bandit
// sequences (test/conformance/bandits.mjs) instead: `{ runtime, bandits }`; with `--online`, the online
// learners' sequences (test/conformance/online.mjs): `{ runtime, online }`; with `--bilevel`, the bilevel
// runs (test/conformance/bilevel.mjs): `{ runtime, bilevel }`.
//   deno run --allow-read=<repo> test/conformance/cli.mjs [--bandits] [config ...]
//   bun test/conformance/cli.mjs [--bandits] [config ...]
import * as simdopt from '../../dist/index.js';
import { CONFIGS, runConfigs } from './trajectory.mjs';
import { runBanditConfigs } from './bandits.mjs';
import { runOnlineConfigs } from './online.mjs';
import { runBilevelConfigs } from './bilevel.mjs';

const g = globalThis;
// Only under Deno or Bun: Node is covered directly by test/conformance.test.mjs.
if (g.Deno || g.Bun) {
  let argv = g.Deno ? g.Deno.args : g.process.argv.slice(2);
  const runtime = g.Deno ? 'deno' : 'bun';
  if (argv[0] === '--bilevel') {
    argv = argv.slice(1);
    console.log(JSON.stringify({ runtime, bilevel: await runBilevelConfigs(simdopt, argv.length ? argv : undefined) }));
  } else if (argv[0] === '--online') {
    argv = argv.slice(1);
    console.log(JSON.stringify({ runtime, online: await runOnlineConfigs(simdopt, argv.length ? argv : undefined) }));
  } else if (argv[0] === '--bandits') {
    argv = argv.slice(1);
    console.log(JSON.stringify({ runtime, bandits: await runBanditConfigs(simdopt, argv.length ? argv : undefined) }));
  } else {
    const names = argv.length ? argv : Object.keys(CONFIGS);
    const results = await runConfigs(simdopt, names);
    console.log(JSON.stringify({ runtime, results }));
  }
  // Workers are terminated by dispose(); exit explicitly anyway so a stuck worker cannot hang the runner.
  if (g.Deno) g.Deno.exit(0); else g.process.exit(0);
}
