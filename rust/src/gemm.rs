//! Single-precision general matrix multiply.

use crate::mem::*;

/// Addressing of op(A), op(B) and C in bytes. Only ever used by reference inside `sgemm` after
/// full inlining (a by-reference aggregate across a real call would live on the shadow stack).
#[derive(Clone, Copy)]
struct Geo {
    k: usize,
    a: usize,
    ais: usize, // byte stride of op(A) between rows i
    aps: usize, // byte stride of op(A) along p
    b: usize,
    bps: usize, // byte stride of op(B) along p
    bjs: usize, // byte stride of op(B) between columns j
    c: usize,
    cis: usize, // byte stride of C between rows
    alpha: f32,
    beta: f32,
}

/// `sgemm(row_start, row_end, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, trans_a, trans_b)`
///
/// C is m×n (row-major, leading dimension ldc), op(A) is m×k and op(B) is k×n, where
/// `op(A)[i,p] = trans_a == 0 ? a[i*lda + p] : a[p*lda + i]` and
/// `op(B)[p,j] = trans_b == 0 ? b[p*ldb + j] : b[j*ldb + p]` (all f32).
///
/// For every row i in [row_start, row_end) ∩ [0, m) and every j in [0, n):
/// ```text
/// acc = 0f32;  for p in 0..k (increasing): acc = acc + op(A)[i,p] * op(B)[p,j]   (f32 mul, f32 add)
/// C[i,j] = beta == 0 ? alpha*acc : alpha*acc + beta*C[i,j]                       (f32; C not read if beta == 0)
/// ```
/// Every element sees exactly this sequence of roundings, whatever the blocking, the SIMD width
/// or the row split, so splitting rows over threads (each thread calls it with its own
/// [row_start, row_end)) or running the scalar build gives bit-identical C. alpha == 0 still
/// computes acc (so Inf/NaN inputs propagate). C must not alias A or B.
///
/// Blocking: columns are cut into panels whose k×nc slice of op(B) stays in cache while all the
/// rows of the range sweep over it; inside a panel, 4-row × 8-column register tiles (two v128
/// accumulators per row) run over the whole k. For trans_b == 1, op(B) rows are made from 4×4
/// transposes of contiguous loads.
#[no_mangle]
pub unsafe extern "C" fn sgemm(
    row_start: i32,
    row_end: i32,
    m: i32,
    n: i32,
    k: i32,
    alpha: f32,
    a: usize,
    lda: i32,
    b: usize,
    ldb: i32,
    beta: f32,
    c: usize,
    ldc: i32,
    trans_a: i32,
    trans_b: i32,
) {
    let rs = uz(row_start);
    let re = if row_end < m { uz(row_end) } else { uz(m) };
    let n = uz(n);
    if rs >= re || n == 0 {
        return;
    }
    let k = uz(k);
    let (lda, ldb) = (uz(lda) * 4, uz(ldb) * 4);
    let (ais, aps) = if trans_a == 0 { (lda, 4) } else { (4, lda) };
    let (bps, bjs) = if trans_b == 0 { (ldb, 4) } else { (4, ldb) };
    let g = Geo {
        k,
        a,
        ais,
        aps,
        b,
        bps,
        bjs,
        c,
        cis: uz(ldc) * 4,
        alpha,
        beta,
    };
    // Panel width: keep the k×nc slice of op(B) at ~128 KiB.
    let nc = if k <= 64 {
        512
    } else if k <= 256 {
        128
    } else if k <= 1024 {
        32
    } else if k <= 2048 {
        16
    } else {
        8
    };
    if trans_b == 0 {
        drive::<false>(&g, rs, re, n, nc);
    } else {
        drive::<true>(&g, rs, re, n, nc);
    }
}

#[inline(always)]
unsafe fn drive<const TB: bool>(g: &Geo, rs: usize, re: usize, n: usize, nc: usize) {
    let mut jc = 0;
    while jc < n {
        let je = if n - jc < nc { n } else { jc + nc };
        let mut i = rs;
        while i + 4 <= re {
            row_tile::<true, TB>(g, i, jc, je);
            i += 4;
        }
        while i < re {
            row_tile::<false, TB>(g, i, jc, je);
            i += 1;
        }
        jc = je;
    }
}

/// Rows i..i+R (R = 4 if R4 else 1), columns [j0, je).
#[inline(always)]
unsafe fn row_tile<const R4: bool, const TB: bool>(g: &Geo, i: usize, j0: usize, je: usize) {
    let mut j = j0;
    #[cfg(target_feature = "simd128")]
    {
        while j + 8 <= je {
            simd_tile::<R4, true, TB>(g, i, j);
            j += 8;
        }
        if j + 4 <= je {
            simd_tile::<R4, false, TB>(g, i, j);
            j += 4;
        }
    }
    #[cfg(not(target_feature = "simd128"))]
    {
        while j + 4 <= je {
            scalar_tile::<R4>(g, i, j);
            j += 4;
        }
    }
    while j < je {
        elem(g, i, j);
        if R4 {
            elem(g, i + 1, j);
            elem(g, i + 2, j);
            elem(g, i + 3, j);
        }
        j += 1;
    }
}

#[inline(always)]
fn fin(acc: f32, alpha: f32, beta: f32, c: f32) -> f32 {
    alpha * acc + beta * c
}

/// One C element (tails of both builds).
#[inline(always)]
unsafe fn elem(g: &Geo, i: usize, j: usize) {
    elem1(
        g.k,
        g.a + i * g.ais,
        g.aps,
        g.b + j * g.bjs,
        g.bps,
        g.c + i * g.cis + j * 4,
        g.alpha,
        g.beta,
    );
}

/// Scalars only (no aggregate argument, so nothing goes through the shadow stack).
#[inline(never)]
unsafe fn elem1(k: usize, mut pa: usize, aps: usize, mut pb: usize, bps: usize, cp: usize, alpha: f32, beta: f32) {
    let mut acc = 0.0f32;
    let mut p = 0;
    while p < k {
        acc = acc + ldf(pa) * ldf(pb);
        pa += aps;
        pb += bps;
        p += 1;
    }
    if beta == 0.0 {
        stf(cp, alpha * acc);
    } else {
        stf(cp, fin(acc, alpha, beta, ldf(cp)));
    }
}

#[cfg(not(target_feature = "simd128"))]
#[inline(always)]
unsafe fn scalar_tile<const R4: bool>(g: &Geo, i: usize, j: usize) {
    let (ais, aps, bps, bjs) = (g.ais, g.aps, g.bps, g.bjs);
    let mut pa = g.a + i * ais;
    let mut pb = g.b + j * bjs;
    let (mut c00, mut c01, mut c02, mut c03) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let (mut c10, mut c11, mut c12, mut c13) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let (mut c20, mut c21, mut c22, mut c23) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let (mut c30, mut c31, mut c32, mut c33) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut p = 0;
    while p < g.k {
        let b0 = ldf(pb);
        let b1 = ldf(pb + bjs);
        let b2 = ldf(pb + 2 * bjs);
        let b3 = ldf(pb + 3 * bjs);
        let a0 = ldf(pa);
        c00 = c00 + a0 * b0;
        c01 = c01 + a0 * b1;
        c02 = c02 + a0 * b2;
        c03 = c03 + a0 * b3;
        if R4 {
            let a1 = ldf(pa + ais);
            let a2 = ldf(pa + 2 * ais);
            let a3 = ldf(pa + 3 * ais);
            c10 = c10 + a1 * b0;
            c11 = c11 + a1 * b1;
            c12 = c12 + a1 * b2;
            c13 = c13 + a1 * b3;
            c20 = c20 + a2 * b0;
            c21 = c21 + a2 * b1;
            c22 = c22 + a2 * b2;
            c23 = c23 + a2 * b3;
            c30 = c30 + a3 * b0;
            c31 = c31 + a3 * b1;
            c32 = c32 + a3 * b2;
            c33 = c33 + a3 * b3;
        }
        pa += aps;
        pb += bps;
        p += 1;
    }
    let cp = g.c + i * g.cis + j * 4;
    let cis = g.cis;
    store4(g, cp, c00, c01, c02, c03);
    if R4 {
        store4(g, cp + cis, c10, c11, c12, c13);
        store4(g, cp + 2 * cis, c20, c21, c22, c23);
        store4(g, cp + 3 * cis, c30, c31, c32, c33);
    }
}

#[cfg(not(target_feature = "simd128"))]
#[inline(always)]
unsafe fn store4(g: &Geo, cp: usize, x0: f32, x1: f32, x2: f32, x3: f32) {
    let (al, be) = (g.alpha, g.beta);
    if be == 0.0 {
        stf(cp, al * x0);
        stf(cp + 4, al * x1);
        stf(cp + 8, al * x2);
        stf(cp + 12, al * x3);
    } else {
        stf(cp, fin(x0, al, be, ldf(cp)));
        stf(cp + 4, fin(x1, al, be, ldf(cp + 4)));
        stf(cp + 8, fin(x2, al, be, ldf(cp + 8)));
        stf(cp + 12, fin(x3, al, be, ldf(cp + 12)));
    }
}

/// Register tile: rows i..i+R (R = 4 if R4 else 1) × columns j..j+W (W = 8 if W8 else 4).
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn simd_tile<const R4: bool, const W8: bool, const TB: bool>(g: &Geo, i: usize, j: usize) {
    use crate::mem::v::*;
    let (ais, aps, bps, bjs) = (g.ais, g.aps, g.bps, g.bjs);
    let z = f32x4_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31) = (z, z, z, z, z, z, z, z);
    let mut pa = g.a + i * ais;
    let pb = g.b + j * bjs;

    macro_rules! upd {
        ($b0:expr, $b1:expr) => {{
            let b0 = $b0;
            let b1 = $b1;
            let a0 = f32x4_splat(ldf(pa));
            c00 = f32x4_add(c00, f32x4_mul(a0, b0));
            if W8 {
                c01 = f32x4_add(c01, f32x4_mul(a0, b1));
            }
            if R4 {
                let a1 = f32x4_splat(ldf(pa + ais));
                let a2 = f32x4_splat(ldf(pa + 2 * ais));
                let a3 = f32x4_splat(ldf(pa + 3 * ais));
                c10 = f32x4_add(c10, f32x4_mul(a1, b0));
                c20 = f32x4_add(c20, f32x4_mul(a2, b0));
                c30 = f32x4_add(c30, f32x4_mul(a3, b0));
                if W8 {
                    c11 = f32x4_add(c11, f32x4_mul(a1, b1));
                    c21 = f32x4_add(c21, f32x4_mul(a2, b1));
                    c31 = f32x4_add(c31, f32x4_mul(a3, b1));
                }
            }
            pa += aps;
        }};
    }

    let k = g.k;
    let mut p = 0;
    if !TB {
        // op(B)[p, j..j+8] is contiguous.
        let mut q = pb;
        while p < k {
            upd!(ld(q), if W8 { ld(q + 16) } else { z });
            q += bps;
            p += 1;
        }
    } else {
        // op(B)[p, j+c] = b[(j+c)*ldb + p]: 4 columns × 4 p per 4×4 transpose.
        while p + 4 <= k {
            let o = p * 4;
            let (x0, x1, x2, x3) = tr4(ld(pb + o), ld(pb + bjs + o), ld(pb + 2 * bjs + o), ld(pb + 3 * bjs + o));
            let (y0, y1, y2, y3) = if W8 {
                let q = pb + 4 * bjs + o;
                tr4(ld(q), ld(q + bjs), ld(q + 2 * bjs), ld(q + 3 * bjs))
            } else {
                (z, z, z, z)
            };
            upd!(x0, y0);
            upd!(x1, y1);
            upd!(x2, y2);
            upd!(x3, y3);
            p += 4;
        }
        while p < k {
            let o = p * 4;
            upd!(
                gather4(pb + o, bjs),
                if W8 { gather4(pb + 4 * bjs + o, bjs) } else { z }
            );
            p += 1;
        }
    }

    let cp = g.c + i * g.cis + j * 4;
    let cis = g.cis;
    let va = f32x4_splat(g.alpha);
    let bz = g.beta == 0.0;
    let vb = f32x4_splat(g.beta);
    macro_rules! fin4 {
        ($acc:expr, $p:expr) => {{
            let t = f32x4_mul(va, $acc);
            st($p, if bz { t } else { f32x4_add(t, f32x4_mul(vb, ld($p))) });
        }};
    }
    fin4!(c00, cp);
    if W8 {
        fin4!(c01, cp + 16);
    }
    if R4 {
        fin4!(c10, cp + cis);
        fin4!(c20, cp + 2 * cis);
        fin4!(c30, cp + 3 * cis);
        if W8 {
            fin4!(c11, cp + cis + 16);
            fin4!(c21, cp + 2 * cis + 16);
            fin4!(c31, cp + 3 * cis + 16);
        }
    }
}
