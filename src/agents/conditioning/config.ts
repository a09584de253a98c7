/**
 * The JSON configuration of a task conditioner, the module that turns a task context into the
 * condition vector c an agent's actor (and optionally its critics) take as an extra input
 * (`docs/algorithms/conditioning.md`). Four kinds:
 *
 * | kind       | c is                                                        | unseen tasks            |
 * | ---------- | ----------------------------------------------------------- | ----------------------- |
 * | `none`     | nothing (width 0): the plain single-task agent              | nothing to condition on |
 * | `task-id`  | a learned embedding row per seen task                       | {@link UnseenTaskError} |
 * | `features` | a vector the user supplies per task (e.g. the true goal)    | from `context.features` |
 * | `prompts`  | [h_ψ(M(text)), g_φ(trajectory)]: LLMDPD's two prompt branches | from their prompts      |
 *
 * @module
 */
import { ConfigError, NotFoundError } from '../../core/errors.js';
import { validateConfig } from '../common/config.js';

/** The kinds of conditioner. */
export type ConditionerKind = 'none' | 'task-id' | 'features' | 'prompts';

/** No conditioning: c has width 0. */
export interface NoConditionerConfig {
  /** Kind tag. */
  readonly kind: 'none';
}

/** A learned embedding per seen task (trained end to end through the actor loss). */
export interface TaskIdConditionerConfig {
  /** Kind tag. */
  readonly kind: 'task-id';
  /** The seen tasks' names, in embedding-row order (e.g. `dataset.tasks`). Required. */
  readonly tasks: readonly string[];
  /** Width of each task's embedding. @defaultValue 16 */
  readonly embeddingDim: number;
}

/** A known feature vector per task, used as c as it is: an oracle upper bound for prompt conditioning. */
export interface FeaturesConditionerConfig {
  /** Kind tag. */
  readonly kind: 'features';
  /** Width of the vectors. @defaultValue the length of the first vector in `table`, else of `paramKeys` */
  readonly dim: number;
  /** Vectors by task name. @defaultValue `{}` */
  readonly table: Readonly<Record<string, readonly number[]>>;
  /**
   * Names of numeric task parameters that make up the vector of a task missing from `table`
   * (e.g. `['goalX', 'goalY']` with `MultiTaskDataset` task params). @defaultValue `[]`
   */
  readonly paramKeys: readonly string[];
}

/**
 * LLMDPD's prompt branches (paper §3.1): z_text = h_ψ(M(text)) from a frozen text encoder M and a
 * trainable MLP head, and z_τ = g_φ(trajectory) from a trainable transformer; c = [z_text, z_τ].
 */
export interface PromptsConditionerConfig {
  /** Kind tag. */
  readonly kind: 'prompts';
  /** Condition on the text prompt (false: the w/o-z_text ablation). @defaultValue true */
  readonly useTextPrompt: boolean;
  /** Condition on the trajectory prompt (false: the w/o-z_τ ablation). @defaultValue true */
  readonly useTrajectoryPrompt: boolean;
  /** Input width of the text head: the text encoder's dimension (set from the encoder). */
  readonly textEmbeddingDim: number;
  /** Hidden widths of the text head h_ψ (paper: 3 layers, hidden 512, ReLU). @defaultValue [512, 512] */
  readonly textHeadHiddenDims: readonly number[];
  /** Width of z_text. @defaultValue 64 */
  readonly textOutputDim: number;
  /** Width of z_τ. @defaultValue 64 */
  readonly trajectoryOutputDim: number;
  /** Trajectory transformer width d (Prompt-DT's size). @defaultValue 128 */
  readonly trajectoryWidth: number;
  /** Transformer blocks. @defaultValue 3 */
  readonly trajectoryLayers: number;
  /** Attention heads (must divide the width). @defaultValue 1 */
  readonly trajectoryHeads: number;
  /** Feed-forward inner width. @defaultValue 512 */
  readonly trajectoryFeedForwardDim: number;
  /** Most steps of a trajectory prompt (its last steps are kept). @defaultValue 20 */
  readonly trajectoryPromptLength: number;
  /** Dropout in the trajectory transformer during training (Prompt-DT's 0.1). @defaultValue 0.1 */
  readonly trajectoryDropout: number;
}

/** A resolved conditioner configuration (every field set). */
export type ConditionerConfig =
  NoConditionerConfig | TaskIdConditionerConfig | FeaturesConditionerConfig | PromptsConditionerConfig;

/** What an agent's options accept: the kind plus any fields to override (the rest take their defaults). */
export type ConditionerOptions =
  | NoConditionerConfig
  | (Pick<TaskIdConditionerConfig, 'kind' | 'tasks'> & Partial<TaskIdConditionerConfig>)
  | (Pick<FeaturesConditionerConfig, 'kind'> & Partial<FeaturesConditionerConfig>)
  | (Pick<PromptsConditionerConfig, 'kind'> & Partial<PromptsConditionerConfig>);

/**
 * What the critics see of the condition: `none` (Q(s, a), the paper's Eq. 6-7), `ema` (sg(c̄)
 * from the slowly moving EMA copy of the conditioner, as a target network), or `online-detached`
 * (sg(c) from the conditioner being trained). See `docs/algorithms/conditioning.md`, "Critic
 * conditioning", for the measurement behind the default.
 */
export type CriticConditioning = 'none' | 'ema' | 'online-detached';

/** The critic-conditioning options, for validation. */
export const CRITIC_CONDITIONING_OPTIONS: readonly CriticConditioning[] = Object.freeze([
  'none',
  'ema',
  'online-detached',
]);

/** Defaults of the task-id conditioner. */
export const TASK_ID_CONDITIONER_DEFAULTS: Readonly<Pick<TaskIdConditionerConfig, 'embeddingDim'>> = Object.freeze({
  embeddingDim: 16,
});

/** Defaults of the prompts conditioner (LLMDPD); `textEmbeddingDim` comes from the text encoder. */
export const PROMPTS_CONDITIONER_DEFAULTS: Readonly<Omit<PromptsConditionerConfig, 'kind' | 'textEmbeddingDim'>> =
  Object.freeze({
    useTextPrompt: true,
    useTrajectoryPrompt: true,
    textHeadHiddenDims: Object.freeze([512, 512]),
    textOutputDim: 64,
    trajectoryOutputDim: 64,
    trajectoryWidth: 128,
    trajectoryLayers: 3,
    trajectoryHeads: 1,
    trajectoryFeedForwardDim: 512,
    trajectoryPromptLength: 20,
    trajectoryDropout: 0.1,
  });

/** An unseen task given to a conditioner that can only condition on seen tasks (`task-id`). */
export class UnseenTaskError extends NotFoundError {}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const stringList = {
  check: (v: unknown) => Array.isArray(v) && v.every((t) => typeof t === 'string' && t.length > 0),
  description: 'an array of non-empty strings',
};
const finiteVector = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * Fills a conditioner's defaults and validates it.
 * @param textEmbeddingDim - the text encoder's dimension (prompts kind only).
 * @throws {@link ConfigError} naming the field, its value and what it must be.
 */
export function resolveConditionerConfig(
  options: ConditionerOptions | undefined,
  textEmbeddingDim?: number,
): ConditionerConfig {
  const where = 'conditioner';
  if (options === undefined) return Object.freeze({ kind: 'none' });
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new ConfigError(`${where} must be an object { kind, ... }, got ${JSON.stringify(options)}.`);
  switch (options.kind) {
    case 'none':
      validateConfig(where, { ...options }, { kind: ['none'] });
      return Object.freeze({ kind: 'none' });
    case 'task-id': {
      const config = { ...TASK_ID_CONDITIONER_DEFAULTS, ...options } as TaskIdConditionerConfig;
      validateConfig(where, config as unknown as Record<string, unknown>, {
        kind: ['task-id'],
        tasks: stringList,
        embeddingDim: 'positiveInt',
      });
      if (config.tasks.length === 0 || new Set(config.tasks).size !== config.tasks.length)
        throw new ConfigError(
          `${where}.tasks must list each seen task once (e.g. dataset.tasks), got ${JSON.stringify(config.tasks)}.`,
        );
      return Object.freeze({ ...config, tasks: Object.freeze([...config.tasks]) });
    }
    case 'features': {
      const table = (options.table ?? {}) as Record<string, unknown>;
      const paramKeys = options.paramKeys ?? [];
      const first = Object.values(table)[0];
      const dim = options.dim ?? (Array.isArray(first) ? first.length : paramKeys.length);
      const config = { kind: 'features', dim, table, paramKeys } as unknown as FeaturesConditionerConfig;
      validateConfig(
        where,
        { ...options, ...config },
        {
          kind: ['features'],
          dim: 'positiveInt',
          table: { check: isRecord, description: 'an object of task name -> number[]' },
          paramKeys: stringList,
        },
      );
      for (const [name, v] of Object.entries(table)) {
        if (!finiteVector(v) || (v as number[]).length !== dim)
          throw new ConfigError(
            `${where}.table[${JSON.stringify(name)}] must be ${dim} finite numbers (dim), got ${JSON.stringify(v)}.`,
          );
      }
      if (paramKeys.length > 0 && paramKeys.length !== dim)
        throw new ConfigError(`${where}.paramKeys names ${paramKeys.length} parameters but dim is ${dim}.`);
      return Object.freeze({
        kind: 'features',
        dim,
        table: Object.freeze(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, [...(v as number[])]]))),
        paramKeys: Object.freeze([...paramKeys]),
      });
    }
    case 'prompts': {
      if (options.textEmbeddingDim !== undefined && textEmbeddingDim !== undefined) {
        if (options.textEmbeddingDim !== textEmbeddingDim)
          throw new ConfigError(
            `${where}.textEmbeddingDim is ${options.textEmbeddingDim} but the text encoder gives ${textEmbeddingDim}; pass the text encoder the agent was built with.`,
          );
      }
      const config = {
        ...PROMPTS_CONDITIONER_DEFAULTS,
        ...options,
        textEmbeddingDim: options.textEmbeddingDim ?? textEmbeddingDim,
      } as PromptsConditionerConfig;
      validateConfig(where, config as unknown as Record<string, unknown>, {
        kind: ['prompts'],
        useTextPrompt: 'boolean',
        useTrajectoryPrompt: 'boolean',
        textEmbeddingDim: 'positiveInt',
        textHeadHiddenDims: 'dims',
        textOutputDim: 'positiveInt',
        trajectoryOutputDim: 'positiveInt',
        trajectoryWidth: 'positiveInt',
        trajectoryLayers: 'positiveInt',
        trajectoryHeads: 'positiveInt',
        trajectoryFeedForwardDim: 'positiveInt',
        trajectoryPromptLength: 'positiveInt',
        trajectoryDropout: {
          check: (v) => typeof v === 'number' && v >= 0 && v < 1,
          description: 'a number in [0, 1)',
        },
      });
      if (config.trajectoryWidth % config.trajectoryHeads !== 0)
        throw new ConfigError(
          `${where}.trajectoryHeads (${config.trajectoryHeads}) must divide trajectoryWidth (${config.trajectoryWidth}).`,
        );
      return Object.freeze({ ...config, textHeadHiddenDims: Object.freeze([...config.textHeadHiddenDims]) });
    }
    default:
      throw new ConfigError(
        `${where}.kind must be one of 'none', 'task-id', 'features', 'prompts', got ${JSON.stringify((options as { kind?: unknown }).kind)}.`,
      );
  }
}

/** Width of the condition vector c under a resolved config (0 for `none`). */
export function conditionerWidth(config: ConditionerConfig): number {
  switch (config.kind) {
    case 'none':
      return 0;
    case 'task-id':
      return config.embeddingDim;
    case 'features':
      return config.dim;
    case 'prompts':
      return (
        (config.useTextPrompt ? config.textOutputDim : 0) +
        (config.useTrajectoryPrompt ? config.trajectoryOutputDim : 0)
      );
  }
}
