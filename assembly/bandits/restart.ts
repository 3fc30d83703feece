// Restarting statistics (Policy.restart, the change-detection wrappers' hook): fill arms [a0, a1) of
// one slot with a fresh arm's `width` values.
/** For k in [a0, a1): the `width` f64 at slot + k·width = tmpl[0..width). */
export function bd_fill_arms(slot: usize, width: i32, a0: i32, a1: i32, tmpl: usize): void {
  for (let k = a0; k < a1; k++) {
    const d = slot + (<usize>k * <usize>width << 3);
    for (let i = 0; i < width; i++) store<f64>(d + (<usize>i << 3), load<f64>(tmpl + (<usize>i << 3)));
  }
}
