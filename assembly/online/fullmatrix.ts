// Full-matrix AdaGrad (Duchi, Hazan & Singer 2011, §1.3 / Hazan, Introduction to OCO, Alg. 13):
// G_t = Σ g gᵀ, H_t = δI + G_t^{1/2}, y = x − η H_t⁻¹ g, x ← argmin_{z∈K} (z − y)ᵀH_t(z − y).
// G^{1/2} from a symmetric eigendecomposition G = Wᵀ diag(λ) W by cyclic Jacobi rotations (the pairs
// (p, q) in row order, sweeps until Σ_{p<q} a_pq² ≤ 1e-32·Σ a_ii², at most 64), so H⁻¹g = Wᵀ((Wg)/h)
// with h = δ + √max(λ, 0). The ℓ2-ball projection in the H-norm is the diagonal-norm one (project.ts's
// l2W) in the eigenbasis: z = Wᵀ·l2W(W y; h), taken only when ‖y‖ > r. Every sum in a fixed order;
// the rotations are elementwise (SIMD rows and scalar give the same bits), no fused multiply-add.
// State: [t, 0, x(n), G(n²)] (row-major, symmetric). Work: 2n² + 4n f64 (+ the projection's).
import { ld, st, dot4 } from './common';
import { l2W } from './project';

export const JACOBI_TOL: f64 = 1e-32;
export const JACOBI_SWEEPS: i32 = 64;

/** Rows p and q of m (length n): m_p ← c·m_p − s·m_q, m_q ← s·m_p + c·m_q. */
function rotRows(m: usize, n: i32, p: i32, q: i32, c: f64, s: f64): void {
  const rp = m + (<usize>(p * n) << 3), rq = m + (<usize>(q * n) << 3);
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const cv = f64x2.splat(c), sv = f64x2.splat(s);
    for (; k + 2 <= n; k += 2) {
      const o = <usize>k << 3;
      const a = v128.load(rp + o), b = v128.load(rq + o);
      v128.store(rp + o, f64x2.sub(f64x2.mul(cv, a), f64x2.mul(sv, b)));
      v128.store(rq + o, f64x2.add(f64x2.mul(sv, a), f64x2.mul(cv, b)));
    }
  }
  for (; k < n; k++) { const a = ld(rp, k), b = ld(rq, k); st(rp, k, c * a - s * b); st(rq, k, s * a + c * b); }
}

/** Cyclic Jacobi on the symmetric a (n×n, overwritten: the eigenvalues on its diagonal); the eigenvectors into the rows of w. Returns the sweeps taken. */
export function jacobi(n: i32, a: usize, w: usize): i32 {
  memory.fill(w, 0, <usize>(n * n) << 3);
  for (let i = 0; i < n; i++) st(w, i * n + i, 1.0);
  let sweeps = 0;
  for (; sweeps < JACOBI_SWEEPS; sweeps++) {
    let off: f64 = 0, dg: f64 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) { const v = ld(a, p * n + q); off += v * v; }
    for (let i = 0; i < n; i++) { const v = ld(a, i * n + i); dg += v * v; }
    if (!(off > JACOBI_TOL * dg)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = ld(a, p * n + q);
        if (apq == 0) continue;
        const theta = (ld(a, q * n + q) - ld(a, p * n + p)) / (2.0 * apq);
        const at = Math.abs(theta);
        const t = at > 1e153 ? 0.5 / theta : (theta >= 0 ? 1.0 : -1.0) / (at + Math.sqrt(theta * theta + 1.0));
        const c = 1.0 / Math.sqrt(t * t + 1.0), s = t * c;
        for (let k = 0; k < n; k++) {
          const kp = ld(a, k * n + p), kq = ld(a, k * n + q);
          st(a, k * n + p, c * kp - s * kq); st(a, k * n + q, s * kp + c * kq);
        }
        rotRows(a, n, p, q, c, s);
        st(a, p * n + q, 0); st(a, q * n + p, 0);
        rotRows(w, n, p, q, c, s);
      }
    }
  }
  return sweeps;
}

/** One round with the gradient g at x. kind 3: the ℓ2 ball of radius r; else unconstrained. Returns the Jacobi sweeps. */
export function on_fullada_update(n: i32, kind: i32, r: f64, state: usize, g: usize, work: usize, lr: f64, delta: f64): i32 {
  const x = state + 16, G = x + (<usize>n << 3);
  const nn = <usize>(n * n) << 3;
  const a = work, w = a + nn, h = w + nn, y = h + (<usize>n << 3), wy = y + (<usize>n << 3), xw = wy + (<usize>n << 3);
  st(state, 0, ld(state, 0) + 1.0);
  for (let i = 0; i < n; i++) {
    const gi = ld(g, i), row = G + (<usize>(i * n) << 3);
    for (let j = 0; j < n; j++) st(row, j, ld(row, j) + gi * ld(g, j));
  }
  memory.copy(a, G, nn);
  const sweeps = jacobi(n, a, w);
  for (let k = 0; k < n; k++) { const l = ld(a, k * n + k); st(h, k, delta + Math.sqrt(l > 0 ? l : 0.0)); }
  memory.copy(y, x, <usize>n << 3);
  for (let k = 0; k < n; k++) {
    const wk = w + (<usize>(k * n) << 3);
    const c = lr * (dot4(wk, g, n) / ld(h, k));
    for (let i = 0; i < n; i++) st(y, i, ld(y, i) - c * ld(wk, i));
  }
  if (kind != 3 || Math.sqrt(dot4(y, y, n)) <= r) { memory.copy(x, y, <usize>n << 3); return sweeps; }
  for (let k = 0; k < n; k++) st(wy, k, dot4(w + (<usize>(k * n) << 3), y, n));
  l2W(n, r, wy, h, xw);
  memory.fill(x, 0, <usize>n << 3);
  for (let k = 0; k < n; k++) {
    const wk = w + (<usize>(k * n) << 3), c = ld(xw, k);
    for (let i = 0; i < n; i++) st(x, i, ld(x, i) + c * ld(wk, i));
  }
  return sweeps;
}
