// Iterative differentiation (ITD): differentiate f(x, y_T(x)) through T steps y_{t+1} = y_t − α∇ᵧg(x, y_t)
// from the warm start y_0 (held constant).
//   itd          reverse mode: p_T = ∇ᵧf, h = ∇ₓf; for t = T−1..0: h −= α∇²ₓᵧg(y_t)·p, p −= α∇²ᵧᵧg(y_t)·p.
//                Memory: the iterates, or with `unrollMemory` = M vectors, checkpoints every c steps and
//                one recomputed segment of c iterates (ceil(T/c) + c ≤ M), at ≤ T extra gradients.
//   itd-forward  forward mode (RTHO / Forward-HG): Z_t = dy_t/dx (dy×dx), Z_{t+1} = Z_t − α(H Z_t + ∇²ᵧₓg),
//                ∇Φ = ∇ₓf + Z_Tᵀ∇ᵧf: dx HVPs and dx transposed cross products per step, memory dx·dy
//                whatever T (for a few hyperparameters).
import type { Oracles } from './oracles.js';
import type { Vec, Vecs } from './vec.js';

/** The checkpoint spacing c for T steps within M stored vectors (smallest c with ceil(T/c) + c ≤ M), or 0 when none exists. */
export function checkpointSpacing(T: number, M: number): number {
  if (T + 1 <= M) return 1;
  for (let c = 2; c <= T; c++) if (Math.ceil(T / c) + c <= M) return c;
  return 0;
}

export interface ItdReport { gradEvals: number; stored: number }

/** Reverse-mode ITD: y (in: y_0, out: y_T), hg (out: dx). */
export function itdReverse(v: Vecs, o: Oracles, x: Vec, y: Vec, hg: Vec, gy: Vec, T: number, alpha: number, memory: number,
  t: { g: Vec; p: Vec; tx: Vec; ty: Vec }): ItdReport {
  const c = checkpointSpacing(T, memory);
  const nck = Math.ceil(T / c);
  const ck: Vec[] = [], seg: Vec[] = [];
  let evals = 0;
  try {
    for (let i = 0; i < nck; i++) ck.push(v.alloc(o.dy));
    for (let i = 0; i < (c > 1 ? c : 0); i++) seg.push(v.alloc(o.dy));
    for (let s = 0; s < T; s++) {
      if (s % c === 0) v.copy(y, ck[s / c]!);
      o.lowerGrad(x, y, t.g); evals++;
      v.axpy(-alpha, t.g, y);
    }
    o.upperGrad(x, y, hg, t.p);
    v.copy(t.p, gy);
    for (let s = nck - 1; s >= 0; s--) {
      const lo = s * c, hi = Math.min(T, lo + c);
      // the segment's iterates y_lo..y_{hi−1}
      const at = (k: number): Vec => (c === 1 ? ck[s]! : seg[k - lo]!);
      if (c > 1) {
        v.copy(ck[s]!, seg[0]!);
        for (let k = lo + 1; k < hi; k++) {
          o.lowerGrad(x, seg[k - 1 - lo]!, t.g); evals++;
          v.lincomb(1, seg[k - 1 - lo]!, -alpha, t.g, seg[k - lo]!);
        }
      }
      for (let k = hi - 1; k >= lo; k--) {
        const yk = at(k);
        o.cross(x, yk, t.p, t.tx);
        v.axpy(-alpha, t.tx, hg);
        o.hvp(x, yk, t.p, t.ty);
        v.axpy(-alpha, t.ty, t.p);
      }
    }
  } finally {
    for (const b of [...ck, ...seg]) b.free();
  }
  return { gradEvals: evals, stored: nck + seg.length };
}

/** Forward-mode ITD: y (in: y_0, out: y_T), hg (out: dx). */
export function itdForward(v: Vecs, o: Oracles, x: Vec, y: Vec, hg: Vec, gy: Vec, T: number, alpha: number,
  t: { g: Vec; ty: Vec; ty2: Vec; ex: Vec; tx: Vec }): ItdReport {
  const Z: Vec[] = [];
  try {
    for (let j = 0; j < o.dx; j++) Z.push(v.alloc(o.dy));
    for (let s = 0; s < T; s++) {
      for (let j = 0; j < o.dx; j++) {
        o.hvp(x, y, Z[j]!, t.ty);
        v.fill(0, t.ex); t.ex.array[j] = 1;
        o.crossT(x, y, t.ex, t.ty2);
        v.axpy(1, t.ty2, t.ty);
        v.axpy(-alpha, t.ty, Z[j]!);
      }
      o.lowerGrad(x, y, t.g);
      v.axpy(-alpha, t.g, y);
    }
    o.upperGrad(x, y, hg, gy);
    for (let j = 0; j < o.dx; j++) hg.array[j] = hg.array[j]! + v.dot(Z[j]!, gy);
  } finally {
    for (const b of Z) b.free();
  }
  return { gradEvals: T, stored: o.dx };
}
