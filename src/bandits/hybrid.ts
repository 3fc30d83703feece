// Hybrid LinUCB (Li, Chu, Langford & Schapire 2010, Algorithm 2): arm a's reward is modelled as
// zᵀβ + xᵀθ_a, β shared by every arm (features z, `sharedDim` = k values) and θ_a per arm (features x,
// `dim` = d values). Algorithm 2's update of the shared matrix A0 is a rank-1 change, so A0⁻¹ and every
// A_a⁻¹ are kept by Sherman–Morrison, never re-inverted; assembly/bandits/hybrid.ts has the derivation
// and the exact operation order (f64 throughout: state, scores and the argmax).
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, StateError, UnsupportedError } from '../errors.js';
import { Policy, type BanditEvent, type Decision, type Layout, type OptionCheck, type PolicyOptions } from './policy.js';
import { checkBatch, checkFeatures, checkSpd, fillMasks, MAX_DIM, MAX_FEATURE, onlyOneCopy, type BatchDecision, type BatchOptions } from './contextual.js';
import { encodeIds, Hasher } from './rng.js';

/**
 * Options of `bandits.HybridLinUCB` (Li et al. 2010, Algorithm 2: shared features with one parameter β plus
 * one θ per arm); unset fields take the defaults stated on each.
 */
export interface HybridLinUCBOptions extends PolicyOptions {
  /** Arm feature dimension d (1 to 512): x, with one θ_a per arm. */
  dim: number;
  /** Shared feature dimension k (1 to 512): z, with one β for every arm. */
  sharedDim: number;
  /** Width α of the confidence bonus (default 1; 0 to 1e6). */
  alpha?: number;
  /** Ridge λ: A0 and every A_a start as λI (default 1, Algorithm 2's identity; 1e-6 to 1e12). */
  lambda?: number;
}
/** decide() request of HybridLinUCB. */
export interface HybridRequest {
  eventId: string;
  /** x: dim numbers (arms × dim with actionFeatures). */
  context: ArrayLike<number>;
  /** z: sharedDim numbers for every arm, or arms × sharedDim (one per arm, e.g. user × article features). */
  shared: ArrayLike<number>;
  actions?: readonly number[];
  actionFeatures?: boolean;
}
/** Options of a batched `HybridLinUCB` decision. */
export interface HybridBatchOptions extends BatchOptions {
  /** z for every context: B × sharedDim (the same for every arm) or B × arms × sharedDim. */
  shared: ArrayLike<number>;
}
/** A learned event: the x and z the chosen arm was scored with. */
export interface HybridEvent extends BanditEvent { context: ArrayLike<number>; shared: ArrayLike<number> }

const dimCheck = (v: unknown, n: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_DIM) throw new HyperparameterError(`${n} must be an integer in [1, ${MAX_DIM}], got ${describe(v)}`);
  return v;
};

/**
 * Hybrid LinUCB: score zᵀβ̂ + xᵀθ̂_a + α√s with β̂ = A0⁻¹b0, θ̂_a = A_a⁻¹(b_a − B_aβ̂) and s Algorithm 2's
 * variance term; argmax with PRNG ties (propensity 1/#ties). State: 8(d² + kd + d) B per arm and
 * 8(k² + k) B shared.
 */
export class HybridLinUCB extends Policy {
  /** @internal How bandits.simulate feeds it: x and per-arm shared features z (an env with `shared`). */
  static readonly contextForm = 'shared';
  readonly kind = 'HybridLinUCB';
  protected readonly version = 1;
  private readonly idHasher = new Hasher();
  private readonly bufs = new Map<string, EngineBuffer<'f64' | 'i32' | 'u8'>>();
  private pending: { x: Float64Array; z: Float64Array } | null = null;
  private built?: boolean;

  constructor(engine: Engine, options: HybridLinUCBOptions) {
    onlyOneCopy(options);
    super(engine, options);
    try {
      this.identityHeader();
      if ((options as { warmStart?: unknown }).warmStart === undefined) {
        const d = this.dim, s = this.state.array, o = this.slotOffset('Ainv'), v = 1 / this.lambda;
        for (let k = 0; k < this.K; k++) for (let i = 0; i < d; i++) s[o + k * d * d + i * d + i] = v;
      }
    } catch (e) { this.free(); throw e; }
    this.built = true;
  }
  /** Arm feature dimension d. */
  get dim(): number { return this.hyper.dim as number; }
  /** Shared feature dimension k. */
  get sharedDim(): number { return this.hyper.sharedDim as number; }
  private get lambda(): number { return this.hyper.lambda as number; }
  private identityHeader(): void {
    const k = this.sharedDim, s = this.state.array;
    s.fill(0, 0, k * k + k);
    for (let i = 0; i < k; i++) s[i * k + i] = 1 / this.lambda;
  }

  protected optionSpec(): Record<string, OptionCheck> {
    return {
      dim: dimCheck, sharedDim: dimCheck,
      alpha: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6)),
      lambda: (v, n) => (v === undefined ? 1 : checkRange(n, v, 1e-6, 1e12)),
    };
  }
  protected layout(): Layout {
    const d = this.hyper.dim as number, k = this.hyper.sharedDim as number;
    return { header: k * k + k, slots: [{ name: 'Ainv', width: d * d }, { name: 'Bt', width: k * d }, { name: 'b', width: d }] };
  }
  protected checkReward(r: number, where: string): void {
    if (!(Math.abs(r) <= MAX_FEATURE)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [-${MAX_FEATURE}, ${MAX_FEATURE}]`);
  }
  /** Ainv symmetric positive definite; Bt (B_aᵀ, sharedDim × dim) and b finite. */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    checkSpd(v.Ainv!, this.dim, where, 'Ainv');
    for (const name of ['Bt', 'b']) {
      const a = v[name]!;
      for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!) || Math.abs(a[i]!) > 1e300) throw new StateError(`${where}: ${name}[${i}] is ${a[i]} (must be finite)`);
    }
  }
  /** The shared A0⁻¹ symmetric positive definite and b0 finite. */
  protected override checkHeader(state: Float64Array): void {
    const k = this.sharedDim;
    checkSpd(state.subarray(0, k * k), k, 'state file shared part', 'A0inv');
    for (let i = 0; i < k; i++) if (Math.abs(state[k * k + i]!) > 1e300) throw new StateError(`state file shared part: b0[${i}] is ${state[k * k + i]} (must be finite)`);
  }
  /** A prior may omit Ainv (default I/λ), Bt and b (default 0): an arm never pulled. */
  protected override warmDefaults(given: Record<string, unknown>): Record<string, unknown> {
    const d = this.dim, k = this.sharedDim, out = { ...given }, n = this.built ? 1 : this.K;
    if (out.Ainv === undefined) {
      const M = new Float64Array(n * d * d);
      for (let a = 0; a < n; a++) for (let i = 0; i < d; i++) M[a * d * d + i * d + i] = 1 / this.lambda;
      out.Ainv = M;
    }
    if (out.Bt === undefined) out.Bt = new Float64Array(n * k * d);
    if (out.b === undefined) out.b = new Float64Array(n * d);
    return out;
  }
  /** addArm() with no prior adds a never-pulled arm (Ainv = I/λ). */
  override addArm(prior?: Record<string, ArrayLike<number> | number>): number { return super.addArm(prior ?? {}); }
  /** A global restart also resets the shared part to A0 = λI, b0 = 0. */
  protected override afterRestart(_copy: number, arm: number): void { if (arm < 0) this.identityHeader(); }

  private buf<D extends 'f64' | 'i32' | 'u8'>(name: string, n: number, dtype: D): EngineBuffer<D> {
    let b = this.bufs.get(name) as EngineBuffer<D> | undefined;
    if (!b || b.length < n) {
      b?.free(); this.bufs.delete(name);
      b = this.engine.alloc(Math.max(n, 16), dtype);
      this.bufs.set(name, b as EngineBuffer<'f64' | 'i32' | 'u8'>);
    }
    return b;
  }

  /** β̂ = A0⁻¹b0 (f64, the kernels' order). */
  sharedTheta(): Float64Array {
    this.checkLive();
    const k = this.sharedDim, out = this.buf('beta', k, 'f64');
    this.engine.kernel('bd_hyb_beta')(this.state.ptr, k, out.ptr);
    return out.array.slice(0, k);
  }
  /** The shared statistics: A0⁻¹ (k × k) and b0 (k). */
  sharedStats(): { A0inv: Float64Array; b0: Float64Array } {
    this.checkLive();
    const k = this.sharedDim, s = this.state.array;
    return { A0inv: s.slice(0, k * k), b0: s.slice(k * k, k * k + k) };
  }
  /** θ̂_a = A_a⁻¹(b_a − B_aβ̂) of `arm` (f64, the scoring kernel's order). */
  theta(arm: number): Float64Array {
    this.checkLive();
    if (typeof arm !== 'number' || !Number.isInteger(arm) || arm < 0 || arm >= this.K) throw new InvalidArgumentError(`arm must be an integer in [0, ${this.K - 1}], got ${describe(arm)}`);
    const d = this.dim, k = this.sharedDim, beta = this.sharedTheta();
    const s = this.state.array, M = this.slotOffset('Ainv') + arm * d * d, Bt = this.slotOffset('Bt') + arm * k * d, b = this.slotOffset('b') + arm * d;
    const lane = (f: (j: number) => number, n: number): number => {
      let e = 0, o = 0, j = 0;
      for (; j + 2 <= n; j += 2) { e += f(j); o += f(j + 1); }
      if (j < n) e += f(j);
      return e + o;
    };
    const tmp = Float64Array.from({ length: d }, (_, i) => s[b + i]! - lane((j) => s[Bt + j * d + i]! * beta[j]!, k));
    return Float64Array.from({ length: d }, (_, i) => lane((j) => s[M + i * d + j]! * tmp[j]!, d));
  }

  // ---- decide ----
  protected override requestKeys(): string[] { return ['eventId', 'context', 'shared', 'actions', 'actionFeatures']; }
  protected decideKernel(): void { throw new UnsupportedError(`${this.kind} decides through decide()/decideBatch()`); }
  override decideCopies(): never { throw new UnsupportedError(`${this.kind} has no simulation copies: use decideBatch`); }

  /** Choose an arm for one (x, z) (pure: the state is not changed). */
  override decide(req: HybridRequest): Decision {
    this.checkLive();
    this.checkRequest(req as unknown as Record<string, unknown>, 'decide request');
    if (req.actions !== undefined && !Array.isArray(req.actions)) throw new InvalidArgumentError(`decide request: actions must be an array of arms, got ${describe(req.actions)}`);
    const out = this.decideBatch(req.context, [req.eventId], { shared: req.shared, actions: req.actions === undefined ? undefined : [req.actions], actionFeatures: req.actionFeatures }, 'decide request');
    return { arm: out.arms[0]!, propensity: out.propensities[0]!, scores: out.scores };
  }

  /**
   * Scores of every arm × B contexts (one threaded scoring call over arms after one β̂ call) and the
   * choice for each (one argmax call). contexts: B × dim (B × arms × dim with actionFeatures); options.shared:
   * B × sharedDim or B × arms × sharedDim. Pure.
   */
  decideBatch(contexts: ArrayLike<number>, eventIds: readonly string[], options: HybridBatchOptions, where = 'decideBatch'): BatchDecision {
    this.checkLive();
    const K = this.K, Kp = this.Kp, d = this.dim, k = this.sharedDim;
    const { B, actionFeatures, sets } = checkBatch(where, K, d, this.mask.array, contexts, eventIds, options, ['shared']);
    const z = (options as { shared?: unknown }).shared;
    const zPerArm = z !== undefined && z !== null && (z as ArrayLike<number>).length === B * K * k && K > 1;
    checkFeatures(where, 'shared', z, B * (zPerArm ? K : 1) * k, `${B > 1 ? `${B} × ` : ''}${k} numbers, or ${B > 1 ? `${B} × ` : ''}${K} arms × ${k} (sharedDim ${k})`);
    const h = this.idHasher.hash(this.engine, encodeIds(eventIds as string[], (i) => `${where}: eventIds[${i}]`));
    const xb = this.buf('ctx', contexts.length, 'f64'), zb = this.buf('sh', z.length, 'f64'), beta = this.buf('beta', k, 'f64');
    const work = this.buf('work', K * (3 * d + 2 * k), 'f64'), scores = this.buf('scores', B * K, 'f64');
    const hashes = this.buf('hashes', 2 * B, 'i32'), arms = this.buf('arms', B, 'i32'), props = this.buf('props', B, 'f64');
    const maskBuf = sets ? this.buf('mask', B * Kp, 'u8') : this.mask;
    xb.array.set(contexts); zb.array.set(z); hashes.array.set(h);
    if (sets) fillMasks(maskBuf.array, this.mask.array, sets, B, Kp);
    const maskB = sets ? Kp : 0;
    this.engine.kernel('bd_hyb_beta')(this.state.ptr, k, beta.ptr);
    this.engine.run('bd_hyb_score', K, [this.state.ptr, this.slotOffset('Ainv'), this.slotOffset('Bt'), this.slotOffset('b'), d, k, K, B,
      xb.ptr, actionFeatures ? K * d : d, actionFeatures ? d : 0, zb.ptr, zPerArm ? K * k : k, zPerArm ? k : 0, maskBuf.ptr, maskB,
      this.hyper.alpha as number, beta.ptr, work.ptr, scores.ptr], 1, B * (d * d + 2 * d * k + k * k));
    this.engine.run('bd_lin_pick', B, [scores.ptr, K, maskBuf.ptr, maskB, this.key[0], this.key[1], hashes.ptr, arms.ptr, props.ptr], 1, K);
    return { arms: arms.array.slice(0, B), propensities: props.array.slice(0, B), scores: scores.array.slice(0, B * K) };
  }

  // ---- learn ----
  protected override eventKeys(): string[] { return ['eventId', 'arm', 'reward', 'context', 'shared']; }
  protected override checkEvent(e: Record<string, unknown>, where: string): void {
    super.checkEvent(e, where);
    checkFeatures(where, 'context', e.context, this.dim, `${this.dim} numbers (dim ${this.dim})`);
    checkFeatures(where, 'shared', e.shared, this.sharedDim, `${this.sharedDim} numbers (sharedDim ${this.sharedDim})`);
  }
  protected override packEvents(ev: readonly BanditEvent[], arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    super.packEvents(ev, arms, rewards);
    const d = this.dim, k = this.sharedDim, x = new Float64Array(ev.length * d), z = new Float64Array(ev.length * k);
    ev.forEach((e, i) => { x.set((e as HybridEvent).context, i * d); z.set((e as HybridEvent).shared, i * k); });
    this.pending = { x, z };
  }
  /** Every event in order in one call (each changes the shared part, so the fold is not split across threads). */
  protected override learnKernel(n: number, _copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    const { x, z } = this.pending!;
    this.pending = null;
    const d = this.dim, k = this.sharedDim;
    const xb = this.buf('lctx', n * d, 'f64'), zb = this.buf('lsh', n * k, 'f64'), work = this.buf('lwork', 2 * d + 3 * k, 'f64');
    xb.array.set(x); zb.array.set(z);
    this.engine.kernel('bd_hyb_learn')(this.state.ptr, this.slotOffset('Ainv'), this.slotOffset('Bt'), this.slotOffset('b'), d, k, n, arms.ptr, xb.ptr, zb.ptr, rewards.ptr, work.ptr);
  }
  override learn(events: readonly HybridEvent[]): ReturnType<Policy['learn']> { return super.learn(events); }
  override learnCopies(): never { throw new UnsupportedError(`${this.kind} has no simulation copies: use learn with contexts`); }

  override free(): void {
    if (this.freed) return;
    if (!this.engine.isDisposed) { for (const b of this.bufs.values()) b.free(); this.idHasher.free(); }
    this.bufs.clear();
    super.free();
  }
}
