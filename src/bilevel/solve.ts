// bilevel.solve: minimise Φ(x) = f(x, y*(x)), y*(x) = argmin_y g(x, y). Each upper iteration solves (AID)
// or unrolls (ITD) the lower level from the previous y, forms the hypergradient with the chosen method
// and steps x with the f64 outer optimizer (assembly/bilevel/outer.ts). All vectors are f64 in engine
// memory; every loop over elements runs in wasm.
import { requireEngine, type Engine } from '../engine/engine.js';
import { describe, InvalidArgumentError, LengthMismatchError, NonFiniteError, requireArrayLike, requireFunction, requireObject } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { solveCg, solveExact, solveFixedPoint, solveNeumann, solveNormalCg, type LinearReport } from './aid.js';
import { itdForward, itdReverse, checkpointSpacing } from './itd.js';
import { cg, cgls, powerNorm, powerNormNormal } from './linear.js';
import { BuiltinModel } from './models/model.js';
import { GlmModel } from './models/glm.js';
import { CallbackOracles, type LowerLevel, type OracleCalls, type Oracles, type SecondOrderTier, type UpperLevel } from './oracles.js';
import { runStochastic, type Samples } from './stochastic.js';
import { runFirstOrder } from './firstorder.js';
import { runBorep } from './borep.js';
import { runScaleBio } from './scalebio.js';
import { parseConstraints, runLvhba, type LinearConstraints } from './lvhba.js';
import { isFirstOrder, isStochastic, STOCHASTIC, parseMethod, resolvedFor, resolveOptions, type Method, type ResolvedOptions, type SolveOptions } from './options.js';
import { Vecs, type Vec } from './vec.js';
import { HyperparameterError, UnsupportedError } from '../errors.js';
import { readRun, writeRun, resumeStart, type RunMemory } from './checkpoint.js';

/** One upper iteration, as passed to onIteration and kept in result.history. */
export interface IterationInfo {
  iteration: number;
  /** f(x, y) after the lower solve (NaN without an upper value oracle). */
  upperValue: number;
  hypergradientNorm: number;
  /** ‖∇ᵧg(x, y)‖ at the y the hypergradient used. */
  lowerGradNorm: number;
  /** Relative residual ‖∇²ᵧᵧg·v − ∇ᵧf‖/‖∇ᵧf‖ of the linear solve (AID; NaN for ITD). */
  residual: number;
  innerSteps: number;
  linearSteps: number;
  /** L̂, the power-iteration estimate of ‖∇²ᵧᵧg‖ (NaN when no default step needed it). */
  hessianNorm: number;
  oracleCalls: OracleCalls;
  elapsedMs: number;
}

/**
 * A bilevel problem for `bilevel.solve`: min_x f(x, y*(x)) with y*(x) = argmin_y g(x, y), given as
 * upper/lower oracles or a built-in model, with the method and its options.
 */
export interface SolveProblem {
  upper?: UpperLevel;
  lower?: LowerLevel;
  /** A built-in model (bilevel.models.*) instead of upper/lower. */
  model?: BuiltinModel;
  x0: ArrayLike<number>;
  /** Default: zeros (bilevel.models.mlp: its seeded Glorot-uniform weights, model.initialWeights()). */
  y0?: ArrayLike<number>;
  /** Default 'aid-cg'. */
  method?: Method;
  options?: SolveOptions;
  /** Called after each upper iteration; returning false stops the run. */
  onIteration?: (info: IterationInfo) => unknown;
  /** Stochastic methods (stocbio, soba): how many samples each level's objective averages over; batches index them. */
  samples?: { lower: number; upper: number };
  /** Method 'lvhba': linear lower-level constraints A·[x; y] ≤ b (rows of dx + dy coefficients; they may couple x and y). */
  constraints?: LinearConstraints;
  /**
   * A state from result.save(): continue that run (same problem, method and options; only outer.steps and
   * outer.tol may change). The saved x and y replace x0 and y0; the step of the saved last iteration is made
   * first, then iterations continue from the next one, so the end equals the never-stopped run bit for bit.
   */
  resume?: Uint8Array;
}

/**
 * What `bilevel.solve` returns: the final x and y, the hypergradient, the iterations run and whether the
 * stopping rule was met.
 */
export interface SolveResult {
  x: Float64Array;
  y: Float64Array;
  /** ∇Φ at the returned x (with the returned y). */
  hypergradient: Float64Array;
  history: IterationInfo[];
  oracleCalls: OracleCalls;
  /** Where the second-order products came from ('built-in' for models, 'user' when all were callbacks, else 'finite-difference'). */
  secondOrder: SecondOrderTier;
  /** Largest estimated relative error of a finite-difference product (0 unless secondOrder is 'finite-difference'). */
  fdError: number;
  method: Method;
  /** ‖∇Φ‖ ≤ outer.tol with the last lower solve and linear solve within their tolerances. */
  converged: boolean;
  warnings: string[];
  /** Method 'lvhba' with constraints: the multipliers λ ≥ 0 of the lower-level constraints at the end. */
  multipliers?: Float64Array;
  /** The options the run used, defaults filled in (bilevel.resolveOptions; null = the 1/L̂ step). */
  options: ResolvedOptions;
  /**
   * The run's state as bytes for `resume` (src/bilevel/checkpoint.ts: x, y, the linear-solve memory, the
   * optimizer moments, the iteration and counters; strict, versioned, checksummed). Not enumerable.
   */
  save(): Uint8Array;
}

/** What the loops return: the result less options/save, and the memory a resumed run restores. */
export type LoopResult = Omit<SolveResult, 'options' | 'save'> & { memory: RunMemory };

const TOP = ['upper', 'lower', 'model', 'x0', 'y0', 'method', 'options', 'onIteration', 'samples', 'resume', 'constraints'];

function vector(v: Vecs, name: string, src: unknown, n: number | null): Vec {
  requireArrayLike(name, src);
  if (src.length < 1 || (n !== null && src.length !== n)) throw new LengthMismatchError(`${name} has length ${src.length}, expected ${n ?? 'at least 1'}`);
  const b = v.from(src as ArrayLike<number>);
  const bad = v.firstNonFinite(b);
  if (bad >= 0) throw new NonFiniteError(`${name}[${bad}] is ${describe((src as ArrayLike<unknown>)[bad])}, not a finite number`, name, 1);
  return b;
}

function parseSamples(method: Method, s: unknown, model: unknown): Samples | null {
  // borep: minibatches when samples are given (or implied by a logistic/softmax model), else full oracles
  if (method === 'borep' && s === undefined && !(model instanceof GlmModel)) return null;
  if (!isStochastic(method) && method !== 'borep') {
    if (s !== undefined) throw new HyperparameterError(`samples applies to the stochastic methods (${STOCHASTIC.join(', ')}) and borep, not ${JSON.stringify(method)}`);
    return null;
  }
  if (model) {
    // built-in models with minibatch oracles (logistic, softmax) know their sample counts
    if (!(model instanceof GlmModel)) throw new InvalidArgumentError(`${method} needs minibatch oracles: callbacks taking a batch of sample indices, or the logistic/softmax models (this model has none)`);
    if (s !== undefined) throw new InvalidArgumentError('samples is implied by the model (its training and validation rows); leave it out');
    return { lower: model.samples, upper: model.validation };
  }
  if (s === undefined) throw new InvalidArgumentError(`${method} needs samples: { lower, upper } (how many samples each level averages over)`);
  requireObject('samples', s);
  checkKnownKeys('samples field', s as object, ['lower', 'upper']);
  const r = s as Record<string, unknown>;
  for (const k of ['lower', 'upper']) {
    const n = r[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) throw new InvalidArgumentError(`samples.${k} must be a positive integer, got ${describe(n)}`);
  }
  return { lower: r.lower as number, upper: r.upper as number };
}

export function solve(engine: Engine, problem: SolveProblem): SolveResult {
  requireEngine(engine);
  requireObject('bilevel problem', problem);
  checkKnownKeys('bilevel problem field', problem, TOP);
  const method = parseMethod(problem.method);
  const opt = resolveOptions(method, problem.options);
  if (problem.onIteration !== undefined) requireFunction('onIteration', problem.onIteration);
  const samples = parseSamples(method, problem.samples, problem.model);
  const v = new Vecs(engine);
  try {
    let o: Oracles;
    if (problem.model !== undefined) {
      if (!(problem.model instanceof BuiltinModel)) throw new InvalidArgumentError(`model must be a bilevel.models.* model, got ${describe(problem.model)}`);
      if (problem.upper !== undefined || problem.lower !== undefined) throw new InvalidArgumentError('give either model or upper/lower callbacks, not both');
      if (problem.model.engine !== engine) throw new InvalidArgumentError('model belongs to another engine');
      o = problem.model.oracles(v);
    } else {
      requireObject('upper', problem.upper); requireObject('lower', problem.lower);
      checkKnownKeys('upper-level callback', problem.upper!, ['grad', 'value']);
      checkKnownKeys('lower-level callback', problem.lower!, ['grad', 'gradX', 'hvp', 'crossJvp', 'crossJvpT', 'hvpT']);
      requireFunction('upper.grad', problem.upper!.grad); requireFunction('lower.grad', problem.lower!.grad);
      for (const k of ['value'] as const) if (problem.upper![k] !== undefined) requireFunction(`upper.${k}`, problem.upper![k]);
      if (problem.lower!.hvpT !== undefined && method !== 'aid-normal-cg') throw new InvalidArgumentError(`lower.hvpT (a non-symmetric Jacobian's transposed product) is used by method 'aid-normal-cg' only, not ${JSON.stringify(method)}: the other methods assume a symmetric ∇²ᵧᵧg`);
      for (const k of ['gradX', 'hvp', 'crossJvp', 'crossJvpT', 'hvpT'] as const) if (problem.lower![k] !== undefined) requireFunction(`lower.${k}`, problem.lower![k]);
      requireArrayLike('x0', problem.x0);
      const dyGuess = problem.y0 === undefined ? null : (requireArrayLike('y0', problem.y0), problem.y0.length);
      if (dyGuess === null) throw new InvalidArgumentError('y0 is required with callbacks (it sets the dimension of y)');
      o = new CallbackOracles(v, problem.x0.length, dyGuess, problem.upper!, problem.lower!, opt.fdStep, opt.maxDense);
    }
    const x = vector(v, 'x0', problem.x0, o.dx);
    const y = problem.y0 === undefined ? v.alloc(o.dy) : vector(v, 'y0', problem.y0, o.dy);
    if (problem.y0 === undefined && o.initialY) o.initialY(y);
    if ((method === 'itd' && checkpointSpacing(opt.innerSteps, opt.unrollMemory) === 0)) {
      throw new HyperparameterError(`unrollMemory = ${opt.unrollMemory} vectors cannot hold the checkpoints of ${opt.innerSteps} steps (needs ceil(T/c) + c ≤ M for some c, ≈ 2√T)`);
    }
    const model = problem.model;
    const identity = (): string => (model ? model.fingerprint() : `callbacks${samples ? ` samples ${samples.lower}/${samples.upper}` : ''}`);
    let mem: RunMemory | null = null;
    if (problem.resume !== undefined) {
      mem = readRun(engine, problem.resume, { method, dx: o.dx, dy: o.dy, problem: identity(), options: resolvedFor(opt) });
      x.array.set(mem.vectors.x!); y.array.set(mem.vectors.y!);
    }
    if ((method === 'f2sa' || method === 'scalebio') && opt.penaltyMax < opt.penalty) throw new HyperparameterError(`penaltyMax = ${opt.penaltyMax} is below the starting penalty ${opt.penalty}`);
    if (problem.constraints !== undefined && method !== 'lvhba') throw new InvalidArgumentError(`constraints (lower-level A·[x; y] ≤ b) are handled by method 'lvhba' only, not ${JSON.stringify(method)}`);
    const cons = method === 'lvhba' && problem.constraints !== undefined ? parseConstraints(v, problem.constraints, o.dx, o.dy) : null;
    const r = method === 'lvhba' ? runLvhba(v, o, x, y, opt, cons, problem.onIteration)
      : method === 'scalebio' ? runScaleBio(v, o, x, y, opt, problem.onIteration)
      : method === 'borep' ? runBorep(v, o, x, y, opt, samples, problem.onIteration, mem)
      : samples ? runStochastic(v, o, x, y, opt, samples, problem.onIteration, mem)
      : isFirstOrder(method) ? runFirstOrder(v, o, x, y, opt, problem.onIteration, mem)
        : run(v, o, x, y, method, opt, problem.onIteration, mem);
    const { memory, ...rest } = r as LoopResult & { memory?: RunMemory };
    // a method whose loop keeps no run memory can neither save nor resume (never a silent restart)
    if (mem && !memory) throw new UnsupportedError(`method ${JSON.stringify(method)} cannot resume a saved run`);
    const out = { ...rest, options: resolvedFor(opt) } as SolveResult;
    Object.defineProperty(out, 'save', {
      enumerable: false,
      value: (): Uint8Array => {
        requireEngine(engine);
        if (!memory) throw new UnsupportedError(`method ${JSON.stringify(method)} does not save its run state`);
        return writeRun(engine, memory, identity());
      },
    });
    return out;
  } finally { v.free(); }
}

function run(v: Vecs, o: Oracles, x: Vec, y: Vec, method: Method, opt: ReturnType<typeof resolveOptions>, onIteration: ((i: IterationInfo) => unknown) | undefined,
  resume: RunMemory | null): LoopResult {
  const e = v.engine, dx = o.dx, dy = o.dy;
  const gx = v.alloc(dx), gy = v.alloc(dy), hg = v.alloc(dx), g = v.alloc(dy), tx = v.alloc(dx);
  const sol = v.alloc(dy), t = { r: v.alloc(dy), p: v.alloc(dy), hp: v.alloc(dy), dense: method === 'aid-exact' ? v.alloc(dy * dy) : null };
  const ty = v.alloc(dy), ty2 = v.alloc(dy), ex = v.alloc(dx), d = v.alloc(dy), s = v.alloc(dy);
  const normal = method === 'aid-normal-cg';
  // aid-normal-cg: J = ∂ᵧF (o.hvp) and Jᵀ (o.hvpT; a built-in model's products are symmetric)
  const jMap = (a: Vec, out: Vec): void => o.hvp(x, y, a, out);
  const jtMap = o.hvpT ? (a: Vec, out: Vec): void => o.hvpT!(x, y, a, out) : jMap;
  const m1 = v.alloc(dx), m2 = v.alloc(dx);
  const warnings: string[] = [], history: IterationInfo[] = [];
  const sgd = e.kernel('bl_sgd'), adam = e.kernel('bl_adam');
  const t0 = typeof performance !== 'undefined' ? performance.now() : 0;
  let innerMiss = 0, linMiss = 0, singular = false, converged = false, lastInnerOk = true, lastLinOk = true;
  // L̂ only where a default step uses it (Newton inner solves take no step size)
  const itdMethod = method === 'itd' || method === 'itd-forward';
  const needL = (opt.innerLr === null && (itdMethod || opt.innerSolver === 'gd')) || (method === 'aid-neumann' && opt.neumannLr === null) || (method === 'aid-fp' && opt.fpLr === null);
  const step = (k: number): void => {
    if (opt.outer.optimizer === 'sgd') sgd(dx, x.ptr, hg.ptr, m1.ptr, opt.outer.lr, opt.outer.momentum);
    else adam(dx, x.ptr, hg.ptr, m1.ptr, m2.ptr, opt.outer.lr, opt.outer.beta1, opt.outer.beta2, opt.outer.eps,
      1 - e.pow(opt.outer.beta1, k + 1), 1 - e.pow(opt.outer.beta2, k + 1));
  };
  const start = resumeStart(resume, o, opt.outer.steps), before = resume ? resume.scalars.iterations : 0;
  if (resume) {
    for (const [b, k] of [[hg, 'hypergradient'], [sol, 'v'], [m1, 'm1'], [m2, 'm2']] as const) b.array.set(resume.vectors[k]!);
    innerMiss = resume.scalars.innerMiss; linMiss = resume.scalars.linMiss; singular = resume.scalars.singular === 1;
    step(start - 1);
  }
  let k = start;
  for (; ; k++) {
    o.estimateNext();
    let L = NaN;
    if (needL) {
      L = normal ? powerNormNormal(v, jMap, jtMap, opt.powerSteps, ty, ty2, s).norm : powerNorm(v, o, x, y, opt.powerSteps, ty, ty2).norm;
      if (!(L > 0)) throw new NonFiniteError(`the power iteration found ‖∇²ᵧᵧg‖ = ${L}: the lower level has no curvature, so no default step exists (set innerLr${method === 'aid-neumann' ? '/neumannLr' : method === 'aid-fp' ? '/fpLr' : ''})`, 'hvp', 1);
    }
    const alpha = opt.innerLr ?? 1 / L;
    let inner = 0, lin: LinearReport = { residual: NaN, steps: 0, singular: false }, gn: number;
    if (method === 'itd' || method === 'itd-forward') {
      if (method === 'itd') itdReverse(v, o, x, y, hg, gy, opt.innerSteps, alpha, opt.unrollMemory, { g, p: t.p, tx, ty });
      else itdForward(v, o, x, y, hg, gy, opt.innerSteps, alpha, { g, ty, ty2, ex, tx });
      inner = opt.innerSteps;
      o.lowerGrad(x, y, g); gn = v.norm(g);
      lastInnerOk = true; lastLinOk = true;
    } else {
      // lower solve, warm-started from y
      for (; ; inner++) {
        o.lowerGrad(x, y, g); gn = v.norm(g);
        if (gn <= opt.innerTol || inner >= opt.innerSteps) break;
        if (opt.innerSolver === 'gd') v.axpy(-alpha, g, y);
        else {
          // Newton: J·d = F (CG on ∇²ᵧᵧg; aid-normal-cg: CGLS, J non-symmetric)
          v.fill(0, d);
          const r = normal ? cgls(v, jMap, jtMap, g, d, opt.cgSteps, opt.cgTol, { r: t.r, p: t.p, hp: t.hp, s }) : cg(v, o, x, y, g, d, opt.cgSteps, opt.cgTol, t);
          if (r.singular) singular = true;
          v.axpy(-1, d, y);
        }
      }
      lastInnerOk = gn <= opt.innerTol;
      if (!lastInnerOk) innerMiss++;
      o.upperGrad(x, y, gx, gy);
      if (method === 'aid-cg') lin = solveCg(v, o, x, y, gy, sol, opt.cgSteps, opt.cgTol, t);
      else if (normal) lin = solveNormalCg(v, o, x, y, gy, sol, opt.cgSteps, opt.cgTol, { ...t, s });
      else if (method === 'aid-neumann') { v.fill(0, sol); lin = solveNeumann(v, o, x, y, gy, sol, opt.neumannSteps, opt.neumannLr ?? 1 / L, t); }
      else if (method === 'aid-fp') lin = solveFixedPoint(v, o, x, y, gy, sol, opt.fpSteps, opt.fpLr ?? 1 / L, opt.fpTol, t);
      else lin = solveExact(v, o, x, y, gy, sol, t);
      if (lin.singular) singular = true;
      const tolLin = method === 'aid-cg' || normal ? Math.max(opt.cgTol, 1e-9) : method === 'aid-fp' ? Math.max(opt.fpTol, 1e-9) : 1e-6;
      lastLinOk = lin.residual <= tolLin;
      if (!lastLinOk) linMiss++;
      o.cross(x, y, sol, tx);
      v.lincomb(1, gx, -1, tx, hg);
    }
    const bad = v.firstNonFinite(hg);
    if (bad >= 0) throw new NonFiniteError(`the hypergradient became ${describe(hg.array[bad])} at iteration ${k} (entry ${bad}): the lower or linear solve diverged (lower the step sizes)`, 'hypergradient', 1);
    const hn = v.norm(hg);
    const info: IterationInfo = {
      iteration: k, upperValue: o.upperValue(x, y), hypergradientNorm: hn, lowerGradNorm: gn!, residual: lin.residual,
      innerSteps: inner, linearSteps: lin.steps, hessianNorm: L, oracleCalls: { ...o.calls },
      elapsedMs: (typeof performance !== 'undefined' ? performance.now() : 0) - t0,
    };
    history.push(info);
    if (hn <= opt.outer.tol) { converged = lastInnerOk && lastLinOk; break; }
    if (onIteration && onIteration(info) === false) { warnings.push(`stopped by onIteration at iteration ${k}`); break; }
    if (k >= opt.outer.steps) break;
    step(k);
  }
  const total = before + history.length;
  if (innerMiss) warnings.push(`the lower level did not reach innerTol = ${opt.innerTol} within innerSteps = ${opt.innerSteps} in ${innerMiss} of ${total} iterations`);
  if (linMiss) warnings.push(`the linear solve did not reach its tolerance in ${linMiss} of ${total} iterations (last residual ${history[history.length - 1]!.residual})`);
  if (singular && normal) warnings.push('the lower-level Jacobian ∂ᵧF looks singular (CGLS met ‖Jp‖ ≈ 0, or Jᵀr = 0 with r ≠ 0): y*(x) is not locally unique, so the implicit hypergradient is ill-posed here');
  else if (singular) warnings.push("∇²ᵧᵧg looks singular or indefinite (CG met curvature pᵀHp ≤ 0 or ≈ 0): the implicit hypergradient is ill-posed here (a non-singleton or non-convex lower level); regularise the lower level or use a first-order method, which needs no inverse Hessian: method 'bome', 'penalty' or 'f2sa'");
  if (singular) converged = false;
  const tiers = o.tiers;
  const secondOrder: SecondOrderTier = tiers.has('built-in') ? 'built-in' : tiers.has('finite-difference') ? 'finite-difference' : 'user';
  const memory: RunMemory = {
    method, dx, dy, calls: { ...o.calls }, tiers: [...o.tiers], options: resolvedFor(opt),
    vectors: { x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), v: sol.array.slice(), m1: m1.array.slice(), m2: m2.array.slice() },
    scalars: { iteration: k, innerMiss, linMiss, singular: singular ? 1 : 0, hessianNorm: NaN, lambda: 0, fdError: o.fdError, iterations: total },
  };
  return {
    x: x.array.slice(), y: y.array.slice(), hypergradient: hg.array.slice(), history, oracleCalls: { ...o.calls },
    secondOrder, fdError: o.fdError, method, converged, warnings, memory,
  };
}

/** ∇Φ at x (outer.steps = 0): the lower solve from y0 and one hypergradient; same result fields as solve. */
export function hypergradient(engine: Engine, problem: Omit<SolveProblem, 'onIteration'>): SolveResult {
  requireObject('bilevel problem', problem);
  const options = problem.options === undefined ? {} : problem.options;
  requireObject('bilevel options', options);
  if ((options as SolveOptions).outer !== undefined) throw new HyperparameterError('bilevel.hypergradient takes no outer options (it makes no upper step)');
  return solve(engine, { ...problem, options: { ...options, outer: { steps: 0, tol: 0 } } });
}
