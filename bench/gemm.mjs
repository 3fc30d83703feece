// Row 18: SGEMM (linalg.gemm, square N×N×N) at N = 256, 512, 1024, 2048 on 1 and 2 threads in GFLOP/s,
// against @tensorflow/tfjs-backend-wasm's matMul (XNNPACK, one thread in Node) and NumPy/OpenBLAS f32
// (bench/gemm_numpy.py, 1 and 2 BLAS threads) on this machine, measured in the same run. Times are the
// best of interleaved repetitions (the machine is shared: the best rep is the least disturbed one).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

function numpy(sizes, threads) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const r = spawnSync('/usr/bin/python3', [join(here, 'gemm_numpy.py'), sizes.join(',')], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gemm_numpy.py: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

export async function measureGemm(simdopt, { quick = false } = {}) {
  const { init, linalg } = simdopt;
  const sizes = quick ? [256, 512] : [256, 512, 1024, 2048];
  const tf = require('@tensorflow/tfjs-core');
  const tfw = require('@tensorflow/tfjs-backend-wasm');
  tfw.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + '/');
  if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) failed');
  await tf.ready();
  const e1 = await init({ threads: 1 }), e2 = await init({ threads: 2 });
  await e1.ready; await e2.ready;
  const data = { tfjs: tf.version_core, threads2: e2.info.threads, sizes: {}, loadavgStart: loadavg() };
  try {
    for (const n of sizes) {
      const A = new Float32Array(n * n), B = new Float32Array(n * n);
      for (let i = 0; i < n * n; i++) { A[i] = ((i * 2654435761) >>> 0) / 2 ** 32 - 0.5; B[i] = ((i * 40503 + 7) % 65536) / 65536 - 0.5; }
      const bufs = [e1, e2].map((e) => ({ e, a: e.from(A), b: e.from(B), c: e.alloc(n * n) }));
      const ta = tf.tensor2d(A, [n, n]), tb = tf.tensor2d(B, [n, n]);
      const fns = {
        t1: () => linalg.gemm(e1, bufs[0].a, bufs[0].b, bufs[0].c, n, n, n),
        t2: () => linalg.gemm(e2, bufs[1].a, bufs[1].b, bufs[1].c, n, n, n),
        tfjs: () => { const c = tf.matMul(ta, tb); c.dataSync(); c.dispose(); },
      };
      for (const f of Object.values(fns)) f();
      const reps = n <= 512 ? 15 : n <= 1024 ? 6 : 3;
      const best = { t1: Infinity, t2: Infinity, tfjs: Infinity };
      for (let r = 0; r < reps; r++) {
        for (const [k, f] of Object.entries(fns)) { const t = performance.now(); f(); best[k] = Math.min(best[k], performance.now() - t); }
      }
      const gf = (ms) => (2 * n ** 3) / ms / 1e6;
      data.sizes[n] = { ours1t: gf(best.t1), ours2t: gf(best.t2), tfjs: gf(best.tfjs) };
      ta.dispose(); tb.dispose();
      for (const x of bufs) { x.a.free(); x.b.free(); x.c.free(); }
    }
  } finally { await e1.dispose(); await e2.dispose(); }
  try {
    const np1 = numpy(sizes, 1), np2 = numpy(sizes, 2);
    data.numpy = np1.numpy; data.blas = np1.blas;
    for (const n of sizes) { data.sizes[n].numpy1t = np1.gflops[n]; data.sizes[n].numpy2t = np2.gflops[n]; }
  } catch (err) { data.numpyError = String(err.message ?? err); }
  data.loadavgEnd = loadavg();
  const load = `load ${fmt(data.loadavgStart[0], 2)}→${fmt(data.loadavgEnd[0], 2)}`;
  const rows = [];
  for (const n of sizes) {
    const s = data.sizes[n];
    const np = s.numpy1t === undefined ? 'NumPy n/a' : `NumPy 1t ${fmt(s.numpy1t)} (ours ${fmt(100 * s.ours1t / s.numpy1t, 0)}%), 2t ${fmt(s.numpy2t)} (ours ${fmt(100 * s.ours2t / s.numpy2t, 0)}%)`;
    rows.push({ name: `SGEMM ${n}³ 1t vs tfjs-wasm matMul`, value: `${fmt(s.ours1t)} vs ${fmt(s.tfjs)} GFLOP/s → ${fmt(s.ours1t / s.tfjs, 2)}×; ${np}; ${load}`, target: '≥ 1.0×', pass: s.ours1t >= s.tfjs });
    rows.push({ name: `SGEMM ${n}³ 2t vs 1t`, value: `${fmt(s.ours2t)} vs ${fmt(s.ours1t)} GFLOP/s → ${fmt(s.ours2t / s.ours1t, 2)}×`, target: n >= 1024 ? '≥ 1.8×' : '—', pass: n >= 1024 ? s.ours2t >= 1.8 * s.ours1t : null });
  }
  return { rows, data };
}

// Standalone: node bench/gemm.mjs [--quick]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
  const { rows, data } = await measureGemm(simdopt, { quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(`${r.name}: ${r.value} [target ${r.target}]${r.pass === null ? '' : r.pass ? ' PASS' : ' MISS'}`);
  console.log(JSON.stringify(data));
}
