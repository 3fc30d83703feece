//! simdopt linear-algebra kernels for wasm32.
//!
//! ABI: every exported function is `extern "C"`; matrices are row-major; pointers are byte
//! addresses (`usize`) into the imported `env.memory`; sizes and flags are `i32`. No function
//! allocates, touches the shadow stack on purpose, or has a data segment, so the same module can
//! be instantiated once per thread over one shared memory.
//!
//! Determinism: the `simd128` build and the scalar build run the same IEEE-754 operations on
//! every output element, in the same order (separate multiply and add, never FMA, only
//! non-relaxed SIMD), so both give bit-identical results (NaN payloads aside). The order of the
//! sums is fixed by the definitions in each module's docs, not by blocking or by how rows are
//! split between threads.
#![no_std]

mod chol;
mod dot;
mod eigh;
mod gemm;
mod gemmp;
mod gemv;
mod mem;
mod galore;
mod qr;
mod svd;

pub use chol::{dpotrf, dpotrs, spotrf, spotrs};
pub use dot::sdot_partials;
pub use eigh::{dsyev_jacobi, sinvroot_jacobi};
pub use gemm::sgemm;
pub use gemmp::sgemm_packed;
pub use gemv::sgemv;
pub use galore::{galore_apply_f32, sfill_f32};
pub use qr::sgeqr_thin;
pub use svd::{philox_uniform_f32, sgesvd_jacobi, svd_sign_fix};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
