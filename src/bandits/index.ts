// The bandit family: `import { init, bandits } from 'simdopt'`. Policies are classes over an engine
// (new bandits.UCB1(engine, { arms, seed })); the contract every policy keeps (pure decide, batched
// idempotent learn, strict save/load, copies for simulation) is written at the top of ./policy.ts.
// This namespace is a plain frozen object (not `export * as`), so a bundler drops the family, and its
// wasm module, from an app that never uses it. Depends on the engine only, never on src/optim.
import type { Engine } from '../engine/engine.js';
import { loadPolicy, Policy, type PolicyClass } from './policy.js';
import { UCB1 } from './stochastic.js';
import { LinTS, LinUCB } from './contextual.js';
import { BayesUCB, IMED, KLUCB, MOSS, MOSSAnytime, UCBV } from './index-policies.js';
import { EXP3, EXP3IX, EXP3P, EXP4, FixedShare, Hedge, TsallisINF } from './adversarial.js';
import { DiscountedTS, DiscountedUCB, SWUCB } from './nonstationary.js';
import { EpsilonDecreasing, EpsilonGreedy, ExploreThenCommit, Softmax } from './randomized.js';
import { BernoulliTS, GaussianTS } from './thompson.js';
import { LinEpsilonGreedy, SquareCB } from './regression.js';
import type * as RG from './regression.js';
import { CUSUM, GLR, Monitored } from './change-detection.js';
import type * as CD from './change-detection.js';
import { HybridLinUCB } from './hybrid.js';
import type * as HY from './hybrid.js';
import { DLinUCB, SWLinUCB } from './drifting.js';
import type * as DR from './drifting.js';
import { BANDIT_STATE_FORMAT, BANDIT_STATE_VERSION } from './state-file.js';
import { DecisionLog } from './serving/log.js';
import { offPolicyEstimate, offPolicyData } from './ope.js';
import { ServedPolicy, warmStartFromAB, inspect } from './serving/served.js';
import { cbify } from './cbify.js';
import type * as CB from './cbify.js';
import type * as SV from './serving/served.js';
import type * as OPE from './ope.js';
import type * as Log from './serving/log.js';
import type * as P from './policy.js';
import type * as S from './stochastic.js';
import type * as C from './contextual.js';
import type * as RZ from './randomized.js';
import type * as TS from './thompson.js';
import type * as I from './index-policies.js';
import type * as A from './adversarial.js';
import { simulate as simulateWith, type SimulateOptions, type SimulationResult } from './simulate.js';
import { parseEnv } from './envs.js';
import { plotRegret } from './plot.js';
import type * as Plot from './plot.js';
import type * as Sim from './simulate.js';
import type * as Env from './envs.js';
import type * as N from './nonstationary.js';
import { decodeDelta, Delta, hashEventIds, mergeDeltas } from './delta.js';
import type * as D from './delta.js';
import { RedisStore } from './stores/redis.js';
import type * as RS from './stores/redis.js';
import { DurableObjectStore, PolicyObject } from './stores/durable.js';
import type * as DO from './stores/durable.js';
import { DenoKvStore } from './stores/deno-kv.js';
import type * as DK from './stores/deno-kv.js';

/** Read a state file from policy.save() into a new policy of the class it names (strict; StateError on anything wrong). */
function load(engine: Engine, bytes: Uint8Array): Policy { return loadPolicy(engine, bytes, policyClasses()); }

/** Every policy class of the namespace (what simulate's and the CLI's policy names resolve to): read at call time, so policies added to `bandits` appear without edits. */
function policyClasses(): Record<string, PolicyClass> {
  const out: Record<string, PolicyClass> = {};
  for (const [k, v] of Object.entries(bandits)) if (typeof v === 'function' && v !== Policy && (v as { prototype?: unknown }).prototype instanceof Policy) out[k] = v as unknown as PolicyClass;
  return out;
}
/** Simulate policies on an environment (src/bandits/simulate.ts): R repetitions as policy copies, rewards and regret in wasm. */
function simulate(engine: Engine, options: SimulateOptions): SimulationResult { return simulateWith(engine, options, policyClasses()); }

/** Bandit policies (src/bandits/). */
export const bandits = /* @__PURE__ */ Object.freeze({ Policy, UCB1, LinUCB, LinTS, UCBV, MOSS, MOSSAnytime, KLUCB, IMED, BayesUCB, load, STATE_FORMAT: BANDIT_STATE_FORMAT, STATE_VERSION: BANDIT_STATE_VERSION,
  simulate, parseEnv, policyClasses, plotRegret,
  EXP3, EXP3IX, EXP3P, TsallisINF, Hedge, FixedShare, EXP4,
  SWUCB, DiscountedUCB, DiscountedTS,
  EpsilonGreedy, EpsilonDecreasing, Softmax, ExploreThenCommit, BernoulliTS, GaussianTS,
  LinEpsilonGreedy, SquareCB,
  DecisionLog,
  Delta, mergeDeltas, decodeDelta, hashEventIds,
  CUSUM, GLR, Monitored,
  HybridLinUCB,
  offPolicy: offPolicyEstimate, offPolicyData,
  DLinUCB, SWLinUCB,
  ServedPolicy, warmStartFromAB, inspect,
  cbify,
  RedisStore,
  PolicyObject, DurableObjectStore,
  DenoKvStore });

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace bandits {
  export type Policy = P.Policy;
  export type UCB1 = S.UCB1;
  export type Decision = P.Decision;
  export type DecideRequest = P.DecideRequest;
  export type BanditEvent = P.BanditEvent;
  export type LearnResult = P.LearnResult;
  export type PolicyOptions = P.PolicyOptions;
  export type UCB1Options = S.UCB1Options;
  export type LinUCB = C.LinUCB;
  export type LinTS = C.LinTS;
  export type LinearOptions = C.LinearOptions;
  export type LinTSOptions = C.LinTSOptions;
  export type ContextRequest = C.ContextRequest;
  export type ContextEvent = C.ContextEvent;
  export type BatchOptions = C.BatchOptions;
  export type BatchDecision = C.BatchDecision;
  export type UCBV = I.UCBV;
  export type UCBVOptions = I.UCBVOptions;
  export type MOSS = I.MOSS;
  export type MOSSOptions = I.MOSSOptions;
  export type MOSSAnytime = I.MOSSAnytime;
  export type MOSSAnytimeOptions = I.MOSSAnytimeOptions;
  export type KLUCB = I.KLUCB;
  export type KLUCBOptions = I.KLUCBOptions;
  export type KLFamily = I.KLFamily;
  export type IMED = I.IMED;
  export type IMEDOptions = I.IMEDOptions;
  export type BayesUCB = I.BayesUCB;
  export type BayesUCBOptions = I.BayesUCBOptions;
  export type SimulateOptions = Sim.SimulateOptions;
  export type SimulationResult = Sim.SimulationResult;
  export type PolicyEntry = Sim.PolicyEntry;
  export type EnvSpec = Env.EnvSpec;
  export type PlotOptions = Plot.PlotOptions;
  export type EXP3 = A.EXP3;
  export type EXP3IX = A.EXP3IX;
  export type EXP3P = A.EXP3P;
  export type TsallisINF = A.TsallisINF;
  export type Hedge = A.Hedge;
  export type FixedShare = A.FixedShare;
  export type EXP4 = A.EXP4;
  export type EXP3Options = A.EXP3Options;
  export type EXP3IXOptions = A.EXP3IXOptions;
  export type EXP3POptions = A.EXP3POptions;
  export type TsallisINFOptions = A.TsallisINFOptions;
  export type HedgeOptions = A.HedgeOptions;
  export type FixedShareOptions = A.FixedShareOptions;
  export type EXP4Options = A.EXP4Options;
  export type PropensityEvent = A.PropensityEvent;
  export type ExpertsEvent = A.ExpertsEvent;
  export type AdviceRequest = A.AdviceRequest;
  export type AdviceEvent = A.AdviceEvent;
  export type SWUCB = N.SWUCB;
  export type SWUCBOptions = N.SWUCBOptions;
  export type DiscountedUCB = N.DiscountedUCB;
  export type DiscountedUCBOptions = N.DiscountedUCBOptions;
  export type DiscountedTS = N.DiscountedTS;
  export type DiscountedTSOptions = N.DiscountedTSOptions;
  export type EpsilonGreedy = RZ.EpsilonGreedy;
  export type EpsilonDecreasing = RZ.EpsilonDecreasing;
  export type Softmax = RZ.Softmax;
  export type ExploreThenCommit = RZ.ExploreThenCommit;
  export type EpsilonGreedyOptions = RZ.EpsilonGreedyOptions;
  export type EpsilonDecreasingOptions = RZ.EpsilonDecreasingOptions;
  export type SoftmaxOptions = RZ.SoftmaxOptions;
  export type ExploreThenCommitOptions = RZ.ExploreThenCommitOptions;
  export type BernoulliTS = TS.BernoulliTS;
  export type GaussianTS = TS.GaussianTS;
  export type ThompsonOptions = TS.ThompsonOptions;
  export type BernoulliTSOptions = TS.BernoulliTSOptions;
  export type GaussianTSOptions = TS.GaussianTSOptions;
  export type LinEpsilonGreedy = RG.LinEpsilonGreedy;
  export type SquareCB = RG.SquareCB;
  export type Regressor = RG.Regressor;
  export type RegressionOptions = RG.RegressionOptions;
  export type LinEpsilonGreedyOptions = RG.LinEpsilonGreedyOptions;
  export type SquareCBOptions = RG.SquareCBOptions;
  export type DecisionLog = Log.DecisionLog;
  export type DecisionLogOptions = Log.DecisionLogOptions;
  export type DecisionLogJSON = Log.DecisionLogJSON;
  export type LogEntry = Log.LogEntry;
  export type LogRecord = Log.LogRecord;
  export type LogCounts = Log.LogCounts;
  export type RewardInput = Log.RewardInput;
  export type RewardsResult = Log.RewardsResult;
  export type ShadowChoice = Log.ShadowChoice;
  export type Delta = D.Delta;
  export type RedisStore = RS.RedisStore;
  export type RedisStoreOptions = RS.RedisStoreOptions;
  export type RedisCommandClient = RS.RedisCommandClient;
  export type PolicyObject = DO.PolicyObject;
  export type PolicyObjectOptions = DO.PolicyObjectOptions;
  export type DurableObjectStore = DO.DurableObjectStore;
  export type DurableObjectStoreOptions = DO.DurableObjectStoreOptions;
  export type DurableStorageLike = DO.DurableStorageLike;
  export type DurableStubLike = DO.DurableStubLike;
  export type StoreLearnResult = DO.StoreLearnResult;
  export type DenoKvStore = DK.DenoKvStore;
  export type DenoKvStoreOptions = DK.DenoKvStoreOptions;
  export type DenoKvLike = DK.DenoKvLike;
  export type CUSUM = CD.CUSUM;
  export type GLR = CD.GLR;
  export type Monitored = CD.Monitored;
  export type ChangeDetectionOptions = CD.ChangeDetectionOptions;
  export type CUSUMOptions = CD.CUSUMOptions;
  export type GLROptions = CD.GLROptions;
  export type MonitoredOptions = CD.MonitoredOptions;
  export type InnerSpec = CD.InnerSpec;
  export type HybridLinUCB = HY.HybridLinUCB;
  export type HybridLinUCBOptions = HY.HybridLinUCBOptions;
  export type HybridRequest = HY.HybridRequest;
  export type HybridBatchOptions = HY.HybridBatchOptions;
  export type HybridEvent = HY.HybridEvent;
  export type OffPolicyData = OPE.OffPolicyData;
  export type OffPolicyOptions = OPE.OffPolicyOptions;
  export type OffPolicyResult = OPE.OffPolicyResult;
  export type Estimate = OPE.Estimate;
  export type EstimatorName = OPE.EstimatorName;
  export type RecordsTarget = OPE.RecordsTarget;
  export type DLinUCB = DR.DLinUCB;
  export type SWLinUCB = DR.SWLinUCB;
  export type DriftLinearOptions = DR.DriftLinearOptions;
  export type DLinUCBOptions = DR.DLinUCBOptions;
  export type SWLinUCBOptions = DR.SWLinUCBOptions;
  export type DriftRequest = DR.DriftRequest;
  export type DriftEvent = DR.DriftEvent;
  export type ServedPolicy = SV.ServedPolicy;
  export type CbifyOptions = CB.CbifyOptions;
  export type CbifyResult = CB.CbifyResult;
  export type CbifyPolicyResult = CB.CbifyPolicyResult;
  export type ServedPolicyOptions = SV.ServedPolicyOptions;
  export type ServedDecision = SV.ServedDecision;
  export type ABResults = SV.ABResults;
  export type SlateRequest = C.SlateRequest;
  export type SlateDecision = C.SlateDecision;
}
