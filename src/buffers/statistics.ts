/**
 * Per-dimension mean, standard deviation, minimum and maximum of row-major data, accumulated in
 * float64. {@link Moments} can be merged exactly (Chan et al.'s parallel formula), so statistics
 * over several buffers (all tasks of a dataset, offline plus online data) equal the statistics
 * of their concatenation up to float64 rounding.
 *
 * @module
 */
import { DatasetError } from '../core/errors.js';
import type { Statistics } from '../core/types.js';

/** Float64 sufficient statistics of a set of rows, mergeable with {@link combineMoments}. */
export interface Moments {
  /** Number of rows. */
  readonly count: number;
  /** Row length. */
  readonly dim: number;
  /** Per-dimension mean. */
  readonly mean: Float64Array;
  /** Per-dimension sum of squared deviations from the mean (M2; variance = m2 / count). */
  readonly m2: Float64Array;
  /** Per-dimension minimum (+Infinity when count is 0). */
  readonly min: Float64Array;
  /** Per-dimension maximum (-Infinity when count is 0). */
  readonly max: Float64Array;
}

/** Moments of zero rows of length `dim`: the identity of {@link combineMoments}. */
export function emptyMoments(dim: number): Moments {
  return {
    count: 0,
    dim,
    mean: new Float64Array(dim),
    m2: new Float64Array(dim),
    min: new Float64Array(dim).fill(Infinity),
    max: new Float64Array(dim).fill(-Infinity),
  };
}

/**
 * Computes the moments of the first `rows` rows of `values` (row-major, `dim` per row) with
 * two passes in float64 (mean first, then squared deviations), which avoids the cancellation of
 * the one-pass sum-of-squares formula.
 *
 * @param values - at least `rows * dim` values.
 * @param rows - number of rows to read.
 * @param dim - row length.
 */
export function computeMoments(values: Float32Array, rows: number, dim: number): Moments {
  const m = emptyMoments(dim);
  if (rows === 0) return m;
  const { mean, m2, min, max } = m;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    for (let k = 0; k < dim; k++) {
      const v = values[o + k];
      mean[k] += v;
      if (v < min[k]) min[k] = v;
      if (v > max[k]) max[k] = v;
    }
  }
  for (let k = 0; k < dim; k++) mean[k] = mean[k] / rows;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    for (let k = 0; k < dim; k++) {
      const d = values[o + k] - mean[k];
      m2[k] += d * d;
    }
  }
  return { ...m, count: rows };
}

/**
 * Merges the moments of two disjoint sets of rows (Chan, Golub and LeVeque's pairwise update).
 *
 * @throws {@link DatasetError} when the row lengths differ.
 */
export function combineMoments(a: Moments, b: Moments): Moments {
  if (a.dim !== b.dim) {
    throw new DatasetError(
      `combineMoments: row lengths differ (${a.dim} vs ${b.dim}); only moments of the same column can be merged.`,
    );
  }
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  const n = a.count + b.count;
  const out = emptyMoments(a.dim);
  for (let k = 0; k < a.dim; k++) {
    const delta = b.mean[k] - a.mean[k];
    out.mean[k] = a.mean[k] + (delta * b.count) / n;
    out.m2[k] = a.m2[k] + b.m2[k] + (delta * delta * a.count * b.count) / n;
    out.min[k] = Math.min(a.min[k], b.min[k]);
    out.max[k] = Math.max(a.max[k], b.max[k]);
  }
  return { ...out, count: n };
}

/**
 * Turns moments into {@link Statistics} (population standard deviation, not clamped).
 *
 * @param what - what the rows are, for the message.
 * @throws {@link DatasetError} when there are no rows.
 */
export function momentsToStatistics(m: Moments, what = 'the data'): Statistics {
  if (m.count === 0) {
    throw new DatasetError(`Cannot compute statistics of ${what}: it holds no transitions. Add transitions first.`);
  }
  const std = new Float32Array(m.dim);
  for (let k = 0; k < m.dim; k++) std[k] = Math.sqrt(m.m2[k] / m.count);
  return { mean: Float32Array.from(m.mean), std, min: Float32Array.from(m.min), max: Float32Array.from(m.max) };
}

/**
 * Statistics of row-major data, computed in float64.
 *
 * @param values - `rows * dim` values.
 * @param dim - row length; `values.length` must be a multiple of it.
 * @throws {@link DatasetError} when `values` is empty or not a whole number of rows.
 */
export function computeStatistics(values: Float32Array, dim: number): Statistics {
  if (!Number.isInteger(dim) || dim < 1 || values.length % dim !== 0) {
    throw new DatasetError(
      `computeStatistics: ${values.length} values are not a whole number of rows of length ${String(dim)}.`,
    );
  }
  return momentsToStatistics(computeMoments(values, values.length / dim, dim));
}
