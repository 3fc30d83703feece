// Schedules in torch.optim.lr_scheduler's semantics, as closed forms of the step (torch's
// `last_epoch` when the scheduler is stepped once per optimizer step, as its docs recommend):
// step and multistep decay, SGDR warm restarts, one-cycle and cyclic learning rates.
import type { Engine } from '../engine/engine.js';
import { HyperparameterError } from '../errors.js';
import { checkStep, finite, integer, oneOf, positive, PI, type Schedule, scheduleArgs } from './common.js';

/**
 * init · γ^⌊step / stepSize⌋ (torch StepLR, closed form).
 */
export function stepDecay(engine: Engine, o: { init: number; stepSize: number; gamma?: number }): Schedule {
  scheduleArgs(engine, o);
  finite('init', o.init); integer('stepSize', o.stepSize);
  const gamma = finite('gamma', o.gamma ?? 0.1);
  return (step) => o.init * engine.pow(gamma, Math.floor(checkStep(step, engine) / o.stepSize));
}

/**
 * init · γ^k where k = number of milestones ≤ step, counted with multiplicity (torch MultiStepLR,
 * closed form: `bisect_right(milestones, step)`).
 */
export function multiStepDecay(engine: Engine, o: { init: number; milestones: readonly number[]; gamma?: number }): Schedule {
  scheduleArgs(engine, o);
  finite('init', o.init);
  const gamma = finite('gamma', o.gamma ?? 0.1);
  if (!Array.isArray(o.milestones)) throw new HyperparameterError('milestones must be an array of non-negative integers');
  const ms = o.milestones.map((m, i) => integer(`milestones[${i}]`, m, 0)).sort((a, b) => a - b);
  return (step) => {
    checkStep(step, engine);
    let k = 0;
    while (k < ms.length && ms[k]! <= step) k++;
    return o.init * engine.pow(gamma, k);
  };
}

/**
 * SGDR (Loshchilov & Hutter 2017; torch CosineAnnealingWarmRestarts):
 *   lr = ηmin + (init − ηmin)·(1 + cos(π·Tcur/Ti))/2,
 * where cycle i lasts Ti = T0·Tmult^i steps and Tcur counts steps since the last restart (exact
 * integer arithmetic, so restarts land exactly on the step).
 */
export function cosineWarmRestarts(engine: Engine, o: { init: number; t0: number; tMult?: number; etaMin?: number }): Schedule {
  scheduleArgs(engine, o);
  finite('init', o.init); integer('t0', o.t0);
  const tMult = integer('tMult', o.tMult ?? 1), etaMin = finite('etaMin', o.etaMin ?? 0);
  return (step) => {
    let tCur = checkStep(step, engine), ti = o.t0;
    if (tMult === 1) tCur %= ti;
    else while (tCur >= ti) { tCur -= ti; ti *= tMult; }
    return etaMin + ((o.init - etaMin) * (1 + engine.cos((PI * tCur) / ti))) / 2;
  };
}

/**
 * Options of `oneCycle` (torch's OneCycleLR: warmup to maxLr, then annealing to
 * maxLr/(divFactor·finalDivFactor)); unset fields take the defaults stated on each.
 */
export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  /** Fraction of the steps spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** final lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Up to maxLr, back to the initial lr (symmetric), then down to the final lr (default false). */
  threePhase?: boolean;
}

/**
 * One-cycle (Smith & Topin 2018; torch OneCycleLR). With a0 = maxLr/divFactor, a1 = a0/finalDivFactor
 * and p = pctStart·totalSteps, the phases end at steps (p − 1, totalSteps − 1): a0 → maxLr → a1, or
 * with threePhase (p − 1, 2p − 2, totalSteps − 1): a0 → maxLr → a0 → a1. Within a phase from step s0
 * to s1, with x = (step − s0)/(s1 − s0):
 *   cos:    lr = end + (start − end)/2 · (cos(π·x) + 1)
 *   linear: lr = (end − start)·x + start
 * Steps past totalSteps − 1 hold the value at totalSteps − 1, the final lr (torch raises past totalSteps).
 */
export function oneCycle(engine: Engine, o: OneCycleOptions): Schedule {
  scheduleArgs(engine, o);
  const maxLr = finite('maxLr', o.maxLr), total = integer('totalSteps', o.totalSteps);
  const pct = finite('pctStart', o.pctStart ?? 0.3), div = positive('divFactor', o.divFactor ?? 25);
  const finalDiv = positive('finalDivFactor', o.finalDivFactor ?? 1e4);
  const strategy = oneOf('annealStrategy', o.annealStrategy ?? 'cos', ['cos', 'linear'] as const);
  if (pct <= 0 || pct >= 1) throw new HyperparameterError(`pctStart must be in (0, 1), got ${pct}`);
  const initial = maxLr / div, min = initial / finalDiv;
  const phases: [number, number, number][] = o.threePhase
    ? [[pct * total - 1, initial, maxLr], [2 * pct * total - 2, maxLr, initial], [total - 1, initial, min]]
    : [[pct * total - 1, initial, maxLr], [total - 1, maxLr, min]];
  let prev = 0;
  for (const [end] of phases) {
    if (!(end > prev)) throw new HyperparameterError(`pctStart ${pct} with totalSteps ${total} leaves a phase without steps`);
    prev = end;
  }
  const anneal = strategy === 'cos'
    ? (a: number, b: number, x: number) => b + ((a - b) / 2) * (engine.cos(PI * x) + 1)
    : (a: number, b: number, x: number) => (b - a) * x + a;
  return (t) => {
    const step = Math.min(checkStep(t, engine), total - 1);
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const [end, a, b] = phases[i]!;
      if (step <= end || i === phases.length - 1) return anneal(a, b, (step - start) / (end - start));
      start = end;
    }
    return min; // unreachable
  };
}

/**
 * Options of `cyclicSchedule` (torch's CyclicLR: triangular, triangular2 or exp_range cycles between baseLr
 * and maxLr); unset fields take the defaults stated on each.
 */
export interface CyclicOptions {
  baseLr: number;
  maxLr: number;
  /** Steps of the increasing half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps of the decreasing half (default stepSizeUp). */
  stepSizeDown?: number;
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** exp_range: scale = γ^step (default 1). */
  gamma?: number;
  /** Custom amplitude scale (overrides mode), evaluated on the cycle number or the step. */
  scaleFn?: (x: number) => number;
  scaleMode?: 'cycle' | 'iterations';
}

/**
 * Cyclic learning rate (Smith 2017; torch CyclicLR). With L = up + down, c = ⌊1 + step/L⌋,
 * x = 1 + step/L − c and r = up/L: f = x/r if x ≤ r else (x − 1)/(r − 1), and
 *   lr = baseLr + (maxLr − baseLr)·f·scale,
 * scale = 1 (triangular), 1/2^(c−1) (triangular2) or γ^step (exp_range).
 */
export function cyclicSchedule(engine: Engine, o: CyclicOptions): Schedule {
  scheduleArgs(engine, o);
  const base = finite('baseLr', o.baseLr), max = finite('maxLr', o.maxLr);
  const up = positive('stepSizeUp', o.stepSizeUp ?? 2000), down = positive('stepSizeDown', o.stepSizeDown ?? up);
  const mode = oneOf('mode', o.mode ?? 'triangular', ['triangular', 'triangular2', 'exp_range'] as const);
  const gamma = positive('gamma', o.gamma ?? 1);
  if (o.scaleFn !== undefined && typeof o.scaleFn !== 'function') throw new HyperparameterError('scaleFn must be a function');
  const scaleMode = o.scaleFn ? oneOf('scaleMode', o.scaleMode ?? 'cycle', ['cycle', 'iterations'] as const)
    : mode === 'exp_range' ? 'iterations' : 'cycle';
  const scale = o.scaleFn ?? (mode === 'triangular' ? () => 1
    : mode === 'triangular2' ? (c: number) => 1 / engine.pow(2, c - 1) : (t: number) => engine.pow(gamma, t));
  const total = up + down, ratio = up / total;
  return (step) => {
    checkStep(step, engine);
    const cycle = Math.floor(1 + step / total), x = 1 + step / total - cycle;
    const f = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    return base + (max - base) * f * scale(scaleMode === 'cycle' ? cycle : step);
  };
}
