/**
 * Policy networks of the non-diffusion agents, each a {@link ConditionedMlp} on [s, c]:
 *
 * - {@link DeterministicActor}: a = maxAction · tanh(f(s, c)) (TD3+BC's actor, CORL's BC);
 * - {@link GaussianActor}: N(maxAction · tanh(f(s, c)), diag σ²) with a learned,
 *   state-independent log σ clamped to [−20, 2] (CORL IQL's `GaussianPolicy`; BC's stochastic
 *   variant). Its mean is the deterministic action used for evaluation.
 *
 * SAC's tanh-squashed Gaussian with state-dependent σ (SAC-N, CQL) is `tanh-gaussian-actor.ts`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../core/rng.js';
import type { Activation } from '../../../nets/activations.js';
import type { NetModule } from '../../../nets/module.js';
import { reserveWeights } from '../../../nets/weight-budget.js';
import { ConditionedMlp } from './conditioned-mlp.js';

/** Sizes of an actor. */
export interface ActorOptions {
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
  /** Width of the condition c (0 for none). */
  readonly conditionDim: number;
  /** Hidden widths. */
  readonly hiddenDims: readonly number[];
  /** Hidden activation. */
  readonly activation: Activation;
  /** Action bound: actions are maxAction · tanh(·). */
  readonly maxAction: number;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Variable-name prefix. */
  readonly name: string;
  /** Whether the variables are trainable (false for a target copy). @defaultValue true */
  readonly trainable?: boolean;
}

let uniqueId = 0;

function trunk(options: ActorOptions): ConditionedMlp {
  return new ConditionedMlp({
    inputDim: options.observationDim,
    conditionDim: options.conditionDim,
    hiddenDims: options.hiddenDims,
    outputDim: options.actionDim,
    activation: options.activation,
    rng: options.rng,
    name: options.name,
    trainable: options.trainable ?? true,
  });
}

/** a = maxAction · tanh(f(s, c)). */
export class DeterministicActor implements NetModule {
  /** f. */
  readonly net: ConditionedMlp;

  /** Draws f from `options.rng`. */
  constructor(
    /** The sizes it was built with. */
    readonly options: ActorOptions,
  ) {
    this.net = trunk(options);
  }

  /**
   * The actions for `[B, S]` observations under c (`[1, C]`, `[B, C]` or null).
   * @remarks Returns a new `[B, A]` tensor; the caller owns it.
   */
  apply(observations: tf.Tensor2D, condition: tf.Tensor2D | null, frozen = false): tf.Tensor2D {
    return tf.tidy(() => tf.mul(tf.tanh(this.net.apply(observations, condition, frozen)), this.options.maxAction));
  }

  /** f's variables. */
  trainableVariables(): tf.Variable[] {
    return this.net.trainableVariables();
  }

  /** Frees f. */
  dispose(): void {
    this.net.dispose();
  }
}

/** Bounds of the Gaussian actor's log σ (CORL IQL's `LOG_STD_MIN`, `LOG_STD_MAX`). */
export const LOG_STD_BOUNDS: Readonly<{
  /** Lowest log σ. */
  min: number;
  /** Highest log σ. */
  max: number;
}> = Object.freeze({ min: -20, max: 2 });

/** π(·|s, c) = N(maxAction · tanh(f(s, c)), diag σ²), log σ learned and state-independent. */
export class GaussianActor implements NetModule {
  /** The mean's network f. */
  readonly net: DeterministicActor;
  /** log σ, `[A]`, initialised to 0. */
  readonly logStd: tf.Variable<tf.Rank.R1>;

  /** Draws f from `options.rng`; log σ starts at 0. */
  constructor(
    /** The sizes it was built with. */
    readonly options: ActorOptions,
  ) {
    this.net = new DeterministicActor(options);
    reserveWeights(options.actionDim, `${options.name}/log_std`);
    this.logStd = tf.tidy(() =>
      tf.variable(tf.zeros([options.actionDim]), options.trainable ?? true, `${options.name}_${uniqueId++}/log_std`),
    );
  }

  /**
   * The mean action (what evaluation uses).
   * @remarks Returns a new `[B, A]` tensor; the caller owns it.
   */
  mean(observations: tf.Tensor2D, condition: tf.Tensor2D | null): tf.Tensor2D {
    return this.net.apply(observations, condition);
  }

  /**
   * log π(a|s, c) summed over the action dimensions.
   * @remarks Returns a new `[B, 1]` tensor; the caller owns it. Differentiable in f and log σ.
   */
  logProb(observations: tf.Tensor2D, actions: tf.Tensor2D, condition: tf.Tensor2D | null): tf.Tensor2D {
    return tf.tidy(() => gaussianLogProb(this.mean(observations, condition), this.clampedLogStd(), actions));
  }

  /** log σ clamped to {@link LOG_STD_BOUNDS}, `[A]`. */
  clampedLogStd(): tf.Tensor1D {
    return tf.clipByValue(this.logStd, LOG_STD_BOUNDS.min, LOG_STD_BOUNDS.max);
  }

  /** f's variables, then log σ. */
  trainableVariables(): tf.Variable[] {
    return [...this.net.trainableVariables(), this.logStd];
  }

  /** Frees f and log σ. */
  dispose(): void {
    this.net.dispose();
    this.logStd.dispose();
  }
}

/**
 * Σ_A log N(a; μ, σ²) = Σ_A [−½((a − μ)/σ)² − log σ − ½ log 2π] per row.
 * @param logStd - log σ, `[A]` (shared by the rows) or `[B, A]`.
 * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
 */
export function gaussianLogProb(mean: tf.Tensor2D, logStd: tf.Tensor, actions: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const z = tf.div(tf.sub(actions, mean), tf.exp(logStd));
    const perDim = tf.sub(tf.add(tf.mul(tf.square(z), -0.5), tf.neg(logStd)), 0.5 * Math.log(2 * Math.PI));
    return tf.sum(perDim, 1, true);
  });
}
