// Follow-the-Leading-History (Hazan & Seshadhri 2009, "Efficient learning algorithms for changing
// environments", Alg. 1 with the pruned history of their §3.2 / the geometric covering of Daniely et al.
// 2015): an OGD expert (η_τ = D/(G√τ) at its age τ, on the feasible set) is started every round; the one
// born at round i lives L(i) = g·2^{v(i)} rounds (v the 2-adic valuation), so O(g log t) are alive. The
// decision is the weighted average x_t = Σ_j p_j x_j; after the gradient g_t at x_t each expert suffers
// the linearised loss ⟨g_t, x_j⟩ and p_j ∝ p_j·exp(−η⟨g_t, x_j⟩) (Hedge), every expert takes its
// OGD step with g_t, the expired ones are dropped, the survivors scaled to 1 − 1/(t + 1) and the expert
// born at t + 1 enters at the current average with weight 1/(t + 1) (FLH's history prior).
// State after [t, 0]: x(n), then K slots [born, p, age, 0, x_j(n)] (born 0: free). Scratch: 4.5n + 4.
import { ld, st, dot4, axpyTo } from './common';
import { project } from './project';
import { exp_f64 } from '../core/math';

// @ts-ignore: decorator
@inline function slot(state: usize, n: i32, j: i32): usize { return state + 16 + (<usize>n << 3) + (<usize>(j * (4 + n)) << 3); }

function lifetime(born: f64, g: f64): f64 {
  let b = born, l = g;
  while (b % 2.0 == 0) { b /= 2.0; l *= 2.0; }
  return l;
}

/** x = Σ_j p_j x_j over the live slots (slot order; each coordinate summed sequentially). */
function average(n: i32, state: usize, k: i32, x: usize): void {
  memory.fill(x, 0, <usize>n << 3);
  for (let j = 0; j < k; j++) {
    const sl = slot(state, n, j);
    if (ld(sl, 0) == 0) continue;
    axpyTo(n, x, ld(sl, 1), sl + 32, x);
  }
}

/** One round with the gradient g at x_t. Returns -1 when no slot was free (the caller restores the state), else the live experts. */
export function on_flh_update(n: i32, kind: i32, r: f64, lo: usize, hi: usize, state: usize, g: usize, scratch: usize, k: i32, lip: f64, diam: f64, eta: f64, life: f64): i32 {
  const x = state + 16, y = scratch, ps = scratch + (<usize>n << 3);
  const t = ld(state, 0) + 1.0;
  st(state, 0, t);
  // Hedge on the linearised losses ⟨g, x_j⟩ (in slot 3), shifted by the least loss of an expert with
  // weight > 0, so every factor is ≤ 1 and that expert's is 1 (no overflow, a positive total)
  let lmin: f64 = Infinity;
  for (let j = 0; j < k; j++) {
    const sl = slot(state, n, j);
    if (ld(sl, 0) == 0) continue;
    const l = dot4(g, sl + 32, n);
    st(sl, 3, l);
    if (ld(sl, 1) > 0 && l < lmin) lmin = l;
  }
  let tot: f64 = 0;
  for (let j = 0; j < k; j++) {
    const sl = slot(state, n, j);
    if (ld(sl, 0) == 0) continue;
    const p = ld(sl, 1) * exp_f64(-eta * (ld(sl, 3) - lmin));
    st(sl, 1, p); st(sl, 3, 0.0); tot += p;
  }
  for (let j = 0; j < k; j++) {
    const sl = slot(state, n, j);
    if (ld(sl, 0) == 0) continue;
    st(sl, 1, ld(sl, 1) / tot);
    const age = ld(sl, 2) + 1.0;
    st(sl, 2, age);
    axpyTo(n, sl + 32, -(diam / (lip * Math.sqrt(age))), g, y);
    project(kind, n, r, lo, hi, 0, y, sl + 32, ps);
  }
  // round t + 1: retire, rescale, enter
  const next = t + 1.0;
  let free = -1, rest: f64 = 0, live = 0;
  for (let j = 0; j < k; j++) {
    const sl = slot(state, n, j);
    const born = ld(sl, 0);
    if (born != 0 && born + lifetime(born, life) <= next) memory.fill(sl, 0, <usize>(4 + n) << 3);
    if (ld(sl, 0) == 0) { if (free < 0) free = j; } else { rest += ld(sl, 1); live++; }
  }
  if (free < 0) return -1;
  const pin = 1.0 / next;
  average(n, state, k, y);
  if (rest > 0) {
    const c = (1.0 - pin) / rest;
    for (let j = 0; j < k; j++) { const sl = slot(state, n, j); if (ld(sl, 0) != 0) st(sl, 1, ld(sl, 1) * c); }
    // the new expert starts at the survivors' average (renormalised: y / rest)
    for (let i = 0; i < n; i++) st(y, i, ld(y, i) / rest);
    project(kind, n, r, lo, hi, 0, y, ps, ps + (<usize>n << 3));
    memory.copy(y, ps, <usize>n << 3);
  } else project(kind, n, r, lo, hi, 0, x, y, ps);
  const sl = slot(state, n, free);
  st(sl, 0, next); st(sl, 1, rest > 0 ? pin : 1.0); st(sl, 2, 0); st(sl, 3, 0);
  memory.copy(sl + 32, y, <usize>n << 3);
  average(n, state, k, x);
  return live + 1;
}

/** Initial state: one expert born at round 1 at x0 (= the decision already in x), weight 1. */
export function on_flh_init(n: i32, state: usize): void {
  const sl = slot(state, n, 0);
  st(sl, 0, 1.0); st(sl, 1, 1.0);
  memory.copy(sl + 32, state + 16, <usize>n << 3);
}
