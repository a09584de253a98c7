/**
 * Allocation and checking of {@link Batch} objects. A training loop allocates one batch with
 * {@link createBatch} and refills it with `sampleInto` on every step, so sampling allocates
 * nothing.
 *
 * @module
 */
import { ShapeError } from '../core/errors.js';
import type { Batch } from '../core/types.js';

export { createBatch } from '../core/batch.js';

/**
 * Checks that `batch` has the given dimensions and that every array has the length its
 * `size` implies (a batch built by hand may not).
 *
 * @param context - the calling API, for messages.
 * @throws {@link ShapeError} naming the first mismatching field.
 */
export function checkBatch(context: string, batch: Batch, observationDim: number, actionDim: number): void {
  if (batch.observationDim !== observationDim || batch.actionDim !== actionDim) {
    throw new ShapeError(
      `${context}: the batch has observationDim ${batch.observationDim} and actionDim ${batch.actionDim}; ` +
        `this source has ${observationDim} and ${actionDim}. Allocate it with createBatch(size, ${observationDim}, ${actionDim}).`,
    );
  }
  const n = batch.size;
  const expected: readonly [string, ArrayLike<number>, number][] = [
    ['observations', batch.observations, n * observationDim],
    ['actions', batch.actions, n * actionDim],
    ['rewards', batch.rewards, n],
    ['nextObservations', batch.nextObservations, n * observationDim],
    ['terminals', batch.terminals, n],
    ['timeouts', batch.timeouts, n],
    ['taskIndices', batch.taskIndices, n],
    ['indices', batch.indices, n],
  ];
  for (const [field, array, length] of expected) {
    if (array.length !== length) {
      throw new ShapeError(
        `${context}: batch.${field} has ${array.length} values; a batch of size ${n} needs ${length}. Allocate it with createBatch.`,
      );
    }
  }
}
