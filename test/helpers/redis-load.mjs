// The load and fault test's workload (test/bandits-redis.test.mjs, bench/redis.mjs): writer w sends
// SENDS events, 10% of them a second sending of an event (half its own, sent again later; half the
// next writer's); unique events carry real rewards in [0, 1) (not dyadic: the stored sums must be
// exact, not merely lucky). Deterministic (an LCG per writer).
export const WRITERS = 8, SENDS = 10_000, ARMS = 10, BATCH = 500;
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const OWN = SENDS * 0.9;

/** Writer w's own (first-sent) events. */
export function ownEvents(w, sends = SENDS) {
  const rnd = lcg(1000 + w), n = sends * 0.9, out = [];
  for (let i = 0; i < n; i++) {
    const arm = Math.floor(rnd() * ARMS);
    out.push({ eventId: `w${w}-e${i}`, arm, reward: Math.min(rnd() * (0.3 + 0.07 * arm), 0.999999) });
  }
  return out;
}
/** Everything writer w sends, in order: its own events with 10% resends mixed in. */
export function sendsOf(w, sends = SENDS, writers = WRITERS) {
  const own = ownEvents(w, sends), next = ownEvents((w + 1) % writers, sends), rnd = lcg(77 + w), out = [];
  const extra = sends - own.length;
  let r = 0;
  for (let i = 0; i < own.length; i++) {
    out.push(own[i]);
    if (r < extra && i % 9 === 8) {
      out.push(r % 2 === 0 ? own[Math.floor(rnd() * (i + 1))] : next[Math.floor(rnd() * next.length)]);
      r++;
    }
  }
  return out;
}
/** The unique events of the whole run (every writer's own events). */
export function uniqueEvents(sends = SENDS, writers = WRITERS) {
  const out = [];
  for (let w = 0; w < writers; w++) out.push(...ownEvents(w, sends));
  return out;
}
void OWN;
