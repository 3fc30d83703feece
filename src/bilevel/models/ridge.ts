// T2 of the reference and its reweighting variant: ridge-regression hyperparameter optimisation.
//   lower  g(x, w) = ½ Σᵢ ωᵢ (Xᵢ·w − tᵢ)² + ½ Σⱼ ρⱼ wⱼ²  over the training set (n × d)
//   upper  f(w)    = ½ ‖X_val w − t_val‖²                over the validation set (m × d)
// hyper 'logRidge' (default): ρⱼ = e^{x₀}, dx = 1 | 'logFeatureRidge': ρⱼ = e^{xⱼ}, dx = d |
// 'sampleWeights': ωᵢ = σ(xᵢ), ρⱼ = alpha, dx = n. Closed form (logRidge): w*(λ) = (XᵀX + e^λI)⁻¹Xᵀt,
// dΦ/dλ = −e^λ (X_valᵀr)ᵀ(XᵀX + e^λI)⁻¹w*, r = X_val w* − t_val. Gradients, Hessian-vector products,
// cross products and the dense Hessian are wasm kernels over the samples and features (assembly/bilevel/ridge.ts).
import type { Engine } from '../../engine/engine.js';
import { checkRange, describe, HyperparameterError, requireObject, suggest } from '../../errors.js';
import { checkKnownKeys } from '../../options.js';
import { zeroCalls, type Oracles, type SecondOrderTier } from '../oracles.js';
import type { Vec, Vecs } from '../vec.js';
import { BuiltinModel, requireDim } from './model.js';

/** Rows per partial sum of the gradient kernels (assembly/bilevel/ridge.ts's RIDGE_BLOCK). */
const RIDGE_BLOCK = 64;

export const RIDGE_HYPERS = ['logRidge', 'logFeatureRidge', 'sampleWeights'] as const;
export type RidgeHyper = (typeof RIDGE_HYPERS)[number];

/** The data of `bilevel.models.ridge`: ridge regression trained on (trainX, trainY), validated on (valX, valY), with x the hyperparameter `hyper` names. */
export interface RidgeSpec {
  /** Number of features d. */
  features: number;
  /** Training inputs, n×d row-major; n = trainY.length. */
  trainX: ArrayLike<number>;
  trainY: ArrayLike<number>;
  /** Validation inputs, m×d row-major; m = valY.length. */
  valX: ArrayLike<number>;
  valY: ArrayLike<number>;
  /** What the upper variable x is. Default 'logRidge'. */
  hyper?: RidgeHyper;
  /** 'sampleWeights' only: the fixed ridge ρ ≥ 0. Default 1e-3. */
  alpha?: number;
}

export class RidgeModel extends BuiltinModel {
  readonly kind = 'ridge';
  readonly dx: number;
  readonly dy: number;
  readonly hyper: RidgeHyper;
  readonly samples: number;
  readonly validation: number;
  private readonly d: { X: import('../vec.js').Vec; t: import('../vec.js').Vec; V: import('../vec.js').Vec; tv: import('../vec.js').Vec };
  private readonly mode: number;
  private readonly alpha: number;
  constructor(engine: Engine, spec: RidgeSpec) {
    super(engine);
    requireObject('ridge model spec', spec);
    checkKnownKeys('ridge model field', spec, ['features', 'trainX', 'trainY', 'valX', 'valY', 'hyper', 'alpha']);
    const d = requireDim('features', spec.features);
    const hyper = spec.hyper === undefined ? 'logRidge' : spec.hyper;
    if (typeof hyper !== 'string' || !(RIDGE_HYPERS as readonly string[]).includes(hyper)) {
      throw new HyperparameterError(`unknown ridge hyper ${describe(hyper)}${typeof hyper === 'string' ? suggest(hyper, RIDGE_HYPERS) : ''}`);
    }
    if (spec.alpha !== undefined && hyper !== 'sampleWeights') throw new HyperparameterError(`alpha applies to hyper 'sampleWeights' only (hyper is ${JSON.stringify(hyper)})`);
    this.alpha = spec.alpha === undefined ? 1e-3 : checkRange('alpha', spec.alpha, 0, Infinity);
    const n = requireDim('trainY.length', (spec.trainY as ArrayLike<number> | undefined)?.length);
    const m = requireDim('valY.length', (spec.valY as ArrayLike<number> | undefined)?.length);
    try {
      this.d = { X: this.data('trainX', spec.trainX, n * d), t: this.data('trainY', spec.trainY, n), V: this.data('valX', spec.valX, m * d), tv: this.data('valY', spec.valY, m) };
    } catch (e) { this.vecs.free(); throw e; }
    this.hyper = hyper as RidgeHyper;
    this.mode = RIDGE_HYPERS.indexOf(this.hyper);
    this.samples = n; this.validation = m;
    this.dy = d;
    this.dx = this.mode === 0 ? 1 : this.mode === 1 ? d : n;
  }

  protected override settings(): string { return ` ${this.hyper} alpha ${this.alpha}`; }

  oracles(v: Vecs): Oracles {
    this.checkLive();
    const e = this.engine, { X, t, V, tv } = this.d, n = this.samples, m = this.validation, d = this.dy, mode = this.mode, alpha = this.alpha;
    const value = e.kernel('bl_ridge_value'), cross = e.kernel('bl_ridge_cross'),
      crossT = e.kernel('bl_ridge_cross_t'), hess = e.kernel('bl_ridge_hess'), gradX = e.kernel('bl_ridge_grad_x');
    const model = this;
    // ∇_w of ½Σωᵢ(Xᵢ·w − tᵢ)² + ½Σρⱼwⱼ² (t = 0: the Hessian-vector product): per-block partial sums in one
    // pass over the rows, then the blocks added in order (assembly/bilevel/ridge.ts: the same bits for any
    // thread count), threaded over blocks and then features
    const part = v.alloc(Math.ceil(Math.max(n, m) / RIDGE_BLOCK) * d);
    const gw = (rows: number, A: Vec, tp: number, md: number, hyp: number, al: number, w: Vec, out: Vec): void => {
      const nb = Math.ceil(rows / RIDGE_BLOCK);
      e.run('bl_ridge_part', nb, [rows, d, A.ptr, tp, md, hyp, w.ptr, part.ptr], 1, RIDGE_BLOCK * d);
      e.run('bl_ridge_sum', d, [nb, d, part.ptr, md, hyp, al, w.ptr, out.ptr], 8, nb);
    };
    return {
      dx: this.dx, dy: d, calls: zeroCalls(), tiers: new Set<SecondOrderTier>(['built-in']), fdError: 0,
      estimateNext() {},
      lowerGrad(x, w, out) { model.checkLive(); this.calls.lowerGrad++; gw(n, X, t.ptr, mode, x.ptr, alpha, w, out); },
      lowerGradX(x, w, out) { model.checkLive(); this.calls.lowerGradX++; gradX(n, d, X.ptr, t.ptr, mode, x.ptr, w.ptr, out.ptr); },
      upperGrad(_x, w, gx, gy) {
        model.checkLive(); this.calls.upperGrad++;
        v.fill(0, gx);
        gw(m, V, tv.ptr, 3, V.ptr, 0, w, gy);
      },
      upperValue(_x, w) { model.checkLive(); this.calls.upperValue++; return value(m, d, V.ptr, tv.ptr, 3, V.ptr, 0, w.ptr); },
      hvp(x, _w, vec, out) { model.checkLive(); this.calls.hvp++; gw(n, X, 0, mode, x.ptr, alpha, vec, out); },
      cross(x, w, vec, out) { model.checkLive(); this.calls.cross++; cross(n, d, X.ptr, t.ptr, mode, x.ptr, w.ptr, vec.ptr, out.ptr); },
      crossT(x, w, u, out) { model.checkLive(); this.calls.crossT++; crossT(n, d, X.ptr, t.ptr, mode, x.ptr, w.ptr, u.ptr, out.ptr); },
      denseHessian(x, _w, out) { model.checkLive(); hess(n, d, X.ptr, mode, x.ptr, alpha, out.ptr); },
    };
  }
}
