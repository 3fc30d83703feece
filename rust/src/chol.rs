//! Cholesky factorisation and solve (lower triangle, row-major).
//!
//! Both precisions use the same fixed-order dot product of two row prefixes:
//! ```text
//! dot(u, v, len): lane[t] = 0 (t = 0..3); for p in 0..len (increasing): lane[p mod 4] += u[p]*v[p]
//!                 result = (lane0 + lane1) + (lane2 + lane3)                         (all in f64)
//! ```
//! (for f32 data, u[p] and v[p] are widened to f64 first, so each product is exact; the f64 one is
//! `qr::dot4`, shared with the QR and the SVD).

use crate::dot::dot_s;
use crate::qr::dot4;
use crate::mem::*;

/// `spotrf(n, a, lda) -> info`: in-place Cholesky A = L·Lᵀ of an n×n symmetric positive-definite
/// f32 matrix (row-major, leading dimension lda). Only the lower triangle (j <= i) is read and
/// overwritten with L; the strict upper triangle is not touched.
///
/// Row by row (i = 0..n-1), all arithmetic in f64, each L entry rounded to f32 when stored:
/// ```text
/// for j in 0..i:  L[i,j] = f32( ((f64)A[i,j] - dot(L[i,0..j], L[j,0..j])) / (f64)L[j,j] )
/// d = (f64)A[i,i] - dot(L[i,0..i], L[i,0..i])
/// if !(d > 0): return i + 1        (LAPACK-style 1-based index of the failing pivot; also for NaN)
/// L[i,i] = f32( sqrt(d) )          (correctly rounded f64 sqrt)
/// ```
/// Returns 0 on success. On failure (return value i+1) rows 0..i-1 hold L, row i holds
/// L[i,0..i) in its strict lower part with A[i,i] unchanged, and rows > i are untouched.
#[no_mangle]
pub unsafe extern "C" fn spotrf(n: i32, a: usize, lda: i32) -> i32 {
    let n = uz(n);
    let lda = uz(lda) * 4;
    let mut i = 0;
    while i < n {
        let ri = a + i * lda;
        let mut j = 0;
        while j < i {
            let rj = a + j * lda;
            let s = dot_s(ri, rj, j);
            stf(
                ri + 4 * j,
                ((ldf(ri + 4 * j) as f64 - s) / ldf(rj + 4 * j) as f64) as f32,
            );
            j += 1;
        }
        let d = ldf(ri + 4 * i) as f64 - dot_s(ri, ri, i);
        if !(d > 0.0) {
            return i as i32 + 1;
        }
        stf(ri + 4 * i, sqrt_pos(d) as f32);
        i += 1;
    }
    0
}

/// `dpotrf(n, a, lda) -> info`: as `spotrf`, for f64 data (no rounding step on store).
/// ```text
/// for j in 0..i:  L[i,j] = (A[i,j] - dot(L[i,0..j], L[j,0..j])) / L[j,j]
/// d = A[i,i] - dot(L[i,0..i], L[i,0..i]);  if !(d > 0): return i + 1;  L[i,i] = sqrt(d)
/// ```
#[no_mangle]
pub unsafe extern "C" fn dpotrf(n: i32, a: usize, lda: i32) -> i32 {
    let n = uz(n);
    let lda = uz(lda) * 8;
    let mut i = 0;
    while i < n {
        let ri = a + i * lda;
        let mut j = 0;
        while j < i {
            let rj = a + j * lda;
            let s = dot4(ri, rj, j);
            std_(ri + 8 * j, (ldd(ri + 8 * j) - s) / ldd(rj + 8 * j));
            j += 1;
        }
        let d = ldd(ri + 8 * i) - dot4(ri, ri, i);
        if !(d > 0.0) {
            return i as i32 + 1;
        }
        std_(ri + 8 * i, sqrt_pos(d));
        i += 1;
    }
    0
}

/// `spotrs(n, nrhs, l, ldl, b, ldb)`: solve A·X = B with A = L·Lᵀ, L the lower triangle written by
/// `spotrf` (row-major, ldl). B is n×nrhs (row-major, ldb) and is overwritten with X.
/// Per column c, all arithmetic in f64, rounded to f32 on every store:
/// ```text
/// forward  (L·Y = B),  i = 0..n-1:     s = (f64)B[i,c];  for p in 0..i (increasing):   s = s - (f64)L[i,p]*(f64)Y[p,c]
///                                      Y[i,c] = f32( s / (f64)L[i,i] )
/// backward (Lᵀ·X = Y), i = n-1..0:     s = (f64)Y[i,c];  for p in i+1..n (increasing): s = s - (f64)L[p,i]*(f64)X[p,c]
///                                      X[i,c] = f32( s / (f64)L[i,i] )
/// ```
/// Columns are independent (4 at a time in v128 registers); no check for zero pivots.
#[no_mangle]
pub unsafe extern "C" fn spotrs(n: i32, nrhs: i32, l: usize, ldl: i32, b: usize, ldb: i32) {
    let n = uz(n);
    let nr = uz(nrhs);
    let ldl = uz(ldl) * 4;
    let ldb = uz(ldb) * 4;
    let mut c = 0;
    #[cfg(target_feature = "simd128")]
    {
        use crate::mem::v::*;
        // Lanes: lo = columns c, c+1; hi = columns c+2, c+3.
        macro_rules! wide {
            ($p:expr) => {{
                let x = ld($p);
                (
                    f64x2_promote_low_f32x4(x),
                    f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 0, 1>(x, x)),
                )
            }};
        }
        macro_rules! narrow {
            ($lo:expr, $hi:expr) => {
                i32x4_shuffle::<0, 1, 4, 5>(f32x4_demote_f64x2_zero($lo), f32x4_demote_f64x2_zero($hi))
            };
        }
        while c + 4 <= nr {
            let bc = b + 4 * c;
            let mut i = 0;
            while i < n {
                let ri = l + i * ldl;
                let (mut lo, mut hi) = wide!(bc + i * ldb);
                let mut p = 0;
                while p < i {
                    let lv = f64x2_splat(ldf(ri + 4 * p) as f64);
                    let (ylo, yhi) = wide!(bc + p * ldb);
                    lo = f64x2_sub(lo, f64x2_mul(lv, ylo));
                    hi = f64x2_sub(hi, f64x2_mul(lv, yhi));
                    p += 1;
                }
                let dv = f64x2_splat(ldf(ri + 4 * i) as f64);
                st(bc + i * ldb, narrow!(f64x2_div(lo, dv), f64x2_div(hi, dv)));
                i += 1;
            }
            let mut i = n;
            while i > 0 {
                i -= 1;
                let (mut lo, mut hi) = wide!(bc + i * ldb);
                let mut p = i + 1;
                while p < n {
                    let lv = f64x2_splat(ldf(l + p * ldl + 4 * i) as f64);
                    let (xlo, xhi) = wide!(bc + p * ldb);
                    lo = f64x2_sub(lo, f64x2_mul(lv, xlo));
                    hi = f64x2_sub(hi, f64x2_mul(lv, xhi));
                    p += 1;
                }
                let dv = f64x2_splat(ldf(l + i * ldl + 4 * i) as f64);
                st(bc + i * ldb, narrow!(f64x2_div(lo, dv), f64x2_div(hi, dv)));
            }
            c += 4;
        }
    }
    while c < nr {
        let bc = b + 4 * c;
        let mut i = 0;
        while i < n {
            let ri = l + i * ldl;
            let mut s = ldf(bc + i * ldb) as f64;
            let mut p = 0;
            while p < i {
                s = s - ldf(ri + 4 * p) as f64 * ldf(bc + p * ldb) as f64;
                p += 1;
            }
            stf(bc + i * ldb, (s / ldf(ri + 4 * i) as f64) as f32);
            i += 1;
        }
        let mut i = n;
        while i > 0 {
            i -= 1;
            let mut s = ldf(bc + i * ldb) as f64;
            let mut p = i + 1;
            while p < n {
                s = s - ldf(l + p * ldl + 4 * i) as f64 * ldf(bc + p * ldb) as f64;
                p += 1;
            }
            stf(bc + i * ldb, (s / ldf(l + i * ldl + 4 * i) as f64) as f32);
        }
        c += 1;
    }
}

/// `dpotrs(n, nrhs, l, ldl, b, ldb)`: as `spotrs`, for f64 data (no rounding step on store).
/// ```text
/// forward:  Y[i,c] = (B[i,c] - L[i,0]Y[0,c] - L[i,1]Y[1,c] - ... - L[i,i-1]Y[i-1,c]) / L[i,i]   (left to right)
/// backward: X[i,c] = (Y[i,c] - L[i+1,i]X[i+1,c] - ... - L[n-1,i]X[n-1,c]) / L[i,i]             (left to right)
/// ```
#[no_mangle]
pub unsafe extern "C" fn dpotrs(n: i32, nrhs: i32, l: usize, ldl: i32, b: usize, ldb: i32) {
    let n = uz(n);
    let nr = uz(nrhs);
    let ldl = uz(ldl) * 8;
    let ldb = uz(ldb) * 8;
    let mut c = 0;
    #[cfg(target_feature = "simd128")]
    {
        use crate::mem::v::*;
        while c + 4 <= nr {
            let bc = b + 8 * c;
            let mut i = 0;
            while i < n {
                let ri = l + i * ldl;
                let bi = bc + i * ldb;
                let (mut lo, mut hi) = (ld(bi), ld(bi + 16));
                let mut p = 0;
                while p < i {
                    let lv = f64x2_splat(ldd(ri + 8 * p));
                    let bp = bc + p * ldb;
                    lo = f64x2_sub(lo, f64x2_mul(lv, ld(bp)));
                    hi = f64x2_sub(hi, f64x2_mul(lv, ld(bp + 16)));
                    p += 1;
                }
                let dv = f64x2_splat(ldd(ri + 8 * i));
                st(bi, f64x2_div(lo, dv));
                st(bi + 16, f64x2_div(hi, dv));
                i += 1;
            }
            let mut i = n;
            while i > 0 {
                i -= 1;
                let bi = bc + i * ldb;
                let (mut lo, mut hi) = (ld(bi), ld(bi + 16));
                let mut p = i + 1;
                while p < n {
                    let lv = f64x2_splat(ldd(l + p * ldl + 8 * i));
                    let bp = bc + p * ldb;
                    lo = f64x2_sub(lo, f64x2_mul(lv, ld(bp)));
                    hi = f64x2_sub(hi, f64x2_mul(lv, ld(bp + 16)));
                    p += 1;
                }
                let dv = f64x2_splat(ldd(l + i * ldl + 8 * i));
                st(bi, f64x2_div(lo, dv));
                st(bi + 16, f64x2_div(hi, dv));
            }
            c += 4;
        }
    }
    while c < nr {
        let bc = b + 8 * c;
        let mut i = 0;
        while i < n {
            let ri = l + i * ldl;
            let mut s = ldd(bc + i * ldb);
            let mut p = 0;
            while p < i {
                s = s - ldd(ri + 8 * p) * ldd(bc + p * ldb);
                p += 1;
            }
            std_(bc + i * ldb, s / ldd(ri + 8 * i));
            i += 1;
        }
        let mut i = n;
        while i > 0 {
            i -= 1;
            let mut s = ldd(bc + i * ldb);
            let mut p = i + 1;
            while p < n {
                s = s - ldd(l + p * ldl + 8 * i) * ldd(bc + p * ldb);
                p += 1;
            }
            std_(bc + i * ldb, s / ldd(l + i * ldl + 8 * i));
        }
        c += 1;
    }
}
