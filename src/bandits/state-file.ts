// The bandit state file: the optimizer state file's container conventions (src/optim/state-format.ts)
// with its own format name, so a policy's bytes are never mistaken for an optimizer's and vice versa.
//
// Layout (all integers little-endian):
//   [0, 8)    magic "SIMDOPT\x1a"
//   [8, 12)   u32 container version (BANDIT_STATE_VERSION)
//   [12, 16)  u32 reserved (0)
//   [16, 20)  u32 manifest byte length L
//   [20, 24)  u32 reserved (0)
//   [24, 32)  u64 total file length (including the checksum)
//   [32, 32+L) UTF-8 JSON manifest (BanditManifest: format, version, policy, policyVersion, options,
//              arms, active, copies, layout, window, entries, payloadBytes; exactly these keys)
//   zero padding to a multiple of 16, then the payload: each array at a 16-byte aligned offset
//   last 4 bytes: u32 CRC-32 (zlib's, computed by the core's crc32 kernel) of every byte before it.
import type { Engine } from '../engine/engine.js';
import { valueText, StateError } from '../errors.js';
import { checkHost, containerCrc32 as crc32 } from '../engine/state-container.js';

/** The `format` field of a bandit state file (`bandits.STATE_FORMAT`). */
export const BANDIT_STATE_FORMAT = 'simdopt/bandit-state';
/** The bandit state file layout this build writes and reads (`bandits.STATE_VERSION`). */
export const BANDIT_STATE_VERSION = 1;
const MAGIC = [0x53, 0x49, 0x4d, 0x44, 0x4f, 0x50, 0x54, 0x1a];
const HEADER = 32;
const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Where one array lies in the payload. */
export interface PayloadEntry { dtype: 'f64' | 'u8' | 'i32'; elements: number; offset: number; bytes: number }
/** The JSON manifest of a bandit state file. */
export interface BanditManifest {
  format: typeof BANDIT_STATE_FORMAT;
  version: number;
  /** Policy class (e.g. 'UCB1') and the version of its state layout. */
  policy: string;
  policyVersion: number;
  /** The policy's options as its constructor takes them (seed and dedupWindow included; not arms or warmStart). */
  options: Record<string, unknown>;
  arms: number;
  /** Per arm: false once removeArm() took it out. */
  active: boolean[];
  copies: number;
  /** The per-copy state layout: f64 header values, then each slot of `width` f64 per arm (Kp arms, K rounded up to even). */
  layout: { header: number; slots: { name: string; width: number }[] };
  /** The eventId window: capacity, ids held, next write position (a ring of (lo, hi) hash words). */
  window: { capacity: number; size: number; head: number };
  /** state: f64 (copies × stride); window: i32 (2 × capacity). */
  entries: { state: PayloadEntry; window: PayloadEntry };
  payloadBytes: number;
}

/** Write the container around `manifest` (entries and payloadBytes filled in here) and the arrays. */
export function writeStateFile(engine: Engine, manifest: Omit<BanditManifest, 'entries' | 'payloadBytes'>,
                               state: Float64Array, window: Int32Array): Uint8Array {
  checkHost();
  const sBytes = state.byteLength, wOff = align16(sBytes);
  const entries = {
    state: { dtype: 'f64' as const, elements: state.length, offset: 0, bytes: sBytes },
    window: { dtype: 'i32' as const, elements: window.length, offset: wOff, bytes: window.byteLength },
  };
  const payload = align16(wOff + window.byteLength);
  const full: BanditManifest = { ...manifest, entries, payloadBytes: payload };
  const json = new TextEncoder().encode(JSON.stringify(full));
  const start = align16(HEADER + json.length), total = start + payload + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(8, BANDIT_STATE_VERSION, true);
  dv.setUint32(16, json.length, true);
  dv.setUint32(24, total % 2 ** 32, true);
  dv.setUint32(28, Math.floor(total / 2 ** 32), true);
  out.set(json, HEADER);
  out.set(new Uint8Array(state.buffer, state.byteOffset, sBytes), start);
  out.set(new Uint8Array(window.buffer, window.byteOffset, window.byteLength), start + wOff);
  dv.setUint32(total - 4, crc32(engine, out.subarray(0, total - 4)), true);
  return out;
}

const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`;
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Throws StateError unless `o` is an object with exactly the keys `keys`. */
export function exactKeys(o: unknown, keys: readonly string[], what: string): asserts o is Record<string, unknown> {
  if (!isObj(o)) throw new StateError(`state file ${what} must be an object`);
  const have = Object.keys(o);
  const extra = have.filter((k) => !keys.includes(k)), missing = keys.filter((k) => !have.includes(k));
  if (extra.length) throw new StateError(`state file ${what} has unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  if (missing.length) throw new StateError(`state file ${what} lacks ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
}

/** Parse and verify the container (magic, version, length, checksum, manifest keys); the arrays are copies. */
export function readStateFile(engine: Engine, bytes: unknown): { manifest: BanditManifest; state: Float64Array; window: Int32Array } {
  checkHost();
  if (!(bytes instanceof Uint8Array)) throw new StateError('bandit state must be a Uint8Array (from policy.save())');
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new StateError(bytes.length < MAGIC.length ? `truncated state file (${bytes.length} bytes)` : 'not a simdopt state file (bad magic)');
  }
  if (bytes.length < HEADER + 4) throw new StateError(`truncated state file (${bytes.length} bytes, the header alone is ${HEADER})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== BANDIT_STATE_VERSION) throw new StateError(`unsupported bandit state version ${version} (this build reads version ${BANDIT_STATE_VERSION})`);
  if (dv.getUint32(12, true) !== 0 || dv.getUint32(20, true) !== 0) throw new StateError('state file reserved header words are not zero');
  const total = dv.getUint32(24, true) + dv.getUint32(28, true) * 2 ** 32;
  if (bytes.length < total) throw new StateError(`truncated state file (${bytes.length} of ${total} bytes)`);
  if (bytes.length > total) throw new StateError(`state file has ${bytes.length - total} trailing bytes after its declared ${total}`);
  const want = dv.getUint32(total - 4, true), got = crc32(engine, bytes.subarray(0, total - 4));
  if (want !== got) throw new StateError(`state file checksum mismatch (stored ${hex(want)}, computed ${hex(got)}): the file is corrupt`);
  const len = dv.getUint32(16, true);
  if (HEADER + len > total - 4) throw new StateError('state file manifest length exceeds the file');
  let m: unknown;
  try { m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + len))); } catch (e) {
    throw new StateError(`state file manifest is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (isObj(m) && m.format !== BANDIT_STATE_FORMAT) {
    throw new StateError(m.format === 'simdopt/optimizer-state' ? 'this is an optimizer state file (use loadState), not a bandit policy'
      : `state file format is ${JSON.stringify(m.format)}, expected ${BANDIT_STATE_FORMAT}`);
  }
  exactKeys(m, ['format', 'version', 'policy', 'policyVersion', 'options', 'arms', 'active', 'copies', 'layout', 'window', 'entries', 'payloadBytes'], 'manifest');
  if (m.version !== BANDIT_STATE_VERSION) throw new StateError(`state file manifest version ${valueText(m.version)} is not ${BANDIT_STATE_VERSION}`);
  const start = align16(HEADER + len);
  if (!Number.isInteger(m.payloadBytes) || start + (m.payloadBytes as number) !== total - 4) {
    throw new StateError(`state file payload size ${valueText(m.payloadBytes)} does not match the file (${total - 4 - start} bytes)`);
  }
  for (let i = HEADER + len; i < start; i++) if (bytes[i] !== 0) throw new StateError('state file padding after the manifest is not zero');
  const payload = bytes.subarray(start, total - 4);
  exactKeys(m.entries, ['state', 'window'], 'entries');
  const take = (e: unknown, dtype: 'f64' | 'i32', what: string): ArrayBuffer => {
    exactKeys(e, ['dtype', 'elements', 'offset', 'bytes'], `entry ${what}`);
    const size = dtype === 'f64' ? 8 : 4;
    if (e.dtype !== dtype || !Number.isInteger(e.elements) || (e.elements as number) < 0 || e.bytes !== (e.elements as number) * size
        || !Number.isInteger(e.offset) || (e.offset as number) < 0 || (e.offset as number) % 16 !== 0 || (e.offset as number) + (e.bytes as number) > payload.length) {
      throw new StateError(`state file entry ${what} is malformed (dtype, size or offset)`);
    }
    const o = payload.byteOffset + (e.offset as number);
    return payload.buffer.slice(o, o + (e.bytes as number)) as ArrayBuffer;
  };
  const state = new Float64Array(take(m.entries.state, 'f64', 'state'));
  const window = new Int32Array(take(m.entries.window, 'i32', 'window'));
  const se = m.entries.state as unknown as PayloadEntry, we = m.entries.window as unknown as PayloadEntry;
  if (se.offset !== 0 || we.offset !== align16(se.bytes) || m.payloadBytes !== align16(we.offset + we.bytes)) {
    throw new StateError('state file entries are not where this format puts them (state at 0, window after it)');
  }
  return { manifest: m as unknown as BanditManifest, state, window };
}
