// Tests for the Rust linear-algebra module (rust/prebuilt/linalg-*.wasm). Self-contained:
//   npx vitest run test/rust-linalg.test.mjs
//
// Every kernel is checked bit for bit against a JS reference that performs the documented IEEE
// operations in the documented order (f32 ops via Math.fround after each operation, f64 ops as JS
// numbers), in all four variants (simd/scalar × shared/plain memory). potrf/potrs are also checked
// for accuracy: ‖L·Lᵀ − A‖max / ‖A‖max and ‖A·x − b‖∞ / (‖A‖∞‖x‖∞ + ‖b‖∞) must stay below
// 1e-12 (f64) and 1e-5 (f32).

import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng as mulberry32 } from './helpers/reference.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const prebuilt = join(here, '..', 'rust', 'prebuilt');
const fr = Math.fround;
const STACK_TOP = 1 << 20; // lld's shadow stack is [0, 1 MiB); data goes above it

function sharedMemoryAvailable() {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

const VARIANTS = [
  { name: 'linalg-simd-mt', shared: true },
  { name: 'linalg-scalar-mt', shared: true },
  { name: 'linalg-simd', shared: false },
  { name: 'linalg-scalar', shared: false },
];

/** Random f32 values in [-1, 1). */
function randF32(rng, len) {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = fr(rng() * 2 - 1);
  return a;
}

function load({ name, shared }) {
  const bytes = readFileSync(join(prebuilt, `${name}.wasm`));
  const memory = shared
    ? new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true })
    : new WebAssembly.Memory({ initial: 64, maximum: 65536 });
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  assert.deepEqual(imports, [{ module: 'env', name: 'memory', kind: 'memory' }]);
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  assert.ok(exports.__stack_pointer instanceof WebAssembly.Global);
  exports.__stack_pointer.value = STACK_TOP; // per-instance stack region (unused by the kernels)
  let top = STACK_TOP;
  const ensure = (end) => {
    const need = Math.ceil(end / 65536) - memory.buffer.byteLength / 65536;
    if (need > 0) memory.grow(need);
  };
  const m = {
    name,
    x: exports,
    memory,
    reset() {
      top = STACK_TOP;
    },
    /** Copies a typed array above 1 MiB (16-byte aligned); returns its byte address. */
    put(arr) {
      const addr = top;
      top = (top + arr.byteLength + 15) & ~15;
      ensure(top);
      new Uint8Array(memory.buffer, addr, arr.byteLength).set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
      return addr;
    },
    f32(addr, len) {
      return new Float32Array(memory.buffer.slice(addr, addr + 4 * len));
    },
    f64(addr, len) {
      return new Float64Array(memory.buffer.slice(addr, addr + 8 * len));
    },
  };
  return m;
}

const haveShared = sharedMemoryAvailable();
const mods = VARIANTS.filter((v) => v.shared === false || haveShared).map(load);
if (!haveShared) console.log('# shared WebAssembly.Memory unavailable: skipping the -mt variants');

function bitsEqual(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  const w = actual.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      const k = Math.floor(i / w);
      assert.fail(`${what}: element ${k} differs: got ${actual[k]}, expected ${expected[k]}`);
    }
  }
}

// ---------------------------------------------------------------- references (documented order)

function refSgemm(rs, re, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, ta, tb) {
  alpha = fr(alpha);
  beta = fr(beta);
  for (let i = rs; i < Math.min(re, m); i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const a = ta ? A[p * lda + i] : A[i * lda + p];
        const b = tb ? B[j * ldb + p] : B[p * ldb + j];
        acc = fr(acc + fr(a * b));
      }
      const o = i * ldc + j;
      C[o] = beta === 0 ? fr(alpha * acc) : fr(fr(alpha * acc) + fr(beta * C[o]));
    }
  }
}

function refSgemv(rs, re, m, n, alpha, A, lda, x, beta, y, trans) {
  alpha = fr(alpha);
  beta = fr(beta);
  const len = trans ? n : m;
  const K = trans ? m : n;
  for (let r = rs; r < Math.min(re, len); r++) {
    let acc = 0;
    for (let q = 0; q < K; q++) acc = fr(acc + fr((trans ? A[q * lda + r] : A[r * lda + q]) * x[q]));
    y[r] = beta === 0 ? fr(alpha * acc) : fr(fr(alpha * acc) + fr(beta * y[r]));
  }
}

function refDotPartials(start, end, x, y, out) {
  for (let b = start; b < end; b += 4096) {
    const e = Math.min(b + 4096, end);
    const l = [0, 0, 0, 0];
    for (let i = b; i < e; i++) l[(i - b) & 3] += x[i] * y[i];
    out[b / 4096] = (l[0] + l[1]) + (l[2] + l[3]);
  }
}

/** dot(u[uo..], v[vo..], len) in the fixed 4-lane order (f64). */
function laneDot(u, uo, v, vo, len) {
  const l = [0, 0, 0, 0];
  for (let p = 0; p < len; p++) l[p & 3] += u[uo + p] * v[vo + p];
  return (l[0] + l[1]) + (l[2] + l[3]);
}

/** potrf reference; `round` is Math.fround for spotrf, identity for dpotrf. Returns info. */
function refPotrf(n, A, lda, round) {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      A[i * lda + j] = round((A[i * lda + j] - laneDot(A, i * lda, A, j * lda, j)) / A[j * lda + j]);
    }
    const d = A[i * lda + i] - laneDot(A, i * lda, A, i * lda, i);
    if (!(d > 0)) return i + 1;
    A[i * lda + i] = round(Math.sqrt(d));
  }
  return 0;
}

function refPotrs(n, nrhs, L, ldl, B, ldb, round) {
  for (let c = 0; c < nrhs; c++) {
    for (let i = 0; i < n; i++) {
      let s = B[i * ldb + c];
      for (let p = 0; p < i; p++) s = s - L[i * ldl + p] * B[p * ldb + c];
      B[i * ldb + c] = round(s / L[i * ldl + i]);
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = B[i * ldb + c];
      for (let p = i + 1; p < n; p++) s = s - L[p * ldl + i] * B[p * ldb + c];
      B[i * ldb + c] = round(s / L[i * ldl + i]);
    }
  }
}

// ---------------------------------------------------------------- module shape

test('modules: only env.memory imported, __stack_pointer exported, no start', () => {
  for (const v of VARIANTS) {
    const mod = new WebAssembly.Module(readFileSync(join(prebuilt, `${v.name}.wasm`)));
    assert.deepEqual(WebAssembly.Module.imports(mod), [{ module: 'env', name: 'memory', kind: 'memory' }], v.name);
    const ex = Object.fromEntries(WebAssembly.Module.exports(mod).map((e) => [e.name, e.kind]));
    for (const f of ['sgemm', 'sgemm_packed', 'sgemv', 'sdot_partials', 'spotrf', 'dpotrf', 'spotrs', 'dpotrs']) {
      assert.equal(ex[f], 'function', `${v.name}: ${f}`);
    }
    assert.equal(ex.__stack_pointer, 'global', v.name);
  }
  // A shared memory cannot be imported by the plain build and vice versa.
  if (haveShared) {
    const plain = new WebAssembly.Module(readFileSync(join(prebuilt, 'linalg-simd.wasm')));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    assert.throws(() => new WebAssembly.Instance(plain, { env: { memory } }));
  }
});

// ---------------------------------------------------------------- sgemm

const GEMM_SIZES = [
  [7, 13, 5],
  [33, 65, 17],
  [1, 1, 1],
  [4, 8, 4],
  [5, 3, 0],
  [12, 40, 300], // k > 256: 32-column panels
  [9, 600, 70], // k > 64: 128-column panels
  [6, 21, 1500],
];
const SCALARS = [
  [1, 0],
  [1.25, 0.75],
  [-0.5, 0],
  [0.3, -1.1],
];

test('sgemm: bit-identical to the JS reference, all trans, all variants, row splits', () => {
  const rng = mulberry32(12345);
  let cases = 0;
  for (const [m, n, k] of GEMM_SIZES) {
    for (const ta of [0, 1]) {
      for (const tb of [0, 1]) {
        const [alpha, beta] = SCALARS[cases++ % SCALARS.length];
        const lda = (ta ? m : k) + 3;
        const ldb = (tb ? k : n) + 1;
        const ldc = n + 2;
        const A = randF32(rng, (ta ? k : m) * lda);
        const B = randF32(rng, (tb ? n : k) * ldb);
        const C0 = randF32(rng, m * ldc);
        if (beta === 0) C0.fill(NaN); // beta == 0 must not read C
        // Pads between rows must survive.
        const want = C0.slice();
        refSgemm(0, m, m, n, k, alpha, A, lda, B, ldb, beta, want, ldc, ta, tb);
        for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) want[i * ldc + j] = C0[i * ldc + j];
        const splits = [[0, m], [0, Math.min(3, m), m], [0, 1, Math.min(6, m), Math.min(7, m), m]];
        for (const mod of mods) {
          for (const cuts of splits) {
            mod.reset();
            const pa = mod.put(A), pb = mod.put(B), pc = mod.put(C0);
            for (let s = 0; s + 1 < cuts.length; s++) {
              mod.x.sgemm(cuts[s], cuts[s + 1], m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ta, tb);
            }
            bitsEqual(mod.f32(pc, m * ldc), want, `${mod.name} sgemm ${m}x${n}x${k} ta=${ta} tb=${tb} a=${alpha} b=${beta} split=${cuts}`);
          }
          // An empty or out-of-range row range is a no-op.
          mod.reset();
          const pa = mod.put(A), pb = mod.put(B), pc = mod.put(C0);
          mod.x.sgemm(m, m + 5, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ta, tb);
          mod.x.sgemm(2, 2, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ta, tb);
          bitsEqual(mod.f32(pc, m * ldc), C0, `${mod.name} sgemm empty range`);
        }
      }
    }
  }
});

// sgemm_packed: the same bits as the reference (so as sgemm) for odd shapes (row, column and k
// tails of the 6×8 tile and of the 4-deep unrolling), all trans, every variant, row splits at
// multiples of rows_per_slot (each range in its own slot), several panel widths; the scratch
// outside the slots and the pads between C rows are untouched; a slot too small runs sgemm.
const MR = 6;
test('sgemm_packed: bit-identical to the JS reference, odd shapes, all trans, all variants, slot splits', () => {
  const rng = mulberry32(2468);
  const shapes = [[1, 1, 1], [5, 7, 3], [6, 8, 4], [13, 17, 9], [7, 33, 130], [25, 9, 61], [40, 70, 5], [12, 100, 257]];
  let cases = 0;
  for (const [m, n, k] of shapes) {
    for (const ta of [0, 1]) for (const tb of [0, 1]) {
      const [alpha, beta] = SCALARS[cases++ % SCALARS.length];
      const lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
      const A = randF32(rng, (ta ? k : m) * lda), B = randF32(rng, (tb ? n : k) * ldb), C0 = randF32(rng, m * ldc);
      if (beta === 0) C0.fill(NaN);
      const want = C0.slice();
      refSgemm(0, m, m, n, k, alpha, A, lda, B, ldb, beta, want, ldc, ta, tb);
      for (const nc of [8, 16, 8 * Math.ceil(n / 8)]) {
        const slotBytes = MR * 32 + 4 * MR * k + 4 * k * nc;
        for (const rows of [m, Math.ceil(m / 2), 4]) {
          const slots = Math.ceil(m / rows);
          for (const mod of mods) {
            mod.reset();
            const pa = mod.put(A), pb = mod.put(B), pc = mod.put(C0);
            const guard = new Float32Array(slots * slotBytes / 4 + 16).fill(1234.5);
            const ps = mod.put(guard);
            for (let s = 0; s < slots; s++) {
              mod.x.sgemm_packed(s * rows, Math.min(m, (s + 1) * rows), m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ta, tb, ps, slotBytes, rows);
            }
            bitsEqual(mod.f32(pc, m * ldc), want, `${mod.name} sgemm_packed ${m}x${n}x${k} ta=${ta} tb=${tb} nc=${nc} rows=${rows}`);
            const tail = mod.f32(ps + slots * slotBytes, 16);
            assert.ok(tail.every((v) => v === 1234.5), `${mod.name} sgemm_packed wrote past its slots`);
          }
        }
      }
      // A slot too small for one sliver, and k == 0 semantics, fall back to sgemm (same bits).
      for (const mod of mods) {
        mod.reset();
        const pa = mod.put(A), pb = mod.put(B), pc = mod.put(C0);
        mod.x.sgemm_packed(0, m, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ta, tb, 0, 16, m);
        bitsEqual(mod.f32(pc, m * ldc), want, `${mod.name} sgemm_packed fallback ${m}x${n}x${k}`);
      }
    }
  }
});

// ---------------------------------------------------------------- sgemv

test('sgemv: bit-identical to the JS reference, both trans, all variants, row splits', () => {
  const rng = mulberry32(777);
  let cases = 0;
  for (const [m, n] of [[7, 13], [33, 65], [1, 1], [20, 3], [64, 100], [3, 37], [50, 17]]) {
    for (const trans of [0, 1]) {
      const [alpha, beta] = SCALARS[cases++ % SCALARS.length];
      const lda = n + 2;
      const A = randF32(rng, m * lda);
      const x = randF32(rng, trans ? m : n);
      const len = trans ? n : m;
      const y0 = randF32(rng, len);
      if (beta === 0) y0.fill(NaN);
      const want = y0.slice();
      refSgemv(0, len, m, n, alpha, A, lda, x, beta, want, trans);
      for (const mod of mods) {
        for (const cuts of [[0, len], [0, Math.min(3, len), len], [0, Math.min(5, len), Math.min(21, len), len]]) {
          mod.reset();
          const pa = mod.put(A), px = mod.put(x), py = mod.put(y0);
          for (let s = 0; s + 1 < cuts.length; s++) mod.x.sgemv(cuts[s], cuts[s + 1], m, n, alpha, pa, lda, px, beta, py, trans);
          bitsEqual(mod.f32(py, len), want, `${mod.name} sgemv ${m}x${n} trans=${trans} split=${cuts}`);
        }
      }
    }
  }
});

// ---------------------------------------------------------------- sdot_partials

test('sdot_partials: bit-identical to the block/lane contract, any block split', () => {
  const rng = mulberry32(4242);
  for (const N of [1, 3, 4, 4095, 4096, 4097, 3 * 4096 + 123]) {
    const x = randF32(rng, N);
    const y = randF32(rng, N);
    const nb = Math.ceil(N / 4096);
    const want = new Float64Array(nb);
    refDotPartials(0, N, x, y, want);
    for (const mod of mods) {
      const splits = [[0, N]];
      if (nb > 1) splits.push([0, 4096, N], [0, 8192 < N ? 8192 : N, N]);
      for (const cuts of splits) {
        mod.reset();
        const px = mod.put(x), py = mod.put(y), po = mod.put(new Float64Array(nb).fill(NaN));
        for (let s = 0; s + 1 < cuts.length; s++) if (cuts[s] < cuts[s + 1]) mod.x.sdot_partials(cuts[s], cuts[s + 1], px, py, po);
        bitsEqual(mod.f64(po, nb), want, `${mod.name} sdot_partials N=${N} split=${cuts}`);
      }
    }
  }
});

// ---------------------------------------------------------------- Cholesky

/** Seeded SPD matrix A = XᵀX + n·I (f64), n×n stored with leading dimension lda. */
function spd(rng, n, lda) {
  const X = new Float64Array(n * n);
  for (let i = 0; i < X.length; i++) X[i] = rng() * 2 - 1;
  const A = new Float64Array(n * lda).fill(12345.5); // pads and upper triangle are sentinels
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += X[p * n + i] * X[p * n + j];
      A[i * lda + j] = s + (i === j ? n : 0);
    }
  }
  return A;
}

function choleskyChecks({ F, potrf, potrs, tol, round, bytes }) {
  const rng = mulberry32(99);
  for (const n of [1, 2, 5, 37, 64]) {
    const lda = n + 3;
    const A64 = spd(rng, n, lda);
    const A = new F(A64); // f32: rounded copy of the SPD matrix
    for (let i = 0; i < n; i++) for (let j = i + 1; j < lda; j++) A[i * lda + j] = -7.25; // upper sentinel
    const nrhs = 5, ldb = nrhs + 1;
    const B = new F(n * ldb);
    for (let i = 0; i < B.length; i++) B[i] = round(rng() * 2 - 1);

    const Lref = A.slice();
    assert.equal(refPotrf(n, Lref, lda, round), 0);
    const Xref = B.slice();
    refPotrs(n, nrhs, Lref, lda, Xref, ldb, round);

    for (const mod of mods) {
      mod.reset();
      const pa = mod.put(A);
      assert.equal(mod.x[potrf](n, pa, lda), 0, `${mod.name} ${potrf} n=${n}`);
      const L = bytes === 4 ? mod.f32(pa, n * lda) : mod.f64(pa, n * lda);
      bitsEqual(L, Lref, `${mod.name} ${potrf} n=${n}`);
      // Upper triangle and pads untouched.
      for (let i = 0; i < n; i++) for (let j = i + 1; j < lda; j++) assert.equal(L[i * lda + j], -7.25);
      // L·Lᵀ ≈ A.
      let amax = 0, emax = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let p = 0; p <= j; p++) s += L[i * lda + p] * L[j * lda + p];
          emax = Math.max(emax, Math.abs(s - A[i * lda + j]));
          amax = Math.max(amax, Math.abs(A[i * lda + j]));
        }
      }
      assert.ok(emax / amax < tol, `${mod.name} ${potrf} n=${n}: ‖LLᵀ−A‖/‖A‖ = ${emax / amax}`);

      const pb = mod.put(B);
      mod.x[potrs](n, nrhs, pa, lda, pb, ldb);
      const X = bytes === 4 ? mod.f32(pb, n * ldb) : mod.f64(pb, n * ldb);
      bitsEqual(X, Xref, `${mod.name} ${potrs} n=${n}`);
      // Residual of A x = b per column, with the full symmetric A (from its lower triangle).
      const sym = (i, j) => (i >= j ? A[i * lda + j] : A[j * lda + i]);
      for (let c = 0; c < nrhs; c++) {
        let rmax = 0, xmax = 0, bmax = 0, anorm = 0;
        for (let i = 0; i < n; i++) {
          let s = 0, rowsum = 0;
          for (let j = 0; j < n; j++) {
            s += sym(i, j) * X[j * ldb + c];
            rowsum += Math.abs(sym(i, j));
          }
          rmax = Math.max(rmax, Math.abs(s - B[i * ldb + c]));
          xmax = Math.max(xmax, Math.abs(X[i * ldb + c]));
          bmax = Math.max(bmax, Math.abs(B[i * ldb + c]));
          anorm = Math.max(anorm, rowsum);
        }
        const rel = rmax / (anorm * xmax + bmax);
        assert.ok(rel < tol, `${mod.name} ${potrs} n=${n} col ${c}: relative residual ${rel}`);
      }
      // The pad column of B is untouched.
      for (let i = 0; i < n; i++) assert.equal(X[i * ldb + nrhs], B[i * ldb + nrhs]);
    }
  }

  // Not positive definite: returns the 1-based index of the failing pivot, partially factored.
  for (const mod of mods) {
    mod.reset();
    // [[4, 2, ·], [2, 1, ·], [0, 5, 9]]: pivot 2 is 1 - 1 = 0 → info 2.
    const M = new F([4, 99, 99, 2, 1, 99, 0, 5, 9]);
    const pm = mod.put(M);
    assert.equal(mod.x[potrf](3, pm, 3), 2, `${mod.name} ${potrf} singular`);
    const got = bytes === 4 ? mod.f32(pm, 9) : mod.f64(pm, 9);
    // Row 0 factored (2), row 1: L[1,0] = 2/2 = 1 stored, A[1,1] = 1 unchanged; row 2 untouched.
    assert.deepEqual(Array.from(got), [2, 99, 99, 1, 1, 99, 0, 5, 9]);
    // Indefinite: [[1,2],[2,1]] → info 2; negative first pivot → info 1; NaN pivot → info 1.
    assert.equal(mod.x[potrf](2, mod.put(new F([1, 2, 2, 1])), 2), 2);
    assert.equal(mod.x[potrf](2, mod.put(new F([-1, 0, 0, 1])), 2), 1);
    assert.equal(mod.x[potrf](1, mod.put(new F([NaN])), 1), 1);
    assert.equal(mod.x[potrf](0, mod.put(new F([1])), 1), 0);
  }
}

test('dpotrf/dpotrs: bit-identical to the reference, ‖LLᵀ−A‖ and residual < 1e-12', () => {
  choleskyChecks({ F: Float64Array, potrf: 'dpotrf', potrs: 'dpotrs', tol: 1e-12, round: (v) => v, bytes: 8 });
});

test('spotrf/spotrs: bit-identical to the reference, ‖LLᵀ−A‖ and residual < 1e-5', () => {
  choleskyChecks({ F: Float32Array, potrf: 'spotrf', potrs: 'spotrs', tol: 1e-5, round: fr, bytes: 4 });
});

test('sqrt in the scalar build (software) and the SIMD build (f64x2.sqrt) are IEEE sqrt', () => {
  // dpotrf on 1×1 matrices: L = sqrt(A); spotrf: L = fround(sqrt(A)).
  const rng = mulberry32(2024);
  const special = [1, 2, 3, 4, 0.25, 2 ** -1022, 5e-324, 1e-310, 1e300, 1.7976931348623157e308, 9, 16, 1 + 2 ** -52, 1 - 2 ** -53, Infinity];
  const n = 20000;
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = i < special.length ? special[i] : (rng() + 0.5) * 2 ** (Math.floor(rng() * 600) - 300);
  const diag32 = new Float32Array(diag.map((v) => (v > 3e38 || v < 1e-30 ? 1.5 : v)));
  for (const mod of mods) {
    mod.reset();
    const pd = mod.put(diag), ps = mod.put(diag32);
    for (let i = 0; i < n; i++) {
      assert.equal(mod.x.dpotrf(1, pd + 8 * i, 1), 0);
      assert.equal(mod.x.spotrf(1, ps + 4 * i, 1), 0);
    }
    bitsEqual(mod.f64(pd, n), diag.map(Math.sqrt), `${mod.name} dpotrf sqrt`);
    bitsEqual(mod.f32(ps, n), diag32.map((v) => fr(Math.sqrt(v))), `${mod.name} spotrf sqrt`);
  }
});
