// Passive non-stationary policies: sliding-window UCB and discounted UCB (Garivier & Moulines 2011)
// and discounted Thompson sampling (Raj & Kalyani 2017). Every learned event is one round: the
// discounted policies multiply every arm's statistics of the event's copy by gamma, then add the
// event to its arm; the sliding window keeps the last tau events (arm, reward) of the copy in a ring.
// Learning a batch is therefore the same as learning its events one at a time, in order.
import { log_f64 } from '../core/math';
import { beta } from '../core/rng';
import { f64at, setf64, active, pickMax, tieCount, totalPulls, S_SAMPLE } from './common';

// ---- sliding window: header [count, head, (arm, reward) x tau], slots pulls[Kp] | rewards[Kp] ----

/** Recount slots pulls/rewards (at `pulls`) of one copy from its ring, oldest event first (the only way they change). */
function swRecountAt(base: usize, pulls: usize, Kp: i32, tau: i32): void {
  const sums = pulls + (<usize>Kp << 3);
  for (let k = 0; k < Kp; k++) { setf64(pulls, k, 0.0); setf64(sums, k, 0.0); }
  const count = <i32>f64at(base, 0), head = <i32>f64at(base, 1);
  const start = count < tau ? 0 : head;
  const ring = base + 16;
  for (let j = 0; j < count; j++) {
    let i = start + j;
    if (i >= tau) i -= tau;
    const a = <i32>f64at(ring, 2 * i);
    setf64(pulls, a, f64at(pulls, a) + 1.0);
    setf64(sums, a, f64at(sums, a) + f64at(ring, 2 * i + 1));
  }
}

/**
 * Append n events in order to the rings of their copies (copy copies[i], arm arms[i], reward
 * rewards[i]); once a ring holds tau events the oldest is overwritten. Then pulls/rewards of every
 * copy touched are recounted from its ring (oldest first). `slots` = offset of pulls within a copy.
 */
export function bd_sw_learn(state: usize, stride: i32, Kp: i32, tau: i32, slots: i32, n: i32, copies: usize, arms: usize, rewards: usize): void {
  for (let i = 0; i < n; i++) {
    const c = load<i32>(copies + (<usize>i << 2));
    const base = state + (<usize>c * <usize>stride << 3);
    const count = <i32>f64at(base, 0), head = <i32>f64at(base, 1);
    setf64(base, 2 + 2 * head, <f64>load<i32>(arms + (<usize>i << 2)));
    setf64(base, 3 + 2 * head, f64at(rewards, i));
    setf64(base, 1, <f64>(head + 1 == tau ? 0 : head + 1));
    if (count < tau) setf64(base, 0, <f64>(count + 1));
    // recount when this is the last event of a run of events of one copy
    if (i + 1 == n || load<i32>(copies + (<usize>(i + 1) << 2)) != c) swRecountAt(base, base + (<usize>slots << 3), Kp, tau);
  }
}

/** Drop arm `arm`'s events from copy `copy`'s ring (keeping the others in order), then recount (restart of one arm). */
export function bd_sw_forget(state: usize, stride: i32, Kp: i32, tau: i32, slots: i32, copy: i32, arm: i32): void {
  const base = state + (<usize>copy * <usize>stride << 3), ring = base + 16;
  const count = <i32>f64at(base, 0), head = <i32>f64at(base, 1);
  const start = count < tau ? 0 : head;
  // compact in place, oldest first: first move the ring so the oldest is at 0 (rotate by start)
  if (start != 0) {
    // rotate with the recount slots as no scratch: three reversals of (arm, reward) pairs
    swReverse(ring, 0, start - 1); swReverse(ring, start, tau - 1); swReverse(ring, 0, tau - 1);
  }
  let w = 0;
  for (let j = 0; j < count; j++) {
    const a = f64at(ring, 2 * j), r = f64at(ring, 2 * j + 1);
    if (<i32>a == arm) continue;
    setf64(ring, 2 * w, a); setf64(ring, 2 * w + 1, r); w++;
  }
  for (let j = w; j < tau; j++) { setf64(ring, 2 * j, 0.0); setf64(ring, 2 * j + 1, 0.0); }
  setf64(base, 0, <f64>w);
  setf64(base, 1, <f64>(w == tau ? 0 : w));
  swRecountAt(base, base + (<usize>slots << 3), Kp, tau);
}
function swReverse(ring: usize, a: i32, b: i32): void {
  while (a < b) {
    const x0 = f64at(ring, 2 * a), x1 = f64at(ring, 2 * a + 1);
    setf64(ring, 2 * a, f64at(ring, 2 * b)); setf64(ring, 2 * a + 1, f64at(ring, 2 * b + 1));
    setf64(ring, 2 * b, x0); setf64(ring, 2 * b + 1, x1);
    a++; b--;
  }
}

/**
 * The optimistic index S/N + sqrt(v/N) of every arm (+Infinity when N = 0, -Infinity when removed),
 * two arms per f64x2 (IEEE div, sqrt, add: the same bits as the scalar loop), then the argmax.
 */
function indexPick(pulls: usize, sums: usize, K: i32, mask: usize, v: f64, sc: usize, k0: u32, k1: u32, h: usize, outArm: usize, outProp: usize, r: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const vv = f64x2.splat(v), inf = f64x2.splat(Infinity), zero = f64x2.splat(0.0);
    for (; k + 2 <= K; k += 2) {
      const n = v128.load(pulls + (<usize>k << 3)), s = v128.load(sums + (<usize>k << 3));
      const idx = f64x2.add(f64x2.div(s, n), f64x2.sqrt(f64x2.div(vv, n)));
      v128.store(sc + (<usize>k << 3), v128.bitselect(idx, inf, f64x2.gt(n, zero)));
    }
  }
  for (; k < K; k++) {
    const n = f64at(pulls, k);
    setf64(sc, k, n > 0.0 ? f64at(sums, k) / n + Math.sqrt(v / n) : Infinity);
  }
  for (k = 0; k < K; k++) if (!active(mask, k)) setf64(sc, k, -Infinity);
  const arm = pickMax(sc, K, mask, k0, k1, load<u32>(h), load<u32>(h + 4));
  store<i32>(outArm + (<usize>r << 2), arm);
  setf64(outProp, r, arm < 0 ? 0.0 : 1.0 / <f64>tieCount);
}

/**
 * SW-UCB: index = S/N + sqrt(xi ln(min(t, tau)) / N) over the window (N, S = pulls and reward sum of
 * the arm among the last tau events; min(t, tau) = the events in the ring; ln taken as 0 for <= 1).
 * `slots` = offset of pulls within a copy. For copy r: scores at outScores + r*K, arm, 1/#ties.
 */
export function bd_sw_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, slots: i32, mask: usize,
                             k0: u32, k1: u32, hashes: usize, xi: f64, outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const base = state + (<usize>r * <usize>stride << 3);
    const pulls = base + (<usize>slots << 3), sums = pulls + (<usize>Kp << 3);
    const m = f64at(base, 0);
    const lt = m > 1.0 ? log_f64(m) : 0.0;
    indexPick(pulls, sums, K, mask, xi * lt, outScores + (<usize>r * <usize>K << 3), k0, k1, hashes + (<usize>r << 3), outArm, outProp, r);
  }
}

// ---- discounting: slots a[Kp] | b[Kp] (D-UCB: discounted pulls, rewards; D-TS: successes, failures) ----

/**
 * Fold n events in order: event i multiplies both slots of every arm of copy copies[i] by gamma
 * (f64x2 multiplies: the same bits as scalar), then adds (1, reward) (mode 0, D-UCB) or (reward,
 * 1 - reward) (mode 1, D-TS) to arm arms[i].
 */
export function bd_discount_learn(state: usize, stride: i32, Kp: i32, gamma: f64, mode: i32, n: i32, copies: usize, arms: usize, rewards: usize): void {
  for (let i = 0; i < n; i++) {
    const a0 = state + (<usize>load<i32>(copies + (<usize>i << 2)) * <usize>stride << 3);
    const m = 2 * Kp;
    let k = 0;
    if (ASC_FEATURE_SIMD) {
      const g = f64x2.splat(gamma);
      for (; k + 2 <= m; k += 2) v128.store(a0 + (<usize>k << 3), f64x2.mul(v128.load(a0 + (<usize>k << 3)), g));
    }
    for (; k < m; k++) setf64(a0, k, f64at(a0, k) * gamma);
    const a = load<i32>(arms + (<usize>i << 2)), x = f64at(rewards, i);
    if (mode == 0) { setf64(a0, a, f64at(a0, a) + 1.0); setf64(a0, Kp + a, f64at(a0, Kp + a) + x); }
    else { setf64(a0, a, f64at(a0, a) + x); setf64(a0, Kp + a, f64at(a0, Kp + a) + (1.0 - x)); }
  }
}

/**
 * D-UCB: index = S/N + sqrt(4 xi ln(n_t) / N) = S/N + 2 sqrt(xi ln n_t / N) (B = 1), n_t = sum of the
 * discounted pulls of all K arms in arm order (ln taken as 0 for n_t <= 1); +Infinity for N = 0.
 */
export function bd_ducb_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                               k0: u32, k1: u32, hashes: usize, xi: f64, outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3);
    const t = totalPulls(pulls, K);
    const lt = t > 1.0 ? log_f64(t) : 0.0;
    indexPick(pulls, sums, K, mask, 4.0 * xi * lt, outScores + (<usize>r * <usize>K << 3), k0, k1, hashes + (<usize>r << 3), outArm, outProp, r);
  }
}

/**
 * Discounted Thompson sampling: arm k's score is draw 0 of Beta(S_k + a0, F_k + b0) on stream
 * S_SAMPLE + k (core/rng.ts beta); argmax with the PRNG tie-break. Propensity: the chosen arm's share
 * of wins over that draw and `draws` more (draws 1..draws of the same streams; a draw's winner is its
 * first largest sample among the active arms): (1 + wins) / (1 + draws).
 */
export function bd_dts_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                              k0: u32, k1: u32, hashes: usize, a0: f64, b0: f64, draws: i32,
                              outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const S = state + (<usize>r * <usize>stride << 3), F = S + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    const h = hashes + (<usize>r << 3), h0 = load<u32>(h), h1 = load<u32>(h + 4);
    for (let k = 0; k < K; k++) {
      setf64(sc, k, active(mask, k) ? beta(k0, k1, h0, h1, S_SAMPLE + <u32>k, 0, f64at(S, k) + a0, f64at(F, k) + b0) : -Infinity);
    }
    const arm = pickMax(sc, K, mask, k0, k1, h0, h1);
    store<i32>(outArm + (<usize>r << 2), arm);
    if (arm < 0) { setf64(outProp, r, 0.0); continue; }
    let wins = 1;
    for (let j = 1; j <= draws; j++) {
      let best = -1, m: f64 = -Infinity;
      for (let k = 0; k < K; k++) {
        if (!active(mask, k)) continue;
        const x = beta(k0, k1, h0, h1, S_SAMPLE + <u32>k, <u32>j, f64at(S, k) + a0, f64at(F, k) + b0);
        if (best < 0 || x > m) { best = k; m = x; }
      }
      if (best == arm) wins++;
    }
    setf64(outProp, r, <f64>wins / <f64>(draws + 1));
  }
}
