// Clipping transformations (optax clip, clip_by_global_norm, adaptive_grad_clip).
import { checkRange } from '../../errors.js';
import { forRuns, reduceRuns, transformation, txOptions, TransformState, type GradientTransformation } from './base.js';

const f = Math.fround;

/** u ← min(max(u, −δ), δ) (optax.clip). NaN stays NaN. No state. */
export function clipByValue(maxDelta: number): GradientTransformation {
  const d = checkRange('maxDelta', maxDelta, 0, Infinity);
  return transformation('clip', {
    init: (p, r) => new TransformState('clip', p, r),
    apply(u, s, ps) { forRuns(s, (o, n) => ps.engine.run('tx_clip_f32', n, [u.ptr + o, -d, d])); },
  });
}

/**
 * optax.clip_by_global_norm (Pascanu et al. 2013):
 *   n = ‖u‖₂ over every covered tensor (sum of squares in f64, the engine's fixed blocked order, one
 *   rounding to f32);  if not n < c:  u ← (u / n)·c.
 * As in optax a non-finite norm makes every update non-finite (guard with skipNonFinite). No state.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation {
  const c = checkRange('maxNorm', maxNorm, 0, Infinity, true);
  return transformation('clip_by_global_norm', {
    init: (p, r) => new TransformState('clip_by_global_norm', p, r),
    apply(u, s, ps) {
      const e = ps.engine;
      const norm = f(e.sqrt(reduceRuns(e, u, s.runs, 'dot_partials')));
      if (norm < f(c)) return;
      forRuns(s, (o, n) => e.run('tx_divmul_f32', n, [u.ptr + o, norm, c]));
    },
  });
}

/**
 * Options of `optax.adaptiveGradClip` (unit-wise clipping to ‖g‖ ≤ clipping·max(‖θ‖, eps); default eps
 * 1e-3).
 */
export interface AgcOptions { clipping: number; eps?: number }

/**
 * Adaptive gradient clipping (Brock et al. 2021, "High-Performance Large-Scale Image Recognition
 * Without Normalization"; optax.adaptive_grad_clip), per tensor:
 *   gₙ = ‖u‖,  pₙ = ‖p‖ (f64 sums of squares, rounded to f32),  m = λ·max(pₙ, ε);
 *   if not gₙ < m:  u ← u · (m / max(gₙ, 1e-6)).
 * The "unit" is the whole tensor. The paper (and optax, for tensors of rank ≥ 2) uses one norm per
 * output unit (row of a linear layer, filter of a conv); for vectors and scalars the two agree.
 * Defaults ε = 1e-3. Needs the parameters. No state.
 */
export function adaptiveGradClip(options: AgcOptions): GradientTransformation {
  const opts = txOptions('adaptiveGradClip', options, ['clipping', 'eps']);
  const lam = checkRange('clipping', opts.clipping, 0, Infinity, true);
  const eps = checkRange('eps', opts.eps ?? 1e-3, 0, Infinity);
  return transformation('adaptive_grad_clip', {
    init: (p, r) => new TransformState('adaptive_grad_clip', p, r),
    apply(u, s, ps) { agcTensors(ps.engine, s.tensors, u.ptr, ps.data.ptr, lam, eps); },
  });
}

/** @internal AGC over `tensors` of gradient pointer g and parameter pointer p (one scale pass per clipped tensor). */
export function agcTensors(e: import('../../engine/engine.js').Engine, tensors: readonly { offset: number; size: number }[],
                           g: number, p: number, lam: number, eps: number): number {
  let clipped = 0;
  for (const t of tensors) {
    const go = g + t.offset * 4, po = p + t.offset * 4;
    const gn = f(e.sqrt(e.reduce('dot_partials', t.size, [go, go])));
    const pn = f(e.sqrt(e.reduce('dot_partials', t.size, [po, po])));
    const m = f(f(lam) * Math.max(pn, f(eps)));
    if (gn < m) continue;
    e.run('scale_f32', t.size, [go, f(m / Math.max(gn, f(1e-6)))]);
    clipped++;
  }
  return clipped;
}
