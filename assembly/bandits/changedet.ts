// Change-detection wrappers (src/bandits/change-detection.ts): the detectors' learn kernels and the
// forced-exploration mix of decide. A wrapper's state per copy is a 4-f64 header
//   [0] t      rounds learned (events folded, in order)
//   [1] tau    round of the last global restart (M-UCB's forced-exploration phase)
//   [2] alarms change points detected so far
//   [3] last   round of the last alarm (0: none)
// then the detector's per-arm slots (Kp arms, slot-major). A detector kernel folds a batch of events
// in order, one round per event: it updates the arm's statistics, tests for a change and, on an
// alarm, resets the detector of that arm (local restart) or of every arm of the copy (global) and
// appends (event index, arm or -1) to `out`; it returns the number of alarms. The wrapper then feeds
// the inner policy the events up to and including each alarm's, restarts it (Policy.restart), and
// goes on: the inner policy sees exactly the one-event-at-a-time sequence.
import { log_f64 } from '../core/math';
import { uniform } from '../core/rng';
import { f64at, setf64, active, decideOut, S_CD_EXPLORE, S_CD_UNIFORM } from './common';
import { klLevel, klUpper } from './kl';

const HEADER: i32 = 4;

// @ts-ignore: decorator
@inline function copyBase(state: usize, stride: i32, c: i32): usize { return state + (<usize>c * <usize>stride << 3); }

/** Zero arms [a0, a1) of `nslots` consecutive slots of Kp arms: the first `n1` slots of width 1, then (if any) one of width `W`. */
function zeroArms(slot0: usize, Kp: i32, n1: i32, W: i32, a0: i32, a1: i32): void {
  let p = slot0;
  for (let s = 0; s < n1; s++) { for (let k = a0; k < a1; k++) setf64(p, k, 0.0); p += <usize>Kp << 3; }
  for (let i = a0 * W; i < a1 * W; i++) setf64(p, i, 0.0);
}

/** Record an alarm of copy base `b` at round t: count, last, tau on a global restart; out gets (i, arm | -1). */
// @ts-ignore: decorator
@inline function alarm(b: usize, t: f64, global: bool, i: i32, a: i32, out: usize, nr: i32): void {
  setf64(b, 2, f64at(b, 2) + 1.0);
  setf64(b, 3, t);
  if (global) setf64(b, 1, t);
  store<i32>(out + (<usize>nr << 3), i);
  store<i32>(out + (<usize>nr << 3) + 4, global ? -1 : a);
}

// ---- CUSUM (Liu, Lee & Shroff 2018, Algorithm 2: two-sided CUSUM with a warm-up of M samples) ----
// slots: samples[Kp] | u0[Kp] (sum of the first M samples) | gPlus[Kp] | gMinus[Kp]

/**
 * Fold n events (copy copies[i], arm arms[i], reward rewards[i]) in order. Per arm: k += 1; while
 * k <= M the reward is added to u0 (the mean of the first M samples is u0/M); after it
 * g+ = max(0, g+ + y − u0/M − ε), g− = max(0, g− + u0/M − y − ε), alarm when g+ >= h or g− >= h.
 */
export function bd_cusum_learn(state: usize, stride: i32, Kp: i32, n: i32, copies: usize, arms: usize, rewards: usize,
                               M: i32, eps: f64, h: f64, global: i32, out: usize): i32 {
  let nr = 0;
  for (let i = 0; i < n; i++) {
    const b = copyBase(state, stride, load<i32>(copies + (<usize>i << 2)));
    const a = load<i32>(arms + (<usize>i << 2)), y = f64at(rewards, i);
    const t = f64at(b, 0) + 1.0;
    setf64(b, 0, t);
    const S = b + (<usize>HEADER << 3), U = S + (<usize>Kp << 3), GP = U + (<usize>Kp << 3), GM = GP + (<usize>Kp << 3);
    const k = f64at(S, a) + 1.0;
    setf64(S, a, k);
    if (k <= <f64>M) { setf64(U, a, f64at(U, a) + y); continue; }
    const u0 = f64at(U, a) / <f64>M;
    let gp = f64at(GP, a) + (y - u0 - eps), gm = f64at(GM, a) + (u0 - y - eps);
    if (!(gp > 0.0)) gp = 0.0;
    if (!(gm > 0.0)) gm = 0.0;
    setf64(GP, a, gp); setf64(GM, a, gm);
    if (gp >= h || gm >= h) {
      if (global) zeroArms(S, Kp, 4, 0, 0, Kp); else zeroArms(S, Kp, 4, 0, a, a + 1);
      alarm(b, t, global != 0, i, a, out, nr);
      nr++;
    }
  }
  return nr;
}

// ---- GLR (Besson, Kaufmann, Maillard & Seznec 2022): Bernoulli and sub-Gaussian GLR tests ----
// slots: samples[Kp] (observations since the arm's restart) | history[Kp × W] (ring of the last W)

/** kl(x, y) of Bernoulli means, 0·ln 0 = 0 (x, y in [0, 1]; y strictly inside whenever a term needs it). */
// @ts-ignore: decorator
@inline function klBern(x: f64, y: f64): f64 {
  let v: f64 = 0.0;
  if (x > 0.0) v += x * log_f64(x / y);
  if (x < 1.0) v += (1.0 - x) * log_f64((1.0 - x) / (1.0 - y));
  return v;
}

/**
 * The GLR statistic's test over the arm's last m = min(samples, W) observations y_1..y_m (oldest
 * first; m >= 2): with S_s the prefix sums, mu = S_m/m, a = S_s/s, c = (S_m − S_s)/(m − s), is there
 * an s in [1, m−1] with
 *   Bernoulli (mode 0):   s·kl(a, mu) + (m − s)·kl(c, mu) >= ln(3 m^{3/2} / δ)
 *   sub-Gaussian (1):     s(m − s)/m · (a − c)² / (2σ²) >= (1 + 1/m)·ln(2 m sqrt(m + 1) / δ) ?
 * `lnInvDelta` = −ln δ, `inv2s2` = 1/(2σ²).
 */
function glrTest(ring: usize, W: i32, count: f64, mode: i32, lnInvDelta: f64, inv2s2: f64): bool {
  const m = count < <f64>W ? <i32>count : W;
  if (m < 2) return false;
  const start = count < <f64>W ? 0 : <i32>(count % <f64>W);
  let total: f64 = 0.0;
  for (let j = 0; j < m; j++) { let p = start + j; if (p >= W) p -= W; total += f64at(ring, p); }
  const fm = <f64>m, mu = total / fm;
  let beta: f64;
  if (mode == 0) beta = log_f64(3.0) + 1.5 * log_f64(fm) + lnInvDelta;
  else beta = (1.0 + 1.0 / fm) * (log_f64(2.0) + log_f64(fm) + 0.5 * log_f64(fm + 1.0) + lnInvDelta);
  let pre: f64 = 0.0;
  for (let s = 1; s < m; s++) {
    let p = start + s - 1; if (p >= W) p -= W;
    pre += f64at(ring, p);
    const fs = <f64>s, fr = fm - fs, a = pre / fs, c = (total - pre) / fr;
    let g: f64;
    if (mode == 0) g = fs * klBern(a, mu) + fr * klBern(c, mu);
    else { const d = a - c; g = fs * fr / fm * (d * d) * inv2s2; }
    if (g >= beta) return true;
  }
  return false;
}

/**
 * Fold n events in order: push the reward into the arm's ring, count it, run the GLR test (glrTest).
 * Local restarts (global = 0) keep a slot restartRound[Kp] between samples and history: τ_a, the round
 * of arm a's last restart (set to t on its alarm), for the per-arm clock t − τ_a of bd_glr_local_decide.
 */
export function bd_glr_learn(state: usize, stride: i32, Kp: i32, n: i32, copies: usize, arms: usize, rewards: usize,
                             W: i32, mode: i32, lnInvDelta: f64, inv2s2: f64, global: i32, out: usize): i32 {
  let nr = 0;
  const n1 = global ? 1 : 2;
  for (let i = 0; i < n; i++) {
    const b = copyBase(state, stride, load<i32>(copies + (<usize>i << 2)));
    const a = load<i32>(arms + (<usize>i << 2)), y = f64at(rewards, i);
    const t = f64at(b, 0) + 1.0;
    setf64(b, 0, t);
    const S = b + (<usize>HEADER << 3), ring = S + (<usize>(n1 * Kp) << 3) + (<usize>a * <usize>W << 3);
    const k = f64at(S, a);
    setf64(ring, <i32>(k % <f64>W), y);
    setf64(S, a, k + 1.0);
    if (glrTest(ring, W, k + 1.0, mode, lnInvDelta, inv2s2)) {
      if (global) zeroArms(S, Kp, 1, W, 0, Kp);
      else { zeroArms(S, Kp, 2, W, a, a + 1); setf64(S + (<usize>Kp << 3), a, t); }
      alarm(b, t, global != 0, i, a, out, nr);
      nr++;
    }
  }
  return nr;
}

/** GLR with local restarts: for copies [start, end), restartRound[k] = t (header 0) for arms [a0, a1) (an added or manually restarted arm). */
export function bd_glr_stamp(start: i32, end: i32, state: usize, stride: i32, Kp: i32, a0: i32, a1: i32): void {
  for (let r = start; r < end; r++) {
    const b = copyBase(state, stride, r), T = b + (<usize>(HEADER + Kp) << 3), t = f64at(b, 0);
    for (let k = a0; k < a1; k++) setf64(T, k, t);
  }
}

/**
 * GLR-klUCB's decision with local restarts (Besson et al. 2022, Algorithm 1): the inner index policy's
 * index of arm k with the arm's own clock u_k = t − τ_k (t = rounds learned, τ_k its last restart
 * round; u_k = max(u_k, n_k) so that pulls the rounds do not count, an inner warm start's, keep the
 * index defined), computed exactly as the inner policy's kernel computes it with its clock Σ n:
 *   kind 0 (UCB1, a = alpha):      mean + a·sqrt(2·ln u / n)  (ln u taken 0 for u <= 1)
 *   kind 1 (KLUCB, a = c):         klUpper(fam, mean, (ln u + c·ln ln u)/n, sigma2)
 * +Infinity for an arm never pulled, -Infinity for a removed one; the arm by the inner policy's key
 * (k0, k1) and tie-break, propensity 1/#ties. cd: the wrapper's state (stride cdStride), inner: the
 * inner policy's pulls slot of copy 0 (then rewards), stride innerStride.
 */
export function bd_glr_local_decide(start: i32, end: i32, cd: usize, cdStride: i32, inner: usize, innerStride: i32, Kp: i32, K: i32,
                                    mask: usize, k0: u32, k1: u32, hashes: usize, kind: i32, a: f64, fam: i32, sigma2: f64,
                                    outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const b = copyBase(cd, cdStride, r), T = b + (<usize>(HEADER + Kp) << 3), t = f64at(b, 0);
    const pulls = inner + (<usize>r * <usize>innerStride << 3), sums = pulls + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    for (let k = 0; k < K; k++) {
      const n = f64at(pulls, k);
      let v: f64;
      if (!active(mask, k)) v = -Infinity;
      else if (!(n > 0.0)) v = Infinity;
      else {
        let u = t - f64at(T, k);
        if (u < n) u = n;
        if (kind == 0) {
          const lt = u > 1.0 ? log_f64(u) : 0.0;
          v = f64at(sums, k) / n + a * Math.sqrt(2.0 * lt / n);
        } else v = klUpper(fam, f64at(sums, k) / n, klLevel(u, a) / n, sigma2);
      }
      setf64(sc, k, v);
    }
    decideOut(r, sc, K, mask, k0, k1, hashes, outArm, outProp);
  }
}

// ---- M-UCB (Cao, Wen, Kveton & Xie 2019, Algorithm 1 and its CD test) ----
// slots: samples[Kp] | history[Kp × w] (ring of the arm's last w observations); always a global restart

/** Fold n events in order; once the arm has >= w observations since the restart, alarm when |Σ last w/2 − Σ previous w/2| > b. */
export function bd_mucb_learn(state: usize, stride: i32, Kp: i32, n: i32, copies: usize, arms: usize, rewards: usize,
                              w: i32, thr: f64, out: usize): i32 {
  let nr = 0;
  const half = w >> 1;
  for (let i = 0; i < n; i++) {
    const b = copyBase(state, stride, load<i32>(copies + (<usize>i << 2)));
    const a = load<i32>(arms + (<usize>i << 2)), y = f64at(rewards, i);
    const t = f64at(b, 0) + 1.0;
    setf64(b, 0, t);
    const S = b + (<usize>HEADER << 3), ring = S + (<usize>Kp << 3) + (<usize>a * <usize>w << 3);
    const k = f64at(S, a);
    setf64(ring, <i32>(k % <f64>w), y);
    const cnt = k + 1.0;
    setf64(S, a, cnt);
    if (cnt < <f64>w) continue;
    // oldest of the last w is at cnt mod w
    const start = <i32>(cnt % <f64>w);
    let s1: f64 = 0.0, s2: f64 = 0.0;
    for (let j = 0; j < half; j++) { let p = start + j; if (p >= w) p -= w; s1 += f64at(ring, p); }
    for (let j = half; j < w; j++) { let p = start + j; if (p >= w) p -= w; s2 += f64at(ring, p); }
    if (Math.abs(s2 - s1) > thr) {
      zeroArms(S, Kp, 1, w, 0, Kp);
      alarm(b, t, true, i, a, out, nr);
      nr++;
    }
  }
  return nr;
}

// ---- decide: forced exploration mixed into the inner policy's decision (in place) ----

/**
 * Random forced exploration (CUSUM-UCB): for copy r, with u = draw 0 of stream S_CD_EXPLORE, explore
 * when u < alpha: the arm is the j-th allowed arm, j = floor(m · draw 0 of S_CD_UNIFORM) (m allowed
 * arms: mask[maskB·r + k] != 0); else the inner policy's arm. Propensity of the arm played a:
 *   alpha/m + (1 − alpha)·P_inner(a),  P_inner(a) = the inner's propensity when a is its arm, else
 *   mode 0 (argmax of scores, uniform ties): [score_a = max over allowed] / #ties; mode 1 (scores are
 *   the probabilities): score_a. `arm`/`prop` hold the inner's decision on entry, the mix on exit.
 */
export function bd_cd_mix(start: i32, end: i32, K: i32, mask: usize, maskB: i32, k0: u32, k1: u32, hashes: usize,
                          alpha: f64, mode: i32, arm: usize, prop: usize, scores: usize): void {
  for (let r = start; r < end; r++) {
    const mk = mask + <usize>(maskB * r), sc = scores + (<usize>r * <usize>K << 3);
    const h = hashes + (<usize>r << 3), h0 = load<u32>(h), h1 = load<u32>(h + 4);
    const ia = load<i32>(arm + (<usize>r << 2)), ip = f64at(prop, r);
    let m = 0;
    for (let k = 0; k < K; k++) if (active(mk, k)) m++;
    if (m == 0 || ia < 0) continue;
    let a = ia;
    if (uniform(k0, k1, h0, h1, S_CD_EXPLORE, 0) < alpha) {
      let j = <i32>(uniform(k0, k1, h0, h1, S_CD_UNIFORM, 0) * <f64>m);
      if (j >= m) j = m - 1;
      for (let k = 0; k < K; k++) { if (!active(mk, k)) continue; if (j == 0) { a = k; break; } j--; }
    }
    let pin: f64 = ip;
    if (a != ia) {
      if (mode == 1) pin = f64at(sc, a);
      else {
        let mx: f64 = -Infinity, ties = 0;
        for (let k = 0; k < K; k++) {
          if (!active(mk, k)) continue;
          let v = f64at(sc, k);
          if (v != v) v = -Infinity;
          if (v > mx) { mx = v; ties = 1; } else if (v == mx) ties++;
        }
        let va = f64at(sc, a);
        if (va != va) va = -Infinity;
        pin = va == mx ? 1.0 / <f64>ties : 0.0;
      }
    }
    store<i32>(arm + (<usize>r << 2), a);
    setf64(prop, r, alpha / <f64>m + (1.0 - alpha) * pin);
  }
}

/**
 * Scheduled forced exploration (M-UCB; GLR-klUCB): the round about to be played is t + 1 (t = rounds
 * learned, header 0); with A = (t + 1 − phase) mod period (phase = header 1, tau, when usePhase, else
 * 0), rounds with 1 <= A <= K play arm A − 1 with propensity 1 (when it is allowed; otherwise the
 * inner policy's decision stands). period = floor(K/alpha) (0: never).
 */
export function bd_cd_schedule(start: i32, end: i32, state: usize, stride: i32, K: i32, mask: usize, maskB: i32,
                               period: f64, usePhase: i32, arm: usize, prop: usize): void {
  if (!(period > 0.0)) return;
  for (let r = start; r < end; r++) {
    const b = copyBase(state, stride, r);
    const x = f64at(b, 0) + 1.0 - (usePhase ? f64at(b, 1) : 0.0);
    const A = x % period;
    if (A >= 1.0 && A <= <f64>K) {
      const f = <i32>A - 1;
      if (active(mask + <usize>(maskB * r), f)) { store<i32>(arm + (<usize>r << 2), f); setf64(prop, r, 1.0); }
    }
  }
}
