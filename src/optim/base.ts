// Shared machinery of the torch-style optimizers: a ParamSet, named state slots (flat buffers with
// the ParamSet's layout), a step counter, validated hyperparameters, and a state dict matched by
// parameter name, never by position.
import type { Buffer } from '../engine/memory.js';
import { HyperparameterError, SimdoptError, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';

export const STATE_FORMAT = 'simdopt/optimizer';
export const STATE_VERSION = 1;

export interface StateDict {
  format: typeof STATE_FORMAT;
  version: number;
  optimizer: string;
  step: number;
  hyper: Record<string, number | boolean>;
  /** Per parameter name, per slot: a copy of that tensor's state. */
  state: Record<string, Record<string, Float32Array>>;
}

export abstract class Optimizer<H extends Record<string, number | boolean>> {
  readonly params: ParamSet;
  protected hyper: H;
  protected readonly slots: Record<string, Buffer> = {};
  private _step = 0;
  abstract readonly kind: string;

  protected constructor(params: ParamSet, hyper: H, slotNames: string[]) {
    this.params = params;
    this.hyper = this.validate(hyper);
    const made: Buffer[] = [];
    try {
      for (const s of slotNames) { const b = params.engine.alloc(params.size); made.push(b); this.slots[s] = b; }
    } catch (e) { for (const b of made) b.free(); throw e; }
  }

  /** Throws HyperparameterError for invalid values; returns the validated copy. */
  protected abstract validate(h: H): H;
  /** The fused kernel call(s) for step number `t` (1-based). */
  protected abstract apply(t: number): void;

  get stepCount(): number { return this._step; }
  get hyperparameters(): Readonly<H> { return { ...this.hyper }; }

  /** Change hyperparameters between steps (validated; nothing changes on error). */
  set(changes: Partial<H>): void { this.hyper = this.validate({ ...this.hyper, ...changes }); }

  step(): void {
    this.params.engine.checkLive();
    this.apply(this._step + 1);
    this._step++;
  }

  zeroGrad(): void { this.params.zeroGrad(); }

  stateDict(): StateDict {
    const state: StateDict['state'] = {};
    for (const t of this.params.tensors) {
      const e: Record<string, Float32Array> = {};
      for (const [s, b] of Object.entries(this.slots)) e[s] = b.array.slice(t.offset, t.offset + t.size);
      state[t.name] = e;
    }
    return { format: STATE_FORMAT, version: STATE_VERSION, optimizer: this.kind, step: this._step, hyper: { ...this.hyper }, state };
  }

  /** Load a state dict; every check runs before anything is written, so a bad dict changes nothing. */
  loadStateDict(sd: StateDict): void {
    if (!sd || typeof sd !== 'object' || sd.format !== STATE_FORMAT) throw new StateError('not a simdopt optimizer state dict');
    if (sd.version !== STATE_VERSION) throw new StateError(`unsupported state version ${String(sd.version)}`);
    if (sd.optimizer !== this.kind) throw new StateError(`state is for ${String(sd.optimizer)}, this optimizer is ${this.kind}`);
    if (!Number.isInteger(sd.step) || sd.step < 0) throw new StateError(`invalid step ${String(sd.step)}`);
    let hyper: H;
    try { hyper = this.validate({ ...this.hyper, ...(sd.hyper as Partial<H>) }); } catch (e) {
      throw new StateError(`invalid hyperparameters in state: ${(e as SimdoptError).message}`);
    }
    const names = Object.keys(sd.state ?? {});
    for (const t of this.params.tensors) {
      const e = sd.state?.[t.name];
      if (!e) throw new StateError(`state has no entry for parameter ${t.name}`);
      for (const s of Object.keys(this.slots)) {
        const a = e[s];
        if (!(a instanceof Float32Array)) throw new StateError(`state of ${t.name} has no Float32Array slot ${s}`);
        if (a.length !== t.size) throw new StateError(`state ${t.name}.${s} has ${a.length} elements, parameter has ${t.size}`);
      }
    }
    const extra = names.filter((n) => !this.params.has(n));
    if (extra.length) throw new StateError(`state has unknown parameters: ${extra.join(', ')}`);
    for (const t of this.params.tensors) {
      for (const [s, b] of Object.entries(this.slots)) b.array.set(sd.state[t.name]![s]!, t.offset);
    }
    this.hyper = hyper;
    this._step = sd.step;
  }

  /** Release the state buffers. */
  free(): void { for (const b of Object.values(this.slots)) b.free(); }
}

export function requireBool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new HyperparameterError(`${name} must be a boolean, got ${String(v)}`);
  return v;
}
