// The `linalg` namespace of the public API as a plain frozen object (not `export * as`), so that a
// bundler drops it, and the Rust module with it, from an app that never uses it.
import { gemm, gemv, dot, cholesky, choleskySolve } from './linalg.js';
import type * as L from './linalg.js';

/** Dense linear algebra on engine buffers (src/linalg.ts). */
export const linalg = /* @__PURE__ */ Object.freeze({ gemm, gemv, dot, cholesky, choleskySolve });

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace linalg {
  export type GemmOptions = L.GemmOptions;
}
