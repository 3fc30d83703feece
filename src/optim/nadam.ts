import { valueText, checkRange, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, type StateDict, checkAdamLike, requireBool } from './base.js';

/**
 * Options of `NAdam` (Adam with Nesterov momentum and torch's momentum decay schedule μ_t = β1·(1 −
 * 0.5·0.96^(t·ψ))); unset fields take the defaults stated on each.
 */
export interface NAdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  momentumDecay?: number;
  /** false (default): the fast kernel (plain f32 multiply-adds where torch parity allows; same bits in every runtime and build, within 1e-6 of torch). true: every multiply-add torch's CPU kernel fuses is an f32 FMA emulated in f64, bit-identical to torch 1.13 on FMA CPUs, about 2× slower (README, Benchmarks). */
  torchBits?: boolean;
}
type NAdamHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; momentumDecay: number; torchBits: boolean };

/** NAdam's state dict: the base format plus the scalar running product of the momentum cache. */
export interface NAdamStateDict extends StateDict {
  scalars: { mu_product: number };
}

// Kernel flags (assembly/nadam.ts).
const DECAY = 1, TORCH_BITS = 2;

/**
 * NAdam (torch.optim.NAdam semantics, Dozat 2016, momentum-decay schedule):
 *   μₜ = β1·(1 − ½·0.96^(t·ψ));  Πₜ = Π_{k≤t} μₖ;  d = g (+ λ·p);
 *   m = β1·m + (1−β1)·d;  v = β2·v + (1−β2)·d²;  den = √(v/(1−β2ᵗ)) + ε;
 *   p −= lr(1−μₜ)/(1−Πₜ) · d/den;  p −= lr·μₜ₊₁/(1−Πₜ·μₜ·μₜ₊₁) · m/den
 * (torch 1.13's mu_product_next multiplies μₜ in twice; reproduced for parity).
 * Πₜ is one scalar per optimizer, kept in f64 (torch keeps it as an f32 tensor per parameter; all
 * parameters share the same value) and saved in stateDict().scalars.mu_product.
 * Defaults lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8, momentumDecay = 4e-3.
 * State: 8 bytes per parameter (exp_avg, exp_avg_sq) plus one scalar.
 */
export class NAdam extends Optimizer<NAdamHyper, NAdamOptions> {
  readonly kind = 'nadam';
  private muProduct = 1;

  constructor(params: ParamSet, opts: WithGroups<NAdamOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 2e-3, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, momentumDecay: o.momentumDecay ?? 4e-3, torchBits: o.torchBits ?? false };
    }, ['exp_avg', 'exp_avg_sq']);
  }

  /** Πₜ is one scalar shared by every group, so β1 and ψ are too. */
  protected override fixedKeys(): string[] { return ['beta1', 'momentumDecay']; }

  protected validate(h: NAdamHyper): NAdamHyper {
    checkAdamLike(h);
    checkRange('momentumDecay', h.momentumDecay, 0, Infinity);
    requireBool('torchBits', h.torchBits);
    return { ...h };
  }

  protected apply(t: number, h: NAdamHyper, s: Span): void {
    const e = this.params.engine;
    // Per-step scalars in f64 with the engine's deterministic pow (never Math.pow), torch's order.
    const bc2 = 1 - e.pow(h.beta2, t);
    const mu = h.beta1 * (1 - 0.5 * e.pow(0.96, t * h.momentumDecay));
    const muNext = h.beta1 * (1 - 0.5 * e.pow(0.96, (t + 1) * h.momentumDecay));
    // torch 1.13 multiplies the already-updated product by mu once more: mu_product_next =
    // (mu_product * mu) * mu * mu_next. Reproduced as is for parity.
    const prod = this.muProduct * mu, prodNext = prod * mu * muNext;
    const s1 = -h.lr * (1 - mu) / (1 - prod), s2 = -h.lr * muNext / (1 - prodNext);
    e.run('nadam_f32', s.n, [s.p, s.g, s.slot('exp_avg'), s.slot('exp_avg_sq'),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, bc2, h.eps, h.weightDecay, s1, s2, (h.weightDecay !== 0 ? DECAY : 0) | (h.torchBits ? TORCH_BITS : 0)]);
  }

  protected override afterStep(t: number): void {
    const h = this.hyperparameters, e = this.params.engine;
    this.muProduct *= h.beta1 * (1 - 0.5 * e.pow(0.96, t * h.momentumDecay));
  }

  override stateDict(): NAdamStateDict {
    this.live();
    return { ...super.stateDict(), scalars: { mu_product: this.muProduct } };
  }

  /** As Optimizer.loadStateDict, plus scalars.mu_product (may be absent only at step 0); a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const mp = (sd as Partial<NAdamStateDict> | undefined)?.scalars?.mu_product;
    let next = 1;
    if (mp === undefined) {
      if (sd && typeof sd === 'object' && sd.step !== 0) throw new StateError('NAdam state has no scalars.mu_product');
    } else if (typeof mp !== 'number' || !Number.isFinite(mp) || mp < 0 || mp > 1) {
      throw new StateError(`invalid scalars.mu_product ${valueText(mp)}`);
    } else {
      next = mp;
    }
    super.loadStateDict(sd);
    this.muProduct = next;
  }
}
