// Dense f64 products for the quadratic model (T1 of the reference: g and f quadratics in (x, z)).
import { ld, st, dotN, axpyN } from './common';

/**
 * y = α·op(A)·x + β·y with A stored m×n row-major; op(A) = A (x: n, y: m) or Aᵀ when trans ≠ 0
 * (x: m, y: n). β = 0 never reads y. Row i of A·x is one fixed-order dot; Aᵀx adds rows in order.
 */
export function bl_gemv(m: i32, n: i32, a: usize, x: usize, y: usize, alpha: f64, beta: f64, trans: i32): void {
  if (trans == 0) {
    for (let i = 0; i < m; i++) {
      const s = alpha * dotN(a + (<usize>(i * n) << 3), x, n);
      st(y, i, beta == 0 ? s : s + beta * ld(y, i));
    }
  } else {
    for (let j = 0; j < n; j++) st(y, j, beta == 0 ? 0 : beta * ld(y, j));
    for (let i = 0; i < m; i++) axpyN(alpha * ld(x, i), a + (<usize>(i * n) << 3), y, n);
  }
}

/**
 * Gradient of q(x, z) = ½zᵀSz + ½xᵀPx + xᵀCz + sᵀz + pᵀx (S dz×dz, P dx×dx, C dx×dz):
 * wrt z (which = 0): out = S z + Cᵀx + s; wrt x (which = 1): out = P x + C z + p.
 */
export function bl_quad_grad(dx: i32, dz: i32, S: usize, P: usize, C: usize, s: usize, p: usize, x: usize, z: usize, out: usize, which: i32): void {
  if (which == 0) {
    bl_gemv(dz, dz, S, z, out, 1, 0, 0);
    for (let i = 0; i < dx; i++) axpyN(ld(x, i), C + (<usize>(i * dz) << 3), out, dz);
    axpyN(1, s, out, dz);
  } else {
    bl_gemv(dx, dx, P, x, out, 1, 0, 0);
    for (let i = 0; i < dx; i++) st(out, i, ld(out, i) + dotN(C + (<usize>(i * dz) << 3), z, dz) + ld(p, i));
  }
}

/** q(x, z) = ½zᵀSz + ½xᵀPx + xᵀCz + sᵀz + pᵀx; tmp holds max(dx, dz) f64. */
export function bl_quad_value(dx: i32, dz: i32, S: usize, P: usize, C: usize, s: usize, p: usize, x: usize, z: usize, tmp: usize): f64 {
  bl_gemv(dz, dz, S, z, tmp, 1, 0, 0);
  let v = 0.5 * dotN(z, tmp, dz) + dotN(s, z, dz);
  bl_gemv(dx, dx, P, x, tmp, 1, 0, 0);
  v += 0.5 * dotN(x, tmp, dx) + dotN(p, x, dx);
  bl_gemv(dx, dz, C, z, tmp, 1, 0, 0);
  return v + dotN(x, tmp, dx);
}
