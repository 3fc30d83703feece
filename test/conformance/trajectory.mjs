// Cross-runtime conformance trajectory. Runtime-neutral ESM: no node: imports, no file access, only
// WebAssembly + crypto.subtle, so the same file runs in Node, Deno, Bun, Chromium and workerd.
//
// Problem: a ParamSet of tensors with awkward sizes; seeded (integer-only xorshift32) initial params,
// targets, curvatures; every step the gradient is g = fround(fround(c * fround(p - t)) + noise) with
// seeded noise, written in plain JS into the grad views; every 10th step clipGradNorm(ps, MAX_NORM);
// then one AdamW step. After STEPS steps the params (tensors concatenated in order, padding excluded)
// are hashed with SHA-256.

export const STEPS = 1000;
export const CLIP_EVERY = 10;
export const MAX_NORM = 2;
export const SEED = 0x5eed1234;
/** Awkward sizes: odd, prime-ish, tiny, block-straddling (4096 + 3 crosses a reduction block). */
export const SPEC = { a: 1003, b: [17, 19], c: 5, d: 4096 + 3, e: [64, 71] };
export const HYPER = { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2 };

const f = Math.fround;

/** xorshift32; integers only, so every runtime produces the same stream. */
export function xorshift32(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

/** Uniform f32 in [lo, hi) from the top 24 bits (exact in f32 and f64). */
const u24 = (r) => (r() >>> 8) / 16777216;

/** The layout a ParamSet gives SPEC: tensors in order, each starting on a multiple of 4 elements. */
export function layout(spec = SPEC) {
  const tensors = [];
  let offset = 0;
  for (const [name, shape] of Object.entries(spec)) {
    const size = (typeof shape === 'number' ? [shape] : shape).reduce((x, y) => x * y, 1);
    tensors.push({ name, size, offset });
    offset += Math.ceil(size / 4) * 4;
  }
  return { tensors, size: offset };
}

/** Seeded problem data, per tensor: initial params p0, targets t, curvatures c (all f32 values). */
export function problem(seed = SEED, spec = SPEC) {
  const r = xorshift32(seed);
  const out = {};
  for (const { name, size } of layout(spec).tensors) {
    const p0 = new Float32Array(size), t = new Float32Array(size), c = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      p0[i] = f(u24(r) * 4 - 2);
      t[i] = f(u24(r) * 2 - 1);
      c[i] = f(0.1 + u24(r) * 1.9);
    }
    out[name] = { p0, t, c };
  }
  return out;
}

/** The noise stream of the gradients (one draw per element per step, tensors in order). */
export function noiseSource(seed = SEED) {
  const r = xorshift32(seed ^ 0x9e3779b9);
  return () => f((u24(r) - 0.5) * 0.02);
}

/** Write the step's gradient of tensor (p, t, c) into g (all Float32Array views of the same length). */
export function writeGrad(g, p, t, c, noise) {
  for (let i = 0; i < g.length; i++) g[i] = f(f(c[i] * f(p[i] - t[i])) + noise());
}

export async function sha256Hex(bytes) {
  const d = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Concatenate the tensors' values (no padding) into one Float32Array. */
export function packParams(get, spec = SPEC) {
  const { tensors } = layout(spec);
  const out = new Float32Array(tensors.reduce((s, t) => s + t.size, 0));
  let o = 0;
  for (const t of tensors) { out.set(get(t.name, t), o); o += t.size; }
  return out;
}

/**
 * Run the trajectory on the given simdopt module namespace.
 * @param simdopt  the module (`import * as simdopt from '.../dist/index.js'`)
 * @param initOptions  passed to `simdopt.init`
 * @param variant  `{ amsgrad?: boolean }`
 * @returns `{ sha256, info }` (info = engine.info plus a few trajectory facts)
 */
export async function runTrajectory(simdopt, initOptions = {}, variant = {}) {
  const amsgrad = !!variant.amsgrad;
  const engine = await simdopt.init(initOptions);
  await engine.ready; // workers start in the background: wait so the split really happens
  try {
    const ps = new simdopt.ParamSet(engine, SPEC);
    if (ps.size !== layout().size) throw new Error(`ParamSet layout changed: size ${ps.size}, expected ${layout().size}`);
    const prob = problem();
    for (const name of Object.keys(SPEC)) ps.setParam(name, prob[name].p0);
    const opt = new simdopt.AdamW(ps, { ...HYPER, amsgrad });
    const noise = noiseSource();
    const names = Object.keys(SPEC);
    let clipped = 0, lastNorm = 0;
    const t0 = Date.now();
    for (let step = 1; step <= STEPS; step++) {
      // Views are re-fetched each step (memory may grow; it does not here, but that is the contract).
      for (const name of names) writeGrad(ps.gradOf(name), ps.param(name), prob[name].t, prob[name].c, noise);
      if (step % CLIP_EVERY === 0) {
        lastNorm = simdopt.clipGradNorm(ps, MAX_NORM);
        if (MAX_NORM / (lastNorm + 1e-6) < 1) clipped++;
      }
      opt.step();
    }
    const ms = Date.now() - t0;
    const params = packParams((name) => ps.param(name));
    const sha256 = await sha256Hex(params);
    const info = { ...engine.info, fallbacks: [...engine.info.fallbacks], amsgrad, steps: opt.stepCount, clipped, lastNorm, ms };
    opt.free(); ps.free();
    return { sha256, info };
  } finally {
    await engine.dispose();
  }
}

/** The run matrix: name -> { init options, variant, expectThreads (when 2 threads are possible) }. */
export const CONFIGS = {
  'simd-t1': { init: { threads: 1 }, variant: {} },
  'simd-t2': { init: { threads: 2, splitMin: 64 }, variant: {} },
  'scalar-t1': { init: { simd: false, threads: 1 }, variant: {} },
  'scalar-t2': { init: { simd: false, threads: 2, splitMin: 64 }, variant: {} },
  'simd-t2-amsgrad': { init: { threads: 2, splitMin: 64 }, variant: { amsgrad: true } },
};

/**
 * Run the named configs (all by default) in sequence; errors are reported per config, not thrown.
 * `extraInit` is merged into every config's init options (workerd: the precompiled `wasm` modules).
 */
export async function runConfigs(simdopt, names = Object.keys(CONFIGS), extraInit = {}) {
  const out = {};
  for (const name of names) {
    const c = CONFIGS[name];
    try {
      if (!c) throw new Error(`unknown config ${name}`);
      out[name] = await runTrajectory(simdopt, { ...c.init, ...extraInit }, c.variant);
    } catch (e) {
      out[name] = { error: String(e && e.stack || e) };
    }
  }
  return out;
}
