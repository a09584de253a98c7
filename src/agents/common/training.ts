/**
 * A small step of a training update shared by the diffusion agents: reading the logged scalars
 * back from the device in one sync. (Gradient clipping is part of `Adam.applyGradients`.)
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Reads named scalars with one device read (stacked), instead of one sync per scalar.
 * @param scalars - metric name to scalar; null entries read as NaN.
 */
export function readScalars(scalars: Readonly<Record<string, tf.Scalar | null>>): Record<string, number> {
  const names = Object.keys(scalars).filter((k) => scalars[k] !== null);
  const values =
    names.length === 0 ? new Float32Array(0) : tf.tidy(() => tf.stack(names.map((k) => scalars[k]!)).dataSync());
  const out: Record<string, number> = {};
  for (const k of Object.keys(scalars)) out[k] = NaN;
  names.forEach((k, i) => (out[k] = values[i]!));
  return out;
}
