// Import a PyTorch `optimizer.state_dict()` (as JSON: tensors as flat or nested lists of numbers, 0-d
// tensors as numbers, None as null) into a simdopt optimizer. torch numbers parameters by position
// (ids over param_groups in order, "matched by order without verification"); `names[i]` turns id i
// into a simdopt tensor name, after which everything is matched by name and checked:
//   state[id].step              -> the optimizer's step count (must be equal for every parameter)
//   state[id].<buffer>          -> state slot of the same name (exp_avg, exp_avg_sq, max_exp_avg_sq,
//                                  momentum_buffer, sum, square_avg, ...; null -> zeros)
//   state[id].<other 0-d>       -> stateDict().scalars.<same name> (NAdam's mu_product; equal for all)
//   param_groups[g].<hyper>     -> hyperparameters of the simdopt group holding those parameters
//                                  (snake_case -> camelCase; betas -> beta1/beta2, etas -> etaMinus/
//                                  etaPlus, step_sizes -> stepSizeMin/stepSizeMax)
// Nothing is written unless every check passes (the final write is Optimizer.loadStateDict).
import { describe, InvalidArgumentError, StateError, suggest } from '../errors.js';
import { Optimizer, type StateDict } from './base.js';

/** torch's state_dict layout, as JSON. */
export interface TorchStateDict {
  state: Record<string, Record<string, unknown>>;
  param_groups: (Record<string, unknown> & { params: number[]; param_names?: string[] })[];
}
/**
 * Options of `importTorchState`: how torch's parameter indices map to tensor names, and the step count to
 * take.
 */
export interface ImportTorchOptions {
  /**
   * `names[i]` is the simdopt tensor name of torch param id i. For one group built from
   * `model.parameters()` that is the `named_parameters()` order; with several groups, the order the
   * groups list them. Default: the groups' `param_names` (torch >= 2.6 with named parameters).
   */
  names?: readonly string[];
  /** Step count when torch's state has none (SGD); default 1 when a momentum buffer is present, else 0. */
  step?: number;
}

/** torch-only group keys with no effect on the math here. */
const IGNORED = new Set(['params', 'param_names', 'foreach', 'capturable', 'differentiable', 'fused', 'initial_lr']);
const PAIRS: Record<string, [string, string]> = {
  betas: ['beta1', 'beta2'], etas: ['etaMinus', 'etaPlus'], step_sizes: ['stepSizeMin', 'stepSizeMax'],
};
const camel = (k: string): string => k.replace(/_(.)/g, (_, c: string) => c.toUpperCase());

function shapeOf(v: unknown): number[] {
  const dims: number[] = [];
  let x = v;
  while (Array.isArray(x)) { dims.push(x.length); x = x[0]; }
  return dims;
}

/** torch group hyperparameters mapped onto `known` (the optimizer's hyperparameter names). */
function mapHyper(g: Record<string, unknown>, gi: number, kind: string, known: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g)) {
    if (IGNORED.has(k)) continue;
    if (k === 'decoupled_weight_decay') {
      if (v !== (kind === 'adamw') && kind.startsWith('adam')) throw new StateError(`torch group ${gi} has decoupled_weight_decay=${describe(v)}, this optimizer is ${kind}`);
      if (v === true && !kind.startsWith('adam')) throw new StateError(`torch group ${gi} has decoupled_weight_decay=true, which ${kind} does not support`);
      continue;
    }
    const pair = PAIRS[k];
    if (pair && Array.isArray(v) && v.length === 2 && known.has(pair[0]) && known.has(pair[1])) { out[pair[0]] = v[0]; out[pair[1]] = v[1]; continue; }
    const c = camel(k);
    if (!known.has(c)) throw new StateError(`torch hyperparameter ${k} (group ${gi}) has no equivalent in simdopt's ${kind}: is this state from another optimizer?`);
    out[c] = v;
  }
  return out;
}

/** Load torch's optimizer state (see the file comment); StateError with nothing changed on any mismatch. */
export function importTorchState(opt: Optimizer<any, any>, json: string | TorchStateDict, options: ImportTorchOptions = {}): void {
  if (!(opt instanceof Optimizer)) throw new InvalidArgumentError(`importTorchState needs a simdopt optimizer, got ${describe(opt)}`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidArgumentError(`importTorchState options must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) if (k !== 'names' && k !== 'step') throw new InvalidArgumentError(`unknown importTorchState option ${JSON.stringify(k)}${suggest(k, ['names', 'step'])}`);
  if (options.step !== undefined && (typeof options.step !== 'number' || !Number.isInteger(options.step) || options.step < 0)) {
    throw new StateError(`options.step must be a non-negative integer, got ${describe(options.step)}`);
  }
  void opt.stepCount; // DisposedError for a freed optimizer before anything is read
  let sd: TorchStateDict;
  try { sd = typeof json === 'string' ? JSON.parse(json) as TorchStateDict : json; } catch (e) { throw new StateError(`torch state is not valid JSON: ${(e as Error).message}`); }
  if (!sd || typeof sd !== 'object' || !sd.state || typeof sd.state !== 'object' || !Array.isArray(sd.param_groups)) {
    throw new StateError('not a torch optimizer state_dict (needs state and param_groups)');
  }
  const ps = opt.params, kind = opt.kind;
  // id -> name
  const ids: number[] = [];
  const groupOfId = new Map<number, number>();
  sd.param_groups.forEach((g, gi) => {
    if (!g || !Array.isArray(g.params)) throw new StateError(`torch param group ${gi} has no params list`);
    for (const id of g.params) {
      if (!Number.isInteger(id) || groupOfId.has(id)) throw new StateError(`torch param group ${gi} has an invalid or repeated param id ${describe(id)}`);
      ids.push(id); groupOfId.set(id, gi);
    }
  });
  let names = options.names;
  if (names === undefined) {
    if (!sd.param_groups.every((g) => Array.isArray(g.param_names) && g.param_names.length === g.params.length)) {
      throw new StateError('torch state has no param_names: pass options.names (simdopt tensor name per torch param id)');
    }
    const byId: string[] = [];
    sd.param_groups.forEach((g) => g.params.forEach((id, j) => { byId[id] = g.param_names![j]!; }));
    names = byId;
  }
  if (!Array.isArray(names)) throw new StateError('options.names must be an array of tensor names');
  const nameOf = new Map<number, string>();
  for (const id of ids) {
    const n = names[id];
    if (typeof n !== 'string') throw new StateError(`no name for torch param id ${id} (names has ${names.length} entries)`);
    if (!ps.has(n)) throw new StateError(`torch param id ${id} maps to ${n}, which this optimizer's ParamSet does not have`);
    nameOf.set(id, n);
  }
  const mapped = [...nameOf.values()];
  if (new Set(mapped).size !== mapped.length) throw new StateError('names maps two torch param ids to the same tensor');
  const template: StateDict & { scalars?: Record<string, unknown> } = opt.stateDict();
  const frozen = new Set((template.groups ?? []).filter((g) => g.frozen).flatMap((g) => g.params));
  const absent = ps.tensors.map((t) => t.name).filter((n) => !mapped.includes(n) && !frozen.has(n));
  if (absent.length) throw new StateError(`torch state has no parameter for ${absent.join(', ')}`);

  // Hyperparameters first: another optimizer's state shows there most clearly.
  const known = new Set(Object.keys(opt.hyperparameters));
  const hypers = sd.param_groups.map((g, gi) => mapHyper(g, gi, kind, known));

  // Per-parameter state.
  let step: number | undefined;
  const scalars: Record<string, number> = {};
  const state = template.state;
  let anyBuffer = false;
  for (const id of ids) {
    const name = nameOf.get(id)!, t = ps.info(name), entry = sd.state[String(id)];
    if (entry === undefined) {
      if (ids.some((j) => sd.state[String(j)] !== undefined)) {
        throw new StateError(`torch has no state for param id ${id} (${name}) but has some for others: simdopt keeps one step count for all`);
      }
      continue;
    }
    if (!entry || typeof entry !== 'object') throw new StateError(`torch state of param id ${id} is not an object`);
    for (const [k, v] of Object.entries(entry)) {
      const where = `torch state[${id}].${k} (${name})`;
      if (k === 'step') {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new StateError(`${where} must be a non-negative integer, got ${describe(v)}`);
        if (step !== undefined && step !== v) throw new StateError(`torch params have different steps (${step} and ${v}): simdopt keeps one step count for all`);
        step = v;
      } else if (typeof v === 'number') {
        if (typeof template.scalars?.[k] !== 'number') throw new StateError(`${where} is a scalar simdopt's ${kind} does not keep`);
        if (k in scalars && scalars[k] !== v) throw new StateError(`torch params have different ${k} (${scalars[k]} and ${v}): simdopt keeps one`);
        scalars[k] = v;
      } else {
        const slot = state[name]![k];
        if (!slot) throw new StateError(`${where} has no state slot in simdopt's ${kind} (slots: ${Object.keys(state[name]!).join(', ') || 'none'})`);
        if (v === null) { slot.fill(0); continue; }
        if (!Array.isArray(v)) throw new StateError(`${where} must be a list of numbers or null`);
        const dims = shapeOf(v);
        const flat = (dims.length > 1 ? v.flat(Infinity) : v) as unknown[];
        if (dims.length > 1 && dims.join(',') !== t.shape.join(',')) throw new StateError(`${where} has shape [${dims.join(', ')}], the tensor has [${t.shape.join(', ')}]`);
        if (flat.length !== slot.length) throw new StateError(`${where} has ${flat.length} values, simdopt expects ${slot.length}`);
        if (!flat.every((x) => typeof x === 'number')) throw new StateError(`${where} holds non-numbers`);
        slot.set(flat as number[]);
        anyBuffer = true;
      }
    }
  }
  if (Object.keys(sd.state).length === 0 && opt.stepCount > 0) {
    throw new StateError(`torch state is empty (that optimizer never stepped) but this ${kind} has taken ${opt.stepCount} steps: import into a fresh optimizer`);
  }
  if (step === undefined) step = options.step ?? (anyBuffer ? 1 : 0);
  else if (options.step !== undefined && options.step !== step) throw new StateError(`options.step ${options.step} differs from torch's step ${step}`);
  for (const k of Object.keys(template.scalars ?? {})) {
    if (typeof template.scalars![k] === 'number' && !(k in scalars) && step > 0) throw new StateError(`torch state has no ${k}, which simdopt's ${kind} needs after step 0`);
  }

  // Hyperparameters: every simdopt group takes those of the torch group its parameters belong to.
  const groups = template.groups ?? [{ params: ps.tensors.map((t) => t.name), frozen: false, hyper: template.hyper }];
  const nameToTorchGroup = new Map(ids.map((id) => [nameOf.get(id)!, groupOfId.get(id)!]));
  const newGroups = groups.map((g, gi) => {
    const tg = [...new Set(g.params.map((n) => nameToTorchGroup.get(n)).filter((x): x is number => x !== undefined))];
    if (tg.length === 0) return g;
    const h = hypers[tg[0]!]!;
    for (const o of tg.slice(1)) {
      const k = Object.keys({ ...h, ...hypers[o] }).find((key) => hypers[o]![key] !== h[key]);
      if (k) throw new StateError(`simdopt group ${gi} holds parameters of torch groups ${tg[0]} and ${o}, which differ in ${k}`);
    }
    return { ...g, hyper: { ...g.hyper, ...h } as Record<string, number | boolean> };
  });
  const next: StateDict & { scalars?: Record<string, unknown> } = { ...template, step, state, hyper: newGroups[0]!.hyper };
  if (template.groups) next.groups = newGroups;
  if (template.scalars) next.scalars = { ...template.scalars, ...scalars };
  opt.loadStateDict(next);
}
