// Module groups: one wasm module (in 4 variants) per kernel family. The engine loads `core` itself;
// every other group (optim, linalg, and the families to come) registers its generated descriptor when
// its code is imported, so an app that never imports a family neither bundles nor instantiates its
// kernels. The engine knows no family: it instantiates what is registered when `init()` runs.
import { UnsupportedError } from '../errors.js';

export interface ModuleGroup {
  /** Group name: the module files are `<name>-<variant>.wasm` (variant simd-mt, scalar-mt, simd, scalar). */
  readonly name: string;
  /** Inlined modules (base64) by file name. */
  readonly base64: Readonly<Record<string, string>>;
  /**
   * Precompiled modules by file name, imported as platform wasm modules (the workerd entry,
   * `dist/workerd/index.js`, ships each module once this way instead of as base64).
   */
  readonly modules?: Readonly<Record<string, WebAssembly.Module>>;
  /** Modules in a chunk loaded on demand (the scalar variants). */
  readonly lazy: readonly string[];
  readonly loadLazy: () => Promise<Record<string, string>>;
  /** Shared-memory modules as [non-shared twin, offset of the memory import flags byte, its value]. */
  readonly sharedPatch: Readonly<Record<string, readonly [string, number, number]>>;
  /** Parameter count of each exported kernel. */
  readonly arity: Readonly<Record<string, number>>;
}

const registry = new Map<string, ModuleGroup>();

/** Called once by a family's wasm module file at import; returns the group for `requireGroup`. */
export function registerGroup(g: ModuleGroup): ModuleGroup {
  registry.set(g.name, g);
  return g;
}

/** The registered groups, in registration order. */
export function registeredGroups(): ModuleGroup[] { return [...registry.values()]; }

/** Throws unless `loaded` (an engine's group names) holds `g`: the family was imported after the engine was created. */
export function checkGroup(loaded: readonly string[], g: ModuleGroup): void {
  if (!loaded.includes(g.name)) {
    throw new UnsupportedError(`this engine was created before simdopt's ${g.name} kernels were imported, so it has not loaded them: ` +
      `create the engine (init()) after importing the ${g.name} classes`);
  }
}
