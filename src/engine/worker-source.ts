// The worker's program, shipped as a string so that no runtime has to resolve a file path
// (Node: `new Worker(src, { eval: true })`; web, Deno, Bun: a Blob URL module worker).
// It must stay self-contained: no imports, no references outside the function.

/* c8 ignore start */
function workerMain(on: (f: (msg: any) => void) => void, post: (m: any) => void): void {
  on((msg: any) => {
    const { modules, memory, ctrl, index, stackTop, names } = msg;
    const fns: Array<(...a: number[]) => void> = [];
    try {
      const instances = modules.map((m: WebAssembly.Module) => {
        const inst = new WebAssembly.Instance(m, { env: { memory } });
        const sp = (inst.exports as any).__stack_pointer;
        if (sp instanceof WebAssembly.Global) sp.value = stackTop;
        return inst.exports;
      });
      for (const [mi, name] of names) fns.push(instances[mi][name]);
    } catch (e) {
      post({ error: String(e) });
      return;
    }
    post({ ready: true });
    // Constants of ./threads.ts (this function may not import): SEQ 0, TICK 1, FN 2, NARGS 3, TRAP 4;
    // worker slots at 8 + 8 * index: start, end, claim, done, lost.
    const { words, argsByte, maxArgs, port } = msg;
    (globalThis as any).simdoptPort = port;  // kept alive: the sentinel watches the other end, which closes when this thread ends
    const i32 = new Int32Array(memory.buffer, ctrl, words);
    const f64 = new Float64Array(memory.buffer, ctrl + argsByte, maxArgs);
    const b = 8 + 8 * index;
    const args: number[] = [];
    let seq = 0;
    for (;;) {
      // Atomics.wait compares and sleeps atomically: a job published after the load is either seen by
      // the load or makes the wait return 'not-equal'; no timeout is needed.
      while (Atomics.load(i32, 0) === seq) Atomics.wait(i32, 0, seq);
      const prev = seq;
      seq = Atomics.load(i32, 0);
      const fn = Atomics.load(i32, 2);
      if (fn < 0) return;
      if (Atomics.compareExchange(i32, b + 2, prev, seq) === prev) {
        const n = i32[3]!, start = i32[b]!, end = i32[b + 1]!;
        if (start < end) {
          args.length = 0;
          args.push(start, end);
          for (let k = 0; k < n; k++) args.push(f64[k]!);
          try { fns[fn]!(...args); } catch { Atomics.store(i32, 4, 1); }
        }
        Atomics.store(i32, b + 3, seq);
      }
      Atomics.add(i32, 1, 1);
      Atomics.notify(i32, 1);
    }
  });
}
/* c8 ignore stop */

export const WORKER_SOURCE_NODE =
  `const { parentPort } = require('node:worker_threads');\n(${workerMain.toString()})((f) => parentPort.once('message', f), (m) => parentPort.postMessage(m));\n`;
export const WORKER_SOURCE_WEB =
  `(${workerMain.toString()})((f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; }, (m) => self.postMessage(m));\n`;

/* c8 ignore start */
/** The sentinel (Node): sets a worker's `lost` word and wakes the caller when that worker's port closes. */
function sentinelMain(on: (f: (msg: any) => void) => void): void {
  on(({ port, i32, lost }: { port: any; i32: Int32Array; lost: number }) => {
    port.on('close', () => { Atomics.store(i32, lost, 1); Atomics.add(i32, 1, 1); Atomics.notify(i32, 1); });
  });
}
/* c8 ignore stop */
export const SENTINEL_SOURCE_NODE =
  `const { parentPort } = require('node:worker_threads');\n(${sentinelMain.toString()})((f) => parentPort.on('message', f));\n`;
