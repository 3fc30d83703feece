// Kernels every family shares, linked into each family's module (assembly/<family>/index.ts re-exports
// them): deterministic math, fixed-order blocked reductions, elementwise building blocks, segmented
// reductions, CRC-32 for state files. Helpers imported but not exported: lanes, fma, madd.
export * from './math';
export * from './reduce';
export * from './elementwise';
export * from './segment';
export * from './crc32';
