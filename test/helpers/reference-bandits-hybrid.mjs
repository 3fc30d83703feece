// References of HybridLinUCB (src/bandits/hybrid.ts):
// * hyb*Ref: f64-exact, written from the definitions in assembly/bandits/hybrid.ts (the rank-1 form of
//   Algorithm 2's update, sums in dot2's two-lane order; plain JS doubles are exact);
// * alg2*: Li et al. 2010's Algorithm 2 literally (A0, b0, A_a, B_a, b_a kept as matrices, every
//   inverse recomputed by Gauss–Jordan elimination), an independent check of the rank-1 derivation
//   (equal up to rounding).
import { uniformRef } from './reference-bandits.mjs';

function dot2(a, ao, b, bo, n, sa = 1) {
  let e = 0, o = 0, j = 0;
  for (; j + 2 <= n; j += 2) { e += a[ao + j * sa] * b[bo + j]; o += a[ao + (j + 1) * sa] * b[bo + j + 1]; }
  if (j < n) e += a[ao + j * sa] * b[bo + j];
  return e + o;
}
const matvec = (M, v, n) => Float64Array.from({ length: n }, (_, i) => dot2(M, i * n, v, 0, n));
const downdate = (M, w, n) => { for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] = M[i * n + j] - w[i] * w[j]; };
const eye = (n, v) => { const M = new Float64Array(n * n); for (let i = 0; i < n; i++) M[i * n + i] = v; return M; };

export function hybState(K, d, k, lambda) {
  const st = { d, k, lambda, M0: eye(k, 1 / lambda), b0: new Float64Array(k), arms: [], active: new Array(K).fill(true) };
  for (let a = 0; a < K; a++) st.arms.push(hybArm(d, k, lambda));
  return st;
}
export const hybArm = (d, k, lambda) => ({ M: eye(d, 1 / lambda), Bt: new Float64Array(k * d), b: new Float64Array(d) });

export function hybLearnRef(st, a, x, z, r) {
  const { d, k, M0, b0 } = st, { M, Bt, b } = st.arms[a];
  const u = matvec(M, x, d);
  const s = 1 + dot2(x, 0, u, 0, d), rs = Math.sqrt(s);
  const beta = dot2(u, 0, b, 0, d);
  const zv = Float64Array.from({ length: k }, (_, j) => z[j] - dot2(Bt, j * d, u, 0, d));
  const c = (r - beta) / s, w0 = new Float64Array(k);
  for (let j = 0; j < k; j++) { b0[j] = b0[j] + zv[j] * c; w0[j] = zv[j] / rs; }
  const u0 = matvec(M0, w0, k);
  const rs0 = Math.sqrt(1 + dot2(w0, 0, u0, 0, k));
  for (let j = 0; j < k; j++) u0[j] = u0[j] / rs0;
  downdate(M0, u0, k);
  downdate(M, Float64Array.from(u, (v) => v / rs), d);
  for (let j = 0; j < k; j++) for (let i = 0; i < d; i++) Bt[j * d + i] = Bt[j * d + i] + z[j] * x[i];
  for (let i = 0; i < d; i++) b[i] = b[i] + r * x[i];
}
export const hybBetaRef = (st) => matvec(st.M0, st.b0, st.k);
export function hybThetaRef(st, a, beta = hybBetaRef(st)) {
  const { d, k } = st, { M, Bt, b } = st.arms[a];
  const tmp = Float64Array.from({ length: d }, (_, i) => b[i] - dot2(Bt, i, beta, 0, k, d));
  return matvec(M, tmp, d);
}
/** One decision: xs(a), zs(a) the features of arm a; offered[a]. */
export function hybDecideRef(st, xs, zs, offered, alpha, key, h) {
  const { d, k, M0 } = st, K = st.arms.length, beta = hybBetaRef(st), sc = new Float64Array(K);
  for (let a = 0; a < K; a++) {
    if (!offered[a]) { sc[a] = -Infinity; continue; }
    const { M, Bt } = st.arms[a], x = Float64Array.from(xs(a)), z = Float64Array.from(zs(a));
    const th = hybThetaRef(st, a, beta);
    const y = matvec(M, x, d);
    const zg = Float64Array.from({ length: k }, (_, j) => z[j] - dot2(Bt, j * d, y, 0, d));
    let q = 0;
    for (let j = 0; j < k; j++) q += zg[j] * dot2(M0, j * k, zg, 0, k);
    const s = q + dot2(x, 0, y, 0, d);
    sc[a] = dot2(z, 0, beta, 0, k) + dot2(x, 0, th, 0, d) + alpha * Math.sqrt(s > 0 ? s : 0);
  }
  let m = -Infinity, c = 0;
  for (let a = 0; a < K; a++) { if (!offered[a]) continue; if (sc[a] > m) { m = sc[a]; c = 1; } else if (sc[a] === m) c++; }
  let idx = 0;
  if (c > 1) { idx = Math.floor(uniformRef(key, h, 1, 0) * c); if (idx >= c) idx = c - 1; }
  let j = 0, arm = -1;
  for (let a = 0; a < K && arm < 0; a++) if (offered[a] && sc[a] === m) { if (j === idx) arm = a; j++; }
  return { arm, propensity: 1 / c, scores: sc };
}

// ---- Algorithm 2, literally ----
function inverse(A, n) {
  const M = Float64Array.from(A), I = eye(n, 1);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]) > Math.abs(M[p * n + c])) p = r;
    for (let j = 0; j < n; j++) { [M[c * n + j], M[p * n + j]] = [M[p * n + j], M[c * n + j]]; [I[c * n + j], I[p * n + j]] = [I[p * n + j], I[c * n + j]]; }
    const v = M[c * n + c];
    for (let j = 0; j < n; j++) { M[c * n + j] /= v; I[c * n + j] /= v; }
    for (let r = 0; r < n; r++) if (r !== c) { const f = M[r * n + c]; for (let j = 0; j < n; j++) { M[r * n + j] -= f * M[c * n + j]; I[r * n + j] -= f * I[c * n + j]; } }
  }
  return I;
}
const mm = (A, B, n, m, p) => { const C = new Float64Array(n * p); for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) { let s = 0; for (let l = 0; l < m; l++) s += A[i * m + l] * B[l * p + j]; C[i * p + j] = s; } return C; };
const tr = (A, n, m) => { const T = new Float64Array(n * m); for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) T[j * n + i] = A[i * m + j]; return T; };
export function alg2State(K, d, k, lambda) {
  return { d, k, A0: eye(k, lambda), b0: new Float64Array(k), arms: Array.from({ length: K }, () => ({ A: eye(d, lambda), B: new Float64Array(d * k), b: new Float64Array(d) })) };
}
export function alg2Learn(st, a, x, z, r) {
  const { d, k } = st, arm = st.arms[a];
  const add = (s, t, f = 1) => { for (let i = 0; i < s.length; i++) s[i] += f * t[i]; };
  const BtAinv = mm(tr(arm.B, d, k), inverse(arm.A, d), k, d, d);
  add(st.A0, mm(BtAinv, arm.B, k, d, k)); add(st.b0, mm(BtAinv, arm.b, k, d, 1));
  add(arm.A, mm(x, x, d, 1, d)); add(arm.B, mm(x, z, d, 1, k)); add(arm.b, x, r);
  const BtAinv2 = mm(tr(arm.B, d, k), inverse(arm.A, d), k, d, d);
  add(st.A0, mm(z, z, k, 1, k)); add(st.A0, mm(BtAinv2, arm.B, k, d, k), -1);
  add(st.b0, z, r); add(st.b0, mm(BtAinv2, arm.b, k, d, 1), -1);
}
/** Algorithm 2's β̂, θ̂_a and p_{t,a} for (x, z). */
export function alg2Score(st, a, x, z, alpha) {
  const { d, k } = st, arm = st.arms[a], A0i = inverse(st.A0, k), Ai = inverse(arm.A, d);
  const beta = mm(A0i, st.b0, k, k, 1);
  const bmB = Float64Array.from(arm.b, (v, i) => v - mm(arm.B, beta, d, k, 1)[i]);
  const theta = mm(Ai, bmB, d, d, 1);
  const q = (u, M, v, n) => { let s = 0; for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += u[i] * M[i * n + j] * v[j]; return s; };
  const AiB = mm(Ai, arm.B, d, d, k), BtAix = mm(tr(AiB, d, k), x, k, d, 1);
  const s = q(z, A0i, z, k) - 2 * q(z, A0i, BtAix, k) + q(x, Ai, x, d) + q(BtAix, A0i, BtAix, k);
  let mean = 0;
  for (let j = 0; j < k; j++) mean += z[j] * beta[j];
  for (let i = 0; i < d; i++) mean += x[i] * theta[i];
  return { beta, theta, score: mean + alpha * Math.sqrt(s), s };
}
