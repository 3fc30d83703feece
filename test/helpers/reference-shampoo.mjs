// f32-exact JS reference of Shampoo (src/optim/shampoo.ts): Math.fround after every f32 operation in the
// kernels' order (assembly/optim/shampoo.ts), the factor products as rust/src/gemm.rs defines them (gemmRef),
// the inverse roots as rust/src/eigh.rs computes them in f64 (Jacobi with Math.sqrt: IEEE, so the same bits).
import { gemmRef } from './reference-muon.mjs';
const f = Math.fround;

/** Cyclic Jacobi on the symmetric n×n f64 `a` (overwritten: eigenvalues on the diagonal); eigenvectors as rows of W. */
export function jacobiRef(n, a) {
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) W[i * n + i] = 1;
  let sweeps = 0;
  const rot = (X, bp, bq, step, c, s) => { for (let k = 0; k < n; k++) { const x = X[bp + k * step], y = X[bq + k * step]; X[bp + k * step] = c * x - s * y; X[bq + k * step] = s * x + c * y; } };
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
        rot(a, p, q, n, c, s); rot(a, p * n, q * n, 1, c, s);
        a[p * n + q] = 0; a[q * n + p] = 0;
        rot(W, p * n, q * n, 1, c, s);
      }
    }
  }
  return { W, sweeps };
}

/** rust/src/eigh.rs sinvroot_jacobi: f32 (a/div)^{-1/root} with the shift and ε; a: Float32Array n×n. */
export function invRootRef(n, a, div, eps, root) {
  const m = Float64Array.from(a, (x) => x / div);
  const { W } = jacobiRef(n, m);
  let lmin = m[0];
  for (let i = 1; i < n; i++) if (m[i * n + i] < lmin) lmin = m[i * n + i];
  const shift = lmin < 0 ? -lmin : 0;
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = (m[i * n + i] + shift) + eps;
    const r = root === 1 ? l : root === 2 ? Math.sqrt(l) : root === 4 ? Math.sqrt(Math.sqrt(l)) : Math.sqrt(Math.sqrt(Math.sqrt(l)));
    h[i] = 1 / r;
  }
  const acc = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { const u = W[i * n + j] * h[i]; for (let k = 0; k < n; k++) acc[j * n + k] += u * W[i * n + k]; }
  return Float32Array.from(acc);
}

const lerp = (a, b, w, c, small) => (small ? f(a + f(w * f(b - a))) : f(b - f(f(b - a) * c)));
const sumsq2d = (rows, cols, x, off, ld) => { let acc = 0; for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) { const v = x[off + i * ld + j]; acc += v * v; } return acc; };

export const SHAMPOO_DEFAULTS = {
  lr: 0.01, betas: [0.9, 1], epsilon: 1e-12, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, decoupledWeightDecay: true,
  biasCorrection: true, blockSize: 128, precondFrequency: 10, root: 4, graft: 'adagrad',
};

/** Fresh per-tensor reference state for shape `sh` and the block size b. */
export function shampooState(sh, b) {
  const n = sh.reduce((x, y) => x * y, 1);
  const st = { fg: new Float32Array(n), v: new Float32Array(n), mb: new Float32Array(n), blocks: null };
  if (sh.length === 2) {
    st.blocks = [];
    for (let r0 = 0; r0 < sh[0]; r0 += b) for (let c0 = 0; c0 < sh[1]; c0 += b) {
      const r = Math.min(b, sh[0] - r0), c = Math.min(b, sh[1] - c0);
      st.blocks.push({ r0, c0, r, c, L: new Float32Array(r * r), R: new Float32Array(c * c), Li: new Float32Array(r * r), Ri: new Float32Array(c * c) });
    }
  }
  return st;
}

/** One Shampoo step t (1-based) of one tensor (p modified in place). pow: the engine's deterministic pow. */
export function shampooRef(p, g0, st, sh, opts, t, pow) {
  const h = { ...SHAMPOO_DEFAULTS, ...opts };
  const [beta1, beta2] = h.betas, freq = h.precondFrequency, start = h.startPreconditioningStep ?? freq;
  const graft = h.graft, kind = graft === 'sgd' ? 0 : graft === 'adam' ? 2 : 1;
  const gb2 = h.graftBeta2 ?? (graft === 'rmsprop' ? 0.99 : graft === 'adam' ? 0.999 : 1);
  const geps = f(h.graftEps ?? (graft === 'adagrad' ? 1e-10 : 1e-8));
  const n = p.length, wd = f(h.weightDecay);
  let g = g0;
  if (!h.decoupledWeightDecay && h.weightDecay !== 0) g = Float32Array.from(g0, (x, i) => f(x + f(wd * p[i])));
  if (kind !== 0) {
    const b2 = f(gb2), c2 = f(1 - gb2);
    for (let i = 0; i < n; i++) { const gg = f(g[i] * g[i]); st.v[i] = gb2 === 1 ? f(st.v[i] + gg) : f(f(st.v[i] * b2) + f(c2 * gg)); }
  }
  const roots = (t % freq === 0 && t > start) || t === start;
  const div = h.biasCorrection && beta2 < 1 ? 1 - pow(beta2, t) : 1;
  const [fa, fb] = beta2 === 1 ? [1, 1] : [f(1 - beta2), f(beta2)];
  const C = sh[1];
  if (st.blocks) for (const b of st.blocks) {
    const G = g.subarray(b.r0 * C + b.c0);
    gemmRef(b.r, b.r, b.c, fa, G, C, G, C, fb, b.L, b.r, 0, 1);
    gemmRef(b.c, b.c, b.r, fa, G, C, G, C, fb, b.R, b.c, 1, 0);
    if (roots) { b.Li = invRootRef(b.r, b.L, div, h.epsilon, h.root); b.Ri = invRootRef(b.c, b.R, div, h.epsilon, h.root); }
  }
  let gb = g;
  if (beta1 !== 0) {
    const w = f(1 - beta1), c = f(1 - w), small = Math.abs(w) < 0.5, bc1 = f(1 - pow(beta1, t));
    gb = new Float32Array(n);
    for (let i = 0; i < n; i++) { st.fg[i] = lerp(st.fg[i], g[i], w, c, small); gb[i] = h.biasCorrection ? f(st.fg[i] / bc1) : st.fg[i]; }
  }
  const bcg = f(kind === 2 ? 1 - pow(gb2, t) : 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 0) { d[i] = gb[i]; continue; }
    const s = kind === 2 ? f(st.v[i] / bcg) : st.v[i];
    d[i] = f(gb[i] / f(f(Math.sqrt(s)) + geps));
  }
  if (st.blocks && t >= start) for (const b of st.blocks) {
    const off = b.r0 * C + b.c0, T = new Float32Array(b.r * b.c), S = new Float32Array(b.r * b.c);
    gemmRef(b.r, b.c, b.r, 1, b.Li, b.r, gb.subarray(off), C, 0, T, b.c, 0, 0);
    gemmRef(b.r, b.c, b.c, 1, T, b.c, b.Ri, b.c, 0, S, b.c, 0, 0);
    const ns = f(Math.sqrt(sumsq2d(b.r, b.c, S, 0, b.c))), np = f(Math.sqrt(sumsq2d(b.r, b.c, d, off, C)));
    const sc = f(np / f(ns + f(1e-16)));
    for (let i = 0; i < b.r; i++) for (let j = 0; j < b.c; j++) d[off + i * C + j] = f(S[i * b.c + j] * sc);
  }
  const dec = h.decoupledWeightDecay && h.weightDecay !== 0, mom = h.momentum !== 0, nes = mom && h.nesterov;
  const mu = f(h.momentum), d1 = f(1 - h.dampening), nl = f(-h.lr);
  for (let i = 0; i < n; i++) {
    let x = d[i];
    if (dec) x = f(x + f(wd * p[i]));
    if (mom) { st.mb[i] = f(f(st.mb[i] * mu) + f(d1 * x)); x = nes ? f(f(x * d1) + f(mu * st.mb[i])) : st.mb[i]; }
    p[i] = f(p[i] + f(nl * x));
  }
}
