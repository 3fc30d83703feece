// Issue 15 §6: no exported name shadows a global of the runtimes the package runs in. Node's globals
// are read here; Deno's and Bun's by running their binaries (node_modules/.bin, skipped with a message
// when missing). Deno implements the web platform's globals (the ones browsers and workerd share), and
// WEB lists the browser/workerd-only names that could plausibly clash.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as simdopt from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PRINT = 'console.log(JSON.stringify(Object.getOwnPropertyNames(globalThis)))';
const WEB = ['Worker', 'Cache', 'Lock', 'Range', 'Option', 'Image', 'Animation', 'Location',
  'History', 'Screen', 'Selection', 'Storage', 'Notification', 'Performance', 'Scheduler', 'scheduler', 'Request',
  'Response', 'Headers', 'Blob', 'File', 'Event', 'Text', 'Element', 'Node', 'Window', 'Navigator', 'HTMLRewriter',
  'caches', 'crypto', 'WebSocket', 'EventSource', 'Audio', 'GPU'];

function globalsOf(name, args) {
  const bin = join(root, 'node_modules', '.bin', name);
  if (!existsSync(bin)) return null;
  return JSON.parse(execFileSync(bin, [...args, PRINT], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' }, timeout: 30000 }));
}

test('EngineBuffer is exported and Buffer is not', () => {
  assert.equal(typeof simdopt.EngineBuffer, 'function');
  assert.equal('Buffer' in simdopt, false, 'the export Buffer would shadow Node\'s global Buffer');
});

test('no exported name is a global of Node, Deno, Bun or the web platform', { timeout: 90_000 }, () => {
  const exported = Object.keys(simdopt);
  const runtimes = { node: Object.getOwnPropertyNames(globalThis), web: WEB };
  const deno = globalsOf('deno', ['eval']);
  if (deno) runtimes.deno = deno; else console.warn('deno not found: its globals are not checked');
  const bun = globalsOf('bun', ['-e']);
  if (bun) runtimes.bun = bun; else console.warn('bun not found: its globals are not checked');
  const clashes = [];
  for (const [rt, names] of Object.entries(runtimes)) {
    const g = new Set(names);
    for (const n of exported) if (g.has(n)) clashes.push(`${n} (${rt})`);
  }
  assert.deepEqual(clashes, []);
  assert.ok(runtimes.node.includes('Buffer'), 'the check must see Node\'s Buffer');
});
