// Online family benchmark (issue 11): FTRL-Proximal updates per second on sparse logistic data, d = 2^20
// hashed features, 20 non-zeros per example, against a plain-JS implementation of the same Algorithm 1
// (McMahan et al. 2013) over Float64Arrays (same state, same per-coordinate order, no wasm), one round per
// update() call and in CSR batches of 1000 through updateBatch (one wasm call per batch); and ONS at
// d = 256 (Sherman–Morrison update, unconstrained so no projection) against the same plain-JS loops.
// Timing: the two implementations interleaved in rounds (rotating order), median of the rounds.
// `node bench/online.mjs [--quick]` prints the rows and writes bench/results/online-latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const median = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const now = () => performance.now();
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

/** Plain-JS FTRL-Proximal (Algorithm 1) on Float64Arrays. */
export class PlainFTRL {
  constructor(d, { alpha, beta, l1, l2 }) { this.z = new Float64Array(d); this.n = new Float64Array(d); Object.assign(this, { alpha, beta, l1, l2 }); }
  w(i) { const z = this.z[i]; return Math.abs(z) <= this.l1 ? 0 : -(z - (z < 0 ? -this.l1 : this.l1)) / ((this.beta + Math.sqrt(this.n[i])) / this.alpha + this.l2); }
  update(y, idx, val) {
    let m = 0;
    for (let j = 0; j < idx.length; j++) m += this.w(idx[j]) * val[j];
    const p = 1 / (1 + Math.exp(-m)), e = p - y;
    for (let j = 0; j < idx.length; j++) {
      const i = idx[j], g = e * val[j], wi = this.w(i), n2 = this.n[i] + g * g;
      this.z[i] += g - ((Math.sqrt(n2) - Math.sqrt(this.n[i])) / this.alpha) * wi;
      this.n[i] = n2;
    }
    return p;
  }
}

/** Plain-JS ONS step (unconstrained): A += ggᵀ, A⁻¹ by Sherman–Morrison, x −= (1/γ)A⁻¹g. */
export class PlainONS {
  constructor(d, gamma, eps) {
    this.d = d; this.gamma = gamma; this.x = new Float64Array(d); this.A = new Float64Array(d * d); this.Ai = new Float64Array(d * d); this.u = new Float64Array(d);
    for (let i = 0; i < d; i++) { this.A[i * d + i] = eps; this.Ai[i * d + i] = 1 / eps; }
  }
  update(g) {
    const { d, A, Ai, u, x } = this;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] += g[i] * g[j];
    let den = 1;
    for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += Ai[i * d + j] * g[j]; u[i] = s; den += g[i] * s; }
    for (let i = 0; i < d; i++) { const ui = u[i] / den; for (let j = 0; j < d; j++) Ai[i * d + j] -= ui * u[j]; }
    for (let i = 0; i < d; i++) x[i] -= (u[i] / den) / this.gamma;
  }
}

export async function measureOnline({ quick = false } = {}) {
  const simdopt = await import(pathToFileURL(join(here, '..', 'dist', 'index.js')).href);
  const engine = await simdopt.init({ threads: 1 });
  const D = 1 << 20, NNZ = 20, N = quick ? 5000 : 20000, ROUNDS = quick ? 3 : 7;
  const rnd = lcg(1), data = [];
  for (let t = 0; t < N; t++) {
    const s = new Set(); while (s.size < NNZ) s.add(Math.floor(rnd() * D));
    const idx = Int32Array.from([...s].sort((a, b) => a - b)), val = Float64Array.from(idx, () => 1);
    data.push({ idx, val, y: rnd() < 0.3 ? 1 : 0, x: { indices: idx, values: val } });
  }
  const opts = { alpha: 0.1, beta: 1, l1: 1, l2: 1 };
  // the same rounds as CSR batches of 1000 for updateBatch (one wasm call per batch)
  const B = 1000, batches = [];
  for (let s = 0; s < N; s += B) {
    const rows = data.slice(s, s + B), indptr = new Int32Array(rows.length + 1), indices = new Int32Array(rows.length * NNZ), values = new Float64Array(rows.length * NNZ);
    rows.forEach((e, k) => { indices.set(e.idx, k * NNZ); values.set(e.val, k * NNZ); indptr[k + 1] = (k + 1) * NNZ; });
    batches.push({ y: Float64Array.from(rows, (e) => e.y), x: { indptr, indices, values } });
  }
  const ours = new simdopt.online.FTRLProximal(engine, { dim: D, ...opts }), plain = new PlainFTRL(D, opts);
  const batched = new simdopt.online.FTRLProximal(engine, { dim: D, ...opts });
  const tOurs = [], tPlain = [], tBatch = [];
  for (let r = 0; r < ROUNDS; r++) {
    const runs = [() => { const t0 = now(); for (const e of data) ours.update(e.y, { x: e.x }); tOurs.push(now() - t0); },
      () => { const t0 = now(); for (const b of batches) batched.updateBatch(b.y, b.x); tBatch.push(now() - t0); },
      () => { const t0 = now(); for (const e of data) plain.update(e.y, e.idx, e.val); tPlain.push(now() - t0); }];
    for (let k = 0; k < r % 3; k++) runs.push(runs.shift());
    for (const f of runs) f();
  }
  ours.free(); batched.free();
  const ftrl = { d: D, nnz: NNZ, updates: N, batch: B, oursPerSec: N / (median(tOurs) / 1000), batchPerSec: N / (median(tBatch) / 1000), plainPerSec: N / (median(tPlain) / 1000) };

  const d = 256, M = quick ? 20 : 60;
  const grads = Array.from({ length: M }, () => Float64Array.from({ length: d }, () => rnd() * 2 - 1));
  const ons = new simdopt.online.ONS(engine, { set: simdopt.online.sets.unconstrained(d), gamma: 0.5, epsilon: 1 }), pons = new PlainONS(d, 0.5, 1);
  const oO = [], oP = [];
  for (let r = 0; r < ROUNDS; r++) {
    const runs = [() => { const t0 = now(); for (const g of grads) ons.update(g); oO.push((now() - t0) / M); },
      () => { const t0 = now(); for (const g of grads) pons.update(g); oP.push((now() - t0) / M); }];
    if (r % 2) runs.reverse();
    for (const f of runs) f();
  }
  ons.free();
  const onsRow = { d, oursMsPerUpdate: median(oO), plainMsPerUpdate: median(oP) };
  const info = { ...engine.info, fallbacks: [...engine.info.fallbacks] };
  await engine.dispose();
  return { date: new Date().toISOString(), cpu: cpus()[0]?.model, node: process.version, engine: info, ftrl, ons: onsRow };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await measureOnline({ quick: process.argv.includes('--quick') });
  console.log(`FTRL-Proximal, d = 2^20, ${r.ftrl.nnz} non-zeros: simdopt update() ${(r.ftrl.oursPerSec / 1e3).toFixed(0)}k/s (${(r.ftrl.oursPerSec / r.ftrl.plainPerSec).toFixed(2)}x), updateBatch(${r.ftrl.batch}) ${(r.ftrl.batchPerSec / 1e3).toFixed(0)}k/s (${(r.ftrl.batchPerSec / r.ftrl.plainPerSec).toFixed(2)}x), plain JS ${(r.ftrl.plainPerSec / 1e3).toFixed(0)}k updates/s`);
  console.log(`ONS, d = ${r.ons.d} (unconstrained): simdopt ${r.ons.oursMsPerUpdate.toFixed(3)} ms/update, plain JS ${r.ons.plainMsPerUpdate.toFixed(3)} ms/update (${(r.ons.plainMsPerUpdate / r.ons.oursMsPerUpdate).toFixed(2)}x)`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'online-latest.json'), JSON.stringify(r, null, 2) + '\n');
}
