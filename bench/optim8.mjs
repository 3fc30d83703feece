// 8-bit optimizer states vs 32-bit: ms per step at 1e7 parameters (one [10000, 1000] tensor, so 8-bit state
// under bitsandbytes' rule) on 1 and 2 threads, and state bytes per parameter, for AdamW vs AdamW8bit,
// Lion vs Lion8bit and SGD (momentum) vs SGD8bit. nonFinite: 'propagate' everywhere (no gradient check,
// as torch and bitsandbytes do). Times are the best of interleaved repetitions (the machine is shared:
// the best rep is the least disturbed one). `node bench/optim8.mjs` prints the table; bench/run.mjs
// calls measureOptim8 for its row.
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export async function measureOptim8(simdopt, { quick = false } = {}) {
  const { init, ParamSet, AdamW, AdamW8bit, Lion, Lion8bit, SGD, SGD8bit } = simdopt;
  const n = quick ? 1e6 : 1e7, reps = quick ? 3 : 7, inner = quick ? 3 : 5;
  const pairs = [
    ['AdamW', (ps) => new AdamW(ps, { lr: 1e-3, nonFinite: 'propagate' }), 8, (ps) => new AdamW8bit(ps, { lr: 1e-3, nonFinite: 'propagate' })],
    ['Lion', (ps) => new Lion(ps, { lr: 1e-4, nonFinite: 'propagate' }), 4, (ps) => new Lion8bit(ps, { lr: 1e-4, nonFinite: 'propagate' })],
    ['SGD momentum', (ps) => new SGD(ps, { lr: 1e-2, momentum: 0.9, nonFinite: 'propagate' }), 4, (ps) => new SGD8bit(ps, { lr: 1e-2, momentum: 0.9, nonFinite: 'propagate' })],
  ];
  const data = { n, loadavgStart: loadavg(), rows: [] };
  for (const threads of [1, 2]) {
    const e = await init({ threads });
    await e.ready;
    const ps = new ParamSet(e, { w: [n / 1000, 1000] });
    const g = new Float32Array(n), p = new Float32Array(n);
    for (let i = 0; i < n; i++) { g[i] = ((i * 2654435761) >>> 0) / 2 ** 32 - 0.5; p[i] = ((i * 40503 + 7) % 65536) / 65536 - 0.5; }
    ps.setParam('w', p); ps.setGrad('w', g);
    for (const [name, make32, bytes32, make8] of pairs) {
      const o32 = make32(ps), o8 = make8(ps);
      for (let k = 0; k < 2; k++) { o32.step(); o8.step(); }       // warm-up: pages touched, kernels compiled
      let best32 = Infinity, best8 = Infinity;
      for (let r = 0; r < reps; r++) {
        let t = performance.now(); for (let k = 0; k < inner; k++) o32.step(); best32 = Math.min(best32, (performance.now() - t) / inner);
        t = performance.now(); for (let k = 0; k < inner; k++) o8.step(); best8 = Math.min(best8, (performance.now() - t) / inner);
      }
      data.rows.push({ name, threads: e.info.threads, ms32: best32, ms8: best8, bytes32, bytes8: o8.stateBytes / n });
      o32.free(); o8.free();
    }
    ps.free();
    await e.dispose();
  }
  data.loadavgEnd = loadavg();
  const rows = data.rows.map((r) => ({
    name: `${r.name} vs its 8-bit state, 1e${Math.round(Math.log10(n))}, ${r.threads} thread${r.threads > 1 ? 's' : ''}`,
    value: `${fmt(r.ms32)} / ${fmt(r.ms8)} ms/step (${fmt(r.ms8 / r.ms32)}×), ${r.bytes32} / ${fmt(r.bytes8, 3)} B/param`,
  }));
  return { rows, data };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const simdopt = await import(new URL('../dist/index.js', import.meta.url).href);
  const { rows, data } = await measureOptim8(simdopt, { quick: process.argv.includes('--quick') });
  console.log(`load average at start ${data.loadavgStart.map((x) => x.toFixed(2)).join(' ')}, at end ${data.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| optimizer | threads | 32-bit ms/step | 8-bit ms/step | 8-bit / 32-bit | state B/param 32-bit / 8-bit |');
  console.log('|---|---|---|---|---|---|');
  for (const r of data.rows) console.log(`| ${r.name} | ${r.threads} | ${fmt(r.ms32)} | ${fmt(r.ms8)} | ${fmt(r.ms8 / r.ms32)}× | ${r.bytes32} / ${fmt(r.bytes8, 3)} |`);
  void rows;
}
