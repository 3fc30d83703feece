import { checkRange, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type WithGroups, type StateDict, requireBool } from './base.js';

/**
 * Options of `ASGD` (averaged SGD as torch implements it: decaying step η_t = lr/(1 + λ·lr·t)^α and a
 * running average of the iterates from step t0 on); unset fields take the defaults stated on each.
 */
export interface ASGDOptions {
  lr?: number;
  /** Decay term λ (default 1e-4). */
  lambd?: number;
  /** Power of the η schedule (default 0.75). */
  alpha?: number;
  /** Step after which averaging starts (default 1e6). */
  t0?: number;
  weightDecay?: number;
  maximize?: boolean;
  /** false (default): the fast kernel (plain f32 multiply-adds where torch parity allows; same bits in every runtime and build, within 1e-6 of torch). true: every multiply-add torch's CPU kernel fuses is an f32 FMA emulated in f64, bit-identical to torch 1.13 on FMA CPUs, about 1.4× slower (README, Benchmarks). */
  torchBits?: boolean;
}
type ASGDHyper = { lr: number; lambd: number; alpha: number; t0: number; weightDecay: number; maximize: boolean; torchBits: boolean };

/** ASGD's state dict: the base format (slot `ax`) plus the per-group f32 scalars η and μ. */
export interface ASGDStateDict extends StateDict {
  scalars: { eta: number[]; mu: number[] };
}

// Kernel flags (assembly/asgd.ts).
const MAXIMIZE = 1, DECAY = 2, AVERAGE = 4, TORCH_BITS = 8;
const f32 = Math.fround;

/**
 * Averaged SGD (torch.optim.ASGD 1.13 semantics; Polyak & Juditsky 1992):
 *   d = ±g (+ wd·p);  p = p·(1 − λ·ηₜ₋₁) − ηₜ₋₁·d;
 *   ax = μₜ₋₁ = 1 ? p : ax + μₜ₋₁·(p − ax);
 *   ηₜ = lr / (1 + λ·lr·t)^α;  μₜ = 1 / max(1, t − t0);  η₀ = lr, μ₀ = 1.
 * η and μ are per-group scalars computed in f64 (engine.pow) and rounded to f32, as torch keeps them
 * as float32 tensors (per parameter; every parameter of a group holds the same values). The averaged
 * parameters `ax` are a state slot: read them with `averaged(name)`.
 * Defaults lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6. State: 4 bytes per parameter (ax) plus
 * two scalars per group (stateDict().scalars.eta / .mu).
 */
export class ASGD extends Optimizer<ASGDHyper, ASGDOptions> {
  readonly kind = 'asgd';
  private eta: number[];
  private mu: number[];

  constructor(params: ParamSet, opts: WithGroups<ASGDOptions> = {}) {
    super(params, opts, (o) => ({
      lr: o.lr ?? 1e-2, lambd: o.lambd ?? 1e-4, alpha: o.alpha ?? 0.75, t0: o.t0 ?? 1e6,
      weightDecay: o.weightDecay ?? 0, maximize: o.maximize ?? false, torchBits: o.torchBits ?? false,
    }), ['ax']);
    this.eta = this.groups.map((_, gi) => f32(this.hyperparametersOf(gi).lr));
    this.mu = this.groups.map(() => 1);
  }

  protected validate(h: ASGDHyper): ASGDHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('lambd', h.lambd, 0, Infinity);
    checkRange('alpha', h.alpha, 0, Infinity);
    checkRange('t0', h.t0, 0, Infinity);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    requireBool('maximize', h.maximize);
    requireBool('torchBits', h.torchBits);
    return { ...h };
  }

  protected apply(t: number, h: ASGDHyper, s: Span): void {
    // torch initialises η from the lr in effect at the first step.
    const eta = t === 1 ? f32(h.lr) : this.eta[s.group]!, mu = t === 1 ? 1 : this.mu[s.group]!;
    let flags = 0;
    if (h.maximize) flags |= MAXIMIZE;
    if (h.weightDecay !== 0) flags |= DECAY;
    if (mu !== 1) flags |= AVERAGE;
    if (h.torchBits) flags |= TORCH_BITS;
    this.params.engine.run('asgd_f32', s.n, [s.p, s.g, s.slot('ax'), 1 - h.lambd * eta, -eta, h.weightDecay, mu, flags]);
  }

  protected override afterStep(t: number): void {
    const e = this.params.engine;
    this.groups.forEach((_, gi) => {
      const h = this.hyperparametersOf(gi);
      this.eta[gi] = f32(h.lr / e.pow(1 + h.lambd * h.lr * t, h.alpha));
      this.mu[gi] = f32(1 / Math.max(1, t - h.t0));
    });
  }

  /** A copy of the averaged parameters of tensor `name` (equal to the parameters until t0 steps passed). */
  averaged(name: string): Float32Array {
    this.live();
    const t = this.params.info(name);
    return this.slots['ax']!.array.slice(t.offset, t.offset + t.size);
  }

  override stateDict(): ASGDStateDict {
    this.live();
    return { ...super.stateDict(), scalars: { eta: [...this.eta], mu: [...this.mu] } };
  }

  /** As Optimizer.loadStateDict plus scalars.eta / .mu (absent only at step 0); a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const sc = (sd as Partial<ASGDStateDict> | undefined)?.scalars;
    const n = this.groups.length;
    let eta = this.groups.map((_, gi) => f32(this.hyperparametersOf(gi).lr)), mu = this.groups.map(() => 1);
    if (sc === undefined) {
      if (sd && typeof sd === 'object' && sd.step !== 0) throw new StateError('ASGD state has no scalars');
    } else {
      const ok = (a: unknown, hi: number, openLo: boolean): a is number[] => Array.isArray(a) && a.length === n &&
        a.every((x) => typeof x === 'number' && Number.isFinite(x) && x <= hi && (openLo ? x > 0 : x >= 0) && f32(x) === x);
      if (!ok(sc?.eta, Infinity, false)) throw new StateError(`invalid scalars.eta (${n} finite non-negative f32 values expected)`);
      if (!ok(sc?.mu, 1, true)) throw new StateError(`invalid scalars.mu (${n} f32 values in (0, 1] expected)`);
      eta = [...sc.eta]; mu = [...sc.mu];
    }
    super.loadStateDict(sd);
    this.eta = eta;
    this.mu = mu;
  }
}
