// Issue 9, a realistic task end to end: data hyper-cleaning on the digits fixture (examples/hyper-cleaning.mjs:
// 1000 training images with 50% of the labels replaced, seeded; softmax regression with one weight per
// training sample as the upper variable) against the two honest baselines, and the README's table, which
// states what this deterministic run prints.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const STEPS = 50;
const out = execFileSync(process.execPath, ['examples/hyper-cleaning.mjs', String(STEPS)], { cwd: root, encoding: 'utf8' });
const acc = (name) => { const m = new RegExp(`${name}[^:]*: test accuracy ([\\d.]+)%`).exec(out); assert.ok(m, out); return Number(m[1]); };

test(`hyper-cleaning (${STEPS} outer steps) recovers the clean set and beats training on everything`, () => {
  const noisy = acc('train on everything'), clean = acc('train on the truly clean subset'), hc = acc('hyper-cleaning');
  assert.ok(hc >= noisy + 3, `hyper-cleaning ${hc}% vs noisy baseline ${noisy}%\n${out}`);
  assert.ok(clean > hc, `the clean-subset oracle stays the upper reference\n${out}`);
  const f1 = Number(/F1 ([\d.]+)/.exec(out)[1]);
  assert.ok(f1 >= 0.8, `F1 of the recovered clean set ${f1}\n${out}`);
  assert.match(out, /warnings: none/);
});

test("the README's hyper-cleaning table states what the script prints", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('| hyper-cleaning on digits |'));
  const row = (label) => { const m = new RegExp(`\\| ${label} \\| ([\\d.]+)% \\|`).exec(table); assert.ok(m, `README row ${label}`); return Number(m[1]); };
  assert.equal(row('train on everything \\(noisy labels\\)'), acc('train on everything'));
  assert.equal(row('train on the truly clean subset'), acc('train on the truly clean subset'));
  assert.equal(row(`hyper-cleaning, ${STEPS} outer steps`), acc('hyper-cleaning'));
  const f1 = /F1 ([\d.]+)/.exec(out)[1];
  assert.ok(table.includes(`F1 ${f1}`), `README states F1 ${f1} for ${STEPS} steps`);
});
