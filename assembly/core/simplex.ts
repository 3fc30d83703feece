// Exact Euclidean (or diagonal-norm) projection onto the simplex {x ≥ 0, Σx = r}, shared by the online family
// (assembly/online/project.ts: simplex and ℓ1-ball sets) and the bilevel family (assembly/bilevel/project.ts:
// ScaleBiO's source weights). Imported, not exported by the modules. Sort-based (Held, Wolfe & Crowder 1974;
// Duchi et al. 2008), generalised to a diagonal norm: x_i = max(y_i − τ/h_i, 0) with τ found from the
// breakpoints h_i·y_i sorted in one total order (key descending, index ascending), so the sums run in the
// same order in every build and in the JS references. No fused multiply-add.

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function sti(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

// @ts-ignore: decorator
@inline function before(key: usize, a: i32, b: i32): bool {
  const ka = ld(key, a), kb = ld(key, b);
  return ka > kb || (ka == kb && a < b);
}

/** Heap sort of idx[0..n) so that idx lists the elements by key descending, ties by index ascending. */
function sortIdx(n: i32, key: usize, idx: usize): void {
  for (let i = 0; i < n; i++) sti(idx, i, i);
  // max-heap under "comes later"
  for (let s = (n >> 1) - 1; s >= 0; s--) siftDown(key, idx, s, n);
  for (let e = n - 1; e > 0; e--) {
    const t = ldi(idx, 0); sti(idx, 0, ldi(idx, e)); sti(idx, e, t);
    siftDown(key, idx, 0, e);
  }
}
function siftDown(key: usize, idx: usize, s: i32, n: i32): void {
  let root = s;
  while (true) {
    const c = 2 * root + 1;
    if (c >= n) return;
    let m = c;
    if (c + 1 < n && before(key, ldi(idx, c), ldi(idx, c + 1))) m = c + 1;
    if (before(key, ldi(idx, root), ldi(idx, m))) {
      const t = ldi(idx, root); sti(idx, root, ldi(idx, m)); sti(idx, m, t);
      root = m;
    } else return;
  }
}

/**
 * argmin Σ h_i (x_i − y_i)² over {x ≥ 0, Σx = r} (h = 0: all weights 1). x may be y. Scratch: key
 * (n f64), idx (n i32).
 */
export function simplexW(n: i32, r: f64, y: usize, h: usize, x: usize, key: usize, idx: usize): void {
  if (h) { for (let i = 0; i < n; i++) st(key, i, ld(h, i) * ld(y, i)); } else { for (let i = 0; i < n; i++) st(key, i, ld(y, i)); }
  sortIdx(n, key, idx);
  let sy: f64 = 0, sw: f64 = 0, tau: f64 = 0;
  for (let j = 0; j < n; j++) {
    const k = ldi(idx, j);
    sy += ld(y, k);
    sw += h ? 1.0 / ld(h, k) : 1.0;
    const tj = (sy - r) / sw;
    if (ld(key, k) > tj) tau = tj;
  }
  if (h) {
    for (let i = 0; i < n; i++) { const v = ld(y, i) - tau / ld(h, i); st(x, i, v > 0 ? v : 0.0); }
  } else {
    for (let i = 0; i < n; i++) { const v = ld(y, i) - tau; st(x, i, v > 0 ? v : 0.0); }
  }
}

