/**
 * Behaviour cloning: the policy imitates the dataset's actions, nothing else. The floor every
 * offline-RL method should beat, and with a task conditioner the simplest multi-task baseline
 * (the same conditioner LLMDPD uses, without critics or diffusion).
 *
 *   deterministic:  a = maxAction · tanh(f(s, c)),     L = mean over B×A of (π(s, c) − a)²
 *                   (CORL's `any_percent_bc` at 100 %: 2×256 ReLU, Adam 3e-4, batch 256)
 *   gaussian:       π(·|s, c) = N(maxAction · tanh(f(s, c)), diag σ²), log σ learned, state-independent
 *                   L = −mean_B Σ_A log π(a|s, c)   (maximum likelihood; CORL IQL's Gaussian actor)
 *   act:            the mean action
 *   observations:   standardised with the data's statistics, (s − μ)/(σ + 1e-3), as CORL does
 *                   (the default `observationScaler`; `common/scalers.ts`)
 *
 * Every number above is a config field. Choices: `docs/algorithms/README.md`, "BC".
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';
import type { Batch, TransitionSource } from '../core/types.js';
import { Adam, gradientsOf } from '../nets/adam.js';
import type { PolicyExportSummary } from '../export/artefact.js';
import type { Agent, BoundPolicy, ExportPolicyOptions, FitOptions, FitReport, Metrics, TaskContext } from './agent.js';
import { AgentScaffold, hooksOf } from './common/agent-scaffold.js';
import { stageBatch } from './common/batch-tensors.js';
import {
  type AgentDependencies,
  type AgentOptions,
  type AgentRules,
  resolveAgentConfig,
} from './common/agent-config.js';
import { LoggedScalars } from './common/metrics.js';
import { DeterministicActor, GaussianActor } from './common/networks/actors.js';
import { deterministicActing } from './common/policy-export.js';
import { SCALER_DEFAULTS, SCALER_EPSILON, type ScalerConfig } from './common/scalers.js';
import { createRandomStreams } from './common/random-streams.js';
import { TargetNetworks } from './common/target-networks.js';
import type { ConditionerConfig } from './conditioning/config.js';
import { assertSameTextEncoder, textEncoderFor } from './conditioning/prompts.js';
import { type ContextRows, TaskConditioning } from './conditioning/task-conditioning.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** BC's configuration. JSON-serialisable; saved with every checkpoint. */
export interface BCConfig extends ScalerConfig {
  /** Observation width S (required). */
  readonly observationDim: number;
  /** Action width A (required). */
  readonly actionDim: number;
  /** Seed of every random stream. @defaultValue 0 */
  readonly seed: number;
  /** `'deterministic'` (MSE) or `'gaussian'` (maximum likelihood). @defaultValue `'deterministic'` */
  readonly policy: 'deterministic' | 'gaussian';
  /** Transitions per gradient step. @defaultValue 256 */
  readonly batchSize: number;
  /** Adam learning rate of the policy and the conditioner. @defaultValue 3e-4 */
  readonly learningRate: number;
  /** Hidden widths of f. @defaultValue [256, 256] */
  readonly hiddenDims: readonly number[];
  /** Hidden activation. @defaultValue `'relu'` */
  readonly activation: 'relu' | 'mish';
  /** Action bound. @defaultValue 1 */
  readonly maxAction: number;
  /** Global-norm gradient clip; 0 disables. @defaultValue 0 */
  readonly gradientClipNorm: number;
  /** The task conditioner. @defaultValue `{ kind: 'none' }` */
  readonly conditioner: ConditionerConfig;
}

/** Defaults of every optional field (CORL's BC). */
export const BC_DEFAULTS: Readonly<Omit<BCConfig, 'observationDim' | 'actionDim'>> = Object.freeze({
  seed: 0,
  policy: 'deterministic',
  batchSize: 256,
  learningRate: 3e-4,
  hiddenDims: Object.freeze([256, 256]),
  activation: 'relu',
  maxAction: 1,
  gradientClipNorm: 0,
  ...SCALER_DEFAULTS,
  observationScaler: Object.freeze({ kind: 'standard' as const, epsilon: SCALER_EPSILON }),
  conditioner: Object.freeze({ kind: 'none' }),
});

/** Options of `new BCAgent(...)`: the dimensions plus any field to override. */
export type BCOptions = AgentOptions<BCConfig> & {
  /** The 0.1 switch for `observationScaler`: true is `{ kind: 'standard' }`, false `{ kind: 'none' }`. @deprecated use observationScaler */
  readonly normalizeObservations?: boolean;
};

/** Objects a BC agent uses but does not serialise (the text encoder of a `prompts` conditioner). */
export type BCDependencies = AgentDependencies;

/** Validation rules of {@link BCConfig}'s fields. */
export const BC_RULES: AgentRules<BCConfig> = Object.freeze({
  observationDim: 'positiveInt',
  actionDim: 'positiveInt',
  seed: 'int',
  policy: ['deterministic', 'gaussian'],
  batchSize: 'positiveInt',
  learningRate: 'positive',
  hiddenDims: 'dims',
  activation: ['relu', 'mish'],
  maxAction: 'positive',
  gradientClipNorm: 'nonNegative',
});

/**
 * Fills defaults and validates every field.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveBCConfig(options: BCOptions, textEmbeddingDim?: number): BCConfig {
  const { normalizeObservations, ...rest } = options;
  if (normalizeObservations !== undefined && options.observationScaler !== undefined)
    throw new ConfigError('BCConfig: give observationScaler or the older normalizeObservations, not both.');
  const legacy = normalizeObservations === false ? { observationScaler: SCALER_DEFAULTS.observationScaler } : {};
  return resolveAgentConfig('BCConfig', BC_DEFAULTS, BC_RULES, { ...rest, ...legacy }, textEmbeddingDim);
}

// ── 2. Losses ───────────────────────────────────────────────────────────────────────────────

/**
 * Deterministic BC: mean over B×A of (π(s) − a)² (PyTorch's `F.mse_loss`).
 * @remarks Returns a new scalar; the caller owns it.
 */
export function mseBcLoss(predicted: tf.Tensor2D, actions: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean<tf.Scalar>(tf.square(tf.sub(predicted, actions))));
}

/**
 * Gaussian BC: −mean over the batch of log π(a|s) (log π summed over action dimensions).
 * @remarks Returns a new scalar; the caller owns it.
 */
export function likelihoodBcLoss(logProb: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean<tf.Scalar>(logProb)));
}

// ── 3. The agent ────────────────────────────────────────────────────────────────────────────

/**
 * Behaviour cloning on tfjs, with any task conditioner.
 *
 * @example
 * ```ts
 * const agent = new BCAgent({ observationDim: 4, actionDim: 2, conditioner: { kind: 'task-id', tasks: dataset.tasks } });
 * await agent.fit(dataset, { steps: 10_000 });
 * const action = agent.act(observation, { task: dataset.tasks[0]! });
 * ```
 */
export class BCAgent implements Agent<BCConfig> {
  /** Resolved configuration. */
  readonly config: BCConfig;
  /** The policy π. */
  readonly actor: DeterministicActor | GaussianActor;
  /** The task conditioner (trained with the policy). */
  readonly conditioning: TaskConditioning;
  /** Fit, act, policy and checkpoint plumbing shared by every agent. */
  private readonly scaffold: AgentScaffold;
  private readonly optimizer: Adam;

  /**
   * Builds the policy, the conditioner and the optimiser.
   * @throws {@link ConfigError} on an invalid option.
   */
  constructor(options: BCOptions, dependencies: BCDependencies = {}) {
    const textEncoder = textEncoderFor(options.conditioner, dependencies.textEncoder);
    this.config = resolveBCConfig(options, textEncoder?.dimension);
    const c = this.config;
    const streams = createRandomStreams(c.seed);
    const targets = new TargetNetworks();
    this.conditioning = new TaskConditioning(c.conditioner, {
      observationDim: c.observationDim,
      actionDim: c.actionDim,
      rng: streams.conditioner,
      ema: null,
      criticConditioning: 'none',
      ...(textEncoder === undefined ? {} : { textEncoder }),
    });
    const actorOptions = { ...c, conditionDim: this.conditioning.width, rng: streams.init, name: 'actor' };
    this.actor = c.policy === 'gaussian' ? new GaussianActor(actorOptions) : new DeterministicActor(actorOptions);
    this.optimizer = new Adam([...this.actor.trainableVariables(), ...this.conditioning.trainableVariables()], {
      learningRate: c.learningRate,
    });
    this.scaffold = new AgentScaffold({
      name: 'BCAgent',
      label: 'BC',
      dims: c,
      streams,
      targets,
      conditioning: this.conditioning,
      normalizer: null,
      scalers: c,
      hooks: hooksOf(
        this,
        (observations, rows) => this.actWith(observations, rows),
        (rows) => deterministicActing(this.actor, rows.actor),
      ),
    });
  }

  // ── 4. Update ─────────────────────────────────────────────────────────────────────────────

  /**
   * One gradient step of the BC loss through the policy and the conditioner.
   * @returns metrics when `readMetrics` is true (forces a device sync), else null.
   * @throws {@link ShapeError} on wrong batch widths; {@link ConfigError} when the batch refers
   * to tasks the agent is not bound to (`bindTasks`).
   */
  update(batch: Batch, readMetrics = false): Metrics | null {
    const c = this.config;
    const tasks = this.conditioning.select(batch);
    const logged = new LoggedScalars(readMetrics);
    let metrics: Metrics | null = null;
    tf.tidy(() => {
      const { observations: s, actions: a } = stageBatch(batch, c, this.scaffold.scalers);
      const actor = gradientsOf(() => {
        const condition = this.conditioning.actorRows(tasks);
        const policy = this.actor;
        return policy instanceof GaussianActor
          ? likelihoodBcLoss(policy.logProb(s, a, condition))
          : mseBcLoss(policy.apply(s, condition), a);
      }, this.optimizer.variables);
      this.optimizer.applyGradients(actor.grads, { clipNorm: c.gradientClipNorm });
      metrics = logged.read({ 'loss/actor': actor.value });
    });
    this.scaffold.step += 1;
    return metrics;
  }

  // ── 5. Act ────────────────────────────────────────────────────────────────────────────────

  /** The mean actions for N observations under one context's condition row. */
  private actWith(observations: Float32Array, rows: ContextRows): Float32Array {
    const c = this.config;
    const n = observations.length / c.observationDim;
    return tf.tidy(() => {
      const s = tf.tensor2d(observations, [n, c.observationDim]);
      const condition = rows.actor === null ? null : tf.tensor2d(rows.actor, [1, this.conditioning.width]);
      const policy = this.actor;
      const mean = policy instanceof GaussianActor ? policy.mean(s, condition) : policy.apply(s, condition);
      return Float32Array.from(mean.dataSync());
    });
  }

  // ── 6. Plumbing (common/agent-scaffold.ts) ────────────────────────────────────────────────

  /** Total gradient steps taken. */
  get step(): number {
    return this.scaffold.step;
  }

  /** One action for one observation under `context`. @throws {@link ShapeError} on a wrong length. */
  act(observation: Float32Array, context: TaskContext = {}): Float32Array {
    return this.scaffold.act(observation, context);
  }

  /** Actions for N observations (`N * observationDim`, row-major) in one batched call. */
  actBatch(observations: Float32Array, context: TaskContext = {}): Float32Array {
    return this.scaffold.actBatch(observations, context);
  }

  /** A policy bound to `context`, its condition computed once. */
  policy(context: TaskContext = {}): Promise<BoundPolicy> {
    return this.scaffold.policy(context);
  }

  /**
   * Writes the policy for `options.context` as a small artefact a dependency-free runtime acts
   * with, in Node or a browser (`docs/export.md`).
   */
  exportPolicy(dir: string, options: ExportPolicyOptions = {}): Promise<PolicyExportSummary> {
    return this.scaffold.exportPolicy(dir, options);
  }

  /** Binds the conditioner (and fits the scalers) to `data` so `update` can take its batches. */
  bindTasks(data: TransitionSource): Promise<void> {
    return this.scaffold.bindTasks(data);
  }

  /** Trains on `data` for `options.steps` steps (see {@link FitOptions}). */
  fit(data: TransitionSource, options: FitOptions<this>): Promise<FitReport> {
    return this.scaffold.fit(data, options);
  }

  /** Writes a resumable checkpoint (config, step, streams, statistics, conditioner, weights, optimiser) atomically. */
  save(dir: string): void {
    this.scaffold.save(dir, this.config, this.variableGroups(), { actor: this.optimizer });
  }

  /**
   * Restores an agent saved with `save`; training resumes exactly.
   * @throws {@link DatasetError} on a missing or corrupted checkpoint ({@link CheckpointError}
   * naming the field or column it cannot trust); {@link ConfigError} when another agent wrote it.
   */
  static load(dir: string, dependencies: BCDependencies = {}): BCAgent {
    const header = AgentScaffold.readHeader(dir, 'BCAgent');
    const config = header.config as BCConfig;
    if (config.conditioner?.kind === 'prompts') assertSameTextEncoder(header, dependencies.textEncoder, dir);
    const agent = AgentScaffold.buildFromHeader(dir, header, () => new BCAgent(config, dependencies));
    agent.scaffold.restore(dir, header, agent.variableGroups(), { actor: agent.optimizer });
    return agent;
  }

  private variableGroups(): Record<string, tf.Variable[]> {
    return { actor: this.actor.trainableVariables(), ...this.conditioning.variableGroups() };
  }

  /** Frees every tensor the agent owns (not a shared text encoder). */
  dispose(): void {
    this.optimizer.dispose();
    this.scaffold.dispose();
    this.actor.dispose();
  }
}
