// Hybrid LinUCB (Li, Chu, Langford & Schapire 2010, Algorithm 2): the reward of arm a for shared
// features z (k values) and arm features x (d values) is zᵀβ* + xᵀθ*_a. Leaf kernels over pointers.
//
// State (f64): header M0 = A0⁻¹ (k×k, A0 = λI + ...) and b0 (k); per arm M = A_a⁻¹ (d×d), Bt = B_aᵀ
// (k×d row-major: Bt[j·d + i] = (B_a)_ij) and b_a (d). Algorithm 2's update of event (a, x, z, r),
//   A0 += B_aᵀA_a⁻¹B_a;  b0 += B_aᵀA_a⁻¹b_a;  A_a += xxᵀ;  B_a += xzᵀ;  b_a += r x;
//   A0 += zzᵀ − B_aᵀA_a⁻¹B_a;  b0 += r z − B_aᵀA_a⁻¹b_a,
// is exactly (with u = A_a⁻¹x, s = 1 + xᵀu, v = B_aᵀu, β = uᵀb_a, all before the update)
//   A0 += (z − v)(z − v)ᵀ/s,   b0 += (z − v)(r − β)/s
// (expand B'ᵀ(A_a + xxᵀ)⁻¹B' by Sherman–Morrison: the cross terms cancel), a rank-1 change, so A0⁻¹ is
// kept by Sherman–Morrison as A_a⁻¹ is, never re-inverted: w0 = (z − v)/√s, u0 = M0 w0,
// s0 = 1 + w0ᵀu0, M0 ← M0 − (u0/√s0)(u0/√s0)ᵀ; and M ← M − (u/√s)(u/√s)ᵀ, Bt += z xᵀ, b_a += r x.
// Every sum is dot2's two-lane order (linear.ts), or the same order over a strided operand (sdot2).
// Scores (f64): β̂ = M0 b0, θ̂_a = M(b_a − B_a β̂), y = M x, g = B_aᵀy,
//   score = zᵀβ̂ + xᵀθ̂_a + α·√max(s, 0),  s = (z − g)ᵀM0(z − g) + xᵀy
// (Algorithm 2's zᵀA0⁻¹z − 2zᵀA0⁻¹B_aᵀA_a⁻¹x + xᵀA_a⁻¹x + xᵀA_a⁻¹B_aA0⁻¹B_aᵀA_a⁻¹x, regrouped).
import { dot2 } from './linear';

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize { return p + (<usize>i << 3); }

/** Σ_j a[j·s] b[j] over j < n in dot2's two-lane order (a strided by s f64). */
function sdot2(a: usize, s: i32, b: usize, n: i32): f64 {
  let e: f64 = 0, o: f64 = 0, j = 0;
  for (; j + 2 <= n; j += 2) { e += ld(a, j * s) * ld(b, j); o += ld(a, (j + 1) * s) * ld(b, j + 1); }
  if (j < n) e += ld(a, j * s) * ld(b, j);
  return e + o;
}
/** out = M v for an n×n row-major M. */
function matvec(M: usize, v: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) st(out, i, dot2(at(M, i * n), v, n));
}
/** M ← M − w wᵀ (n×n; elementwise, the same in every build). */
function downdate(M: usize, w: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const row = at(M, i * n), wi = ld(w, i);
    for (let j = 0; j < n; j++) st(row, j, ld(row, j) - wi * ld(w, j));
  }
}

/** β̂ = M0 b0 into out (k values): the header of the state at `state`. */
export function bd_hyb_beta(state: usize, k: i32, out: usize): void {
  matvec(state, at(state, k * k), k, out);
}

/**
 * Scores of arms [start, end) for B contexts: x of (b, a) at ctx + 8(b·xB + a·xK) (d f64), z at
 * sh + 8(b·zB + a·zK) (k f64); mask byte mask[b·maskB + a] (0: -Infinity); beta = β̂ (bd_hyb_beta);
 * work: 3d + 2k f64 per arm. out: f64 B×K.
 */
export function bd_hyb_score(start: i32, end: i32, state: usize, offM: i32, offBt: i32, offb: i32, d: i32, k: i32, K: i32, B: i32,
                             ctx: usize, xB: i32, xK: i32, sh: usize, zB: i32, zK: i32, mask: usize, maskB: i32, alpha: f64,
                             beta: usize, work: usize, out: usize): void {
  const M0 = state;
  for (let a = start; a < end; a++) {
    const M = at(state, offM + a * d * d), Bt = at(state, offBt + a * k * d), bv = at(state, offb + a * d);
    const w = at(work, a * (3 * d + 2 * k)), tmp = w, th = at(w, d), y = at(w, 2 * d), g = at(w, 3 * d), zg = at(w, 3 * d + k);
    for (let i = 0; i < d; i++) st(tmp, i, ld(bv, i) - sdot2(at(Bt, i), d, beta, k));
    matvec(M, tmp, d, th);
    for (let b = 0; b < B; b++) {
      const oi = at(out, b * K + a);
      if (load<u8>(mask + <usize>(b * maskB + a)) == 0) { store<f64>(oi, -Infinity); continue; }
      const x = at(ctx, b * xB + a * xK), z = at(sh, b * zB + a * zK);
      matvec(M, x, d, y);
      for (let j = 0; j < k; j++) { st(g, j, dot2(at(Bt, j * d), y, d)); st(zg, j, ld(z, j) - ld(g, j)); }
      let q: f64 = 0;
      for (let j = 0; j < k; j++) q += ld(zg, j) * dot2(at(M0, j * k), zg, k);
      const s = q + dot2(x, y, d);
      const mean = dot2(z, beta, k) + dot2(x, th, d);
      store<f64>(oi, mean + alpha * Math.sqrt(s > 0 ? s : 0));
    }
  }
}

/**
 * Learn n events in order (one call, not split: every event changes the shared M0, b0): event e has
 * arm arms[e], x at ctx + 8e·d, z at sh + 8e·k, reward rewards[e]. work: 2d + 3k f64.
 */
export function bd_hyb_learn(state: usize, offM: i32, offBt: i32, offb: i32, d: i32, k: i32, n: i32,
                             arms: usize, ctx: usize, sh: usize, rewards: usize, work: usize): void {
  const M0 = state, b0 = at(state, k * k);
  const u = work, wd = at(work, d), w0 = at(work, 2 * d), u0 = at(work, 2 * d + k), zv = at(work, 2 * d + 2 * k);
  for (let e = 0; e < n; e++) {
    const a = load<i32>(arms + (<usize>e << 2));
    const M = at(state, offM + a * d * d), Bt = at(state, offBt + a * k * d), bv = at(state, offb + a * d);
    const x = at(ctx, e * d), z = at(sh, e * k), r = ld(rewards, e);
    matvec(M, x, d, u);
    const s = 1.0 + dot2(x, u, d), rs = Math.sqrt(s);
    const beta = dot2(u, bv, d);
    for (let j = 0; j < k; j++) st(zv, j, ld(z, j) - dot2(at(Bt, j * d), u, d));
    // shared part: b0 += (z − v)(r − β)/s; M0 by Sherman–Morrison with w0 = (z − v)/√s
    const c = (r - beta) / s;
    for (let j = 0; j < k; j++) { st(b0, j, ld(b0, j) + ld(zv, j) * c); st(w0, j, ld(zv, j) / rs); }
    matvec(M0, w0, k, u0);
    const rs0 = Math.sqrt(1.0 + dot2(w0, u0, k));
    for (let j = 0; j < k; j++) st(u0, j, ld(u0, j) / rs0);
    downdate(M0, u0, k);
    // arm part
    for (let i = 0; i < d; i++) st(wd, i, ld(u, i) / rs);
    downdate(M, wd, d);
    for (let j = 0; j < k; j++) {
      const row = at(Bt, j * d), zj = ld(z, j);
      for (let i = 0; i < d; i++) st(row, i, ld(row, i) + zj * ld(x, i));
    }
    for (let i = 0; i < d; i++) st(bv, i, ld(bv, i) + r * ld(x, i));
  }
}
