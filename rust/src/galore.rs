//! Elementwise kernels of the low-rank projected optimizers (src/optim/galore.ts). f32, separate
//! multiply and add (never FMA), the same operations per element in the SIMD and scalar builds.

use crate::mem::*;

/// `galore_apply_f32(start, end, p, u, scale, a, c, flags)`: for i in [start, end):
/// x = u[i]·scale; p[i] = p[i] + a·x; then, when flags & 1, p[i] = p[i] + c·p[i]
/// (galore-torch's AdamW: `p.add_(project_back(n), alpha=−step_size)` with project_back's `· scale`,
/// then `p.add_(p, alpha=−lr·wd)`).
#[no_mangle]
pub unsafe extern "C" fn galore_apply_f32(start: i32, end: i32, p: usize, u: usize, scale: f32, a: f32, c: f32, flags: i32) {
    let (s, e) = (uz(start), uz(end));
    let wd = flags & 1 != 0;
    let mut i = s;
    #[cfg(target_feature = "simd128")]
    {
        use crate::mem::v::*;
        let (vs, va, vc) = (f32x4_splat(scale), f32x4_splat(a), f32x4_splat(c));
        while i + 4 <= e {
            let (pp, up) = (p + 4 * i, u + 4 * i);
            let x = f32x4_mul(ld(up), vs);
            let mut q = f32x4_add(ld(pp), f32x4_mul(va, x));
            if wd {
                q = f32x4_add(q, f32x4_mul(vc, q));
            }
            st(pp, q);
            i += 4;
        }
    }
    while i < e {
        let x = ldf(u + 4 * i) * scale;
        let mut q = ldf(p + 4 * i) + a * x;
        if wd {
            q = q + c * q;
        }
        stf(p + 4 * i, q);
        i += 1;
    }
}

/// `sfill_f32(start, end, x, value)`: x[i] = value for i in [start, end).
#[no_mangle]
pub unsafe extern "C" fn sfill_f32(start: i32, end: i32, x: usize, value: f32) {
    let mut i = uz(start);
    let e = uz(end);
    while i < e {
        stf(x + 4 * i, value);
        i += 1;
    }
}
