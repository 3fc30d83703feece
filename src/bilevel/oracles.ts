// The oracles every bilevel method is written against (f = upper level, g = lower level):
//   lowerGrad  ∇ᵧg(x, y)            upperGrad  ∇ₓf, ∇ᵧf         upperValue  f (optional)
//   hvp        ∇²ᵧᵧg·v  (dy → dy)   cross      ∇²ₓᵧg·v (dy → dx) crossT      ∇²ᵧₓg·u (dx → dy)
//   denseHessian  ∇²ᵧᵧg as a dy×dy matrix (exact Cholesky mode)
// and the tiers that provide the second-order products: the user's callbacks ('user'), central finite
// differences of the user's gradients ('finite-difference'), or a built-in model's analytic products
// ('built-in', src/bilevel/models/). Vectors live in engine memory (src/bilevel/vec.ts); callbacks get
// fresh Float64Array copies of x, y, v and write their outputs into the arrays they are given. An output
// left with NaN or ±Infinity (outputs are NaN-filled before each call, so an entry left unwritten counts)
// ends the run with a NonFiniteError naming the callback; a returned array of the wrong length with a
// LengthMismatchError; a non-number return with InvalidArgumentError. Nothing is silently used.
import { describe, InvalidArgumentError, LengthMismatchError, NonFiniteError, UnsupportedError } from '../errors.js';
import type { Vec, Vecs } from './vec.js';

/** How the second-order products were obtained. */
export type SecondOrderTier = 'user' | 'finite-difference' | 'built-in';

/** Oracle evaluations of a run (a finite-difference product counts as one product and two gradient calls). */
export interface OracleCalls {
  upperGrad: number; upperValue: number; lowerGrad: number; lowerGradX: number;
  hvp: number; cross: number; crossT: number;
  /** Transposed Jacobian products (∂ᵧF)ᵀ·v of aid-normal-cg (0 for every other method). */
  hvpT: number;
}
export const zeroCalls = (): OracleCalls => ({ upperGrad: 0, upperValue: 0, lowerGrad: 0, lowerGradX: 0, hvp: 0, cross: 0, crossT: 0, hvpT: 0 });

/**
 * The upper level f(x, y) as callbacks. Arrays are Float64Array copies; write every entry of gx (dx) and gy (dy).
 * Under a stochastic method (stocbio, soba) every callback of both levels gets one more, last argument: the
 * minibatch, an Int32Array of sample indices (drawn with replacement from problem.samples), and evaluates the
 * batch mean of its per-sample terms (value: called without a batch, the full objective).
 */
export interface UpperLevel {
  /** Write ∇ₓf(x, y) into gx and ∇ᵧf(x, y) into gy. */
  grad: (x: Float64Array, y: Float64Array, gx: Float64Array, gy: Float64Array) => void;
  /** f(x, y) (optional: reported in the history as upperValue, NaN without it). */
  value?: (x: Float64Array, y: Float64Array) => number;
}

/** The lower level g(x, y) as callbacks (missing second-order products are built by finite differences of `grad`/`gradX`). */
export interface LowerLevel {
  /** Write ∇ᵧg(x, y) into gy (dy). */
  grad: (x: Float64Array, y: Float64Array, gy: Float64Array) => void;
  /** Write ∇ₓg(x, y) into gx (dx); used for the finite-difference cross product when `crossJvp` is absent. */
  gradX?: (x: Float64Array, y: Float64Array, gx: Float64Array) => void;
  /** Write ∇²ᵧᵧg(x, y)·v into out (dy). */
  hvp?: (x: Float64Array, y: Float64Array, v: Float64Array, out: Float64Array) => void;
  /** Write ∇²ₓᵧg(x, y)·v into out (dx; v has dy entries): the directional derivative of ∇ₓg along y-direction v. */
  crossJvp?: (x: Float64Array, y: Float64Array, v: Float64Array, out: Float64Array) => void;
  /** Write ∇²ᵧₓg(x, y)·u into out (dy; u has dx entries): the directional derivative of ∇ᵧg along x-direction u (forward-mode ITD). */
  crossJvpT?: (x: Float64Array, y: Float64Array, u: Float64Array, out: Float64Array) => void;
  /**
   * aid-normal-cg, where `grad` is any root map F(x, y) (y* solves F(x, y*) = 0, e.g. F = y − T(x, y) for a
   * fixed point y = T(x, y)) with a possibly non-symmetric Jacobian J = ∂ᵧF: write Jᵀ·v into out (dy). Then
   * `hvp` is J·v and `crossJvp` is (∂ₓF)ᵀ·v. Without it, Jᵀv is built from dy products J·eⱼ (dy ≤ maxDense).
   */
  hvpT?: (x: Float64Array, y: Float64Array, v: Float64Array, out: Float64Array) => void;
}

/** What the methods call (engine vectors; internal). */
export interface Oracles {
  readonly dx: number;
  readonly dy: number;
  readonly calls: OracleCalls;
  /** Tier of the products actually used (set as they are first called). */
  readonly tiers: Set<SecondOrderTier>;
  /** Largest estimated relative error of a finite-difference product so far (0 when none was made). */
  fdError: number;
  /** Estimate the error of the next finite-difference product of each kind (costs 2 more gradients each). */
  estimateNext(): void;
  /** Where y starts when the problem gives no y0 (absent: zeros); the MLP model's seeded Glorot weights. */
  initialY?(y: Vec): void;
  /** Stochastic methods: the sample indices the next lower-level (g) or upper-level (f) evaluations use; null = all samples. */
  setBatch?(level: 'lower' | 'upper', idx: Int32Array | null): void;
  lowerGrad(x: Vec, y: Vec, out: Vec): void;
  upperGrad(x: Vec, y: Vec, gx: Vec, gy: Vec): void;
  /** ∇ₓg(x, y) (dx), where the problem provides it (built-in models; lower.gradX): the first-order methods need it. */
  lowerGradX?(x: Vec, y: Vec, out: Vec): void;
  /** f(x, y), or NaN when the problem has no value oracle. */
  upperValue(x: Vec, y: Vec): number;
  hvp(x: Vec, y: Vec, v: Vec, out: Vec): void;
  /** (∂ᵧF)ᵀ·v for a non-symmetric root map F = lower.grad (aid-normal-cg); absent: the products are symmetric (= hvp). */
  hvpT?(x: Vec, y: Vec, v: Vec, out: Vec): void;
  cross(x: Vec, y: Vec, v: Vec, out: Vec): void;
  crossT(x: Vec, y: Vec, u: Vec, out: Vec): void;
  /** ∇²ᵧᵧg as a symmetric dy×dy row-major matrix. */
  denseHessian(x: Vec, y: Vec, out: Vec): void;
}

/** cbrt(2⁻⁵²): the central-difference step that balances truncation O(ε²) against round-off O(δ/ε). */
export const FD_STEP = 6.0554544523933395e-6;
const EPS = 2.220446049250313e-16;

type CB = (...a: Float64Array[]) => unknown;

/** Oracles from user callbacks, with finite differences of the gradients where a product is missing. */
export class CallbackOracles implements Oracles {
  readonly calls = zeroCalls();
  readonly tiers = new Set<SecondOrderTier>();
  fdError = 0;
  private pending = { hvp: false, cross: false, crossT: false };
  private readonly ox: Float64Array; private readonly oy: Float64Array;
  private readonly t: { a: Vec; b: Vec; ga: Vec; gb: Vec; d2: Vec; xa: Vec; xb: Vec; gxa: Vec; gxb: Vec; d2x: Vec; e: Vec; ex: Vec; he: Vec; hc: Vec; jt: Vec };
  constructor(private readonly v: Vecs, readonly dx: number, readonly dy: number, private readonly upper: UpperLevel,
    private readonly lower: LowerLevel, private readonly fdStep: number, private readonly maxDense: number) {
    this.ox = new Float64Array(dx); this.oy = new Float64Array(dy);
    if (lower.gradX) this.lowerGradX = (x, y, out) => this.gradXRaw(x, y, out);
    this.t = { a: v.alloc(dy), b: v.alloc(dy), ga: v.alloc(dy), gb: v.alloc(dy), d2: v.alloc(dy), xa: v.alloc(dx), xb: v.alloc(dx),
      gxa: v.alloc(dx), gxb: v.alloc(dx), d2x: v.alloc(dx), e: v.alloc(dy), ex: v.alloc(dx), he: v.alloc(dy), hc: v.alloc(dy), jt: v.alloc(dy) };
  }
  estimateNext(): void { this.pending = { hvp: true, cross: true, crossT: true }; }
  /** ∇ₓg from lower.gradX (absent without it: the first-order methods then refuse the problem). */
  readonly lowerGradX?: (x: Vec, y: Vec, out: Vec) => void;
  private batch: { lower: Int32Array | null; upper: Int32Array | null } = { lower: null, upper: null };
  setBatch(level: 'lower' | 'upper', idx: Int32Array | null): void { this.batch[level] = idx; }

  /** Call `fn` with copies of the inputs and NaN-filled outputs; check and copy the outputs into `targets`. */
  private call(name: string, fn: CB, inputs: Vec[], outs: Float64Array[], outNames: string[], targets: Vec[]): void {
    const args = inputs.map((b) => b.array.slice()); // fresh copies: a callback may keep or change them
    for (const o of outs) o.fill(NaN);
    const batch = this.batch[name.startsWith('upper.') ? 'upper' : 'lower'];
    const r = batch === null ? fn(...args, ...outs) : (fn as (...a: unknown[]) => unknown)(...args, ...outs, batch.slice());
    if (r !== undefined) {
      const single = outs.length === 1;
      const arr = Array.isArray(r) || (ArrayBuffer.isView(r) && !(r instanceof DataView));
      if (!single || !arr) {
        throw new InvalidArgumentError(`${name} must write its result into ${outNames.join(' and ')} and return nothing, got ${describe(r)}`);
      }
      const len = (r as ArrayLike<number>).length;
      if (len !== outs[0]!.length) throw new LengthMismatchError(`${name} returned ${describe(r)}; ${outNames[0]} has length ${outs[0]!.length}`);
      outs[0]!.set(r as ArrayLike<number>);
    }
    for (let i = 0; i < outs.length; i++) {
      const tg = targets[i]!;
      tg.array.set(outs[i]!);
      const bad = this.v.firstNonFinite(tg);
      if (bad >= 0) {
        throw new NonFiniteError(`${name} left ${outNames[i]}[${bad}] = ${describe(outs[i]![bad])} (every entry of ${outNames[i]} must be written with a finite number)`, name, 1);
      }
    }
  }

  lowerGrad(x: Vec, y: Vec, out: Vec): void {
    this.calls.lowerGrad++;
    this.call('lower.grad', this.lower.grad as CB, [x, y], [this.oy], ['gy'], [out]);
  }
  private gradXRaw(x: Vec, y: Vec, out: Vec): void {
    this.calls.lowerGradX++;
    this.call('lower.gradX', this.lower.gradX as CB, [x, y], [this.ox], ['gx'], [out]);
  }
  upperGrad(x: Vec, y: Vec, gx: Vec, gy: Vec): void {
    this.calls.upperGrad++;
    this.call('upper.grad', this.upper.grad as CB, [x, y], [this.ox, this.oy], ['gx', 'gy'], [gx, gy]);
  }
  upperValue(x: Vec, y: Vec): number {
    if (!this.upper.value) return NaN;
    this.calls.upperValue++;
    const r = this.upper.value(x.array.slice(), y.array.slice());
    if (typeof r !== 'number') throw new InvalidArgumentError(`upper.value must return a number, got ${describe(r)}`);
    if (!Number.isFinite(r)) throw new NonFiniteError(`upper.value returned ${describe(r)}`, 'upper.value', 1);
    return r;
  }

  /**
   * Central difference of `grad` along `dir` from the point (x, y), shifting y (alongY) or x:
   * out = [G(p + εd) − G(p − εd)]/(2ε), ε = fdStep·max(1, ‖p‖)/‖d‖ (the step's length scales with the point).
   * With `estimate`, also the 2ε quotient: error ≈ ‖D(2ε) − D(ε)‖/3 (truncation) + δ‖G‖/ε (round-off), relative to ‖D‖.
   */
  private central(alongY: boolean, outY: boolean, x: Vec, y: Vec, dir: Vec, out: Vec, grad: (x: Vec, y: Vec, o: Vec) => void, estimate: boolean): void {
    const v = this.v, nd = v.norm(dir);
    if (nd === 0) { v.fill(0, out); return; }
    const base = alongY ? y : x;
    const [pa, pb] = alongY ? [this.t.a, this.t.b] : [this.t.xa, this.t.xb];
    const eps = this.fdStep * Math.max(1, v.norm(base)) / nd;
    const [ga, gb] = outY ? [this.t.ga, this.t.gb] : [this.t.gxa, this.t.gxb];
    const at = (s: number, g: Vec): void => {
      const p = s > 0 ? pa : pb;
      v.lincomb(1, base, s, dir, p);
      if (alongY) grad(x, p, g); else grad(p, y, g);
    };
    at(eps, ga); at(-eps, gb);
    v.lincomb(1 / (2 * eps), ga, -1 / (2 * eps), gb, out);
    if (!estimate) return;
    const gnorm = Math.max(v.norm(ga), v.norm(gb));
    const d2 = outY ? this.t.d2 : this.t.d2x;
    at(2 * eps, ga); at(-2 * eps, gb);
    v.lincomb(1 / (4 * eps), ga, -1 / (4 * eps), gb, d2);
    v.axpy(-1, out, d2);
    const dn = v.norm(out);
    const err = (v.norm(d2) / 3 + 4 * EPS * gnorm / eps) / Math.max(dn, 1e-300);
    this.fdError = Math.max(this.fdError, dn === 0 ? 0 : err);
  }

  hvp(x: Vec, y: Vec, vec: Vec, out: Vec): void {
    this.calls.hvp++;
    if (this.lower.hvp) { this.tiers.add('user'); this.call('lower.hvp', this.lower.hvp as CB, [x, y, vec], [this.oy], ['out'], [out]); return; }
    this.tiers.add('finite-difference');
    const est = this.pending.hvp; this.pending.hvp = false;
    this.central(true, true, x, y, vec, out, (a, b, o) => this.lowerGrad(a, b, o), est);
  }
  cross(x: Vec, y: Vec, vec: Vec, out: Vec): void {
    this.calls.cross++;
    if (this.lower.crossJvp) { this.tiers.add('user'); this.call('lower.crossJvp', this.lower.crossJvp as CB, [x, y, vec], [this.ox], ['out'], [out]); return; }
    if (this.lower.gradX) {
      this.tiers.add('finite-difference');
      const est = this.pending.cross; this.pending.cross = false;
      this.central(true, false, x, y, vec, out, (a, b, o) => this.gradXRaw(a, b, o), est);
      return;
    }
    // (∇²ₓᵧg·v)ⱼ = ⟨∇²ᵧₓg·eⱼ, v⟩: dx transposed products (one per upper coordinate).
    if (this.dx > this.maxDense) {
      throw new UnsupportedError(`the cross product ∇²ₓᵧg·v needs lower.crossJvp or lower.gradX when dx = ${this.dx} > maxDense = ${this.maxDense}`);
    }
    for (let j = 0; j < this.dx; j++) {
      this.v.fill(0, this.t.ex); this.t.ex.array[j] = 1;
      this.crossTRaw(x, y, this.t.ex, this.t.e);
      out.array[j] = this.v.dot(this.t.e, vec);
    }
  }
  private crossTRaw(x: Vec, y: Vec, u: Vec, out: Vec): void {
    if (this.lower.crossJvpT) { this.tiers.add('user'); this.call('lower.crossJvpT', this.lower.crossJvpT as CB, [x, y, u], [this.oy], ['out'], [out]); return; }
    this.tiers.add('finite-difference');
    const est = this.pending.crossT; this.pending.crossT = false;
    this.central(false, true, x, y, u, out, (a, b, o) => this.lowerGrad(a, b, o), est);
  }
  crossT(x: Vec, y: Vec, u: Vec, out: Vec): void { this.calls.crossT++; this.crossTRaw(x, y, u, out); }

  /** Jᵀ·v: lower.hvpT, or (Jᵀv)ⱼ = ⟨J·eⱼ, v⟩ from dy products J·eⱼ (lower.hvp or differences of lower.grad). */
  hvpT(x: Vec, y: Vec, vec: Vec, out: Vec): void {
    this.calls.hvpT++;
    if (this.lower.hvpT) { this.tiers.add('user'); this.call('lower.hvpT', this.lower.hvpT as CB, [x, y, vec], [this.oy], ['out'], [out]); return; }
    if (this.dy > this.maxDense) {
      throw new UnsupportedError(`aid-normal-cg needs lower.hvpT (the transposed Jacobian product Jᵀv) when dy = ${this.dy} > maxDense = ${this.maxDense}`);
    }
    const ej = this.t.he, col = this.t.hc;
    for (let j = 0; j < this.dy; j++) {
      this.v.fill(0, ej); ej.array[j] = 1;
      this.hvp(x, y, ej, col);
      this.t.jt.array[j] = this.v.dot(col, vec);
    }
    this.v.copy(this.t.jt, out);
  }

  denseHessian(x: Vec, y: Vec, out: Vec): void {
    const n = this.dy;
    if (n > this.maxDense) throw new UnsupportedError(`aid-exact builds the dy×dy Hessian from dy products: dy = ${n} > maxDense = ${this.maxDense}`);
    const e = this.t.he, col = this.t.hc;
    for (let j = 0; j < n; j++) {
      this.v.fill(0, e); e.array[j] = 1;
      this.hvp(x, y, e, col);
      out.array.set(col.array, j * n); // row j = H·eⱼ (H symmetric: symmetrized below)
    }
    this.v.symmetrize(n, out);
  }
}
