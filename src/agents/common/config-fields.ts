/**
 * The groups of config fields that several agents' configs share, each with its defaults and
 * validation rules in one place ({@link FieldGroup}), so that an agent's config interface extends
 * the groups it has and its defaults and rules spread theirs (overriding what differs):
 *
 * - {@link TrainingConfig}: widths, seed and batch size (every agent);
 * - {@link TemporalDifferenceConfig}: discount, Polyak rate and the actor's and critics' learning
 *   rates (every agent with critics: Diffusion-QL, the soft actor-critics, IQL, TD3+BC);
 * - {@link MlpPolicyConfig}: the MLP's widths and activation, the action bound and the gradient
 *   clip of CORL's BC, IQL and TD3+BC;
 * - {@link DeepActorCriticConfig}: the separate 3×256 actor and critic widths and the action
 *   bound of Diffusion-QL's official code and CORL's SAC-N and CQL;
 * - {@link STANDARDISED_OBSERVATIONS}: the scalers' defaults with observations standardised,
 *   (s − μ)/(σ + 1e-3), as CORL does for BC, IQL, TD3+BC and CQL (`scalers.ts`).
 *
 * The values are CORL's (and the official Diffusion-QL code's, which agrees on these): batch
 * 256, γ 0.99, τ 0.005, Adam 3e-4.
 *
 * @module
 */
import type { FieldRule } from './config.js';
import { SCALER_DEFAULTS, SCALER_EPSILON } from './scalers.js';

/** A group of config fields: the default of each field that has one, and a rule for each field. */
export interface FieldGroup<F, Defaulted extends keyof F = keyof F> {
  /** The default of each field that has one. */
  readonly defaults: Readonly<Pick<F, Defaulted>>;
  /** The validation rule of each field. */
  readonly rules: Readonly<Record<keyof F, FieldRule>>;
}

/** The widths, seed and batch size every agent's config has. */
export interface TrainingConfig {
  /** Observation width S (required). */
  readonly observationDim: number;
  /** Action width A (required). */
  readonly actionDim: number;
  /** Seed of every random stream (initial weights, batch sampling, update noise, acting). @defaultValue 0 */
  readonly seed: number;
  /** Transitions per gradient step. @defaultValue 256 */
  readonly batchSize: number;
}

/** {@link TrainingConfig}'s defaults and rules. */
export const TRAINING_FIELDS: FieldGroup<TrainingConfig, 'seed' | 'batchSize'> = Object.freeze({
  defaults: Object.freeze({ seed: 0, batchSize: 256 }),
  rules: Object.freeze({
    observationDim: 'positiveInt',
    actionDim: 'positiveInt',
    seed: 'int',
    batchSize: 'positiveInt',
  }),
});

/** The fields of an agent that learns critics by temporal differences. */
export interface TemporalDifferenceConfig {
  /** Discount γ. @defaultValue 0.99 */
  readonly discount: number;
  /** Polyak rate τ of the target networks: θ′ ← τθ + (1 − τ)θ′. @defaultValue 0.005 */
  readonly tau: number;
  /** Adam learning rate of the actor (and the conditioner, which trains with it). @defaultValue 3e-4 */
  readonly actorLearningRate: number;
  /** Adam learning rate of the critics. @defaultValue 3e-4 */
  readonly criticLearningRate: number;
}

/** {@link TemporalDifferenceConfig}'s defaults and rules. */
export const TEMPORAL_DIFFERENCE_FIELDS: FieldGroup<TemporalDifferenceConfig> = Object.freeze({
  defaults: Object.freeze({ discount: 0.99, tau: 0.005, actorLearningRate: 3e-4, criticLearningRate: 3e-4 }),
  rules: Object.freeze({
    discount: 'unit',
    tau: 'unit',
    actorLearningRate: 'positive',
    criticLearningRate: 'positive',
  }),
});

/** The network and optimisation fields of an MLP policy (and of critics of the same widths). */
export interface MlpPolicyConfig {
  /** Hidden widths of every MLP (the policy, and the critics and value network where the agent has them). @defaultValue [256, 256] */
  readonly hiddenDims: readonly number[];
  /** Hidden activation. @defaultValue `'relu'` */
  readonly activation: 'relu' | 'mish';
  /** Action bound: actions lie in [−maxAction, maxAction]. @defaultValue 1 */
  readonly maxAction: number;
  /** Global-norm gradient clip of every optimiser; 0 disables. @defaultValue 0 */
  readonly gradientClipNorm: number;
}

/** {@link MlpPolicyConfig}'s defaults (CORL's 2×256 ReLU) and rules. */
export const MLP_POLICY_FIELDS: FieldGroup<MlpPolicyConfig> = Object.freeze({
  defaults: Object.freeze({
    hiddenDims: Object.freeze([256, 256]),
    activation: 'relu',
    maxAction: 1,
    gradientClipNorm: 0,
  }),
  rules: Object.freeze({
    hiddenDims: 'dims',
    activation: ['relu', 'mish'],
    maxAction: 'positive',
    gradientClipNorm: 'nonNegative',
  }),
});

/** The separate actor and critic widths and the action bound of the deeper actor-critics. */
export interface DeepActorCriticConfig {
  /** Hidden widths of the actor's network (a diffusion policy's noise-network trunk). @defaultValue [256, 256, 256] */
  readonly hiddenDims: readonly number[];
  /** Hidden widths of each critic. @defaultValue [256, 256, 256] */
  readonly criticHiddenDims: readonly number[];
  /** Action bound: actions lie in [−maxAction, maxAction]. @defaultValue 1 */
  readonly maxAction: number;
}

/** {@link DeepActorCriticConfig}'s defaults and rules. */
export const DEEP_ACTOR_CRITIC_FIELDS: FieldGroup<DeepActorCriticConfig> = Object.freeze({
  defaults: Object.freeze({
    hiddenDims: Object.freeze([256, 256, 256]),
    criticHiddenDims: Object.freeze([256, 256, 256]),
    maxAction: 1,
  }),
  rules: Object.freeze({ hiddenDims: 'dims', criticHiddenDims: 'dims', maxAction: 'positive' }),
});

/**
 * The scalers' defaults with observations standardised with the data's statistics,
 * (s − μ)/(σ + 1e-3), saved with the agent (CORL's BC, IQL, TD3+BC and CQL).
 */
export const STANDARDISED_OBSERVATIONS = Object.freeze({
  ...SCALER_DEFAULTS,
  observationScaler: Object.freeze({ kind: 'standard' as const, epsilon: SCALER_EPSILON }),
});
