/**
 * The host-to-tensor boundary of an update: a {@link Batch} of typed arrays becomes the five
 * tensors every offline actor-critic reads (s, a, r, s′, terminal), after a dimension check that
 * says what was expected. Observations can be normalised on the way (TD3+BC, BC), with the
 * agent's saved statistics.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../core/errors.js';
import type { Batch } from '../../core/types.js';
import type { ObservationNormalizer } from './observation-normalizer.js';

/** The widths an agent was built for. */
export interface AgentDims {
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
}

/** A batch as tensors; all are `[B, ·]` and owned by the surrounding `tf.tidy`. */
export interface BatchTensors {
  /** s, `[B, S]` (normalised when a normaliser was given). */
  readonly observations: tf.Tensor2D;
  /** a, `[B, A]`. */
  readonly actions: tf.Tensor2D;
  /** r, `[B, 1]`. */
  readonly rewards: tf.Tensor2D;
  /** s′, `[B, S]` (normalised like s). */
  readonly nextObservations: tf.Tensor2D;
  /** 1 where s′ is terminal (no bootstrap), `[B, 1]`. Time-outs are not terminals. */
  readonly terminals: tf.Tensor2D;
}

/**
 * Checks that a batch has the agent's widths.
 * @throws {@link ShapeError} naming both sets of widths.
 */
export function checkBatchDims(batch: Batch, dims: AgentDims): void {
  if (batch.observationDim !== dims.observationDim || batch.actionDim !== dims.actionDim) {
    throw new ShapeError(
      `Batch has observationDim ${batch.observationDim}, actionDim ${batch.actionDim}; the agent expects ${dims.observationDim} and ${dims.actionDim}.`,
    );
  }
}

/**
 * Uploads a batch. Call inside a `tf.tidy`.
 * @throws {@link ShapeError} when the widths differ from the agent's.
 * @remarks Returns new tensors; the surrounding tidy frees them.
 */
export function stageBatch(
  batch: Batch,
  dims: AgentDims,
  normalizer: ObservationNormalizer | null = null,
): BatchTensors {
  checkBatchDims(batch, dims);
  const B = batch.size;
  const S = dims.observationDim;
  const observations = tf.tensor2d(batch.observations, [B, S]);
  const nextObservations = tf.tensor2d(batch.nextObservations, [B, S]);
  return {
    observations: normalizer === null ? observations : normalizer.apply(observations),
    actions: tf.tensor2d(batch.actions, [B, dims.actionDim]),
    rewards: tf.tensor2d(batch.rewards, [B, 1]),
    nextObservations: normalizer === null ? nextObservations : normalizer.apply(nextObservations),
    terminals: tf.tensor2d(batch.terminals, [B, 1]),
  };
}
