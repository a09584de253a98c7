/**
 * {@link RunningMeanStd}: per-element running mean and variance of a stream of vectors
 * (Welford's online algorithm), used by {@link NormalizeObservation}.
 *
 * @module
 */
import { ConfigError, ShapeError } from '../core/errors.js';

/** The serialisable state of a {@link RunningMeanStd}, for checkpoints. */
export interface RunningMeanStdState {
  /** Per-element mean of the values seen. */
  readonly mean: Float64Array;
  /** Per-element population variance of the values seen (1 before any update). */
  readonly variance: Float64Array;
  /** Number of vectors seen. */
  readonly count: number;
}

/** A writable numeric array: `number[]` or a float typed array. */
export interface NumericArray {
  /** Number of elements. */
  readonly length: number;
  /** Element at a position. */
  [index: number]: number;
}

/**
 * Running per-element mean and population variance, updated one vector at a time with
 * Welford's recurrence in float64:
 *
 * `n += 1; d = x - mean; mean += d / n; var += (d * (x - mean) - var) / n`
 *
 * which is numerically stable and gives the same values as a two-pass computation. Before any
 * update the mean is 0 and the variance 1 (normalising is then the identity).
 */
export class RunningMeanStd {
  /** Number of elements per vector. */
  readonly size: number;
  private mean: Float64Array;
  private variance: Float64Array;
  private count = 0;

  /** @throws {@link ConfigError} when `size` is not a non-negative integer. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 0)
      throw new ConfigError(`RunningMeanStd size must be a non-negative integer, got ${String(size)}.`);
    this.size = size;
    this.mean = new Float64Array(size);
    this.variance = new Float64Array(size).fill(1);
  }

  /**
   * Adds one vector to the statistics.
   * @throws {@link ShapeError} when its length is not `size`.
   */
  update(x: ArrayLike<number>): void {
    if (x.length !== this.size)
      throw new ShapeError(`RunningMeanStd.update expected ${this.size} values, got ${x.length}.`);
    const n = ++this.count;
    for (let i = 0; i < this.size; i++) {
      const v = x[i];
      const delta = v - this.mean[i];
      const mean = this.mean[i] + delta / n;
      this.mean[i] = mean;
      this.variance[i] = this.variance[i] + (delta * (v - mean) - this.variance[i]) / n;
    }
  }

  /**
   * Writes `(x - mean) / sqrt(variance + epsilon)` into `out` (a new Float64Array when omitted)
   * and returns it.
   */
  normalize<T extends NumericArray>(x: ArrayLike<number>, epsilon: number, out?: T): T {
    if (x.length !== this.size)
      throw new ShapeError(`RunningMeanStd.normalize expected ${this.size} values, got ${x.length}.`);
    const target = out ?? (new Float64Array(this.size) as unknown as T);
    for (let i = 0; i < this.size; i++) target[i] = (x[i] - this.mean[i]) / Math.sqrt(this.variance[i] + epsilon);
    return target;
  }

  /** A copy of the current statistics. */
  getState(): RunningMeanStdState {
    return { mean: this.mean.slice(), variance: this.variance.slice(), count: this.count };
  }

  /**
   * Replaces the statistics, for example from a checkpoint.
   * @throws {@link ShapeError} on wrong lengths; {@link ConfigError} on a negative or
   * non-integer count, a negative variance, or a non-finite value.
   */
  setState(state: RunningMeanStdState): void {
    if (state === null || typeof state !== 'object')
      throw new ConfigError('RunningMeanStd.setState needs { mean, variance, count } as returned by getState().');
    const { mean, variance, count } = state;
    if (mean?.length !== this.size || variance?.length !== this.size) {
      throw new ShapeError(
        `RunningMeanStd.setState expected mean and variance of length ${this.size}, got ${mean?.length} and ${variance?.length}.`,
      );
    }
    if (!Number.isInteger(count) || count < 0)
      throw new ConfigError(`RunningMeanStd count must be a non-negative integer, got ${String(count)}.`);
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(mean[i]) || !Number.isFinite(variance[i]) || variance[i] < 0) {
        throw new ConfigError(
          `RunningMeanStd state element ${i} is invalid (mean ${mean[i]}, variance ${variance[i]}); means must be finite and variances finite and >= 0.`,
        );
      }
    }
    this.mean = Float64Array.from(mean);
    this.variance = Float64Array.from(variance);
    this.count = count;
  }
}
