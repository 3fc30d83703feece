// The `linalg` namespace of the public API as a plain frozen object (not `export * as`), so that a
// bundler drops it, and the Rust module with it, from an app that never uses it.
import { gemm, gemv, dot, cholesky, choleskySolve, eigh, inverseRoot } from './linalg.js';
import { qr, svd } from './linalg-svd.js';
import type * as L from './linalg.js';
import type * as S from './linalg-svd.js';

/** Dense linear algebra on engine buffers (src/linalg.ts). */
export const linalg = /* @__PURE__ */ Object.freeze({ gemm, gemv, dot, cholesky, choleskySolve, qr, svd, eigh, inverseRoot });

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace linalg {
  export type GemmOptions = L.GemmOptions;
  export type SvdOptions = S.SvdOptions;
  export type SvdResult = S.SvdResult;
  export type QrResult = S.QrResult;
  export type Eigh = L.Eigh;
  export type InverseRootOptions = L.InverseRootOptions;
}
