// The per-arm loop the optimistic index policies over the shared statistics (./stats.ts) share: MOSS
// (./moss.ts), UCB-V (./ucbv.ts) and KL-UCB (./klucb.ts) score an arm -Infinity when it is removed,
// +Infinity when it was never pulled (n not > 0) and their index of (n, reward sum, square sum)
// otherwise. `kind` is a constant at every call site, so the inlined branch folds away and each kernel
// runs exactly the arithmetic it ran with its own loop (same operations, same order: same bits).
import { log_f64 } from '../core/math';
import { f64at, setf64, active } from './common';
import { klUpper } from './kl';

export const IX_MOSS: i32 = 0;
export const IX_UCBV: i32 = 1;
export const IX_KLUCB: i32 = 2;

/**
 * Index of arm k (n > 0 pulls, reward sum at sums[k], square sum at sq[k]) with the copy's parameters:
 * IX_MOSS (a = H, b = active arms, c = coef): s/n + sqrt(c · max(ln(a/(b n)), 0) / n), ln taken only when a/(b n) > 1;
 * IX_UCBV (a = e = zeta ln t, b = c): m + sqrt(2 V a / n) + 3 b a / n, V = max(q/n − m², 0);
 * IX_KLUCB (a = the level ln t + c ln ln t, b = sigma2, fam): klUpper(fam, s/n, a/n, b).
 */
// @ts-ignore: decorator
@inline function armIndex(kind: i32, k: i32, n: f64, sums: usize, sq: usize, a: f64, b: f64, c: f64, fam: i32): f64 {
  const s = f64at(sums, k);
  if (kind == IX_MOSS) {
    const x = a / (b * n);
    const l = x > 1.0 ? log_f64(x) : 0.0;
    return s / n + Math.sqrt(c * l / n);
  }
  if (kind == IX_UCBV) {
    const m = s / n;
    let v = f64at(sq, k) / n - m * m;
    if (v < 0.0) v = 0.0;
    return m + Math.sqrt(2.0 * v * a / n) + 3.0 * b * a / n;
  }
  return klUpper(fam, s / n, a / n, b);
}

/** Scores of one copy's K arms into sc: -Infinity removed, +Infinity never pulled, else armIndex. */
// @ts-ignore: decorator
@inline export function indexScores(kind: i32, sc: usize, pulls: usize, sums: usize, sq: usize, K: i32, mask: usize,
                                    a: f64, b: f64, c: f64, fam: i32): void {
  for (let k = 0; k < K; k++) {
    const n = f64at(pulls, k);
    let s: f64;
    if (!active(mask, k)) s = -Infinity;
    else if (!(n > 0.0)) s = Infinity;
    else s = armIndex(kind, k, n, sums, sq, a, b, c, fam);
    setf64(sc, k, s);
  }
}
