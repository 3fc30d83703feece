// vitest configuration for `npm test` (which builds dist/ first: the tests import ../dist).
//
// Files run in 2 worker processes (forks: each test file in its own child process, as node:test did,
// so wasm memories, worker threads and engines of one file never share a process with another's).
// The files that start other runtimes (Deno, Bun, Chromium, workerd) each spawn multi-threaded
// processes with long timeouts; they form a second project that runs after the unit files, one file
// at a time, so they never compete with each other for the 2 cores.
import { defineConfig } from 'vitest/config';

// Test files that start Deno, Bun, Chromium or workerd (child processes with their own threads).
const RUNTIMES = ['test/conformance.test.mjs', 'test/state-resume.test.mjs', 'test/exit.test.mjs'];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    // node:test has no per-test timeout; these are generous bounds so that a slow shared machine never
    // fails a test, while a hang still ends. Tests that are long by design set their own (up to 180 s).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.{mjs,ts}'],
          exclude: RUNTIMES,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'runtimes',
          include: RUNTIMES,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
