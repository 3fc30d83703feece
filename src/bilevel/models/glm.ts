// Weighted logistic and softmax regression: the built-in models of regularisation tuning, data
// reweighting and data hyper-cleaning (reference §5.4; stocBiO/BOME/benchopt's hyper-cleaning task).
//   lower  g(x, w) = (1/n) Σᵢ ωᵢ ℓ(zᵢ, tᵢ) + ½ Σⱼ ρⱼ ‖w_{·j}‖²   (training set, n × d)
//   upper  f(w)    = (1/m) Σₖ ℓ(z_k, t_k)                      (validation set, m × d; clean labels)
// logistic: zᵢ = Xᵢ·w, ℓ = log(1 + e^z) − tz, t ∈ {0, 1}, w ∈ R^d;
// softmax:  zᵢ = W Xᵢ, ℓ = log Σₖ e^{zₖ} − z_t, t ∈ {0..K−1}, W ∈ R^{K×d} row-major (y = W flattened).
// hyper 'logRidge' (default): ρⱼ = e^{x₀}, dx = 1 | 'logFeatureRidge': ρⱼ = e^{xⱼ} (feature j, every
// class), dx = d | 'sampleWeights': ωᵢ = cᵢσ(xᵢ), ρⱼ = alpha, dx = n. cᵢ are fixed per-sample weights
// (`weights`, default 1: e.g. a 0/1 mask trains on a subset). No intercept: append a column of ones.
// Gradients, Hessian-vector products, cross products, the dense Hessian and accuracy are wasm kernels
// over the samples (assembly/bilevel/glm.ts); under a stochastic method (stocbio, soba) over the rows of the
// current minibatch (training rows for g, validation rows for f), gathered in wasm.
import type { Engine } from '../../engine/engine.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, LengthMismatchError, requireObject, suggest } from '../../errors.js';
import { checkKnownKeys } from '../../options.js';
import { zeroCalls, type Oracles, type SecondOrderTier } from '../oracles.js';
import { Vecs, type Vec } from '../vec.js';
import { BuiltinModel, requireDim } from './model.js';
import { RIDGE_HYPERS, type RidgeHyper } from './ridge.js';

/**
 * The data of `bilevel.models.logistic` (and, extended, of softmax): training and validation features
 * (row-major) and labels, and what x is (`hyper`: a log weight decay, one per feature, or per-sample weights).
 */
export interface GlmSpec {
  /** Number of features d (append a column of ones for an intercept). */
  features: number;
  /** Training inputs, n×d row-major; n = trainY.length. */
  trainX: ArrayLike<number>;
  /** Training labels: 0/1 (logistic) or class indices 0..classes−1 (softmax). */
  trainY: ArrayLike<number>;
  /** Validation inputs, m×d row-major; m = valY.length. */
  valX: ArrayLike<number>;
  /** Validation labels. */
  valY: ArrayLike<number>;
  /** What the upper variable x is. Default 'logRidge'. */
  hyper?: RidgeHyper;
  /** 'sampleWeights' only: the fixed ridge ρ ≥ 0. Default 1e-3. */
  alpha?: number;
  /** Fixed per-sample weights cᵢ ≥ 0 of the training loss (n values). Default all 1. */
  weights?: ArrayLike<number>;
}

/** The data of `bilevel.models.softmax`: as GlmSpec, with integer labels in [0, classes). */
export interface SoftmaxSpec extends GlmSpec {
  /** Number of classes K ≥ 2. */
  classes: number;
}

export type Kernels = Record<'grad' | 'value' | 'hvp' | 'cross' | 'crossT' | 'hess' | 'gradX', (...a: number[]) => unknown>;

export abstract class GlmModel extends BuiltinModel {
  readonly dx: number;
  readonly dy: number;
  readonly hyper: RidgeHyper;
  readonly samples: number;
  readonly validation: number;
  readonly features: number;
  /** Classes (2 for logistic, whose y is one weight vector of d). */
  readonly classes: number;
  protected readonly d: { X: Vec; t: Vec; V: Vec; tv: Vec; c: Vec | null };
  protected readonly mode: number;
  protected readonly alpha: number;
  protected abstract readonly K: number;
  /**
   * `shape` (a model over the same data with other weights, the MLP): its extra spec keys, its dy from
   * (features, classes), and the hypers it supports.
   */
  constructor(engine: Engine, spec: GlmSpec | SoftmaxSpec, kind: string, softmax: boolean, shape?: { keys: string[]; dy: (d: number, K: number) => number; hypers: readonly RidgeHyper[] }) {
    super(engine);
    requireObject(`${kind} model spec`, spec);
    checkKnownKeys(`${kind} model field`, spec, ['features', 'trainX', 'trainY', 'valX', 'valY', 'hyper', 'alpha', 'weights', ...(softmax ? ['classes'] : []), ...(shape ? shape.keys : [])]);
    const d = requireDim('features', spec.features);
    const K = softmax ? requireDim('classes', (spec as SoftmaxSpec).classes) : 2;
    if (K < 2) throw new InvalidArgumentError(`classes must be at least 2, got ${describe((spec as SoftmaxSpec).classes)}`);
    const hyper = spec.hyper === undefined ? 'logRidge' : spec.hyper;
    if (typeof hyper !== 'string' || !(RIDGE_HYPERS as readonly string[]).includes(hyper)) {
      throw new HyperparameterError(`unknown ${kind} hyper ${describe(hyper)}${typeof hyper === 'string' ? suggest(hyper, RIDGE_HYPERS) : ''}`);
    }
    if (shape && !shape.hypers.includes(hyper as RidgeHyper)) throw new HyperparameterError(`the ${kind} model takes hyper ${shape.hypers.map((h) => JSON.stringify(h)).join(' or ')}, not ${JSON.stringify(hyper)}`);
    if (spec.alpha !== undefined && hyper !== 'sampleWeights') throw new HyperparameterError(`alpha applies to hyper 'sampleWeights' only (hyper is ${JSON.stringify(hyper)})`);
    this.alpha = spec.alpha === undefined ? 1e-3 : checkRange('alpha', spec.alpha, 0, Infinity);
    const n = requireDim('trainY.length', (spec.trainY as ArrayLike<number> | undefined)?.length);
    const m = requireDim('valY.length', (spec.valY as ArrayLike<number> | undefined)?.length);
    try {
      this.d = {
        X: this.data('trainX', spec.trainX, n * d), t: this.labels('trainY', spec.trainY, n, K), V: this.data('valX', spec.valX, m * d),
        tv: this.labels('valY', spec.valY, m, K), c: spec.weights === undefined ? null : this.data('weights', spec.weights, n),
      };
      if (this.d.c) {
        const a = this.d.c.array;
        for (let i = 0; i < n; i++) if (!(a[i]! >= 0)) throw new InvalidArgumentError(`weights[${i}] is ${describe(a[i])}; sample weights must be ≥ 0`);
      }
    } catch (e) { this.vecs.free(); throw e; }
    this.hyper = hyper as RidgeHyper;
    this.mode = RIDGE_HYPERS.indexOf(this.hyper);
    this.samples = n; this.validation = m; this.features = d; this.classes = K;
    this.dy = shape ? shape.dy(d, K) : softmax ? K * d : d;
    this.dx = this.mode === 0 ? 1 : this.mode === 1 ? d : n;
  }

  private labels(what: string, src: unknown, n: number, K: number): Vec {
    const b = this.data(what, src, n);
    const a = b.array;
    for (let i = 0; i < n; i++) {
      const v = a[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= K) throw new InvalidArgumentError(`${what}[${i}] is ${describe(v)}; labels must be integers in [0, ${K - 1}]`);
    }
    return b;
  }

  protected abstract kernels(): Kernels;
  /** Scratch values the kernels need (per-sample class scores). */
  protected scratchSize(): number { return 3 * this.K; }

  /**
   * Fraction of (X, labels) the weights y classify correctly (arg max of the scores; logistic: Xᵢ·w > 0 is
   * class 1). Default: the validation set. y: dy values (e.g. result.y).
   */
  accuracy(y: ArrayLike<number>, X?: ArrayLike<number>, labels?: ArrayLike<number>): number {
    this.checkLive();
    const v = new Vecs(this.engine);
    try {
      const w = v.from(this.vector('y', y, this.dy));
      let Xb = this.d.V, tb = this.d.tv, n = this.validation;
      if (X !== undefined || labels !== undefined) {
        if (X === undefined || labels === undefined) throw new InvalidArgumentError('give both X and labels (or neither, for the validation set)');
        n = requireDim('labels.length', (labels as ArrayLike<number>).length);
        if ((X as ArrayLike<number>).length !== n * this.features) throw new LengthMismatchError(`X has length ${(X as ArrayLike<number>).length}, expected labels.length × features = ${n * this.features}`);
        Xb = v.from(this.vector('X', X, n * this.features)); tb = v.from(this.vector('labels', labels, n));
        const a = tb.array;
        for (let i = 0; i < n; i++) if (!Number.isInteger(a[i]) || a[i]! < 0 || a[i]! >= this.classes) throw new InvalidArgumentError(`labels[${i}] is ${describe(a[i])}; labels must be integers in [0, ${this.classes - 1}]`);
      }
      return this.correct(n, Xb, tb, w) / n;
    } finally { v.free(); }
  }
  protected abstract correct(n: number, X: Vec, t: Vec, w: Vec): number;

  private vector(what: string, src: unknown, n: number): ArrayLike<number> {
    if (src === null || typeof src !== 'object' || typeof (src as ArrayLike<number>).length !== 'number') throw new InvalidArgumentError(`${what} must be an array of numbers, got ${describe(src)}`);
    const a = src as ArrayLike<unknown>;
    if (a.length !== n) throw new LengthMismatchError(`${what} has length ${a.length}, expected ${n}`);
    for (let i = 0; i < n; i++) if (typeof a[i] !== 'number' || !Number.isFinite(a[i])) throw new InvalidArgumentError(`${what}[${i}] is ${describe(a[i])}, not a finite number`);
    return a as ArrayLike<number>;
  }

  protected override settings(): string { return ` ${this.hyper} alpha ${this.alpha} classes ${this.classes}`; }

  oracles(v: Vecs): Oracles {
    this.checkLive();
    const k = this.kernels(), full = this.d, n = this.samples, m = this.validation, d = this.features;
    const mode = this.mode, alpha = this.alpha, model = this, e = this.engine;
    const s = v.alloc(this.scratchSize());
    const calls = zeroCalls();
    const gather = e.kernel('bl_gather'), scatter = e.kernel('bl_scatter_add');
    // Minibatches (stochastic methods): the batch's rows gathered side by side, so every kernel runs on
    // b rows with its 1/b batch mean; sample-indexed quantities (mode 2's xᵢ, the cross products' outputs)
    // gathered in and scatter-added out (a batch drawn with replacement may repeat a sample).
    type Batch = { b: number; idx: import('../../engine/memory.js').EngineBuffer<'i32'>; X: Vec; t: Vec; c: Vec | null; h: Vec; o: Vec };
    const batches: { lower: Batch | null; upper: Batch | null } = { lower: null, upper: null };
    const cache = new Map<string, Batch>();
    const make = (level: 'lower' | 'upper', idx: Int32Array): Batch => {
      const key = `${level}:${idx.length}`;
      let B = cache.get(key);
      if (!B) {
        const ib = e.alloc(idx.length, 'i32');
        v.track(ib);
        B = { b: idx.length, idx: ib, X: v.alloc(idx.length * d), t: v.alloc(idx.length), c: level === 'lower' && full.c ? v.alloc(idx.length) : null, h: v.alloc(idx.length), o: v.alloc(idx.length) };
        cache.set(key, B);
      }
      B.idx.array.set(idx);
      const [X, t] = level === 'lower' ? [full.X, full.t] : [full.V, full.tv];
      gather(B.b, d, B.idx.ptr, X.ptr, B.X.ptr);
      gather(B.b, 1, B.idx.ptr, t.ptr, B.t.ptr);
      if (B.c) gather(B.b, 1, B.idx.ptr, full.c!.ptr, B.c.ptr);
      return B;
    };
    /** (rows, X, t, c, hyp) of the lower level's current batch or the full training set. */
    const low = (x: Vec): [number, number, number, number, number] => {
      const B = batches.lower;
      if (!B) return [n, full.X.ptr, full.t.ptr, full.c?.ptr ?? 0, x.ptr];
      if (mode === 2) gather(B.b, 1, B.idx.ptr, x.ptr, B.h.ptr);
      return [B.b, B.X.ptr, B.t.ptr, B.c?.ptr ?? 0, mode === 2 ? B.h.ptr : x.ptr];
    };
    const up = (): [number, number, number] => { const B = batches.upper; return B ? [B.b, B.X.ptr, B.t.ptr] : [m, full.V.ptr, full.tv.ptr]; };
    /** A dx-valued kernel: mode 2 on a batch writes b values, scatter-added into the n sample slots. */
    const perSample = (x: Vec, out: Vec, run: (rows: number, X: number, t: number, c: number, h: number, o: number) => void): void => {
      const [rows, X, t, c, h] = low(x), B = batches.lower;
      if (mode === 2 && B) { run(rows, X, t, c, h, B.o.ptr); scatter(n, B.b, B.idx.ptr, B.o.ptr, out.ptr); } else run(rows, X, t, c, h, out.ptr);
    };
    return {
      dx: this.dx, dy: this.dy, calls, tiers: new Set<SecondOrderTier>(['built-in']), fdError: 0,
      estimateNext() {},
      setBatch(level, idx) { model.checkLive(); batches[level] = idx === null ? null : make(level, idx); },
      lowerGrad(x, w, out) { model.checkLive(); calls.lowerGrad++; const [r, X, t, c, h] = low(x); k.grad(r, X, t, c, mode, h, alpha, w.ptr, s.ptr, out.ptr); },
      lowerGradX(x, w, out) { model.checkLive(); calls.lowerGradX++; perSample(x, out, (r, X, t, c, h, o) => k.gradX(r, X, t, c, mode, h, w.ptr, s.ptr, o)); },
      upperGrad(_x, w, gx, gy) { model.checkLive(); calls.upperGrad++; v.fill(0, gx); const [r, V, tv] = up(); k.grad(r, V, tv, 0, 3, V, 0, w.ptr, s.ptr, gy.ptr); },
      upperValue(_x, w) { model.checkLive(); calls.upperValue++; const [r, V, tv] = up(); return <number>k.value(r, V, tv, 0, 3, V, 0, w.ptr, s.ptr); },
      hvp(x, w, vec, out) { model.checkLive(); calls.hvp++; const [r, X, t, c, h] = low(x); k.hvp(r, X, t, c, mode, h, alpha, w.ptr, vec.ptr, s.ptr, out.ptr); },
      cross(x, w, vec, out) { model.checkLive(); calls.cross++; perSample(x, out, (r, X, t, c, h, o) => k.cross(r, X, t, c, mode, h, w.ptr, vec.ptr, s.ptr, o)); },
      crossT(x, w, u, out) {
        model.checkLive(); calls.crossT++;
        const [r, X, t, c, h] = low(x), B = batches.lower;
        let uu = u.ptr;
        if (mode === 2 && B) { gather(B.b, 1, B.idx.ptr, u.ptr, B.o.ptr); uu = B.o.ptr; }
        k.crossT(r, X, t, c, mode, h, w.ptr, uu, s.ptr, out.ptr);
      },
      denseHessian(x, w, out) { model.checkLive(); const [r, X, t, c, h] = low(x); k.hess(r, X, t, c, mode, h, alpha, w.ptr, s.ptr, out.ptr); },
    };
  }
}

/** Binary logistic regression (labels 0/1; y = w, d values). */
export class LogisticModel extends GlmModel {
  readonly kind = 'logistic';
  protected readonly K = 1;
  constructor(engine: Engine, spec: GlmSpec) { super(engine, spec, 'logistic', false); }
  protected kernels(): Kernels {
    const e = this.engine, d = this.features;
    const grad = e.kernel('bl_logit_grad'), value = e.kernel('bl_logit_value'), hvp = e.kernel('bl_logit_hvp'), cross = e.kernel('bl_logit_cross'),
      crossT = e.kernel('bl_logit_cross_t'), hess = e.kernel('bl_logit_hess'), gradX = e.kernel('bl_glm_grad_x');
    // the shared signature (n, X, t, c, mode, hyp, alpha, w, s, out): logistic kernels need no scratch
    return {
      grad: (n, X, t, c, mode, hyp, alpha, w, _s, out) => grad(n, d, X, t, c, mode, hyp, alpha, w, out),
      value: (n, X, t, c, mode, hyp, alpha, w) => value(n, d, X, t, c, mode, hyp, alpha, w),
      hvp: (n, X, _t, c, mode, hyp, alpha, w, v, _s, out) => hvp(n, d, X, c, mode, hyp, alpha, w, v, out),
      cross: (n, X, t, c, mode, hyp, w, v, _s, out) => cross(n, d, X, t, c, mode, hyp, w, v, out),
      crossT: (n, X, t, c, mode, hyp, w, u, _s, out) => crossT(n, d, X, t, c, mode, hyp, w, u, out),
      hess: (n, X, _t, c, mode, hyp, alpha, w, _s, out) => hess(n, d, X, c, mode, hyp, alpha, w, out),
      gradX: (n, X, t, c, mode, hyp, w, s, out) => gradX(n, d, 0, X, t, c, mode, hyp, w, s, out),
    };
  }
  protected correct(n: number, X: Vec, t: Vec, w: Vec): number { return this.engine.kernel('bl_logit_correct')(n, this.features, X.ptr, t.ptr, w.ptr); }
}

/** Softmax (multinomial logistic) regression over `classes` classes (y = W, K×d row-major). */
export class SoftmaxModel extends GlmModel {
  readonly kind = 'softmax';
  protected get K(): number { return this.classes; }
  constructor(engine: Engine, spec: SoftmaxSpec) { super(engine, spec, 'softmax', true); }
  protected kernels(): Kernels {
    const e = this.engine, d = this.features, K = this.classes;
    const grad = e.kernel('bl_softmax_grad'), value = e.kernel('bl_softmax_value'), hvp = e.kernel('bl_softmax_hvp'), cross = e.kernel('bl_softmax_cross'),
      crossT = e.kernel('bl_softmax_cross_t'), hess = e.kernel('bl_softmax_hess'), gradX = e.kernel('bl_glm_grad_x');
    return {
      grad: (n, X, t, c, mode, hyp, alpha, w, s, out) => grad(n, d, K, X, t, c, mode, hyp, alpha, w, s, out),
      value: (n, X, t, c, mode, hyp, alpha, w, s) => value(n, d, K, X, t, c, mode, hyp, alpha, w, s),
      hvp: (n, X, _t, c, mode, hyp, alpha, w, v, s, out) => hvp(n, d, K, X, c, mode, hyp, alpha, w, v, s, out),
      cross: (n, X, t, c, mode, hyp, w, v, s, out) => cross(n, d, K, X, t, c, mode, hyp, w, v, s, out),
      crossT: (n, X, t, c, mode, hyp, w, u, s, out) => crossT(n, d, K, X, t, c, mode, hyp, w, u, s, out),
      hess: (n, X, _t, c, mode, hyp, alpha, w, s, out) => hess(n, d, K, X, c, mode, hyp, alpha, w, s, out),
      gradX: (n, X, t, c, mode, hyp, w, s, out) => gradX(n, d, K, X, t, c, mode, hyp, w, s, out),
    };
  }
  protected correct(n: number, X: Vec, t: Vec, w: Vec): number { return this.engine.kernel('bl_softmax_correct')(n, this.features, this.classes, X.ptr, t.ptr, w.ptr); }
}
