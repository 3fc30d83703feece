// The simulator's fused path for BernoulliTS on a Bernoulli environment (src/bandits/simulate.ts):
// many rounds per call, each copy's rounds in order, so JavaScript makes a call per checkpoint or
// progress step instead of four per round. Round t of copy r is, operation for operation, what the
// general path does with one call each: bd_sim_hashes (event key (t, r)), bd_ts_decide with
// propensityDraws 0 (draw 0 of every active arm's Beta posterior, pickMax with the PRNG tie-break),
// bd_env_step of kind 0 (reward 1 if uniform(env key, (r, t, S_ENV, arm)) < μ_arm), bd_learn_stats
// (pulls, rewards, squares of the arm): so the results are the same bits (the simulate tests compare
// the fused path with a JS reference of the general one), in every build and thread split (copies are
// independent; the engine splits [start, end)).
import { uniform } from '../core/rng';
import { zbetaArms, zbetaCache, zbetaCacheLen } from '../core/zig';
import { f64at, setf64, pickMax, S_SAMPLE } from './common';
import { S_ENV } from './env';

/**
 * Rounds [t0, t1) of copies [start, end). Policy: state (pulls | rewards | squares, Kp apart; stride
 * f64 per copy), mask, key (k0, k1), prior (a0, b0). Environment: means[r·pStride + k], best[r·bStride],
 * key (e0, e1). Accumulators as bd_env_step: regret[r], collected[r], envPulls[r·K + k]. scratch: 5K + 4
 * f64 per copy (K scores, then zbetaArms' cache, zbetaCacheLen(K) = 4(K + 1)), copy r at
 * scratch + 8·(5K + 4)·r. Every arm must be
 * active when no arm is chosen (the simulator uses this path for fresh policies only); a copy with no
 * active arm is left unchanged.
 */
export function bd_ts_sim(start: i32, end: i32, t0: u32, t1: u32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                          k0: u32, k1: u32, a0: f64, b0: f64, means: usize, pStride: i32, best: usize, bStride: i32,
                          e0: u32, e1: u32, regret: usize, collected: usize, envPulls: usize, scratch: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3), sq = sums + (<usize>Kp << 3);
    const sc = scratch + (<usize>r * <usize>(K + zbetaCacheLen(K)) << 3), cache = sc + (<usize>K << 3);
    for (let k = 0; k < K; k++) { const n = f64at(pulls, k), s = f64at(sums, k); zbetaCache(cache, k, a0 + s, b0 + (n - s)); }
    const mrow = means + (<usize>(r * pStride) << 3), bv = f64at(best, r * bStride);
    let reg = f64at(regret, r), col = f64at(collected, r);
    for (let t = t0; t < t1; t++) {
      zbetaArms(k0, k1, t, <u32>r, S_SAMPLE, 0, K, pulls, sums, mask, a0, b0, sc, cache);
      // pickMax's answer: the unique largest active score, or pickMax itself (its PRNG tie-break) on a tie or none
      let best: f64 = -Infinity, a = -1, ties = 0;
      for (let k = 0; k < K; k++) {
        let v = f64at(sc, k);
        if (v != v || load<u8>(mask + <usize>k) == 0) v = -Infinity;
        if (v > best) { best = v; a = k; ties = 1; } else if (v == best) ties++;
      }
      if (ties != 1 || best == -Infinity) a = pickMax(sc, K, mask, k0, k1, t, <u32>r);
      if (a < 0) break;
      const m = f64at(mrow, a);
      const x: f64 = uniform(e0, e1, <u32>r, t, S_ENV, <u32>a) < m ? 1.0 : 0.0;
      reg += bv - m;
      col += m;
      const pp = r * K + a;
      setf64(envPulls, pp, f64at(envPulls, pp) + 1.0);
      const n = f64at(pulls, a) + 1.0, s = f64at(sums, a) + x;
      setf64(pulls, a, n); setf64(sums, a, s); setf64(sq, a, f64at(sq, a) + x * x);
      zbetaCache(cache, a, a0 + s, b0 + (n - s));
    }
    setf64(regret, r, reg);
    setf64(collected, r, col);
  }
}
