// f32-exact JS reference of Muon (src/optim/muon.ts): Math.fround after every f32 operation, in the
// kernels' order (assembly/optim/muon.ts, rust/src/gemm.rs's documented per-element sum), ‖u‖² in
// the engine's blocked order (segSumSq), the AdamW tensors through adamRef.
import { adamRef } from './reference.mjs';
import { segSumSq } from './reference-layerwise.mjs';
const f = Math.fround;

/** C = α·op(A)·op(B) + β·C as rust/src/gemm.rs defines it (acc in f32 over increasing p). */
export function gemmRef(m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, ta, tb) {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc = f(acc + f((ta ? A[p * lda + i] : A[i * lda + p]) * (tb ? B[j * ldb + p] : B[p * ldb + j])));
      C[i * ldc + j] = beta === 0 ? f(alpha * acc) : f(f(alpha * acc) + f(beta * C[i * ldc + j]));
    }
  }
}

const lerp = (a, b, w, c) => (Math.abs(w) < 0.5 ? f(a + f(w * f(b - a))) : f(b - f(f(b - a) * c)));

/** Newton–Schulz on the R×C matrix X (modified in place: returns the result array). */
export function newtonSchulzRef(X, R, C, steps) {
  const [a, b, c] = [3.4445, -4.775, 2.0315];
  const S = Math.min(R, C), wide = R <= C;
  let Y = new Float32Array(R * C);
  const A = new Float32Array(S * S), CA = new Float32Array(S * S), B = new Float32Array(S * S), fc = f(c);
  for (let it = 0; it < steps; it++) {
    if (wide) gemmRef(S, S, C, 1, X, C, X, C, 0, A, S, 0, 1); else gemmRef(S, S, R, 1, X, C, X, C, 0, A, S, 1, 0);
    for (let i = 0; i < S * S; i++) { CA[i] = f(A[i] * fc); B[i] = A[i]; }
    gemmRef(S, S, S, 1, CA, S, A, S, f(b), B, S, 0, 0);
    Y.set(X);
    if (wide) gemmRef(R, C, R, 1, B, R, X, C, f(a), Y, C, 0, 0); else gemmRef(R, C, C, 1, X, C, B, C, f(a), Y, C, 0, 1);
    const t = X; X = Y; Y = t;
  }
  return X;
}

/** One Muon step on one R×C tensor; `st` = { m }. */
export function muonMatrixRef(p, g, st, R, C, { lr = 0.02, momentum = 0.95, nesterov = true, nsSteps = 5, eps = 1e-7, weightDecay = 0 }) {
  const n = R * C, w1 = f(1 - momentum), c1 = f(1 - w1), w2 = f(momentum), c2 = f(1 - w2);
  const u = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    st.m[i] = lerp(st.m[i], g[i], w1, c1);
    u[i] = nesterov ? lerp(g[i], st.m[i], w2, c2) : st.m[i];
  }
  const d = f(f(Math.sqrt(segSumSq(u))) + f(eps));
  let X = new Float32Array(n);
  for (let i = 0; i < n; i++) X[i] = f(u[i] / d);
  X = newtonSchulzRef(X, R, C, nsSteps);
  const s = f(Math.sqrt(Math.max(1, R / C))), decay = f(1 - lr * weightDecay), negLr = f(-lr);
  for (let i = 0; i < n; i++) p[i] = f(f(p[i] * decay) + f(negLr * f(X[i] * s)));
}

/** One Muon step on one tensor of shape `shape` (2-D: Muon; else AdamW); `st` = { m, v, vmax }. */
export function muonRef(p, g, st, shape, h, t, pow, sqrt) {
  if (shape.length === 2) return muonMatrixRef(p, g, st, shape[0], shape[1], h);
  const [b1, b2] = h.adamBetas ?? [0.9, 0.95];
  adamRef(p, g, st, { lr: h.adamLr ?? 3e-4, betas: [b1, b2], eps: h.adamEps ?? 1e-10, weightDecay: h.adamWeightDecay ?? 0 }, true, t, pow, sqrt);
}
