// The simdopt optimizers the tfjs adapter builds by name: every gradient-only optimizer (one step()
// per batch from the gradients alone), keyed by its `kind`. LBFGS and SAM need a closure and the HVP
// optimizers (AdaHessian, Sophia, OASIS, SANIA) Hessian-vector products, which tfjs's Optimizer
// interface (applyGradients) cannot give; they are not listed.
import {
  SGD, Adam, AdamW, Adagrad, RMSprop, Adadelta, Rprop, Adamax, NAdam, RAdam, Lion, ScheduleFreeSGD, ScheduleFreeAdamW,
  LAMB, LARS, NovoGrad, Adafactor, ASGD, Prodigy, DoG, AdaBelief, Yogi, SignSGD, Signum, ADOPT, DiffGrad,
  OptimisticAMSGrad, RandomScaledSGDM,
} from 'simdopt';

/** Constructors of the optimizers `simdoptTfjs` accepts by name (the optimizer's `kind`). */
export const OPTIMIZERS = {
  sgd: SGD, adam: Adam, adamw: AdamW, adagrad: Adagrad, rmsprop: RMSprop, adadelta: Adadelta, rprop: Rprop,
  adamax: Adamax, nadam: NAdam, radam: RAdam, lion: Lion, schedule_free_sgd: ScheduleFreeSGD,
  schedule_free_adamw: ScheduleFreeAdamW, lamb: LAMB, lars: LARS, novograd: NovoGrad, adafactor: Adafactor,
  asgd: ASGD, prodigy: Prodigy, dog: DoG, adabelief: AdaBelief, yogi: Yogi, signsgd: SignSGD, signum: Signum,
  adopt: ADOPT, diffgrad: DiffGrad, optimistic_amsgrad: OptimisticAMSGrad, random_scaled_sgdm: RandomScaledSGDM,
} as const;

/** The names `simdoptTfjs({ optimizer })` accepts. */
export type SimdoptTfjsOptimizerName = keyof typeof OPTIMIZERS;
/** Constructor options of optimizer `K` (lr, betas, weightDecay, groups, schedules, nonFinite, ...). */
export type OptimizerOptionsOf<K extends SimdoptTfjsOptimizerName> = NonNullable<ConstructorParameters<(typeof OPTIMIZERS)[K]>[1]>;
