// The Deno KV load of test/deno-kv.test.mjs: writer w sends events e-<j> for j in its own range, and
// after each tenth one an event of another writer's range (the same event: same arm and reward), so
// 10% of the sends are repeats that another writer may or may not have folded yet.
export const ARMS = 6;
export const eventOf = (j) => ({ eventId: `e-${j}`, arm: (j * 7 + (j >> 3)) % ARMS, reward: (j * 0.6180339887) % 1 });
export function sendsOf(w, writers, n) {
  const out = [];
  for (let j = 0; j < n; j++) {
    out.push(eventOf(w * n + j));
    if (j % 10 === 9) out.push(eventOf(((w + 1 + (j % (writers - 1 || 1))) % writers) * n + ((j * 13) % n)));
  }
  return out;
}
/** Every distinct event of the load. */
export const uniqueEvents = (writers, n) => Array.from({ length: writers * n }, (_, j) => eventOf(j));
