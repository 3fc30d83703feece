//! Raw loads and stores at byte addresses, and small shared helpers.

#[inline(always)]
pub unsafe fn ldf(p: usize) -> f32 {
    *(p as *const f32)
}

#[inline(always)]
pub unsafe fn stf(p: usize, v: f32) {
    *(p as *mut f32) = v
}

#[inline(always)]
pub unsafe fn ldd(p: usize) -> f64 {
    *(p as *const f64)
}

#[inline(always)]
pub unsafe fn std_(p: usize, v: f64) {
    *(p as *mut f64) = v
}

/// Non-negative `i32` as `usize` (negative values become 0).
#[inline(always)]
pub fn uz(v: i32) -> usize {
    if v > 0 {
        v as usize
    } else {
        0
    }
}

#[cfg(target_feature = "simd128")]
pub mod v {
    pub use core::arch::wasm32::*;

    #[inline(always)]
    pub unsafe fn ld(p: usize) -> v128 {
        v128_load(p as *const v128)
    }

    #[inline(always)]
    pub unsafe fn st(p: usize, x: v128) {
        v128_store(p as *mut v128, x)
    }

    /// 4x4 f32 transpose: input rows r0..r3, output columns c0..c3 (c_q lane r = r_r lane q).
    #[inline(always)]
    pub fn tr4(r0: v128, r1: v128, r2: v128, r3: v128) -> (v128, v128, v128, v128) {
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
        (
            i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
            i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
            i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
            i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
        )
    }

    /// [f32 at p, p+s, p+2s, p+3s] (strided gather).
    #[inline(always)]
    pub unsafe fn gather4(p: usize, s: usize) -> v128 {
        f32x4(
            super::ldf(p),
            super::ldf(p + s),
            super::ldf(p + 2 * s),
            super::ldf(p + 3 * s),
        )
    }
}

/// Correctly rounded square root of a positive f64 (finite or +inf), without the `sqrt` libcall
/// (`core` of rustc 1.63 has no `f64::sqrt`, and LLVM would import `env.sqrt` for the NaN case).
/// In simd128 builds this is `f64x2.sqrt`; in scalar builds an exact digit-by-digit integer square
/// root, rounded to nearest (a square root is never exactly halfway between two doubles), so both
/// builds return the IEEE result.
#[inline(always)]
pub fn sqrt_pos(d: f64) -> f64 {
    #[cfg(target_feature = "simd128")]
    {
        use core::arch::wasm32::*;
        f64x2_extract_lane::<0>(f64x2_sqrt(f64x2_splat(d)))
    }
    #[cfg(not(target_feature = "simd128"))]
    {
        sqrt_sw(d)
    }
}

#[cfg(not(target_feature = "simd128"))]
#[inline(never)]
fn sqrt_sw(d: f64) -> f64 {
    let bits = d.to_bits();
    if !(d > 0.0) || bits >= 0x7ff0_0000_0000_0000 {
        // +inf stays +inf; callers never pass NaN, zero or negatives.
        return d;
    }
    let mut e = ((bits >> 52) & 0x7ff) as i32;
    let mut m = bits & ((1u64 << 52) - 1);
    if e == 0 {
        let s = m.leading_zeros() as i32 - 11;
        m <<= s;
        e = 1 - s;
    } else {
        m |= 1u64 << 52;
    }
    // d = m * 2^ex with m in [2^52, 2^53); make ex even.
    let mut ex = e - 1075;
    if ex & 1 != 0 {
        m <<= 1;
        ex -= 1;
    }
    // q = floor(sqrt(m * 2^54)) has 54 bits; sqrt(d) = q_exact * 2^(ex/2 - 27).
    let n: u128 = (m as u128) << 54;
    let mut rem = n;
    let mut res: u128 = 0;
    let mut bit: u128 = 1u128 << 106;
    while bit > rem {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= res + bit {
            rem -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    let q = res as u64;
    // Round q/2 to nearest: an odd q always means the exact value lies above the midpoint.
    let mut sig = (q >> 1) + (q & 1);
    let mut exp2 = ex / 2 - 26; // sqrt(d) ~= sig * 2^exp2
    if sig == 1u64 << 53 {
        sig >>= 1;
        exp2 += 1;
    }
    let be = (exp2 + 1075) as u64;
    f64::from_bits((be << 52) | (sig & ((1u64 << 52) - 1)))
}
