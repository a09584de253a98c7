/**
 * The critic side shared by offline actor-critics, as pure functions golden-tested on their own:
 * the clipped double-Q target over any number of critics and the summed MSE critic loss.
 * Agent-specific losses (the diffusion actor loss, CQL's regulariser, IQL's expectile) live with
 * their agents.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../core/errors.js';

/**
 * Elementwise minimum over critics: min(Q1, …, QN).
 * @throws {@link ShapeError} on an empty list.
 * @remarks Returns a new `[B, 1]` tensor (or the only input when N = 1).
 */
export function minOf(values: readonly tf.Tensor2D[]): tf.Tensor2D {
  if (values.length === 0) throw new ShapeError('minOf needs at least one critic value.');
  return values.slice(1).reduce((m, q) => tf.minimum(m, q), values[0]);
}

/**
 * Critic loss Σᵢ MSE(Qᵢ, y) for fixed targets y (Diffusion-QL, TD3+BC, SAC-N: summed over the
 * critics, each a mean over the batch).
 * @remarks Returns a new scalar; the caller owns it.
 */
export function criticLoss(values: readonly tf.Tensor2D[], targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.addN(values.map((q) => tf.mean(tf.square(tf.sub(q, targets))))) as tf.Scalar);
}

/**
 * TD targets y = r + γ (1 − terminal) minᵢ Qᵢ′. Time-outs bootstrap as usual: only terminals
 * stop it.
 * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
 */
export function tdTargets(
  rewards: tf.Tensor2D,
  terminals: tf.Tensor2D,
  targetValues: readonly tf.Tensor2D[],
  discount: number,
): tf.Tensor2D {
  return tf.tidy(() => tf.add(rewards, tf.mul(tf.mul(tf.sub(1, terminals), discount), minOf(targetValues))));
}
