// Issue 15 §3: errors are recognisable in any bundle. The ESM and CJS builds loaded in one process,
// and an esbuild --minify bundle of the package, each throw errors that are `instanceof` every other
// copy's classes (a Symbol.for brand read by Symbol.hasInstance), with `err.name` the class's own name
// (a literal, not the minified class name) and `err.code` stable.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esm from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const cjs = require('../dist/index.cjs');

const CLASSES = {
  SimdoptError: null, LengthMismatchError: 'LENGTH_MISMATCH', HyperparameterError: 'INVALID_HYPERPARAMETER',
  DisposedError: 'DISPOSED', ForeignBufferError: 'FOREIGN_BUFFER', OutOfMemoryError: 'OUT_OF_MEMORY',
  UnsupportedError: 'UNSUPPORTED', StateError: 'INVALID_STATE', InvalidArgumentError: 'INVALID_ARGUMENT',
  NonFiniteError: 'NON_FINITE', NotPositiveDefiniteError: 'NOT_POSITIVE_DEFINITE',
};

/** One real error of each class, thrown by the copy `lib` (its own engine). */
async function provoke(lib) {
  const e = await lib.init({ threads: 1, maxMemory: 8 << 20 });
  const ps = new lib.ParamSet(e, { w: 2 });
  const opt = new lib.SGD(ps, { lr: 0.1 });
  const out = {};
  const grab = (name, fn) => { try { fn(); } catch (err) { out[name] = err; return; } throw new Error(`${name}: no error`); };
  grab('LengthMismatchError', () => e.alloc(-1));
  grab('HyperparameterError', () => new lib.SGD(ps, { lr: -1 }));
  grab('ForeignBufferError', () => e.sumSquares(new Float32Array(2)));
  grab('OutOfMemoryError', () => e.alloc(1 << 30));
  grab('UnsupportedError', () => e.kernel('no_such_kernel'));
  grab('StateError', () => opt.loadStateDict({}));
  grab('InvalidArgumentError', () => opt.set(null));
  grab('NotPositiveDefiniteError', () => lib.linalg.cholesky(e, e.alloc(4), 2));
  ps.setGrad('w', [NaN, 0]);
  grab('NonFiniteError', () => opt.step());
  const b = e.alloc(1); b.free();
  grab('DisposedError', () => b.free());
  await e.dispose();
  return out;
}

function checkAcross(errors, from, libs) {
  for (const [name, err] of Object.entries(errors)) {
    assert.equal(err.name, name, `${from}: name of a ${name}`);
    assert.equal(err.code, CLASSES[name], `${from}: code of ${name}`);
    assert.equal(typeof err.stack, 'string');
    for (const [libName, lib] of Object.entries(libs)) {
      assert.ok(err instanceof lib.SimdoptError, `${from} ${name} instanceof ${libName}.SimdoptError`);
      assert.ok(lib.SimdoptError.is(err), `${libName}.SimdoptError.is(${from} ${name})`);
      assert.ok(err instanceof Error);
      for (const other of Object.keys(CLASSES)) {
        if (other === 'SimdoptError') continue;
        assert.equal(err instanceof lib[other], other === name, `${from} ${name} instanceof ${libName}.${other}`);
        assert.equal(lib[other].is(err), other === name, `${libName}.${other}.is(${from} ${name})`);
      }
    }
  }
}

test('ESM and CJS builds in one process recognise each other\'s errors', async () => {
  assert.notEqual(esm.SimdoptError, cjs.SimdoptError, 'two copies of the classes are loaded');
  const libs = { esm, cjs };
  checkAcross(await provoke(esm), 'esm', libs);
  checkAcross(await provoke(cjs), 'cjs', libs);
});

test('an esbuild --minify bundle keeps the names and is recognised by the unbundled copies', async () => {
  const esbuild = require('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-min-'));
  try {
    const entry = join(dir, 'entry.mjs');
    writeFileSync(entry, `export * from ${JSON.stringify(join(root, 'dist', 'index.js'))};\n`);
    const outfile = join(dir, 'bundle.min.mjs');
    await esbuild.build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'silent',
      external: ['node:*'] });
    const min = await import(pathToFileURL(outfile).href);
    // the bundle's classes really were renamed, so a name from new.target.name would be wrong
    assert.notEqual(min.LengthMismatchError.name, 'LengthMismatchError', 'the minifier should have renamed the class');
    const libs = { esm, cjs, min };
    checkAcross(await provoke(min), 'minified', libs);
    checkAcross(await provoke(esm), 'esm', { min });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('err.name is a literal of each class; a user subclass is not confused with its base', () => {
  for (const lib of [esm, cjs]) {
    for (const [name, code] of Object.entries(CLASSES)) {
      const C = lib[name];
      const err = name === 'SimdoptError' ? new C('UNSUPPORTED', 'm') : name === 'NonFiniteError' ? new C('m', 'w', 1) : name === 'NotPositiveDefiniteError' ? new C('m', 0) : new C('m');
      assert.equal(err.name, name);
      assert.equal(String(err), `${name}: m`);
      if (code) assert.equal(err.code, code);
    }
    class MyError extends lib.StateError {}
    const mine = new MyError('m');
    assert.ok(mine instanceof MyError && mine instanceof lib.StateError && mine instanceof esm.StateError);
    assert.equal(new lib.StateError('m') instanceof MyError, false, 'a base-class error is not an instance of a user subclass');
    assert.equal(esm.SimdoptError.is({ code: 'DISPOSED', name: 'DisposedError' }), false, 'a look-alike plain object is not branded');
    assert.equal(esm.SimdoptError.is(null), false);
    assert.equal(new TypeError('x') instanceof lib.SimdoptError, false);
  }
});
