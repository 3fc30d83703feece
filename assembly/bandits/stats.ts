// Sufficient statistics shared by the stochastic policies. Per copy, slot-major: pulls[Kp] | rewards[Kp]
// | squares[Kp] (Kp = K rounded up to even), then any policy-specific slots; stride f64 per copy.
import { f64at, setf64 } from './common';

/**
 * Fold n events in order: event i adds 1 to pulls[arm], reward to rewards[arm] and reward^2 to
 * squares[arm] of copy copies[i] (i32 arrays copies and arms, f64 rewards; the caller checked them).
 */
export function bd_learn_stats(state: usize, stride: i32, Kp: i32, n: i32, copies: usize, arms: usize, rewards: usize): void {
  for (let i = 0; i < n; i++) {
    const base = state + (<usize>load<i32>(copies + (<usize>i << 2)) * <usize>stride << 3);
    const a = load<i32>(arms + (<usize>i << 2));
    const r = f64at(rewards, i);
    setf64(base, a, f64at(base, a) + 1.0);
    setf64(base, Kp + a, f64at(base, Kp + a) + r);
    setf64(base, 2 * Kp + a, f64at(base, 2 * Kp + a) + r * r);
  }
}

/**
 * One validation pass over n simulator events (Policy.learnCopies): returns the index of the first
 * event whose copy is outside [0, nCopies), whose arm is outside [0, K) or removed (mask byte 0), or
 * whose reward is not finite; -1 when there is none, and then out[0], out[1] = the smallest and the
 * largest reward (the policy checks its reward model on these two: its accepted rewards are an interval).
 */
export function bd_check_events(n: i32, copies: usize, arms: usize, rewards: usize, nCopies: i32, K: i32, mask: usize, out: usize): i32 {
  let lo: f64 = Infinity, hi: f64 = -Infinity;
  for (let i = 0; i < n; i++) {
    const c = load<i32>(copies + (<usize>i << 2)), a = load<i32>(arms + (<usize>i << 2)), r = f64at(rewards, i);
    if (c < 0 || c >= nCopies || a < 0 || a >= K || load<u8>(mask + <usize>a) == 0 || !(r - r == 0.0)) return i;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  setf64(out, 0, lo);
  setf64(out, 1, hi);
  return -1;
}
