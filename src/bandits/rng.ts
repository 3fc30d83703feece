// Event ids and seeds -> the counter-based PRNG's words (assembly/core/rng.ts). An eventId string is
// UTF-8 encoded (TextEncoder) and hashed in wasm with FNV-1a 64 (`rng_hash_batch`); the policy seed
// (an integer in [0, 2^53)) is the Philox key. Draw i of stream s for an event is
// philox4x32-10(key = (seed mod 2^32, floor(seed / 2^32)), counter = (hash lo, hash hi, s, i)).
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { describe, HyperparameterError, InvalidArgumentError } from '../errors.js';

/** Most UTF-8 bytes of one eventId. */
export const MAX_EVENT_ID_BYTES = 1024;
const enc = /* @__PURE__ */ new TextEncoder();

/** The Philox key words of `seed` (checked: an integer in [0, 2^53)). */
export function seedKey(seed: unknown, what = 'seed'): [number, number] {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new HyperparameterError(`${what} must be an integer in [0, 2^53), got ${describe(seed)}`);
  }
  return [seed % 4294967296, Math.floor(seed / 4294967296)];
}

/** UTF-8 bytes of each id (the caller checked they are strings), with the byte length checked. */
export function encodeIds(ids: readonly string[], where: (i: number) => string): Uint8Array[] {
  return ids.map((s, i) => {
    const b = enc.encode(s);
    if (b.length === 0 || b.length > MAX_EVENT_ID_BYTES) {
      throw new InvalidArgumentError(`${where(i)}: eventId must be 1 to ${MAX_EVENT_ID_BYTES} UTF-8 bytes, got ${b.length}`);
    }
    return b;
  });
}

/**
 * Reusable scratch for hashing batches of ids in one wasm call; `hash(engine, bytes)` returns the
 * words (lo, hi interleaved) as a fresh Int32Array (read them as unsigned with >>> 0).
 */
export class Hasher {
  private bytes: EngineBuffer<'u8'> | null = null;
  private off: EngineBuffer<'i32'> | null = null;
  private out: EngineBuffer<'i32'> | null = null;

  /** FNV-1a 64 of each byte string, computed by the core's `rng_hash_batch`. */
  hash(engine: Engine, ids: readonly Uint8Array[]): Int32Array {
    let total = 0;
    for (const b of ids) total += b.length;
    const n = ids.length;
    if (!this.bytes || this.bytes.length < Math.max(total, 1)) { this.bytes?.free(); this.bytes = null; this.bytes = engine.alloc(Math.max(total, 64), 'u8'); }
    if (!this.off || this.off.length < n + 1) { this.off?.free(); this.off = null; this.off = engine.alloc(Math.max(n + 1, 16), 'i32'); }
    if (!this.out || this.out.length < 2 * n) { this.out?.free(); this.out = null; this.out = engine.alloc(Math.max(2 * n, 16), 'i32'); }
    const bytes = this.bytes.array, off = this.off.array;
    let p = 0;
    for (let i = 0; i < n; i++) { off[i] = p; bytes.set(ids[i]!, p); p += ids[i]!.length; }
    off[n] = p;
    engine.kernel('rng_hash_batch')(0, n, this.bytes.ptr, this.off.ptr, this.out.ptr);
    return this.out.array.slice(0, 2 * n);
  }

  free(): void {
    this.bytes?.free(); this.off?.free(); this.out?.free();
    this.bytes = this.off = this.out = null;
  }
}
