// Projections of the bilevel family's constrained methods (vpbgd, lvhba, scalebio): the box that bounds
// the upper variable, and the simplex of source weights.

import { ld, st } from './common';
import { simplexW } from '../core/simplex';

/**
 * x = clamp(x, lo, hi) elementwise; lo / hi point to n bounds each, or are 0 with the scalar bound in
 * loS / hiS (±Infinity: unbounded). Returns ‖x_in − x_out‖² (how far the projection moved x).
 */
export function bl_clamp(n: i32, x: usize, lo: usize, hi: usize, loS: f64, hiS: f64): f64 {
  let moved: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(x, i), l = lo ? ld(lo, i) : loS, h = hi ? ld(hi, i) : hiS;
    const c = v < l ? l : v > h ? h : v;
    moved += (v - c) * (v - c);
    st(x, i, c);
  }
  return moved;
}

/**
 * x = the Euclidean projection of y onto the simplex {x ≥ 0, Σx = r} (x may be y; exact, sort-based:
 * assembly/core/simplex.ts, the kernel the online family's simplex set uses). Scratch: n f64 then n i32.
 */
export function bl_project_simplex(n: i32, r: f64, y: usize, x: usize, scratch: usize): void {
  simplexW(n, r, y, 0, x, scratch, scratch + (<usize>n << 3));
}
