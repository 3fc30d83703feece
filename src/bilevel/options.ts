// The options of bilevel.solve, validated strictly: an unknown name (or one that does not apply to the
// chosen method) is refused with the nearest accepted name, every number is range-checked, and the
// resolved values (defaults filled in) are what the run uses.
import { checkKnownKeys } from '../options.js';
import { checkRange, describe, HyperparameterError, requireObject, suggest } from '../errors.js';
import { FD_STEP } from './oracles.js';

/** Hypergradient methods (see the README's Bilevel table). */
export const METHODS = ['aid-cg', 'aid-normal-cg', 'aid-neumann', 'aid-fp', 'aid-exact', 'itd', 'itd-forward', 'stocbio', 'soba', 'penalty', 'f2sa', 'bome', 'vpbgd', 'borep', 'scalebio', 'lvhba'] as const;
/** The first-order methods (gradients only; singular or PL lower levels). */
export const FIRST_ORDER = ['penalty', 'f2sa', 'bome', 'vpbgd'] as const;
export const isFirstOrder = (m: Method): boolean => (FIRST_ORDER as readonly string[]).includes(m);
/** The minibatch methods (they need problem.samples and callbacks that take a batch). */
export const STOCHASTIC = ['stocbio', 'soba'] as const;
export const isStochastic = (m: Method): boolean => (STOCHASTIC as readonly string[]).includes(m);
/** The bilevel methods `bilevel.solve` runs (`bilevel.METHODS` lists them; the README's methods table says what each does). */
export type Method = (typeof METHODS)[number];

/** The upper-level optimizer (f64, in wasm). */
export interface OuterOptions {
  /** 'adam' (default) or 'sgd' (heavy ball). */
  optimizer?: 'adam' | 'sgd';
  /** Step size. Default 0.01 (adam), 0.1 (sgd). */
  lr?: number;
  /** Upper iterations (hypergradient evaluations − 1). Default 100; 0 evaluates the hypergradient at x0 only. */
  steps?: number;
  /** Stop (converged) when ‖∇Φ(x)‖₂ ≤ tol. Default 1e-8. */
  tol?: number;
  /** SGD momentum μ ∈ [0, 1): b = μb + g, x −= lr·b. Default 0. */
  momentum?: number;
  /** Adam β₁ ∈ [0, 1). Default 0.9. */
  beta1?: number;
  /** Adam β₂ ∈ [0, 1). Default 0.999. */
  beta2?: number;
  /** Adam ε > 0. Default 1e-8. */
  eps?: number;
}

/**
 * Options of `bilevel.solve`, grouped by what they tune (outer loop, inner solver, linear solve, stochastic
 * batches); only the groups a method uses apply, and unset fields take the defaults stated on each.
 */
export interface SolveOptions {
  /** Lower-level steps per upper iteration (AID: at most, stopping at innerTol; ITD: exactly, the unroll length T; stocbio: D minibatch SGD steps). Default 100 (stocbio 10). */
  innerSteps?: number;
  /** Lower-level gradient step α (soba: ρ₀, the step of y and v; aid-normal-cg: y ← y − αF, α = 1 is the plain fixed-point iteration y ← T(x, y)). Default 1/L̂, L̂ = power-iteration estimate of ‖∇²ᵧᵧg‖ at each upper iteration (aid-normal-cg: of ‖J‖ = √‖JᵀJ‖; stochastic methods: once, at x0, on one batch of powerBatchSize); lvhba: η of the θ and λ steps, default 0.01 (the LV-HBA toy). */
  innerLr?: number;
  /** AID: the lower level is solved when ‖∇ᵧg‖₂ ≤ innerTol (absolute). Default 1e-10. */
  innerTol?: number;
  /** AID: 'gd' (gradient steps, default) or 'newton' (each step solves ∇²ᵧᵧg·d = ∇ᵧg by CG with cgSteps/cgTol). */
  innerSolver?: 'gd' | 'newton';
  /** aid-cg, aid-normal-cg (and innerSolver 'newton'): at most this many CG iterations per solve (aid-normal-cg: each one J and one Jᵀ product). Default 100. */
  cgSteps?: number;
  /** aid-cg, aid-normal-cg: stop CG when ‖b − Hv‖ ≤ cgTol·‖b‖ (aid-normal-cg: ‖b − Jᵀv‖ ≤ cgTol·‖b‖). Default 1e-12. */
  cgTol?: number;
  /** aid-neumann, stocbio: number of series terms K (stocbio: Q, each product on its own minibatch). Default 100 (stocbio 10). */
  neumannSteps?: number;
  /** aid-neumann, stocbio: α of v = α Σ (I − αH)ᵏ b (stocbio: η). Default 1/L̂. */
  neumannLr?: number;
  /** stocbio, soba, borep (with samples): lower-level minibatch size b (problem.samples.lower samples; b ≥ samples takes all of them in order). Default 64. */
  batchSize?: number;
  /** stocbio, soba, borep (with samples): upper-level minibatch size. Default batchSize. */
  upperBatchSize?: number;
  /** stocbio, soba, borep (with samples): key of the counter-based sampler (Philox; batch = f(seed, iteration, sub-step, stream)). Default 0. */
  seed?: number;
  /** stocbio, soba, borep (with samples): the batch of the power iteration that sets the default steps. Default min(samples, 4·batchSize). */
  powerBatchSize?: number;
  /** penalty, f2sa, vpbgd, scalebio: the multiplier λ of f + λ(g − g*) (1/σ of Kwon et al.; f2sa: its start λ₀; vpbgd: γ of Shen & Chen; scalebio: α of f + α(g(s, w) − g(s, u)), its start). Default 100 (penalty, scalebio), 1 (f2sa), 10 (vpbgd). */
  penalty?: number;
  /** scalebio: α ← min(α·penaltyFactor, penaltyMax) after each step (the paper's τ ≥ 1). Default 1 (α constant). */
  penaltyFactor?: number;
  /** f2sa: λ ← min(λ + penaltyGrowth, penaltyMax) after each outer step. Default 0.1. */
  penaltyGrowth?: number;
  /** f2sa, scalebio: the largest λ (scalebio: α). Default 1e4. */
  penaltyMax?: number;
  /** bome: η of λ = max(η‖∇q‖² − ⟨∇f, ∇q⟩, 0)/‖∇q‖². Default 0.5. */
  bomeEta?: number;
  /** stocbio, soba, borep: step schedule, the steps times 1/√(t+1) ('sqrt') or constant ('none'). Default 'none' (stocbio, borep), 'sqrt' (soba). */
  stepDecay?: 'none' | 'sqrt';
  /** aid-fp: at most this many fixed-point steps. Default 100. */
  fpSteps?: number;
  /** aid-fp: step α of v ← v − α(Hv − b). Default 1/L̂. */
  fpLr?: number;
  /** aid-fp: stop when ‖Hv − b‖ ≤ fpTol·‖b‖. Default 1e-12. */
  fpTol?: number;
  /** itd: at most this many dy-vectors stored for the reverse pass (checkpointing beyond). Default Infinity (all T iterates). */
  unrollMemory?: number;
  /** Power-iteration products for L̂ (at most; stops at 1e-6 relative agreement). Default 50. */
  powerSteps?: number;
  /** Finite-difference tier: relative step h, ε = h·max(1, ‖point‖)/‖direction‖. Default cbrt(2⁻⁵²) ≈ 6.06e-6. */
  fdStep?: number;
  /** Largest dimension for dense work (aid-exact's dy×dy Hessian from callbacks, the cross product from dx transposed products). Default 2000. */
  maxDense?: number;
  /** vpbgd: box constraint x ≥ xMin on the upper variable (a number for every coordinate, or dx numbers; −Infinity: none); x0 is projected onto the box first and every step is projected (the C of Proj_C). Default −Infinity. */
  xMin?: number | ArrayLike<number>;
  /** vpbgd: box constraint x ≤ xMax (as xMin). Default Infinity. */
  xMax?: number | ArrayLike<number>;
  /** lvhba: step β of the multiplier anchor z ← clip(z + β(λ − z)/γ₂, 0, U). Default 0.02 (the LV-HBA toy). (η, the θ and λ step, is innerLr: default 0.01; α, the (x, y) step, is outer.lr: default 0.008. α must stay small against η — the analysis runs (x, y) on the slower time scale — because θ has to track (x, y): on the unconstrained toy T4, α = 0.008 and α = 0.05 with η = 0.1 converge, α = 0.02 with η = 0.01 diverges; a step ‖Δ(x, y)‖/α that grows to twice its minimum ends with a 'diverging' warning and converged false.) */
  multiplierLr?: number;
  /** lvhba: γ₁ of the proximal term ‖θ − y‖²/(2γ₁). Default 10. */
  proxY?: number;
  /** lvhba: γ₂ of the proximal term ‖λ − z‖²/(2γ₂). Default 10. */
  proxMultiplier?: number;
  /** lvhba: c̲ of the penalty schedule c_k = c̲(k + 1)^p (the upper level's gradient is divided by c_k). Default 1 (the toy's 0.025 with p = 0.3 stalls at 30% on T5). */
  penaltyStart?: number;
  /** lvhba: p ∈ [0, 0.5) of c_k = c̲(k + 1)^p (the paper's range). Default 0.45. */
  penaltyPower?: number;
  /** lvhba: multipliers are clipped to [0, U]; one reaching U flags the constraints as infeasible. Default 1000. */
  multiplierCap?: number;
  /** borep: initialisation refinement, gradient steps on g(x₀, ·) before the first upper step. Default 100. */
  warmSteps?: number;
  /** borep: the lower variable is refreshed (innerSteps steps) every lowerInterval upper iterations (the paper's I). Default 2. */
  lowerInterval?: number;
  /** borep: step ν of z ← z − ν(∇²ᵧᵧg·z − ∇ᵧf). Default 1/L̂. */
  linearLr?: number;
  /** borep: z is projected onto the ball ‖z‖ ≤ linearRadius after each step (the paper's R). Default Infinity (no projection). */
  linearRadius?: number;
  /** The upper-level optimizer (borep: always 'sgd' with the step normalised, x −= lr·b/‖b‖, b = momentum·b + ĝ; default lr 0.05, momentum 0.9 = the paper's β). */
  outer?: OuterOptions;
}

export interface Resolved {
  method: Method;
  innerSteps: number; innerLr: number | null; innerTol: number; innerSolver: 'gd' | 'newton';
  cgSteps: number; cgTol: number; neumannSteps: number; neumannLr: number | null;
  fpSteps: number; fpLr: number | null; fpTol: number; unrollMemory: number;
  batchSize: number; upperBatchSize: number | null; seed: number; powerBatchSize: number | null; stepDecay: 'none' | 'sqrt';
  penalty: number; penaltyGrowth: number; penaltyMax: number; bomeEta: number; penaltyFactor: number;
  xMin: number | number[]; xMax: number | number[];
  multiplierLr: number; proxY: number; proxMultiplier: number; penaltyStart: number; penaltyPower: number; multiplierCap: number;
  warmSteps: number; lowerInterval: number; linearLr: number | null; linearRadius: number;
  powerSteps: number; fdStep: number; maxDense: number;
  outer: Required<OuterOptions>;
}

const COMMON = ['innerLr', 'powerSteps', 'fdStep', 'maxDense', 'outer'];
const AID = ['innerSteps', 'innerTol', 'innerSolver'];
const STOCH = ['batchSize', 'upperBatchSize', 'seed', 'powerBatchSize', 'stepDecay'];
const CG = ['cgSteps', 'cgTol'];
const PER_METHOD: Record<Method, string[]> = {
  'aid-cg': [...AID, ...CG], 'aid-normal-cg': [...AID, ...CG], 'aid-neumann': [...AID, 'neumannSteps', 'neumannLr'], 'aid-fp': [...AID, 'fpSteps', 'fpLr', 'fpTol'],
  'aid-exact': [...AID], itd: ['innerSteps', 'unrollMemory'], 'itd-forward': ['innerSteps'],
  stocbio: ['innerSteps', 'neumannSteps', 'neumannLr', ...STOCH], soba: [...STOCH],
  penalty: ['innerSteps', 'innerTol', 'penalty'], f2sa: ['innerSteps', 'penalty', 'penaltyGrowth', 'penaltyMax'], bome: ['innerSteps', 'bomeEta'],
  vpbgd: ['innerSteps', 'innerTol', 'penalty', 'xMin', 'xMax'],
  lvhba: ['multiplierLr', 'proxY', 'proxMultiplier', 'penaltyStart', 'penaltyPower', 'multiplierCap', 'xMin', 'xMax'],
  scalebio: ['innerSteps', 'innerTol', 'penalty', 'penaltyFactor', 'penaltyMax'],
  borep: ['innerSteps', 'innerTol', 'warmSteps', 'lowerInterval', 'linearLr', 'linearRadius', ...STOCH],
};
const ALL = [...new Set([...COMMON, ...Object.values(PER_METHOD).flat()])].sort();

const int = (name: string, v: unknown, lo: number, hi: number): number => {
  checkRange(name, v, lo, hi);
  if (!Number.isInteger(v)) throw new HyperparameterError(`${name} must be an integer, got ${describe(v)}`);
  return v as number;
};
const pos = (name: string, v: unknown): number => checkRange(name, v, 0, Infinity, true);

/** A box bound: a number (not NaN) for every coordinate, or an array of them (its length is checked against dx by solve). */
function bound(name: string, v: unknown, dflt: number): number | number[] {
  if (v === undefined) return dflt;
  if (typeof v === 'number') { if (Number.isNaN(v)) throw new HyperparameterError(`${name} must be a number or an array of numbers, got NaN`); return v; }
  if (typeof v === 'object' && v !== null && (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) && typeof (v as ArrayLike<unknown>).length === 'number') {
    const a = Array.from(v as ArrayLike<unknown>);
    if (a.length < 1) throw new HyperparameterError(`${name} is an empty array`);
    a.forEach((t, i) => { if (typeof t !== 'number' || Number.isNaN(t)) throw new HyperparameterError(`${name}[${i}] must be a number, got ${describe(t)}`); });
    return a as number[];
  }
  throw new HyperparameterError(`${name} must be a number or an array of numbers, got ${describe(v)}`);
}

export function parseMethod(m: unknown): Method {
  if (m === undefined) return 'aid-cg';
  if (typeof m !== 'string' || !(METHODS as readonly string[]).includes(m)) {
    throw new HyperparameterError(`unknown bilevel method ${describe(m)}${typeof m === 'string' ? suggest(m, METHODS) : `. Accepted: ${METHODS.map((x) => JSON.stringify(x)).join(', ')}`}`);
  }
  return m as Method;
}

export function resolveOptions(method: Method, o: unknown): Resolved {
  if (o === undefined) o = {};
  requireObject('bilevel options', o);
  const opts = o as Record<string, unknown>;
  const solver = opts.innerSolver === undefined ? 'gd' : opts.innerSolver;
  const accepted = acceptedOptions(method, solver);
  for (const k of Object.keys(opts)) {
    if (!accepted.includes(k) && ALL.includes(k)) {
      throw new HyperparameterError(`bilevel option ${JSON.stringify(k)} does not apply to method ${JSON.stringify(method)}${suggest(k, [...accepted].sort())}`);
    }
  }
  checkKnownKeys('bilevel option', opts, accepted);
  if (solver !== 'gd' && solver !== 'newton') throw new HyperparameterError(`innerSolver must be 'gd' or 'newton', got ${describe(solver)}`);
  const opt = (k: string): unknown => opts[k];
  const or = <T>(k: string, d: T, f: (n: string, v: unknown) => T): T => (opt(k) === undefined ? d : f(k, opt(k)));
  const itd = method === 'itd' || method === 'itd-forward', sto = isStochastic(method);
  if (opts.stepDecay !== undefined && opts.stepDecay !== 'none' && opts.stepDecay !== 'sqrt') throw new HyperparameterError(`stepDecay must be 'none' or 'sqrt', got ${describe(opts.stepDecay)}`);
  const r: Resolved = {
    method,
    innerSteps: or('innerSteps', method === 'scalebio' ? 1 : method === 'stocbio' || method === 'f2sa' || method === 'bome' || method === 'vpbgd' || method === 'borep' ? 10 : method === 'soba' ? 1 : method === 'penalty' ? 1000 : 100,
      (n, v) => int(n, v, itd || sto || method === 'f2sa' || method === 'bome' || method === 'vpbgd' || method === 'scalebio' ? 1 : 0, 1e9)),
    innerLr: or<number | null>('innerLr', method === 'lvhba' ? 0.01 : null, pos),
    innerTol: or('innerTol', 1e-10, (n, v) => checkRange(n, v, 0, Infinity)),
    innerSolver: solver as 'gd' | 'newton',
    cgSteps: or('cgSteps', 100, (n, v) => int(n, v, 1, 1e9)),
    cgTol: or('cgTol', 1e-12, (n, v) => checkRange(n, v, 0, Infinity)),
    neumannSteps: or('neumannSteps', method === 'stocbio' ? 10 : 100, (n, v) => int(n, v, 0, 1e9)),
    neumannLr: or<number | null>('neumannLr', null, pos),
    fpSteps: or('fpSteps', 100, (n, v) => int(n, v, 1, 1e9)),
    fpLr: or<number | null>('fpLr', null, pos),
    fpTol: or('fpTol', 1e-12, (n, v) => checkRange(n, v, 0, Infinity)),
    unrollMemory: opt('unrollMemory') === undefined || opt('unrollMemory') === Infinity ? Infinity : int('unrollMemory', opt('unrollMemory'), 2, 1e9),
    powerSteps: or('powerSteps', 50, (n, v) => int(n, v, 1, 1e6)),
    batchSize: or('batchSize', 64, (n, v) => int(n, v, 1, 1e8)),
    upperBatchSize: or<number | null>('upperBatchSize', null, (n, v) => int(n, v, 1, 1e8)),
    seed: or('seed', 0, (n, v) => int(n, v, 0, 2 ** 32 - 1)),
    powerBatchSize: or<number | null>('powerBatchSize', null, (n, v) => int(n, v, 1, 1e8)),
    penalty: or('penalty', method === 'f2sa' ? 1 : method === 'vpbgd' ? 10 : 100, pos),
    penaltyGrowth: or('penaltyGrowth', 0.1, (n, v) => checkRange(n, v, 0, Infinity)),
    penaltyMax: or('penaltyMax', 1e4, pos),
    bomeEta: or('bomeEta', 0.5, pos),
    penaltyFactor: or('penaltyFactor', 1, (n, v) => checkRange(n, v, 1, Infinity)),
    stepDecay: (opts.stepDecay ?? (method === 'soba' ? 'sqrt' : 'none')) as 'none' | 'sqrt',
    fdStep: or('fdStep', FD_STEP, (n, v) => checkRange(n, v, 0, 0.1, true)),
    maxDense: or('maxDense', 2000, (n, v) => int(n, v, 1, 1e5)),
    xMin: bound('xMin', opt('xMin'), -Infinity), xMax: bound('xMax', opt('xMax'), Infinity),
    multiplierLr: or('multiplierLr', 0.02, pos), proxY: or('proxY', 10, pos), proxMultiplier: or('proxMultiplier', 10, pos),
    penaltyStart: or('penaltyStart', 1, pos), penaltyPower: or('penaltyPower', 0.45, (n, v) => checkRange(n, v, 0, 0.5, false, true)),
    multiplierCap: or('multiplierCap', 1000, pos),
    warmSteps: or('warmSteps', 100, (n, v) => int(n, v, 0, 1e9)),
    lowerInterval: or('lowerInterval', 2, (n, v) => int(n, v, 1, 1e9)),
    linearLr: or<number | null>('linearLr', null, pos),
    linearRadius: opt('linearRadius') === undefined || opt('linearRadius') === Infinity ? Infinity : checkRange('linearRadius', opt('linearRadius'), 0, Infinity, true),
    outer: resolveOuter(opts.outer, method),
  };
  if (typeof r.xMin === 'number' && typeof r.xMax === 'number' && r.xMin > r.xMax) throw new HyperparameterError(`xMin = ${r.xMin} is above xMax = ${r.xMax}: the box is empty`);
  if (r.xMin === Infinity || r.xMax === -Infinity) throw new HyperparameterError(`the box xMin = ${r.xMin}, xMax = ${r.xMax} is empty`);
  return r;
}

/** The option names `method` accepts (with innerSolver 'newton', aid-cg's CG options apply to every AID method). */
export function acceptedOptions(method: Method, innerSolver: unknown = 'gd'): string[] {
  return [...COMMON, ...PER_METHOD[method], ...(innerSolver === 'newton' && method !== 'aid-cg' && method !== 'aid-normal-cg' ? CG : [])];
}

/** What a run uses: the options `method` accepts, defaults filled in (null = the 1/L̂ step from the power iteration). */
export type ResolvedOptions = Record<string, number | string | null | number[] | Required<OuterOptions>> & { outer: Required<OuterOptions> };

/**
 * bilevel.resolveOptions(method, options): validate `options` for `method` exactly as bilevel.solve does
 * (a HyperparameterError for an unknown, inapplicable or out-of-range option) and return the values the
 * run would use, defaults filled in, only the options that apply to the method.
 */
export function publicOptions(method: unknown, options?: SolveOptions): ResolvedOptions {
  const m = parseMethod(method);
  return resolvedFor(resolveOptions(m, options));
}

/** The applicable subset of a resolved option set, as reported to users. */
export function resolvedFor(r: Resolved): ResolvedOptions {
  const src = r as unknown as Record<string, unknown>, out: Record<string, unknown> = {};
  for (const k of acceptedOptions(r.method, r.innerSolver).sort()) out[k] = k === 'outer' ? { ...r.outer } : Array.isArray(src[k]) ? [...(src[k] as number[])] : src[k];
  return out as ResolvedOptions;
}

function resolveOuter(o: unknown, method?: Method): Required<OuterOptions> {
  if (o === undefined) o = {};
  requireObject('options.outer', o);
  const opts = o as Record<string, unknown>;
  const borep = method === 'borep', lv = method === 'lvhba';
  if (lv && ((opts.optimizer !== undefined && opts.optimizer !== 'sgd') || (opts.momentum !== undefined && opts.momentum !== 0))) {
    throw new HyperparameterError(`lvhba makes plain projected gradient steps of (x, y) with step outer.lr (α): outer.optimizer ${describe(opts.optimizer)}${opts.momentum !== undefined ? ` / outer.momentum ${describe(opts.momentum)}` : ''} does not apply`);
  }
  if (borep && opts.optimizer !== undefined && opts.optimizer !== 'sgd') {
    throw new HyperparameterError(`borep steps x by normalised momentum (outer.optimizer 'sgd' with the step divided by ‖b‖; outer.momentum is the paper's β): outer.optimizer ${describe(opts.optimizer)} does not apply`);
  }
  const optimizer = opts.optimizer === undefined ? (borep || lv ? 'sgd' : 'adam') : opts.optimizer;
  if (optimizer !== 'adam' && optimizer !== 'sgd') {
    throw new HyperparameterError(`outer.optimizer must be 'adam' or 'sgd', got ${describe(optimizer)}${typeof optimizer === 'string' ? suggest(optimizer, ['adam', 'sgd']) : ''}`);
  }
  checkKnownKeys(`outer option (optimizer ${optimizer})`, opts, ['optimizer', 'lr', 'steps', 'tol', ...(optimizer === 'adam' ? ['beta1', 'beta2', 'eps'] : ['momentum'])]);
  const g = (k: string, d: number, f: (n: string, v: unknown) => number): number => (opts[k] === undefined ? d : f(`outer.${k}`, opts[k]));
  return {
    optimizer,
    lr: g('lr', optimizer === 'adam' ? 0.01 : borep ? 0.05 : lv ? 0.008 : 0.1, pos),
    steps: g('steps', 100, (n, v) => int(n, v, 0, 1e9)),
    tol: g('tol', 1e-8, (n, v) => checkRange(n, v, 0, Infinity)),
    momentum: g('momentum', borep ? 0.9 : 0, (n, v) => checkRange(n, v, 0, 1, false, true)),
    beta1: g('beta1', 0.9, (n, v) => checkRange(n, v, 0, 1, false, true)),
    beta2: g('beta2', 0.999, (n, v) => checkRange(n, v, 0, 1, false, true)),
    eps: g('eps', 1e-8, pos),
  };
}
