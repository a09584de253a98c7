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
import { resolveWithTextEncoder } from './common/agent-config.js';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';
import type { Batch } from '../core/types.js';
import { type Adam, gradientsOf } from '../nets/adam.js';
import type { NetModule } from '../nets/module.js';
import type { Metrics } from './agent.js';
import type { AgentScaffold } from './common/agent-scaffold.js';
import { createActorOptimizer, createAgentParts, createScaffold } from './common/actor-critic.js';
import { stageBatch } from './common/batch-tensors.js';
import {
  type AgentDependencies,
  type AgentOptions,
  type AgentRules,
  resolveAgentConfig,
} from './common/agent-config.js';
import { LoggedScalars } from './common/metrics.js';
import { DeterministicActor, GaussianActor } from './common/networks/actors.js';
import { SCALER_DEFAULTS, type ScalerConfig } from './common/scalers.js';
import { MLP_POLICY_FIELDS, STANDARDISED_OBSERVATIONS, TRAINING_FIELDS } from './common/config-fields.js';
import type { MlpPolicyConfig, TrainingConfig } from './common/config-fields.js';
import { ScaffoldedAgent } from './common/scaffolded-agent.js';
import type { ConditionerConfig } from './conditioning/config.js';
import type { TaskConditioning } from './conditioning/task-conditioning.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** BC's configuration (`common/config-fields.ts`: training and MLP fields). JSON-serialisable; saved with every checkpoint. */
export interface BCConfig extends ScalerConfig, TrainingConfig, MlpPolicyConfig {
  /** `'deterministic'` (MSE) or `'gaussian'` (maximum likelihood). @defaultValue `'deterministic'` */
  readonly policy: 'deterministic' | 'gaussian';
  /** Adam learning rate of the policy and the conditioner. @defaultValue 3e-4 */
  readonly learningRate: number;
  /** The task conditioner. @defaultValue `{ kind: 'none' }` */
  readonly conditioner: ConditionerConfig;
}

/** Defaults of every optional field (CORL's BC). */
export const BC_DEFAULTS: Readonly<Omit<BCConfig, 'observationDim' | 'actionDim'>> = Object.freeze({
  ...TRAINING_FIELDS.defaults,
  ...MLP_POLICY_FIELDS.defaults,
  policy: 'deterministic',
  learningRate: 3e-4,
  ...STANDARDISED_OBSERVATIONS,
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
  ...TRAINING_FIELDS.rules,
  ...MLP_POLICY_FIELDS.rules,
  policy: ['deterministic', 'gaussian'],
  learningRate: 'positive',
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
export class BCAgent extends ScaffoldedAgent<BCConfig> {
  /** The class name checkpoints record. */
  static readonly agentName = 'BCAgent';
  /** Resolved configuration. */
  readonly config: BCConfig;
  /** The policy π. */
  readonly actor: DeterministicActor | GaussianActor;
  /** The task conditioner (trained with the policy). */
  readonly conditioning: TaskConditioning;
  /** Fit, act, policy and checkpoint plumbing shared by every agent. */
  protected readonly scaffold: AgentScaffold;
  /** One Adam for the policy and the conditioner. */
  protected readonly optimizers: Readonly<Record<'actor', Adam>>;

  /**
   * Builds the policy, the conditioner and the optimiser.
   * @throws {@link ConfigError} on an invalid option.
   */
  constructor(options: BCOptions, dependencies: BCDependencies = {}) {
    super();
    const { config: c, textEncoder } = resolveWithTextEncoder(resolveBCConfig, options, dependencies);
    this.config = c;
    const parts = createAgentParts({ ...c, criticConditioning: 'none' }, null, textEncoder);
    this.conditioning = parts.conditioning;
    const actorOptions = { ...c, conditionDim: this.conditioning.width, rng: parts.streams.init, name: 'actor' };
    this.actor = c.policy === 'gaussian' ? new GaussianActor(actorOptions) : new DeterministicActor(actorOptions);
    this.optimizers = { actor: createActorOptimizer(this.actor, this.conditioning, c.learningRate) };
    this.scaffold = createScaffold(this, { name: BCAgent.agentName, label: 'BC' }, c, parts, this.actor);
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
      }, this.optimizers.actor.variables);
      this.optimizers.actor.applyGradients(actor.grads, { clipNorm: c.gradientClipNorm });
      metrics = logged.read({ 'loss/actor': actor.value });
    });
    this.scaffold.step += 1;
    return metrics;
  }

  // ── 5. Act: the mean action (common/actor-critic.ts, `policyMeanActions`) ─────────────────

  // ── 6. State: the policy by role; save, load and the rest: common/scaffolded-agent.ts ─────

  protected networks(): Readonly<Record<string, NetModule>> {
    return { actor: this.actor };
  }
}
