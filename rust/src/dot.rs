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
        let mut i = b as usize;
        let eu = e as usize;
        let e4 = i + ((eu - i) & !3);
        #[allow(unused_mut)]
        let (mut a0, mut a1, mut a2, mut a3): (f64, f64, f64, f64);
        #[cfg(target_feature = "simd128")]
        {
            use v::*;
            let mut lo = f64x2_splat(0.0);
            let mut hi = f64x2_splat(0.0);
            while i < e4 {
                let o = i << 2;
                let u = ld(x + o);
                let w = ld(y + o);
                lo = f64x2_add(lo, f64x2_mul(f64x2_promote_low_f32x4(u), f64x2_promote_low_f32x4(w)));
                let uh = i32x4_shuffle::<2, 3, 0, 1>(u, u);
                let wh = i32x4_shuffle::<2, 3, 0, 1>(w, w);
                hi = f64x2_add(hi, f64x2_mul(f64x2_promote_low_f32x4(uh), f64x2_promote_low_f32x4(wh)));
                i += 4;
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
            while i < e4 {
                let o = i << 2;
                a0 += ldf(x + o) as f64 * ldf(y + o) as f64;
                a1 += ldf(x + o + 4) as f64 * ldf(y + o + 4) as f64;
                a2 += ldf(x + o + 8) as f64 * ldf(y + o + 8) as f64;
                a3 += ldf(x + o + 12) as f64 * ldf(y + o + 12) as f64;
                i += 4;
            }
        }
        if i < eu {
            a0 += ldf(x + (i << 2)) as f64 * ldf(y + (i << 2)) as f64;
            i += 1;
        }
        if i < eu {
            a1 += ldf(x + (i << 2)) as f64 * ldf(y + (i << 2)) as f64;
            i += 1;
        }
        if i < eu {
            a2 += ldf(x + (i << 2)) as f64 * ldf(y + (i << 2)) as f64;
        }
        std_(out + (((b / BLOCK) as usize) << 3), (a0 + a1) + (a2 + a3));
        b += BLOCK;
    }
}
