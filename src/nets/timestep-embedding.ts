/**
 * Sinusoidal embedding of the diffusion step index, as in Diffusion-QL's `SinusoidalPosEmb`
 * (`agents/helpers.py`; `docs/nets.md`, "Timestep embedding"):
 *
 *   half = dim/2,  f_j = exp(−j · ln(10000)/(half − 1)),  j = 0..half−1,
 *   emb(k) = [sin(k·f_0), …, sin(k·f_{half−1}), cos(k·f_0), …, cos(k·f_{half−1})]
 *
 * (all sines first, then all cosines). The step k is the raw integer index 0..K−1, not rescaled.
 * With dim = 16 the frequencies are 1, 0.268270, 0.071969, 0.019307, 0.005179, 0.001389,
 * 0.000373, 0.0001.
 *
 * Diffusion steps are a handful of small integers (K = 5), so {@link SinusoidalTable} computes
 * the K possible rows once and looks them up with a gather, which is cheaper than evaluating
 * sin/cos for every row of every batch.
 *
 * Values are computed on the host in float64 and stored as float32.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, RlError, ShapeError } from '../core/errors.js';

/** Width of the step embedding in Diffusion-QL's noise network. */
export const DEFAULT_TIMESTEP_EMBEDDING_DIM = 16;

function checkDim(dim: number, fn: string): void {
  if (!Number.isInteger(dim) || dim < 4 || dim % 2 !== 0) {
    throw new ConfigError(
      `${fn}: the embedding dim must be an even integer >= 4 (half = dim/2 frequencies, and half − 1 divides ln 10000), ` +
        `received ${String(dim)}. Use ${DEFAULT_TIMESTEP_EMBEDDING_DIM} as in Diffusion-QL.`,
    );
  }
}

/**
 * The dim/2 frequencies f_j = exp(−j · ln(10000)/(dim/2 − 1)), j = 0..dim/2−1.
 *
 * @param dim - embedding width (even, at least 4).
 * @returns a new `Float64Array` of dim/2 frequencies, from 1 down to 1e−4.
 * @throws {@link ConfigError} when `dim` is not an even integer >= 4.
 */
export function sinusoidalFrequencies(dim: number = DEFAULT_TIMESTEP_EMBEDDING_DIM): Float64Array {
  checkDim(dim, 'sinusoidalFrequencies');
  const half = dim / 2;
  const scale = Math.log(10000) / (half - 1);
  const freqs = new Float64Array(half);
  for (let j = 0; j < half; j++) freqs[j] = Math.exp(-j * scale);
  return freqs;
}

function fillEmbedding(out: Float32Array, steps: ArrayLike<number>, freqs: Float64Array, fn: string): void {
  const half = freqs.length;
  const dim = 2 * half;
  for (let i = 0; i < steps.length; i++) {
    const k = steps[i];
    if (!Number.isFinite(k)) {
      throw new ConfigError(
        `${fn}: every step must be a finite number, but steps[${i}] = ${String(k)}. Pass integer step indices 0..K−1.`,
      );
    }
    const row = i * dim;
    for (let j = 0; j < half; j++) {
      const angle = k * freqs[j];
      out[row + j] = Math.sin(angle);
      out[row + half + j] = Math.cos(angle);
    }
  }
}

/**
 * The embeddings of `steps` as a host array, row-major [steps.length, dim] (no tfjs).
 *
 * @param steps - step indices (Diffusion-QL passes integers 0..K−1; any finite number is accepted).
 * @param dim - embedding width (even, at least 4).
 * @returns a new `Float32Array` of steps.length × dim values.
 * @throws {@link ConfigError} for an invalid `dim` or a non-finite step.
 */
export function sinusoidalEmbeddingValues(
  steps: Int32Array | readonly number[],
  dim: number = DEFAULT_TIMESTEP_EMBEDDING_DIM,
): Float32Array {
  const freqs = sinusoidalFrequencies(dim);
  const out = new Float32Array(steps.length * dim);
  fillEmbedding(out, steps, freqs, 'sinusoidalEmbeddingValues');
  return out;
}

/**
 * The sinusoidal embeddings of a batch of step indices.
 *
 * @example
 * ```ts
 * const emb = sinusoidalEmbedding([0, 4, 2]); // [3, 16]
 * emb.dispose();
 * ```
 * @param steps - step indices, one per row (integers 0..K−1 in Diffusion-QL).
 * @param dim - embedding width (even, at least 4).
 * @returns a float32 tensor of shape [steps.length, dim].
 * @throws {@link ConfigError} for an invalid `dim` or a non-finite step.
 * @remarks Returns a new tensor; the caller owns it and disposes it (or creates it inside `tf.tidy`).
 */
export function sinusoidalEmbedding(
  steps: Int32Array | readonly number[],
  dim: number = DEFAULT_TIMESTEP_EMBEDDING_DIM,
): tf.Tensor2D {
  const values = sinusoidalEmbeddingValues(steps, dim);
  return tf.tensor2d(values, [steps.length, dim], 'float32');
}

/**
 * Every row of the embedding table for steps 0..K−1, as a host array, row-major [K, dim].
 *
 * @param K - number of diffusion steps (positive integer).
 * @param dim - embedding width (even, at least 4).
 * @returns a new `Float32Array` of K × dim values; row k is emb(k).
 * @throws {@link ConfigError} when K is not a positive integer or `dim` is invalid.
 */
export function sinusoidalTableValues(K: number, dim: number = DEFAULT_TIMESTEP_EMBEDDING_DIM): Float32Array {
  if (!Number.isInteger(K) || K < 1) {
    throw new ConfigError(
      `sinusoidalTableValues: K must be a positive integer, received ${String(K)}. Pass the number of diffusion steps (e.g. 5).`,
    );
  }
  const steps = Array.from({ length: K }, (_, k) => k);
  return sinusoidalEmbeddingValues(steps, dim);
}

/**
 * A precomputed [K, dim] table of step embeddings, held as one tensor, with lookups by gather.
 *
 * @example
 * ```ts
 * const table = new SinusoidalTable(5);
 * const emb = tf.tidy(() => table.lookup(new Int32Array([4, 0, 2]))); // [3, 16]
 * emb.dispose();
 * table.dispose();
 * ```
 * @remarks The instance owns {@link SinusoidalTable.table}; free it with {@link SinusoidalTable.dispose}.
 * Every lookup returns a new tensor that the caller owns.
 */
export class SinusoidalTable {
  /** Number of rows K (valid steps are 0..K−1). */
  readonly steps: number;
  /** Embedding width. */
  readonly dim: number;
  /** The float32 [K, dim] table; row k is emb(k). Owned by this instance: do not dispose it yourself. */
  readonly table: tf.Tensor2D;
  private disposed = false;

  /**
   * @param K - number of diffusion steps (positive integer).
   * @param dim - embedding width (even, at least 4).
   * @throws {@link ConfigError} when K or `dim` is invalid.
   */
  constructor(K: number, dim: number = DEFAULT_TIMESTEP_EMBEDDING_DIM) {
    const values = sinusoidalTableValues(K, dim);
    this.steps = K;
    this.dim = dim;
    // keep: the table must outlive a tf.tidy that happens to surround the constructor.
    this.table = tf.keep(tf.tensor2d(values, [K, dim], 'float32'));
  }

  /**
   * The embeddings of a batch of steps (a gather of table rows).
   *
   * @param steps - host step indices, each an integer in 0..K−1 (checked), or an int32 1-D tensor
   * (not range-checked, since that would need a device read; out-of-range indices are undefined behaviour).
   * @returns a float32 tensor [steps.length, dim].
   * @throws {@link ShapeError} for a host step outside 0..K−1 or a tensor that is not 1-D int32;
   * {@link RlError} after {@link SinusoidalTable.dispose}.
   * @remarks Returns a new tensor; the caller owns it. A tensor argument is not disposed.
   */
  lookup(steps: Int32Array | readonly number[] | tf.Tensor1D): tf.Tensor2D {
    this.checkLive();
    if (steps instanceof tf.Tensor) {
      if (steps.rank !== 1 || steps.dtype !== 'int32') {
        throw new ShapeError(
          `SinusoidalTable.lookup: expected a 1-D int32 tensor of step indices, received rank ${steps.rank} ${steps.dtype} [${steps.shape.join(', ')}]. ` +
            "Build it with tf.tensor1d(steps, 'int32').",
        );
      }
      return tf.gather(this.table, steps);
    }
    for (let i = 0; i < steps.length; i++) this.checkStep(steps[i], `steps[${i}]`);
    return tf.tidy(() =>
      tf.gather(this.table, tf.tensor1d(steps instanceof Int32Array ? steps : Array.from(steps), 'int32')),
    );
  }

  /**
   * The embedding of one step repeated for `batch` rows (the reverse chain uses the same k for
   * every row).
   *
   * @param k - step index, an integer in 0..K−1.
   * @param batch - number of rows (non-negative integer).
   * @returns a float32 tensor [batch, dim].
   * @throws {@link ShapeError} when `k` is outside 0..K−1 or `batch` is not a non-negative integer;
   * {@link RlError} after {@link SinusoidalTable.dispose}.
   * @remarks Returns a new tensor; the caller owns it.
   */
  constantStep(k: number, batch: number): tf.Tensor2D {
    this.checkLive();
    this.checkStep(k, 'k');
    if (!Number.isInteger(batch) || batch < 0) {
      throw new ShapeError(
        `SinusoidalTable.constantStep: batch must be a non-negative integer, received ${String(batch)}.`,
      );
    }
    return tf.tidy(() => tf.tile(tf.slice(this.table, [k, 0], [1, this.dim]), [batch, 1]));
  }

  /** Frees the table. Further lookups throw; calling `dispose` again does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.table.dispose();
  }

  private checkStep(k: number, what: string): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.steps) {
      throw new ShapeError(
        `SinusoidalTable: ${what} must be an integer step in 0..${this.steps - 1} (the table has K = ${this.steps} rows), received ${String(k)}. ` +
          'Steps are 0-based diffusion indices.',
      );
    }
  }

  private checkLive(): void {
    if (this.disposed) {
      throw new RlError(
        'SinusoidalTable: the table was disposed. Create a new SinusoidalTable before looking steps up.',
      );
    }
  }
}
