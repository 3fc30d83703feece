import { checkRange, StateError } from '../errors.js';
import type { ParamSet } from '../params.js';
import { Optimizer, type Span, type StateDict, type WithGroups } from './base.js';
import { groupRuns, type Run } from './runs.js';

/**
 * Options of `DoG` (Ivgi et al. 2023, distance over gradients: η_t = max_{s≤t} ‖θ_s − θ_0‖/√(Σ ‖g_s‖²), no
 * learning rate to tune); unset fields take the defaults stated on each.
 */
export interface DoGOptions {
  /** Relative initial movement r_ε = repsRel·(1 + ‖x₀‖). */
  repsRel?: number;
  /** The multiplier c of the step size (keep 1). */
  lr?: number;
  weightDecay?: number;
  eps?: number;
  /** First step size, overriding repsRel (0 = unset). */
  initEta?: number;
}
type DoGHyper = { repsRel: number; lr: number; weightDecay: number; eps: number; initEta: number };

/** DoG's state dict: the base format plus r̄ and G per group. */
export interface DoGStateDict extends StateDict {
  scalars: { rbar: number[]; G: number[] };
}

// Kernel flags (assembly/dog.ts).
const DECAY = 1, FIRST = 2;

/**
 * DoG, "Distance over Gradients" (Ivgi, Hinder & Carmon 2023, "DoG is SGD's Best Friend: A
 * Parameter-Free Dynamic Step Size Schedule"; formll/dog semantics, each param group one vector):
 *   c = g + λ·x;  r̄₀ = repsRel·(1 + ‖x₀‖),  r̄ₜ = max(r̄ₜ₋₁, ‖xₜ − x₀‖);  G = ε + Σ_{i≤t} ‖cᵢ‖²;
 *   ηₜ = lr·r̄ₜ/√G  (η₀ = initEta when given);  x ← x − ηₜ·c
 * x₀ is a state slot (the parameters at the first step). The norms are engine reductions in the fixed
 * blocked order over the group's runs (one sum of squares per group; formll/dog stacks per-tensor
 * norms), r̄ and G are f64 scalars per group in stateDict().scalars. No learning rate to tune: the
 * defaults are repsRel = 1e-6 (1e-4 with batch norm, per the paper), lr = 1, eps = 1e-8, weightDecay = 0.
 * The paper pairs DoG with iterate averaging for the best results.
 * State: 4 bytes per parameter (x0) plus two scalars per group.
 */
export class DoG extends Optimizer<DoGHyper, DoGOptions> {
  readonly kind = 'dog';
  private rbar: number[];
  private G: number[];
  private pending = new Map<number, { t: number; rbar: number; G: number; eta: number }>();
  private readonly runs: Run[][];

  constructor(params: ParamSet, opts: WithGroups<DoGOptions> = {}) {
    super(params, opts, (o) => ({ repsRel: o.repsRel ?? 1e-6, lr: o.lr ?? 1, weightDecay: o.weightDecay ?? 0,
      eps: o.eps ?? 1e-8, initEta: o.initEta ?? 0 }), ['x0']);
    this.runs = groupRuns(params, this.groups);
    this.rbar = this.groups.map(() => 0);
    this.G = this.groups.map(() => 0);
  }

  protected validate(h: DoGHyper): DoGHyper {
    checkRange('repsRel', h.repsRel, 0, Infinity, true);
    checkRange('lr', h.lr, 0, Infinity, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    checkRange('eps', h.eps, 0, Infinity, true);
    checkRange('initEta', h.initEta, 0, Infinity);
    return { ...h };
  }

  /** The step size η of the last step of group `group`. */
  eta(group = 0): number { this.live(); const g = this.G[group] ?? 0; return g > 0 ? this.hyperparametersOf(group).lr * this.rbar[group]! / this.params.engine.sqrt(g) : 0; }

  private scalars(t: number, gi: number, h: DoGHyper): number {
    const c = this.pending.get(gi);
    if (c && c.t === t) return c.eta;
    const ps = this.params, e = ps.engine, x0 = this.slots['x0']!;
    const flags = h.weightDecay !== 0 ? DECAY : 0;
    let gsq = 0, rbar: number, G: number;
    for (const r of this.runs[gi]!) gsq += e.reduce('dog_gsq_partials', r.n, [ps.grad.ptr + r.off * 4, ps.data.ptr + r.off * 4, h.weightDecay, flags]);
    if (t === 1) {
      let xsq = 0;
      for (const r of this.runs[gi]!) xsq += e.reduce('dot_partials', r.n, [ps.data.ptr + r.off * 4, ps.data.ptr + r.off * 4]);
      rbar = h.repsRel * (1 + e.sqrt(xsq));
      G = gsq + h.eps;
    } else {
      let dsq = 0;
      for (const r of this.runs[gi]!) dsq += e.reduce('dog_dist_partials', r.n, [ps.data.ptr + r.off * 4, x0.ptr + r.off * 4]);
      rbar = Math.max(this.rbar[gi]!, e.sqrt(dsq));
      G = this.G[gi]! + gsq;
    }
    const eta = t === 1 && h.initEta > 0 ? h.initEta : h.lr * rbar / e.sqrt(G);
    this.pending.set(gi, { t, rbar, G, eta });
    return eta;
  }

  protected apply(t: number, h: DoGHyper, s: Span): void {
    const eta = this.scalars(t, s.group, h);
    this.params.engine.run('dog_f32', s.n, [s.p, s.g, s.slot('x0'), h.weightDecay, -eta,
      (h.weightDecay !== 0 ? DECAY : 0) | (t === 1 ? FIRST : 0)]);
  }

  protected override afterStep(t: number): void {
    for (const [gi, c] of this.pending) if (c.t === t) { this.rbar[gi] = c.rbar; this.G[gi] = c.G; }
    this.pending.clear();
  }

  override stateDict(): DoGStateDict {
    this.live();
    return { ...super.stateDict(), scalars: { rbar: [...this.rbar], G: [...this.G] } };
  }

  /** As Optimizer.loadStateDict, plus the scalars (absent only at step 0); a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    const sc = (sd as Partial<DoGStateDict> | undefined)?.scalars, n = this.groups.length;
    let rbar = this.groups.map(() => 0), G = this.groups.map(() => 0);
    if (sc === undefined) {
      if (sd && typeof sd === 'object' && sd.step !== 0) throw new StateError('DoG state has no scalars');
    } else {
      const ok = (a: unknown): a is number[] => Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0);
      if (!sc || !ok(sc.rbar)) throw new StateError(`invalid scalars.rbar (${n} finite non-negative numbers expected)`);
      if (!ok(sc.G)) throw new StateError(`invalid scalars.G (${n} finite non-negative numbers expected)`);
      // After a step, G > 0 (it starts at ‖g‖² + eps and only grows), r̄ > 0, and the step size
      // η = lr·r̄/√G must be a finite f32 (the kernel's scalar); checked with the loaded lr.
      if (Number.isInteger(sd.step) && sd.step > 0) {
        for (let gi = 0; gi < n; gi++) {
          if (this.groups[gi]!.frozen) continue;                // never stepped: its scalars stay 0
          const lh = (sd.groups?.[gi]?.hyper ?? (gi === 0 ? sd.hyper : undefined)) as Record<string, unknown> | undefined;
          const hh = { ...this.hyperparametersOf(gi), ...(lh && typeof lh === 'object' ? lh : {}) } as Record<string, unknown>;
          const lr = typeof hh.lr === 'number' ? hh.lr : 0;
          const g = sc.G[gi]!, r = sc.rbar[gi]!;
          if (!(g > 0) || !(r > 0) || !Number.isFinite(Math.fround(lr * r / this.params.engine.sqrt(g)))) {
            throw new StateError(`invalid scalars of group ${gi} (rbar ${r}, G ${g}): after a step G > 0, rbar > 0 and lr·rbar/√G a finite f32 are expected`);
          }
        }
      }
      rbar = [...sc.rbar]; G = [...sc.G];
    }
    super.loadStateDict(sd);
    this.rbar = rbar; this.G = G; this.pending.clear();
  }
}
