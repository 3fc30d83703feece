// The bilevel family: `import { init, bilevel } from 'simdopt'`. bilevel.solve(engine, problem) minimises
// Φ(x) = f(x, y*(x)); bilevel.hypergradient evaluates ∇Φ at one x; bilevel.models.* are the built-in
// WASM models. A plain frozen object (not `export * as`), so a bundler drops the family, and its wasm
// module, from an app that never uses it. Depends on the engine (and src/linalg.ts) only.
import type { Engine } from '../engine/engine.js';
import { solve, hypergradient } from './solve.js';
import { METHODS, publicOptions as resolveOptions } from './options.js';
import { QuadraticModel, type QuadraticSpec } from './models/quadratic.js';
import { RidgeModel, type RidgeSpec } from './models/ridge.js';
import { BuiltinModel } from './models/model.js';
import { LogisticModel, SoftmaxModel, type GlmSpec, type SoftmaxSpec } from './models/glm.js';
import { MlpModel, type MlpSpec } from './models/mlp.js';
import type * as S from './solve.js';
import type * as O from './options.js';
import type * as Or from './oracles.js';

/** T1: the quadratic bilevel problem (src/bilevel/models/quadratic.ts). */
function quadratic(engine: Engine, spec: QuadraticSpec): QuadraticModel { return new QuadraticModel(engine, spec); }
/** T2: ridge-regression HPO / sample reweighting (src/bilevel/models/ridge.ts). */
function ridge(engine: Engine, spec: RidgeSpec): RidgeModel { return new RidgeModel(engine, spec); }

/** Weighted binary logistic regression (src/bilevel/models/glm.ts). */
function logistic(engine: Engine, spec: GlmSpec): LogisticModel { return new LogisticModel(engine, spec); }
/** Weighted softmax regression over `classes` classes: hyper-cleaning, reweighting, weight decay (src/bilevel/models/glm.ts). */
function softmax(engine: Engine, spec: SoftmaxSpec): SoftmaxModel { return new SoftmaxModel(engine, spec); }
/** A one-hidden-layer tanh MLP with a softmax output, weighted like softmax: hyper-cleaning, reweighting, weight decay (src/bilevel/models/mlp.ts). */
function mlp(engine: Engine, spec: MlpSpec): MlpModel { return new MlpModel(engine, spec); }

/**
 * Bilevel optimisation: min_x f(x, y*(x)) with y*(x) = argmin_y g(x, y), by implicit differentiation,
 * unrolled differentiation, stochastic and first-order (penalty) methods (src/bilevel/).
 */
export const bilevel = /* @__PURE__ */ Object.freeze({
  solve, hypergradient, resolveOptions, METHODS,
  /** Built-in models with exact oracles in wasm: quadratic, ridge, logistic and softmax regression, a small MLP. */
  models: /* @__PURE__ */ Object.freeze({ quadratic, ridge, logistic, softmax, mlp, BuiltinModel }),
});

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace bilevel {
  export type SolveProblem = S.SolveProblem;
  export type SolveResult = S.SolveResult;
  export type IterationInfo = S.IterationInfo;
  export type SolveOptions = O.SolveOptions;
  export type OuterOptions = O.OuterOptions;
  export type Method = O.Method;
  export type ResolvedOptions = O.ResolvedOptions;
  export type UpperLevel = Or.UpperLevel;
  export type LowerLevel = Or.LowerLevel;
  export type OracleCalls = Or.OracleCalls;
  export type SecondOrderTier = Or.SecondOrderTier;
  export type GlmSpec = import('./models/glm.js').GlmSpec;
  export type SoftmaxSpec = import('./models/glm.js').SoftmaxSpec;
  export type MlpSpec = import('./models/mlp.js').MlpSpec;
  export type QuadraticSpec = import('./models/quadratic.js').QuadraticSpec;
  export type RidgeSpec = import('./models/ridge.js').RidgeSpec;
}
