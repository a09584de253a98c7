/**
 * The losses of Diffusion-QL-style actor-critics as pure functions, golden-tested on their own
 * (algorithms.md §1.6-1.7). The diffusion (behaviour-cloning) loss is in `diffusion.ts`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '../../nets/stop-gradient.js';

/**
 * Critic loss MSE(Q1, y) + MSE(Q2, y) for fixed targets y.
 * @remarks Returns a new scalar; the caller owns it.
 */
export function criticLoss(q1: tf.Tensor2D, q2: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () => tf.add(tf.mean(tf.square(tf.sub(q1, targets))), tf.mean(tf.square(tf.sub(q2, targets)))) as tf.Scalar,
  );
}

/**
 * TD targets y = r + γ (1 − terminal) min(Q1′, Q2′). Time-outs bootstrap as usual: only
 * terminals stop it.
 * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
 */
export function tdTargets(
  rewards: tf.Tensor2D,
  terminals: tf.Tensor2D,
  targetQ1: tf.Tensor2D,
  targetQ2: tf.Tensor2D,
  discount: number,
): tf.Tensor2D {
  return tf.tidy(
    () =>
      tf.add(rewards, tf.mul(tf.mul(tf.sub(1, terminals), discount), tf.minimum(targetQ1, targetQ2))) as tf.Tensor2D,
  );
}

/**
 * The normalised Q term L_q = −mean Q_i / sg(mean |Q_j|) for the critic `i` a coin chose (the
 * other critic only scales it). In LLMDPD's notation this is −λ L_r with λ = η / mean|Q|.
 * @remarks Returns a new scalar; the caller owns it. Differentiable through `qi` only.
 */
export function qLoss(qi: tf.Tensor2D, qj: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div(tf.neg(tf.mean(qi)), stopGradient(tf.mean(tf.abs(qj)))) as tf.Scalar);
}
