// Per-tensor (layer-wise) machinery shared by LAMB, LARS, NovoGrad and Adafactor: one segment table
// (i32 [offset, length, firstBlock, 0] per tensor, arena order) and the buffers of the per-tensor
// reductions, allocated once per optimizer. `sumSquares` reduces every tensor of a run in one blocked
// kernel call (threads split the blocks) plus one fold call: per-tensor sums of squares in a fixed
// order (assembly/segment.ts), identical for any thread count and build.
import type { Engine } from '../engine/engine.js';
import { BLOCK } from '../engine/engine.js';
import type { EngineBuffer } from '../engine/memory.js';
import type { ParamSet } from '../params.js';
import type { Span } from './base.js';
import type { KernelName } from '../engine/engine.js';

/** seg_sumsq_partials flags (assembly/segment.ts). */
export const SEG_TWO = 1, SEG_AXPY = 2;

/** The tensors [i0, i1) of one run (contiguous in the arena). */
export interface SegRange { i0: number; i1: number }

export class Segments {
  readonly engine: Engine;
  readonly count: number;
  /** i32 × 4 per tensor. */
  readonly table: EngineBuffer<'i32'>;
  /** Per-tensor results of the last reductions (f64), and per-tensor f32 scalars for the kernels. */
  readonly sumX: EngineBuffer<'f64'>;
  readonly sumY: EngineBuffer<'f64'>;
  readonly coef: EngineBuffer<'f32'>;
  readonly coef2: EngineBuffer<'f32'>;
  private readonly partX: EngineBuffer<'f64'>;
  private readonly partY: EngineBuffer<'f64'>;
  private readonly firstBlock: number[];
  private readonly offsets: number[];
  private readonly ranges = new Map<number, SegRange>();

  constructor(params: ParamSet) {
    const e = params.engine, ts = params.tensors;
    this.engine = e;
    this.count = ts.length;
    this.offsets = ts.map((t) => t.offset);
    let blocks = 0;
    this.firstBlock = ts.map((t) => { const b = blocks; blocks += Math.ceil(t.size / BLOCK); return b; });
    const bufs: EngineBuffer<any>[] = [];
    try {
      const mk = <B extends EngineBuffer<any>>(b: B): B => { bufs.push(b); return b; };
      this.table = mk(e.alloc(4 * ts.length, 'i32'));
      this.sumX = mk(e.alloc(ts.length, 'f64'));
      this.sumY = mk(e.alloc(ts.length, 'f64'));
      this.coef = mk(e.alloc(ts.length, 'f32'));
      this.coef2 = mk(e.alloc(ts.length, 'f32'));
      this.partX = mk(e.alloc(blocks, 'f64'));
      this.partY = mk(e.alloc(blocks, 'f64'));
    } catch (err) { for (const b of bufs) b.free(); throw err; }
    const tb = this.table.array;
    ts.forEach((t, i) => { tb[4 * i] = t.offset; tb[4 * i + 1] = t.size; tb[4 * i + 2] = this.firstBlock[i]!; });
  }

  /** The tensors covered by run `s` (cached by the run's offset). */
  range(s: Span): SegRange {
    let r = this.ranges.get(s.off);
    if (!r) {
      const lo = (x: number): number => { let a = 0, b = this.count; while (a < b) { const m = (a + b) >> 1; if (this.offsets[m]! < x) a = m + 1; else b = m; } return a; };
      r = { i0: lo(s.off), i1: lo(s.off + s.n) };
      this.ranges.set(s.off, r);
    }
    return r;
  }

  /** Byte pointer of tensor i0's table entry. */
  tablePtr(r: SegRange): number { return this.table.ptr + 16 * r.i0; }

  /**
   * For every tensor i of `r`: sumX[i] = Σ x², and with SEG_TWO sumY[i] = Σ u², u = y (+ c·x with
   * SEG_AXPY, in f32 as the kernels form it). x, y are arena base byte pointers (element 0).
   */
  sumSquares(r: SegRange, x: number, y: number, c: number, flags: number): void {
    if (r.i1 <= r.i0) return;
    this.runBlocks(r, 'seg_sumsq_partials', [x, y, c], flags);
  }

  /**
   * Run a block kernel `name(b0, b1, ...pre, tbl, nseg, blk0, partX, partY, ...post)` over the
   * reduction blocks of run `r` (threads split the blocks), then fold its partials into sumX/sumY
   * (sumY with SEG_TWO in `flags`, which is also the kernel's last argument).
   */
  runBlocks(r: SegRange, name: KernelName, pre: number[], flags: number, post: number[] = []): void {
    const e = this.engine, n = r.i1 - r.i0;
    if (n <= 0) return;
    const b0 = this.firstBlock[r.i0]!, last = r.i1 - 1;
    const nb = this.firstBlock[last]! + Math.ceil((this.table.array[4 * last + 1]!) / BLOCK) - b0;
    // Assembled at run time: the engine checks the argument count against the kernel's.
    e.run(name, nb, [...pre, this.tablePtr(r), n, b0, this.partX.ptr, this.partY.ptr, ...post, flags] as never, 1, BLOCK);
    e.kernel('seg_fold')(this.tablePtr(r), n, this.partX.ptr, this.partY.ptr, this.sumX.ptr + 8 * r.i0, this.sumY.ptr + 8 * r.i0, flags);
  }

  free(): void {
    for (const b of [this.table, this.sumX, this.sumY, this.coef, this.coef2, this.partX, this.partY]) b.free();
  }
}
