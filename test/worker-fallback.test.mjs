// Issue 15 §5: when workers cannot start (a Content-Security-Policy that forbids blob: workers, where
// Chromium reported `worker failed: undefined`), the engine runs on one thread and engine.info.fallbacks
// says why and names the fix. A stand-in web Worker (this file runs in its own process) fails the way
// a browser does: by throwing a SecurityError, or by an error event without a message.
import { test, afterEach } from 'vitest';
import assert from 'node:assert/strict';
import { init, ParamSet, SGD } from '../dist/index.js';

afterEach(() => { delete globalThis.Worker; });

async function fallbackWith(WorkerClass) {
  globalThis.Worker = WorkerClass;
  const e = await init({ threads: 2 });
  const threads = await e.ready;
  const ps = new ParamSet(e, { w: 2 }); ps.setGrad('w', [1, 2]);
  new SGD(ps, { lr: 0.5 }).step();
  assert.deepEqual(Array.from(ps.param('w')), [-0.5, -1], 'the single-thread fallback computes');
  const info = e.info;
  await e.dispose();
  return { threads, info };
}

test('a Worker constructor refused by CSP: one thread, the reason and the directive in engine.info', async () => {
  const { threads, info } = await fallbackWith(class { constructor() { throw Object.assign(new Error("Refused to create a worker from 'blob:' because it violates the Content Security Policy"), { name: 'SecurityError' }); } });
  assert.equal(threads, 1);
  assert.equal(info.threads, 1);
  const why = info.fallbacks.join('\n');
  assert.match(why, /SecurityError: Refused to create a worker/);
  assert.match(why, /worker-src blob:/);
  assert.match(why, /Cross-Origin-Embedder-Policy/);
});

test('an error event without a message (a blocked worker): the reason is still named', async () => {
  class SilentlyBlocked {
    constructor() { setTimeout(() => this.onerror?.({ preventDefault() {} }), 0); }
    postMessage() {}
    terminate() {}
  }
  const { threads, info } = await fallbackWith(SilentlyBlocked);
  assert.equal(threads, 1);
  const why = info.fallbacks.join('\n');
  assert.doesNotMatch(why, /undefined/);
  assert.match(why, /without a message/);
  assert.match(why, /worker-src blob:/);
});
