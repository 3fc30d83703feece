// The contiguous arena runs of each param group (a run extends over the padding up to the next tensor
// of the same group): the one definition, used by the Optimizer base for its per-run kernel calls and
// by optimizers that need whole-group passes outside of Optimizer.apply (reductions before the update,
// Schedule-Free's eval/train switch, Prodigy's second pass).
import type { ParamSet } from '../params.js';

export interface Run { off: number; n: number }

export function groupRuns(ps: ParamSet, groups: readonly { params: readonly string[] }[]): Run[][] {
  const owner = new Map<string, number>();
  groups.forEach((g, gi) => { for (const n of g.params) owner.set(n, gi); });
  const runs: Run[][] = groups.map(() => []);
  const ts = ps.tensors;
  ts.forEach((t, i) => {
    const gi = owner.get(t.name) ?? 0, rs = runs[gi]!, last = rs[rs.length - 1];
    const end = i + 1 < ts.length ? ts[i + 1]!.offset : ps.size;
    if (last && i > 0 && (owner.get(ts[i - 1]!.name) ?? 0) === gi) last.n = end - last.off;
    else rs.push({ off: t.offset, n: end - t.offset });
  });
  return runs;
}
