// Issue 15 §8: the options table (docs/options.md: name, type, default and accepted range of every
// optimizer, schedule and bandit policy option) is generated from the code by
// scripts/options-table.mjs; this test regenerates it and fails when the committed file differs, so
// the documentation cannot drift from the validators, the defaults or the typings.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { build, OUT } from '../scripts/options-table.mjs';

test('docs/options.md is what scripts/options-table.mjs generates from the code (run it after changing an option)', async () => {
  const want = await build();
  const have = readFileSync(OUT, 'utf8');
  if (have !== want) {
    const a = have.split('\n'), b = want.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    assert.fail(`docs/options.md is out of date (first difference at line ${i + 1}: ${JSON.stringify(a[i])} vs generated ${JSON.stringify(b[i])}): run \`npm run build && node scripts/options-table.mjs\``);
  }
});

test('the table covers every exported optimizer and bandit policy, and states ranges the code enforces', async () => {
  const S = await import('../dist/index.js');
  const text = readFileSync(OUT, 'utf8');
  for (const [n, C] of Object.entries(S)) if (typeof C === 'function' && C.prototype instanceof S.Optimizer && C !== S.HvpOptimizer) assert.match(text, new RegExp(`^### ${n}$`, 'm'), n);
  for (const [n, C] of Object.entries(S.bandits)) if (typeof C === 'function' && C.prototype instanceof S.bandits.Policy) assert.match(text, new RegExp(`^### ${n}$`, 'm'), n);
  // spot checks against facts the validators state: Adam's beta2 in [0, 1), lr not f32-zero
  const adam = text.slice(text.indexOf('### Adam\n'), text.indexOf('### AdamW'));
  assert.match(adam, /\| `betas` \| readonly \[number, number\] \| \[0\.9, 0\.999\] \| \[0\]: \{0\} ∪ \(2\^−150, 1\); \[1\]: \{0\} ∪ \(2\^−150, 1\) \|/);
  assert.match(adam, /\| `lr` \| number \| 0\.001 \| \{0\} ∪ \(2\^−150, f32 max\] \|/);
});
