/**
 * Implicit Q-learning (Kostrikov, Nair & Levine, ICLR 2022, arXiv 2110.06169), as CORL's
 * single-file implementation runs it: the value function learns an upper expectile of the
 * target critics over the dataset's own actions, so no action outside the data is ever
 * evaluated, and the policy is extracted by advantage-weighted regression. With a task
 * conditioner the actor takes a condition vector c (trained through the actor loss) and the
 * critics and V see it as a constant.
 *
 *   value:   u = min(Q1′, Q2′)(s, a) − V(s),   L_V = mean(|τ_e − 1[u < 0]| · u²)   (τ_e = expectile)
 *   critic:  y = r + γ (1 − terminal) · V(s′)  (V before its own step),  L_Q = ½ Σᵢ MSE(Qᵢ(s, a), y)
 *   actor:   w = min(exp(β · u), 100),  L_π = mean(w · ℓ(a | s)),
 *            ℓ = −log π(a|s) (Gaussian, log σ state-independent) or Σ_A (π(s) − a)² (deterministic)
 *   order:   V, then Q, then the actor; Polyak targets (τ = 0.005) every step; the actor's
 *            learning rate is cosine-annealed to 0 over `actorScheduleSteps` (1 M)
 *   act:     the mean action; observations standardised with the data's statistics (the
 *            default `observationScaler`, `common/scalers.ts`)
 *
 * Every number above is a config field; the defaults are CORL's (`IQLAgent.preset(dataset)` sets
 * its per-dataset values). What is implemented and every
 * choice the paper or CORL leaves open: `docs/algorithms/iql.md`.
 *
 * @see https://arxiv.org/abs/2110.06169
 * @module
 */
import { resolveWithTextEncoder } from './common/agent-config.js';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../core/types.js';
import type { NetModule } from '../nets/module.js';
import { Adam, gradientsOf } from '../nets/adam.js';
import type { Metrics } from './agent.js';
import { ACTOR_CRITIC_DEFAULTS, ACTOR_CRITIC_RULES, type ActorCriticConfig } from './common/actor-critic-config.js';
import {
  type AgentDependencies,
  type AgentOptions,
  type AgentRules,
  resolveAgentConfig,
} from './common/agent-config.js';
import { createActorOptimizer, createAgentParts, createCritics, createScaffold } from './common/actor-critic.js';
import { runUpdate } from './common/update-step.js';
import type { AgentScaffold } from './common/agent-scaffold.js';
import { ScaffoldedAgent } from './common/scaffolded-agent.js';
import type { CustomRule } from './common/config.js';
import { LEARNING_RATE_SCHEDULES, type LearningRateSchedule, scheduledRate } from './common/learning-rate.js';
import { criticLoss, minOf, tdTargets } from './common/losses.js';
import { DeterministicActor, GaussianActor } from './common/networks/actors.js';
import { ConditionedMlp } from './common/networks/conditioned-mlp.js';
import type { CriticEnsemble } from './common/networks/critics.js';
import type { TaskConditioning } from './conditioning/task-conditioning.js';
import { presetOptions } from './presets/presets.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** IQL's configuration: the shared actor-critic fields plus IQL's own. JSON-serialisable. */
export interface IQLConfig extends ActorCriticConfig {
  /** `'gaussian'` (maximum likelihood) or `'deterministic'` (squared error) policy. @defaultValue `'gaussian'` */
  readonly policy: 'gaussian' | 'deterministic';
  /** τ_e, the expectile V learns of the target critics' values (0.5 is the mean). @defaultValue 0.7 */
  readonly expectile: number;
  /** β, the inverse temperature of the advantage weights exp(β · u). @defaultValue 3 */
  readonly beta: number;
  /** Upper clip of the advantage weights (CORL's `EXP_ADV_MAX`). @defaultValue 100 */
  readonly maxAdvantageWeight: number;
  /** Adam learning rate of V. @defaultValue 3e-4 */
  readonly valueLearningRate: number;
  /** The actor's learning-rate schedule. @defaultValue `'cosine'` */
  readonly actorSchedule: LearningRateSchedule;
  /** Steps over which the cosine schedule anneals to 0: the length of training (CORL: 1 M). @defaultValue 1000000 */
  readonly actorScheduleSteps: number;
  /**
   * What the critics and V see of the condition: `'online-detached'` (sg(c)) or `'none'`. IQL has
   * no target actor, so `'ema'` is not available. @defaultValue `'online-detached'`
   */
  readonly criticConditioning: 'none' | 'online-detached';
}

/** Defaults of every optional field (CORL's IQL on D4RL locomotion, no conditioner). */
export const IQL_DEFAULTS: Readonly<Omit<IQLConfig, 'observationDim' | 'actionDim'>> = Object.freeze({
  ...ACTOR_CRITIC_DEFAULTS,
  policy: 'gaussian',
  expectile: 0.7,
  beta: 3,
  maxAdvantageWeight: 100,
  valueLearningRate: 3e-4,
  actorSchedule: 'cosine',
  actorScheduleSteps: 1_000_000,
  criticConditioning: 'online-detached',
});

const OPEN_UNIT: CustomRule = {
  check: (v) => typeof v === 'number' && v > 0 && v < 1,
  description: 'a number in (0, 1)',
};

/** Validation rules of {@link IQLConfig}'s fields (scalers and conditioner have their own). */
export const IQL_RULES: AgentRules<IQLConfig> = Object.freeze({
  ...ACTOR_CRITIC_RULES,
  policy: ['gaussian', 'deterministic'],
  expectile: OPEN_UNIT,
  beta: 'nonNegative',
  maxAdvantageWeight: 'positive',
  valueLearningRate: 'positive',
  actorSchedule: LEARNING_RATE_SCHEDULES,
  actorScheduleSteps: 'positiveInt',
  criticConditioning: ['none', 'online-detached'],
});

/** Options of `new IQLAgent(...)`: the dimensions plus any field to override. */
export type IQLOptions = AgentOptions<IQLConfig>;

/**
 * Fills defaults and validates every field.
 * @param textEmbeddingDim - the text encoder's dimension, for a `prompts` conditioner.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveIQLConfig(options: IQLOptions, textEmbeddingDim?: number): IQLConfig {
  return resolveAgentConfig('IQLConfig', IQL_DEFAULTS, IQL_RULES, options, textEmbeddingDim);
}

// ── 2. Losses ───────────────────────────────────────────────────────────────────────────────

/**
 * The expectile loss of V: mean over the batch of |τ_e − 1[u < 0]| · u², u = Q − V. Minimised by
 * V = the τ_e-expectile of Q (τ_e = 0.5: the mean).
 * @remarks Returns a new scalar; the caller owns it.
 */
export function expectileLoss(u: tf.Tensor2D, expectile: number): tf.Scalar {
  return tf.tidy(() => {
    // 1[u < 0] = step(−u), whose gradient is 0 (tfjs has no gradient for comparisons).
    const weight = tf.abs(tf.sub(expectile, tf.step(tf.neg(u))));
    return tf.mean<tf.Scalar>(tf.mul(weight, tf.square(u)));
  });
}

/**
 * IQL's critic loss: the mean over the critics of MSE(Qᵢ, y), ½(MSE₁ + MSE₂) for two.
 * @remarks Returns a new scalar; the caller owns it.
 */
export function meanCriticLoss(values: readonly tf.Tensor2D[], targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div<tf.Scalar>(criticLoss(values, targets), values.length));
}

/**
 * The advantage weights w = min(exp(β · u), maxWeight) of the policy loss, as constants.
 * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
 */
export function advantageWeights(advantages: tf.Tensor2D, beta: number, maxWeight: number): tf.Tensor2D {
  return tf.tidy(() => tf.minimum(tf.exp(tf.mul(advantages, beta)), maxWeight));
}

/**
 * Advantage-weighted regression: mean over the batch of w · ℓ, with per-row losses ℓ `[B, 1]`
 * (−log π(a|s), or the squared error summed over the action dimensions).
 * @remarks Returns a new scalar; the caller owns it.
 */
export function weightedPolicyLoss(weights: tf.Tensor2D, rowLosses: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean<tf.Scalar>(tf.mul(weights, rowLosses)));
}

/**
 * Per-row squared error Σ_A (π(s) − a)² of the deterministic policy.
 * @remarks Returns a new `[B, 1]` tensor; the caller owns it.
 */
export function squaredErrorPerRow(predicted: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.square(tf.sub(predicted, actions)), 1, true));
}

// ── 3. The agent ────────────────────────────────────────────────────────────────────────────

/**
 * IQL on tfjs, with any task conditioner.
 *
 * @example
 * ```ts
 * const agent = new IQLAgent({ observationDim: 11, actionDim: 3, actorScheduleSteps: 100_000 });
 * await agent.fit(buffer, { steps: 100_000 });
 * const action = agent.act(observation);
 * ```
 */
export class IQLAgent extends ScaffoldedAgent<IQLConfig> {
  /** The class name checkpoints record. */
  static readonly agentName = 'IQLAgent';
  /** Resolved configuration. */
  readonly config: IQLConfig;
  /** The policy π (Gaussian or deterministic). */
  readonly actor: GaussianActor | DeterministicActor;
  /** Q1 and Q2. */
  readonly critic: CriticEnsemble;
  /** Polyak copies of Q1 and Q2, read by the value step. */
  readonly criticTarget: CriticEnsemble;
  /** The state value V(s). */
  readonly value: ConditionedMlp;
  /** The task conditioner (trained with the actor). */
  readonly conditioning: TaskConditioning;
  /** Fit, act, policy and checkpoint plumbing shared by every agent. */
  protected readonly scaffold: AgentScaffold;
  /** One Adam each for V, the critics and the actor (with the conditioner). */
  protected readonly optimizers: Readonly<Record<'value' | 'critic' | 'actor', Adam>>;

  /**
   * Builds the actor, V, the critics and their targets, and the optimisers.
   * @throws {@link ConfigError} on an invalid option.
   */
  constructor(options: IQLOptions, dependencies: AgentDependencies = {}) {
    super();
    const { config: c, textEncoder } = resolveWithTextEncoder(resolveIQLConfig, options, dependencies);
    this.config = c;
    const parts = createAgentParts(c, null, textEncoder);
    const init = parts.streams.init;
    this.conditioning = parts.conditioning;
    const actorOptions = { ...c, conditionDim: this.conditioning.width, rng: init, name: 'actor' };
    this.actor = c.policy === 'gaussian' ? new GaussianActor(actorOptions) : new DeterministicActor(actorOptions);
    const valueSizes = { ...c, inputDim: c.observationDim, outputDim: 1, conditionDim: this.conditioning.criticWidth };
    this.value = new ConditionedMlp({ ...valueSizes, rng: init, name: 'value', trainable: true });
    const critics = createCritics(c, parts, { tau: c.tau, every: 1 });
    ({ online: this.critic, target: this.criticTarget } = critics);
    this.optimizers = {
      value: new Adam(this.value.trainableVariables(), { learningRate: c.valueLearningRate }),
      critic: critics.optimizer,
      actor: createActorOptimizer(this.actor, this.conditioning, c.actorLearningRate),
    };
    this.scaffold = createScaffold(this, { name: IQLAgent.agentName, label: 'IQL' }, c, parts, this.actor);
  }

  /**
   * An agent with CORL's values for a D4RL locomotion dataset (β, τ_e, Polyak τ, the policy, the
   * reward scaling; `assets/presets/iql.json`), then `overrides`. The defaults are right for
   * halfcheetah and walker2d; hopper-medium(-replay) uses a deterministic actor, τ = 0.001 and
   * rewards × 1000 / (max − min episode return), hopper-medium-expert β = 6 and τ_e = 0.5.
   * @example
   * ```ts
   * const iql = IQLAgent.preset('hopper-medium-v2', { observationDim: 11, actionDim: 3 });
   * ```
   * @throws {@link NotFoundError} for a dataset without a preset, naming the close ones.
   */
  static preset(dataset: string, overrides: IQLOptions, dependencies: AgentDependencies = {}): IQLAgent {
    return new IQLAgent(presetOptions('iql', dataset, overrides), dependencies);
  }

  // ── 4. Update ─────────────────────────────────────────────────────────────────────────────

  /**
   * One gradient step: V (expectile of the target critics), then Q (towards r + γV(s′)), then
   * the actor (advantage-weighted), then the Polyak targets; CORL's order.
   * @returns metrics when `readMetrics` is true (forces a device sync), else null.
   * @throws {@link ShapeError} on wrong batch widths; {@link ConfigError} when the batch refers
   * to tasks the agent is not bound to (`bindTasks`).
   */
  update(batch: Batch, readMetrics = false): Metrics | null {
    const c = this.config;
    const clip = { clipNorm: c.gradientClipNorm };
    return runUpdate(this.scaffold, batch, readMetrics, (u) => {
      const { observations: s, actions: a, tasks, step } = u;
      const criticCondition = this.conditioning.criticRows(tasks);

      // Value step: V(s) towards the expectile of min(Q1′, Q2′)(s, a); V(s′) read before it moves.
      const nextValue = this.value.apply(u.nextObservations, criticCondition);
      const targetQ = minOf(this.criticTarget.values(s, a, criticCondition, true));
      let kept: tf.Tensor2D | null = null; // u outlives the closure: the actor step weighs by it
      const value = gradientsOf(() => {
        const advantage = tf.sub<tf.Tensor2D>(targetQ, this.value.apply(s, criticCondition));
        kept = tf.keep(advantage);
        return expectileLoss(advantage, c.expectile);
      }, this.optimizers.value.variables);
      this.optimizers.value.applyGradients(value.grads, clip);
      const advantage = tf.clone(kept!);
      kept!.dispose();

      // Critic step: y = r + γ (1 − terminal) V(s′).
      const y = tdTargets(u.rewards, u.terminals, [nextValue], c.discount);
      const critic = gradientsOf(
        () => meanCriticLoss(this.critic.values(s, a, criticCondition), y),
        this.optimizers.critic.variables,
      );
      this.optimizers.critic.applyGradients(critic.grads, clip);

      // Actor step: advantage-weighted regression onto the data's actions (c recomputed inside the tape).
      const weights = advantageWeights(advantage, c.beta, c.maxAdvantageWeight);
      const actor = gradientsOf(() => {
        const condition = this.conditioning.actorRows(tasks);
        const policy = this.actor;
        const rowLosses =
          policy instanceof GaussianActor
            ? tf.neg(policy.logProb(s, a, condition))
            : squaredErrorPerRow(policy.apply(s, condition), a);
        return weightedPolicyLoss(weights, rowLosses);
      }, this.optimizers.actor.variables);
      const learningRate = scheduledRate(c.actorSchedule, c.actorLearningRate, step, c.actorScheduleSteps);
      this.optimizers.actor.applyGradients(actor.grads, { ...clip, learningRate });
      return {
        'loss/value': value.value,
        'loss/critic': critic.value,
        'loss/actor': actor.value,
        'value/qMean': tf.mean<tf.Scalar>(targetQ),
        'value/advantageMean': tf.mean<tf.Scalar>(advantage),
      };
    });
  }

  // ── 5. Act: the mean action (common/actor-critic.ts, `policyMeanActions`) ─────────────────
  // ── 6. State: the networks by role; save, load and the rest: common/scaffolded-agent.ts ───

  protected networks(): Readonly<Record<string, NetModule>> {
    return { actor: this.actor, critic: this.critic, criticTarget: this.criticTarget, value: this.value };
  }
}
