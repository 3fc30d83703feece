// Adversarial bandits (EXP3 in both forms, EXP3-IX, EXP3.P, Tsallis-INF), experts with full information
// (Hedge, Fixed-Share) and bandits with expert advice (EXP4). Kernels and the exact operation order:
// assembly/bandits/adversarial.ts. Rewards are in [0, 1]; the loss-based forms use ℓ = 1 - reward.
//
// Weights are kept in the log domain: the state holds cumulative estimates S (gains or losses; Fixed-
// Share: normalized log-weights) and decide() takes a max-shifted softmax of η·S with the engine's exp,
// so nothing overflows or underflows to NaN however long the stream (T = 1e7 is tested).
//
// IMPORTANCE WEIGHTS UNDER BATCHED, DELAYED LEARNING. learn() may come long after decide(), after other
// events changed the state, so the probability an arm was played with cannot be recomputed at learn
// time. Every bandit-feedback event therefore carries `propensity`, the decision's `propensity` (as in
// Vowpal Wabbit's cb format `action:cost:probability`), checked to be in [1e-12, 1] (a smaller value
// would give an importance weight above 1e12; no policy here draws an arm that rarely in practice, so
// it marks a corrupted log). EXP3.P and Tsallis-INF's reduced-variance estimator update every arm with
// its own decision-time probability: their events also carry `probabilities`, the decision's `scores`
// (the whole vector), whose entry at `arm` must equal `propensity`. The step sizes η_t and γ_t that
// depend on the round use t = events learned + 1 (at decide: the coming round; at learn: the round the
// event is folded in as).
//
// ARMS. A removed arm gets probability 0 and its events are refused; Ka (the active count) replaces K in
// every formula. addArm() without a prior starts the new arm at a cumulative estimate of 0: in the
// gains forms (EXP3 with γ > 0, EXP3.P, Hedge) it then starts far behind the others, in the losses
// forms (EXP3 with γ = 0, EXP3-IX, Tsallis-INF) far ahead (played almost surely until its loss
// estimate catches up); pass a prior (e.g. { losses: current minimum }) to start it level. Events
// carrying `probabilities` hold one entry per arm, so learn those decided before an addArm/removeArm
// before changing the arms (they are refused afterwards).
import type { Engine } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, InvalidArgumentError, requireObject, StateError, suggest, UnsupportedError } from '../errors.js';
import { Policy, type BanditEvent, type Decision, type DecideRequest, type Layout, type OptionCheck, type PolicyOptions } from './policy.js';

/** Smallest propensity (and EXP3.P probability) an event may carry: importance weights stay <= 1e12. */
export const MIN_PROPENSITY = 1e-12;
/** Largest |cumulative estimate| a state may hold (2^53 events with weights <= 1e12 stay below it). */
export const MAX_ESTIMATE = 1e30;
/** Most experts of an EXP4 policy. */
export const MAX_EXPERTS = 4096;
const E_MINUS_1 = 1.718281828459045;

/** An event of a bandit-feedback adversarial policy: the decision's propensity comes back with it. */
export interface PropensityEvent extends BanditEvent {
  /** The decision's `propensity` (the probability the arm was played with, at decision time). */
  propensity: number;
  /** EXP3.P and Tsallis-INF (estimator 'rv'): the decision's `scores`, one probability per arm. */
  probabilities?: ArrayLike<number>;
}
/** A full-information event (Hedge, Fixed-Share): every arm's (expert's) reward this round. */
export interface ExpertsEvent { eventId: string; rewards: ArrayLike<number> }
/** An EXP4 decide request: the experts' advice, `experts` probability vectors over the arms (expert-major). */
export interface AdviceRequest extends DecideRequest { advice: ArrayLike<number> }
/** An EXP4 event: the advice the decision was made with comes back with it. */
export interface AdviceEvent extends PropensityEvent { advice: ArrayLike<number> }

const isNumArray = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
const unit = (r: number, where: string, kind: string): void => {
  if (!(r >= 0 && r <= 1)) throw new InvalidArgumentError(`${where}: reward ${r} is outside [0, 1] (${kind} takes rewards in [0, 1])`);
};
const horizonCheck = (v: unknown, n: string): number => {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new HyperparameterError(`${n} must be an integer in [0, 2^53 - 1] (0: unknown), got ${describe(v)}`);
  return v;
};
const etaCheck = (v: unknown, n: string): number => (v === undefined ? 0 : checkRange(n, v, 0, 1e6));

/** Check t (header[0] of every copy): an integer count in [0, 2^53]. */
function checkCount(state: Float64Array, stride: number, copies: number): void {
  for (let r = 0; r < copies; r++) {
    const t = state[r * stride]!;
    if (!Number.isInteger(t) || t < 0 || t > 2 ** 53) throw new StateError(`state file round count ${t}${copies > 1 ? ` of copy ${r}` : ''} is not an integer in [0, 2^53]`);
  }
}

/** @internal scratch allocation of delta.ts (freed by it). */
export type ExpAlloc = <D extends 'u8' | 'i32' | 'f64'>(n: number, d: D) => EngineBuffer<D>;
/** @internal (index, term) pairs of a mergeable delta. */
export interface ExpTerms { m: number; idx: EngineBuffer<'i32'>; vals: EngineBuffer<'f64'> }
/** One bd_exp_terms call: the terms of n packed events. */
function runTerms(p: { engine: Engine }, K: number, N: number, mask: number, n: number, arms: number, rewards: number,
  props: Float64Array | null, probs: Float64Array | null, params: [number, number, number, number], perEvent: number, alloc: ExpAlloc): ExpTerms {
  const idx = alloc(n * perEvent, 'i32'), vals = alloc(n * perEvent, 'f64');
  const pb = alloc(props ? props.length : 1, 'f64'), vb = alloc(probs ? probs.length : 1, 'f64');
  if (props) pb.array.set(props);
  if (probs) vb.array.set(probs);
  const [kind, gMode, c1, c2] = params;
  const m = p.engine.kernel('bd_exp_terms')(K, N, mask, n, arms, rewards, pb.ptr, vb.ptr, kind, gMode, c1, c2, idx.ptr, vals.ptr) as number;
  return { m, idx, vals };
}
const ORDER = 'so its state depends on the order of the events';

/** Shared by every policy here: header [t], one per-arm slot of cumulative estimates, rewards in [0, 1]. */
abstract class ExpWeights extends Policy {
  /** Name of the per-arm slot. */
  protected abstract get slot(): string;
  protected layout(): Layout { return { header: 1, slots: [{ name: this.slot, width: 1 }] }; }
  protected checkReward(r: number, where: string): void { unit(r, where, this.kind); }
  protected checkArm(v: Record<string, Float64Array>, where: string): void {
    const s = v[this.slot]![0]!;
    if (!(Math.abs(s) <= MAX_ESTIMATE)) throw new StateError(`${where}: ${this.slot} ${s} is not a finite number within ±${MAX_ESTIMATE}`);
  }
  protected override checkHeader(state: Float64Array, stride: number): void { checkCount(state, stride, this.copies); }
  /** Rounds learned by copy `copy` (default 0). */
  rounds(copy = 0): number {
    this.checkLive();
    if (!Number.isInteger(copy) || copy < 0 || copy >= this.copies) throw new InvalidArgumentError(`copy must be an integer in [0, ${this.copies - 1}], got ${describe(copy)}`);
    return this.state.array[copy * this.stride()]!;
  }
  /** Arguments of bd_exp_decide after the event hashes: etaMode, etaC, gamma, sign. */
  protected abstract decideParams(): [number, number, number, number];
  protected decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    const [mode, c, g, sign] = this.decideParams();
    this.engine.run('bd_exp_decide', n, [this.state.ptr, this.stride(), this.K, this.mask.ptr, this.key[0], this.key[1], hashes,
      mode, c, g, sign, outArm, outProp, outScores], 1, 16 * this.K);
  }
  /** @internal delta.ts: the mergeable form: slot name, f64 offset of the per-index sums in copy 0, index count. */
  expForm(): { slot: string; offset: number; count: number } { return { slot: this.slot, offset: this.slotOffset(this.slot), count: this.K }; }
  /** @internal delta.ts: check one cumulative estimate after a delta (as a loaded state's). */
  expCheck(k: number, v: number, where: string): void { this.checkArm({ [this.slot]: Float64Array.of(v) }, where); }
  /** @internal delta.ts: null when learn adds per-event terms that do not depend on the round (mergeable), else why not. */
  abstract expMerge(): string | null;
  /** @internal delta.ts: the (index, term) pairs learn would add for the events just packed (packEvents), in scratch from alloc. */
  abstract expTerms(n: number, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>, alloc: ExpAlloc): ExpTerms;
  /** ln(x) and √x by the engine's deterministic routines (option defaults feed the numerics). */
  protected ln(x: number): number { return this.engine.log(x); }
  protected sqrt(x: number): number { return this.engine.sqrt(x); }
}

/** Bandit feedback with importance weights: events carry the decision-time propensity (and maybe the vector). */
abstract class ImportanceWeighted extends ExpWeights {
  /** Events also carry `probabilities` (the whole decision vector). */
  protected abstract get needsVector(): boolean;
  /** Arguments of bd_exp_learn after probs: kind, gMode, c1, c2. */
  protected abstract learnParams(): [number, number, number, number];
  private pending: { props: Float64Array; probs: Float64Array | null } | null = null;

  protected override eventKeys(): string[] { return [...super.eventKeys(), 'propensity', ...(this.needsVector ? ['probabilities'] : [])]; }
  protected override checkEvent(e: Record<string, unknown>, where: string): void {
    super.checkEvent(e, where);
    const p = e.propensity;
    if (typeof p !== 'number' || !(p >= MIN_PROPENSITY && p <= 1)) {
      throw new InvalidArgumentError(`${where}: propensity must be the decision's propensity, a number in [${MIN_PROPENSITY}, 1], got ${describe(p)}`);
    }
    if (this.needsVector) this.checkVector(e.probabilities, e.arm as number, p, where);
  }
  /** probabilities: K numbers in [0, 1] summing to 1 (±1e-9), 0 on removed arms, entry `arm` = propensity; EXP3.P: active ones >= MIN_PROPENSITY. */
  protected checkVector(v: unknown, arm: number, p: number, where: string, off = -1): void {
    const K = this.K, m = this.mask.array;
    if (!isNumArray(v) || (off < 0 ? v.length !== K : v.length - off < K)) throw new InvalidArgumentError(`${where}: probabilities must be the decision's scores, ${K} numbers, got ${describe(v)}`);
    if (off < 0) off = 0;
    let s = 0;
    for (let k = 0; k < K; k++) {
      const x = v[off + k];
      if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw new InvalidArgumentError(`${where}: probabilities[${k}] is ${describe(x)} (must be in [0, 1])`);
      if (!m[k] && x !== 0) throw new InvalidArgumentError(`${where}: probabilities[${k}] is ${x} but arm ${k} was removed (must be 0)`);
      if (m[k] && this.kind === 'EXP3P' && x < MIN_PROPENSITY) throw new InvalidArgumentError(`${where}: probabilities[${k}] is ${x} (EXP3.P needs every active arm's probability >= ${MIN_PROPENSITY})`);
      s += x;
    }
    if (!(Math.abs(s - 1) <= 1e-9)) throw new InvalidArgumentError(`${where}: probabilities sum to ${s}, not 1`);
    if (v[off + arm] !== p) throw new InvalidArgumentError(`${where}: probabilities[${arm}] = ${describe(v[off + arm])} is not the propensity ${p}`);
  }
  protected override packEvents(ev: readonly BanditEvent[], arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    super.packEvents(ev, arms, rewards);
    const n = ev.length, K = this.K, props = new Float64Array(n), probs = this.needsVector ? new Float64Array(n * K) : null;
    for (let i = 0; i < n; i++) {
      const e = ev[i] as PropensityEvent;
      props[i] = e.propensity;
      if (probs) { const v = e.probabilities!; for (let k = 0; k < K; k++) probs[i * K + k] = v[k]!; }
    }
    this.pending = { props, probs };
  }
  protected override learnKernel(n: number, copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    const pend = this.pending!;
    this.pending = null;
    const pb = this.engine.from(pend.props) as EngineBuffer<'f64'>;
    let vb: EngineBuffer<'f64'> | undefined;
    try {
      if (pend.probs) vb = this.engine.from(pend.probs) as EngineBuffer<'f64'>;
      const [kind, gMode, c1, c2] = this.learnParams();
      this.engine.kernel('bd_exp_learn')(this.state.ptr, this.stride(), this.K, this.mask.ptr, n, copies.ptr, arms.ptr, rewards.ptr,
        pb.ptr, vb ? vb.ptr : 0, kind, gMode, c1, c2);
    } finally { pb.free(); vb?.free(); }
  }
  override learn(events: readonly PropensityEvent[]): ReturnType<Policy['learn']> { return super.learn(events); }
  /** @internal */
  expMerge(): string | null {
    const [kind, gMode] = this.learnParams();
    if (kind === 4) return `the reduced-variance estimator adds terms with η_t = eta0/√t of the round each event is learned as, ${ORDER} (estimator 'iw' merges)`;
    if (kind === 2 && gMode >= 1 && gMode <= 3) return `its anytime γ_t = η_t/2 depends on the round each event is learned as, ${ORDER} (give gamma, eta or horizon and it merges)`;
    if ((kind === 3 || (kind === 2 && gMode >= 4)) && this.mask.array.subarray(0, this.K).includes(0)) return 'its estimates depend on the number of active arms and an arm was removed, so a delta computed with another arm set would hold other terms';
    return null;
  }
  /** @internal */
  expTerms(n: number, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>, alloc: ExpAlloc): ExpTerms {
    const pend = this.pending!;
    this.pending = null;
    const params = this.learnParams();
    return runTerms(this, this.K, 0, this.mask.ptr, n, arms.ptr, rewards.ptr, pend.props, pend.probs, params, params[0] === 3 ? this.K : 1, alloc);
  }

  /**
   * Learn for many copies at once (the simulator's entry point): as Policy.learnCopies, with each
   * event's decision-time propensity (decideCopies' propensities) and, for EXP3.P and Tsallis-INF
   * ('rv'), its decision vector (n × arms: decideCopies' scores rows; ignored by the policies that do
   * not need it, so a generic simulator may pass both).
   */
  override learnCopies(copies: Int32Array, arms: Int32Array, rewards: Float64Array, propensities?: Float64Array, probabilities?: Float64Array): void {
    this.checkLive();
    const n = copies?.length;
    if (!(propensities instanceof Float64Array) || propensities.length !== n) {
      throw new InvalidArgumentError(`${this.kind}.learnCopies needs propensities: a Float64Array of one per event (decideCopies' propensities), got ${describe(propensities)}`);
    }
    if (this.needsVector) {
      if (!(probabilities instanceof Float64Array) || probabilities.length !== n * this.K) {
        throw new InvalidArgumentError(`${this.kind}.learnCopies needs probabilities: a Float64Array of events × arms = ${n * this.K} (decideCopies' scores), got ${describe(probabilities)}`);
      }
    }
    if (arms instanceof Int32Array && arms.length === n) {
      for (let i = 0; i < n; i++) {
        const p = propensities[i]!;
        if (!(p >= MIN_PROPENSITY && p <= 1)) throw new InvalidArgumentError(`event ${i}: propensity ${p} is not in [${MIN_PROPENSITY}, 1]`);
        if (this.needsVector && arms[i]! >= 0 && arms[i]! < this.K) this.checkVector(probabilities, arms[i]!, p, `event ${i}`, i * this.K);
      }
    }
    // copies: the arguments may be views of engine memory (decideCopies' outputs) that the allocations below could move
    this.pending = { props: propensities.slice(), probs: this.needsVector ? probabilities!.slice() : null };
    try { super.learnCopies(copies, arms, rewards); } finally { this.pending = null; }
  }
}

// ---------------------------------------------------------------------------------------------------

/**
 * Options of `bandits.EXP3` (exponential weights on importance-weighted reward estimates, mixed with
 * γ-uniform exploration); unset fields take the defaults stated on each.
 */
export interface EXP3Options extends PolicyOptions {
  /**
   * Uniform mixing γ in [0, 1]. γ > 0: Auer et al.'s EXP3 (gains form): p = (1 - γ)·softmax(η·Ĝ) + γ/K with
   * Ĝ_k += x/p_k for the played arm, η = γ/K. γ = 0: the η-only form (losses): p = softmax(-η·L̂),
   * L̂_k += (1 - x)/p_k. Default: with a horizon T, γ = min(1, √(K ln K / ((e - 1)·T))) (Auer et al. 2002,
   * Corollary 3.2: regret <= 2√(e - 1)·√(T·K ln K) ≈ 2.63·√(T·K ln K)); without one, 0.
   */
  gamma?: number;
  /**
   * Learning rate η >= 0 (0 or omitted: the default). γ > 0: default γ/K. γ = 0: default √(2 ln K / (K·T))
   * with a horizon (Bubeck & Cesa-Bianchi 2012, Theorem 3.1: regret <= √(2·T·K ln K)), else the anytime
   * η_t = √(ln K / (K·t)) (regret <= 2√(T·K ln K)). K = active arms.
   */
  eta?: number;
  /** Horizon T (an integer; 0 or omitted: unknown). Only sets the defaults of gamma and eta. */
  horizon?: number;
}

/**
 * EXP3 (Auer, Cesa-Bianchi, Freund & Schapire 2002), in Auer's γ-mixing gains form or the η-only
 * losses form (see EXP3Options). Rewards in [0, 1]; events carry the decision's `propensity` (see the
 * top of this file). The state holds the cumulative estimates (`gains` or `losses`, 8 B per arm) and
 * the round count; decide() draws from p with the PRNG and returns p as `scores`.
 */
export class EXP3 extends ImportanceWeighted {
  readonly kind = 'EXP3';
  protected readonly version = 1;
  protected get needsVector(): boolean { return false; }
  protected get slot(): string { return (this.hyper.gamma as number) > 0 ? 'gains' : 'losses'; }
  constructor(engine: Engine, options: EXP3Options) { super(engine, options); }
  // the checks run in this order (the base calls them in key order), so gamma's default sees the horizon
  protected optionSpec(): Record<string, OptionCheck> {
    let T = 0;
    return {
      horizon: (v, n) => (T = horizonCheck(v, n)),
      gamma: (v, n) => {
        if (v !== undefined) return checkRange(n, v, 0, 1);
        return T > 0 && this.K > 1 ? Math.min(1, this.sqrt((this.K * this.ln(this.K)) / (E_MINUS_1 * T))) : 0;
      },
      eta: etaCheck,
    };
  }
  protected decideParams(): [number, number, number, number] {
    const g = this.hyper.gamma as number, eta = this.hyper.eta as number, T = this.hyper.horizon as number;
    if (g > 0) return eta > 0 ? [0, eta, g, 1] : [4, g, g, 1];
    if (eta > 0) return [0, eta, 0, -1];
    return T > 0 ? [5, this.sqrt(2 / T), 0, -1] : [1, 1, 0, -1];
  }
  protected learnParams(): [number, number, number, number] { return [(this.hyper.gamma as number) > 0 ? 0 : 1, 0, 0, 0]; }
}

/**
 * Options of `bandits.EXP3IX` (EXP3 with implicit exploration: loss estimates ℓ̂ = ℓ·1[a]/(p_a + γ),
 * high-probability regret); unset fields take the defaults stated on each.
 */
export interface EXP3IXOptions extends PolicyOptions {
  /**
   * Learning rate η >= 0 (0 or omitted: default √(2 ln K / (K·T)) with a horizon T, Neu 2015 Theorem 1;
   * without one the anytime η_t = √(2 ln K / (K·t))). p = softmax(-η·L̃), no uniform mixing.
   */
  eta?: number;
  /**
   * Implicit exploration γ in [0, 1]: L̃_k += (1 - x)/(p_k + γ) for the played arm (default 'eta/2': γ = η/2,
   * or γ_t = η_t/2 at the round the event is learned as; Neu 2015: regret <= 2√(2·T·K ln K) +
   * (√(2TK/ln K) + 1)·ln(2/δ) with probability 1 - δ).
   */
  gamma?: number | 'eta/2';
  /** Horizon T (0 or omitted: unknown). */
  horizon?: number;
}

/**
 * EXP3-IX (Neu 2015, "Explore no more"): exponential weights on losses with the implicit-exploration
 * estimator ℓ/(p + γ), high-probability regret without mixing. Rewards in [0, 1] (ℓ = 1 - x); events
 * carry `propensity`. State: cumulative `losses` (8 B per arm) and the round count.
 */
export class EXP3IX extends ImportanceWeighted {
  readonly kind = 'EXP3IX';
  protected readonly version = 1;
  protected get needsVector(): boolean { return false; }
  protected get slot(): string { return 'losses'; }
  constructor(engine: Engine, options: EXP3IXOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    return {
      eta: etaCheck, horizon: horizonCheck,
      gamma: (v, n) => (v === undefined || v === 'eta/2' ? 'eta/2' : checkRange(n, v, 0, 1)),
    };
  }
  /** [mode, c] of η. */
  private etaRule(): [number, number] {
    const eta = this.hyper.eta as number, T = this.hyper.horizon as number;
    if (eta > 0) return [0, eta];
    return T > 0 ? [5, this.sqrt(2 / T)] : [1, this.sqrt(2)];
  }
  protected decideParams(): [number, number, number, number] { const [m, c] = this.etaRule(); return [m, c, 0, -1]; }
  protected learnParams(): [number, number, number, number] {
    const g = this.hyper.gamma;
    if (g !== 'eta/2') return [2, 0, g as number, 0];
    const [m, c] = this.etaRule();
    return [2, m, c / 2, 0];
  }
}

/**
 * Options of `bandits.EXP3P` (EXP3 with an upper-confidence bonus β/p_a on the estimates, high-probability
 * regret); unset fields take the defaults stated on each.
 */
export interface EXP3POptions extends PolicyOptions {
  /** Horizon T (required: an integer >= 1). */
  horizon: number;
  /** Confidence δ in (0, 1) (default 0.05): sets the default alpha. */
  delta?: number;
  /** Confidence bonus α >= 0 (default 2√(ln(K·T/δ))). */
  alpha?: number;
  /** Uniform mixing γ in (0, 1] (default min(3/5, 2√(3/5 · K ln K / T))). */
  gamma?: number;
}

/**
 * EXP3.P (Auer et al. 2002, §6, Theorem 6.3: with the default α and γ, G_max - G ≤ 4√(KT ln(KT/δ)) +
 * 4√(5/3 · KT ln K) + 8 ln(KT/δ) with probability >= 1 - δ): p = (1 - γ)·softmax(η·Ĝ) + γ/K with
 * η = γ/(3K), and every arm's estimate gets the confidence bonus: Ĝ_i += [i played]·x/p_i + α/(p_i·√(K·T)).
 * The bonus needs every arm's decision-time probability: events carry `propensity` and `probabilities`
 * (the decision's scores). Rewards in [0, 1]. State: `gains` (8 B per arm) and the round count.
 */
export class EXP3P extends ImportanceWeighted {
  readonly kind = 'EXP3P';
  protected readonly version = 1;
  protected get needsVector(): boolean { return true; }
  protected get slot(): string { return 'gains'; }
  constructor(engine: Engine, options: EXP3POptions) { super(engine, options); }
  // checked in key order: the defaults of alpha and gamma see horizon and delta
  protected optionSpec(): Record<string, OptionCheck> {
    let T = 1, d = 0.05;
    return {
      horizon: (v, n) => {
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new HyperparameterError(`${n} must be an integer in [1, 2^53 - 1] (EXP3.P needs the horizon), got ${describe(v)}`);
        return (T = v);
      },
      delta: (v, n) => (d = v === undefined ? 0.05 : checkRange(n, v, 0, 1, true, true)),
      alpha: (v, n) => (v === undefined ? 2 * this.sqrt(this.ln((this.K * T) / d)) : checkRange(n, v, 0, 1e6)),
      gamma: (v, n) => {
        if (v !== undefined) return checkRange(n, v, 0, 1, true);
        return this.K > 1 ? Math.min(0.6, 2 * this.sqrt((0.6 * this.K * this.ln(this.K)) / T)) : 0.6;
      },
    };
  }
  protected decideParams(): [number, number, number, number] { const g = this.hyper.gamma as number; return [4, g / 3, g, 1]; }
  protected learnParams(): [number, number, number, number] { return [3, 0, this.hyper.alpha as number, this.hyper.horizon as number]; }
}

/**
 * Options of `bandits.TsallisINF` (FTRL with the ½-Tsallis entropy regulariser, best of both worlds for
 * stochastic and adversarial rewards); unset fields take the defaults stated on each.
 */
export interface TsallisINFOptions extends PolicyOptions {
  /**
   * Loss estimator: 'rv' (default; Zimmert & Seldin's reduced-variance estimator ℓ̂_i = [i played]·(ℓ - B_i)/p_i
   * + B_i with B_i = ½·[p_i >= η_t²]; events carry `probabilities`) or 'iw' (importance weighting ℓ/p).
   */
  estimator?: 'rv' | 'iw';
  /** η_t = eta0/√t (default 4 for 'rv', 2 for 'iw': Zimmert & Seldin 2021, Theorem 1, regret <= 4√(KT) + 1). */
  eta0?: number;
}

/**
 * Tsallis-INF (Zimmert & Seldin 2021, α = 1/2): FTRL with the 1/2-Tsallis entropy, p_i = 4(η_t(L̂_i - x))⁻²
 * with the normalization x found by a deterministic Newton iteration (see bd_tsallis_decide); best of
 * both worlds: O(√(KT)) adversarial and O(Σ ln T / Δ_i) stochastic regret, anytime. Rewards in [0, 1]
 * (ℓ = 1 - x); events carry `propensity` (and `probabilities` for 'rv'). State: `losses` (8 B per arm)
 * and the round count.
 */
export class TsallisINF extends ImportanceWeighted {
  readonly kind = 'TsallisINF';
  protected readonly version = 1;
  protected get slot(): string { return 'losses'; }
  protected get needsVector(): boolean { return this.hyper.estimator === 'rv'; }
  constructor(engine: Engine, options: TsallisINFOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    let rv = true;
    return {
      estimator: (v, n) => {
        if (v === undefined) return 'rv';
        if (v !== 'rv' && v !== 'iw') throw new HyperparameterError(`${n} must be 'rv' or 'iw', got ${describe(v)}`);
        rv = v === 'rv';
        return v;
      },
      eta0: (v, n) => (v === undefined ? (rv ? 4 : 2) : checkRange(n, v, 1e-6, 1e6)),
    };
  }
  protected decideParams(): [number, number, number, number] { return [3, this.hyper.eta0 as number, 0, -1]; }
  protected override decideKernel(n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    this.engine.run('bd_tsallis_decide', n, [this.state.ptr, this.stride(), this.K, this.mask.ptr, this.key[0], this.key[1], hashes,
      this.hyper.eta0 as number, outArm, outProp, outScores], 1, 64 * this.K);
  }
  protected learnParams(): [number, number, number, number] { return [this.needsVector ? 4 : 1, 0, this.hyper.eta0 as number, 0]; }
}

// ---------------------------------------------------------------------------------------------------

/**
 * Options of `bandits.Hedge` (full-information exponential weights: w_a ∝ exp(η·Σ rewards of a)); unset
 * fields take the defaults stated on each.
 */
export interface HedgeOptions extends PolicyOptions {
  /**
   * Learning rate η >= 0 (0 or omitted: default √(8 ln N / T) with a horizon T, Cesa-Bianchi & Lugosi
   * 2006 Theorem 2.2: regret <= √(T ln N / 2); without one the anytime η_t = √(8 ln N / t), Theorem 2.3:
   * regret <= 2√(T ln N / 2) + √(ln N / 8)). N = active arms (experts).
   */
  eta?: number;
  /** Horizon T (0 or omitted: unknown). */
  horizon?: number;
}
/**
 * Options of `bandits.FixedShare` (Hedge whose weights are mixed with a share α of the uniform weights each
 * round, to track a switching best arm); unset fields take the defaults stated on each.
 */
export interface FixedShareOptions extends HedgeOptions {
  /** Share α in [0, 1] (default 1/T with a horizon, else 0.01): after each update every expert gets α/N of the mass. */
  share?: number;
}

/** Full information: learn takes every arm's reward; no propensity. */
abstract class FullInformation extends ExpWeights {
  private pendingVec: Float64Array | null = null;
  protected override eventKeys(): string[] { return ['eventId', 'rewards']; }
  protected override checkEvent(e: Record<string, unknown>, where: string): void {
    requireObject(where, e);
    const keys = this.eventKeys();
    for (const k of Object.keys(e)) if (!keys.includes(k)) throw new InvalidArgumentError(`${where}: unknown key ${JSON.stringify(k)}${suggest(k, keys)}`);
    if (typeof e.eventId !== 'string') throw new InvalidArgumentError(`${where}: eventId must be a string, got ${describe(e.eventId)}`);
    this.checkVec(e.rewards, 0, where);
  }
  private checkVec(v: unknown, off: number, where: string, whole = true): void {
    if (!isNumArray(v) || (whole && v.length !== this.K)) throw new InvalidArgumentError(`${where}: rewards must hold one reward per arm (${this.K} numbers in [0, 1]), got ${describe(v)}`);
    for (let k = 0; k < this.K; k++) {
      const x = v[off + k];
      if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw new InvalidArgumentError(`${where}: rewards[${k}] is ${describe(x)} (${this.kind} takes rewards in [0, 1])`);
    }
  }
  protected override packEvents(ev: readonly BanditEvent[]): void {
    const K = this.K, v = new Float64Array(ev.length * K);
    for (let i = 0; i < ev.length; i++) { const r = (ev[i] as unknown as ExpertsEvent).rewards; for (let k = 0; k < K; k++) v[i * K + k] = r[k]!; }
    this.pendingVec = v;
  }
  protected abstract hedgeParams(): [number, number, number];
  protected override learnKernel(n: number, copies: EngineBuffer<'i32'>): void {
    const v = this.pendingVec!;
    this.pendingVec = null;
    const vb = this.engine.from(v) as EngineBuffer<'f64'>;
    try {
      const [share, mode, c] = this.hedgeParams();
      this.engine.kernel('bd_hedge_learn')(this.state.ptr, this.stride(), this.K, this.mask.ptr, n, copies.ptr, vb.ptr, share, mode, c);
    } finally { vb.free(); }
  }
  override learn(events: readonly ExpertsEvent[] | readonly BanditEvent[]): ReturnType<Policy['learn']> { return super.learn(events as unknown as BanditEvent[]); }
  /** @internal */
  expMerge(): string | null {
    return this.hedgeParams()[0] < 0 ? null : 'its share step renormalizes every log-weight after each event, so its state is not a sum of per-event terms';
  }
  /** @internal */
  expTerms(n: number, _arms: EngineBuffer<'i32'>, _rewards: EngineBuffer<'f64'>, alloc: ExpAlloc): ExpTerms {
    const v = this.pendingVec!;
    this.pendingVec = null;
    return runTerms(this, this.K, 0, this.mask.ptr, n, 0, 0, null, v, [5, 0, 0, 0], this.K, alloc);
  }
  override learnCopies(): never { throw new UnsupportedError(`${this.kind} learns full reward vectors: use learnVectors(copies, rewards)`); }
  /**
   * The simulator's entry point: event i gives copy copies[i] the reward vector rewards[i·arms ..
   * (i+1)·arms) (every value in [0, 1]), in order, one wasm call, no eventIds.
   */
  learnVectors(copies: Int32Array, rewards: Float64Array): void {
    this.checkLive();
    if (!(copies instanceof Int32Array) || !(rewards instanceof Float64Array) || rewards.length !== copies.length * this.K) {
      throw new InvalidArgumentError(`learnVectors takes copies as an Int32Array and rewards as a Float64Array of copies.length × arms = ${this.K} values per event`);
    }
    const n = copies.length;
    for (let i = 0; i < n; i++) {
      const c = copies[i]!;
      if (!(c >= 0 && c < this.copies)) throw new InvalidArgumentError(`event ${i}: copy ${c} is not in [0, ${this.copies - 1}]`);
      this.checkVec(rewards, i * this.K, `event ${i}`, false);
    }
    if (n === 0) return;
    const cb = this.engine.from(copies) as EngineBuffer<'i32'>;
    try { this.pendingVec = rewards; this.learnKernel(n, cb); } finally { this.pendingVec = null; cb.free(); }
  }
  /** [mode, c] of the Hedge η schedule. */
  protected etaRule(): [number, number] {
    const eta = this.hyper.eta as number, T = this.hyper.horizon as number;
    if (eta > 0) return [0, eta];
    return T > 0 ? [6, this.sqrt(8 / T)] : [2, this.sqrt(8)];
  }
}

/**
 * Hedge / exponentially weighted average forecaster (Freund & Schapire 1997; Cesa-Bianchi & Lugosi 2006
 * §2.1) over the arms as experts: p = softmax(η·G) with G the cumulative rewards, full information (learn
 * takes every arm's reward). decide() samples an expert to follow (propensity p_k); `scores` = p, the
 * mixture whose expected reward the regret bound is about. State: `gains` (8 B per arm), round count.
 */
export class Hedge extends FullInformation {
  readonly kind = 'Hedge';
  protected readonly version = 1;
  protected get slot(): string { return 'gains'; }
  constructor(engine: Engine, options: HedgeOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> { return { eta: etaCheck, horizon: horizonCheck }; }
  protected decideParams(): [number, number, number, number] { const [m, c] = this.etaRule(); return [m, c, 0, 1]; }
  protected hedgeParams(): [number, number, number] { return [-1, 0, 0]; }
}

/**
 * Fixed-Share (Herbster & Warmuth 1998): Hedge that tracks a switching best expert. After each
 * exponential update v_k = w_k·e^{η_t x_k}, w_k = (1 - α)·v_k/Σv + α/N. Kept as normalized log-weights
 * (`logWeights`, 8 B per arm; the share step by log-sum-exp), so p = softmax(logWeights). Against any
 * expert sequence with m switches over T rounds (fixed η): regret <= ((m + 1) ln N + m ln(1/α) +
 * (T - m - 1) ln(1/(1 - α)))/η + ηT/8. η_t (schedule as Hedge's) applies at learn time.
 */
export class FixedShare extends FullInformation {
  readonly kind = 'FixedShare';
  protected readonly version = 1;
  protected get slot(): string { return 'logWeights'; }
  constructor(engine: Engine, options: FixedShareOptions) { super(engine, options); }
  protected optionSpec(): Record<string, OptionCheck> {
    let T = 0;
    return { eta: etaCheck, horizon: (v, n) => (T = horizonCheck(v, n)), share: (v, n) => (v === undefined ? (T > 0 ? 1 / T : 0.01) : checkRange(n, v, 0, 1)) };
  }
  protected decideParams(): [number, number, number, number] { return [0, 1, 0, 1]; }
  protected hedgeParams(): [number, number, number] { const [m, c] = this.etaRule(); return [this.hyper.share as number, m, c]; }
  /** log-weights are <= 0 (normalized: e^{S} sums to 1 over the active arms after a step). */
  protected override checkArm(v: Record<string, Float64Array>, where: string): void {
    super.checkArm(v, where);
    if (!(v.logWeights![0]! <= 1e-9)) throw new StateError(`${where}: logWeights ${v.logWeights![0]} is positive (log-weights are normalized)`);
  }
}

// ---------------------------------------------------------------------------------------------------

/**
 * Options of `bandits.EXP4` (exponential weights over experts' advice vectors, importance-weighted
 * rewards); unset fields take the defaults stated on each.
 */
export interface EXP4Options extends PolicyOptions {
  /** Number of experts N (1 to 4096). Each decide request and event carries their advice (N probability vectors over the arms). */
  experts: number;
  /** Uniform mixing γ in [0, 1] (default: with a horizon T, min(1, √(K ln N / ((e - 1)·T))), Auer et al. 2002 Theorem 7.1 / Corollary 3.2's tuning: regret <= 2.63·√(T·K ln N); else 0.1). η = γ/K. */
  gamma?: number;
  /** Horizon T (0 or omitted: unknown). */
  horizon?: number;
}

/**
 * EXP4 (Auer et al. 2002, §7): bandits with expert advice. decide({ eventId, advice }) takes N × K advice
 * (expert-major; each row a probability vector over the arms, 0 on removed arms), p_k = (1 - γ)·Σ_j q_j ξ_j(k)
 * + γ/K with q = softmax(η·G) over the experts; learn events carry `propensity` and the same `advice`, and
 * G_j += ξ_j(a)·x/p. State: the experts' G (8 B per expert) and the round count, no per-arm values. One
 * copy (the advice is per request).
 */
export class EXP4 extends Policy {
  readonly kind = 'EXP4';
  protected readonly version = 1;
  private work: EngineBuffer<'f64'> | null = null;
  private pendingAdv: { props: Float64Array; advice: Float64Array } | null = null;
  constructor(engine: Engine, options: EXP4Options) {
    if (options !== null && typeof options === 'object' && (options as { copies?: unknown }).copies !== undefined && (options as { copies?: unknown }).copies !== 1) {
      throw new HyperparameterError(`copies must be 1 for EXP4 (the advice is per request), got ${describe((options as { copies?: unknown }).copies)}`);
    }
    super(engine, options);
    try { this.work = engine.alloc(Math.max(2, this.experts), 'f64'); } catch (e) { this.free(); throw e; }
  }
  get experts(): number { return this.hyper.experts as number; }
  protected optionSpec(): Record<string, OptionCheck> {
    let N = 1, T = 0;
    return {
      experts: (v, n) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_EXPERTS) throw new HyperparameterError(`${n} must be an integer in [1, ${MAX_EXPERTS}], got ${describe(v)}`);
        return (N = v);
      },
      horizon: (v, n) => (T = horizonCheck(v, n)),
      gamma: (v, n) => {
        if (v !== undefined) return checkRange(n, v, 0, 1);
        return T > 0 && N > 1 ? Math.min(1, this.engine.sqrt((this.K * this.engine.log(N)) / (E_MINUS_1 * T))) : 0.1;
      },
    };
  }
  protected layout(): Layout { return { header: 1 + (this.hyper.experts as number), slots: [] }; }
  protected checkReward(r: number, where: string): void { unit(r, where, 'EXP4'); }
  protected checkArm(): void {}
  protected override checkHeader(state: Float64Array, stride: number): void {
    checkCount(state, stride, 1);
    for (let j = 0; j < this.experts; j++) {
      const g = state[1 + j]!;
      if (!(g >= 0 && g <= MAX_ESTIMATE)) throw new StateError(`state file expert ${j} gain ${g} is not in [0, ${MAX_ESTIMATE}]`);
    }
  }
  /** The experts' cumulative estimated gains G. */
  expertGains(): Float64Array { this.checkLive(); return this.state.array.slice(1, 1 + this.experts); }
  /** Rounds learned so far. */
  rounds(): number { this.checkLive(); return this.state.array[0]!; }

  private checkAdvice(v: unknown, where: string): void {
    const N = this.experts, K = this.K, m = this.mask.array;
    if (!isNumArray(v) || v.length !== N * K) throw new InvalidArgumentError(`${where}: advice must hold experts × arms = ${N} × ${K} numbers (expert-major), got ${describe(v)}`);
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const x = v[j * K + k];
        if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw new InvalidArgumentError(`${where}: advice[${j * K + k}] (expert ${j}, arm ${k}) is ${describe(x)} (must be in [0, 1])`);
        if (!m[k] && x !== 0) throw new InvalidArgumentError(`${where}: expert ${j} advises removed arm ${k} (${x}; must be 0)`);
        s += x;
      }
      if (!(Math.abs(s - 1) <= 1e-9)) throw new InvalidArgumentError(`${where}: expert ${j}'s advice sums to ${s}, not 1`);
    }
  }
  protected override requestKeys(): string[] { return ['eventId', 'advice']; }
  private pendingReq: EngineBuffer<'f64'> | null = null;
  protected decideKernel(_n: number, hashes: number, outArm: number, outProp: number, outScores: number): void {
    if (!this.pendingReq) throw new UnsupportedError('EXP4 decides through decide({ eventId, advice })');
    this.engine.kernel('bd_exp4_decide')(this.state.ptr, this.K, this.experts, this.mask.ptr, this.key[0], this.key[1], hashes, this.pendingReq.ptr,
      this.hyper.gamma as number, this.work!.ptr, outArm, outProp, outScores);
  }
  override decideCopies(): never { throw new UnsupportedError('EXP4 has no simulation copies (the advice is per request)'); }
  override learnCopies(): never { throw new UnsupportedError('EXP4 has no simulation copies: use learn with advice'); }
  /** Choose an arm given the experts' advice (pure). */
  override decide(req: AdviceRequest): Decision {
    this.checkLive();
    this.checkRequest(req as unknown as Record<string, unknown>, 'decide request');
    this.checkAdvice(req.advice, 'decide request');
    this.pendingReq = this.engine.from(Float64Array.from(req.advice)) as EngineBuffer<'f64'>;
    try { return super.decide(req); } finally { this.pendingReq.free(); this.pendingReq = null; }
  }
  protected override eventKeys(): string[] { return ['eventId', 'arm', 'reward', 'propensity', 'advice']; }
  protected override checkEvent(e: Record<string, unknown>, where: string): void {
    super.checkEvent(e, where);
    const p = e.propensity;
    if (typeof p !== 'number' || !(p >= MIN_PROPENSITY && p <= 1)) throw new InvalidArgumentError(`${where}: propensity must be the decision's propensity, a number in [${MIN_PROPENSITY}, 1], got ${describe(p)}`);
    this.checkAdvice(e.advice, where);
  }
  protected override packEvents(ev: readonly BanditEvent[], arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    super.packEvents(ev, arms, rewards);
    const n = ev.length, NK = this.experts * this.K, props = new Float64Array(n), advice = new Float64Array(n * NK);
    for (let i = 0; i < n; i++) {
      const e = ev[i] as AdviceEvent;
      props[i] = e.propensity;
      for (let q = 0; q < NK; q++) advice[i * NK + q] = e.advice[q]!;
    }
    this.pendingAdv = { props, advice };
  }
  protected override learnKernel(n: number, _copies: EngineBuffer<'i32'>, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>): void {
    const pend = this.pendingAdv!;
    this.pendingAdv = null;
    const pb = this.engine.from(pend.props) as EngineBuffer<'f64'>;
    let ab: EngineBuffer<'f64'> | undefined;
    try {
      ab = this.engine.from(pend.advice) as EngineBuffer<'f64'>;
      this.engine.kernel('bd_exp4_learn')(this.state.ptr, this.K, this.experts, n, arms.ptr, rewards.ptr, pb.ptr, ab.ptr);
    } finally { pb.free(); ab?.free(); }
  }
  override learn(events: readonly AdviceEvent[]): ReturnType<Policy['learn']> { return super.learn(events); }
  /** @internal delta.ts: G_j += ξ_j(a)·x/p is a sum of per-event terms (the experts' gains in the header). */
  expMerge(): string | null { return null; }
  /** @internal */
  expForm(): { slot: string; offset: number; count: number } { return { slot: 'expertGains', offset: 1, count: this.experts }; }
  /** @internal */
  expCheck(j: number, g: number, where: string): void {
    if (!(g >= 0 && g <= MAX_ESTIMATE)) throw new StateError(`${where}: expert ${j} gain ${g} is not in [0, ${MAX_ESTIMATE}]`);
  }
  /** @internal */
  expTerms(n: number, arms: EngineBuffer<'i32'>, rewards: EngineBuffer<'f64'>, alloc: ExpAlloc): ExpTerms {
    const pend = this.pendingAdv!;
    this.pendingAdv = null;
    return runTerms(this, this.K, this.experts, this.mask.ptr, n, arms.ptr, rewards.ptr, pend.props, pend.advice, [6, 0, 0, 0], this.experts, alloc);
  }
  override free(): void {
    if (this.freed) return;
    if (!this.engine.isDisposed) this.work?.free();
    this.work = null;
    super.free();
  }
}
