/**
 * A bias-free linear map c ↦ c·W, the block of a wider first layer that a conditioning input
 * (a diffusion step's features, a prompt embedding) multiplies. Its output is handed to the
 * first layer as {@link ApplyOptions.extraBias}, so `[x, c]·W + b` is computed as
 * `x·W_x + (c·W_c + b)`: exactly the concatenated layer, without concatenating, and with `c·W_c`
 * computed once when c is the same for every row.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { requireBackend } from '../engine/ready.js';
import { denseApply, denseApplyFrozen } from './dense.js';
import { initDense, type Initializer } from './init.js';
import type { NetModule } from './module.js';

/** Options of {@link Projection}. */
export interface ProjectionOptions {
  /** Width of c. */
  readonly inputDim: number;
  /** Width of the output (the first layer's width). */
  readonly outputDim: number;
  /** Fan-in of the whole first layer this block belongs to, for the initial bound. */
  readonly initFanIn: number;
  /** Initialiser. @defaultValue `'pytorch'` */
  readonly initializer?: Initializer;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Variable name prefix. */
  readonly name: string;
  /** Whether the kernel is trainable. @defaultValue true */
  readonly trainable?: boolean;
}

let uniqueId = 0;

/** c ↦ c·W with W `[inputDim, outputDim]`. */
export class Projection implements NetModule {
  /** W. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** Width of c. */
  readonly inputDim: number;
  /** Output width. */
  readonly outputDim: number;

  /** Draws W like the matching block of a wider PyTorch `Linear`. */
  constructor(options: ProjectionOptions) {
    requireBackend('A network layer (Projection)');
    this.inputDim = options.inputDim;
    this.outputDim = options.outputDim;
    const init = initDense(
      options.inputDim,
      options.outputDim,
      options.initializer ?? 'pytorch',
      options.rng,
      options.initFanIn,
    );
    this.kernel = tf.tidy(() =>
      tf.variable(
        tf.tensor2d(init.kernel, [options.inputDim, options.outputDim]),
        options.trainable ?? true,
        `${options.name}_${uniqueId++}/kernel`,
      ),
    );
  }

  /**
   * c·W for c `[rows, inputDim]`.
   * @param frozen - treat W as a constant (no weight gradient).
   * @throws {@link ShapeError} on a wrong width.
   * @remarks Returns a new `[rows, outputDim]` tensor; the caller owns it.
   */
  apply(c: tf.Tensor2D, frozen = false): tf.Tensor2D {
    if (c.rank !== 2 || c.shape[1] !== this.inputDim)
      throw new ShapeError(`Projection expects [rows, ${this.inputDim}], got [${c.shape.join(', ')}].`);
    return tf.tidy(() => {
      const zero = tf.zeros<tf.Rank.R1>([this.outputDim]);
      return frozen ? denseApplyFrozen(c, this.kernel, zero, 'linear') : denseApply(c, this.kernel, zero, 'linear');
    });
  }

  /** The kernel. */
  trainableVariables(): tf.Variable[] {
    return [this.kernel];
  }

  /** Frees the kernel. */
  dispose(): void {
    this.kernel.dispose();
  }
}
