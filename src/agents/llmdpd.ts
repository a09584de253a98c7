/**
 * LLMDPD, LLM-Driven Policy Diffusion (Zhang & Guo, arXiv 2509.00347): Diffusion-QL whose
 * noise network is conditioned on two task prompts, trained on seen tasks and run zero-shot on
 * unseen ones from their prompts alone.
 *
 *   z_text = h_ψ(M(text))     frozen text encoder M (an LLM, or the zero-download n-gram default),
 *                             trainable MLP head h_ψ (3 layers, hidden 512, ReLU; Eq. 1)
 *   z_τ    = g_φ(trajectory)  trainable transformer over one trajectory of the task, mean-pooled,
 *                             MLP head (Eq. 3)
 *   ε_θ(a_k, k, s, z_text, z_τ) with c = [z_text, z_τ] concatenated to Diffusion-QL's input
 *   critic: double Q on [s, a, sg(c̄)] with c̄ the EMA prompt networks' condition (a slowly moving
 *           task code, like a target network; the paper leaves critic conditioning open),
 *           target y = r + γ(1 − terminal) min Q′(s′, a′, c̄), a′ ~ EMA actor given c̄
 *   actor:  L = L_d − λ L_r, with λ L_r written as Diffusion-QL's η · mean Q_i / sg(mean |Q_j|);
 *           both terms train θ, ψ and φ end to end (Eq. 5, 7, 8)
 *   Algorithm 1: each step draws one task, then a batch from it (the data source's per-task mode)
 *
 * What the paper leaves open follows algorithms.md §6.3, each a documented config field. The
 * ablations of the paper's Table 3 are options: `useTextPrompt`, `useTrajectoryPrompt` (both
 * false is the no-prompt ablation), and the text encoder passed in (another LLM). Sections and
 * names mirror `diffusion-ql.ts`, so the two files diff down to the conditioning.
 *
 * @see https://arxiv.org/abs/2509.00347
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../core/errors.js';
import { Rng, type RngState } from '../core/rng.js';
import { createBatch } from '../core/batch.js';
import type { Batch, PromptedTaskSource, Trajectory } from '../core/types.js';
import { HashedNgramTextEncoder } from '../encoders/text/hashed-text-encoder.js';
import { textEncoderInfo, type TextEncoder, type TextEncoderInfo } from '../encoders/text/text-encoder.js';
import type { PromptBatch } from '../encoders/trajectory/prompt-batch.js';
import { TrajectoryEncoder } from '../encoders/trajectory/trajectory-encoder.js';
import { Adam, gradientsOf } from '../nets/adam.js';
import { Mlp } from '../nets/mlp.js';
import { EmaCopy, hardUpdate, softUpdate } from '../nets/target-updates.js';
import type { Agent, BoundPolicy, FitOptions, FitReport, Metrics, PromptContext } from './agent.js';
import { readAgentCheckpointHeader, restoreAgentCheckpoint, writeAgentCheckpoint } from './common/checkpoint.js';
import { selectActions } from './common/acting.js';
import {
  DIFFUSION_POLICY_DEFAULTS,
  DIFFUSION_POLICY_RULES,
  type DiffusionPolicyConfig,
  validateConfig,
} from './common/config.js';
import { TwinCritic } from './common/critic.js';
import { bcLoss, DiffusionSchedule, sampleActions } from './common/diffusion.js';
import { runFit } from './common/fit-loop.js';
import { criticLoss, qLoss, tdTargets } from './common/losses.js';
import { NoiseNetwork } from './common/noise-network.js';
import { readScalars } from './common/training.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** LLMDPD's configuration: the shared diffusion-policy fields plus the prompt branches. JSON-serialisable. */
export interface LLMDPDConfig extends DiffusionPolicyConfig {
  /** Condition on the text prompt (false: the w/o-z_text ablation). @defaultValue true */
  readonly useTextPrompt: boolean;
  /** Condition on the trajectory prompt (false: the w/o-z_τ ablation). @defaultValue true */
  readonly useTrajectoryPrompt: boolean;
  /** Input width of the text head: the text encoder's dimension (set from the encoder). */
  readonly textEmbeddingDim: number;
  /** Hidden widths of the text head h_ψ (paper: 3 layers, hidden 512, ReLU). @defaultValue [512, 512] */
  readonly textHeadHiddenDims: readonly number[];
  /** Width of z_text (§6.3). @defaultValue 64 */
  readonly textOutputDim: number;
  /** Width of z_τ (§6.3). @defaultValue 64 */
  readonly trajectoryOutputDim: number;
  /** Trajectory transformer width d (Prompt-DT size, §6.3). @defaultValue 128 */
  readonly trajectoryWidth: number;
  /** Transformer blocks. @defaultValue 3 */
  readonly trajectoryLayers: number;
  /** Attention heads. @defaultValue 1 */
  readonly trajectoryHeads: number;
  /** Feed-forward inner width. @defaultValue 512 */
  readonly trajectoryFeedForwardDim: number;
  /** Most steps of a trajectory prompt (its last steps are kept). @defaultValue 20 */
  readonly trajectoryPromptLength: number;
  /** Dropout in the trajectory transformer during training. @defaultValue 0 */
  readonly trajectoryDropout: number;
}

/**
 * Defaults of every optional field: Diffusion-QL's (with a gradient clip of 1.0, §6.3 for new domains), plus §6.3 for
 * the prompt branches.
 */
export const LLMDPD_DEFAULTS: Readonly<Omit<LLMDPDConfig, 'observationDim' | 'actionDim' | 'textEmbeddingDim'>> =
  Object.freeze({
    ...DIFFUSION_POLICY_DEFAULTS,
    gradientClipNorm: 1.0,
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
    trajectoryDropout: 0,
  });

/**
 * Options of `new LLMDPDAgent(...)`: the dimensions plus any field to override. `textEmbeddingDim` comes from the text
 * encoder.
 */
export type LLMDPDOptions = Pick<LLMDPDConfig, 'observationDim' | 'actionDim'> &
  Partial<Omit<LLMDPDConfig, 'textEmbeddingDim'>>;

/** Objects an agent uses but does not serialise. */
export interface LLMDPDDependencies {
  /**
   * The frozen text encoder M. @defaultValue a {@link HashedNgramTextEncoder} (zero-download
   * hashed n-grams; not an LLM)
   */
  readonly textEncoder?: TextEncoder;
}

/**
 * Fills defaults and validates every field.
 * @throws {@link ConfigError} naming the field and its valid range.
 */
export function resolveLLMDPDConfig(options: LLMDPDOptions & { textEmbeddingDim: number }): LLMDPDConfig {
  const config: LLMDPDConfig = { ...LLMDPD_DEFAULTS, ...options };
  validateConfig('LLMDPDConfig', config as unknown as Record<string, unknown>, {
    ...DIFFUSION_POLICY_RULES,
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
    trajectoryDropout: 'unit',
  });
  if (config.trajectoryWidth % config.trajectoryHeads !== 0) {
    throw new ConfigError(
      `LLMDPDConfig.trajectoryHeads (${config.trajectoryHeads}) must divide trajectoryWidth (${config.trajectoryWidth}).`,
    );
  }
  return Object.freeze({
    ...config,
    hiddenDims: Object.freeze([...config.hiddenDims]),
    criticHiddenDims: Object.freeze([...config.criticHiddenDims]),
    textHeadHiddenDims: Object.freeze([...config.textHeadHiddenDims]),
  });
}

/** Width of the condition vector c = [z_text, z_τ] under a config. */
export function conditionDim(config: LLMDPDConfig): number {
  return (
    (config.useTextPrompt ? config.textOutputDim : 0) + (config.useTrajectoryPrompt ? config.trajectoryOutputDim : 0)
  );
}

// ── 2. Losses (pure functions in ./common/losses.ts, shared with Diffusion-QL) ───────────────

// ── 3. The agent ────────────────────────────────────────────────────────────────────────────

/** Serialisable random-stream states. */
interface RandomStates {
  readonly sampler: RngState;
  readonly noise: RngState;
  readonly acting: RngState;
}

/** The prompt-side networks: text head h_ψ and trajectory encoder g_φ (either may be absent). */
export interface PromptNetworks {
  /** h_ψ, or null when the text prompt is not used. */
  readonly textHead: Mlp | null;
  /** g_φ, or null when the trajectory prompt is not used. */
  readonly trajectoryEncoder: TrajectoryEncoder | null;
}

/** Host copies of the condition rows a bound policy acts with. */
interface ActingConditions {
  readonly actor: Float32Array | null;
  readonly critic: Float32Array | null;
}

/** A task's prompts, prepared once: the frozen text vector and the padded trajectory. */
interface PreparedPrompt {
  readonly text: Float32Array | null;
  readonly trajectory: PromptBatch | null;
}

/**
 * LLMDPD on tfjs.
 *
 * @example
 * ```ts
 * const agent = new LLMDPDAgent({ observationDim: 4, actionDim: 2 });   // n-gram text encoder by default
 * await agent.fit(dataset, { steps: 20_000 });                          // a MultiTaskDataset of seen tasks
 * const policy = await agent.policy({ textPrompt: unseen.text, trajectoryPrompt: unseen.prompt });
 * const action = policy.act(observation);                               // zero-shot on the unseen task
 * ```
 */
export class LLMDPDAgent implements Agent<LLMDPDConfig, PromptedTaskSource> {
  /** Resolved configuration. */
  readonly config: LLMDPDConfig;
  /** The frozen text encoder (not saved; its id and dimension are). */
  readonly textEncoder: TextEncoder;
  /** ε_θ conditioned on c. */
  readonly actor: NoiseNetwork;
  /** EMA copy of ε_θ. */
  readonly actorEma: NoiseNetwork;
  /** Online prompt networks. */
  readonly prompts: PromptNetworks;
  /** EMA copies of the prompt networks (target actions need embeddings too, §6.3). */
  readonly promptsEma: PromptNetworks;
  /** Q1, Q2 on [s, a, c̄] (c̄: the EMA prompt networks' condition). */
  readonly critic: TwinCritic;
  /** Polyak copies of the critics. */
  readonly criticTarget: TwinCritic;
  private readonly schedule: DiffusionSchedule;
  private readonly emaCopies: EmaCopy[];
  private readonly actorOptimizer: Adam;
  private readonly criticOptimizer: Adam;
  private readonly samplerRng: Rng;
  private readonly noiseRng: Rng;
  private readonly actingRng: Rng;
  private readonly textCache = new Map<string, Float32Array>();
  private taskPrompts: PreparedPrompt[] = [];
  /** EMA-side condition rows per task, valid until the EMA prompt networks move. */
  private readonly emaConditionCache = new Map<number, tf.Tensor2D>();
  private stepCount = 0;
  private batch: Batch | null = null;

  /** Builds every network, copy and optimiser. @throws {@link ConfigError} on an invalid option. */
  constructor(options: LLMDPDOptions, dependencies: LLMDPDDependencies = {}) {
    this.textEncoder = dependencies.textEncoder ?? new HashedNgramTextEncoder();
    this.config = resolveLLMDPDConfig({ ...options, textEmbeddingDim: this.textEncoder.dimension });
    const c = this.config;
    const root = new Rng(c.seed);
    const initRng = root.split();
    this.samplerRng = root.split();
    this.noiseRng = root.split();
    this.actingRng = root.split();
    this.schedule = new DiffusionSchedule(c.betaSchedule, c.diffusionSteps);
    const cond = conditionDim(c);
    const actorSizes = {
      actionDim: c.actionDim,
      observationDim: c.observationDim,
      conditionDim: cond,
      hiddenDims: c.hiddenDims,
      timeEmbeddingDim: c.timeEmbeddingDim,
    };
    this.actor = new NoiseNetwork({ ...actorSizes, rng: initRng, name: 'actor', trainable: true });
    this.actorEma = new NoiseNetwork({ ...actorSizes, rng: initRng, name: 'actor_ema', trainable: false });
    this.prompts = this.buildPromptNetworks(initRng, 'prompt', true);
    this.promptsEma = this.buildPromptNetworks(initRng, 'prompt_ema', false);
    const ema = { decay: c.emaDecay, startStep: c.emaStartStep, every: c.emaEvery };
    this.emaCopies = [new EmaCopy(this.actor, { ...ema, into: this.actorEma })];
    if (this.prompts.textHead && this.promptsEma.textHead)
      this.emaCopies.push(new EmaCopy(this.prompts.textHead, { ...ema, into: this.promptsEma.textHead }));
    if (this.prompts.trajectoryEncoder && this.promptsEma.trajectoryEncoder) {
      this.emaCopies.push(
        new EmaCopy(this.prompts.trajectoryEncoder, { ...ema, into: this.promptsEma.trajectoryEncoder }),
      );
    }
    const criticSizes = {
      observationDim: c.observationDim,
      actionDim: c.actionDim,
      conditionDim: cond,
      hiddenDims: c.criticHiddenDims,
      activation: 'mish' as const,
    };
    this.critic = new TwinCritic({ ...criticSizes, rng: initRng, name: 'critic', trainable: true });
    this.criticTarget = new TwinCritic({ ...criticSizes, rng: initRng, name: 'critic_target', trainable: false });
    hardUpdate(this.criticTarget.trainableVariables(), this.critic.trainableVariables());
    this.actorOptimizer = new Adam([...this.actor.trainableVariables(), ...promptVariables(this.prompts)], {
      learningRate: c.actorLearningRate,
    });
    this.criticOptimizer = new Adam(this.critic.trainableVariables(), { learningRate: c.criticLearningRate });
  }

  private buildPromptNetworks(rng: Rng, name: string, trainable: boolean): PromptNetworks {
    const c = this.config;
    const textHead = c.useTextPrompt
      ? new Mlp({
          inputDim: c.textEmbeddingDim,
          hiddenDims: c.textHeadHiddenDims,
          outputDim: c.textOutputDim,
          activation: 'relu',
          rng,
          name: `${name}/text_head`,
          inputGradient: false,
          trainable,
        })
      : null;
    const trajectoryEncoder = c.useTrajectoryPrompt
      ? new TrajectoryEncoder({
          observationDim: c.observationDim,
          actionDim: c.actionDim,
          outputDim: c.trajectoryOutputDim,
          width: c.trajectoryWidth,
          layers: c.trajectoryLayers,
          heads: c.trajectoryHeads,
          feedForwardDim: c.trajectoryFeedForwardDim,
          maxPromptLength: c.trajectoryPromptLength,
          dropout: c.trajectoryDropout,
          rng,
          name: `${name}/trajectory`,
        })
      : null;
    return { textHead, trajectoryEncoder };
  }

  /** Total gradient steps taken. */
  get step(): number {
    return this.stepCount;
  }

  /** What a checkpoint records about the text encoder. */
  get textEncoderInfo(): TextEncoderInfo {
    return textEncoderInfo(this.textEncoder);
  }

  /**
   * Embeds texts with the frozen encoder, once per distinct text (kept for the agent's lifetime
   * and saved in checkpoints); never per training step.
   */
  async embedTexts(texts: readonly string[]): Promise<void> {
    const missing = [...new Set(texts)].filter((t) => !this.textCache.has(t));
    if (missing.length === 0 || !this.config.useTextPrompt) return;
    const vectors = await this.textEncoder.encode(missing);
    missing.forEach((t, i) => this.textCache.set(t, vectors[i]));
  }

  private prepare(
    textPrompt: string | undefined,
    trajectoryPrompt: Trajectory | undefined,
    what: string,
  ): PreparedPrompt {
    const c = this.config;
    let text: Float32Array | null = null;
    if (c.useTextPrompt) {
      if (textPrompt === undefined)
        throw new ConfigError(`${what}: this agent conditions on a text prompt; pass context.textPrompt.`);
      const v = this.textCache.get(textPrompt);
      if (v === undefined)
        throw new ConfigError(
          `${what}: the text prompt has not been embedded yet; call \`await agent.policy(context)\` (or agent.embedTexts) first.`,
        );
      text = v;
    }
    let trajectory: PromptBatch | null = null;
    if (c.useTrajectoryPrompt) {
      if (trajectoryPrompt === undefined)
        throw new ConfigError(`${what}: this agent conditions on a trajectory prompt; pass context.trajectoryPrompt.`);
      trajectory = this.prompts.trajectoryEncoder!.prepare([trajectoryPrompt]);
    }
    return { text, trajectory };
  }

  /**
   * The condition rows c for `tasks` (one prompt each) from the given prompt networks.
   * @remarks Returns a new `[tasks.length, C]` tensor or null when no prompt is used; the caller owns it.
   */
  private conditions(
    networks: PromptNetworks,
    tasks: readonly PreparedPrompt[],
    training: boolean,
  ): tf.Tensor2D | null {
    if (conditionDim(this.config) === 0) return null;
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      if (networks.textHead) {
        const dim = this.config.textEmbeddingDim;
        const rows = new Float32Array(tasks.length * dim);
        tasks.forEach((t, i) => rows.set(t.text!, i * dim));
        parts.push(networks.textHead.apply(tf.tensor2d(rows, [tasks.length, dim])));
      }
      if (networks.trajectoryEncoder) {
        const encoder = networks.trajectoryEncoder;
        const z = tasks.map((t) => encoder.encode(t.trajectory!, { training }));
        parts.push(z.length === 1 ? z[0] : (tf.concat(z, 0) as tf.Tensor2D));
      }
      return parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
    });
  }

  /**
   * Condition rows for a batch: the single task's `[1, C]` row as it is when one task fills the
   * batch (the networks add its projection to every row), else one row per batch row by task.
   */
  private static rowsFor(perTask: tf.Tensor2D | null, local: Int32Array, single: boolean): tf.Tensor2D | null {
    if (perTask === null || single) return perTask;
    return tf.tidy(() => tf.gather(perTask, tf.tensor1d(local, 'int32')) as tf.Tensor2D);
  }

  /**
   * Embeds every task's text once and prepares its trajectory prompt, so that `update` can
   * take batches of `data` (fit does this itself).
   * @throws {@link ConfigError} when a task lacks a prompt the config uses.
   */
  async prepareTasks(data: PromptedTaskSource): Promise<void> {
    this.clearEmaConditions();
    const tasks = Array.from({ length: data.numTasks }, (_, i) => data.task(i));
    await this.embedTexts(tasks.map((t) => t.textPrompt));
    this.taskPrompts = tasks.map((t) =>
      this.prepare(t.textPrompt, t.trajectoryPrompt, `LLMDPDAgent.prepareTasks (task ${t.name})`),
    );
  }

  /**
   * Trains on the seen tasks of `data` (Algorithm 1): embeds each task's text once, prepares
   * its trajectory prompt, then runs the shared loop.
   * @throws {@link ConfigError} when the data's dimensions differ from the agent's.
   */
  async fit(data: PromptedTaskSource, options: FitOptions<this>): Promise<FitReport> {
    await this.prepareTasks(data);
    this.batch ??= createBatch(this.config.batchSize, this.config.observationDim, this.config.actionDim);
    const self = this;
    return runFit(
      {
        agent: this,
        get step() {
          return self.stepCount;
        },
        samplerRng: this.samplerRng,
        batch: this.batch,
        label: 'LLMDPD',
        update: (b, read) => this.update(b, read),
        saveCheckpoint: (dir) => this.save(dir),
      },
      data,
      options,
    );
  }

  /**
   * One gradient step on a batch whose `taskIndices` refer to the tasks of the last `fit` data.
   * Order as Diffusion-QL: critic, actor (with the prompt networks), EMA, Polyak.
   * @throws {@link ShapeError} on wrong dimensions; {@link ConfigError} before any `fit`.
   */
  update(batch: Batch, readMetrics = false): Metrics | null {
    const c = this.config;
    if (batch.observationDim !== c.observationDim || batch.actionDim !== c.actionDim) {
      throw new ShapeError(
        `Batch has observationDim ${batch.observationDim}, actionDim ${batch.actionDim}; the agent expects ${c.observationDim} and ${c.actionDim}.`,
      );
    }
    // The distinct tasks of this batch (one under Algorithm 1's per-task sampling).
    const taskIds: number[] = [];
    const local = new Int32Array(batch.size);
    for (let i = 0; i < batch.size; i++) {
      const t = batch.taskIndices[i];
      let j = taskIds.indexOf(t);
      if (j < 0) {
        if (t >= this.taskPrompts.length && conditionDim(c) > 0)
          throw new ConfigError(
            `Batch row ${i} has task index ${t}, but the agent knows ${this.taskPrompts.length} tasks; call fit(data) (which prepares the prompts) before update.`,
          );
        j = taskIds.push(t) - 1;
      }
      local[i] = j;
    }
    const prepared = taskIds.map((t) => this.taskPrompts[t]);
    const single = taskIds.length === 1;
    const useFirstCritic = this.noiseRng.float() > 0.5;
    let metrics: Metrics | null = null;
    tf.tidy(() => {
      const B = batch.size;
      const s = tf.tensor2d(batch.observations, [B, c.observationDim]);
      const a = tf.tensor2d(batch.actions, [B, c.actionDim]);
      const r = tf.tensor2d(batch.rewards, [B, 1]);
      const s2 = tf.tensor2d(batch.nextObservations, [B, c.observationDim]);
      const done = tf.tensor2d(batch.terminals, [B, 1]);

      // Critic step: the critics and the EMA actor see the EMA prompt networks' condition c̄
      // (cached until the EMA moves), so the critic's task code drifts slowly and costs no
      // trajectory-encoder pass per step.
      const criticCondition = LLMDPDAgent.rowsFor(this.emaConditions(taskIds, prepared), local, single);
      const nextActions = sampleActions({
        network: this.actorEma,
        schedule: this.schedule,
        observations: s2,
        condition: criticCondition,
        maxAction: c.maxAction,
        rng: this.noiseRng,
        frozen: true,
      });
      const [tq1, tq2] = this.criticTarget.values(s2, nextActions, criticCondition, true);
      const y = tdTargets(r, done, tq1, tq2, c.discount);
      const critic = gradientsOf(() => {
        const [q1, q2] = this.critic.values(s, a, criticCondition);
        return criticLoss(q1, q2, y);
      }, this.criticOptimizer.variables);
      this.criticOptimizer.applyGradients(critic.grads, { clipNorm: c.gradientClipNorm });

      // Actor step: L_d − λ L_r through ε_θ, h_ψ and g_φ (embeddings recomputed inside the tape).
      let bcValue: tf.Scalar | null = null;
      let qValue: tf.Scalar | null = null;
      const actor = gradientsOf(() => {
        const cond = LLMDPDAgent.rowsFor(this.conditions(this.prompts, prepared, true), local, single);
        const bc = bcLoss({
          network: this.actor,
          schedule: this.schedule,
          actions: a,
          observations: s,
          condition: cond,
          rng: this.noiseRng,
        });
        const proposed = sampleActions({
          network: this.actor,
          schedule: this.schedule,
          observations: s,
          condition: cond,
          maxAction: c.maxAction,
          rng: this.noiseRng,
          frozen: false,
        });
        const [n1, n2] = this.critic.values(s, proposed, criticCondition, true);
        const q = useFirstCritic ? qLoss(n1, n2) : qLoss(n2, n1);
        if (readMetrics) {
          bcValue = tf.keep(tf.clone(bc));
          qValue = tf.keep(tf.mean(n1) as tf.Scalar);
        }
        return tf.add(bc, tf.mul(q, c.eta)) as tf.Scalar;
      }, this.actorOptimizer.variables);
      this.actorOptimizer.applyGradients(actor.grads, { clipNorm: c.gradientClipNorm });

      if (!readMetrics) return;
      metrics = readScalars({
        'loss/critic': critic.value,
        'loss/actor': actor.value,
        'loss/bc': bcValue,
        'value/qMean': qValue,
      });
      (bcValue as tf.Scalar | null)?.dispose();
      (qValue as tf.Scalar | null)?.dispose();
    });
    let emaMoved = false;
    for (const ema of this.emaCopies) emaMoved = ema.update(this.stepCount) || emaMoved;
    if (emaMoved) this.clearEmaConditions();
    softUpdate(this.criticTarget.trainableVariables(), this.critic.trainableVariables(), c.tau);
    this.stepCount += 1;
    return metrics;
  }

  /**
   * EMA-side condition rows of `taskIds`, from the cache when the EMA networks have not moved
   * since they were computed (before `emaStartStep` they never move, and after it they move every
   * `emaEvery` steps), so the EMA trajectory encoder runs only when its weights change.
   * @remarks Returns a new tensor (the caller owns it) or null without prompts.
   */
  private emaConditions(taskIds: readonly number[], prepared: readonly PreparedPrompt[]): tf.Tensor2D | null {
    if (conditionDim(this.config) === 0) return null;
    return tf.tidy(() => {
      const rows = taskIds.map((t, i) => {
        let row = this.emaConditionCache.get(t);
        if (row === undefined) {
          row = tf.keep(this.conditions(this.promptsEma, [prepared[i]], false)!);
          this.emaConditionCache.set(t, row);
        }
        return tf.clone(row);
      });
      return rows.length === 1 ? rows[0] : (tf.concat(rows, 0) as tf.Tensor2D);
    });
  }

  private clearEmaConditions(): void {
    for (const t of this.emaConditionCache.values()) t.dispose();
    this.emaConditionCache.clear();
  }

  /**
   * The condition rows a policy acts with, computed once on the host: c from the online prompt
   * networks (for the actor) and c̄ from the EMA ones (for the critics that rank candidates).
   */
  private actingConditions(prompt: PreparedPrompt): ActingConditions {
    if (conditionDim(this.config) === 0) return { actor: null, critic: null };
    const [actor, critic] = tf.tidy(() => [
      this.conditions(this.prompts, [prompt], false)!.dataSync() as Float32Array,
      this.conditions(this.promptsEma, [prompt], false)!.dataSync() as Float32Array,
    ]);
    return { actor: Float32Array.from(actor), critic: Float32Array.from(critic) };
  }

  /** Actions for N observations under one prompt's condition rows (one batched network call). */
  private actPrepared(observations: Float32Array, rows: ActingConditions): Float32Array {
    const c = this.config;
    return selectActions(
      observations,
      {
        observationDim: c.observationDim,
        actionDim: c.actionDim,
        candidates: c.actionCandidates,
        temperature: c.actionTemperature,
        rng: this.actingRng,
      },
      (s) => {
        const width = conditionDim(c);
        const cond = rows.actor === null ? null : tf.tensor2d(rows.actor, [1, width]);
        const criticCond = rows.critic === null ? null : tf.tensor2d(rows.critic, [1, width]);
        const proposed = sampleActions({
          network: this.actor,
          schedule: this.schedule,
          observations: s,
          condition: cond,
          maxAction: c.maxAction,
          rng: this.actingRng,
          frozen: true,
        });
        const [q1, q2] = this.criticTarget.values(s, proposed, criticCond, true);
        return [proposed, tf.minimum(q1, q2) as tf.Tensor2D];
      },
    );
  }

  /**
   * One action for one observation under `context` (whose text must already be embedded:
   * use {@link LLMDPDAgent.policy}, which does that, for repeated calls).
   * @throws {@link ShapeError} on a wrong length; {@link ConfigError} on a missing prompt.
   */
  act(observation: Float32Array, context: PromptContext = {}): Float32Array {
    if (observation.length !== this.config.observationDim) {
      throw new ShapeError(
        `act expects one observation of length ${this.config.observationDim}, got ${observation.length}; use policy(context).actBatch for several.`,
      );
    }
    return this.actPrepared(
      observation,
      this.actingConditions(this.prepare(context.textPrompt, context.trajectoryPrompt, 'LLMDPDAgent.act')),
    );
  }

  /**
   * A policy bound to a task's prompts: the text is embedded (once), the trajectory encoded and
   * both condition rows computed here, so `act` does no prompt work. This is how unseen tasks
   * are run zero-shot.
   * @remarks The policy snapshots the prompt embeddings of the current weights: after more
   * training, ask for a new policy.
   */
  async policy(context: PromptContext = {}): Promise<BoundPolicy> {
    if (context.textPrompt !== undefined) await this.embedTexts([context.textPrompt]);
    const rows = this.actingConditions(
      this.prepare(context.textPrompt, context.trajectoryPrompt, 'LLMDPDAgent.policy'),
    );
    return { act: (o) => this.actPrepared(o, rows), actBatch: (o) => this.actPrepared(o, rows) };
  }

  /** Writes a resumable checkpoint (config, text-encoder id, embedded texts, weights, optimiser state) atomically. */
  save(dir: string): void {
    const rng: RandomStates = {
      sampler: this.samplerRng.getState(),
      noise: this.noiseRng.getState(),
      acting: this.actingRng.getState(),
    };
    const texts = [...this.textCache.keys()];
    writeAgentCheckpoint(
      dir,
      {
        agent: 'LLMDPDAgent',
        config: this.config,
        step: this.stepCount,
        rng,
        textEncoder: this.textEncoderInfo,
        texts,
        textVectors: texts.map((t) => Array.from(this.textCache.get(t)!)),
      },
      this.variableGroups(),
      this.optimizers(),
    );
  }

  /**
   * Restores an agent saved with {@link LLMDPDAgent.save}. Pass the same text encoder it was
   * trained with (checked by id and dimension) to embed new prompts; texts embedded before the
   * save are restored without it.
   * @throws {@link ConfigError} when the checkpoint is another agent's or the encoder differs.
   */
  static load(dir: string, dependencies: LLMDPDDependencies = {}): LLMDPDAgent {
    const header = readAgentCheckpointHeader(dir, 'LLMDPDAgent.load');
    if (header['agent'] !== 'LLMDPDAgent') {
      throw new ConfigError(
        `${dir} holds a ${String(header['agent'])} checkpoint, not an LLMDPDAgent one; load it with that agent's class.`,
      );
    }
    const saved = header['textEncoder'] as TextEncoderInfo;
    const encoder = dependencies.textEncoder ?? new HashedNgramTextEncoder();
    if (encoder.id !== saved.id || encoder.dimension !== saved.dimension) {
      throw new ConfigError(
        `${dir} was trained with text encoder ${saved.id} (dimension ${saved.dimension}); got ${encoder.id} (dimension ${encoder.dimension}). Pass the same encoder: LLMDPDAgent.load(dir, { textEncoder }).`,
      );
    }
    const { textEmbeddingDim: _dim, ...config } = header['config'] as LLMDPDConfig;
    void _dim;
    const agent = new LLMDPDAgent(config, { textEncoder: encoder });
    restoreAgentCheckpoint(dir, 'LLMDPDAgent.load', agent.variableGroups(), agent.optimizers());
    agent.stepCount = header['step'] as number;
    const rng = header['rng'] as RandomStates;
    agent.samplerRng.setState(rng.sampler);
    agent.noiseRng.setState(rng.noise);
    agent.actingRng.setState(rng.acting);
    const texts = header['texts'] as string[];
    const vectors = header['textVectors'] as number[][];
    texts.forEach((t, i) => agent.textCache.set(t, Float32Array.from(vectors[i])));
    return agent;
  }

  private variableGroups() {
    return {
      actor: this.actor.trainableVariables(),
      actorEma: this.actorEma.trainableVariables(),
      prompt: promptVariables(this.prompts),
      promptEma: promptVariables(this.promptsEma),
      critic: this.critic.trainableVariables(),
      criticTarget: this.criticTarget.trainableVariables(),
    };
  }

  private optimizers() {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer };
  }

  /** Frees every tensor the agent owns (not the text encoder, which the caller may share). */
  dispose(): void {
    this.clearEmaConditions();
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    for (const ema of this.emaCopies) ema.dispose();
    for (const m of [this.actor, this.actorEma, this.critic, this.criticTarget]) m.dispose();
    for (const p of [this.prompts, this.promptsEma]) {
      p.textHead?.dispose();
      p.trajectoryEncoder?.dispose();
    }
  }
}

function promptVariables(p: PromptNetworks): tf.Variable[] {
  return [...(p.textHead?.trainableVariables() ?? []), ...(p.trajectoryEncoder?.trainableVariables() ?? [])];
}
