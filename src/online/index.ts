// The online family: `import { init, online } from 'simdopt'`. Online convex optimisation and expert
// aggregation under one protocol (src/online/learner.ts): predict(x?) → decision, update(lossOrGradient,
// info?), save() / online.load(engine, bytes). Feasible sets with exact WASM projections in online.sets.
// A plain frozen object (not `export * as`), so a bundler drops the family, and its wasm module, from an
// app that never uses it. Depends on the engine only.
import type { Engine } from '../engine/engine.js';
import { OnlineLearner, loadLearner, ONLINE_STATE_FORMAT, ONLINE_STATE_VERSION, type LearnerClass } from './learner.js';
import { FeasibleSet, unconstrained, simplex, l1Ball, l2Ball, box, CONTAINS_TOL, BISECTION_TOL } from './sets.js';
import { OGD } from './ogd.js';
import { AdaGrad } from './adagrad.js';
import { ExponentiatedGradient } from './eg.js';
import { FTRLProximal } from './ftrl.js';
import { ONS } from './ons.js';
import { EWA, FixedShareAggregation as FixedShare, MLpol, BOA } from './experts.js';
import { CoinBetting } from './coin.js';
import { ACI, SFOGD, SAOCP } from './conformal.js';
import { FLH } from './flh.js';
import { FullMatrixAdaGrad } from './fullmatrix.js';
import { OnlineFrankWolfe } from './ofw.js';
import { OptimisticOMD, OptimisticFTRL } from './optimistic.js';
import { SleepingExperts } from './sleeping.js';
import { onlineEngine } from './input.js';
import type * as Og from './ogd.js';
import type * as Ad from './adagrad.js';
import type * as Eg from './eg.js';
import type * as Ft from './ftrl.js';
import type * as On from './ons.js';
import type * as Ex from './experts.js';
import type * as St from './sets.js';
import type * as Co from './coin.js';
import type * as Cf from './conformal.js';
import type * as Fl from './flh.js';
import type * as Fm from './fullmatrix.js';
import type * as Fw from './ofw.js';
import type * as Op from './optimistic.js';
import type * as Sl from './sleeping.js';

const CLASSES: readonly LearnerClass[] = [OGD, AdaGrad, ExponentiatedGradient, FTRLProximal, ONS, EWA, FixedShare, MLpol, BOA, CoinBetting, ACI, SFOGD, SAOCP, FLH, FullMatrixAdaGrad, OnlineFrankWolfe, OptimisticOMD, OptimisticFTRL, SleepingExperts];

/** Rebuild a learner from save()'s bytes (strict: format, versions, checksum, options, set, state). */
function loadOnline(engine: Engine, bytes: Uint8Array): OnlineLearner {
  return loadLearner(onlineEngine(engine, 'online.load'), bytes, CLASSES);
}

/**
 * Online learning: online convex optimisation over feasible sets (OGD, AdaGrad, EG, FTRL-Proximal, ONS,
 * online Frank–Wolfe, optimistic OMD and FTRL)
 * and expert aggregation (EWA, FixedShare, MLpol, BOA, sleeping experts), each round one wasm call (src/online/).
 */
export const online = /* @__PURE__ */ Object.freeze({
  OnlineLearner, OGD, AdaGrad, ExponentiatedGradient, FTRLProximal, ONS, EWA, FixedShare, MLpol, BOA,
  CoinBetting, ACI, SFOGD, SAOCP, FLH, FullMatrixAdaGrad, OnlineFrankWolfe, OptimisticOMD, OptimisticFTRL, SleepingExperts,
  FeasibleSet,
  /** Feasible sets with exact projections: all of ℝ^d, the simplex, the ℓ1 and ℓ2 balls, a box. */
  sets: /* @__PURE__ */ Object.freeze({ unconstrained, simplex, l1Ball, l2Ball, box }),
  load: loadOnline, STATE_FORMAT: ONLINE_STATE_FORMAT, STATE_VERSION: ONLINE_STATE_VERSION, CONTAINS_TOL, BISECTION_TOL,
});

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace online {
  export type OnlineLearner = import('./learner.js').OnlineLearner;
  export type OGD = Og.OGD;
  export type OGDOptions = Og.OGDOptions;
  export type OGDStepRule = Og.OGDStepRule;
  export type AdaGrad = Ad.AdaGrad;
  export type AdaGradOptions = Ad.AdaGradOptions;
  export type ExponentiatedGradient = Eg.ExponentiatedGradient;
  export type ExponentiatedGradientOptions = Eg.ExponentiatedGradientOptions;
  export type FTRLProximal = Ft.FTRLProximal;
  export type FTRLProximalOptions = Ft.FTRLProximalOptions;
  export type SparseVector = Ft.SparseVector;
  export type SparseBatch = Ft.SparseBatch;
  export type ONS = On.ONS;
  export type ONSOptions = On.ONSOptions;
  export type EWA = Ex.EWA;
  export type EWAOptions = Ex.EWAOptions;
  export type FixedShare = Ex.FixedShareAggregation;
  export type FixedShareOptions = Ex.FixedShareAggregationOptions;
  export type MLpol = Ex.MLpol;
  export type BOA = Ex.BOA;
  export type AggregationOptions = Ex.AggregationOptions;
  export type ExpertLoss = Ex.ExpertLoss;
  export type FeasibleSet = St.FeasibleSet;
  export type SetKind = St.SetKind;
  export type CoinBetting = Co.CoinBetting;
  export type CoinBettingOptions = Co.CoinBettingOptions;
  export type CoinBettingMode = Co.CoinBettingMode;
  export type ACI = Cf.ACI;
  export type ACIOptions = Cf.ACIOptions;
  export type SFOGD = Cf.SFOGD;
  export type SFOGDOptions = Cf.SFOGDOptions;
  export type SAOCP = Cf.SAOCP;
  export type SAOCPOptions = Cf.SAOCPOptions;
  export type ConformalOptions = Cf.ConformalOptions;
  export type FLH = Fl.FLH;
  export type FLHOptions = Fl.FLHOptions;
  export type FullMatrixAdaGrad = Fm.FullMatrixAdaGrad;
  export type FullMatrixAdaGradOptions = Fm.FullMatrixAdaGradOptions;
  export type OnlineFrankWolfe = Fw.OnlineFrankWolfe;
  export type OnlineFrankWolfeOptions = Fw.OnlineFrankWolfeOptions;
  export type OptimisticOMD = Op.OptimisticOMD;
  export type OptimisticFTRL = Op.OptimisticFTRL;
  export type OptimisticOptions = Op.OptimisticOptions;
  export type OptimisticInfo = Op.OptimisticInfo;
  export type SleepingExperts = Sl.SleepingExperts;
  export type SleepingExpertsOptions = Sl.SleepingExpertsOptions;
  export type SleepingInfo = Sl.SleepingInfo;
}
