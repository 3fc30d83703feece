// Optimistic index policies over the shared statistics (./stats.ts).
import { f64at, setf64, active, decideOut, logRound, totalPulls } from './common';

/**
 * UCB1 (Auer, Cesa-Bianchi & Fischer 2002), MABWiser's form: index = mean + alpha * sqrt(2 ln t / n),
 * t = total pulls (ln t taken as 0 for t <= 1), +Infinity for an arm never pulled; removed arms score
 * -Infinity. For copy r: scores at outScores + r*K, the arm (PRNG tie-break) and 1/#ties.
 */
export function bd_ucb1_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                               k0: u32, k1: u32, hashes: usize, alpha: f64, outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    const t = totalPulls(pulls, K);
    const lt = t > 1.0 ? logRound(t) : 0.0;
    let k = 0;
    if (ASC_FEATURE_SIMD) {
      // two arms per f64x2 (IEEE div, sqrt, mul, add: the same bits as the scalar loop below)
      const va = f64x2.splat(alpha), v2lt = f64x2.splat(2.0 * lt), inf = f64x2.splat(Infinity), zero = f64x2.splat(0.0);
      for (; k + 2 <= K; k += 2) {
        const n = v128.load(pulls + (<usize>k << 3)), s = v128.load(sums + (<usize>k << 3));
        const idx = f64x2.add(f64x2.div(s, n), f64x2.mul(va, f64x2.sqrt(f64x2.div(v2lt, n))));
        v128.store(sc + (<usize>k << 3), v128.bitselect(idx, inf, f64x2.gt(n, zero)));
      }
    }
    for (; k < K; k++) {
      const n = f64at(pulls, k);
      setf64(sc, k, n > 0.0 ? f64at(sums, k) / n + alpha * Math.sqrt(2.0 * lt / n) : Infinity);
    }
    for (k = 0; k < K; k++) if (!active(mask, k)) setf64(sc, k, -Infinity);
    decideOut(r, sc, K, mask, k0, k1, hashes, outArm, outProp);
  }
}
