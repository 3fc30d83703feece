// The composable, optax-style layer (see base.ts).
export {
  TransformState, chain, identity, applyUpdates, TRANSFORM_STATE_FORMAT,
  type GradientTransformation, type TransformStateDict, type TransformStateNode, type ScalarOrSchedule, type Run,
} from './base.js';
export { scale, scaleBySchedule, scaleByLearningRate, scaleBySign } from './scale.js';
export { scaleByAdam, type ScaleByAdamOptions } from './adam.js';
export { scaleByRms, scaleByStddev, type ScaleByRmsOptions, type ScaleByStddevOptions } from './rms.js';
export { traceMomentum, ema, type TraceOptions, type EmaOptions } from './momentum.js';
export { clipByValue, clipByGlobalNorm, adaptiveGradClip, type AgcOptions } from './clip.js';
export { masked, type Mask } from './masked.js';
export { addDecayedWeights } from './decay.js';
export { skipNonFinite, zeroNonFinite } from './nonfinite.js';
export { multiSteps } from './accumulate.js';
export { lookahead, type LookaheadOptions } from './lookahead.js';
export { adam, adamw, nadam, nadamw, sgd, type AdamChainOptions, type AdamWChainOptions, type SgdChainOptions } from './alias.js';
export { clipGradValue, clipGradNormAdaptive, guardNonFinite, type NonFiniteReport } from './guards.js';
export { Lookahead, EMA, SWA, type LookaheadWrapperOptions, type EMAOptions, type SWAOptions, type WrapperStateDict } from './wrappers.js';
