// The optimizer family's kernels (assembly/optim/, built to optim-<variant>.wasm): registered with the
// engine when this family is imported; every optimizer, transformation and HVP entry checks that its
// engine loaded them (and so keeps this module, and its registration, in a bundle that uses them).
import { registerGroup } from '../engine/families.js';
import { OPTIM_MODULES } from '../generated/wasm-optim.js';

// Pure for bundlers: an app that never uses the optimizers drops this registration and the modules.
export const OPTIM = /* @__PURE__ */ registerGroup(OPTIM_MODULES);
