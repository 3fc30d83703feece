// Update kernels of the first-order OCO learners (src/online/ogd.ts, adagrad.ts, eg.ts). State: one f64
// array per learner, [t, 0, then the learner's vectors]; the decision x at offset 2. One call per update.
import { ld, st, axpyTo } from './common';
import { project } from './project';
import { exp_f64 } from '../core/math';

// @ts-ignore: decorator
@inline function hdr(s: usize): usize { return s + 16; }

/**
 * Online gradient descent (Zinkevich 2003; Hazan 2016 Alg. 8): t += 1, η_t by `rule` (0: c; 1: c/√t
 * with c = D/G; 2: 1/(c·t) with c = λ), x ← Π_K(x − η_t g). Scratch: 3.5n f64. Returns η_t.
 */
export function on_ogd_update(n: i32, kind: i32, r: f64, lo: usize, hi: usize, state: usize, g: usize, scratch: usize, rule: i32, c: f64): f64 {
  const t = ld(state, 0) + 1.0;
  st(state, 0, t);
  const eta = rule == 0 ? c : rule == 1 ? c / Math.sqrt(t) : 1.0 / (c * t);
  const x = hdr(state), y = scratch;
  axpyTo(n, x, -eta, g, y);
  project(kind, n, r, lo, hi, 0, y, x, scratch + (<usize>n << 3));
  return eta;
}

/**
 * Diagonal AdaGrad (Duchi, Hazan & Singer 2011; Hazan 2016 Alg. 13, diagonal): s += g², h = δ + √s,
 * x ← Π_K^h(x − η g/h), the projection in the norm Σ h_i(·)². State: [t, 0, x(n), s(n)]. Scratch: 4.5n.
 */
export function on_adagrad_update(n: i32, kind: i32, r: f64, lo: usize, hi: usize, state: usize, g: usize, scratch: usize, lr: f64, delta: f64): void {
  st(state, 0, ld(state, 0) + 1.0);
  const x = hdr(state), s = x + (<usize>n << 3), h = scratch, y = scratch + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const gi = ld(g, i);
    const si = ld(s, i) + gi * gi;
    st(s, i, si);
    const hi_ = delta + Math.sqrt(si);
    st(h, i, hi_);
    st(y, i, ld(x, i) - (lr * gi) / hi_);
  }
  project(kind, n, r, lo, hi, h, y, x, scratch + (<usize>n << 4));
}

/**
 * Exponentiated gradient as lazy online mirror descent with the entropic mirror map (FTRL with the
 * negative entropy; Kivinen & Warmuth 1997, Hazan 2016 §5.4): G += g (pm: G_{n+i} −= g_i, the EG±
 * doubling for the ℓ1 ball), then x = r·softmax(−η G) (pm: x_i = r(p_i − p_{n+i})), η by `rule` for
 * the next round t + 1 (0: c; 1: c/√(t+1)). Log domain: max-shifted exponents. State: [t, 0, x(n), G(m)],
 * m = n or 2n. Scratch: m f64.
 */
export function on_eg_update(n: i32, pm: i32, r: f64, state: usize, g: usize, scratch: usize, rule: i32, c: f64): void {
  const t = ld(state, 0) + 1.0;
  st(state, 0, t);
  const x = hdr(state), G = x + (<usize>n << 3);
  const m = pm ? 2 * n : n;
  for (let i = 0; i < n; i++) st(G, i, ld(G, i) + ld(g, i));
  if (pm) for (let i = 0; i < n; i++) st(G, n + i, ld(G, n + i) - ld(g, i));
  egDecision(n, pm, r, x, G, scratch, rule == 0 ? c : c / Math.sqrt(t + 1.0), m);
}

function egDecision(n: i32, pm: i32, r: f64, x: usize, G: usize, w: usize, eta: f64, m: i32): void {
  let mx: f64 = -Infinity;
  for (let i = 0; i < m; i++) { const v = -eta * ld(G, i); st(w, i, v); if (v > mx) mx = v; }
  let sum: f64 = 0;
  for (let i = 0; i < m; i++) { const dv = ld(w, i) - mx; const e = dv != dv ? 1.0 : exp_f64(dv); st(w, i, e); sum += e; }
  if (pm) { for (let i = 0; i < n; i++) st(x, i, (r * (ld(w, i) - ld(w, n + i))) / sum); } else { for (let i = 0; i < n; i++) st(x, i, (r * ld(w, i)) / sum); }
}

/** Fill x with EG's first decision (G = 0: uniform, x = r/n, or 0 for EG±). */
export function on_eg_init(n: i32, pm: i32, r: f64, state: usize, scratch: usize): void {
  const x = hdr(state), G = x + (<usize>n << 3);
  egDecision(n, pm, r, x, G, scratch, 0, pm ? 2 * n : n);
}
