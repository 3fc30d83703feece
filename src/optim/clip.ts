import { checkRange } from '../errors.js';
import { requireParamSet, type ParamSet } from '../params.js';

/**
 * Clip all gradients of a ParamSet by their global L2 norm (torch.nn.utils.clip_grad_norm_):
 *   n = ‖g‖₂ (sum of squares in f64, fixed blocked order);  if maxNorm/(n + 1e-6) < 1, g ← g · that factor.
 * Returns the norm before clipping. A non-finite norm leaves the gradients unchanged.
 */
export function clipGradNorm(params: ParamSet, maxNorm: number): number {
  requireParamSet(params);
  checkRange('maxNorm', maxNorm, 0, Infinity);
  const e = params.engine;
  params.clearPadding(); // the norm is over the whole arena: padding must not count
  const norm = e.sqrt(e.sumSquares(params.grad));
  const coef = maxNorm / (norm + 1e-6);
  if (Number.isFinite(norm) && coef < 1) e.run('scale_f32', params.size, [params.grad.ptr, coef]);
  return norm;
}
