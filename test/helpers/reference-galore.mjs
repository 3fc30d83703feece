// f32-exact JS reference of GaLore's step (src/optim/galore.ts) given the projection P (taken from
// linalg.svd, which test/linalg-svd checks against NumPy): the products as the Rust sgemm sums them
// (increasing index, f32 multiply then add), the moments as the adam_f32 kernel, the update as
// galore_apply_f32.
const f = Math.fround;

/** C (m×n) = op(A)·op(B), row-major, f32 accumulation in increasing index. */
export function gemmF32(A, B, m, n, k, ta, tb, lda, ldb) {
  const C = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let acc = 0;
    for (let l = 0; l < k; l++) acc = f(acc + f((ta ? A[l * lda + i] : A[i * lda + l]) * (tb ? B[j * ldb + l] : B[l * ldb + j])));
    C[i * n + j] = acc;
  }
  return C;
}

/** Moments (in place) and the direction m/(√v + ε). */
export function adamDir(g, m, v, h) {
  const b1 = f(h.beta1), o1 = f(1 - h.beta1), b2 = f(h.beta2), o2 = f(1 - h.beta2), eps = f(h.eps);
  const d = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) {
    m[i] = f(f(m[i] * b1) + f(o1 * g[i]));
    v[i] = f(f(v[i] * b2) + f(f(o2 * g[i]) * g[i]));
    d[i] = f(m[i] / f(f(Math.sqrt(v[i])) + eps));
  }
  return d;
}

/** p ← p + a·(u·scale), then p ← p + c·p when λ > 0 (in place). */
export function applyUpd(p, u, scale, a, c, wd) {
  const s = f(scale), fa = f(a), fc = f(c);
  for (let i = 0; i < p.length; i++) {
    let q = f(p[i] + f(fa * f(u[i] * s)));
    if (wd) q = f(q + f(fc * q));
    p[i] = q;
  }
}

/**
 * One GaLore step of tensor x = { p, shape, m, v, P } at step t with gradient g; `svd(g, R, C, k)` returns
 * { u, v } (R×k, C×k) when a refresh is due. pow/sqrt: the engine's.
 */
export function galoreRef(x, g, t, h, pow, sqrt, svd) {
  const stepSize = (h.lr * sqrt(1 - pow(h.beta2, t))) / (1 - pow(h.beta1, t));
  const a = -stepSize, c = -h.lr * h.weightDecay, wd = h.weightDecay > 0;
  if (x.shape.length !== 2) { applyUpd(x.p, adamDir(g, x.m, x.v, h), 1, a, c, wd); return; }
  const [R, C] = x.shape, k = Math.min(h.rank, R, C), right = R >= C;
  if ((t - 1) % h.updateProjGap === 0) { const s = svd(g, R, C, k); x.P = right ? s.v : s.u; }
  const low = right ? gemmF32(g, x.P, R, k, C, false, false, C, k) : gemmF32(x.P, g, k, C, R, true, false, k, C);
  const d = adamDir(low, x.m, x.v, h);
  const upd = right ? gemmF32(d, x.P, R, C, k, false, true, k, k) : gemmF32(x.P, d, R, C, k, false, false, k, C);
  applyUpd(x.p, upd, h.scale, a, c, wd);
}
