// Optimistic online learning with a hint m_t of the next gradient (the previous gradient by default):
// optimistic online mirror descent in the Euclidean geometry (Chiang et al. 2012; Rakhlin & Sridharan
// 2013; the SEA-model analysis of Chen, Zhang & Zhou) and optimistic FTRL with a quadratic regulariser
// (Orabona, A Modern Introduction to Online Learning, §7.12). Both use the adaptive step
//   η_t = D/√(B + S_{t−1}),   S_t = Σ_{s≤t} ‖g_s − m_s‖²,   B = (2G)² (≥ every ‖g_s − m_s‖²),
// or a constant η (c > 0 with `adaptive` 0). Every sum in the fixed 4-lane order; no fused multiply-add.
import { ld, st, dot4, axpyTo } from './common';
import { project } from './project';

/** e = g − m into d; returns ‖e‖² (fixed order). */
function gap(n: i32, g: usize, m: usize, d: usize): f64 {
  for (let i = 0; i < n; i++) st(d, i, ld(g, i) - ld(m, i));
  return dot4(d, d, n);
}

/**
 * Optimistic OMD (Euclidean): with η_t = D/√(B + S_{t−1}) (adaptive) or c: x̂ ← Π_K(x̂ − η_t g), S += ‖g −
 * m‖², m ← hint (g when hint = 0), x ← Π_K(x̂ − η_{t+1} m). State: [t, 0, x(n), x̂(n), m(n), S]. Scratch:
 * 4.5n + 4 f64. Returns η_{t+1}.
 */
export function on_optomd_update(n: i32, kind: i32, r: f64, lo: usize, hi: usize, state: usize, g: usize, hint: usize, scratch: usize, adaptive: i32, c: f64, B: f64): f64 {
  st(state, 0, ld(state, 0) + 1.0);
  const x = state + 16, xh = x + (<usize>n << 3), m = xh + (<usize>n << 3), sp = m + (<usize>n << 3);
  const y = scratch, work = scratch + (<usize>n << 3);
  const S0 = ld(sp, 0);
  const eta = adaptive ? c / Math.sqrt(B + S0) : c;
  const S = S0 + gap(n, g, m, y);
  st(sp, 0, S);
  axpyTo(n, xh, -eta, g, y);
  project(kind, n, r, lo, hi, 0, y, xh, work);
  memory.copy(m, hint ? hint : g, <usize>n << 3);
  const etaNext = adaptive ? c / Math.sqrt(B + S) : c;
  axpyTo(n, xh, -etaNext, m, y);
  project(kind, n, r, lo, hi, 0, y, x, work);
  return etaNext;
}

/**
 * Optimistic FTRL, regulariser ‖x − x₁‖²/(2η): S += ‖g − m‖², Gs += g, m ← hint (g when hint = 0),
 * x ← Π_K(x₁ − η_{t+1}(Gs + m)). State: [t, 0, x(n), x₁(n), Gs(n), m(n), S]. Scratch: 4.5n + 4 f64.
 * Returns η_{t+1}.
 */
export function on_optftrl_update(n: i32, kind: i32, r: f64, lo: usize, hi: usize, state: usize, g: usize, hint: usize, scratch: usize, adaptive: i32, c: f64, B: f64): f64 {
  st(state, 0, ld(state, 0) + 1.0);
  const x = state + 16, x1 = x + (<usize>n << 3), Gs = x1 + (<usize>n << 3), m = Gs + (<usize>n << 3), sp = m + (<usize>n << 3);
  const y = scratch, work = scratch + (<usize>n << 3);
  const S = ld(sp, 0) + gap(n, g, m, y);
  st(sp, 0, S);
  for (let i = 0; i < n; i++) st(Gs, i, ld(Gs, i) + ld(g, i));
  memory.copy(m, hint ? hint : g, <usize>n << 3);
  const eta = adaptive ? c / Math.sqrt(B + S) : c;
  for (let i = 0; i < n; i++) st(y, i, ld(x1, i) - eta * (ld(Gs, i) + ld(m, i)));
  project(kind, n, r, lo, hi, 0, y, x, work);
  return eta;
}
