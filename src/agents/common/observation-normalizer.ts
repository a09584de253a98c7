/**
 * Observation normalisation as CORL's TD3+BC, IQL, CQL and BC do it: s ↦ (s − μ) / (σ + ε)
 * with the dataset's per-dimension mean μ and standard deviation σ and ε = 1e-3
 * (`compute_mean_std(..., eps=1e-3)`). The statistics are taken from the training data the first
 * time an agent binds to it, kept for the agent's life (a second `fit` on other data does not
 * move them, so acting stays consistent) and saved in checkpoints. Until then the map is the
 * identity.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../core/errors.js';
import type { TransitionSource } from '../../core/types.js';

/** The ε added to σ (CORL's `eps`). */
export const NORMALIZER_EPSILON = 1e-3;

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
  private mean: Float32Array | null = null;
  private std: Float32Array | null = null;
  private scale: Float32Array | null = null;

  /** @param observationDim - width S. */
  constructor(readonly observationDim: number) {}

  /** Whether statistics have been taken. */
  get ready(): boolean {
    return this.mean !== null;
  }

  /** Takes the statistics of `data` unless already set. */
  fitTo(data: TransitionSource): void {
    if (this.mean !== null) return;
    const stats = data.observationStatistics();
    this.set(Float32Array.from(stats.mean), Float32Array.from(stats.std));
  }

  private set(mean: Float32Array, std: Float32Array): void {
    if (mean.length !== this.observationDim || std.length !== this.observationDim)
      throw new ConfigError(
        `ObservationNormalizer: statistics have ${mean.length} and ${std.length} values; expected ${this.observationDim}.`,
      );
    this.mean = mean;
    this.std = std;
    this.scale = std.map((s) => 1 / (s + NORMALIZER_EPSILON));
  }

  /**
   * Normalises rows `[B, S]`.
   * @remarks Returns a new tensor (or `x` itself before the statistics are set); call inside a tidy.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (this.mean === null || this.scale === null) return x;
    return tf.mul(tf.sub(x, tf.tensor1d(this.mean)), tf.tensor1d(this.scale));
  }

  /** Normalises host rows (`N * S` values) into a new array. */
  applyHost(observations: Float32Array): Float32Array {
    const { mean, scale } = this;
    if (mean === null || scale === null) return observations;
    const S = this.observationDim;
    return observations.map((v, i) => (v - mean[i % S]) * scale[i % S]);
  }

  /** The saved form. */
  getState(): ObservationNormalizerState {
    if (this.mean === null || this.std === null) return null;
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  /** Restores {@link ObservationNormalizer.getState}'s output. */
  setState(state: ObservationNormalizerState): void {
    if (state === null) {
      this.mean = null;
      this.std = null;
      this.scale = null;
      return;
    }
    this.set(Float32Array.from(state.mean), Float32Array.from(state.std));
  }
}
