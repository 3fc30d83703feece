// Module groups (issue 7 §2): one wasm module per family, loaded by the engine only when the family is
// imported, so a bundle of an app that never imports a family does not contain its kernels; the kernel
// call boundary is checked (unknown kernel, wrong argument count) for JavaScript callers.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { init, LengthMismatchError, UnsupportedError } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

test('the engine loads core, then the families imported (optim, linalg, bandits, bilevel, online), each as its own module', async () => {
  const e = await init({ threads: 1 });
  assert.deepEqual([...e.groups].sort(), ['bandits', 'bilevel', 'core', 'linalg', 'online', 'optim']);
  assert.equal(e.groups[0], 'core');
  assert.ok(e.has('adam_f32') && e.has('dot_partials') && e.has('sgemm'));
  await e.dispose();
});

test('kernel boundary: an unknown kernel or a wrong argument count is a typed error, not a wrong result', async () => {
  const e = await init({ threads: 1 });
  const x = e.alloc(8);
  assert.throws(() => e.run('no_such_kernel', 8, []), UnsupportedError);
  assert.throws(() => e.run('scale_f32', 8, [x.ptr]), (err) => err instanceof LengthMismatchError && /takes 2 arguments/.test(err.message));
  assert.throws(() => e.run('scale_f32', 8, [x.ptr, 2, 3]), LengthMismatchError);
  x.array.fill(1.5);
  e.run('scale_f32', 8, [x.ptr, 2]);
  assert.deepEqual([...x.array], new Array(8).fill(3));
  await e.dispose();
});

// A module's SIMD build, base64 in full, identifies it inside a bundle (its first bytes, the type
// section, can equal the scalar build's, whose chunk every bundle carries for the fallback).
const marker = (name) => readFileSync(join(root, 'dist', 'wasm', `${name}.wasm`)).toString('base64');

test('a bundle of an app that uses only linear algebra holds no optimizer kernels; an optimizer app holds them; a bandit app only the bandit kernels', () => {
  const esbuild = require('esbuild');
  const bundle = (src) => esbuild.buildSync({
    stdin: { contents: src, resolveDir: root, loader: 'js' }, bundle: true, minify: true, format: 'esm', splitting: true,
    outdir: join(root, 'build', 'bundle-test'), write: false, platform: 'neutral', logLevel: 'error',
  }).outputFiles.map((f) => f.text).join('\n');
  const la = bundle("import { init, linalg } from './dist/index.js'; export async function main() { const e = await init(); const a = e.from(new Float32Array(4)); linalg.gemv(e, a, a, a, 2, 2); }");
  const op = bundle("import { init, ParamSet, AdamW } from './dist/index.js'; export async function main() { const e = await init(); new AdamW(new ParamSet(e, { w: 4 }), { lr: 1e-3 }).step(); }");
  const bd = bundle("import { init, bandits } from './dist/index.js'; export async function main() { const e = await init(); new bandits.UCB1(e, { arms: 2 }).decide({ eventId: 'a' }); }");
  const on = bundle("import { init, online } from './dist/index.js'; export async function main() { const e = await init(); new online.MLpol(e, { experts: 2 }).update([0, 1]); }");
  for (const [src, has, hasNot] of [[la, ['core-simd', 'linalg-simd'], ['optim-simd', 'bandits-simd', 'bilevel-simd', 'online-simd']], [op, ['core-simd', 'optim-simd'], ['linalg-simd', 'bandits-simd', 'bilevel-simd', 'online-simd']],
    [bd, ['core-simd', 'bandits-simd'], ['optim-simd', 'linalg-simd', 'bilevel-simd', 'online-simd']], [on, ['core-simd', 'online-simd'], ['optim-simd', 'linalg-simd', 'bandits-simd', 'bilevel-simd']]]) {
    for (const m of has) assert.ok(src.includes(marker(m)), `${m} missing from the bundle`);
    for (const m of hasNot) assert.ok(!src.includes(marker(m)), `${m} bundled although unused`);
  }
});
