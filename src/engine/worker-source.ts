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
    const i32 = new Int32Array(memory.buffer, ctrl, 64);
    const f64 = new Float64Array(memory.buffer, ctrl + 256, 32);
    const args: number[] = [];
    let seq = 0;
    for (;;) {
      // Timed waits re-checked in a loop: a lost wake-up (seen once under heavy load, never reproduced)
      // then costs at most 100 ms instead of hanging the caller.
      while (Atomics.load(i32, 0) === seq) Atomics.wait(i32, 0, seq, 100);
      seq = Atomics.load(i32, 0);
      const fn = i32[2]!;
      if (fn < 0) return;
      const n = i32[3]!, start = i32[8 + 2 * index]!, end = i32[9 + 2 * index]!;
      if (start < end) {
        args.length = 0;
        args.push(start, end);
        for (let k = 0; k < n; k++) args.push(f64[k]!);
        try { fns[fn]!(...args); } catch { Atomics.store(i32, 4, 1); }
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
