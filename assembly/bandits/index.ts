// Entry point of the bandit family's AssemblyScript module (bandits-<variant>.wasm). Kernels take
// raw pointers into the shared memory (JS owns allocation) and process copies [start, end) of a
// policy's state: R independent copies (simulation repetitions) sit contiguously, `stride` f64 apart,
// so one call decides or learns for all of them (serving is R = 1). Randomness: assembly/core/rng.ts.
export * from './stats';
export * from './ucb';
export * from './linear';
export * from './ucbv';
export * from './moss';
export * from './klucb';
export * from './restart';
export * from './env';
export * from './bayesucb';
export * from './adversarial';
export * from './nonstationary';
export * from './randomized';
export * from './thompson';
export * from './linreg';
export * from './delta';
export * from './changedet';
export * from './hybrid';
export * from './ope';
export * from './drift';
export * from './rails';
export * from './slate';
export * from './simts';
