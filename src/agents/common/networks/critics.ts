/**
 * N independent Q-networks over [s, a] and an optional condition c: Diffusion-QL's twin critic
 * (N = 2, 3×256 Mish), TD3+BC's and IQL's twin critics, SAC-N's ensemble. Each is a
 * {@link ConditionedMlp} with one output.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type { Activation } from '../../../nets/activations.js';
import type { NetModule } from '../../../nets/module.js';
import { ConditionedMlp } from './conditioned-mlp.js';

/** Sizes of a {@link CriticEnsemble}. */
export interface CriticEnsembleOptions {
  /** Number of Q-networks N. @defaultValue 2 */
  readonly count?: number;
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
  /** Random stream for the initial weights (Q1 is drawn first, then Q2, …). */
  readonly rng: Rng;
  /** Variable-name prefix. */
  readonly name: string;
  /** Whether the variables are trainable (false for the target copy). */
  readonly trainable: boolean;
}

/** N independent Q-networks. */
export class CriticEnsemble implements NetModule {
  /** The Q-networks, Q1 first. */
  readonly networks: readonly ConditionedMlp[];

  /** @throws {@link ConfigError} when `count` is not an integer >= 1. */
  constructor(options: CriticEnsembleOptions) {
    const count = options.count ?? 2;
    if (!Number.isInteger(count) || count < 1)
      throw new ConfigError(`CriticEnsemble: count must be an integer >= 1, got ${String(count)}.`);
    this.networks = Array.from(
      { length: count },
      (_, i) =>
        new ConditionedMlp({
          inputDim: options.observationDim + options.actionDim,
          conditionDim: options.conditionDim,
          hiddenDims: options.hiddenDims,
          outputDim: 1,
          activation: options.activation,
          rng: options.rng,
          name: `${options.name}/q${i + 1}`,
          trainable: options.trainable,
        }),
    );
  }

  /**
   * Every Q-value for each row: `[Q1(s, a, c), …, QN(s, a, c)]`.
   * @param condition - c as `[1, C]` (shared) or `[B, C]`, or null; the critics treat it as a
   * constant (they see sg(c)).
   * @param frozen - true to differentiate with respect to the actions only (actor loss, targets).
   * @remarks Returns N new `[B, 1]` tensors; the caller owns them.
   */
  values(
    observations: tf.Tensor2D,
    actions: tf.Tensor2D,
    condition: tf.Tensor2D | null,
    frozen = false,
  ): tf.Tensor2D[] {
    return tf.tidy(() => {
      const input = tf.concat([observations, actions], 1);
      return this.networks.map((q) => q.apply(input, condition, frozen));
    });
  }

  /**
   * One critic's value Qᵢ(s, a, c), i = `index` (0 for Q1): TD3's actor loss reads Q1 only.
   * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
   */
  value(
    index: number,
    observations: tf.Tensor2D,
    actions: tf.Tensor2D,
    condition: tf.Tensor2D | null,
    frozen = false,
  ): tf.Tensor2D {
    return tf.tidy(() => this.networks[index].apply(tf.concat([observations, actions], 1), condition, frozen));
  }

  /** Q1's variables, then Q2's, … (each: condition block, then MLP). */
  trainableVariables(): tf.Variable[] {
    return this.networks.flatMap((q) => q.trainableVariables());
  }

  /** Frees every network. */
  dispose(): void {
    for (const q of this.networks) q.dispose();
  }
}
