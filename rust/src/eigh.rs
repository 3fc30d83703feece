//! Symmetric eigendecomposition by cyclic Jacobi rotations (f64), and the inverse p-th root
//! A^{-1/p} = Q·diag(λ^{-1/p})·Qᵀ that Shampoo's preconditioners are built from.
//!
//! Jacobi (the same rotations as assembly/online/fullmatrix.ts): sweeps over the pairs (p, q),
//! p < q in row order, until Σ_{p<q} a_pq² ≤ 1e-32·Σ a_ii² (at most 64 sweeps). For a_pq ≠ 0:
//! ```text
//! θ = (a_qq − a_pp)/(2·a_pq);  t = |θ| > 1e153 ? 0.5/θ : sign(θ)/(|θ| + √(θ² + 1));  c = 1/√(t² + 1);  s = t·c
//! columns p, q of A (k = 0..n): (a_kp, a_kq) ← (c·a_kp − s·a_kq, s·a_kp + c·a_kq)
//! rows p, q of A, then a_pq = a_qp = 0, then rows p, q of W the same way
//! ```
//! so A ends diagonal (the eigenvalues) and the rows of W are the eigenvectors. Only IEEE f64
//! +, −, ×, ÷ and correctly rounded square roots, each in a fixed order: every build gives the
//! same bits, and a JS transcription with Math.sqrt gives them too. Jacobi is chosen over coupled
//! Newton because it is exact to f64 rounding for any conditioning (Newton's accuracy depends on
//! the iteration count and the spread of the spectrum) and it yields the eigenvalues needed for
//! distributed Shampoo's rank-deficiency perturbation; its cost is O(n³) per sweep.
use crate::mem::*;

const JACOBI_TOL: f64 = 1e-32;
const JACOBI_SWEEPS: i32 = 64;

#[inline(always)]
fn absd(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & 0x7fff_ffff_ffff_ffff)
}

/// (x_p, x_q) ← (c·x_p − s·x_q, s·x_p + c·x_q) over k = 0..n, elements at base + k·step.
#[inline(always)]
unsafe fn rotate(bp: usize, bq: usize, step: usize, n: usize, c: f64, s: f64) {
    for k in 0..n {
        let (x, y) = (ldd(bp + k * step), ldd(bq + k * step));
        std_(bp + k * step, c * x - s * y);
        std_(bq + k * step, s * x + c * y);
    }
}

/// Cyclic Jacobi on the symmetric n×n f64 matrix at a (overwritten: eigenvalues on its diagonal);
/// eigenvectors into the rows of w (n×n f64). Returns the sweeps taken.
unsafe fn jacobi(n: usize, a: usize, w: usize) -> i32 {
    for i in 0..n * n {
        std_(w + 8 * i, 0.0);
    }
    for i in 0..n {
        std_(w + 8 * (i * n + i), 1.0);
    }
    let mut sweeps = 0;
    while sweeps < JACOBI_SWEEPS {
        let (mut off, mut dg) = (0.0f64, 0.0f64);
        for p in 0..n {
            for q in p + 1..n {
                let v = ldd(a + 8 * (p * n + q));
                off += v * v;
            }
        }
        for i in 0..n {
            let v = ldd(a + 8 * (i * n + i));
            dg += v * v;
        }
        if !(off > JACOBI_TOL * dg) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = ldd(a + 8 * (p * n + q));
                if apq == 0.0 {
                    continue;
                }
                let theta = (ldd(a + 8 * (q * n + q)) - ldd(a + 8 * (p * n + p))) / (2.0 * apq);
                let at = absd(theta);
                let t = if at > 1e153 {
                    0.5 / theta
                } else {
                    (if theta >= 0.0 { 1.0 } else { -1.0 }) / (at + sqrt_pos(theta * theta + 1.0))
                };
                let c = 1.0 / sqrt_pos(t * t + 1.0);
                let s = t * c;
                rotate(a + 8 * p, a + 8 * q, 8 * n, n, c, s);
                rotate(a + 8 * p * n, a + 8 * q * n, 8, n, c, s);
                std_(a + 8 * (p * n + q), 0.0);
                std_(a + 8 * (q * n + p), 0.0);
                rotate(w + 8 * p * n, w + 8 * q * n, 8, n, c, s);
            }
        }
        sweeps += 1;
    }
    sweeps
}

/// Eigendecomposition of the symmetric n×n f64 matrix at a (overwritten): eigenvalues ascending
/// into vals (n f64), eigenvector i (unit norm) into row i of vecs (n×n f64). Ties keep Jacobi's
/// order (selection of the first minimum). Returns the Jacobi sweeps taken.
#[no_mangle]
pub unsafe extern "C" fn dsyev_jacobi(n: i32, a: usize, vals: usize, vecs: usize) -> i32 {
    let n = uz(n);
    let sweeps = jacobi(n, a, vecs);
    for i in 0..n {
        std_(vals + 8 * i, ldd(a + 8 * (i * n + i)));
    }
    for i in 0..n {
        let mut m = i;
        for j in i + 1..n {
            if ldd(vals + 8 * j) < ldd(vals + 8 * m) {
                m = j;
            }
        }
        if m != i {
            let (x, y) = (ldd(vals + 8 * i), ldd(vals + 8 * m));
            std_(vals + 8 * i, y);
            std_(vals + 8 * m, x);
            for k in 0..n {
                let (ri, rm) = (vecs + 8 * (i * n + k), vecs + 8 * (m * n + k));
                let (x, y) = (ldd(ri), ldd(rm));
                std_(ri, y);
                std_(rm, x);
            }
        }
    }
    sweeps
}

/// Inverse root of a Shampoo factor (distributed Shampoo's eigen root with its perturbation):
/// ```text
/// A = f64(a)/div                     (a: n×n f32, row-major; div = the bias correction 1 − β2^t, or 1)
/// A = Q·diag(λ)·Qᵀ                   (Jacobi above)
/// λ_i ← (λ_i + shift) + eps,  shift = −min(min_i λ_i, 0)
/// h_i = λ_i^{-1/root}                root ∈ {1, 2, 4, 8}: 1/λ, 1/√λ, 1/√√λ, 1/√√√λ
/// out_jk = f32( Σ_i (q_ij·h_i)·q_ik )  (f64, i increasing)
/// ```
/// work: 2n² + n f64. Returns the Jacobi sweeps, or −1 when a holds a non-finite value (out untouched).
#[no_mangle]
pub unsafe extern "C" fn sinvroot_jacobi(n: i32, a: usize, div: f64, eps: f64, root: i32, out: usize, work: usize) -> i32 {
    let n = uz(n);
    let (m, w, h) = (work, work + 8 * n * n, work + 16 * n * n);
    for i in 0..n * n {
        let x = ldf(a + 4 * i) as f64;
        if !(x - x == 0.0) {
            return -1;
        }
        std_(m + 8 * i, x / div);
    }
    let sweeps = jacobi(n, m, w);
    let mut lmin = ldd(m);
    for i in 1..n {
        let l = ldd(m + 8 * (i * n + i));
        if l < lmin {
            lmin = l;
        }
    }
    let shift = if lmin < 0.0 { -lmin } else { 0.0 };
    for i in 0..n {
        let l = (ldd(m + 8 * (i * n + i)) + shift) + eps;
        let r = match root {
            1 => l,
            2 => sqrt_pos(l),
            4 => sqrt_pos(sqrt_pos(l)),
            _ => sqrt_pos(sqrt_pos(sqrt_pos(l))),
        };
        std_(h + 8 * i, 1.0 / r);
    }
    for i in 0..n * n {
        std_(m + 8 * i, 0.0);
    }
    for i in 0..n {
        let hi = ldd(h + 8 * i);
        for j in 0..n {
            let u = ldd(w + 8 * (i * n + j)) * hi;
            for k in 0..n {
                let p = m + 8 * (j * n + k);
                std_(p, ldd(p) + u * ldd(w + 8 * (i * n + k)));
            }
        }
    }
    for i in 0..n * n {
        stf(out + 4 * i, ldd(m + 8 * i) as f32);
    }
    sweeps
}
