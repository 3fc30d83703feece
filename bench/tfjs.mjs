// Bench row 13: a tfjs-layers 784-256-10 MLP (ReLU, softmax, categorical cross-entropy; 203,530
// parameters in 4 variables), batch 64 of seeded synthetic data, one model.trainOnBatch per step:
//   tfjs's own tf.train.adam vs simdopt/tfjs's AdamW (simdoptTfjs, 1 engine thread), on the
//   tfjs-backend-wasm (SIMD, single-threaded in Node) and tfjs-backend-cpu backends;
//   per step: the whole training step (forward + backward + optimizer) and the optimizer's share:
//   tfjs Adam's applyGradients, and the adapter's three phases from its `timings`
//   (transfer in = gradients into the engine, update = simdopt's step, transfer out = assign back),
//   for the default transfer ('auto', which is 'perVariable' on these backends: one read per tensor)
//   and 'flat' (one concat on the backend + one read).
// Timing: configurations interleaved (rotating order), median over rounds of STEPS steps each.
// `node bench/tfjs.mjs [--quick]` prints these rows alone (and writes bench/results/tfjs-latest.json);
// bench/run.mjs includes them as row 13.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const now = () => performance.now();
const fmt = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(d));
/** Test-side randomness (an LCG in [0, 1)), not the library's. */
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const IN = 784, HID = 256, OUT = 10, BATCH = 64;

export async function measureTfjs(simdopt, { quick = false } = {}) {
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const tfw = require('@tensorflow/tfjs-backend-wasm');
  const tfl = require('@tensorflow/tfjs-layers');
  const { simdoptTfjs } = await import(new URL('../dist/tfjs/index.js', import.meta.url).href);
  tfw.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + '/');
  const engine = await simdopt.init({ threads: 1 });
  const rows = [], data = { model: `${IN}-${HID}-${OUT} MLP`, params: IN * HID + HID + HID * OUT + OUT, batch: BATCH, tfjs: tf.version_core, engine: engine.info.variant, backends: {} };
  const ROUNDS = quick ? 3 : 9, STEPS = quick ? 4 : 10;
  for (const backend of ['wasm', 'cpu']) {
    if (!(await tf.setBackend(backend))) throw new Error(`setBackend(${backend}) failed`);
    await tf.ready();
    const rnd = lcg(7);
    const x = tf.tensor2d(Float32Array.from({ length: BATCH * IN }, rnd), [BATCH, IN]);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, () => Math.floor(rnd() * OUT)), 'int32'), OUT);
    const build = (optimizer) => {
      const m = tfl.sequential({ layers: [
        tfl.layers.dense({ inputShape: [IN], units: HID, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
        tfl.layers.dense({ units: OUT, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      ] });
      m.compile({ optimizer, loss: 'categoricalCrossentropy' });
      return m;
    };
    const adam = tf.train.adam(1e-3);
    let adamMs = 0;
    const applyAdam = adam.applyGradients.bind(adam);
    adam.applyGradients = (g) => { const t = now(); applyAdam(g); adamMs += now() - t; };
    const cfgs = [
      { name: 'tfjs Adam', opt: adam, share: () => adamMs },
      { name: 'adapter AdamW default', opt: simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-3, weightDecay: 1e-2 }) },
      { name: 'adapter AdamW flat', opt: simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-3, weightDecay: 1e-2, transfer: 'flat' }) },
    ];
    for (const c of cfgs) {
      c.model = build(c.opt); c.step = []; c.opt_ = []; c.in = []; c.up = []; c.out = [];
      for (let i = 0; i < 3; i++) await c.model.trainOnBatch(x, y); // warm-up (creates the optimizer state)
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < cfgs.length; k++) {
        const c = cfgs[(k + r) % cfgs.length];
        const t0 = c.opt.timings, a0 = adamMs, s = now();
        for (let i = 0; i < STEPS; i++) await c.model.trainOnBatch(x, y);
        c.step.push((now() - s) / STEPS);
        if (c.share) c.opt_.push((adamMs - a0) / STEPS);
        else {
          const t1 = c.opt.timings;
          c.in.push((t1.transferIn - t0.transferIn) / STEPS); c.up.push((t1.update - t0.update) / STEPS); c.out.push((t1.transferOut - t0.transferOut) / STEPS);
          c.opt_.push(c.in.at(-1) + c.up.at(-1) + c.out.at(-1));
        }
      }
    }
    const res = {}, defaultMode = cfgs[1].opt.transferMode;
    for (const c of cfgs) {
      res[c.name] = { stepMs: median(c.step), optimizerMs: median(c.opt_), ...(c.share ? {} : { transferInMs: median(c.in), updateMs: median(c.up), transferOutMs: median(c.out) }) };
      c.model.dispose();
      if (!c.share) c.opt.dispose();
    }
    adam.dispose();
    tf.dispose([x, y]);
    res['adapter AdamW default'].transfer = defaultMode;
    data.backends[backend] = res;
    const A = res['tfjs Adam'], P = res['adapter AdamW default'], F = res['adapter AdamW flat'];
    rows.push({ name: `tfjs-${backend} ${IN}-${HID}-${OUT} MLP, batch ${BATCH}: training step, tfjs Adam vs adapter AdamW`,
      value: `${fmt(A.stepMs)} ms vs ${fmt(P.stepMs)} ms (→ ${fmt(A.stepMs / P.stepMs)}×); optimizer share ${fmt(A.optimizerMs, 3)} vs ${fmt(P.optimizerMs, 3)} ms (→ ${fmt(A.optimizerMs / P.optimizerMs, 1)}×)`, target: '—', pass: null });
    rows.push({ name: `tfjs-${backend} adapter per step: transfer in / update / transfer out`,
      value: `default (${defaultMode}) ${fmt(P.transferInMs, 3)} / ${fmt(P.updateMs, 3)} / ${fmt(P.transferOutMs, 3)} ms; flat ${fmt(F.transferInMs, 3)} / ${fmt(F.updateMs, 3)} / ${fmt(F.transferOutMs, 3)} ms (flat step ${fmt(F.stepMs)} ms)`, target: '—', pass: null });
  }
  await engine.dispose();
  return { rows, data };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
  // Other processes' share of the machine's CPU time during the run (from /proc/stat minus our own).
  const snap = () => {
    try {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      const me = readFileSync('/proc/self/stat', 'utf8'); const g = me.slice(me.lastIndexOf(')') + 2).split(' ').map(Number);
      const total = f.reduce((a, b) => a + b, 0);
      return { total, busy: total - f[3] - (f[4] || 0), self: g[11] + g[12] };
    } catch { return null; }
  };
  const s0 = snap();
  const { rows, data } = await measureTfjs(simdopt, { quick: process.argv.includes('--quick') });
  const s1 = snap();
  const othersCpu = s0 && s1 && s1.total > s0.total ? Math.max(0, ((s1.busy - s0.busy) - (s1.self - s0.self)) / (s1.total - s0.total)) : null;
  for (const r of rows) console.log(`info  ${r.name}: ${r.value}`);
  let commit = '';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: join(here, '..'), encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  const meta = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, commit, loadavg: loadavg(), othersCpu };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'tfjs-latest.json'), JSON.stringify({ meta, rows, data }, null, 2) + '\n');
  console.log(`node ${process.version}, ${meta.cores} cores ${meta.cpu}, commit ${commit}, load average ${meta.loadavg.map((x) => x.toFixed(1)).join(' ')}, other processes ${othersCpu === null ? '?' : Math.round(othersCpu * 100) + '%'} of the CPU; wrote bench/results/tfjs-latest.json`);
  process.exit(0);
}
