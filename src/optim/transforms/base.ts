// The composable, optax-style layer: a GradientTransformation is a pair `init(params) -> state` and
// `update(updates, state, params?)`. Unlike optax (pure functions returning new trees) everything
// works in place on engine memory: `updates` is an f32 EngineBuffer with the ParamSet's layout (usually
// `params.grad`), each transformation rewrites it with one fused wasm pass per contiguous run, and
// its state holds engine buffers (same layout) plus scalars. `update` allocates nothing.
//
//   const tx = chain(scaleByAdam(), addDecayedWeights(1e-4), scaleByLearningRate(1e-3));
//   const st = tx.init(params);
//   tx.update(params.grad, st, params);   // grad -> update, in place
//   applyUpdates(params, params.grad);    // p += u
//
// A state serialises by tensor name (`st.stateDict()`, `st.loadStateDict(sd)`), like the optimizers'.
import type { Engine } from '../../engine/engine.js';
import type { EngineBuffer } from '../../engine/memory.js';
import { valueText, nameText, describe, DisposedError, HyperparameterError, LengthMismatchError, StateError } from '../../errors.js';
import { checkKnownKeys } from '../../options.js';
import { requireParamSet, type ParamSet, type TensorInfo } from '../../params.js';
import { OPTIM } from '../wasm.js';

/** The `format` field of a transformation state dict (`optax.TRANSFORM_STATE_FORMAT`). */
export const TRANSFORM_STATE_FORMAT = 'simdopt/transform';
export const TRANSFORM_STATE_VERSION = 1;

/** A contiguous element range [off, off + n) of the arena (off and n multiples of 4). */
export interface Run { off: number; n: number }

/** A number, or a schedule: a pure function of the transformation's count (0 on the first update). */
export type ScalarOrSchedule = number | ((count: number) => number);

/** Serialised state of one transformation (and of its inner transformations, in order). */
export interface TransformStateNode {
  kind: string;
  scalars: Record<string, number>;
  /** Per tensor name, per buffer name: a copy of that tensor's part of the buffer. */
  state: Record<string, Record<string, Float32Array>>;
  inner: TransformStateNode[];
}
/** A transformation state as plain data (what `TransformState.stateDict()` returns). */
export interface TransformStateDict {
  format: typeof TRANSFORM_STATE_FORMAT;
  version: number;
  tree: TransformStateNode;
}

/**
 * The state of one transformation: scalars (non-negative integer counters), f32 buffers with the ParamSet's layout, and the
 * states of inner transformations. `params` and `runs` (the ranges it covers: all tensors, or the
 * masked ones) are fixed at init and not serialised.
 */
export class TransformState {
  readonly kind: string;
  readonly params: ParamSet;
  readonly runs: readonly Run[];
  readonly scalars: Record<string, number>;
  readonly buffers: Record<string, EngineBuffer>;
  readonly inner: TransformState[];

  constructor(kind: string, params: ParamSet, runs: readonly Run[], scalars: Record<string, number> = {},
              bufferNames: readonly string[] = [], inner: TransformState[] = []) {
    requireParamSet(params);
    params.engine.requireGroup(OPTIM);
    this.kind = kind; this.params = params; this.runs = runs; this.scalars = scalars; this.inner = inner;
    this.buffers = {};
    try {
      for (const b of bufferNames) this.buffers[b] = params.engine.alloc(params.size);
    } catch (e) { this.free(); throw e; }
  }

  /** Tensors whose elements this state covers. */
  get tensors(): TensorInfo[] {
    this.checkLive();
    return this.params.tensors.filter((t) => this.runs.some((r) => t.offset >= r.off && t.offset < r.off + r.n));
  }

  private freedV = false;
  /** Whether free() was called. */
  get freed(): boolean { return this.freedV; }
  /** Throws DisposedError after free(), or once the ParamSet was freed or the engine disposed. */
  checkLive(): void {
    if (this.freedV) throw new DisposedError(`${this.kind} transformation state was freed (free() released it): make a new one with the transformation's init(params)`);
    this.params.checkLive();
  }

  /** The transformation state as plain data (copies of its arrays and scalars); `loadStateDict()` restores it. */
  stateDict(): TransformStateDict {
    this.checkLive();
    return { format: TRANSFORM_STATE_FORMAT, version: TRANSFORM_STATE_VERSION, tree: this.node() };
  }
  private node(): TransformStateNode {
    const state: TransformStateNode['state'] = {};
    for (const t of this.params.tensors) {
      const e: Record<string, Float32Array> = {};
      for (const [s, b] of Object.entries(this.buffers)) e[s] = b.array.slice(t.offset, t.offset + t.size);
      state[t.name] = e;
    }
    return { kind: this.kind, scalars: { ...this.scalars }, state, inner: this.inner.map((c) => c.node()) };
  }

  /** Load a state dict; the whole tree is checked before anything is written, so a bad dict changes nothing. */
  loadStateDict(sd: TransformStateDict): void {
    this.checkLive();
    if (!sd || typeof sd !== 'object' || sd.format !== TRANSFORM_STATE_FORMAT) throw new StateError('not a simdopt transform state dict');
    if (sd.version !== TRANSFORM_STATE_VERSION) throw new StateError(`unsupported transform state version ${valueText(sd.version)}`);
    this.check(sd.tree, 'tree');
    this.write(sd.tree);
  }
  private check(n: TransformStateNode, path: string): void {
    if (!n || typeof n !== 'object') throw new StateError(`${path} is missing`);
    if (n.kind !== this.kind) throw new StateError(`${path} is state of ${nameText(n.kind)}, this transformation is ${this.kind}`);
    const keys = Object.keys(this.scalars);
    for (const k of keys) {
      const v = n.scalars?.[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new StateError(`${path}.scalars.${k} must be a non-negative integer, got ${valueText(v)}`);
    }
    const extraScalars = Object.keys(n.scalars ?? {}).filter((k) => !keys.includes(k));
    if (extraScalars.length) throw new StateError(`${path} has unknown scalars: ${extraScalars.join(', ')}`);
    for (const t of this.params.tensors) {
      const e = n.state?.[t.name];
      if (!e) throw new StateError(`${path} has no entry for parameter ${t.name}`);
      for (const s of Object.keys(this.buffers)) {
        const a = e[s];
        if (!(a instanceof Float32Array)) throw new StateError(`${path}: state of ${t.name} has no Float32Array buffer ${s}`);
        if (a.length !== t.size) throw new StateError(`${path}: ${t.name}.${s} has ${a.length} elements, parameter has ${t.size}`);
      }
    }
    const extra = Object.keys(n.state ?? {}).filter((k) => !this.params.has(k));
    if (extra.length) throw new StateError(`${path} has unknown parameters: ${extra.join(', ')}`);
    if (!Array.isArray(n.inner) || n.inner.length !== this.inner.length) {
      throw new StateError(`${path} has ${Array.isArray(n.inner) ? n.inner.length : 'no'} inner states, expected ${this.inner.length}`);
    }
    this.inner.forEach((c, i) => c.check(n.inner[i]!, `${path}.inner[${i}]`));
  }
  private write(n: TransformStateNode): void {
    for (const k of Object.keys(this.scalars)) this.scalars[k] = n.scalars[k]!;
    for (const t of this.params.tensors) for (const [s, b] of Object.entries(this.buffers)) b.array.set(n.state[t.name]![s]!, t.offset);
    this.inner.forEach((c, i) => c.write(n.inner[i]!));
  }

  /** Release every engine buffer of this state and of its inner states; afterwards every method raises DisposedError. */
  free(): void {
    if (this.freedV) throw new DisposedError(`${this.kind} transformation state was already freed`);
    this.freedV = true;
    for (const b of Object.values(this.buffers)) if (!b.freed) b.free();
    for (const c of this.inner) if (!c.freedV) c.free();
  }
}

/**
 * An optax-style gradient transformation: `init(params)` makes its state, `update(state, updates)`
 * transforms the updates in place; compose them with `optax.chain`.
 */
export interface GradientTransformation {
  readonly kind: string;
  /** Create the state for `params` (covering `runs`, default: the whole arena). */
  init(params: ParamSet, runs?: readonly Run[]): TransformState;
  /**
   * Rewrite `updates` in place and advance `state`. `params` defaults to the ParamSet given to init.
   * Throws (LengthMismatchError, HyperparameterError) before anything is written.
   */
  update(updates: EngineBuffer, state: TransformState, params?: ParamSet): void;
  /**
   * Optional: every check `update` makes, without writing anything. chain() and the wrappers run the
   * checks of all members before the first one writes, so a failing update changes nothing.
   */
  check?(updates: EngineBuffer, state: TransformState, params?: ParamSet): void;
}

/** The whole arena as one run. */
export const allRuns = (params: ParamSet): Run[] => [{ off: 0, n: params.size }];

/** Runs of the tensors selected by `sel` within `within` (consecutive selected tensors merge, padding included). */
export function selectRuns(params: ParamSet, sel: (name: string) => boolean, within: readonly Run[]): Run[] {
  const runs: Run[] = [];
  const ts = params.tensors;
  ts.forEach((t, i) => {
    const end = i + 1 < ts.length ? ts[i + 1]!.offset : params.size;
    const inside = within.some((r) => t.offset >= r.off && t.offset < r.off + r.n);
    if (!inside || !sel(t.name)) return;
    const last = runs[runs.length - 1];
    if (last && last.off + last.n === t.offset) last.n = end - last.off; else runs.push({ off: t.offset, n: end - t.offset });
  });
  return runs;
}

/** Throws unless `updates` fits `state` (engine, dtype, length) and `params` has its layout. */
export function checkUpdates(updates: EngineBuffer, state: TransformState, params?: ParamSet): ParamSet {
  if (!(state instanceof TransformState)) throw new StateError(`state must be the TransformState returned by init(), got ${describe(state)}`);
  state.checkLive();
  const ps = params ?? state.params;
  state.params.engine.own(updates, 'updates', state.params.size);
  if (ps !== state.params && (ps.size !== state.params.size || ps.engine !== state.params.engine)) {
    throw new LengthMismatchError(`params has ${ps.size} elements, the state was created for ${state.params.size}`);
  }
  return ps;
}

/** Value of a number-or-schedule at `count`, validated by `check` (which throws HyperparameterError). */
export function valueAt(name: string, v: ScalarOrSchedule, count: number, check: (name: string, x: number) => void): number {
  const x = typeof v === 'function' ? v(count) : v;
  check(name, x);
  return x;
}

export function requireSchedulable(name: string, v: unknown, check: (name: string, x: number) => void): ScalarOrSchedule {
  if (typeof v === 'function') return v as (c: number) => number;
  check(name, v as number);
  return v as number;
}

/** Sum over runs (in order) of an engine reduction over each run of `buf` (squares, or non-finite count), in f64. */
export function reduceRuns(e: Engine, buf: EngineBuffer, runs: readonly Run[], kernel: 'dot_partials' | 'nonfinite_partials'): number {
  let s = 0;
  for (const r of runs) {
    const p = buf.ptr + r.off * 4;
    s += e.reduce(kernel, r.n, kernel === 'dot_partials' ? [p, p] : [p]);
  }
  return s;
}

/** Call `f(byteOffset, n)` for every run of `state` (one fused kernel call each). */
export function forRuns(state: TransformState, f: (o: number, n: number) => void): void {
  for (const r of state.runs) if (r.n > 0) f(r.off * 4, r.n);
}

/**
 * A factory's options object, checked: undefined -> {}, anything but a plain object -> HyperparameterError,
 * an option name not in `accepted` -> HyperparameterError with the nearest match.
 */
export function txOptions<T extends object>(fn: string, o: T | undefined, accepted: readonly string[]): T {
  if (o === undefined) return {} as T;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new HyperparameterError(`${fn} options must be an object, got ${describe(o)}`);
  checkKnownKeys(`${fn} option`, o, accepted);
  return o;
}

/** A generic base for the simple transformations (checks first, then `apply`). */
export function transformation(kind: string, o: {
  init: (params: ParamSet, runs: readonly Run[]) => TransformState;
  check?: (state: TransformState, params: ParamSet) => void;
  apply: (updates: EngineBuffer, state: TransformState, params: ParamSet) => void;
}): GradientTransformation {
  const check = (updates: EngineBuffer, state: TransformState, params?: ParamSet) => {
    const ps = checkUpdates(updates, state, params);
    if (state.kind !== kind) throw new StateError(`state is for ${state.kind}, this transformation is ${kind}`);
    o.check?.(state, ps);
    return ps;
  };
  return {
    kind,
    init: (params, runs) => o.init(requireParamSet(params), runs ?? allRuns(params)),
    check: (u, s, p) => { check(u, s, p); },
    update(updates, state, params) {
      const ps = check(updates, state, params);
      o.apply(updates, state, ps);
    },
  };
}

/** The identity transformation (no state). */
export function identity(): GradientTransformation {
  return transformation('identity', { init: (p, r) => new TransformState('identity', p, r), apply: () => {} });
}

/**
 * chain(t1, t2, ...): apply t1, then t2, ... to the same updates (optax.chain). Every check of every
 * member runs before the first one writes, so a bad update changes nothing.
 */
export function chain(...ts: GradientTransformation[]): GradientTransformation {
  ts.forEach((t, i) => {
    if (!t || typeof t.init !== 'function' || typeof t.update !== 'function') throw new HyperparameterError(`chain argument ${i} is not a GradientTransformation`);
  });
  const checkAll = (u: EngineBuffer, s: TransformState, p?: ParamSet) => {
    checkUpdates(u, s, p);
    if (s.kind !== 'chain' || s.inner.length !== ts.length) throw new StateError(`state is for ${s.kind}, this transformation is a chain of ${ts.length}`);
    ts.forEach((t, i) => t.check?.(u, s.inner[i]!, p));
  };
  return {
    kind: 'chain',
    init(params, runs) {
      const r = runs ?? allRuns(requireParamSet(params)), inner: TransformState[] = [];
      try { for (const t of ts) inner.push(t.init(params, r)); } catch (e) { inner.forEach((s) => s.free()); throw e; }
      return new TransformState('chain', params, r, {}, [], inner);
    },
    check: checkAll,
    update(u, s, p) {
      checkAll(u, s, p);
      ts.forEach((t, i) => t.update(u, s.inner[i]!, p));
    },
  };
}

/** p ← p + u over the whole arena (optax.apply_updates), one fused pass. */
export function applyUpdates(params: ParamSet, updates: EngineBuffer): void {
  const e = requireParamSet(params).engine;
  const u = e.own(updates, 'updates', params.size);
  e.run('tx_add_f32', params.size, [params.data.ptr, u]);
}
