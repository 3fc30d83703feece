// Sleeping experts (kernel and the bound's derivation in assembly/online/sleeping.ts): each round only
// the awake experts are played and learn, and the regret to every expert counts only the rounds it is
// awake. With one expert per (group, base predictor), awake when the round's context is in the group,
// this is groupwise regret (Blum & Lykouris 2020; the aggregation step of oracle-efficient groupwise
// regret). The mixture is the prod-style potential over a grid of rates η_k = 2^{−k}/2:
//   p_i ∝ Σ_k η_k·exp(η_k R_i − η_k² V_i) over the awake i, and for every expert i, on its awake rounds,
//   R_i ≤ min_k [ln(NK)/η_k + η_k V_i] ≤ 3√(V_i ln(NK)) + 2 ln(NK)  (losses in [0, 1], V_i ≤ 4^{K−1} ln(NK)).
import type { Engine } from '../engine/engine.js';
import { describe, InvalidArgumentError, StateError } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { OnlineLearner, HEADER } from './learner.js';
import { onlineEngine, optInt, stage } from './input.js';
import { MAX_EXPERTS } from './experts.js';

/** Options of `online.SleepingExperts`; unset fields take the defaults stated on each. */
export interface SleepingExpertsOptions {
  /** Number of experts N. Required. */
  experts: number;
  /** K, the number of rates η_k = 2^{−k}/2 (k < K) mixed (the bound holds while V_i ≤ 4^{K−1} ln(NK)). Default 20. */
  rates?: number;
}
/** What `update(losses, info)` of `online.SleepingExperts` takes. */
export interface SleepingInfo {
  /** The awake experts: a 0/1 vector of length N (numbers or a typed array) with at least one 1. Default: all awake. */
  awake?: ArrayLike<number>;
}

/**
 * Sleeping experts (specialists; Freund et al. 1997, Blum & Mansour 2007) for groupwise regret:
 * `predict(awake?)` → weights over the awake experts (0 for the asleep), `update(losses, { awake })` with
 * losses in [0, 1] → the mixture's loss ℓ̂ = Σ_awake p_i ℓ_i. For every expert i, on the rounds it was
 * awake, R_i = Σ(ℓ̂ − ℓ_i) ≤ min_k [ln(NK)/η_k + η_k V_i] (`regretBound`), V_i = Σ(ℓ̂ − ℓ_i)².
 */
export class SleepingExperts extends OnlineLearner {
  static readonly learnerName = 'SleepingExperts';
  get learnerName(): string { return 'SleepingExperts'; }
  readonly #opts: { experts: number; rates: number };

  constructor(engine: Engine, options: SleepingExpertsOptions) {
    engine = onlineEngine(engine, 'SleepingExperts');
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('SleepingExperts options must be an object with experts');
    checkKnownKeys('SleepingExperts option', options, ['experts', 'rates']);
    const n = optInt('SleepingExperts', 'experts', options.experts, 1, MAX_EXPERTS);
    const rates = options.rates === undefined ? 20 : optInt('SleepingExperts', 'rates', options.rates, 1, 60);
    super(engine, n, null, 2 * n, n, 2 * n, false);
    this.#opts = { experts: n, rates };
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }

  /** @internal stage the awake mask (default all awake) at inp[n..2n); returns its pointer. */
  #mask(awake: unknown): number {
    const n = this.dim, ptr = this.inp.ptr + 8 * n;
    if (awake === undefined) { this.inp.array.fill(1, n, 2 * n); return ptr; }
    stage(this.engine, 'awake', awake, n, this.inp, n);
    const bad = this.engine.kernel('on_sleeping_check')(n, ptr);
    if (bad === n) throw new InvalidArgumentError('SleepingExperts: no expert is awake (awake needs at least one 1)');
    if (bad >= 0) throw new InvalidArgumentError(`SleepingExperts: awake[${bad}] must be 0 or 1, got ${describe(this.inp.array[n + bad])}`);
    return ptr;
  }

  /** The weights for the awake experts (default all awake): a probability vector, 0 on the asleep. */
  predict(awake?: ArrayLike<number>): Float64Array {
    this.live();
    this.noArgs('predict', [...arguments].slice(1), 1);
    const aw = this.#mask(awake);
    this.engine.kernel('on_sleeping_weights')(this.dim, this.#opts.rates, this.st.ptr, aw, this.scratch.ptr);
    return this.scratch.array.slice(0, this.dim);
  }

  /** Learn the round's losses (length N, in [0, 1] for the awake; the asleep entries are ignored but must be finite); returns ℓ̂. */
  update(losses: ArrayLike<number>, info?: SleepingInfo): number {
    this.live();
    this.noArgs('update', [...arguments].slice(2), 2);
    const n = this.dim;
    stage(this.engine, 'losses', losses, n, this.inp);
    let awake: unknown;
    if (info !== undefined) {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) throw new InvalidArgumentError(`SleepingExperts.update info must be an object { awake }, got ${describe(info)}`);
      checkKnownKeys('SleepingExperts.update info', info as Record<string, unknown>, ['awake']);
      awake = info.awake;
    }
    const aw = this.#mask(awake);
    const lh = this.engine.kernel('on_sleeping_update')(n, this.#opts.rates, this.st.ptr, this.inp.ptr, aw, this.scratch.ptr);
    if (lh < 0) { const i = -1 - lh; throw new InvalidArgumentError(`SleepingExperts: losses[${i}] = ${this.inp.array[i]} of an awake expert is outside [0, 1]`); }
    return lh;
  }

  /** R_i, each expert's regret over the rounds it was awake (a copy). */
  get regrets(): Float64Array { this.live(); return this.st.array.slice(HEADER, HEADER + this.dim); }

  /** The stated bound min_k [ln(NK)/η_k + η_k V_i] on each R_i, from the learner's own V_i. */
  get regretBound(): Float64Array {
    this.live();
    this.engine.kernel('on_sleeping_bound')(this.dim, this.#opts.rates, this.st.ptr, this.scratch.ptr);
    return this.scratch.array.slice(0, this.dim);
  }

  protected override checkRestored(state: Float64Array): void {
    const n = this.dim, t = state[0]!, V = state.subarray(HEADER + n);
    // V_i ≥ 0, and |R_i| ≤ t (each round's r lies in [−1, 1])
    for (let i = 0; i < n; i++) {
      if (!(V[i]! >= 0 && V[i]! <= t && Math.abs(state[HEADER + i]!) <= t)) throw new StateError(`SleepingExperts state: expert ${i}'s regret or squared regret is out of range for t = ${t}`);
    }
  }
}
