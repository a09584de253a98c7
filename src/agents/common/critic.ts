/**
 * Twin Q-networks Q1, Q2 over [s, a] (plus an optional condition c), Diffusion-QL's critic
 * (algorithms.md §1.2): each an MLP [s, a, c] → 256 → 256 → 256 → 1 with Mish.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/rng.js';
import type { Activation } from '../../nets/activations.js';
import type { NetModule } from '../../nets/module.js';
import { Mlp } from '../../nets/mlp.js';

/** Sizes of a {@link TwinCritic}. */
export interface TwinCriticOptions {
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
  /** Width of the condition vector (0 for none). */
  readonly conditionDim: number;
  /** Hidden widths of each Q-network. */
  readonly hiddenDims: readonly number[];
  /** Hidden activation. */
  readonly activation: Activation;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Variable-name prefix. */
  readonly name: string;
  /** Whether the variables are trainable (false for the target copy). */
  readonly trainable: boolean;
}

/** Two independent Q-networks. */
export class TwinCritic implements NetModule {
  /** Q1. */
  readonly q1: Mlp;
  /** Q2. */
  readonly q2: Mlp;

  /** Builds Q1 then Q2 from the same random stream. */
  constructor(options: TwinCriticOptions) {
    const make = (suffix: string) =>
      new Mlp({
        inputDim: options.observationDim + options.actionDim + options.conditionDim,
        hiddenDims: options.hiddenDims,
        outputDim: 1,
        activation: options.activation,
        rng: options.rng,
        name: `${options.name}/${suffix}`,
        inputGradient: false,
        trainable: options.trainable,
      });
    this.q1 = make('q1');
    this.q2 = make('q2');
  }

  /**
   * Both Q-values for each row.
   * @param frozen - true to differentiate with respect to the actions only (actor loss, targets).
   * @remarks Returns two new `[B, 1]` tensors; the caller owns them.
   */
  values(observations: tf.Tensor2D, actions: tf.Tensor2D, condition: tf.Tensor2D | null, frozen = false): [tf.Tensor2D, tf.Tensor2D] {
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [observations, actions];
      if (condition !== null) parts.push(condition);
      const input = tf.concat(parts, 1);
      return [this.q1.apply(input, { frozen }), this.q2.apply(input, { frozen })];
    });
  }

  /** Q1's variables, then Q2's. */
  trainableVariables(): tf.Variable[] {
    return [...this.q1.trainableVariables(), ...this.q2.trainableVariables()];
  }

  /** Frees both networks. */
  dispose(): void {
    this.q1.dispose();
    this.q2.dispose();
  }
}
