/**
 * The soft actor-critic pieces that SAC-N and CQL share, as pure losses and one small owned
 * object:
 *
 *   actor:        L_π = mean_B( α · log π(ã|s) − minᵢ Qᵢ(s, ã) ),  ã ~ π(·|s) reparameterised
 *   soft value:   V′(s′) = minᵢ Q′ᵢ(s′, a′) − α · log π(a′|s′),       a′ ~ π(·|s′)
 *   temperature:  L_α = −mean_B( log α · sg(log π(ã|s) + H̄) ),   H̄ the target entropy (−A)
 *
 * and {@link LogScalar}, a positive scalar learned in log space with its own Adam: the
 * temperature α (automatic entropy tuning, Haarnoja et al. 2018) and CQL's Lagrange
 * multiplier α′ are both one. The loss is written in log α as the references write it (the
 * gradient is then −mean(log π + H̄), independent of α).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam, gradientsOf } from '../../nets/adam.js';
import { minOf } from '../common/losses.js';

/**
 * SAC's actor loss mean(α · log π − minᵢ Qᵢ) for actions drawn from the policy.
 * @param logProb - log π(ã|s), `[B, 1]`.
 * @param values - Qᵢ(s, ã) of every critic, each `[B, 1]`.
 * @param alpha - the temperature α, a constant.
 * @remarks Returns a new scalar; the caller owns it.
 */
export function softActorLoss(logProb: tf.Tensor2D, values: readonly tf.Tensor2D[], alpha: tf.Scalar): tf.Scalar {
  return tf.tidy(() => tf.mean<tf.Scalar>(tf.sub(tf.mul(alpha, logProb), minOf(values))));
}

/**
 * The soft value of next states for a TD target, minᵢ Q′ᵢ(s′, a′) − α · log π(a′|s′) (SAC's
 * entropy-regularised backup; without the entropy term when `alpha` is null).
 * @param values - Q′ᵢ(s′, a′) of every target critic, each `[B, 1]`.
 * @param logProb - log π(a′|s′), `[B, 1]`.
 * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
 */
export function softValue(values: readonly tf.Tensor2D[], logProb: tf.Tensor2D, alpha: tf.Scalar | null): tf.Tensor2D {
  return tf.tidy(() =>
    alpha === null ? tf.clone(minOf(values)) : tf.sub<tf.Tensor2D>(minOf(values), tf.mul(alpha, logProb)),
  );
}

/**
 * The temperature loss −mean(log α · sg(log π + H̄)).
 * @param logAlpha - log α (the only thing differentiated).
 * @param logProb - log π of fresh policy actions, `[B, 1]` (treated as a constant).
 * @param targetEntropy - H̄.
 * @remarks Returns a new scalar; the caller owns it.
 */
export function temperatureLoss(logAlpha: tf.Scalar, logProb: tf.Tensor2D, targetEntropy: number): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.mul(logAlpha, tf.add(logProb, targetEntropy)))) as tf.Scalar);
}

/** Options of a {@link LogScalar}. */
export interface LogScalarOptions {
  /** Its value at the start: log x starts at log(initial). */
  readonly initial: number;
  /** Whether it is learned (with its own Adam); false keeps it at `initial`. */
  readonly learned: boolean;
  /** Adam's learning rate on log x. */
  readonly learningRate: number;
  /** The value used is x · multiplier (CORL's `alpha_multiplier`). @defaultValue 1 */
  readonly multiplier?: number;
  /** The value used is clipped to [0, maxValue] (CORL's α′ clip). @defaultValue Infinity */
  readonly maxValue?: number;
  /** Variable-name prefix. */
  readonly name: string;
}

let uniqueId = 0;

/** A positive scalar x = exp(log x), learned in log space by its own Adam. */
export class LogScalar {
  /** log x. */
  readonly log: tf.Variable<tf.Rank.R0>;
  /** Its optimiser (null when not learned). */
  readonly optimizer: Adam | null;

  /** Creates log x = log(initial) and, when learned, its Adam. */
  constructor(
    /** The options it was built with. */
    readonly options: LogScalarOptions,
  ) {
    this.log = tf.tidy(() =>
      tf.variable(tf.scalar(Math.log(options.initial)), options.learned, `${options.name}_${uniqueId++}`),
    );
    this.optimizer = options.learned ? new Adam([this.log], { learningRate: options.learningRate }) : null;
  }

  /**
   * The value used: clip(exp(log x) · multiplier, 0, maxValue); differentiable in log x inside a
   * gradient closure, a constant elsewhere.
   * @remarks Returns a new scalar; the caller owns it.
   */
  value(): tf.Scalar {
    return tf.tidy(() => {
      const x = tf.mul<tf.Scalar>(tf.exp(this.log), this.options.multiplier ?? 1);
      const max = this.options.maxValue ?? Infinity;
      return Number.isFinite(max) ? tf.clipByValue(x, 0, max) : x;
    });
  }

  /**
   * One Adam step on `loss` as a function of log x (nothing when not learned). `loss` reads
   * {@link LogScalar.log} or {@link LogScalar.value}.
   * @returns the loss before the step (a new scalar, or 0 when not learned); the caller owns it.
   */
  minimize(loss: () => tf.Scalar): tf.Scalar {
    const optimizer = this.optimizer;
    if (optimizer === null) return tf.scalar(0);
    return tf.tidy(() => {
      const { value, grads } = gradientsOf(loss, optimizer.variables);
      optimizer.applyGradients(grads);
      return value;
    });
  }

  /** log x, for checkpoints. */
  variables(): tf.Variable[] {
    return [this.log];
  }

  /** Frees log x and the optimiser's moments. */
  dispose(): void {
    this.optimizer?.dispose();
    this.log.dispose();
  }
}
