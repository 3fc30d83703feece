// One arena over the engine's WebAssembly.Memory. JS owns allocation; kernels only see pointers.
// Users hold handles (EngineBuffer), never raw views: `.array` re-creates the view whenever the memory grew.
import { DisposedError, OutOfMemoryError } from '../errors.js';
import { checkedSource, checkLength } from './convert.js';

export const ALIGN = 16;
const PAGE = 65536;

/**
 * Element types of engine buffers: 32- and 64-bit floats, bytes, 16-bit unsigned and 32-bit signed
 * integers.
 */
export type DType = 'f32' | 'f64' | 'u8' | 'u16' | 'i32';
const CTORS = {
  f32: Float32Array, f64: Float64Array, u8: Uint8Array, u16: Uint16Array, i32: Int32Array,
} as const;
export type ArrayOf<D extends DType> = InstanceType<(typeof CTORS)[D]>;
export const BYTES: Record<DType, number> = { f32: 4, f64: 8, u8: 1, u16: 2, i32: 4 };

interface Block { ptr: number; size: number }

export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly maxBytes: number;
  /** Free blocks sorted by address, coalesced. */
  private free: Block[] = [];
  private top: number;
  private live = new Map<number, number>();

  constructor(memory: WebAssembly.Memory, base: number, maxBytes: number) {
    this.memory = memory;
    this.top = align(base);
    this.maxBytes = maxBytes;
  }

  get bytesInUse(): number { let s = 0; for (const v of this.live.values()) s += v; return s; }
  get bytesReserved(): number { return this.memory.buffer.byteLength; }

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, align(bytes));
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.size >= size) {
        const ptr = b.ptr;
        if (b.size === size) this.free.splice(i, 1); else { b.ptr += size; b.size -= size; }
        this.live.set(ptr, size);
        return ptr;
      }
    }
    const ptr = this.top, end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      if (end > this.maxBytes) {
        throw new OutOfMemoryError(`cannot allocate ${bytes} bytes: ${end} bytes would exceed the engine's maximum of ${this.maxBytes}`);
      }
      const pages = Math.ceil((end - have) / PAGE);
      // Grow generously (x1.5) to keep growth rare, within the maximum.
      const want = Math.min(Math.max(pages, Math.ceil(have / PAGE / 2)), Math.floor(this.maxBytes / PAGE) - have / PAGE);
      try { this.memory.grow(Math.max(pages, want)); } catch {
        try { this.memory.grow(pages); } catch (e) {
          throw new OutOfMemoryError(`cannot allocate ${bytes} bytes: memory.grow failed (${(e as Error).message})`);
        }
      }
    }
    this.top = end;
    this.live.set(ptr, size);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new DisposedError(`pointer ${ptr} is not a live allocation (double free?)`);
    this.live.delete(ptr);
    let lo = 0, hi = this.free.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.free[mid]!.ptr < ptr) lo = mid + 1; else hi = mid; }
    this.free.splice(lo, 0, { ptr, size });
    // coalesce with neighbours
    if (lo + 1 < this.free.length && ptr + size === this.free[lo + 1]!.ptr) {
      this.free[lo]!.size += this.free[lo + 1]!.size; this.free.splice(lo + 1, 1);
    }
    if (lo > 0 && this.free[lo - 1]!.ptr + this.free[lo - 1]!.size === ptr) {
      this.free[lo - 1]!.size += this.free[lo]!.size; this.free.splice(lo, 1); lo--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.size === this.top) { this.top = last.ptr; this.free.pop(); }
  }

  view<D extends DType>(dtype: D, ptr: number, length: number): ArrayOf<D> {
    return new CTORS[dtype](this.memory.buffer, ptr, length) as ArrayOf<D>;
  }
}

export function align(n: number): number { return Math.ceil(n / ALIGN) * ALIGN; }

/** Owner token checked by every kernel call, so buffers of another engine are refused. */
export interface BufferOwner { readonly arena: Arena; checkLive(): void }

/**
 * A typed, 16-byte aligned array in the engine's memory. Hold the handle, not the view:
 * `.array` is always valid, even after the memory grew. After `free()`, or once its engine was
 * disposed, every method and getter (`.array`, `.ptr`, `.byteLength`) throws DisposedError (the fields `length`, `dtype`
 * and `owner`, and `freed`, still answer).
 */
export class EngineBuffer<D extends DType = 'f32'> {
  readonly owner: BufferOwner;
  readonly dtype: D;
  readonly length: number;
  private _ptr: number;
  private _view: ArrayOf<D> | null = null;
  private _viewOf: ArrayBufferLike | null = null;

  constructor(owner: BufferOwner, dtype: D, length: number, ptr: number) {
    this.owner = owner; this.dtype = dtype; this.length = length; this._ptr = ptr;
  }
  get ptr(): number {
    if (this._ptr < 0) throw new DisposedError('buffer was freed (free() released it): allocate a new one with engine.alloc() or engine.from()');
    this.owner.checkLive();
    return this._ptr;
  }
  get byteLength(): number { void this.ptr; return this.length * BYTES[this.dtype]; }
  get freed(): boolean { return this._ptr < 0; }
  /** A view of the data; re-created whenever the memory grew. */
  get array(): ArrayOf<D> {
    const ptr = this.ptr; // DisposedError after free() or the engine's dispose()
    const buf = this.owner.arena.memory.buffer;
    if (this._view === null || this._viewOf !== buf) {
      this._view = this.owner.arena.view(this.dtype, ptr, this.length);
      this._viewOf = buf;
    }
    return this._view;
  }
  /**
   * Copy `src` in: the lengths must match exactly (LengthMismatchError otherwise) and every value
   * must fit this buffer's dtype as for engine.from (UnsupportedError otherwise); on error nothing is written.
   */
  set(src: ArrayLike<number>): this {
    const view = this.array;
    const values = checkedSource(src, this.dtype, `${this.dtype} buffer set()`);
    checkLength(`${this.dtype} buffer`, this.length, values.length);
    view.set(values as any);
    return this;
  }
  /** A copy of the data outside the engine's memory. */
  toArray(): ArrayOf<D> { return this.array.slice() as ArrayOf<D>; }
  /** Release the buffer's engine memory; any later use raises DisposedError. */
  free(): void {
    if (this._ptr < 0) throw new DisposedError('buffer was already freed');
    this.owner.checkLive();
    this.owner.arena.release(this._ptr);
    this._ptr = -1; this._view = null; this._viewOf = null;
  }
}
