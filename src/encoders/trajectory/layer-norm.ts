/**
 * Layer normalisation (Ba, Kiros and Hinton, 2016) over the last axis of a `[rows, width]`
 * matrix, with a hand-written backward pass shaped for tfjs-wasm.
 *
 *   μ = mean(x),  σ² = mean((x − μ)²),  r = 1/√(σ² + ε),  x̂ = (x − μ)·r,  y = x̂ ⊙ γ + β
 *
 * Backward, with g = dy ⊙ γ:
 *
 *   dx = r · (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)),   dγ = 1ᵀ(dy ⊙ x̂),   dβ = 1ᵀ dy
 *
 * Why hand-written: every row mean is a product with a `[width, 1]` column of 1/width (plain
 * `matMul`, fast on wasm) rather than `mean(x, -1)`, and the column sums of dγ and dβ are
 * `ones[1, rows]` products (the trick of `nets/dense.ts`); tfjs's own gradient of `moments`
 * would also push the gradient through `sqrt` and `div` twice. The reciprocal square root is
 * taken on the `[rows, 1]` variances only, so the slow libm call touches `rows` values, not
 * `rows × width`.
 *
 * This block belongs in `src/nets` once it has a second user; it lives here because the
 * trajectory encoder is its only user so far.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../../core/errors.js';
import type { NetModule } from '../../nets/module.js';
import { reserveWeights } from '../../nets/weight-budget.js';

/** ε of {@link layerNorm} unless told otherwise (PyTorch's and GPT-2's value). */
export const LAYER_NORM_EPSILON = 1e-5;

/**
 * Applies layer normalisation to each row of `x`, with gradients to `x`, `gamma` and `beta`.
 *
 * @param x - `[rows, width]` input.
 * @param gamma - `[width]` scale γ.
 * @param beta - `[width]` shift β.
 * @param epsilon - ε added to the variance.
 * @returns `[rows, width]`.
 * @throws {@link ShapeError} when the shapes do not agree.
 * @remarks Returns a new tensor; the caller owns it. Works under `tf.grad` / `tf.variableGrads`.
 */
export function layerNorm(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon = LAYER_NORM_EPSILON,
): tf.Tensor2D {
  const width = x.shape[1];
  if (x.rank !== 2 || gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== width || beta.shape[0] !== width) {
    throw new ShapeError(
      `layerNorm expects x [rows, width] with gamma and beta [width]; got x [${x.shape.join(', ')}], gamma [${gamma.shape.join(', ')}], beta [${beta.shape.join(', ')}].`,
    );
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const meanColumn = tf.fill([width, 1], 1 / width);
    const mu = tf.matMul(input, meanColumn);
    const centred = tf.sub(input, mu);
    const variance = tf.matMul(tf.square(centred), meanColumn);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul<tf.Tensor2D>(centred, rstd);
    const value = tf.add<tf.Tensor2D>(tf.mul(xhat, g), b);
    save([xhat, rstd, g]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sxhat, srstd, sgamma] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const rows = sxhat.shape[0];
      const column = tf.fill([width, 1], 1 / width);
      const onesRow = tf.ones([1, rows]);
      const gx = tf.mul<tf.Tensor2D>(dy, sgamma);
      const meanG = tf.matMul(gx, column);
      const meanGX = tf.matMul(tf.mul<tf.Tensor2D>(gx, sxhat), column);
      const dx = tf.mul(tf.sub(tf.sub(gx, meanG), tf.mul(sxhat, meanGX)), srstd);
      const dgamma = tf.reshape(tf.matMul(onesRow, tf.mul<tf.Tensor2D>(dy, sxhat)), [width]);
      const dbeta = tf.reshape(tf.matMul(onesRow, dy as tf.Tensor2D), [width]);
      return [dx, dgamma, dbeta];
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta);
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Width of the normalised axis. */
  readonly width: number;
  /** ε added to the variance. @defaultValue {@link LAYER_NORM_EPSILON} */
  readonly epsilon?: number;
  /** Variable name prefix. @defaultValue `'layer_norm'` */
  readonly name?: string;
  /** Whether γ and β are trainable. @defaultValue `true` */
  readonly trainable?: boolean;
}

let uniqueId = 0;

/**
 * A layer-normalisation block owning γ (initially 1) and β (initially 0).
 *
 * @example
 * ```ts
 * const ln = new LayerNorm({ width: 128 });
 * const y = ln.apply(x); // x: [rows, 128] -> y: [rows, 128]
 * ```
 */
export class LayerNorm implements NetModule {
  /** Scale γ, `[width]`. */
  readonly gamma: tf.Variable<tf.Rank.R1>;
  /** Shift β, `[width]`. */
  readonly beta: tf.Variable<tf.Rank.R1>;
  /** Width of the normalised axis. */
  readonly width: number;
  /** ε added to the variance. */
  readonly epsilon: number;

  /** @throws {@link ConfigError} on a non-positive width or ε. */
  constructor(options: LayerNormOptions) {
    if (!Number.isInteger(options.width) || options.width < 1) {
      throw new ConfigError(`LayerNorm width must be a positive integer, got ${String(options.width)}.`);
    }
    const epsilon = options.epsilon ?? LAYER_NORM_EPSILON;
    if (!(epsilon > 0)) throw new ConfigError(`LayerNorm epsilon must be positive, got ${String(epsilon)}.`);
    this.width = options.width;
    this.epsilon = epsilon;
    const trainable = options.trainable ?? true;
    const name = `${options.name ?? 'layer_norm'}_${uniqueId++}`;
    reserveWeights(2 * this.width, `${name} (width ${this.width})`);
    this.gamma = tf.tidy(() => tf.variable(tf.ones<tf.Rank.R1>([this.width]), trainable, `${name}/gamma`));
    this.beta = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([this.width]), trainable, `${name}/beta`));
  }

  /**
   * Normalises each row of x.
   * @throws {@link ShapeError} when x is not `[rows, width]`.
   * @remarks Returns a new tensor; the caller owns it.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.width) {
      throw new ShapeError(`LayerNorm expects input [rows, ${this.width}], got [${x.shape.join(', ')}].`);
    }
    return layerNorm(x, this.gamma, this.beta, this.epsilon);
  }

  /** γ then β. */
  trainableVariables(): tf.Variable[] {
    return [this.gamma, this.beta];
  }

  /** Frees γ and β. */
  dispose(): void {
    this.gamma.dispose();
    this.beta.dispose();
  }
}
