// The bilevel family's kernels (assembly/bilevel/, built to bilevel-<variant>.wasm): registered with the
// engine when this family is imported; bilevel.solve and the built-in models check that their engine
// loaded them.
import { registerGroup } from '../engine/families.js';
import { BILEVEL_MODULES } from '../generated/wasm-bilevel.js';

// Pure for bundlers: an app that never uses bilevel drops this registration and the modules.
export const BILEVEL = /* @__PURE__ */ registerGroup(BILEVEL_MODULES);
