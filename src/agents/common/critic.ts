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
import { Projection } from '../../nets/projection.js';

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

/** One Q-network: an MLP on [s, a] plus, when conditioned, a projection of c into its first layer. */
interface QNetwork {
  readonly mlp: Mlp;
  readonly condition: Projection | null;
}

/** Two independent Q-networks. */
export class TwinCritic implements NetModule {
  private readonly nets: readonly [QNetwork, QNetwork];

  /** Builds Q1 then Q2 from the same random stream. */
  constructor(options: TwinCriticOptions) {
    const fanIn = options.observationDim + options.actionDim + options.conditionDim;
    const make = (suffix: string): QNetwork => ({
      mlp: new Mlp({
        inputDim: options.observationDim + options.actionDim,
        hiddenDims: options.hiddenDims,
        outputDim: 1,
        activation: options.activation,
        rng: options.rng,
        name: `${options.name}/${suffix}`,
        inputGradient: false,
        trainable: options.trainable,
        firstLayerInitFanIn: fanIn,
      }),
      condition:
        options.conditionDim > 0
          ? new Projection({
              inputDim: options.conditionDim,
              outputDim: options.hiddenDims[0] ?? 1,
              initFanIn: fanIn,
              rng: options.rng,
              name: `${options.name}/${suffix}_cond`,
              trainable: options.trainable,
            })
          : null,
    });
    this.nets = [make('q1'), make('q2')];
  }

  /**
   * Both Q-values for each row.
   * @param condition - c as `[1, C]` (shared) or `[B, C]`, or null; treated as a constant (the
   * critics see sg(c)).
   * @param frozen - true to differentiate with respect to the actions only (actor loss, targets).
   * @remarks Returns two new `[B, 1]` tensors; the caller owns them.
   */
  values(
    observations: tf.Tensor2D,
    actions: tf.Tensor2D,
    condition: tf.Tensor2D | null,
    frozen = false,
  ): [tf.Tensor2D, tf.Tensor2D] {
    return tf.tidy(() => {
      const input = tf.concat([observations, actions], 1);
      const one = (q: QNetwork) =>
        q.mlp.apply(input, {
          frozen,
          ...(condition !== null && q.condition !== null ? { extraBias: q.condition.apply(condition, frozen) } : {}),
        });
      return [one(this.nets[0]), one(this.nets[1])];
    });
  }

  /** Q1's variables, then Q2's (each: condition block, then MLP). */
  trainableVariables(): tf.Variable[] {
    return this.nets.flatMap((q) => [...(q.condition?.trainableVariables() ?? []), ...q.mlp.trainableVariables()]);
  }

  /** Frees both networks. */
  dispose(): void {
    for (const q of this.nets) {
      q.mlp.dispose();
      q.condition?.dispose();
    }
  }
}
