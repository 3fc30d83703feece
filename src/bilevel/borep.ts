// BO-REP (Hao, Gong, Liu, ICLR 2024: "Bilevel optimization under unbounded smoothness"): for upper levels
// whose smoothness grows with the gradient (recurrent networks), the upper variable moves by normalised
// momentum, so its step length is η whatever the gradient's scale, and the lower variable is refreshed
// only periodically:
//   initialisation refinement  y ← warmSteps gradient steps on g(x₀, ·) before the first upper step;
//   periodic updates           every lowerInterval iterations k (k mod I = 0), y ← innerSteps steps on g(x_k, ·);
//   linear system, every step  z ← Proj_{‖z‖≤R}(z − ν(∇²ᵧᵧg·z − ∇ᵧf))  (one HVP; R = linearRadius);
//   hypergradient              ĝ = ∇ₓf − ∇²ₓᵧg·z;
//   normalised momentum        b ← βb + ĝ, x ← x − η_k·b/‖b‖ (b/‖b‖ = m/‖m‖ for the paper's EMA m = βm + (1−β)ĝ),
//                              η_k = outer.lr (stepDecay 'none') or outer.lr/√(k+1) ('sqrt').
// With problem.samples (or a logistic/softmax model) every oracle is a minibatch mean (the counter-based
// sampler of stochastic.ts, own streams); without, the full oracles (deterministic). Default steps
// α = ν = 1/L̂ (power iteration at x₀). Memory O(dy): y, z and the momentum b (dx).
import { describe, NonFiniteError, StateError } from '../errors.js';
import { powerNorm } from './linear.js';
import type { Oracles } from './oracles.js';
import { resolvedFor, type Resolved } from './options.js';
import type { IterationInfo, LoopResult } from './solve.js';
import { resumeStart, type RunMemory } from './checkpoint.js';
import type { Samples } from './stochastic.js';
import type { Vec, Vecs } from './vec.js';

// sampler streams (the third counter word), apart from stochastic.ts's 1–6
const S_WARM = 11, S_LOWER = 12, S_UPPER = 13, S_HVP = 14, S_POWER = 15;

export function runBorep(v: Vecs, o: Oracles, x: Vec, y: Vec, opt: Resolved, samples: Samples | null,
  onIteration: ((i: IterationInfo) => unknown) | undefined, resume: RunMemory | null = null): LoopResult {
  const e = v.engine, dx = o.dx, dy = o.dy;
  const sample = e.kernel('bl_sample');
  const bLow = samples ? Math.min(opt.batchSize, samples.lower) : 0, bUp = samples ? Math.min(opt.upperBatchSize ?? opt.batchSize, samples.upper) : 0;
  const idxLow = e.alloc(Math.max(bLow, 1), 'i32'), idxUp = e.alloc(Math.max(bUp, 1), 'i32');
  v.track(idxLow); v.track(idxUp);
  const draw = (level: 'lower' | 'upper', k: number, j: number, stream: number): void => {
    if (!samples) return;
    const n = level === 'lower' ? samples.lower : samples.upper, b = level === 'lower' ? bLow : bUp;
    if (b >= n && (level === 'lower' ? opt.batchSize : opt.upperBatchSize ?? opt.batchSize) >= n) { o.setBatch!(level, null); return; }
    const buf = level === 'lower' ? idxLow : idxUp;
    sample(n, b, opt.seed >>> 0, k >>> 0, j >>> 0, stream, buf.ptr);
    o.setBatch!(level, buf.array as Int32Array);
  };
  const full = (): void => { if (samples) { o.setBatch!('lower', null); o.setBatch!('upper', null); } };
  try {
    const gx = v.alloc(dx), gy = v.alloc(dy), hg = v.alloc(dx), g = v.alloc(dy), tx = v.alloc(dx);
    const z = v.alloc(dy), hz = v.alloc(dy), w = v.alloc(dy), hw = v.alloc(dy), b = v.alloc(dx);
    const history: IterationInfo[] = [], warnings: string[] = [];
    const t0 = typeof performance !== 'undefined' ? performance.now() : 0;
    let L = NaN;
    if (resume) {
      L = resume.scalars.hessianNorm; // the saved run's L̂ (from its (x0, y0))
      if ((opt.innerLr === null || opt.linearLr === null) && !(L > 0 && L < Infinity)) throw new StateError(`state file hessianNorm is ${L}: this run's default steps 1/L̂ need a positive L̂`);
    } else if (opt.innerLr === null || opt.linearLr === null) {
      if (samples) {
        const pb = opt.powerBatchSize ?? Math.min(samples.lower, 4 * opt.batchSize);
        if (pb >= samples.lower) o.setBatch!('lower', null);
        else {
          const buf = e.alloc(pb, 'i32');
          try { sample(samples.lower, pb, opt.seed >>> 0, 0, 0, S_POWER, buf.ptr); o.setBatch!('lower', (buf.array as Int32Array).slice()); } finally { buf.free(); }
        }
      }
      L = powerNorm(v, o, x, y, opt.powerSteps, w, hw).norm;
      full();
      if (!(L > 0)) throw new NonFiniteError(`the power iteration found ‖∇²ᵧᵧg‖ = ${L}: no default step exists (set innerLr and linearLr)`, 'hvp', 1);
    }
    const alpha = opt.innerLr ?? 1 / L, nu = opt.linearLr ?? 1 / L;
    const checkY = (k: number): void => {
      const bad = v.firstNonFinite(y);
      if (bad >= 0) throw new NonFiniteError(`the borep lower iterate became non-finite at iteration ${k} (y[${bad}]): lower innerLr`, 'hypergradient', 1);
    };
    const step = (k: number): void => {
      // normalised momentum
      v.lincomb(1, hg, opt.outer.momentum, b, b);
      const bn = v.norm(b);
      if (bn > 0) v.axpy(-(opt.outer.lr * (opt.stepDecay === 'sqrt' ? 1 / Math.sqrt(k + 1) : 1)) / bn, b, x);
    };
    const start = resumeStart(resume, o, opt.outer.steps), before = resume ? resume.scalars.iterations : 0;
    // initialisation refinement (a resumed run restores z, the momentum and the last hypergradient instead, and steps)
    if (resume) {
      for (const [buf, n] of [[hg, 'hypergradient'], [z, 'v'], [b, 'm1']] as const) buf.array.set(resume.vectors[n]!);
      step(start - 1);
    } else for (let j = 0; j < opt.warmSteps; j++) { draw('lower', 0, j, S_WARM); o.lowerGrad(x, y, g); v.axpy(-alpha, g, y); }
    full();
    checkY(0);
    let converged = false, gn = NaN;
    let k = start;
    for (; ; k++) {
      let inner = 0;
      if (k % opt.lowerInterval === 0) {
        for (let j = 0; j < opt.innerSteps; j++) { draw('lower', k, j, S_LOWER); o.lowerGrad(x, y, g); v.axpy(-alpha, g, y); inner++; }
        checkY(k);
      }
      draw('upper', k, 0, S_UPPER);
      o.upperGrad(x, y, gx, gy);
      draw('lower', k, 0, S_HVP);
      o.lowerGrad(x, y, g); gn = v.norm(g);
      o.cross(x, y, z, tx);
      v.lincomb(1, gx, -1, tx, hg); // ĝ at (x_k, y_k, z_k)
      o.hvp(x, y, z, hz);
      v.axpy(-1, gy, hz); // ∇²ᵧᵧg·z − ∇ᵧf
      const res = v.norm(hz) / Math.max(v.norm(gy), 1e-300);
      v.axpy(-nu, hz, z);
      if (opt.linearRadius !== Infinity) { const zn = v.norm(z); if (zn > opt.linearRadius) v.scal(opt.linearRadius / zn, z); }
      full();
      const bad = v.firstNonFinite(hg), badZ = v.firstNonFinite(z);
      if (bad >= 0 || badZ >= 0) {
        throw new NonFiniteError(`the borep iterates became non-finite at iteration ${k} (${bad >= 0 ? `hypergradient[${bad}] = ${describe(hg.array[bad])}` : `z[${badZ}]`}): lower innerLr or linearLr`, 'hypergradient', 1);
      }
      const hn = v.norm(hg);
      const info: IterationInfo = {
        iteration: k, upperValue: o.upperValue(x, y), hypergradientNorm: hn, lowerGradNorm: gn, residual: res, innerSteps: inner,
        linearSteps: 1, hessianNorm: L, oracleCalls: { ...o.calls }, elapsedMs: (typeof performance !== 'undefined' ? performance.now() : 0) - t0,
      };
      history.push(info);
      // a stopping claim only without minibatches, with y and z settled
      if (!samples && hn <= opt.outer.tol && gn <= opt.innerTol && res <= 1e-6) { converged = true; break; }
      if (onIteration && onIteration(info) === false) { warnings.push(`stopped by onIteration at iteration ${k}`); break; }
      if (k >= opt.outer.steps) break;
      step(k);
    }
    const tiers = o.tiers;
    const memory: RunMemory = {
      method: 'borep', dx, dy, calls: { ...o.calls }, tiers: [...o.tiers], options: resolvedFor(opt),
      vectors: { x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), v: z.array.slice(), m1: b.array.slice(), m2: new Float64Array(dx) },
      scalars: { iteration: k, innerMiss: 0, linMiss: 0, singular: 0, hessianNorm: L, lambda: 0, fdError: o.fdError, iterations: before + history.length },
    };
    return { memory,
      x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), history, oracleCalls: { ...o.calls },
      secondOrder: tiers.has('built-in') ? 'built-in' : tiers.has('finite-difference') ? 'finite-difference' : 'user',
      fdError: o.fdError, method: 'borep', converged, warnings,
    };
  } finally { if (samples) { o.setBatch?.('lower', null); o.setBatch?.('upper', null); } }
}
