import { nameText, valueText, checkRange, HyperparameterError, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type StateDict, type WithGroups, requireBool, optionsOf, checkAdamLike } from './base.js';

/**
 * Options of `Adam` and `AdamW` (m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², θ ← θ − lr·m̂/(√v̂ + ε),
 * AdamW's decoupled decay θ ← θ·(1 − lr·λ)); unset fields take the defaults stated on each.
 */
export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
  /** ε inside the square root, √(v̂ + epsRoot) (optax's eps_root); only with preset 'optax'. Default 0. */
  epsRoot?: number;
  /**
   * Whose numerics (and defaults): 'torch' (default), 'optax' or 'tf' (TensorFlow/Keras). Fixed at
   * construction, shared by every group. See the README table "Where libraries disagree".
   */
  preset?: AdamPreset;
}
/** Which library's Adam defaults to take (ε placement and value): torch, optax or tf (Keras). */
export type AdamPreset = 'torch' | 'optax' | 'tf';
type AdamHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean; epsRoot: number };

/** Throws HyperparameterError unless `v` is one of `allowed`. */
export function checkPreset<P extends string>(v: unknown, allowed: readonly P[]): P {
  if (!allowed.includes(v as P)) throw new HyperparameterError(`preset must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${valueText(v)}`);
  return v as P;
}

// Kernel flags (assembly/adam.ts).
const MAXIMIZE = 1, AMSGRAD = 2, L2 = 4, DECOUPLED = 8;

abstract class AdamBase extends Optimizer<AdamHyper, AdamOptions> {
  protected abstract readonly decoupled: boolean;
  /** See AdamOptions.preset. */
  readonly preset: AdamPreset;

  protected constructor(params: ParamSet, opts: WithGroups<AdamOptions>, defaultWd: Record<AdamPreset, number>) {
    const { preset: given, ...rest } = optionsOf(opts);
    const preset = checkPreset(given ?? 'torch', ['torch', 'optax', 'tf'] as const);
    if (Array.isArray(rest.groups) && rest.groups.some((g) => g && typeof g === 'object' && 'preset' in g)) throw new HyperparameterError('preset is fixed at construction and shared by every group');
    super(params, rest, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? (preset === 'tf' ? 1e-7 : 1e-8), weightDecay: o.weightDecay ?? defaultWd[preset],
        amsgrad: o.amsgrad ?? false, maximize: o.maximize ?? false, epsRoot: o.epsRoot ?? 0 };
    }, opts?.amsgrad === true ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']);
    this.preset = preset;
    // validate() ran inside super() before this.preset existed: check the preset-dependent rule now.
    if (preset !== 'optax' && this.groups.some((_, gi) => this.hyperparametersOf(gi).epsRoot !== 0)) {
      this.free();
      throw new HyperparameterError(`epsRoot is optax's eps_root: it needs preset 'optax' (preset is '${preset}')`);
    }
  }

  protected validate(h: AdamHyper): AdamHyper {
    checkAdamLike(h);
    requireBool('amsgrad', h.amsgrad);
    if (h.amsgrad !== (this.slots.max_exp_avg_sq !== undefined)) {
      throw new HyperparameterError('amsgrad is fixed at construction (it decides which state buffers exist)');
    }
    requireBool('maximize', h.maximize);
    checkRange('epsRoot', h.epsRoot, 0, Infinity);
    if (this.preset !== undefined && this.preset !== 'optax' && h.epsRoot !== 0) {
      throw new HyperparameterError(`epsRoot is optax's eps_root: it needs preset 'optax' (preset is '${this.preset}')`);
    }
    return { ...h };
  }

  protected apply(t: number, h: AdamHyper, s: Span): void {
    const e = this.params.engine;
    // Per-step scalars in f64 with the engine's deterministic pow/sqrt (never Math.pow).
    const bc1 = 1 - e.pow(h.beta1, t);
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.amsgrad) flags |= AMSGRAD;
    const vmax = s.slot(h.amsgrad ? 'max_exp_avg_sq' : 'exp_avg_sq');
    if (this.preset === 'optax') {
      if (this.decoupled) { if (h.weightDecay !== 0) flags |= DECOUPLED; } else if (h.weightDecay !== 0) flags |= L2;
      e.run('adam_optax_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'), vmax,
        h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, bc1, 1 - e.pow(h.beta2, t), h.epsRoot, h.eps, -h.lr, h.weightDecay, flags]);
      return;
    }
    const sq = e.sqrt(1 - e.pow(h.beta2, t));
    if (this.decoupled) flags |= DECOUPLED; else if (h.weightDecay !== 0) flags |= L2;
    // 'tf': TensorFlow's ε-hat, p −= lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε): the same kernel with ε unscaled.
    e.run('adam_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'), vmax,
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, -(h.lr * sq) / bc1, this.preset === 'tf' ? h.eps : h.eps * sq,
      h.weightDecay, 1 - h.lr * h.weightDecay, flags]);
  }

  /** The state dict records a non-torch preset (`preset`); loading checks it. */
  override stateDict(): StateDict & { preset?: AdamPreset } {
    this.live();
    const sd = super.stateDict();
    return this.preset === 'torch' ? sd : { ...sd, preset: this.preset };
  }

  override loadStateDict(sd: StateDict & { preset?: AdamPreset }): void {
    this.live();
    const p = (sd as { preset?: unknown } | undefined)?.preset ?? 'torch';
    if (p !== this.preset) throw new StateError(`state was saved with preset '${nameText(p)}', this optimizer has preset '${this.preset}'`);
    super.loadStateDict(sd);
  }
}

/**
 * Adam (torch.optim.Adam semantics): L2 weight decay added to the gradient,
 *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr/(1−β1ᵗ) · m / (√v̂/√(1−β2ᵗ) + ε),
 * (computed as p −= (lr·√(1−β2ᵗ)/(1−β1ᵗ)) · m / (√v̂ + ε·√(1−β2ᵗ)): the same value, one division),
 * with v̂ = max of the raw v over time under AMSGrad (the kernel never touches the third buffer
 * otherwise, so it is allocated only with AMSGrad). State: 8 bytes/param, 12 with AMSGrad.
 *
 * Presets (Adam and AdamW):
 *   'optax' (optax.adam/adamw/amsgrad): v = (1−β2)·g² + β2·v;  m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ);
 *     AMSGrad v̂ = max(v̂_max, v̂) (over the bias-corrected v̂);  u = m̂/(√(v̂ + epsRoot) + ε);
 *     AdamW: u = u + λ·p (optax's add_decayed_weights, λ default 1e-4);  p = p − lr·u.
 *   'tf' (TensorFlow/Keras, "ε-hat"): p −= lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε), ε not scaled by
 *     √(1−β2ᵗ); default ε = 1e-7 (AdamW λ = 4e-3, applied as torch's p·(1 − lr·λ)).
 */
export class Adam extends AdamBase {
  readonly kind = 'adam';
  protected readonly decoupled = false;
  constructor(params: ParamSet, opts: WithGroups<AdamOptions> = {}) { super(params, opts, { torch: 0, optax: 0, tf: 0 }); }
}

/** AdamW (torch.optim.AdamW): as Adam, but p ← p·(1 − lr·λ) before the moments (default λ = 1e-2). */
export class AdamW extends AdamBase {
  readonly kind = 'adamw';
  protected readonly decoupled = true;
  constructor(params: ParamSet, opts: WithGroups<AdamOptions> = {}) { super(params, opts, { torch: 1e-2, optax: 1e-4, tf: 4e-3 }); }
}
