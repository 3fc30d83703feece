// A `.wasm` import is a compiled WebAssembly.Module on platforms that load wasm as modules (workerd:
// src/generated/wasm-<group>-workerd.ts, built into dist/workerd/index.js).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
