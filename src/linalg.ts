// Dense linear algebra on engine buffers (row-major), backed by the Rust module (rust/src). Every
// output element is accumulated in a fixed order, so results do not depend on threads or SIMD.
import { requireEngine, type Engine } from './engine/engine.js';
import type { EngineBuffer } from './engine/memory.js';
import { registerGroup } from './engine/families.js';
import { LINALG_MODULES } from './generated/wasm-linalg.js';
import { checkRange, describe, InvalidArgumentError, LengthMismatchError, NotPositiveDefiniteError, requireObject, UnsupportedError } from './errors.js';

/** The Rust module (rust/, built to linalg-<variant>.wasm), registered when this file is imported. */
export const LINALG = /* @__PURE__ */ registerGroup(LINALG_MODULES);

function need(engine: Engine, name: string): void {
  requireEngine(engine);
  engine.requireGroup(LINALG);
  if (!engine.has(name)) throw new UnsupportedError(`linear algebra module not loaded (kernel ${name} missing)`);
}
function dims(...xs: number[]): void {
  for (const x of xs) if (!Number.isInteger(x) || x < 1) throw new LengthMismatchError(`matrix dimensions must be positive integers, got ${describe(x)}`);
}
function opt<T>(o: T | undefined): T {
  if (o === undefined) return {} as T;
  requireObject('options', o);
  return o;
}
/** The dtype of `b` when it is an f32 or f64 buffer (engine.own then checks the rest). */
function dtypeOf(b: unknown): 'f32' | 'f64' {
  return (b as { dtype?: unknown } | null)?.dtype === 'f64' ? 'f64' : 'f32';
}

/**
 * Runs `f` with the pointer of `input`, or of a temporary copy of it when it is the same buffer as
 * `out` (the kernels write `out` while still reading their inputs: aliasing would read overwritten
 * values). The copy is freed afterwards, also on error.
 */
function unaliased<T>(engine: Engine, input: EngineBuffer<any>, out: EngineBuffer<any>, f: (ptr: number) => T): T {
  if (input !== out) return f(input.ptr);
  const tmp = engine.alloc(input.length, input.dtype);
  try {
    (tmp.array as Float32Array).set(input.array as Float32Array);
    return f(tmp.ptr);
  } finally { tmp.free(); }
}

/**
 * Options of `linalg.gemm`: C ← α·op(A)·op(B) + β·C, op(X) = Xᵀ when trans is set. Defaults α = 1, β = 0,
 * no transposes.
 */
export interface GemmOptions { alpha?: number; beta?: number; transA?: boolean; transB?: boolean }

/**
 * C = α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n, C m×n (f32). A is stored m×k (k×m if transA),
 * B k×n (n×k if transB). Each C element sums a_il·b_lj in increasing l in f32; β = 0 never reads C.
 * Runs the packed kernel (panels of op(A) and op(B) copied into a scratch buffer of the engine, so
 * rows whose stride is a multiple of 4 KiB do not thrash the cache); the bits are those of the
 * unpacked kernel for any thread count.
 */
export function gemm(engine: Engine, a: EngineBuffer, b: EngineBuffer, c: EngineBuffer, m: number, n: number, k: number, opts: GemmOptions = {}): void {
  need(engine, 'sgemm'); dims(m, n, k); opts = opt(opts);
  const alpha = checkRange('alpha', opts.alpha ?? 1, -Infinity, Infinity), beta = checkRange('beta', opts.beta ?? 0, -Infinity, Infinity);
  engine.own(a, 'A', m * k); engine.own(b, 'B', k * n);
  const pc = engine.own(c, 'C', m * n);
  const plan = engine.has('sgemm_packed') ? gemmPlan(engine, m, n, k) : null;
  // C may be A or B (or both): those are read from a copy.
  unaliased(engine, a, c, (pa) => unaliased(engine, b, c, (pb) => {
    const args = [m, n, k, alpha, pa, opts.transA ? m : k, pb, opts.transB ? k : n, beta, pc, n, opts.transA ? 1 : 0, opts.transB ? 1 : 0] as const;
    if (plan) engine.run('sgemm_packed', m, [...args, plan.ws.ptr, plan.slotBytes, plan.rows], plan.rows, n * k);
    else engine.run('sgemm', m, [...args], 1, n * k);
  }));
}

/**
 * C = α·op(A)·op(B) + β·C on raw byte pointers with explicit row strides (elements), through the packed
 * kernel when it is loaded: the internal entry of the decompositions (src/linalg-svd.ts) and the
 * optimizers, which multiply views into larger buffers. The caller checked the pointers and shapes.
 */
export function gemmPtr(engine: Engine, m: number, n: number, k: number, alpha: number, pa: number, lda: number, pb: number, ldb: number,
  beta: number, pc: number, ldc: number, transA: boolean, transB: boolean): void {
  const args = [m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, transA ? 1 : 0, transB ? 1 : 0] as const;
  const plan = engine.has('sgemm_packed') ? gemmPlan(engine, m, n, k) : null;
  if (plan) engine.run('sgemm_packed', m, [...args, plan.ws.ptr, plan.slotBytes, plan.rows], plan.rows, n * k);
  else engine.run('sgemm', m, [...args], 1, n * k);
}

/** Rows of sgemm_packed's register tile (rust/src/gemmp.rs MR) and its spill bytes. */
const GEMM_MR = 6, GEMM_SPILL = GEMM_MR * 32;
/** Bytes of op(B) panel per thread: the k×nc panel stays in L2. */
const GEMM_PANEL = 256 * 1024;
/** Above this much scratch (huge k), gemm runs the unpacked kernel instead. */
const GEMM_MAX_WS = 64 * 1024 * 1024;
/** Packing scratch of each engine (grown on demand, never shrunk; the engine's memory, freed with it). */
const gemmWs = new WeakMap<Engine, EngineBuffer>();

/**
 * Scratch for sgemm_packed: one slot per thread (rows are split at multiples of `rows`, and a
 * thread whose rows start at r uses slot r / rows), each a tile spill, a packed GEMM_MR×k slice of
 * op(A) and a k×nc panel of op(B). Null when that would be larger than GEMM_MAX_WS.
 */
function gemmPlan(engine: Engine, m: number, n: number, k: number): { ws: EngineBuffer; slotBytes: number; rows: number } | null {
  const threads = Math.max(1, engine.info.threads);
  const rows = Math.ceil(Math.ceil(m / threads) / GEMM_MR) * GEMM_MR;
  const slots = Math.ceil(m / rows);
  const nc = Math.min(Math.ceil(n / 8) * 8, Math.max(8, Math.floor(GEMM_PANEL / (4 * k) / 8) * 8));
  const slotBytes = GEMM_SPILL + 4 * GEMM_MR * k + 4 * k * nc;
  const bytes = slots * slotBytes;
  if (bytes > GEMM_MAX_WS) return null;
  let ws = gemmWs.get(engine);
  if (!ws || ws.freed || ws.length * 4 < bytes) {
    const next = engine.alloc(Math.max(Math.ceil(bytes / 4), 2 * (ws && !ws.freed ? ws.length : 0)));
    if (ws && !ws.freed) ws.free();
    gemmWs.set(engine, next);
    ws = next;
  }
  return { ws, slotBytes, rows };
}

/** y = α·op(A)·x + β·y with A stored m×n; op(A) = A (y: m, x: n) or Aᵀ when trans (y: n, x: m). */
export function gemv(engine: Engine, a: EngineBuffer, x: EngineBuffer, y: EngineBuffer, m: number, n: number, opts: { alpha?: number; beta?: number; trans?: boolean } = {}): void {
  need(engine, 'sgemv'); dims(m, n); opts = opt(opts);
  const alpha = checkRange('alpha', opts.alpha ?? 1, -Infinity, Infinity), beta = checkRange('beta', opts.beta ?? 0, -Infinity, Infinity);
  const rows = opts.trans ? n : m, cols = opts.trans ? m : n;
  engine.own(a, 'A', m * n); engine.own(x, 'x', cols);
  const py = engine.own(y, 'y', rows);
  // y may be x or A: those are read from a copy.
  unaliased(engine, a, y, (pa) => unaliased(engine, x, y, (px) => engine.run('sgemv', rows, [m, n, alpha, pa, n, px, beta, py, opts.trans ? 1 : 0], opts.trans ? 4 : 1, cols)));
}

/** x·y with the engine's blocked f64 reduction (bit-identical to `engine.dot`). */
export function dot(engine: Engine, x: EngineBuffer, y: EngineBuffer): number {
  need(engine, 'sdot_partials');
  const px = engine.own(x, 'x');
  return engine.reduce('sdot_partials', x.length, [px, engine.own(y, 'y', x.length)]);
}

/**
 * Cholesky factor L (lower, row-major; A = L·Lᵀ) of the symmetric positive-definite n×n matrix `a`
 * (f32 accumulated in f64, or f64), written to `out` (default: a new buffer); `a` is never modified,
 * so a NotPositiveDefiniteError loses nothing. Only the lower triangle of `out` is meaningful.
 */
export function cholesky<D extends 'f32' | 'f64'>(engine: Engine, a: EngineBuffer<D>, n: number, out?: EngineBuffer<D>): EngineBuffer<D> {
  requireEngine(engine);
  dims(n);
  const f64 = dtypeOf(a) === 'f64';
  need(engine, f64 ? 'dpotrf' : 'spotrf');
  engine.own(a as EngineBuffer<any>, 'A', n * n, dtypeOf(a));
  if (out !== undefined) engine.own(out as EngineBuffer<any>, 'out', n * n, dtypeOf(a));
  const l = out ?? engine.alloc(n * n, a.dtype);
  try {
    engine.own(l as EngineBuffer<any>, 'out', n * n, a.dtype);
    const tmp = l === a ? null : l;
    if (tmp) (tmp.array as Float32Array).set(a.array as Float32Array);
    const info = engine.kernel(f64 ? 'dpotrf' : 'spotrf')(n, l.ptr, n);
    if (info !== 0) throw new NotPositiveDefiniteError(`matrix is not positive definite (pivot ${info - 1} is not positive)`, info - 1);
  } catch (e) {
    if (!out) l.free();
    throw e;
  }
  return l;
}

/** Solve A·X = B in place (B: n×nrhs, row-major) given the Cholesky factor L of A. */
export function choleskySolve<D extends 'f32' | 'f64'>(engine: Engine, l: EngineBuffer<D>, b: EngineBuffer<D>, n: number, nrhs = 1): void {
  requireEngine(engine);
  dims(n, nrhs);
  const f64 = dtypeOf(l) === 'f64';
  need(engine, f64 ? 'dpotrs' : 'spotrs');
  engine.own(l as EngineBuffer<any>, 'L', n * n, dtypeOf(l));
  const pb = engine.own(b as EngineBuffer<any>, 'B', n * nrhs, dtypeOf(l));
  // B solved in place may be L itself (nrhs = n): L is then read from a copy.
  unaliased(engine, l, b, (pl) => engine.kernel(f64 ? 'dpotrs' : 'spotrs')(n, nrhs, pl, n, pb, nrhs));
}
/** Result of `linalg.eigh`: A = Σ_i values[i]·v_i·v_iᵀ with v_i = vectors[i·n, (i+1)·n). */
export interface Eigh {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Row i (elements i·n to i·n + n − 1): the unit eigenvector of values[i] (n×n, row-major). */
  vectors: Float64Array;
  /** Jacobi sweeps taken (at most 64). */
  sweeps: number;
}

/**
 * Eigendecomposition of the symmetric n×n matrix `a` (f64, or f32 widened exactly to f64) by cyclic
 * Jacobi rotations in f64 (rust/src/eigh.rs: sweeps until Σ_{p<q} a_pq² ≤ 1e-32·Σ a_ii², at most 64;
 * the same bits in every build and at any thread count). `a` is not modified; both triangles are read
 * (pass a symmetric matrix). Eigenvalues ascending (as numpy.linalg.eigh), eigenvectors as rows.
 */
export function eigh(engine: Engine, a: EngineBuffer<'f32' | 'f64'>, n: number): Eigh {
  requireEngine(engine);
  dims(n);
  need(engine, 'dsyev_jacobi');
  engine.own(a as EngineBuffer<any>, 'A', n * n, dtypeOf(a));
  const bufs: EngineBuffer<'f64'>[] = [];
  try {
    const m = engine.alloc(n * n, 'f64'); bufs.push(m);
    const vals = engine.alloc(n, 'f64'); bufs.push(vals);
    const vecs = engine.alloc(n * n, 'f64'); bufs.push(vecs);
    m.array.set(a.array.subarray(0, n * n));
    if (m.array.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError('eigh: the matrix has non-finite values');
    const sweeps = engine.kernel('dsyev_jacobi')(n, m.ptr, vals.ptr, vecs.ptr) as number;
    return { values: vals.array.slice(0, n), vectors: vecs.array.slice(0, n * n), sweeps };
  } finally { for (const b of bufs) b.free(); }
}

/** Options of `linalg.inverseRoot`. */
export interface InverseRootOptions {
  /** p in A^{-1/p}: 1, 2, 4 or 8. Default 2 (the inverse square root). */
  root?: 1 | 2 | 4 | 8;
  /** ε added to every eigenvalue after the rank-deficiency shift (distributed Shampoo's epsilon). Default 0. */
  epsilon?: number;
  /** Divide A by this before the root (Shampoo's bias correction 1 − β2^t). Default 1. */
  divisor?: number;
  /** Where the f32 result goes (n×n; may be `a`). Default: a new buffer. */
  out?: EngineBuffer;
}

/**
 * The inverse p-th root of the symmetric positive semi-definite n×n f32 matrix `a` as distributed Shampoo's
 * eigen root computes it: A = a/divisor in f64, A = Q·diag(λ)·Qᵀ (Jacobi, as `eigh`), λ_i ← (λ_i − min(λ_min, 0)) + ε,
 * result Q·diag(λ^{-1/p})·Qᵀ rounded to f32 (λ^{-1/p} by p/2^k correctly rounded square roots and one division,
 * so every runtime and build gives the same bits). With ε = 0 a singular A gives infinities. `a` is unchanged
 * unless it is `out`.
 */
export function inverseRoot(engine: Engine, a: EngineBuffer, n: number, opts: InverseRootOptions = {}): EngineBuffer {
  requireEngine(engine);
  dims(n);
  opts = opt(opts);
  need(engine, 'sinvroot_jacobi');
  const root = opts.root ?? 2;
  if (root !== 1 && root !== 2 && root !== 4 && root !== 8) throw new InvalidArgumentError(`root must be 1, 2, 4 or 8, got ${describe(root)}`);
  const eps = checkRange('epsilon', opts.epsilon ?? 0, 0, Infinity);
  const div = checkRange('divisor', opts.divisor ?? 1, 0, Infinity, true);
  const pa = engine.own(a, 'A', n * n);
  if (opts.out !== undefined) engine.own(opts.out, 'out', n * n);
  const work = engine.alloc(2 * n * n + n, 'f64');
  const out = opts.out ?? engine.alloc(n * n);
  try {
    const sweeps = engine.kernel('sinvroot_jacobi')(n, pa, div, eps, root, out.ptr, work.ptr) as number;
    if (sweeps < 0) throw new InvalidArgumentError('inverseRoot: the matrix has non-finite values');
  } catch (e) {
    if (!opts.out) out.free();
    throw e;
  } finally { work.free(); }
  return out;
}
