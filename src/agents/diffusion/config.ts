/**
 * The configuration fields of a Diffusion-QL-style diffusion policy and its twin critics, with
 * their defaults (the official code's hopper-medium-replay settings; see
 * `docs/algorithms/diffusion-ql.md`, "Defaults and presets") and validation rules. `DiffusionQLConfig`
 * (and so `LLMDPDConfig`) is these fields plus the task conditioner's.
 *
 * @module
 */
import type { BetaScheduleName } from '../../nets/schedules.js';
import type { FieldRule } from '../common/config.js';
import { SCALER_DEFAULTS, SCALER_RULES, type ScalerConfig } from '../common/scalers.js';
import { DEEP_ACTOR_CRITIC_FIELDS, TEMPORAL_DIFFERENCE_FIELDS, TRAINING_FIELDS } from '../common/config-fields.js';
import type { DeepActorCriticConfig, TemporalDifferenceConfig, TrainingConfig } from '../common/config-fields.js';

/**
 * The fields of a Diffusion-QL-style agent, with the training, temporal-difference and actor and
 * critic width fields (`common/config-fields.ts`: τ moves the target critics every step,
 * `hiddenDims` are the noise network's trunk, x̂0 and sampled actions are clipped to
 * [−maxAction, maxAction]) and the scalers (`common/scalers.ts`; none by default).
 * JSON-serialisable; saved with every checkpoint.
 */
export interface DiffusionPolicyConfig
  extends ScalerConfig, TrainingConfig, TemporalDifferenceConfig, DeepActorCriticConfig {
  /**
   * Weight η of the Q term in the actor loss (per-dataset values in the presets,
   * `DiffusionQLAgent.preset`). @defaultValue 1.0
   */
  readonly eta: number;
  /**
   * Global-norm gradient clip for actor and critic; 0 disables. The official code tunes it per
   * dataset (1.0 for walker2d-medium, 2.0 for halfcheetah-medium-replay, 9.0 for
   * hopper-medium, ...): use `DiffusionQLAgent.preset(dataset)`. @defaultValue 4.0 (hopper- and
   * walker2d-medium-replay)
   */
  readonly gradientClipNorm: number;
  /**
   * Max-Q backup (the official code's AntMaze option): the target takes, per critic, the max
   * over `maxQBackupSamples` EMA-actor actions at s′, then the min over critics. @defaultValue false
   */
  readonly maxQBackup: boolean;
  /** Actions sampled per next state by the max-Q backup. @defaultValue 10 */
  readonly maxQBackupSamples: number;
  /** Diffusion steps K. @defaultValue 5 */
  readonly diffusionSteps: number;
  /** Noise schedule. @defaultValue `'vp'` */
  readonly betaSchedule: BetaScheduleName;
  /** Sinusoidal step-embedding width. @defaultValue 16 */
  readonly timeEmbeddingDim: number;
  /** EMA decay of the target actor. @defaultValue 0.995 */
  readonly emaDecay: number;
  /** First step at which the EMA actor moves (it stays at the initial weights before). @defaultValue 1000 */
  readonly emaStartStep: number;
  /** The EMA actor moves every this many steps. @defaultValue 5 */
  readonly emaEvery: number;
  /** Candidate actions sampled per state by `act`, ranked by softmax over min target Q. @defaultValue 50 */
  readonly actionCandidates: number;
  /**
   * Temperature of that softmax; 0 picks the best candidate. Diffusion-QL uses 1, which is close
   * to greedy when Q values are in the tens or hundreds (D4RL) but close to a uniform pick when
   * they differ by less than one (short or low-reward tasks). @defaultValue 1
   */
  readonly actionTemperature: number;
}

/** Defaults of every optional field (Diffusion-QL's hopper-medium-replay settings). */
export const DIFFUSION_POLICY_DEFAULTS: Readonly<Omit<DiffusionPolicyConfig, 'observationDim' | 'actionDim'>> =
  Object.freeze({
    ...TRAINING_FIELDS.defaults,
    ...TEMPORAL_DIFFERENCE_FIELDS.defaults,
    ...DEEP_ACTOR_CRITIC_FIELDS.defaults,
    eta: 1.0,
    gradientClipNorm: 4.0,
    maxQBackup: false,
    maxQBackupSamples: 10,
    diffusionSteps: 5,
    betaSchedule: 'vp',
    timeEmbeddingDim: 16,
    emaDecay: 0.995,
    emaStartStep: 1000,
    emaEvery: 5,
    actionCandidates: 50,
    actionTemperature: 1,
    ...SCALER_DEFAULTS,
  });

/** Validation rules of {@link DiffusionPolicyConfig}'s fields. */
export const DIFFUSION_POLICY_RULES: Readonly<Record<keyof DiffusionPolicyConfig, FieldRule>> = Object.freeze({
  ...TRAINING_FIELDS.rules,
  ...TEMPORAL_DIFFERENCE_FIELDS.rules,
  ...DEEP_ACTOR_CRITIC_FIELDS.rules,
  eta: 'nonNegative',
  gradientClipNorm: 'nonNegative',
  maxQBackup: 'boolean',
  maxQBackupSamples: 'positiveInt',
  diffusionSteps: 'positiveInt',
  betaSchedule: ['vp', 'linear', 'cosine'],
  timeEmbeddingDim: 'evenPositiveInt',
  emaDecay: 'unit',
  emaStartStep: 'nonNegativeInt',
  emaEvery: 'positiveInt',
  actionCandidates: 'positiveInt',
  actionTemperature: 'nonNegative',
  ...SCALER_RULES,
});
