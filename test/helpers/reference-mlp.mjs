// f64 JS mirror of the built-in MLP's kernels (assembly/bilevel/mlp.ts), operation for operation in the same
// order (the fixed 4-lane dot, axpy as y + a·x, e^x and log through the engine's core routines), so the wasm
// results must equal it bit for bit. w = [W₁ (H×d), b₁ (H), W₂ (K×H), b₂ (K)]; modes 0 (ρ = e^{x₀}),
// 2 (ωᵢ = cᵢσ(xᵢ), ρ = α), 3 (ωᵢ = 1, ρ = 0).
import { uniformRef } from './reference-bandits.mjs';

export function mlpReference(e, d, H, K) {
  const P = H * d + H + K * H + K, oB1 = H * d, oW2 = H * d + H, oB2 = H * d + H + K * H;
  const exp = (x) => e.exp(x), log = (x) => e.log(x);
  const dot = (x, xo, y, yo, n) => {
    const a = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) a[i % 4] += x[xo + i] * y[yo + i];
    return (a[0] + a[1]) + (a[2] + a[3]);
  };
  const axpy = (a, x, xo, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = y[yo + i] + a * x[xo + i]; };
  const sigmoid = (h) => { if (h >= 0) return 1 / (1 + exp(-h)); const q = exp(h); return q / (1 + q); };
  const tanh = (z) => { const q = exp(-2 * (z < 0 ? -z : z)); const r = (1 - q) / (1 + q); return z < 0 ? -r : r; };
  const omega = (mode, hyp, c, i) => (mode === 3 ? 1 : mode === 2 ? (c ? c[i] : 1) * sigmoid(hyp[i]) : c ? c[i] : 1);
  const omegaPrime = (hyp, c, i) => { const s = sigmoid(hyp[i]); return (c ? c[i] : 1) * s * (1 - s); };
  const rhoOf = (mode, hyp, alpha) => (mode === 0 ? exp(hyp[0]) : mode === 2 ? alpha : 0);
  function forward(w, X, i) {
    const a = new Float64Array(H), z = new Float64Array(K), p = new Float64Array(K);
    for (let h = 0; h < H; h++) a[h] = tanh(dot(w, h * d, X, i * d, d) + w[oB1 + h]);
    let m = -Infinity;
    for (let k = 0; k < K; k++) { const zk = dot(w, oW2 + k * H, a, 0, H) + w[oB2 + k]; z[k] = zk; if (zk > m) m = zk; }
    let sum = 0;
    for (let k = 0; k < K; k++) { const q = exp(z[k] - m); p[k] = q; sum += q; }
    const inv = 1 / sum;
    for (let k = 0; k < K; k++) p[k] = p[k] * inv;
    return { a, z, p, lse: m + log(sum) };
  }
  function backward(w, X, i, f, ti, coef, out) {
    const e1 = new Float64Array(H);
    for (let k = 0; k < K; k++) {
      const dk = coef * (f.p[k] - (k === ti ? 1 : 0));
      axpy(dk, f.a, 0, out, oW2 + k * H, H);
      out[oB2 + k] = out[oB2 + k] + dk;
      axpy(dk, w, oW2 + k * H, e1, 0, H);
    }
    for (let h = 0; h < H; h++) {
      const ah = f.a[h], d1 = e1[h] * (1 - ah * ah);
      axpy(d1, X, i * d, out, h * d, d);
      out[oB1 + h] = out[oB1 + h] + d1;
    }
  }
  function forwardR(w, v, X, i, f) {
    const ra = new Float64Array(H), rz = new Float64Array(K);
    for (let h = 0; h < H; h++) { const ah = f.a[h]; ra[h] = (1 - ah * ah) * (dot(v, h * d, X, i * d, d) + v[oB1 + h]); }
    let pr = 0;
    for (let k = 0; k < K; k++) { const r = dot(w, oW2 + k * H, ra, 0, H) + dot(v, oW2 + k * H, f.a, 0, H) + v[oB2 + k]; rz[k] = r; pr += f.p[k] * r; }
    return { ra, rz, pr };
  }
  return {
    P,
    grad(n, X, t, c, mode, hyp, alpha, w) {
      const rho = rhoOf(mode, hyp, alpha), out = new Float64Array(P);
      for (let q = 0; q < P; q++) out[q] = rho * w[q];
      const inv = 1 / n;
      for (let i = 0; i < n; i++) backward(w, X, i, forward(w, X, i), t[i], omega(mode, hyp, c, i) * inv, out);
      return out;
    },
    value(n, X, t, c, mode, hyp, alpha, w) {
      let acc = 0;
      for (let i = 0; i < n; i++) { const f = forward(w, X, i); acc += omega(mode, hyp, c, i) * (f.lse - f.z[t[i]]); }
      return acc / n + 0.5 * rhoOf(mode, hyp, alpha) * dot(w, 0, w, 0, P);
    },
    hvp(n, X, t, c, mode, hyp, alpha, w, v) {
      const rho = rhoOf(mode, hyp, alpha), out = new Float64Array(P);
      for (let q = 0; q < P; q++) out[q] = rho * v[q];
      const inv = 1 / n;
      for (let i = 0; i < n; i++) {
        const f = forward(w, X, i), r = forwardR(w, v, X, i, f);
        const coef = omega(mode, hyp, c, i) * inv, ti = t[i];
        const e1 = new Float64Array(H), re = new Float64Array(H);
        for (let k = 0; k < K; k++) {
          const pk = f.p[k], dk = coef * (pk - (k === ti ? 1 : 0)), rdk = coef * (pk * (r.rz[k] - r.pr));
          axpy(rdk, f.a, 0, out, oW2 + k * H, H);
          axpy(dk, r.ra, 0, out, oW2 + k * H, H);
          out[oB2 + k] = out[oB2 + k] + rdk;
          axpy(dk, w, oW2 + k * H, e1, 0, H);
          axpy(dk, v, oW2 + k * H, re, 0, H);
          axpy(rdk, w, oW2 + k * H, re, 0, H);
        }
        for (let h = 0; h < H; h++) {
          const ah = f.a[h], r1 = re[h] * (1 - ah * ah) - 2 * e1[h] * ah * r.ra[h];
          axpy(r1, X, i * d, out, h * d, d);
          out[oB1 + h] = out[oB1 + h] + r1;
        }
      }
      return out;
    },
    cross(n, X, t, c, mode, hyp, w, v) {
      if (mode === 0) return Float64Array.of(exp(hyp[0]) * dot(w, 0, v, 0, P));
      const out = new Float64Array(n), inv = 1 / n;
      for (let i = 0; i < n; i++) {
        const f = forward(w, X, i), r = forwardR(w, v, X, i, f);
        let acc = 0;
        for (let k = 0; k < K; k++) acc += (f.p[k] - (k === t[i] ? 1 : 0)) * r.rz[k];
        out[i] = omegaPrime(hyp, c, i) * acc * inv;
      }
      return out;
    },
    crossT(n, X, t, c, mode, hyp, w, u) {
      const out = new Float64Array(P);
      if (mode === 0) { const a = u[0] * exp(hyp[0]); for (let q = 0; q < P; q++) out[q] = a * w[q]; return out; }
      const inv = 1 / n;
      for (let i = 0; i < n; i++) backward(w, X, i, forward(w, X, i), t[i], u[i] * omegaPrime(hyp, c, i) * inv, out);
      return out;
    },
    /** bl_mlp_init: Glorot-uniform W₁, W₂ from Philox draw q of stream 'mlp0' under key (seed, 0), zero biases. */
    init(seed) {
      const a1 = Math.sqrt(6 / (d + H)), a2 = Math.sqrt(6 / (H + K)), out = new Float64Array(P);
      for (let q = 0; q < P; q++) {
        const u = uniformRef([seed, 0], [0, 0], 0x6d6c7030, q);
        out[q] = q < oB1 ? a1 * (2 * u - 1) : q >= oW2 && q < oB2 ? a2 * (2 * u - 1) : 0;
      }
      return out;
    },
    /** bl_mlp_correct: rows whose arg max of z₂ (lowest index on ties) is the label. */
    correct(n, X, t, w) {
      let count = 0;
      for (let i = 0; i < n; i++) {
        const { z } = forward(w, X, i);
        let best = 0;
        for (let k = 1; k < K; k++) if (z[k] > z[best]) best = k;
        if (best === t[i]) count++;
      }
      return count;
    },
    gradX(n, X, t, c, mode, hyp, w) {
      if (mode === 0) return Float64Array.of(0.5 * exp(hyp[0]) * dot(w, 0, w, 0, P));
      const out = new Float64Array(n), inv = 1 / n;
      for (let i = 0; i < n; i++) { const f = forward(w, X, i); out[i] = omegaPrime(hyp, c, i) * (f.lse - f.z[t[i]]) * inv; }
      return out;
    },
  };
}
