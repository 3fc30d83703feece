// `simdopt/bandits`: the engine and the bandit family alone. Bundlers resolve every file a barrel
// names before they tree-shake, so an app importing `bandits` from the main entry still makes esbuild
// emit the (never loaded) scalar chunks of every family and makes wrangler upload every family's wasm
// module. This entry names only core and bandits: an app built from it ships neither the optimizer,
// linear-algebra, bilevel nor online kernels (bench row 8, test/bundle-bandits.test.mjs). Same classes
// and functions as the main entry (shared chunks), so both entries can be mixed in one app.
export { init, Engine, VERSION, BLOCK, type InitOptions, type EngineInfo } from './engine/engine.js';
export { EngineBuffer, type DType } from './engine/memory.js';
export {
  SimdoptError, LengthMismatchError, HyperparameterError, DisposedError, ForeignBufferError,
  OutOfMemoryError, UnsupportedError, StateError, InvalidArgumentError, WorkerLostError, type ErrorCode,
  NotPositiveDefiniteError, NonFiniteError, StoreError,
} from './errors.js';
export { bandits } from './bandits/index.js';
