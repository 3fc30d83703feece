// Issue 15 §8: numbers the README states about the code are read from the code. Every "splitMin ...
// 2^N" in README.md must be the engine's default splitMin.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init } from '../dist/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README\'s default splitMin is the engine\'s', async () => {
  const e = await init({ threads: 1 });
  const stated = [...readme.matchAll(/splitMin`?[^\n|]{0,60}?2\^(\d+)/g)].map((m) => 2 ** Number(m[1]));
  assert.ok(stated.length >= 2, `expected the README to state the default splitMin, found ${stated.length}`);
  for (const v of stated) assert.equal(v, e.splitMin, `README says splitMin ${v}, the engine's default is ${e.splitMin}`);
  await e.dispose();
});
