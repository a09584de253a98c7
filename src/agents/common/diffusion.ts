/**
 * The DDPM machinery of a diffusion policy over actions (Diffusion-QL, algorithms.md §1.3-1.5):
 * the forward noising used by the behaviour-cloning loss and the clipped reverse chain that
 * samples actions. Noise is drawn on the host from the agent's {@link Rng} and uploaded, so
 * results depend only on the seed, never on tfjs's global random state.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/rng.js';
import {
  type BetaScheduleName,
  betaSchedule,
  type DiffusionCoefficients,
  diffusionCoefficients,
} from '../../nets/schedules.js';
import type { NoiseNetwork } from './noise-network.js';

/** Host-side constants of a K-step schedule, as float32-ready numbers. */
export class DiffusionSchedule {
  /** Number of diffusion steps K. */
  readonly steps: number;
  /** All DDPM coefficients (float64). */
  readonly coefficients: DiffusionCoefficients;
  /** σ_k = exp(½ log β̃_k) with the log clipped at 1e-20 (σ_0 is effectively 0 and unused). */
  readonly sigma: Float64Array;

  /** @param name - schedule name; @param steps - K. */
  constructor(name: BetaScheduleName, steps: number) {
    this.steps = steps;
    this.coefficients = diffusionCoefficients(betaSchedule(name, steps));
    this.sigma = this.coefficients.posteriorLogVarianceClipped.map((v) => Math.exp(0.5 * v));
  }
}

/** Inputs to {@link bcLoss}. */
export interface BcLossInputs {
  /** The noise network being trained. */
  readonly network: NoiseNetwork;
  /** Schedule constants. */
  readonly schedule: DiffusionSchedule;
  /** Clean actions a, `[B, A]`. */
  readonly actions: tf.Tensor2D;
  /** Observations s, `[B, S]`. */
  readonly observations: tf.Tensor2D;
  /** Condition c, `[B, C]`, or null. */
  readonly condition: tf.Tensor2D | null;
  /** Source of k ~ U{0..K−1} and ε ~ N(0, I). */
  readonly rng: Rng;
}

/**
 * Diffusion (behaviour-cloning) loss L_d = mean over B×A of (ε_θ(√ᾱ_k a + √(1−ᾱ_k) ε, k, s, c) − ε)²,
 * with k drawn per row (algorithms.md §1.4; LLMDPD Eq. 5).
 * @remarks Returns a new scalar; the caller owns it. Differentiable.
 */
export function bcLoss(inputs: BcLossInputs): tf.Scalar {
  const { network, schedule, actions, observations, condition, rng } = inputs;
  const [rows, actionDim] = actions.shape;
  const k = new Int32Array(rows);
  const signal = new Float32Array(rows);
  const noiseScale = new Float32Array(rows);
  const { sqrtAlphasCumprod, sqrtOneMinusAlphasCumprod } = schedule.coefficients;
  for (let r = 0; r < rows; r++) {
    const step = rng.int(schedule.steps);
    k[r] = step;
    signal[r] = sqrtAlphasCumprod[step]!;
    noiseScale[r] = sqrtOneMinusAlphasCumprod[step]!;
  }
  const eps = rng.fillNormal(new Float32Array(rows * actionDim));
  return tf.tidy(() => {
    const noise = tf.tensor2d(eps, [rows, actionDim]);
    const noisy = tf.add(
      tf.mul(actions, tf.tensor2d(signal, [rows, 1])),
      tf.mul(noise, tf.tensor2d(noiseScale, [rows, 1])),
    ) as tf.Tensor2D;
    const predicted = network.predict(noisy, k, observations, condition);
    return tf.mean(tf.square(tf.sub(predicted, noise))) as tf.Scalar;
  });
}

/** Inputs to {@link sampleActions}. */
export interface SampleInputs {
  /** The network that denoises. */
  readonly network: NoiseNetwork;
  /** Schedule constants. */
  readonly schedule: DiffusionSchedule;
  /** Observations s, `[B, S]`. */
  readonly observations: tf.Tensor2D;
  /** Condition c, `[B, C]`, or null. */
  readonly condition: tf.Tensor2D | null;
  /** Action bound: x̂0 and the output are clipped to [−maxAction, maxAction]. */
  readonly maxAction: number;
  /** Source of the initial noise and the per-step noise. */
  readonly rng: Rng;
  /** True when no gradient is needed through the network weights (EMA actor, inference). */
  readonly frozen: boolean;
}

/**
 * The reverse chain (algorithms.md §1.5): x_K ~ N(0, I); for k = K−1 … 0:
 * x̂0 = clip(√(1/ᾱ_k)·x − √(1/ᾱ_k − 1)·ε_θ(x, k, s, c)), μ = c1_k·x̂0 + c2_k·x, x ← μ + [k > 0]·σ_k·z;
 * output clip(x). Differentiable through every step (the actor loss needs that).
 * @remarks Returns a new `[B, A]` tensor; the caller owns it.
 */
export function sampleActions(inputs: SampleInputs): tf.Tensor2D {
  const { network, schedule, observations, condition, maxAction, rng, frozen } = inputs;
  const rows = observations.shape[0];
  const actionDim = network.sizes.actionDim;
  const { sqrtRecipAlphasCumprod, sqrtRecipM1AlphasCumprod, posteriorMeanCoef1, posteriorMeanCoef2 } =
    schedule.coefficients;
  const noise = rng.fillNormal(new Float32Array(rows * actionDim * schedule.steps));
  return tf.tidy(() => {
    let x = tf.tensor2d(noise.subarray(0, rows * actionDim), [rows, actionDim]);
    for (let k = schedule.steps - 1; k >= 0; k--) {
      const eps = network.predict(x, k, observations, condition, frozen);
      const x0 = tf.clipByValue(
        tf.sub(tf.mul(x, sqrtRecipAlphasCumprod[k]), tf.mul(eps, sqrtRecipM1AlphasCumprod[k])),
        -maxAction,
        maxAction,
      );
      let next = tf.add(tf.mul(x0, posteriorMeanCoef1[k]), tf.mul(x, posteriorMeanCoef2[k])) as tf.Tensor2D;
      if (k > 0) {
        const offset = (k * rows * actionDim) % noise.length;
        const z = tf.tensor2d(noise.subarray(offset, offset + rows * actionDim), [rows, actionDim]);
        next = tf.add(next, tf.mul(z, schedule.sigma[k]));
      }
      x = next;
    }
    return tf.clipByValue(x, -maxAction, maxAction) as tf.Tensor2D;
  });
}
