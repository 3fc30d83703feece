// Online Newton Step (Hazan, Agarwal & Kale 2007; Hazan 2016 Alg. 12): A_t = A_{t−1} + g gᵀ (A_0 = εI),
// A_t⁻¹ by Sherman–Morrison, y = x − (1/γ) A_t⁻¹ g, x ← Π_K^{A_t}(y), the generalised projection in the
// A_t-norm (the Mahalanobis ℓ2-ball projection of project.ts, or none when unconstrained).
// State: [t, 0, x(n), A(n²), A⁻¹(n²)] (row-major, symmetric). Work: n² + 5n f64.
import { ld, st, dot4 } from './common';
import { projMaha } from './project';

/** Returns the projection's bisection steps (0 when y was inside), or -1 when A lost definiteness. */
export function on_ons_update(n: i32, kind: i32, r: f64, state: usize, g: usize, work: usize, gamma: f64): i32 {
  st(state, 0, ld(state, 0) + 1.0);
  const x = state + 16, a = x + (<usize>n << 3), ai = a + (<usize>(n * n) << 3);
  const u = work, y = work + (<usize>n << 3), rest = work + (<usize>n << 4);
  for (let i = 0; i < n; i++) {
    const gi = ld(g, i), row = a + (<usize>(i * n) << 3);
    for (let j = 0; j < n; j++) st(row, j, ld(row, j) + gi * ld(g, j));
  }
  for (let i = 0; i < n; i++) st(u, i, dot4(ai + (<usize>(i * n) << 3), g, n));
  const den = 1.0 + dot4(g, u, n);
  for (let i = 0; i < n; i++) {
    const ui = ld(u, i), row = ai + (<usize>(i * n) << 3);
    for (let j = 0; j < n; j++) st(row, j, ld(row, j) - (ui * ld(u, j)) / den);
  }
  // A_t⁻¹ g = u/(1 + gᵀu) (Sherman–Morrison applied to g)
  const step = 1.0 / gamma;
  for (let i = 0; i < n; i++) st(y, i, ld(x, i) - step * (ld(u, i) / den));
  if (kind == 3) return projMaha(n, r, a, y, x, rest);
  memory.copy(x, y, <usize>n << 3);
  return 0;
}

/** A = εI, A⁻¹ = I/ε. */
export function on_ons_init(n: i32, state: usize, eps: f64): void {
  const a = state + 16 + (<usize>n << 3), ai = a + (<usize>(n * n) << 3);
  memory.fill(a, 0, <usize>(2 * n * n) << 3);
  for (let i = 0; i < n; i++) { st(a, i * n + i, eps); st(ai, i * n + i, 1.0 / eps); }
}
