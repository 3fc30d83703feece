// simdopt/tfjs: any gradient-only simdopt optimizer as a TensorFlow.js optimizer, for
// `model.compile({ optimizer: simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-3 }) })` and model.fit.
//
// A subclass of tfjs's own Optimizer (minimize(), computeGradients() and instanceof come from tfjs);
// applyGradients() mirrors the model's variables in one simdopt ParamSet, created on the first call
// from the variables it is given (names and shapes; param groups select them by tfjs variable name,
// e.g. /bias/). Per step:
//   in:     each gradient tensor is read and copied into its slice of the ParamSet's gradient buffer
//           (transfer: 'perVariable', the default on CPU-side backends), or the gradients are
//           concatenated on the tfjs backend and read back once (transfer: 'flat', the default on
//           webgl/webgpu, where each read is a GPU sync);
//   update: one simdopt step(): the fused wasm kernels over the whole arena;
//   out:    each variable is assigned a tensor made from its slice of the arena (tfjs variables are
//           separate tensors: one copy each is the floor).
// Parameter values are read from a variable only when simdopt has not written its current value
// (first step, or after model.setWeights / a load / a user assign): the ParamSet is the source of truth
// between steps, so a step costs no read of the weights.
//
// tfjs (@tensorflow/tfjs-core) is a peer dependency of this entry only; the core never imports it.
import * as tf from '@tensorflow/tfjs-core';
import {
  ParamSet, Optimizer, InvalidArgumentError, HyperparameterError, DisposedError, StateError, UnsupportedError,
  saveState, loadState, readStateManifest, type Engine, type StateDict,
} from 'simdopt';
import { describe, suggest } from '../errors.js';
import { OPTIMIZERS, type SimdoptTfjsOptimizerName, type OptimizerOptionsOf } from './names.js';

export { OPTIMIZERS as SIMDOPT_TFJS_OPTIMIZERS, type SimdoptTfjsOptimizerName, type OptimizerOptionsOf };

/** A simdopt optimizer built by the caller over the adapter's ParamSet (for wrappers or subclasses). */
export type OptimizerFactory = (params: ParamSet) => Optimizer<any, any>;

/** Options of the adapter itself (beside the optimizer's own). */
export interface SimdoptTfjsAdapterOptions {
  /**
   * How gradients reach the engine. 'perVariable' reads each gradient tensor and copies it into its
   * slice of the ParamSet's gradient buffer (on the cpu and wasm backends a read is the backend's own
   * array, so this is one copy per element). 'flat' first concatenates the gradients on the tfjs
   * backend and reads the result once: one more pass over the gradients, but one readback instead of
   * one per variable, which is what a GPU backend (webgl, webgpu: each read waits for the GPU) wants.
   * Default 'auto': 'flat' on the webgl and webgpu backends, 'perVariable' on every other backend
   * (measured on cpu and wasm: bench/tfjs.mjs, README "Fine-tuning with TensorFlow.js"; the GPU
   * choice is by the readback count, not measured here).
   */
  transfer?: 'auto' | 'flat' | 'perVariable';
}

/**
 * Options of `simdoptTfjs`: `optimizer` names a simdopt optimizer (its `kind`: 'adamw', 'lion',
 * 'schedule_free_adamw', 'adafactor', ...), and every other key is that optimizer's own constructor
 * option (lr, betas, weightDecay, groups selecting tfjs variable names, schedules, nonFinite, ...),
 * checked when simdoptTfjs() is called. Or `optimizer` is a factory `(params) => new X(params, ...)`.
 */
export type SimdoptTfjsOptions =
  | { [K in SimdoptTfjsOptimizerName]: { optimizer: K } & OptimizerOptionsOf<K> & SimdoptTfjsAdapterOptions }[SimdoptTfjsOptimizerName]
  | ({ optimizer: OptimizerFactory } & SimdoptTfjsAdapterOptions);

/** Time spent per phase over all steps so far, in milliseconds (performance.now()). */
export interface SimdoptTfjsTimings {
  steps: number;
  /** Gradients from the tfjs backend into the ParamSet (and any parameter refresh from the variables). */
  transferIn: number;
  /** simdopt's step(): the wasm update. */
  update: number;
  /** Updated parameters back into the tfjs variables. */
  transferOut: number;
}

/** tfjs's { name, tensor } pair (tensor_types NamedTensor, not exported by tfjs-core's index). */
export interface NamedTensor { name: string; tensor: tf.Tensor }

const STATE_WEIGHT = 'simdopt/state';
/** Backends whose every tensor read waits for a GPU: there one concatenated read beats one per variable. */
const GPU_BACKENDS = new Set(['webgl', 'webgpu']);
/** Backends that copy a new tensor's values when it is made (tfjs-backend-wasm: into its heap, in backend.write). */
const COPYING_BACKENDS = new Set(['wasm']);
const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const shapeOf = (s: readonly number[]): string => `[${s.join(', ')}]`;
const toBase64 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (s: string): Uint8Array => { const t = atob(s); const b = new Uint8Array(t.length); for (let i = 0; i < t.length; i++) b[i] = t.charCodeAt(i); return b; };

/** A JSON-safe copy of the options for getConfig(): schedules become their current value, RegExps { regexp, flags }. */
function configOf(v: unknown, at: (f: (s: number) => number) => number, schedules: string[], path: string): unknown {
  if (typeof v === 'function') { schedules.push(path); return at(v as (s: number) => number); }
  if (v instanceof RegExp) return { regexp: v.source, flags: v.flags };
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, (x, i) => configOf(x, at, schedules, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, configOf(x, at, schedules, path ? `${path}.${k}` : k)]));
  return v;
}
function optionsFromConfig(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(optionsFromConfig);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.regexp === 'string' && Object.keys(o).every((k) => k === 'regexp' || k === 'flags')) return new RegExp(o.regexp, (o.flags as string) ?? '');
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, optionsFromConfig(x)]));
  }
  return v;
}

/**
 * Load a state file saved by getWeights() into `opt`, matching tensors by position (and shape): tfjs
 * names a reloaded model's variables anew (e.g. dense_Dense1/kernel_1 beside a live dense_Dense1/kernel),
 * so names are matched only when they are the same. Every check runs before anything is written.
 */
function loadByPosition(engine: Engine, opt: Optimizer<any, any>, bytes: Uint8Array): void {
  const { manifest } = readStateManifest(engine, bytes);
  const saved = Array.isArray(manifest.tensors) ? manifest.tensors.map((t) => t?.name) : [];
  const ps = opt.params, here = ps.tensors.map((t) => t.name);
  if (saved.join('\u0000') === here.join('\u0000') || saved.some((n) => typeof n !== 'string') || new Set(saved).size !== saved.length) {
    loadState(opt, bytes, { params: false });
    return;
  }
  if (saved.length !== here.length) throw new StateError(`the saved optimizer state is for ${saved.length} variables, this model has ${here.length}`);
  const fwd = new Map(saved.map((n, i) => [n, here[i]!])), back = new Map(here.map((n, i) => [n, saved[i]!]));
  const rename = (sd: StateDict, m: Map<string, string>): StateDict => {
    const names = (o: object) => Object.keys(o).length === m.size && Object.keys(o).every((k) => m.has(k));
    const keyed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [m.get(k)!, v]));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(sd)) {
      if (k === 'groups' && Array.isArray(v)) out[k] = v.map((g) => ({ ...g, params: Array.isArray(g?.params) ? g.params.map((n: string) => m.get(n) ?? n) : g?.params }));
      else out[k] = v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !Array.isArray(v) && names(v) ? keyed(v as Record<string, unknown>) : v;
    }
    return out as unknown as StateDict;
  };
  const tmp = new ParamSet(engine, Object.fromEntries(ps.tensors.map((t, i) => [saved[i]!, t.shape])));
  try {
    loadState({ params: tmp, kind: opt.kind, stateDict: () => rename(opt.stateDict(), back), loadStateDict: (sd: StateDict) => opt.loadStateDict(rename(sd, fwd)) } as never,
      bytes, { params: false });
  } finally { tmp.free(); }
}

let deserializeEngine: Engine | null = null;

/**
 * A simdopt optimizer behind tfjs's Optimizer interface. Create it with `simdoptTfjs(engine, options)`.
 * After dispose() (or the engine's dispose) every method raises DisposedError.
 */
export class SimdoptTfjsOptimizer extends tf.Optimizer {
  /** tfjs serialization name (registered with tf.serialization.registerClass). */
  static className = 'SimdoptOptimizer';
  readonly engine: Engine;
  /** The optimizer's name, or 'custom' for a factory. */
  readonly optimizerName: string;
  private readonly make: OptimizerFactory;
  private readonly options: Record<string, unknown>;
  private readonly transfer: 'auto' | 'flat' | 'perVariable';
  private ps: ParamSet | null = null;
  private opt: Optimizer<any, any> | null = null;
  /** Per tensor of the ParamSet: its variable's name, shape, and the dataId simdopt last assigned. */
  private vars: { name: string; shape: number[]; dataId: object | null; frozen: boolean }[] = [];
  private pending: Uint8Array | null = null;
  private disposed = false;
  private readonly t: SimdoptTfjsTimings = { steps: 0, transferIn: 0, update: 0, transferOut: 0 };

  /** @internal use simdoptTfjs() */
  constructor(engine: Engine, options: SimdoptTfjsOptions) {
    super();
    if (engine === null || typeof engine !== 'object' || typeof (engine as Engine).alloc !== 'function') {
      throw new InvalidArgumentError(`simdoptTfjs: the first argument must be an Engine from init(), got ${describe(engine)}`);
    }
    engine.checkLive();
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new InvalidArgumentError(`simdoptTfjs: options must be an object such as { optimizer: 'adamw', lr: 1e-3 }, got ${describe(options)}`);
    }
    const { optimizer, transfer = 'auto', ...rest } = options as unknown as Record<string, unknown>;
    if (transfer !== 'auto' && transfer !== 'flat' && transfer !== 'perVariable') throw new HyperparameterError(`simdoptTfjs: transfer must be 'auto', 'flat' or 'perVariable', got ${describe(transfer)}`);
    this.engine = engine;
    this.transfer = transfer;
    this.options = rest;
    if (typeof optimizer === 'function') {
      if (Object.keys(rest).length) throw new HyperparameterError(`simdoptTfjs: with an optimizer factory, pass the optimizer's options to its constructor inside the factory, not here (got ${Object.keys(rest).join(', ')})`);
      this.optimizerName = 'custom';
      this.make = optimizer as OptimizerFactory;
      return;
    }
    const names = Object.keys(OPTIMIZERS);
    if (typeof optimizer !== 'string' || !Object.prototype.hasOwnProperty.call(OPTIMIZERS, optimizer)) {
      const hint = typeof optimizer === 'string' ? suggest(optimizer, names) : `; accepted: ${names.join(', ')}`;
      throw new HyperparameterError(`simdoptTfjs: optimizer must be a simdopt optimizer's name or a factory (params) => Optimizer, got ${describe(optimizer)}${hint}`
        + (optimizer === undefined ? " (e.g. simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-3 }))" : ''));
    }
    const Ctor = OPTIMIZERS[optimizer as SimdoptTfjsOptimizerName] as unknown as new (p: ParamSet, o: unknown) => Optimizer<any, any>;
    this.optimizerName = optimizer;
    this.make = (p) => new Ctor(p, rest);
    // Check the options now (unknown names, ranges, schedules at step 0) on a one-element stand-in,
    // so a typo fails at compile() time, not at the first batch.
    const probe = new ParamSet(engine, { probe: 1 });
    try { this.make(probe).free(); } finally { probe.free(); }
  }

  /** Throws DisposedError after dispose() or once the engine was disposed. */
  private live(): void {
    if (this.disposed) throw new DisposedError('simdopt tfjs optimizer was disposed: create a new one with simdoptTfjs()');
    this.engine.checkLive();
  }

  /** The simdopt optimizer (null before the first applyGradients, which creates it). */
  get simdopt(): Optimizer<any, any> | null { this.live(); return this.opt; }
  /** The ParamSet mirroring the variables (null before the first applyGradients). */
  get params(): ParamSet | null { this.live(); return this.ps; }
  /** Milliseconds spent per phase, summed over every step so far. */
  get timings(): Readonly<SimdoptTfjsTimings> { this.live(); return { ...this.t }; }

  /** Apply one step of the simdopt optimizer to the variables named by `variableGradients`. */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    this.live();
    const list = this.gradientList(variableGradients);
    const registered = tf.engine().registeredVariables;
    const vars = list.map(([name, g]) => {
      const v = registered[name];
      if (!v) throw new InvalidArgumentError(`applyGradients: no tfjs variable named ${JSON.stringify(name)} (gradients are keyed by variable name)`);
      if (!(g instanceof tf.Tensor) || g.isDisposed) throw new InvalidArgumentError(`applyGradients: gradient of ${name} must be a live tf.Tensor, got ${describe(g)}`);
      if (g.dtype !== 'float32' || v.dtype !== 'float32') throw new InvalidArgumentError(`applyGradients: ${name} must be float32 (variable ${v.dtype}, gradient ${g.dtype})`);
      if (!sameShape(g.shape, v.shape)) throw new InvalidArgumentError(`applyGradients: gradient of ${name} has shape ${shapeOf(g.shape)}, the variable ${shapeOf(v.shape)}`);
      return v;
    });
    let t0 = now();
    if (!this.ps) this.create(list.map(([n]) => n), vars);
    else this.checkSame(list.map(([n]) => n), vars);
    const ps = this.ps!, opt = this.opt!;
    // Parameters a step of ours did not write (first step, model.setWeights, loads) are read again.
    this.vars.forEach((m, i) => {
      const v = vars[i]!;
      if (v.dataId !== m.dataId) { ps.data.array.set(v.dataSync() as Float32Array, ps.tensors[i]!.offset); m.dataId = v.dataId; }
    });
    this.gather(list.map(([, g]) => g));
    let t1 = now();
    this.t.transferIn += t1 - t0;
    opt.step();
    t0 = now();
    this.t.update += t0 - t1;
    // The wasm backend copies a new tensor's values into its own heap at once, so it is given a view of
    // the arena; the cpu backend keeps the array it is given and webgl uploads it later, so every
    // other backend gets its own copy.
    const view = COPYING_BACKENDS.has(tf.getBackend());
    tf.tidy(() => {
      ps.tensors.forEach((info, i) => {
        const m = this.vars[i]!;
        if (m.frozen) return;
        const v = vars[i]!;
        const a = ps.data.array;
        v.assign(tf.tensor(view ? a.subarray(info.offset, info.offset + info.size) : a.slice(info.offset, info.offset + info.size), m.shape, 'float32'));
        m.dataId = v.dataId;
      });
    });
    t1 = now();
    this.t.transferOut += t1 - t0;
    this.t.steps++;
    this.incrementIterations();
  }

  private gradientList(g: tf.NamedTensorMap | NamedTensor[]): [string, tf.Tensor][] {
    let list: [string, tf.Tensor][];
    if (Array.isArray(g)) {
      list = g.map((e, i) => {
        if (e === null || typeof e !== 'object' || typeof e.name !== 'string') throw new InvalidArgumentError(`applyGradients: entry ${i} must be { name, tensor }, got ${describe(e)}`);
        return [e.name, e.tensor];
      });
    } else if (g !== null && typeof g === 'object') list = Object.entries(g);
    else throw new InvalidArgumentError(`applyGradients: expected a map of variable name -> gradient tensor or a list of { name, tensor }, got ${describe(g)}`);
    if (list.length === 0) throw new InvalidArgumentError('applyGradients: no gradients given');
    const seen = new Set<string>();
    for (const [n] of list) { if (seen.has(n)) throw new InvalidArgumentError(`applyGradients: variable ${n} appears twice`); seen.add(n); }
    return list;
  }

  private create(names: string[], vars: tf.Variable[]): void {
    const spec: Record<string, number[]> = {};
    names.forEach((n, i) => { spec[n] = [...vars[i]!.shape]; });
    // A scalar variable (shape []) is one element.
    for (const k of Object.keys(spec)) if (spec[k]!.length === 0) spec[k] = [1];
    const ps = new ParamSet(this.engine, spec);
    let opt: Optimizer<any, any>;
    try {
      opt = this.make(ps);
      if (!(opt instanceof Optimizer) || opt.params !== ps) {
        throw new InvalidArgumentError(`simdoptTfjs: the optimizer factory must return a simdopt optimizer built on the ParamSet it is given, got ${describe(opt)}`);
      }
      if (this.pending) loadByPosition(this.engine, opt, this.pending);
    } catch (e) { ps.free(); throw e; }
    const frozen = new Set(opt.groups.filter((g) => g.frozen).flatMap((g) => g.params));
    this.ps = ps; this.opt = opt; this.pending = null;
    this.vars = names.map((name, i) => ({ name, shape: [...vars[i]!.shape], dataId: null, frozen: frozen.has(name) }));
  }

  private checkSame(names: string[], vars: tf.Variable[]): void {
    const m = this.vars;
    if (names.length !== m.length || names.some((n, i) => n !== m[i]!.name)) {
      const had = new Set(m.map((x) => x.name));
      const extra = names.filter((n) => !had.has(n)), missing = m.filter((x) => !names.includes(x.name)).map((x) => x.name);
      throw new InvalidArgumentError(`applyGradients: this optimizer was set up for ${m.length} variables [${m.map((x) => x.name).join(', ')}] in that order;`
        + ` got ${names.length}${extra.length ? `, new: ${extra.join(', ')}` : ''}${missing.length ? `, missing: ${missing.join(', ')}` : ''}${!extra.length && !missing.length ? ' in another order' : ''}.`
        + ' Create a new simdoptTfjs optimizer for a different set of variables');
    }
    vars.forEach((v, i) => {
      if (!sameShape(v.shape, m[i]!.shape)) {
        throw new InvalidArgumentError(`applyGradients: variable ${m[i]!.name} changed shape from ${shapeOf(m[i]!.shape)} to ${shapeOf(v.shape)}; its optimizer state is for the old shape (create a new simdoptTfjs optimizer)`);
      }
    });
  }

  /** The gradient path this step takes: `transfer`, with 'auto' resolved by the current tfjs backend. */
  get transferMode(): 'flat' | 'perVariable' {
    this.live();
    if (this.transfer !== 'auto') return this.transfer;
    return GPU_BACKENDS.has(tf.getBackend()) ? 'flat' : 'perVariable';
  }

  /** Gradients into ps.grad: one backend concat and one read ('flat'), or one read per tensor. */
  private gather(grads: tf.Tensor[]): void {
    const ps = this.ps!, g = ps.grad.array, ts = ps.tensors;
    if (this.transferMode === 'perVariable' || grads.length === 1) {
      grads.forEach((x, i) => g.set(x.dataSync() as Float32Array, ts[i]!.offset));
      return;
    }
    const flat = tf.tidy(() => tf.concat(grads.map((x) => tf.reshape(x, [-1])))).dataSync() as Float32Array;
    // Contiguous unless a tensor's size is not a multiple of 4 (the arena aligns each tensor to 16 bytes).
    if (flat.length === ps.size) { g.set(flat); return; }
    let src = 0;
    for (const t of ts) { g.set(flat.subarray(src, src + t.size), t.offset); src += t.size; }
  }

  /** tfjs's optimizer weights: [iterations, simdopt's state file (base64 in a string tensor)]. */
  override async getWeights(): Promise<NamedTensor[]> {
    this.live();
    const out = [await this.saveIterations()];
    if (this.opt) out.push({ name: STATE_WEIGHT, tensor: tf.tensor(toBase64(saveState(this.opt)), [], 'string') });
    else if (this.pending) out.push({ name: STATE_WEIGHT, tensor: tf.tensor(toBase64(this.pending), [], 'string') });
    return out;
  }

  /** Restore weights from getWeights() (e.g. by tf.loadLayersModel): checked in full before anything changes. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    this.live();
    if (!Array.isArray(weightValues) || weightValues.length === 0 || weightValues.some((w) => !w || typeof w !== 'object' || !(w.tensor instanceof tf.Tensor))) {
      throw new StateError(`setWeights: expected the list getWeights() returns ([iterations, ${STATE_WEIGHT}]), got ${describe(weightValues)}`);
    }
    const entry = weightValues.slice(1).find((w) => w.name === STATE_WEIGHT);
    if (weightValues.length > 1 && !entry) {
      throw new StateError(`setWeights: no ${STATE_WEIGHT} entry (these weights are not from a simdopt optimizer: ${weightValues.map((w) => w.name).join(', ')})`);
    }
    let bytes: Uint8Array | null = null;
    if (entry) {
      const s: unknown = entry.tensor.dtype === 'string' ? (await entry.tensor.data())[0] : undefined;
      if (typeof s !== 'string' && !(s instanceof Uint8Array)) throw new StateError(`setWeights: ${STATE_WEIGHT} must be a string tensor`);
      try { bytes = fromBase64(typeof s === 'string' ? s : new TextDecoder().decode(s as Uint8Array)); } catch { throw new StateError(`setWeights: ${STATE_WEIGHT} is not base64`); }
    }
    const iter = weightValues[0]!.tensor;
    if (iter.size !== 1 || iter.dtype === 'string') throw new StateError(`setWeights: the first entry must be the iteration count, got a ${iter.dtype} tensor of shape ${shapeOf(iter.shape)}`);
    if (bytes && this.opt) loadByPosition(this.engine, this.opt, bytes);
    else if (bytes) { readStateManifest(this.engine, bytes); this.pending = bytes; } // checked now, loaded at the first step
    await this.extractIterations(weightValues);
  }

  /**
   * A JSON-safe description (model.save() stores it): the optimizer's name and options. Schedules
   * (functions) cannot be stored: they are replaced by their value at the current step and listed
   * under `schedules`; a factory-made optimizer stores only its name ('custom').
   */
  override getConfig(): tf.serialization.ConfigDict {
    this.live();
    const step = this.opt ? this.opt.stepCount : 0, schedules: string[] = [];
    const options = configOf(this.options, (f) => f(step), schedules, '') as tf.serialization.ConfigDict;
    return { optimizer: this.optimizerName, options, transfer: this.transfer, schedules };
  }

  /** Rebuild from getConfig() (tf.loadLayersModel): needs the engine given to registerEngineForLoading(). */
  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    if (!deserializeEngine || deserializeEngine.isDisposed) {
      throw new StateError('a saved simdopt optimizer needs an engine to be rebuilt: call registerEngineForLoading(engine) from simdopt/tfjs before tf.loadLayersModel');
    }
    const { optimizer, options, transfer } = config as { optimizer: unknown; options: unknown; transfer?: unknown };
    if (optimizer === 'custom') throw new UnsupportedError('a saved simdopt optimizer made by a factory cannot be rebuilt from its config: compile the loaded model with simdoptTfjs(engine, { optimizer: factory }) again');
    const o = { ...(optionsFromConfig(options ?? {}) as object), optimizer, ...(transfer === undefined ? {} : { transfer }) } as SimdoptTfjsOptions;
    return new SimdoptTfjsOptimizer(deserializeEngine, o) as unknown as T;
  }

  /** Free the simdopt optimizer and its ParamSet (tfjs calls this when the model is disposed). Idempotent towards tfjs. */
  override dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.engine.isDisposed) {
      if (this.opt && !this.opt.freed) this.opt.free();
      if (this.ps && !this.ps.freed) this.ps.free();
    }
    this.opt = null; this.ps = null;
    super.dispose();
  }
  /** Whether dispose() was called. */
  get isDisposed(): boolean { return this.disposed; }
}
tf.serialization.registerClass(SimdoptTfjsOptimizer);

/**
 * A TensorFlow.js optimizer running simdopt optimizer `options.optimizer` in `engine`:
 * `model.compile({ optimizer: simdoptTfjs(engine, { optimizer: 'adamw', lr: 1e-3, weightDecay: 1e-2 }), loss })`.
 * Options are checked now (typed SimdoptErrors); the optimizer and its ParamSet are created at the
 * first applyGradients() from the variables it receives.
 */
export function simdoptTfjs(engine: Engine, options: SimdoptTfjsOptions): SimdoptTfjsOptimizer {
  return new SimdoptTfjsOptimizer(engine, options);
}

/** The engine `tf.loadLayersModel` uses to rebuild a saved simdopt optimizer (see SimdoptTfjsOptimizer.fromConfig). */
export function registerEngineForLoading(engine: Engine | null): void {
  if (engine !== null && (typeof engine !== 'object' || typeof (engine as Engine).alloc !== 'function')) {
    throw new InvalidArgumentError(`registerEngineForLoading: expected an Engine from init() or null, got ${describe(engine)}`);
  }
  deserializeEngine = engine;
}
