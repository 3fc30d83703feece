// Supervised-to-bandit evaluation, as Vowpal Wabbit's --cbify (issue 10 item 5; Bietti, Agarwal &
// Langford, "A Contextual Bandit Bake-off", JMLR 2021): a multiclass data set becomes a contextual
// bandit stream. For each example in order, every policy sees its features, picks a label (an arm) and
// sees only that label's cost (0 if it is the true label, 1 otherwise); it learns that one event. The
// progressive-validation (PV) loss is the mean cost of the labels chosen before learning each example
// (every example is a test example first, then a training one), the metric of --cbify and the bake-off.
// A full-information learner (the same per-class ridge model, trained on every class's 0/1 target of
// every example, greedy prediction) is the supervised reference. Pairwise significance: the bake-off's
// approximate Z-test, Z = (l_a − l_b) / √(l_a(1 − l_a)/n + l_b(1 − l_b)/n), significant at |Z| > 1.96
// (p < 0.05, two-sided).
//
// The work is the policies' own: per batch one decideBatch call (scores, choice, propensity in wasm)
// and one learn call; this file only cuts the batches and counts costs.
import type { Engine } from '../engine/engine.js';
import { describe, HyperparameterError, InvalidArgumentError, requireObject, suggest } from '../errors.js';
import { checkFeatures, LinearPolicy } from './contextual.js';
import { LinEpsilonGreedy } from './regression.js';

/** Options of `bandits.cbify` (Vowpal Wabbit's --cbify): the multiclass data, the policies to run over it as a contextual bandit stream; unset fields take the defaults stated on each. */
export interface CbifyOptions {
  /** n × dim feature values, example-major (finite, within ±1e12). */
  features: ArrayLike<number>;
  /** n labels: integers in [0, classes). */
  labels: ArrayLike<number>;
  /** Feature dimension (the policies' dim). */
  dim: number;
  /** Contextual policies to evaluate, by name: fresh LinUCB / LinTS / LinEpsilonGreedy / SquareCB with arms = classes and this dim. They are trained in place. */
  policies: Record<string, LinearPolicy>;
  /** Examples per decideBatch / learn call (default 1: VW's per-example protocol; larger batches delay feedback by up to batch − 1 examples). */
  batch?: number;
  /** Add the full-information supervised learner under this name (default 'supervised'; null: none). */
  supervised?: string | null;
  /** Ridge λ of the supervised learner (default 1). */
  supervisedLambda?: number;
  /** PV loss after every `every` examples in `curve` (default 100). */
  every?: number;
}
/** One policy's result on the cbify stream: its progressive-validation loss (mean 0/1 cost of the labels it chose before learning each example). */
export interface CbifyPolicyResult {
  /** Progressive-validation loss: mean 0/1 cost of the labels chosen before learning each example. */
  loss: number;
  /** 1 − loss. */
  accuracy: number;
  /** Mistakes (cost-1 choices). */
  mistakes: number;
  /** PV loss after every `every` examples (and at the end). */
  curve: number[];
}
/** What `bandits.cbify` returns: each policy's progressive-validation loss (with `supervised`, also the full-information learner's) and the pairwise Z-tests (significant at |Z| > 1.96). */
export interface CbifyResult {
  /** Examples in the stream. */
  n: number;
  classes: number;
  results: Record<string, CbifyPolicyResult>;
  /** z[a][b] = the bake-off's approximate Z of loss(a) − loss(b) (negative: a better). */
  z: Record<string, Record<string, number>>;
  /** better[a] = the names a beats significantly (Z < −1.96). */
  better: Record<string, string[]>;
}

const KEYS = ['features', 'labels', 'dim', 'policies', 'batch', 'supervised', 'supervisedLambda', 'every'];

/** Run the --cbify protocol on a labelled data set (see the top of this file). */
export function cbify(engine: Engine, options: CbifyOptions): CbifyResult {
  engine.checkLive();
  requireObject('cbify options', options);
  for (const k of Object.keys(options)) if (!KEYS.includes(k)) throw new HyperparameterError(`unknown cbify option ${JSON.stringify(k)}${suggest(k, KEYS)}`);
  const { features, labels, dim } = options;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > 512) throw new HyperparameterError(`cbify dim must be an integer in [1, 512], got ${describe(dim)}`);
  const isArr = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!isArr(labels) || labels.length < 1) throw new InvalidArgumentError(`cbify labels must be a non-empty array of class indices, got ${describe(labels)}`);
  const n = labels.length;
  if (!isArr(features) || features.length !== n * dim) throw new InvalidArgumentError(`cbify features must hold ${n} × ${dim} numbers, got ${describe(features)}`);
  // every value checked before any policy learns (a refused run changes nothing)
  checkFeatures('cbify', 'features', features, n * dim, `${n} × ${dim} numbers`);
  requireObject('cbify policies', options.policies);
  const entries = Object.entries(options.policies);
  if (entries.length === 0 && options.supervised === null) throw new HyperparameterError('cbify needs at least one policy');
  let K = 0;
  for (const [name, p] of entries) {
    if (!(p instanceof LinearPolicy)) throw new HyperparameterError(`cbify policies.${name} must be a contextual policy with decideBatch (LinUCB, LinTS, LinEpsilonGreedy, SquareCB), got ${describe(p)}`);
    p.checkLive();
    if (p.engine !== engine) throw new HyperparameterError(`cbify policies.${name} lives on another engine`);
    if (p.dim !== dim) throw new HyperparameterError(`cbify policies.${name} has dim ${p.dim}, the data ${dim}`);
    if (K === 0) K = p.arms; else if (p.arms !== K) throw new HyperparameterError(`cbify policies.${name} has ${p.arms} arms, another policy ${K}`);
  }
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (typeof y !== 'number' || !Number.isInteger(y) || y < 0 || (K > 0 && y >= K)) throw new InvalidArgumentError(`cbify labels[${i}] is ${describe(y)}, not a class in [0, ${K > 0 ? K - 1 : '…'}]`);
  }
  if (K === 0) { K = 0; for (let i = 0; i < n; i++) K = Math.max(K, (labels[i] as number) + 1); }
  const int = (v: unknown, name: string, lo: number, hi: number, d: number): number => {
    if (v === undefined) return d;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new HyperparameterError(`cbify ${name} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
    return v;
  };
  const batch = int(options.batch, 'batch', 1, 1 << 16, 1), every = int(options.every, 'every', 1, Number.MAX_SAFE_INTEGER, 100);
  const supName = options.supervised === undefined ? 'supervised' : options.supervised;
  if (supName !== null && (typeof supName !== 'string' || supName.length === 0 || Object.prototype.hasOwnProperty.call(options.policies, supName))) {
    throw new HyperparameterError(`cbify supervised must be a new name (or null), got ${describe(supName)}`);
  }
  const lam = options.supervisedLambda === undefined ? 1 : options.supervisedLambda;
  if (typeof lam !== 'number' || !(lam >= 1e-6 && lam <= 1e12)) throw new HyperparameterError(`cbify supervisedLambda must be in [1e-6, 1e12], got ${describe(lam)}`);
  const x = features instanceof Float64Array ? features : Float64Array.from(features);
  const all: [string, LinearPolicy, boolean][] = entries.map(([k, p]) => [k, p, false]);
  const sup = supName !== null ? new LinEpsilonGreedy(engine, { arms: K, dim, epsilon: 0, lambda: lam, seed: 1, dedupWindow: 0 }) : null;
  if (sup) all.push([supName!, sup, true]);
  try {
    const results: Record<string, CbifyPolicyResult> = {};
    for (const [name, p, full] of all) {
      let mistakes = 0;
      const curve: number[] = [];
      for (let s = 0; s < n; s += batch) {
        const B = Math.min(batch, n - s);
        const ctx = x.subarray(s * dim, (s + B) * dim);
        const ids = Array.from({ length: B }, (_, j) => `cbify:${s + j}`);
        const d = p.decideBatch(ctx, ids);
        const events = [];
        for (let j = 0; j < B; j++) {
          const y = labels[s + j] as number, a = d.arms[j]!;
          if (a !== y) mistakes++;
          const c = ctx.subarray(j * dim, (j + 1) * dim);
          if (full) for (let k = 0; k < K; k++) events.push({ eventId: `${ids[j]}:${k}`, arm: k, reward: k === y ? 1 : 0, context: c });
          else events.push({ eventId: ids[j]!, arm: a, reward: a === y ? 1 : 0, context: c });
          const t = s + j + 1;
          if (t % every === 0 || t === n) curve.push(mistakes / t);
        }
        p.learn(events);
      }
      results[name] = { loss: mistakes / n, accuracy: 1 - mistakes / n, mistakes, curve };
    }
    const names = Object.keys(results), z: Record<string, Record<string, number>> = {}, better: Record<string, string[]> = {};
    for (const a of names) {
      z[a] = {}; better[a] = [];
      for (const b of names) {
        if (a === b) continue;
        const la = results[a]!.loss, lb = results[b]!.loss, v = (la * (1 - la) + lb * (1 - lb)) / n;
        const q = la === lb ? 0 : v > 0 ? (la - lb) / Math.sqrt(v) : (la < lb ? -Infinity : Infinity);
        z[a]![b] = q;
        if (q < -1.96) better[a]!.push(b);
      }
    }
    return { n, classes: K, results, z, better };
  } finally { sup?.free(); }
}
