/**
 * A multilayer perceptron of {@link Dense} layers, the trunk of every actor, critic and noise
 * network in the library.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Activation } from './activations.js';
import { type ApplyOptions, Dense, denseStackApply } from './dense.js';
import type { Initializer } from './init.js';
import type { NetModule } from './module.js';

/** Options of {@link Mlp}. */
export interface MlpOptions {
  /** Input width. */
  readonly inputDim: number;
  /** Widths of the hidden layers, e.g. `[256, 256, 256]`. May be empty (one linear layer). */
  readonly hiddenDims: readonly number[];
  /** Output width. */
  readonly outputDim: number;
  /** Activation after every hidden layer. @defaultValue `'mish'` */
  readonly activation?: Activation;
  /** Activation of the output layer. @defaultValue `'linear'` */
  readonly outputActivation?: Activation;
  /** Weight initialisation of every layer. @defaultValue `'pytorch'` */
  readonly initializer?: Initializer;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Variable name prefix. @defaultValue `'mlp'` */
  readonly name?: string;
  /** Whether gradients must flow into the input (false when it is plain data). @defaultValue `true` */
  readonly inputGradient?: boolean;
  /** Whether the variables are trainable. @defaultValue `true` */
  readonly trainable?: boolean;
  /** Initialiser fan-in of the first layer when it is one block of a wider layer. @defaultValue `inputDim` */
  readonly firstLayerInitFanIn?: number;
}

/**
 * Dense → act → … → Dense (output activation).
 *
 * @example
 * ```ts
 * // Diffusion-QL's noise-network trunk at hopper sizes
 * const net = new Mlp({ inputDim: 30, hiddenDims: [256, 256, 256], outputDim: 3, rng: new Rng(0) });
 * const eps = net.apply(x); // [B, 30] -> [B, 3]
 * ```
 */
export class Mlp implements NetModule {
  /** The layers, input first. */
  readonly layers: readonly Dense[];
  /** Input width. */
  readonly inputDim: number;
  /** Output width. */
  readonly outputDim: number;

  /** @throws {@link ConfigError} on invalid sizes. */
  constructor(options: MlpOptions) {
    const dims = [options.inputDim, ...options.hiddenDims, options.outputDim];
    if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ConfigError(
        `Mlp sizes must be positive integers, got input ${options.inputDim}, hidden [${options.hiddenDims.join(', ')}], output ${options.outputDim}.`,
      );
    }
    const name = options.name ?? 'mlp';
    const layers: Dense[] = [];
    for (let i = 0; i + 1 < dims.length; i++) {
      const last = i + 2 === dims.length;
      layers.push(
        new Dense({
          inputDim: dims[i],
          outputDim: dims[i + 1],
          activation: last ? (options.outputActivation ?? 'linear') : (options.activation ?? 'mish'),
          initializer: options.initializer ?? 'pytorch',
          rng: options.rng,
          name: `${name}/l${i}`,
          inputGradient: i === 0 ? (options.inputGradient ?? true) : true,
          trainable: options.trainable ?? true,
          ...(i === 0 && options.firstLayerInitFanIn !== undefined ? { initFanIn: options.firstLayerInitFanIn } : {}),
        }),
      );
    }
    this.layers = layers;
    this.inputDim = options.inputDim;
    this.outputDim = options.outputDim;
  }

  /**
   * Runs the layers in order, as one differentiable op (see {@link denseStackApply}).
   * @param options - `frozen: true` differentiates with respect to `x` only; `extraBias` is added
   * to the first layer's bias (see {@link ApplyOptions}).
   * @throws {@link ShapeError} when x is not `[batch, inputDim]`.
   * @remarks Returns a new tensor; the caller owns it.
   */
  apply(x: tf.Tensor2D, options: ApplyOptions = {}): tf.Tensor2D {
    const first = this.layers[0];
    const extra = options.extraBias;
    first.checkInput(x, extra);
    const run = (firstBias: tf.Tensor1D | tf.Tensor2D) =>
      denseStackApply(
        x,
        this.layers.map((layer, i) => ({
          kernel: layer.kernel,
          bias: i === 0 ? firstBias : layer.bias,
          activation: layer.activation,
          inputGradient: layer.inputGradient,
        })),
        options.frozen === true,
      );
    return extra === undefined ? run(first.bias) : tf.tidy(() => run(tf.add<tf.Tensor2D>(first.bias, extra)));
  }

  /** Every layer's kernel and bias, input layer first. */
  trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.trainableVariables());
  }

  /** Number of scalar parameters. */
  parameterCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /** Frees every layer. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
