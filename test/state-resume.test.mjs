// Exact resume across runtimes: 200 steps straight in Node vs 100 steps in Node, saveState to a file,
// loadState in a fresh engine (Node, and Deno and Bun when available), 100 more steps: the SHA-256 of the final
// parameters must be identical. Cases (test/conformance/resume.mjs): AdamW with param groups and a
// warmup-cosine lr, NAdam (scalar state), Schedule-Free AdamW (per-group scalar arrays).
// Deno or Bun is skipped when its binary is missing, unless SIMDOPT_REQUIRE_ALL_RUNTIMES=1 (CI), where it fails.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as so from '../dist/index.js';
import { CASES, paramsSha, run, setup } from './conformance/resume.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const REQUIRE_ALL = process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1';
const bin = (name) => process.env[`SIMDOPT_${name.toUpperCase()}`] || join(root, 'node_modules', '.bin', name);
const dir = mkdtempSync(join(tmpdir(), 'simdopt-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function execJson(file, args) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: root, timeout: 60000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`)); return; }
      try { resolve(JSON.parse(stdout.trim().split('\n').pop())); } catch { reject(new Error(`no JSON from ${file}:\n${stdout}\n${stderr}`)); }
    });
  });
}

for (const name of Object.keys(CASES)) {
  test(`${name}: 200 straight == 100 + save + load + 100, in Node, Deno and Bun (bit for bit)`, { timeout: 90000 }, async (t) => {
    // Straight run, one thread.
    const e1 = await so.init({ threads: 1 });
    const a = setup(so, e1, name);
    run(a.ps, a.prob, a.opt, 0, 100);
    const mid = await paramsSha(a.ps);
    run(a.ps, a.prob, a.opt, 100, 200);
    const straight = await paramsSha(a.ps);
    await e1.dispose();
    assert.notEqual(mid, straight);

    // First half on two threads, saved to a file.
    const e2 = await so.init({ threads: 2, splitMin: 64 });
    await e2.ready;
    const b = setup(so, e2, name);
    run(b.ps, b.prob, b.opt, 0, 100);
    assert.equal(await paramsSha(b.ps), mid, 'first halves differ');
    const file = join(dir, `${name}.simdopt`);
    writeFileSync(file, so.saveState(b.opt, { params: true }));
    await e2.dispose();

    // Resume in a fresh Node engine (parameters come from the file).
    const e3 = await so.init({ threads: 1 });
    const c = setup(so, e3, name);
    so.loadState(c.opt, new Uint8Array(readFileSync(file)));
    assert.equal(c.opt.stepCount, 100);
    assert.equal(await paramsSha(c.ps), mid);
    run(c.ps, c.prob, c.opt, 100, 200);
    assert.equal(await paramsSha(c.ps), straight, 'node resume differs from the straight run');
    await e3.dispose();

    // Resume in Deno and Bun, two threads.
    const skipped = [];
    for (const [rt, args] of [['deno', ['run', `--allow-read=${root},${dir}`]], ['bun', []]]) {
      const path = bin(rt);
      if (!existsSync(path)) {
        if (REQUIRE_ALL) assert.fail(`${rt} not found at ${path} (SIMDOPT_REQUIRE_ALL_RUNTIMES=1)`);
        skipped.push(`${rt} not found at ${path}`);
        continue;
      }
      const out = await execJson(path, [...args, 'test/conformance/resume.mjs', name, file, '100', '200', '2']);
      assert.equal(out.runtime, rt);
      assert.equal(out.step, 200);
      assert.equal(out.sha256, straight, `${rt} resume differs from the node straight run`);
    }
    if (skipped.length) {
      const note = `${skipped.join('; ')}; skipped (set SIMDOPT_REQUIRE_ALL_RUNTIMES=1 to make this fail)`;
      console.warn(note); // vitest's default reporter does not print skip notes
      t.skip(note);
    }
  });
}
