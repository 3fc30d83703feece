// Production rails around a served policy (issue 10 §6): a policyVersion in every decision, an
// exploration floor with the exact mixture propensity, a holdout fraction served a fixed policy or arm,
// warm start from prior A/B results (warmStartFromAB) and a JSON export of a policy's state (inspect).
//
// Randomness is the library's counter-based Philox keyed by `seed` and the eventId's FNV-1a 64 hash
// (stream S_RAIL = 0x40000002, draws 0: holdout coin, 1: floor coin, 2: the floor's uniform arm), so a
// decision is reproducible and independent of the policy's own draws. The mixture runs in wasm
// (assembly/bandits/rails.ts).
import { describe, HyperparameterError, InvalidArgumentError, requireObject, suggest } from '../../errors.js';
import type { EngineBuffer } from '../../engine/memory.js';
import { Policy, type Decision } from '../policy.js';
import { encodeIds, Hasher, seedKey } from '../rng.js';

export const S_RAIL = 0x40000002;
/** Policies whose scores are their probability vector (the floor reads π(b) from them). */
const PROBABILITY_SCORES = ['EXP3', 'EXP3IX', 'EXP3P', 'TsallisINF', 'Hedge', 'FixedShare', 'EXP4', 'Softmax'];
/** Deterministic argmax policies (π(b) = 1/#ties on the maximal scores). */
const ARGMAX = ['UCB1', 'UCBV', 'MOSS', 'MOSSAnytime', 'KLUCB', 'IMED', 'BayesUCB', 'LinUCB', 'SWUCB', 'DiscountedUCB', 'HybridLinUCB'];

/**
 * Options of `bandits.ServedPolicy` (production rails around a policy: a version, an exact exploration
 * floor, a holdout share); unset fields take the defaults stated on each.
 */
export interface ServedPolicyOptions {
  /** Written into every decision (1 to 128 characters, default '1'). */
  policyVersion?: string;
  /**
   * Exploration floor f in [0, 1) (default 0): with probability f a uniformly drawn active (or offered)
   * arm is served instead; the propensity is (1 − f)·π(b) + f/K. Only for policies whose π(b) is
   * known exactly for every arm (argmax policies, and those whose scores are probabilities).
   */
  explorationFloor?: number;
  /** Fraction in [0, 1) of eventIds served by the holdout instead (default 0). */
  holdout?: number;
  /** What the holdout serves: a fixed arm (default 0) or a policy over the same arms (e.g. the previous model, not learned by learn()). */
  holdoutPolicy?: number | Policy;
  /** Integer in [0, 2^53): the key of the rails' PRNG (default 0; use another than the policy's seed). */
  seed?: number;
}
/**
 * A decision of a `ServedPolicy`: the inner policy's decision with the floor mixture applied, and which arm
 * of the A/B it came from.
 */
export interface ServedDecision extends Decision {
  eventId: string;
  policyVersion: string;
  /** 'policy' or 'holdout' (assigned by the holdout coin, probability `holdout`); the propensity is conditional on the group. */
  group: 'policy' | 'holdout';
  /** The floor replaced the policy's arm (false when it drew the policy's own arm or did not fire). */
  explored: boolean;
}
const OPTION_KEYS = ['policyVersion', 'explorationFloor', 'holdout', 'holdoutPolicy', 'seed'];

/** A policy behind production rails. */
export class ServedPolicy {
  readonly policy: Policy;
  readonly policyVersion: string;
  readonly explorationFloor: number;
  readonly holdout: number;
  readonly seed: number;
  private readonly holdoutBy: number | Policy;
  private readonly key: [number, number];
  private readonly mode: number;
  private readonly hasher = new Hasher();

  constructor(policy: Policy, options: ServedPolicyOptions = {}) {
    if (!(policy instanceof Policy)) throw new InvalidArgumentError(`ServedPolicy needs a bandit policy, got ${describe(policy)}`);
    policy.checkLive();
    requireObject('ServedPolicy options', options);
    for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) throw new HyperparameterError(`unknown ServedPolicy option ${JSON.stringify(k)}${suggest(k, OPTION_KEYS)}`);
    const o = options as Record<string, unknown>;
    if (o.policyVersion !== undefined && (typeof o.policyVersion !== 'string' || o.policyVersion.length < 1 || o.policyVersion.length > 128)) throw new HyperparameterError(`policyVersion must be a string of 1 to 128 characters, got ${describe(o.policyVersion)}`);
    const frac = (name: string): number => {
      const v = o[name];
      if (v === undefined) return 0;
      if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new HyperparameterError(`${name} must be a number in [0, 1), got ${describe(v)}`);
      return v;
    };
    this.policy = policy;
    this.policyVersion = (o.policyVersion as string | undefined) ?? '1';
    this.explorationFloor = frac('explorationFloor');
    this.holdout = frac('holdout');
    this.mode = PROBABILITY_SCORES.includes(policy.kind) ? 1 : ARGMAX.includes(policy.kind) ? 0 : -1;
    if (this.explorationFloor > 0 && this.mode < 0) {
      throw new HyperparameterError(`explorationFloor: ${policy.kind}'s probability of an arm it did not choose is not known exactly, so the floor's propensity could not be; use a policy of ${[...ARGMAX, ...PROBABILITY_SCORES].join(', ')} (or its own exploration option)`);
    }
    const h = o.holdoutPolicy ?? 0;
    if (h instanceof Policy) {
      if (h === policy) throw new HyperparameterError('holdoutPolicy is the served policy itself');
      if (h.engine !== policy.engine || h.arms !== policy.arms) throw new HyperparameterError(`holdoutPolicy must be a policy of the same engine and ${policy.arms} arms`);
    } else if (typeof h !== 'number' || !Number.isInteger(h) || h < 0 || h >= policy.arms) throw new HyperparameterError(`holdoutPolicy must be an arm in [0, ${policy.arms - 1}] or a bandit policy, got ${describe(h)}`);
    this.holdoutBy = h as number | Policy;
    this.seed = o.seed === undefined ? 0 : (seedKey(o.seed), o.seed as number);
    this.key = seedKey(this.seed);
  }

  /** Decide for `req` (the policy's request form): holdout coin, then the policy (pure) and the floor. */
  decide(req: Record<string, unknown> & { eventId: string }): ServedDecision {
    const p = this.policy;
    p.checkLive();
    requireObject('decide request', req);
    if (typeof req.eventId !== 'string') throw new InvalidArgumentError(`decide request: eventId must be a string, got ${describe(req.eventId)}`);
    const e = p.engine;
    const h = this.hasher.hash(e, encodeIds([req.eventId], () => 'decide request'));
    const u = e.alloc(3, 'f64');
    let d: Decision;
    try {
      e.kernel('rng_uniform_f64')(0, 3, u.ptr, this.key[0], this.key[1], h[0]!, h[1]!, S_RAIL);
      const [u0, u1, u2] = [u.array[0]!, u.array[1]!, u.array[2]!];
      if (u0 < this.holdout) {
        const hb = this.holdoutBy;
        if (typeof hb === 'number') {
          if (!p.activeArms.includes(hb)) throw new InvalidArgumentError(`the holdout arm ${hb} was removed`);
          const scores = new Float64Array(p.arms).fill(-Infinity); scores[hb] = 0;
          return { arm: hb, propensity: 1, scores, eventId: req.eventId, policyVersion: this.policyVersion, group: 'holdout', explored: false };
        }
        return { ...hb.decide(req as never), eventId: req.eventId, policyVersion: this.policyVersion, group: 'holdout', explored: false };
      }
      d = p.decide(req as never);
      if (this.explorationFloor === 0) return { ...d, eventId: req.eventId, policyVersion: this.policyVersion, group: 'policy', explored: false };
      const offered = Array.isArray(req.actions) ? (req.actions as number[]) : p.activeArms;
      const bufs: EngineBuffer<'f64' | 'u8'>[] = [];
      try {
        const sc = e.from(d.scores) as EngineBuffer<'f64'>; bufs.push(sc);
        const mask = e.alloc(p.arms, 'u8'); bufs.push(mask);
        for (const k of offered) mask.array[k] = 1;
        const out = e.alloc(2, 'f64'); bufs.push(out);
        e.kernel('bd_rail_mix')(sc.ptr, p.arms, mask.ptr, this.mode, this.explorationFloor, u1, u2, d.arm, d.propensity, out.ptr);
        const arm = out.array[0]!;
        return { arm, propensity: out.array[1]!, scores: d.scores, eventId: req.eventId, policyVersion: this.policyVersion, group: 'policy', explored: arm !== d.arm };
      } finally { for (const b of bufs) b.free(); }
    } finally { u.free(); }
  }

  /** Learn into the served policy (events of the 'policy' group; holdout events are the caller's to keep apart). */
  learn(events: Parameters<Policy['learn']>[0]): ReturnType<Policy['learn']> { return this.policy.learn(events); }

  /** Release the rails' scratch memory (the policies stay). */
  free(): void { if (!this.policy.engine.isDisposed) this.hasher.free(); }
}

/** Prior A/B results per arm. */
export interface ABResults {
  /** Impressions (trials) per arm: non-negative integers. */
  impressions: ArrayLike<number>;
  /** Conversions (successes) per arm: integers in [0, impressions]. */
  conversions: ArrayLike<number>;
}
/**
 * A warmStart ({ pulls, rewards, squares }) from an A/B test's per-arm impressions and conversions
 * (0/1 rewards, so squares = rewards), for the policies over these sufficient statistics.
 */
export function warmStartFromAB(results: ABResults): { pulls: number[]; rewards: number[]; squares: number[] } {
  requireObject('A/B results', results);
  const { impressions: n, conversions: c } = results as ABResults;
  const ok = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok(n) || !ok(c) || n.length !== c.length || n.length === 0) throw new HyperparameterError('A/B results need impressions and conversions: arrays of one length >= 1');
  const pulls: number[] = [], rewards: number[] = [];
  for (let k = 0; k < n.length; k++) {
    const a = n[k], b = c[k];
    if (typeof a !== 'number' || !Number.isSafeInteger(a) || a < 0) throw new HyperparameterError(`A/B impressions[${k}] must be a non-negative integer, got ${describe(a)}`);
    if (typeof b !== 'number' || !Number.isSafeInteger(b) || b < 0 || b > a) throw new HyperparameterError(`A/B conversions[${k}] must be an integer in [0, impressions[${k}] = ${a}], got ${describe(b)}`);
    pulls.push(a); rewards.push(b);
  }
  return { pulls, rewards, squares: rewards.slice() };
}

/** A policy's state as plain JSON for inspection: kind, options, arms, active arms, copies and every slot of copy 0 by arm. */
export function inspect(policy: Policy): { kind: string; options: Record<string, unknown>; arms: number; activeArms: number[]; copies: number; stats: Record<string, number[][]> } {
  if (!(policy instanceof Policy)) throw new InvalidArgumentError(`inspect needs a bandit policy, got ${describe(policy)}`);
  const st = policy.stats(), K = policy.arms, stats: Record<string, number[][]> = {};
  for (const [name, v] of Object.entries(st)) {
    const w = v.length / K;
    stats[name] = Array.from({ length: K }, (_, k) => Array.from(v.subarray(k * w, (k + 1) * w)));
  }
  return { kind: policy.kind, options: JSON.parse(JSON.stringify(policy.options)), arms: K, activeArms: policy.activeArms, copies: policy.copies, stats };
}
