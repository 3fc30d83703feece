// Helpers shared by the bandit kernels: the per-copy layout, random streams and the argmax with
// PRNG tie-breaking that every index policy uses.
import { uniform } from '../core/rng';
import { log_f64 } from '../core/math';

// Random streams (the third Philox counter word; the event hash is words 0-1, the draw index word 3).
export const S_TIE: u32 = 1;       // tie-breaking among maximal scores
export const S_EXPLORE: u32 = 2;   // exploration coin (epsilon-greedy and the like)
export const S_UNIFORM: u32 = 3;   // uniformly random arm
export const S_DRAW: u32 = 4;      // an arm drawn from the policy's probability vector (EXP3, Hedge, ...)
export const S_SAMPLE: u32 = 0x100; // + arm: posterior samples of that arm (Thompson sampling)
export const S_BOOTSTRAP: u32 = 0x40000001; // off-policy evaluation's bootstrap resamples (ope.ts; counter words 0-1 = resample, tag)

/** Ties counted by the last pickMax (per instance, so per thread). */
export let tieCount: i32 = 0;

// @ts-ignore: decorator
@inline export function f64at(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function setf64(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline export function active(mask: usize, k: i32): bool { return load<u8>(mask + <usize>k) != 0; }

/**
 * The arm with the largest score among the active ones (NaN counts as -Infinity); ties broken
 * uniformly by draw 0 of stream S_TIE, drawn only when there is a tie. tieCount = number of tied arms,
 * so the propensity of the chosen arm is 1/tieCount. Returns -1 when no arm is active.
 */
export function pickMax(sc: usize, K: i32, mask: usize, k0: u32, k1: u32, h0: u32, h1: u32): i32 {
  let m: f64 = -Infinity, c = 0;
  for (let k = 0; k < K; k++) {
    if (!active(mask, k)) continue;
    let v = f64at(sc, k);
    if (v != v) v = -Infinity;
    if (v > m) { m = v; c = 1; } else if (v == m) c++;
  }
  tieCount = c;
  if (c == 0) return -1;
  let idx = 0;
  if (c > 1) {
    idx = <i32>(uniform(k0, k1, h0, h1, S_TIE, 0) * <f64>c);
    if (idx >= c) idx = c - 1;
  }
  let j = 0;
  for (let k = 0; k < K; k++) {
    if (!active(mask, k)) continue;
    let v = f64at(sc, k);
    if (v != v) v = -Infinity;
    if (v == m) { if (j == idx) return k; j++; }
  }
  return -1;
}

/** Sum of slot 0 (pulls) over all K arms of one copy, in arm order: the round count t. */
export function totalPulls(pulls: usize, K: i32): f64 {
  let t: f64 = 0;
  for (let k = 0; k < K; k++) t += f64at(pulls, k);
  return t;
}

/**
 * The decision every argmax policy writes for copy r: pickMax of its K scores at sc under the event
 * hash at hashes + 8r, the arm to outArm[r] and its propensity 1/#ties (0 when no arm is active) to outProp[r].
 */
// @ts-ignore: decorator
@inline export function decideOut(r: i32, sc: usize, K: i32, mask: usize, k0: u32, k1: u32, hashes: usize, outArm: usize, outProp: usize): void {
  const h = hashes + (<usize>r << 3);
  const arm = pickMax(sc, K, mask, k0, k1, load<u32>(h), load<u32>(h + 4));
  store<i32>(outArm + (<usize>r << 2), arm);
  setf64(outProp, r, arm < 0 ? 0.0 : 1.0 / <f64>tieCount);
}

// The last round count logRound saw and its log (per instance, so per thread).
let lastRound: f64 = -1.0;
let lastRoundLog: f64 = 0.0;
/**
 * log_f64(t), remembered for the last t: the copies of a simulation share their round count, so a decide
 * call over R copies takes one logarithm instead of R (the same bits: log_f64 is a pure function).
 */
// @ts-ignore: decorator
@inline export function logRound(t: f64): f64 {
  if (t != lastRound) { lastRound = t; lastRoundLog = log_f64(t); }
  return lastRoundLog;
}
// Change-detection wrappers (assembly/bandits/changedet.ts): their own streams, so the forced
// exploration is independent of every draw of the inner policy (which uses the streams above).
export const S_CD_EXPLORE: u32 = 0x80;  // the forced-exploration coin
export const S_CD_UNIFORM: u32 = 0x81;  // the uniformly drawn arm of a forced round
