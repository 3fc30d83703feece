// QR and truncated SVD on engine buffers (row-major f32), backed by the Rust module: Householder QR and
// one-sided Jacobi in f64 (rust/src/qr.rs, rust/src/svd.rs), the randomized range finder's products in
// the packed SGEMM (rust/src/gemmp.rs). Every step is single-threaded or a GEMM whose bits do not
// depend on the thread split, so the results are the same on every build and thread count.
import type { Engine } from './engine/engine.js';
import type { EngineBuffer } from './engine/memory.js';
import { describe, InvalidArgumentError, LengthMismatchError, requireObject, UnsupportedError } from './errors.js';
import { gemmPtr, LINALG } from './linalg.js';
import { requireEngine } from './engine/engine.js';

/** Thin QR of a tall matrix: Q (m×n, orthonormal columns) and R (n×n, upper triangular, zeros below). */
export interface QrResult { q: EngineBuffer; r: EngineBuffer }

/**
 * Options of `linalg.svd`; unset fields take the defaults stated on each.
 */
export interface SvdOptions {
  /** Number k of singular triplets returned (the largest), an integer in [1, min(m, n)]. Default min(m, n). */
  rank?: number;
  /**
   * `'jacobi'`: one-sided Jacobi on the whole matrix (f64, exact to f32 rounding; O(sweeps·m·n·min(m, n))).
   * `'randomized'`: Halko–Martinsson–Tropp's range finder with `iters` steps of subspace iteration
   * (Algorithm 4.4), then the exact SVD of the small factor (O((iters + 1)·m·n·l) for l = k + oversample).
   * `'auto'` (default): randomized when k + oversample < min(m, n), else Jacobi.
   */
  method?: 'auto' | 'randomized' | 'jacobi';
  /** Extra columns p of the random test matrix (l = min(k + p, min(m, n))). Default 10. */
  oversample?: number;
  /** Steps q of subspace iteration (each re-orthonormalised by QR). Default 4. */
  iters?: number;
  /** Seed of the counter-based test matrix (an integer in [0, 2⁵³)). Default 0. */
  seed?: number;
}

/** `linalg.svd`'s result: A ≈ U·diag(s)·Vᵀ with U m×k, s (k, decreasing), V n×k. */
export interface SvdResult { u: EngineBuffer; s: EngineBuffer; v: EngineBuffer; rank: number }

function need(engine: Engine, name: string): void {
  requireEngine(engine);
  engine.requireGroup(LINALG);
  if (!engine.has(name)) throw new UnsupportedError(`linear algebra module not loaded (kernel ${name} missing)`);
}
function dim(what: string, x: unknown): number {
  if (!Number.isInteger(x) || (x as number) < 1) throw new LengthMismatchError(`${what} must be a positive integer, got ${describe(x)}`);
  return x as number;
}
function intIn(what: string, x: unknown, lo: number, hi: number): number {
  if (!Number.isInteger(x) || (x as number) < lo || (x as number) > hi) throw new InvalidArgumentError(`${what} must be an integer in [${lo}, ${hi}], got ${describe(x)}`);
  return x as number;
}

/** Temporaries of one call, freed together (also on error). */
class Temps {
  private readonly list: EngineBuffer<any>[] = [];
  constructor(private readonly e: Engine) {}
  f32(n: number): number { const b = this.e.alloc(Math.max(1, n)); this.list.push(b); return b.ptr; }
  f64(n: number): number { const b = this.e.alloc(Math.max(1, n), 'f64'); this.list.push(b); return b.ptr; }
  free(): void { for (const b of this.list) b.free(); this.list.length = 0; }
}

/**
 * Thin Householder QR of the m×n matrix `a` (m ≥ n): A = Q·R, computed in f64 (LAPACK's dgeqr2 +
 * dorg2r: R[j,j] = −sign(A's pivot)·‖column‖), rounded to f32. `a` is not modified. Single-threaded.
 */
export function qr(engine: Engine, a: EngineBuffer, m: number, n: number): QrResult {
  need(engine, 'sgeqr_thin'); dim('m', m); dim('n', n);
  if (m < n) throw new InvalidArgumentError(`qr needs a tall matrix (m ≥ n), got m = ${m}, n = ${n}: factor the transpose`);
  const pa = engine.own(a, 'A', m * n);
  const t = new Temps(engine);
  const q = engine.alloc(m * n);
  let r: EngineBuffer | null = null;
  try {
    r = engine.alloc(n * n);
    const w = t.f64(2 * m * n + n);
    engine.kernel('sgeqr_thin')(m, n, pa, n, 0, q.ptr, n, r.ptr, n, w);
  } catch (err) { q.free(); r?.free(); throw err; } finally { t.free(); }
  return { q, r };
}

/** Parsed SVD options (see SvdOptions). */
export interface SvdPlan { k: number; randomized: boolean; l: number; iters: number; k0: number; k1: number }

/** Checks `opts` for an m×n matrix; throws InvalidArgumentError naming the option. */
export function svdPlan(m: number, n: number, opts: SvdOptions | undefined): SvdPlan {
  if (opts === undefined) opts = {};
  requireObject('svd options', opts);
  const mn = Math.min(m, n);
  const k = intIn('rank', opts.rank ?? mn, 1, mn);
  const p = intIn('oversample', opts.oversample ?? 10, 0, 1 << 20);
  const iters = intIn('iters', opts.iters ?? 4, 0, 1000);
  const seed = intIn('seed', opts.seed ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const method = opts.method ?? 'auto';
  if (method !== 'auto' && method !== 'randomized' && method !== 'jacobi') throw new InvalidArgumentError(`method must be 'auto', 'randomized' or 'jacobi', got ${describe(method)}`);
  const l = Math.min(k + p, mn);
  const randomized = method === 'randomized' || (method === 'auto' && l < mn);
  return { k, randomized, l, iters, k0: seed % 2 ** 32 | 0, k1: Math.floor(seed / 2 ** 32) | 0 };
}

/**
 * The top-k SVD of the m×n f32 matrix at byte pointer `pa` (row stride n) into U (m×k at pu), s (k at ps)
 * and V (n×k at pv), row strides k; `stream` and `draw` are the Philox counter words c2, c3 of the test
 * matrix (callers that factor many matrices under one seed give each its own). Returns the Jacobi sweeps of the final
 * factorisation. Pointers and shapes are the caller's to check.
 */
export function svdInto(e: Engine, pa: number, m: number, n: number, plan: SvdPlan, stream: number, draw: number, pu: number, ps: number, pv: number): number {
  const { k, l } = plan;
  const t = new Temps(e);
  try {
    let sweeps: number;
    if (!plan.randomized) {
      const big = Math.max(m, n), sm = Math.min(m, n);
      const w = t.f64(big * sm + sm * sm + sm);
      sweeps = m >= n ? e.kernel('sgesvd_jacobi')(m, n, pa, n, 0, k, pu, k, ps, pv, k, w)
        : e.kernel('sgesvd_jacobi')(n, m, pa, n, 1, k, pv, k, ps, pu, k, w);
    } else {
      const om = t.f32(n * l), y = t.f32(m * l), q = t.f32(m * l), z = t.f32(n * l), qz = t.f32(n * l), r2 = t.f32(l * l);
      const ur = t.f32(l * k), vr = t.f32(l * k);
      const w = t.f64(2 * Math.max(m, n) * l + l), w2 = t.f64(2 * l * l + l);
      const qrk = e.kernel('sgeqr_thin');
      e.run('philox_uniform_f32', n * l, [om, plan.k0, plan.k1, stream | 0, draw | 0], 4);
      gemmPtr(e, m, l, n, 1, pa, n, om, l, 0, y, l, false, false);          // Y = A·Ω
      for (let it = 0; it < plan.iters; it++) {
        qrk(m, l, y, l, 0, q, l, 0, 0, w);                                   // Q = qr(Y)
        gemmPtr(e, n, l, m, 1, pa, n, q, l, 0, z, l, true, false);           // Z = Aᵀ·Q
        qrk(n, l, z, l, 0, qz, l, 0, 0, w);                                  // Q' = qr(Z)
        gemmPtr(e, m, l, n, 1, pa, n, qz, l, 0, y, l, false, false);         // Y = A·Q'
      }
      qrk(m, l, y, l, 0, q, l, 0, 0, w);                                     // Q = qr(Y): A ≈ Q·Qᵀ·A
      gemmPtr(e, n, l, m, 1, pa, n, q, l, 0, z, l, true, false);             // Bᵀ = Aᵀ·Q
      qrk(n, l, z, l, 0, qz, l, r2, l, w);                                   // Bᵀ = Q₂·R₂
      sweeps = e.kernel('sgesvd_jacobi')(l, l, r2, l, 1, k, ur, k, ps, vr, k, w2); // R₂ᵀ = Uᵣ·S·Vᵣᵀ
      gemmPtr(e, m, k, l, 1, q, l, ur, k, 0, pu, k, false, false);           // U = Q·Uᵣ
      gemmPtr(e, n, k, l, 1, qz, l, vr, k, 0, pv, k, false, false);          // V = Q₂·Vᵣ
    }
    e.kernel('svd_sign_fix')(m, n, k, pu, k, pv, k);
    return sweeps;
  } finally { t.free(); }
}

/**
 * Truncated SVD A ≈ U·diag(s)·Vᵀ of the m×n f32 matrix `a` (not modified): the k = `rank` largest
 * singular values in decreasing order, U m×k and V n×k with orthonormal columns (a column whose singular
 * value is exactly 0 is 0). Sign convention: in each column of U the entry of largest magnitude (the
 * first on ties) is positive (LAPACK's signs are arbitrary; this makes the result unique). See
 * SvdOptions for the methods: the randomized one draws its test matrix Ω (n×l, uniform in (−1, 1)) from
 * Philox4x32-10 keyed by `seed`, so it is deterministic; its error bounds are Halko et al.'s (2011, §10):
 * with q iterations the spectral error is within a factor (1 + 9·√(k+p)·√min(m,n))^{1/(2q+1)} of σ_{k+1}
 * with high probability for Gaussian Ω (the uniform Ω behaves alike in practice, test/linalg-svd checks it).
 */
export function svd(engine: Engine, a: EngineBuffer, m: number, n: number, opts?: SvdOptions): SvdResult {
  need(engine, 'sgesvd_jacobi'); dim('m', m); dim('n', n);
  const pa = engine.own(a, 'A', m * n);
  const plan = svdPlan(m, n, opts);
  const bufs: EngineBuffer[] = [];
  try {
    const u = engine.alloc(m * plan.k); bufs.push(u);
    const s = engine.alloc(plan.k); bufs.push(s);
    const v = engine.alloc(n * plan.k); bufs.push(v);
    svdInto(engine, pa, m, n, plan, 0, 0, u.ptr, s.ptr, v.ptr);
    return { u, s, v, rank: plan.k };
  } catch (err) { for (const b of bufs) b.free(); throw err; }
}
