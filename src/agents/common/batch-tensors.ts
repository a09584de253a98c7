/**
 * The host-to-tensor boundary of an update: a {@link Batch} of typed arrays becomes the five
 * tensors every offline actor-critic reads (s, a, r, s′, terminal), after a dimension check that
 * says what was expected. On the way, the agent's scalers (`scalers.ts`) scale observations,
 * actions and rewards on the host, or a standalone {@link ObservationNormalizer} normalises the
 * observations on the device.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../core/errors.js';
import type { Batch } from '../../core/types.js';
import { ObservationNormalizer } from './observation-normalizer.js';
import type { AgentScalers } from './scalers.js';

/** The widths an agent was built for. */
export interface AgentDims {
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
}

/** A batch as tensors; all are `[B, ·]` and owned by the surrounding `tf.tidy`. */
export interface BatchTensors {
  /** s, `[B, S]` (scaled or normalised when scalers or a normaliser were given). */
  readonly observations: tf.Tensor2D;
  /** a, `[B, A]` (in the policy's range when an action scaler is on). */
  readonly actions: tf.Tensor2D;
  /** r, `[B, 1]` (scaled when a reward scaler is on). */
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
 * Uploads a batch, scaled by the agent's scalers (or its observation normaliser). Call inside a
 * `tf.tidy`.
 * @param scaling - the scaffold's {@link AgentScalers} (observations, actions and rewards, on the
 * host), an {@link ObservationNormalizer} (observations only, on the device) or null.
 * @throws {@link ShapeError} when the widths differ from the agent's.
 * @remarks Returns new tensors; the surrounding tidy frees them.
 */
export function stageBatch(
  batch: Batch,
  dims: AgentDims,
  scaling: ObservationNormalizer | AgentScalers | null = null,
): BatchTensors {
  checkBatchDims(batch, dims);
  const B = batch.size;
  const S = dims.observationDim;
  if (scaling !== null && !(scaling instanceof ObservationNormalizer)) {
    scaling.staged += 1;
    return {
      observations: tf.tensor2d(scaling.scaleObservations(batch.observations), [B, S]),
      actions: tf.tensor2d(scaling.scaleActions(batch.actions), [B, dims.actionDim]),
      rewards: tf.tensor2d(scaling.scaleRewards(batch.rewards), [B, 1]),
      nextObservations: tf.tensor2d(scaling.scaleObservations(batch.nextObservations), [B, S]),
      terminals: tf.tensor2d(batch.terminals, [B, 1]),
    };
  }
  const observations = tf.tensor2d(batch.observations, [B, S]);
  const nextObservations = tf.tensor2d(batch.nextObservations, [B, S]);
  return {
    observations: scaling === null ? observations : scaling.apply(observations),
    actions: tf.tensor2d(batch.actions, [B, dims.actionDim]),
    rewards: tf.tensor2d(batch.rewards, [B, 1]),
    nextObservations: scaling === null ? nextObservations : scaling.apply(nextObservations),
    terminals: tf.tensor2d(batch.terminals, [B, 1]),
  };
}
