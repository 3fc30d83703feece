// KL-UCB (Cappé, Garivier, Maillard, Munos & Stoltz 2013) and IMED (Honda & Takemura 2015) over the
// shared statistics (./stats.ts); the divergences and the inversion are in ./kl.ts.
import { log_f64 } from '../core/math';
import { f64at, setf64, active, decideOut, totalPulls } from './common';
import { klBernoulli, klLevel } from './kl';
import { indexScores, IX_KLUCB } from './index-loop';

/**
 * KL-UCB: index = max{q >= mean : kl_fam(mean, q) <= (ln t + c ln ln t) / n} (kl.ts klUpper), t = total
 * pulls, +Infinity for an arm never pulled, -Infinity for a removed arm. fam: 0 Bernoulli, 1 Gaussian
 * (variance sigma2), 2 Poisson, 3 exponential. For copy r: scores at outScores + r*K, arm, 1/#ties.
 */
export function bd_klucb_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                                k0: u32, k1: u32, hashes: usize, fam: i32, c: f64, sigma2: f64,
                                outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    const f = klLevel(totalPulls(pulls, K), c);
    indexScores(IX_KLUCB, sc, pulls, sums, sums, K, mask, f, sigma2, 0.0, fam);
    decideOut(r, sc, K, mask, k0, k1, hashes, outArm, outProp);
  }
}

/**
 * IMED for Bernoulli rewards: I_k = n_k kl(mean_k, best) + ln n_k with best = the largest mean of the
 * active pulled arms; the policy plays argmin I, so the score is -I_k: +Infinity for an arm never
 * pulled, -Infinity for a removed arm and for one whose kl is infinite (best = 1 > mean_k). For copy r:
 * scores at outScores + r*K, the arm (PRNG tie-break) and 1/#ties.
 */
export function bd_imed_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                               k0: u32, k1: u32, hashes: usize, outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    let best: f64 = -Infinity;
    for (let k = 0; k < K; k++) {
      const n = f64at(pulls, k);
      if (active(mask, k) && n > 0.0) { const m = f64at(sums, k) / n; if (m > best) best = m; }
    }
    for (let k = 0; k < K; k++) {
      const n = f64at(pulls, k);
      let s: f64;
      if (!active(mask, k)) s = -Infinity;
      else if (!(n > 0.0)) s = Infinity;
      else s = -(n * klBernoulli(f64at(sums, k) / n, best) + log_f64(n));
      setf64(sc, k, s);
    }
    decideOut(r, sc, K, mask, k0, k1, hashes, outArm, outProp);
  }
}
