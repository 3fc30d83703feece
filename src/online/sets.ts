// Feasible sets of the online family: first-class, engine-free descriptions with exact projections run
// in WASM (assembly/online/project.ts). A learner takes one as its `set` option; `set.project(engine, y)`
// is the Euclidean projection, `set.projectMahalanobis(engine, y, A)` the A-norm one of the ℓ2 ball
// (Online Newton Step's generalised projection).
//   unconstrained(d)        ℝ^d
//   simplex(d, r = 1)       {x ≥ 0, Σx = r}           sort-based exact projection
//   l1Ball(d, r = 1)        {‖x‖₁ ≤ r}                sort-based exact projection
//   l2Ball(d, r = 1)        {‖x‖₂ ≤ r}                closed form; A-norm: bisection on the multiplier
//   box(lower, upper)       {lower ≤ x ≤ upper}        clamping (lower/upper: arrays, or numbers with d)
import type { Engine } from '../engine/engine.js';
import { describe, HyperparameterError, InvalidArgumentError, NotPositiveDefiniteError } from '../errors.js';
import { onlineEngine, requireVector, stage } from './input.js';
import { checkKnownKeys } from '../options.js';

/** The kinds of feasible set: all of ℝ^d, the simplex, the ℓ1 ball, the ℓ2 ball, a box. */
export type SetKind = 'unconstrained' | 'simplex' | 'l1Ball' | 'l2Ball' | 'box';
/** Kind codes of the kernels. */
export const KIND_CODE: Readonly<Record<SetKind, number>> = { unconstrained: 0, simplex: 1, l1Ball: 2, l2Ball: 3, box: 4 };
/** Largest dimension a set (and a learner) takes. */
export const MAX_DIM = 1 << 24;
/**
 * Slack of `contains` (and of the checks on given points): simplex coordinates ≥ −1e-9 and |Σx − r| ≤
 * 1e-9·max(1, r); norms ≤ r + 1e-9·max(1, r); box bounds ± 1e-9. Projections' own rounding is far below.
 */
export const CONTAINS_TOL = 1e-9;
/** The A-norm projection's bisection stops when hi − lo ≤ 1e-12·hi (or after 200 halvings). */
export const BISECTION_TOL = 1e-12;

const dimOf = (what: string, d: unknown): number => {
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_DIM) throw new HyperparameterError(`${what}: dimension must be an integer in [1, ${MAX_DIM}], got ${describe(d)}`);
  return d;
};
const radiusOf = (what: string, r: unknown): number => {
  if (r === undefined) return 1;
  if (typeof r !== 'number' || !Number.isFinite(r) || !(r > 0)) throw new HyperparameterError(`${what}: radius must be a finite number > 0, got ${describe(r)}`);
  return r;
};

/** A feasible set (immutable). Build one with `online.sets.*`. */
export class FeasibleSet {
  readonly kind: SetKind;
  readonly dim: number;
  /** Radius (simplex: the total Σx; 0 for box and unconstrained). */
  readonly radius: number;
  readonly #lower: Float64Array | null;
  readonly #upper: Float64Array | null;

  /** @internal use online.sets.* */
  constructor(kind: SetKind, dim: number, radius: number, lower: Float64Array | null = null, upper: Float64Array | null = null) {
    this.kind = kind; this.dim = dim; this.radius = radius; this.#lower = lower; this.#upper = upper;
    Object.freeze(this);
  }
  /** Box bounds (copies), or null. */
  get lower(): Float64Array | null { return this.#lower ? this.#lower.slice() : null; }
  get upper(): Float64Array | null { return this.#upper ? this.#upper.slice() : null; }
  /** Euclidean diameter max ‖x − y‖₂ (∞ when unbounded): simplex r√2, balls 2r, box ‖upper − lower‖₂. */
  get diameter(): number {
    switch (this.kind) {
      case 'simplex': return this.dim === 1 ? 0 : this.radius * Math.SQRT2;
      case 'l1Ball': case 'l2Ball': return 2 * this.radius;
      case 'box': { let s = 0; for (let i = 0; i < this.dim; i++) { const w = this.#upper![i]! - this.#lower![i]!; s += w * w; } return Math.sqrt(s); }
      default: return Infinity;
    }
  }
  /** ℓ∞ diameter max ‖x − y‖∞ (AdaGrad's D∞): simplex and ℓ1 r (ℓ1: 2r), ℓ2 2r, box max width. */
  get widthInf(): number {
    switch (this.kind) {
      case 'simplex': return this.dim === 1 ? 0 : this.radius;
      case 'l1Ball': case 'l2Ball': return 2 * this.radius;
      case 'box': { let m = 0; for (let i = 0; i < this.dim; i++) m = Math.max(m, this.#upper![i]! - this.#lower![i]!); return m; }
      default: return Infinity;
    }
  }
  /** A plain description ({ kind, dim, radius, lower?, upper? }). */
  toJSON(): Record<string, unknown> {
    return this.kind === 'box' ? { kind: this.kind, dim: this.dim, lower: [...this.#lower!], upper: [...this.#upper!] } : { kind: this.kind, dim: this.dim, radius: this.radius };
  }

  /** @internal engine buffers of the bounds (a box) for the kernels; freed with `free()`. */
  bounds(engine: Engine): { lo: number; hi: number; free: () => void } {
    if (this.kind !== 'box') return { lo: 0, hi: 0, free: () => {} };
    const lo = engine.alloc(this.dim, 'f64'), hi = engine.alloc(this.dim, 'f64');
    lo.array.set(this.#lower!); hi.array.set(this.#upper!);
    return { lo: lo.ptr, hi: hi.ptr, free: () => { lo.free(); hi.free(); } };
  }

  /** The Euclidean projection of y onto the set (exact; see the file's head). */
  project(engine: Engine, y: ArrayLike<number>): Float64Array {
    engine = onlineEngine(engine, 'set.project');
    const n = this.dim;
    const yb = engine.alloc(n, 'f64'), xb = engine.alloc(n, 'f64'), sc = engine.alloc(3 * n + 4, 'f64');
    const b = this.bounds(engine);
    try {
      stage(engine, 'y', y, n, yb);
      engine.kernel('on_project')(KIND_CODE[this.kind], n, this.radius, b.lo, b.hi, 0, yb.ptr, xb.ptr, sc.ptr);
      return xb.array.slice();
    } finally { b.free(); yb.free(); xb.free(); sc.free(); }
  }

  /**
   * The linear-optimisation oracle: a v of the set minimising ⟨c, v⟩ (what online Frank–Wolfe calls
   * instead of a projection). Ties broken deterministically: simplex r·e_j at the first smallest c_j; ℓ1
   * ball −r·sign(c_j)·e_j at the first largest |c_j| (0 for c = 0); ℓ2 ball −r·c/‖c‖ (0 for c = 0); box
   * lower_i where c_i ≥ 0, upper_i where c_i < 0. InvalidArgumentError for the unconstrained set.
   */
  linearMinimizer(engine: Engine, c: ArrayLike<number>): Float64Array {
    engine = onlineEngine(engine, 'set.linearMinimizer');
    if (this.kind === 'unconstrained') throw new InvalidArgumentError('linearMinimizer needs a bounded set: a linear function has no minimum over all of ℝ^d');
    const n = this.dim;
    const cb = engine.alloc(n, 'f64'), vb = engine.alloc(n, 'f64');
    const b = this.bounds(engine);
    try {
      stage(engine, 'c', c, n, cb);
      engine.kernel('on_lmo')(KIND_CODE[this.kind], n, this.radius, b.lo, b.hi, cb.ptr, vb.ptr);
      return vb.array.slice();
    } finally { b.free(); cb.free(); vb.free(); }
  }

  /**
   * argmin over the set of (x − y)ᵀA(x − y), A symmetric positive definite (d×d, row-major): for the ℓ2
   * ball, x(μ) = (A + μI)⁻¹A y with μ bisected to relative 1e-12 (x inside the ball); unconstrained: y.
   */
  projectMahalanobis(engine: Engine, y: ArrayLike<number>, a: ArrayLike<number>): Float64Array {
    engine = onlineEngine(engine, 'set.projectMahalanobis');
    if (this.kind !== 'l2Ball' && this.kind !== 'unconstrained') throw new InvalidArgumentError(`projectMahalanobis is implemented for the l2Ball and unconstrained sets, not ${this.kind}`);
    const n = this.dim;
    const yb = engine.alloc(n, 'f64'), ab = engine.alloc(n * n, 'f64'), xb = engine.alloc(n, 'f64'), w = engine.alloc(n * n + 2 * n + 2, 'f64');
    try {
      stage(engine, 'y', y, n, yb);
      stage(engine, 'A', a, n * n, ab);
      if (this.kind === 'unconstrained') return yb.array.slice();
      const it = engine.kernel('on_project_maha')(n, this.radius, ab.ptr, yb.ptr, xb.ptr, w.ptr);
      if (it < 0) throw new NotPositiveDefiniteError('A + μI is not positive definite for a μ > 0: A must be symmetric positive (semi-)definite', -1);
      return xb.array.slice();
    } finally { yb.free(); ab.free(); xb.free(); w.free(); }
  }

  /** Whether x lies in the set within CONTAINS_TOL (see above). */
  contains(engine: Engine, x: ArrayLike<number>): boolean { return this.outside(onlineEngine(engine, 'set.contains'), x) < 0; }

  /** @internal the kernel's verdict on a staged or given point: -1 inside, else the offending index (dim for a sum/norm). */
  outside(engine: Engine, x: ArrayLike<number>): number {
    const n = this.dim, xb = engine.alloc(n, 'f64'), b = this.bounds(engine);
    try {
      stage(engine, 'x', x, n, xb);
      return engine.kernel('on_outside')(KIND_CODE[this.kind], n, this.radius, b.lo, b.hi, xb.ptr, CONTAINS_TOL);
    } finally { b.free(); xb.free(); }
  }
}

/** ℝ^d. */
export function unconstrained(dim: number): FeasibleSet { return new FeasibleSet('unconstrained', dimOf('unconstrained', dim), 0); }
/** The simplex {x ≥ 0, Σx = radius} (radius default 1). */
export function simplex(dim: number, radius?: number): FeasibleSet { return new FeasibleSet('simplex', dimOf('simplex', dim), radiusOf('simplex', radius)); }
/** The ℓ1 ball {‖x‖₁ ≤ radius} (default 1). */
export function l1Ball(dim: number, radius?: number): FeasibleSet { return new FeasibleSet('l1Ball', dimOf('l1Ball', dim), radiusOf('l1Ball', radius)); }
/** The ℓ2 ball {‖x‖₂ ≤ radius} (default 1). */
export function l2Ball(dim: number, radius?: number): FeasibleSet { return new FeasibleSet('l2Ball', dimOf('l2Ball', dim), radiusOf('l2Ball', radius)); }
/** The box {lower ≤ x ≤ upper}: arrays of one length, or numbers with `dim`. */
export function box(lower: ArrayLike<number> | number, upper: ArrayLike<number> | number, dim?: number): FeasibleSet {
  const arr = (name: string, v: unknown): Float64Array | null => {
    if (typeof v === 'number') return null;
    requireVector(`box ${name}`, v);
    return Float64Array.from(v as ArrayLike<number>);
  };
  const lo = arr('lower', lower), hi = arr('upper', upper);
  const n = dimOf('box', dim ?? lo?.length ?? hi?.length ?? (typeof lower === 'number' && typeof upper === 'number' ? undefined : 0));
  const full = (name: string, a: Float64Array | null, v: unknown): Float64Array => {
    if (a) { if (a.length !== n) throw new HyperparameterError(`box ${name} has length ${a.length}, expected ${n}`); return a; }
    if (typeof v !== 'number') throw new InvalidArgumentError(`box ${name} must be a number or an array, got ${describe(v)}`);
    return new Float64Array(n).fill(v);
  };
  const L = full('lower', lo, lower), U = full('upper', hi, upper);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(L[i]!) || !Number.isFinite(U[i]!) || !(L[i]! <= U[i]!)) throw new HyperparameterError(`box bounds must be finite with lower ≤ upper, got [${L[i]}, ${U[i]}] at index ${i}`);
  }
  return new FeasibleSet('box', n, 0, L, U);
}

/** Rebuild a set from its toJSON() description (state files). */
export function setFromJSON(o: unknown): FeasibleSet {
  const s = o as Record<string, unknown>;
  switch (s?.kind) {
    case 'unconstrained': return unconstrained(s.dim as number);
    case 'simplex': return simplex(s.dim as number, s.radius as number);
    case 'l1Ball': return l1Ball(s.dim as number, s.radius as number);
    case 'l2Ball': return l2Ball(s.dim as number, s.radius as number);
    case 'box': return box(s.lower as number[], s.upper as number[], s.dim as number);
    default: throw new HyperparameterError(`unknown feasible set kind ${describe(s?.kind)}`);
  }
}

/** Throws InvalidArgumentError unless v is a FeasibleSet (of dimension dim when given). */
export function requireSet(what: string, v: unknown): FeasibleSet {
  if (!(v instanceof FeasibleSet)) throw new InvalidArgumentError(`${what} option set must be a feasible set from online.sets (simplex, l1Ball, l2Ball, box, unconstrained), got ${describe(v)}`);
  return v;
}

/**
 * The option checks every set-based learner's constructor starts with, in this order: options an
 * object, holding only `keys`, whose `set` is a feasible set (returned).
 */
export function learnerSet(what: string, options: unknown, keys: readonly string[]): FeasibleSet {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`${what} options must be an object with a set`);
  checkKnownKeys(`${what} option`, options as Record<string, unknown>, keys);
  return requireSet(what, (options as { set?: unknown }).set);
}
