export { init, Engine, VERSION, BLOCK, type InitOptions, type EngineInfo } from './engine/engine.js';
export { EngineBuffer, type DType } from './engine/memory.js';
export {
  SimdoptError, LengthMismatchError, HyperparameterError, DisposedError, ForeignBufferError,
  OutOfMemoryError, UnsupportedError, StateError, InvalidArgumentError, WorkerLostError, type ErrorCode,
} from './errors.js';
export { ParamSet, type Shape, type TensorInfo } from './params.js';
export { Optimizer, type StateDict, type Span, type GroupSpec, type WithGroups, type HyperSchedule, type NonFiniteMode } from './optim/base.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamPreset } from './optim/adam.js';
export { clipGradNorm } from './optim/clip.js';
export { NotPositiveDefiniteError, NonFiniteError, StoreError } from './errors.js';
export { linalg } from './linalg-namespace.js';
export {
  type Schedule, constantSchedule, polynomialSchedule, linearSchedule, exponentialDecay, cosineDecay,
  joinSchedules, warmupCosineDecay, piecewiseConstant, stepDecay, multiStepDecay, cosineWarmRestarts, oneCycle,
  cyclicSchedule, warmupStableDecay, rexSchedule, linearDecayToZero, refinedSchedule, ReduceLROnPlateau,
  type OneCycleOptions, type CyclicOptions, type WarmupStableDecayOptions, type ReduceLROnPlateauOptions, type PlateauStateDict,
} from './schedules.js';
export { Adagrad, type AdagradOptions, type AdagradPreset } from './optim/adagrad.js';
export { RMSprop, type RMSpropOptions, type RMSpropPreset } from './optim/rmsprop.js';
export { Adadelta, type AdadeltaOptions } from './optim/adadelta.js';
export { Rprop, type RpropOptions } from './optim/rprop.js';
export { Adamax, type AdamaxOptions } from './optim/adamax.js';
export { NAdam, type NAdamOptions, type NAdamStateDict } from './optim/nadam.js';
export { RAdam, type RAdamOptions } from './optim/radam.js';
export { Lion, type LionOptions } from './optim/lion.js';
export { dynamicMap, quantizeBlockwise, dequantizeBlockwise, QUANT_BLOCK, type QuantizedBlocks } from './optim/quant8.js';
export { Adam8bit, AdamW8bit, Lion8bit, SGD8bit, MIN_8BIT_SIZE, type Adam8bitOptions, type Lion8bitOptions, type SGD8bitOptions, type Optim8bitOptions, type TensorSelector, type State8bitEntry, type BnbStateDict } from './optim/bnb8bit.js';
export { ScheduleFreeSGD, ScheduleFreeAdamW, type ScheduleFreeSGDOptions, type ScheduleFreeAdamWOptions, type ScheduleFreeStateDict } from './optim/schedulefree.js';
export { LAMB, type LAMBOptions } from './optim/lamb.js';
export { LARS, type LARSOptions } from './optim/lars.js';
export { NovoGrad, type NovoGradOptions, type NovoGradStateDict } from './optim/novograd.js';
export { Adafactor, type AdafactorOptions, type AdafactorStateDict } from './optim/adafactor.js';
export { Muon, MUON_NS_COEFFICIENTS, type MuonOptions } from './optim/muon.js';
export { Shampoo, type ShampooOptions, type ShampooGraft } from './optim/shampoo.js';
export { GaLore, type GaLoreOptions } from './optim/galore.js';
export { ASGD, type ASGDOptions, type ASGDStateDict } from './optim/asgd.js';
export { Prodigy, type ProdigyOptions, type ProdigyStateDict } from './optim/prodigy.js';
export { DoG, type DoGOptions, type DoGStateDict } from './optim/dog.js';
export { rademacher, hutchinson, finiteDifferenceHvp, HvpOptimizer, type Hvp, type HvpOptions, type FiniteDifferenceHvp } from './optim/hvp.js';
export { AdaHessian, type AdaHessianOptions } from './optim/adahessian.js';
export { Sophia, type SophiaOptions } from './optim/sophia.js';
export { OASIS, type OASISOptions, type OASISStateDict } from './optim/oasis.js';
export { SANIA, type SANIAOptions, type SANIAMetric } from './optim/sania.js';
export { LBFGS, type LBFGSOptions, type LBFGSHyper, type LBFGSStateDict, type LBFGSClosure } from './optim/lbfgs.js';
export {
  saveState, loadState, readStateManifest, STATE_FILE_FORMAT, STATE_FILE_VERSION,
  type StateManifest, type TensorEntry, type PayloadEntry, type SaveStateOptions, type LoadStateOptions, type Stateful,
} from './optim/state-format.js';
export { importTorchState, type TorchStateDict, type ImportTorchOptions } from './optim/torch-import.js';
export { AdaBelief, type AdaBeliefOptions } from './optim/adabelief.js';
export { Yogi, type YogiOptions } from './optim/yogi.js';
export { SignSGD, Signum, type SignSGDOptions, type SignumOptions } from './optim/signum.js';
export { ADOPT, type ADOPTOptions } from './optim/adopt.js';
export { DiffGrad, type DiffGradOptions } from './optim/diffgrad.js';
export { OptimisticAMSGrad, type OptimisticAMSGradOptions } from './optim/optamsgrad.js';
export { RandomScaledSGDM, exp1Draw, type RandomScaledSGDMOptions, type RandomScaledSGDMStateDict } from './optim/rsgdm.js';
export { SAM, type SAMOptions, type SAMStateDict, type Closure } from './optim/sam.js';
export { toBfloat16, fromBfloat16, toFloat16, fromFloat16, type RoundingOptions, type Float16Format } from './optim/lowp.js';
export { LowPrecisionAdamW, LowPrecisionSGD, type LowPrecisionOptimizer, type LowPrecisionOptions, type LowPrecisionAdamWOptions, type LowPrecisionSGDOptions,
  type LowPrecisionSettings, type LowPrecisionStateDict, type StorageDtype } from './optim/lowp-optim.js';
export { optax } from './optim/transforms/namespace.js';
export {
  TransformState, chain, identity, applyUpdates, scale, scaleBySchedule, scaleByLearningRate, scaleBySign,
  scaleByAdam, scaleByRms, scaleByStddev, traceMomentum, ema, clipByValue, clipByGlobalNorm, adaptiveGradClip,
  masked, addDecayedWeights, skipNonFinite, zeroNonFinite, multiSteps, lookahead,
  clipGradValue, clipGradNormAdaptive, guardNonFinite, Lookahead, EMA, SWA,
  type GradientTransformation, type TransformStateDict, type Mask, type NonFiniteReport, type WrapperStateDict,
} from './optim/transforms/index.js';
export { bandits } from './bandits/index.js';
export { bilevel } from './bilevel/index.js';
export { online } from './online/index.js';
