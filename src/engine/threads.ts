// Thread pool: the calling thread plus N-1 workers, all on the engine's shared memory, driven by an
// Atomics job queue. The control block layout (Int32 words at `ctrl`):
//   [0] job sequence number   [1] finished-worker count   [2] kernel id (-1 = quit)   [3] arg count
//   [4] error flag            [8 + 2w, 9 + 2w] range of worker w      f64 args at ctrl + 256
import { SimdoptError } from '../errors.js';
import { nodeWorkerFailure, webWorkerFailure } from './worker-errors.js';
import { WORKER_SOURCE_NODE, WORKER_SOURCE_WEB } from './worker-source.js';

export const CTRL_BYTES = 512;
const MAX_ARGS = 32;
/** A worker that has not said ready by then is taken as failed (the engine falls back to one thread). */
const START_TIMEOUT_MS = 60000;
/** A job no worker finishes by then means a worker is gone: the call throws instead of waiting forever. */
const JOB_TIMEOUT_MS = 120000;
const g = globalThis as any;

interface WorkerLike { terminate(): unknown; unref?: () => void }

export class ThreadPool {
  readonly size: number;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly workers: WorkerLike[];
  private readonly blocking: boolean;
  /** Set when a worker exits or errors after start: every later run() throws. */
  private dead: string | null = null;

  private constructor(memory: WebAssembly.Memory, ctrl: number, workers: WorkerLike[], blocking: boolean) {
    this.i32 = new Int32Array(memory.buffer, ctrl, 64);
    this.f64 = new Float64Array(memory.buffer, ctrl + 256, MAX_ARGS);
    this.workers = workers;
    this.size = workers.length + 1;
    this.blocking = blocking;
  }

  static async create(count: number, modules: WebAssembly.Module[], memory: WebAssembly.Memory, ctrl: number,
                      stackTops: number[], names: Array<[number, string]>, useNodeWorkers: boolean, blocking: boolean): Promise<ThreadPool> {
    const workers: WorkerLike[] = [];
    const ready: Promise<void>[] = [];
    let NodeWorker: any = null;
    if (useNodeWorkers) {
      const spec = 'node:worker_threads';
      NodeWorker = (await import(/* @vite-ignore */ /* webpackIgnore: true */ spec)).Worker;
    }
    let url: string | null = null;
    for (let w = 0; w < count; w++) {
      const msg = { modules, memory, ctrl, index: w, stackTop: stackTops[w], names };
      if (NodeWorker) {
        const wk = new NodeWorker(WORKER_SOURCE_NODE, { eval: true });
        workers.push(wk);
        ready.push(new Promise((res, rej) => {
          wk.once('message', (m: any) => (m.ready ? res() : rej(nodeWorkerFailure(m.error))));
          wk.once('error', (e: unknown) => rej(nodeWorkerFailure(e)));
          wk.once('exit', (code: number) => rej(new SimdoptError('UNSUPPORTED', `worker exited (code ${code}) before it was ready`)));
        }));
        wk.postMessage(msg);
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
      throw e;
    } finally {
      clearTimeout(timer);
      if (url) URL.revokeObjectURL(url);
    }
    for (const w of workers) w.unref?.();
    const pool = new ThreadPool(memory, ctrl, workers, blocking);
    workers.forEach((w: any, i) => {
      const gone = (why: string) => { pool.dead ??= `worker ${i} ${why}`; };
      if (NodeWorker) { w.on('exit', (c: number) => gone(`exited (code ${c})`)); w.on('error', (e: Error) => gone(`failed: ${e.message}`)); }
      else w.onerror = (e: ErrorEvent) => { e.preventDefault?.(); gone(`failed: ${e.message}`); };
    });
    return pool;
  }

  /**
   * Run kernel `fn` (id in the workers' table, `local` on this thread) over [0, n) split in `parts`
   * chunks whose boundaries are multiples of `align`. Chunk 0 runs here, chunk w+1 on worker w.
   */
  run(fn: number, local: (...a: number[]) => void, n: number, parts: number, align: number, args: number[]): void {
    if (this.dead) throw new SimdoptError('INVALID_STATE', `thread pool unusable: ${this.dead}`);
    const i32 = this.i32;
    const chunk = Math.ceil(Math.ceil(n / parts) / align) * align;
    for (let w = 0; w < this.workers.length; w++) {
      const s = Math.min(n, (w + 1) * chunk), e = Math.min(n, (w + 2) * chunk);
      i32[8 + 2 * w] = s; i32[9 + 2 * w] = e;
    }
    for (let k = 0; k < args.length; k++) this.f64[k] = args[k]!;
    i32[2] = fn; i32[3] = args.length; i32[4] = 0;
    Atomics.store(i32, 1, 0);
    Atomics.add(i32, 0, 1);
    Atomics.notify(i32, 0);
    // Wait for the workers even when the local chunk throws: a job still running in a worker must not
    // count towards the next job.
    try { local(0, Math.min(n, chunk), ...args); } finally { this.join(); }
    if (i32[4] !== 0) throw new SimdoptError('INVALID_STATE', 'a kernel trapped in a worker');
  }

  private join(): void {
    const i32 = this.i32;
    const want = this.workers.length;
    let t0 = 0;
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(i32, 1);
      if (done >= want) break;
      if (this.blocking) Atomics.wait(i32, 1, done, 50);
      if ((spins & 1023) === 1023) {
        // Rarely reached (a job lasting more than ~1000 waits): look for a worker that is gone.
        const now = Date.now();
        t0 ||= now;
        if (this.dead || now - t0 > JOB_TIMEOUT_MS) {
          this.dead ??= `a job did not finish within ${JOB_TIMEOUT_MS / 1000} s`;
          throw new SimdoptError('INVALID_STATE', `thread pool unusable: ${this.dead}`);
        }
      }
    }
  }

  dispose(): void {
    this.dead ??= 'disposed';
    this.i32[2] = -1;
    Atomics.add(this.i32, 0, 1);
    Atomics.notify(this.i32, 0);
    for (const w of this.workers) w.terminate();
  }
}
