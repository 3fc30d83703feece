// Torch-style wrappers with their own state slots and state dict: Lookahead around any Optimizer,
// EMA and SWA averages of a ParamSet's parameters.
import type { EngineBuffer } from '../../engine/memory.js';
import { valueText, checkRange, describe, DisposedError, HyperparameterError, StateError } from '../../errors.js';
import { Optimizer, optionsOf, requireBool, type StateDict } from '../base.js';
import { requireParamSet, type ParamSet } from '../../params.js';
import { OPTIM } from '../wasm.js';

export const WRAPPER_STATE_VERSION = 1;

/** The state of an optimizer wrapper (Lookahead, EMA, SWA) as plain data. */
export interface WrapperStateDict {
  format: string;
  version: number;
  scalars: Record<string, number>;
  /** Per tensor name: a copy of that tensor's part of the wrapper's buffer. */
  state: Record<string, Float32Array>;
  /** The wrapped optimizer's state dict (Lookahead). */
  optimizer?: StateDict;
}

function intOption(name: string, v: unknown, lo: number): number {
  checkRange(name, v, lo, 2 ** 31);
  if (!Number.isInteger(v)) throw new HyperparameterError(`${name} must be an integer, got ${valueText(v)}`);
  return v as number;
}

/** One buffer with the ParamSet's layout plus integer scalars, serialised by tensor name. */
abstract class Averaged {
  readonly params: ParamSet;
  protected readonly buf: EngineBuffer;
  protected scalars: Record<string, number>;
  protected abstract readonly format: string;

  protected constructor(params: ParamSet, scalars: Record<string, number>, copyParams: boolean) {
    requireParamSet(params);
    this.params = params;
    params.engine.requireGroup(OPTIM);
    this.scalars = scalars;
    this.buf = params.engine.alloc(params.size);
    if (copyParams) this.buf.array.set(params.data.array);
  }

  /** Throws DisposedError after free(), or once the ParamSet was freed or the engine disposed. */
  protected live(): void {
    if (this.buf.freed) throw new DisposedError(`${this.format} was freed (free() released its buffers): create a new one`);
    this.params.checkLive();
  }

  /** The wrapper's state as plain data, with the wrapped optimizer's; `loadStateDict()` restores it. */
  stateDict(): WrapperStateDict {
    this.live();
    const state: Record<string, Float32Array> = {};
    for (const t of this.params.tensors) state[t.name] = this.buf.array.slice(t.offset, t.offset + t.size);
    return { format: this.format, version: WRAPPER_STATE_VERSION, scalars: { ...this.scalars }, state };
  }

  /** @internal every check of loadStateDict, nothing written. */
  protected checkDict(sd: WrapperStateDict): void {
    if (!sd || typeof sd !== 'object' || sd.format !== this.format) throw new StateError(`not a ${this.format} state dict`);
    if (sd.version !== WRAPPER_STATE_VERSION) throw new StateError(`unsupported state version ${valueText(sd.version)}`);
    for (const k of Object.keys(this.scalars)) {
      const v = sd.scalars?.[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new StateError(`scalars.${k} must be a non-negative integer, got ${valueText(v)}`);
    }
    for (const t of this.params.tensors) {
      const a = sd.state?.[t.name];
      if (!(a instanceof Float32Array)) throw new StateError(`state has no Float32Array for parameter ${t.name}`);
      if (a.length !== t.size) throw new StateError(`state ${t.name} has ${a.length} elements, parameter has ${t.size}`);
    }
    const extra = Object.keys(sd.state ?? {}).filter((n) => !this.params.has(n));
    if (extra.length) throw new StateError(`state has unknown parameters: ${extra.join(', ')}`);
  }
  protected writeDict(sd: WrapperStateDict): void {
    for (const k of Object.keys(this.scalars)) this.scalars[k] = sd.scalars[k]!;
    for (const t of this.params.tensors) this.buf.array.set(sd.state[t.name]!, t.offset);
  }

  /** Load a state dict; a bad dict changes nothing. */
  loadStateDict(sd: WrapperStateDict): void { this.live(); this.checkDict(sd); this.writeDict(sd); }

  /** Release the buffer; afterwards every method, free() included, raises DisposedError. */
  free(): void {
    if (this.buf.freed) throw new DisposedError(`${this.format} was already freed`);
    this.buf.free();
  }
}

/**
 * Options of `Lookahead` (Zhang et al. 2019) around any optimizer: every k steps φ ← φ + α·(θ − φ), θ ← φ;
 * defaults k 5, alpha 0.5.
 */
export interface LookaheadWrapperOptions { k?: number; alpha?: number }

/**
 * Lookahead around any optimizer (Zhang et al. 2019): after every k-th `step()` of the inner
 * optimizer, the slow weights φ (initialised to the parameters) move towards the fast ones and the
 * parameters are reset onto them:  φ ← φ + α·(p − φ);  p ← φ  (one fused pass).
 * Defaults k = 5, α = 0.5. State: slow (4 bytes/param), count, plus the inner optimizer's state.
 */
export class Lookahead extends Averaged {
  protected readonly format = 'simdopt/lookahead';
  readonly optimizer: Optimizer<any, any>;
  readonly k: number;
  readonly alpha: number;

  constructor(optimizer: Optimizer<any, any>, opts: LookaheadWrapperOptions = {}) {
    if (!(optimizer instanceof Optimizer)) throw new HyperparameterError(`Lookahead wraps a simdopt Optimizer, got ${describe(optimizer)}`);
    opts = optionsOf(opts);
    const k = intOption('k', opts.k ?? 5, 1), alpha = checkRange('alpha', opts.alpha ?? 0.5, 0, 1);
    super(optimizer.params, { count: 0 }, true);
    this.optimizer = optimizer; this.k = k; this.alpha = alpha;
  }

  get stepCount(): number { this.live(); return this.scalars.count!; }
  /** Set the gradients to 0 (through the wrapped optimizer). */
  zeroGrad(): void { this.live(); this.optimizer.zeroGrad(); }

  /** opt.step(), then every k-th step the sync. A step the optimizer skipped (nonFinite: 'skip') does not count. */
  step(): void {
    this.live();
    const before = this.optimizer.stepCount;
    this.optimizer.step();
    if (this.optimizer.stepCount === before) return;
    const c = this.scalars.count! + 1;
    this.scalars.count = c;
    if (c % this.k === 0) this.params.engine.run('tx_lookahead_sync_f32', this.params.size, [this.params.data.ptr, this.buf.ptr, this.alpha]);
  }

  override stateDict(): WrapperStateDict { return { ...super.stateDict(), optimizer: this.optimizer.stateDict() }; }
  /** Checks the slow weights, then loads the optimizer's dict (which checks itself), then writes. */
  override loadStateDict(sd: WrapperStateDict): void {
    this.live();
    this.checkDict(sd);
    if (!sd.optimizer) throw new StateError('state has no optimizer entry');
    this.optimizer.loadStateDict(sd.optimizer);
    this.writeDict(sd);
  }
}

/**
 * Options of `EMA` (an exponential moving average of the parameters beside any optimizer: θ̄ = decay·θ̄ +
 * (1 − decay)·θ; divided by 1 − decay^t only with debias true; default false).
 */
export interface EMAOptions { decay: number; debias?: boolean }

/**
 * Exponential moving average of the parameters (Polyak averaging; optax.ema's formula):
 *   update():  e ← (1−d)·p + d·e;
 *   copyTo(dst):  dst ← debias ? e / (1 − dᵗ) : e   (t = updates so far).
 * Without debias (default) e starts at the parameters (torch's AveragedModel with an EMA); with it,
 * e starts at 0 and copyTo divides by 1 − dᵗ (as optax.ema). State: ema (4 bytes/param), count.
 */
export class EMA extends Averaged {
  protected readonly format = 'simdopt/ema';
  readonly decay: number;
  readonly debias: boolean;

  constructor(params: ParamSet, opts: EMAOptions) {
    requireParamSet(params);
    opts = optionsOf(opts, 'EMA options');
    const debias = requireBool('debias', opts?.debias ?? false);
    const decay = checkRange('decay', opts?.decay, 0, 1, false, debias);
    super(params, { count: 0 }, !debias);
    this.decay = decay; this.debias = debias;
  }

  get count(): number { this.live(); return this.scalars.count!; }

  /** Fold the current parameters into the average: e ← decay·e + (1 − decay)·θ. */
  update(): void {
    this.live();
    const e = this.params.engine;
    e.run('tx_ema_track_f32', this.params.size, [this.params.data.ptr, this.buf.ptr, this.decay, 1 - this.decay]);
    this.scalars.count!++;
  }

  /** Write the average into `dst` (default: the parameters themselves). Before any update, with debias, the parameters are copied. */
  copyTo(dst: EngineBuffer = this.params.data): void {
    this.live();
    const e = this.params.engine, d = e.own(dst, 'dst', this.params.size), t = this.scalars.count!;
    if (this.debias && t === 0) { if (d !== this.params.data.ptr) e.run('copy_f32', this.params.size, [d, this.params.data.ptr]); return; }
    const bc = this.debias ? 1 - e.pow(this.decay, t) : 1;
    e.run('tx_div_copy_f32', this.params.size, [d, this.buf.ptr, bc]);
  }
}

/**
 * Options of `SWA` (stochastic weight averaging: the mean of the parameters taken every `every` steps from
 * step `start` on; defaults 1 and 0).
 */
export interface SWAOptions { every?: number; start?: number }

/**
 * Stochastic weight averaging (Izmailov et al. 2018; torch.optim.swa_utils.AveragedModel): call
 * update() after each step; from update number start + every on, every `every`-th one adds the
 * parameters to the running mean  a ← a + (p − a)/(n + 1)  (the first one copies them exactly).
 * copyTo(dst) writes a (into the parameters by default). Defaults every = 1, start = 0.
 * State: swa (4 bytes/param), count (updates), averaged (n).
 */
export class SWA extends Averaged {
  protected readonly format = 'simdopt/swa';
  readonly every: number;
  readonly start: number;

  constructor(params: ParamSet, opts: SWAOptions = {}) {
    requireParamSet(params);
    opts = optionsOf(opts, 'SWA options');
    const every = intOption('every', opts.every ?? 1, 1), start = intOption('start', opts.start ?? 0, 0);
    super(params, { count: 0, averaged: 0 }, false);
    this.every = every; this.start = start;
  }

  get averaged(): number { this.live(); return this.scalars.averaged!; }

  /** Count one step; from step `start` on, every `every` steps add the parameters to the running mean. */
  update(): void {
    this.live();
    const c = this.scalars.count! + 1;
    this.scalars.count = c;
    if (c <= this.start || (c - this.start) % this.every !== 0) return;
    const n = this.scalars.averaged! + 1;
    this.params.engine.run('tx_runmean_f32', this.params.size, [this.buf.ptr, this.params.data.ptr, n]);
    this.scalars.averaged = n;
  }

  /** Write the average into `dst` (default: the parameters). Refused before anything was averaged. */
  copyTo(dst: EngineBuffer = this.params.data): void {
    this.live();
    const e = this.params.engine, d = e.own(dst, 'dst', this.params.size);
    if (this.scalars.averaged === 0) throw new StateError('SWA has averaged nothing yet');
    e.run('copy_f32', this.params.size, [d, this.buf.ptr]);
  }
}
