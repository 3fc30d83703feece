// The `optax` namespace of the public API as a plain frozen object (not `export * as`): a bundler
// drops it, and with it the optimizer family's kernels, from an app that never uses it, which a
// namespace re-export in the single-file dist would prevent.
import {
  TransformState,
  chain,
  identity,
  applyUpdates,
  TRANSFORM_STATE_FORMAT,
  scale,
  scaleBySchedule,
  scaleByLearningRate,
  scaleBySign,
  scaleByAdam,
  scaleByRms,
  scaleByStddev,
  traceMomentum,
  ema,
  clipByValue,
  clipByGlobalNorm,
  adaptiveGradClip,
  masked,
  addDecayedWeights,
  skipNonFinite,
  zeroNonFinite,
  multiSteps,
  lookahead,
  adam,
  adamw,
  nadam,
  nadamw,
  sgd,
  clipGradValue,
  clipGradNormAdaptive,
  guardNonFinite,
  Lookahead,
  EMA,
  SWA,
} from './index.js';
import type * as T from './index.js';

/** The composable, optax-style gradient transformations (see src/optim/transforms/base.ts). */
export const optax = /* @__PURE__ */ Object.freeze({
  TransformState,
  chain,
  identity,
  applyUpdates,
  TRANSFORM_STATE_FORMAT,
  scale,
  scaleBySchedule,
  scaleByLearningRate,
  scaleBySign,
  scaleByAdam,
  scaleByRms,
  scaleByStddev,
  traceMomentum,
  ema,
  clipByValue,
  clipByGlobalNorm,
  adaptiveGradClip,
  masked,
  addDecayedWeights,
  skipNonFinite,
  zeroNonFinite,
  multiSteps,
  lookahead,
  adam,
  adamw,
  nadam,
  nadamw,
  sgd,
  clipGradValue,
  clipGradNormAdaptive,
  guardNonFinite,
  Lookahead,
  EMA,
  SWA,
});

/** Types of the transformations, as `optax.GradientTransformation` etc. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace optax {
  // the classes' instance types
  export type TransformState = T.TransformState;
  export type Lookahead = T.Lookahead;
  export type EMA = T.EMA;
  export type SWA = T.SWA;
  export type GradientTransformation = T.GradientTransformation;
  export type TransformStateDict = T.TransformStateDict;
  export type TransformStateNode = T.TransformStateNode;
  export type ScalarOrSchedule = T.ScalarOrSchedule;
  export type Run = T.Run;
  export type ScaleByAdamOptions = T.ScaleByAdamOptions;
  export type ScaleByRmsOptions = T.ScaleByRmsOptions;
  export type ScaleByStddevOptions = T.ScaleByStddevOptions;
  export type TraceOptions = T.TraceOptions;
  export type EmaOptions = T.EmaOptions;
  export type AgcOptions = T.AgcOptions;
  export type Mask = T.Mask;
  export type LookaheadOptions = T.LookaheadOptions;
  export type AdamChainOptions = T.AdamChainOptions;
  export type AdamWChainOptions = T.AdamWChainOptions;
  export type SgdChainOptions = T.SgdChainOptions;
  export type NonFiniteReport = T.NonFiniteReport;
  export type LookaheadWrapperOptions = T.LookaheadWrapperOptions;
  export type EMAOptions = T.EMAOptions;
  export type SWAOptions = T.SWAOptions;
  export type WrapperStateDict = T.WrapperStateDict;
}
