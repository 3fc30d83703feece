// scale_by_adam with optax's formula and operation order.
import { checkRange } from '../../errors.js';
import { requireBool } from '../base.js';
import { forRuns, transformation, txOptions, TransformState, type GradientTransformation } from './base.js';

/**
 * Options of `optax.scaleByAdam` (u = m̂/(√(v̂ + ε_root) + ε)): defaults b1 0.9, b2 0.999, eps 1e-8,
 * epsRoot 0, no Nesterov.
 */
export interface ScaleByAdamOptions { b1?: number; b2?: number; eps?: number; epsRoot?: number; nesterov?: boolean }

/**
 * optax.scale_by_adam (Kingma & Ba 2015), t = count + 1:
 *   m ← (1−β1)·u + β1·m;  v ← (1−β2)·u² + β2·v;
 *   u ← m̂ / (√(v / (1−β2ᵗ) + ε̄) + ε),  m̂ = m / (1−β1ᵗ)
 * or with `nesterov` (optax's NAdam form, Dozat 2016): m̂ = β1·(m / (1−β1ᵗ⁺¹)) + (1−β1)·(u / (1−β1ᵗ))
 * (1−βᵗ in f64 with the engine's pow, rounded once to f32; then f32 divisions as optax does).
 * Defaults β1 = 0.9, β2 = 0.999, ε = 1e-8, ε̄ (epsRoot) = 0. State: mu, nu (8 bytes/param), count.
 */
export function scaleByAdam(options?: ScaleByAdamOptions): GradientTransformation {
  const opts = txOptions('scaleByAdam', options, ['b1', 'b2', 'eps', 'epsRoot', 'nesterov']);
  const b1 = checkRange('b1', opts.b1 ?? 0.9, 0, 1, false, true);
  const b2 = checkRange('b2', opts.b2 ?? 0.999, 0, 1, false, true);
  const eps = checkRange('eps', opts.eps ?? 1e-8, 0, Infinity);
  const epsRoot = checkRange('epsRoot', opts.epsRoot ?? 0, 0, Infinity);
  const nesterov = requireBool('nesterov', opts.nesterov ?? false);
  return transformation('scale_by_adam', {
    init: (p, r) => new TransformState('scale_by_adam', p, r, { count: 0 }, ['mu', 'nu']),
    apply(u, s, ps) {
      const e = ps.engine, t = s.scalars.count! + 1;
      const bc1 = 1 - e.pow(b1, t), bc2 = 1 - e.pow(b2, t), bc1n = nesterov ? 1 - e.pow(b1, t + 1) : 1;
      const m = s.buffers.mu!.ptr, v = s.buffers.nu!.ptr;
      forRuns(s, (o, n) => e.run('tx_adam_f32', n, [u.ptr + o, m + o, v + o, b1, 1 - b1, b2, 1 - b2, bc1, bc2, eps, epsRoot, bc1n, nesterov ? 1 : 0]));
      s.scalars.count = t;
    },
  });
}
