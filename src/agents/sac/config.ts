/**
 * The configuration fields every soft actor-critic agent has (SAC-N, CQL): sizes, optimisation,
 * the automatic temperature, the task conditioner and the scalers (`common/scalers.ts`), with
 * SAC's defaults (CORL's SAC-N values with twin critics). An agent's config extends
 * {@link SoftActorCriticConfig} with its own fields, overrides the defaults that differ, and
 * resolves through {@link resolveSoftActorCriticConfig} with its own rules, which fills
 * H̄ = −actionDim and hands the rest to `resolveAgentConfig` (`common/agent-config.ts`).
 *
 * @module
 */
import {
  type AgentDependencies,
  type AgentOptions,
  type AgentRules,
  type ConditionedAgentConfig,
  resolveAgentConfig,
} from '../common/agent-config.js';
import type { CustomRule } from '../common/config.js';
import { SCALER_DEFAULTS } from '../common/scalers.js';
import { DEEP_ACTOR_CRITIC_FIELDS, TEMPORAL_DIFFERENCE_FIELDS, TRAINING_FIELDS } from '../common/config-fields.js';
import type { DeepActorCriticConfig, TemporalDifferenceConfig, TrainingConfig } from '../common/config-fields.js';

/** What the critics of a soft actor-critic see of the condition (it has no EMA copy of its conditioner). */
export type SoftCriticConditioning = 'none' | 'online-detached';

/**
 * The fields every soft actor-critic agent has: the training, temporal-difference and actor and
 * critic width fields (`common/config-fields.ts`: CQL's actor learning rate defaults to 3e-5,
 * the networks are ReLU MLPs, actions are maxAction · tanh(u)), the task conditioner and the
 * scalers, plus SAC's own. JSON-serialisable.
 */
export interface SoftActorCriticConfig
  extends ConditionedAgentConfig, TrainingConfig, TemporalDifferenceConfig, DeepActorCriticConfig {
  /** The target critics move every this many steps. @defaultValue 1 */
  readonly targetUpdateEvery: number;
  /**
   * Number of critics N; targets and the actor loss take the minimum over all N. 2 is plain SAC.
   * @defaultValue 2 (SAC-N: 10)
   */
  readonly criticCount: number;
  /** Learn the temperature α (automatic entropy tuning); false keeps α = initialTemperature. @defaultValue true */
  readonly automaticTemperature: boolean;
  /** α at the start (log α starts at its log). @defaultValue 1 */
  readonly initialTemperature: number;
  /** Adam learning rate of log α. @defaultValue 3e-4 (CQL: 3e-5, its actor's) */
  readonly temperatureLearningRate: number;
  /** Target entropy H̄ of the temperature loss. @defaultValue −actionDim */
  readonly targetEntropy: number;
  /** What the critics see of the condition: nothing, or sg(c) from the conditioner being trained. @defaultValue `'online-detached'` */
  readonly criticConditioning: SoftCriticConditioning;
}

/** SAC's defaults: CORL's SAC-N values with twin critics. `targetEntropy` defaults to −actionDim. */
export const SOFT_ACTOR_CRITIC_DEFAULTS: Readonly<
  Omit<SoftActorCriticConfig, 'observationDim' | 'actionDim' | 'targetEntropy'>
> = Object.freeze({
  ...TRAINING_FIELDS.defaults,
  ...TEMPORAL_DIFFERENCE_FIELDS.defaults,
  ...DEEP_ACTOR_CRITIC_FIELDS.defaults,
  targetUpdateEvery: 1,
  criticCount: 2,
  automaticTemperature: true,
  initialTemperature: 1,
  temperatureLearningRate: 3e-4,
  conditioner: Object.freeze({ kind: 'none' }),
  criticConditioning: 'online-detached',
  ...SCALER_DEFAULTS,
});

const FINITE: CustomRule = {
  check: (v) => typeof v === 'number' && Number.isFinite(v),
  description: 'a finite number',
};

/** Validation rules of the shared fields (the conditioner and the scalers are checked by their own resolvers). */
export const SOFT_ACTOR_CRITIC_RULES: AgentRules<SoftActorCriticConfig> = Object.freeze({
  ...TRAINING_FIELDS.rules,
  ...TEMPORAL_DIFFERENCE_FIELDS.rules,
  criticCount: 'positiveInt',
  ...DEEP_ACTOR_CRITIC_FIELDS.rules,
  targetUpdateEvery: 'positiveInt',
  automaticTemperature: 'boolean',
  initialTemperature: 'positive',
  temperatureLearningRate: 'positive',
  targetEntropy: FINITE,
  criticConditioning: ['none', 'online-detached'],
});

/** The options an agent's constructor takes: the dimensions, plus any field to override. */
export type SoftActorCriticOptions<C extends SoftActorCriticConfig> = AgentOptions<C>;

/** Objects a soft actor-critic agent uses but does not serialise (the text encoder of a `prompts` conditioner). */
export type SoftActorCriticDependencies = AgentDependencies;

/**
 * Fills H̄ = −actionDim unless given, then the agent's defaults, and validates every field
 * (`resolveAgentConfig`: the conditioner, the scalers, frozen arrays).
 * @param name - the config's type name, for messages (e.g. `'CQLConfig'`).
 * @param textEmbeddingDim - the text encoder's dimension, for a `prompts` conditioner.
 * @param rules - one rule per field but the conditioner and the scalers. @defaultValue {@link SOFT_ACTOR_CRITIC_RULES}
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveSoftActorCriticConfig<C extends SoftActorCriticConfig>(
  name: string,
  defaults: Readonly<Omit<C, 'observationDim' | 'actionDim' | 'targetEntropy'>>,
  options: SoftActorCriticOptions<C>,
  textEmbeddingDim?: number,
  rules: AgentRules<C> = SOFT_ACTOR_CRITIC_RULES as AgentRules<C>,
): C {
  const targetEntropy = -options.actionDim;
  const withEntropy = { ...defaults, targetEntropy } as unknown as Readonly<Omit<C, 'observationDim' | 'actionDim'>>;
  return resolveAgentConfig<C>(name, withEntropy, rules, options, textEmbeddingDim);
}
