// bitsandbytes' 8-bit optimizers (Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization";
// bitsandbytes/optim/{adam,adamw,lion,sgd}.py over Optimizer2State / Optimizer1State): Adam8bit,
// AdamW8bit, Lion8bit and SGD8bit. Per tensor, the state is either
//   8-bit: state1 (and state2) one uint8 code per element, absmax1 (absmax2) one f32 per block of 256,
//          decoded as qmap[code] * absmax (qmap1 = dynamicMap(true), qmap2 = dynamicMap(false)), updated
//          by the fused dequantize → update → requantize kernels of assembly/optim/quant8.ts; or
//   32-bit: state1 (state2) f32, as bitsandbytes keeps tensors with fewer than min_8bit_size = 4096
//          elements and those overridden to optim_bits = 32 (its GlobalOptimManager / StableEmbedding),
//          updated by the same formulas without quantization (kOptimizer32bit{1,2}State).
// State layout: the tensors are cut into segments (consecutive tensors of one group and one state
// width); each width has a compact buffer where a segment keeps its arena layout, so one kernel call
// covers a segment and a 32-bit tensor costs no 8-bit bytes (nor the reverse).
import type { EngineBuffer } from '../engine/memory.js';
import { checkRange, describe, HyperparameterError, requireObject, StateError, valueText } from '../errors.js';
import type { ParamSet } from '../params.js';
import { checkKnownKeys } from '../options.js';
import { Optimizer, STATE_FORMAT, STATE_VERSION, checkAdamLike, checkSlotValues, optionsOf, type Span, type StateDict, type WithGroups } from './base.js';
import { dynamicMap, QUANT_BLOCK } from './quant8.js';

/** bitsandbytes' default `min_8bit_size`: tensors with fewer elements keep 32-bit state. */
export const MIN_8BIT_SIZE = 4096;

/** Which tensors get 32-bit state whatever their size (names, a RegExp tested on each name, or a predicate). */
export type TensorSelector = readonly string[] | RegExp | ((name: string) => boolean);

/** The options every 8-bit optimizer shares (bitsandbytes' `optim_bits`, `min_8bit_size`, StableEmbedding's override). */
export interface Optim8bitOptions {
  /**
   * State width: 8 (default) or 32 (bitsandbytes' `optim_bits`). Also a param-group option, which is how a
   * tensor or a group is moved to 32-bit state (bitsandbytes' `GlobalOptimManager.override_config(p,
   * 'optim_bits', 32)`). Fixed at construction.
   */
  optimBits?: 8 | 32;
  /** Tensors with fewer elements keep 32-bit state (bitsandbytes' `min_8bit_size`). Default 4096. Fixed at construction. */
  min8bitSize?: number;
  /**
   * Tensors to keep in 32-bit state, for embedding tables (what `bitsandbytes.nn.StableEmbedding`
   * registers for its weight: optim_bits = 32; its layer norm and Xavier init belong to the model, not
   * the optimizer). Default none. Fixed at construction.
   */
  stableEmbedding?: TensorSelector;
}

/** Options of `Adam8bit` and `AdamW8bit` (bitsandbytes' 8-bit Adam; see Adam8bit for the update). */
export interface Adam8bitOptions extends Optim8bitOptions {
  /** Learning rate. Default 1e-3. */
  lr?: number;
  /** (β1, β2), each in [0, 1). Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** ε, added to √v scaled as bitsandbytes does (ε·√(1 − β2ᵗ)); > 0. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay λ: p ← p·(1 − lr·λ) after the update. Default 0 (Adam8bit), 1e-2 (AdamW8bit). */
  weightDecay?: number;
}

/** Options of `Lion8bit` (bitsandbytes' 8-bit Lion; see Lion8bit for the update). */
export interface Lion8bitOptions extends Optim8bitOptions {
  /** Learning rate. Default 1e-4. */
  lr?: number;
  /** (β1, β2), each in [0, 1). Default [0.9, 0.99]. */
  betas?: readonly [number, number];
  /** Decoupled weight decay λ: p ← p·(1 − lr·λ) before the sign update. Default 0. */
  weightDecay?: number;
}

/** Options of `SGD8bit` (bitsandbytes' 8-bit SGD with momentum; see SGD8bit for the update). */
export interface SGD8bitOptions extends Optim8bitOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum μ in (0, 1) (required: bitsandbytes has no 8-bit SGD without momentum). */
  momentum: number;
  /** L2 weight decay λ added to the gradient: d = g + λ·p. Default 0. */
  weightDecay?: number;
}

type AdamHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
type LionHyper = { lr: number; beta1: number; beta2: number; weightDecay: number };
type SGDHyper = { lr: number; momentum: number; weightDecay: number };

/** One per-tensor entry of an 8-bit optimizer's state (bitsandbytes' key names). */
export interface State8bitEntry {
  /** Codes (8-bit state) or values (32-bit state) of the first moment / momentum. */
  state1: Uint8Array | Float32Array;
  /** Adam's second moment, as state1. */
  state2?: Uint8Array | Float32Array;
  /** 8-bit state only: max |state| per block of 256 elements. */
  absmax1?: Float32Array;
  absmax2?: Float32Array;
  /** 8-bit state only: the code maps (bitsandbytes' dynamic maps: signed for state1, unsigned for state2). */
  qmap1?: Float32Array;
  qmap2?: Float32Array;
}

/**
 * An optimizer state in the layout `torch.optim.Optimizer.state_dict()` gives for a bitsandbytes 8-bit
 * optimizer: `state[i]` per parameter index (step, state1, state2, absmax1, absmax2, qmap1, qmap2, as
 * typed arrays; 32-bit-state tensors have state1/state2 only) and `param_groups` with bitsandbytes'
 * hyperparameter names (lr, betas, eps, weight_decay) and `params` (indices; `param_names`, as torch ≥ 2.6
 * writes, gives the simdopt tensor names).
 */
export interface BnbStateDict {
  state: Record<string, Record<string, unknown>>;
  param_groups: (Record<string, unknown> & { params: number[]; param_names?: string[] })[];
}

interface Segment {
  group: number;
  bits: 8 | 32;
  /** Tensor indices (consecutive in the ParamSet). */
  tensors: number[];
  /** Arena element where the segment starts, its length (through its last tensor), and its offset in the compact buffer. */
  start: number;
  len: number;
  compact: number;
  /** 8-bit: its blocks [b0, b1) in the block table. */
  b0: number;
  b1: number;
}

const round4 = (n: number): number => Math.ceil(n / 4) * 4;
const f = Math.fround;
/** β^t by exponentiation by squaring in f64 (bitsandbytes' __powf / powf, reproducibly). */
function powi(b: number, t: number): number { let r = 1, x = b; while (t) { if (t & 1) r *= x; x *= x; t = Math.floor(t / 2); } return r; }

const Q8_WD = 1, Q8_FIRST = 2;
const SGD_MOMENTUM = 1, SGD_FIRST = 8, SGD_DECAY = 16;

function selector(name: string, sel: unknown): (n: string) => boolean {
  if (sel instanceof RegExp) return (n) => { sel.lastIndex = 0; return sel.test(n); };
  if (typeof sel === 'function') return sel as (n: string) => boolean;
  if (Array.isArray(sel) && sel.every((x) => typeof x === 'string')) { const s = new Set(sel as string[]); return (n) => s.has(n); }
  throw new HyperparameterError(`${name} must be a list of tensor names, a RegExp or a function, got ${describe(sel)}`);
}
function checkBits(name: string, v: unknown): 8 | 32 {
  if (v !== 8 && v !== 32) throw new HyperparameterError(`${name} must be 8 or 32, got ${valueText(v)}`);
  return v;
}

/** The shared machinery: per-tensor state width, segments, compact buffers, state dicts in bitsandbytes' names. */
abstract class Optimizer8bit<H extends Record<string, number | boolean>, O extends object> extends Optimizer<H, O> {
  /** True for Adam (state1 and state2), false for Lion and SGD (state1). */
  protected readonly twoState: boolean;
  /** See Optim8bitOptions.min8bitSize. */
  readonly min8bitSize: number;
  /** The top-level state width (Optim8bitOptions.optimBits); stateBits(name) gives each tensor's. */
  readonly optimBits: 8 | 32;
  private readonly bitsOf: (8 | 32)[];
  private readonly segs: Segment[];
  private readonly spanSegs = new Map<string, Segment[]>();
  /** Compact buffers: 8-bit codes (q1, q2), absmax per block (a1, a2), 32-bit states (s1, s2), the block table and the maps. */
  private readonly q1: EngineBuffer<'u8'>;
  private readonly q2: EngineBuffer<'u8'> | null;
  private readonly a1: EngineBuffer;
  private readonly a2: EngineBuffer | null;
  private readonly s1: EngineBuffer;
  private readonly s2: EngineBuffer | null;
  private readonly tbl: EngineBuffer<'i32'>;
  private readonly map1: EngineBuffer;
  private readonly map2: EngineBuffer | null;
  /** Per tensor: offset in its width's compact buffer, and (8-bit) its first block. */
  private readonly where: { compact: number; block: number }[];

  protected constructor(params: ParamSet, opts: WithGroups<O & Optim8bitOptions>, toHyper: (o: O) => H, twoState: boolean) {
    const { optimBits, min8bitSize, stableEmbedding, groups, ...rest } = optionsOf(opts) as WithGroups<O & Optim8bitOptions> & Record<string, unknown>;
    const topBits = checkBits('optimBits', optimBits ?? 8);
    const minSize = min8bitSize ?? MIN_8BIT_SIZE;
    if (!Number.isInteger(minSize) || (minSize as number) < 0) throw new HyperparameterError(`min8bitSize must be an integer ≥ 0, got ${describe(min8bitSize)}`);
    const stable = stableEmbedding === undefined ? () => false : selector('stableEmbedding', stableEmbedding);
    if (groups !== undefined && !Array.isArray(groups)) throw new HyperparameterError('groups must be an array');
    const groupBits: (8 | 32)[] = [topBits];
    const specs = (groups ?? []).map((g, i) => {
      requireObject(`groups[${i}]`, g);
      const { optimBits: gb, ...gr } = g as Record<string, unknown>;
      for (const k of ['min8bitSize', 'stableEmbedding']) if (k in gr) throw new HyperparameterError(`${k} is fixed at construction and shared by every group (groups[${i}])`);
      groupBits.push(checkBits(`groups[${i}].optimBits`, gb ?? topBits));
      return gr;
    });
    super(params, { ...rest, ...(groups !== undefined ? { groups: specs } : {}) } as unknown as WithGroups<O>, toHyper, []);
    this.min8bitSize = minSize as number;
    this.optimBits = topBits;
    this.twoState = twoState;
    const ts = params.tensors, owner = ts.map(() => 0);
    this.groups.forEach((g, gi) => { for (const n of g.params) owner[params.tensors.findIndex((t) => t.name === n)] = gi; });
    this.bitsOf = ts.map((t, i) => (stable(t.name) || groupBits[owner[i]!] === 32 || t.size < this.min8bitSize ? 32 : 8));
    // Segments: consecutive tensors of one group and one width.
    const segs: Segment[] = [], cursor = { 8: 0, 32: 0 };
    let blocks = 0;
    this.where = ts.map(() => ({ compact: 0, block: 0 }));
    ts.forEach((t, i) => {
      const bits = this.bitsOf[i]!, last = segs[segs.length - 1];
      let s = last;
      if (!last || last.group !== owner[i] || last.bits !== bits) {
        s = { group: owner[i]!, bits, tensors: [], start: t.offset, len: 0, compact: round4(cursor[bits]), b0: blocks, b1: blocks };
        segs.push(s);
      }
      s!.tensors.push(i);
      s!.len = t.offset + t.size - s!.start;
      cursor[bits] = s!.compact + s!.len;
      this.where[i] = { compact: s!.compact + (t.offset - s!.start), block: blocks };
      if (bits === 8) { blocks += Math.ceil(t.size / QUANT_BLOCK); s!.b1 = blocks; }
    });
    this.segs = segs;
    const e = params.engine, bufs: EngineBuffer<any>[] = [];
    const mk = <B extends EngineBuffer<any>>(b: B): B => { bufs.push(b); return b; };
    try {
      this.q1 = mk(e.alloc(Math.max(cursor[8], 1), 'u8'));
      this.q2 = twoState ? mk(e.alloc(Math.max(cursor[8], 1), 'u8')) : null;
      this.a1 = mk(e.alloc(Math.max(blocks, 1)));
      this.a2 = twoState ? mk(e.alloc(Math.max(blocks, 1))) : null;
      this.s1 = mk(e.alloc(Math.max(cursor[32], 1)));
      this.s2 = twoState ? mk(e.alloc(Math.max(cursor[32], 1))) : null;
      this.tbl = mk(e.alloc(Math.max(2 * blocks, 2), 'i32'));
      this.map1 = mk(e.alloc(256));
      this.map2 = twoState ? mk(e.alloc(256)) : null;
    } catch (err) { for (const b of bufs) b.free(); super.free(); throw err; }
    this.map1.array.set(dynamicMap(true));
    this.map2?.array.set(dynamicMap(false));
    const tb = this.tbl.array;
    ts.forEach((t, i) => {
      if (this.bitsOf[i] !== 8) return;
      const w = this.where[i]!;
      for (let s = 0, b = w.block; s < t.size; s += QUANT_BLOCK, b++) { tb[2 * b] = w.compact + s; tb[2 * b + 1] = Math.min(QUANT_BLOCK, t.size - s); }
    });
  }

  /** State width (8 or 32 bits) of tensor `name`. */
  stateBits(name: string): 8 | 32 { this.live(); return this.bitsOf[this.params.tensors.indexOf(this.params.info(name))]!; }

  /** Bytes of optimizer state in engine memory (codes, absmax, 32-bit states, block table and maps). */
  get stateBytes(): number {
    this.live();
    return [this.q1, this.q2, this.a1, this.a2, this.s1, this.s2, this.tbl, this.map1, this.map2]
      .reduce((a, b) => a + (b ? b.array.byteLength : 0), 0);
  }

  /** The 8-bit kernel call over one segment (pointers of the compact buffers already set up). */
  protected abstract run8(t: number, h: H, a: { n: number; tbl: number; p: number; g: number; q1: number; q2: number; a1: number; a2: number; m1: number; m2: number }): void;
  /** The 32-bit kernel call over `n` elements from arena pointer p/g and state pointers s1/s2. */
  protected abstract run32(t: number, h: H, a: { n: number; p: number; g: number; s1: number; s2: number }): void;

  protected apply(t: number, h: H, s: Span): void {
    const key = `${s.group}:${s.off}`;
    let list = this.spanSegs.get(key);
    if (!list) { list = this.segs.filter((x) => x.group === s.group && x.start >= s.off && x.start < s.off + s.n); this.spanSegs.set(key, list); }
    const ps = this.params;
    for (const seg of list) {
      if (seg.bits === 8) {
        const shift = 4 * (seg.start - seg.compact);
        this.run8(t, h, { n: seg.b1 - seg.b0, tbl: this.tbl.ptr + 8 * seg.b0, p: ps.data.ptr + shift, g: ps.grad.ptr + shift,
          q1: this.q1.ptr, q2: this.q2?.ptr ?? 0, a1: this.a1.ptr + 4 * seg.b0, a2: (this.a2?.ptr ?? 0) + 4 * seg.b0, m1: this.map1.ptr, m2: this.map2?.ptr ?? 0 });
      } else {
        this.run32(t, h, { n: seg.len, p: ps.data.ptr + 4 * seg.start, g: ps.grad.ptr + 4 * seg.start,
          s1: this.s1.ptr + 4 * seg.compact, s2: (this.s2?.ptr ?? 0) + 4 * seg.compact });
      }
    }
  }

  /** Per-tensor entries: bitsandbytes' names (state1, state2, absmax1, absmax2, qmap1, qmap2). */
  protected override extraStateEntries(i: number): string[] {
    const two = this.twoState;
    if (this.bitsOf[i] === 32) return two ? ['state1', 'state2'] : ['state1'];
    return two ? ['state1', 'state2', 'absmax1', 'absmax2', 'qmap1', 'qmap2'] : ['state1', 'absmax1', 'qmap1'];
  }

  private entryOf(i: number): State8bitEntry {
    const t = this.params.tensors[i]!, w = this.where[i]!, nb = Math.ceil(t.size / QUANT_BLOCK);
    if (this.bitsOf[i] === 32) {
      const e: State8bitEntry = { state1: this.s1.array.slice(w.compact, w.compact + t.size) };
      if (this.s2) e.state2 = this.s2.array.slice(w.compact, w.compact + t.size);
      return e;
    }
    const e: State8bitEntry = { state1: this.q1.array.slice(w.compact, w.compact + t.size) };
    if (this.q2) e.state2 = this.q2.array.slice(w.compact, w.compact + t.size);
    e.absmax1 = this.a1.array.slice(w.block, w.block + nb);
    if (this.a2) e.absmax2 = this.a2.array.slice(w.block, w.block + nb);
    e.qmap1 = this.map1.array.slice();
    if (this.map2) e.qmap2 = this.map2.array.slice();
    return e;
  }

  /**
   * The state as plain data (Optimizer.stateDict's layout), each tensor's entry under bitsandbytes'
   * names: 8-bit tensors state1/state2 (Uint8Array codes), absmax1/absmax2 (Float32Array per block of
   * 256) and qmap1/qmap2 (the dynamic maps); 32-bit tensors state1/state2 (Float32Array).
   */
  override stateDict(): StateDict {
    this.live();
    const sd = super.stateDict();
    this.params.tensors.forEach((t, i) => { Object.assign(sd.state[t.name]!, this.entryOf(i)); });
    return sd;
  }

  /** Checks one tensor's entry (dtype, length, values, maps) and returns the writes it needs; throws StateError. */
  private checkEntry(i: number, e: Record<string, unknown>, where: string): (() => void) {
    const t = this.params.tensors[i]!, w = this.where[i]!, nb = Math.ceil(t.size / QUANT_BLOCK);
    if (!e || typeof e !== 'object') throw new StateError(`state has no entry for parameter ${t.name}`);
    const keys = this.extraStateEntries(i);
    for (const k of keys) if (!(k in e)) throw new StateError(`state of ${t.name}${where} has no ${k}`);
    const odd = Object.keys(e).find((k) => !keys.includes(k));
    if (odd !== undefined) {
      throw new StateError(`state of ${t.name}${where} has an unknown entry ${JSON.stringify(odd)} (this optimizer keeps ${t.name} in ${this.bitsOf[i]}-bit state: ${keys.join(', ')})`);
    }
    const writes: (() => void)[] = [];
    const stateNames = this.twoState ? ['state1', 'state2'] : ['state1'];
    if (this.bitsOf[i] === 32) {
      stateNames.forEach((k, j) => {
        const a = e[k];
        if (!(a instanceof Float32Array) || a.length !== t.size) {
          throw new StateError(`state ${t.name}.${k}${where} must be a Float32Array of ${t.size} values (32-bit state), got ${describe(a)}`);
        }
        checkSlotValues(`${t.name}.${k}`, a, j === 1);
        const buf = j === 0 ? this.s1 : this.s2!;
        writes.push(() => buf.array.set(a, w.compact));
      });
    } else {
      stateNames.forEach((k, j) => {
        const q = e[k], am = e[`absmax${j + 1}`], map = e[`qmap${j + 1}`];
        if (!(q instanceof Uint8Array) || q.length !== t.size) {
          throw new StateError(`state ${t.name}.${k}${where} must be a Uint8Array of ${t.size} codes (8-bit state), got ${describe(q)}`);
        }
        if (!(am instanceof Float32Array) || am.length !== nb) throw new StateError(`state ${t.name}.absmax${j + 1}${where} must be a Float32Array of ${nb} values (one per block of ${QUANT_BLOCK}), got ${describe(am)}`);
        checkSlotValues(`${t.name}.absmax${j + 1}`, am, true);
        const mine = (j === 0 ? this.map1 : this.map2!).array;
        if (!(map instanceof Float32Array) || map.length !== 256 || map.some((v, x) => !Object.is(v, mine[x]))) {
          throw new StateError(`state ${t.name}.qmap${j + 1}${where} is not bitsandbytes' ${j === 0 ? 'signed' : 'unsigned'} dynamic map (the only map these optimizers use)`);
        }
        const qb = j === 0 ? this.q1 : this.q2!, ab = j === 0 ? this.a1 : this.a2!;
        writes.push(() => { qb.array.set(q, w.compact); ab.array.set(am, w.block); });
      });
    }
    return () => { for (const x of writes) x(); };
  }

  /** Load a state dict (stateDict()'s layout); every check runs before anything is written, so a bad dict changes nothing. */
  override loadStateDict(sd: StateDict): void {
    this.live();
    if (!sd || typeof sd !== 'object' || sd.format !== STATE_FORMAT || sd.version !== STATE_VERSION || sd.optimizer !== this.kind || !sd.state || typeof sd.state !== 'object') {
      super.loadStateDict(sd); // throws the base class's error
      return;
    }
    const writes = this.params.tensors.map((t, i) => this.checkEntry(i, (sd.state as Record<string, Record<string, unknown>>)[t.name]!, ''));
    // Optimizer.loadStateDict checks everything else (format, kind, step, shapes, groups, hyperparameters).
    super.loadStateDict(sd);
    for (const w of writes) w();
  }

  /** bitsandbytes' hyperparameter names of group `gi` (lr, betas, eps, weight_decay). */
  protected abstract bnbHyper(h: H): Record<string, unknown>;
  /** The inverse of bnbHyper (validated by loadStateDict). */
  protected abstract fromBnbHyper(g: Record<string, unknown>, gi: number): Partial<H>;

  /**
   * The state in the layout a bitsandbytes optimizer's `state_dict()` has (see BnbStateDict): parameter
   * indices over the groups in order (group 0 first), per index `step` and the state entries under
   * bitsandbytes' names (copies). Before the first step `state` is empty, as in torch.
   */
  bnbStateDict(): BnbStateDict {
    this.live();
    const ts = this.params.tensors, step = this.stepCount, state: BnbStateDict['state'] = {};
    let id = 0;
    const groups = this.groups.map((g, gi) => {
      const ids: number[] = [];
      for (const n of g.params) {
        const i = ts.findIndex((t) => t.name === n);
        if (step > 0 && !g.frozen) state[String(id)] = { step, ...this.entryOf(i) };
        ids.push(id++);
      }
      return { ...this.bnbHyper(this.hyperparametersOf(gi) as H), params: ids, param_names: [...g.params] };
    });
    return { state, param_groups: groups };
  }

  /**
   * Load a state in bitsandbytes' `state_dict()` layout (bnbStateDict()'s, or one exported from PyTorch
   * with its tensors as typed arrays or flat/nested number arrays: uint8 codes for state1/state2 of 8-bit
   * tensors, float32 otherwise). Parameter i is tensor `names[i]` (default: the groups' `param_names`, else
   * this optimizer's group order). The per-parameter `step` must agree. Checked fully first: a bad dict
   * raises StateError and changes nothing.
   */
  loadBnbStateDict(sd: BnbStateDict, options: { names?: readonly string[] } = {}): void {
    this.live();
    requireObject('loadBnbStateDict options', options);
    checkKnownKeys('loadBnbStateDict option', options, ['names']);
    if (!sd || typeof sd !== 'object' || !sd.state || typeof sd.state !== 'object' || !Array.isArray(sd.param_groups)) {
      throw new StateError('not a bitsandbytes state dict (state and param_groups expected)');
    }
    const mine = this.groups;
    if (sd.param_groups.length !== mine.length) throw new StateError(`state has ${sd.param_groups.length} param groups, this optimizer has ${mine.length}`);
    const names = options.names ?? (sd.param_groups.every((g) => Array.isArray(g?.param_names)) ? sd.param_groups.flatMap((g) => g.param_names!) : mine.flatMap((g) => g.params));
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new StateError(`names must be a list of tensor names, got ${describe(names)}`);
    const hyper: Partial<H>[] = [];
    sd.param_groups.forEach((g, gi) => {
      if (!g || typeof g !== 'object' || !Array.isArray(g.params)) throw new StateError(`param group ${gi} has no params list`);
      const got = g.params.map((id) => (Number.isInteger(id) ? names[id as number] : undefined));
      if (got.join('\u0000') !== mine[gi]!.params.join('\u0000')) {
        throw new StateError(`param group ${gi} of the state holds [${got.map(String).join(', ')}], this optimizer's group ${gi} holds [${mine[gi]!.params.join(', ')}]`);
      }
      hyper.push(this.fromBnbHyper(g, gi));
    });
    const ids = Object.keys(sd.state);
    let step: number | undefined;
    const state: StateDict['state'] = {};
    const byId = new Map<string, number>();
    sd.param_groups.forEach((g) => g.params.forEach((id) => byId.set(String(id), id)));
    for (const k of ids) {
      const id = byId.get(k);
      if (id === undefined) throw new StateError(`state has an entry ${JSON.stringify(k)} that no param group lists`);
      const name = names[id]!, i = this.params.tensors.findIndex((t) => t.name === name), e = sd.state[k];
      if (!e || typeof e !== 'object') throw new StateError(`state entry ${k} (${name}) is not an object`);
      const s = e.step;
      if (!Number.isInteger(s) || (s as number) < 0) throw new StateError(`state entry ${k} (${name}) has an invalid step ${valueText(s)}`);
      if (step !== undefined && s !== step) throw new StateError(`state entries disagree on the step (${step} and ${valueText(s)}): simdopt keeps one step count`);
      step = s as number;
      const out: Record<string, Float32Array> = {};
      for (const [key, v] of Object.entries(e)) {
        if (key === 'step') continue;
        const eight = this.bitsOf[i] === 8 && (key === 'state1' || key === 'state2');
        out[key] = toTyped(v, eight, `${name}.${key}`) as Float32Array;
      }
      state[name] = out;
    }
    const frozen = new Set(mine.filter((g) => g.frozen).flatMap((g) => g.params));
    const cur = this.stateDict();
    for (const t of this.params.tensors) {
      if (state[t.name]) continue;
      if (step !== undefined && step > 0 && !frozen.has(t.name)) throw new StateError(`state has no entry for parameter ${t.name}`);
      state[t.name] = cur.state[t.name]!;
      if (step === undefined || step === 0) for (const [k, v] of Object.entries(state[t.name]!)) if (!k.startsWith('qmap')) (v as Float32Array).fill(0);
    }
    const groups = mine.map((g, gi) => ({ params: [...g.params], frozen: g.frozen, hyper: { ...this.hyperparametersOf(gi), ...hyper[gi] } }));
    this.loadStateDict({ ...cur, step: step ?? 0, hyper: groups[0]!.hyper as Record<string, number | boolean>, groups, state, skipped: undefined } as unknown as StateDict);
  }

  override free(): void {
    if (this.freed) { super.free(); return; } // DisposedError: already freed
    this.params.engine.checkLive();
    for (const b of [this.q1, this.q2, this.a1, this.a2, this.s1, this.s2, this.tbl, this.map1, this.map2]) b?.free();
    super.free();
  }
}

/** A state array given as a typed array or (nested) number list, as the dtype it must have. */
function toTyped(v: unknown, u8: boolean, what: string): Uint8Array | Float32Array {
  if (u8 ? v instanceof Uint8Array : v instanceof Float32Array) return (v as Uint8Array | Float32Array).slice();
  if (ArrayBuffer.isView(v)) throw new StateError(`state ${what} must be ${u8 ? 'uint8 codes' : 'float32 values'}, got ${describe(v)}`);
  if (!Array.isArray(v)) throw new StateError(`state ${what} must be an array, got ${describe(v)}`);
  const flat = (v as unknown[]).flat(Infinity) as unknown[];
  if (flat.some((x) => typeof x !== 'number' || (u8 && (!Number.isInteger(x) || x < 0 || x > 255)))) {
    throw new StateError(`state ${what} must hold ${u8 ? 'integers in [0, 255]' : 'numbers'}`);
  }
  return u8 ? Uint8Array.from(flat as number[]) : Float32Array.from(flat as number[]);
}

function adamToHyper(defaultWd: number) {
  return (o: Adam8bitOptions): AdamHyper => {
    const [beta1, beta2] = o.betas ?? [0.9, 0.999];
    return { lr: o.lr ?? 1e-3, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? defaultWd };
  };
}

/** Scalars of bitsandbytes' Adam kernels: f32 β, 1 − β and decay; bias corrections in f64, rounded once. */
function adamScalars(h: AdamHyper, t: number) {
  const b1 = f(h.beta1), b2 = f(h.beta2), c1 = 1 - powi(b1, t), c2 = Math.sqrt(1 - powi(b2, t)), lr = f(h.lr);
  return { b1, omb1: f(1 - b1), b2, omb2: f(1 - b2), stepSize: f((-lr * c2) / c1), c2eps: f(f(c2) * f(h.eps)),
    decay: f(1 - f(lr * f(h.weightDecay))), flags: h.weightDecay > 0 ? Q8_WD : 0 };
}

abstract class Adam8bitBase extends Optimizer8bit<AdamHyper, Adam8bitOptions> {
  protected validate(h: AdamHyper): AdamHyper { checkAdamLike(h); return { ...h }; }
  protected run8(t: number, h: AdamHyper, a: Parameters<Optimizer8bit<AdamHyper, Adam8bitOptions>['run8']>[2]): void {
    const k = adamScalars(h, t);
    this.params.engine.run('adam8_f32', a.n, [a.tbl, a.p, a.g, a.q1, a.q2, a.a1, a.a2, a.m1, a.m2, k.b1, k.omb1, k.b2, k.omb2, k.stepSize, k.c2eps, k.decay, k.flags], 1, QUANT_BLOCK);
  }
  protected run32(t: number, h: AdamHyper, a: { n: number; p: number; g: number; s1: number; s2: number }): void {
    const k = adamScalars(h, t);
    this.params.engine.run('adam32bnb_f32', a.n, [a.p, a.g, a.s1, a.s2, k.b1, k.omb1, k.b2, k.omb2, k.stepSize, k.c2eps, k.decay, k.flags]);
  }
  protected bnbHyper(h: AdamHyper): Record<string, unknown> { return { lr: h.lr, betas: [h.beta1, h.beta2], eps: h.eps, weight_decay: h.weightDecay }; }
  protected fromBnbHyper(g: Record<string, unknown>, gi: number): Partial<AdamHyper> {
    const b = g.betas;
    if (!Array.isArray(b) || b.length < 2) throw new StateError(`param group ${gi} has no betas pair`);
    return { lr: g.lr as number, beta1: b[0] as number, beta2: b[1] as number, eps: g.eps as number, weightDecay: g.weight_decay as number };
  }
}

/**
 * bitsandbytes' Adam8bit (`bnb.optim.Adam8bit`), per tensor with 8-bit state (≥ min8bitSize elements):
 *   s1 = qmap1[state1]·absmax1, s2 = qmap2[state2]·absmax2   (dequantize, per block of 256)
 *   s2 = β2·s2 + ((1−β2)·g)·g;  s1 = β1·s1 + (1−β1)·g
 *   p += stepSize · s1/(√s2 + ε·√(1−β2ᵗ)),  stepSize = −lr·√(1−β2ᵗ)/(1−β1ᵗ);  λ > 0: p ← p·(1 − lr·λ)
 *   absmax = max |s| per block; state = nearest code of s/absmax (signed map for s1, with the sign fix)
 * and with 32-bit state the same update unquantized (s2 = β2·s2 + (1−β2)·g²). As in bitsandbytes, Adam8bit's
 * weight decay is decoupled and applied after the update (torch.optim.Adam adds it to the gradient).
 * A non-finite gradient element (nonFinite: 'propagate') zeroes its 8-bit moments and leaves p.
 * State: 2 bytes per parameter (+ 8 bytes per 256-block for the absmax values); 8 for 32-bit tensors.
 * Checked bit for bit against scripts/bnb_dynamic_map.py (bitsandbytes' numerics in torch 1.13).
 */
export class Adam8bit extends Adam8bitBase {
  readonly kind = 'adam8bit';
  constructor(params: ParamSet, opts: WithGroups<Adam8bitOptions> = {}) { super(params, opts, adamToHyper(0), true); }
}

/** bitsandbytes' AdamW8bit: Adam8bit with weightDecay defaulting to 1e-2 (the same kernel; decay after the update). */
export class AdamW8bit extends Adam8bitBase {
  readonly kind = 'adamw8bit';
  constructor(params: ParamSet, opts: WithGroups<Adam8bitOptions> = {}) { super(params, opts, adamToHyper(1e-2), true); }
}

/**
 * bitsandbytes' Lion8bit (`bnb.optim.Lion8bit`): s = qmap1[state1]·absmax1;  λ > 0: p ← p·(1 − lr·λ);
 *   c = β1·s + (1−β1)·g;  p −= lr·sign(c);  s = β2·s + (1−β2)·g;  requantized per block of 256
 * (32-bit state: the same, unquantized). Defaults lr = 1e-4, betas = (0.9, 0.99), weightDecay = 0.
 * State: 1 byte per parameter (+ 4 bytes per block); 4 for 32-bit tensors.
 */
export class Lion8bit extends Optimizer8bit<LionHyper, Lion8bitOptions> {
  readonly kind = 'lion8bit';
  constructor(params: ParamSet, opts: WithGroups<Lion8bitOptions> = {}) {
    super(params, opts, (o) => {
      const [beta1, beta2] = o.betas ?? [0.9, 0.99];
      return { lr: o.lr ?? 1e-4, beta1, beta2, weightDecay: o.weightDecay ?? 0 };
    }, false);
  }
  protected validate(h: LionHyper): LionHyper {
    checkRange('lr', h.lr, 0, Infinity);
    checkRange('betas[0]', h.beta1, 0, 1, false, true);
    checkRange('betas[1]', h.beta2, 0, 1, false, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    return { ...h };
  }
  protected run8(t: number, h: LionHyper, a: Parameters<Optimizer8bit<LionHyper, Lion8bitOptions>['run8']>[2]): void {
    const b1 = f(h.beta1), b2 = f(h.beta2), lr = f(h.lr), wd = f(h.weightDecay);
    this.params.engine.run('onestate8_f32', a.n, [a.tbl, a.p, a.g, a.q1, a.a1, a.m1, 0, b1, f(1 - b1), b2, f(1 - b2), lr, wd, f(1 - f(lr * wd)),
      (h.weightDecay > 0 ? Q8_WD : 0) | (t === 1 ? Q8_FIRST : 0)], 1, QUANT_BLOCK);
  }
  protected run32(_t: number, h: LionHyper, a: { n: number; p: number; g: number; s1: number }): void {
    const b1 = f(h.beta1), b2 = f(h.beta2), lr = f(h.lr);
    // lion_f32 forms p·decay − lr·sign(c) with plain f32 multiply-adds: bitsandbytes' kOptimizer32bit1State bits (decay = 1 without decay).
    this.params.engine.run('lion_f32', a.n, [a.p, a.g, a.s1, b1, f(1 - b1), b2, f(1 - b2), -lr, h.weightDecay > 0 ? f(1 - f(lr * f(h.weightDecay))) : 1, 0]);
  }
  protected bnbHyper(h: LionHyper): Record<string, unknown> { return { lr: h.lr, betas: [h.beta1, h.beta2], eps: 0, weight_decay: h.weightDecay }; }
  protected fromBnbHyper(g: Record<string, unknown>, gi: number): Partial<LionHyper> {
    const b = g.betas;
    if (!Array.isArray(b) || b.length < 2) throw new StateError(`param group ${gi} has no betas pair`);
    return { lr: g.lr as number, beta1: b[0] as number, beta2: b[1] as number, weightDecay: g.weight_decay as number };
  }
}

/**
 * bitsandbytes' SGD8bit (`bnb.optim.SGD8bit`, momentum required): d = g + λ·p (λ > 0);
 *   s = d on the first step, else μ·s + d (s = qmap1[state1]·absmax1, requantized per block of 256);  p −= lr·s
 * (32-bit state: the same, unquantized). No dampening or Nesterov (bitsandbytes ignores both).
 * State: 1 byte per parameter (+ 4 bytes per block); 4 for 32-bit tensors.
 */
export class SGD8bit extends Optimizer8bit<SGDHyper, SGD8bitOptions> {
  readonly kind = 'sgd8bit';
  constructor(params: ParamSet, opts: WithGroups<SGD8bitOptions>) {
    super(params, opts, (o) => ({ lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay ?? 0 }), false);
  }
  protected validate(h: SGDHyper): SGDHyper {
    checkRange('lr', h.lr, 0, Infinity);
    if (typeof h.momentum === 'number' && h.momentum === 0) throw new HyperparameterError('momentum must be > 0: bitsandbytes has no 8-bit SGD without momentum (use SGD)');
    checkRange('momentum', h.momentum, 0, 1, true, true);
    checkRange('weightDecay', h.weightDecay, 0, Infinity);
    return { ...h };
  }
  protected run8(t: number, h: SGDHyper, a: Parameters<Optimizer8bit<SGDHyper, SGD8bitOptions>['run8']>[2]): void {
    const b1 = f(h.momentum), lr = f(h.lr), wd = f(h.weightDecay);
    this.params.engine.run('onestate8_f32', a.n, [a.tbl, a.p, a.g, a.q1, a.a1, a.m1, 1, b1, f(1 - b1), 0, 1, lr, wd, f(1 - f(lr * wd)),
      (h.weightDecay > 0 ? Q8_WD : 0) | (t === 1 ? Q8_FIRST : 0)], 1, QUANT_BLOCK);
  }
  protected run32(t: number, h: SGDHyper, a: { n: number; p: number; g: number; s1: number }): void {
    // sgd_f32 with dampening 0: d = g + λ·p; s = first ? d : s·μ + 1·d; p = p + (−lr)·s: kOptimizer32bit1State's MOMENTUM bits.
    this.params.engine.run('sgd_f32', a.n, [a.p, a.g, a.s1, -f(h.lr), f(h.momentum), 1, f(h.weightDecay),
      SGD_MOMENTUM | (t === 1 ? SGD_FIRST : 0) | (h.weightDecay > 0 ? SGD_DECAY : 0)]);
  }
  protected bnbHyper(h: SGDHyper): Record<string, unknown> { return { lr: h.lr, betas: [h.momentum, 0], eps: 1e-8, weight_decay: h.weightDecay }; }
  protected fromBnbHyper(g: Record<string, unknown>, gi: number): Partial<SGDHyper> {
    const b = g.betas;
    if (!Array.isArray(b) || b.length < 1) throw new StateError(`param group ${gi} has no betas (momentum, dampening)`);
    return { lr: g.lr as number, momentum: b[0] as number, weightDecay: g.weight_decay as number };
  }
}
