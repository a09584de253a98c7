/**
 * The DDPM machinery of a diffusion policy over actions (`docs/algorithms/diffusion-ql.md`,
 * "Diffusion chain"): the forward noising used by the behaviour-cloning loss L_d and the clipped
 * reverse chain that samples actions. Noise is drawn on the host from the agent's {@link Rng} and
 * uploaded, so results depend only on the seed, never on tfjs's global random state.
 *
 * Both functions take any {@link NoisePredictor}: the agents pass a {@link NoiseNetwork}, the
 * golden tests a closed-form predictor whose chain they recompute in float64.
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
import { reverseDiffusionStep } from '../../nets/denoise-step.js';
import { reserveWeights } from '../../nets/weight-budget.js';

/** Host values the schedule keeps per diffusion step (its coefficient arrays, float64). */
const SCHEDULE_VALUES_PER_STEP = 24;

/** What the chain needs of ε_θ: a prediction of the noise in x_k at step k (see {@link NoiseNetwork}). */
export interface NoisePredictor {
  /** Widths; only `actionDim` is read. */
  readonly sizes: {
    /** Action width A. */
    readonly actionDim: number;
  };
  /**
   * ε_θ(x_k, k, s, c) for `[B, A]` noisy actions, one k for all rows or one per row.
   * @remarks Returns a new `[B, A]` tensor; the caller owns it.
   */
  predict(
    noisyActions: tf.Tensor2D,
    steps: Int32Array | number,
    observations: tf.Tensor2D,
    condition: tf.Tensor2D | null,
    frozen?: boolean,
  ): tf.Tensor2D;
  /**
   * Optional: ε_θ(·, k, s, c) for the steps of one reverse chain with what they share computed
   * once (see {@link NoiseNetwork.reverseChain}); without it the chain calls `predict` per step.
   */
  reverseChain?(
    chainSteps: number,
    observations: tf.Tensor2D,
    condition: tf.Tensor2D | null,
    frozen?: boolean,
  ): (noisyActions: tf.Tensor2D, step: number) => tf.Tensor2D;
}

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
    reserveWeights(SCHEDULE_VALUES_PER_STEP * steps, `the ${steps}-step diffusion schedule`);
    this.coefficients = diffusionCoefficients(betaSchedule(name, steps));
    this.sigma = this.coefficients.posteriorLogVarianceClipped.map((v) => Math.exp(0.5 * v));
  }
}

/** Inputs to {@link bcLoss}. */
export interface BcLossInputs {
  /** The noise network being trained. */
  readonly network: NoisePredictor;
  /** Schedule constants. */
  readonly schedule: DiffusionSchedule;
  /** Clean actions a, `[B, A]`. */
  readonly actions: tf.Tensor2D;
  /** Observations s, `[B, S]`. */
  readonly observations: tf.Tensor2D;
  /** Condition c, `[1, C]` (shared) or `[B, C]`, or null. */
  readonly condition: tf.Tensor2D | null;
  /** Source of k ~ U{0..K−1} and ε ~ N(0, I). */
  readonly rng: Rng;
}

/**
 * Diffusion (behaviour-cloning) loss L_d = mean over B×A of (ε_θ(√ᾱ_k a + √(1−ᾱ_k) ε, k, s, c) − ε)²,
 * with k drawn per row, then ε (row-major), from `rng` (LLMDPD's Eq. 5 with c the condition).
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
    const noisy = tf.add<tf.Tensor2D>(
      tf.mul(actions, tf.tensor2d(signal, [rows, 1])),
      tf.mul(noise, tf.tensor2d(noiseScale, [rows, 1])),
    );
    const predicted = network.predict(noisy, k, observations, condition);
    return tf.mean<tf.Scalar>(tf.square(tf.sub(predicted, noise)));
  });
}

/** Inputs to {@link sampleActions}. */
export interface SampleInputs {
  /** The network that denoises. */
  readonly network: NoisePredictor;
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
 * The reverse chain: x_K ~ N(0, I); for k = K−1 … 0:
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
    const predict =
      network.reverseChain?.(schedule.steps, observations, condition, frozen) ??
      ((noisy: tf.Tensor2D, step: number) => network.predict(noisy, step, observations, condition, frozen));
    for (let k = schedule.steps - 1; k >= 0; k--) {
      const eps = predict(x, k);
      const offset = (k * rows * actionDim) % noise.length;
      const z = k > 0 ? tf.tensor2d(noise.subarray(offset, offset + rows * actionDim), [rows, actionDim]) : null;
      x = reverseDiffusionStep(x, eps, z, {
        inputScale: sqrtRecipAlphasCumprod[k],
        noiseScale: sqrtRecipM1AlphasCumprod[k],
        meanFromClean: posteriorMeanCoef1[k],
        meanFromInput: posteriorMeanCoef2[k],
        sigma: schedule.sigma[k],
        clip: maxAction,
      });
    }
    return tf.clipByValue<tf.Tensor2D>(x, -maxAction, maxAction);
  });
}
