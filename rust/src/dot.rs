//! Blocked f32 dot product partials (twin of `dot_partials` in assembly/reduce.ts).

use crate::mem::*;

const BLOCK: i32 = 4096;

/// `sdot_partials(start, end, x, y, out)`: per-block partial sums of `x[i] * y[i]` (f32 inputs).
///
/// The input is cut into blocks of 4096 elements; `start` must be block aligned. For every block
/// starting at `b` (b = start, start + 4096, ... while b < end), over i in [b, min(b + 4096, end)):
/// element i goes to f64 lane `(i - b) mod 4`, `lane += (f64)x[i] * (f64)y[i]` in increasing i
/// (the product is exact in f64), and
/// `out[b / 4096] = (lane0 + lane1) + (lane2 + lane3)` is stored as f64 at `out + 8 * (b / 4096)`.
/// Bit-identical to the AssemblyScript `dot_partials`; threads get whole blocks, and the partials
/// are folded afterwards in a fixed tree by the caller.
#[no_mangle]
pub unsafe extern "C" fn sdot_partials(start: i32, end: i32, x: usize, y: usize, out: usize) {
    let mut b = start;
    while b < end {
        let e = if end - b < BLOCK { end } else { b + BLOCK };
        let o = (b as usize) << 2;
        std_(out + (((b / BLOCK) as usize) << 3), dot_s(x + o, y + o, (e - b) as usize));
        b += BLOCK;
    }
}

/// u[0..len) · v[0..len) at byte addresses u, v; f32 data, f64 arithmetic: element p goes to lane
/// p mod 4, lanes summed in increasing p, result (lane0 + lane1) + (lane2 + lane3). Shared with the
/// Cholesky kernels (chol.rs).
#[inline(always)]
pub(crate) unsafe fn dot_s(u: usize, v: usize, len: usize) -> f64 {
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
            let x = ld(u + 4 * p);
            let y = ld(v + 4 * p);
            lo = f64x2_add(lo, f64x2_mul(f64x2_promote_low_f32x4(x), f64x2_promote_low_f32x4(y)));
            let xh = i32x4_shuffle::<2, 3, 0, 1>(x, x);
            let yh = i32x4_shuffle::<2, 3, 0, 1>(y, y);
            hi = f64x2_add(hi, f64x2_mul(f64x2_promote_low_f32x4(xh), f64x2_promote_low_f32x4(yh)));
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
            let (x, y) = (u + 4 * p, v + 4 * p);
            a0 += ldf(x) as f64 * ldf(y) as f64;
            a1 += ldf(x + 4) as f64 * ldf(y + 4) as f64;
            a2 += ldf(x + 8) as f64 * ldf(y + 8) as f64;
            a3 += ldf(x + 12) as f64 * ldf(y + 12) as f64;
            p += 4;
        }
    }
    if p < len {
        a0 += ldf(u + 4 * p) as f64 * ldf(v + 4 * p) as f64;
        p += 1;
    }
    if p < len {
        a1 += ldf(u + 4 * p) as f64 * ldf(v + 4 * p) as f64;
        p += 1;
    }
    if p < len {
        a2 += ldf(u + 4 * p) as f64 * ldf(v + 4 * p) as f64;
    }
    (a0 + a1) + (a2 + a3)
}
