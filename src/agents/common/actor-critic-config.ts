/**
 * The configuration fields every offline actor-critic on the scaffold shares (IQL, TD3+BC), with
 * their defaults and validation rules, and one function that turns an agent's options into its
 * resolved, validated and frozen config. An agent's own config interface extends
 * {@link ActorCriticConfig} with its algorithm's fields; its defaults and rules spread
 * {@link ACTOR_CRITIC_DEFAULTS} and {@link ACTOR_CRITIC_RULES} and override what differs.
 *
 * The defaults are CORL's for IQL and TD3+BC on D4RL locomotion: 2×256 ReLU networks, Adam 3e-4,
 * batch 256, γ 0.99, Polyak τ 0.005, observations normalised with the data's statistics.
 *
 * @module
 */
import type { TextEncoder } from '../../encoders/text/text-encoder.js';
import {
  type ConditionerConfig,
  type ConditionerOptions,
  CRITIC_CONDITIONING_OPTIONS,
  type CriticConditioning,
  resolveConditionerConfig,
} from '../conditioning/config.js';
import { type CustomRule, type FieldRule, validateConfig } from './config.js';

/** Fields every offline actor-critic on the scaffold has. JSON-serialisable. */
export interface ActorCriticConfig {
  /** Observation width S (required). */
  readonly observationDim: number;
  /** Action width A (required). */
  readonly actionDim: number;
  /** Seed of every random stream. @defaultValue 0 */
  readonly seed: number;
  /** Transitions per gradient step. @defaultValue 256 */
  readonly batchSize: number;
  /** Discount γ. @defaultValue 0.99 */
  readonly discount: number;
  /** Polyak rate τ of the target networks. @defaultValue 0.005 */
  readonly tau: number;
  /** Adam learning rate of the actor (and the conditioner, which trains with it). @defaultValue 3e-4 */
  readonly actorLearningRate: number;
  /** Adam learning rate of the critics. @defaultValue 3e-4 */
  readonly criticLearningRate: number;
  /** Hidden widths of every network (actor, critics, value). @defaultValue [256, 256] */
  readonly hiddenDims: readonly number[];
  /** Hidden activation. @defaultValue `'relu'` */
  readonly activation: 'relu' | 'mish';
  /** Action bound: actions lie in [−maxAction, maxAction]. @defaultValue 1 */
  readonly maxAction: number;
  /** Global-norm gradient clip of every optimiser; 0 disables. @defaultValue 0 */
  readonly gradientClipNorm: number;
  /** Normalise observations with the training data's statistics, (s − μ)/(σ + 1e-3). @defaultValue true */
  readonly normalizeObservations: boolean;
  /** The task conditioner (`docs/algorithms/conditioning.md`). @defaultValue `{ kind: 'none' }` */
  readonly conditioner: ConditionerConfig;
  /** What the critics see of the condition (the agent's own default). */
  readonly criticConditioning: CriticConditioning;
}

/** Defaults of the shared fields (CORL's IQL and TD3+BC); each agent sets `criticConditioning`. */
export const ACTOR_CRITIC_DEFAULTS: Readonly<
  Omit<ActorCriticConfig, 'observationDim' | 'actionDim' | 'criticConditioning'>
> = Object.freeze({
  seed: 0,
  batchSize: 256,
  discount: 0.99,
  tau: 0.005,
  actorLearningRate: 3e-4,
  criticLearningRate: 3e-4,
  hiddenDims: Object.freeze([256, 256]),
  activation: 'relu',
  maxAction: 1,
  gradientClipNorm: 0,
  normalizeObservations: true,
  conditioner: Object.freeze({ kind: 'none' }),
});

/** The conditioner field's rule (its fields are validated by `resolveConditionerConfig`). */
export const CONDITIONER_RULE: CustomRule = {
  check: (v) => v !== null && typeof v === 'object',
  description: "an object { kind: 'none' | 'task-id' | 'features' | 'prompts', ... }",
};

/** Validation rules of the shared fields. */
export const ACTOR_CRITIC_RULES: Readonly<Record<keyof ActorCriticConfig, FieldRule>> = Object.freeze({
  observationDim: 'positiveInt',
  actionDim: 'positiveInt',
  seed: 'int',
  batchSize: 'positiveInt',
  discount: 'unit',
  tau: 'unit',
  actorLearningRate: 'positive',
  criticLearningRate: 'positive',
  hiddenDims: 'dims',
  activation: ['relu', 'mish'],
  maxAction: 'positive',
  gradientClipNorm: 'nonNegative',
  normalizeObservations: 'boolean',
  conditioner: CONDITIONER_RULE,
  criticConditioning: CRITIC_CONDITIONING_OPTIONS,
});

/** What `new XAgent(options)` takes: the dimensions, plus any field to override. */
export type ActorCriticOptions<C extends ActorCriticConfig> = Pick<C, 'observationDim' | 'actionDim'> &
  Partial<Omit<C, 'conditioner'>> & {
    /** The task conditioner: its kind plus any fields to override. @defaultValue `{ kind: 'none' }` */
    readonly conditioner?: ConditionerOptions;
  };

/** Objects an agent uses but does not serialise. */
export interface AgentDependencies {
  /** The frozen text encoder of a `prompts` conditioner. @defaultValue a `HashedNgramTextEncoder` (not an LLM) */
  readonly textEncoder?: TextEncoder;
}

/**
 * Fills `defaults` into `options`, resolves the conditioner, validates every field against
 * `rules` (unknown fields rejected) and freezes the result, arrays included.
 * @param what - the config's name in messages, e.g. `'IQLConfig'`.
 * @param textEmbeddingDim - the text encoder's dimension, for a `prompts` conditioner.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveActorCriticConfig<C extends ActorCriticConfig>(
  what: string,
  defaults: Readonly<Omit<C, 'observationDim' | 'actionDim'>>,
  rules: Readonly<Record<keyof C, FieldRule>>,
  options: ActorCriticOptions<C>,
  textEmbeddingDim?: number,
): C {
  const conditioner = resolveConditionerConfig(options.conditioner, textEmbeddingDim);
  const config = { ...defaults, ...options, conditioner } as Record<string, unknown>;
  validateConfig(what, config, rules);
  for (const [key, value] of Object.entries(config))
    if (Array.isArray(value)) config[key] = Object.freeze([...(value as unknown[])]);
  return Object.freeze(config) as unknown as C;
}
