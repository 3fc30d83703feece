// Every ```js block of the README runs here, as a module importing the package by its own name.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has runnable examples', () => assert.ok(blocks.length >= 2));

for (const [i, code] of blocks.entries()) {
  test(`README example ${i + 1} runs and prints what it claims`, () => {
    const dir = new URL('./.readme-tmp/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const file = fileURLToPath(new URL(`example-${i}.mjs`, dir));
    writeFileSync(file, code);
    try {
      const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
      // "// -> text" comments state the expected output of the preceding console.log
      for (const m of code.matchAll(/\/\/ -> (.*)/g)) assert.ok(out.includes(m[1].trim()), `expected "${m[1].trim()}" in:\n${out}`);
    } finally { rmSync(file, { force: true }); }
  });
}
