/** Stable error codes. Every failing call leaves parameters and state exactly as they were. */
export type ErrorCode =
  | 'LENGTH_MISMATCH'
  | 'INVALID_HYPERPARAMETER'
  | 'DISPOSED'
  | 'FOREIGN_BUFFER'
  | 'OUT_OF_MEMORY'
  | 'UNSUPPORTED'
  | 'INVALID_STATE'
  | 'NOT_POSITIVE_DEFINITE'
  | 'NON_FINITE'
  | 'INVALID_ARGUMENT'
  | 'WORKER_LOST'
  | 'STORE_UNAVAILABLE';

// Recognisable in any bundle (issue 15 §3): `err.name` is a string literal per class (a minifier
// renames classes, so `new.target.name` would read e.g. "IA"), and every error carries a brand under
// Symbol.for('simdopt.error'), shared by every copy of the package in one process (the ESM and the
// CJS build, two bundles), so `err instanceof SimdoptError` (and of each subclass) holds across copies.
// `err.code` is the stable check; `SimdoptError.is(err)` is the same test as `instanceof`.
const BRAND: unique symbol = Symbol.for('simdopt.error') as any;
const KIND: unique symbol = Symbol.for('simdopt.error.kind') as any;
type Branded = { readonly [BRAND]?: readonly string[] };
const ownKind = (c: unknown): string | undefined =>
  c !== null && (typeof c === 'function') && Object.prototype.hasOwnProperty.call(c, KIND) ? (c as any)[KIND] : undefined;

/**
 * The base class of every error simdopt throws; `code` names the kind (ErrorCode) and stays stable across
 * versions.
 */
export class SimdoptError extends Error {
  /** The class's name as a literal (survives minification); each subclass sets its own. */
  static readonly [KIND]: string = 'SimdoptError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    const chain: string[] = [];
    for (let c: unknown = new.target; c && c !== Error; c = Object.getPrototypeOf(c)) {
      const k = ownKind(c);
      if (k !== undefined) chain.push(k);
    }
    Object.defineProperty(this, BRAND, { value: Object.freeze(chain), enumerable: false });
    // A user subclass without its own literal keeps its (possibly minified) class name.
    const own = ownKind(new.target);
    Object.defineProperty(this, 'name', { value: own ?? new.target.name ?? chain[0], enumerable: false, writable: true, configurable: true });
  }

  /** `instanceof` across copies of the package: the prototype chain, or the brand naming this class. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, x)) return true;
    const k = ownKind(this);
    if (k === undefined || x === null || typeof x !== 'object') return false;
    const chain = (x as Branded)[BRAND];
    return Array.isArray(chain) && chain.includes(k);
  }

  /** Whether `err` is an error of this class, from any copy of the package (same as `instanceof`). */
  static is<T extends abstract new (...a: any[]) => SimdoptError>(this: T, err: unknown): err is InstanceType<T> {
    return (this as any)[Symbol.hasInstance](err);
  }
}
/** An array or buffer has the wrong number of elements (code LENGTH_MISMATCH). */
export class LengthMismatchError extends SimdoptError {
  static override readonly [KIND]: string = 'LengthMismatchError';
  constructor(message: string) { super('LENGTH_MISMATCH', message); }
}
/**
 * An option is unknown, has the wrong type or is out of range (code INVALID_HYPERPARAMETER); the message
 * names the accepted values.
 */
export class HyperparameterError extends SimdoptError {
  static override readonly [KIND]: string = 'HyperparameterError';
  constructor(message: string) { super('INVALID_HYPERPARAMETER', message); }
}
/**
 * The object (or its engine) was freed or disposed (code DISPOSED); the message says how to get a live one.
 */
export class DisposedError extends SimdoptError {
  static override readonly [KIND]: string = 'DisposedError';
  constructor(message: string) { super('DISPOSED', message); }
}
/** A buffer from another engine, or a plain array where an EngineBuffer is needed (code FOREIGN_BUFFER). */
export class ForeignBufferError extends SimdoptError {
  static override readonly [KIND]: string = 'ForeignBufferError';
  constructor(message: string) { super('FOREIGN_BUFFER', message); }
}
/** The engine's memory would exceed `maxMemory` (code OUT_OF_MEMORY); nothing was allocated. */
export class OutOfMemoryError extends SimdoptError {
  static override readonly [KIND]: string = 'OutOfMemoryError';
  constructor(message: string) { super('OUT_OF_MEMORY', message); }
}
/**
 * The runtime or build lacks what was asked for (code UNSUPPORTED), e.g. a module variant the workerd entry
 * does not ship.
 */
export class UnsupportedError extends SimdoptError {
  static override readonly [KIND]: string = 'UnsupportedError';
  constructor(message: string) { super('UNSUPPORTED', message); }
}
/**
 * A state (state dict, state file, or the object's own state) is wrong for the operation (code
 * INVALID_STATE); nothing was changed.
 */
export class StateError extends SimdoptError {
  static override readonly [KIND]: string = 'StateError';
  constructor(message: string) { super('INVALID_STATE', message); }
}
/** A missing or wrong-typed argument: null, undefined or a value of the wrong JavaScript type where an object, array, buffer, number, string or function is expected. */
export class InvalidArgumentError extends SimdoptError {
  static override readonly [KIND]: string = 'InvalidArgumentError';
  constructor(message: string) { super('INVALID_ARGUMENT', message); }
}

/**
 * A worker thread was lost (it exited or was terminated) while the engine had work for it. The engine
 * has moved to one thread (`engine.info.threads === 1`, the reason in `engine.info.fallbacks`). `completed`:
 * the interrupted call was finished on the calling thread (an optimizer step: parameters, state and
 * step count exactly as after the step, bit for bit what one thread computes); false only when the
 * worker died while running its part of a kernel, whose outputs are then undefined.
 */
/** A worker thread was lost during a call; `completed` says whether the call's work was finished on the calling thread. */
export class WorkerLostError extends SimdoptError {
  static override readonly [KIND]: string = 'WorkerLostError';
  readonly completed: boolean;
  constructor(message: string, completed: boolean) { super('WORKER_LOST', message); this.completed = completed; }
}

/**
 * A shared-state store (src/bandits/stores/) did not answer: unreachable, refused the command, or
 * timed out. `applied` is false when the update certainly did not happen, null when it may have (a
 * timeout after sending): resending the same events is safe either way, since the store deduplicates
 * by eventId.
 */
export class StoreError extends SimdoptError {
  static override readonly [KIND]: string = 'StoreError';
  readonly applied: false | null;
  constructor(message: string, applied: false | null) { super('STORE_UNAVAILABLE', message); this.applied = applied; }
}

/** A gradient (or another input) holds NaN or ±Infinity; `tensor` names the first offending tensor. */
export class NonFiniteError extends SimdoptError {
  static override readonly [KIND]: string = 'NonFiniteError';
  readonly tensor: string;
  readonly count: number;
  constructor(message: string, tensor: string, count: number) { super('NON_FINITE', message); this.tensor = tensor; this.count = count; }
}

/** A matrix that must be symmetric positive definite is not (a Cholesky factorisation met a pivot ≤ 0). */
export class NotPositiveDefiniteError extends SimdoptError {
  static override readonly [KIND]: string = 'NotPositiveDefiniteError';
  /** 0-based index of the first non-positive pivot. */
  readonly pivot: number;
  constructor(message: string, pivot: number) { super('NOT_POSITIVE_DEFINITE', message); this.pivot = pivot; }
}

/**
 * A value as a message shows it, with its type: `string '0.1'`, `number NaN`, `null`, `undefined`,
 * `array of length 3`, `Float64Array of length 3`, `object {lr, beta}`, `function f`.
 */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'undefined': return 'undefined';
    case 'string': return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number': return `number ${Object.is(v, -0) ? '-0' : String(v)}`;
    case 'bigint': return `bigint ${String(v)}n`;
    case 'boolean': return `boolean ${String(v)}`;
    case 'symbol': return `symbol ${String(v.description ?? '')}`;
    case 'function': return `function ${(v as { name?: string }).name || '(anonymous)'}`;
  }
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor?.name ?? 'typed array'} of length ${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength}`;
  const ctor = (v as object).constructor;
  if (ctor && ctor !== Object && typeof ctor.name === 'string' && ctor.name) return `${ctor.name} object`;
  const keys = Object.keys(v as object);
  return `object {${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}}`;
}

/** A value for messages: a number as it is (-0 kept), anything else described with its type (never throws). */
export function valueText(v: unknown): string { return typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : describe(v); }
/** A name for messages: a string as it is, anything else described (never throws). */
export function nameText(v: unknown): string { return typeof v === 'string' ? v : describe(v); }
/** A shape as `[2, 3]` for messages: numbers as they are, anything else described (never throws). */
export function shapeText(v: unknown): string {
  return Array.isArray(v) ? `[${v.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]` : describe(v);
}
/** Throws InvalidArgumentError unless `v` is a non-null object (not an array unless `array`). */
export function requireObject(name: string, v: unknown, what = 'an object'): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError(`${name} must be ${what}, got ${describe(v)}`);
}
/** Throws InvalidArgumentError unless `v` is an array or array-like of numbers (a typed array). */
export function requireArrayLike(name: string, v: unknown): asserts v is ArrayLike<number> {
  const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok) throw new InvalidArgumentError(`${name} must be an array or a typed array of numbers, got ${describe(v)}`);
}
/** Throws InvalidArgumentError unless `v` is a string. */
export function requireString(name: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') throw new InvalidArgumentError(`${name} must be a string, got ${describe(v)}`);
}
/** Throws InvalidArgumentError unless `v` is a function. */
export function requireFunction(name: string, v: unknown): asserts v is (...a: any[]) => unknown {
  if (typeof v !== 'function') throw new InvalidArgumentError(`${name} must be a function, got ${describe(v)}`);
}

/** Edit distance with adjacent transpositions (`roh` → `rho` is 1), for did-you-mean suggestions on short names. */
function distance(a: string, b: string): number {
  let pp: number[] = [], prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, pp[j - 2]! + 1);
      cur[j] = d;
    }
    pp = prev; prev = cur;
  }
  return prev[b.length]!;
}
const normName = (s: string): string => s.replace(/[_\-\s]/g, '').toLowerCase();
/**
 * The accepted name nearest to `given` (case, `_` and `-` ignored: `weight_decay` → `weightDecay`),
 * or undefined when none is close. The one matcher behind every did-you-mean of the library
 * (tensor, kernel, dtype, option and state field names).
 */
export function nearest(given: string, accepted: readonly string[]): string | undefined {
  const g = normName(given);
  // the names other libraries give an option (torch, optax, Keras, MABWiser), where ours differs
  const alias = SYNONYMS[g];
  if (alias) { const hit = accepted.find((a) => alias.includes(normName(a))); if (hit !== undefined) return hit; }
  let best: string | undefined, bestD = Infinity;
  for (const a of accepted) {
    const d = distance(g, normName(a));
    if (d < bestD) { bestD = d; best = a; }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(given.length / 3))) return best;
  // a part of the name (`floor` -> `explorationFloor`, `lineSearch` -> `lineSearchFn`), when only one name has it
  if (g.length >= 4) {
    const within = accepted.filter((a) => { const n = normName(a); return n.includes(g) || (n.length >= 4 && g.includes(n)); });
    if (within.length === 1) return within[0];
  }
  return undefined;
}
/** Other libraries' option names (normalised as normName does) -> the normalised names they may mean here. */
const SYNONYMS: Record<string, readonly string[]> = {
  learningrate: ['lr'], stepsize: ['lr'], eta: ['lr'], alpha: ['lr'],
  beta1: ['betas', 'b1'], beta2: ['betas', 'b2'], b1: ['betas'], b2: ['betas'],
  epsilon: ['eps'], decay: ['weightdecay'], wd: ['weightdecay'], l2: ['weightdecay', 'lambda'],
  narms: ['arms'], numarms: ['arms'], karms: ['arms'], k: ['arms'], nexperts: ['experts'],
  dimension: ['dim', 'features'], d: ['dim'], nfeatures: ['features', 'dim'], randomseed: ['seed'],
  numthreads: ['threads'], workers: ['threads'], memory: ['historysize', 'memory'],
};
/**
 * The accepted names and the nearest match, for a message about an unknown name:
 * `; did you mean "weight"? Accepted: "weight", "bias"` (the list cut after 20), or
 * `. Accepted: ...` when no name is near.
 */
export function suggest(given: string, accepted: readonly string[]): string {
  const best = nearest(given, accepted);
  const near = best !== undefined ? `; did you mean ${JSON.stringify(best)}?` : '.';
  const list = accepted.slice(0, 20).map((a) => JSON.stringify(a)).join(', ') + (accepted.length > 20 ? `, … (${accepted.length} in all)` : '');
  return `${near} Accepted: ${list || '(none)'}`;
}

/** Throws HyperparameterError unless `value` is a finite number within [lo, hi] (open ends with the flags). */
export function checkRange(name: string, value: unknown, lo: number, hi: number, openLo = false, openHi = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HyperparameterError(`${name} must be a finite number, got ${describe(value)}`);
  }
  if (value < lo || value > hi || (openLo && value === lo) || (openHi && value === hi)) {
    const l = openLo ? '(' : '[', r = openHi ? ')' : ']';
    throw new HyperparameterError(`${name} must be in ${l}${lo}, ${hi}${r}, got ${value}`);
  }
  return value;
}
