/**
 * Variable creation shared by the trajectory encoder's blocks: dense kernels drawn from a
 * normal distribution on the host (GPT-2's initialisation), biases at zero.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/rng.js';
import { reserveWeights } from '../../nets/weight-budget.js';

/** A dense projection's kernel `[rows, cols]` and bias `[cols]`. */
export interface DenseVariables {
  /** Kernel W, `[rows, cols]`. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** Bias b, `[cols]`. */
  readonly bias: tf.Variable<tf.Rank.R1>;
}

/**
 * Creates a trainable kernel with entries ~ N(0, std²) drawn from `rng`, and a zero bias.
 * @param name - variable name prefix; the variables are `${name}/kernel` and `${name}/bias`.
 * @remarks The caller owns the variables and disposes them.
 */
export function normalDenseVariables(rows: number, cols: number, std: number, rng: Rng, name: string): DenseVariables {
  reserveWeights(rows * cols + cols, `${name} (${rows} x ${cols})`);
  const values = rng.fillNormal(new Float32Array(rows * cols), 0, std);
  return tf.tidy(() => ({
    kernel: tf.variable(tf.tensor2d(values, [rows, cols]), true, `${name}/kernel`),
    bias: tf.variable(tf.zeros<tf.Rank.R1>([cols]), true, `${name}/bias`),
  }));
}
