// MOSS (Audibert & Bubeck 2009) and its anytime variant (Degenne & Perchet 2016) over the shared
// statistics (./stats.ts).
import { active, decideOut, totalPulls } from './common';
import { indexScores, IX_MOSS } from './index-loop';

/**
 * index = mean + sqrt(coef · max(ln(H / (Ka n)), 0) / n), Ka = active arms; H = horizon (MOSS, coef = 1)
 * or, when anytime != 0, H = t = total pulls (MOSS-anytime, coef = (1 + alpha) / 2). ln is taken only
 * when H / (Ka n) > 1. +Infinity for an arm never pulled, -Infinity for a removed arm. For copy r:
 * scores at outScores + r*K, the arm (PRNG tie-break) and 1/#ties.
 */
export function bd_moss_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                               k0: u32, k1: u32, hashes: usize, horizon: f64, anytime: i32, coef: f64,
                               outArm: usize, outProp: usize, outScores: usize): void {
  let ka = 0;
  for (let k = 0; k < K; k++) if (active(mask, k)) ka++;
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    const H = anytime != 0 ? totalPulls(pulls, K) : horizon;
    indexScores(IX_MOSS, sc, pulls, sums, sums, K, mask, H, <f64>ka, coef, 0);
    decideOut(r, sc, K, mask, k0, k1, hashes, outArm, outProp);
  }
}
