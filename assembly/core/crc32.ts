// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320: zlib's and PNG's crc32), the checksum of the
// optimizer state file (src/optim/state-format.ts). Integer-only, so identical in every build.
// Slicing-by-8: eight 256-entry u32 tables (8 KiB) owned by the caller (no static data in this
// module: [0, 1 MiB) is reserved), 8 bytes per iteration, then a byte-wise tail.

/** Fill the 8 x 256 u32 tables at `t` (T0 at t, Tk at t + 1024·k). */
export function crc32_table(t: usize): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(t + (<usize>n << 2), c);
  }
  for (let k: usize = 1; k < 8; k++) {
    for (let n: usize = 0; n < 256; n++) {
      const prev = load<u32>(t + ((k - 1) << 10) + (n << 2));
      store<u32>(t + (k << 10) + (n << 2), (prev >>> 8) ^ load<u32>(t + (<usize>(prev & 0xff) << 2)));
    }
  }
}

@inline function tab(t: usize, k: usize, b: u32): u32 { return load<u32>(t + (k << 10) + (<usize>(b & 0xff) << 2)); }

/** Continue a CRC-32 (0 to start) over `len` bytes at `p`; returns the new value (as i32 to JS). */
export function crc32_u8(crc: u32, t: usize, p: usize, len: i32): u32 {
  let c = ~crc;
  let i = 0;
  for (const e8 = len & ~7; i < e8; i += 8) {
    const lo = c ^ load<u32>(p + <usize>i), hi = load<u32>(p + <usize>i + 4);
    c = tab(t, 7, lo) ^ tab(t, 6, lo >>> 8) ^ tab(t, 5, lo >>> 16) ^ tab(t, 4, lo >>> 24)
      ^ tab(t, 3, hi) ^ tab(t, 2, hi >>> 8) ^ tab(t, 1, hi >>> 16) ^ tab(t, 0, hi >>> 24);
  }
  for (; i < len; i++) c = tab(t, 0, c ^ <u32>load<u8>(p + <usize>i)) ^ (c >>> 8);
  return ~c;
}
