/**
 * The squashed Gaussian policy of SAC and its offline descendants (SAC-N, CQL): u ~ N(μ(s, c),
 * σ(s, c)²), a = maxAction · tanh(u), with μ and log σ from one network (a `2A`-wide output,
 * split in halves: two heads on a shared trunk are the same function). Sampling is
 * reparameterised, u = μ + σ·ε with ε ~ N(0, I) drawn by the caller, so the actor loss
 * differentiates through the sample.
 *
 *   log π(a|s) = Σ_A [ log N(u; μ, σ²) − log(1 − tanh(u)²) ]
 *
 * with log N(u; μ, σ²) = −ε²/2 − log σ − ½ log 2π (the same value, and the same gradients, as
 * evaluating the density at u). Two forms of the tanh correction, as the references write it:
 *
 * - `'exact'`: log(1 − tanh(u)²) = 2(log 2 − u − softplus(−2u)) (PyTorch's `TanhTransform`,
 *   CORL's CQL);
 * - `'epsilon'`: log(1 − tanh(u)² + 10⁻⁶) (CORL's SAC-N).
 *
 * log σ is the raw output clamped to `logStdBounds`, optionally after a learned affine map
 * `scale · raw + offset` (CORL's CQL: scalars starting at 1 and −1). log π is the density of
 * a / maxAction (CORL does not add the −A·log maxAction of the scaling).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../core/rng.js';
import type { NetModule } from '../../../nets/module.js';
import { ConditionedMlp } from './conditioned-mlp.js';

/** Which form of the tanh correction log(1 − tanh(u)²) (see the module comment). */
export type TanhCorrection = 'exact' | 'epsilon';

/** The interval log σ is clamped to. */
export interface LogStdBounds {
  /** Lowest log σ. */
  readonly min: number;
  /** Highest log σ. */
  readonly max: number;
}

/** The learned affine map of the raw log σ: scale · raw + offset. */
export interface LogStdAffine {
  /** The scale (starts at 1). */
  readonly scale: tf.Variable<tf.Rank.R0>;
  /** The offset (starts at −1). */
  readonly offset: tf.Variable<tf.Rank.R0>;
}

/** The Gaussian before the squashing (a type, so `tf.tidy` can return it). */
export type ActionDistribution = {
  /** μ, `[B, A]`. */
  readonly mean: tf.Tensor2D;
  /** The clamped log σ, `[B, A]`. */
  readonly logStd: tf.Tensor2D;
};

/** Sizes and variant of a {@link TanhGaussianActor}. */
export interface TanhGaussianActorOptions {
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
  /** Width of the condition c (0 for none). */
  readonly conditionDim: number;
  /** Hidden widths of the trunk (ReLU). */
  readonly hiddenDims: readonly number[];
  /** Action bound: actions are maxAction · tanh(u). */
  readonly maxAction: number;
  /** log σ is clamped to [min, max]. */
  readonly logStdBounds: LogStdBounds;
  /** Learn log σ = scale · raw + offset with scalar scale (from 1) and offset (from −1). */
  readonly logStdAffine: boolean;
  /** The tanh correction's form. */
  readonly tanhCorrection: TanhCorrection;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Variable-name prefix. */
  readonly name: string;
}

/** A reparameterised draw: the actions and their log-densities (a type, so `tf.tidy` can return it). */
export type PolicySample = {
  /** a = maxAction · tanh(u), `[B, A]`. */
  readonly actions: tf.Tensor2D;
  /** log π(a|s), `[B, 1]`. */
  readonly logProb: tf.Tensor2D;
};

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log(1 − tanh(u)²) elementwise, in the form `correction` names.
 * @remarks Returns a new tensor; the caller owns it.
 */
export function logTanhJacobian(preTanh: tf.Tensor, correction: TanhCorrection): tf.Tensor {
  return tf.tidy(() =>
    correction === 'exact'
      ? tf.mul(tf.sub(tf.sub(Math.LN2, preTanh), tf.softplus(tf.mul(preTanh, -2))), 2)
      : tf.log(tf.add(tf.sub(1, tf.square(tf.tanh(preTanh))), 1e-6)),
  );
}

/**
 * log π of a squashed Gaussian draw u = μ + σ·ε: Σ_A [−ε²/2 − log σ − ½ log 2π − log(1 − tanh(u)²)].
 * @param noise - ε, `[B, A]`.
 * @param logStd - log σ, `[B, A]`.
 * @param preTanh - u, `[B, A]`.
 * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
 */
export function squashedGaussianLogProb(
  noise: tf.Tensor2D,
  logStd: tf.Tensor2D,
  preTanh: tf.Tensor2D,
  correction: TanhCorrection,
): tf.Tensor2D {
  return tf.tidy(() => {
    const gaussian = tf.sub(tf.add(tf.mul(tf.square(noise), -0.5), tf.neg(logStd)), HALF_LOG_TWO_PI);
    return tf.sum<tf.Tensor2D>(tf.sub(gaussian, logTanhJacobian(preTanh, correction)), 1, true);
  });
}

let uniqueId = 0;

/** π(·|s, c): a tanh-squashed Gaussian with state-dependent σ; see the module comment. */
export class TanhGaussianActor implements NetModule {
  /** The network of [μ, raw log σ], `2A` outputs. */
  readonly net: ConditionedMlp;
  /** The learned scale and offset of log σ (null without `logStdAffine`). */
  readonly logStdAffine: LogStdAffine | null;

  /** Draws the network from `options.rng` (PyTorch's default initialisation). */
  constructor(
    /** The sizes it was built with. */
    readonly options: TanhGaussianActorOptions,
  ) {
    this.net = new ConditionedMlp({
      inputDim: options.observationDim,
      conditionDim: options.conditionDim,
      hiddenDims: options.hiddenDims,
      outputDim: 2 * options.actionDim,
      activation: 'relu',
      rng: options.rng,
      name: options.name,
      trainable: true,
    });
    const id = uniqueId++;
    this.logStdAffine = options.logStdAffine
      ? tf.tidy(() => ({
          scale: tf.variable(tf.scalar(1), true, `${options.name}_${id}/log_std_scale`),
          offset: tf.variable(tf.scalar(-1), true, `${options.name}_${id}/log_std_offset`),
        }))
      : null;
  }

  /**
   * μ and the clamped log σ for `[B, S]` observations under c (`[1, C]`, `[B, C]` or null).
   * @remarks Returns new `[B, A]` tensors; the caller owns them.
   */
  distribution(observations: tf.Tensor2D, condition: tf.Tensor2D | null): ActionDistribution {
    const A = this.options.actionDim;
    const { min, max } = this.options.logStdBounds;
    return tf.tidy(() => {
      const out = this.net.apply(observations, condition);
      // Two slices, not tf.split: Slice has a gradient in the library's set (`src/engine/gradients.ts`), SplitV not.
      const mean = tf.slice(out, [0, 0], [-1, A]);
      const raw = tf.slice(out, [0, A], [-1, A]);
      const affine = this.logStdAffine;
      const logStd = affine === null ? raw : tf.add(tf.mul(raw, affine.scale), affine.offset);
      return { mean, logStd: tf.clipByValue(logStd, min, max) as tf.Tensor2D };
    });
  }

  /**
   * A reparameterised draw u = μ + σ·ε, a = maxAction · tanh(u), with log π(a|s).
   * @param noise - ε ~ N(0, I), `[B, A]`.
   * @remarks Returns new tensors; the caller owns them. Differentiable in the network.
   */
  sample(observations: tf.Tensor2D, condition: tf.Tensor2D | null, noise: tf.Tensor2D): PolicySample {
    return tf.tidy(() => {
      const { mean, logStd } = this.distribution(observations, condition);
      const u = tf.add<tf.Tensor2D>(mean, tf.mul(tf.exp(logStd), noise));
      return {
        actions: tf.mul<tf.Tensor2D>(tf.tanh(u), this.options.maxAction),
        logProb: squashedGaussianLogProb(noise, logStd, u, this.options.tanhCorrection),
      };
    });
  }

  /**
   * log π(a|s) of given actions (e.g. the data's, for a behaviour-cloning warm start): u =
   * atanh(a / maxAction), with |a / maxAction| clipped to 1 − 10⁻⁶ so the data's boundary
   * actions stay finite.
   * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
   */
  logProbOf(observations: tf.Tensor2D, condition: tf.Tensor2D | null, actions: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { mean, logStd } = this.distribution(observations, condition);
      const limit = 1 - 1e-6;
      const u = tf.atanh(tf.clipByValue(tf.div(actions, this.options.maxAction), -limit, limit)) as tf.Tensor2D;
      const noise = tf.div<tf.Tensor2D>(tf.sub(u, mean), tf.exp(logStd));
      return squashedGaussianLogProb(noise, logStd, u, this.options.tanhCorrection);
    });
  }

  /**
   * The deterministic action maxAction · tanh(μ(s, c)) (evaluation).
   * @remarks Returns a new `[B, A]` tensor; the caller owns it.
   */
  deterministic(observations: tf.Tensor2D, condition: tf.Tensor2D | null): tf.Tensor2D {
    return tf.tidy(() => {
      const out = this.net.apply(observations, condition);
      const mean = tf.slice(out, [0, 0], [-1, this.options.actionDim]);
      return tf.mul<tf.Tensor2D>(tf.tanh(mean), this.options.maxAction);
    });
  }

  /** The network's variables, then the log σ scale and offset (if learned). */
  trainableVariables(): tf.Variable[] {
    const affine = this.logStdAffine;
    return [...this.net.trainableVariables(), ...(affine === null ? [] : [affine.scale, affine.offset])];
  }

  /** Frees every variable. */
  dispose(): void {
    this.net.dispose();
    this.logStdAffine?.scale.dispose();
    this.logStdAffine?.offset.dispose();
  }
}
