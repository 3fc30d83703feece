// Linear UCB for drifting parameters: D-LinUCB (Russac, Vernade & Cappé 2019, "Weighted linear bandits
// for non-stationary environments") and SW-LinUCB (Cheung, Simchi-Levi & Zhu 2019, "Learning to optimize
// under non-stationarity"). As in the papers, one θ is shared by every arm and an arm is its feature
// vector: every request gives arms × dim features (the context of arm a is x_a; per-arm models are the
// one-hot block case). The maths and the exact operation order are in assembly/bandits/drift.ts; the
// state is f64 in the policy header, no per-arm slots (arms are only the features offered).
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, StateError, UnsupportedError } from '../errors.js';
import { Policy, type BanditEvent, type Decision, type Layout, type OptionCheck, type PolicyOptions } from './policy.js';
import { checkBatch, checkFeatures, checkSpd, fillMasks, MAX_FEATURE, onlyOneCopy, type BatchDecision } from './contextual.js';
import { encodeIds, Hasher } from './rng.js';

/**
 * Options shared by the drifting linear policies (`bandits.DLinUCB`, `bandits.SWLinUCB`); unset fields take
 * the defaults stated on each.
 */
export interface DriftLinearOptions extends PolicyOptions {
  /** Feature dimension d (1 to 256). */
  dim: number;
  /** Multiplier α of the confidence width α·β (default 1; 0 to 1e6). */
  alpha?: number;
  /** Ridge λ (default 1; 1e-6 to 1e12). */
  lambda?: number;
  /** Confidence level δ of β (default 0.01; (0, 1)). */
  delta?: number;
  /** Noise scale σ of β (sub-Gaussian constant; default 1; 0 to 1e6). */
  sigma?: number;
  /** Bound S on ‖θ‖ used by β (default 1; 0 to 1e6). */
  thetaBound?: number;
  /** Bound L on ‖x‖ used by β (default 1; 1e-6 to 1e6). */
  featureBound?: number;
}
/**
 * Options of `bandits.DLinUCB` (discounted LinUCB: the ridge statistics decay by γ each round, so old
 * rounds fade with weight γ^age).
 */
export interface DLinUCBOptions extends DriftLinearOptions {
  /** Discount γ in (0, 1) (default 0.99): an event's weight after s more events is γ^s. */
  gamma?: number;
}
/**
 * Options of `bandits.SWLinUCB` (sliding-window LinUCB: the ridge statistics of the last `window` rounds
 * only).
 */
export interface SWLinUCBOptions extends DriftLinearOptions {
  /** Window τ: only the last τ learned events count (1 to 100000, default 1000). */
  tau?: number;
}
/** decide() request: `context` holds arms × dim numbers (one feature vector per arm). */
export interface DriftRequest {
  eventId: string;
  context: ArrayLike<number>;
  actions?: readonly number[];
  /** Accepted for symmetry with LinUCB (and decision logs, which cut the chosen arm's row when it is set): must be true if given. */
  actionFeatures?: true;
}
/** A learned event: the chosen arm's feature vector (dim numbers). */
export interface DriftEvent extends BanditEvent { context: ArrayLike<number> }

const MAX_DRIFT_DIM = 256;

abstract class DriftLinearPolicy extends Policy {
  /** @internal How bandits.simulate feeds it: one feature vector per arm (the disjoint env in its one-θ block form). */
  static readonly contextForm = 'arms';
  protected abstract readonly mode: 0 | 1;
  protected readonly idHasher = new Hasher();
  private readonly bufs = new Map<string, EngineBuffer<'f64' | 'i32' | 'u8'>>();
  private pending: Float64Array | null = null;

  constructor(engine: Engine, options: DriftLinearOptions) {
    onlyOneCopy(options);
    if (options !== null && typeof options === 'object' && (options as { warmStart?: unknown }).warmStart !== undefined) throw new HyperparameterError('warmStart: D-LinUCB and SW-LinUCB keep no per-arm statistics (one θ for every arm)');
    super(engine, options);
    try { this.resetHeader(); } catch (e) { this.free(); throw e; }
  }
  get dim(): number { return this.hyper.dim as number; }
  protected get lambda(): number { return this.hyper.lambda as number; }
  /** The header of a fresh policy: V⁻¹ = I/λ, the rest as the subclass sets it. */
  protected resetHeader(): void {
    const d = this.dim, s = this.state.array;
    s.fill(0, 0, this.layout().header);
    for (let i = 0; i < d; i++) s[i * d + i] = 1 / this.lambda;
  }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      dim: (v, n) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_DRIFT_DIM) throw new HyperparameterError(`${n} must be an integer in [1, ${MAX_DRIFT_DIM}], got ${describe(v)}`);
        return v;
      },
      alpha: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6)),
      lambda: (v, n) => (v === undefined ? 1 : checkRange(n, v, 1e-6, 1e12)),
      delta: (v, n) => (v === undefined ? 0.01 : checkRange(n, v, 0, 1, true, true)),
      sigma: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6)),
      thetaBound: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6)),
      featureBound: (v, n) => (v === undefined ? 1 : checkRange(n, v, 1e-6, 1e6)),
    };
  }
  protected checkReward(r: number, where: string): void {
    if (!(Math.abs(r) <= MAX_FEATURE)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [-${MAX_FEATURE}, ${MAX_FEATURE}]`);
  }
  protected checkArm(): void {}
  protected override afterRestart(_copy: number, arm: number): void { if (arm < 0) this.resetHeader(); }
  /** Offset of b in the header. */
  protected abstract get offB(): number;
  /** The confidence coefficient α·β of the current state. */
  protected abstract coef(): number;

  protected buf<D extends 'f64' | 'i32' | 'u8'>(name: string, n: number, dtype: D): EngineBuffer<D> {
    let b = this.bufs.get(name) as EngineBuffer<D> | undefined;
    if (!b || b.length < n) {
      b?.free(); this.bufs.delete(name);
      b = this.engine.alloc(Math.max(n, 16), dtype);
      this.bufs.set(name, b as EngineBuffer<'f64' | 'i32' | 'u8'>);
    }
    return b;
  }
  /** θ̂ = V⁻¹b (f64, the kernels' order). */
  theta(): Float64Array {
    this.checkLive();
    const d = this.dim, out = this.buf('theta', d, 'f64');
    this.engine.kernel('bd_drift_theta')(this.state.ptr, d, this.offB, out.ptr);
    return out.array.slice(0, d);
  }
  /** A copy of the header statistics (V⁻¹, b and the subclass's). */
  header(): Float64Array { this.checkLive(); return this.state.array.slice(0, this.layout().header); }

  protected override requestKeys(): string[] { return ['eventId', 'context', 'actions', 'actionFeatures']; }
  protected decideKernel(): void { throw new UnsupportedError(`${this.kind} decides through decide()/decideBatch()`); }
  override decideCopies(): never { throw new UnsupportedError(`${this.kind} has no simulation copies: use decideBatch`); }
  override decide(req: DriftRequest): Decision {
    this.checkLive();
    this.checkRequest(req as unknown as Record<string, unknown>, 'decide request');
    if (req.actions !== undefined && !Array.isArray(req.actions)) throw new InvalidArgumentError(`decide request: actions must be an array of arms, got ${describe(req.actions)}`);
    const out = this.decideBatch(req.context, [req.eventId], { actions: req.actions === undefined ? undefined : [req.actions], ...(req.actionFeatures === undefined ? {} : { actionFeatures: req.actionFeatures }) }, 'decide request');
    return { arm: out.arms[0]!, propensity: out.propensities[0]!, scores: out.scores };
  }
  /** Scores of every arm × B contexts (contexts: B × arms × dim) and the argmax of each (PRNG ties, propensity 1/#ties). Pure. */
  decideBatch(contexts: ArrayLike<number>, eventIds: readonly string[], options: { actions?: readonly (readonly number[] | null | undefined)[]; actionFeatures?: true } = {}, where = 'decideBatch'): BatchDecision {
    this.checkLive();
    const K = this.K, Kp = this.Kp, d = this.dim;
    if (options !== null && typeof options === 'object' && (options as { actionFeatures?: unknown }).actionFeatures !== undefined && (options as { actionFeatures?: unknown }).actionFeatures !== true) {
      throw new InvalidArgumentError(`${where}: actionFeatures must be true or omitted (${this.kind} always takes one feature vector per arm), got ${describe((options as { actionFeatures?: unknown }).actionFeatures)}`);
    }
    const { B, sets } = checkBatch(where, K, d, this.mask.array, contexts, eventIds, { ...(options as object), actionFeatures: true });
    const h = this.idHasher.hash(this.engine, encodeIds(eventIds as string[], (i) => `${where}: eventIds[${i}]`));
    const xb = this.buf('ctx', B * K * d, 'f64'), theta = this.buf('theta', d, 'f64'), work = this.buf('work', K * d, 'f64');
    const scores = this.buf('scores', B * K, 'f64'), hashes = this.buf('hashes', 2 * B, 'i32'), arms = this.buf('arms', B, 'i32'), props = this.buf('props', B, 'f64');
    const maskBuf = sets ? this.buf('mask', B * Kp, 'u8') : this.mask;
    xb.array.set(contexts); hashes.array.set(h);
    if (sets) fillMasks(maskBuf.array, this.mask.array, sets, B, Kp);
    const maskB = sets ? Kp : 0;
    this.engine.kernel('bd_drift_theta')(this.state.ptr, d, this.offB, theta.ptr);
    this.engine.run('bd_drift_score', K, [this.state.ptr, d, K, B, xb.ptr, K * d, maskBuf.ptr, maskB, this.mode, this.coef(), theta.ptr, work.ptr, scores.ptr], 1, B * 2 * d * d);
    this.engine.run('bd_lin_pick', B, [scores.ptr, K, maskBuf.ptr, maskB, this.key[0], this.key[1], hashes.ptr, arms.ptr, props.ptr], 1, K);
    return { arms: arms.array.slice(0, B), propensities: props.array.slice(0, B), scores: scores.array.slice(0, B * K) };
  }

  protected override eventKeys(): string[] { return ['eventId', 'arm', 'reward', 'context']; }
  protected override checkEvent(e: Record<string, unknown>, where: string): void {
    super.checkEvent(e, where);
    checkFeatures(where, 'context', e.context, this.dim, `${this.dim} numbers (the chosen arm's features, dim ${this.dim})`);
  }
  protected override packEvents(ev: readonly BanditEvent[], arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    super.packEvents(ev, arms, rewards);
    const d = this.dim, x = new Float64Array(ev.length * d);
    ev.forEach((e, i) => x.set((e as DriftEvent).context, i * d));
    this.pending = x;
  }
  protected abstract fold(n: number, ctx: EngineBuffer<'f64'>, rewards: EngineBuffer<'f64'>, work: EngineBuffer<'f64'>): void;
  protected override learnKernel(n: number, _copies: EngineBuffer<'i32'>, _arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    const x = this.pending!;
    this.pending = null;
    const cb = this.buf('lctx', x.length, 'f64'), wb = this.buf('lwork', 2 * this.dim, 'f64');
    cb.array.set(x);
    this.fold(n, cb, rewards, wb);
  }
  override learn(events: readonly DriftEvent[]): ReturnType<Policy['learn']> { return super.learn(events); }
  override learnCopies(): never { throw new UnsupportedError(`${this.kind} has no simulation copies: use learn with contexts`); }
  override free(): void {
    if (this.freed) return;
    if (!this.engine.isDisposed) { for (const b of this.bufs.values()) b.free(); this.idHasher.free(); }
    this.bufs.clear();
    super.free();
  }
}

/**
 * D-LinUCB (Russac, Vernade & Cappé 2019): discounted ridge regression, V = Σ γ^(t−s) x_s x_sᵀ + λI,
 * score x_aᵀθ̂ + α·β_t·√(x_aᵀV⁻¹ṼV⁻¹x_a). V⁻¹ is updated by rank-1 Sherman–Morrison steps only (the
 * paper's (1 − γ)λI term as d of them: O(d³) per event). State: 8(2d² + d + 2) B.
 */
export class DLinUCB extends DriftLinearPolicy {
  readonly kind = 'DLinUCB';
  protected readonly version = 1;
  protected readonly mode = 0;
  constructor(engine: Engine, options: DLinUCBOptions) { super(engine, options); }
  protected override optionSpec(): Record<string, OptionCheck> {
    return { ...super.optionSpec(), gamma: (v, n) => (v === undefined ? 0.99 : checkRange(n, v, 0, 1, true, true)) };
  }
  protected layout(): Layout { const d = this.hyper.dim as number; return { header: 2 * d * d + d + 2, slots: [] }; }
  protected get offB(): number { return 2 * this.dim * this.dim; }
  protected override resetHeader(): void {
    super.resetHeader();
    const d = this.dim, s = this.state.array;
    for (let i = 0; i < d; i++) s[d * d + i * d + i] = this.lambda;
    s[2 * d * d + d] = 1;
  }
  protected coef(): number {
    const h = this.hyper, d = this.dim;
    return (h.alpha as number) * this.engine.kernel('bd_dlin_beta')(d, h.lambda as number, h.thetaBound as number, h.sigma as number, h.delta as number,
      h.featureBound as number, h.gamma as number, this.state.array[2 * d * d + d]!);
  }
  protected fold(n: number, ctx: EngineBuffer<'f64'>, rewards: EngineBuffer<'f64'>, work: EngineBuffer<'f64'>): void {
    this.engine.kernel('bd_dlin_learn')(this.state.ptr, this.dim, n, ctx.ptr, rewards.ptr, this.hyper.gamma as number, this.lambda, work.ptr);
  }
  /** Events learned (t). */
  get rounds(): number { this.checkLive(); return this.state.array[2 * this.dim * this.dim + this.dim + 1]!; }
  protected override checkHeader(s: Float64Array): void {
    const d = this.dim;
    checkSpd(s.subarray(0, d * d), d, 'state file', 'Vinv');
    checkSpd(s.subarray(d * d, 2 * d * d), d, 'state file', 'Vtilde');
    const g2 = s[2 * d * d + d]!, t = s[2 * d * d + d + 1]!;
    if (!(g2 >= 0 && g2 <= 1)) throw new StateError(`state file γ^(2t) ${g2} is not in [0, 1]`);
    if (!(Number.isInteger(t) && t >= 0 && t <= Number.MAX_SAFE_INTEGER)) throw new StateError(`state file round count ${t} is not an integer in [0, 2^53)`);
  }
}

/**
 * SW-LinUCB (Cheung, Simchi-Levi & Zhu 2019): ridge regression over the last τ learned events (a ring
 * in the state), score x_aᵀθ̂ + α·β·√(x_aᵀV⁻¹x_a); the oldest event leaves by a Sherman–Morrison
 * downdate and V⁻¹, b are rebuilt from the ring every τ events. State: 8(d² + d + 2 + τ(d + 1)) B.
 */
export class SWLinUCB extends DriftLinearPolicy {
  readonly kind = 'SWLinUCB';
  protected readonly version = 1;
  protected readonly mode = 1;
  constructor(engine: Engine, options: SWLinUCBOptions) { super(engine, options); }
  protected override optionSpec(): Record<string, OptionCheck> {
    return {
      ...super.optionSpec(),
      tau: (v, n) => {
        if (v === undefined) return 1000;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 100000) throw new HyperparameterError(`${n} must be an integer in [1, 100000], got ${describe(v)}`);
        return v;
      },
    };
  }
  protected layout(): Layout { const d = this.hyper.dim as number, tau = this.hyper.tau as number; return { header: d * d + d + 2 + tau * (d + 1), slots: [] }; }
  protected get offB(): number { return this.dim * this.dim; }
  protected coef(): number {
    const h = this.hyper;
    return (h.alpha as number) * this.engine.kernel('bd_swlin_beta')(this.dim, h.lambda as number, h.thetaBound as number, h.sigma as number, h.delta as number, h.featureBound as number, h.tau as number);
  }
  protected fold(n: number, ctx: EngineBuffer<'f64'>, rewards: EngineBuffer<'f64'>, work: EngineBuffer<'f64'>): void {
    this.engine.kernel('bd_swlin_learn')(this.state.ptr, this.dim, this.hyper.tau as number, n, ctx.ptr, rewards.ptr, this.lambda, work.ptr);
  }
  /** Events in the window. */
  get windowSize(): number { this.checkLive(); return this.state.array[this.dim * this.dim + this.dim + 1]!; }
  protected override checkHeader(s: Float64Array): void {
    const d = this.dim, tau = this.hyper.tau as number, head = s[d * d + d]!, size = s[d * d + d + 1]!;
    checkSpd(s.subarray(0, d * d), d, 'state file', 'Vinv');
    if (!(Number.isInteger(size) && size >= 0 && size <= tau)) throw new StateError(`state file window size ${size} is not an integer in [0, ${tau}]`);
    if (!(Number.isInteger(head) && head >= 0 && head < tau && (size === tau || head === size))) throw new StateError(`state file window head ${head} is inconsistent with its size ${size}`);
    const ring = d * d + d + 2;
    for (let i = ring + size * (d + 1); i < ring + tau * (d + 1); i++) if (s[i] !== 0) throw new StateError('state file window has values past its size');
    for (let i = ring; i < ring + size * (d + 1); i++) if (Math.abs(s[i]!) > MAX_FEATURE) throw new StateError(`state file window value ${s[i]} is outside ±${MAX_FEATURE}`);
  }
}
