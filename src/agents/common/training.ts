/**
 * Small steps of a training update shared by the diffusion agents: optional gradient clipping
 * and reading the logged scalars back from the device in one sync.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { clipByGlobalNorm } from '../../nets/grad-clip.js';

/**
 * Clips gradients to a global norm, or returns them as they are when `maxNorm` is 0 (disabled).
 * @remarks The clipped gradients are new tensors (inside the caller's tidy scope).
 */
export function clipGradients(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  return maxNorm <= 0 ? grads : (clipByGlobalNorm(grads, maxNorm).grads as tf.Tensor[]);
}

/**
 * Reads named scalars with one device read (stacked), instead of one sync per scalar.
 * @param scalars - metric name to scalar; null entries read as NaN.
 */
export function readScalars(scalars: Readonly<Record<string, tf.Scalar | null>>): Record<string, number> {
  const names = Object.keys(scalars).filter((k) => scalars[k] !== null);
  const values = names.length === 0 ? new Float32Array(0) : tf.tidy(() => tf.stack(names.map((k) => scalars[k]!)).dataSync());
  const out: Record<string, number> = {};
  for (const k of Object.keys(scalars)) out[k] = NaN;
  names.forEach((k, i) => (out[k] = values[i]!));
  return out;
}
