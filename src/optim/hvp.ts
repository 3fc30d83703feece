// Curvature from a user Hessian-vector product: seeded Rademacher draws in wasm, Hutchinson's
// diagonal estimate, and the machinery shared by AdaHessian, Sophia, OASIS and SANIA.
//
// The HVP callback. simdopt has no autodiff, so the curvature optimizers take a function
//   hvp(v: Float32Array, out: Float32Array): void
// that writes out = H·v, H the Hessian of the loss at the CURRENT parameters (before the step). Both
// arrays have length `params.size` and the ParamSet's arena layout: tensor `t` occupies
// [t.offset, t.offset + t.size) (see `params.tensors`); `v` is read-only (it is the draw z); `out`
// arrives zero-filled, padding entries may be left alone. The views are valid during the call only (do not allocate engine memory inside
// it). Sources: double backprop (autograd.grad of <∇f, v>), forward-over-reverse (jvp of grad), or
// the finite difference (∇f(w + εv) − ∇f(w)) / ε. The optimizer draws v = z (Rademacher, from
// `seed` and the step number) and forms Hutchinson's estimate D = z ⊙ (H z), which is unbiased for
// diag(H) and exact when H is diagonal (z² = 1). Pass the callback as the `hvp` option or per call
// as `step(hvp)`; it is called at most once per step, before anything changes (if it throws, or
// writes a non-finite value while nonFinite is not 'propagate', the step changes nothing).
import { requireEngine, type Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, NonFiniteError } from '../errors.js';
import { requireParamSet, type ParamSet } from '../params.js';
import { Optimizer, type WithGroups } from './base.js';
import { OPTIM } from './wasm.js';
import { txOptions } from './transforms/base.js';

/** out = H·v at the current parameters; both arrays in the ParamSet's arena layout (length params.size). */
export type Hvp = (v: Float32Array, out: Float32Array) => void;
/** Options shared by the curvature optimizers. */
export interface HvpOptions {
  /** Default HVP callback (a step may pass its own). */
  hvp?: Hvp;
}

const U32 = 0x1_0000_0000;

/** Throws HyperparameterError unless `v` is an integer in [0, 2^32). */
export function checkSeed(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= U32) {
    throw new HyperparameterError(`${name} must be an integer in [0, 2^32), got ${describe(v)}`);
  }
  return v;
}

/**
 * Fill `out` with Rademacher signs z(offset + i) ∈ {−1, +1} of (seed, stream): a counter-based hash
 * (assembly/rng.ts), so every element's draw is the same for any thread count, chunking, SIMD or
 * scalar build. `offset` is the index of out[0] in the counter space (drawing a sub-range gives the
 * same values as drawing the whole and slicing).
 */
export function rademacher(engine: Engine, out: EngineBuffer, seed: number, stream: number, offset = 0): void {
  requireEngine(engine);
  engine.requireGroup(OPTIM);
  const p = engine.own(out, 'out');
  checkSeed('seed', seed);
  checkSeed('stream', stream);
  if (!Number.isInteger(offset) || offset < 0 || offset + out.length > 2 ** 31) {
    throw new HyperparameterError(`offset must be an integer in [0, 2^31 - out.length], got ${describe(offset)}`);
  }
  engine.run('rademacher_f32', out.length, [p, seed, stream, offset]);
}

/** Hutchinson's diagonal estimate out = z ⊙ hz (one fused pass; exact products when z is ±1). */
export function hutchinson(engine: Engine, z: EngineBuffer, hz: EngineBuffer, out: EngineBuffer): void {
  requireEngine(engine);
  engine.requireGroup(OPTIM);
  const pz = engine.own(z, 'z'), n = z.length, ph = engine.own(hz, 'hz', n), po = engine.own(out, 'out', n);
  engine.run('hutchinson_f32', n, [pz, ph, po]);
}

/** An Hvp built by finite differences of the gradient, holding 8 bytes per parameter of scratch. */
export type FiniteDifferenceHvp = Hvp & {
  /** Release the scratch buffers. */
  free(): void;
};

/**
 * An HVP callback from gradients alone: `grad()` must write the gradient at the current `params.data`
 * into `params.grad` (the function that computes the training gradient). The callback evaluates
 *   forward:  H·v ≈ (∇f(w + εv) − ∇f(w)) / ε          (one grad() call; ∇f(w) is params.grad on entry)
 *   central:  H·v ≈ (∇f(w + εv) − ∇f(w − εv)) / (2ε)   (two calls; error O(ε²) instead of O(ε))
 * and then restores params.data and params.grad exactly (copies, also when grad() throws). Exact up
 * to f32 rounding for a quadratic loss; in f32 choose ε near √(2⁻²⁴)·|w| (about 2.4e-4 at |w| ~ 1;
 * default 1e-3). Every pass over the parameters runs in wasm. free() releases the scratch.
 */
export function finiteDifferenceHvp(params: ParamSet, grad: () => void, options?: { eps?: number; central?: boolean }): FiniteDifferenceHvp {
  requireParamSet(params);
  const opts = txOptions('finiteDifferenceHvp', options, ['eps', 'central']);
  const eps = opts.eps ?? 1e-3, central = opts.central ?? false;
  checkRange('eps', eps, 0, Infinity, true);
  if (typeof central !== 'boolean') throw new HyperparameterError(`central must be a boolean, got ${describe(central)}`);
  if (typeof grad !== 'function') throw new HyperparameterError('grad must be a function () => void that fills params.grad');
  const e = params.engine, n = params.size, p0 = e.alloc(n);
  let g0: EngineBuffer;
  try { g0 = e.alloc(n); } catch (err) { p0.free(); throw err; }
  const ptrOf = (a: Float32Array, what: string): number => {
    if (!(a instanceof Float32Array) || a.buffer !== e.arena.memory.buffer || a.length !== n) {
      throw new HyperparameterError(`${what} must be a view of this engine's memory of length ${n} (the arrays the optimizer passes)`);
    }
    return a.byteOffset;
  };
  const f = ((v: Float32Array, out: Float32Array) => {
    const pv = ptrOf(v, 'v'), po = ptrOf(out, 'out'), pd = params.data.ptr, pg = params.grad.ptr;
    e.run('copy_f32', n, [p0.ptr, pd]);
    e.run('copy_f32', n, [g0.ptr, pg]);
    try {
      e.run('fd_shift_f32', n, [pd, p0.ptr, pv, eps]);
      grad();
      if (!central) { e.run('fd_diff_f32', n, [po, pg, g0.ptr, eps]); return; }
      e.run('copy_f32', n, [po, pg]);
      e.run('fd_shift_f32', n, [pd, p0.ptr, pv, -eps]);
      grad();
      e.run('fd_diff_f32', n, [po, po, pg, 2 * eps]);
    } finally {
      e.run('copy_f32', n, [pd, p0.ptr]);
      e.run('copy_f32', n, [pg, g0.ptr]);
    }
  }) as FiniteDifferenceHvp;
  f.free = () => { p0.free(); g0.free(); };
  return f;
}

function withoutHvp<O>(opts: WithGroups<O> & HvpOptions): WithGroups<O> {
  const { hvp: _h, ...rest } = (opts ?? {}) as WithGroups<O> & HvpOptions & Record<string, unknown>;
  return rest as unknown as WithGroups<O>;
}

/**
 * Base of the curvature optimizers: scratch buffers z and hz (8 bytes per parameter, not state), the
 * callback, and `curvature(t)` which draws z for stream t and fills hz = H z. Subclasses call
 * `stepWith(hvp)` from their public step() and `prepared(t, h)` at the top of apply(), which runs
 * `prepare` once per step, before the first run is updated.
 */
export abstract class HvpOptimizer<H extends Record<string, number | boolean>, O extends object> extends Optimizer<H, O> {
  private hvpFn: Hvp | undefined;
  private zBuf: EngineBuffer | undefined;
  private hzBuf: EngineBuffer | undefined;
  private current: Hvp | undefined;
  private ready = false;

  protected constructor(params: ParamSet, opts: WithGroups<O> & HvpOptions, toHyper: (o: O) => H, slotNames: string[]) {
    super(params, withoutHvp(opts), toHyper, slotNames);
    const hvp: unknown = (opts as HvpOptions | undefined)?.hvp;
    try {
      if (hvp !== undefined && typeof hvp !== 'function') throw new HyperparameterError(`hvp must be a function (v, out) => void, got ${typeof hvp}`);
      this.hvpFn = hvp as Hvp | undefined;
      this.zBuf = params.engine.alloc(params.size);
      this.hzBuf = params.engine.alloc(params.size);
    } catch (e) { this.free(); throw e; }
  }

  /** The default HVP callback (the `hvp` option); may be replaced between steps. */
  get hvp(): Hvp | undefined { this.live(); return this.hvpFn; }
  set hvp(f: Hvp | undefined) {
    if (f !== undefined && typeof f !== 'function') throw new HyperparameterError(`hvp must be a function (v, out) => void, got ${typeof f}`);
    this.hvpFn = f;
  }

  /** One step with `hvp` (or the default callback; checked only when this step needs it). */
  protected stepWith(hvp: Hvp | undefined): void {
    this.live();
    if (hvp !== undefined && typeof hvp !== 'function') throw new HyperparameterError(`hvp must be a function (v, out) => void, got ${typeof hvp}`);
    this.current = hvp ?? this.hvpFn;
    this.ready = false;
    try { super.step(); } finally { this.current = undefined; }
  }

  /** Work done once per step before the first run is updated (draws, HVP, global scalars). */
  protected abstract prepare(t: number, h: H): void;

  protected prepared(t: number, h: H): void {
    if (this.ready) return;
    this.prepare(t, h);
    this.ready = true;
  }

  /** Byte pointers of the draw z and of H z (whole arena). */
  protected get zPtr(): number { return this.zBuf!.ptr; }
  protected get hzPtr(): number { return this.hzBuf!.ptr; }

  /** Draw z for stream `t`, zero hz and call the HVP; checks its output unless nonFinite is 'propagate'. */
  protected curvature(t: number, seed: number): void {
    const e = this.params.engine, n = this.params.size, f = this.current;
    if (typeof f !== 'function') throw new HyperparameterError('hvp must be a function (v, out) => void: pass it as the hvp option or to step()');
    e.run('rademacher_f32', n, [this.zBuf!.ptr, seed, t, 0]);
    e.run('fill_f32', n, [this.hzBuf!.ptr, 0]);
    f(this.zBuf!.array, this.hzBuf!.array);
    if (this.nonFinite === 'propagate') return;
    const bad = e.reduce('nonfinite_partials', n, [this.hzBuf!.ptr]);
    if (bad > 0) {
      const t0 = this.params.tensors.find((x) => e.reduce('nonfinite_partials', x.size, [this.hzBuf!.ptr + x.offset * 4]) > 0);
      throw new NonFiniteError(`hvp wrote non-finite values (${bad} in all${t0 ? `, first in ${t0.name}` : ''}); nothing was changed`, t0?.name ?? '', bad);
    }
  }

  /** [offset, size] of every tensor outside frozen groups, in arena order. */
  protected liveTensors(): [number, number][] {
    const frozen = new Set(this.groups.filter((g) => g.frozen).flatMap((g) => g.params));
    return this.params.tensors.filter((t) => !frozen.has(t.name)).map((t) => [t.offset, t.size]);
  }

  /** Release the state and scratch buffers. */
  override free(): void {
    super.free();
    this.zBuf?.free(); this.hzBuf?.free();
    this.zBuf = this.hzBuf = undefined;
  }
}
