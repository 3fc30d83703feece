// ScaleBiO-style data-source reweighting (Pan et al., ACL 2025; reference §3.7): the upper variable is a
// weight per data source on the simplex, s ∈ Δ = {s ≥ 0, Σs = 1}; the lower level g(s, w) = Σₖ sₖ·Lₖ(w)
// (+ any regulariser) is the source-weighted training loss, the upper level f(w) the validation loss
// (∇ₓf is usually 0), and ∇ₛg(s, w) = (L₁(w), …, L_K(w)) the per-source losses (lower.gradX). The
// minimax penalty form
//     min_{s∈Δ, w} max_u  f(w) + α(g(s, w) − g(s, u))
// is solved by a single loop of first-order steps (gradients only, two model copies w and u):
//     u ← u − β∇ᵤg(s, u)                           (u tracks argmin g: innerSteps steps of step β)
//     w ← w − β(∇_w f(w)/α + ∇_w g(s, w))           (a step of β/α on f + αg)
//     s ← Proj_Δ(s − step(∇ₛf + α(∇ₛg(s, w) − ∇ₛg(s, u))))   (the outer optimizer, then the exact simplex
//                                                    projection in wasm: assembly/core/simplex.ts)
//     α ← min(α·τ, α_max)
// β = innerLr (default 1/L̂ from the power iteration at (s₀, w₀)). The paper parametrises s = softmax(p);
// the projected form keeps exact zeros (a source can be switched off) and needs no chain rule. Its
// solutions are O(1/α) from the bilevel optimum (as for the value-function penalty).
import { describe, InvalidArgumentError, NonFiniteError } from '../errors.js';
import { powerNorm } from './linear.js';
import type { Oracles } from './oracles.js';
import type { Resolved } from './options.js';
import type { IterationInfo, SolveResult } from './solve.js';
import type { Vec, Vecs } from './vec.js';

export function runScaleBio(v: Vecs, o: Oracles, x: Vec, y: Vec, opt: Resolved, onIteration?: (i: IterationInfo) => unknown): Omit<SolveResult, 'options' | 'save'> {
  const e = v.engine, dx = o.dx, dy = o.dy;
  if (!o.lowerGradX) throw new InvalidArgumentError('scalebio is a first-order method: it needs ∇ₛg, the per-source losses (lower.gradX with callbacks)');
  if (dx < 2) throw new InvalidArgumentError(`scalebio reweights data sources on the simplex: it needs at least 2 sources (dx = ${dx})`);
  const gradX = o.lowerGradX.bind(o);
  const gxf = v.alloc(dx), gyf = v.alloc(dy), g = v.alloc(dy), gu = v.alloc(dy), u = v.alloc(dy);
  const ax = v.alloc(dx), bx = v.alloc(dx), hg = v.alloc(dx), px = v.alloc(dx), w = v.alloc(dy), hw = v.alloc(dy);
  const m1 = v.alloc(dx), m2 = v.alloc(dx);
  const scratch = v.alloc(dx * 2); // n f64 keys, then n i32 indices
  const proj = e.kernel('bl_project_simplex'), sgd = e.kernel('bl_sgd'), adam = e.kernel('bl_adam');
  const project = (t: Vec): void => { proj(dx, 1, t.ptr, t.ptr, scratch.ptr); };
  const history: IterationInfo[] = [], warnings: string[] = [];
  const t0 = typeof performance !== 'undefined' ? performance.now() : 0;
  project(x);
  let L = NaN;
  if (opt.innerLr === null) {
    L = powerNorm(v, o, x, y, opt.powerSteps, w, hw).norm;
    if (!(L > 0)) throw new NonFiniteError(`the power iteration found ‖∇²ᵧᵧg‖ = ${L}: no default step exists (set innerLr)`, 'hvp', 1);
  }
  const beta = opt.innerLr ?? 1 / L;
  v.copy(y, u);
  let alpha = opt.penalty, converged = false, gn = NaN, innerOk = false;
  for (let k = 0; ; k++) {
    // u → argmin g(s, ·), w → argmin f/α + g(s, ·): innerSteps simultaneous steps
    let ru = NaN, rw = NaN;
    for (let t = 0; t < opt.innerSteps; t++) {
      o.lowerGrad(x, u, gu);
      o.lowerGrad(x, y, g);
      o.upperGrad(x, y, gxf, gyf);
      v.axpy(1 / alpha, gyf, g);
      v.axpy(-beta, gu, u);
      v.axpy(-beta, g, y);
    }
    o.lowerGrad(x, u, gu); ru = v.norm(gu);
    o.lowerGrad(x, y, g); gn = v.norm(g);
    o.upperGrad(x, y, gxf, gyf);
    v.axpy(1 / alpha, gyf, g); rw = v.norm(g);
    innerOk = ru <= opt.innerTol && rw <= opt.innerTol;
    gradX(x, y, ax); gradX(x, u, bx);
    v.axpy(-1, bx, ax);
    v.lincomb(1, gxf, alpha, ax, hg); // ∇ₛf + α(∇ₛg(s, w) − ∇ₛg(s, u))
    const bad = v.firstNonFinite(hg);
    if (bad >= 0 || v.firstNonFinite(y) >= 0 || v.firstNonFinite(u) >= 0) {
      throw new NonFiniteError(`the scalebio iterates became non-finite at iteration ${k}${bad >= 0 ? ` (direction[${bad}] = ${describe(hg.array[bad])})` : ''}: lower innerLr or outer.lr`, 'hypergradient', 1);
    }
    // stationarity on the simplex: the projected-gradient map s − Proj(s − d)
    v.lincomb(1, x, -1, hg, px); project(px); v.lincomb(1, x, -1, px, px);
    const dn = v.norm(px);
    const info: IterationInfo = {
      iteration: k, upperValue: o.upperValue(x, y), hypergradientNorm: dn, lowerGradNorm: gn, residual: NaN, innerSteps: opt.innerSteps,
      linearSteps: 0, hessianNorm: L, oracleCalls: { ...o.calls }, elapsedMs: (typeof performance !== 'undefined' ? performance.now() : 0) - t0,
    };
    history.push(info);
    const atMax = opt.penaltyFactor === 1 || alpha >= opt.penaltyMax;
    if (dn <= opt.outer.tol && innerOk && atMax) { converged = true; break; }
    if (onIteration && onIteration(info) === false) { warnings.push(`stopped by onIteration at iteration ${k}`); break; }
    if (k >= opt.outer.steps) break;
    if (opt.outer.optimizer === 'sgd') sgd(dx, x.ptr, hg.ptr, m1.ptr, opt.outer.lr, opt.outer.momentum);
    else adam(dx, x.ptr, hg.ptr, m1.ptr, m2.ptr, opt.outer.lr, opt.outer.beta1, opt.outer.beta2, opt.outer.eps, 1 - e.pow(opt.outer.beta1, k + 1), 1 - e.pow(opt.outer.beta2, k + 1));
    project(x);
    alpha = Math.min(alpha * opt.penaltyFactor, opt.penaltyMax);
  }
  if (!innerOk) warnings.push(`the model copies w (argmin f/α + g) and u (argmin g) were not within innerTol = ${opt.innerTol} at the end: the penalty gradient is inexact (raise innerSteps or outer.steps)`);
  const tiers = o.tiers;
  return {
    x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), history, oracleCalls: { ...o.calls },
    secondOrder: tiers.has('finite-difference') ? 'finite-difference' : tiers.has('user') ? 'user' : 'built-in',
    fdError: o.fdError, method: 'scalebio', converged, warnings,
  };
}
