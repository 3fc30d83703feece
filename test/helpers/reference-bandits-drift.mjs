// References of D-LinUCB and SW-LinUCB (src/bandits/drifting.ts):
// * f64-exact, written from assembly/bandits/drift.ts (Sherman–Morrison steps, dot2's two-lane order;
//   the engine's log passed in as M for β);
// * direct: the papers' matrices built from scratch from the event list and inverted by Gauss–Jordan
//   (equal up to rounding), an independent check of the rank-1 bookkeeping.
import { uniformRef } from './reference-bandits.mjs';

function dot2(a, ao, b, bo, n) {
  let e = 0, o = 0, j = 0;
  for (; j + 2 <= n; j += 2) { e += a[ao + j] * b[bo + j]; o += a[ao + j + 1] * b[bo + j + 1]; }
  if (j < n) e += a[ao + j] * b[bo + j];
  return e + o;
}
const matvec = (M, v, n) => Float64Array.from({ length: n }, (_, i) => dot2(M, i * n, v, 0, n));
const rank1 = (M, w, n, sign) => { for (let i = 0; i < n; i++) { const wi = sign * w[i]; for (let j = 0; j < n; j++) M[i * n + j] = M[i * n + j] + wi * w[j]; } };
function smAdd(M, x, c, d) {
  const u = matvec(M, x, d), f = Math.sqrt(c / (1 + c * dot2(x, 0, u, 0, d)));
  for (let i = 0; i < d; i++) u[i] = u[i] * f;
  rank1(M, u, d, -1);
}
const eye = (n, v) => { const M = new Float64Array(n * n); for (let i = 0; i < n; i++) M[i * n + i] = v; return M; };

export const dlinState = (d, lambda) => ({ d, lambda, M: eye(d, 1 / lambda), Vt: eye(d, lambda), b: new Float64Array(d), g2: 1, t: 0 });
export function dlinLearnRef(st, x, r, gamma) {
  const { d, lambda, M, Vt, b } = st, g = 1 / gamma, c = (1 - gamma) * lambda, g2c = gamma * gamma, ct = (1 - g2c) * lambda;
  for (let i = 0; i < d * d; i++) M[i] = M[i] * g;
  smAdd(M, x, 1, d);
  if (c > 0) for (let i = 0; i < d; i++) { const e = new Float64Array(d); e[i] = 1; smAdd(M, e, c, d); }
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Vt[i * d + j] = g2c * Vt[i * d + j] + x[i] * x[j] + (i === j ? ct : 0);
  for (let i = 0; i < d; i++) b[i] = gamma * b[i] + r * x[i];
  st.g2 = st.g2 * g2c; st.t = st.t + 1;
}
export const swlinState = (d, lambda, tau) => ({ d, lambda, tau, M: eye(d, 1 / lambda), b: new Float64Array(d), ring: [], head: 0 });
export function swlinLearnRef(st, x, r) {
  const { d, lambda, tau, M, b } = st;
  if (st.ring.length === tau) {
    const old = st.ring[st.head], u = matvec(M, old.x, d), s = 1 - dot2(old.x, 0, u, 0, d);
    if (s > 0) { const f = 1 / Math.sqrt(s); for (let i = 0; i < d; i++) u[i] = u[i] * f; rank1(M, u, d, 1); }
    for (let i = 0; i < d; i++) b[i] = b[i] - old.r * old.x[i];
    st.ring[st.head] = { x: Float64Array.from(x), r };
  } else st.ring.push({ x: Float64Array.from(x), r });
  smAdd(M, x, 1, d);
  for (let i = 0; i < d; i++) b[i] = b[i] + r * x[i];
  st.head = st.head + 1 === tau ? 0 : st.head + 1;
  if (st.head === 0) {
    M.set(eye(d, 1 / lambda)); b.fill(0);
    for (const q of st.ring) { smAdd(M, q.x, 1, d); for (let i = 0; i < d; i++) b[i] = b[i] + q.r * q.x[i]; }
  }
}
export const dlinBetaRef = (d, lambda, S, sigma, delta, L, gamma, g2t, M) =>
  Math.sqrt(lambda) * S + sigma * Math.sqrt(2 * M.log(1 / delta) + d * M.log(1 + L * L * (1 - g2t) / (lambda * d * (1 - gamma * gamma))));
export const swlinBetaRef = (d, lambda, S, sigma, delta, L, tau, M) => Math.sqrt(lambda) * S + sigma * Math.sqrt(d * M.log((1 + tau * L * L / lambda) / delta));

/** One decision: xs(a) arm a's features; mode 'd' (D-LinUCB, uses st.Vt) or 'sw'. */
export function driftDecideRef(st, xs, offered, mode, coef, key, h) {
  const { d, M, b } = st, K = offered.length, th = matvec(M, b, d), sc = new Float64Array(K);
  for (let a = 0; a < K; a++) {
    if (!offered[a]) { sc[a] = -Infinity; continue; }
    const x = Float64Array.from(xs(a)), y = matvec(M, x, d);
    let q = 0;
    if (mode === 'd') { for (let i = 0; i < d; i++) q += y[i] * dot2(st.Vt, i * d, y, 0, d); } else q = dot2(x, 0, y, 0, d);
    sc[a] = dot2(x, 0, th, 0, d) + coef * Math.sqrt(q > 0 ? q : 0);
  }
  let m = -Infinity, c = 0;
  for (let a = 0; a < K; a++) { if (!offered[a]) continue; if (sc[a] > m) { m = sc[a]; c = 1; } else if (sc[a] === m) c++; }
  let idx = 0;
  if (c > 1) { idx = Math.floor(uniformRef(key, h, 1, 0) * c); if (idx >= c) idx = c - 1; }
  let j = 0, arm = -1;
  for (let a = 0; a < K && arm < 0; a++) if (offered[a] && sc[a] === m) { if (j === idx) arm = a; j++; }
  return { arm, propensity: 1 / c, scores: sc, theta: th };
}

/** The papers' V (or windowed V) from the event list, inverted directly: { Vinv, theta }. */
export function directRef(events, d, lambda, { gamma = 1, tau = Infinity } = {}) {
  const T = events.length, V = eye(d, lambda), b = new Float64Array(d);
  events.forEach(({ x, r }, s) => {
    if (T - s > tau) return;
    const w = gamma === 1 ? 1 : gamma ** (T - 1 - s);
    for (let i = 0; i < d; i++) { b[i] += w * r * x[i]; for (let j = 0; j < d; j++) V[i * d + j] += w * x[i] * x[j]; }
  });
  const A = Float64Array.from(V), I = eye(d, 1);
  for (let c = 0; c < d; c++) {
    const v = A[c * d + c];
    for (let j = 0; j < d; j++) { A[c * d + j] /= v; I[c * d + j] /= v; }
    for (let r = 0; r < d; r++) if (r !== c) { const f = A[r * d + c]; for (let j = 0; j < d; j++) { A[r * d + j] -= f * A[c * d + j]; I[r * d + j] -= f * I[c * d + j]; } }
  }
  const theta = Float64Array.from({ length: d }, (_, i) => { let s = 0; for (let j = 0; j < d; j++) s += I[i * d + j] * b[j]; return s; });
  return { Vinv: I, theta };
}
