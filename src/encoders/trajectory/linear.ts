/**
 * A dense layer y = act(x·W + b) whose backward pass picks the cheaper of two equal products
 * for the input gradient, by the number of rows.
 *
 * On tfjs-wasm every product whose right-hand operand is a new tensor pays for XNNPACK to pack
 * that operand (see BENCHMARKS.md). `nets/dense.ts` computes dx = dz·transpose(W), which packs
 * a fresh `[in, out]` transpose of W on every backward pass. When the batch has fewer rows than
 * the layer has inputs, dx = transpose(W·transpose(dz)) packs only the `[out, rows]` transpose
 * of dz instead. Measured on a loaded 2-core EPYC (wasm, 1 thread, median of interleaved runs):
 *
 * | rows × in × out | dz·Wᵀ | (W·dzᵀ)ᵀ |
 * | --- | --- | --- |
 * | 40 × 128 × 128 | 139 µs | 98 µs |
 * | 40 × 128 × 512 | 487 µs | 293 µs |
 * | 40 × 512 × 128 | 605 µs | 303 µs |
 * | 640 × 128 × 128 | 922 µs | 1371 µs |
 *
 * so the first form is kept for `rows ≥ in`. A trajectory prompt of 20 steps has 40 token rows
 * against a width of 128, so one prompt per step (facts §6.3) always takes the second form.
 * Everything else follows `nets/dense.ts` (plain products, explicit transposes, the bias
 * gradient as a ones-row product). This rule belongs in `nets/dense.ts`; it lives here so as not
 * to change a shared block inside this issue.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../core/errors.js';

/** Activations {@link linearApply} can fuse. */
export type LinearActivation = 'linear' | 'relu';

/**
 * Computes `act(x·W + b)` with gradients to x (unless `inputGradient` is false), W and b.
 * @param inputGradient - false to return a zero gradient for x without computing it (x is data).
 * @throws {@link ConfigError} on an unknown activation.
 * @remarks Returns a new tensor; the caller owns it.
 */
export function linearApply(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: LinearActivation, inputGradient = true): tf.Tensor2D {
  if (activation !== 'linear' && activation !== 'relu') {
    throw new ConfigError(`linearApply: unknown activation ${JSON.stringify(activation)}; use 'linear' or 'relu'.`);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, w, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const z = tf.fused.matMul({ a: input, b: w, bias: b }) as tf.Tensor2D;
    const value = activation === 'relu' ? (tf.relu(z) as tf.Tensor2D) : z;
    save(activation === 'relu' ? [input, w, value] : [input, w]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dz = (activation === 'relu' ? tf.mul(dy, tf.step(saved[2]!)) : dy) as tf.Tensor2D;
      const rows = sx.shape[0];
      let dx: tf.Tensor;
      if (!inputGradient) dx = tf.zerosLike(sx);
      else if (rows < sw.shape[0]) dx = tf.transpose(tf.matMul(sw, tf.transpose(dz)));
      else dx = tf.matMul(dz, tf.transpose(sw));
      const dw = tf.matMul(tf.transpose(sx), dz);
      const db = tf.reshape(tf.matMul(tf.ones([1, rows]), dz), [dz.shape[1]]);
      return [dx, dw, db];
    };
    return { value, gradFunc };
  });
  return op(x, kernel, bias) as tf.Tensor2D;
}
