// The bandit family's kernels (assembly/bandits/, built to bandits-<variant>.wasm): registered with the
// engine when this family is imported; every policy checks that its engine loaded them.
import { registerGroup } from '../engine/families.js';
import { BANDITS_MODULES } from '../generated/wasm-bandits.js';

// Pure for bundlers: an app that never uses the bandits drops this registration and the modules.
export const BANDITS = /* @__PURE__ */ registerGroup(BANDITS_MODULES);
