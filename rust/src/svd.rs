//! Thin SVD by one-sided (Hestenes) Jacobi in f64, the sign convention of the factors, and the
//! counter-based test matrix of the randomized SVD (src/linalg-svd.ts drives the range finder).
//!
//! `sgesvd_jacobi` factors M (m×n, m ≥ n ≥ 1; M = A or Aᵀ) as M = U·diag(s)·Vᵀ: M's columns are widened
//! to f64 (column-major copy W), V = I; cyclic sweeps over the pairs p < q (p outer, increasing):
//! α = ‖w_p‖², β = ‖w_q‖², γ = w_p·w_q (`dot4` each); the pair is skipped when γ = 0 or
//! |γ| ≤ 2⁻⁵²·√(α·β) (orthogonal to working precision); else ζ = (β − α)/(2γ),
//! t = sign(ζ)/(|ζ| + √(1 + ζ²)) (t = 1/(2ζ) once |ζ| > 1e150), c = 1/√(1 + t²), s = c·t and
//! (w_p, w_q) ← (c·w_p − s·w_q, s·w_p + c·w_q), the same rotation on (v_p, v_q). Sweeps stop after
//! one without a rotation (at most 60). Then s_j = ‖w_j‖, u_j = w_j/s_j (u_j = 0 when s_j = 0), and
//! the first k columns in decreasing s (ties: lower index first) are written in f32. Accurate to
//! f64 working precision on the singular values of the f32 input (Demmel–Veselić), i.e. exact after
//! the rounding to f32 for the inputs GaLore feeds it. O(sweeps·m·n²), single-threaded.
//!
//! `svd_sign_fix` makes the factorisation unique up to ties: in each column j of U, the entry of
//! largest magnitude (the first one on ties) is made positive by negating u_j and v_j.
//!
//! `philox_uniform_f32` fills n floats with odd multiples of 2⁻²⁴ in (−1, 1), uniform, from
//! Philox4x32-10 (Salmon et al. 2011; key (k0, k1), counter (b, b >> 32, c2, c3) for block b of four
//! outputs, x ↦ (2·(x >> 8) + 1)·2⁻²⁴ − 1, exact in f32): the same bits on every runtime, build and
//! thread split (element i depends only on i and the key).

use crate::mem::*;
use crate::qr::{dot4, fabs};

const MAX_SWEEPS: i32 = 60;

/// Rotation of columns p, q (length len, byte pointers) by (c, s): (x, y) ← (c·x − s·y, s·x + c·y).
#[inline(always)]
unsafe fn rot(x: usize, y: usize, len: usize, c: f64, s: f64) {
    let mut i = 0usize;
    #[cfg(target_feature = "simd128")]
    {
        use crate::mem::v::*;
        let (vc, vs) = (f64x2_splat(c), f64x2_splat(s));
        while i + 2 <= len {
            let (px, py) = ((x + 8 * i) as *mut v128, (y + 8 * i) as *mut v128);
            let (a, b) = (v128_load(px as *const v128), v128_load(py as *const v128));
            v128_store(px, f64x2_sub(f64x2_mul(vc, a), f64x2_mul(vs, b)));
            v128_store(py, f64x2_add(f64x2_mul(vs, a), f64x2_mul(vc, b)));
            i += 2;
        }
    }
    while i < len {
        let (a, b) = (ldd(x + 8 * i), ldd(y + 8 * i));
        std_(x + 8 * i, c * a - s * b);
        std_(y + 8 * i, s * a + c * b);
        i += 1;
    }
}

/// `sgesvd_jacobi(m, n, a, lda, trans, k, u, ldu, s, v, ldv, work)`: M = A (m×n, row stride lda) or,
/// trans ≠ 0, M = Aᵀ (A stored n×m); m ≥ n ≥ k ≥ 1. Writes U (m×k, row stride ldu), s (k), V (n×k,
/// row stride ldv) of the top k. `work`: 8-aligned, m·n + n·n + n f64. Returns the sweeps taken
/// (MAX_SWEEPS + 1 if it stopped unconverged), or −1 for a bad shape (nothing written).
#[no_mangle]
pub unsafe extern "C" fn sgesvd_jacobi(
    m: i32,
    n: i32,
    a: usize,
    lda: i32,
    trans: i32,
    k: i32,
    u: usize,
    ldu: i32,
    s: usize,
    v: usize,
    ldv: i32,
    work: usize,
) -> i32 {
    if n < 1 || m < n || k < 1 || k > n {
        return -1;
    }
    let (m, n, lda, k, ldu, ldv) = (uz(m), uz(n), uz(lda), uz(k), uz(ldu), uz(ldv));
    let w = work;
    let vw = w + 8 * m * n;
    let nrm = vw + 8 * n * n;
    let mut j = 0;
    while j < n {
        let mut i = 0;
        while i < m {
            let x = if trans != 0 { ldf(a + 4 * (j * lda + i)) } else { ldf(a + 4 * (i * lda + j)) };
            std_(w + 8 * (m * j + i), x as f64);
            i += 1;
        }
        let mut i = 0;
        while i < n {
            std_(vw + 8 * (n * j + i), if i == j { 1.0 } else { 0.0 });
            i += 1;
        }
        j += 1;
    }
    let tol = 2.220446049250313e-16; // 2^-52
    let mut sweeps = 0;
    loop {
        if sweeps == MAX_SWEEPS {
            sweeps += 1;
            break;
        }
        sweeps += 1;
        let mut rotated = 0;
        let mut p = 0;
        while p + 1 < n {
            let wp = w + 8 * m * p;
            let mut q = p + 1;
            while q < n {
                let wq = w + 8 * m * q;
                let al = dot4(wp, wp, m);
                let be = dot4(wq, wq, m);
                let ga = dot4(wp, wq, m);
                if ga != 0.0 && fabs(ga) > tol * sqrt_pos(al * be) {
                    rotated += 1;
                    let zeta = (be - al) / (2.0 * ga);
                    let az = fabs(zeta);
                    let t0 = if az > 1e150 { 1.0 / (2.0 * az) } else { 1.0 / (az + sqrt_pos(1.0 + az * az)) };
                    let t = if zeta < 0.0 { -t0 } else { t0 };
                    let c = 1.0 / sqrt_pos(1.0 + t * t);
                    let sn = c * t;
                    rot(wp, wq, m, c, sn);
                    rot(vw + 8 * n * p, vw + 8 * n * q, n, c, sn);
                }
                q += 1;
            }
            p += 1;
        }
        if rotated == 0 {
            break;
        }
    }
    let mut j = 0;
    while j < n {
        let wj = w + 8 * m * j;
        let ss = dot4(wj, wj, m);
        std_(nrm + 8 * j, if ss > 0.0 { sqrt_pos(ss) } else { 0.0 });
        j += 1;
    }
    // Top k by selection (descending; ties keep the lower index); picked entries become −1.
    let mut o = 0;
    while o < k {
        let mut best = 0usize;
        let mut bv = -2.0f64;
        let mut j = 0;
        while j < n {
            let x = ldd(nrm + 8 * j);
            if x > bv {
                bv = x;
                best = j;
            }
            j += 1;
        }
        std_(nrm + 8 * best, -1.0);
        stf(s + 4 * o, bv as f32);
        let wj = w + 8 * m * best;
        let inv = if bv > 0.0 { 1.0 / bv } else { 0.0 };
        let mut i = 0;
        while i < m {
            stf(u + 4 * (i * ldu + o), (ldd(wj + 8 * i) * inv) as f32);
            i += 1;
        }
        let vj = vw + 8 * n * best;
        let mut i = 0;
        while i < n {
            stf(v + 4 * (i * ldv + o), ldd(vj + 8 * i) as f32);
            i += 1;
        }
        o += 1;
    }
    sweeps
}

/// `svd_sign_fix(m, n, k, u, ldu, v, ldv)`: for each column j < k of U (m rows, row stride ldu), if its
/// entry of largest |·| (first on ties) is negative, negate column j of U and of V (n rows, stride ldv).
#[no_mangle]
pub unsafe extern "C" fn svd_sign_fix(m: i32, n: i32, k: i32, u: usize, ldu: i32, v: usize, ldv: i32) {
    let (m, n, k, ldu, ldv) = (uz(m), uz(n), uz(k), uz(ldu), uz(ldv));
    let mut j = 0;
    while j < k {
        let mut bv = -1.0f32;
        let mut neg = false;
        let mut i = 0;
        while i < m {
            let x = ldf(u + 4 * (i * ldu + j));
            let ax = f32::from_bits(x.to_bits() & 0x7fff_ffff);
            if ax > bv {
                bv = ax;
                neg = x < 0.0;
            }
            i += 1;
        }
        if neg {
            let mut i = 0;
            while i < m {
                let p = u + 4 * (i * ldu + j);
                stf(p, -ldf(p));
                i += 1;
            }
            let mut i = 0;
            while i < n {
                let p = v + 4 * (i * ldv + j);
                stf(p, -ldf(p));
                i += 1;
            }
        }
        j += 1;
    }
}

#[inline(always)]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = (a as u64) * (b as u64);
    ((p >> 32) as u32, p as u32)
}

/// Philox4x32-10 of counter c under key (k0, k1).
#[inline(always)]
fn philox(mut c: [u32; 4], mut k0: u32, mut k1: u32) -> [u32; 4] {
    let mut r = 0;
    while r < 10 {
        let (h0, l0) = mulhilo(0xD251_1F53, c[0]);
        let (h1, l1) = mulhilo(0xCD9E_8D57, c[2]);
        c = [h1 ^ c[1] ^ k0, l1, h0 ^ c[3] ^ k1, l0];
        k0 = k0.wrapping_add(0x9E37_79B9);
        k1 = k1.wrapping_add(0xBB67_AE85);
        r += 1;
    }
    c
}

/// `philox_uniform_f32(start, end, out, k0, k1, c2, c3)`: out[i] for i in [start, end) (see the module
/// docs); `start` a multiple of 4 for a thread split (any split gives the same values).
#[no_mangle]
pub unsafe extern "C" fn philox_uniform_f32(start: i32, end: i32, out: usize, k0: i32, k1: i32, c2: i32, c3: i32) {
    let (s, e) = (uz(start), uz(end));
    let mut i = s;
    while i < e {
        let b = (i / 4) as u64;
        let x = philox([b as u32, (b >> 32) as u32, c2 as u32, c3 as u32], k0 as u32, k1 as u32);
        let mut l = i % 4;
        while l < 4 && i < e {
            let y = ((2 * (x[l] >> 8) + 1) as f64) * (1.0 / 16777216.0) - 1.0;
            stf(out + 4 * i, y as f32);
            l += 1;
            i += 1;
        }
    }
}
