// Linear contextual bandits (disjoint LinUCB, Li et al. 2010; linear Thompson sampling, Agrawal &
// Goyal 2013, as MABWiser runs them): leaf kernels over pointers, no allocation.
//
// State (f64, the policy's saved state): per arm k the inverse design matrix M = A⁻¹ (A = λI + Σ x xᵀ,
// d×d row-major, kept exactly symmetric) and b = Σ r x (d). Learning is Sherman–Morrison on M:
//   u = M x,  s = 1 + xᵀu,  w = u / √s,  M ← M − w wᵀ,  b ← b + r x
// (w wᵀ instead of u uᵀ / s keeps M bit-exactly symmetric: w_i·w_j = w_j·w_i), never a re-inversion.
// Every f64 sum over j runs in two lanes (even j, odd j, each in order; an odd d's last term joins the
// even lane) combined as even + odd, in the SIMD build (f64x2) and the scalar build alike.
//
// Scoring cache (f32, derived from the state by bd_lin_refresh, never saved): per arm, cstride f32 =
// θ = M b rounded to f32 (dp = d rounded up to 4 values, zero padded), then M's lower triangle packed
// by rows, row i holding 4·(⌊i/4⌋ + 1) values: 2·M_ij for j < i, M_ii at j = i, zeros after, so that
//   q = xᵀ M x = Σ_i x_i · (Σ_{j≤i} P_ij x_j).
// Every f32 sum over j runs in four lanes (j mod 4, each in chunk order) combined as (l0 + l1) + (l2 + l3);
// q's lanes accumulate x_i · (row i's lane sums) row by row. Score of arm k for context x:
//   LinUCB: xᵀθ + α·√max(q, 0)          LinTS: xᵀθ + (v·√max(q, 0))·z,  z = normal(seed, event, S_SAMPLE + k, 0)
// (LinTS: xᵀθ̃ for θ̃ ~ N(θ, v²M) is exactly N(xᵀθ, v²·xᵀMx) per context and arm, the distribution
// MABWiser's multivariate sample gives, drawn with one normal instead of a d×d factor.)
import { normal } from '../core/rng';
import { pickMax, tieCount, S_SAMPLE } from './common';

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline function ldf(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }

/** Σ_j a_j b_j over j < d in the two-lane order (f64). */
export function dot2(a: usize, b: usize, d: i32): f64 {
  let j = 0;
  let e: f64 = 0, o: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let v = f64x2.splat(0);
    for (; j + 2 <= d; j += 2) v = f64x2.add(v, f64x2.mul(v128.load(a + (<usize>j << 3)), v128.load(b + (<usize>j << 3))));
    e = f64x2.extract_lane(v, 0); o = f64x2.extract_lane(v, 1);
  } else {
    for (; j + 2 <= d; j += 2) { e += ld(a, j) * ld(b, j); o += ld(a, j + 1) * ld(b, j + 1); }
  }
  if (j < d) e += ld(a, j) * ld(b, j);
  return e + o;
}

/**
 * Rewrite arm `k`'s cache from its state: θ = M b (f64, rounded to f32), or θ = the stored vector itself
 * when `direct` (regressors that keep θ, e.g. the online logistic one), and the packed triangle.
 */
export function refreshArm(M: usize, bv: usize, d: i32, c: usize, direct: bool = false): void {
  const dp = (d + 3) & ~3;
  for (let i = 0; i < dp; i++) store<f32>(c + (<usize>i << 2), i < d ? <f32>(direct ? ld(bv, i) : dot2(M + (<usize>(i * d) << 3), bv, d)) : 0);
  let o = c + (<usize>dp << 2);
  for (let i = 0; i < d; i++) {
    const len = ((i >> 2) + 1) << 2, row = M + (<usize>(i * d) << 3);
    for (let j = 0; j < len; j++) {
      const v: f64 = j < i ? 2.0 * ld(row, j) : j == i ? ld(row, j) : 0.0;
      store<f32>(o + (<usize>j << 2), <f32>v);
    }
    o += <usize>len << 2;
  }
}

/**
 * Rebuild the scoring cache of arms [start, end): state = the policy's f64 state (copy 0), offM / offB
 * its slot offsets (f64 elements), cache cstride f32 per arm; direct != 0: the vector slot is θ itself.
 */
export function bd_lin_refresh(start: i32, end: i32, state: usize, offM: i32, offB: i32, d: i32, cache: usize, cstride: i32, direct: i32): void {
  for (let k = start; k < end; k++) {
    refreshArm(state + (<usize>(offM + k * d * d) << 3), state + (<usize>(offB + k * d) << 3), d, cache + (<usize>(k * cstride) << 2), direct != 0);
  }
}

/**
 * Learn groups [start, end): group g (i32 triples at groups + 12g: arm, first, count) folds events
 * order[first .. first + count) of that arm, in order, by Sherman–Morrison; contexts f64 n×d, rewards
 * f64; work holds 2d f64 per group (w, then the next event's u). Then the arm's cache is refreshed.
 * Groups are distinct arms, so threads splitting [start, end) never touch the same arm.
 * One pass over M per event: while row i of M ← M − w wᵀ is written, the next event's u_i = (new row i)·x'
 * is summed from the values just stored, in dot2's two-lane order, so the bits are those of a separate
 * u = M x' pass after the update.
 */
export function bd_lin_learn(start: i32, end: i32, state: usize, offM: i32, offB: i32, d: i32, groups: usize, order: usize,
                             ctx: usize, rewards: usize, work: usize, cache: usize, cstride: i32): void {
  for (let g = start; g < end; g++) {
    const gp = groups + (<usize>g * 12);
    const arm = load<i32>(gp), first = load<i32>(gp + 4), count = load<i32>(gp + 8);
    const M = state + (<usize>(offM + arm * d * d) << 3), bv = state + (<usize>(offB + arm * d) << 3);
    const w = work + (<usize>(2 * g * d) << 3), u = w + (<usize>d << 3);
    const ev0 = load<i32>(order + (<usize>first << 2));
    for (let i = 0; i < d; i++) st(u, i, dot2(M + (<usize>(i * d) << 3), ctx + (<usize>(ev0 * d) << 3), d));
    for (let e = first; e < first + count; e++) {
      const ev = load<i32>(order + (<usize>e << 2));
      const x = ctx + (<usize>(ev * d) << 3), r = ld(rewards, ev);
      const s = 1.0 + dot2(x, u, d);
      const rs = Math.sqrt(s);
      for (let i = 0; i < d; i++) st(w, i, ld(u, i) / rs);
      const more = e + 1 < first + count;
      const xn = more ? ctx + (<usize>(load<i32>(order + (<usize>(e + 1) << 2)) * d) << 3) : x;
      for (let i = 0; i < d; i++) {
        const row = M + (<usize>(i * d) << 3), wi = ld(w, i);
        let j = 0;
        let le: f64 = 0, lo: f64 = 0;
        if (ASC_FEATURE_SIMD) {
          const vw = f64x2.splat(wi);
          let acc = f64x2.splat(0);
          for (; j + 2 <= d; j += 2) {
            const p = row + (<usize>j << 3);
            const v = f64x2.sub(v128.load(p), f64x2.mul(vw, v128.load(w + (<usize>j << 3))));
            v128.store(p, v);
            acc = f64x2.add(acc, f64x2.mul(v, v128.load(xn + (<usize>j << 3))));
          }
          le = f64x2.extract_lane(acc, 0); lo = f64x2.extract_lane(acc, 1);
        } else {
          for (; j + 2 <= d; j += 2) {
            const v0 = ld(row, j) - wi * ld(w, j), v1 = ld(row, j + 1) - wi * ld(w, j + 1);
            st(row, j, v0); st(row, j + 1, v1);
            le += v0 * ld(xn, j); lo += v1 * ld(xn, j + 1);
          }
        }
        if (j < d) { const v = ld(row, j) - wi * ld(w, j); st(row, j, v); le += v * ld(xn, j); }
        st(u, i, le + lo);
      }
      for (let i = 0; i < d; i++) st(bv, i, ld(bv, i) + r * ld(x, i));
    }
    refreshArm(M, bv, d, cache + (<usize>(arm * cstride) << 2));
  }
}

/**
 * Scores of arms [start, end) for B contexts (one threaded call over arms): context b of arm k is the
 * f32 vector at ctx + (b·xB + k·xK) f32 (dp values, zero padded; xK = 0 when every arm sees the same
 * context); mask byte mask[b·maskB + k] (maskB = 0: one mask for all contexts) — 0 gives -Infinity.
 * mode 0: LinUCB with coef = α; mode 1: LinTS with coef = v, z from event (hashes + 8b), and the
 * sample's mean xᵀθ and scale v·√q written as f32 pairs to aux + 8(b·K + k) (for bd_lin_ts_prop);
 * mode 2: the mean xᵀθ alone (no triangle pass; the regression policies of linreg.ts). out: f64 B×K.
 */
export function bd_lin_score(start: i32, end: i32, cache: usize, cstride: i32, d: i32, K: i32, B: i32,
                             ctx: usize, xB: i32, xK: i32, mask: usize, maskB: i32, mode: i32, coef: f32,
                             k0: u32, k1: u32, hashes: usize, out: usize, aux: usize): void {
  const dp = (d + 3) & ~3;
  for (let k = start; k < end; k++) {
    const th = cache + (<usize>(k * cstride) << 2), P = th + (<usize>dp << 2);
    for (let b = 0; b < B; b++) {
      const oi = out + (<usize>(b * K + k) << 3);
      if (load<u8>(mask + <usize>(b * maskB + k)) == 0) { store<f64>(oi, -Infinity); continue; }
      const x = ctx + (<usize>(b * xB + k * xK) << 2);
      let mean: f32, q: f32;
      if (ASC_FEATURE_SIMD) {
        let mv = f32x4.splat(0);
        for (let j = 0; j < dp; j += 4) mv = f32x4.add(mv, f32x4.mul(v128.load(th + (<usize>j << 2)), v128.load(x + (<usize>j << 2))));
        let acc = f32x4.splat(0);
        let o = P;
        for (let i = 0; i < (mode == 2 ? 0 : d); i++) {
          const len = ((i >> 2) + 1) << 2;
          let r = f32x4.splat(0);
          for (let j = 0; j < len; j += 4) r = f32x4.add(r, f32x4.mul(v128.load(o + (<usize>j << 2)), v128.load(x + (<usize>j << 2))));
          acc = f32x4.add(acc, f32x4.mul(f32x4.splat(ldf(x, i)), r));
          o += <usize>len << 2;
        }
        mean = (f32x4.extract_lane(mv, 0) + f32x4.extract_lane(mv, 1)) + (f32x4.extract_lane(mv, 2) + f32x4.extract_lane(mv, 3));
        q = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      } else {
        let m0: f32 = 0, m1: f32 = 0, m2: f32 = 0, m3: f32 = 0;
        for (let j = 0; j < dp; j += 4) {
          m0 += ldf(th, j) * ldf(x, j); m1 += ldf(th, j + 1) * ldf(x, j + 1);
          m2 += ldf(th, j + 2) * ldf(x, j + 2); m3 += ldf(th, j + 3) * ldf(x, j + 3);
        }
        let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
        let o = P;
        for (let i = 0; i < (mode == 2 ? 0 : d); i++) {
          const len = ((i >> 2) + 1) << 2;
          let r0: f32 = 0, r1: f32 = 0, r2: f32 = 0, r3: f32 = 0;
          for (let j = 0; j < len; j += 4) {
            r0 += ldf(o, j) * ldf(x, j); r1 += ldf(o, j + 1) * ldf(x, j + 1);
            r2 += ldf(o, j + 2) * ldf(x, j + 2); r3 += ldf(o, j + 3) * ldf(x, j + 3);
          }
          const xi = ldf(x, i);
          a0 += xi * r0; a1 += xi * r1; a2 += xi * r2; a3 += xi * r3;
          o += <usize>len << 2;
        }
        mean = (m0 + m1) + (m2 + m3);
        q = (a0 + a1) + (a2 + a3);
      }
      const sq = Mathf.sqrt(q > 0 ? q : 0);
      let s: f32;
      if (mode == 0) s = mean + coef * sq;
      else if (mode == 2) s = mean;
      else {
        const h = hashes + (<usize>b << 3);
        const z = <f32>normal(k0, k1, load<u32>(h), load<u32>(h + 4), S_SAMPLE + <u32>k, 0);
        const sd = coef * sq;
        s = mean + sd * z;
        const ap = aux + (<usize>(b * K + k) << 3);
        store<f32>(ap, mean); store<f32>(ap + 4, sd);
      }
      store<f64>(oi, <f64>s);
    }
  }
}

/**
 * Argmax of each context's K scores (out of bd_lin_score) over its mask, PRNG tie-break as pickMax:
 * contexts [start, end); arm (i32) and 1/#ties (f64) per context; -1 / 0 when no arm is offered.
 */
export function bd_lin_pick(start: i32, end: i32, scores: usize, K: i32, mask: usize, maskB: i32,
                            k0: u32, k1: u32, hashes: usize, outArm: usize, outProp: usize): void {
  for (let b = start; b < end; b++) {
    const h = hashes + (<usize>b << 3);
    const arm = pickMax(scores + (<usize>(b * K) << 3), K, mask + <usize>(b * maskB), k0, k1, load<u32>(h), load<u32>(h + 4));
    store<i32>(outArm + (<usize>b << 2), arm);
    store<f64>(outProp + (<usize>b << 3), arm < 0 ? 0.0 : 1.0 / <f64>tieCount);
  }
}

/**
 * LinTS propensities of contexts [start, end): the chosen arm's share of wins over draws 0..M of every
 * offered arm's sample (draw 0 is the decision itself, so the estimate is >= 1/(M + 1)); draw m of arm
 * k is mean + sd·z with z = normal(seed, event, S_SAMPLE + k, m) and (mean, sd) from aux. Ties among
 * the maximal samples of a draw count for the chosen arm as 1/#ties.
 */
export function bd_lin_ts_prop(start: i32, end: i32, aux: usize, K: i32, mask: usize, maskB: i32, M: i32,
                               k0: u32, k1: u32, hashes: usize, arms: usize, outProp: usize): void {
  for (let b = start; b < end; b++) {
    const arm = load<i32>(arms + (<usize>b << 2));
    if (arm < 0) { store<f64>(outProp + (<usize>b << 3), 0.0); continue; }
    const h = hashes + (<usize>b << 3), h0 = load<u32>(h), h1 = load<u32>(h + 4);
    const mb = mask + <usize>(b * maskB), ab = aux + (<usize>(b * K) << 3);
    let wins: f64 = 1.0;
    for (let m = 1; m <= M; m++) {
      let best: f32 = -Infinity, c = 0, mine = false;
      for (let k = 0; k < K; k++) {
        if (load<u8>(mb + <usize>k) == 0) continue;
        const z = <f32>normal(k0, k1, h0, h1, S_SAMPLE + <u32>k, <u32>m);
        const ap = ab + (<usize>k << 3);
        const s = load<f32>(ap) + load<f32>(ap + 4) * z;
        if (s > best) { best = s; c = 1; mine = k == arm; } else if (s == best) { c++; if (k == arm) mine = true; }
      }
      if (mine) wins += 1.0 / <f64>c;
    }
    store<f64>(outProp + (<usize>b << 3), wins / <f64>(M + 1));
  }
}
