// Exact resume across runtimes (test/state-resume.test.mjs): seeded trajectories whose step-k gradient
// depends only on k and the current parameters, so a run can stop after any step, be saved with
// saveState(opt, { params: true }), and continue elsewhere. Runtime-neutral ESM (no node: imports).
//
// Under Deno and Bun it is also the runner:
//   deno run --allow-read=<repo>,<dir of file> test/conformance/resume.mjs <case> <state file> <from> <to> [threads]
//   bun test/conformance/resume.mjs <case> <state file> <from> <to> [threads]
// loads the file into a fresh optimizer, runs steps from+1..to and prints one JSON line { runtime, sha256, step }.
import { layout, noiseSource, problem, sha256Hex, writeGrad, packParams } from './trajectory.mjs';

export const SPEC = { 'enc.w': [33, 17], 'enc.b': 17, 'head.w': [17, 5], 'head.b': 5, scale: 1 };
export const SEED = 0x51a7e;

/** name -> (simdopt, ParamSet) -> optimizer; schedules are functions, so each runtime rebuilds them. */
export const CASES = {
  // AdamW with three groups (no decay on biases, other lr/betas for the head) and a warmup-cosine lr.
  'adamw-groups-schedule': (so, ps) => new so.AdamW(ps, {
    lr: so.warmupCosineDecay(ps.engine, { init: 0, peak: 2e-2, warmupSteps: 30, decaySteps: 200, end: 1e-3 }),
    weightDecay: 0.05,
    groups: [{ params: /\.b$/, weightDecay: 0 }, { params: ['head.w'], lr: 5e-3, betas: [0.8, 0.99] }],
  }),
  // NAdam: scalar state (mu_product) besides the moments.
  nadam: (so, ps) => new so.NAdam(ps, { lr: 5e-3, weightDecay: 0.01 }),
  // Schedule-Free AdamW: per-group scalar arrays and the train/eval mode.
  'schedulefree-adamw': (so, ps) => new so.ScheduleFreeAdamW(ps, { lr: 1e-2, warmupSteps: 20 }),
};

export function setup(so, engine, name) {
  const ps = new so.ParamSet(engine, SPEC);
  const prob = problem(SEED, SPEC);
  for (const n of Object.keys(SPEC)) ps.setParam(n, prob[n].p0);
  return { ps, prob, opt: CASES[name](so, ps) };
}

/** Steps from+1..to; step k's gradient: c·(p − t) + noise drawn from a generator seeded by k. */
export function run(ps, prob, opt, from, to) {
  for (let k = from + 1; k <= to; k++) {
    const noise = noiseSource(SEED + k);
    for (const n of Object.keys(SPEC)) writeGrad(ps.gradOf(n), ps.param(n), prob[n].t, prob[n].c, noise);
    opt.step();
  }
}

export const paramsSha = (ps) => sha256Hex(packParams((n) => ps.param(n), SPEC));
export { layout };

const g = globalThis;
const args = g.Deno ? g.Deno.args : g.Bun ? g.process.argv.slice(2) : [];
if ((g.Deno || g.Bun) && args.length >= 4 && import.meta.main) {
  const so = await import('../../dist/index.js');
  const [name, file, from, to, threads = '1'] = args;
  const engine = await so.init({ threads: Number(threads), splitMin: 64 });
  await engine.ready;
  const { ps, prob, opt } = setup(so, engine, name);
  const bytes = g.Deno ? await g.Deno.readFile(file) : new Uint8Array(await g.Bun.file(file).arrayBuffer());
  so.loadState(opt, bytes);
  if (opt.stepCount !== Number(from)) throw new Error(`loaded step ${opt.stepCount}, expected ${from}`);
  run(ps, prob, opt, Number(from), Number(to));
  console.log(JSON.stringify({ runtime: engine.info.runtime, threads: engine.info.threads, step: opt.stepCount, sha256: await paramsSha(ps) }));
  await engine.dispose();
  if (g.Deno) g.Deno.exit(0); else g.process.exit(0);
}
