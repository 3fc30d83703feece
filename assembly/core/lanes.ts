// Shared by every blocked reduction (imported, not exported by the module): a block's partial from its
// four f64 lanes, in the one fixed order of assembly/core/reduce.ts.

// @ts-ignore: decorator
@inline export function lanePartial(a0: f64, a1: f64, a2: f64, a3: f64): f64 {
  return (a0 + a1) + (a2 + a3);
}
