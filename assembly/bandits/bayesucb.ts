// Bayes-UCB for Bernoulli rewards (Kaufmann, Cappé & Garivier 2012) over the shared statistics
// (./stats.ts); the Beta quantile is ./beta.ts.
import { exp_f64, log_f64 } from '../core/math';
import { f64at, setf64, active, decideOut, totalPulls } from './common';
import { betaUpper } from './beta';

/**
 * index = the 1 − delta quantile of Beta(1 + rewards, 1 + pulls − rewards) (the posterior under a
 * uniform prior), delta = 1/(τ (ln T)^c), τ = t + 1 the round being decided (t = total pulls); (ln T)^c
 * = e^(c ln ln T) is computed once (1 for c = 0). Removed arms -Infinity. For copy r: scores at
 * outScores + r*K, the arm (PRNG tie-break) and 1/#ties.
 */
export function bd_bayesucb_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                                   k0: u32, k1: u32, hashes: usize, horizon: f64, c: f64,
                                   outArm: usize, outProp: usize, outScores: usize): void {
  const lc = c > 0.0 ? exp_f64(c * log_f64(log_f64(horizon))) : 1.0;
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    const delta = 1.0 / ((totalPulls(pulls, K) + 1.0) * lc);
    for (let k = 0; k < K; k++) {
      const n = f64at(pulls, k), s = f64at(sums, k);
      const f = n - s;
      setf64(sc, k, !active(mask, k) ? -Infinity : betaUpper(1.0 + s, 1.0 + (f > 0.0 ? f : 0.0), delta));
    }
    decideOut(r, sc, K, mask, k0, k1, hashes, outArm, outProp);
  }
}
