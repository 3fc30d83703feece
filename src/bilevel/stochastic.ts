// Stochastic (minibatch) bilevel methods. Every oracle evaluation is a batch mean over sample indices
// drawn with replacement by the counter-based Philox sampler of assembly/bilevel/vec.ts (bl_sample): the
// batch of stream s at outer iteration k, sub-step j is a function of (seed, k, j, s) only, so a run is
// the same whatever came before and in every runtime.
//   stocbio  (Ji, Yang, Liang, ICML 2021) double loop, per outer iteration k:
//            D steps y ← y − α∇ᵧG(x, y; Sⱼ) (fresh batch each); v₀ = ∇ᵧF(x, y; D_F);
//            v = η Σ_{q=0..Q} Π_{j=1..q} (I − η∇²ᵧᵧG(x, y; Bⱼ)) v₀ (one independent batch per factor, the
//            paper's form, not the reference code's η·last + Σ); ∇̂Φ = ∇ₓF(x, y; D_F) − ∇²ₓᵧG(x, y; D_G)·v.
//   soba     (Dagréou, Ablin, Vaiter, Moreau, NeurIPS 2022) single loop, per step t with one lower batch B
//            (∇ᵧG, the HVP and the cross product) and one upper batch U:
//            Dᵧ = ∇ᵧG(B), Dᵥ = ∇²ᵧᵧG(B)·v − ∇ᵧF(U), Dₓ = ∇ₓF(U) − ∇²ₓᵧG(B)·v, all at (x_t, y_t, v_t);
//            y −= ρ_t Dᵧ, v −= ρ_t Dᵥ, x steps along Dₓ with the outer optimizer at lr·(decay).
// Default steps: α = η = ρ₀ = 1/L̂, L̂ the power-iteration estimate of ‖∇²ᵧᵧg‖ at (x0, y0) on one batch of
// powerBatchSize samples. Memory O(dy): stocbio's Neumann sum needs two vectors, soba keeps v (warm).
import { NonFiniteError, StateError } from '../errors.js';
import { describe } from '../errors.js';
import { powerNorm } from './linear.js';
import type { Oracles } from './oracles.js';
import { resolvedFor, type Resolved } from './options.js';
import type { IterationInfo, LoopResult } from './solve.js';
import { resumeStart, type RunMemory } from './checkpoint.js';
import type { Vec, Vecs } from './vec.js';

export interface Samples { lower: number; upper: number }

// sampler streams (the third counter word)
const S_INNER = 1, S_UPPER = 2, S_NEUMANN = 3, S_CROSS = 4, S_POWER = 5, S_SOBA = 6;

export function runStochastic(v: Vecs, o: Oracles, x: Vec, y: Vec, opt: Resolved, samples: Samples,
  onIteration: ((i: IterationInfo) => unknown) | undefined, resume: RunMemory | null): LoopResult {
  const e = v.engine, dx = o.dx, dy = o.dy, method = opt.method;
  const sample = e.kernel('bl_sample');
  const bLow = Math.min(opt.batchSize, samples.lower), bUp = Math.min(opt.upperBatchSize ?? opt.batchSize, samples.upper);
  const idxLow = e.alloc(bLow, 'i32'), idxUp = e.alloc(bUp, 'i32');
  const allLow = opt.batchSize >= samples.lower, allUp = (opt.upperBatchSize ?? opt.batchSize) >= samples.upper;
  try {
    // a batch of `level` for (iteration, sub-step, stream); all samples (null) when the batch covers them
    const draw = (level: 'lower' | 'upper', k: number, j: number, stream: number): void => {
      const all = level === 'lower' ? allLow : allUp;
      if (all) { o.setBatch!(level, null); return; }
      const buf = level === 'lower' ? idxLow : idxUp, n = level === 'lower' ? samples.lower : samples.upper;
      sample(n, buf.length, opt.seed >>> 0, k >>> 0, j >>> 0, stream, buf.ptr);
      o.setBatch!(level, buf.array as Int32Array);
    };
    const gx = v.alloc(dx), gy = v.alloc(dy), hg = v.alloc(dx), g = v.alloc(dy), tx = v.alloc(dx);
    const p = v.alloc(dy), hp = v.alloc(dy), sol = v.alloc(dy), w = v.alloc(dy), hw = v.alloc(dy);
    const m1 = v.alloc(dx), m2 = v.alloc(dx);
    const sgd = e.kernel('bl_sgd'), adam = e.kernel('bl_adam');
    const history: IterationInfo[] = [], warnings: string[] = [];
    const t0 = typeof performance !== 'undefined' ? performance.now() : 0;

    let L = NaN;
    if (resume) {
      L = resume.scalars.hessianNorm; // the saved run's L̂ (from its (x0, y0))
      if ((opt.innerLr === null || (method === 'stocbio' && opt.neumannLr === null)) && !(L > 0 && L < Infinity)) throw new StateError(`state file hessianNorm is ${L}: this run's default steps 1/L̂ need a positive L̂`);
    } else if (opt.innerLr === null || (method === 'stocbio' && opt.neumannLr === null)) {
      // one fixed batch: L̂ of the batch Hessian (an estimate of ‖∇²ᵧᵧg‖ that does not move during the iteration)
      const pb = opt.powerBatchSize ?? Math.min(samples.lower, 4 * opt.batchSize);
      if (pb >= samples.lower) o.setBatch!('lower', null);
      else {
        const buf = e.alloc(pb, 'i32');
        try {
          sample(samples.lower, pb, opt.seed >>> 0, 0, 0, S_POWER, buf.ptr);
          o.setBatch!('lower', (buf.array as Int32Array).slice());
        } finally { buf.free(); }
      }
      L = powerNorm(v, o, x, y, opt.powerSteps, w, hw).norm;
      if (!(L > 0)) throw new NonFiniteError(`the power iteration found ‖∇²ᵧᵧg‖ = ${L} on its batch: no default step exists (set innerLr${method === 'stocbio' ? '/neumannLr' : ''})`, 'hvp', 1);
    }
    const alpha = opt.innerLr ?? 1 / L, eta = opt.neumannLr ?? 1 / L;
    let gn = NaN;
    const decayAt = (k: number): number => (opt.stepDecay === 'sqrt' ? 1 / Math.sqrt(k + 1) : 1);
    const step = (k: number): void => {
      const lr = opt.outer.lr * decayAt(k);
      if (opt.outer.optimizer === 'sgd') sgd(dx, x.ptr, hg.ptr, m1.ptr, lr, opt.outer.momentum);
      else adam(dx, x.ptr, hg.ptr, m1.ptr, m2.ptr, lr, opt.outer.beta1, opt.outer.beta2, opt.outer.eps,
        1 - e.pow(opt.outer.beta1, k + 1), 1 - e.pow(opt.outer.beta2, k + 1));
    };
    const start = resumeStart(resume, o, opt.outer.steps), before = resume ? resume.scalars.iterations : 0;
    if (resume) {
      for (const [b, n] of [[hg, 'hypergradient'], [sol, 'v'], [m1, 'm1'], [m2, 'm2']] as const) b.array.set(resume.vectors[n]!);
      step(start - 1);
    }
    let k = start;
    for (; ; k++) {
      const decay = decayAt(k);
      if (method === 'stocbio') {
        for (let j = 0; j < opt.innerSteps; j++) {
          draw('lower', k, j, S_INNER);
          o.lowerGrad(x, y, g);
          gn = v.norm(g);
          v.axpy(-alpha * decay, g, y);
        }
        draw('upper', k, 0, S_UPPER);
        o.upperGrad(x, y, gx, gy);
        // Neumann: p_q = Π (I − ηH_{B_j}) v₀, sol = η Σ p_q
        v.copy(gy, p); v.copy(gy, sol);
        for (let q = 1; q <= opt.neumannSteps; q++) {
          draw('lower', k, q, S_NEUMANN);
          o.hvp(x, y, p, hp);
          v.axpy(-eta, hp, p);
          v.axpy(1, p, sol);
        }
        v.scal(eta, sol);
        draw('lower', k, 0, S_CROSS);
        o.cross(x, y, sol, tx);
        v.lincomb(1, gx, -1, tx, hg);
      } else {
        // soba: every direction at (x_t, y_t, v_t), then one simultaneous step
        const rho = alpha * decay;
        draw('lower', k, 0, S_SOBA);
        draw('upper', k, 0, S_UPPER);
        o.lowerGrad(x, y, g);
        gn = v.norm(g);
        o.upperGrad(x, y, gx, gy);
        o.hvp(x, y, sol, hp);
        o.cross(x, y, sol, tx);
        v.lincomb(1, gx, -1, tx, hg);
        v.axpy(-rho, g, y);
        v.axpy(-rho, hp, sol);
        v.axpy(rho, gy, sol);
      }
      const bad = v.firstNonFinite(hg), badY = v.firstNonFinite(y);
      if (bad >= 0 || badY >= 0) {
        throw new NonFiniteError(`the ${method} iterates became non-finite at iteration ${k} (${bad >= 0 ? `hypergradient[${bad}] = ${describe(hg.array[bad])}` : `y[${badY}]`}): the steps are too large (lower innerLr${method === 'stocbio' ? ', neumannLr' : ''} or outer.lr)`, 'hypergradient', 1);
      }
      o.setBatch!('lower', null); o.setBatch!('upper', null);
      const info: IterationInfo = {
        iteration: k, upperValue: o.upperValue(x, y), hypergradientNorm: v.norm(hg), lowerGradNorm: gn, residual: NaN,
        innerSteps: method === 'stocbio' ? opt.innerSteps : 1, linearSteps: method === 'stocbio' ? opt.neumannSteps : 1, hessianNorm: L,
        oracleCalls: { ...o.calls }, elapsedMs: (typeof performance !== 'undefined' ? performance.now() : 0) - t0,
      };
      history.push(info);
      if (onIteration && onIteration(info) === false) { warnings.push(`stopped by onIteration at iteration ${k}`); break; }
      if (k >= opt.outer.steps) break;
      step(k);
    }
    const tiers = o.tiers;
    const memory: RunMemory = {
      method, dx, dy, calls: { ...o.calls }, tiers: [...o.tiers], options: resolvedFor(opt),
      vectors: { x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), v: sol.array.slice(), m1: m1.array.slice(), m2: m2.array.slice() },
      scalars: { iteration: k, innerMiss: 0, linMiss: 0, singular: 0, hessianNorm: L, lambda: 0, fdError: o.fdError, iterations: before + history.length },
    };
    return { memory,
      x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), history, oracleCalls: { ...o.calls },
      secondOrder: tiers.has('built-in') ? 'built-in' : tiers.has('finite-difference') ? 'finite-difference' : 'user',
      fdError: o.fdError, method, converged: false, warnings,
    };
  } finally {
    o.setBatch?.('lower', null); o.setBatch?.('upper', null);
    idxLow.free(); idxUp.free();
  }
}
