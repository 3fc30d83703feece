// End-to-end: examples/digits.mjs trains softmax regression on scikit-learn's digits (fixed split in
// test/fixtures/digits.json, zero initialisation, full batch: deterministic) and must reach 95%.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const THRESHOLD = 95;

test(`examples/digits.mjs reaches at least ${THRESHOLD}% test accuracy`, () => {
  const out = execFileSync(process.execPath, ['examples/digits.mjs'], { cwd: root, encoding: 'utf8' });
  const m = /test accuracy ([\d.]+)%/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m[1]) >= THRESHOLD, out);
});

test('the fixture is the stated split of load_digits', () => {
  const d = JSON.parse(readFileSync(new URL('./fixtures/digits.json', import.meta.url), 'utf8'));
  assert.equal(d.n, 1797); assert.equal(d.pixels.length, 1797 * 64); assert.equal(d.labels.length, 1797);
  assert.equal(d.train.length, 1437); assert.equal(d.test.length, 360);
  assert.equal(new Set([...d.train, ...d.test]).size, 1797);
  assert.match(d.pixels, /^[a-q]+$/); assert.match(d.labels, /^[0-9]+$/);
});

test("the README's digits quick start is examples/digits.mjs", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start: classify handwritten digits'));
  assert.ok(section.length < readme.length, 'the README has the section "Quick start: classify handwritten digits"');
  const first = /```js\n([\s\S]*?)```/.exec(section)[1];
  const body = (s) => s.split('\n').filter((l) => !l.startsWith('//')).join('\n').trim();
  assert.equal(body(first), body(readFileSync(new URL('../examples/digits.mjs', import.meta.url), 'utf8')));
});
