// Cold start, run by bench/run.mjs in a fresh `node` process: import + init + first AdamW step at
// N = 1e5, each timed separately. Prints one JSON line. usage: node bench/cold.mjs [threads|auto] [N]
const t0 = performance.now();
const m = await import(new URL('../dist/index.js', import.meta.url).href);
const t1 = performance.now();
const arg = process.argv[2] ?? 'auto';
const engine = await m.init({ threads: arg === 'auto' ? 'auto' : Number(arg) });
const t2 = performance.now();
const n = Number(process.argv[3] ?? 1e5);
const ps = new m.ParamSet(engine, { w: n });
const opt = new m.AdamW(ps, { lr: 1e-3 });
const t3a = performance.now();
ps.grad.array.fill(0.5); // the user's gradient: not counted
const t3 = performance.now();
opt.step();
const t4 = performance.now();
const ok = Number.isFinite(ps.data.array[n - 1]);
process.stdout.write(JSON.stringify({
  importMs: t1 - t0, initMs: t2 - t1, setupMs: t3a - t2, stepMs: t4 - t3, totalMs: t4 - t0 - (t3 - t3a),
  threads: engine.info.threads, variant: engine.info.variant, ok,
  // time from process start (node's own boot included) to the end of the first step
  sinceProcessStartMs: performance.timeOrigin + t4 - (Date.now() - process.uptime() * 1000),
}) + '\n');
await engine.dispose();
process.exit(0);
