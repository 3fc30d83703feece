import { checkF32, checkKnownKeys } from '../options.js';
import type { EngineBuffer } from '../engine/memory.js';
import { valueText, checkRange, describe, DisposedError, HyperparameterError, requireObject, StateError } from '../errors.js';
import { requireParamSet, type ParamSet } from '../params.js';
import { Optimizer, requireBool, type StateDict } from './base.js';

/**
 * Options of `SAM` (Foret et al. 2021: ascend to θ + ρ·g/‖g‖, take the base optimizer's step with the
 * gradient there); unset fields take the defaults stated on each.
 */
export interface SAMOptions<B extends Optimizer<any, any>> {
  /** Neighbourhood radius ρ (default 0.05; ASAM papers use larger values, e.g. 0.5–2). */
  rho?: number;
  /** ASAM: scale the ascent by |p| (default false). */
  adaptive?: boolean;
  /** The base optimizer that takes the actual step, or a factory for it: `(ps) => new SGD(ps, { lr })`. */
  base: B | ((params: ParamSet) => B);
}

/** A closure that writes the gradients at the current parameters into the ParamSet and returns the loss. */
export type Closure = () => number;

export const SAM_FORMAT = 'simdopt/sam';

/** SAM's state as plain data: the base optimizer's state dict and SAM's own. */
export interface SAMStateDict {
  format: typeof SAM_FORMAT;
  version: 1;
  rho: number;
  adaptive: boolean;
  /** The base optimizer's state dict. */
  base: StateDict;
}

/**
 * SAM, Sharpness-Aware Minimization (Foret et al. 2021; davda54/sam semantics), optionally ASAM
 * (Kwon et al. 2021, adaptive). Each step(closure) evaluates the gradient twice:
 *   g = ∇L(p);  n = ‖g‖ (ASAM: ‖|p|⊙g‖);  e = ρ·g/(n + 1e-12) (ASAM: ρ·p²⊙g/(n + 1e-12));
 *   g' = ∇L(p + e);  p ← base.step(p, g')       (the parameters are restored to p before the base step)
 * n is one sum of squares over the whole ParamSet in the engine's fixed blocked order (davda54 stacks
 * per-tensor norms); the perturbation is applied to every tensor, the base optimizer's groups (and
 * frozen tensors) apply to its step. If the first gradient is not finite, no perturbation is made and
 * the base optimizer's nonFinite policy decides (error, skip or propagate).
 * Returns the loss of the first closure call. State: 4 bytes per parameter (the saved p during a step)
 * plus the base optimizer's state.
 */
export class SAM<B extends Optimizer<any, any> = Optimizer<any, any>> {
  readonly kind = 'sam';
  readonly params: ParamSet;
  readonly base: B;
  private rhoV: number;
  private adaptiveV: boolean;
  private readonly old: EngineBuffer;
  private freedV = false;

  constructor(params: ParamSet, opts: SAMOptions<B>) {
    requireParamSet(params);
    if (opts === null || typeof opts !== 'object') throw new HyperparameterError(`options must be an object, got ${opts === null ? 'null' : typeof opts}`);
    checkKnownKeys('SAM option', opts, ['rho', 'adaptive', 'base']);
    const rho = opts?.rho ?? 0.05, adaptive = opts?.adaptive ?? false;
    checkRange('rho', rho, 0, Infinity);
    requireBool('adaptive', adaptive);
    const mk = opts?.base;
    const base = mk instanceof Optimizer ? mk : typeof mk === 'function' ? (mk as (ps: ParamSet) => B)(params) : undefined;
    if (!(base instanceof Optimizer)) throw new HyperparameterError('base must be a simdopt Optimizer or a function (params) => Optimizer');
    if (base.params !== params) {
      if (base !== mk) base.free();
      throw new HyperparameterError('base must optimize the same ParamSet as SAM');
    }
    this.params = params;
    this.base = base as B;
    this.rhoV = rho;
    this.adaptiveV = adaptive;
    // A base built here is freed again when the buffer below cannot be allocated (nothing half-built).
    try { this.old = params.engine.alloc(params.size); } catch (e) { if (base !== mk) base.free(); throw e; }
  }

  get rho(): number { this.live(); return this.rhoV; }
  get adaptive(): boolean { this.live(); return this.adaptiveV; }
  get stepCount(): number { this.live(); return this.base.stepCount; }

  /** Change ρ or adaptive between steps (validated; nothing changes on error). */
  set(changes: { rho?: number; adaptive?: boolean }): void {
    this.live();
    requireObject('set() changes', changes);
    if (changes === null || typeof changes !== 'object') throw new HyperparameterError(`set() takes an object, got ${changes === null ? 'null' : typeof changes}`);
    checkKnownKeys('SAM hyperparameter', changes, ['rho', 'adaptive']);
    const rho = changes.rho ?? this.rhoV, adaptive = changes.adaptive ?? this.adaptiveV;
    checkRange('rho', rho, 0, Infinity);
    checkF32('rho', rho);
    requireBool('adaptive', adaptive);
    this.rhoV = rho; this.adaptiveV = adaptive;
  }

  /**
   * One SAM step: closure() at p, ascend to p + e, closure() there, restore p, base.step(). If the
   * second closure call throws, the parameters are restored before the error propagates.
   */
  step(closure: Closure): number {
    this.live();
    if (typeof closure !== 'function') throw new HyperparameterError(`closure must be a function that writes the gradients and returns the loss, got ${describe(closure)}`);
    const ps = this.params, e = ps.engine;
    const loss = closure();
    const sq = this.adaptiveV ? e.reduce('sam_asam_partials', ps.size, [ps.data.ptr, ps.grad.ptr]) : e.sumSquares(ps.grad);
    if (Number.isFinite(sq)) {
      const scale = this.rhoV / (e.sqrt(sq) + 1e-12);
      e.run('sam_perturb_f32', ps.size, [ps.data.ptr, ps.grad.ptr, this.old.ptr, scale, this.adaptiveV ? 1 : 0]);
      try { closure(); } finally { e.run('copy_f32', ps.size, [ps.data.ptr, this.old.ptr]); }
    }
    this.base.step();
    return loss;
  }

  /** Set the gradients of the ParamSet to 0. */
  zeroGrad(): void { this.live(); this.params.zeroGrad(); }

  /** Throws DisposedError after free(), or once the ParamSet was freed or the engine disposed. */
  private live(): void {
    if (this.freedV) throw new DisposedError('SAM optimizer was freed (free() released its state): create a new SAM over a live base optimizer');
    this.params.checkLive();
  }

  /** The state as plain data: SAM's own and the base optimizer's. */
  stateDict(): SAMStateDict {
    this.live();
    return { format: SAM_FORMAT, version: 1, rho: this.rhoV, adaptive: this.adaptiveV, base: this.base.stateDict() };
  }

  /** Load a SAM state dict (ρ, adaptive and the base optimizer's state); a bad dict changes nothing. */
  loadStateDict(sd: SAMStateDict): void {
    this.live();
    if (!sd || typeof sd !== 'object' || sd.format !== SAM_FORMAT) throw new StateError('not a simdopt SAM state dict');
    if (sd.version !== 1) throw new StateError(`unsupported SAM state version ${valueText(sd.version)}`);
    try { checkRange('rho', sd.rho, 0, Infinity); requireBool('adaptive', sd.adaptive); } catch (err) {
      throw new StateError(`invalid SAM state: ${(err as Error).message}`);
    }
    this.base.loadStateDict(sd.base);
    this.rhoV = sd.rho; this.adaptiveV = sd.adaptive;
  }

  /** Release the saved-parameter buffer and the base optimizer's state. */
  free(): void {
    if (this.freedV) throw new DisposedError('SAM optimizer was already freed');
    this.params.engine.checkLive();
    this.freedV = true;
    this.old.free(); this.base.free();
  }
}
