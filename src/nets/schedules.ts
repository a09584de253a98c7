/**
 * Noise (β) schedules of a discrete diffusion model and every DDPM quantity derived from them.
 *
 * Everything here is plain host arithmetic in float64 (no tfjs): the arrays have K entries
 * (K = number of diffusion steps, 5 in Diffusion-QL), are computed once when a diffusion policy
 * is built, and are then uploaded or read as constants. Array index k = 0..K−1 is the integer
 * time input of the noise-prediction network.
 *
 * Source: Diffusion-QL (Wang, Hunt & Zhou, ICLR 2023), `agents/helpers.py` (the three schedules)
 * and `agents/diffusion.py` (the derived buffers); DDPM notation of Ho et al. 2020. The reference
 * computes in float32; we compute in float64, so values agree to float32 rounding.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';

/** Names accepted by {@link betaSchedule}. `'vp'` is the Diffusion-QL default. */
export type BetaScheduleName = 'vp' | 'linear' | 'cosine';

/** Every {@link BetaScheduleName}, in a fixed order (for config validation and help text). */
export const BETA_SCHEDULE_NAMES: readonly BetaScheduleName[] = Object.freeze(['vp', 'linear', 'cosine'] as const);

/** Options of {@link vpBetaSchedule}. */
export interface VpScheduleOptions {
  /**
   * β_min of the continuous variance-preserving SDE.
   * @defaultValue 0.1
   */
  readonly betaMin?: number;
  /**
   * β_max of the continuous variance-preserving SDE.
   * @defaultValue 10
   */
  readonly betaMax?: number;
}

/** Options of {@link linearBetaSchedule}. */
export interface LinearScheduleOptions {
  /**
   * β of the first step (index 0).
   * @defaultValue 1e-4
   */
  readonly start?: number;
  /**
   * β of the last step (index K−1).
   * @defaultValue 2e-2
   */
  readonly end?: number;
}

/** Options of {@link cosineBetaSchedule}. */
export interface CosineScheduleOptions {
  /**
   * Small offset s that keeps β_0 away from 0 (Nichol & Dhariwal 2021).
   * @defaultValue 0.008
   */
  readonly s?: number;
  /**
   * Upper clip of every β (the schedule's last β would otherwise be 1).
   * @defaultValue 0.999
   */
  readonly maxBeta?: number;
}

function checkSteps(K: number, fn: string): void {
  if (!Number.isInteger(K) || K < 1) {
    throw new ConfigError(
      `${fn}: the number of diffusion steps K must be a positive integer, received ${String(K)}. ` +
        'Pass an integer such as 5 (the Diffusion-QL default).',
    );
  }
}

function checkFinite(value: number, name: string, fn: string): void {
  if (!Number.isFinite(value)) {
    throw new ConfigError(
      `${fn}: ${name} must be a finite number, received ${String(value)}. Pass a finite number or omit it for the default.`,
    );
  }
}

/**
 * The discretised variance-preserving (VP) SDE schedule used by Diffusion-QL (Xiao et al. 2021):
 *
 *   β_k = 1 − exp(−β_min/K − ½(β_max − β_min)(2k − 1)/K²),  k = 1..K,
 *
 * returned at array index k − 1. With K = 5 and the defaults: 0.195875, 0.458818, 0.635781,
 * 0.754878, 0.835031.
 *
 * @param K - number of diffusion steps (positive integer).
 * @param options - β_min and β_max of the SDE.
 * @returns a new `Float64Array` of K betas.
 * @throws {@link ConfigError} when K is not a positive integer or an option is not finite, or a β falls outside (0, 1).
 */
export function vpBetaSchedule(K: number, options: VpScheduleOptions = {}): Float64Array {
  checkSteps(K, 'vpBetaSchedule');
  const betaMin = options.betaMin ?? 0.1;
  const betaMax = options.betaMax ?? 10;
  checkFinite(betaMin, 'betaMin', 'vpBetaSchedule');
  checkFinite(betaMax, 'betaMax', 'vpBetaSchedule');
  const betas = new Float64Array(K);
  for (let k = 1; k <= K; k++) {
    betas[k - 1] = 1 - Math.exp(-betaMin / K - (0.5 * (betaMax - betaMin) * (2 * k - 1)) / (K * K));
  }
  return checkBetas(betas, 'vpBetaSchedule');
}

/**
 * Betas spaced evenly from `start` to `end` (inclusive), as `np.linspace(start, end, K)`.
 * With K = 1 the single β is `start`. Note: at K = 5 the defaults leave ᾱ_{K−1} ≈ 0.95, i.e.
 * almost no noise at the end of the chain, so this schedule suits large K only.
 *
 * @param K - number of diffusion steps (positive integer).
 * @param options - first and last β.
 * @returns a new `Float64Array` of K betas.
 * @throws {@link ConfigError} when K is not a positive integer, an option is not finite, or a β falls outside (0, 1).
 */
export function linearBetaSchedule(K: number, options: LinearScheduleOptions = {}): Float64Array {
  checkSteps(K, 'linearBetaSchedule');
  const start = options.start ?? 1e-4;
  const end = options.end ?? 2e-2;
  checkFinite(start, 'start', 'linearBetaSchedule');
  checkFinite(end, 'end', 'linearBetaSchedule');
  const betas = new Float64Array(K);
  if (K === 1) {
    betas[0] = start;
  } else {
    const step = (end - start) / (K - 1);
    for (let i = 0; i < K; i++) betas[i] = start + i * step;
    betas[K - 1] = end; // exact end point, as numpy's linspace
  }
  return checkBetas(betas, 'linearBetaSchedule');
}

/**
 * The cosine schedule of Nichol & Dhariwal 2021 (https://openreview.net/forum?id=-NEXDKk8gZ):
 *
 *   f(i) = cos²(((i/K + s)/(1 + s)) · π/2),  ᾱ(i) = f(i)/f(0),  i = 0..K,
 *   β_i = min(1 − ᾱ(i+1)/ᾱ(i), maxBeta),  i = 0..K−1  (also clipped below at 0).
 *
 * @param K - number of diffusion steps (positive integer).
 * @param options - offset s and the upper clip of β.
 * @returns a new `Float64Array` of K betas.
 * @throws {@link ConfigError} when K is not a positive integer, an option is not finite, or a β falls outside (0, 1).
 */
export function cosineBetaSchedule(K: number, options: CosineScheduleOptions = {}): Float64Array {
  checkSteps(K, 'cosineBetaSchedule');
  const s = options.s ?? 0.008;
  const maxBeta = options.maxBeta ?? 0.999;
  checkFinite(s, 's', 'cosineBetaSchedule');
  checkFinite(maxBeta, 'maxBeta', 'cosineBetaSchedule');
  const f = (i: number): number => Math.cos((((i / K + s) / (1 + s)) * Math.PI) / 2) ** 2;
  const f0 = f(0);
  const betas = new Float64Array(K);
  let prev = 1; // ᾱ(0) = f(0)/f(0)
  for (let i = 0; i < K; i++) {
    const next = f(i + 1) / f0;
    betas[i] = Math.min(Math.max(1 - next / prev, 0), maxBeta);
    prev = next;
  }
  return checkBetas(betas, 'cosineBetaSchedule');
}

/**
 * The β schedule called `name`, with its default options (as the `beta_schedule` argument of
 * Diffusion-QL, whose default is `'vp'`).
 *
 * @param name - `'vp'`, `'linear'` or `'cosine'`.
 * @param K - number of diffusion steps (positive integer).
 * @returns a new `Float64Array` of K betas.
 * @throws {@link ConfigError} for an unknown name or an invalid K.
 */
export function betaSchedule(name: BetaScheduleName, K: number): Float64Array {
  switch (name) {
    case 'vp':
      return vpBetaSchedule(K);
    case 'linear':
      return linearBetaSchedule(K);
    case 'cosine':
      return cosineBetaSchedule(K);
    default: {
      const unknown: never = name;
      throw new ConfigError(
        `Unknown beta schedule ${JSON.stringify(unknown)}; expected one of ${BETA_SCHEDULE_NAMES.map((n) => `'${n}'`).join(', ')}. ` +
          "Use 'vp' for Diffusion-QL's default.",
      );
    }
  }
}

function checkBetas(betas: Float64Array, fn: string): Float64Array {
  for (let i = 0; i < betas.length; i++) {
    const b = betas[i];
    if (!(b > 0 && b < 1)) {
      throw new ConfigError(
        `${fn}: every beta must lie in (0, 1), but beta[${i}] = ${String(b)}. ` +
          'Check the schedule options (a beta of 0 makes the posterior undefined at that step; a beta of 1 destroys the signal).',
      );
    }
  }
  return betas;
}

/**
 * Every per-step constant of a DDPM with betas β_0..β_{K−1}, named after the DDPM notation
 * (and the Diffusion-QL buffers of the same snake_case names). All arrays have K entries;
 * index k is the diffusion step fed to the network. ᾱ_{−1} := 1.
 *
 * The arrays are owned by this object; treat them as read-only.
 */
export interface DiffusionCoefficients {
  /** Number of diffusion steps K. */
  readonly steps: number;
  /** β_k, the forward-process variance of step k. */
  readonly betas: Float64Array;
  /** α_k = 1 − β_k. */
  readonly alphas: Float64Array;
  /** ᾱ_k = ∏_{i≤k} α_i. */
  readonly alphasCumprod: Float64Array;
  /** ᾱ_{k−1}, with ᾱ_{−1} = 1 (so entry 0 is 1). */
  readonly alphasCumprodPrev: Float64Array;
  /** √ᾱ_k: the weight of x_0 in q(x_k | x_0), x_k = √ᾱ_k·x_0 + √(1−ᾱ_k)·ε. */
  readonly sqrtAlphasCumprod: Float64Array;
  /** √(1 − ᾱ_k): the weight of ε in q(x_k | x_0). */
  readonly sqrtOneMinusAlphasCumprod: Float64Array;
  /** ln(1 − ᾱ_k). */
  readonly logOneMinusAlphasCumprod: Float64Array;
  /** √(1/ᾱ_k): the weight of x_k in x̂_0 = √(1/ᾱ_k)·x_k − √(1/ᾱ_k − 1)·ε̂. */
  readonly sqrtRecipAlphasCumprod: Float64Array;
  /** √(1/ᾱ_k − 1): the weight of ε̂ in x̂_0 (see {@link DiffusionCoefficients.sqrtRecipAlphasCumprod}). */
  readonly sqrtRecipM1AlphasCumprod: Float64Array;
  /** β̃_k = β_k(1 − ᾱ_{k−1})/(1 − ᾱ_k), the variance of q(x_{k−1} | x_k, x_0); exactly 0 at k = 0. */
  readonly posteriorVariance: Float64Array;
  /**
   * ln(max(β̃_k, 1e−20)). The clip keeps the log finite at k = 0, where β̃_0 = 0 (entry 0 is
   * ln 1e−20 ≈ −46.05); the sampler adds no noise at k = 0 anyway.
   */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** coef1_k = β_k·√ᾱ_{k−1}/(1 − ᾱ_k): the weight of x̂_0 in the posterior mean μ̃_k. */
  readonly posteriorMeanCoef1: Float64Array;
  /** coef2_k = (1 − ᾱ_{k−1})·√α_k/(1 − ᾱ_k): the weight of x_k in the posterior mean μ̃_k. */
  readonly posteriorMeanCoef2: Float64Array;
}

/** Lower clip of the posterior variance before its log (as in Diffusion-QL / DDPM). */
export const POSTERIOR_VARIANCE_FLOOR = 1e-20;

/**
 * Computes every DDPM constant once from a β schedule (see {@link DiffusionCoefficients} for
 * each formula).
 *
 * @example
 * ```ts
 * const c = diffusionCoefficients(betaSchedule('vp', 5));
 * c.alphasCumprod[4]; // ≈ 0.006409
 * ```
 * @param betas - β_0..β_{K−1}, each in (0, 1); e.g. the output of {@link betaSchedule}.
 * @returns new arrays (the input is copied, not kept).
 * @throws {@link ConfigError} when `betas` is empty or has an entry outside (0, 1).
 */
export function diffusionCoefficients(betas: ArrayLike<number>): DiffusionCoefficients {
  const K = betas.length;
  if (K < 1) {
    throw new ConfigError(
      'diffusionCoefficients: expected at least one beta, received an empty array. Build the betas with betaSchedule(name, K).',
    );
  }
  const b = checkBetas(Float64Array.from(betas), 'diffusionCoefficients');
  const make = (): Float64Array => new Float64Array(K);
  const alphas = make();
  const alphasCumprod = make();
  const alphasCumprodPrev = make();
  const sqrtAlphasCumprod = make();
  const sqrtOneMinusAlphasCumprod = make();
  const logOneMinusAlphasCumprod = make();
  const sqrtRecipAlphasCumprod = make();
  const sqrtRecipM1AlphasCumprod = make();
  const posteriorVariance = make();
  const posteriorLogVarianceClipped = make();
  const posteriorMeanCoef1 = make();
  const posteriorMeanCoef2 = make();

  let cumprod = 1;
  for (let k = 0; k < K; k++) {
    const beta = b[k];
    const alpha = 1 - beta;
    const prev = cumprod; // ᾱ_{k−1}
    cumprod *= alpha; // ᾱ_k
    alphas[k] = alpha;
    alphasCumprod[k] = cumprod;
    alphasCumprodPrev[k] = prev;
    sqrtAlphasCumprod[k] = Math.sqrt(cumprod);
    sqrtOneMinusAlphasCumprod[k] = Math.sqrt(1 - cumprod);
    logOneMinusAlphasCumprod[k] = Math.log(1 - cumprod);
    sqrtRecipAlphasCumprod[k] = Math.sqrt(1 / cumprod);
    sqrtRecipM1AlphasCumprod[k] = Math.sqrt(1 / cumprod - 1);
    const variance = (beta * (1 - prev)) / (1 - cumprod);
    posteriorVariance[k] = variance;
    posteriorLogVarianceClipped[k] = Math.log(Math.max(variance, POSTERIOR_VARIANCE_FLOOR));
    posteriorMeanCoef1[k] = (beta * Math.sqrt(prev)) / (1 - cumprod);
    posteriorMeanCoef2[k] = ((1 - prev) * Math.sqrt(alpha)) / (1 - cumprod);
  }
  return {
    steps: K,
    betas: b,
    alphas,
    alphasCumprod,
    alphasCumprodPrev,
    sqrtAlphasCumprod,
    sqrtOneMinusAlphasCumprod,
    logOneMinusAlphasCumprod,
    sqrtRecipAlphasCumprod,
    sqrtRecipM1AlphasCumprod,
    posteriorVariance,
    posteriorLogVarianceClipped,
    posteriorMeanCoef1,
    posteriorMeanCoef2,
  };
}
