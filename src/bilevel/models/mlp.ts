// The built-in small MLP: one tanh hidden layer of `hidden` units and a softmax output over `classes`,
// cross-entropy loss, on the same data and hypers as the softmax model (glm.ts) — data reweighting and
// hyper-cleaning with per-sample weights, or weight-decay tuning — with analytic gradients and exact
// Hessian-vector products (the R-operator) in wasm (assembly/bilevel/mlp.ts):
//   lower  g(x, w) = (1/n) Σᵢ ωᵢ ℓ(f_w(Xᵢ), tᵢ) + ½ρ‖w‖²   (ρ on every parameter, biases included)
//   upper  f(w)    = (1/m) Σₖ ℓ(f_w(V_k), t_k)               (validation set, clean labels)
// f_w(x) = W₂ tanh(W₁x + b₁) + b₂; w = [W₁ (H×d), b₁ (H), W₂ (K×H), b₂ (K)] row-major, dy = Hd + H + KH + K.
// hyper 'logRidge' (default): ρ = e^{x₀}, dx = 1 | 'sampleWeights': ωᵢ = cᵢσ(xᵢ), ρ = alpha, dx = n.
// The lower level is nonconvex: the implicit methods use ∇²ᵧᵧg at the lower iterate (positive definite
// near a strict local minimum, which ρ > 0 helps); y starts at seeded Glorot-uniform weights, not zeros.
import type { Engine } from '../../engine/engine.js';
import { describe, InvalidArgumentError } from '../../errors.js';
import type { Oracles } from '../oracles.js';
import { Vecs, type Vec } from '../vec.js';
import { GlmModel, type Kernels, type SoftmaxSpec } from './glm.js';
import { requireDim } from './model.js';

/**
 * Spec of bilevel.models.mlp: the softmax model's data, classes, hyper ('logRidge' or 'sampleWeights' only),
 * alpha and weights, plus the hidden width and the seed of the initial weights.
 */
export interface MlpSpec extends SoftmaxSpec {
  /** Hidden units H (tanh). */
  hidden: number;
  /** Seed of the initial weights (Philox; model.initialWeights()). Default 0. */
  seed?: number;
}

const P = (d: number, H: number, K: number): number => H * d + H + K * H + K;

/** Weighted one-hidden-layer tanh MLP with a softmax output (y = [W₁, b₁, W₂, b₂]). */
export class MlpModel extends GlmModel {
  /** The model's name, 'mlp'. */
  readonly kind = 'mlp';
  /** Hidden units H. */
  readonly hidden: number;
  /** Seed of the initial weights (spec.seed, default 0). */
  readonly seed: number;
  protected get K(): number { return this.classes; }
  constructor(engine: Engine, spec: MlpSpec) {
    const H = requireDim('hidden', (spec as { hidden?: unknown } | null)?.hidden);
    const seed = (spec as { seed?: unknown } | null)?.seed ?? 0;
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InvalidArgumentError(`seed must be an integer in [0, 2³² − 1], got ${describe(seed)}`);
    super(engine, spec, 'mlp', true, { keys: ['hidden', 'seed'], dy: (d, K) => P(d, H, K), hypers: ['logRidge', 'sampleWeights'] });
    this.hidden = H; this.seed = seed;
  }
  protected override scratchSize(): number { return 4 * this.hidden + 3 * this.classes + this.dy; }
  protected override settings(): string { return `${super.settings()} hidden ${this.hidden} seed ${this.seed}`; }
  protected kernels(): Kernels {
    const e = this.engine, d = this.features, K = this.classes, H = this.hidden;
    const grad = e.kernel('bl_mlp_grad'), value = e.kernel('bl_mlp_value'), hvp = e.kernel('bl_mlp_hvp'), cross = e.kernel('bl_mlp_cross'),
      crossT = e.kernel('bl_mlp_cross_t'), hess = e.kernel('bl_mlp_hess'), gradX = e.kernel('bl_mlp_grad_x');
    return {
      grad: (n, X, t, c, mode, hyp, alpha, w, s, out) => grad(n, d, H, K, X, t, c, mode, hyp, alpha, w, s, out),
      value: (n, X, t, c, mode, hyp, alpha, w, s) => value(n, d, H, K, X, t, c, mode, hyp, alpha, w, s),
      hvp: (n, X, t, c, mode, hyp, alpha, w, v, s, out) => hvp(n, d, H, K, X, t, c, mode, hyp, alpha, w, v, s, out),
      cross: (n, X, t, c, mode, hyp, w, v, s, out) => cross(n, d, H, K, X, t, c, mode, hyp, w, v, s, out),
      crossT: (n, X, t, c, mode, hyp, w, u, s, out) => crossT(n, d, H, K, X, t, c, mode, hyp, w, u, s, out),
      hess: (n, X, t, c, mode, hyp, alpha, w, s, out) => hess(n, d, H, K, X, t, c, mode, hyp, alpha, w, s, out),
      gradX: (n, X, t, c, mode, hyp, w, s, out) => gradX(n, d, H, K, X, t, c, mode, hyp, w, s, out),
    };
  }
  protected correct(n: number, X: Vec, t: Vec, w: Vec): number {
    const v = new Vecs(this.engine);
    try { const s = v.alloc(4 * this.hidden + 3 * this.classes); return this.engine.kernel('bl_mlp_correct')(n, this.features, this.hidden, this.classes, X.ptr, t.ptr, w.ptr, s.ptr) as number; } finally { v.free(); }
  }
  /** The initial weights a solve without y0 starts from: Glorot-uniform W₁, W₂ (seeded Philox), zero biases. */
  initialWeights(): Float64Array {
    this.checkLive();
    const v = new Vecs(this.engine);
    try { const y = v.alloc(this.dy); this.fillInit(y); return y.array.slice(); } finally { v.free(); }
  }
  private fillInit(y: Vec): void { this.engine.kernel('bl_mlp_init')(this.features, this.hidden, this.classes, this.seed, y.ptr); }
  override oracles(v: Vecs): Oracles {
    const o = super.oracles(v);
    o.initialY = (y) => this.fillInit(y);
    return o;
  }
}
