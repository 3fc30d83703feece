// The one protocol of the online family (the contract every learner keeps):
//   predict(x?)            → the decision for the next round: a point of the feasible set (OCO learners),
//                            a weight vector over the experts (aggregation rules), or with features x a
//                            prediction (FTRL-Proximal's probability). Pure: nothing changes.
//   update(lossOrGradient, info?)  one round of feedback: a (sub)gradient at the last decision, a loss
//                            vector over the experts, or an outcome with info (the experts' advice, the
//                            features). One wasm call; all inputs are checked first (length, numbers,
//                            finiteness), so a refused call raises a typed error and changes nothing.
//   save() / online.load(engine, bytes)  strict, versioned state files (src/engine/state-container.ts):
//                            the learner's class, its layout version, its options, its set and its state,
//                            checksummed; the loaded learner continues bit for bit.
// State: one f64 engine buffer per learner, [t, 0, then the learner's vectors]. Decisions are the same
// bits in every runtime and build (fixed-order sums, no host Math in the numerics).
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { describe, DisposedError, InvalidArgumentError, NonFiniteError, StateError } from '../errors.js';
import { readContainer, writeContainer } from '../engine/state-container.js';
import { FeasibleSet, KIND_CODE, setFromJSON, CONTAINS_TOL } from './sets.js';
import { stage } from './input.js';

/** The `format` field of an online-learner state file (`online.STATE_FORMAT`). */
export const ONLINE_STATE_FORMAT = 'simdopt/online-state';
/** The online-learner state file layout this build writes and reads (`online.STATE_VERSION`). */
export const ONLINE_STATE_VERSION = 1;
/** f64 values before the learner's vectors in its state: [t, 0]. */
export const HEADER = 2;

/**
 * The base class of every online learner: `predict()` gives the next decision, `update()` takes the
 * round's loss gradient (or outcome), `save()`/`online.load()` round-trip the state, `free()` releases it.
 */
export abstract class OnlineLearner {
  readonly engine: Engine;
  /** Length of the decision (d, or the number of experts). */
  readonly dim: number;
  /** The feasible set (null for learners without one: FTRL-Proximal and the aggregation rules, whose set is the simplex of weights). */
  readonly set: FeasibleSet | null;
  /** @internal */ protected readonly st: EngineBuffer<'f64'>;
  /** @internal */ protected readonly scratch: EngineBuffer<'f64'>;
  /** @internal */ protected readonly inp: EngineBuffer<'f64'>;
  /** @internal */ protected readonly lo: EngineBuffer<'f64'> | null;
  /** @internal */ protected readonly hi: EngineBuffer<'f64'> | null;
  /** @internal a copy of the state taken before each update, restored when the update overflowed. */
  protected readonly backup: EngineBuffer<'f64'> | null;
  #freed = false;

  /** @internal */
  constructor(engine: Engine, dim: number, set: FeasibleSet | null, stateLen: number, scratchLen: number, inputLen: number, backup = true) {
    this.engine = engine; this.dim = dim; this.set = set;
    const bufs: EngineBuffer<'f64'>[] = [];
    try {
      const a = (n: number): EngineBuffer<'f64'> => { const b = engine.alloc(n, 'f64'); bufs.push(b); return b; };
      this.st = a(HEADER + stateLen);
      this.scratch = a(Math.max(scratchLen, 1));
      this.inp = a(Math.max(inputLen, 1));
      this.backup = backup ? a(HEADER + stateLen) : null;
      if (set?.kind === 'box') { this.lo = a(set.dim); this.hi = a(set.dim); this.lo.array.set(set.lower!); this.hi.array.set(set.upper!); } else { this.lo = null; this.hi = null; }
    } catch (e) { for (const b of bufs) b.free(); throw e; }
  }

  /** Class name in state files (a literal per class: survives minification). */
  abstract get learnerName(): string;
  /** Version of the class's state layout. */
  get learnerVersion(): number { return 1; }
  /** The options as the constructor takes them (every default resolved; the set and x0 are not options here). */
  abstract get options(): Record<string, unknown>;

  /** Whether free() was called. */
  get isFreed(): boolean { return this.#freed; }

  /** Rounds learned so far. */
  get t(): number { this.live(); return this.st.array[0]!; }

  /** @internal */
  protected live(): void {
    if (this.#freed) throw new DisposedError(`this ${this.learnerName} was freed (free() released its state): create a new one, or online.load(engine, bytes) a state saved with save()`);
    this.engine.checkLive();
  }
  /** @internal strictness: a learner whose call takes no (more) arguments refuses any given one. */
  protected noArgs(method: string, rest: unknown[], taken = 0): void {
    const i = rest.findIndex((v) => v !== undefined);
    if (i >= 0) throw new InvalidArgumentError(`${this.learnerName}.${method} takes ${taken === 0 ? 'no arguments' : `${taken} argument${taken > 1 ? 's' : ''}`}; argument ${taken + i + 1} is ${describe(rest[i])}`);
  }
  /**
   * @internal the start every update(gradient) shares: the learner is live, no argument beyond the gradient
   * (rest = the call's further arguments), the gradient checked (a vector of dim finite numbers) and
   * copied into inp. Returns dim.
   */
  protected stageGradient(gradient: unknown, rest: unknown[]): number {
    this.live();
    this.noArgs('update', rest, 1);
    stage(this.engine, 'gradient', gradient, this.dim, this.inp);
    return this.dim;
  }
  /** @internal set kind code, radius and bound pointers for the kernels. */
  protected setArgs(): [number, number, number, number] {
    const s = this.set!;
    return [KIND_CODE[s.kind], s.radius, this.lo?.ptr ?? 0, this.hi?.ptr ?? 0];
  }
  /** @internal the decision x (HEADER onwards, dim values) as a copy. */
  protected decision(): Float64Array { return this.st.array.slice(HEADER, HEADER + this.dim); }

  /**
   * @internal run one update kernel so that an update whose result overflows (a non-finite value in the
   * state: gradients near the input limit times a huge step) is undone and refused with NonFiniteError.
   */
  protected guarded<T>(fn: () => T): T {
    const b = this.backup!;
    b.array.set(this.st.array);
    const r = fn();
    const bad = this.engine.kernel('on_first_nonfinite')(this.st.length, this.st.ptr);
    if (bad >= 0) {
      this.st.array.set(b.array);
      throw new NonFiniteError(`${this.learnerName}: this update would make the state non-finite (state value ${bad} overflowed); the learner is unchanged`, 'state', 1);
    }
    return r;
  }

  /** The state as saved (a copy): [t, 0, vectors...]. */
  stateArray(): Float64Array { this.live(); return this.st.array.slice(); }

  /** The learner as bytes for online.load (strict, versioned, checksummed). */
  save(): Uint8Array {
    this.live();
    const s = this.set;
    return writeContainer(this.engine, ONLINE_STATE_FORMAT, ONLINE_STATE_VERSION, {
      learner: this.learnerName, learnerVersion: this.learnerVersion, options: this.options,
      set: s ? { kind: s.kind, dim: s.dim, radius: s.radius } : null,
    }, { state: this.st.array, lower: s?.lower ?? new Float64Array(0), upper: s?.upper ?? new Float64Array(0) });
  }

  /** @internal loading: check and copy a saved state into this fresh learner. */
  restore(state: Float64Array): void {
    if (state.length !== this.st.length) throw new StateError(`${this.learnerName} state has ${state.length} values, this learner's layout has ${this.st.length}`);
    const t = state[0]!;
    if (!Number.isInteger(t) || t < 0 || state[1] !== 0) throw new StateError(`${this.learnerName} state header [t, 0] is not [a non-negative integer, 0]: [${state[0]}, ${state[1]}]`);
    const tmp = this.engine.alloc(state.length, 'f64');
    try {
      tmp.array.set(state);
      const bad = this.engine.kernel('on_first_nonfinite')(state.length, tmp.ptr);
      if (bad >= 0) throw new StateError(`${this.learnerName} state value ${bad} is not finite (${state[bad]})`);
    } finally { tmp.free(); }
    this.checkRestored(state);
    this.st.array.set(state);
  }
  /** @internal class-specific checks of a loaded state (the decision inside the set, positive accumulators, ...). */
  protected checkRestored(state: Float64Array): void {
    if (this.set && this.set.kind !== 'unconstrained' && this.set.outside(this.engine, state.subarray(HEADER, HEADER + this.dim)) >= 0) {
      throw new StateError(`${this.learnerName} state decision lies outside its ${this.set.kind} (tolerance ${CONTAINS_TOL})`);
    }
  }

  /** Release the engine memory. Later calls raise DisposedError. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    if (this.engine.isDisposed) return;
    for (const b of [this.st, this.scratch, this.inp, this.lo, this.hi, this.backup]) b?.free();
  }
}

/** What online.load needs of a class: a name and a constructor from (engine, options with set). */
export interface LearnerClass {
  new (engine: Engine, options: any): OnlineLearner;
  readonly learnerName: string;
}

/** Parse a state file and build the learner it describes (classes: the family's registry). */
export function loadLearner(engine: Engine, bytes: unknown, classes: readonly LearnerClass[]): OnlineLearner {
  const { manifest: m, arrays } = readContainer(engine, bytes, ONLINE_STATE_FORMAT, ONLINE_STATE_VERSION,
    ['learner', 'learnerVersion', 'options', 'set'], ['state', 'lower', 'upper'], 'online learner');
  const C = classes.find((c) => Object.prototype.hasOwnProperty.call(c, 'learnerName') && c.learnerName === m.learner);
  if (!C) throw new StateError(`state file learner ${JSON.stringify(m.learner)} is not an online learner of this build (${classes.map((c) => c.learnerName).join(', ')})`);
  if (m.options === null || typeof m.options !== 'object' || Array.isArray(m.options)) throw new StateError('state file options must be an object');
  let set: FeasibleSet | undefined;
  if (m.set !== null) {
    const s = m.set as Record<string, unknown>;
    if (typeof s !== 'object' || Array.isArray(s)) throw new StateError('state file set must be an object or null');
    try {
      set = setFromJSON(s.kind === 'box' ? { ...s, lower: arrays.lower, upper: arrays.upper } : s);
    } catch (e) { throw new StateError(`state file set is invalid: ${(e as Error).message}`); }
  } else if (arrays.lower!.length || arrays.upper!.length) throw new StateError('state file has box bounds but no set');
  let learner: OnlineLearner;
  try {
    learner = new C(engine, set ? { ...(m.options as object), set } : m.options);
  } catch (e) { throw new StateError(`state file options are invalid for ${C.learnerName}: ${(e as Error).message}`); }
  if (learner.learnerVersion !== m.learnerVersion) { learner.free(); throw new StateError(`${C.learnerName} state layout version ${String(m.learnerVersion)} is not this build's ${learner.learnerVersion}`); }
  try { learner.restore(arrays.state!); } catch (e) { learner.free(); throw e; }
  return learner;
}
