// The online family's kernels (assembly/online/, built to online-<variant>.wasm): registered with the
// engine when this family is imported; every learner and feasible-set call checks that its engine
// loaded them.
import { registerGroup } from '../engine/families.js';
import { ONLINE_MODULES } from '../generated/wasm-online.js';

// Pure for bundlers: an app that never uses the online family drops this registration and the modules.
export const ONLINE = /* @__PURE__ */ registerGroup(ONLINE_MODULES);
