/**
 * TD3+BC (Fujimoto & Gu, NeurIPS 2021, arXiv 2106.06860): TD3 with a behaviour-cloning term in
 * the actor loss, whose Q term is normalised by the critic's scale so that one α serves every
 * dataset; observations are standardised with the dataset's statistics. As CORL's single-file
 * implementation runs it. With a task conditioner the actor (and its target) take a condition
 * vector c; the conditioner's slow copy follows the target actor.
 *
 *   critic:  a′ = clip(π′(s′) + clip(ε, −c, c), −maxAction, maxAction),  ε ~ N(0, σ²)
 *            (σ = 0.2 · maxAction, c = 0.5 · maxAction: target policy smoothing)
 *            y = r + γ (1 − terminal) min(Q1′, Q2′)(s′, a′),  L_Q = MSE(Q1, y) + MSE(Q2, y)
 *   actor:   every 2nd step:  L_π = −λ · mean Q1(s, π(s)) + mean over B×A of (π(s) − a)²,
 *            λ = α / sg(mean |Q1(s, π(s))|),  α = 2.5
 *   targets: Polyak τ = 0.005 on the actor and both critics, after each actor step
 *   act:     π(s); observations standardised with the data's statistics (the default
 *            `observationScaler`, `common/scalers.ts`; saved with the agent and exported)
 *
 * Every number above is a config field; the defaults are CORL's (the same on every D4RL
 * locomotion dataset). What is implemented and every choice the paper or CORL leaves open:
 * `docs/algorithms/td3-bc.md`.
 *
 * @see https://arxiv.org/abs/2106.06860
 * @module
 */
import { resolveWithTextEncoder } from './common/agent-config.js';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../core/types.js';
import type { NetModule } from '../nets/module.js';
import { type Adam, gradientsOf } from '../nets/adam.js';
import { stopGradient } from '../nets/stop-gradient.js';
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
import { criticLoss, tdTargets } from './common/losses.js';
import { DeterministicActor } from './common/networks/actors.js';
import type { CriticEnsemble } from './common/networks/critics.js';
import type { RandomStreams } from './common/random-streams.js';
import type { TaskConditioning } from './conditioning/task-conditioning.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** TD3+BC's configuration: the shared actor-critic fields plus TD3+BC's own. JSON-serialisable. */
export interface TD3BCConfig extends ActorCriticConfig {
  /** α, the weight of the normalised Q term against behaviour cloning. @defaultValue 2.5 */
  readonly alpha: number;
  /** σ of the target-policy smoothing noise, as a fraction of maxAction. @defaultValue 0.2 */
  readonly policyNoise: number;
  /** Clip of the smoothing noise, as a fraction of maxAction. @defaultValue 0.5 */
  readonly noiseClip: number;
  /** The actor and every target move once per this many critic steps. @defaultValue 2 */
  readonly policyFrequency: number;
}

/** Defaults of every optional field (CORL's TD3+BC, the same on every D4RL locomotion dataset). */
export const TD3_BC_DEFAULTS: Readonly<Omit<TD3BCConfig, 'observationDim' | 'actionDim'>> = Object.freeze({
  ...ACTOR_CRITIC_DEFAULTS,
  alpha: 2.5,
  policyNoise: 0.2,
  noiseClip: 0.5,
  policyFrequency: 2,
  criticConditioning: 'ema',
});

/** Validation rules of {@link TD3BCConfig}'s fields (scalers and conditioner have their own). */
export const TD3_BC_RULES: AgentRules<TD3BCConfig> = Object.freeze({
  ...ACTOR_CRITIC_RULES,
  alpha: 'nonNegative',
  policyNoise: 'nonNegative',
  noiseClip: 'nonNegative',
  policyFrequency: 'positiveInt',
});

/** Options of `new TD3BCAgent(...)`: the dimensions plus any field to override. */
export type TD3BCOptions = AgentOptions<TD3BCConfig>;

/**
 * Fills defaults and validates every field.
 * @param textEmbeddingDim - the text encoder's dimension, for a `prompts` conditioner.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveTD3BCConfig(options: TD3BCOptions, textEmbeddingDim?: number): TD3BCConfig {
  return resolveAgentConfig('TD3BCConfig', TD3_BC_DEFAULTS, TD3_BC_RULES, options, textEmbeddingDim);
}

// ── 2. Losses ───────────────────────────────────────────────────────────────────────────────

/** The target-policy smoothing of {@link smoothedTargetActions}, in action units. */
export interface TargetSmoothing {
  /** σ of the noise. */
  readonly noise: number;
  /** The noise is clipped to [−clip, clip]. */
  readonly clip: number;
  /** The smoothed actions are clipped to [−maxAction, maxAction]. */
  readonly maxAction: number;
}

/**
 * TD3's target actions a′ = clip(π′(s′) + clip(σ · z, −c, c), −maxAction, maxAction) for
 * standard-normal draws z `[B, A]`.
 * @remarks Returns a new `[B, A]` tensor; the caller owns it.
 */
export function smoothedTargetActions(
  targetActions: tf.Tensor2D,
  standardNormal: tf.Tensor2D,
  smoothing: TargetSmoothing,
): tf.Tensor2D {
  return tf.tidy(() => {
    const noise = tf.clipByValue(tf.mul(standardNormal, smoothing.noise), -smoothing.clip, smoothing.clip);
    return tf.clipByValue(tf.add<tf.Tensor2D>(targetActions, noise), -smoothing.maxAction, smoothing.maxAction);
  });
}

/**
 * TD3+BC's actor loss −λ · mean Q + mean over B×A of (π(s) − a)², λ = α / sg(mean |Q|), with
 * Q = Q1(s, π(s)) `[B, 1]`.
 * @remarks Returns a new scalar; the caller owns it. Differentiable through Q and π(s).
 */
export function td3bcActorLoss(
  q: tf.Tensor2D,
  policyActions: tf.Tensor2D,
  dataActions: tf.Tensor2D,
  alpha: number,
): tf.Scalar {
  return tf.tidy(() => {
    const lambda = tf.div(alpha, tf.mean(tf.abs(q)));
    const behaviourCloning = tf.mean(tf.square(tf.sub(policyActions, dataActions)));
    return tf.sub<tf.Scalar>(behaviourCloning, tf.mul(stopGradient(lambda), tf.mean(q)));
  });
}

// ── 3. The agent ────────────────────────────────────────────────────────────────────────────

/**
 * TD3+BC on tfjs, with any task conditioner.
 *
 * @example
 * ```ts
 * const agent = new TD3BCAgent({ observationDim: 11, actionDim: 3 });
 * await agent.fit(buffer, { steps: 1_000_000 });
 * agent.save('checkpoints/td3bc-hopper'); // with the observation statistics
 * ```
 */
export class TD3BCAgent extends ScaffoldedAgent<TD3BCConfig> {
  /** The class name checkpoints record. */
  static readonly agentName = 'TD3BCAgent';
  /** Resolved configuration. */
  readonly config: TD3BCConfig;
  /** The deterministic policy π. */
  readonly actor: DeterministicActor;
  /** Polyak copy of π, for target actions. */
  readonly actorTarget: DeterministicActor;
  /** Q1 and Q2. */
  readonly critic: CriticEnsemble;
  /** Polyak copies of Q1 and Q2. */
  readonly criticTarget: CriticEnsemble;
  /** The task conditioner (trained with the actor; its Polyak copy follows the target actor). */
  readonly conditioning: TaskConditioning;
  /** Fit, act, policy and checkpoint plumbing shared by every agent. */
  protected readonly scaffold: AgentScaffold;
  /** One Adam for the critics, one for the actor (with the conditioner). */
  protected readonly optimizers: Readonly<Record<'critic' | 'actor', Adam>>;
  private readonly streams: RandomStreams;

  /**
   * Builds the actor, the critics, their Polyak targets and the optimisers.
   * @throws {@link ConfigError} on an invalid option.
   */
  constructor(options: TD3BCOptions, dependencies: AgentDependencies = {}) {
    super();
    const { config: c, textEncoder } = resolveWithTextEncoder(resolveTD3BCConfig, options, dependencies);
    this.config = c;
    // The actor, the critics and the conditioner's copy all move after every policyFrequency-th step.
    const delayed = { tau: c.tau, every: c.policyFrequency };
    const parts = createAgentParts(c, delayed, textEncoder);
    ({ streams: this.streams, conditioning: this.conditioning } = parts);
    const actorSizes = { ...c, conditionDim: this.conditioning.width, rng: this.streams.init };
    this.actor = new DeterministicActor({ ...actorSizes, name: 'actor' });
    this.actorTarget = new DeterministicActor({ ...actorSizes, name: 'actor_target', trainable: false });
    parts.targets.polyak(this.actorTarget, this.actor, delayed.tau, delayed.every);
    const critics = createCritics(c, parts, delayed);
    ({ online: this.critic, target: this.criticTarget } = critics);
    const actorOptimizer = createActorOptimizer(this.actor, this.conditioning, c.actorLearningRate);
    this.optimizers = { critic: critics.optimizer, actor: actorOptimizer };
    this.scaffold = createScaffold(this, { name: TD3BCAgent.agentName, label: 'TD3+BC' }, c, parts, this.actor);
  }

  // ── 4. Update ─────────────────────────────────────────────────────────────────────────────

  /**
   * One gradient step: the critics towards the smoothed target; on every `policyFrequency`-th
   * step also the actor, then the Polyak targets (CORL's order).
   * @returns metrics when `readMetrics` is true (forces a device sync), else null; `loss/actor`
   * only on steps that move the actor.
   * @throws {@link ShapeError} on wrong batch widths; {@link ConfigError} when the batch refers
   * to tasks the agent is not bound to (`bindTasks`).
   */
  update(batch: Batch, readMetrics = false): Metrics | null {
    const c = this.config;
    const clip = { clipNorm: c.gradientClipNorm };
    const smoothing = { noise: c.policyNoise * c.maxAction, clip: c.noiseClip * c.maxAction, maxAction: c.maxAction };
    return runUpdate(this.scaffold, batch, readMetrics, (u) => {
      const { observations: s, actions: a, nextObservations: s2, tasks, logged } = u;
      const criticCondition = this.conditioning.criticRows(tasks);
      const targetCondition = this.conditioning.targetRows(tasks);

      // Critic step: targets from the smoothed target actor and the target critics, no gradient.
      const z = tf.tensor2d(this.streams.noise.fillNormal(new Float32Array(batch.size * c.actionDim)), a.shape);
      const nextActions = smoothedTargetActions(this.actorTarget.apply(s2, targetCondition, true), z, smoothing);
      const y = tdTargets(
        u.rewards,
        u.terminals,
        this.criticTarget.values(s2, nextActions, criticCondition, true),
        c.discount,
      );
      const critic = gradientsOf(() => {
        const q = this.critic.values(s, a, criticCondition);
        logged.keep('value/qMean', q[0]);
        return criticLoss(q, y);
      }, this.optimizers.critic.variables);
      this.optimizers.critic.applyGradients(critic.grads, clip);
      if ((u.step + 1) % c.policyFrequency !== 0) return { 'loss/critic': critic.value };

      // Delayed actor step: normalised Q1 plus behaviour cloning, through π and the conditioner.
      const actor = gradientsOf(() => {
        const proposed = this.actor.apply(s, this.conditioning.actorRows(tasks));
        return td3bcActorLoss(this.critic.value(0, s, proposed, criticCondition, true), proposed, a, c.alpha);
      }, this.optimizers.actor.variables);
      this.optimizers.actor.applyGradients(actor.grads, clip);
      return { 'loss/critic': critic.value, 'loss/actor': actor.value };
    });
  }

  // ── 5. Act: π(s) (common/actor-critic.ts, `policyMeanActions`) ────────────────────────────
  // ── 6. State: the networks by role (and the observation statistics, which the scaffold saves);
  //       save, load and the rest: common/scaffolded-agent.ts ────────────────────────────────

  protected networks(): Readonly<Record<string, NetModule>> {
    return {
      actor: this.actor,
      actorTarget: this.actorTarget,
      critic: this.critic,
      criticTarget: this.criticTarget,
    };
  }
}
