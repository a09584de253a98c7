/**
 * The config plumbing every conditioned agent shares: its options type (widths, any field to
 * override, the conditioner in short form), its dependencies (objects it uses but does not
 * save), and one resolver that fills the conditioner and the defaults, validates every field
 * against the agent's rules (unknown fields rejected with the closest names) and freezes the
 * result. An agent file then declares only its config interface, defaults and rules.
 *
 * @module
 */
import type { TextEncoder } from '../../encoders/text/text-encoder.js';
import { type ConditionerConfig, type ConditionerOptions, resolveConditionerConfig } from '../conditioning/config.js';
import { textEncoderFor } from '../conditioning/prompts.js';
import { type FieldRule, validateConfig } from './config.js';
import { resolveScalerConfig, SCALER_RULES, type ScalerConfig } from './scalers.js';

/** The fields every agent config has: widths, scalers (`scalers.ts`) and the task conditioner. */
export interface ConditionedAgentConfig extends ScalerConfig {
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
  /** The task conditioner. */
  readonly conditioner: ConditionerConfig;
}

/** What an agent's constructor takes: the widths, any field to override, the conditioner in short form. */
export type AgentOptions<C extends ConditionedAgentConfig> = Pick<C, 'observationDim' | 'actionDim'> &
  Partial<Omit<C, 'conditioner'>> & {
    /** The task conditioner: its kind plus any fields to override. @defaultValue `{ kind: 'none' }` */
    readonly conditioner?: ConditionerOptions;
  };

/** Objects an agent uses but does not serialise. */
export interface AgentDependencies {
  /** The frozen text encoder of a `prompts` conditioner. @defaultValue a `HashedNgramTextEncoder` (not an LLM) */
  readonly textEncoder?: TextEncoder;
}

/** The validation rules of an agent's own fields (the conditioner and the scalers are checked by their own resolvers). */
export type AgentRules<C extends ConditionedAgentConfig> = Readonly<
  Record<Exclude<keyof C, 'conditioner' | keyof ScalerConfig>, FieldRule>
>;

const CONDITIONER_RULE: FieldRule = {
  check: (v) => v !== null && typeof v === 'object',
  description: 'an object { kind, ... }',
};

/**
 * Resolves an agent's options: the conditioner (with the text encoder's width for `prompts`),
 * the scalers (their own defaults filled), then `defaults`, then validation of every field by
 * `rules`; arrays are copied and frozen.
 * @param name - the config's name in messages, e.g. `'BCConfig'`.
 * @throws {@link ConfigError} naming the field, the value and what it must be.
 */
export function resolveAgentConfig<C extends ConditionedAgentConfig>(
  name: string,
  defaults: Readonly<Omit<C, 'observationDim' | 'actionDim'>>,
  rules: AgentRules<C>,
  options: AgentOptions<C>,
  textEmbeddingDim?: number,
): C {
  const conditioner = resolveConditionerConfig(options.conditioner, textEmbeddingDim);
  const scalers = resolveScalerConfig(name, options, defaults);
  const config = { ...defaults, ...options, ...scalers, conditioner } as unknown as Record<string, unknown>;
  validateConfig(name, config, { ...rules, ...SCALER_RULES, conditioner: CONDITIONER_RULE });
  for (const [key, value] of Object.entries(config))
    if (Array.isArray(value)) config[key] = Object.freeze([...(value as unknown[])]);
  return Object.freeze(config) as unknown as C;
}

/** An agent's resolved config and the text encoder of its `prompts` conditioner. */
export interface ResolvedAgentOptions<C> {
  /** The resolved, validated, frozen config. */
  readonly config: C;
  /** The text encoder a `prompts` conditioner uses; undefined for other conditioners. */
  readonly textEncoder: TextEncoder | undefined;
}

/**
 * What every agent's constructor does first: picks the text encoder of a `prompts` conditioner
 * (the one in `dependencies`, else the zero-download default) and resolves `options` with its
 * dimension.
 * @param resolve - the agent's `resolveXConfig`.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveWithTextEncoder<O extends { readonly conditioner?: { readonly kind?: string } }, C>(
  resolve: (options: O, textEmbeddingDim?: number) => C,
  options: O,
  dependencies: AgentDependencies,
): ResolvedAgentOptions<C> {
  const textEncoder = textEncoderFor(options.conditioner, dependencies.textEncoder);
  return { config: resolve(options, textEncoder?.dimension), textEncoder };
}
