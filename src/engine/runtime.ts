// Runtime and feature detection (in the spirit of tfjs-backend-wasm): never assume, always probe.

export type RuntimeName = 'node' | 'deno' | 'bun' | 'browser' | 'workerd' | 'unknown';

const g = globalThis as any;

export function detectRuntime(): RuntimeName {
  if (typeof g.Deno !== 'undefined') return 'deno';
  if (typeof g.Bun !== 'undefined') return 'bun';
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (typeof g.process !== 'undefined' && g.process.versions?.node) return 'node';
  if (typeof g.document !== 'undefined' || typeof g.WorkerGlobalScope !== 'undefined') return 'browser';
  return 'unknown';
}

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)) : validates only with SIMD128.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export function hasSimd(): boolean {
  try { return WebAssembly.validate(SIMD_PROBE); } catch { return false; }
}

export function hasSharedMemory(): boolean {
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    return Object.prototype.toString.call(m.buffer) === '[object SharedArrayBuffer]';
  } catch { return false; }
}

/** Whether a shared buffer can be posted to another thread (false in non-isolated pages). */
export function canPostShared(): boolean {
  if (g.crossOriginIsolated === false) return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    if (typeof g.MessageChannel === 'function') {
      const ch = new g.MessageChannel();
      ch.port1.postMessage(m.buffer);
      ch.port1.close(); ch.port2.close();
    }
    return true;
  } catch { return false; }
}

/** Whether this thread may block in Atomics.wait (false on a browser main thread). */
export function canBlock(): boolean {
  try {
    const i = new Int32Array(new (g.SharedArrayBuffer ?? ArrayBuffer)(4));
    Atomics.wait(i, 0, 1, 0);
    return true;
  } catch { return false; }
}

export async function defaultThreadCount(runtime: RuntimeName): Promise<number> {
  let n = Number(g.navigator?.hardwareConcurrency) || 0;
  if (!n && runtime === 'node') {
    try {
      const spec = 'node:os';
      const os = await import(/* @vite-ignore */ /* webpackIgnore: true */ spec);
      n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    } catch { n = 1; }
  }
  return Math.max(1, Math.min(n || 1, 8));
}

export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
