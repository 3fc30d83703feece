// Optimizers over 16-bit storage: AdamW and SGD (momentum) whose states and/or parameters live in
// bfloat16 or IEEE binary16, updated in one fused pass per run (decode → update in f32 → encode, with
// seeded stochastic rounding or round-to-nearest-even; assembly/optim/lowp.ts), and a master-weights
// mode (f32 parameters, a 16-bit model copy written by every step).
import type { EngineBuffer } from '../engine/memory.js';
import { describe, HyperparameterError, nameText, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type StateDict, type WithGroups, requireBool, optionsOf, checkAdamLike } from './base.js';
import { LP_CODE, seedWords } from './lowp.js';
import { checkSgdHyper, sgdHyper, type SGDHyper } from './sgd.js';

/** Storage of states or parameters: f32, bfloat16 or IEEE binary16. */
export type StorageDtype = 'f32' | 'bf16' | 'f16';

/** The storage options every low-precision optimizer takes (fixed at construction, shared by every group). */
export interface LowPrecisionOptions {
  /**
   * Storage of the optimizer state (AdamW's m and v, SGD's momentum buffer). Default 'bf16' (2 bytes per
   * value instead of 4; the same exponent range as f32). 'f16' has 3 more mantissa bits but its range,
   * 6.0e-8 (subnormal) to 65504, underflows a typical second moment (g² ≈ 1e-8 and below): use it for
   * the second moment only with scaled gradients.
   */
  stateDtype?: StorageDtype;
  /**
   * Precision of the parameters. Default 'f32'. With 'bf16' or 'f16' every step rounds the updated
   * parameters to that format (the ParamSet then holds exactly representable values, and `modelTensor`
   * gives their 16-bit patterns) unless `masterWeights` is set. Construction rounds the initial values
   * to nearest.
   */
  paramDtype?: StorageDtype;
  /**
   * Stochastic rounding of every 16-bit store of the state and (without master weights) of the
   * parameters: rounded up with probability the fractional distance, unbiased, so updates far below
   * half a unit in the last place still move a value in expectation. Default true; false rounds to
   * nearest even, where such updates are lost (a bf16 parameter of magnitude 1 ignores any update
   * below 2^-9 ≈ 0.002). The random bits are keyed by (seed, step, element index in the ParamSet's
   * arena, which slot): the same on every runtime, build and thread count.
   */
  stochasticRounding?: boolean;
  /**
   * Master weights: the ParamSet keeps exact f32 parameters and every step also writes their 16-bit
   * copy (paramDtype, rounded to nearest even, as `tensor.to(torch.bfloat16)`) for a model that runs in
   * 16 bits (tfjs / ONNX weights as a Uint16Array). Needs paramDtype 'bf16' or 'f16'. Default false.
   */
  masterWeights?: boolean;
  /** Key of the stochastic rounding: an integer in [0, 2^53). Default 0. */
  seed?: number;
}

/** The storage settings a state dict records (loading checks them). */
export interface LowPrecisionSettings {
  stateDtype: StorageDtype;
  paramDtype: StorageDtype;
  stochasticRounding: boolean;
  masterWeights: boolean;
  seed: number;
}
/**
 * The state dict of a low-precision optimizer: the storage settings, and per tensor its slots; with
 * stateDtype 'bf16' or 'f16' each slot is a Uint16Array of bit patterns (StateDict's type says
 * Float32Array, the f32 case; check `lowPrecision.stateDtype` or `instanceof` before reading values).
 */
export interface LowPrecisionStateDict extends StateDict {
  lowPrecision: LowPrecisionSettings;
}

const LP_KEYS = ['stateDtype', 'paramDtype', 'stochasticRounding', 'masterWeights', 'seed'] as const;
const DTYPES: readonly StorageDtype[] = ['f32', 'bf16', 'f16'];
// Kernel flags (assembly/optim/lowp.ts).
export const LP_FLAGS = { srState: 16, srParam: 32, master: 64, maximize: 128, momentum: 256, nesterov: 512, first: 1024, decay: 2048 } as const;

function settingsOf(o: Record<string, unknown>): LowPrecisionSettings {
  const { stateDtype = 'bf16', paramDtype = 'f32', stochasticRounding = true, masterWeights = false, seed = 0 } = o;
  for (const [k, v] of [['stateDtype', stateDtype], ['paramDtype', paramDtype]] as const) {
    if (!DTYPES.includes(v as StorageDtype)) throw new HyperparameterError(`${k} must be 'f32', 'bf16' or 'f16', got ${describe(v)}`);
  }
  requireBool('stochasticRounding', stochasticRounding);
  requireBool('masterWeights', masterWeights);
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new HyperparameterError(`seed must be an integer in [0, 2^53), got ${describe(seed)}`);
  if (masterWeights && paramDtype === 'f32') throw new HyperparameterError("masterWeights keeps f32 parameters and writes a 16-bit copy: it needs paramDtype 'bf16' or 'f16'");
  return { stateDtype: stateDtype as StorageDtype, paramDtype: paramDtype as StorageDtype, stochasticRounding: stochasticRounding as boolean, masterWeights: masterWeights as boolean, seed };
}

/** A 16-bit (or f32) pattern array is finite (and ≥ 0 when `nonNegative`): StateError naming the first bad element otherwise. */
function check16(what: string, a: Uint16Array, dt: 'bf16' | 'f16', nonNegative: boolean): void {
  const expMask = dt === 'bf16' ? 0x7F80 : 0x7C00;
  for (let i = 0; i < a.length; i++) {
    const h = a[i]!;
    if ((h & expMask) === expMask || (nonNegative && (h & 0x8000) !== 0 && (h & 0x7FFF) !== 0)) {
      throw new StateError(`state ${what}[${i}] is the ${dt} pattern 0x${h.toString(16).padStart(4, '0')} (${(h & expMask) === expMask ? 'not finite' : 'negative'}): ${nonNegative ? 'a finite value ≥ 0' : 'a finite value'} expected`);
    }
  }
}

/**
 * The shared machinery of the 16-bit optimizers: the storage settings, the state slots in their dtype
 * (engine buffers with the ParamSet's layout), the 16-bit model copy, their state dict entries.
 */
export abstract class LowPrecisionOptimizer<H extends Record<string, number | boolean>, O extends object> extends Optimizer<H, O> {
  /** The storage settings (see LowPrecisionOptions). */
  readonly settings: Readonly<LowPrecisionSettings>;
  /** See LowPrecisionOptions.stateDtype. */
  get stateDtype(): StorageDtype { this.live(); return this.settings.stateDtype; }
  /** See LowPrecisionOptions.paramDtype. */
  get paramDtype(): StorageDtype { this.live(); return this.settings.paramDtype; }
  /** See LowPrecisionOptions.stochasticRounding. */
  get stochasticRounding(): boolean { this.live(); return this.settings.stochasticRounding; }
  /** See LowPrecisionOptions.masterWeights. */
  get masterWeights(): boolean { this.live(); return this.settings.masterWeights; }
  /** See LowPrecisionOptions.seed. */
  get seed(): number { this.live(); return this.settings.seed; }
  /** Philox key words of the seed. */
  protected readonly key: readonly [number, number];
  /** State slots in `settings.stateDtype` (u16 bit patterns for 'bf16'/'f16'). */
  protected readonly lowSlots: Record<string, EngineBuffer<'u16'> | EngineBuffer<'f32'>> = {};
  /** The 16-bit parameters (paramDtype 'bf16'/'f16'), null for f32 parameters. */
  readonly modelBuffer: EngineBuffer<'u16'> | null = null;

  protected constructor(params: ParamSet, opts: WithGroups<O & LowPrecisionOptions>, toHyper: (o: O) => H, slotNames: string[]) {
    const all = optionsOf(opts) as Record<string, unknown>;
    const rest: Record<string, unknown> = {}, lp: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(all)) ((LP_KEYS as readonly string[]).includes(k) ? lp : rest)[k] = v;
    const settings = settingsOf(lp);
    if (Array.isArray(rest.groups) && rest.groups.some((g) => g && typeof g === 'object' && LP_KEYS.some((k) => k in g))) {
      throw new HyperparameterError(`${LP_KEYS.join(', ')} are fixed at construction and shared by every group`);
    }
    super(params, rest as WithGroups<O>, toHyper, []);
    this.settings = Object.freeze(settings);
    this.key = seedWords('seed', settings.seed);
    const e = params.engine;
    try {
      for (const s of slotNames) this.lowSlots[s] = settings.stateDtype === 'f32' ? e.alloc(params.size, 'f32') as EngineBuffer<'f32'> : e.alloc(params.size, 'u16') as EngineBuffer<'u16'>;
      if (settings.paramDtype !== 'f32') (this as { modelBuffer: EngineBuffer<'u16'> | null }).modelBuffer = e.alloc(params.size, 'u16');
    } catch (err) { this.freeOwn(); super.free(); throw err; }
    this.syncModel();
  }

  private freeOwn(): void {
    for (const b of Object.values(this.lowSlots)) b.free();
    this.modelBuffer?.free();
  }

  /** Byte pointer of low slot `name` at element `off`. */
  protected lowPtr(name: string, off: number): number {
    const b = this.lowSlots[name]!;
    return b.ptr + off * (this.settings.stateDtype === 'f32' ? 4 : 2);
  }
  /** Byte pointer of the model copy at element `off` (0 when there is none: the kernels never touch it then). */
  protected copyPtr(off: number): number { return this.modelBuffer ? this.modelBuffer.ptr + off * 2 : 0; }
  /** The dtype bits, stochastic-rounding and master flags of the kernels. */
  protected storageFlags(): number {
    const s = this.settings;
    let f = LP_CODE[s.stateDtype] | (LP_CODE[s.paramDtype] << 2);
    if (s.stochasticRounding) f |= LP_FLAGS.srState | LP_FLAGS.srParam;
    if (s.masterWeights) f |= LP_FLAGS.master;
    return f;
  }

  /**
   * Bring the 16-bit model in line with the ParamSet (construction does it; call it after changing the
   * parameters outside step(), e.g. setParam or loadState with `{ params: true }`): the copy becomes the
   * parameters rounded to nearest even, and without master weights the parameters become those values.
   * Does nothing for f32 parameters.
   */
  syncModel(): void {
    this.live();
    const m = this.modelBuffer;
    if (!m) return;
    const ps = this.params, e = ps.engine, code = LP_CODE[this.settings.paramDtype];
    ps.clearPadding();
    e.run('lp_encode', ps.size, [ps.data.ptr, m.ptr, code, 0, 0, 0, 0, 0]);
    if (!this.settings.masterWeights) e.run('lp_decode', ps.size, [m.ptr, ps.data.ptr, code]);
  }

  /** A copy of the 16-bit bit patterns of tensor `name` (paramDtype 'bf16'/'f16'; what a 16-bit model loads). */
  modelTensor(name: string): Uint16Array {
    this.live();
    if (!this.modelBuffer) throw new HyperparameterError("this optimizer keeps f32 parameters (paramDtype 'f32'): there is no 16-bit model copy");
    const t = this.params.tensors.find((x) => x.name === name);
    if (!t) throw new HyperparameterError(`no parameter named ${nameText(name)}`);
    return this.modelBuffer.array.slice(t.offset, t.offset + t.size);
  }

  /** Bytes of optimizer state per parameter (2 per 16-bit slot, 4 per f32 one). */
  get stateBytesPerParam(): number {
    this.live();
    return Object.keys(this.lowSlots).length * (this.settings.stateDtype === 'f32' ? 4 : 2);
  }

  protected override extraStateEntries(_tensor: number): string[] { return Object.keys(this.lowSlots); }
  /** Slots whose values can never be negative. */
  protected lowNonNegative(): string[] { return []; }

  override stateDict(): LowPrecisionStateDict {
    this.live();
    const sd = super.stateDict() as unknown as LowPrecisionStateDict;
    for (const t of this.params.tensors) {
      const e = sd.state[t.name]!;
      for (const [s, b] of Object.entries(this.lowSlots)) (e as Record<string, Float32Array | Uint16Array>)[s] = b.array.slice(t.offset, t.offset + t.size);
    }
    return { ...sd, lowPrecision: { ...this.settings } };
  }

  /** Load a state dict: the storage settings must match; every check runs before anything is written. */
  override loadStateDict(sd: LowPrecisionStateDict): void {
    this.live();
    const given = (sd as { lowPrecision?: unknown } | undefined)?.lowPrecision;
    if (!given || typeof given !== 'object') throw new StateError('state dict has no lowPrecision settings (it was not saved by a low-precision optimizer)');
    for (const k of LP_KEYS) {
      const v = (given as Record<string, unknown>)[k];
      if (v !== this.settings[k]) throw new StateError(`state was saved with ${k} ${describe(v)}, this optimizer has ${describe(this.settings[k])}`);
    }
    const odd = Object.keys(given).find((k) => !(LP_KEYS as readonly string[]).includes(k));
    if (odd !== undefined) throw new StateError(`state dict lowPrecision has an unknown field ${JSON.stringify(odd)}`);
    const dt = this.settings.stateDtype, nonNeg = new Set(this.lowNonNegative());
    const st = (sd as { state?: unknown }).state;
    if (!st || typeof st !== 'object') throw new StateError('state dict has no per-parameter state');
    for (const t of this.params.tensors) {
      const e = (st as Record<string, Record<string, unknown>>)[t.name];
      if (!e || typeof e !== 'object') throw new StateError(`state has no entry for parameter ${t.name}`);
      for (const s of Object.keys(this.lowSlots)) {
        const a = e[s];
        const ok = dt === 'f32' ? a instanceof Float32Array : a instanceof Uint16Array;
        if (!ok) throw new StateError(`state of ${t.name} has no ${dt === 'f32' ? 'Float32Array' : `Uint16Array (${dt} bit patterns)`} slot ${s}`);
        const arr = a as Float32Array | Uint16Array;
        if (arr.length !== t.size) throw new StateError(`state ${t.name}.${s} has ${arr.length} elements, parameter has ${t.size}`);
        if (dt === 'f32') {
          for (let i = 0; i < arr.length; i++) {
            const v = arr[i]!;
            if (!Number.isFinite(v) || (nonNeg.has(s) && v < 0)) throw new StateError(`state ${t.name}.${s}[${i}] is ${v}: ${nonNeg.has(s) ? 'a finite value ≥ 0' : 'a finite value'} expected`);
          }
        } else check16(`${t.name}.${s}`, arr as Uint16Array, dt, nonNeg.has(s));
      }
    }
    super.loadStateDict(sd);
    for (const t of this.params.tensors) {
      const e = sd.state[t.name]!;
      for (const [s, b] of Object.entries(this.lowSlots)) (b.array as Float32Array | Uint16Array).set(e[s] as never, t.offset);
    }
  }

  override free(): void {
    super.free();
    this.freeOwn();
  }
}

/** Options of `LowPrecisionAdamW`: AdamW's (torch.optim.AdamW) and the storage options. */
export interface LowPrecisionAdamWOptions extends LowPrecisionOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}
type AdamWHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; maximize: boolean };

/**
 * AdamW (torch.optim.AdamW: p ← p·(1 − lr·λ); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * p −= lr/(1−β1ᵗ)·m/(√v/√(1−β2ᵗ) + ε), defaults lr 1e-3, betas [0.9, 0.999], ε 1e-8, λ 1e-2) over
 * 16-bit storage: one fused pass decodes m and v, updates in f32, stores them back (stochastic
 * rounding by default) and updates the parameters with the f32 values. State: 4 bytes per parameter
 * with bf16/f16 states (8 with f32). See LowPrecisionOptions for the parameter modes.
 */
export class LowPrecisionAdamW extends LowPrecisionOptimizer<AdamWHyper, LowPrecisionAdamWOptions> {
  readonly kind = 'lowprecision_adamw';
  constructor(params: ParamSet, opts: WithGroups<LowPrecisionAdamWOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.999];
      return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 1e-2, maximize: o.maximize ?? false };
    }, ['exp_avg', 'exp_avg_sq']);
  }
  protected validate(h: AdamWHyper): AdamWHyper {
    checkAdamLike(h);
    requireBool('maximize', h.maximize);
    return { ...h };
  }
  protected override lowNonNegative(): string[] { return ['exp_avg_sq']; }
  protected apply(t: number, h: AdamWHyper, s: Span): void {
    const e = this.params.engine;
    const bc1 = 1 - e.pow(h.beta1, t), sq = e.sqrt(1 - e.pow(h.beta2, t));
    let flags = this.storageFlags();
    if (h.maximize) flags |= LP_FLAGS.maximize;
    e.run('adamw16_f32', s.n, [s.p, s.g, this.lowPtr('exp_avg', s.off), this.lowPtr('exp_avg_sq', s.off), this.copyPtr(s.off),
      h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, -(h.lr * sq) / bc1, h.eps * sq, 1 - h.lr * h.weightDecay, flags,
      this.key[0], this.key[1], t, s.off]);
  }
}

/** Options of `LowPrecisionSGD`: SGD's (torch.optim.SGD) and the storage options. */
export interface LowPrecisionSGDOptions extends LowPrecisionOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

/**
 * SGD (torch.optim.SGD: d = g + λ·p; b = μ·b + (1 − τ)·d, b = d on the first step; d = nesterov ?
 * d + μ·b : b; p −= lr·d) with the momentum buffer in 16 bits (2 bytes per parameter; none without
 * momentum) and/or 16-bit parameters, one fused pass per run. With paramDtype 'bf16' and no momentum
 * it is plain bf16 SGD: the classic case where round-to-nearest loses every update below half an ulp
 * and stochastic rounding does not.
 */
export class LowPrecisionSGD extends LowPrecisionOptimizer<SGDHyper, LowPrecisionSGDOptions> {
  readonly kind = 'lowprecision_sgd';
  constructor(params: ParamSet, opts: WithGroups<LowPrecisionSGDOptions>) {
    super(params, opts, sgdHyper, ['momentum_buffer']);
  }
  protected validate(h: SGDHyper): SGDHyper {
    return checkSgdHyper(h);
  }
  protected apply(t: number, h: SGDHyper, s: Span): void {
    const e = this.params.engine;
    let flags = this.storageFlags();
    if (h.momentum !== 0) flags |= LP_FLAGS.momentum;
    if (h.nesterov) flags |= LP_FLAGS.nesterov;
    if (h.maximize) flags |= LP_FLAGS.maximize;
    if (t === 1) flags |= LP_FLAGS.first;
    if (h.weightDecay !== 0) flags |= LP_FLAGS.decay;
    e.run('sgd16_f32', s.n, [s.p, s.g, this.lowPtr('momentum_buffer', s.off), this.copyPtr(s.off),
      -h.lr, h.momentum, 1 - h.dampening, h.weightDecay, flags, this.key[0], this.key[1], t, s.off]);
  }
}
