// First-order bilevel methods: gradients only (∇ₓf, ∇ᵧf, ∇ₓg, ∇ᵧg), no Hessian-vector product inside the
// loop, and no invertible ∇²ᵧᵧg needed — the methods for lower levels that are singular or merely PL
// (reference §3.3–3.4, T4). The default inner step 1/L̂ comes from the power iteration on ∇²ᵧᵧg at (x0, y0)
// (with callbacks: central differences of ∇ᵧg, so still gradients only).
//   penalty  Kwon, Kwon, Wright, Nowak (ICLR 2024): gradient descent on the value-function penalty
//            ψ_λ(x) = min_y f(x, y) + λ(g(x, y) − g*(x)), ∇ψ_λ = ∇ₓf(x, y_λ) + λ(∇ₓg(x, y_λ) − ∇ₓg(x, z))
//            (Danskin) with y_λ = argmin f + λg and z = argmin g, both solved to innerTol (warm-started) at
//            each outer step; |ψ_λ − Φ| = O(1/λ) under a proximal error bound.
//   f2sa     Kwon et al. (ICML 2023), the fully first-order method with a growing multiplier: T steps
//            y ← y − α(∇ᵧf/λ + ∇ᵧg)·… (see below), z ← z − α∇ᵧg, then x along ∇ₓf(x,y) + λ(∇ₓg(x,y) − ∇ₓg(x,z)),
//            λ ← min(λ + δ, λ_max).
//   bome     Liu, Ye, Wright, Stone, Liu (NeurIPS 2022): q(x, y) = g(x, y) − g(x, ŷ_T), ŷ_T = T gradient steps
//            on g(x, ·) from y; d = ∇f + λ∇q, λ = max(η‖∇q‖² − ⟨∇f, ∇q⟩, 0)/‖∇q‖², ∇q = (∇ₓg(x,y) − ∇ₓg(x,ŷ),
//            ∇ᵧg(x,y)); x and y both step along d (the outer optimizer, elementwise on each).
//   vpbgd    Shen & Chen (ICML 2023), value-function penalised bilevel gradient descent: ŷ ← up to T gradient
//            steps on g(x, ·) (warm-started, stopping at innerTol) so that g(x, ŷ) ≈ g*(x); then one projected
//            step of (x, y) on f + γ(g(x, y) − g(x, ŷ)): d = (∇ₓf + γ(∇ₓg(x,y) − ∇ₓg(x,ŷ)), ∇ᵧf + γ∇ᵧg(x,y)),
//            x ← Proj_box(x − step), y ← y − step (the outer optimizer on each). Its solutions are O(1/γ) from
//            the bilevel ones under a PL lower level; the paper's step is plain GD with lr = 0.1/γ.
// The y-step of f + λg uses α/λ·∇ᵧf + α∇ᵧg, i.e. step α/λ on f + λg: stable for α = 1/L̂ once λ‖∇²ᵧᵧf‖ ≲ L̂λ.
import { describe, InvalidArgumentError, NonFiniteError, StateError } from '../errors.js';
import { powerNorm } from './linear.js';
import type { Oracles } from './oracles.js';
import { resolvedFor, type Resolved } from './options.js';
import type { IterationInfo, LoopResult } from './solve.js';
import { resumeStart, type RunMemory } from './checkpoint.js';
import type { Vec, Vecs } from './vec.js';
import { makeBox } from './box.js';

export function runFirstOrder(v: Vecs, o: Oracles, x: Vec, y: Vec, opt: Resolved, onIteration: ((i: IterationInfo) => unknown) | undefined,
  resume: RunMemory | null): LoopResult {
  const e = v.engine, dx = o.dx, dy = o.dy, method = opt.method;
  if (!o.lowerGradX) throw new InvalidArgumentError(`${method} is a first-order method: it needs ∇ₓg (lower.gradX with callbacks)`);
  const gradX = o.lowerGradX.bind(o);
  const gxf = v.alloc(dx), gyf = v.alloc(dy), g = v.alloc(dy), gz = v.alloc(dy), z = v.alloc(dy), yh = v.alloc(dy);
  const ax = v.alloc(dx), bx = v.alloc(dx), hg = v.alloc(dx), dY = v.alloc(dy), w = v.alloc(dy), hw = v.alloc(dy);
  const m1 = v.alloc(dx), m2 = v.alloc(dx), n1 = v.alloc(dy), n2 = v.alloc(dy);
  const sgd = e.kernel('bl_sgd'), adam = e.kernel('bl_adam');
  const history: IterationInfo[] = [], warnings: string[] = [];
  const t0 = typeof performance !== 'undefined' ? performance.now() : 0;
  let L = NaN;
  if (resume) {
    L = resume.scalars.hessianNorm; // the saved run's L̂ (from its (x0, y0))
    if (opt.innerLr === null && !(L > 0 && L < Infinity)) throw new StateError(`state file hessianNorm is ${L}: this run's default step 1/L̂ needs a positive L̂`);
    const lam = resume.scalars.lambda;
    if (method !== 'bome' && !(lam >= opt.penalty && lam <= Math.max(opt.penalty, opt.penaltyMax))) throw new StateError(`state file penalty λ = ${lam} lies outside [penalty, penaltyMax]`);
  } else if (opt.innerLr === null) {
    L = powerNorm(v, o, x, y, opt.powerSteps, w, hw).norm;
    if (!(L > 0)) throw new NonFiniteError(`the power iteration found ‖∇²ᵧᵧg‖ = ${L}: no default step exists (set innerLr)`, 'hvp', 1);
  }
  const alpha = opt.innerLr ?? 1 / L;
  v.copy(y, z); // z tracks argmin g (penalty, f2sa, vpbgd: ŷ); a resumed run restores it below
  const box = makeBox(v, dx, opt.xMin, opt.xMax), px = v.alloc(dx);
  box.project(x);
  let innerOk = true;
  let lambda = opt.penalty, innerMiss = 0, converged = false, gn = NaN, inner = 0;
  const step = (k: number, vec: Vec, grad: Vec, a: Vec, b: Vec): void => {
    if (opt.outer.optimizer === 'sgd') sgd(vec.length, vec.ptr, grad.ptr, a.ptr, opt.outer.lr, opt.outer.momentum);
    else adam(vec.length, vec.ptr, grad.ptr, a.ptr, b.ptr, opt.outer.lr, opt.outer.beta1, opt.outer.beta2, opt.outer.eps,
      1 - e.pow(opt.outer.beta1, k + 1), 1 - e.pow(opt.outer.beta2, k + 1));
  };
  const after = (k: number): void => {
    step(k, x, hg, m1, m2);
    box.project(x);
    if (method === 'bome' || method === 'vpbgd') step(k, y, dY, n1, n2);
    if (method === 'f2sa') lambda = Math.min(lambda + opt.penaltyGrowth, opt.penaltyMax);
  };
  const start = resumeStart(resume, o, opt.outer.steps), before = resume ? resume.scalars.iterations : 0;
  if (resume) {
    for (const [b, n] of [[hg, 'hypergradient'], [z, 'z'], [dY, 'dY'], [m1, 'm1'], [m2, 'm2'], [n1, 'n1'], [n2, 'n2']] as const) b.array.set(resume.vectors[n]!);
    lambda = resume.scalars.lambda; innerMiss = resume.scalars.innerMiss;
    after(start - 1);
  }
  let k = start;
  for (; ; k++) {
    let dn: number;
    if (method === 'bome') {
      // ŷ_T from y, then the joint direction
      v.copy(y, yh);
      for (let t = 0; t < opt.innerSteps; t++) { o.lowerGrad(x, yh, g); v.axpy(-alpha, g, yh); }
      inner = opt.innerSteps;
      o.upperGrad(x, y, gxf, gyf);
      o.lowerGrad(x, y, g); gn = v.norm(g);
      gradX(x, y, ax); gradX(x, yh, bx);
      v.axpy(-1, bx, ax); // ∇ₓq = ∇ₓg(x,y) − ∇ₓg(x,ŷ)
      const qq = v.dot(ax, ax) + v.dot(g, g), fq = v.dot(gxf, ax) + v.dot(gyf, g);
      const lam = qq > 0 ? Math.max(opt.bomeEta * qq - fq, 0) / qq : 0;
      v.lincomb(1, gxf, lam, ax, hg);
      v.lincomb(1, gyf, lam, g, dY);
      dn = Math.sqrt(v.dot(hg, hg) + v.dot(dY, dY));
      lambda = lam;
    } else if (method === 'vpbgd') {
      let rz = NaN;
      for (inner = 0; ; inner++) {
        o.lowerGrad(x, z, gz); rz = v.norm(gz);
        if (rz <= opt.innerTol || inner >= opt.innerSteps) break;
        v.axpy(-alpha, gz, z);
      }
      innerOk = rz <= opt.innerTol;
      o.upperGrad(x, y, gxf, gyf);
      o.lowerGrad(x, y, g); gn = v.norm(g);
      gradX(x, y, ax); gradX(x, z, bx);
      v.axpy(-1, bx, ax);
      v.lincomb(1, gxf, lambda, ax, hg); // ∇ₓf + γ(∇ₓg(x,y) − ∇ₓg(x,ŷ))
      v.lincomb(1, gyf, lambda, g, dY); // ∇ᵧf + γ∇ᵧg(x,y)
      // stationarity with the box: the projected-gradient map x − Proj(x − d)
      v.lincomb(1, x, -1, hg, px); box.project(px); v.lincomb(1, x, -1, px, px);
      dn = Math.sqrt(v.dot(px, px) + v.dot(dY, dY));
    } else {
      // z → argmin g, y → argmin f/λ + g (penalty: to innerTol; f2sa: innerSteps steps)
      const solveTo = method === 'penalty';
      let ok = true;
      inner = 0;
      for (let t = 0; ; t++) {
        o.lowerGrad(x, z, gz);
        o.lowerGrad(x, y, g);
        o.upperGrad(x, y, gxf, gyf);
        v.axpy(1 / lambda, gyf, g); // ∇ᵧ(f/λ + g)
        const rz = v.norm(gz), ry = v.norm(g);
        if (solveTo ? (rz <= opt.innerTol && ry <= opt.innerTol) || t >= opt.innerSteps : t >= opt.innerSteps) { ok = rz <= opt.innerTol && ry <= opt.innerTol; break; }
        v.axpy(-alpha, gz, z);
        v.axpy(-alpha, g, y);
        inner++;
      }
      if (solveTo && !ok) innerMiss++;
      o.lowerGrad(x, y, g); gn = v.norm(g);
      gradX(x, y, ax); gradX(x, z, bx);
      v.axpy(-1, bx, ax);
      v.lincomb(1, gxf, lambda, ax, hg); // ∇ₓf(x,y) + λ(∇ₓg(x,y) − ∇ₓg(x,z))
      dn = v.norm(hg);
    }
    const bad = v.firstNonFinite(hg);
    if (bad >= 0 || v.firstNonFinite(y) >= 0) {
      throw new NonFiniteError(`the ${method} iterates became non-finite at iteration ${k}${bad >= 0 ? ` (direction[${bad}] = ${describe(hg.array[bad])})` : ''}: lower innerLr or outer.lr`, 'hypergradient', 1);
    }
    const info: IterationInfo = {
      iteration: k, upperValue: o.upperValue(x, y), hypergradientNorm: dn, lowerGradNorm: gn, residual: NaN, innerSteps: inner,
      linearSteps: 0, hessianNorm: L, oracleCalls: { ...o.calls }, elapsedMs: (typeof performance !== 'undefined' ? performance.now() : 0) - t0,
    };
    history.push(info);
    const atMax = method !== 'f2sa' || lambda >= opt.penaltyMax;
    if (dn <= opt.outer.tol && atMax) { converged = method === 'vpbgd' ? innerOk : method !== 'penalty' || innerMiss === 0 || before + history.length === 1; break; }
    if (onIteration && onIteration(info) === false) { warnings.push(`stopped by onIteration at iteration ${k}`); break; }
    if (k >= opt.outer.steps) break;
    after(k);
  }
  const total = before + history.length;
  if (innerMiss) warnings.push(`the penalty subproblems did not reach innerTol = ${opt.innerTol} within innerSteps = ${opt.innerSteps} in ${innerMiss} of ${total} iterations`);
  if (method === 'vpbgd' && !innerOk) warnings.push(`the last ŷ (the estimate of argmin g(x, ·) behind g*(x)) did not reach innerTol = ${opt.innerTol} within innerSteps = ${opt.innerSteps}: raise innerSteps`);
  const tiers = o.tiers;
  const memory: RunMemory = {
    method, dx, dy, calls: { ...o.calls }, tiers: [...o.tiers], options: resolvedFor(opt),
    vectors: { x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), z: z.array.slice(), dY: dY.array.slice(),
      m1: m1.array.slice(), m2: m2.array.slice(), n1: n1.array.slice(), n2: n2.array.slice() },
    scalars: { iteration: k, innerMiss, linMiss: 0, singular: 0, hessianNorm: L, lambda, fdError: o.fdError, iterations: total },
  };
  return { memory,
    x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), history, oracleCalls: { ...o.calls },
    secondOrder: tiers.has('built-in') ? 'built-in' : tiers.has('finite-difference') ? 'finite-difference' : tiers.has('user') ? 'user' : 'built-in',
    fdError: o.fdError, method, converged: converged && (method !== 'penalty' || innerMiss === 0), warnings,
  };
}
