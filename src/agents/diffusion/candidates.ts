/**
 * Diffusion-QL's candidate selection at acting time: each observation is repeated `candidates`
 * times, the policy proposes one action per copy, the critics score them, and one is drawn with
 * probabilities softmax(Q / temperature) (`docs/algorithms/diffusion-ql.md`, "Acting").
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';

/** Sizes and sampling settings of {@link selectActions}. */
export interface SelectionSettings {
  /** Observation width. */
  readonly observationDim: number;
  /** Action width. */
  readonly actionDim: number;
  /** Candidates per observation. */
  readonly candidates: number;
  /** Softmax temperature (0: greedy). */
  readonly temperature: number;
  /** Stream of the draws. */
  readonly rng: Rng;
}

/**
 * Picks one action per observation (`N * observationDim` values, row-major).
 * @param propose - given the repeated observations `[N·candidates, S]`, returns the proposed
 * actions `[N·candidates, A]` and their scores `[N·candidates, 1]` (both freed here).
 * @throws {@link ShapeError} when the length is not a positive multiple of observationDim.
 */
export function selectActions(
  observations: Float32Array,
  settings: SelectionSettings,
  propose: (repeated: tf.Tensor2D) => [tf.Tensor2D, tf.Tensor2D],
): Float32Array {
  const { observationDim: S, actionDim: A, candidates: m } = settings;
  if (observations.length === 0 || observations.length % S !== 0) {
    throw new ShapeError(
      `act expects observations of length observationDim (${S}) or a multiple of it, got ${observations.length}.`,
    );
  }
  const n = observations.length / S;
  const repeated = new Float32Array(n * m * S);
  for (let i = 0; i < n; i++) {
    const row = observations.subarray(i * S, (i + 1) * S);
    for (let j = 0; j < m; j++) repeated.set(row, (i * m + j) * S);
  }
  const [proposed, scores] = tf.tidy(() => {
    const [actions, q] = propose(tf.tensor2d(repeated, [n * m, S]));
    return [actions.dataSync() as Float32Array, q.dataSync() as Float32Array];
  });
  const out = new Float32Array(n * A);
  for (let i = 0; i < n; i++) {
    const pick = pickBySoftmax(scores.subarray(i * m, (i + 1) * m), settings.rng, settings.temperature);
    out.set(proposed.subarray((i * m + pick) * A, (i * m + pick + 1) * A), i * A);
  }
  return out;
}

/**
 * Draws an index with probabilities softmax(values / temperature), computed stably in float64
 * on the host; temperature 0 picks the largest value (ties: the first).
 */
export function pickBySoftmax(values: ArrayLike<number>, rng: Rng, temperature = 1): number {
  let max = -Infinity;
  let best = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > max) {
      max = values[i]!;
      best = i;
    }
  }
  if (temperature === 0) return best;
  let total = 0;
  const weights = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    weights[i] = Math.exp((values[i] - max) / temperature);
    total += weights[i];
  }
  let u = rng.float() * total;
  for (let i = 0; i < values.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return values.length - 1;
}
