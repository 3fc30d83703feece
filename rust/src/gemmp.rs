//! Packed, cache-blocked SGEMM (the path `linalg.gemm` takes).
//!
//! Same contract and the same roundings per element as [`crate::gemm::sgemm`]: for every C element,
//! `acc = 0f32; for p in 0..k: acc = acc + op(A)[i,p] * op(B)[p,j]` (f32 mul then f32 add, p
//! increasing, never FMA), then `C = alpha*acc` (beta == 0, C not read) or `alpha*acc + beta*C`.
//! So the results are bit-identical to `sgemm`, to the scalar build and to any row split.
//!
//! Why it is faster: rows of A and B whose byte stride is a multiple of 4 KiB map to the same few
//! cache sets, so walking op(B) down p (or op(A) down p when transposed) evicts itself. Here each
//! thread copies a k×nc panel of op(B) into its slot of a scratch buffer, as nc/8 slivers of k×8
//! contiguous floats (zero-padded past n), and for each 4-row tile a 4×k slice of op(A) as k groups
//! of 4 floats (zero-padded past the last row). The 4×8 register tile then streams both with unit
//! stride: the A slice (16·k bytes) stays in L1 while the slivers come from L2 (nc is chosen by the
//! caller so the panel fits L2). k is not blocked: every accumulator runs over the whole k, which
//! is what keeps the summation order of `sgemm`. Padding lanes compute garbage that is never stored.
//!
//! Scratch: thread slot `s = row_start / rows_per_slot` starts at `scratch + s*slot_bytes`:
//! 128 bytes of tile spill, then 16·k bytes of packed A, then the B panel; nc = 8·floor((slot_bytes
//! − 128 − 16k) / (32k)) (at least 8: the caller sizes slot_bytes for that). The caller splits rows
//! at multiples of `rows_per_slot`, so concurrent threads always use different slots. The scalar
//! build ignores the scratch and runs `sgemm`.

#[cfg(target_feature = "simd128")]
use crate::mem::*;

/// `sgemm_packed(row_start, row_end, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, trans_a, trans_b,
/// scratch, slot_bytes, rows_per_slot)`: see the module docs; the first 15 arguments are `sgemm`'s.
#[no_mangle]
pub unsafe extern "C" fn sgemm_packed(
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
    scratch: usize,
    slot_bytes: i32,
    rows_per_slot: i32,
) {
    #[cfg(target_feature = "simd128")]
    {
        let rs = uz(row_start);
        let re = if row_end < m { uz(row_end) } else { uz(m) };
        let nn = uz(n);
        let kk = uz(k);
        let sb = uz(slot_bytes);
        // Degenerate shapes (k == 0, or a slot too small for one sliver) take the unpacked path.
        if rs < re && nn > 0 && kk > 0 && sb >= simd::SPILL + 4 * simd::MR * kk + 32 * kk && rows_per_slot > 0 {
            let slot = scratch + (rs / uz(rows_per_slot)) * sb;
            let nc = ((sb - simd::SPILL - 4 * simd::MR * kk) / (32 * kk)) * 8;
            simd::drive(
                rs, re, nn, kk, alpha, a, uz(lda) * 4, b, uz(ldb) * 4, beta, c, uz(ldc) * 4,
                trans_a != 0, trans_b != 0, slot, nc,
            );
            return;
        }
    }
    #[cfg(not(target_feature = "simd128"))]
    {
        let _ = (scratch, slot_bytes, rows_per_slot);
    }
    crate::gemm::sgemm(row_start, row_end, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, trans_a, trans_b);
}

#[cfg(target_feature = "simd128")]
mod simd {
    use crate::mem::v::*;
    use crate::mem::*;

    /// Rows per register tile.
    pub const MR: usize = 6;
    /// Bytes of the per-slot spill area (one MR×8 tile).
    pub const SPILL: usize = MR * 32;

    #[inline(never)]
    pub unsafe fn drive(
        rs: usize, re: usize, n: usize, k: usize, alpha: f32, a: usize, lda: usize, b: usize, ldb: usize,
        beta: f32, c: usize, ldc: usize, ta: bool, tb: bool, slot: usize, nc: usize,
    ) {
        let tile = slot; // SPILL bytes: a partial tile
        let pa = slot + SPILL; // 4·MR·k bytes
        let pb = pa + 4 * MR * k; // nc·k·4 bytes
        let mut jc = 0;
        while jc < n {
            let w = if n - jc < nc { n - jc } else { nc };
            pack_b(k, b, ldb, tb, jc, w, pb);
            let mut i = rs;
            while i < re {
                let h = if re - i < MR { re - i } else { MR };
                pack_a(k, a, lda, ta, i, h, pa);
                let mut s = 0;
                while s < w {
                    let ww = if w - s < 8 { w - s } else { 8 };
                    tile_mr8(k, pa, pb + s * 4 * k, c + i * ldc + (jc + s) * 4, ldc, h, ww, alpha, beta, tile);
                    s += 8;
                }
                i += MR;
            }
            jc += w;
        }
    }
    /// op(B)[0..k, j0..j0+w] as ceil(w/8) slivers of k×8 floats (column j0+8s+q of row p at
    /// dst + 32·(s·k + p) + 4q), zeros past w.
    #[inline(never)]
    unsafe fn pack_b(k: usize, b: usize, ldb: usize, tb: bool, j0: usize, w: usize, dst: usize) {
        let z = f32x4_splat(0.0);
        let mut s = 0;
        while s < w {
            let ww = if w - s < 8 { w - s } else { 8 };
            let out = dst + s * 4 * k;
            let j = j0 + s;
            if !tb {
                // Rows of op(B) are rows of b: 8 contiguous floats per p.
                let mut src = b + j * 4;
                let mut o = out;
                if ww == 8 {
                    let mut p = 0;
                    while p < k {
                        st(o, ld(src));
                        st(o + 16, ld(src + 16));
                        src += ldb;
                        o += 32;
                        p += 1;
                    }
                } else {
                    let mut p = 0;
                    while p < k {
                        st(o, z);
                        st(o + 16, z);
                        let mut q = 0;
                        while q < ww {
                            stf(o + 4 * q, ldf(src + 4 * q));
                            q += 1;
                        }
                        src += ldb;
                        o += 32;
                        p += 1;
                    }
                }
            } else {
                // op(B)[p, j+q] = b[(j+q)*ldb + p]: columns of op(B) are contiguous rows of b.
                if ww == 8 {
                    let c0 = b + j * ldb;
                    let mut p = 0;
                    while p + 4 <= k {
                        let o = out + 32 * p;
                        let q = c0 + 4 * p;
                        let (x0, x1, x2, x3) = tr4(ld(q), ld(q + ldb), ld(q + 2 * ldb), ld(q + 3 * ldb));
                        let r = q + 4 * ldb;
                        let (y0, y1, y2, y3) = tr4(ld(r), ld(r + ldb), ld(r + 2 * ldb), ld(r + 3 * ldb));
                        st(o, x0);
                        st(o + 16, y0);
                        st(o + 32, x1);
                        st(o + 48, y1);
                        st(o + 64, x2);
                        st(o + 80, y2);
                        st(o + 96, x3);
                        st(o + 112, y3);
                        p += 4;
                    }
                    while p < k {
                        let mut q = 0;
                        while q < 8 {
                            stf(out + 32 * p + 4 * q, ldf(c0 + q * ldb + 4 * p));
                            q += 1;
                        }
                        p += 1;
                    }
                } else {
                    let mut p = 0;
                    while p < k {
                        let o = out + 32 * p;
                        st(o, z);
                        st(o + 16, z);
                        let mut q = 0;
                        while q < ww {
                            stf(o + 4 * q, ldf(b + (j + q) * ldb + 4 * p));
                            q += 1;
                        }
                        p += 1;
                    }
                }
            }
            s += 8;
        }
    }

    /// op(A)[i0..i0+h, 0..k] as k groups of MR (row i0+r of column p at dst + 4·(MR·p + r)), zeros past h.
    #[inline(never)]
    unsafe fn pack_a(k: usize, a: usize, lda: usize, ta: bool, i0: usize, h: usize, dst: usize) {
        let (ais, aps) = if ta { (4, lda) } else { (lda, 4) };
        let src = a + i0 * ais;
        if h < MR {
            let mut o = dst;
            let end = dst + 4 * MR * k;
            while o < end {
                stf(o, 0.0);
                o += 4;
            }
        }
        let mut r = 0;
        if !ta && h >= 4 {
            // Rows 0..4: 4×4 transposes of contiguous row loads.
            let mut p = 0;
            while p + 4 <= k {
                let q = src + 4 * p;
                let (x0, x1, x2, x3) = tr4(ld(q), ld(q + lda), ld(q + 2 * lda), ld(q + 3 * lda));
                let o = dst + 4 * MR * p;
                st(o, x0);
                st(o + 4 * MR, x1);
                st(o + 8 * MR, x2);
                st(o + 12 * MR, x3);
                p += 4;
            }
            while p < k {
                let mut q = 0;
                while q < 4 {
                    stf(dst + 4 * (MR * p + q), ldf(src + q * lda + 4 * p));
                    q += 1;
                }
                p += 1;
            }
            r = 4;
        }
        while r < h {
            let mut q = src + r * ais;
            let mut o = dst + 4 * r;
            let mut p = 0;
            while p < k {
                stf(o, ldf(q));
                q += aps;
                o += 4 * MR;
                p += 1;
            }
            r += 1;
        }
    }

    /// C[0..h, 0..ww] (h ≤ MR, ww ≤ 8; row stride ldc bytes) from the packed A slice and one sliver.
    #[inline(never)]
    unsafe fn tile_mr8(
        k: usize, pa: usize, pb: usize, cp: usize, ldc: usize, h: usize, ww: usize, alpha: f32, beta: f32,
        spill: usize,
    ) {
        let z = f32x4_splat(0.0);
        let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21) = (z, z, z, z, z, z);
        let (mut c30, mut c31, mut c40, mut c41, mut c50, mut c51) = (z, z, z, z, z, z);
        let mut qa = pa;
        let mut qb = pb;
        let end = pb + 32 * k;
        macro_rules! row {
            ($r:expr, $o:expr, $b0:expr, $b1:expr, $x0:ident, $x1:ident) => {{
                let av = v128_load32_splat((qa + 4 * (MR * $o + $r)) as *const u32);
                $x0 = f32x4_add($x0, f32x4_mul(av, $b0));
                $x1 = f32x4_add($x1, f32x4_mul(av, $b1));
            }};
        }
        macro_rules! step {
            ($o:expr) => {{
                let b0 = ld(qb + 32 * $o);
                let b1 = ld(qb + 32 * $o + 16);
                row!(0, $o, b0, b1, c00, c01);
                row!(1, $o, b0, b1, c10, c11);
                row!(2, $o, b0, b1, c20, c21);
                row!(3, $o, b0, b1, c30, c31);
                row!(4, $o, b0, b1, c40, c41);
                row!(5, $o, b0, b1, c50, c51);
            }};
        }
        while qb + 64 <= end {
            step!(0);
            step!(1);
            qa += 8 * MR;
            qb += 64;
        }
        while qb < end {
            step!(0);
            qa += 4 * MR;
            qb += 32;
        }
        let va = f32x4_splat(alpha);
        let vb = f32x4_splat(beta);
        let bz = beta == 0.0;
        if h == MR && ww == 8 {
            macro_rules! fin4 {
                ($acc:expr, $p:expr) => {{
                    let t = f32x4_mul(va, $acc);
                    st($p, if bz { t } else { f32x4_add(t, f32x4_mul(vb, ld($p))) });
                }};
            }
            fin4!(c00, cp);
            fin4!(c01, cp + 16);
            fin4!(c10, cp + ldc);
            fin4!(c11, cp + ldc + 16);
            fin4!(c20, cp + 2 * ldc);
            fin4!(c21, cp + 2 * ldc + 16);
            fin4!(c30, cp + 3 * ldc);
            fin4!(c31, cp + 3 * ldc + 16);
            fin4!(c40, cp + 4 * ldc);
            fin4!(c41, cp + 4 * ldc + 16);
            fin4!(c50, cp + 5 * ldc);
            fin4!(c51, cp + 5 * ldc + 16);
            return;
        }
        // Partial tile: alpha·acc to the spill area, then the valid elements one by one.
        st(spill, f32x4_mul(va, c00));
        st(spill + 16, f32x4_mul(va, c01));
        st(spill + 32, f32x4_mul(va, c10));
        st(spill + 48, f32x4_mul(va, c11));
        st(spill + 64, f32x4_mul(va, c20));
        st(spill + 80, f32x4_mul(va, c21));
        st(spill + 96, f32x4_mul(va, c30));
        st(spill + 112, f32x4_mul(va, c31));
        st(spill + 128, f32x4_mul(va, c40));
        st(spill + 144, f32x4_mul(va, c41));
        st(spill + 160, f32x4_mul(va, c50));
        st(spill + 176, f32x4_mul(va, c51));
        let mut r = 0;
        while r < h {
            let mut q = 0;
            while q < ww {
                let t = ldf(spill + 32 * r + 4 * q);
                let p = cp + r * ldc + 4 * q;
                stf(p, if bz { t } else { t + beta * ldf(p) });
                q += 1;
            }
            r += 1;
        }
    }
}
