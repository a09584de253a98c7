/**
 * The noise-prediction network ε_θ(x_k, k, s, c) of Diffusion-QL, with an optional condition
 * vector c (LLMDPD's prompt embeddings). Layout as in Diffusion-QL (algorithms.md §1.1):
 * the step index k goes through a 16-dim sinusoidal embedding and a time MLP
 * (16 → 32, Mish, → 16); the trunk takes [x_k, time features, s, c] through three 256-wide Mish
 * layers to a linear output of the action width.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/rng.js';
import type { NetModule } from '../../nets/module.js';
import { Mlp } from '../../nets/mlp.js';
import { sinusoidalEmbeddingValues } from '../../nets/timestep-embedding.js';

/** Sizes of a {@link NoiseNetwork}. */
export interface NoiseNetworkOptions {
  /** Action width A. */
  readonly actionDim: number;
  /** Observation width S. */
  readonly observationDim: number;
  /** Width of the condition vector c (0 for none). */
  readonly conditionDim: number;
  /** Trunk widths, e.g. `[256, 256, 256]`. */
  readonly hiddenDims: readonly number[];
  /** Sinusoidal embedding width (Diffusion-QL: 16). */
  readonly timeEmbeddingDim: number;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Variable-name prefix. */
  readonly name: string;
  /** Whether the variables are trainable (false for the EMA copy). */
  readonly trainable: boolean;
}

/** ε_θ: predicts the noise that was added to an action. */
export class NoiseNetwork implements NetModule {
  /** Time MLP: embedding → 2·embedding (Mish) → embedding. */
  readonly timeMlp: Mlp;
  /** Trunk: [x_k, time, s, c] → hidden (Mish) → A. */
  readonly trunk: Mlp;
  /** Sizes this network was built with. */
  readonly sizes: Omit<NoiseNetworkOptions, 'rng' | 'name' | 'trainable'>;

  /** Builds both MLPs with PyTorch's default initialisation. */
  constructor(options: NoiseNetworkOptions) {
    const { actionDim, observationDim, conditionDim, hiddenDims, timeEmbeddingDim } = options;
    this.sizes = { actionDim, observationDim, conditionDim, hiddenDims: [...hiddenDims], timeEmbeddingDim };
    this.timeMlp = new Mlp({
      inputDim: timeEmbeddingDim,
      hiddenDims: [2 * timeEmbeddingDim],
      outputDim: timeEmbeddingDim,
      rng: options.rng,
      name: `${options.name}/time`,
      inputGradient: false,
      trainable: options.trainable,
    });
    this.trunk = new Mlp({
      inputDim: actionDim + timeEmbeddingDim + observationDim + conditionDim,
      hiddenDims,
      outputDim: actionDim,
      rng: options.rng,
      name: `${options.name}/trunk`,
      trainable: options.trainable,
    });
  }

  /**
   * Sinusoidal features of the step indices, uploaded from the host (cheaper on wasm than a
   * device-side gather or slice).
   * @param steps - one step per row, or a single step for every row.
   * @remarks Returns a new `[rows, timeEmbeddingDim]` tensor; the caller owns it.
   */
  stepFeatures(steps: Int32Array | number, rows: number): tf.Tensor2D {
    const dim = this.sizes.timeEmbeddingDim;
    if (typeof steps === 'number') {
      const one = sinusoidalEmbeddingValues([steps], dim);
      const all = new Float32Array(rows * dim);
      for (let r = 0; r < rows; r++) all.set(one, r * dim);
      return tf.tensor2d(all, [rows, dim]);
    }
    return tf.tensor2d(sinusoidalEmbeddingValues(steps, dim), [steps.length, dim]);
  }

  /**
   * ε_θ(x_k, k, s, c).
   * @param noisyActions - x_k, `[B, A]`.
   * @param steps - k per row, or one k for all rows.
   * @param observations - s, `[B, S]`.
   * @param condition - c, `[B, C]` (omit when C = 0).
   * @param frozen - differentiate with respect to the inputs only (EMA copy, inference).
   * @remarks Returns a new `[B, A]` tensor; the caller owns it.
   */
  predict(noisyActions: tf.Tensor2D, steps: Int32Array | number, observations: tf.Tensor2D, condition: tf.Tensor2D | null, frozen = false): tf.Tensor2D {
    return tf.tidy(() => {
      const rows = noisyActions.shape[0];
      const time = this.timeMlp.apply(this.stepFeatures(steps, rows), { frozen });
      const parts: tf.Tensor2D[] = [noisyActions, time, observations];
      if (condition !== null) parts.push(condition);
      return this.trunk.apply(tf.concat(parts, 1), { frozen });
    });
  }

  /** Time-MLP variables, then trunk variables. */
  trainableVariables(): tf.Variable[] {
    return [...this.timeMlp.trainableVariables(), ...this.trunk.trainableVariables()];
  }

  /** Frees both MLPs. */
  dispose(): void {
    this.timeMlp.dispose();
    this.trunk.dispose();
  }
}
