// Entry point of the bilevel family's AssemblyScript module (bilevel-<variant>.wasm): f64 vector
// kernels (CG, Neumann, power iteration, unrolled loops), the built-in models' gradients and
// Hessian-vector products, and the f64 upper-level steps. Serial kernels on raw pointers (JS owns
// allocation); every sum in one fixed order, so SIMD and scalar builds give the same bits.
export * from './vec';
export * from './dense';
export * from './ridge';
export * from './glm';
export * from './outer';
export * from './project';
export * from './mlp';
