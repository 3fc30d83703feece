// Online Newton Step (Hazan, Agarwal & Kale 2007; Hazan 2016 Alg. 12): A_t = A_{t−1} + g gᵀ (A_0 = εI),
// A_t⁻¹ by Sherman–Morrison, y = x − (1/γ) A_t⁻¹ g, x ← Π_K^{A_t}(y), the generalised projection in the
// A_t-norm (the Mahalanobis ℓ2-ball projection of project.ts, or none when unconstrained).
// State: [t, 0, x(n), A(n²), A⁻¹(n²)] (row-major, symmetric). Work: n² + 6n f64.
import { ld, st, dot4 } from './common';
import { projMaha } from './project';

/**
 * Returns the projection's bisection steps (0 when y was inside); -2 when the Newton step y is not
 * finite (nothing changed: y is formed from the old A⁻¹ before A and A⁻¹ are touched); -1 when the
 * projection failed (A not positive definite; A, A⁻¹ and t changed, x not).
 */
export function on_ons_update(n: i32, kind: i32, r: f64, state: usize, g: usize, work: usize, gamma: f64): i32 {
  const x = state + 16, a = x + (<usize>n << 3), ai = a + (<usize>(n * n) << 3);
  const u = work, y = work + (<usize>n << 3), xn = work + (<usize>n << 4), rest = work + (<usize>(3 * n) << 3);
  for (let i = 0; i < n; i++) st(u, i, dot4(ai + (<usize>(i * n) << 3), g, n));
  const den = 1.0 + dot4(g, u, n);
  // A_t⁻¹ g = u/(1 + gᵀu) (Sherman–Morrison applied to g)
  const step = 1.0 / gamma;
  let bad = false;
  for (let i = 0; i < n; i++) { const v = ld(x, i) - step * (ld(u, i) / den); st(y, i, v); if (v - v != 0) bad = true; }
  if (bad) return -2;
  st(state, 0, ld(state, 0) + 1.0);
  for (let i = 0; i < n; i++) rank1(a + (<usize>(i * n) << 3), ld(g, i), g, n);
  for (let i = 0; i < n; i++) rank1(ai + (<usize>(i * n) << 3), -(ld(u, i) / den), u, n);
  if (kind == 3) {
    const it = projMaha(n, r, a, y, xn, rest);
    if (it < 0) return -1;
    memory.copy(x, xn, <usize>n << 3);
    return it;
  }
  memory.copy(x, y, <usize>n << 3);
  return 0;
}

/** row[j] += c·v[j] (elementwise, so the SIMD and scalar paths give the same bits). */
function rank1(row: usize, c: f64, v: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const cv = f64x2.splat(c);
    for (; j + 2 <= n; j += 2) {
      const o = <usize>j << 3;
      v128.store(row + o, f64x2.add(v128.load(row + o), f64x2.mul(cv, v128.load(v + o))));
    }
  }
  for (; j < n; j++) st(row, j, ld(row, j) + c * ld(v, j));
}

/** A = εI, A⁻¹ = I/ε. */
export function on_ons_init(n: i32, state: usize, eps: f64): void {
  const a = state + 16 + (<usize>n << 3), ai = a + (<usize>(n * n) << 3);
  memory.fill(a, 0, <usize>(2 * n * n) << 3);
  for (let i = 0; i < n; i++) { st(a, i * n + i, eps); st(ai, i * n + i, 1.0 / eps); }
}
