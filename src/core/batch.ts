/**
 * Allocation of {@link Batch} objects. A training loop allocates one batch and refills it with
 * `sampleInto` every step, so sampling allocates nothing.
 *
 * @module
 */
import { ConfigError } from './errors.js';
import type { Batch } from './types.js';

/**
 * Allocates a zero-filled {@link Batch} of `size` rows.
 * @throws {@link ConfigError} when a size is not an integer >= 1.
 */
export function createBatch(size: number, observationDim: number, actionDim: number): Batch {
  for (const [name, v] of [
    ['size', size],
    ['observationDim', observationDim],
    ['actionDim', actionDim],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ConfigError(`createBatch: ${name} must be an integer >= 1, got ${String(v)}.`);
  }
  return {
    size,
    observationDim,
    actionDim,
    observations: new Float32Array(size * observationDim),
    actions: new Float32Array(size * actionDim),
    rewards: new Float32Array(size),
    nextObservations: new Float32Array(size * observationDim),
    terminals: new Float32Array(size),
    timeouts: new Float32Array(size),
    taskIndices: new Int32Array(size),
    indices: new Int32Array(size),
  };
}
