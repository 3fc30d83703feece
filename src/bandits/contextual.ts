// Linear contextual policies: disjoint LinUCB (Li, Chu, Langford & Schapire 2010) and linear Thompson
// sampling (Agrawal & Goyal 2013), with MABWiser's parametrisation (alpha, l2_lambda). The maths and
// the exact operation order are documented in assembly/bandits/linear.ts; this file checks inputs,
// packs contexts and action sets, and keeps the f32 scoring cache in step with the f64 state.
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, requireObject, StateError, suggest, UnsupportedError } from '../errors.js';
import { Policy, type BanditEvent, type Decision, type Layout, type OptionCheck, type PolicyOptions } from './policy.js';
import type { BanditManifest } from './state-file.js';
import { encodeIds, Hasher } from './rng.js';

/** Largest context dimension (state is d² + d f64 per arm). */
export const MAX_DIM = 512;
/** Largest |context value| and |reward| accepted (keeps xᵀA⁻¹x and the scores finite in f32). */
export const MAX_FEATURE = 1e12;
/** Most contexts per decideBatch call. */
export const MAX_BATCH = 1 << 16;

/**
 * Options of the linear contextual policies (`bandits.LinUCB`, and through it `bandits.LinTS`): a ridge
 * model per arm over `dim` features; unset fields take the defaults stated on each.
 */
export interface LinearOptions extends PolicyOptions {
  /** Context dimension d (1 to 512). */
  dim: number;
  /** LinUCB: width of the confidence bonus; LinTS: scale v of the posterior (default 1, MABWiser's alpha). */
  alpha?: number;
  /** Ridge λ: A starts as λI (default 1, MABWiser's l2_lambda; 1e-6 to 1e12). */
  lambda?: number;
}
/**
 * Options of `bandits.LinTS` (linear Thompson sampling: θ̃ ~ N(θ̂, v²A⁻¹) per arm and decision); unset
 * fields take the defaults stated on each.
 */
export interface LinTSOptions extends LinearOptions {
  /** Posterior draws per decision for the Monte Carlo propensity (0 to 4096, default 64). */
  propensityDraws?: number;
}
/** decide() request of a contextual policy. */
export interface ContextRequest {
  eventId: string;
  /** dim numbers (or arms × dim with actionFeatures). */
  context: ArrayLike<number>;
  /** The arms this request may choose from (default: every active arm). */
  actions?: readonly number[];
  /** context holds one dim-vector per arm (action-dependent features). */
  actionFeatures?: boolean;
}
/** A learned event of a contextual policy: the context the chosen arm was scored with (dim numbers). */
export interface ContextEvent extends BanditEvent { context: ArrayLike<number> }
/** Options of a batched decision (`decideBatch`): several contexts decided in one engine call. */
export interface BatchOptions {
  /** Per context: the arms it may choose from (null/undefined: every active arm). */
  actions?: readonly (readonly number[] | null | undefined)[];
  /** contexts is B × arms × dim: one feature vector per (context, arm). */
  actionFeatures?: boolean;
}
/** decideSlate() request of LinUCB / LinTS: a ContextRequest with the number of slate positions. */
export interface SlateRequest extends ContextRequest {
  /** Slate length k: k distinct arms, best first (1 to the number of offered arms). */
  slots: number;
}
/**
 * A slate: arms[j] at position j (distinct, best score first; arms tied on score in a uniformly random
 * order from the event's per-arm keys) and propensities[j] = P(arms[j] is at position j): LinUCB exact
 * (1/#arms tied with its score), LinTS a Monte Carlo estimate over propensityDraws more draws.
 */
export interface SlateDecision { arms: number[]; propensities: number[]; scores: Float64Array }
/** The decisions of one `decideBatch` call, one entry per request, in request order. */
export interface BatchDecision {
  /** Chosen arm per context. */
  arms: Int32Array;
  /** Probability of that choice per context (LinUCB exact: 1/#ties; LinTS: Monte Carlo estimate). */
  propensities: Float64Array;
  /** B × arms scores, context-major (scores[b·arms + k]); -Infinity for arms not offered. */
  scores: Float64Array;
}

const round4 = (n: number): number => (n + 3) & ~3;
/** The linear policies whose ridge fold delta()/apply() reproduce (a header, if any, is a round counter). */
const LINEAR_MERGEABLE = ['LinUCB', 'LinTS', 'LinEpsilonGreedy', 'SquareCB'];
/** f32 values per arm in the scoring cache: θ (d rounded up to 4) + the packed triangle. */
export function cacheStride(d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) t += ((i >> 2) + 1) << 2;
  return round4(d) + t;
}
const isNumArray = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** @internal Contextual policies keep one copy. */
export function onlyOneCopy(options: unknown): void {
  if (options !== null && typeof options === 'object' && (options as Record<string, unknown>).copies !== undefined && (options as Record<string, unknown>).copies !== 1) {
    throw new HyperparameterError(`copies must be 1 for a contextual policy (batched simulation copies are not supported), got ${describe((options as Record<string, unknown>).copies)}`);
  }
}

/** @internal Throws StateError (prefixed by `where`) unless the d×d matrix M (named `name`) is finite, exactly symmetric and positive definite (a Cholesky factorisation succeeds). */
export function checkSpd(M: Float64Array, d: number, where: string, name: string): void {
  for (let i = 0; i < d * d; i++) if (!Number.isFinite(M[i]!)) throw new StateError(`${where}: ${name}[${i}] is ${M[i]} (must be finite)`);
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) {
    if (M[i * d + j] !== M[j * d + i]) throw new StateError(`${where}: ${name} is not symmetric (entries ${i},${j} and ${j},${i} differ)`);
  }
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = M[j * d + j]!;
    for (let k = 0; k < j; k++) s -= L[j * d + k]! * L[j * d + k]!;
    if (!(s > 0)) throw new StateError(`${where}: ${name} is not positive definite (pivot ${j} is ${s})`);
    const r = Math.sqrt(s);
    L[j * d + j] = r;
    for (let i = j + 1; i < d; i++) {
      let t = M[i * d + j]!;
      for (let k = 0; k < j; k++) t -= L[i * d + k]! * L[j * d + k]!;
      L[i * d + j] = t / r;
    }
  }
}

/** @internal Throws InvalidArgumentError unless `values` holds `n` finite numbers within ±MAX_FEATURE (`what` describes the expected shape). */
export function checkFeatures(where: string, label: string, values: unknown, n: number, what: string): asserts values is ArrayLike<number> {
  if (!isNumArray(values) || values.length !== n) {
    throw new InvalidArgumentError(`${where}: ${label} must hold ${what}, got ${describe(values)}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(Math.abs(v) <= MAX_FEATURE)) throw new InvalidArgumentError(`${where}: ${label} value ${i} is ${describe(v)} (must be a finite number within ±${MAX_FEATURE})`);
  }
}

/**
 * @internal The checked inputs of a contextual decideBatch: eventIds (1 to MAX_BATCH strings), options
 * (actions, actionFeatures and `extraKeys`), contexts (B × d, or B × K × d with actionFeatures) and the
 * action sets (arms in [0, K), not removed).
 */
export function checkBatch(where: string, K: number, d: number, mask: Uint8Array, contexts: unknown, eventIds: unknown, options: unknown, extraKeys: readonly string[] = []):
  { B: number; actionFeatures: boolean; sets: (readonly number[] | null | undefined)[] | null } {
  if (!Array.isArray(eventIds) || eventIds.length < 1 || eventIds.length > MAX_BATCH) throw new InvalidArgumentError(`${where}: eventIds must be an array of 1 to ${MAX_BATCH} strings, got ${describe(eventIds)}`);
  requireObject(`${where} options`, options);
  const keys = ['actions', 'actionFeatures', ...extraKeys];
  for (const k of Object.keys(options as object)) if (!keys.includes(k)) throw new InvalidArgumentError(`${where} options: unknown key ${JSON.stringify(k)}${suggest(k, keys)}`);
  const { actions, actionFeatures = false } = options as BatchOptions;
  if (typeof actionFeatures !== 'boolean') throw new InvalidArgumentError(`${where}: actionFeatures must be a boolean, got ${describe(actionFeatures)}`);
  const B = eventIds.length;
  eventIds.forEach((id, i) => { if (typeof id !== 'string') throw new InvalidArgumentError(`${where}: eventIds[${i}] must be a string, got ${describe(id)}`); });
  checkFeatures(where, 'context', contexts, B * (actionFeatures ? K * d : d), `${B > 1 ? `${B} × ` : ''}${actionFeatures ? `${K} arms × ` : ''}${d} numbers (dim ${d})`);
  let sets: (readonly number[] | null | undefined)[] | null = null;
  if (actions !== undefined) {
    if (!Array.isArray(actions) || actions.length !== B) throw new InvalidArgumentError(`${where}: actions must be an array of ${B} action sets (or null), got ${describe(actions)}`);
    actions.forEach((a, b) => {
      if (a === null || a === undefined) return;
      if (!Array.isArray(a) || a.length === 0) throw new InvalidArgumentError(`${where}: action set ${b} must be a non-empty array of arms, got ${describe(a)}`);
      for (const k of a) {
        if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= K) throw new InvalidArgumentError(`${where}: action set ${b} holds ${describe(k)}, not an arm in [0, ${K - 1}]`);
        if (!mask[k]) throw new InvalidArgumentError(`${where}: action set ${b} holds arm ${k}, which was removed`);
      }
    });
    sets = actions as (readonly number[] | null | undefined)[];
  }
  return { B, actionFeatures, sets };
}

/** @internal Per-context masks (B × Kp bytes): the action set, or the policy's mask where there is none. */
export function fillMasks(mk: Uint8Array, g: Uint8Array, sets: readonly (readonly number[] | null | undefined)[], B: number, Kp: number): void {
  for (let b = 0; b < B; b++) {
    const s = sets[b];
    if (s === null || s === undefined) { mk.set(g.subarray(0, Kp), b * Kp); continue; }
    mk.fill(0, b * Kp, (b + 1) * Kp);
    for (const k of s) mk[b * Kp + k] = 1;
  }
}

/** @internal The shared machinery of the linear policies (state A⁻¹ and a vector per arm, f32 scoring cache). */
export abstract class LinearPolicy extends Policy {
  /** 0: LinUCB bonus, 1: Thompson sample, 2: mean only (bd_lin_score's mode). */
  protected abstract readonly mode: 0 | 1 | 2;
  /** The per-arm vector slot: 'b' (Σ r x; θ = A⁻¹b) or 'theta' (θ kept directly). */
  protected get vecSlot(): string { return 'b'; }
  protected cache: EngineBuffer<'f32'> | null = null;
  private readonly idHasher = new Hasher();
  private readonly bufs = new Map<string, EngineBuffer<'f32' | 'f64' | 'i32' | 'u8'>>();
  private pendingCtx: Float64Array | null = null;
  /** Set once the constructor has run (warmDefaults fills K arms before, one arm after). */
  private built?: boolean;

  constructor(engine: Engine, options: LinearOptions) {
    onlyOneCopy(options);
    super(engine, options);
    try {
      if ((options as { warmStart?: unknown }).warmStart === undefined) this.identity(0, this.K);
      this.cache = engine.alloc(this.K * this.cstride, 'f32');
      this.refresh();
    } catch (e) { this.free(); throw e; }
    this.built = true;
  }

  /** Context dimension. */
  get dim(): number { return this.hyper.dim as number; }
  protected get cstride(): number { return cacheStride(this.dim); }

  protected layout(): Layout {
    const d = this.hyper.dim as number;
    return { header: 0, slots: [{ name: 'Ainv', width: d * d }, { name: this.vecSlot, width: d }] };
  }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      dim: (v, n) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_DIM) throw new HyperparameterError(`${n} must be an integer in [1, ${MAX_DIM}], got ${describe(v)}`);
        return v;
      },
      alpha: (v, n) => (v === undefined ? 1 : checkRange(n, v, 0, 1e6)),
      lambda: (v, n) => (v === undefined ? 1 : checkRange(n, v, 1e-6, 1e12)),
    };
  }
  protected checkReward(r: number, where: string): void {
    if (!(Math.abs(r) <= MAX_FEATURE)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [-${MAX_FEATURE}, ${MAX_FEATURE}]`);
  }
  /** Ainv symmetric (exactly) and positive definite (a Cholesky factorisation succeeds); b finite. */
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    const d = this.dim, M = v.Ainv!, b = v[this.vecSlot]!, bn = this.vecSlot;
    checkSpd(M, d, where, 'Ainv');
    for (let i = 0; i < d; i++) if (!Number.isFinite(b[i]!) || Math.abs(b[i]!) > 1e300) throw new StateError(`${where}: ${bn}[${i}] is ${b[i]} (must be finite)`);
  }
  /** A prior may omit Ainv (default I/λ, an arm never pulled) and b (default 0). */
  protected override warmDefaults(given: Record<string, unknown>): Record<string, unknown> {
    // during construction this fills a warmStart (every arm); afterwards one arm (addArm's prior, restart)
    const d = this.dim, out = { ...given }, n = this.built ? 1 : this.K;
    if (out.Ainv === undefined) {
      const M = new Float64Array(n * d * d);
      for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) M[k * d * d + i * d + i] = 1 / (this.hyper.lambda as number);
      out.Ainv = M;
    }
    if (out[this.vecSlot] === undefined) out[this.vecSlot] = new Float64Array(n * d);
    return out;
  }
  /** Ainv = I/λ for arms [from, to) of copy 0. */
  private identity(from: number, to: number): void {
    const d = this.dim, s = this.state.array, o = this.slotOffset('Ainv'), v = 1 / (this.hyper.lambda as number);
    for (let k = from; k < to; k++) for (let i = 0; i < d; i++) s[o + k * d * d + i * d + i] = v;
  }
  /** Rebuild the whole scoring cache from the state (one threaded call). */
  private refresh(): void {
    const d = this.dim;
    this.engine.run('bd_lin_refresh', this.K, [this.state.ptr, this.slotOffset('Ainv'), this.slotOffset(this.vecSlot), d, this.cache!.ptr, this.cstride, this.vecSlot === 'theta' ? 1 : 0], 1, d * d);
  }
  protected buf<D extends 'f32' | 'f64' | 'i32' | 'u8'>(name: string, n: number, dtype: D): EngineBuffer<D> {
    let b = this.bufs.get(name) as EngineBuffer<D> | undefined;
    if (!b || b.length < n) {
      b?.free(); this.bufs.delete(name);
      b = this.engine.alloc(Math.max(n, 16), dtype);
      this.bufs.set(name, b as EngineBuffer<'f32' | 'f64' | 'i32' | 'u8'>);
    }
    return b;
  }

  /** θ̂ = A⁻¹b of `arm` (f64, the kernels' two-lane order), or the stored θ of a regressor that keeps it. */
  theta(arm: number): Float64Array {
    this.checkLive();
    if (typeof arm !== 'number' || !Number.isInteger(arm) || arm < 0 || arm >= this.K) throw new InvalidArgumentError(`arm must be an integer in [0, ${this.K - 1}], got ${describe(arm)}`);
    const d = this.dim, s = this.state.array, M = this.slotOffset('Ainv') + arm * d * d, b = this.slotOffset(this.vecSlot) + arm * d;
    if (this.vecSlot === 'theta') return s.slice(b, b + d);
    const out = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let e = 0, o = 0, j = 0;
      for (; j + 2 <= d; j += 2) { e += s[M + i * d + j]! * s[b + j]!; o += s[M + i * d + j + 1]! * s[b + j + 1]!; }
      if (j < d) e += s[M + i * d + j]! * s[b + j]!;
      out[i] = e + o;
    }
    return out;
  }

  // ---- decide ----
  protected override requestKeys(): string[] { return ['eventId', 'context', 'actions', 'actionFeatures']; }
  protected decideKernel(): void { throw new UnsupportedError(`${this.kind} decides through decide()/decideBatch()`); }
  override decideCopies(): never { throw new UnsupportedError(`${this.kind} has no simulation copies: use decideBatch`); }

  /** Choose an arm for one context (pure: the state is not changed). */
  override decide(req: DecideContext): Decision {
    this.checkLive();
    this.checkRequest(req as unknown as Record<string, unknown>, 'decide request');
    const r = req as ContextRequest;
    if (r.actions !== undefined && !Array.isArray(r.actions)) throw new InvalidArgumentError(`decide request: actions must be an array of arms, got ${describe(r.actions)}`);
    const out = this.decideBatch(r.context, [r.eventId], { actions: r.actions === undefined ? undefined : [r.actions], actionFeatures: r.actionFeatures }, 'decide request');
    return { arm: out.arms[0]!, propensity: out.propensities[0]!, scores: out.scores };
  }

  /**
   * Scores for every arm × B contexts and the choice for each, in one threaded scoring call and one
   * argmax call. `contexts`: B × dim numbers (B × arms × dim with actionFeatures), B = eventIds.length.
   * Pure: reads the state, never changes it.
   */
  decideBatch(contexts: ArrayLike<number>, eventIds: readonly string[], options: BatchOptions = {}, where = 'decideBatch'): BatchDecision {
    return this.decideCore(contexts, eventIds, options, where, 0);
  }
  /** decideBatch, or with slots > 0 a slate of that many distinct arms per context (arms and propensities B × slots). */
  protected decideCore(contexts: ArrayLike<number>, eventIds: readonly string[], options: BatchOptions, where: string, slots: number): BatchDecision {
    this.checkLive();
    const { B, actionFeatures, sets } = checkBatch(where, this.K, this.dim, this.mask.array, contexts, eventIds, options);
    const K = this.K, Kp = this.Kp, d = this.dim, dp = round4(d);
    if (slots > 0) {
      if (!Number.isInteger(slots) || slots > K) throw new InvalidArgumentError(`${where}: slots must be an integer in [1, ${K}], got ${describe(slots)}`);
      const live = this.mask.array.subarray(0, K).reduce((n, x) => n + (x ? 1 : 0), 0);
      for (let b = 0; b < B; b++) {
        const n = sets?.[b] ? new Set(sets[b]).size : live;
        if (n < slots) throw new InvalidArgumentError(`${where}: context ${b} offers ${n} arm${n === 1 ? '' : 's'}, fewer than the ${slots} slots`);
      }
    }
    const h = this.idHasher.hash(this.engine, encodeIds(eventIds as string[], (i) => `${where}: eventIds[${i}]`));
    // all buffers first (an allocation may grow memory), then the views
    const rows = actionFeatures ? B * K : B;
    const ctx = this.buf('ctx', rows * dp, 'f32');
    const hashes = this.buf('hashes', 2 * B, 'i32');
    const scores = this.buf('scores', B * K, 'f64');
    const arms = this.buf('arms', B, 'i32');
    const props = this.buf('props', B, 'f64');
    const aux = this.mode === 1 ? this.buf('aux', 2 * B * K, 'f32') : null;
    const maskBuf = sets ? this.buf('mask', B * Kp, 'u8') : this.mask;
    const maskB = sets ? Kp : 0;
    const c = ctx.array;
    c.fill(0, 0, rows * dp);
    for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) c[r * dp + j] = contexts[r * d + j]!;
    hashes.array.set(h);
    if (sets) fillMasks(maskBuf.array, this.mask.array, sets, B, Kp);
    const xB = actionFeatures ? K * dp : dp, xK = actionFeatures ? dp : 0;
    this.engine.run('bd_lin_score', K, [this.cache!.ptr, this.cstride, d, K, B, ctx.ptr, xB, xK, maskBuf.ptr, maskB, this.mode,
      (this.hyper.alpha as number | undefined) ?? 0, this.key[0], this.key[1], hashes.ptr, scores.ptr, aux ? aux.ptr : 0], 1, B * this.cstride);
    if (slots > 0) {
      const keys = this.buf('keys', B * K, 'f64'), sa = this.buf('slate', B * slots, 'i32'), sp = this.buf('slatep', B * slots, 'f64');
      const work = aux ? this.buf('swork', B * K, 'f64') : null;
      this.engine.run('bd_lin_slate', B, [scores.ptr, K, maskBuf.ptr, maskB, slots, this.key[0], this.key[1], hashes.ptr, keys.ptr, sa.ptr, sp.ptr], 1, K * slots);
      if (aux && work) {
        const M = this.hyper.propensityDraws as number;
        this.engine.run('bd_lin_ts_slate_prop', B, [aux.ptr, K, maskBuf.ptr, maskB, slots, M, this.key[0], this.key[1], hashes.ptr, keys.ptr, sa.ptr, work.ptr, sp.ptr], 1, K * slots * (M + 1));
      }
      return { arms: sa.array.slice(0, B * slots), propensities: sp.array.slice(0, B * slots), scores: scores.array.slice(0, B * K) };
    }
    this.pickKernel(B, scores, maskBuf, maskB, hashes, arms, props, aux);
    return { arms: arms.array.slice(0, B), propensities: props.array.slice(0, B), scores: scores.array.slice(0, B * K) };
  }

  /** Choice and propensity per context from the B×K scores (one threaded call; LinTS adds its propensity call). */
  protected pickKernel(B: number, scores: EngineBuffer<'f64'>, mask: EngineBuffer<'u8'>, maskB: number, hashes: EngineBuffer<'i32'>,
    arms: EngineBuffer<'i32'>, props: EngineBuffer<'f64'>, aux: EngineBuffer<'f32'> | null): void {
    const K = this.K;
    this.engine.run('bd_lin_pick', B, [scores.ptr, K, mask.ptr, maskB, this.key[0], this.key[1], hashes.ptr, arms.ptr, props.ptr], 1, K);
    if (aux) {
      this.engine.run('bd_lin_ts_prop', B, [aux.ptr, K, mask.ptr, maskB, this.hyper.propensityDraws as number,
        this.key[0], this.key[1], hashes.ptr, arms.ptr, props.ptr], 1, K * ((this.hyper.propensityDraws as number) + 1) * 8);
    }
  }

  /** @internal decideSlate for LinUCB / LinTS (see SlateRequest). */
  protected slate(req: SlateRequest): SlateDecision {
    this.checkLive();
    requireObject('decideSlate request', req);
    const keys = ['eventId', 'context', 'slots', 'actions', 'actionFeatures'];
    for (const k of Object.keys(req)) if (!keys.includes(k)) throw new InvalidArgumentError(`decideSlate request: unknown key ${JSON.stringify(k)}${suggest(k, keys)}`);
    if (typeof req.eventId !== 'string') throw new InvalidArgumentError(`decideSlate request: eventId must be a string, got ${describe(req.eventId)}`);
    if (typeof req.slots !== 'number' || !Number.isInteger(req.slots) || req.slots < 1) throw new InvalidArgumentError(`decideSlate request: slots must be an integer in [1, ${this.K}], got ${describe(req.slots)}`);
    if (req.actions !== undefined && !Array.isArray(req.actions)) throw new InvalidArgumentError(`decideSlate request: actions must be an array of arms, got ${describe(req.actions)}`);
    const out = this.decideCore(req.context, [req.eventId], { actions: req.actions === undefined ? undefined : [req.actions], actionFeatures: req.actionFeatures }, 'decideSlate request', req.slots);
    return { arms: Array.from(out.arms), propensities: Array.from(out.propensities), scores: out.scores };
  }
  /** @internal decideSlates: B slates in one scoring call and one ranking call. */
  protected slates(contexts: ArrayLike<number>, eventIds: readonly string[], slots: number, options: BatchOptions = {}): BatchDecision {
    if (typeof slots !== 'number' || !Number.isInteger(slots) || slots < 1) throw new InvalidArgumentError(`decideSlates: slots must be an integer in [1, ${this.K}], got ${describe(slots)}`);
    return this.decideCore(contexts, eventIds, options, 'decideSlates', slots);
  }
  /** Events of LinUCB / LinTS may name the slate `position` they were shown at: one event per position shares the eventId. */
  protected acceptsPosition(): boolean { return false; }
  override learn(events: readonly ContextEvent[]): ReturnType<Policy['learn']> { return super.learn(this.withPositions(events)); }
  /** @internal Events with a slate `position` as learn folds them: eventId + NUL + position, the key without it (delta() uses the same). */
  protected withPositions(events: readonly ContextEvent[]): readonly ContextEvent[] {
    if (!this.acceptsPosition() || !Array.isArray(events) || !events.some((e) => e !== null && typeof e === 'object' && 'position' in e)) return events;
    return events.map((e, i) => {
      if (e === null || typeof e !== 'object' || !('position' in e)) return e;
      const { position, ...rest } = e as ContextEvent & { position: unknown };
      if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position >= 1024) {
        throw new InvalidArgumentError(`event ${i}${typeof rest.eventId === 'string' ? ` (eventId ${JSON.stringify(rest.eventId)})` : ''}: position must be an integer in [0, 1023], got ${describe(position)}`);
      }
      return typeof rest.eventId === 'string' ? { ...rest, eventId: `${rest.eventId}\u0000${position}` } : rest;
    }) as ContextEvent[];
  }
  /**
   * @internal null when delta()/apply() work (src/bandits/delta.ts, linear form): the ridge fold, whose
   * A = λI + Σ x xᵀ and b = Σ r x are sums of per-event terms; else why not.
   */
  protected linearMerge(): string | null {
    if (this.vecSlot !== 'b') return 'its logistic regressor takes Newton steps on θ, which depend on the order of the events';
    if (!LINEAR_MERGEABLE.includes(this.kind)) return 'its learn is not the ridge fold of A = Σxxᵀ and b = Σrx';
    return null;
  }

  // ---- learn ----
  protected override eventKeys(): string[] { return ['eventId', 'arm', 'reward', 'context']; }
  protected override checkEvent(e: Record<string, unknown>, where: string): void {
    super.checkEvent(e, where);
    checkFeatures(where, 'context', e.context, this.dim, `${this.dim} numbers (dim ${this.dim})`);
  }
  /** Contexts are rounded to f32 (what decide scores with), then folded in f64. */
  protected override packEvents(ev: readonly BanditEvent[], arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    super.packEvents(ev, arms, rewards);
    const d = this.dim, x = new Float64Array(ev.length * d);
    for (let i = 0; i < ev.length; i++) {
      const c = (ev[i] as ContextEvent).context;
      if (c instanceof Float32Array) x.set(c, i * d);               // f32 -> f64 is exact
      else for (let j = 0; j < d; j++) x[i * d + j] = Math.fround(c[j]!);
    }
    this.pendingCtx = x;
  }
  /** Events grouped by arm (in order within an arm); the groups run in one threaded call. */
  protected override learnKernel(n: number, _copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    const x = this.pendingCtx!;
    this.pendingCtx = null;
    const a = arms.array.slice(0, n), d = this.dim;
    const count = new Map<number, number>();
    for (let i = 0; i < n; i++) count.set(a[i]!, (count.get(a[i]!) ?? 0) + 1);
    const keys = [...count.keys()].sort((p, q) => p - q), G = keys.length;
    const first = new Map<number, number>();
    const groups = new Int32Array(3 * G);
    let o = 0;
    keys.forEach((k, g) => { groups[3 * g] = k; groups[3 * g + 1] = o; groups[3 * g + 2] = count.get(k)!; first.set(k, o); o += count.get(k)!; });
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) { const p = first.get(a[i]!)!; order[p] = i; first.set(a[i]!, p + 1); }
    const gb = this.buf('groups', 3 * G, 'i32'), ob = this.buf('order', n, 'i32'), cb = this.buf('lctx', n * d, 'f64'), wb = this.buf('work', 2 * G * d, 'f64');
    gb.array.set(groups); ob.array.set(order); cb.array.set(x);
    this.foldKernel(G, n, gb, ob, cb, rewards, wb);
  }
  /** The fold of G arm groups (n events): ridge Sherman–Morrison by default. */
  protected foldKernel(G: number, n: number, gb: EngineBuffer<'i32'>, ob: EngineBuffer<'i32'>, cb: EngineBuffer<'f64'>, rewards: EngineBuffer<'f64'>, wb: EngineBuffer<'f64'>): void {
    const d = this.dim;
    this.engine.run('bd_lin_learn', G, [this.state.ptr, this.slotOffset('Ainv'), this.slotOffset(this.vecSlot), d, gb.ptr, ob.ptr, cb.ptr, rewards.ptr, wb.ptr,
      this.cache!.ptr, this.cstride], 1, Math.ceil((2 * d * d * n) / G));
  }
  override learnCopies(): never { throw new UnsupportedError(`${this.kind} has no simulation copies: use learn with contexts`); }

  // ---- arms and state ----
  override addArm(prior?: Record<string, ArrayLike<number> | number>): number {
    this.checkLive();
    const next = this.engine.alloc((this.K + 1) * this.cstride, 'f32');
    let k: number;
    try { k = super.addArm(prior ?? {}); } catch (e) { next.free(); throw e; }
    this.cache!.free();
    this.cache = next;
    this.refresh();
    return k;
  }
  /** A restart (change-detection wrappers) changed Ainv or b: rebuild the scoring cache. */
  protected override afterRestart(): void { this.refresh(); }
  /** @internal */
  override installState(m: BanditManifest, state: Float64Array, window: Int32Array): void {
    super.installState(m, state, window);
    this.refresh();
  }
  override free(): void {
    if (this.freed) return;
    if (!this.engine.isDisposed) {
      this.cache?.free();
      for (const b of this.bufs.values()) b.free();
      this.idHasher.free();
    }
    this.cache = null;
    this.bufs.clear();
    super.free();
  }
}
type DecideContext = ContextRequest;

/**
 * Disjoint LinUCB (Li et al. 2010, MABWiser's LinUCB): arm k scores xᵀθ̂_k + α·√(xᵀA_k⁻¹x) with
 * A_k = λI + Σ x xᵀ and θ̂_k = A_k⁻¹ Σ r x over its events; argmax, ties broken by the PRNG (propensity
 * 1/#ties). A⁻¹ is kept by Sherman–Morrison (f64); scores are f32 SIMD. State: 8·(d² + d) B per arm
 * plus a 4·(d + ~d²/2) B scoring cache.
 */
export class LinUCB extends LinearPolicy {
  readonly kind = 'LinUCB';
  protected readonly version = 1;
  protected readonly mode = 0;
  constructor(engine: Engine, options: LinearOptions) { super(engine, options); }
  /** A top-k slate for one context (pure): k distinct arms by score, exact per-position propensities. */
  decideSlate(req: SlateRequest): SlateDecision { return this.slate(req); }
  /** B slates (contexts as decideBatch): arms and propensities are B × slots, context-major. */
  decideSlates(contexts: ArrayLike<number>, eventIds: readonly string[], slots: number, options?: BatchOptions): BatchDecision { return this.slates(contexts, eventIds, slots, options); }
  protected override acceptsPosition(): boolean { return true; }
  protected override eventKeys(): string[] { return [...super.eventKeys(), 'position']; }
}

/**
 * Linear Thompson sampling (Agrawal & Goyal 2013, MABWiser's LinTS): θ̃_k ~ N(θ̂_k, α²A_k⁻¹) per
 * context and arm, play argmax xᵀθ̃_k. The score xᵀθ̃_k is drawn exactly as N(xᵀθ̂_k, α²·xᵀA_k⁻¹x) from
 * one normal per (eventId, arm), so decisions are bit-identical in every runtime, build and thread
 * count. propensity: the chosen arm's share of wins over that draw and `propensityDraws` more.
 */
export class LinTS extends LinearPolicy {
  readonly kind = 'LinTS';
  protected readonly version = 1;
  protected readonly mode = 1;
  constructor(engine: Engine, options: LinTSOptions) { super(engine, options); }
  /** A top-k slate: the arms ranked by their posterior samples; propensities by Monte Carlo over propensityDraws more draws. */
  decideSlate(req: SlateRequest): SlateDecision { return this.slate(req); }
  /** B slates (contexts as decideBatch): arms and propensities are B × slots, context-major. */
  decideSlates(contexts: ArrayLike<number>, eventIds: readonly string[], slots: number, options?: BatchOptions): BatchDecision { return this.slates(contexts, eventIds, slots, options); }
  protected override acceptsPosition(): boolean { return true; }
  protected override eventKeys(): string[] { return [...super.eventKeys(), 'position']; }
  protected override optionSpec(): Record<string, OptionCheck> {
    return {
      ...super.optionSpec(),
      propensityDraws: (v, n) => {
        if (v === undefined) return 64;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4096) throw new HyperparameterError(`${n} must be an integer in [0, 4096], got ${describe(v)}`);
        return v;
      },
    };
  }
}
