// Bilevel family benchmark (issue 9), row 16.
// (a) The AID-CG hypergradient of ridge HPO on the built-in model, n = 5000 training and m = 1000
//     validation rows, d = 500 features (seeded data), λ = 0: bilevel.hypergradient with innerSolver
//     'newton', innerSteps 1, cgSteps K = 25, cgTol 0 (a fixed amount of work: 56 Hessian-vector products,
//     each two passes over X), at 1 and 2 engine threads; against bench/bilevel_ridge.py running the same
//     algorithm product for product in NumPy (OpenBLAS), through SciPy's cg, and with torch 1.13 autograd
//     products (double backward) in the same CG, at the same thread count (OPENBLAS_NUM_THREADS,
//     torch.set_num_threads); every implementation's dΦ/dλ is checked against ours.
// (b) Hyper-cleaning on digits (examples/hyper-cleaning.mjs, 50 outer steps: the README's 88.33% test
//     accuracy row): wall time of the solve at 1 and 2 engine threads, and the accuracy it reached.
// `node bench/bilevel.mjs [--quick]` prints the rows and writes bench/results/bilevel-latest.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const now = () => performance.now();
const PY = '/usr/bin/python3';
export const RIDGE = { n: 5000, m: 1000, d: 500, lambda: 0, cgSteps: 25 };

function ridgeData({ n, m, d }) {
  let s = 16;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const w = Float64Array.from({ length: d }, rnd);
  const rows = (k) => Float64Array.from({ length: k * d }, rnd);
  const X = rows(n), V = rows(m);
  const target = (A, k) => Float64Array.from({ length: k }, (_, i) => { let t = 0; for (let j = 0; j < d; j++) t += A[i * d + j] * w[j]; return t + 0.5 * rnd(); });
  return { X, t: target(X, n), V, tv: target(V, m) };
}

export async function measureBilevel(simdopt, { quick = false } = {}) {
  const { n, m, d, lambda, cgSteps } = RIDGE, REPS = quick ? 3 : 7;
  const data = ridgeData(RIDGE);
  const problem = (model) => ({ model, x0: [lambda], method: 'aid-cg', options: { innerSolver: 'newton', innerSteps: 1, innerTol: 0, cgSteps, cgTol: 0 } });
  const ours = {};
  for (const threads of [1, 2]) {
    const engine = await simdopt.init({ threads });
    await engine.ready;
    const model = simdopt.bilevel.models.ridge(engine, { features: d, trainX: data.X, trainY: data.t, valX: data.V, valY: data.tv });
    let r = simdopt.bilevel.hypergradient(engine, problem(model)); // warm-up
    const ts = [];
    for (let k = 0; k < REPS; k++) { const t0 = now(); r = simdopt.bilevel.hypergradient(engine, problem(model)); ts.push(now() - t0); }
    ours[threads] = { ms: median(ts), hypergradient: r.hypergradient[0], hvp: r.oracleCalls.hvp, engineThreads: engine.info.threads, simd: engine.info.simd };
    model.free(); await engine.dispose();
  }
  // the same data for Python, as raw little-endian f64
  const file = join(tmpdir(), `simdopt-bilevel-${process.pid}.f64`);
  const py = {};
  if (existsSync(PY)) {
    const all = new Float64Array(n * d + n + m * d + m);
    all.set(data.X, 0); all.set(data.t, n * d); all.set(data.V, n * d + n); all.set(data.tv, n * d + n + m * d);
    writeFileSync(file, new Uint8Array(all.buffer));
    try {
      for (const threads of [1, 2]) {
        const res = spawnSync(PY, [join(here, 'bilevel_ridge.py'), file, n, m, d, lambda, cgSteps, quick ? 2 : 5, threads].map(String),
          { encoding: 'utf8', timeout: 600000, env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) } });
        try { py[threads] = JSON.parse(res.stdout.trim().split('\n').at(-1)); } catch { py[threads] = { error: (res.stderr || res.error?.message || 'no output').slice(-400) }; }
      }
    } finally { rmSync(file, { force: true }); }
  } else py.note = `${PY} missing: NumPy/SciPy/torch rows skipped`;

  // (b) hyper-cleaning, 50 outer steps, 1 and 2 threads (interleaved rounds)
  const hc = { 1: [], 2: [] };
  let acc = {};
  for (let round = 0; round < (quick ? 1 : 2); round++) {
    for (const threads of round % 2 ? [2, 1] : [1, 2]) {
      const res = spawnSync(process.execPath, [join(root, 'examples', 'hyper-cleaning.mjs'), '50', String(threads)], { cwd: root, encoding: 'utf8', timeout: 600000 });
      const sec = /Hessian-vector products per step, ([\d.]+) s/.exec(res.stdout), a = /hyper-cleaning[^:]*: test accuracy ([\d.]+)%/.exec(res.stdout);
      if (!sec || !a) { hc[threads].push(NaN); acc[threads] = `failed: ${(res.stderr || res.stdout).slice(-300)}`; continue; }
      hc[threads].push(Number(sec[1])); acc[threads] = Number(a[1]);
    }
  }
  const hyperCleaning = { steps: 50, seconds1: median(hc[1]), seconds2: median(hc[2]), accuracy1: acc[1], accuracy2: acc[2], samples: hc };

  const rows = [];
  const rel = (a, b) => Math.abs(a - b) / Math.abs(b);
  for (const threads of [1, 2]) {
    const o = ours[threads], p = py[threads];
    rows.push({ name: `AID-CG hypergradient, ridge n=${n} d=${d}, ${cgSteps}+${cgSteps} CG steps, ${threads}t: simdopt`, value: `${o.ms.toFixed(1)} ms (${o.hvp} HVPs, engine threads ${o.engineThreads})`, target: 'info', pass: null });
    for (const lib of ['numpy', 'scipy', 'torch']) {
      if (!p || p.error || p[`${lib}_ms`] === undefined) { rows.push({ name: `  vs ${lib} ${threads}t`, value: `skipped: ${p?.error ?? p?.[`${lib}_error`] ?? py.note}`, target: 'faster', pass: null }); continue; }
      const agree = rel(p[`${lib}_hypergradient`], o.hypergradient);
      rows.push({ name: `  vs ${lib} ${p[lib]} ${threads}t`, value: `${p[`${lib}_ms`].toFixed(1)} ms: simdopt ${(p[`${lib}_ms`] / o.ms).toFixed(2)}x (dΦ/dλ agrees to ${agree.toExponential(1)})`, target: 'faster', pass: o.ms < p[`${lib}_ms`] });
    }
  }
  rows.push({ name: 'hyper-cleaning on digits, 50 outer steps (README 88.33%)', value: `1t ${hyperCleaning.seconds1.toFixed(1)} s (${hyperCleaning.accuracy1}%), 2t ${hyperCleaning.seconds2.toFixed(1)} s (${hyperCleaning.accuracy2}%)`, target: 'info', pass: null });
  return { rows, data: { date: new Date().toISOString(), cpu: cpus()[0]?.model, node: process.version, ridge: { ...RIDGE, ours, python: py }, hyperCleaning } };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
  const { rows, data } = await measureBilevel(simdopt, { quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(`${r.name}: ${r.value}${r.pass === null ? '' : r.pass ? '  PASS' : '  MISS'}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'bilevel-latest.json'), JSON.stringify(data, null, 2) + '\n');
}
