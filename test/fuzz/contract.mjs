// The contract every public entry point keeps under bad input (issue 7 §3, issue 15): a failing call
// throws a SimdoptError subclass with a stable `code` and a message, never a bare TypeError/RangeError,
// a wasm trap or a hang, and the parameters and optimizer state are bit for bit what they were before.
// Property tests (fast-check) in test/fuzz/*.test.* use these helpers; SIMDOPT_FUZZ_RUNS=N soaks longer.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimdoptError } from '../../dist/index.js';

// `npm test` runs every property from one fixed seed, so a run is reproducible and never fails by the
// luck of the draw; a soak (SIMDOPT_FUZZ_RUNS=N) draws a fresh seed, which fast-check prints with any
// counterexample. SIMDOPT_FUZZ_SEED=S replays one (fast-check's seed, as printed).
const ENV = globalThis.process?.env ?? {};
if (ENV.SIMDOPT_FUZZ_SEED !== undefined) fc.configureGlobal({ seed: Number(ENV.SIMDOPT_FUZZ_SEED) });
else if (!ENV.SIMDOPT_FUZZ_RUNS) fc.configureGlobal({ seed: 20261207 });

/** fast-check `numRuns`: the given default, or SIMDOPT_FUZZ_RUNS when set (a longer soak). */
export function runs(n) {
  const env = Number(globalThis.process?.env?.SIMDOPT_FUZZ_RUNS);
  return Number.isInteger(env) && env > 0 ? env : n;
}

const bytesOf = (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
function canon(v) {
  if (ArrayBuffer.isView(v)) return { $t: v.constructor.name, b: Array.from(bytesOf(v)) };
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v;
  if (typeof v === 'bigint') return `${v}n`;
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
}

/**
 * A bit-exact fingerprint of what a failing call must not change. Accepts ParamSets (values and
 * gradients, padding included), optimizers (stateDict, hyperparameters, step counters), engine
 * buffers (their contents) and plain functions returning anything to compare (canonicalised).
 */
export function fingerprint(...things) {
  return JSON.stringify(things.map((t) => {
    if (typeof t === 'function') return canon(t());
    if (t && t.data && t.grad && typeof t.param === 'function') return { data: canon(t.data.array), grad: canon(t.grad.array) };
    if (t && typeof t.stateDict === 'function') {
      return { state: canon(t.stateDict()), hyper: canon(t.hyperparameters), step: t.stepCount, skipped: t.skippedSteps };
    }
    if (t && t.array && ArrayBuffer.isView(t.array)) return canon(t.array);
    return canon(t);
  }));
}

/**
 * Runs `fn`. If it throws, the error must be a SimdoptError with a code and a message, and `guarded`
 * (see fingerprint) must be unchanged. Returns the error, or undefined when the call succeeded (the
 * caller decides whether success was acceptable for that input).
 */
export function expectCleanFailure(fn, ...guarded) {
  const before = fingerprint(...guarded);
  let err;
  try { fn(); } catch (e) { err = e; }
  if (err === undefined) return undefined;
  assert.ok(err instanceof SimdoptError, `expected a SimdoptError, got ${err?.name}: ${err?.message}`);
  assert.equal(typeof err.code, 'string');
  assert.ok(err.code.length > 0 && typeof err.message === 'string' && err.message.length > 0, 'error without code or message');
  assert.equal(fingerprint(...guarded), before, `state changed by a rejected call (${err.code}: ${err.message})`);
  return err;
}

/** Like expectCleanFailure, but the call must fail; returns the error. */
export function expectRejected(fn, ...guarded) {
  const err = expectCleanFailure(fn, ...guarded);
  assert.ok(err !== undefined, 'expected the call to be rejected, but it succeeded');
  return err;
}
