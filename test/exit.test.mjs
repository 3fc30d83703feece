// Forgetting engine.dispose() must not keep a process alive in any server-side runtime. Deno runs with
// no permissions at all (--no-prompt: any permission request would fail the run), as the README's
// runtime table says it needs none: the wasm is inlined and the worker threads start from source.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/no-dispose.mjs', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const runtimes = [
  ['node', process.execPath, [script]],
  ['deno', bin('deno'), ['run', '--no-prompt', script]],
  ['bun', bin('bun'), [script]],
];

for (const [name, exe, args] of runtimes) {
  test(`${name}: a script without dispose() exits on its own`, (t) => {
    if (!existsSync(exe)) {
      if (process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1') assert.fail(`${exe} missing`);
      console.warn(`${name}: ${exe} missing, skipped`); // vitest's default reporter does not print skip notes
      t.skip(`${exe} missing`);
      return;
    }
    const r = spawnSync(exe, args, { cwd: root, encoding: 'utf8', timeout: 30000 });
    assert.equal(r.signal, null, `${name} did not exit within 30 s (killed by ${r.signal})`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`exited-cleanly ${name} 2`));
  });
}
