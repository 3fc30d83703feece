// Kernels every family shares, linked into each family's module (assembly/<family>/index.ts re-exports
// them): deterministic math, fixed-order blocked reductions, elementwise building blocks, segmented
// reductions, CRC-32 for state files, counter-based random numbers. Helpers imported but not exported: lanes, fma, madd.
export * from './math';
export * from './reduce';
export * from './elementwise';
export * from './segment';
export * from './crc32';
// Counter-based randomness (Philox4x32-10, FNV-1a event hashes, samplers): its kernels only (the
// helpers philox/uniform/normal/gamma/beta are imported by the families that draw).
export { rng_philox, rng_uniform_f64, rng_normal_f64, rng_gamma_f64, rng_beta_f64, rng_hash_batch } from './rng';
export { rng_zig_normal_f64, rng_zgamma_f64, rng_zbeta_f64 } from './zig';
