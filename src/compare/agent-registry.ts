/**
 * The agent classes a comparison spec can name (`"class": "LLMDPD"`), as a registry of
 * factories keyed by class name. Each entry says how to build the agent for a run, how to load
 * it back from a checkpoint (resuming), which config fields a spec may set (with the rules the
 * spec validator and the published JSON Schema use), its named presets, and whether it trains
 * on prompted multi-task data. A new agent joins comparisons with one
 * {@link registerAgentClass} call.
 *
 * @module
 */
import {
  DIFFUSION_POLICY_RULES,
  DiffusionQLAgent,
  LLMDPD_DEFAULTS,
  LLMDPDAgent,
  DIFFUSION_QL_DEFAULTS,
  resolveLLMDPDConfig,
  type BoundPolicy,
  type FieldRule,
  type FitOptions,
  type FitReport,
  type PromptContext,
} from '../agents/index.js';
import { ConfigError, NotFoundError } from '../core/errors.js';
import type { PromptedTaskSource, TransitionSource } from '../core/types.js';
import { HashedNgramTextEncoder } from '../encoders/index.js';

/** What a comparison needs from an agent: the `Agent` interface's training, acting and saving. */
export interface ComparableAgent {
  /** Total gradient steps taken so far (restored by `load`). */
  readonly step: number;
  /** Trains on offline data. */
  fit(data: TransitionSource | PromptedTaskSource, options: FitOptions<never>): Promise<FitReport>;
  /** A policy bound to a task's prompts (ignored by single-task agents). */
  policy(context?: PromptContext): Promise<BoundPolicy>;
  /** Writes a resumable checkpoint to `dir`, atomically. */
  save(dir: string): void;
  /** Frees the agent's tensors. */
  dispose(): void;
}

/** What {@link AgentClass.create} receives: the spec's config (preset merged in) plus the run's sizes and seed. */
export interface AgentBuildOptions {
  /** Observation width of the run's data. */
  readonly observationDim: number;
  /** Action width of the run's data. */
  readonly actionDim: number;
  /** The run's seed. */
  readonly seed: number;
  /** Config fields from the spec (preset first, then the agent's own `config`). */
  readonly config: Readonly<Record<string, unknown>>;
}

/** One registered agent class. */
export interface AgentClass {
  /** The name specs use in `"class"`. */
  readonly name: string;
  /** One line for editors and `--help`. */
  readonly description: string;
  /**
   * True when the agent trains on prompted multi-task data (text and trajectory prompts per
   * task) and acts with a task's prompts; false for single-task agents, which get plain
   * transitions and act without prompts.
   */
  readonly prompted: boolean;
  /** The config fields a spec may set, with their rules (sizes and seed come from the run). */
  readonly configRules: Readonly<Record<string, FieldRule>>;
  /** Defaults of those fields, published in the JSON Schema. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Named partial configs, applied before the spec's own `config`. */
  readonly presets: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Checks rules that involve several fields (after the per-field rules passed).
   * @throws {@link ConfigError} describing the problem.
   */
  checkConfig?(config: Readonly<Record<string, unknown>>): void;
  /** Builds a fresh agent for a run. */
  create(options: AgentBuildOptions): ComparableAgent;
  /** Loads an agent saved by `save` (a run's checkpoint), ready to resume training. */
  load(dir: string): ComparableAgent;
}

const REGISTRY = new Map<string, AgentClass>();

/**
 * Adds an agent class to comparisons (replacing one of the same name).
 * @throws {@link ConfigError} for a name that is not letters, digits, `-` and `_`.
 */
export function registerAgentClass(entry: AgentClass): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(entry.name))
    throw new ConfigError(
      `An agent class name must be letters, digits, '-' and '_', got ${JSON.stringify(entry.name)}.`,
    );
  REGISTRY.set(entry.name, entry);
}

/** The registered class names, in registration order. */
export function agentClassNames(): string[] {
  return [...REGISTRY.keys()];
}

/**
 * The registered class `name`.
 * @throws {@link NotFoundError} naming the registered classes.
 */
export function agentClass(name: string): AgentClass {
  const entry = REGISTRY.get(name);
  if (entry === undefined)
    throw new NotFoundError(
      `No agent class ${JSON.stringify(name)} is registered for comparisons; registered: ${agentClassNames().join(', ')}. Register one with registerAgentClass().`,
    );
  return entry;
}

// ── Built-in classes ─────────────────────────────────────────────────────────────────────────

/** Fields every run sets itself: never in a spec's agent config. */
const RUN_FIELDS = ['observationDim', 'actionDim', 'seed'];

function withoutRunFields<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !RUN_FIELDS.includes(k)));
}

/** Validation rules of LLMDPD's fields beyond the diffusion-policy ones (as `resolveLLMDPDConfig` applies them). */
export const LLMDPD_EXTRA_RULES: Readonly<Record<string, FieldRule>> = Object.freeze({
  useTextPrompt: 'boolean',
  useTrajectoryPrompt: 'boolean',
  textHeadHiddenDims: 'dims',
  textOutputDim: 'positiveInt',
  trajectoryOutputDim: 'positiveInt',
  trajectoryWidth: 'positiveInt',
  trajectoryLayers: 'positiveInt',
  trajectoryHeads: 'positiveInt',
  trajectoryFeedForwardDim: 'positiveInt',
  trajectoryPromptLength: 'positiveInt',
  trajectoryDropout: 'unit',
});

/**
 * The sizes of the built-in demo (`src/cli/demo-job.ts`): Diffusion-QL's architecture scaled to
 * the 4-dim point mass (3×64 Mish, batch 64), for short runs on the built-in suite.
 */
const POINTMASS_SMALL: Readonly<Record<string, unknown>> = Object.freeze({
  batchSize: 64,
  hiddenDims: [64, 64, 64],
  criticHiddenDims: [64, 64, 64],
  actionCandidates: 10,
  emaStartStep: 200,
  actorLearningRate: 1e-3,
  criticLearningRate: 1e-3,
  eta: 1,
  gradientClipNorm: 1,
});

/** A tiny network for tests and smoke runs (2×16, batch 32, 2 diffusion steps). */
const TINY: Readonly<Record<string, unknown>> = Object.freeze({
  batchSize: 32,
  hiddenDims: [16, 16],
  criticHiddenDims: [16, 16],
  diffusionSteps: 2,
  actionCandidates: 4,
  emaStartStep: 10,
});

registerAgentClass({
  name: 'DiffusionQL',
  description: 'Diffusion-QL (Wang et al. 2023): diffusion policy with a Q-learning term; no prompts.',
  prompted: false,
  configRules: withoutRunFields(DIFFUSION_POLICY_RULES),
  defaults: withoutRunFields(DIFFUSION_QL_DEFAULTS),
  presets: { 'pointmass-small': POINTMASS_SMALL, tiny: TINY },
  create: (o) =>
    new DiffusionQLAgent({ ...o.config, observationDim: o.observationDim, actionDim: o.actionDim, seed: o.seed }),
  load: (dir) => DiffusionQLAgent.load(dir),
});

registerAgentClass({
  name: 'LLMDPD',
  description: 'LLMDPD: Diffusion-QL conditioned on text and trajectory prompts (zero-download n-gram text encoder).',
  prompted: true,
  configRules: { ...withoutRunFields(DIFFUSION_POLICY_RULES), ...LLMDPD_EXTRA_RULES },
  defaults: withoutRunFields(LLMDPD_DEFAULTS),
  presets: {
    'pointmass-small': {
      ...POINTMASS_SMALL,
      textHeadHiddenDims: [64],
      textOutputDim: 16,
      trajectoryOutputDim: 16,
      trajectoryWidth: 32,
      trajectoryLayers: 1,
      trajectoryFeedForwardDim: 64,
      trajectoryPromptLength: 10,
    },
    tiny: {
      ...TINY,
      textHeadHiddenDims: [16],
      textOutputDim: 8,
      trajectoryOutputDim: 8,
      trajectoryWidth: 8,
      trajectoryLayers: 1,
      trajectoryFeedForwardDim: 16,
      trajectoryPromptLength: 5,
    },
  },
  checkConfig(config) {
    resolveLLMDPDConfig({
      ...(config as Record<string, never>),
      observationDim: 1,
      actionDim: 1,
      textEmbeddingDim: new HashedNgramTextEncoder().dimension,
    });
  },
  create: (o) =>
    new LLMDPDAgent({ ...o.config, observationDim: o.observationDim, actionDim: o.actionDim, seed: o.seed }),
  load: (dir) => LLMDPDAgent.load(dir),
});
