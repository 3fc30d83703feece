// Production rails (src/bandits/serving/served.ts): the exploration floor's mixture. With probability
// f (coin u1 < f) the served arm is a uniform active arm (index floor(u2·K_active)), else the policy's
// arm a; the propensity is the exact mixture (1 − f)·π(b) + f/K_active, where π(b) is the policy's
// probability of the served arm b: its decision's propensity for b = a, otherwise (mode 0, argmax
// policies) 1/#ties when b's score ties the maximum (NaN counts as −∞), else 0, or (mode 1) scores[b]
// when the scores are the policy's probability vector.
import { f64at, setf64, active } from './common';

export function bd_rail_mix(scores: usize, K: i32, mask: usize, mode: i32, floor: f64, u1: f64, u2: f64, arm: i32, prop: f64, out: usize): void {
  let n = 0, m: f64 = -Infinity, ties = 0;
  for (let k = 0; k < K; k++) {
    if (!active(mask, k)) continue;
    n++;
    let v = f64at(scores, k);
    if (v != v) v = -Infinity;
    if (v > m) { m = v; ties = 1; } else if (v == m) ties++;
  }
  let b = arm;
  if (u1 < floor && n > 0) {
    let idx = <i32>(u2 * <f64>n);
    if (idx >= n) idx = n - 1;
    for (let k = 0, j = 0; k < K; k++) {
      if (!active(mask, k)) continue;
      if (j == idx) { b = k; break; }
      j++;
    }
  }
  let pb: f64 = prop;
  if (b != arm) {
    if (mode == 1) pb = f64at(scores, b);
    else { let v = f64at(scores, b); if (v != v) v = -Infinity; pb = v == m && ties > 0 ? 1.0 / <f64>ties : 0.0; }
  }
  setf64(out, 0, <f64>b);
  setf64(out, 1, (1.0 - floor) * pb + floor / <f64>n);
}
