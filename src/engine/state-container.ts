// The generic simdopt state container, for families that keep f64 state arrays (the online family; the
// bandit family's src/bandits/state-file.ts writes the same container with its own manifest). A family
// gives its format name and manifest body; this file owns the bytes around them:
//   [0, 8)    magic "SIMDOPT\x1a"
//   [8, 12)   u32 container version (CONTAINER_VERSION)
//   [12, 16)  u32 reserved (0)
//   [16, 20)  u32 manifest byte length L
//   [20, 24)  u32 reserved (0)
//   [24, 32)  u64 total file length (including the checksum)
//   [32, 32+L) UTF-8 JSON manifest: { format, version, ...body, entries, payloadBytes }
//   zero padding to a multiple of 16, then the payload: each f64 array at a 16-byte aligned offset, in
//   the order of `entries`; last 4 bytes: u32 CRC-32 (zlib's, by the core's crc32 kernel) of all before.
// Reading checks every byte of that: magic, version, reserved words, length, checksum, manifest keys
// (the family's exact list), entry layout; the family then checks its own body.
import type { Engine } from './engine.js';
import { describe, StateError, UnsupportedError, valueText } from '../errors.js';

export const CONTAINER_VERSION = 1;
const MAGIC = [0x53, 0x49, 0x4d, 0x44, 0x4f, 0x50, 0x54, 0x1a];
const HEADER = 32;
const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Where one f64 array lies in the payload. */
export interface ContainerEntry { dtype: 'f64'; elements: number; offset: number; bytes: number }

/** Throws UnsupportedError on a big-endian host (every simdopt state file is little-endian). */
export function checkHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new UnsupportedError('state files need a little-endian host');
}

/** CRC-32 (zlib's) of `bytes` by the core's kernels, in 1 MiB chunks: every state file's checksum. */
export function containerCrc32(engine: Engine, bytes: Uint8Array): number {
  const table = engine.alloc(8 * 256, 'i32');
  const chunk = Math.min(bytes.length, 1 << 20);
  let buf;
  try {
    buf = engine.alloc(Math.max(chunk, 1), 'u8');
    engine.kernel('crc32_table')(table.ptr);
    const f = engine.kernel('crc32_u8');
    let c = 0;
    for (let o = 0; o < bytes.length; o += chunk) {
      const part = bytes.subarray(o, Math.min(o + chunk, bytes.length));
      buf.array.set(part);
      c = f(c, table.ptr, buf.ptr, part.length) >>> 0;
    }
    return c;
  } finally { buf?.free(); table.free(); }
}

/** The container around `body` (format and version first, entries and payloadBytes last) and the arrays. */
export function writeContainer(engine: Engine, format: string, version: number, body: Record<string, unknown>,
                               arrays: Record<string, Float64Array>): Uint8Array {
  checkHost();
  const entries: Record<string, ContainerEntry> = {};
  let off = 0;
  for (const [name, a] of Object.entries(arrays)) {
    entries[name] = { dtype: 'f64', elements: a.length, offset: off, bytes: a.byteLength };
    off = align16(off + a.byteLength);
  }
  const manifest = { format, version, ...body, entries, payloadBytes: off };
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const start = align16(HEADER + json.length), total = start + off + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(8, CONTAINER_VERSION, true);
  dv.setUint32(16, json.length, true);
  dv.setUint32(24, total % 2 ** 32, true);
  dv.setUint32(28, Math.floor(total / 2 ** 32), true);
  out.set(json, HEADER);
  for (const [name, a] of Object.entries(arrays)) out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + entries[name]!.offset);
  dv.setUint32(total - 4, containerCrc32(engine, out.subarray(0, total - 4)), true);
  return out;
}

const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`;
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Throws StateError unless `o` is an object with exactly the keys `keys`. */
export function exactKeys(o: unknown, keys: readonly string[], what: string): asserts o is Record<string, unknown> {
  if (!isObj(o)) throw new StateError(`state file ${what} must be an object, got ${describe(o)}`);
  const have = Object.keys(o);
  const extra = have.filter((k) => !keys.includes(k)), missing = keys.filter((k) => !have.includes(k));
  if (extra.length) throw new StateError(`state file ${what} has unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  if (missing.length) throw new StateError(`state file ${what} lacks ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
}

/** What other families' format names mean, for the message when a file of theirs is given. */
const OTHER_FORMATS: Record<string, string> = {
  'simdopt/optimizer-state': 'an optimizer state file (use loadState)',
  'simdopt/bandit-state': 'a bandit policy state file (use bandits.load)',
  'simdopt/online-state': 'an online learner state file (use online.load)',
  'simdopt/bilevel-run': "a bilevel run's state (resume it with bilevel.solve's resume)",
};

/**
 * Parse and verify the container: `format`/`version` must match, the manifest must have exactly
 * `bodyKeys` besides format, version, entries and payloadBytes, and `entries` exactly `arrays`
 * (f64, 16-byte aligned, back to back in that order). Returns the manifest and copies of the arrays.
 */
export function readContainer(engine: Engine, bytes: unknown, format: string, version: number, bodyKeys: readonly string[],
                              arrays: readonly string[], what: string): { manifest: Record<string, unknown>; arrays: Record<string, Float64Array> } {
  checkHost();
  if (!(bytes instanceof Uint8Array)) throw new StateError(`${what} state must be a Uint8Array (from save()), got ${describe(bytes)}`);
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new StateError(bytes.length < MAGIC.length ? `truncated state file (${bytes.length} bytes)` : 'not a simdopt state file (bad magic)');
  }
  if (bytes.length < HEADER + 4) throw new StateError(`truncated state file (${bytes.length} bytes, the header alone is ${HEADER})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cv = dv.getUint32(8, true);
  if (cv !== CONTAINER_VERSION) throw new StateError(`unsupported state container version ${cv} (this build reads version ${CONTAINER_VERSION})`);
  if (dv.getUint32(12, true) !== 0 || dv.getUint32(20, true) !== 0) throw new StateError('state file reserved header words are not zero');
  const total = dv.getUint32(24, true) + dv.getUint32(28, true) * 2 ** 32;
  if (bytes.length < total) throw new StateError(`truncated state file (${bytes.length} of ${total} bytes)`);
  if (bytes.length > total) throw new StateError(`state file has ${bytes.length - total} trailing bytes after its declared ${total}`);
  const want = dv.getUint32(total - 4, true), got = containerCrc32(engine, bytes.subarray(0, total - 4));
  if (want !== got) throw new StateError(`state file checksum mismatch (stored ${hex(want)}, computed ${hex(got)}): the file is corrupt`);
  const len = dv.getUint32(16, true);
  if (HEADER + len > total - 4) throw new StateError('state file manifest length exceeds the file');
  let m: unknown;
  try { m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + len))); } catch (e) {
    throw new StateError(`state file manifest is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (isObj(m) && m.format !== format) {
    const other = typeof m.format === 'string' ? OTHER_FORMATS[m.format] : undefined;
    throw new StateError(other ? `this is ${other}, not ${what} state` : `state file format is ${JSON.stringify(m.format)}, expected ${format}`);
  }
  exactKeys(m, ['format', 'version', ...bodyKeys, 'entries', 'payloadBytes'], 'manifest');
  if (m.version !== version) throw new StateError(`unsupported ${what} state version ${valueText(m.version)} (this build reads version ${version})`);
  const start = align16(HEADER + len);
  if (!Number.isInteger(m.payloadBytes) || start + (m.payloadBytes as number) !== total - 4) {
    throw new StateError(`state file payload size ${valueText(m.payloadBytes)} does not match the file (${total - 4 - start} bytes)`);
  }
  for (let i = HEADER + len; i < start; i++) if (bytes[i] !== 0) throw new StateError('state file padding after the manifest is not zero');
  const payload = bytes.subarray(start, total - 4);
  exactKeys(m.entries, arrays, 'entries');
  const out: Record<string, Float64Array> = {};
  let off = 0;
  for (const name of arrays) {
    const e = (m.entries as Record<string, unknown>)[name];
    exactKeys(e, ['dtype', 'elements', 'offset', 'bytes'], `entry ${name}`);
    if (e.dtype !== 'f64' || !Number.isInteger(e.elements) || (e.elements as number) < 0 || e.bytes !== (e.elements as number) * 8
        || e.offset !== off || off + (e.bytes as number) > payload.length) {
      throw new StateError(`state file entry ${name} is malformed (dtype, size or offset)`);
    }
    const o = payload.byteOffset + off;
    out[name] = new Float64Array(payload.buffer.slice(o, o + (e.bytes as number)) as ArrayBuffer);
    const end = off + (e.bytes as number);
    off = align16(end);
    for (let i = end; i < Math.min(off, payload.length); i++) if (payload[i] !== 0) throw new StateError(`state file padding after entry ${name} is not zero`);
  }
  if (off !== m.payloadBytes) throw new StateError(`state file payload has ${(m.payloadBytes as number) - off} bytes beyond its entries`);
  return { manifest: m, arrays: out };
}
