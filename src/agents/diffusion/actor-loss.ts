/**
 * Diffusion-QL's Q-normalised policy-improvement term. The actor loss is
 * L_π = L_d + η · L_q with L_q = −mean Qᵢ(s, ã) / sg(mean |Qⱼ(s, ã)|), ã from the actor's own
 * reverse chain and (i, j) = (1, 2) or (2, 1) by a fair coin each step; the other critic only
 * scales the term. In LLMDPD's notation (Eq. 8) this is −λ L_r with λ = η / mean|Q|
 * (`docs/algorithms/diffusion-ql.md`, "Update", step 3).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '../../nets/stop-gradient.js';

/**
 * The normalised Q term L_q = −mean Qᵢ / sg(mean |Qⱼ|) for the critic `i` the coin chose.
 * @remarks Returns a new scalar; the caller owns it. Differentiable through `qi` only.
 */
export function qLoss(qi: tf.Tensor2D, qj: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div<tf.Scalar>(tf.neg(tf.mean(qi)), stopGradient(tf.mean(tf.abs(qj)))));
}

/**
 * The coin of the Q term: which critic's value is maximised this step (the other normalises).
 * Drawn from the update's noise stream before anything else, as the official code draws it
 * with `np.random.uniform() > 0.5`.
 * @returns `[i, j]` indices into the critics' values: `[0, 1]` or `[1, 0]`.
 */
export function drawCriticPair(uniform: number): readonly [number, number] {
  return uniform > 0.5 ? [0, 1] : [1, 0];
}
