/**
 * The standard observation scaler of `scalers.ts`, (s − μ) / (σ + ε) with the dataset's
 * per-dimension mean μ, standard deviation σ and ε = 1e-3 (CORL's `compute_mean_std(...,
 * eps=1e-3)`, d3rlpy's `StandardObservationScaler`), as a standalone object for an agent that
 * applies it inside its own `update` and `actWith` (pass it to `stageBatch` and as the scaffold's
 * `normalizer`). Agents on the scaffold's scalers (`observationScaler: { kind: 'standard' }`)
 * need none of that: the scaffold applies them. Both use the same state and formula
 * (`scaleObservations` of `src/export/runtime.ts`).
 *
 * The statistics are taken from the training data the first time an agent binds to it, kept for
 * the agent's life (a second `fit` on other data does not move them, so acting stays consistent)
 * and saved in checkpoints. Until then the map is the identity.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../core/errors.js';
import type { TransitionSource } from '../../core/types.js';
import { type ObservationScalerState, scaleObservations } from '../../export/runtime.js';
import { SCALER_EPSILON } from './scalers.js';

/** The ε added to σ (CORL's `eps`). */
export const NORMALIZER_EPSILON = SCALER_EPSILON;

/** The statistics a checkpoint stores. */
export interface ObservationStatisticsState {
  /** Per-dimension mean μ. */
  readonly mean: number[];
  /** Per-dimension standard deviation σ (before ε is added). */
  readonly std: number[];
}

/** What a checkpoint stores: null before the statistics were taken. */
export type ObservationNormalizerState = ObservationStatisticsState | null;

/** (s − μ) / (σ + ε), or the identity before {@link ObservationNormalizer.fitTo}. */
export class ObservationNormalizer {
  private state: Extract<ObservationScalerState, { kind: 'standard' }> | null = null;

  /** @param observationDim - width S. */
  constructor(readonly observationDim: number) {}

  /** Whether statistics have been taken. */
  get ready(): boolean {
    return this.state !== null;
  }

  /** Takes the statistics of `data` unless already set. */
  fitTo(data: TransitionSource): void {
    if (this.state !== null) return;
    const stats = data.observationStatistics();
    this.set(Array.from(stats.mean), Array.from(stats.std));
  }

  private set(mean: number[], std: number[]): void {
    if (mean.length !== this.observationDim || std.length !== this.observationDim)
      throw new ConfigError(
        `ObservationNormalizer: statistics have ${mean.length} and ${std.length} values; expected ${this.observationDim}.`,
      );
    this.state = { kind: 'standard', mean, std, epsilon: NORMALIZER_EPSILON };
  }

  /**
   * Normalises rows `[B, S]`.
   * @remarks Returns a new tensor (or `x` itself before the statistics are set); call inside a tidy.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const s = this.state;
    if (s === null) return x;
    return tf.div(tf.sub(x, tf.tensor1d([...s.mean])), tf.tensor1d(s.std.map((v) => v + s.epsilon)));
  }

  /** Normalises host rows (`N * S` values) into a new array. */
  applyHost(observations: Float32Array): Float32Array {
    return this.state === null ? observations : scaleObservations(this.state, observations);
  }

  /** The scaler state (as the scaffold's scalers and exported policies hold it), or the identity. */
  scalerState(): ObservationScalerState {
    return this.state ?? { kind: 'none' };
  }

  /** The saved form. */
  getState(): ObservationNormalizerState {
    return this.state === null ? null : { mean: [...this.state.mean], std: [...this.state.std] };
  }

  /** Restores {@link ObservationNormalizer.getState}'s output. */
  setState(state: ObservationNormalizerState): void {
    if (state === null) this.state = null;
    else this.set([...state.mean], [...state.std]);
  }
}
