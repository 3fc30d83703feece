// Cross-runtime conformance: the same seeded 1,000-step AdamW trajectory (test/conformance/trajectory.mjs)
// in Node (ESM and CJS), Deno, Bun, headless Chromium (cross-origin isolated and not) and workerd
// (miniflare), with 1 and 2 threads and the scalar build. Every SHA-256 of the final parameters must
// equal the f32-exact plain-JS reference (test/conformance/reference.mjs).
// The bandit family likewise (test/conformance/bandits.mjs): one seeded sequence of 1,000 decisions
// with learning for UCB1 and for LinTS, SIMD/scalar × 1/2 threads, in every runtime; each SHA-256 must
// equal the JS reference's (test/conformance/bandits-reference.mjs, run here in Node).
// The online family likewise (test/conformance/online.mjs): 500 rounds of OGD, AdaGrad, ONS, FTRL-Proximal,
// MLpol, BOA, CoinBetting, ACI, SAOCP, FLH, FullMatrixAdaGrad, OnlineFrankWolfe, OptimisticOMD,
// OptimisticFTRL and SleepingExperts per runtime and build, each hash equal to the f64-exact reference's
// (test/conformance/online-reference.mjs over test/helpers/reference-online.mjs).
// The bilevel family (test/conformance/bilevel.mjs): AID-CG on a ridge and a logistic model, saved halfway
// and resumed, per runtime and build; each hash (history, x, y, hypergradient, saved state bytes) equal to
// Node's SIMD 1-thread one.
//
// Builds nothing: `npm test` builds dist/ first. A runtime whose binary is missing is skipped with a
// message, unless SIMDOPT_REQUIRE_ALL_RUNTIMES=1 (CI), where it fails. The helper modules in
// test/conformance/ are not test files (vitest.config.mjs includes only test/**/*.test.*).
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as simdopt from '../dist/index.js';
import { CONFIGS, runConfigs } from './conformance/trajectory.mjs';
import { referenceTrajectory } from './conformance/reference.mjs';
import { BANDIT_CASES, BANDIT_CONFIGS, runBanditConfigs } from './conformance/bandits.mjs';
import { referenceBanditSequence } from './conformance/bandits-reference.mjs';
import { ONLINE_CASES, ONLINE_CONFIGS, ONLINE_STEPS, runOnlineConfigs } from './conformance/online.mjs';
import { referenceOnlineSequence } from './conformance/online-reference.mjs';
import { BILEVEL_CASES, BILEVEL_CONFIGS, BILEVEL_STEPS, runBilevelConfigs } from './conformance/bilevel.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const REQUIRE_ALL = process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1';
const bin = (name) => process.env[`SIMDOPT_${name.toUpperCase()}`] || join(root, 'node_modules', '.bin', name);
const ALL = Object.keys(CONFIGS);

/** Reference per variant: { sha256, clipped }. */
const ref = {};
/** Every observed hash: `${runtime}/${config}` -> sha256. */
const seen = new Map();
let powEngine;

beforeAll(async () => {
  powEngine = await simdopt.init({ threads: 1 });
  // The per-step scalars use the engine's own wasm pow (fdlibm), exactly as src/optim/adam.ts does.
  const pow = (x, y) => powEngine.pow(x, y);
  for (const amsgrad of [false, true]) {
    const r = await referenceTrajectory(pow, { amsgrad });
    ref[amsgrad ? 'amsgrad' : 'plain'] = { sha256: r.sha256, clipped: r.clipped };
  }
  assert.notEqual(ref.plain.sha256, ref.amsgrad.sha256, 'amsgrad must change the trajectory');
  assert.ok(ref.plain.clipped > 0 && ref.plain.clipped < 100, `clipping must sometimes happen (${ref.plain.clipped} of 100)`);
}, 120000);

afterAll(async () => { await powEngine?.dispose(); });

/** Skip (or, with SIMDOPT_REQUIRE_ALL_RUNTIMES=1, fail) when `path` is missing; `t` is the test context. */
function requireBinary(t, what, path) {
  if (existsSync(path)) return true;
  const msg = `${what} not found at ${path}`;
  if (REQUIRE_ALL) assert.fail(`${msg} (SIMDOPT_REQUIRE_ALL_RUNTIMES=1)`);
  const note = `${msg}; skipping (set SIMDOPT_REQUIRE_ALL_RUNTIMES=1 to make this fail)`;
  console.warn(note); // vitest's default reporter does not print skip notes
  t.skip(note);
  return false;
}

/**
 * Check one runtime's results. `twoThreads`: whether a config asking for 2 threads must get them.
 */
function check(label, results, { runtime, twoThreads, names = ALL }) {
  assert.ok(results && typeof results === 'object', `${label}: no results`);
  for (const name of names) {
    const r = results[name];
    const c = CONFIGS[name];
    assert.ok(r, `${label}/${name}: missing`);
    assert.ok(!r.error, `${label}/${name}: ${r.error}`);
    const want = ref[c.variant.amsgrad ? 'amsgrad' : 'plain'];
    const info = r.info;
    const where = `${label}/${name} ${JSON.stringify(info)}`;
    assert.equal(info.runtime, runtime, where);
    assert.equal(info.simd, c.init.simd !== false, where);
    const asked = c.init.threads ?? 1;
    assert.equal(info.threads, asked === 2 && twoThreads ? 2 : 1, where);
    assert.equal(info.steps, 1000, where);
    assert.equal(info.clipped, want.clipped, where);
    assert.equal(r.sha256, want.sha256, `${where}: hash differs from the f32-exact reference`);
    seen.set(`${label}/${name}`, r.sha256);
  }
}

function execJson(file, args, timeout = 120000) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: root, timeout, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } },
      (err, stdout, stderr) => {
        if (err) { reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`)); return; }
        const line = stdout.trim().split('\n').pop();
        try { resolve(JSON.parse(line)); } catch { reject(new Error(`no JSON from ${file}:\n${stdout}\n${stderr}`)); }
      });
  });
}

test('node (ESM): 1/2 threads, scalar, amsgrad == f32-exact reference', { timeout: 120000 }, async () => {
  check('node', await runConfigs(simdopt), { runtime: 'node', twoThreads: true });
});

test('node (CJS build): same hash', { timeout: 120000 }, async () => {
  const cjs = createRequire(import.meta.url)('../dist/index.cjs');
  assert.notEqual(cjs.init, simdopt.init, 'must be the CJS module, not the ESM one');
  const names = ['simd-t2', 'scalar-t1'];
  check('node-cjs', await runConfigs(cjs, names), { runtime: 'node', twoThreads: true, names });
});

test('deno', { timeout: 180000 }, async (t) => {
  const deno = bin('deno');
  if (!requireBinary(t, 'deno', deno)) return;
  const out = await execJson(deno, ['run', `--allow-read=${root}`, 'test/conformance/cli.mjs']);
  check('deno', out.results, { runtime: 'deno', twoThreads: true });
});

test('bun', { timeout: 180000 }, async (t) => {
  const bun = bin('bun');
  if (!requireBinary(t, 'bun', bun)) return;
  const out = await execJson(bun, ['test/conformance/cli.mjs']);
  check('bun', out.results, { runtime: 'bun', twoThreads: true });
});

test('chromium: cross-origin isolated (2 threads) and not (falls back to 1 thread)', { timeout: 120000 }, async (t) => {
  const { CHROMIUM, runChromium } = await import('./conformance/browser.mjs');
  if (!requireBinary(t, 'chromium', CHROMIUM)) return;
  const out = await runChromium(ALL);
  assert.ok(!out.isolated.error, `isolated page: ${out.isolated.error}`);
  assert.ok(!out.plain.error, `plain page: ${out.plain.error}`);
  assert.equal(out.isolated.crossOriginIsolated, true, 'COOP/COEP page must be cross-origin isolated');
  assert.equal(out.plain.crossOriginIsolated, false, 'page without COOP/COEP must not be isolated');
  check('chromium-isolated', out.isolated.results, { runtime: 'browser', twoThreads: true });
  check('chromium-plain', out.plain.results, { runtime: 'browser', twoThreads: false });
  const fb = out.plain.results['simd-t2'].info.fallbacks.join('; ');
  assert.match(fb, /cross-origin isolated/, `non-isolated fallback must be reported: ${fb}`);
});

// Issue 15 §5 in a real browser: a page that is cross-origin isolated but whose Content-Security-Policy
// forbids blob: workers (worker-src 'self') runs on one thread with the same bits, and engine.info
// says why and names the directive to add (test/worker-fallback.test.mjs has the same with stand-in Workers).
test('chromium: a CSP without blob: workers falls back to 1 thread, same bits, reason and fix in engine.info', { timeout: 120000 }, async (t) => {
  const { CHROMIUM, runChromium } = await import('./conformance/browser.mjs');
  if (!requireBinary(t, 'chromium', CHROMIUM)) return;
  const out = await runChromium(['simd-t2', 'scalar-t2'], { csp: "worker-src 'self'" });
  assert.ok(!out.isolated.error, `isolated page: ${out.isolated.error}`);
  assert.equal(out.isolated.crossOriginIsolated, true, 'COOP/COEP page must be cross-origin isolated');
  check('chromium-csp', out.isolated.results, { runtime: 'browser', twoThreads: false, names: ['simd-t2', 'scalar-t2'] });
  for (const c of ['simd-t2', 'scalar-t2']) {
    const info = out.isolated.results[c].info;
    assert.equal(info.threads, 1, `${c}: threads`);
    const fb = info.fallbacks.join('; ');
    assert.match(fb, /workers failed to start/, `${c}: ${fb}`);
    assert.match(fb, /worker-src blob:/, `${c}: the fix (the CSP directive) must be named: ${fb}`);
    assert.doesNotMatch(fb, /undefined/, `${c}: ${fb}`);
  }
});

test('workerd (miniflare): precompiled modules, single thread', { timeout: 180000 }, async (t) => {
  const workerdBin = join(root, 'node_modules', 'workerd', 'bin', 'workerd');
  if (!requireBinary(t, 'workerd', workerdBin)) return;
  const { runWorkerd } = await import('./conformance/workerd.mjs');
  const out = await runWorkerd(ALL);
  assert.ok(!out.error, `workerd: ${out.error}`);
  assert.equal(out.userAgent, 'Cloudflare-Workers');
  assert.match(out.withoutWasm, /cannot compile/, 'workerd must refuse wasm from bytes (else this test proves nothing)');
  check('workerd', out.results, { runtime: 'workerd', twoThreads: false });
});

test('every runtime produced the same hash per variant', () => {
  const byVariant = { plain: new Set(), amsgrad: new Set() };
  for (const [key, h] of seen) byVariant[CONFIGS[key.split('/')[1]].variant.amsgrad ? 'amsgrad' : 'plain'].add(h);
  assert.ok(seen.size > 0);
  for (const [v, hs] of Object.entries(byVariant)) {
    if (hs.size) assert.deepEqual([...hs], [ref[v].sha256], `${v}: ${[...hs].join(', ')}`);
  }
  console.log(`conformance: ${seen.size} runs; plain ${ref.plain.sha256}; amsgrad ${ref.amsgrad.sha256}`);
});

// ---- bandit sequences ----
const banditRef = {};
const banditSeen = new Map();
beforeAll(async () => {
  const M = { log: (x) => powEngine.log(x), sqrt: (x) => powEngine.sqrt(x), cos: (x) => powEngine.cos(x) };
  for (const name of Object.keys(BANDIT_CASES)) banditRef[name] = await referenceBanditSequence(name, M);
  assert.notEqual(banditRef.ucb1.sha256, banditRef.lints.sha256);
  // the sequences explore: every arm is chosen, the best arm most often (UCB1: arm 9 pays most)
  for (const [name, r] of Object.entries(banditRef)) assert.ok(r.arms.every((c) => c > 0), `${name}: arms ${r.arms}`);
  assert.equal(banditRef.ucb1.arms.indexOf(Math.max(...banditRef.ucb1.arms)), 9, `ucb1 arms ${banditRef.ucb1.arms}`);
}, 120000);

const BANDIT_ALL = Object.keys(BANDIT_CONFIGS);
function checkBandits(label, out, { runtime, twoThreads, names = BANDIT_ALL }) {
  assert.ok(out && typeof out === 'object', `${label}: no bandit results`);
  for (const name of Object.keys(BANDIT_CASES)) {
    for (const cfg of names) {
      const r = out[name]?.[cfg];
      assert.ok(r, `${label}/${name}/${cfg}: missing`);
      assert.ok(!r.error, `${label}/${name}/${cfg}: ${r.error}`);
      const where = `${label}/${name}/${cfg} ${JSON.stringify(r.info)}`;
      assert.equal(r.info.runtime, runtime, where);
      assert.equal(r.info.simd, BANDIT_CONFIGS[cfg].simd !== false, where);
      assert.equal(r.info.threads, BANDIT_CONFIGS[cfg].threads === 2 && twoThreads ? 2 : 1, where);
      assert.equal(r.info.steps, 1000, where);
      assert.equal(r.sha256, banditRef[name].sha256, `${where}: hash differs from the JS reference (arms chosen ${r.arms} vs ${banditRef[name].arms})`);
      banditSeen.set(`${label}/${name}/${cfg}`, r.sha256);
    }
  }
}

test('bandits, node: UCB1 and LinTS sequences, SIMD/scalar × 1/2 threads == JS reference', { timeout: 120000 }, async () => {
  checkBandits('node', await runBanditConfigs(simdopt), { runtime: 'node', twoThreads: true });
});

test('bandits, node (CJS build): same hashes', { timeout: 120000 }, async () => {
  const cjs = createRequire(import.meta.url)('../dist/index.cjs');
  checkBandits('node-cjs', await runBanditConfigs(cjs, ['simd-t2', 'scalar-t1']), { runtime: 'node', twoThreads: true, names: ['simd-t2', 'scalar-t1'] });
});

test('bandits, deno', { timeout: 180000 }, async (t) => {
  const deno = bin('deno');
  if (!requireBinary(t, 'deno', deno)) return;
  const out = await execJson(deno, ['run', `--allow-read=${root}`, 'test/conformance/cli.mjs', '--bandits']);
  checkBandits('deno', out.bandits, { runtime: 'deno', twoThreads: true });
});

test('bandits, bun', { timeout: 180000 }, async (t) => {
  const bun = bin('bun');
  if (!requireBinary(t, 'bun', bun)) return;
  const out = await execJson(bun, ['test/conformance/cli.mjs', '--bandits']);
  checkBandits('bun', out.bandits, { runtime: 'bun', twoThreads: true });
});

test('bandits, chromium: cross-origin isolated (2 threads) and not (1 thread)', { timeout: 120000 }, async (t) => {
  const { CHROMIUM, runChromium } = await import('./conformance/browser.mjs');
  if (!requireBinary(t, 'chromium', CHROMIUM)) return;
  const out = await runChromium([], { bandits: BANDIT_ALL });
  assert.ok(!out.isolated.error, `isolated page: ${out.isolated.error}`);
  assert.ok(!out.plain.error, `plain page: ${out.plain.error}`);
  assert.equal(out.isolated.crossOriginIsolated, true);
  assert.equal(out.plain.crossOriginIsolated, false);
  checkBandits('chromium-isolated', out.isolated.bandits, { runtime: 'browser', twoThreads: true });
  checkBandits('chromium-plain', out.plain.bandits, { runtime: 'browser', twoThreads: false });
});

test('bandits, workerd (miniflare): precompiled modules, single thread', { timeout: 180000 }, async (t) => {
  const workerdBin = join(root, 'node_modules', 'workerd', 'bin', 'workerd');
  if (!requireBinary(t, 'workerd', workerdBin)) return;
  const { runWorkerd } = await import('./conformance/workerd.mjs');
  const out = await runWorkerd([], BANDIT_ALL);
  assert.ok(!out.error, `workerd: ${out.error}`);
  assert.equal(out.userAgent, 'Cloudflare-Workers');
  checkBandits('workerd', out.bandits, { runtime: 'workerd', twoThreads: false });
});

test('bandits: every runtime produced the same hash per policy', () => {
  assert.ok(banditSeen.size > 0);
  for (const name of Object.keys(BANDIT_CASES)) {
    const hs = new Set([...banditSeen].filter(([k]) => k.split('/')[1] === name).map(([, h]) => h));
    assert.deepEqual([...hs], [banditRef[name].sha256], `${name}: ${[...hs].join(', ')}`);
  }
  console.log(`conformance (bandits): ${banditSeen.size} runs; ucb1 ${banditRef.ucb1.sha256}; lints ${banditRef.lints.sha256}`);
});

// ---- the online family ----
const onlineRef = {};
const onlineSeen = new Map();
const ONLINE_ALL = Object.keys(ONLINE_CONFIGS);

function checkOnline(label, res, { runtime, twoThreads, names = ONLINE_ALL }) {
  assert.ok(res && typeof res === 'object', `${label}: no online results`);
  for (const name of ONLINE_CASES) {
    for (const cfg of names) {
      const r = res[name]?.[cfg];
      assert.ok(r, `${label}/${name}/${cfg}: missing`);
      assert.ok(!r.error, `${label}/${name}/${cfg}: ${r.error}`);
      const where = `${label}/${name}/${cfg} ${JSON.stringify(r.info)}`;
      assert.equal(r.info.runtime, runtime, where);
      assert.equal(r.info.simd, ONLINE_CONFIGS[cfg].simd !== false, where);
      assert.equal(r.info.threads, ONLINE_CONFIGS[cfg].threads === 2 && twoThreads ? 2 : 1, where);
      assert.equal(r.info.steps, ONLINE_STEPS, where);
      assert.equal(r.sha256, onlineRef[name].sha256, `${where}: hash differs from the f64-exact reference`);
      onlineSeen.set(`${label}/${name}/${cfg}`, r.sha256);
    }
  }
}

test('online, node: OGD, AdaGrad, ONS, FTRL-Proximal, MLpol, BOA, CoinBetting, ACI, SAOCP, FLH, FullMatrixAdaGrad, OnlineFrankWolfe, OptimisticOMD, OptimisticFTRL, SleepingExperts sequences, SIMD/scalar × 1/2 threads == JS reference', { timeout: 120000 }, async () => {
  const M = { exp: (x) => powEngine.exp(x), log: (x) => powEngine.log(x) };
  for (const name of ONLINE_CASES) onlineRef[name] = await referenceOnlineSequence(name, M);
  checkOnline('node', await runOnlineConfigs(simdopt), { runtime: 'node', twoThreads: true });
});

test('online, node (CJS build): same hashes', { timeout: 120000 }, async () => {
  const cjs = createRequire(import.meta.url)('../dist/index.cjs');
  checkOnline('node-cjs', await runOnlineConfigs(cjs, ['simd-t2', 'scalar-t1']), { runtime: 'node', twoThreads: true, names: ['simd-t2', 'scalar-t1'] });
});

test('online, deno', { timeout: 180000 }, async (t) => {
  const deno = bin('deno');
  if (!requireBinary(t, 'deno', deno)) return;
  const out = await execJson(deno, ['run', `--allow-read=${root}`, 'test/conformance/cli.mjs', '--online']);
  checkOnline('deno', out.online, { runtime: 'deno', twoThreads: true });
});

test('online, bun', { timeout: 180000 }, async (t) => {
  const bun = bin('bun');
  if (!requireBinary(t, 'bun', bun)) return;
  const out = await execJson(bun, ['test/conformance/cli.mjs', '--online']);
  checkOnline('bun', out.online, { runtime: 'bun', twoThreads: true });
});

test('online, chromium: cross-origin isolated (2 threads) and not (1 thread)', { timeout: 120000 }, async (t) => {
  const { CHROMIUM, runChromium } = await import('./conformance/browser.mjs');
  if (!requireBinary(t, 'chromium', CHROMIUM)) return;
  const out = await runChromium([], { online: ONLINE_ALL });
  assert.ok(!out.isolated.error, `isolated page: ${out.isolated.error}`);
  assert.ok(!out.plain.error, `plain page: ${out.plain.error}`);
  checkOnline('chromium-isolated', out.isolated.online, { runtime: 'browser', twoThreads: true });
  checkOnline('chromium-plain', out.plain.online, { runtime: 'browser', twoThreads: false });
});

test('online, workerd (miniflare): precompiled modules, single thread', { timeout: 180000 }, async (t) => {
  const workerdBin = join(root, 'node_modules', 'workerd', 'bin', 'workerd');
  if (!requireBinary(t, 'workerd', workerdBin)) return;
  const { runWorkerd } = await import('./conformance/workerd.mjs');
  const out = await runWorkerd([], null, ONLINE_ALL);
  assert.ok(!out.error, `workerd: ${out.error}`);
  checkOnline('workerd', out.online, { runtime: 'workerd', twoThreads: false });
});

test('online: every runtime produced the same hash per learner', () => {
  assert.ok(onlineSeen.size > 0);
  for (const name of ONLINE_CASES) {
    const hs = new Set([...onlineSeen].filter(([k]) => k.split('/')[1] === name).map(([, h]) => h));
    assert.deepEqual([...hs], [onlineRef[name].sha256], `${name}: ${[...hs].join(', ')}`);
  }
  console.log(`conformance (online): ${onlineSeen.size} runs; ${ONLINE_CASES.map((n) => `${n} ${onlineRef[n].sha256.slice(0, 12)}`).join('; ')}`);
});

// ---- the bilevel family: AID-CG runs (half, save, resume), every runtime and build = Node's SIMD 1-thread hash ----
const bilevelRef = {};
const bilevelSeen = new Map();
const BILEVEL_ALL = Object.keys(BILEVEL_CONFIGS);

function checkBilevel(label, res, { runtime, twoThreads, names = BILEVEL_ALL }) {
  assert.ok(res && typeof res === 'object', `${label}: no bilevel results`);
  for (const name of BILEVEL_CASES) {
    for (const cfg of names) {
      const r = res[name]?.[cfg];
      assert.ok(r, `${label}/${name}/${cfg}: missing`);
      assert.ok(!r.error, `${label}/${name}/${cfg}: ${r.error}`);
      const where = `${label}/${name}/${cfg} ${JSON.stringify(r.info)}`;
      assert.equal(r.info.runtime, runtime, where);
      assert.equal(r.info.simd, BILEVEL_CONFIGS[cfg].simd !== false, where);
      assert.equal(r.info.threads, BILEVEL_CONFIGS[cfg].threads === 2 && twoThreads ? 2 : 1, where);
      assert.equal(r.info.iterations, BILEVEL_STEPS + 1, where);
      assert.equal(r.sha256, bilevelRef[name].sha256, `${where}: hash differs from node simd-t1's`);
      bilevelSeen.set(`${label}/${name}/${cfg}`, r.sha256);
    }
  }
}

test('bilevel, node: AID-CG on ridge and logistic (save halfway, resume), SIMD/scalar × 1/2 threads give one hash', { timeout: 120000 }, async () => {
  const res = await runBilevelConfigs(simdopt);
  for (const name of BILEVEL_CASES) {
    assert.ok(!res[name]['simd-t1'].error, res[name]['simd-t1'].error);
    bilevelRef[name] = res[name]['simd-t1'];
  }
  checkBilevel('node', res, { runtime: 'node', twoThreads: true });
});

test('bilevel, node (CJS build): same hashes', { timeout: 120000 }, async () => {
  const cjs = createRequire(import.meta.url)('../dist/index.cjs');
  checkBilevel('node-cjs', await runBilevelConfigs(cjs, ['simd-t2', 'scalar-t1']), { runtime: 'node', twoThreads: true, names: ['simd-t2', 'scalar-t1'] });
});

test('bilevel, deno', { timeout: 180000 }, async (t) => {
  const deno = bin('deno');
  if (!requireBinary(t, 'deno', deno)) return;
  const out = await execJson(deno, ['run', `--allow-read=${root}`, 'test/conformance/cli.mjs', '--bilevel']);
  checkBilevel('deno', out.bilevel, { runtime: 'deno', twoThreads: true });
});

test('bilevel, bun', { timeout: 180000 }, async (t) => {
  const bun = bin('bun');
  if (!requireBinary(t, 'bun', bun)) return;
  const out = await execJson(bun, ['test/conformance/cli.mjs', '--bilevel']);
  checkBilevel('bun', out.bilevel, { runtime: 'bun', twoThreads: true });
});

test('bilevel, chromium: cross-origin isolated (2 threads) and not (1 thread)', { timeout: 120000 }, async (t) => {
  const { CHROMIUM, runChromium } = await import('./conformance/browser.mjs');
  if (!requireBinary(t, 'chromium', CHROMIUM)) return;
  const out = await runChromium([], { bilevel: BILEVEL_ALL });
  assert.ok(!out.isolated.error, `isolated page: ${out.isolated.error}`);
  assert.ok(!out.plain.error, `plain page: ${out.plain.error}`);
  checkBilevel('chromium-isolated', out.isolated.bilevel, { runtime: 'browser', twoThreads: true });
  checkBilevel('chromium-plain', out.plain.bilevel, { runtime: 'browser', twoThreads: false });
});

test('bilevel, workerd (miniflare): precompiled modules, single thread', { timeout: 180000 }, async (t) => {
  const workerdBin = join(root, 'node_modules', 'workerd', 'bin', 'workerd');
  if (!requireBinary(t, 'workerd', workerdBin)) return;
  const { runWorkerd } = await import('./conformance/workerd.mjs');
  const out = await runWorkerd([], null, null, BILEVEL_ALL);
  assert.ok(!out.error, `workerd: ${out.error}`);
  checkBilevel('workerd', out.bilevel, { runtime: 'workerd', twoThreads: false });
});

test('bilevel: every runtime produced the same hash per run', () => {
  assert.ok(bilevelSeen.size > 0);
  for (const name of BILEVEL_CASES) {
    const hs = new Set([...bilevelSeen].filter(([k]) => k.split('/')[1] === name).map(([, h]) => h));
    assert.deepEqual([...hs], [bilevelRef[name].sha256], `${name}: ${[...hs].join(', ')}`);
  }
  console.log(`conformance (bilevel): ${bilevelSeen.size} runs; ${BILEVEL_CASES.map((n) => `${n} ${bilevelRef[n].sha256.slice(0, 12)}`).join('; ')}`);
});
