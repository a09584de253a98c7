/**
 * One step of a diffusion policy's reverse chain (DDPM posterior mean with a clipped x̂₀), as
 * one differentiable op:
 *
 *   x̂₀ = clip(inputScale·x − noiseScale·ε, ±clip),  x′ = meanFromClean·x̂₀ + meanFromInput·x + sigma·z
 *
 * Why one op: written with tfjs ops this is eight kernels forward and about as many backward,
 * on tiny `[B, A]` tensors whose cost is all dispatch; a Diffusion-QL training step runs ten such
 * steps (the EMA actor's chain and the actor's own) and differentiates five. With llmdpd's native
 * kernels (see `engine/kernels.ts`) it is one kernel forward and one backward; otherwise it is
 * the same tfjs ops as before, with tfjs's gradients.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { type DenoiseScalars, fusedDenoiseActive, wasmDenoise, wasmDenoiseGrad } from '../engine/kernels.js';

/** Coefficients of one reverse step; see the module comment. */
export type ReverseStepCoefficients = DenoiseScalars;

/**
 * x′ from x, the predicted noise ε and fresh noise z (null for the last step, which adds none).
 * Differentiable with respect to x and ε (z is a constant); the clip passes no gradient where it
 * is active, as `tf.clipByValue` and PyTorch's `clamp`.
 * @remarks Returns a new tensor; the caller owns it.
 */
export function reverseDiffusionStep<T extends tf.Tensor>(
  x: T,
  eps: T,
  noise: T | null,
  coefficients: ReverseStepCoefficients,
): T {
  const c = coefficients;
  if (!fusedDenoiseActive()) {
    return tf.tidy(() => {
      const clean = tf.clipByValue(tf.sub(tf.mul(x, c.inputScale), tf.mul(eps, c.noiseScale)), -c.clip, c.clip);
      const mean = tf.add(tf.mul(clean, c.meanFromClean), tf.mul(x, c.meanFromInput));
      return (noise === null ? mean : tf.add(mean, tf.mul(noise, c.sigma))) as T;
    });
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, predicted] = args as [T, T];
    const save = args[2] as tf.GradSaveFunc;
    save([input, predicted]);
    return {
      value: wasmDenoise(input, predicted, noise ?? undefined, c),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => wasmDenoiseGrad(saved[0] as T, saved[1] as T, dy as T, c),
    };
  });
  return op(x, eps);
}
