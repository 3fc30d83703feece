// LV-HBA (Yao, Yu, Zeng, Zhang, Zhang, ICLR 2024: "Constrained bi-level optimization: proximal Lagrangian
// value function approach and Hessian-free algorithm"). Lower level min_y f(x, y) s.t. A·[x; y] ≤ b
// (linear inequality constraints that may couple x and y; problem.constraints), with the proximal
// Lagrangian value function
//     v_γ(x, y, z) = min_θ max_{λ≥0} f(x, θ) + λᵀ(A[x; θ] − b) + ‖θ − y‖²/(2γ₁) − ‖λ − z‖²/(2γ₂)
// and the single-level problem min_{(x,y)∈C, z} F(x, y)/c_k + f(x, y) − v_γ(x, y, z), C = {A[x; y] ≤ b} ∩
// box(xMin, xMax). One step of each per iteration k (gradients only: no Hessian, no inner loop):
//     θ ← θ − η(∇ᵧf(x, θ) + A_yᵀλ + (θ − y)/γ₁)
//     λ ← clip(λ + η(A[x; θ] − b − (λ − z)/γ₂), 0, U)            (at the new θ, see below)
//     d_x = ∇ₓF(x, y)/c_k + ∇ₓf(x, y) − ∇ₓf(x, θ) − A_xᵀλ,  d_y = ∇ᵧF(x, y)/c_k + ∇ᵧf(x, y) − (y − θ)/γ₁
//     (x, y) ← Proj_C((x, y) − α(d_x, d_y)),  z ← clip(z + β(λ − z)/γ₂, 0, U),  c_k = c̲(k + 1)^p
// (F = the upper level = upper.grad, f = the lower level = lower.grad / lower.gradX.) The paper's λ step uses
// the θ of the same iteration's start (a simultaneous gradient descent–ascent step); on T5 (n = 100) that
// spirals (λ swings 0 ↔ 3, the error stalls at 2–40%) because η‖A_y‖ is not ≪ √(η/γ), so the λ step here
// reads the new θ (Gauss–Seidel), which removes the spiral and keeps the fixed points. Proj_C: the exact
// halfspace projection for one constraint, Dykstra's alternating projections over the halfspaces and the
// box for several (at most 1000 sweeps, to 1e-12). Memory O(dx + dy + m·(dx + dy)).
import { describe, InvalidArgumentError, LengthMismatchError, NonFiniteError, requireArrayLike, requireObject } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { makeBox } from './box.js';
import type { Oracles } from './oracles.js';
import type { Resolved } from './options.js';
import type { IterationInfo, SolveResult } from './solve.js';
import type { Vec, Vecs } from './vec.js';

/** Linear lower-level constraints A·[x; y] ≤ b: `matrix` has m rows of dx + dy entries (row-major), `bound` m entries. */
export interface LinearConstraints { matrix: ArrayLike<number>; bound: ArrayLike<number> }

interface Cons { m: number; rows: Vec[]; b: Float64Array; norms2: Float64Array }

export function parseConstraints(v: Vecs, c: unknown, dx: number, dy: number): Cons {
  requireObject('constraints', c);
  checkKnownKeys('constraints field', c as object, ['matrix', 'bound']);
  const { matrix, bound } = c as Record<string, unknown>;
  requireArrayLike('constraints.bound', bound);
  requireArrayLike('constraints.matrix', matrix);
  const m = (bound as ArrayLike<number>).length, w = dx + dy;
  if (m < 1) throw new LengthMismatchError('constraints.bound is empty (give at least one constraint, or leave constraints out)');
  if ((matrix as ArrayLike<number>).length !== m * w) throw new LengthMismatchError(`constraints.matrix has ${(matrix as ArrayLike<number>).length} entries, expected m·(dx + dy) = ${m}·${w} = ${m * w}`);
  const rows: Vec[] = [], b = new Float64Array(m), norms2 = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const bi = (bound as ArrayLike<unknown>)[i];
    if (typeof bi !== 'number' || !Number.isFinite(bi)) throw new NonFiniteError(`constraints.bound[${i}] is ${describe(bi)}, not a finite number`, 'constraints.bound', 1);
    b[i] = bi;
    const row = v.alloc(w);
    for (let j = 0; j < w; j++) {
      const a = (matrix as ArrayLike<unknown>)[i * w + j];
      if (typeof a !== 'number' || !Number.isFinite(a)) throw new NonFiniteError(`constraints.matrix[${i * w + j}] is ${describe(a)}, not a finite number`, 'constraints.matrix', 1);
      row.array[j] = a;
    }
    norms2[i] = v.dot(row, row);
    if (!(norms2[i]! > 0)) throw new InvalidArgumentError(`constraints.matrix row ${i} is zero (a constraint 0 ≤ ${bi} says nothing)`);
    rows.push(row);
  }
  return { m, rows, b, norms2 };
}

export function runLvhba(v: Vecs, o: Oracles, x: Vec, y: Vec, opt: Resolved, cons: Cons | null, onIteration?: (i: IterationInfo) => unknown): Omit<SolveResult, 'options' | 'save'> {
  const dx = o.dx, dy = o.dy, n = dx + dy;
  if (!o.lowerGradX) throw new InvalidArgumentError('lvhba is a first-order method: it needs ∇ₓf of the lower level (lower.gradX with callbacks)');
  const gradX = o.lowerGradX.bind(o);
  const m = cons ? cons.m : 0;
  // (x, y) side by side in one vector w; x and y are views refreshed from it
  const wv = v.alloc(n), th = v.alloc(dy), gy = v.alloc(dy), fx = v.alloc(dx), fy = v.alloc(dy);
  const t1 = v.alloc(dx), t2 = v.alloc(dx), gth = v.alloc(dy), dX = v.alloc(dx), dY = v.alloc(dy), prev = v.alloc(n);
  const lam = new Float64Array(m), z = new Float64Array(m);
  const box = makeBox(v, dx, opt.xMin, opt.xMax);
  const incr = cons && (m > 1 || box.active) ? Array.from({ length: m + 1 }, () => v.alloc(n)) : [];
  const e = v.engine, dot = e.kernel('bl_dot'), axpy = e.kernel('bl_axpy'), copy = e.kernel('bl_copy');
  const clampX = (w: Vec): void => { box.project({ ptr: w.ptr } as Vec); }; // the x part of w
  const split = (): void => { copy(dx, wv.ptr, x.ptr); copy(dy, wv.ptr + dx * 8, y.ptr); };
  const join = (): void => { copy(dx, x.ptr, wv.ptr); copy(dy, y.ptr, wv.ptr + dx * 8); };
  // A_i·[x; y] with y replaced by `yy` (θ)
  const rowAt = (i: number, xx: Vec, yy: Vec): number => dot(dx, cons!.rows[i]!.ptr, xx.ptr) + dot(dy, cons!.rows[i]!.ptr + dx * 8, yy.ptr);
  const halfspace = (i: number, w: Vec): void => {
    const r = dot(n, cons!.rows[i]!.ptr, w.ptr) - cons!.b[i]!;
    if (r > 0) axpy(n, -r / cons!.norms2[i]!, cons!.rows[i]!.ptr, w.ptr);
  };
  let projMiss = 0;
  const project = (): void => {
    if (!cons) { clampX(wv); return; }
    if (incr.length === 0) { halfspace(0, wv); return; }
    // Dykstra: sets 0..m−1 the halfspaces, m the box
    for (const q of incr) v.fill(0, q);
    for (let sweep = 0; sweep < 1000; sweep++) {
      copy(n, wv.ptr, prev.ptr);
      for (let i = 0; i <= m; i++) {
        const q = incr[i]!;
        v.axpy(1, q, wv); copy(n, wv.ptr, q.ptr); // q = w + q_old (the point before projecting)
        if (i < m) halfspace(i, wv); else clampX(wv);
        v.axpy(-1, wv, q); // q = (w + q_old) − P(w + q_old)
      }
      v.axpy(-1, wv, prev);
      if (v.norm(prev) <= 1e-12 * Math.max(1, v.norm(wv))) break;
    }
    // a fixed point of the sweeps that still violates a halfspace: the intersection is empty
    let worst = 0;
    for (let i = 0; i < m; i++) worst = Math.max(worst, (dot(n, cons.rows[i]!.ptr, wv.ptr) - cons.b[i]!) / Math.sqrt(cons.norms2[i]!));
    if (!(worst <= 1e-9 * Math.max(1, v.norm(wv)))) projMiss++;
  };
  const maxViolation = (yy: Vec): number => { let s = 0; for (let i = 0; i < m; i++) s = Math.max(s, rowAt(i, x, yy) - cons!.b[i]!); return s; };
  const history: IterationInfo[] = [], warnings: string[] = [];
  const t0 = typeof performance !== 'undefined' ? performance.now() : 0;
  join(); project(); split();
  v.copy(y, th);
  const eta = opt.innerLr!, alpha = opt.outer.lr, beta = opt.multiplierLr, g1 = opt.proxY, g2 = opt.proxMultiplier, U = opt.multiplierCap;
  let converged = false, capped = false, stepNorm = NaN, minStep = Infinity, minAt = 0;
  for (let k = 0; ; k++) {
    const ck = opt.penaltyStart * e.pow(k + 1, opt.penaltyPower);
    // θ step: ∇ᵧf(x, θ) + A_yᵀλ + (θ − y)/γ₁
    o.lowerGrad(x, th, gth);
    for (let i = 0; i < m; i++) if (lam[i] !== 0) axpy(dy, lam[i]!, cons!.rows[i]!.ptr + dx * 8, gth.ptr);
    v.axpy(1 / g1, th, gth); v.axpy(-1 / g1, y, gth);
    v.axpy(-eta, gth, th);
    for (let i = 0; i < m; i++) {
      const li = lam[i]! + eta * (rowAt(i, x, th) - cons!.b[i]! - (lam[i]! - z[i]!) / g2);
      lam[i] = li < 0 ? 0 : li > U ? U : li;
      if (lam[i] === U) capped = true;
    }
    // (x, y) direction
    o.upperGrad(x, y, fx, fy);
    gradX(x, y, t1); gradX(x, th, t2);
    v.lincomb(1 / ck, fx, 1, t1, dX); v.axpy(-1, t2, dX);
    for (let i = 0; i < m; i++) if (lam[i] !== 0) axpy(dx, -lam[i]!, cons!.rows[i]!.ptr, dX.ptr);
    o.lowerGrad(x, y, gy);
    v.lincomb(1 / ck, fy, 1, gy, dY); v.axpy(-1 / g1, y, dY); v.axpy(1 / g1, th, dY);
    const bad = v.firstNonFinite(dX) >= 0 || v.firstNonFinite(dY) >= 0 || v.firstNonFinite(th) >= 0;
    if (bad) throw new NonFiniteError(`the lvhba iterates became non-finite at iteration ${k}: the (x, y) step α = outer.lr = ${alpha} is too large for the θ step η = innerLr = ${eta} (θ must track (x, y): lower outer.lr or raise innerLr)`, 'hypergradient', 1);
    const info: IterationInfo = {
      iteration: k, upperValue: o.upperValue(x, y), hypergradientNorm: stepNorm, lowerGradNorm: v.norm(gy), residual: m ? maxViolation(th) : NaN, innerSteps: 1,
      linearSteps: 0, hessianNorm: NaN, oracleCalls: { ...o.calls }, elapsedMs: (typeof performance !== 'undefined' ? performance.now() : 0) - t0,
    };
    history.push(info);
    if (onIteration && onIteration(info) === false) { warnings.push(`stopped by onIteration at iteration ${k}`); break; }
    if (k >= opt.outer.steps) break;
    copy(n, wv.ptr, prev.ptr);
    axpy(dx, -alpha, dX.ptr, wv.ptr); axpy(dy, -alpha, dY.ptr, wv.ptr + dx * 8);
    project(); split();
    v.axpy(-1, wv, prev);
    stepNorm = v.norm(prev) / alpha;
    if (stepNorm < minStep) { minStep = stepNorm; minAt = k + 1; }
    for (let i = 0; i < m; i++) { const zi = z[i]! + beta * (lam[i]! - z[i]!) / g2; z[i] = zi < 0 ? 0 : zi > U ? U : zi; }
    if (stepNorm <= opt.outer.tol) { converged = true; break; }
  }
  const viol = m ? maxViolation(y) : 0, violTh = m ? maxViolation(th) : 0;
  if (capped) warnings.push(`a multiplier λ reached its cap multiplierCap = ${U}: the lower-level constraints look infeasible (or U is too small for them); the result is not a solution`);
  if (projMiss) warnings.push(`the projection onto C = {A[x; y] ≤ b} ∩ box did not converge in ${projMiss} of ${history.length} iterations: the constraint set looks empty`);
  if (viol > 1e-8 || violTh > 1e-3) warnings.push(`the constraints are violated at the end: max(A[x; y] − b) = ${viol}, at (x, θ): ${violTh}`);
  // the step ‖Δ(x, y)‖/α shrinks (c_k grows, the iterate settles) unless θ falls behind (x, y): then the
  // single loop diverges (T4: α = 0.02 with η = 0.01). A growth by 2× over its minimum is flagged.
  if (!converged && history.length > 2 && stepNorm > 2 * minStep) {
    warnings.push(`diverging: the step ‖Δ(x, y)‖/α grew from ${minStep} (iteration ${minAt}) to ${stepNorm}; θ does not track (x, y) — the (x, y) step α = outer.lr = ${alpha} is too large for the θ step η = innerLr = ${eta} (LV-HBA's convergence needs α small against η): lower outer.lr or raise innerLr; the result is not a solution`);
  }
  if (warnings.length && !(warnings.length === 1 && warnings[0]!.startsWith('stopped'))) converged = false;
  if (!converged && !warnings.some((w) => /infeasible|empty|violated|diverging/.test(w))) {
    warnings.push(`not settled after ${history.length} iterations (last ‖Δ(x, y)‖/α = ${stepNorm}): the penalty c_k = c̲(k+1)^p keeps growing, so the iterate approaches the bilevel solution like 1/c_k; raise outer.steps`);
  }
  const tiers = o.tiers;
  return {
    x: x.array.slice(), y: y.array.slice(), hypergradient: dX.array.slice(), history, oracleCalls: { ...o.calls },
    secondOrder: tiers.has('finite-difference') ? 'finite-difference' : tiers.has('user') ? 'user' : 'built-in',
    fdError: o.fdError, method: 'lvhba', converged, warnings, multipliers: Float64Array.from(lam),
  } as Omit<SolveResult, 'options' | 'save'>;
}
