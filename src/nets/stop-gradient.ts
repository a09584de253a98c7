/**
 * `stopGradient(x)`: the value of x, with zero gradient (PyTorch's `.detach()` inside a loss).
 * tfjs-core has no such op; this is an identity with a custom zero gradient.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Identity in the forward pass, zero gradient in the backward pass.
 * @remarks Returns a new tensor; the caller owns it.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    return { value: tf.clone(input), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
  });
  return op(x) as T;
}
