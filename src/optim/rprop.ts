import { checkRange, HyperparameterError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, requireBool } from './base.js';

/**
 * Options of `Rprop` (per-element steps grown by η+ while the gradient sign holds, shrunk by η− when it
 * flips, within [stepMin, stepMax]); unset fields take the defaults stated on each.
 */
export interface RpropOptions {
  lr?: number;
  /** (etaminus, etaplus), 0 < etaminus < 1 < etaplus. */
  etas?: readonly [number, number];
  /** (minimal, maximal) step size. */
  stepSizes?: readonly [number, number];
  maximize?: boolean;
}
type RpropHyper = { lr: number; etaMinus: number; etaPlus: number; stepSizeMin: number; stepSizeMax: number; maximize: boolean };

// Kernel flags (assembly/rprop.ts).
const MAXIMIZE = 1, FIRST = 2;

/**
 * Rprop (torch.optim.Rprop semantics):
 *   q = g·prev;  s = clamp(s · (q > 0 ? η₊ : q < 0 ? η₋ : 1), min, max);  g = 0 where q < 0;
 *   p = p − sign(g)·s;  prev = g.
 * Step sizes start at lr (set by the first step, as torch does when it creates the state).
 * State: 8 bytes per parameter (prev, step_size).
 */
export class Rprop extends Optimizer<RpropHyper, RpropOptions> {
  readonly kind = 'rprop';
  constructor(params: ParamSet, opts: WithGroups<RpropOptions> = {}) {
    super(params, opts, (o) => {
      const [etaMinus, etaPlus] = o.etas ?? [0.5, 1.2];
      const [stepSizeMin, stepSizeMax] = o.stepSizes ?? [1e-6, 50];
      return { lr: o.lr ?? 1e-2, etaMinus, etaPlus, stepSizeMin, stepSizeMax, maximize: o.maximize ?? false };
    }, ['prev', 'step_size']);
  }

  protected validate(h: RpropHyper): RpropHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('etas[0]', h.etaMinus, 0, 1, true, true);
    checkRange('etas[1]', h.etaPlus, 1, Infinity, true);
    checkRange('stepSizes[0]', h.stepSizeMin, 0, Infinity);
    checkRange('stepSizes[1]', h.stepSizeMax, 0, Infinity);
    if (h.stepSizeMin > h.stepSizeMax) throw new HyperparameterError(`stepSizes[0] must be <= stepSizes[1], got ${h.stepSizeMin} > ${h.stepSizeMax}`);
    requireBool('maximize', h.maximize);
    return { ...h };
  }

  protected apply(t: number, h: RpropHyper, s: Span): void {
    const e = this.params.engine;
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (t === 1) flags |= FIRST;
    e.run('rprop_f32', s.n, [s.p, s.g, s.slot('prev'), s.slot('step_size'),
      h.lr, h.etaMinus, h.etaPlus, h.stepSizeMin, h.stepSizeMax, flags]);
  }
}
