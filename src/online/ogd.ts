// Online gradient descent (Zinkevich 2003; Hazan, Introduction to Online Convex Optimization, Alg. 8):
// x_{t+1} = Π_K(x_t − η_t g_t), the exact Euclidean projection onto the feasible set. Step rules:
//   'sqrt'             η_t = D/(G√t)   (c = D/G) — convex losses: regret ≤ (3/2)·G·D·√T (Hazan Thm 3.1)
//   'strongly-convex'  η_t = 1/(λt)              — λ-strongly convex: regret ≤ G²/(2λ)·(1 + ln T) (Thm 3.3)
//   'constant'         η_t = lr
import type { Engine } from '../engine/engine.js';
import { HyperparameterError, InvalidArgumentError } from '../errors.js';
import { OnlineLearner, HEADER } from './learner.js';
import { FeasibleSet, learnerSet } from './sets.js';
import { onlineEngine, optChoice, optNumber, stage } from './input.js';

/** Step rules of `online.OGD`: 'sqrt' η_t = D/(G√t), 'strongly-convex' η_t = 1/(λt), 'constant' η_t = lr. */
export type OGDStepRule = 'sqrt' | 'strongly-convex' | 'constant';
const RULES: readonly OGDStepRule[] = ['sqrt', 'strongly-convex', 'constant'];
const BIG = Number.MAX_VALUE;

/** Options of `online.OGD`; unset fields take the defaults stated on each. */
export interface OGDOptions {
  /** The feasible set (online.sets.*). Required. */
  set: FeasibleSet;
  /** Step rule: 'sqrt' (η_t = D/(G√t), default), 'strongly-convex' (η_t = 1/(λt)) or 'constant' (η_t = lr). */
  stepRule?: OGDStepRule;
  /** G, a bound on ‖g_t‖₂ (rule 'sqrt'). Default 1. */
  lipschitz?: number;
  /** D, the set's diameter (rule 'sqrt'). Default `set.diameter`; required for an unbounded set. */
  diameter?: number;
  /** λ, the losses' strong convexity (rule 'strongly-convex'). Default 1. */
  lambda?: number;
  /** The constant step (rule 'constant'). Default D/G (1 for an unbounded set). */
  lr?: number;
  /** First decision x_1 (inside the set). Default Π_K(0). */
  x0?: ArrayLike<number>;
}

const KEYS = ['set', 'stepRule', 'lipschitz', 'diameter', 'lambda', 'lr', 'x0'];

/** Resolve a first decision: x0 checked inside the set, or the projection of 0. */
export function firstPoint(engine: Engine, what: string, set: FeasibleSet, x0: unknown): Float64Array {
  if (x0 === undefined) return set.project(engine, new Float64Array(set.dim));
  const tmp = engine.alloc(set.dim, 'f64');
  try { stage(engine, `${what} x0`, x0, set.dim, tmp); } finally { tmp.free(); }
  const bad = set.outside(engine, x0 as ArrayLike<number>);
  if (bad >= 0) throw new InvalidArgumentError(`${what} x0 lies outside the ${set.kind}${bad < set.dim ? ` (coordinate ${bad})` : ''}`);
  return Float64Array.from(x0 as ArrayLike<number>);
}

/**
 * Online gradient descent (Zinkevich 2003): x_{t+1} = Π_K(x_t − η_t·g_t), the exact Euclidean projection
 * onto the feasible set. 'sqrt' steps: regret ≤ (3/2)·G·D·√T; 'strongly-convex': regret ≤ G²/(2λ)·(1 + ln
 * T).
 */
export class OGD extends OnlineLearner {
  static readonly learnerName = 'OGD';
  get learnerName(): string { return 'OGD'; }
  readonly #opts: { stepRule: OGDStepRule; lipschitz: number; diameter: number; lambda: number; lr: number };
  readonly #rule: number;
  readonly #c: number;
  /** η of the last update (0 before the first). */
  lastStep = 0;

  constructor(engine: Engine, options: OGDOptions) {
    engine = onlineEngine(engine, 'OGD');
    const set = learnerSet('OGD', options, KEYS);
    const stepRule = optChoice('OGD', 'stepRule', options.stepRule, 'sqrt', RULES);
    const lipschitz = optNumber('OGD', 'lipschitz', options.lipschitz, 1, 0, BIG, true);
    const dflD = set.diameter;
    if (options.diameter === undefined && stepRule === 'sqrt' && !Number.isFinite(dflD)) {
      throw new HyperparameterError(`OGD on an unbounded set needs the diameter option for stepRule 'sqrt' (or stepRule 'constant' with lr)`);
    }
    const diameter = optNumber('OGD', 'diameter', options.diameter, Number.isFinite(dflD) && dflD > 0 ? dflD : 1, 0, BIG, true);
    const lambda = optNumber('OGD', 'lambda', options.lambda, 1, 0, BIG, true);
    const lr = optNumber('OGD', 'lr', options.lr, diameter / lipschitz, 0, BIG, true);
    const x = firstPoint(engine, 'OGD', set, options.x0);
    super(engine, set.dim, set, set.dim, 4 * set.dim + 8, set.dim);
    this.#opts = { stepRule, lipschitz, diameter, lambda, lr };
    this.#rule = RULES.indexOf(stepRule) === 0 ? 1 : stepRule === 'strongly-convex' ? 2 : 0;
    this.#c = stepRule === 'sqrt' ? diameter / lipschitz : stepRule === 'strongly-convex' ? lambda : lr;
    this.st.array.set(x, HEADER);
  }
  get options(): Record<string, unknown> { return { ...this.#opts }; }

  /** The decision x_t (a copy). */
  predict(): Float64Array { this.live(); this.noArgs('predict', [...arguments]); return this.decision(); }

  /** Learn the (sub)gradient g_t of the round's loss at x_t: t += 1, x ← Π_K(x − η_t g). */
  update(gradient: ArrayLike<number>): void {
    const n = this.stageGradient(gradient, [...arguments].slice(1));
    const [kind, r, lo, hi] = this.setArgs();
    this.lastStep = this.guarded(() => this.engine.kernel('on_ogd_update')(n, kind, r, lo, hi, this.st.ptr, this.inp.ptr, this.scratch.ptr, this.#rule, this.#c));
  }
}
