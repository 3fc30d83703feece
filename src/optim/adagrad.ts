import { nameText, checkRange, HyperparameterError, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { checkPreset } from './adam.js';
import { Optimizer, type Span, type StateDict, type WithGroups, requireBool, optionsOf } from './base.js';

/** Options of `Adagrad` (θ ← θ − lr·g/(√(Σ g²) + ε)); unset fields take the defaults stated on each. */
export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
  /** 'torch' (default) or 'optax' (ε inside the square root, defaults initialAccumulatorValue 0.1, ε 1e-7). Fixed at construction. */
  preset?: AdagradPreset;
}
/**
 * Which library's Adagrad defaults to take: torch (initial accumulator 0, ε outside the root) or optax
 * (initial accumulator 0.1, ε 1e-7).
 */
export type AdagradPreset = 'torch' | 'optax';
type AdagradHyper = Required<Omit<AdagradOptions, 'preset'>>;

// Kernel flags (assembly/adagrad.ts).
const MAXIMIZE = 1, DECAY = 2;

/**
 * Adagrad (torch.optim.Adagrad semantics, dense gradients):
 *   d = g (+ wd·p);  sum = sum + d²;  clr = lr / (1 + (t−1)·lr_decay);  p = p − clr · d / (√sum + ε).
 * The sum starts at initialAccumulatorValue (filled at construction, as torch does).
 * preset 'optax' (optax.adagrad: scale_by_rss, scale_by_learning_rate): p = p − clr · d·rsqrt(sum + ε)
 * (0 where sum = 0), defaults initialAccumulatorValue = 0.1 and ε = 1e-7.
 * State: 4 bytes per parameter (the sum).
 */
export class Adagrad extends Optimizer<AdagradHyper, AdagradOptions> {
  readonly kind = 'adagrad';
  /** See AdagradOptions.preset. */
  readonly preset: AdagradPreset;
  constructor(params: ParamSet, opts: WithGroups<AdagradOptions> = {}) {
    const { preset: given, ...rest } = optionsOf(opts);
    const preset = checkPreset(given ?? 'torch', ['torch', 'optax'] as const);
    if (Array.isArray(rest.groups) && rest.groups.some((g) => g && typeof g === 'object' && 'preset' in g)) throw new HyperparameterError('preset is fixed at construction and shared by every group');
    const optax = preset === 'optax';
    super(params, rest, (o) => ({ lr: o.lr ?? 1e-2, lrDecay: o.lrDecay ?? 0, weightDecay: o.weightDecay ?? 0,
      initialAccumulatorValue: o.initialAccumulatorValue ?? (optax ? 0.1 : 0), eps: o.eps ?? (optax ? 1e-7 : 1e-10), maximize: o.maximize ?? false }), ['sum']);
    this.preset = preset;
    const v = this.hyperparameters.initialAccumulatorValue;
    if (v !== 0) this.slots.sum!.array.fill(v);
  }

  protected override fixedKeys(): string[] { return ['initialAccumulatorValue'];
  }

  protected validate(h: AdagradHyper): AdagradHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('lrDecay', h.lrDecay, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('initialAccumulatorValue', h.initialAccumulatorValue, 0, Infinity);
    checkRange('eps', h.eps, 0, Infinity, true);
    requireBool('maximize', h.maximize);
    return { ...h };
  }

  protected apply(t: number, h: AdagradHyper, s: Span): void {
    const e = this.params.engine;
    const clr = h.lr / (1 + (t - 1) * h.lrDecay);
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    e.run(this.preset === 'optax' ? 'adagrad_optax_f32' : 'adagrad_f32', s.n, [s.p, s.g, s.slot('sum'), -clr, h.eps, h.weightDecay, flags]);
  }

  /** The state dict records a non-torch preset (`preset`); loading checks it. */
  override stateDict(): StateDict & { preset?: AdagradPreset } {
    this.live();
    const sd = super.stateDict();
    return this.preset === 'torch' ? sd : { ...sd, preset: this.preset };
  }

  override loadStateDict(sd: StateDict & { preset?: AdagradPreset }): void {
    this.live();
    const p = (sd as { preset?: unknown } | undefined)?.preset ?? 'torch';
    if (p !== this.preset) throw new StateError(`state was saved with preset '${nameText(p)}', this optimizer has preset '${this.preset}'`);
    super.loadStateDict(sd);
  }
}
