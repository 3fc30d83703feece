// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320: zlib's and PNG's crc32), the checksum of the
// optimizer state file (src/optim/state-format.ts). Integer-only, so identical in every build.
// The caller owns the 256-entry u32 table (no static data in this module: [0, 1 MiB) is reserved).

/** Fill the 256-entry u32 table at `t`. */
export function crc32_table(t: usize): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(t + (<usize>n << 2), c);
  }
}

/** Continue a CRC-32 (0 to start) over `len` bytes at `p`; returns the new value (as i32 to JS). */
export function crc32_u8(crc: u32, t: usize, p: usize, len: i32): u32 {
  let c = ~crc;
  for (let i = 0; i < len; i++) c = load<u32>(t + (<usize>((c ^ <u32>load<u8>(p + <usize>i)) & 0xff) << 2)) ^ (c >>> 8);
  return ~c;
}
