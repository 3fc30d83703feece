// simdopt benchmark suite: `npm run bench` (= node bench/run.mjs). Not part of the tests.
// Prints one table (value, target, PASS/MISS) of numbers measured in this run and writes
// bench/results/<date>-node.json and bench/results/latest.json. See bench/README.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(import.meta.url);
const QUICK = process.argv.includes('--quick');
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

if (!existsSync(join(root, 'dist', 'index.js'))) {
  log('dist/index.js missing: building (node scripts/build.mjs)');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
const { init, ParamSet, AdamW } = simdopt;

function sleepMs(ms) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }
/** Fraction of total CPU time busy over `ms` (from /proc/stat; null where unavailable). */
function cpuBusy(ms) {
  const read = () => { try { const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number); return { idle: f[3] + (f[4] || 0), total: f.reduce((a, b) => a + b, 0) }; } catch { return null; } };
  const a = read(); if (!a) return null;
  const end = Date.now() + ms; while (Date.now() < end) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  const b = read(); const dt = b.total - a.total;
  return dt > 0 ? 1 - (b.idle - a.idle) / dt : null;
}
// Other processes on this 2-core box distort the 2-thread rows: wait (up to 30 s) for a quiet moment.
let bgBusy = cpuBusy(1000);
for (let waited = 0; bgBusy !== null && bgBusy > 0.15 && waited < 30 && !QUICK; waited += 3) {
  log(`background CPU ${(bgBusy * 100).toFixed(0)}% busy: waiting for a quieter moment`);
  bgBusy = cpuBusy(3000);
}
const tStart = performance.now();
const load0 = loadavg();
const ADAM_B = 28, AXPY_B = 12, COPY_B = 8;
/** The CPU clock in GHz as /proc/cpuinfo reports it (nominal in a VM: turbo is not visible), for cycles per element. */
const CPU_GHZ = (() => { try { return Number(readFileSync('/proc/cpuinfo', 'utf8').match(/cpu MHz\s*:\s*([\d.]+)/)[1]) / 1000; } catch { return NaN; } })();

// ---------- timing helpers ----------
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const now = () => performance.now();

/** CPU-time snapshot: machine busy/total jiffies and this process's own (+ waited-for children's). */
function snap() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const me = readFileSync('/proc/self/stat', 'utf8'); const g = me.slice(me.lastIndexOf(')') + 2).split(' ').map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { total, busy: total - f[3] - (f[4] || 0), self: g[11] + g[12] + g[13] + g[14] };
  } catch { return null; }
}
/** Share of all CPU time (both cores) used by *other* processes between two snapshots. */
const others = (a, b) => (a && b && b.total > a.total ? Math.max(0, ((b.busy - a.busy) - (b.self - a.self)) / (b.total - a.total)) : 0);
const CONTENTION_MAX = 0.10;
const contentionLog = [];

/**
 * Interleaved timing of several configurations: each gets `warm` untimed calls (>= warmMs of work),
 * a batch size k so one sample lasts >= sampleMs, then `reps` rounds, rotating the order each round.
 * If other processes used more than 10% of the machine meanwhile, the block is redone (up to
 * `attempts` times) and the least-disturbed attempt is kept.
 * Returns per config: median ms per call, min, max, the samples, and the first (cold) call's ms.
 */
function bench(configs, opts = {}) {
  const attempts = opts.attempts ?? (QUICK ? 1 : 4);
  let best = null, firsts = null;
  for (let a = 0; a < attempts; a++) {
    const s0 = snap();
    const r = benchOnce(configs, opts);
    const o = others(s0, snap());
    firsts ??= Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.firstMs]));
    if (!best || o < best.o) best = { r, o };
    if (o <= CONTENTION_MAX) break;
    if (a + 1 < attempts) sleepMs(1500); // let a burst of someone else's work pass
  }
  contentionLog.push({ configs: configs.map((c) => c.name).join(','), others: best.o });
  for (const [k, v] of Object.entries(best.r)) { v.othersCpu = best.o; v.firstMs = firsts[k]; v.firstIsCold = true; }
  return best.r;
}

function benchOnce(configs, { reps = 21, sampleMs = 2, warm = 3, warmMs = 20 } = {}) {
  const st = configs.map((c) => {
    const t0 = now(); c.fn(); const first = now() - t0;
    let calls = 1; const w0 = now();
    while (calls < warm + 1 || now() - w0 < warmMs) { c.fn(); calls++; }
    const est = (now() - w0) / (calls - 1);
    return { first, k: Math.max(1, Math.min(2000, Math.ceil(sampleMs / Math.max(est, 1e-4)))), samples: [] };
  });
  for (let r = 0; r < reps; r++) {
    for (let j = 0; j < configs.length; j++) {
      const i = (j + r) % configs.length, c = configs[i], s = st[i];
      const t0 = now();
      for (let q = 0; q < s.k; q++) c.fn();
      s.samples.push((now() - t0) / s.k);
    }
  }
  const out = {};
  configs.forEach((c, i) => {
    const s = st[i].samples;
    out[c.name] = { ms: median(s), min: Math.min(...s), max: Math.max(...s), firstMs: st[i].first, batch: st[i].k, reps: s.length };
    Object.defineProperty(out[c.name], 'samplesAll', { value: s, enumerable: false });
  });
  return out;
}

function fillPseudo(a, seed) {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; a[i] = x / 2147483648 - 1; }
}

/** Engine AdamW over a ParamSet of `spec` (default one tensor of n), gradients pseudo-random. */
function makeAdam(engine, n, spec) {
  const ps = new ParamSet(engine, spec ?? { w: n });
  fillPseudo(ps.data.array, 1); fillPseudo(ps.grad.array, 2);
  // nonFinite: 'propagate' = no gradient check pass, as torch and tfjs (row 10 shows the default's cost).
  const opt = new AdamW(ps, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, nonFinite: 'propagate' });
  return { ps, opt, step: () => opt.step(), free: () => { opt.free(); ps.free(); } };
}

const fmt = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(d));
const gbs = (bytesPerEl, n, ms) => (bytesPerEl * n) / (ms * 1e6);
const sizeName = (n) => { const e = Math.log10(n); return Number.isInteger(e) ? `1e${e}` : Number.isInteger(Math.log2(n)) ? `2^${Math.log2(n)}` : String(n); };

const rows = []; // { id, name, value, target, status }
const addRow = (id, name, value, target = '—', pass = null, bg = null) =>
  rows.push({ id, name, value, target, status: pass === null ? 'info' : pass ? 'PASS' : 'MISS', bg });
const pct = (x) => (x === null || x === undefined ? '' : `${Math.round(x * 100)}%`);
const results = { meta: {}, probe: {}, adam: {}, plainTs: {}, tfjs: {}, torch: {}, manyTensors: {}, cold: {}, bundle: {}, splitMin: {}, optimizers: {} };

// ---------- engines ----------
const e1 = await init({ threads: 1 });
const e2 = await init({ threads: 2 });
await e2.ready; // workers start in the background; measure with them running
log(`engines: 1t ${e1.info.variant} threads=${e1.info.threads}; 2t ${e2.info.variant} threads=${e2.info.threads} splitMin=${e2.splitMin}`);
if (e2.info.threads !== 2) log(`warning: 2-thread engine has ${e2.info.threads} thread(s): ${e2.info.fallbacks.join('; ')}`);

// ---------- 1. bandwidth probe; 2. fused AdamW 1 vs 2 threads; 3. plain TS at 1e6 ----------
// These run in CORE_PASSES passes spread over the whole run (start, middle, end) and the samples of all
// passes are pooled: the 2-thread numbers on this shared VM come in bursts of good and bad phases.
function plainAdamW(n) {
  const p = new Float32Array(n), g = new Float32Array(n), m = new Float32Array(n), v = new Float32Array(n);
  fillPseudo(p, 1); fillPseudo(g, 2);
  const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 1e-2;
  let t = 0;
  return () => {
    t++;
    const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
    const negStep = -lr / bc1, bc2s = Math.sqrt(bc2), decay = 1 - lr * wd, omb1 = 1 - b1, omb2 = 1 - b2;
    for (let i = 0; i < n; i++) {
      const pi = p[i] * decay, d = g[i];
      const mi = m[i] * b1 + omb1 * d;
      const vi = v[i] * b2 + omb2 * d * d;
      m[i] = mi; v[i] = vi;
      p[i] = pi + (negStep * mi) / (Math.sqrt(vi) / bc2s + eps);
    }
  };
}
const PROBE_N = 1e7, ADAM_SIZES = [1e5, 1e6, 1e7];
const probeBufs = [e1, e2].map((e) => { const x = e.alloc(PROBE_N), y = e.alloc(PROBE_N), d = e.alloc(PROBE_N); fillPseudo(x.array, 3); fillPseudo(y.array, 4); return { e, x, y, d }; });
const probeCfg = [];
for (const [t, b] of [[1, probeBufs[0]], [2, probeBufs[1]]]) {
  probeCfg.push({ name: `copy${t}`, fn: () => b.e.run('copy_f32', PROBE_N, [b.d.ptr, b.x.ptr]) });
  probeCfg.push({ name: `axpy${t}`, fn: () => b.e.run('axpy_f32', PROBE_N, [1e-7, b.x.ptr, b.y.ptr]) });
}
const adamCfg = ADAM_SIZES.map((n) => {
  const a1 = makeAdam(e1, n), a2 = makeAdam(e2, n);
  const cfg = [{ name: 't1', fn: a1.step }, { name: 't2', fn: a2.step }];
  if (n === 1e6) cfg.push({ name: 'plain', fn: plainAdamW(n) });
  return { n, a1, a2, cfg };
});
const corePool = {}; // key -> { samples, first, others[] }
function poolAdd(key, r) {
  const p = (corePool[key] ??= { samples: [], first: r.firstMs, others: [] });
  p.samples.push(...r.samplesAll); p.others.push(r.othersCpu);
}
const CORE_PASSES = QUICK ? 1 : 3;
let corePassNo = 0;
function corePass() {
  corePassNo++;
  const r = bench(probeCfg, { reps: QUICK ? 9 : 11, sampleMs: 5, warm: 3 });
  for (const [k, v] of Object.entries(r)) poolAdd(`probe/${k}`, v);
  for (const { n, cfg } of adamCfg) {
    const ra = bench(cfg, { reps: QUICK ? 9 : n >= 1e7 ? 7 : 13, sampleMs: n >= 1e7 ? 10 : 3, warm: 3 });
    for (const [k, v] of Object.entries(ra)) poolAdd(`adam${n}/${k}`, v);
  }
  log(`core pass ${corePassNo} done ${fmt((now() - tStart) / 1000)} s`);
}
const pooled = (key) => { const p = corePool[key]; return { ms: median(p.samples), min: Math.min(...p.samples), max: Math.max(...p.samples), firstMs: p.first, reps: p.samples.length, othersCpu: median(p.others) }; };
function coreRows() {
  const n = PROBE_N;
  for (const t of [1, 2]) {
    const c = pooled(`probe/copy${t}`), a = pooled(`probe/axpy${t}`);
    results.probe[`copy_${t}t`] = { ...c, n, gbs: gbs(COPY_B, n, c.ms) };
    results.probe[`axpy_${t}t`] = { ...a, n, gbs: gbs(AXPY_B, n, a.ms) };
    addRow('1', `probe copy 1e7, ${t}t (8 B/el)`, `${fmt(results.probe[`copy_${t}t`].gbs, 1)} GB/s (${fmt(c.ms)} ms)`, '—', null, c.othersCpu);
    addRow('1', `probe AXPY 1e7, ${t}t (12 B/el)`, `${fmt(results.probe[`axpy_${t}t`].gbs, 1)} GB/s (${fmt(a.ms)} ms)`, '—', null, a.othersCpu);
  }
  for (const { n } of adamCfg) {
    const r = { t1: pooled(`adam${n}/t1`), t2: pooled(`adam${n}/t2`) };
    const d = { n };
    for (const t of [1, 2]) {
      const x = r[`t${t}`];
      const probe = results.probe[`axpy_${t}t`].gbs;
      d[`${t}t`] = { ...x, gbs: gbs(ADAM_B, n, x.ms), vsAxpy: gbs(ADAM_B, n, x.ms) / probe };
    }
    d.speedup2t = r.t1.ms / r.t2.ms;
    d.speedup2tBestRep = r.t1.min / r.t2.min;
    results.adam[sizeName(n)] = d;
    for (const t of [1, 2]) {
      const x = d[`${t}t`];
      const at7 = n >= 1e7;
      addRow('2', `AdamW ${sizeName(n)}, ${t}t`,
        `${fmt(x.ms, 3)} ms/step, ${fmt(x.gbs, 1)} GB/s, ${fmt(x.vsAxpy)}× AXPY (first call ${fmt(x.firstMs)} ms)`,
        at7 ? '≥ 0.9× AXPY' : '—', at7 ? x.vsAxpy >= 0.9 : null, x.othersCpu);
    }
    addRow('2', `AdamW ${sizeName(n)}, 2t speedup`, `${fmt(d.speedup2t)}× (best reps ${fmt(d.speedup2tBestRep)}×)${n < 2 * e2.splitMin ? ', below 2·splitMin: not split' : ''}`,
      n >= 1e7 ? '≥ 1.8×' : '—', n >= 1e7 ? d.speedup2t >= 1.8 : null, r.t1.othersCpu);
    if (n === 1e6) {
      const pl = pooled(`adam${n}/plain`);
      results.plainTs = { n, ms: pl.ms, gbs: gbs(ADAM_B, n, pl.ms), oursOver: pl.ms / r.t1.ms, ours2tOver: pl.ms / r.t2.ms, min: pl.min, max: pl.max };
      addRow('3', 'plain-TS AdamW 1e6 (Float32Array loop)',
        `${fmt(pl.ms, 3)} ms/step, ${fmt(results.plainTs.gbs, 1)} GB/s; ours ${fmt(results.plainTs.oursOver)}× faster (1t), ${fmt(results.plainTs.ours2tOver)}× (2t)`, '—', null, pl.othersCpu);
    }
  }
  for (const b of probeBufs) { b.x.free(); b.y.free(); b.d.free(); }
  for (const a of adamCfg) { a.a1.free(); a.a2.free(); }
}
corePass();

// ---------- 4. tfjs-backend-wasm Adam ----------
try {
  const tf = require('@tensorflow/tfjs-core');
  const tfw = require('@tensorflow/tfjs-backend-wasm');
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  tfw.setWasmPaths(wasmDir + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) failed');
  await tf.ready();
  results.tfjs.version = tf.version_core;
  results.tfjs.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  results.tfjs.multithread = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  for (const n of [1e6, 1e7]) {
    const v = tf.variable(tf.randomNormal([n], 0, 1, 'float32', 1));
    const g = tf.randomNormal([n], 0, 1, 'float32', 2);
    const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
    for (let i = 0; i < 3; i++) opt.applyGradients({ [v.name]: g }); // first step creates m and v
    const a1 = makeAdam(e1, n), a2 = makeAdam(e2, n);
    const r = bench([
      { name: 'tfjs', fn: () => opt.applyGradients({ [v.name]: g }) },
      { name: 't1', fn: a1.step }, { name: 't2', fn: a2.step },
    ], { reps: QUICK ? 5 : n >= 1e7 ? 9 : 21, sampleMs: n >= 1e7 ? 1 : 10, warm: 2, warmMs: 0 });
    const d = { n, tfjsMs: r.tfjs.ms, tfjsMin: r.tfjs.min, tfjsMax: r.tfjs.max, ours1tMs: r.t1.ms, ours2tMs: r.t2.ms,
      speedup1t: r.tfjs.ms / r.t1.ms, speedup2t: r.tfjs.ms / r.t2.ms, tensorsAfter: tf.memory().numTensors };
    results.tfjs[sizeName(n)] = d;
    const tgt = n === 1e6;
    addRow('4', `tfjs-wasm Adam ${sizeName(n)}: ours 1t`, `tfjs ${fmt(d.tfjsMs)} ms vs ${fmt(d.ours1tMs, 3)} ms → ${fmt(d.speedup1t, 1)}×`, '≥ 10×', d.speedup1t >= 10, r.t1.othersCpu);
    addRow('4', `tfjs-wasm Adam ${sizeName(n)}: ours 2t`, `tfjs ${fmt(d.tfjsMs)} ms vs ${fmt(d.ours2tMs, 3)} ms → ${fmt(d.speedup2t, 1)}×`, '≥ 15×', d.speedup2t >= 15, r.t1.othersCpu);
    void tgt;
    a1.free(); a2.free(); opt.dispose(); v.dispose(); g.dispose();
    log(`tfjs ${sizeName(n)} done ${fmt((now() - tStart) / 1000)} s`);
  }
} catch (err) {
  results.tfjs.error = String(err?.message ?? err);
  addRow('4', 'tfjs-wasm Adam', `skipped: ${results.tfjs.error}`);
}

// ---------- 5. PyTorch CPU AdamW foreach=True ----------
{
  const py = '/usr/bin/python3';
  const sizes = [1e6, 1e7];
  const oursBefore = {};
  const measureOurs = (store) => {
    for (const n of sizes) {
      const a1 = makeAdam(e1, n), a2 = makeAdam(e2, n);
      const r = bench([{ name: 't1', fn: a1.step }, { name: 't2', fn: a2.step }], { reps: QUICK ? 5 : n >= 1e7 ? 9 : 21, sampleMs: n >= 1e7 ? 10 : 3 });
      for (const t of [1, 2]) (store[`${n}/${t}`] ??= []).push(...r[`t${t}`].samplesAll);
      a1.free(); a2.free();
    }
  };
  measureOurs(oursBefore);
  let out = null;
  if (!existsSync(py)) out = { error: `${py} not found` };
  else {
    for (let attempt = 0; attempt < (QUICK ? 1 : 3); attempt++) {
      const s0 = snap();
      const res = spawnSync(py, [join(here, 'torch_adamw.py'), sizes.join(','), '1,2', QUICK ? '7' : '0'], { encoding: 'utf8', timeout: 120000 });
      const o = others(s0, snap());
      let got;
      try { got = JSON.parse(res.stdout.trim().split('\n').pop()); } catch { got = { error: `torch script failed: ${(res.stderr || res.error?.message || '').slice(-300)}` }; }
      got.othersCpu = o;
      if (!out || (!got.error && (out.error || o < out.othersCpu))) out = got;
      if (got.error || o <= CONTENTION_MAX) break;
    }
  }
  if (out.error) {
    log(`note: PyTorch row skipped (${out.error})`);
    results.torch = out;
    addRow('5', 'PyTorch AdamW foreach', `skipped: ${out.error}`);
  } else {
    results.torch = { version: out.torch, othersCpu: out.othersCpu, rows: [] };
    // Ours: interleaved 1t/2t samples taken right before and right after the Python run, pooled.
    measureOurs(oursBefore);
    for (const n of sizes) {
      for (const t of [1, 2]) {
        const tr = out.results.find((x) => x.n === n && x.threads === t);
        const ours = median(oursBefore[`${n}/${t}`]);
        const d = { n, threads: t, torchMs: tr.ms, oursMs: ours, speedup: tr.ms / ours };
        results.torch.rows.push(d);
        addRow('5', `torch ${out.torch} AdamW ${sizeName(n)}, ${t}t`, `torch ${fmt(tr.ms)} ms vs ${fmt(ours, 3)} ms → ${fmt(d.speedup, 1)}×`, '≥ 4×', d.speedup >= 4, out.othersCpu);
      }
    }
    log(`torch done ${fmt((now() - tStart) / 1000)} s`);
  }
}

let optimizerRows = () => {};
// ---------- 10. every elementwise optimizer at 1e7, 1 thread: traffic vs the AXPY probe, state bytes ----------
// Every exported Optimizer subclass that steps with plain gradients (closure/HVP-driven ones are listed
// as skipped). Assumed traffic per element: p read+write, g read, every state slot read+write
// = 12 + 8·slots bytes; compared with this run's 1-thread AXPY probe (12 B/el). State bytes per parameter
// = 4·slots (+ a few scalars per optimizer or per tensor, negligible at 1e7).
{
  const n = 1e7;
  const OPTS = {
    SGD: { lr: 1e-3, momentum: 0.9 }, Adam: {}, AdamW: {}, 'AdamW, default nonFinite check': ['AdamW', { nonFinite: 'error' }], 'AdamW amsgrad': ['AdamW', { amsgrad: true }],
    RMSprop: { momentum: 0.9, centered: true }, Adagrad: {}, Adadelta: {}, Rprop: {}, Adamax: {}, NAdam: {}, RAdam: {}, Lion: {},
  };
  // The per-optimizer rows use one vector of n elements: Muon's row measures its AdamW path (vectors); its
  // Newton–Schulz path is GEMM-bound (≈ 5·(4·R·C·min(R, C) + 2·min(R, C)³) flops per R×C matrix).
  OPTS['Muon (vector: its AdamW path)'] = ['Muon', {}];
  // Curvature optimizers with the cheapest possible HVP callback (H = I: out.set(v), a native memcpy):
  // their own cost per step (Rademacher draws, Hutchinson, update); informational, no target.
  const identityHvp = (v, out) => out.set(v);
  for (const k of ['AdaHessian', 'Sophia', 'OASIS']) OPTS[`${k} (H = I callback)`] = [k, { hvp: identityHvp, ...(k === 'Sophia' ? { updateInterval: 1 } : {}) }];
  for (const [k, C] of Object.entries(simdopt)) {
    if (typeof C === 'function' && C.prototype instanceof simdopt.Optimizer && !(k in OPTS) && k !== 'HvpOptimizer' && !Object.values(OPTS).some((v) => Array.isArray(v) && v[0] === k)) OPTS[k] = {};
  }
  const probeGbs = () => results.probe.axpy_1t?.gbs;
  const TRAFFIC = { Adafactor: 24 };
  const optRows = [];
  for (const [label, spec] of Object.entries(OPTS)) {
    const [cls, h] = Array.isArray(spec) ? spec : [label, spec];
    const C = simdopt[cls];
    if (!C) continue;
    const ps = new ParamSet(e1, { w: n });
    fillPseudo(ps.data.array, 1); fillPseudo(ps.grad.array, 2);
    let opt = null;
    try {
      opt = new C(ps, { lr: 1e-3, nonFinite: 'propagate', ...h });
      opt.step();
    } catch (err) {
      optRows.push({ label, skipped: String(err?.message ?? err).slice(0, 60) });
      opt?.free?.(); ps.free();
      continue;
    }
    const slots = Object.keys(opt.slots ?? {}).length;
    const r = bench([{ name: 'o', fn: () => opt.step() }], { reps: QUICK ? 3 : 7, sampleMs: 10, warm: 2, warmMs: 0 });
    // Adafactor keeps its factored state outside the slots: per element it reads g, writes and reads the
    // update scratch u, reads p twice (RMS scale, update) and writes p.
    const bytes = TRAFFIC[label] ?? 12 + 8 * slots;
    opt.free(); ps.free();
    // The same step on a cache-resident size (2^16 elements: every array 256 KiB, within L2 + L3, and long enough that the per-step call overhead is a few percent): what the
    // arithmetic alone costs per element, in cycles at the clock /proc/cpuinfo reports. When it is close to
    // the 1e7 figure the kernel is compute-bound (more bandwidth would not help); the README names the
    // instructions for each kernel below 0.8x.
    const nc = 1 << 16, psc = new ParamSet(e1, { w: nc });
    fillPseudo(psc.data.array, 1); fillPseudo(psc.grad.array, 2);
    const oc = new C(psc, { lr: 1e-3, nonFinite: 'propagate', ...h });
    oc.step();
    const rc = bench([{ name: 'o', fn: () => oc.step() }], { reps: QUICK ? 3 : 9, sampleMs: 5, warm: 5, warmMs: 5 });
    oc.free(); psc.free();
    optRows.push({ label, ms: r.o.ms, slots, bytes, stateBytes: label === 'Adafactor' ? 'factored' : `${4 * slots} B/param`, gbs: gbs(bytes, n, r.o.ms), othersCpu: r.o.othersCpu,
      cyclesPerEl: (r.o.ms * 1e6 / n) * CPU_GHZ, cacheCyclesPerEl: (rc.o.ms * 1e6 / nc) * CPU_GHZ });
  }
  results.optimizers = { n, threads: 1, rows: optRows };
  log(`optimizers done ${fmt((now() - tStart) / 1000)} s`);
  optimizerRows = () => {
    for (const o of optRows) {
      if (o.skipped) { addRow('10', `${o.label} 1e7, 1t`, `not benched here (needs a closure or HVP: ${o.skipped})`); continue; }
      o.vsAxpy = o.gbs / probeGbs();
      const info = o.label.includes('H = I');
      o.memoryCyclesPerEl = (o.bytes / probeGbs()) * CPU_GHZ; // what the probe's bandwidth allows per element
      addRow('10', `${o.label} 1e7, 1t (${o.bytes} B/el, state ${o.stateBytes})`,
        `${fmt(o.ms, 2)} ms/step, ${fmt(o.gbs, 1)} GB/s, ${fmt(o.vsAxpy)}× AXPY; cycles/el ${fmt(o.cyclesPerEl, 2)} (in cache ${fmt(o.cacheCyclesPerEl, 2)}, memory allows ${fmt(o.memoryCyclesPerEl, 2)})`,
        info ? '—' : '≥ 0.8× AXPY', info ? null : o.vsAxpy >= 0.8, o.othersCpu);
    }
  };
}

if (CORE_PASSES >= 2) corePass();

// ---------- 6. many tensors vs one flat tensor ----------
{
  const count = 3000, each = 1000;
  const spec = {}; for (let i = 0; i < count; i++) spec[`layer${i}.w`] = each;
  for (const [t, e] of [[1, e1], [2, e2]]) {
    const many = makeAdam(e, 0, spec), flat = makeAdam(e, count * each);
    const r = bench([{ name: 'many', fn: many.step }, { name: 'flat', fn: flat.step }], { reps: QUICK ? 9 : 25, sampleMs: 10 });
    const ratio = r.many.ms / r.flat.ms;
    results.manyTensors[`${t}t`] = { tensors: count, each, manyMs: r.many.ms, flatMs: r.flat.ms, ratio, paddedSize: many.ps.size };
    addRow('6', `3000×1000 tensors vs flat 3e6, ${t}t`, `${fmt(r.many.ms, 3)} vs ${fmt(r.flat.ms, 3)} ms → ${fmt(ratio, 3)}×`, '≤ 1.15×', ratio <= 1.15, r.many.othersCpu);
    many.free(); flat.free();
  }
  log(`many tensors done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- 9. splitMin calibration (before the cold start, while the engines are warm) ----------
{
  const eF = await init({ threads: 2, splitMin: 1 });
  await eF.ready;
  const sizes = []; for (let k = 15; k <= 22; k++) sizes.push(2 ** k);
  // Several passes over the sizes (alternating direction) so that a burst of background load hits
  // one pass of one size rather than a whole size; samples of all passes are pooled per size.
  const PASSES = QUICK ? 1 : 3;
  const splitBg = [];
  const pooled = new Map(sizes.map((n) => [n, { t1: [], forced: [], dflt: [] }]));
  for (let pass = 0; pass < PASSES; pass++) {
    for (const n of pass % 2 ? [...sizes].reverse() : sizes) {
      const a1 = makeAdam(e1, n), aF = makeAdam(eF, n), aD = makeAdam(e2, n);
      const r = bench([{ name: 't1', fn: a1.step }, { name: 'forced', fn: aF.step }, { name: 'dflt', fn: aD.step }],
        { reps: QUICK ? 11 : 15, sampleMs: 3, warm: 5 });
      for (const k of ['t1', 'forced', 'dflt']) pooled.get(n)[k].push(...r[k].samplesAll);
      splitBg.push(r.t1.othersCpu);
      a1.free(); aF.free(); aD.free();
    }
  }
  const table = sizes.map((n) => {
    const p = pooled.get(n), t1 = median(p.t1), f = median(p.forced), dd = median(p.dflt);
    return { n, log2: Math.log2(n), ms1t: t1, ms2tForced: f, ms2tDefault: dd, forcedSpeedup: t1 / f, defaultSpeedup: t1 / dd,
      forcedSpeedupBestRep: Math.min(...p.t1) / Math.min(...p.forced), defaultSplits: n >= 2 * e2.splitMin, samples: p.t1.length };
  });
  await eF.dispose();
  // Crossover: smallest size at which forced splitting is faster (median) both there and at the next
  // larger size (a lone noisy size neither creates nor hides a crossover).
  const crossOf = (key) => {
    for (let i = 0; i < table.length; i++) if (table[i][key] > 1 && (i + 1 === table.length || table[i + 1][key] > 1)) return table[i].n;
    return null;
  };
  const cross = crossOf('forcedSpeedup'), crossBest = crossOf('forcedSpeedupBestRep');
  const TOL = 0.95; // 5% noise allowance
  const worstDefault = Math.min(...table.map((x) => x.defaultSpeedup));
  const defaultOk = table.every((x) => x.defaultSpeedup >= TOL);
  // Recommended splitMin (elements per thread) = the median crossover size, i.e. split only from twice
  // the crossover (one doubling of safety margin).
  const rec = cross;
  results.splitMin = { othersCpuMedian: median(splitBg), engineDefault: e2.splitMin, table, crossover: cross, crossoverBestReps: crossBest, defaultNeverSlower: defaultOk, worstDefaultSpeedup: worstDefault, recommended: rec, tolerance: TOL };
  const p2 = (x) => (x === null ? 'none ≤ 2^22' : `2^${Math.log2(x)}`);
  addRow('9', 'splitMin: 2t (forced split) faster from n =', `${p2(cross)} (median); ${p2(crossBest)} (best reps)`);
  addRow('9', '  forced-split 2t/1t speedup by n (median)', table.map((x) => `2^${x.log2}:${fmt(x.forcedSpeedup)}`).join(' '), '—', null, median(splitBg));
  addRow('9', '  forced-split 2t/1t speedup by n (best reps)', table.map((x) => `2^${x.log2}:${fmt(x.forcedSpeedupBestRep)}`).join(' '));
  addRow('9', `splitMin default 2^${Math.log2(e2.splitMin)}/thread: 2t never slower`, `worst 2t-default/1t speedup ${fmt(worstDefault)}× (${table.map((x) => fmt(x.defaultSpeedup)).join(' ')})`, `≥ ${TOL}× at all sizes`, defaultOk, median(splitBg));
  addRow('9', 'splitMin recommended (elements/thread)', rec === null ? 'no median crossover ≤ 2^22 in this run: keep default' : `2^${Math.log2(rec)} (${rec}) = median crossover n, i.e. split from n = 2^${Math.log2(rec) + 1}`);
  log(`splitMin done ${fmt((now() - tStart) / 1000)} s`);
}

if (CORE_PASSES >= 3) corePass();
coreRows();
optimizerRows();
await e1.dispose();
await e2.dispose();

// ---------- 7. cold start in fresh node processes ----------
{
  const runs = QUICK ? 3 : 5;
  const by = { auto: [], 1: [] };
  for (let i = 0; i < runs; i++) {
    for (const t of ['auto', '1']) {
      const w0 = now(), s0 = snap();
      const res = spawnSync(process.execPath, [join(here, 'cold.mjs'), t, '100000'], { encoding: 'utf8' });
      const wall = now() - w0, o = others(s0, snap());
      try { by[t].push({ ...JSON.parse(res.stdout.trim().split('\n').pop()), wallMs: wall, othersCpu: o }); } catch { log(`cold run failed: ${res.stderr}`); }
    }
  }
  for (const t of ['auto', '1']) {
    const a = by[t];
    if (!a.length) continue;
    const m = (k) => median(a.map((x) => x[k]));
    const d = { runs: a.length, threads: a[0].threads, importMs: m('importMs'), initMs: m('initMs'), setupMs: m('setupMs'), stepMs: m('stepMs'), totalMs: m('totalMs'), processWallMs: m('wallMs'), raw: a };
    results.cold[t === 'auto' ? 'default' : 'threads1'] = d;
    addRow('7', `cold start 1e5, init(${t === 'auto' ? '' : '{threads:1}'}) → ${d.threads}t`,
      `${fmt(d.totalMs, 1)} ms = import ${fmt(d.importMs, 1)} + init ${fmt(d.initMs, 1)} + alloc ${fmt(d.setupMs, 1)} + step ${fmt(d.stepMs, 2)} (process wall ${fmt(d.processWallMs, 0)} ms)`,
      '≤ 30 ms', d.totalMs <= 30, median(a.map((x) => x.othersCpu)));
  }
  log(`cold done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- 8. sizes: what an app ships (bench/sizes.mjs: real builds, no timing) ----------
{
  const { measureSizes } = await import('./sizes.mjs');
  try {
    const { rows: sizeRows, data } = await measureSizes();
    results.bundle = data;
    for (const r of sizeRows) addRow('8', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: size builds failed (${err.message})`); addRow('8', 'sizes', `build failed: ${err.message}`); }
}

// ---------- 11. contextual bandits: LinUCB K = 1000, d = 64 (bench/bandits.mjs) ----------
{
  const { measureBandits } = await import('./bandits.mjs');
  try {
    const { rows: banditRows, data } = await measureBandits(simdopt, { quick: QUICK });
    results.bandits = data;
    for (const r of banditRows) addRow('11', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: bandit rows failed (${err.message})`); addRow('11', 'LinUCB', `failed: ${err.message}`); }
  log(`bandits done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- 12. bandits.simulate: K = 10, T = 1e5, R = 100 (bench/simulate.mjs) ----------
{
  const { measureSimulate } = await import('./simulate.mjs');
  try {
    const { rows: simRows, data } = await measureSimulate(simdopt, { quick: QUICK });
    results.simulate = data;
    for (const r of simRows) addRow('12', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: simulate rows failed (${err.message})`); addRow('12', 'simulate', `failed: ${err.message}`); }
  log(`simulate done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- 13. simdopt/tfjs: a tfjs-layers MLP's training step, tfjs Adam vs the adapter (bench/tfjs.mjs) ----------
{
  const { measureTfjs } = await import('./tfjs.mjs');
  try {
    const { rows: tfjsRows, data } = await measureTfjs(simdopt, { quick: QUICK });
    results.tfjsAdapter = data;
    for (const r of tfjsRows) addRow('13', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: tfjs adapter rows failed (${err.message})`); addRow('13', 'simdopt/tfjs', `failed: ${err.message}`); }
  log(`tfjs adapter done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- 14. Redis learn throughput through bandits.RedisStore, 1 and 8 writers (bench/redis.mjs) ----------
{
  const { measureRedis } = await import('./redis.mjs');
  try {
    const { rows: redisRows, data } = await measureRedis(simdopt, { quick: QUICK });
    results.redis = data;
    for (const r of redisRows) addRow('14', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: redis rows failed (${err.message})`); addRow('14', 'Redis learn', `failed: ${err.message}`); }
  log(`redis done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- 15. decisions/s of the edge Worker (examples/edge) in miniflare (bench/edge.mjs) ----------
{
  const { measureEdge } = await import('./edge.mjs');
  try {
    const { rows: edgeRows, data } = await measureEdge(simdopt, { quick: QUICK });
    results.edge = data;
    for (const r of edgeRows) addRow('15', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: edge rows failed (${err.message})`); addRow('15', 'edge Worker', `failed: ${err.message}`); }
  log(`edge done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- 17. decisions/s of the Node HTTP server (examples/node-server) over Redis (bench/node-server.mjs) ----------
{
  const { measureNodeServer } = await import('./node-server.mjs');
  try {
    const { rows: nsRows, data } = await measureNodeServer(simdopt, { quick: QUICK });
    results.nodeServer = data;
    for (const r of nsRows) addRow('17', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: node-server rows failed (${err.message})`); addRow('17', 'Node server', `failed: ${err.message}`); }
  log(`node server done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- 16. bilevel: AID-CG hypergradient on ridge HPO vs NumPy/SciPy/torch; hyper-cleaning (bench/bilevel.mjs) ----------
{
  const { measureBilevel } = await import('./bilevel.mjs');
  try {
    const { rows: blRows, data } = await measureBilevel(simdopt, { quick: QUICK });
    results.bilevel = data;
    for (const r of blRows) addRow('16', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: bilevel rows failed (${err.message})`); addRow('16', 'bilevel', `failed: ${err.message}`); }
  log(`bilevel done ${fmt((now() - tStart) / 1000)} s`);
}

// ---------- output ----------
// ---------- 18. SGEMM 256..2048, 1 and 2 threads, vs tfjs-wasm matMul and NumPy/OpenBLAS (bench/gemm.mjs) ----------
{
  const { measureGemm } = await import('./gemm.mjs');
  try {
    const { rows: gemmRows, data } = await measureGemm(simdopt, { quick: QUICK });
    results.gemm = data;
    for (const r of gemmRows) addRow('18', r.name, r.value, r.target, r.pass);
  } catch (err) { log(`note: gemm rows failed (${err.message})`); addRow('18', 'SGEMM', `failed: ${err.message}`); }
  log(`gemm done ${fmt((now() - tStart) / 1000)} s`);
}

const totalS = (now() - tStart) / 1000;
let commit = '';
try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
results.meta = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, cpuGhz: CPU_GHZ, commit,
  contention: contentionLog, loadavgStart: load0, loadavgEnd: loadavg(), backgroundCpuBusyBefore: bgBusy, backgroundCpuBusyAfter: cpuBusy(1000), runtimeS: totalS, quick: QUICK };

const order = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18'];
rows.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
const cols = ['#', 'row', 'measured', 'target', 'status', 'bg'];
const data = rows.map((r) => [r.id, r.name, r.value, r.target, r.status, pct(r.bg)]);
const w = cols.map((c, i) => Math.max(c.length, ...data.map((d) => d[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
console.log(`simdopt bench — node ${process.version}, ${results.meta.cores} cores, ${results.meta.cpu}, commit ${commit}; other processes' CPU before/after: ${bgBusy === null ? '?' : (bgBusy * 100).toFixed(0)}%/${results.meta.backgroundCpuBusyAfter === null ? '?' : (results.meta.backgroundCpuBusyAfter * 100).toFixed(0)}%`);
console.log(line(cols));
console.log('|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|');
for (const d of data) console.log(line(d));
const misses = rows.filter((r) => r.status === 'MISS').length, passes = rows.filter((r) => r.status === 'PASS').length;
console.log(`${passes} PASS, ${misses} MISS; total ${totalS.toFixed(1)} s`);

results.rows = rows;
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const d = new Date();
const stamp = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const json = JSON.stringify(results, null, 2) + '\n';
writeFileSync(join(outDir, `${stamp}-node.json`), json);
writeFileSync(join(outDir, 'latest.json'), json);
log(`wrote bench/results/${stamp}-node.json and latest.json`);
process.exit(0);
