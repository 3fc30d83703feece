// f32-exact plain-JS reference of the conformance trajectory (trajectory.mjs). Runtime-neutral.
//
// * AdamW element update: Math.fround after every single operation, in the operation order of the
//   kernel in assembly/adam.ts (scalar tail == SIMD lanes):
//     p = p*decay; m = m*b1 + omb1*g; v = v*b2 + (omb2*g)*g; [vmax = max(vmax, v)];
//     p = p + (stepHat*m)/(sqrt(vs) + epsHat)        (test/helpers/reference.mjs adamRef)
// * Per-step scalars exactly as src/optim/adam.ts computes them, in f64, then rounded to f32 where the
//   kernel's f32 parameters receive them (JS number -> wasm f32 is round-to-nearest = Math.fround):
//     bc1 = 1 - pow(b1, t), sq = sqrt(1 - pow(b2, t)), stepHat = -(lr*sq)/bc1, epsHat = eps*sq,
//     omb1 = 1 - b1, omb2 = 1 - b2, decay = 1 - lr*wd.
//   `pow` is a parameter: the harness passes the engine's own deterministic wasm pow (`engine.pow`,
//   fdlibm), because the host's Math.pow is implementation defined. (Observed on Node 20: Math.pow
//   differs from engine.pow in 196 of the 2,000 f64 values beta^t, t <= 1000, yet the final hash is the
//   same, because the scalars are rounded to f32; that is luck, not a guarantee, so it is not used.) sqrt is f64.sqrt == Math.sqrt
//   (correctly rounded in every engine), so Math.sqrt is used.
// * clipGradNorm (src/optim/clip.ts + assembly/reduce.ts dot_partials(x, x)/pairwise_f64) on the padded
//   ParamSet layout: per 4096-element block, element i accumulates x[i]^2 (exact in f64) into lane
//   i mod 4 in order, block partial = (l0 + l1) + (l2 + l3), partials folded in a fixed binary tree
//   (left half + right half). norm = sqrt(sum); coef = maxNorm/(norm + 1e-6); if coef < 1,
//   g = fround(g * fround(coef)).
import {
  CLIP_EVERY, HYPER, MAX_NORM, SPEC, STEPS, layout, noiseSource, packParams, problem, sha256Hex, writeGrad,
} from './trajectory.mjs';
import { adamRef } from '../helpers/reference.mjs';

const f = Math.fround;
export const BLOCK = 4096;

export function sumSquaresRef(x) {
  const n = x.length;
  const partials = [];
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(b + BLOCK, n);
    const a = [0, 0, 0, 0];
    for (let i = b; i < e; i++) { const v = x[i]; a[(i - b) & 3] += v * v; }
    partials.push((a[0] + a[1]) + (a[2] + a[3]));
  }
  const pairwise = (lo, cnt) => (cnt === 1 ? partials[lo] : pairwise(lo, cnt >> 1) + pairwise(lo + (cnt >> 1), cnt - (cnt >> 1)));
  return partials.length === 0 ? 0 : pairwise(0, partials.length);
}

export function clipGradNormRef(g, maxNorm) {
  const norm = Math.sqrt(sumSquaresRef(g));
  const coef = maxNorm / (norm + 1e-6);
  if (Number.isFinite(norm) && coef < 1) {
    const a = f(coef);
    for (let i = 0; i < g.length; i++) g[i] = f(g[i] * a);
  }
  return norm;
}

export function adamwStepRef(p, g, m, v, vmax, t, hyper, amsgrad, pow) {
  adamRef(p, g, { m, v, vmax }, { ...hyper, amsgrad }, true, t, pow, Math.sqrt);
}

/**
 * The reference trajectory. `pow(x, y)` must be the engine's f64 pow (see above).
 * @returns `{ sha256, params, clipped }`
 */
export async function referenceTrajectory(pow, { amsgrad = false } = {}) {
  const { tensors, size } = layout();
  const p = new Float32Array(size), g = new Float32Array(size);
  const m = new Float32Array(size), v = new Float32Array(size), vmax = new Float32Array(size);
  const prob = problem();
  for (const t of tensors) p.set(prob[t.name].p0, t.offset);
  const noise = noiseSource();
  const view = (a, t) => a.subarray(t.offset, t.offset + t.size);
  let clipped = 0;
  for (let step = 1; step <= STEPS; step++) {
    for (const t of tensors) writeGrad(view(g, t), view(p, t), prob[t.name].t, prob[t.name].c, noise);
    if (step % CLIP_EVERY === 0) {
      const norm = clipGradNormRef(g, MAX_NORM);
      if (MAX_NORM / (norm + 1e-6) < 1) clipped++;
    }
    adamwStepRef(p, g, m, v, vmax, step, HYPER, amsgrad, pow);
  }
  const byName = Object.fromEntries(tensors.map((t) => [t.name, t]));
  const params = packParams((name) => view(p, byName[name]), SPEC);
  return { sha256: await sha256Hex(params), params, clipped };
}
