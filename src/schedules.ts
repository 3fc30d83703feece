// Schedules: pure functions of the step (so a resumed run gets exactly the same values), in optax's or
// torch's semantics, plus the stateful ReduceLROnPlateau. Transcendentals come from the engine's
// deterministic wasm math (never Math.cos/pow), so a schedule gives the same bits in every runtime.
// Pass one directly as an optimizer option (`new AdamW(ps, { lr: schedule })`) or drive any
// hyperparameter between steps: `opt.set({ lr: schedule(opt.stepCount) }); opt.step();`
export type { Schedule } from './schedules/common.js';
export {
  constantSchedule, polynomialSchedule, linearSchedule, exponentialDecay, cosineDecay, joinSchedules,
  warmupCosineDecay, piecewiseConstant,
} from './schedules/basic.js';
export {
  stepDecay, multiStepDecay, cosineWarmRestarts, oneCycle, cyclicSchedule, type OneCycleOptions, type CyclicOptions,
} from './schedules/torch.js';
export {
  warmupStableDecay, rexSchedule, linearDecayToZero, refinedSchedule, type WarmupStableDecayOptions,
} from './schedules/modern.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type PlateauStateDict } from './schedules/plateau.js';
