// Optimizers as chains of transformations (optax.alias): adam, adamw, sgd.
import { valueText, HyperparameterError } from '../../errors.js';
import { scaleByAdam, type ScaleByAdamOptions } from './adam.js';
import { chain, identity, type GradientTransformation, type ScalarOrSchedule } from './base.js';
import { addDecayedWeights } from './decay.js';
import type { Mask } from './masked.js';
import { traceMomentum } from './momentum.js';
import { scaleByLearningRate } from './scale.js';

/**
 * Options of `optax.adam`: scaleByAdam's options and the learning rate (a number or a schedule; default
 * 1e-3).
 */
export interface AdamChainOptions extends ScaleByAdamOptions { lr?: ScalarOrSchedule }

/** optax.adam: chain(scaleByAdam(opts), scaleByLearningRate(lr)). Default lr = 1e-3. */
export function adam(opts: AdamChainOptions = {}): GradientTransformation {
  const { lr = 1e-3, ...rest } = opts;
  return chain(scaleByAdam(rest), scaleByLearningRate(lr));
}

/** optax.nadam: adam with nesterov = true. */
export function nadam(opts: Omit<AdamChainOptions, 'nesterov'> = {}): GradientTransformation {
  return adam({ ...opts, nesterov: true });
}

/** optax.nadamw: adamw with nesterov = true. */
export function nadamw(opts: Omit<AdamWChainOptions, 'nesterov'> = {}): GradientTransformation {
  return adamw({ ...opts, nesterov: true });
}

/** Options of `optax.adamw` (adam with weight decay λ·θ added to the update before the learning-rate scaling; defaults lr 1e-3, weightDecay 1e-4 as optax). */
export interface AdamWChainOptions extends AdamChainOptions {
  weightDecay?: ScalarOrSchedule;
  /** Decay only these tensors (e.g. not biases and norms). */
  mask?: Mask;
  /**
   * Where the decay goes: 'decoupled' (default, optax.adamw: after Adam, scaled by lr), 'coupled'
   * (L2: added to the gradient before Adam), 'independent' (after the lr: p ← p − λ·p whatever the lr).
   */
  decay?: 'decoupled' | 'coupled' | 'independent';
}

/**
 * optax.adamw: chain(scaleByAdam(opts), addDecayedWeights(λ, {mask}), scaleByLearningRate(lr)),
 * defaults lr = 1e-3, λ = 1e-4 (optax's). The same update as the fused AdamW class up to rounding:
 * the class folds the bias corrections into one division and decays p first, p·(1 − lr·λ).
 */
export function adamw(opts: AdamWChainOptions = {}): GradientTransformation {
  const { lr = 1e-3, weightDecay = 1e-4, mask, decay = 'decoupled', ...rest } = opts;
  const wd = (w: ScalarOrSchedule) => addDecayedWeights(w, mask === undefined ? {} : { mask });
  switch (decay) {
    case 'decoupled': return chain(scaleByAdam(rest), wd(weightDecay), scaleByLearningRate(lr));
    case 'coupled': return chain(wd(weightDecay), scaleByAdam(rest), scaleByLearningRate(lr));
    case 'independent': {
      const neg = typeof weightDecay === 'function' ? (c: number) => -weightDecay(c) : -weightDecay;
      return chain(scaleByAdam(rest), scaleByLearningRate(lr), wd(neg));
    }
    default: throw new HyperparameterError(`decay must be 'decoupled', 'coupled' or 'independent', got ${valueText(decay)}`);
  }
}

/**
 * Options of `optax.sgd`: the learning rate (required), momentum (default none) and Nesterov (default
 * false).
 */
export interface SgdChainOptions { lr: ScalarOrSchedule; momentum?: number; nesterov?: boolean }

/**
 * optax.sgd: chain(traceMomentum({decay: momentum, nesterov}) if momentum, scaleByLearningRate(lr)).
 * Bit-identical to torch-style SGD (dampening 0, no weight decay).
 */
export function sgd(opts: SgdChainOptions): GradientTransformation {
  if (!opts || opts.lr === undefined) throw new HyperparameterError('lr is required');
  const { lr, momentum, nesterov = false } = opts;
  if (nesterov && !momentum) throw new HyperparameterError('nesterov requires momentum > 0');
  return chain(momentum ? traceMomentum({ decay: momentum, nesterov }) : identity(), scaleByLearningRate(lr));
}
