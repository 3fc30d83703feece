// f64 closed forms of the bilevel validation problems (reference §6 T1, T2), by Gaussian elimination with
// partial pivoting in plain JS: independent of the library's CG/Cholesky paths.
export function solveDense(A, b, n) {
  const M = Array.from({ length: n }, (_, i) => [...A.slice(i * n, i * n + n), b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c; for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) { const f = M[r][c] / M[c][c]; for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k]; }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) { let s = M[r][n]; for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k]; x[r] = s / M[r][r]; }
  return x;
}
const mv = (A, x, m, n) => Array.from({ length: m }, (_, i) => { let s = 0; for (let j = 0; j < n; j++) s += A[i * n + j] * x[j]; return s; });
const mtv = (A, x, m, n) => Array.from({ length: n }, (_, j) => { let s = 0; for (let i = 0; i < m; i++) s += A[i * n + j] * x[i]; return s; });

/** A seeded T1 instance (A, F ≻ 0 symmetric) and its closed-form y*(x), ∇Φ(x). */
export function makeT1(dx, dy, seed = 1) {
  let s = seed >>> 0;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
  const spd = (n, mu) => { const M = Array.from({ length: n * n }, rnd); const A = new Array(n * n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let t = 0; for (let k = 0; k < n; k++) t += M[k * n + i] * M[k * n + j]; A[i * n + j] = t / n + (i === j ? mu : 0); } return A; };
  const vec = (n) => Array.from({ length: n }, rnd);
  const lower = { A: spd(dy, 0.5), B: spd(dx, 0.1), C: vec(dx * dy), a: vec(dy), b: vec(dx) };
  const upper = { F: spd(dy, 0.2), H: spd(dx, 0.3), K: vec(dx * dy).map((v) => 0.3 * v), f: vec(dy), h: vec(dx) };
  const ystar = (x) => solveDense(lower.A, mtv(lower.C, x, dx, dy).map((v, i) => -(v + lower.a[i])), dy);
  const hypergrad = (x) => {
    const y = ystar(x);
    const fy = mv(upper.F, y, dy, dy).map((v, i) => v + mtv(upper.K, x, dx, dy)[i] + upper.f[i]);
    const w = solveDense(lower.A, fy, dy);
    const cw = mv(lower.C, w, dx, dy), hx = mv(upper.H, x, dx, dx), ky = mv(upper.K, y, dx, dy);
    return hx.map((v, i) => v + ky[i] + upper.h[i] - cw[i]);
  };
  // callbacks for the user / finite-difference tiers
  const callbacks = {
    upper: { grad: (x, y, gx, gy) => { const a = mv(upper.H, x, dx, dx), b = mv(upper.K, y, dx, dy), c = mv(upper.F, y, dy, dy), d = mtv(upper.K, x, dx, dy);
      for (let i = 0; i < dx; i++) gx[i] = a[i] + b[i] + upper.h[i]; for (let j = 0; j < dy; j++) gy[j] = c[j] + d[j] + upper.f[j]; } },
    lower: { grad: (x, y, gy) => { const a = mv(lower.A, y, dy, dy), b = mtv(lower.C, x, dx, dy); for (let j = 0; j < dy; j++) gy[j] = a[j] + b[j] + lower.a[j]; },
      gradX: (x, y, gx) => { const a = mv(lower.B, x, dx, dx), b = mv(lower.C, y, dx, dy); for (let i = 0; i < dx; i++) gx[i] = a[i] + b[i] + lower.b[i]; } },
    hvp: (x, y, v, out) => out.set(mv(lower.A, v, dy, dy)),
    crossJvp: (x, y, v, out) => out.set(mv(lower.C, v, dx, dy)),
    crossJvpT: (x, y, u, out) => out.set(mtv(lower.C, u, dx, dy)),
  };
  return { dx, dy, lower, upper, ystar, hypergrad, callbacks };
}

/** T2 (logRidge): w*(λ) and dΦ/dλ in closed form. */
export function ridgeClosedForm(Xtr, ytr, Xval, yval, n, m, d, lam) {
  const G = new Array(d * d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) G[j * d + k] += Xtr[i * d + j] * Xtr[i * d + k];
  const el = Math.exp(lam);
  for (let j = 0; j < d; j++) G[j * d + j] += el;
  const w = solveDense(G, mtv(Xtr, ytr, n, d), d);
  const r = mv(Xval, w, m, d).map((v, i) => v - yval[i]);
  const q = solveDense(G, w, d);
  const g = mtv(Xval, r, m, d);
  let s = 0; for (let j = 0; j < d; j++) s += g[j] * q[j];
  return { w, dPhi: -el * s, phi: 0.5 * r.reduce((a, b) => a + b * b, 0) };
}
