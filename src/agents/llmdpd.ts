/**
 * LLMDPD, LLM-Driven Policy Diffusion (Zhang & Guo, arXiv 2509.00347): Diffusion-QL whose noise
 * network is conditioned on two task prompts, trained on seen tasks and run zero-shot on unseen
 * ones from their prompts alone. As the paper describes it, it is Diffusion-QL plus the
 * `prompts` conditioner, and that is how it is built: this file narrows `DiffusionQLAgent`'s
 * config to that conditioner and adds prompt helpers; the update is Diffusion-QL's
 * (`diffusion-ql.ts`), with Algorithm 1's lines in this order:
 *
 *   2-4   draw a task, then a batch from it        MultiTaskDataset's per-task sampling
 *   6     z_text = h_ψ(M(text)), z_τ = g_φ(traj)     conditioning/prompts.ts (c = [z_text, z_τ])
 *   7-8   a′ ~ π(·|s′, c̄), critic step (Eq. 6)       update, "Critic step"
 *   9     pick Q1 or Q2                              drawCriticPair
 *   10-12 ã ~ π(·|s, c), L = L_d − λ L_r (Eq. 8)      update, "Actor step": trains θ, ψ and φ
 *
 * What the paper leaves open (sizes, critic conditioning, EMA of the prompt networks, λ as
 * Diffusion-QL's normalised η) is decided in `docs/algorithms/llmdpd.md`, each a config field.
 * The ablations of the paper's Table 3 are options: `useTextPrompt`, `useTrajectoryPrompt` (both
 * false is the no-prompt ablation), and the text encoder passed in (another LLM).
 *
 * @see https://arxiv.org/abs/2509.00347
 * @module
 */
import type { TextEncoder, TextEncoderInfo } from '../encoders/text/text-encoder.js';
import { textEncoderInfo } from '../encoders/text/text-encoder.js';
import type { PromptedTaskSource } from '../core/types.js';
import type { AgentCheckpointHeader } from './common/agent-scaffold.js';
import { ConfigError } from '../core/errors.js';
import {
  type ConditionerOptions,
  conditionerWidth,
  PROMPTS_CONDITIONER_DEFAULTS,
  type PromptsConditionerConfig,
} from './conditioning/config.js';
import { PromptsConditioner } from './conditioning/prompts.js';
import {
  DIFFUSION_QL_DEFAULTS,
  DiffusionQLAgent,
  type DiffusionQLConfig,
  type DiffusionQLDependencies,
  type DiffusionQLOptions,
  resolveDiffusionQLConfig,
} from './diffusion-ql.js';
import type { UpgradedHeader } from './common/scaffolded-agent.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** LLMDPD's configuration: Diffusion-QL's, with the `prompts` conditioner. JSON-serialisable. */
export interface LLMDPDConfig extends DiffusionQLConfig {
  /** The prompt branches h_ψ and g_φ and their switches. */
  readonly conditioner: PromptsConditionerConfig;
}

/** The prompt fields, accepted at the top level of {@link LLMDPDOptions} as in 0.1.0 (e.g. `useTextPrompt: false`). */
export type LLMDPDPromptOptions = Partial<Omit<PromptsConditionerConfig, 'kind'>>;

/**
 * Options of `new LLMDPDAgent(...)`: the dimensions plus any field to override. The prompt
 * fields may be given at the top level (`useTextPrompt`, `trajectoryWidth`, ...) or under
 * `conditioner`; `textEmbeddingDim` comes from the text encoder.
 */
export type LLMDPDOptions = Pick<DiffusionQLConfig, 'observationDim' | 'actionDim'> &
  Partial<Omit<DiffusionQLConfig, 'conditioner'>> &
  LLMDPDPromptOptions & {
    /** The prompt branches (any prompts field; another kind is a {@link ConfigError}). */
    readonly conditioner?: ConditionerOptions | LLMDPDConditionerOptions;
  };

/**
 * The prompt fields under `conditioner`, with an optional kind tag. (A type rather than an
 * interface: typedoc links an interface that extends a type alias to a hierarchy entry it never
 * writes, which the docs link check reports.)
 */
export type LLMDPDConditionerOptions = LLMDPDPromptOptions & {
  /** Always `'prompts'` when given. */
  readonly kind?: 'prompts';
};

/** Objects an LLMDPD agent uses but does not serialise: the frozen text encoder M. */
export type LLMDPDDependencies = DiffusionQLDependencies;

/**
 * Defaults of every optional field: Diffusion-QL's, with a gradient clip of 1.0 (the official
 * code's value for new domains; `docs/algorithms/llmdpd.md`, "Choices where the paper is
 * silent") and the prompts conditioner's defaults.
 */
export const LLMDPD_DEFAULTS: Readonly<
  Omit<DiffusionQLConfig, 'observationDim' | 'actionDim' | 'conditioner'> & {
    /** The prompts conditioner's defaults (`textEmbeddingDim` comes from the encoder). */
    readonly conditioner: Omit<PromptsConditionerConfig, 'textEmbeddingDim'>;
  }
> = Object.freeze({
  ...DIFFUSION_QL_DEFAULTS,
  gradientClipNorm: 1.0,
  conditioner: Object.freeze({ kind: 'prompts' as const, ...PROMPTS_CONDITIONER_DEFAULTS }),
});

const PROMPT_FIELDS: readonly (keyof LLMDPDPromptOptions)[] = [
  'useTextPrompt',
  'useTrajectoryPrompt',
  'textEmbeddingDim',
  'textHeadHiddenDims',
  'textOutputDim',
  'trajectoryOutputDim',
  'trajectoryWidth',
  'trajectoryLayers',
  'trajectoryHeads',
  'trajectoryFeedForwardDim',
  'trajectoryPromptLength',
  'trajectoryDropout',
];

/**
 * Moves top-level prompt fields under `conditioner` and fills LLMDPD's own defaults.
 * @throws {@link ConfigError} when `conditioner` is of another kind than `'prompts'`.
 */
export function toDiffusionQLOptions(options: LLMDPDOptions): DiffusionQLOptions {
  const rest: Record<string, unknown> = { ...options };
  const kind = options.conditioner?.kind;
  if (kind !== undefined && kind !== 'prompts')
    throw new ConfigError(
      `LLMDPD is Diffusion-QL with the 'prompts' conditioner; got conditioner kind ${JSON.stringify(kind)}. Use new DiffusionQLAgent({ ..., conditioner: { kind: ${JSON.stringify(kind)}, ... } }) instead.`,
    );
  const prompts: Record<string, unknown> = { ...(options.conditioner ?? {}) };
  for (const field of PROMPT_FIELDS) {
    if (field in rest) {
      prompts[field] = rest[field];
      delete rest[field];
    }
  }
  return {
    gradientClipNorm: LLMDPD_DEFAULTS.gradientClipNorm,
    ...(rest as unknown as DiffusionQLOptions),
    conditioner: { ...prompts, kind: 'prompts' },
  };
}

/**
 * Fills defaults and validates every field.
 * @throws {@link ConfigError} naming the field and its valid range.
 */
export function resolveLLMDPDConfig(options: LLMDPDOptions, textEmbeddingDim?: number): LLMDPDConfig {
  return resolveDiffusionQLConfig(toDiffusionQLOptions(options), textEmbeddingDim) as LLMDPDConfig;
}

/** Width of the condition vector c = [z_text, z_τ] under a config. */
export function conditionDim(config: LLMDPDConfig): number {
  return conditionerWidth(config.conditioner);
}

// ── 2. The agent ────────────────────────────────────────────────────────────────────────────

/**
 * LLMDPD on tfjs: `DiffusionQLAgent` with the `prompts` conditioner.
 *
 * @example
 * ```ts
 * const agent = new LLMDPDAgent({ observationDim: 4, actionDim: 2 });   // n-gram text encoder by default
 * await agent.fit(dataset, { steps: 20_000 });                          // a MultiTaskDataset of seen tasks
 * const policy = await agent.policy({ textPrompt: unseen.textPrompt, trajectoryPrompt: unseen.trajectoryPrompt });
 * const action = policy.act(observation);                               // zero-shot on the unseen task
 * ```
 */
export class LLMDPDAgent extends DiffusionQLAgent {
  /** The class name checkpoints record. */
  static override readonly agentName: string = 'LLMDPDAgent';
  /** The progress display's label. */
  static override readonly label: string = 'LLMDPD';
  /** Resolved configuration. */
  declare readonly config: LLMDPDConfig;

  /**
   * Builds every network, copy and optimiser.
   * @throws {@link ConfigError} on an invalid option.
   */
  constructor(options: LLMDPDOptions, dependencies: LLMDPDDependencies = {}) {
    super(toDiffusionQLOptions(options), dependencies);
  }

  private get prompts(): PromptsConditioner | null {
    const impl = this.conditioning.implementation;
    return impl instanceof PromptsConditioner ? impl : null;
  }

  /** The frozen text encoder M (not saved; its id and dimension are). */
  get textEncoder(): TextEncoder | null {
    return this.prompts?.textEncoder ?? null;
  }

  /** What a checkpoint records about the text encoder (null in the no-text ablations). */
  get textEncoderInfo(): TextEncoderInfo | null {
    const encoder = this.textEncoder;
    return encoder === null ? null : textEncoderInfo(encoder);
  }

  /**
   * Embeds texts with the frozen encoder, once per distinct text (kept for the agent's lifetime
   * and saved in checkpoints); never per training step.
   */
  async embedTexts(texts: readonly string[]): Promise<void> {
    await this.prompts?.embedTexts(texts);
  }

  /** The 0.1.0 name of `bindTasks`: embeds every task's text once and prepares its trajectory prompts. */
  prepareTasks(data: PromptedTaskSource): Promise<void> {
    return this.bindTasks(data);
  }

  /**
   * Reads a 0.1.0 (format version 1) LLMDPD checkpoint as today's: the flat prompt fields go
   * under `conditioner`, the critics keep the conditioning they were trained with (`'ema'`),
   * the prompt networks' groups are read under their old names, and the embedded texts move
   * into the conditioner's state.
   */
  protected static override upgradeHeader(header: AgentCheckpointHeader): UpgradedHeader {
    if (header['formatVersion'] !== 1) return super.upgradeHeader(header);
    const config = toDiffusionQLOptions({
      criticConditioning: 'ema',
      ...(header.config as LLMDPDOptions),
    });
    return {
      header: {
        ...header,
        config: resolveDiffusionQLConfig(config),
        conditioning: {
          kind: { textEncoder: header['textEncoder'], texts: header['texts'], textVectors: header['textVectors'] },
        },
      },
      storedAs: { conditioner: 'prompt', conditionerEma: 'promptEma' },
    };
  }
}
