// vitest configuration for `npm test` (which builds dist/ first: the tests import ../dist).
//
// Every test file runs in its own child process (pool 'forks', isolated, as under node:test), so the
// wasm memories, worker threads and engines of one file never share a process with another's; two
// files at a time on the 2 cores. The files that start other runtimes (Deno, Bun, Chromium, workerd)
// never run at the same time as each other: the conformance harness (the longest file) starts first,
// next to the unit files; the two short cross-runtime files run after them, one at a time.
import { defineConfig } from 'vitest/config';

const CONFORMANCE = 'test/conformance.test.mjs';
// Other test files that start Deno, Bun or workerd (child processes with their own worker threads).
const RUNTIMES = ['test/state-resume.test.mjs', 'test/exit.test.mjs', 'test/export-names.test.mjs', 'test/workerd-deploy.test.mjs', 'test/consumer.test.mjs', 'test/demo-browser.test.mjs', 'test/edge-worker.test.mjs', 'test/deno-kv.test.mjs'];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    // node:test has no per-test timeout; these are generous bounds so that a loaded machine never fails
    // a test, while a hang still ends. Tests that are long by design set their own (up to 180 s).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // dist/ is imported by Node itself, exactly as a user's code imports the package (not through vite).
    server: { deps: { external: [/\/dist\//] } },
    projects: [
      // Projects of one groupOrder share the 2 workers, in name order: 'conformance' before 'unit'.
      { extends: true, test: { name: 'conformance', include: [CONFORMANCE], sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.{mjs,ts}'], exclude: [CONFORMANCE, ...RUNTIMES], sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: 'runtimes', include: RUNTIMES, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
