// The portable optimizer state file: one named, versioned, checksummed binary blob that any simdopt
// build in any runtime reads back bit for bit. Works with every Optimizer through stateDict() /
// loadStateDict(); state matched by tensor name, never by position.
//
// Layout (all integers little-endian):
//   [0, 8)    magic "SIMDOPT\x1a"
//   [8, 12)   u32 container version (STATE_FILE_VERSION)
//   [12, 16)  u32 reserved (0)
//   [16, 20)  u32 manifest byte length L
//   [20, 24)  u32 reserved (0)
//   [24, 32)  u64 total file length (including the checksum)
//   [32, 32+L) UTF-8 JSON manifest (see StateManifest)
//   zero padding to a multiple of 16, then the payload: each typed array at a 16-byte aligned offset
//   (offsets in the manifest are relative to the payload start), zero padding between arrays
//   last 4 bytes: u32 CRC-32 (zlib's) of every byte before it.
// Numbers in the manifest are plain JSON numbers (shortest round-trip form, so f64 values come back
// exactly); NaN, ±Infinity and -0 are written as {"$num": "NaN" | "Infinity" | "-Infinity" | "-0"};
// typed arrays outside the per-tensor state (e.g. in `scalars`) go to the payload as {"$blob": i}.
import { valueText, nameText, describe, InvalidArgumentError, requireObject, shapeText, StateError, suggest } from '../errors.js';
import { requireEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { checkHost, containerCrc32 as crc32 } from '../engine/state-container.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type StateDict } from './base.js';

/** What the state file needs: every Optimizer subclass, and LBFGS. */
export interface Stateful {
  readonly kind: string;
  readonly params: ParamSet;
  /** The state as plain data. */
  stateDict(): object;
  /** Restore a state from `stateDict()`; throws StateError, changing nothing, on a state that does not fit. */
  loadStateDict(sd: any): void;
}

/** The `format` field of an optimizer state file's manifest. */
export const STATE_FILE_FORMAT = 'simdopt/optimizer-state';
/** The version of the optimizer state file layout this build writes and reads. */
export const STATE_FILE_VERSION = 1;
const MAGIC = [0x53, 0x49, 0x4d, 0x44, 0x4f, 0x50, 0x54, 0x1a];
const HEADER = 32;

type Typed = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
type DTypeName = 'f32' | 'f64' | 'i32' | 'u32' | 'i16' | 'u16' | 'i8' | 'u8';
const CTORS: Record<DTypeName, { new (b: ArrayBuffer): Typed; BYTES_PER_ELEMENT: number }> = {
  f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array, i16: Int16Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array,
};
const dtypeOf = (a: unknown): DTypeName | null => {
  for (const [k, C] of Object.entries(CTORS)) if (a instanceof (C as unknown as typeof Float32Array)) return k as DTypeName;
  return null;
};

/** Where one typed array lies in the payload. */
export interface PayloadEntry { dtype: DTypeName; elements: number; offset: number; bytes: number }
/** One tensor of a state file's manifest: its name and shape. */
export interface TensorEntry {
  name: string;
  shape: number[];
  /** dtype of the parameter tensor. */
  dtype: 'f32';
  /** State slot names of this tensor, in order, and where each lies. */
  slots: string[];
  entries: (PayloadEntry & { slot: string })[];
  /** The parameter values, when saved with `{ params: true }`. */
  param?: PayloadEntry;
}
/** The JSON manifest of a state file. */
export interface StateManifest {
  format: typeof STATE_FILE_FORMAT;
  version: number;
  /** The state dict's own format and version (Optimizer.stateDict()). */
  stateFormat: string;
  stateVersion: number;
  optimizer: string;
  step: number;
  /** Every param group: member tensors, frozen flag, hyperparameters (group 0 = the default group). */
  groups: { params: string[]; frozen: boolean; hyper: Record<string, unknown> }[];
  /** Every other field of the state dict (e.g. `scalars`, `skipped`), carried as is. */
  fields: Record<string, unknown>;
  tensors: TensorEntry[];
  /** Typed arrays referenced as {"$blob": i} from `fields`. */
  blobs: PayloadEntry[];
  payloadBytes: number;
}

/** Options of `saveState`. */
export interface SaveStateOptions {
  /** Also store the parameter values (a full checkpoint; loadState restores them). Default false. */
  params?: boolean;
}
/** Options of `loadState`. */
export interface LoadStateOptions {
  /** Restore parameter values: true requires them in the file, false ignores them; default: when present. */
  params?: boolean;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;
const CORE = new Set(['format', 'version', 'optimizer', 'step', 'hyper', 'groups', 'state']);

/** Serialize `opt`'s full state (stateDict()) into the binary state file. */
/** Throws InvalidArgumentError unless `opt` has stateDict/loadStateDict and a ParamSet. */
function requireStateful(opt: unknown): Stateful {
  const o = opt as Partial<Stateful> | null;
  if (o === null || typeof o !== 'object' || typeof o.stateDict !== 'function' || typeof o.loadStateDict !== 'function' || !o.params) {
    throw new InvalidArgumentError(`expected an optimizer (or another object with stateDict(), loadStateDict() and params), got ${describe(opt)}`);
  }
  return o as Stateful;
}

/**
 * Serialize an optimizer's full state (its `stateDict()`, and the parameters with `{ params: true }`) into
 * a binary state file that `loadState` restores bit for bit, in any runtime.
 */
export function saveState(opt: Stateful, options: SaveStateOptions = {}): Uint8Array {
  checkHost();
  requireStateful(opt);
  if (options !== undefined) requireObject('saveState options', options);
  for (const k of Object.keys(options ?? {})) if (k !== 'params') throw new InvalidArgumentError(`unknown saveState option ${JSON.stringify(k)}${suggest(k, ['params'])}`);
  const sd = opt.stateDict() as StateDict;
  const arrays: Typed[] = [];
  let payload = 0;
  const place = (a: Typed): PayloadEntry => {
    const e = { dtype: dtypeOf(a)!, elements: a.length, offset: payload, bytes: a.byteLength };
    arrays.push(a);
    payload = align16(payload + a.byteLength);
    return e;
  };
  const blobs: PayloadEntry[] = [];
  const encode = (v: unknown): unknown => {
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $num: 'NaN' };
      if (v === Infinity) return { $num: 'Infinity' };
      if (v === -Infinity) return { $num: '-Infinity' };
      if (Object.is(v, -0)) return { $num: '-0' };
      return v;
    }
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (ArrayBuffer.isView(v)) {
      if (!dtypeOf(v)) throw new StateError('state holds a typed array of an unsupported type');
      blobs.push(place(v as Typed));
      return { $blob: blobs.length - 1 };
    }
    if (Array.isArray(v)) return v.map(encode);
    if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, encode(x)]));
    throw new StateError(`state holds a value that cannot be saved (${typeof v})`);
  };
  const ps = opt.params;
  const tensors: TensorEntry[] = ps.tensors.map((t) => {
    const st = sd.state[t.name] ?? {};
    const slots = Object.keys(st);
    const entries = slots.map((s) => {
      const a = st[s]!;
      if (!dtypeOf(a)) throw new StateError(`state ${t.name}.${s} is not a typed array`);
      return { slot: s, ...place(a) };
    });
    const e: TensorEntry = { name: t.name, shape: [...t.shape], dtype: 'f32', slots, entries };
    if (options.params) e.param = place(ps.param(t.name).slice());
    return e;
  });
  const groups = (sd.groups ?? [{ params: ps.tensors.map((t) => t.name), frozen: false, hyper: sd.hyper }])
    .map((g) => ({ params: [...g.params], frozen: g.frozen, hyper: encode(g.hyper) as Record<string, unknown> }));
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sd)) if (!CORE.has(k)) fields[k] = encode(v);
  const manifest: StateManifest = {
    format: STATE_FILE_FORMAT, version: STATE_FILE_VERSION, stateFormat: sd.format, stateVersion: sd.version,
    optimizer: sd.optimizer, step: sd.step, groups, fields, tensors, blobs, payloadBytes: payload,
  };
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const start = align16(HEADER + json.length), total = start + payload + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(8, STATE_FILE_VERSION, true);
  dv.setUint32(16, json.length, true);
  dv.setUint32(24, total % 2 ** 32, true);
  dv.setUint32(28, Math.floor(total / 2 ** 32), true);
  out.set(json, HEADER);
  let o = start;
  for (const a of arrays) { out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o); o = start + align16(o - start + a.byteLength); }
  dv.setUint32(total - 4, crc32(ps.engine, out.subarray(0, total - 4)), true);
  return out;
}

/** Parse and verify a state file's container (magic, version, length, checksum); returns the manifest. */
export function readStateManifest(engine: Engine, bytes: Uint8Array): { manifest: StateManifest; payload: Uint8Array } {
  checkHost();
  requireEngine(engine);
  if (!(bytes instanceof Uint8Array)) throw new StateError('state file must be a Uint8Array');
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new StateError(bytes.length < MAGIC.length ? `truncated state file (${bytes.length} bytes)` : 'not a simdopt state file (bad magic)');
  }
  if (bytes.length < HEADER + 4) throw new StateError(`truncated state file (${bytes.length} bytes, the header alone is ${HEADER})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== STATE_FILE_VERSION) throw new StateError(`unsupported state file version ${version} (this build reads version ${STATE_FILE_VERSION})`);
  const total = dv.getUint32(24, true) + dv.getUint32(28, true) * 2 ** 32;
  if (bytes.length < total) throw new StateError(`truncated state file (${bytes.length} of ${total} bytes)`);
  if (bytes.length > total) throw new StateError(`state file has ${bytes.length - total} trailing bytes after its declared ${total}`);
  const want = dv.getUint32(total - 4, true), got = crc32(engine, bytes.subarray(0, total - 4));
  if (want !== got) throw new StateError(`state file checksum mismatch (stored ${hex(want)}, computed ${hex(got)}): the file is corrupt`);
  const len = dv.getUint32(16, true);
  if (HEADER + len > total - 4) throw new StateError('state file manifest length exceeds the file');
  let manifest: StateManifest;
  try { manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + len))) as StateManifest; } catch (e) {
    throw new StateError(`state file manifest is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!manifest || typeof manifest !== 'object' || manifest.format !== STATE_FILE_FORMAT) throw new StateError(`state file manifest format is not ${STATE_FILE_FORMAT}`);
  const start = align16(HEADER + len);
  if (!Number.isInteger(manifest.payloadBytes) || start + manifest.payloadBytes !== total - 4) {
    throw new StateError(`state file payload size ${valueText(manifest.payloadBytes)} does not match the file (${total - 4 - start} bytes)`);
  }
  return { manifest, payload: bytes.subarray(start, total - 4) };
}
const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`;

/** A copy of one payload entry as its typed array (validated against the payload). */
function take(payload: Uint8Array, e: PayloadEntry | undefined, what: string): Typed {
  const C = e && typeof e === 'object' ? CTORS[e.dtype] : undefined;
  if (!C || !Number.isInteger(e!.elements) || e!.elements < 0 || e!.bytes !== e!.elements * C.BYTES_PER_ELEMENT
      || !Number.isInteger(e!.offset) || e!.offset < 0 || e!.offset % 16 !== 0 || e!.offset + e!.bytes > payload.length) {
    throw new StateError(`state file entry ${what} is malformed (dtype, size or offset)`);
  }
  const o = payload.byteOffset + e!.offset;
  return new C(payload.buffer.slice(o, o + e!.bytes) as ArrayBuffer);
}

function decode(v: unknown, payload: Uint8Array, blobs: PayloadEntry[]): unknown {
  if (Array.isArray(v)) return v.map((x) => decode(x, payload, blobs));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>, keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$num') {
      const s = o.$num, m: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 };
      if (typeof s !== 'string' || !(s in m)) throw new StateError(`state file has an invalid number ${JSON.stringify(s)}`);
      return m[s];
    }
    if (keys.length === 1 && keys[0] === '$blob') {
      const i = o.$blob;
      if (!Number.isInteger(i) || !Array.isArray(blobs) || !blobs[i as number]) throw new StateError(`state file references a missing blob ${valueText(i)}`);
      return take(payload, blobs[i as number], `blob ${String(i)}`);
    }
    return Object.fromEntries(keys.map((k) => [k, decode(o[k], payload, blobs)]));
  }
  return v;
}

/**
 * Load a state file written by saveState into `opt` (same optimizer kind, same tensor names and
 * shapes, same groups). Every check (container, checksum, manifest, tensors, then the optimizer's own
 * loadStateDict checks) runs before anything is written: on StateError nothing has changed.
 */
export function loadState(opt: Stateful, bytes: Uint8Array, options: LoadStateOptions = {}): void {
  requireStateful(opt);
  if (options !== undefined) requireObject('loadState options', options);
  for (const k of Object.keys(options ?? {})) if (k !== 'params') throw new InvalidArgumentError(`unknown loadState option ${JSON.stringify(k)}${suggest(k, ['params'])}`);
  const ps = opt.params;
  const { manifest: m, payload } = readStateManifest(ps.engine, bytes);
  if (m.optimizer !== opt.kind) throw new StateError(`state file holds ${nameText(m.optimizer)} state, this optimizer is ${opt.kind}`);
  if (!Array.isArray(m.tensors) || !Array.isArray(m.groups)) throw new StateError('state file manifest has no tensors or groups');
  const byName = new Map(m.tensors.map((t) => [t?.name, t]));
  const missing = ps.tensors.filter((t) => !byName.has(t.name)).map((t) => t.name);
  if (missing.length) throw new StateError(`state file has no tensor ${missing.join(', ')}`);
  const unknown = m.tensors.map((t) => t?.name).filter((n) => typeof n !== 'string' || !ps.has(n));
  if (unknown.length) throw new StateError(`state file has unknown tensor ${unknown.map(String).join(', ')}`);
  if (byName.size !== m.tensors.length) throw new StateError('state file lists a tensor twice');
  const state: StateDict['state'] = {};
  const params: [string, Float32Array][] = [];
  // Optimizer subclasses have a fixed slot set per tensor (LBFGS's grows with its history: its loadStateDict checks).
  const mine = opt instanceof Optimizer ? (opt.stateDict() as StateDict).state : null;
  for (const t of ps.tensors) {
    const e = byName.get(t.name)!;
    if (!Array.isArray(e.shape) || e.shape.join(',') !== t.shape.join(',')) {
      throw new StateError(`tensor ${t.name} has shape ${shapeText(e.shape)} in the state file, [${t.shape.join(', ')}] here`);
    }
    if (!Array.isArray(e.entries)) throw new StateError(`state file entry of ${t.name} has no slots`);
    const want = Object.keys(mine?.[t.name] ?? {}).sort().join(', '), have = e.entries.map((x) => (typeof x?.slot === 'string' ? x.slot : valueText(x?.slot))).sort().join(', ');
    if (mine && want !== have) throw new StateError(`state of ${t.name} has slots [${have}] in the state file, this optimizer has [${want}]`);
    const st: Record<string, Float32Array> = {};
    for (const x of e.entries) st[String(x?.slot)] = take(payload, x, `${t.name}.${String(x?.slot)}`) as Float32Array;
    state[t.name] = st;
    if (e.param && options.params !== false) {
      const p = take(payload, e.param, `${t.name} (parameter)`);
      if (!(p instanceof Float32Array) || p.length !== t.size) throw new StateError(`state file parameter ${t.name} must be ${t.size} f32 values`);
      params.push([t.name, p]);
    } else if (options.params === true) throw new StateError(`state file has no parameter values for ${t.name} (saved without { params: true })`);
  }
  const groups = m.groups.map((g, i) => {
    if (!g || typeof g !== 'object') throw new StateError(`state file group ${i} is malformed`);
    return { params: g.params, frozen: g.frozen, hyper: decode(g.hyper, payload, m.blobs) as Record<string, number | boolean> };
  });
  const fields = m.fields && typeof m.fields === 'object' ? decode(m.fields, payload, m.blobs) as Record<string, unknown> : {};
  const sd = {
    ...fields, format: m.stateFormat, version: m.stateVersion, optimizer: m.optimizer, step: m.step,
    hyper: groups[0]?.hyper ?? {}, groups, state,
  } as StateDict;
  opt.loadStateDict(sd);
  for (const [name, p] of params) ps.setParam(name, p);
}
