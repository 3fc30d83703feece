// f64-exact JS reference of full-matrix AdaGrad (assembly/online/fullmatrix.ts): the same IEEE double
// operations in the same order (cyclic Jacobi rotations in (p, q) order, the 4-lane dot4 sums, no fused
// multiply-add). sqrt is IEEE-exact everywhere, so no engine routine is needed.
import { dot4, l2Ref } from './reference-online.mjs';

/** Cyclic Jacobi on the symmetric n×n row-major a (overwritten: eigenvalues on the diagonal); returns the eigenvectors as the rows of W and the sweeps taken. */
export function jacobiRef(n, a) {
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) W[i * n + i] = 1;
  let sweeps = 0;
  for (; sweeps < 64; sweeps++) {
    let off = 0, dg = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    for (let i = 0; i < n; i++) dg += a[i * n + i] * a[i * n + i];
    if (!(off > 1e-32 * dg)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const at = Math.abs(theta);
        const t = at > 1e153 ? 0.5 / theta : (theta >= 0 ? 1 : -1) / (at + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) { const kp = a[k * n + p], kq = a[k * n + q]; a[k * n + p] = c * kp - s * kq; a[k * n + q] = s * kp + c * kq; }
        for (let k = 0; k < n; k++) { const pk = a[p * n + k], qk = a[q * n + k]; a[p * n + k] = c * pk - s * qk; a[q * n + k] = s * pk + c * qk; }
        a[p * n + q] = 0; a[q * n + p] = 0;
        for (let k = 0; k < n; k++) { const pk = W[p * n + k], qk = W[q * n + k]; W[p * n + k] = c * pk - s * qk; W[q * n + k] = s * pk + c * qk; }
      }
    }
  }
  return { W, sweeps };
}

/** Full-matrix AdaGrad: G += g gᵀ, H = δI + G^{1/2}, x ← Π_K^H(x − η H⁻¹ g) (l2Ball or unconstrained). */
export function fullAdagradRef(set, { lr, delta = 1e-8 }, x0) {
  const n = set.dim, st = { t: 0, x: Float64Array.from(x0), G: new Float64Array(n * n), sweeps: 0 };
  return {
    st,
    update(g) {
      st.t += 1;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) st.G[i * n + j] = st.G[i * n + j] + g[i] * g[j];
      const a = Float64Array.from(st.G), { W, sweeps } = jacobiRef(n, a);
      st.sweeps = sweeps;
      const h = Float64Array.from({ length: n }, (_, k) => delta + Math.sqrt(a[k * n + k] > 0 ? a[k * n + k] : 0));
      const y = Float64Array.from(st.x);
      for (let k = 0; k < n; k++) {
        const c = lr * (dot4(W, g, n, k * n, 0) / h[k]);
        for (let i = 0; i < n; i++) y[i] = y[i] - c * W[k * n + i];
      }
      if (set.kind !== 'l2Ball' || Math.sqrt(dot4(y, y)) <= set.radius) { st.x = y; return; }
      const wy = Float64Array.from({ length: n }, (_, k) => dot4(W, y, n, k * n, 0));
      const xw = l2Ref(wy, set.radius, h), x = new Float64Array(n);
      for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) x[i] = x[i] + xw[k] * W[k * n + i];
      st.x = x;
    },
  };
}
