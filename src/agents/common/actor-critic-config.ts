/**
 * The configuration fields every offline actor-critic on the scaffold shares (IQL, TD3+BC), with
 * their defaults and validation rules. An agent's own config interface extends
 * {@link ActorCriticConfig} with its algorithm's fields; its defaults and rules spread
 * {@link ACTOR_CRITIC_DEFAULTS} and {@link ACTOR_CRITIC_RULES} and override what differs, and
 * `resolveAgentConfig` (`agent-config.ts`) resolves, validates and freezes it.
 *
 * The defaults are CORL's for IQL and TD3+BC on D4RL locomotion: 2×256 ReLU networks, Adam 3e-4,
 * batch 256, γ 0.99, Polyak τ 0.005, observations standardised with the data's statistics
 * (the `observationScaler` `{ kind: 'standard' }`, as BC's; `scalers.ts`).
 *
 * @module
 */
import { CRITIC_CONDITIONING_OPTIONS, type CriticConditioning } from '../conditioning/config.js';
import type { AgentRules, ConditionedAgentConfig } from './agent-config.js';
import {
  MLP_POLICY_FIELDS,
  STANDARDISED_OBSERVATIONS,
  TEMPORAL_DIFFERENCE_FIELDS,
  TRAINING_FIELDS,
} from './config-fields.js';
import type { MlpPolicyConfig, TemporalDifferenceConfig, TrainingConfig } from './config-fields.js';

/**
 * Fields every offline actor-critic on the scaffold has (`config-fields.ts`: training, temporal
 * difference and MLP fields). JSON-serialisable.
 */
export interface ActorCriticConfig
  extends ConditionedAgentConfig, TrainingConfig, TemporalDifferenceConfig, MlpPolicyConfig {
  /** What the critics see of the condition (the agent's own default). */
  readonly criticConditioning: CriticConditioning;
}

/** Defaults of the shared fields (CORL's IQL and TD3+BC); each agent sets `criticConditioning`. */
export const ACTOR_CRITIC_DEFAULTS: Readonly<
  Omit<ActorCriticConfig, 'observationDim' | 'actionDim' | 'criticConditioning'>
> = Object.freeze({
  ...TRAINING_FIELDS.defaults,
  ...TEMPORAL_DIFFERENCE_FIELDS.defaults,
  ...MLP_POLICY_FIELDS.defaults,
  // CORL standardises observations for IQL and TD3+BC: (s − μ)/(σ + 1e-3), statistics saved with the agent.
  ...STANDARDISED_OBSERVATIONS,
  conditioner: Object.freeze({ kind: 'none' }),
});

/** Validation rules of the shared fields. */
export const ACTOR_CRITIC_RULES: AgentRules<ActorCriticConfig> = Object.freeze({
  ...TRAINING_FIELDS.rules,
  ...TEMPORAL_DIFFERENCE_FIELDS.rules,
  ...MLP_POLICY_FIELDS.rules,
  criticConditioning: CRITIC_CONDITIONING_OPTIONS,
});
