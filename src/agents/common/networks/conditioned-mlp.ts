/**
 * An MLP that takes an optional condition vector c (a task code from a conditioner) next to its
 * input: the first layer computes `[x, c]·W + b` as `x·W_x + (c·W_c + b)`, with `c·W_c` from a
 * bias-free {@link Projection} handed to the first layer as an extra bias. The function is the
 * concatenated layer's (both blocks are drawn with the whole layer's fan-in, as PyTorch would
 * draw it), but when one task fills the batch c is a single row and its block is computed once,
 * with nothing tiled or concatenated. Critics, value networks and actors of every agent are built
 * from it.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type { Activation } from '../../../nets/activations.js';
import { Mlp } from '../../../nets/mlp.js';
import type { NetModule } from '../../../nets/module.js';
import { Projection } from '../../../nets/projection.js';

/** Sizes of a {@link ConditionedMlp}. */
export interface ConditionedMlpOptions {
  /** Width of the plain input x. */
  readonly inputDim: number;
  /** Width of the condition c (0: unconditioned). */
  readonly conditionDim: number;
  /** Hidden widths. */
  readonly hiddenDims: readonly number[];
  /** Output width. */
  readonly outputDim: number;
  /** Hidden activation. */
  readonly activation: Activation;
  /** Random stream for the initial weights (the MLP is drawn first, then the condition block). */
  readonly rng: Rng;
  /** Variable-name prefix. */
  readonly name: string;
  /** Whether the variables are trainable (false for target and EMA copies). */
  readonly trainable: boolean;
  /** Whether gradients must reach x (true for an actor's input to a critic). @defaultValue false */
  readonly inputGradient?: boolean;
}

/** An MLP on x with an optional condition c in its first layer. */
export class ConditionedMlp implements NetModule {
  /** The MLP on x. */
  readonly mlp: Mlp;
  /** The first layer's block for c (null when unconditioned). */
  readonly condition: Projection | null;

  /** Draws the MLP, then the condition block, from `options.rng`. */
  constructor(options: ConditionedMlpOptions) {
    const fanIn = options.inputDim + options.conditionDim;
    this.mlp = new Mlp({
      inputDim: options.inputDim,
      hiddenDims: options.hiddenDims,
      outputDim: options.outputDim,
      activation: options.activation,
      rng: options.rng,
      name: options.name,
      inputGradient: options.inputGradient ?? false,
      trainable: options.trainable,
      firstLayerInitFanIn: fanIn,
    });
    this.condition =
      options.conditionDim > 0
        ? new Projection({
            inputDim: options.conditionDim,
            outputDim: options.hiddenDims[0] ?? options.outputDim,
            initFanIn: fanIn,
            rng: options.rng,
            name: `${options.name}_cond`,
            trainable: options.trainable,
          })
        : null;
  }

  /**
   * f([x, c]).
   * @param condition - c as `[1, C]` (shared by all rows) or `[B, C]`; null when unconditioned.
   * @param frozen - differentiate with respect to x (and c) only, not the weights.
   * @throws {@link ShapeError} when a condition is given to an unconditioned network.
   * @remarks Returns a new `[B, outputDim]` tensor; the caller owns it.
   */
  apply(x: tf.Tensor2D, condition: tf.Tensor2D | null, frozen = false): tf.Tensor2D {
    if (condition === null || this.condition === null) {
      if (condition !== null)
        throw new ShapeError('ConditionedMlp was built without a condition (conditionDim 0) but received one.');
      return this.mlp.apply(x, { frozen });
    }
    return this.mlp.apply(x, { frozen, extraBias: this.condition.apply(condition, frozen) });
  }

  /**
   * The first layer's bias with a condition folded in, b + c·W_c, computed by the same ops as
   * {@link ConditionedMlp.apply} (what an exported policy stores instead of c).
   * @param condition - c as `[1, C]`, or null (then b itself).
   * @remarks Returns a new `[1, hidden]` tensor; the caller owns it.
   */
  firstLayerBias(condition: tf.Tensor2D | null): tf.Tensor2D {
    const first = this.mlp.layers[0];
    if (condition === null || this.condition === null) {
      if (condition !== null)
        throw new ShapeError('ConditionedMlp was built without a condition (conditionDim 0) but received one.');
      return tf.reshape(first.bias, [1, first.outputDim]);
    }
    const cond = this.condition;
    return tf.tidy(() => tf.add(first.bias, cond.apply(condition, true)));
  }

  /** The condition block's kernel (if any), then the MLP's layers. */
  trainableVariables(): tf.Variable[] {
    return [...(this.condition?.trainableVariables() ?? []), ...this.mlp.trainableVariables()];
  }

  /** Frees both blocks. */
  dispose(): void {
    this.mlp.dispose();
    this.condition?.dispose();
  }
}
