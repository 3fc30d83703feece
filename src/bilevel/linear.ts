// The linear algebra of the implicit methods, written with Hessian-vector products only: the power
// iteration that estimates ‖∇²ᵧᵧg‖ (it sets the default Neumann, fixed-point and inner gradient step
// 1/L̂), and conjugate gradients for ∇²ᵧᵧg·v = b (warm-started from v), which also watches for the
// curvature pᵀHp ≤ 0 or ≈ 0 that says the lower level is singular or not convex here.
import type { Oracles } from './oracles.js';
import type { Vec, Vecs } from './vec.js';

export interface PowerResult { norm: number; steps: number }

/**
 * ‖H‖₂ of the symmetric H = ∇²ᵧᵧg(x, y) by power iteration from the fixed probe vector: at most
 * `steps` products, stopping when two successive estimates agree to 1e-6 relative. An underestimate
 * that converges from below; the default steps 1/L̂ stay stable while L̂ > L/2.
 */
export function powerNorm(v: Vecs, o: Oracles, x: Vec, y: Vec, steps: number, w: Vec, hw: Vec): PowerResult {
  v.probe(w);
  let prev = 0, est = 0, k = 0;
  for (; k < steps; k++) {
    o.hvp(x, y, w, hw);
    est = v.norm(hw);
    if (est === 0) return { norm: 0, steps: k + 1 };
    v.lincomb(1 / est, hw, 0, w, w);
    if (k > 0 && Math.abs(est - prev) <= 1e-6 * est) { k++; break; }
    prev = est;
  }
  return { norm: est, steps: k };
}

export interface CgResult {
  /** ‖b − Hv‖/‖b‖ recomputed at the end (one more product), 0 when b = 0. */
  residual: number;
  steps: number;
  /** pᵀHp ≤ 1e-13·‖p‖²·(largest curvature seen) at some step: H singular or indefinite along p. */
  singular: boolean;
  /** The smallest curvature pᵀHp/‖p‖² met (a lower bound estimate of λ_min seen by CG). */
  minCurvature: number;
}

/** Conjugate gradients on H·v = b from the given v (warm start), at most `maxSteps` products, until ‖r‖ ≤ tol·‖b‖. */
export function cg(v: Vecs, o: Oracles, x: Vec, y: Vec, b: Vec, sol: Vec, maxSteps: number, tol: number,
  t: { r: Vec; p: Vec; hp: Vec }): CgResult {
  const { r, p, hp } = t;
  const bn = v.norm(b);
  if (bn === 0) { v.fill(0, sol); return { residual: 0, steps: 0, singular: false, minCurvature: Infinity }; }
  o.hvp(x, y, sol, hp);
  v.lincomb(1, b, -1, hp, r);
  v.copy(r, p);
  let rs = v.dot(r, r), k = 0, singular = false, maxC = 0, minC = Infinity;
  for (; k < maxSteps && Math.sqrt(rs) > tol * bn; k++) {
    o.hvp(x, y, p, hp);
    const pp = v.dot(p, p), php = v.dot(p, hp), c = php / pp;
    if (c > maxC) maxC = c;
    if (c < minC) minC = c;
    if (!(php > 1e-13 * pp * maxC)) { singular = true; break; }
    const alpha = rs / php;
    v.axpy(alpha, p, sol);
    v.axpy(-alpha, hp, r);
    const rn = v.dot(r, r);
    v.lincomb(1, r, rn / rs, p, p);
    rs = rn;
  }
  o.hvp(x, y, sol, hp);
  v.lincomb(1, b, -1, hp, r);
  return { residual: v.norm(r) / bn, steps: k, singular, minCurvature: minC };
}

/** ‖b − H·sol‖/‖b‖ (one product; 0 when b = 0). */
export function residual(v: Vecs, o: Oracles, x: Vec, y: Vec, b: Vec, sol: Vec, r: Vec): number {
  const bn = v.norm(b);
  if (bn === 0) return 0;
  o.hvp(x, y, sol, r);
  v.axpy(-1, b, r);
  return v.norm(r) / bn;
}
