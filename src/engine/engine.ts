// The engine: loader (feature detection, module choice, instantiation), memory arena, thread pool and
// generic kernel dispatch. It knows nothing of any algorithm; algorithms call kernels by name.
import { describe, DisposedError, requireObject, ForeignBufferError, HyperparameterError, InvalidArgumentError, LengthMismatchError, suggest, UnsupportedError, WorkerLostError } from '../errors.js';
import { CORE_MODULES } from '../generated/wasm-core.js';
import type { KernelRegistry } from '../generated/kernels.js';
import { checkGroup, registeredGroups, type ModuleGroup } from './families.js';
import { Arena, EngineBuffer, BYTES, type ArrayOf, type BufferOwner, type DType } from './memory.js';
import { canBlock, canPostShared, decodeBase64, defaultThreadCount, detectRuntime, hasSharedMemory, hasSimd, type RuntimeName } from './runtime.js';
import { CTRL_BYTES, MAX_ARGS, MAX_THREADS, ThreadPool } from './threads.js';
import { checkDtype, checkedSource, naturalDtype } from './convert.js';

/** The library's version (package.json's). */
export const VERSION = '0.1.0';
/** Reduction block (elements): partials are per block, so results never depend on the split. */
export const BLOCK = 4096;
const MiB = 1 << 20;
/** [0, 1 MiB) is the Rust module's shadow stack for the calling thread; the arena starts above it. */
const RESERVED = MiB;
const WORKER_STACK = 64 * 1024;

/** Options of `init()`; unset fields take the defaults stated on each. */
export interface InitOptions {
  /** Number of threads (1 = no workers, at most 64), or 'auto' (hardware concurrency, at most 8). Default 'auto'. */
  threads?: number | 'auto';
  /** 'auto' (default) uses SIMD when the runtime validates it; false forces the scalar build. */
  simd?: 'auto' | boolean;
  /** Maximum engine memory in bytes (default 1 GiB, at most 4 GiB). */
  maxMemory?: number;
  /** Minimum elements per thread before an elementwise call is split (default 2^17, measured by `npm run bench`). */
  splitMin?: number;
  /**
   * Precompiled modules by name (e.g. `{ 'core-simd-mt': mod, 'optim-simd-mt': mod, 'linalg-simd-mt': mod }`, one per module group in use), for runtimes
   * that forbid compiling wasm from bytes (Cloudflare workerd). The files are in `simdopt/wasm/`.
   */
  wasm?: Record<string, WebAssembly.Module>;
}

/** What an engine runs on: `engine.info`. */
export interface EngineInfo {
  runtime: RuntimeName;
  simd: boolean;
  threads: number;
  sharedMemory: boolean;
  version: string;
  /** Module variant in use, e.g. 'simd-mt'. */
  variant: string;
  /** Why a requested or available feature is not used (empty when everything is on). */
  fallbacks: string[];
}

type Fn = (...a: number[]) => number;
/** Kernel names of the build and their parameter lists (generated from the wasm modules). */
export type KernelName = keyof KernelRegistry;
/** The arguments of `run(name, n, args)`: the kernel's parameters after [start, end). */
export type RunArgs<K extends KernelName> = KernelRegistry[K] extends [number, number, ...infer R] ? R : never;
/** A number argument of the math functions (NaN and ±Infinity are numbers: the result is NaN or a limit). */
const num = (name: string, v: unknown): number => {
  if (typeof v !== 'number') throw new InvalidArgumentError(`${name} must be a number, got ${describe(v)}`);
  return v;
};
/** Throws InvalidArgumentError unless `e` is an Engine (from init()). */
export function requireEngine(e: unknown, what = 'engine'): Engine {
  if (!(e instanceof Engine)) throw new InvalidArgumentError(`${what} must be an Engine from init(), got ${describe(e)}`);
  e.checkLive();
  return e;
}

/**
 * A WebAssembly instance with its memory and worker threads, made by `init()`: every ParamSet, optimizer,
 * policy and learner lives in one engine's memory. `dispose()` stops the workers and frees everything.
 */
export class Engine implements BufferOwner {
  readonly info: EngineInfo;
  readonly arena: Arena;
  readonly splitMin: number;
  private readonly fns: Record<string, Fn>;
  private readonly ids: Record<string, number>;
  private readonly arity: Record<string, number>;
  private readonly _groups: readonly string[];
  /** Names of the module groups this engine instantiated (core, then the registered families). */
  get groups(): readonly string[] { this.checkLive(); return this._groups; }
  private pool: ThreadPool | null = null;
  /**
   * Resolves with the thread count once the workers are running. `init()` does not wait for them
   * (starting a worker costs tens of ms): until then every call runs on the calling thread, with the
   * same results. Await it before timing or when a test must exercise the split.
   */
  readonly ready: Promise<number>;
  private scratch: EngineBuffer<'f64'> | null = null;
  private disposed = false;
  /** Workers lost so far (each retires the pool: the engine continues on one thread). */
  private _faults = 0;

  /** @internal use `init()` */
  constructor(info: EngineInfo, arena: Arena, fns: Record<string, Fn>, ids: Record<string, number>,
              pool: Promise<ThreadPool | null>, splitMin: number, arity: Record<string, number>, groups: readonly string[]) {
    this.info = info; this.arena = arena; this.fns = fns; this.ids = ids; this.splitMin = splitMin;
    this.arity = arity; this._groups = groups;
    this.ready = pool.then((p) => {
      if (this.disposed) { p?.dispose(); return 1; }
      this.pool = p;
      return this.info.threads;
    });
  }

  /** Throws DisposedError once dispose() was called. Every method below (but dispose) checks it. */
  checkLive(): void {
    if (this.disposed) throw new DisposedError('engine was disposed: create a new one with init()');
  }
  /** Whether dispose() was called. */
  get isDisposed(): boolean { return this.disposed; }

  /** Allocate `length` elements of `dtype`, zero-filled. */
  alloc<D extends DType = 'f32'>(length: number, dtype: D = 'f32' as D): EngineBuffer<D> {
    this.checkLive();
    if (!Number.isInteger(length) || length < 0) throw new LengthMismatchError(`length must be a non-negative integer, got ${describe(length)}`);
    if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(BYTES, dtype)) {
      throw new HyperparameterError(`unknown dtype ${describe(dtype)}${typeof dtype === 'string' ? suggest(dtype, Object.keys(BYTES)) : `. Accepted: ${Object.keys(BYTES).join(', ')}`}`);
    }
    const ptr = this.arena.alloc(length * BYTES[dtype]);
    const b = new EngineBuffer<D>(this, dtype, length, ptr);
    b.array.fill(0);
    return b;
  }

  /**
   * Copy values into a new engine buffer. Without `dtype`: typed arrays keep their own dtype
   * (Int8Array and Int16Array widen exactly to i32, Uint8ClampedArray is u8) and plain arrays of
   * numbers become f32. With `dtype`, every value must fit it: exactly for the integer dtypes and f64,
   * rounded to nearest for f32 (a finite value beyond the f32 range is refused). Sources no dtype
   * holds exactly without being asked (Uint32Array, BigInt64Array, ...) and values that do not fit
   * raise UnsupportedError naming the value and what is accepted; nothing is allocated then.
   */
  from(src: ArrayLike<number> | ArrayBufferView, opts: { dtype?: DType } = {}): EngineBuffer<DType> {
    this.checkLive();
    const dtype = opts?.dtype === undefined ? naturalDtype(src) : checkDtype(opts.dtype);
    const values = checkedSource(src, dtype, 'engine.from');
    const b = this.alloc(values.length, dtype);
    (b.array as ArrayOf<DType>).set(values as any);
    return b;
  }

  /** Throws unless `b` is a live buffer of this engine (optionally of `length` and `dtype`). */
  own(b: EngineBuffer<DType>, what: string, length?: number, dtype: DType = 'f32'): number {
    this.checkLive();
    if (!(b instanceof EngineBuffer)) throw new ForeignBufferError(`${what} must be an EngineBuffer (engine.alloc() or engine.from()), got ${describe(b)}`);
    if (b.freed) throw new DisposedError(`${what} was freed`);
    if (b.owner !== this) throw new ForeignBufferError(`${what} belongs to another engine`);
    if (b.dtype !== dtype) throw new LengthMismatchError(`${what} must have dtype ${dtype}, got ${b.dtype}`);
    if (length !== undefined && b.length !== length) throw new LengthMismatchError(`${what} has length ${b.length}, expected ${length}`);
    return b.ptr;
  }

  /** The main-thread export of kernel `name` (serial calls). */
  kernel<K extends KernelName>(name: K): (...args: KernelRegistry[K]) => number {
    this.checkLive();
    const f = typeof name === 'string' && Object.prototype.hasOwnProperty.call(this.fns, name) ? (this.fns as Record<string, Fn>)[name] : undefined;
    if (!f) {
      if (typeof name !== 'string') throw new InvalidArgumentError(`kernel name must be a string, got ${describe(name)}`);
      throw new UnsupportedError(`no kernel named ${JSON.stringify(name)} in the loaded modules (${this.groups.join(', ')})${suggest(name, Object.keys(this.fns))}`);
    }
    return f as (...args: KernelRegistry[K]) => number;
  }

  /** Whether a kernel of this name is in the loaded modules. */
  has(name: string): boolean { this.checkLive(); return typeof name === 'string' && Object.prototype.hasOwnProperty.call(this.fns, name); }

  /** Throws UnsupportedError unless this engine loaded module group `g` (see engine/families.ts). */
  requireGroup(g: ModuleGroup): void {
    this.checkLive();
    if (g === null || typeof g !== 'object' || typeof (g as { name?: unknown }).name !== 'string') {
      throw new InvalidArgumentError(`requireGroup takes a module group (an object with a string name), got ${describe(g)}`);
    }
    checkGroup(this._groups, g);
  }

  /**
   * Run kernel `name(start, end, ...args)` over [0, n), split across threads in chunks aligned to
   * `align` items when each thread gets at least `splitMin` elements of work (an item, e.g. a matrix
   * row, counts as `workPerItem` elements).
   */
  run<K extends KernelName>(name: K, n: number, args: RunArgs<K>, align = BLOCK, workPerItem = 1): void {
    const f = this.kernel(name) as Fn;
    if (args.length + 2 !== this.arity[name]) {
      throw new LengthMismatchError(`kernel ${String(name)} takes ${this.arity[name]! - 2} arguments after [start, end), got ${args.length}`);
    }
    if (args.length > MAX_ARGS) throw new LengthMismatchError(`kernel ${String(name)} called with ${args.length} arguments; at most ${MAX_ARGS} are passed to the threads`);
    let pool = this.pool;
    if (pool?.anyLost) { this.retire(pool); pool = null; }
    const parts = pool ? Math.min(pool.size, Math.floor((n * workPerItem) / this.splitMin), Math.ceil(n / align)) : 1;
    if (parts <= 1 || !pool) { f(0, n, ...(args as number[])); return; }
    try {
      pool.run(this.ids[name]!, f, n, parts, align, args as number[]);
    } finally {
      if (pool.dead) this.retire(pool);
    }
  }

  /** Workers lost so far; each one moved the engine to one thread (see `info.fallbacks`). */
  get faults(): number { this.checkLive(); return this._faults; }

  /**
   * Throws WorkerLostError when a worker was lost since `faults` read `since` (the interrupted work was
   * completed on this thread). Called by Optimizer.step after the step is complete.
   */
  reportFaults(since: number, what: string): void {
    this.checkLive();
    if (this._faults === since) return;
    const why = this.info.fallbacks[this.info.fallbacks.length - 1] ?? 'a worker was lost';
    throw new WorkerLostError(`${what} completed on the calling thread after ${why}`, true);
  }

  private retire(pool: ThreadPool): void {
    if (this.pool !== pool) return;
    const why = pool.dead ?? 'a worker was lost';
    this.pool = null;
    pool.dispose();
    this._faults++;
    this.info.threads = 1;
    this.info.fallbacks.push(`thread pool stopped (${why}): single thread`);
  }

  private partials(n: number): EngineBuffer<'f64'> {
    const blocks = Math.max(1, Math.ceil(n / BLOCK));
    if (!this.scratch || this.scratch.length < blocks) {
      const next = this.alloc(Math.max(blocks, 2 * (this.scratch?.length ?? 0)), 'f64');
      this.scratch?.free();
      this.scratch = next;
    }
    return this.scratch;
  }

  /** Blocked reduction `kernel` over [0, n) then the fixed pairwise (or max) fold. */
  reduce(kernel: KernelName, n: number, ptrs: number[], fold: 'sum' | 'max' = 'sum'): number {
    const p = this.partials(n);
    if (n === 0) return 0;
    this.run(kernel, n, [...ptrs, p.ptr] as never, BLOCK);
    return this.kernel(fold === 'sum' ? 'pairwise_f64' : 'max_f64')(p.ptr, Math.ceil(n / BLOCK));
  }

  /** Σ x_i², reduced in wasm in a fixed order (the same bits for any thread count). */
  sumSquares(x: EngineBuffer): number { const p = this.own(x, 'x'); return this.reduce('dot_partials', x.length, [p, p]); }
  /** Σ x_i, reduced in wasm in a fixed order (the same bits for any thread count). */
  sum(x: EngineBuffer): number { const p = this.own(x, 'x'); return this.reduce('sum_partials', x.length, [p]); }
  /** Σ x_i·y_i over two buffers of the same length, reduced in wasm in a fixed order. */
  dot(x: EngineBuffer, y: EngineBuffer): number {
    const px = this.own(x, 'x');
    return this.reduce('dot_partials', x.length, [px, this.own(y, 'y', x.length)]);
  }
  /** max_i |x_i|. */
  maxAbs(x: EngineBuffer): number { const p = this.own(x, 'x'); return this.reduce('maxabs_partials', x.length, [p], 'max'); }
  /** How many elements are NaN or ±Infinity. */
  countNonFinite(x: EngineBuffer): number { const p = this.own(x, 'x'); return this.reduce('nonfinite_partials', x.length, [p]); }

  /** Deterministic f64 x^y, e^x, ln x (computed in wasm, identical in every runtime). */
  pow(x: number, y: number): number { return this.kernel('pow_f64')(num('x', x), num('y', y)); }
  /** e^x by the engine's own routine: the same bits in every runtime (unlike Math.exp). */
  exp(x: number): number { return this.kernel('exp_f64')(num('x', x)); }
  /** ln x by the engine's own routine: the same bits in every runtime (unlike Math.log). */
  log(x: number): number { return this.kernel('log_f64')(num('x', x)); }
  /** √x, correctly rounded (the same bits in every runtime). */
  sqrt(x: number): number { return this.kernel('sqrt_f64')(num('x', x)); }
  /** Deterministic f64 cos/sin for |x| < 1.6e6 (NaN outside). */
  cos(x: number): number { return this.kernel('cos_f64')(num('x', x)); }
  /** sin x by the engine's own routine: the same bits in every runtime (unlike Math.sin). */
  sin(x: number): number { return this.kernel('sin_f64')(num('x', x)); }

  /** Terminate the workers and drop the memory. Every later call raises DisposedError. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.dispose();
    this.pool = null;
    await this.ready;
  }
}

let compiled: Map<string, Promise<WebAssembly.Module>> | null = null;
function compile(g: ModuleGroup, name: string, given?: Record<string, WebAssembly.Module>): Promise<WebAssembly.Module> {
  if (given?.[name]) return Promise.resolve(given[name]!);
  const shipped = g.modules?.[name];
  if (shipped) return Promise.resolve(shipped);
  compiled ??= new Map();
  let p = compiled.get(name);
  if (!p) {
    p = moduleBytes(g, name).then((bytes) => {
      if (!bytes) throw new UnsupportedError(`module ${name} is not in this build`);
      return WebAssembly.compile(bytes);
    }).catch((e) => {
      if (e instanceof UnsupportedError) { compiled!.delete(name); throw e; }
      compiled!.delete(name);
      throw new UnsupportedError(`cannot compile ${name}: ${(e as Error).message}. ` +
        `Runtimes that forbid compiling wasm from bytes (workerd) must pass init({ wasm: { '${name}': module } })`);
    });
    compiled.set(name, p);
  }
  return p;
}

/** The bytes of module `name`: inlined (the scalar ones in a chunk loaded on demand), or its non-shared twin with the memory import marked shared. */
async function moduleBytes(g: ModuleGroup, name: string): Promise<Uint8Array<ArrayBuffer> | null> {
  const patch = g.sharedPatch[name];
  const own = patch ? patch[0] : name;
  const table = g.lazy.includes(own) ? await g.loadLazy() : g.base64;
  const b64 = table[own];
  if (!b64) return null;
  const bytes = decodeBase64(b64);
  if (patch) bytes[patch[1]] = patch[2];
  return bytes;
}
const inBuild = (g: ModuleGroup, name: string) => name in g.base64 || name in g.sharedPatch || g.lazy.includes(name) || (g.modules !== undefined && name in g.modules);

/** A build that ships precompiled modules (the workerd entry) carries one variant: any other is an error naming the fix. */
function missingVariant(g: ModuleGroup, name: string): never | false {
  if (g.modules === undefined) return false;
  throw new UnsupportedError(`module ${name} is not in this build: simdopt's workerd entry ships only ${Object.keys(g.modules).join(', ')} ` +
    `(what workerd runs); pass init({ wasm: { '${name}': module } }) with the module imported from simdopt/wasm/${name}.wasm`);
}

const INIT_KEYS: readonly string[] = ['threads', 'simd', 'maxMemory', 'splitMin', 'wasm'];
/** Create an engine: detect features, pick the module variant, instantiate, start the workers. */
export async function init(opts: InitOptions = {}): Promise<Engine> {
  requireObject('init options', opts);
  for (const k of Object.keys(opts)) if (!INIT_KEYS.includes(k)) throw new HyperparameterError(`unknown init option ${JSON.stringify(k)}${suggest(k, INIT_KEYS)}`);
  const runtime = detectRuntime();
  const fallbacks: string[] = [];
  if (opts.threads !== undefined && opts.threads !== 'auto' && !(Number.isInteger(opts.threads) && opts.threads >= 1 && opts.threads <= MAX_THREADS)) {
    throw new HyperparameterError(`threads must be 'auto' or an integer in [1, ${MAX_THREADS}], got ${describe(opts.threads)}`);
  }
  const maxMemory = opts.maxMemory ?? 1024 * MiB;
  if (typeof maxMemory !== 'number' || !Number.isFinite(maxMemory) || maxMemory < 4 * MiB || maxMemory > 4096 * MiB) {
    throw new HyperparameterError(`maxMemory must be a number of bytes between 4 MiB and 4 GiB, got ${describe(maxMemory)}`);
  }
  const splitMin = opts.splitMin ?? 1 << 17;
  if (!Number.isInteger(splitMin) || splitMin < 1) throw new HyperparameterError(`splitMin must be a positive integer, got ${describe(splitMin)}`);
  if (opts.simd !== undefined && opts.simd !== 'auto' && typeof opts.simd !== 'boolean') {
    throw new HyperparameterError(`simd must be 'auto', true or false, got ${describe(opts.simd)}`);
  }
  if (opts.wasm !== undefined) requireObject('wasm', opts.wasm, 'an object of precompiled WebAssembly.Module by name');

  const simdOk = hasSimd();
  const simd = opts.simd === false ? false : simdOk;
  if (opts.simd === true && !simdOk) fallbacks.push('simd requested but this runtime has no WebAssembly SIMD');
  if (opts.simd === false) fallbacks.push('simd disabled by option');
  const shared = hasSharedMemory();
  if (!shared) fallbacks.push('no shared WebAssembly.Memory: single thread, non-shared build');

  let threads = opts.threads === undefined || opts.threads === 'auto' ? await defaultThreadCount(runtime) : opts.threads;
  const hasWorker = typeof (globalThis as any).Worker === 'function' || runtime === 'node';
  if (threads > 1) {
    if (!shared) threads = 1;
    else if (!hasWorker) { fallbacks.push('no Worker in this runtime: single thread (a runtime with Web Workers or node:worker_threads runs the threaded build)'); threads = 1; }
    else if (!canPostShared()) { fallbacks.push('shared memory cannot be posted to workers (page not cross-origin isolated): single thread; serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp'); threads = 1; }
  }

  const variant = `${simd ? 'simd' : 'scalar'}${shared ? '-mt' : ''}`;
  // core first (the engine's own reductions and math), then every family imported so far.
  const groups = [CORE_MODULES, ...registeredGroups().filter((g) => g.name !== CORE_MODULES.name)]
    .filter((g) => opts.wasm?.[`${g.name}-${variant}`] || inBuild(g, `${g.name}-${variant}`) || missingVariant(g, `${g.name}-${variant}`));
  const modules = await Promise.all(groups.map((g) => compile(g, `${g.name}-${variant}`, opts.wasm)));
  const arity: Record<string, number> = Object.assign({}, ...groups.map((g) => g.arity));

  const PAGE = 65536;
  const maxPages = Math.floor(maxMemory / PAGE);
  const memory = new WebAssembly.Memory({ initial: 32, maximum: maxPages, ...(shared ? { shared: true } : {}) } as WebAssembly.MemoryDescriptor);
  const arena = new Arena(memory, RESERVED, maxPages * PAGE);

  const fns: Record<string, Fn> = {};
  const ids: Record<string, number> = {};
  const table: Array<[number, string]> = [];
  for (let mi = 0; mi < modules.length; mi++) {
    const inst = await WebAssembly.instantiate(modules[mi]!, { env: { memory } });
    for (const [name, v] of Object.entries(inst.exports)) {
      if (typeof v !== 'function') continue;
      fns[name] = v as Fn;
      ids[name] = table.length;
      table.push([mi, name]);
    }
  }

  const info: EngineInfo = { runtime, simd, threads, sharedMemory: shared, version: VERSION, variant, fallbacks };
  let pool: Promise<ThreadPool | null> = Promise.resolve(null);
  if (threads > 1) {
    const ctrl = arena.alloc(CTRL_BYTES);
    new Int32Array(memory.buffer, ctrl, CTRL_BYTES / 4).fill(0);
    const tops: number[] = [];
    for (let w = 0; w < threads - 1; w++) tops.push(arena.alloc(WORKER_STACK) + WORKER_STACK);
    pool = ThreadPool.create(threads - 1, modules, memory, ctrl, tops, table,
      // Deno: node:worker_threads, because only its workers can be unref'd (a web Worker keeps Deno alive)
      typeof (globalThis as any).Worker !== 'function' || runtime === 'deno', canBlock()).catch((e) => {
      fallbacks.push(`workers failed to start, single thread: ${e instanceof Error && e.message ? e.message : String(e)}`);
      info.threads = 1;
      return null;
    });
  }
  const engine = new Engine(info, arena, fns, ids, pool, splitMin, arity, groups.map((g) => g.name));
  return engine;
}
