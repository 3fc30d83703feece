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
