//! Single-precision matrix-vector product.

use crate::mem::*;

/// `sgemv(row_start, row_end, m, n, alpha, a, lda, x, beta, y, trans)`
///
/// A is stored m×n (row-major, leading dimension lda, f32).
/// * trans == 0: op(A) = A (m×n); x has n entries, y has m entries.
/// * trans != 0: op(A) = Aᵀ (n×m); x has m entries, y has n entries.
///
/// Let K be the inner length (n if trans == 0, else m). For every output index r in
/// [row_start, row_end) ∩ [0, len(y)):
/// ```text
/// acc = 0f32;  for q in 0..K (increasing): acc = acc + op(A)[r,q] * x[q]     (f32 mul, f32 add)
/// y[r] = beta == 0 ? alpha*acc : alpha*acc + beta*y[r]                       (y not read if beta == 0)
/// ```
/// with op(A)[r,q] = a[r*lda + q] (trans == 0) or a[q*lda + r] (trans != 0). The result does not
/// depend on the split of [0, len(y)) between calls or on SIMD. y must not alias A or x.
///
/// SIMD: trans == 0 runs 8 (then 4) rows at a time over 4×4 transposed blocks of A;
/// trans != 0 runs 16 (then 8, 4) contiguous outputs at a time down the rows of A.
#[no_mangle]
pub unsafe extern "C" fn sgemv(
    row_start: i32,
    row_end: i32,
    m: i32,
    n: i32,
    alpha: f32,
    a: usize,
    lda: i32,
    x: usize,
    beta: f32,
    y: usize,
    trans: i32,
) {
    let (len, kk) = if trans == 0 { (m, n) } else { (n, m) };
    let rs = uz(row_start);
    let re = if row_end < len { uz(row_end) } else { uz(len) };
    if rs >= re {
        return;
    }
    let g = G {
        k: uz(kk),
        a,
        lda: uz(lda) * 4,
        x,
        y,
        alpha,
        beta,
    };
    if trans == 0 {
        notrans(&g, rs, re);
    } else {
        trans_(&g, rs, re);
    }
}

struct G {
    k: usize,
    a: usize,
    lda: usize, // bytes
    x: usize,
    y: usize,
    alpha: f32,
    beta: f32,
}

#[cfg(not(target_feature = "simd128"))]
#[inline(always)]
unsafe fn fin1(g: &G, r: usize, acc: f32) {
    let p = g.y + r * 4;
    if g.beta == 0.0 {
        stf(p, g.alpha * acc);
    } else {
        stf(p, g.alpha * acc + g.beta * ldf(p));
    }
}

/// One output: y[r] with op(A)[r,q] at a + r*rs + q*qs.
#[inline(always)]
unsafe fn one(g: &G, r: usize, rs: usize, qs: usize) {
    one1(g.k, g.a + r * rs, qs, g.x, g.y + r * 4, g.alpha, g.beta);
}

/// Scalars only (no aggregate argument, so nothing goes through the shadow stack).
#[inline(never)]
unsafe fn one1(k: usize, mut pa: usize, qs: usize, mut px: usize, py: usize, alpha: f32, beta: f32) {
    let mut acc = 0.0f32;
    let mut q = 0;
    while q < k {
        acc = acc + ldf(pa) * ldf(px);
        pa += qs;
        px += 4;
        q += 1;
    }
    if beta == 0.0 {
        stf(py, alpha * acc);
    } else {
        stf(py, alpha * acc + beta * ldf(py));
    }
}

#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn fin4(g: &G, r: usize, acc: core::arch::wasm32::v128) {
    use crate::mem::v::*;
    let p = g.y + r * 4;
    let t = f32x4_mul(f32x4_splat(g.alpha), acc);
    st(
        p,
        if g.beta == 0.0 {
            t
        } else {
            f32x4_add(t, f32x4_mul(f32x4_splat(g.beta), ld(p)))
        },
    );
}

#[inline(always)]
unsafe fn notrans(g: &G, rs: usize, re: usize) {
    let mut r = rs;
    #[cfg(target_feature = "simd128")]
    {
        while r + 8 <= re {
            rows_simd::<true>(g, r);
            r += 8;
        }
        if r + 4 <= re {
            rows_simd::<false>(g, r);
            r += 4;
        }
    }
    while r < re {
        one(g, r, g.lda, 4);
        r += 1;
    }
}

/// Outputs r..r+4 (or r..r+8): lane l of accumulator h is row r + 4h + l.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn rows_simd<const R8: bool>(g: &G, r: usize) {
    use crate::mem::v::*;
    let lda = g.lda;
    let z = f32x4_splat(0.0);
    let mut acc0 = z;
    let mut acc1 = z;
    let p0 = g.a + r * lda;
    let p1 = p0 + 4 * lda;
    let k = g.k;
    let mut q = 0;
    while q + 4 <= k {
        let o = q * 4;
        let xv = ld(g.x + o);
        let x0 = i32x4_shuffle::<0, 0, 0, 0>(xv, xv);
        let x1 = i32x4_shuffle::<1, 1, 1, 1>(xv, xv);
        let x2 = i32x4_shuffle::<2, 2, 2, 2>(xv, xv);
        let x3 = i32x4_shuffle::<3, 3, 3, 3>(xv, xv);
        let (c0, c1, c2, c3) = tr4(ld(p0 + o), ld(p0 + lda + o), ld(p0 + 2 * lda + o), ld(p0 + 3 * lda + o));
        acc0 = f32x4_add(acc0, f32x4_mul(c0, x0));
        acc0 = f32x4_add(acc0, f32x4_mul(c1, x1));
        acc0 = f32x4_add(acc0, f32x4_mul(c2, x2));
        acc0 = f32x4_add(acc0, f32x4_mul(c3, x3));
        if R8 {
            let (d0, d1, d2, d3) = tr4(ld(p1 + o), ld(p1 + lda + o), ld(p1 + 2 * lda + o), ld(p1 + 3 * lda + o));
            acc1 = f32x4_add(acc1, f32x4_mul(d0, x0));
            acc1 = f32x4_add(acc1, f32x4_mul(d1, x1));
            acc1 = f32x4_add(acc1, f32x4_mul(d2, x2));
            acc1 = f32x4_add(acc1, f32x4_mul(d3, x3));
        }
        q += 4;
    }
    while q < k {
        let o = q * 4;
        let xq = f32x4_splat(ldf(g.x + o));
        acc0 = f32x4_add(acc0, f32x4_mul(gather4(p0 + o, lda), xq));
        if R8 {
            acc1 = f32x4_add(acc1, f32x4_mul(gather4(p1 + o, lda), xq));
        }
        q += 1;
    }
    fin4(g, r, acc0);
    if R8 {
        fin4(g, r + 4, acc1);
    }
}

#[inline(always)]
unsafe fn trans_(g: &G, rs: usize, re: usize) {
    let mut r = rs;
    #[cfg(target_feature = "simd128")]
    {
        while r + 16 <= re {
            cols_simd::<4>(g, r);
            r += 16;
        }
        if r + 8 <= re {
            cols_simd::<2>(g, r);
            r += 8;
        }
        if r + 4 <= re {
            cols_simd::<1>(g, r);
            r += 4;
        }
    }
    #[cfg(not(target_feature = "simd128"))]
    {
        while r + 4 <= re {
            cols_scalar(g, r);
            r += 4;
        }
    }
    while r < re {
        one(g, r, 4, g.lda);
        r += 1;
    }
}

/// Outputs r..r+4V: y[r..] += A[q, r..] * x[q] down the rows q of A.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn cols_simd<const V: usize>(g: &G, r: usize) {
    use crate::mem::v::*;
    let z = f32x4_splat(0.0);
    let (mut a0, mut a1, mut a2, mut a3) = (z, z, z, z);
    let mut pa = g.a + r * 4;
    let mut px = g.x;
    let mut q = 0;
    while q < g.k {
        let xq = f32x4_splat(ldf(px));
        a0 = f32x4_add(a0, f32x4_mul(ld(pa), xq));
        if V >= 2 {
            a1 = f32x4_add(a1, f32x4_mul(ld(pa + 16), xq));
        }
        if V >= 4 {
            a2 = f32x4_add(a2, f32x4_mul(ld(pa + 32), xq));
            a3 = f32x4_add(a3, f32x4_mul(ld(pa + 48), xq));
        }
        pa += g.lda;
        px += 4;
        q += 1;
    }
    fin4(g, r, a0);
    if V >= 2 {
        fin4(g, r + 4, a1);
    }
    if V >= 4 {
        fin4(g, r + 8, a2);
        fin4(g, r + 12, a3);
    }
}

#[cfg(not(target_feature = "simd128"))]
#[inline(always)]
unsafe fn cols_scalar(g: &G, r: usize) {
    let (mut a0, mut a1, mut a2, mut a3) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut pa = g.a + r * 4;
    let mut px = g.x;
    let mut q = 0;
    while q < g.k {
        let xq = ldf(px);
        a0 = a0 + ldf(pa) * xq;
        a1 = a1 + ldf(pa + 4) * xq;
        a2 = a2 + ldf(pa + 8) * xq;
        a3 = a3 + ldf(pa + 12) * xq;
        pa += g.lda;
        px += 4;
        q += 1;
    }
    fin1(g, r, a0);
    fin1(g, r + 1, a1);
    fin1(g, r + 2, a2);
    fin1(g, r + 3, a3);
}
