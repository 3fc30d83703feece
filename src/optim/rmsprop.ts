import { nameText, checkRange, HyperparameterError, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { checkPreset } from './adam.js';
import { Optimizer, type Span, type StateDict, type WithGroups, requireBool, optionsOf } from './base.js';

/**
 * Options of `RMSprop` (v = α·v + (1 − α)·g², θ ← θ − lr·g/(√v + ε), optionally centred and with momentum);
 * unset fields take the defaults stated on each.
 */
export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
  /** false (default): the fast kernel (plain f32 multiply-adds where torch parity allows; same bits in every runtime and build, within 1e-6 of torch). true: every multiply-add torch's CPU kernel fuses is an f32 FMA emulated in f64, bit-identical to torch 1.13 on FMA CPUs, about 2× slower (README, Benchmarks); preset 'torch' only. */
  torchBits?: boolean;
  /** 'torch' (default) or 'optax' (ε inside the square root, default α = 0.9, momentum buffer holds −lr-scaled updates). Fixed at construction. */
  preset?: RMSpropPreset;
}
/** Which library's RMSprop defaults to take: torch (ε outside the root, α 0.99) or optax (ε inside the root, α 0.9). */
export type RMSpropPreset = 'torch' | 'optax';
type RMSpropHyper = Required<Omit<RMSpropOptions, 'preset'>>;

// Kernel flags (assembly/rmsprop.ts).
const MAXIMIZE = 1, DECAY = 2, CENTERED = 4, MOMENTUM = 8, TORCH_BITS = 16;
const TORCH_BITS_OPTAX = "torchBits applies to preset 'torch' (optax's rmsprop has no fused multiply-adds)";

/**
 * RMSprop (torch.optim.RMSprop semantics):
 *   d = g (+ wd·p);  v = α·v + (1−α)·d²;
 *   centered: ḡ = α·ḡ + (1−α)·d,  avg = √(v − ḡ²) + ε;  otherwise avg = √v + ε;
 *   momentum > 0: buf = μ·buf + d/avg, p = p − lr·buf;  otherwise p = p − lr·d/avg.
 * preset 'optax' (optax.rmsprop: scale_by_rms / scale_by_stddev with eps_in_sqrt, then
 * scale_by_learning_rate, then trace): v = (1−α)·d² + α·v; u = d·rsqrt(v + ε) (centered: rsqrt(v − ḡ² + ε));
 * momentum: buf = −lr·u + μ·buf, p = p + buf; otherwise p = p − lr·u. Default α = 0.9 there.
 * State: 4 bytes per parameter (square_avg), +4 when centered (grad_avg), +4 with momentum
 * (momentum_buffer). `centered`, and whether momentum is zero, are fixed at construction (they decide
 * which buffers exist).
 */
export class RMSprop extends Optimizer<RMSpropHyper, RMSpropOptions> {
  readonly kind = 'rmsprop';
  /** See RMSpropOptions.preset. */
  readonly preset: RMSpropPreset;
  constructor(params: ParamSet, opts: WithGroups<RMSpropOptions> = {}) {
    const { preset: given, ...rest } = optionsOf(opts);
    const preset = checkPreset(given ?? 'torch', ['torch', 'optax'] as const);
    if (Array.isArray(rest.groups) && rest.groups.some((g) => g && typeof g === 'object' && 'preset' in g)) throw new HyperparameterError('preset is fixed at construction and shared by every group');
    if (preset === 'optax' && [rest, ...(Array.isArray(rest.groups) ? rest.groups : [])].some((g) => g && typeof g === 'object' && (g as { torchBits?: unknown }).torchBits === true)) throw new HyperparameterError(TORCH_BITS_OPTAX);
    const slots = ['square_avg'];
    if (rest.centered === true) slots.push('grad_avg');
    const ms = [rest.momentum, ...(Array.isArray(rest.groups) ? rest.groups : []).map((g) => (g as { momentum?: unknown } | null)?.momentum)];
    if (ms.some((m) => typeof m === 'function' || (typeof m === 'number' && m > 0))) slots.push('momentum_buffer');
    super(params, rest, (o) => ({ lr: o.lr ?? 1e-2, alpha: o.alpha ?? (preset === 'optax' ? 0.9 : 0.99), eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0,
      momentum: o.momentum ?? 0, centered: o.centered ?? false, maximize: o.maximize ?? false, torchBits: o.torchBits ?? false }), slots);
    this.preset = preset;
  }

  protected validate(h: RMSpropHyper): RMSpropHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('alpha', h.alpha, 0, 1);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('momentum', h.momentum, 0, Infinity);
    requireBool('centered', h.centered);
    requireBool('maximize', h.maximize);
    requireBool('torchBits', h.torchBits);
    if (h.torchBits && this.preset === 'optax') throw new HyperparameterError(TORCH_BITS_OPTAX);
    if (h.centered !== (this.slots.grad_avg !== undefined)) {
      throw new HyperparameterError('centered is fixed at construction (it decides which state buffers exist)');
    }
    if (h.momentum > 0 && this.slots.momentum_buffer === undefined) {
      throw new HyperparameterError('momentum cannot become non-zero when it was zero at construction (it decides which state buffers exist)');
    }
    return { ...h };
  }

  protected apply(_t: number, h: RMSpropHyper, s: Span): void {
    const e = this.params.engine;
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    if (h.centered) flags |= CENTERED;
    if (h.momentum > 0) flags |= MOMENTUM;
    if (h.torchBits) flags |= TORCH_BITS;
    const sq = s.slot('square_avg'), has = (k: string) => this.slots[k] !== undefined;
    e.run(this.preset === 'optax' ? 'rmsprop_optax_f32' : 'rmsprop_f32', s.n, [s.p, s.g, sq, has('grad_avg') ? s.slot('grad_avg') : sq, has('momentum_buffer') ? s.slot('momentum_buffer') : sq,
      h.alpha, 1 - h.alpha, h.eps, h.weightDecay, h.momentum, -h.lr, flags]);
  }

  /** The state dict records a non-torch preset (`preset`); loading checks it. */
  override stateDict(): StateDict & { preset?: RMSpropPreset } {
    this.live();
    const sd = super.stateDict();
    return this.preset === 'torch' ? sd : { ...sd, preset: this.preset };
  }

  override loadStateDict(sd: StateDict & { preset?: RMSpropPreset }): void {
    this.live();
    const p = (sd as { preset?: unknown } | undefined)?.preset ?? 'torch';
    if (p !== this.preset) throw new StateError(`state was saved with preset '${nameText(p)}', this optimizer has preset '${this.preset}'`);
    super.loadStateDict(sd);
  }
}
