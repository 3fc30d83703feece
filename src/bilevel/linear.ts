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

/** A linear map on engine vectors (out = A·in). */
export type LinearMap = (vin: Vec, out: Vec) => void;

/**
 * ‖J‖₂ of a possibly non-symmetric J (the lower level's Jacobian ∂ᵧF, F = lower.grad) by power iteration
 * on JᵀJ: at most `steps` pairs of products, stopping at 1e-6 relative agreement; returns √‖JᵀJ‖.
 */
export function powerNormNormal(v: Vecs, apply: LinearMap, applyT: LinearMap, steps: number, w: Vec, hw: Vec, tw: Vec): PowerResult {
  v.probe(w);
  let prev = 0, est = 0, k = 0;
  for (; k < steps; k++) {
    apply(w, tw); applyT(tw, hw);
    est = v.norm(hw);
    if (est === 0) return { norm: 0, steps: k + 1 };
    v.lincomb(1 / est, hw, 0, w, w);
    if (k > 0 && Math.abs(est - prev) <= 1e-6 * est) { k++; break; }
    prev = est;
  }
  return { norm: Math.sqrt(est), steps: k };
}

/**
 * Normal-equation conjugate gradients (CGLS; Hestenes–Stiefel 1952, Paige–Saunders' form) for A·v = b
 * with A square and possibly non-symmetric, written with products by A and Aᵀ only: CG on AᵀA·v = Aᵀb
 * without forming AᵀA, from the given v (warm start), at most `maxSteps` iterations (one A and one Aᵀ
 * product each), until the true residual ‖b − Av‖ ≤ tol·‖b‖ (updated recursively, recomputed at the
 * end). Converges for any nonsingular A at the rate of CG on AᵀA (condition number κ(A)²). `singular`:
 * ‖Ap‖² ≈ 0 along a search direction, or the normal residual ‖Aᵀr‖ vanished while ‖r‖ did not (b is not
 * in the range of A: A is singular there).
 */
export function cgls(v: Vecs, apply: LinearMap, applyT: LinearMap, b: Vec, sol: Vec, maxSteps: number, tol: number,
  t: { r: Vec; p: Vec; hp: Vec; s: Vec }): CgResult {
  const { r, p, hp: q, s } = t;
  const bn = v.norm(b);
  if (bn === 0) { v.fill(0, sol); return { residual: 0, steps: 0, singular: false, minCurvature: Infinity }; }
  apply(sol, q);
  v.lincomb(1, b, -1, q, r);
  applyT(r, s);
  v.copy(s, p);
  let gamma = v.dot(s, s), k = 0, singular = false, maxC = 0, minC = Infinity, rn = v.norm(r);
  const gamma0 = gamma;
  for (; k < maxSteps && rn > tol * bn; k++) {
    if (!(gamma > 1e-30 * gamma0)) { singular = true; break; }
    apply(p, q);
    const pp = v.dot(p, p), qq = v.dot(q, q), c = qq / pp;
    if (c > maxC) maxC = c;
    if (c < minC) minC = c;
    if (!(qq > 1e-26 * pp * maxC)) { singular = true; break; }
    const alpha = gamma / qq;
    v.axpy(alpha, p, sol);
    v.axpy(-alpha, q, r);
    applyT(r, s);
    const gn = v.dot(s, s);
    v.lincomb(1, s, gn / gamma, p, p);
    gamma = gn;
    rn = v.norm(r);
  }
  apply(sol, q);
  v.lincomb(1, b, -1, q, r);
  const res = v.norm(r) / bn;
  return { residual: res, steps: k, singular: singular && res > tol, minCurvature: minC };
}
