// Implicit differentiation (AID): with y ≈ y*(x), solve ∇²ᵧᵧg·v = ∇ᵧf, then ∇Φ ≈ ∇ₓf − ∇²ₓᵧg·v.
//   aid-cg       conjugate gradients, warm-started from the previous outer iteration's v
//   aid-neumann  v = α Σₖ₌₀..K (I − αH)ᵏ ∇ᵧf, α = 1/L̂ by default (L̂: power iteration), from 0 each time
//   aid-fp       fixed point v ← v − α(Hv − ∇ᵧf), warm-started, until the residual tolerance
//   aid-normal-cg  for a root/fixed-point lower level F(x, y*) = 0 with a non-symmetric Jacobian J = ∂ᵧF
//                (lower.grad is F): solve Jᵀv = ∇ᵧf by CG on the normal equations J·Jᵀv = J∇ᵧf (CGLS, products
//                by J and Jᵀ only, warm-started), then ∇Φ ≈ ∇ₓf − (∂ₓF)ᵀv. For a symmetric J (F = ∇ᵧg) it
//                gives aid-cg's hypergradient at the cost of two products per step and κ² instead of κ.
//   aid-exact    H as a dense dy×dy matrix, Cholesky-factored and solved in f64 by the Rust module
//                (src/linalg.ts): the reference for small lower levels
import { cholesky, choleskySolve } from '../linalg.js';
import { NotPositiveDefiniteError } from '../errors.js';
import { cg, cgls, residual } from './linear.js';
import type { Oracles } from './oracles.js';
import type { Vec, Vecs } from './vec.js';

export interface LinearReport { residual: number; steps: number; singular: boolean }

export interface AidScratch { r: Vec; p: Vec; hp: Vec; dense: Vec | null }

export function solveCg(v: Vecs, o: Oracles, x: Vec, y: Vec, b: Vec, sol: Vec, steps: number, tol: number, t: AidScratch): LinearReport {
  const r = cg(v, o, x, y, b, sol, steps, tol, t);
  return { residual: r.residual, steps: r.steps, singular: r.singular };
}

/** Jᵀ·sol = b by CGLS (A = Jᵀ, Aᵀ = J): the adjoint system of a non-symmetric lower level. t.s is one more dy scratch. */
export function solveNormalCg(v: Vecs, o: Oracles, x: Vec, y: Vec, b: Vec, sol: Vec, steps: number, tol: number, t: AidScratch & { s: Vec }): LinearReport {
  const jt = o.hvpT ? (a: Vec, out: Vec): void => o.hvpT!(x, y, a, out) : (a: Vec, out: Vec): void => o.hvp(x, y, a, out);
  const r = cgls(v, jt, (a, out) => o.hvp(x, y, a, out), b, sol, steps, tol, { r: t.r, p: t.p, hp: t.hp, s: t.s });
  return { residual: r.residual, steps: r.steps, singular: r.singular };
}

export function solveNeumann(v: Vecs, o: Oracles, x: Vec, y: Vec, b: Vec, sol: Vec, steps: number, alpha: number, t: AidScratch): LinearReport {
  // p_k = (I − αH)ᵏ b, sol = α Σ p_k
  v.copy(b, t.p); v.copy(b, sol);
  for (let k = 0; k < steps; k++) {
    o.hvp(x, y, t.p, t.hp);
    v.axpy(-alpha, t.hp, t.p);
    v.axpy(1, t.p, sol);
  }
  v.scal(alpha, sol);
  return { residual: residual(v, o, x, y, b, sol, t.r), steps, singular: false };
}

export function solveFixedPoint(v: Vecs, o: Oracles, x: Vec, y: Vec, b: Vec, sol: Vec, steps: number, alpha: number, tol: number, t: AidScratch): LinearReport {
  const bn = v.norm(b);
  let k = 0, res = 0;
  for (; ; k++) {
    o.hvp(x, y, sol, t.r);
    v.axpy(-1, b, t.r); // r = Hv − b
    res = bn === 0 ? 0 : v.norm(t.r) / bn;
    if (k >= steps || res <= tol) break;
    v.axpy(-alpha, t.r, sol);
  }
  return { residual: res, steps: k, singular: false };
}

/** Exact solve through the dense Hessian; a Hessian that is not positive definite raises NotPositiveDefiniteError (nothing is returned). */
export function solveExact(v: Vecs, o: Oracles, x: Vec, y: Vec, b: Vec, sol: Vec, t: AidScratch): LinearReport {
  const n = o.dy, e = v.engine;
  const h = t.dense!;
  o.denseHessian(x, y, h);
  let l;
  try {
    l = cholesky(e, h, n);
  } catch (err) {
    if (err instanceof NotPositiveDefiniteError) {
      throw new NotPositiveDefiniteError(`∇²ᵧᵧg is not positive definite at the current (x, y) (Cholesky pivot ${err.pivot}): the lower level is singular or not ` +
        "strongly convex there, so the implicit hypergradient is undefined; regularise the lower level or use a first-order method (method 'bome', 'penalty' or 'f2sa')", err.pivot);
    }
    throw err;
  }
  try {
    v.copy(b, sol);
    choleskySolve(e, l, sol, n);
  } finally { l.free(); }
  return { residual: residual(v, o, x, y, b, sol, t.r), steps: 1, singular: false };
}
