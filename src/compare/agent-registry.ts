/**
 * The agent classes a comparison spec can name (`"class": "LLMDPD"`), as a registry of
 * factories keyed by class name. Each entry says how to build the agent for a run (with the
 * run's sizes, seed, config and task conditioner), how to load it back from a checkpoint
 * (resuming), which config fields a spec may set (with the rules the spec validator and the
 * published JSON Schema use), its named presets, and which task conditioners it takes. A new
 * agent joins comparisons with one {@link registerAgentClass} call.
 *
 * @module
 */
import {
  BC_DEFAULTS,
  BC_RULES,
  BCAgent,
  CQL_DEFAULTS,
  CQL_RULES,
  CQLAgent,
  IQL_DEFAULTS,
  IQL_RULES,
  IQLAgent,
  resolveCQLConfig,
  resolveIQLConfig,
  resolveSACNConfig,
  resolveTD3BCConfig,
  SAC_N_DEFAULTS,
  SACNAgent,
  SOFT_ACTOR_CRITIC_RULES,
  TD3_BC_DEFAULTS,
  TD3_BC_RULES,
  TD3BCAgent,
  CRITIC_CONDITIONING_OPTIONS,
  DIFFUSION_POLICY_RULES,
  DIFFUSION_QL_DEFAULTS,
  DiffusionQLAgent,
  LLMDPD_DEFAULTS,
  LLMDPDAgent,
  PROMPTS_CONDITIONER_DEFAULTS,
  resolveBCConfig,
  resolveDiffusionQLConfig,
  resolveLLMDPDConfig,
  SCALER_RULES,
  TASK_ID_CONDITIONER_DEFAULTS,
  type BoundPolicy,
  type ConditionerKind,
  type ConditionerOptions,
  type FieldRule,
  type FitOptions,
  type FitReport,
  type TaskContext,
} from '../agents/index.js';
import { ConfigError, NotFoundError } from '../core/errors.js';
import type { TransitionSource } from '../core/types.js';
import { HashedNgramTextEncoder } from '../encoders/index.js';
import { presetDatasets, presetFor } from '../agents/presets/presets.js';

/** What a comparison needs from an agent: the `Agent` interface's training, acting and saving. */
export interface ComparableAgent {
  /** Total gradient steps taken so far (restored by `load`). */
  readonly step: number;
  /** Trains on offline data. */
  fit(data: TransitionSource, options: FitOptions<never>): Promise<FitReport>;
  /** A policy bound to a task's context (prompts, name, features; ignored without a conditioner). */
  policy(context?: TaskContext): Promise<BoundPolicy>;
  /** Writes a resumable checkpoint to `dir`, atomically. */
  save(dir: string): void;
  /** Frees the agent's tensors. */
  dispose(): void;
}

/** What {@link AgentClass.create} receives. */
export interface AgentBuildOptions {
  /** Observation width of the run's data. */
  readonly observationDim: number;
  /** Action width of the run's data. */
  readonly actionDim: number;
  /** The run's seed. */
  readonly seed: number;
  /** Config fields from the spec (preset first, then the agent's own `config`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The task conditioner, completed for the run's data (a `task-id` conditioner gets its seen tasks), or undefined for the class's default. */
  readonly conditioner?: ConditionerOptions;
}

/** One registered agent class. */
export interface AgentClass {
  /** The name specs use in `"class"`. */
  readonly name: string;
  /** One line for editors and `--help`. */
  readonly description: string;
  /** The config fields a spec may set, with their rules (sizes and seed come from the run). */
  readonly configRules: Readonly<Record<string, FieldRule>>;
  /** Defaults of those fields, published in the JSON Schema. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Named partial configs, applied before the spec's own `config`. */
  readonly presets: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The task conditioner kinds a spec may give the class (`"conditioner": { "kind": ... }`); the
   * first is its default. An agent with a conditioner other than `none` trains on prompted
   * multi-task data and acts with each task's context.
   */
  readonly conditioners: readonly ConditionerKind[];
  /**
   * Checks rules that involve several fields (after the per-field rules passed).
   * @throws {@link ConfigError} describing the problem.
   */
  checkConfig?(config: Readonly<Record<string, unknown>>, conditioner: ConditionerOptions | undefined): void;
  /** Builds a fresh agent for a run. */
  create(options: AgentBuildOptions): ComparableAgent;
  /** Loads an agent saved by `save` (a run's checkpoint), ready to resume training. */
  load(dir: string): ComparableAgent;
}

const REGISTRY = new Map<string, AgentClass>();

/**
 * Adds an agent class to comparisons (replacing one of the same name).
 * @throws {@link ConfigError} for a name that is not letters, digits, `-` and `_`, or no conditioner kind.
 */
export function registerAgentClass(entry: AgentClass): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(entry.name))
    throw new ConfigError(
      `An agent class name must be letters, digits, '-' and '_', got ${JSON.stringify(entry.name)}.`,
    );
  if (entry.conditioners.length === 0)
    throw new ConfigError(`Agent class ${entry.name} must list at least one conditioner kind (e.g. ['none']).`);
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

// ── Conditioners ─────────────────────────────────────────────────────────────────────────────

/**
 * The fields a spec may set for each conditioner kind, with their rules (as
 * `resolveConditionerConfig` applies them). Filled in by the run: `task-id`'s `tasks` (the data
 * source's seen tasks) and `prompts`' `textEmbeddingDim` (the text encoder's width).
 */
export const CONDITIONER_RULES: Readonly<Record<ConditionerKind, Readonly<Record<string, FieldRule>>>> = Object.freeze({
  none: {},
  'task-id': { embeddingDim: 'positiveInt' },
  features: {
    dim: 'positiveInt',
    table: {
      check: (v: unknown) =>
        v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        Object.values(v).every((x) => Array.isArray(x) && x.every((n) => typeof n === 'number' && Number.isFinite(n))),
      description: 'an object of task name -> array of numbers',
    },
    paramKeys: {
      check: (v: unknown) => Array.isArray(v) && v.every((k) => typeof k === 'string' && k.length > 0),
      description: 'an array of task parameter names',
    },
  },
  prompts: {
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
    trajectoryDropout: {
      check: (v: unknown) => typeof v === 'number' && v >= 0 && v < 1,
      description: 'a number in [0, 1)',
    },
  },
});

/** Defaults of the conditioner fields a spec may set, by kind, published in the JSON Schema. */
export const CONDITIONER_DEFAULTS: Readonly<Record<ConditionerKind, Readonly<Record<string, unknown>>>> = Object.freeze(
  {
    none: {},
    'task-id': TASK_ID_CONDITIONER_DEFAULTS,
    features: { table: {}, paramKeys: [] },
    prompts: PROMPTS_CONDITIONER_DEFAULTS,
  },
);

// ── Built-in classes ─────────────────────────────────────────────────────────────────────────

/** Fields every run sets itself: never in a spec's agent config. */
const RUN_FIELDS = ['observationDim', 'actionDim', 'seed', 'conditioner'];

function withoutRunFields<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !RUN_FIELDS.includes(k)));
}

const TEXT_WIDTH = new HashedNgramTextEncoder().dimension;
const ALL_CONDITIONERS: readonly ConditionerKind[] = ['none', 'task-id', 'features', 'prompts'];

/** The prompt fields LLMDPD also takes at the top level of its config (as `LLMDPDOptions` does). */
export const LLMDPD_PROMPT_RULES: Readonly<Record<string, FieldRule>> = CONDITIONER_RULES.prompts;

/**
 * The sizes of the built-in demo (`src/cli/demo-job.ts`): Diffusion-QL's architecture scaled to
 * the 4-dim point mass (3×64 Mish, batch 64), for short runs on the built-in suites.
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

/**
 * Diffusion-QL's per-dataset D4RL table (`assets/presets/diffusion-ql.json`), by dataset id
 * (`"preset": "hopper-medium-v2"`): the config fields only; the training schedule stays the spec's.
 */
function d4rlPresets(): Record<string, Readonly<Record<string, unknown>>> {
  return Object.fromEntries(presetDatasets('diffusion-ql').map((id) => [id, presetFor('diffusion-ql', id).config]));
}

const SMALL_PROMPTS = {
  textHeadHiddenDims: [64],
  textOutputDim: 16,
  trajectoryOutputDim: 16,
  trajectoryWidth: 32,
  trajectoryLayers: 1,
  trajectoryFeedForwardDim: 64,
  trajectoryPromptLength: 10,
};

const TINY_PROMPTS = {
  textHeadHiddenDims: [16],
  textOutputDim: 8,
  trajectoryOutputDim: 8,
  trajectoryWidth: 8,
  trajectoryLayers: 1,
  trajectoryFeedForwardDim: 16,
  trajectoryPromptLength: 5,
};

const build = (o: AgentBuildOptions) => ({
  ...o.config,
  observationDim: o.observationDim,
  actionDim: o.actionDim,
  seed: o.seed,
  ...(o.conditioner !== undefined ? { conditioner: o.conditioner } : {}),
});

/** A conditioner as the resolver sees it when only its rules are to be checked (`task-id` gets a placeholder task list). */
function checkable(conditioner: ConditionerOptions | undefined): ConditionerOptions | undefined {
  return conditioner?.kind === 'task-id' ? { ...conditioner, tasks: ['a'] } : conditioner;
}

registerAgentClass({
  name: 'DiffusionQL',
  description: 'Diffusion-QL (Wang et al. 2023): diffusion policy with a Q-learning term; any task conditioner.',
  configRules: { ...withoutRunFields(DIFFUSION_POLICY_RULES), criticConditioning: CRITIC_CONDITIONING_OPTIONS },
  defaults: withoutRunFields(DIFFUSION_QL_DEFAULTS),
  presets: { 'pointmass-small': POINTMASS_SMALL, tiny: TINY, ...d4rlPresets() },
  conditioners: ALL_CONDITIONERS,
  checkConfig(config, conditioner) {
    resolveDiffusionQLConfig(
      { ...(config as Record<string, never>), observationDim: 1, actionDim: 1, conditioner: checkable(conditioner) },
      TEXT_WIDTH,
    );
  },
  create: (o) => new DiffusionQLAgent(build(o)),
  load: (dir) => DiffusionQLAgent.load(dir),
});

registerAgentClass({
  name: 'LLMDPD',
  description: 'LLMDPD: Diffusion-QL with the prompts conditioner (text and trajectory prompts; n-gram text encoder).',
  configRules: {
    ...withoutRunFields(DIFFUSION_POLICY_RULES),
    criticConditioning: CRITIC_CONDITIONING_OPTIONS,
    ...LLMDPD_PROMPT_RULES,
  },
  defaults: { ...withoutRunFields(LLMDPD_DEFAULTS), ...PROMPTS_CONDITIONER_DEFAULTS },
  presets: {
    'pointmass-small': { ...POINTMASS_SMALL, ...SMALL_PROMPTS },
    tiny: { ...TINY, ...TINY_PROMPTS },
    ...d4rlPresets(),
  },
  conditioners: ['prompts'],
  checkConfig(config, conditioner) {
    resolveLLMDPDConfig(
      {
        ...(config as Record<string, never>),
        observationDim: 1,
        actionDim: 1,
        ...(conditioner !== undefined ? { conditioner: conditioner } : {}),
      },
      TEXT_WIDTH,
    );
  },
  create: (o) => new LLMDPDAgent(build(o)),
  load: (dir) => LLMDPDAgent.load(dir),
});

registerAgentClass({
  name: 'BC',
  description: 'Behaviour cloning (CORL-style MLP, deterministic or Gaussian); any task conditioner.',
  configRules: { ...withoutRunFields(BC_RULES), ...SCALER_RULES },
  defaults: withoutRunFields(BC_DEFAULTS),
  presets: {
    'pointmass-small': { batchSize: 64, hiddenDims: [64, 64], learningRate: 1e-3 },
    tiny: { batchSize: 32, hiddenDims: [16, 16] },
  },
  conditioners: ALL_CONDITIONERS,
  checkConfig(config, conditioner) {
    resolveBCConfig(
      { ...(config as Record<string, never>), observationDim: 1, actionDim: 1, conditioner: checkable(conditioner) },
      TEXT_WIDTH,
    );
  },
  create: (o) => new BCAgent(build(o)),
  load: (dir) => BCAgent.load(dir),
});

/**
 * Sizes of the actor-critic baselines for the built-in point-mass suites: the demo's widths
 * (2×64 here, their papers' 3×256 or 2×256 being far larger than a 4-dim point mass needs) and
 * batch 64, so that they train in the same budget as `pointmass-small` Diffusion-QL.
 */
const ACTOR_CRITIC_SMALL = { batchSize: 64, hiddenDims: [64, 64] };
/** A tiny actor-critic for tests and smoke runs. */
const ACTOR_CRITIC_TINY = { batchSize: 32, hiddenDims: [16, 16] };
/** The soft actor-critics (CQL, SAC-N) size their critics separately. */
const SOFT_SMALL = { ...ACTOR_CRITIC_SMALL, criticHiddenDims: [64, 64] };
const SOFT_TINY = { ...ACTOR_CRITIC_TINY, criticHiddenDims: [16, 16] };

/** The config resolver of a baseline, as `checkConfig` calls it. */
type Resolver = (options: never, textEmbeddingDim?: number) => unknown;

/** `checkConfig` for an agent whose resolver takes the usual options. */
function checkWith(resolve: Resolver): NonNullable<AgentClass['checkConfig']> {
  return (config, conditioner) =>
    resolve({ ...config, observationDim: 1, actionDim: 1, conditioner: checkable(conditioner) } as never, TEXT_WIDTH);
}

registerAgentClass({
  name: 'CQL',
  description: 'CQL (Kumar et al. 2020; CORL’s continuous CQL(H)) on a tanh-Gaussian actor; any task conditioner.',
  configRules: { ...withoutRunFields(CQL_RULES), ...SCALER_RULES },
  defaults: withoutRunFields(CQL_DEFAULTS),
  presets: { 'pointmass-small': SOFT_SMALL, tiny: { ...SOFT_TINY, conservativeActions: 2 } },
  conditioners: ALL_CONDITIONERS,
  checkConfig: checkWith(resolveCQLConfig),
  create: (o) => new CQLAgent(build(o)),
  load: (dir) => CQLAgent.load(dir),
});

registerAgentClass({
  name: 'SACN',
  description: 'SAC-N (An et al. 2021): soft actor-critic with N critics (N = 2 is plain SAC); any task conditioner.',
  configRules: { ...withoutRunFields(SOFT_ACTOR_CRITIC_RULES), ...SCALER_RULES },
  defaults: withoutRunFields(SAC_N_DEFAULTS),
  presets: { 'pointmass-small': SOFT_SMALL, tiny: { ...SOFT_TINY, criticCount: 2 } },
  conditioners: ALL_CONDITIONERS,
  checkConfig: checkWith(resolveSACNConfig),
  create: (o) => new SACNAgent(build(o)),
  load: (dir) => SACNAgent.load(dir),
});

registerAgentClass({
  name: 'IQL',
  description: 'IQL (Kostrikov et al. 2022): expectile value, advantage-weighted actor; any task conditioner.',
  configRules: { ...withoutRunFields(IQL_RULES), ...SCALER_RULES },
  defaults: withoutRunFields(IQL_DEFAULTS),
  presets: { 'pointmass-small': ACTOR_CRITIC_SMALL, tiny: ACTOR_CRITIC_TINY },
  conditioners: ALL_CONDITIONERS,
  checkConfig: checkWith(resolveIQLConfig),
  create: (o) => new IQLAgent(build(o)),
  load: (dir) => IQLAgent.load(dir),
});

registerAgentClass({
  name: 'TD3BC',
  description: 'TD3+BC (Fujimoto & Gu 2021): TD3 with a normalised behaviour-cloning term; any task conditioner.',
  configRules: { ...withoutRunFields(TD3_BC_RULES), ...SCALER_RULES },
  defaults: withoutRunFields(TD3_BC_DEFAULTS),
  presets: { 'pointmass-small': ACTOR_CRITIC_SMALL, tiny: ACTOR_CRITIC_TINY },
  conditioners: ALL_CONDITIONERS,
  checkConfig: checkWith(resolveTD3BCConfig),
  create: (o) => new TD3BCAgent(build(o)),
  load: (dir) => TD3BCAgent.load(dir),
});
