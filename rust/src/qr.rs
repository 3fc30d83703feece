//! Householder QR (thin) of a tall f32 matrix, in f64, and the f64 helpers the SVD shares.
//!
//! `sgeqr_thin` factors A (m×n, m ≥ n ≥ 1, row-major f32) as A = Q·R with Q m×n orthonormal columns
//! and R n×n upper triangular (LAPACK's dgeqr2 + dorg2r, unblocked): the columns of A are widened to
//! f64 into a column-major copy, reflector j is H_j = I − τ_j·v_j·v_jᵀ with v_j[j] = 1,
//! β = −sign(α)·‖x‖ (α = x[j]; sign(0) = +), τ = (β − α)/β, v = x/(α − β) below the diagonal; a column
//! whose part below the diagonal is all zero gets τ = 0 (H = I, R[j,j] = α as it is). Q is formed by
//! applying H_{n−1}…H_0 to the first n columns of the identity (backward accumulation). Q and R are
//! rounded to f32 once at the end.
//!
//! Every dot product is `dot4` (four lanes in f64, fixed order, the same in the SIMD and scalar
//! builds) and every update is elementwise, so both builds give the same bits. Single-threaded: the
//! caller runs it on one thread (it is O(m·n²); the products around it carry the O(m·n·k) work).
//!
//! Work: `work` is an 8-aligned byte pointer to 2·m·n + n f64.

use crate::mem::*;

/// Σ u[p]·v[p] over `len` f64 at byte pointers u, v: four lanes (lane p mod 4), added as
/// (l0 + l1) + (l2 + l3); the same order in every build.
#[inline(always)]
pub unsafe fn dot4(u: usize, v: usize, len: usize) -> f64 {
    let mut p = 0usize;
    let e4 = len & !3;
    #[allow(unused_mut)]
    let (mut a0, mut a1, mut a2, mut a3): (f64, f64, f64, f64);
    #[cfg(target_feature = "simd128")]
    {
        use crate::mem::v::*;
        let mut lo = f64x2_splat(0.0);
        let mut hi = f64x2_splat(0.0);
        while p < e4 {
            let (x, y) = (u + 8 * p, v + 8 * p);
            lo = f64x2_add(lo, f64x2_mul(v128_load(x as *const v128), v128_load(y as *const v128)));
            hi = f64x2_add(hi, f64x2_mul(v128_load((x + 16) as *const v128), v128_load((y + 16) as *const v128)));
            p += 4;
        }
        a0 = f64x2_extract_lane::<0>(lo);
        a1 = f64x2_extract_lane::<1>(lo);
        a2 = f64x2_extract_lane::<0>(hi);
        a3 = f64x2_extract_lane::<1>(hi);
    }
    #[cfg(not(target_feature = "simd128"))]
    {
        a0 = 0.0;
        a1 = 0.0;
        a2 = 0.0;
        a3 = 0.0;
        while p < e4 {
            let (x, y) = (u + 8 * p, v + 8 * p);
            a0 += ldd(x) * ldd(y);
            a1 += ldd(x + 8) * ldd(y + 8);
            a2 += ldd(x + 16) * ldd(y + 16);
            a3 += ldd(x + 24) * ldd(y + 24);
            p += 4;
        }
    }
    if p < len {
        a0 += ldd(u + 8 * p) * ldd(v + 8 * p);
        p += 1;
    }
    if p < len {
        a1 += ldd(u + 8 * p) * ldd(v + 8 * p);
        p += 1;
    }
    if p < len {
        a2 += ldd(u + 8 * p) * ldd(v + 8 * p);
    }
    (a0 + a1) + (a2 + a3)
}

/// y[p] = y[p] − s·x[p] over `len` f64 (elementwise: the same bits in every build).
#[inline(always)]
pub unsafe fn axpy_neg(s: f64, x: usize, y: usize, len: usize) {
    let mut p = 0usize;
    #[cfg(target_feature = "simd128")]
    {
        use crate::mem::v::*;
        let vs = f64x2_splat(s);
        while p + 2 <= len {
            let (xp, yp) = ((x + 8 * p) as *const v128, (y + 8 * p) as *mut v128);
            v128_store(yp, f64x2_sub(v128_load(yp as *const v128), f64x2_mul(vs, v128_load(xp))));
            p += 2;
        }
    }
    while p < len {
        std_(y + 8 * p, ldd(y + 8 * p) - s * ldd(x + 8 * p));
        p += 1;
    }
}

#[inline(always)]
pub fn fabs(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & 0x7fff_ffff_ffff_ffff)
}

/// Householder QR of the column-major f64 matrix at `w` (m×n, column j at w + 8·m·j), in place
/// (R on and above the diagonal, v_j below it), τ_j at `tau` + 8·j.
pub unsafe fn geqr2(m: usize, n: usize, w: usize, tau: usize) {
    let mut j = 0;
    while j < n {
        let col = w + 8 * (m * j);
        let x = col + 8 * j; // x[0] = alpha, x[1..] the tail
        let tl = m - j - 1;
        let sst = dot4(x + 8, x + 8, tl);
        let alpha = ldd(x);
        let mut t = 0.0f64;
        if sst > 0.0 {
            let norm = sqrt_pos(alpha * alpha + sst);
            let beta = if alpha >= 0.0 { -norm } else { norm };
            t = (beta - alpha) / beta;
            let scal = 1.0 / (alpha - beta);
            let mut i = 1;
            while i <= tl {
                std_(x + 8 * i, ldd(x + 8 * i) * scal);
                i += 1;
            }
            std_(x, beta);
        }
        std_(tau + 8 * j, t);
        if t != 0.0 {
            let mut k = j + 1;
            while k < n {
                let ck = w + 8 * (m * k) + 8 * j;
                let s = t * (ldd(ck) + dot4(x + 8, ck + 8, tl));
                std_(ck, ldd(ck) - s);
                axpy_neg(s, x + 8, ck + 8, tl);
                k += 1;
            }
        }
        j += 1;
    }
}

/// The thin Q (m×n, column-major f64 at `q`) of the reflectors left by `geqr2` at `w`, `tau`.
pub unsafe fn org2r(m: usize, n: usize, w: usize, tau: usize, q: usize) {
    let mut k = 0;
    while k < n {
        let c = q + 8 * (m * k);
        let mut i = 0;
        while i < m {
            std_(c + 8 * i, if i == k { 1.0 } else { 0.0 });
            i += 1;
        }
        k += 1;
    }
    let mut j = n;
    while j > 0 {
        j -= 1;
        let t = ldd(tau + 8 * j);
        if t == 0.0 {
            continue;
        }
        let x = w + 8 * (m * j) + 8 * j;
        let tl = m - j - 1;
        let mut k = j;
        while k < n {
            let ck = q + 8 * (m * k) + 8 * j;
            let s = t * (ldd(ck) + dot4(x + 8, ck + 8, tl));
            std_(ck, ldd(ck) - s);
            axpy_neg(s, x + 8, ck + 8, tl);
            k += 1;
        }
    }
}

/// `sgeqr_thin(m, n, a, lda, trans, q, ldq, r, ldr, work)`: thin QR of M = A (m×n, row stride lda)
/// or, when trans ≠ 0, of M = Aᵀ with A stored n×m (M[i,j] = a[j·lda + i]); m ≥ n ≥ 1. Writes Q
/// (m×n, row stride ldq) and R (n×n upper, zeros below, row stride ldr; r = 0 skips it). Returns 0,
/// or −1 for a bad shape (nothing written).
#[no_mangle]
pub unsafe extern "C" fn sgeqr_thin(
    m: i32,
    n: i32,
    a: usize,
    lda: i32,
    trans: i32,
    q: usize,
    ldq: i32,
    r: usize,
    ldr: i32,
    work: usize,
) -> i32 {
    if n < 1 || m < n {
        return -1;
    }
    let (m, n, lda, ldq, ldr) = (uz(m), uz(n), uz(lda), uz(ldq), uz(ldr));
    let w = work;
    let qw = w + 8 * m * n;
    let tau = qw + 8 * m * n;
    let mut j = 0;
    while j < n {
        let mut i = 0;
        while i < m {
            let x = if trans != 0 { ldf(a + 4 * (j * lda + i)) } else { ldf(a + 4 * (i * lda + j)) };
            std_(w + 8 * (m * j + i), x as f64);
            i += 1;
        }
        j += 1;
    }
    geqr2(m, n, w, tau);
    org2r(m, n, w, tau, qw);
    let mut i = 0;
    while i < m {
        let mut k = 0;
        while k < n {
            stf(q + 4 * (i * ldq + k), ldd(qw + 8 * (m * k + i)) as f32);
            k += 1;
        }
        i += 1;
    }
    if r != 0 {
        let mut i = 0;
        while i < n {
            let mut k = 0;
            while k < n {
                stf(r + 4 * (i * ldr + k), if k >= i { ldd(w + 8 * (m * k + i)) as f32 } else { 0.0 });
                k += 1;
            }
            i += 1;
        }
    }
    0
}
