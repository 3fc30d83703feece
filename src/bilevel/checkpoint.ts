// Resumable bilevel runs: the state a run ends with (x, y, the warm-started linear-solve memory — AID's
// v, SOBA's v, the first-order methods' z —, the outer optimizer's moments, the iteration and the run's
// counters) as a strict, versioned, checksummed state file in the engine's container
// (src/engine/state-container.ts, format 'simdopt/bilevel-run'). result.save() writes it;
// bilevel.solve(engine, { ...problem, resume: bytes }) continues from it bit for bit: a run stopped at
// iteration k (onIteration returning false, or outer.steps = k), saved and resumed with the same problem
// and options ends with the same bits as the run that was never stopped.
// Every run ends after evaluating the hypergradient of its last iteration k and before stepping x with it,
// so the state holds that hypergradient and the resumed run first makes the step of iteration k, then runs
// iterations k + 1 ... outer.steps.
// Refused with StateError: anything the container refuses (damage, truncation, another family's file), a
// state of another method or dimensions, options that differ from the saved ones (except outer.steps and
// outer.tol, which only bound the run's length), a built-in model whose fingerprint (kind, dimensions,
// settings, CRC-32 of its data) differs, callbacks where a model ran or the reverse, non-finite vectors,
// negative Adam second moments.
import type { Engine } from '../engine/engine.js';
import { readContainer, writeContainer, exactKeys } from '../engine/state-container.js';
import { HyperparameterError, StateError } from '../errors.js';
import { zeroCalls, type OracleCalls, type Oracles, type SecondOrderTier } from './oracles.js';
import { isFirstOrder, METHODS, type Method, type ResolvedOptions } from './options.js';

export const RUN_STATE_FORMAT = 'simdopt/bilevel-run';
export const RUN_STATE_VERSION = 1;

/** The scalars of a run, in their fixed order in the 'scalars' entry (f64, so NaN and every bit survive). */
export const SCALARS = ['iteration', 'innerMiss', 'linMiss', 'singular', 'hessianNorm', 'lambda', 'fdError', 'iterations'] as const;
export type Scalars = Record<(typeof SCALARS)[number], number>;

/** The vectors each loop keeps across iterations (besides x and y), by method. */
export function runVectors(method: Method): string[] {
  if (isFirstOrder(method)) return ['x', 'y', 'hypergradient', 'z', 'dY', 'm1', 'm2', 'n1', 'n2'];
  return ['x', 'y', 'hypergradient', 'v', 'm1', 'm2'];
}

/** What a run leaves for a resumed one (internal; result.save() writes it). */
export interface RunMemory {
  method: Method;
  dx: number;
  dy: number;
  vectors: Record<string, Float64Array>;
  scalars: Scalars;
  calls: OracleCalls;
  tiers: SecondOrderTier[];
  options: ResolvedOptions;
}

const CALLS = Object.keys(zeroCalls()) as (keyof OracleCalls)[]; // every counter the oracles keep
const TIERS = ['user', 'finite-difference', 'built-in'];
const BODY = ['method', 'dx', 'dy', 'problem', 'options', 'calls', 'tiers'] as const;

/** The options as compared on resume: non-finite numbers as text, outer.steps and outer.tol left out. */
export function optionsKey(o: ResolvedOptions): string {
  const outer = { ...o.outer } as Record<string, unknown>;
  delete outer.steps; delete outer.tol;
  const sorted = (r: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
  return JSON.stringify(sorted({ ...o, outer: sorted(outer) }), (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

const jsonOptions = (o: ResolvedOptions): unknown => JSON.parse(JSON.stringify(o, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));

/** The state file of a finished run; `problem` is the model's fingerprint or 'callbacks'. */
export function writeRun(engine: Engine, m: RunMemory, problem: string): Uint8Array {
  const arrays: Record<string, Float64Array> = {};
  for (const k of runVectors(m.method)) arrays[k] = m.vectors[k]!;
  arrays.scalars = Float64Array.from(SCALARS, (k) => m.scalars[k]);
  return writeContainer(engine, RUN_STATE_FORMAT, RUN_STATE_VERSION,
    { method: m.method, dx: m.dx, dy: m.dy, problem, options: jsonOptions(m.options), calls: { ...m.calls }, tiers: [...m.tiers] }, arrays);
}

/**
 * Parse a saved run and check it against the run about to resume it (method, dimensions, problem,
 * options); returns the memory the loops restore. Throws StateError on any mismatch or damage.
 */
export function readRun(engine: Engine, bytes: unknown, want: { method: Method; dx: number; dy: number; problem: string; options: ResolvedOptions }): RunMemory {
  // the entry list follows the method the file names (checked after the checksum: a mismatch is reported as one)
  const named = bytes instanceof Uint8Array ? peekMethod(bytes) : null;
  const vecs = runVectors(want.method);
  const parsed = readContainer(engine, bytes, RUN_STATE_FORMAT, RUN_STATE_VERSION, BODY, [...runVectors((named ?? want.method) as Method), 'scalars'], 'bilevel run');
  const { manifest: mf, arrays } = parsed;
  if (mf.method !== want.method) throw new StateError(`this bilevel run state is of method ${JSON.stringify(mf.method)}, not ${JSON.stringify(want.method)}`);
  if (mf.dx !== want.dx || mf.dy !== want.dy) throw new StateError(`this bilevel run state has dx = ${String(mf.dx)}, dy = ${String(mf.dy)}; the problem has dx = ${want.dx}, dy = ${want.dy}`);
  if (mf.problem !== want.problem) {
    throw new StateError(`this bilevel run state was saved for another problem (${JSON.stringify(mf.problem)}; this one is ${JSON.stringify(want.problem)}): resume it with the model or callbacks it ran with`);
  }
  const o = mf.options as ResolvedOptions;
  if (o === null || typeof o !== 'object' || Array.isArray(o) || o.outer === null || typeof o.outer !== 'object') throw new StateError('state file options must be an object with outer options');
  const restored = JSON.parse(JSON.stringify(o), (_k, v) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as ResolvedOptions;
  const a = optionsKey(restored), b = optionsKey(want.options);
  if (a !== b) {
    const ra = JSON.parse(a) as Record<string, unknown>, rb = JSON.parse(b) as Record<string, unknown>;
    const diff = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].filter((k) => JSON.stringify(ra[k]) !== JSON.stringify(rb[k]));
    throw new StateError(`the run's options differ from the saved run's (${diff.map((k) => `${k}: saved ${JSON.stringify(ra[k])}, now ${JSON.stringify(rb[k])}`).join('; ')}); ` +
      'a resumed run must use the same options (only outer.steps and outer.tol may change)');
  }
  exactKeys(mf.calls, CALLS, 'calls');
  const calls = mf.calls as unknown as OracleCalls;
  for (const k of CALLS) if (!Number.isSafeInteger(calls[k]) || calls[k] < 0) throw new StateError(`state file calls.${k} is not a non-negative integer`);
  if (!Array.isArray(mf.tiers) || mf.tiers.some((t) => !TIERS.includes(t as string))) throw new StateError('state file tiers must be a list of second-order tiers');
  const sc = arrays.scalars!;
  if (sc.length !== SCALARS.length) throw new StateError(`state file scalars has ${sc.length} values, expected ${SCALARS.length}`);
  const scalars = Object.fromEntries(SCALARS.map((k, i) => [k, sc[i]!])) as Scalars;
  for (const k of ['iteration', 'innerMiss', 'linMiss', 'iterations'] as const) {
    if (!Number.isSafeInteger(scalars[k]) || scalars[k] < 0) throw new StateError(`state file ${k} is ${scalars[k]}, not a non-negative integer`);
  }
  if (scalars.singular !== 0 && scalars.singular !== 1) throw new StateError(`state file singular flag is ${scalars.singular}, not 0 or 1`);
  if (!(scalars.fdError >= 0)) throw new StateError(`state file fdError is ${scalars.fdError}, not a non-negative number`);
  if (!(Number.isNaN(scalars.hessianNorm) || scalars.hessianNorm > 0) || !Number.isFinite(scalars.lambda)) throw new StateError('state file hessianNorm/lambda are out of range');
  const vectors: Record<string, Float64Array> = {};
  for (const k of vecs) {
    const arr = arrays[k]!, n = k === 'x' || k === 'hypergradient' || k === 'm1' || k === 'm2' ? want.dx : want.dy;
    if (arr.length !== n) throw new StateError(`state file vector ${k} has ${arr.length} values, expected ${n}`);
    const bad = arr.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new StateError(`state file vector ${k}[${bad}] is ${arr[bad]}, not finite`);
    vectors[k] = arr;
  }
  for (const k of ['m2', 'n2']) if (vectors[k]?.some((x) => x < 0)) throw new StateError(`state file Adam second moment ${k} has a negative entry`);
  return { method: want.method, dx: want.dx, dy: want.dy, vectors, scalars, calls: { ...calls }, tiers: mf.tiers as SecondOrderTier[], options: want.options };
}

/** The method named in a container's manifest when it is one of METHODS, else null (the container's own checks then speak). */
function peekMethod(bytes: Uint8Array): string | null {
  try {
    const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(16, true);
    const m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(32, 32 + len))) as Record<string, unknown>;
    return typeof m.method === 'string' && (METHODS as readonly string[]).includes(m.method) ? m.method : null;
  } catch { return null; }
}

/** The step counter a resumed loop starts from, after restoring `m` (shared by the loops). */
export function resumeStart(m: RunMemory | null, o: Oracles, steps: number): number {
  if (!m) return 0;
  if (steps <= m.scalars.iteration) {
    throw new HyperparameterError(`outer.steps = ${steps} leaves nothing to resume: the saved run ended at iteration ${m.scalars.iteration} (raise outer.steps)`);
  }
  Object.assign(o.calls, m.calls);
  for (const t of m.tiers) o.tiers.add(t);
  o.fdError = m.scalars.fdError;
  return m.scalars.iteration + 1;
}
