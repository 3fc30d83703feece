// Thread pool: the calling thread plus N-1 workers, all on the engine's shared memory, driven by an
// Atomics job protocol over a control block (Int32 words at `ctrl`, layout in ./ctrl.ts' constants below):
//   [SEQ] job number   [TICK] bumped (and notified) whenever a worker finishes or is lost
//   [FN] kernel id (-1 = quit)   [NARGS] argument count   [TRAP] set when a kernel trapped in a worker
//   per worker w, at W0 + STRIDE*w: [start, end, claim, done, lost]     f64 arguments at ARGS_BYTE
//
// Job k: the caller writes the ranges and arguments with plain stores, then Atomics.store(SEQ, k) (a
// seq-cst write: a worker whose Atomics.load sees k also sees everything written before it) and
// notifies. A worker claims its chunk with compareExchange(claim, k-1, k), runs it, stores done = k and
// bumps TICK. The caller waits until done = k for every worker: completion is recorded per worker and
// per job, so a late or repeated completion can never count towards another job (the old shared
// counter, reset to 0 at each job, could be bumped by a late worker and then overshoot: a wait that
// never ends at 0% CPU).
//
// A worker that dies cannot say so while the caller blocks in Atomics.wait: its 'exit' event needs
// the caller's event loop, which is blocked, so the old pool waited for it until a 120 s timeout. In
// Node a sentinel thread holds the other end of a MessagePort per worker; the port closes when the
// worker's thread ends, and the sentinel (whose event loop is free) sets `lost` and notifies TICK. The
// caller then claims the lost worker's chunk itself if the worker had not claimed it (so the job still
// completes, bit for bit as on one thread) and the pool is retired.
//
// Growth: shared memories never move or detach, so the views taken at start stay valid after
// memory.grow in every thread; kernels reach memory through their instance, which sees the new size.
import { LengthMismatchError, SimdoptError, WorkerLostError } from '../errors.js';
import { nodeWorkerFailure, webWorkerFailure } from './worker-errors.js';
import { WORKER_SOURCE_NODE, WORKER_SOURCE_WEB, SENTINEL_SOURCE_NODE } from './worker-source.js';

/** Most threads an engine can have (the calling thread + MAX_THREADS - 1 workers). */
export const MAX_THREADS = 64;
/** Most numeric arguments of one kernel call (beyond start, end). */
export const MAX_ARGS = 32;
export const SEQ = 0, TICK = 1, FN = 2, NARGS = 3, TRAP = 4;
export const W0 = 8, STRIDE = 8;
export const START = 0, END = 1, CLAIM = 2, DONE = 3, LOST = 4;
export const ARGS_BYTE = (W0 + STRIDE * (MAX_THREADS - 1)) * 4;
export const CTRL_BYTES = ARGS_BYTE + MAX_ARGS * 8;
export const CTRL_WORDS = ARGS_BYTE / 4;
/** A worker that has not said ready by then is taken as failed (the engine falls back to one thread). */
const START_TIMEOUT_MS = 60000;
/**
 * Last resort where no sentinel can watch the workers (web Workers, Bun): a job no worker finishes by
 * then means a worker is gone. Node never needs it (the sentinel reports a lost worker at once).
 */
const JOB_TIMEOUT_MS = 120000;
const g = globalThis as any;

interface WorkerLike { terminate(): unknown; unref?: () => void }

export class ThreadPool {
  readonly size: number;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly workers: WorkerLike[];
  private readonly sentinel: WorkerLike | null;
  private readonly blocking: boolean;
  private seq = 0;
  /** Set when a worker was lost or the pool disposed: the engine retires the pool. */
  dead: string | null = null;

  private constructor(memory: WebAssembly.Memory, ctrl: number, workers: WorkerLike[], sentinel: WorkerLike | null, blocking: boolean) {
    this.i32 = new Int32Array(memory.buffer, ctrl, CTRL_WORDS);
    this.f64 = new Float64Array(memory.buffer, ctrl + ARGS_BYTE, MAX_ARGS);
    this.workers = workers;
    this.sentinel = sentinel;
    this.size = workers.length + 1;
    this.blocking = blocking;
  }

  static async create(count: number, modules: WebAssembly.Module[], memory: WebAssembly.Memory, ctrl: number,
                      stackTops: number[], names: Array<[number, string]>, useNodeWorkers: boolean, blocking: boolean): Promise<ThreadPool> {
    if (count > MAX_THREADS - 1) throw new SimdoptError('UNSUPPORTED', `at most ${MAX_THREADS - 1} workers`);
    const workers: WorkerLike[] = [];
    const ready: Promise<void>[] = [];
    let NodeWorker: any = null, NodeChannel: any = null;
    if (useNodeWorkers) {
      const spec = 'node:worker_threads';
      const wt = await import(/* @vite-ignore */ /* webpackIgnore: true */ spec);
      NodeWorker = wt.Worker; NodeChannel = wt.MessageChannel;
    }
    const ctrlView = new Int32Array(memory.buffer, ctrl, CTRL_WORDS);
    // The sentinel (Node only): ports whose closing means a worker's thread has ended.
    let sentinel: any = null;
    if (NodeWorker && NodeChannel && !g.Deno) {
      sentinel = new NodeWorker(SENTINEL_SOURCE_NODE, { eval: true });
      sentinel.unref();
    }
    let url: string | null = null;
    for (let w = 0; w < count; w++) {
      const msg: any = { modules, memory, ctrl, index: w, stackTop: stackTops[w], names, words: CTRL_WORDS, argsByte: ARGS_BYTE, maxArgs: MAX_ARGS };
      if (NodeWorker) {
        const wk = new NodeWorker(WORKER_SOURCE_NODE, { eval: true });
        workers.push(wk);
        ready.push(new Promise((res, rej) => {
          wk.once('message', (m: any) => (m.ready ? res() : rej(nodeWorkerFailure(m.error))));
          wk.once('error', (e: unknown) => rej(nodeWorkerFailure(e)));
          wk.once('exit', (code: number) => rej(new SimdoptError('UNSUPPORTED', `worker exited (code ${code}) before it was ready`)));
        }));
        if (sentinel) {
          const ch = new NodeChannel();
          msg.port = ch.port2;
          sentinel.postMessage({ port: ch.port1, i32: ctrlView, lost: W0 + STRIDE * w + LOST }, [ch.port1]);
          wk.postMessage(msg, [ch.port2]);
        } else wk.postMessage(msg);
      } else {
        let wk: any;
        try {
          url ??= URL.createObjectURL(new Blob([WORKER_SOURCE_WEB], { type: 'text/javascript' }));
          wk = new g.Worker(url, { type: 'module' });
        } catch (e) {
          for (const w of workers) w.terminate();
          throw webWorkerFailure(e);
        }
        workers.push(wk);
        ready.push(new Promise((res, rej) => {
          wk.onmessage = (e: MessageEvent) => (e.data.ready ? res() : rej(webWorkerFailure({ message: String(e.data.error) })));
          wk.onerror = (e: ErrorEvent) => { e.preventDefault?.(); rej(webWorkerFailure(e)); };
        }));
        wk.postMessage(msg);
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new SimdoptError('UNSUPPORTED', `workers not ready after ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      (timer as any)?.unref?.();
    });
    try {
      await Promise.race([Promise.all(ready), timeout]);
    } catch (e) {
      for (const w of workers) w.terminate();
      sentinel?.terminate();
      throw e;
    } finally {
      clearTimeout(timer);
      if (url) URL.revokeObjectURL(url);
    }
    for (const w of workers) w.unref?.();
    const pool = new ThreadPool(memory, ctrl, workers, sentinel, blocking);
    workers.forEach((w: any, i) => {
      const gone = (why: string) => pool.lose(i, why);
      if (NodeWorker) { w.on('exit', (c: number) => gone(`exited (code ${c})`)); w.on('error', (e: Error) => gone(`failed: ${e.message}`)); }
      else w.onerror = (e: ErrorEvent) => { e.preventDefault?.(); gone(`failed: ${e.message}`); };
    });
    return pool;
  }

  /** Mark worker `w` lost (from its exit/error event; the sentinel does the same from its thread). */
  private lose(w: number, why: string): void {
    if (this.dead === 'disposed') return;
    this.dead ??= `worker ${w} ${why}`;
    Atomics.store(this.i32, W0 + STRIDE * w + LOST, 1);
    Atomics.add(this.i32, TICK, 1);
    Atomics.notify(this.i32, TICK);
  }

  /** Whether some worker is known to be gone (set by the sentinel even while this thread was blocked). */
  get anyLost(): boolean {
    if (this.dead) return true;
    for (let w = 0; w < this.workers.length; w++) {
      if (Atomics.load(this.i32, W0 + STRIDE * w + LOST) !== 0) { this.dead = `worker ${w} exited`; return true; }
    }
    return false;
  }

  /**
   * Run kernel `fn` (id in the workers' table, `local` on this thread) over [0, n) split in `parts`
   * chunks whose boundaries are multiples of `align`. Chunk 0 runs here, chunk w+1 on worker w.
   * Returns normally when every chunk ran (on its worker, or here for a worker that was lost before it
   * claimed its chunk: check `dead` afterwards); throws WorkerLostError when a worker died while
   * running its chunk, SimdoptError when a kernel trapped in a worker.
   */
  run(fn: number, local: (...a: number[]) => void, n: number, parts: number, align: number, args: number[]): void {
    if (this.dead) throw new SimdoptError('INVALID_STATE', `thread pool unusable: ${this.dead}`);
    if (args.length > MAX_ARGS) throw new LengthMismatchError(`a kernel takes at most ${MAX_ARGS} arguments, got ${args.length}`);
    const i32 = this.i32;
    const chunk = Math.ceil(Math.ceil(n / parts) / align) * align;
    for (let w = 0; w < this.workers.length; w++) {
      const b = W0 + STRIDE * w;
      i32[b + START] = Math.min(n, (w + 1) * chunk); i32[b + END] = Math.min(n, (w + 2) * chunk);
    }
    for (let k = 0; k < args.length; k++) this.f64[k] = args[k]!;
    i32[FN] = fn; i32[NARGS] = args.length; i32[TRAP] = 0;
    const prev = this.seq, seq = (prev + 1) | 0;
    this.seq = seq;
    Atomics.store(i32, SEQ, seq);  // publishes everything written above
    Atomics.notify(i32, SEQ);
    // Wait for the workers even when the local chunk throws: no job may still run when the next starts.
    try { local(0, Math.min(n, chunk), ...args); } finally { this.join(prev, seq, local, args); }
    if (Atomics.load(i32, TRAP) !== 0) throw new SimdoptError('INVALID_STATE', 'a kernel trapped in a worker');
  }

  private join(prev: number, seq: number, local: (...a: number[]) => void, args: number[]): void {
    const i32 = this.i32;
    let t0 = 0, spins = 0, broken = -1;
    for (;;) {
      const tick = Atomics.load(i32, TICK);
      let pending = 0;
      for (let w = 0; w < this.workers.length; w++) {
        const b = W0 + STRIDE * w;
        if (Atomics.load(i32, b + DONE) === seq) continue;
        if (Atomics.load(i32, b + LOST) === 0) { pending++; continue; }
        this.dead ??= `worker ${w} exited`;
        // Lost: run its chunk here unless it had claimed it (then its outputs are half written).
        if (Atomics.compareExchange(i32, b + CLAIM, prev, seq) === prev) {
          const s = i32[b + START]!, e = i32[b + END]!;
          if (s < e) local(s, e, ...args);
          Atomics.store(i32, b + DONE, seq);
        } else if (Atomics.load(i32, b + DONE) !== seq) { broken = w; Atomics.store(i32, b + DONE, seq); }
      }
      if (pending === 0) break;
      if (this.blocking) Atomics.wait(i32, TICK, tick, 50);
      if ((++spins & 63) === 0) {
        const now = Date.now();
        t0 ||= now;
        if (now - t0 > JOB_TIMEOUT_MS) {
          this.dead ??= `a job did not finish within ${JOB_TIMEOUT_MS / 1000} s`;
          throw new WorkerLostError(`thread pool unusable: ${this.dead}`, false);
        }
      }
    }
    if (broken >= 0) {
      throw new WorkerLostError(`worker ${broken} died while running its part of a kernel: that call's outputs are undefined; the engine continues on one thread`, false);
    }
  }

  dispose(): void {
    this.dead = 'disposed';
    Atomics.store(this.i32, FN, -1);
    this.seq = (this.seq + 1) | 0;
    Atomics.store(this.i32, SEQ, this.seq);
    Atomics.notify(this.i32, SEQ);
    for (const w of this.workers) w.terminate();
    this.sentinel?.terminate();
  }
}
