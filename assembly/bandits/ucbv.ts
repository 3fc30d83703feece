// UCB-V (Audibert, Munos & Szepesvári 2009) over the shared statistics (./stats.ts): the empirical
// variance comes from the squares slot.
import { decideOut, logRound, totalPulls } from './common';
import { indexScores, IX_UCBV } from './index-loop';

/**
 * index = mean + sqrt(2 V e / n) + 3 c e / n with e = zeta ln t (t = total pulls, ln t = 0 for t <= 1),
 * V = max(squares/n - mean², 0) (the biased empirical variance; rewards in [0, 1], so b = 1). +Infinity
 * for an arm never pulled, -Infinity for a removed arm. For copy r: scores at outScores + r*K, the arm
 * (PRNG tie-break) and 1/#ties.
 */
export function bd_ucbv_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                               k0: u32, k1: u32, hashes: usize, zeta: f64, c: f64,
                               outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3), sq = sums + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    const t = totalPulls(pulls, K);
    const e = zeta * (t > 1.0 ? logRound(t) : 0.0);
    indexScores(IX_UCBV, sc, pulls, sums, sq, K, mask, e, c, 0.0, 0);
    decideOut(r, sc, K, mask, k0, k1, hashes, outArm, outProp);
  }
}
