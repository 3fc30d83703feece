// UCB-V (Audibert, Munos & Szepesvári 2009) over the shared statistics (./stats.ts): the empirical
// variance comes from the squares slot.
import { log_f64 } from '../core/math';
import { f64at, setf64, active, pickMax, tieCount, totalPulls } from './common';

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
    const e = zeta * (t > 1.0 ? log_f64(t) : 0.0);
    for (let k = 0; k < K; k++) {
      const n = f64at(pulls, k);
      let s: f64;
      if (!active(mask, k)) s = -Infinity;
      else if (!(n > 0.0)) s = Infinity;
      else {
        const m = f64at(sums, k) / n;
        let v = f64at(sq, k) / n - m * m;
        if (v < 0.0) v = 0.0;
        s = m + Math.sqrt(2.0 * v * e / n) + 3.0 * c * e / n;
      }
      setf64(sc, k, s);
    }
    const h = hashes + (<usize>r << 3);
    const arm = pickMax(sc, K, mask, k0, k1, load<u32>(h), load<u32>(h + 4));
    store<i32>(outArm + (<usize>r << 2), arm);
    setf64(outProp, r, arm < 0 ? 0.0 : 1.0 / <f64>tieCount);
  }
}
