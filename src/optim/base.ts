// Shared machinery of the torch-style optimizers: a ParamSet, named state slots (flat buffers with
// the ParamSet's layout), a step counter, validated hyperparameters (numbers or schedules of the
// step), param groups, and a state dict matched by parameter name, never by position.
//
// Param groups: `groups: [{ params: /bias|norm/, weightDecay: 0 }, ...]` selects tensors by name list,
// RegExp or predicate (first matching group wins; unmatched tensors form the default group 0, whose
// options are the top-level ones). A group may override any option, or be `frozen: true` (skipped).
// Each group costs one fused kernel call per contiguous run of its tensors in the arena, so order the
// ParamSet spec by group when there are many tensors.
import type { EngineBuffer } from '../engine/memory.js';
import { valueText, nameText, checkRange, describe, DisposedError, HyperparameterError, NonFiniteError, requireObject, shapeText, SimdoptError, StateError, UnsupportedError } from '../errors.js';
import { requireParamSet, type ParamSet } from '../params.js';
import { groupRuns, type Run } from './runs.js';
import { checkF32, checkKnownKeys, suggest } from '../options.js';
import { OPTIM } from './wasm.js';

export const STATE_FORMAT = 'simdopt/optimizer';
export const STATE_VERSION = 1;
/** Largest step (and skipped-step) count a state may carry: far beyond any run, small enough that t + 1 > t. */
export const MAX_STEP = 2 ** 31 - 1;
/**
 * State slots that can never be negative (second moments, accumulators, step sizes): a loaded state
 * with a negative value there is rejected. Subclasses may override nonNegativeSlots().
 */
const NON_NEGATIVE_SLOTS = new Set(['exp_avg_sq', 'max_exp_avg_sq', 'sum', 'square_avg', 'acc_delta', 'exp_inf', 'exp_avg_var',
  'exp_hessian_diag_sq', 'step_size']);

/** A hyperparameter schedule: a pure function of the number of steps taken so far (0 for the first step). */
export type HyperSchedule = (step: number) => number;
/** Options where every number (and each number of a pair such as `betas`) may also be a schedule. */
export type Schedulable<O> = {
  [K in keyof O]: O[K] extends number | undefined ? O[K] | HyperSchedule
    : O[K] extends readonly [number, number] | undefined ? O[K] | readonly [number | HyperSchedule, number | HyperSchedule] : O[K];
};

/** A param group: which tensors, and the options it overrides. */
export type GroupSpec<O> = Partial<Schedulable<O>> & {
  /** The group's tensors: a list of names, a RegExp tested on each name, or a predicate. */
  params: readonly string[] | RegExp | ((name: string) => boolean);
  /** Skip these tensors entirely (no update, state untouched). */
  frozen?: boolean;
};
/**
 * What step() does when a gradient of a non-frozen tensor holds NaN or ±Infinity (checked by one
 * read pass over the gradients before anything is written):
 * 'error' (default): throw NonFiniteError naming the tensor, nothing changes;
 * 'skip': leave parameters, state and step count unchanged and count the step in `skippedSteps`
 * (the AMP GradScaler behaviour); 'propagate': no check (torch's behaviour, one read pass cheaper).
 */
export type NonFiniteMode = 'error' | 'skip' | 'propagate';
/**
 * An optimizer's options plus param groups (tensors with their own option values) and the non-finite
 * gradient policy.
 */
export type WithGroups<O> = Schedulable<O> & { groups?: readonly GroupSpec<O>[]; nonFinite?: NonFiniteMode };

/** One contiguous range of the arena covered by one fused kernel call; pointers already offset. */
export interface Span {
  /** Group index (0 = default group). */
  group: number;
  /** First element (a multiple of 4) and element count. */
  off: number;
  n: number;
  /** Byte pointers of the parameters and gradients at `off`. */
  p: number;
  g: number;
  /** Byte pointer of state slot `name` at `off`. */
  slot(name: string): number;
}

export interface GroupState {
  params: string[];
  frozen: boolean;
  hyper: Record<string, number | boolean>;
}

/**
 * An optimizer's state as plain data (torch's state_dict shape): hyperparameters, param groups and
 * per-tensor state arrays; what `stateDict()` returns and `loadStateDict()` takes.
 */
export interface StateDict {
  format: typeof STATE_FORMAT;
  version: number;
  optimizer: string;
  step: number;
  /** Hyperparameters of the default group (group 0). */
  hyper: Record<string, number | boolean>;
  /** Every group (present when the optimizer has more than the default group). */
  groups?: GroupState[];
  /** Per parameter name, per slot: a copy of that tensor's state. */
  state: Record<string, Record<string, Float32Array>>;
  /** Steps skipped for non-finite gradients (nonFinite: 'skip'); absent means 0. */
  skipped?: number;
  /** Per parameter name, its shape (loading checks it against the ParamSet's). */
  shapes?: Record<string, number[]>;
}

interface Group<H> {
  params: string[];
  frozen: boolean;
  hyper: H;
  schedules: Record<string, HyperSchedule>;
  runs: Run[];
}

const matcher = (sel: GroupSpec<unknown>['params']): ((n: string) => boolean) => {
  if (sel instanceof RegExp) return (n) => { sel.lastIndex = 0; return sel.test(n); };
  if (typeof sel === 'function') return sel;
  if (Array.isArray(sel)) { const s = new Set(sel as string[]); return (n) => s.has(n); }
  throw new HyperparameterError(`groups[].params must be a list of names, a RegExp or a function, got ${describe(sel)}`);
};

/** Pair options (e.g. `betas`): undefined, or an array of two entries (each checked later as a number or schedule). */
function checkPairs(o: Record<string, unknown>, keys: readonly string[], prefix: string): void {
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    const ok = (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) && (v as ArrayLike<unknown>).length === 2;
    if (!ok) throw new HyperparameterError(`${prefix}${k} must be a pair [a, b], got ${describe(v)}`);
  }
}

/**
 * The base class of the first-order optimizers: the parameters of a ParamSet, hyperparameters (constants or
 * schedules, per param group), state in engine memory. `step()` applies one update from the gradients;
 * `stateDict()`/`loadStateDict()` and saveState/loadState round-trip it; `free()` releases it.
 */
export abstract class Optimizer<H extends Record<string, number | boolean>, O extends object = object> {
  readonly params: ParamSet;
  protected readonly slots: Record<string, EngineBuffer> = {};
  private readonly _groups: Group<H>[];
  private _step = 0;
  private _skipped = 0;
  private _freed = false;
  /** See NonFiniteMode. */
  readonly nonFinite: NonFiniteMode;
  abstract readonly kind: string;

  /**
   * `toHyper` maps (merged) options to the flat hyperparameters; it is called once for the default group
   * and once per group with that group's overrides merged over the top-level options.
   */
  protected constructor(params: ParamSet, opts: WithGroups<O>, toHyper: (o: O) => H, slotNames: string[]) {
    if (typeof toHyper !== 'function' || !Array.isArray(slotNames)) {
      throw new UnsupportedError('Optimizer and HvpOptimizer are abstract: construct a concrete optimizer (SGD, AdamW, ...) or extend one');
    }
    requireParamSet(params);
    if (opts === undefined) opts = {} as WithGroups<O>;
    requireObject('options', opts);
    this.params = params;
    params.engine.requireGroup(OPTIM);
    // Slots first (validate() may look at which exist), freed again if anything below throws.
    try {
      if (opts === null || typeof opts !== 'object') throw new HyperparameterError(`options must be an object, got ${opts === null ? 'null' : typeof opts}`);
      for (const s of slotNames) this.slots[s] = params.engine.alloc(params.size);
      const { groups: specs = [], nonFinite = 'error', ...top } = opts as WithGroups<O> & Record<string, unknown>;
      if (nonFinite !== 'error' && nonFinite !== 'skip' && nonFinite !== 'propagate') {
        throw new HyperparameterError(`nonFinite must be 'error', 'skip' or 'propagate', got ${valueText(nonFinite)}`);
      }
      this.nonFinite = nonFinite;
      if (!Array.isArray(specs)) throw new HyperparameterError('groups must be an array');
      const owner = params.tensors.map(() => 0);
      const tests = specs.map((s, i) => { requireObject(`groups[${i}]`, s); return matcher((s as GroupSpec<O>).params); });
      params.tensors.forEach((t, i) => { const k = tests.findIndex((f) => f(t.name)); if (k >= 0) owner[i] = k + 1; });
      const merged: Record<string, unknown>[] = [top, ...specs.map((s) => {
        const { params: _p, frozen: _f, ...o } = s as GroupSpec<O> & Record<string, unknown>;
        return { ...top, ...o };
      })];
      merged.forEach((o, gi) => checkPairs(o, this.pairKeys(), gi === 0 ? '' : `groups[${gi - 1}].`));
      // Which option names toHyper reads: every other key is a typo or belongs to another optimizer.
      const read = new Set<string>(['groups', 'nonFinite']);
      const spy = (o: Record<string, unknown>): O => new Proxy(o, {
        get(t, k, r) { if (typeof k === 'string') read.add(k); return Reflect.get(t, k, r); },
      }) as unknown as O;
      this._groups = merged.map((o, gi) => {
        const sched: Record<string, HyperSchedule> = {};
        const h = toHyper(spy(o)) as Record<string, unknown>;
        for (const [k, v] of Object.entries(h)) if (typeof v === 'function') { sched[k] = v as HyperSchedule; h[k] = (v as HyperSchedule)(0); }
        const frozen = gi > 0 && (specs[gi - 1] as GroupSpec<O>).frozen === true;
        return { params: params.tensors.filter((_, i) => owner[i] === gi).map((t) => t.name), frozen, hyper: h as H, schedules: sched, runs: [] };
      });
      const name = (this.constructor as { name?: string }).name ?? 'optimizer';
      checkKnownKeys(`${name} option`, opts, [...read]);
      specs.forEach((sp, i) => checkKnownKeys(`${name} option in groups[${i}]`, sp as object, [...read, 'params', 'frozen']));
      // Contiguous runs of each group's tensors (padding between two tensors of a group rides along).
      groupRuns(params, this._groups).forEach((r, gi) => { this._groups[gi]!.runs = r; });
      for (const g of this._groups) g.hyper = this.validated(g.hyper);
      for (const k of this.fixedKeys()) {
        if (this._groups.some((g) => k in g.schedules)) throw new HyperparameterError(`${k} is fixed at construction and cannot be a schedule`);
        const v = this._groups[0]!.hyper[k];
        if (this._groups.some((g) => g.hyper[k] !== v)) throw new HyperparameterError(`${k} is fixed at construction and shared by every group`);
      }
    } catch (e) { for (const b of Object.values(this.slots)) b.free(); throw e; }
  }

  /** Options that are pairs `[a, b]` (checked to be pairs before the options are read). */
  protected pairKeys(): readonly string[] { return ['betas', 'etas', 'stepSizes']; }
  /** Throws HyperparameterError for invalid values; returns the validated copy. */
  protected abstract validate(h: H): H;
  /** Throws DisposedError after free(), or once the ParamSet was freed or the engine disposed. */
  protected live(): void {
    if (this._freed) throw new DisposedError(`${this.kind} optimizer was freed (free() released its state): create a new one, and restore a saved state with loadState() if you have one`);
    this.params.checkLive();
  }
  /** Whether free() was called. */
  get freed(): boolean { return this._freed; }
  /** The fused kernel call(s) for step number `t` (1-based) over one run of one group. */
  protected abstract apply(t: number, h: H, s: Span): void;
  /** Hyperparameters fixed at construction (they decide which state exists); set() and loadStateDict() may not change them. */
  protected fixedKeys(): string[] { return []; }
  /** validate() plus the checks every optimizer shares: each number survives the kernels' f32 conversion. */
  private validated(h: H): H {
    const v = this.validate(h);
    for (const [k, x] of Object.entries(v)) if (typeof x === 'number') checkF32(k, x);
    return v;
  }
  /** Per-tensor state entries a subclass keeps outside the slots (it loads and checks them itself). */
  protected extraStateEntries(_tensor: number): string[] { return []; }
  /** Slots whose values can never be negative (checked on load). */
  protected nonNegativeSlots(): string[] { return Object.keys(this.slots).filter((s) => NON_NEGATIVE_SLOTS.has(s)); }
  private checked(h: H): H {
    const v = this.validated(h);
    for (const k of this.fixedKeys()) {
      if (v[k] !== this._groups[0]!.hyper[k]) throw new HyperparameterError(`${k} is fixed at construction (it decides which state buffers exist)`);
    }
    return v;
  }
  /** Called once per step after every run was applied (per-optimizer scalar state lives here). */
  protected afterStep(_t: number): void {}

  get stepCount(): number { this.live(); return this._step; }
  /** Steps skipped because a gradient was non-finite (nonFinite: 'skip'). */
  get skippedSteps(): number { this.live(); return this._skipped; }
  /** Hyperparameters of the default group as used by the last step (or as set). */
  get hyperparameters(): Readonly<H> { this.live(); return { ...this._groups[0]!.hyper }; }
  /** Hyperparameters of group `group`. */
  hyperparametersOf(group: number): Readonly<H> { this.live(); return { ...this.group(group).hyper }; }
  /** Tensor names per group (group 0 = tensors no group matched). */
  get groups(): readonly { params: readonly string[]; frozen: boolean }[] {
    this.live();
    return this._groups.map((g) => ({ params: [...g.params], frozen: g.frozen }));
  }

  private group(i: number): Group<H> {
    const g = Number.isInteger(i) ? this._groups[i] : undefined;
    if (!g) throw new HyperparameterError(`group must be an integer index below ${this._groups.length}, got ${describe(i)}`);
    return g;
  }

  /** Change hyperparameters of a group (default 0) between steps (validated; nothing changes on error). A number replaces a schedule. */
  set(changes: Partial<H>, group = 0): void {
    this.live();
    requireObject('set() changes', changes);
    const g = this.group(group);
    if (changes === null || typeof changes !== 'object') throw new HyperparameterError(`set() takes an object of hyperparameters, got ${changes === null ? 'null' : typeof changes}`);
    checkKnownKeys(`${this.kind} hyperparameter`, changes, Object.keys(g.hyper));
    const h = this.checked({ ...g.hyper, ...changes });
    g.hyper = h;
    for (const k of Object.keys(changes)) delete g.schedules[k];
  }

  /** One optimizer step over every group. Scheduled hyperparameters are evaluated (and validated) first. */
  step(): void {
    this.live();
    const t = this._step + 1;
    const hypers = this._groups.map((g) => {
      if (Object.keys(g.schedules).length === 0) return g.hyper;
      const h: Record<string, unknown> = { ...g.hyper };
      for (const [k, f] of Object.entries(g.schedules)) h[k] = f(this._step);
      return this.checked(h as H);
    });
    const ps = this.params, slots = this.slots;
    const faults = ps.engine.faults;
    if (this.nonFinite !== 'propagate' && this.hasNonFinite()) { ps.engine.reportFaults(faults, `${this.kind} step ${t} (skipped)`); return; }
    // The kernels and reductions run over whole runs, padding between tensors included: whatever a
    // user wrote there through ps.data.array / ps.grad.array must not decide anything.
    ps.clearPadding();
    this._groups.forEach((g, gi) => { g.hyper = hypers[gi]!; });
    this._groups.forEach((g, gi) => {
      if (g.frozen) return;
      for (const r of g.runs) {
        const o = r.off * 4;
        this.apply(t, g.hyper, { group: gi, off: r.off, n: r.n, p: ps.data.ptr + o, g: ps.grad.ptr + o,
          slot: (name) => { const b = slots[name]; if (!b) throw new SimdoptError('INVALID_STATE', `no state slot ${name}`); return b.ptr + o; } });
      }
    });
    this.afterStep(t);
    this._step = t;
    ps.engine.reportFaults(faults, `${this.kind} step ${t}`);
  }

  /** True when the step must be skipped; throws in 'error' mode. Only non-frozen runs are read. */
  private hasNonFinite(): boolean {
    const ps = this.params, e = ps.engine;
    let bad = 0;
    for (const g of this._groups) if (!g.frozen) for (const r of g.runs) bad += e.reduce('nonfinite_partials', r.n, [ps.grad.ptr + r.off * 4]);
    if (bad === 0) return false;
    // Runs include the padding between tensors: count again over the tensors alone.
    const frozen = new Set(this._groups.filter((g) => g.frozen).flatMap((g) => g.params));
    const counts = ps.tensors.map((x) => (frozen.has(x.name) ? 0 : e.reduce('nonfinite_partials', x.size, [ps.grad.ptr + x.offset * 4])));
    bad = counts.reduce((a, b) => a + b, 0);
    if (bad === 0) return false;
    if (this.nonFinite === 'skip') { this._skipped++; return true; }
    const t = ps.tensors[counts.findIndex((c) => c > 0)]!;
    throw new NonFiniteError(`gradient of ${t.name} has non-finite values (${bad} in all); nothing was changed`, t.name, bad);
  }

  /** Set the gradients of the optimizer's ParamSet to 0 (as `params.zeroGrad()`). */
  zeroGrad(): void { this.live(); this.params.zeroGrad(); }

  private _keysOnly = false;
  /** The full state as plain data (torch's state_dict layout, state matched by tensor name): hyperparameters, groups, step count and per-tensor arrays (copies). */
  stateDict(): StateDict {
    this.live();
    const state: StateDict['state'] = {}, shapes: Record<string, number[]> = {};
    for (const t of this.params.tensors) {
      const e: Record<string, Float32Array> = {};
      if (!this._keysOnly) for (const [s, b] of Object.entries(this.slots)) e[s] = b.array.slice(t.offset, t.offset + t.size);
      state[t.name] = e;
      shapes[t.name] = [...t.shape];
    }
    const sd: StateDict = { format: STATE_FORMAT, version: STATE_VERSION, optimizer: this.kind, step: this._step, hyper: { ...this._groups[0]!.hyper }, state, shapes };
    if (this._skipped) sd.skipped = this._skipped;
    if (this._groups.length > 1) sd.groups = this._groups.map((g) => ({ params: [...g.params], frozen: g.frozen, hyper: { ...g.hyper } }));
    return sd;
  }

  /** Load a state dict; every check runs before anything is written, so a bad dict changes nothing. */
  /** The top-level keys this optimizer's state dicts may hold (its own stateDict()'s, plus the optional ones). */
  private stateKeys(): string[] {
    this._keysOnly = true;
    try { return [...new Set([...Object.keys(this.stateDict()), 'skipped', 'groups', 'scalars'])]; } finally { this._keysOnly = false; }
  }

  /** Load a state dict; every check runs before anything is written, so a bad dict changes nothing. */
  loadStateDict(sd: StateDict): void {
    this.live();
    if (!sd || typeof sd !== 'object' || sd.format !== STATE_FORMAT) throw new StateError('not a simdopt optimizer state dict');
    if (sd.version !== STATE_VERSION) throw new StateError(`unsupported state version ${valueText(sd.version)}`);
    if (sd.optimizer !== this.kind) throw new StateError(`state is for ${nameText(sd.optimizer)}, this optimizer is ${this.kind}`);
    const keys = this.stateKeys();
    const odd = Object.keys(sd).find((k) => !keys.includes(k));
    if (odd !== undefined) throw new StateError(`state dict has an unknown field ${JSON.stringify(odd)}${suggest(odd, keys.sort())}`);
    if (!Number.isInteger(sd.step) || sd.step < 0 || sd.step > MAX_STEP) throw new StateError(`invalid step ${valueText(sd.step)} (an integer in [0, ${MAX_STEP}] expected)`);
    const skipped = sd.skipped ?? 0;
    if (!Number.isInteger(skipped) || skipped < 0 || skipped > MAX_STEP) throw new StateError(`invalid skipped count ${valueText(sd.skipped)} (an integer in [0, ${MAX_STEP}] expected)`);
    checkShapes(this.params, sd.shapes);
    const given = sd.groups ?? [{ params: this._groups[0]!.params, frozen: false, hyper: sd.hyper }];
    if (!Array.isArray(given) || given.length !== this._groups.length) {
      throw new StateError(`state has ${Array.isArray(given) ? given.length : 'no valid'} param groups, this optimizer has ${this._groups.length}`);
    }
    const hypers = this._groups.map((g, gi) => {
      const s = given[gi]!;
      if (!s || !Array.isArray(s.params) || s.params.join('\u0000') !== g.params.join('\u0000')) {
        throw new StateError(`param group ${gi} of the state holds other parameters than this optimizer's group ${gi}`);
      }
      try {
        if (!s.hyper || typeof s.hyper !== 'object') throw new HyperparameterError('hyperparameters missing');
        checkKnownKeys(`${this.kind} hyperparameter`, s.hyper, Object.keys(g.hyper));
        return this.checked({ ...g.hyper, ...(s.hyper as Partial<H>) });
      } catch (e) {
        throw new StateError(`invalid hyperparameters in state (group ${gi}): ${(e as SimdoptError).message}`);
      }
    });
    if (!sd.state || typeof sd.state !== 'object') throw new StateError('state dict has no per-parameter state');
    const names = Object.keys(sd.state);
    const slotNames = Object.keys(this.slots), nonNeg = new Set(this.nonNegativeSlots());
    this.params.tensors.forEach((t, ti) => {
      const e = sd.state[t.name];
      if (!e || typeof e !== 'object') throw new StateError(`state has no entry for parameter ${t.name}`);
      const known = [...slotNames, ...this.extraStateEntries(ti)];
      const odd = Object.keys(e).find((k) => !known.includes(k));
      if (odd !== undefined) throw new StateError(`state of ${t.name} has an unknown slot ${JSON.stringify(odd)}${suggest(odd, known)}`);
      for (const s of slotNames) {
        const a = e[s];
        if (!(a instanceof Float32Array)) throw new StateError(`state of ${t.name} has no Float32Array slot ${s}`);
        if (a.length !== t.size) throw new StateError(`state ${t.name}.${s} has ${a.length} elements, parameter has ${t.size}`);
        checkSlotValues(`${t.name}.${s}`, a, nonNeg.has(s));
      }
    });
    const extra = names.filter((n) => !this.params.has(n));
    if (extra.length) throw new StateError(`state has unknown parameters: ${extra.join(', ')}`);
    for (const t of this.params.tensors) {
      for (const [s, b] of Object.entries(this.slots)) b.array.set(sd.state[t.name]![s]!, t.offset);
    }
    this._groups.forEach((g, gi) => { g.hyper = hypers[gi]!; });
    this._step = sd.step;
    this._skipped = skipped;
  }

  /**
   * Release the state buffers. Afterwards (and once the ParamSet was freed or the engine disposed)
   * every method, free() included, raises DisposedError.
   */
  free(): void {
    if (this._freed) throw new DisposedError(`${this.kind} optimizer was already freed`);
    this.params.engine.checkLive();
    this._freed = true;
    for (const b of Object.values(this.slots)) b.free();
  }
}

/** Throws StateError unless `shapes` gives exactly the shape of every tensor of `ps` (both shapes in the message). */
export function checkShapes(ps: ParamSet, shapes: unknown): void {
  if (shapes === undefined) {
    // A state dict saved before simdopt recorded tensor shapes: loading on element counts alone would let a 5×7 state
    // into a 7×5 parameter, so it is refused; the message gives the line that asserts the shapes (the user's call).
    const here = JSON.stringify(Object.fromEntries(ps.tensors.map((t) => [t.name, t.shape])));
    throw new StateError('state dict has no shapes (it was saved before simdopt recorded tensor shapes): loading it would check only element counts. ' +
      `If it was saved for parameters of these very shapes, add them and load again: sd.shapes = ${here.length <= 300 ? here : 'Object.fromEntries(params.tensors.map((t) => [t.name, t.shape]))'}`);
  }
  if (!shapes || typeof shapes !== 'object') throw new StateError(`state dict shapes must be an object of parameter name -> shape, got ${describe(shapes)}`);
  for (const t of ps.tensors) {
    const sh = (shapes as Record<string, unknown>)[t.name];
    if (!Array.isArray(sh) || sh.length !== t.shape.length || sh.some((d, i) => d !== t.shape[i])) {
      throw new StateError(`state of ${t.name} was saved for shape ${shapeText(sh)}, the parameter has shape [${t.shape.join(', ')}]`);
    }
  }
  const extra = Object.keys(shapes).find((n) => !ps.has(n));
  if (extra !== undefined) throw new StateError(`state has a shape for unknown parameter ${extra}`);
}

/** Throws StateError unless every value of a loaded state array is finite (and ≥ 0 when `nonNegative`). */
export function checkSlotValues(what: string, a: Float32Array, nonNegative: boolean): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v) || (nonNegative && v < 0)) {
      throw new StateError(`state ${what}[${i}] is ${v}: ${nonNegative ? 'a finite value ≥ 0' : 'a finite value'} expected`);
    }
  }
}

/**
 * The Adam family's checks: lr ≥ 0, betas in [0, 1), eps > 0, weightDecay ≥ 0 (messages name the
 * option). ε keeps m/(√v + ε) finite when the second moment is 0 (a zero gradient): it must be > 0,
 * also after torch's scaling by √(1 − β2ᵗ) (smallest at t = 1) and the kernels' rounding to f32.
 */
export function checkAdamLike(h: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number }): void {
  checkRange('lr', h.lr, 0, Infinity);
  checkRange('betas[0]', h.beta1, 0, 1, false, true);
  checkRange('betas[1]', h.beta2, 0, 1, false, true);
  checkRange('eps', h.eps, 0, Infinity, true);
  if (Math.fround(h.eps * Math.sqrt(1 - h.beta2)) === 0) {
    throw new HyperparameterError(`eps = ${h.eps} with betas[1] = ${h.beta2} is 0 in f32 once scaled by √(1 − β2): the update would divide by zero for a zero gradient`);
  }
  checkRange('weightDecay', h.weightDecay, 0, Infinity);
}

export function requireBool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new HyperparameterError(`${name} must be a boolean, got ${valueText(v)}`);
  return v;
}

/** Constructor options: undefined means none; anything else must be a plain options object. */
export function optionsOf<T>(opts: T | undefined, what = 'options'): T {
  if (opts === undefined) return {} as T;
  requireObject(what, opts);
  return opts;
}
