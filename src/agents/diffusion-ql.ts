/**
 * Diffusion-QL (Wang, Hunt & Zhou, ICLR 2023, arXiv 2208.06193): a diffusion policy trained
 * with behaviour cloning plus a Q-learning term, and twin critics. With a task conditioner the
 * actor and the critics also take a condition vector c; with the `prompts` conditioner this is
 * LLMDPD (`llmdpd.ts`).
 *
 *   critic:  y = r + γ (1 − terminal) min(Q1′, Q2′)(s′, a′),  a′ ~ EMA actor (K-step chain)
 *            L_Q = MSE(Q1(s, a), y) + MSE(Q2(s, a), y)
 *   actor:   L_π = L_d + η · L_q,   L_q = −mean Q_i(s, ã) / sg(mean |Q_j(s, ã)|),  ã ~ actor chain
 *            (i, j) = (1, 2) or (2, 1) by a fair coin each step; L_d is the diffusion BC loss
 *   targets: EMA actor (decay 0.995 from step 1000, every 5 steps), Polyak critic (τ = 0.005)
 *   act:     50 candidates from the online actor, one drawn by softmax over min target Q
 *
 * Every number above is a config field; the defaults are the official code's hopper-medium-replay
 * settings and `DiffusionQLAgent.preset(dataset)` gives its per-dataset table. What is
 * implemented and every choice the paper leaves open: `docs/algorithms/diffusion-ql.md`. The
 * file reads config → networks → update → act → state; the plumbing that every agent shares
 * (fit, policy, checkpoints) is `common/agent-scaffold.ts`, delegated to by
 * `common/scaffolded-agent.ts`.
 *
 * @see https://arxiv.org/abs/2208.06193
 * @module
 */
import { resolveWithTextEncoder } from './common/agent-config.js';
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../core/rng.js';
import type { Batch } from '../core/types.js';
import { type Adam, gradientsOf } from '../nets/adam.js';
import type { NetModule } from '../nets/module.js';
import type { Metrics } from './agent.js';
import type { AgentScaffold } from './common/agent-scaffold.js';
import {
  classNames,
  createActorOptimizer,
  createAgentParts,
  createAgentScaffold,
  createCritics,
} from './common/actor-critic.js';
import { stageBatch } from './common/batch-tensors.js';
import { type AgentDependencies, type AgentOptions, resolveAgentConfig } from './common/agent-config.js';
import { criticLoss, minOf, tdTargets } from './common/losses.js';
import { LoggedScalars } from './common/metrics.js';
import { type CriticEnsemble } from './common/networks/critics.js';
import type { RandomStreams } from './common/random-streams.js';
import { ScaffoldedAgent, type ScaffoldedAgentClass } from './common/scaffolded-agent.js';
import type { TargetNetworks } from './common/target-networks.js';
import { type ConditionerConfig, CRITIC_CONDITIONING_OPTIONS, type CriticConditioning } from './conditioning/config.js';
import type { ContextRows, TaskConditioning } from './conditioning/task-conditioning.js';
import { drawCriticPair, qLoss } from './diffusion/actor-loss.js';
import { selectActions } from './diffusion/candidates.js';
import { bcLoss, DiffusionSchedule, sampleActions } from './diffusion/chain.js';
import { DIFFUSION_POLICY_DEFAULTS, DIFFUSION_POLICY_RULES, type DiffusionPolicyConfig } from './diffusion/config.js';
import { diffusionActing } from './diffusion/export.js';
import { NoiseNetwork } from './diffusion/noise-network.js';
import { presetOptions } from './presets/presets.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** Diffusion-QL's configuration: the diffusion-policy fields plus the task conditioner's. JSON-serialisable. */
export interface DiffusionQLConfig extends DiffusionPolicyConfig {
  /** The task conditioner (`docs/algorithms/conditioning.md`). @defaultValue `{ kind: 'none' }` */
  readonly conditioner: ConditionerConfig;
  /** What the critics see of the condition. @defaultValue `'ema'` */
  readonly criticConditioning: CriticConditioning;
}

/** Defaults of every optional field (Diffusion-QL's hopper-medium-replay settings, no conditioner). */
export const DIFFUSION_QL_DEFAULTS: Readonly<Omit<DiffusionQLConfig, 'observationDim' | 'actionDim'>> = Object.freeze({
  ...DIFFUSION_POLICY_DEFAULTS,
  conditioner: Object.freeze({ kind: 'none' }),
  criticConditioning: 'ema',
});

/** The options `new DiffusionQLAgent(...)` takes: the dimensions, plus any field to override. */
export type DiffusionQLOptions = AgentOptions<DiffusionQLConfig>;

/** Objects a Diffusion-QL agent uses but does not serialise (the text encoder of a `prompts` conditioner). */
export type DiffusionQLDependencies = AgentDependencies;

/**
 * Fills defaults and validates every field.
 * @param textEmbeddingDim - the text encoder's dimension, for a `prompts` conditioner.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveDiffusionQLConfig(options: DiffusionQLOptions, textEmbeddingDim?: number): DiffusionQLConfig {
  const rules = { ...DIFFUSION_POLICY_RULES, criticConditioning: CRITIC_CONDITIONING_OPTIONS };
  return resolveAgentConfig('DiffusionQLConfig', DIFFUSION_QL_DEFAULTS, rules, options, textEmbeddingDim);
}

/** The candidate count, temperature and bound acting uses (and an export records). */
function actingSettings(c: DiffusionQLConfig): { candidates: number; temperature: number; maxAction: number } {
  return { candidates: c.actionCandidates, temperature: c.actionTemperature, maxAction: c.maxAction };
}

export type { UpgradedHeader } from './common/scaffolded-agent.js';

/** `DiffusionQLAgent` or a subclass, as `load` is called on it. */
export type DiffusionQLAgentClass<T extends DiffusionQLAgent> = ScaffoldedAgentClass<T>;

// ── 2. The agent ────────────────────────────────────────────────────────────────────────────

/**
 * Diffusion-QL on tfjs, with any task conditioner.
 *
 * @example
 * ```ts
 * const agent = DiffusionQLAgent.preset('hopper-medium-replay-v2', { observationDim: 11, actionDim: 3 });
 * await agent.fit(buffer, { steps: 100_000, evaluators: { score: environmentEvaluator('Hopper-v4') }, logDir: 'runs/hopper' });
 * const action = agent.act(observation);
 * agent.save('checkpoints/hopper');
 * ```
 */
export class DiffusionQLAgent extends ScaffoldedAgent<DiffusionQLConfig> {
  /** The class name checkpoints record (a subclass sets its own). */
  static readonly agentName: string = 'DiffusionQLAgent';
  /** The progress display's label. */
  static readonly label: string = 'Diffusion-QL';
  /** Resolved configuration. */
  readonly config: DiffusionQLConfig;
  /** ε_θ, the online actor. */
  readonly actor: NoiseNetwork;
  /** EMA copy of the actor, used for target actions. */
  readonly actorEma: NoiseNetwork;
  /** The task conditioner (its networks train with the actor; its EMA copy follows the actor's). */
  readonly conditioning: TaskConditioning;
  /** Q1 and Q2. */
  readonly critic: CriticEnsemble;
  /** Polyak copies of Q1 and Q2. */
  readonly criticTarget: CriticEnsemble;
  /** Fit, act, policy and checkpoint plumbing shared by every agent. */
  protected readonly scaffold: AgentScaffold;
  private readonly streams: RandomStreams;
  private readonly targets: TargetNetworks;
  private readonly schedule: DiffusionSchedule;
  private readonly actorOptimizer: Adam;
  private readonly criticOptimizer: Adam;

  /**
   * Builds every network, copy and optimiser.
   * @throws {@link ConfigError} on an invalid option.
   */
  constructor(options: DiffusionQLOptions, dependencies: DiffusionQLDependencies = {}) {
    super();
    const { config: c, textEncoder } = resolveWithTextEncoder(resolveDiffusionQLConfig, options, dependencies);
    this.config = c;
    this.schedule = new DiffusionSchedule(c.betaSchedule, c.diffusionSteps);
    const emaSchedule = { decay: c.emaDecay, startStep: c.emaStartStep, every: c.emaEvery };
    const parts = createAgentParts(c, emaSchedule, textEncoder);
    ({ streams: this.streams, targets: this.targets, conditioning: this.conditioning } = parts);
    const init = this.streams.init;
    const actorSizes = {
      actionDim: c.actionDim,
      observationDim: c.observationDim,
      conditionDim: this.conditioning.width,
      hiddenDims: c.hiddenDims,
      timeEmbeddingDim: c.timeEmbeddingDim,
    };
    this.actor = new NoiseNetwork({ ...actorSizes, rng: init, name: 'actor', trainable: true });
    this.actorEma = new NoiseNetwork({ ...actorSizes, rng: init, name: 'actor_ema', trainable: false });
    this.targets.ema(this.actor, this.actorEma, emaSchedule);
    const critics = createCritics(
      c,
      parts,
      { tau: c.tau, every: 1 },
      { hiddenDims: c.criticHiddenDims, activation: 'mish' },
    );
    ({ online: this.critic, target: this.criticTarget, optimizer: this.criticOptimizer } = critics);
    this.actorOptimizer = createActorOptimizer(this.actor, this.conditioning, c.actorLearningRate);
    this.scaffold = createAgentScaffold(this, classNames(this), c, parts, {
      actWith: (observations, rows) => this.actWith(observations, rows),
      exportActing: (rows) =>
        diffusionActing(
          { actor: this.actor, critics: this.criticTarget, schedule: this.schedule, ...actingSettings(c) },
          rows,
        ),
    });
  }

  /**
   * An agent with the official code's hyperparameters for a D4RL dataset (η, gradient clip,
   * actor learning rate, max-Q backup; `assets/presets/diffusion-ql.json`), then `overrides`.
   * The defaults are hopper-medium-replay's; on other datasets they are wrong (e.g. a gradient
   * clip of 4.0 where halfcheetah-medium-replay needs 2.0 and walker2d-medium 1.0), so use this.
   * Called on `LLMDPDAgent`, it builds an LLMDPD agent with the same values.
   * @throws {@link NotFoundError} for a dataset without a preset, naming the close ones.
   */
  static preset<T extends DiffusionQLAgent, O extends object>(
    this: new (options: O, dependencies?: DiffusionQLDependencies) => T,
    dataset: string,
    overrides: O,
    dependencies: DiffusionQLDependencies = {},
  ): T {
    return new this(presetOptions('diffusion-ql', dataset, overrides), dependencies);
  }

  // ── 3. Update ─────────────────────────────────────────────────────────────────────────────

  /**
   * One gradient step: critic, then actor (with the conditioner), then EMA and Polyak updates
   * (the official order).
   * @returns metrics when `readMetrics` is true (forces a device sync), else null.
   * @throws {@link ShapeError} when the batch dimensions differ from the agent's;
   * {@link ConfigError} when the batch refers to tasks the agent is not bound to (`bindTasks`).
   */
  update(batch: Batch, readMetrics = false): Metrics | null {
    const c = this.config;
    const tasks = this.conditioning.select(batch);
    const [i, j] = drawCriticPair(this.streams.noise.float());
    const logged = new LoggedScalars(readMetrics);
    let metrics: Metrics | null = null;
    tf.tidy(() => {
      const {
        observations: s,
        actions: a,
        rewards: r,
        nextObservations: s2,
        terminals,
      } = stageBatch(batch, c, this.scaffold.scalers);
      const targetCondition = this.conditioning.targetRows(tasks);
      const criticCondition = this.conditioning.criticRows(tasks);

      // Critic step (Eq. 6): targets from the EMA actor and the target critics, no gradient.
      const y = tdTargets(r, terminals, this.backupValues(s2, targetCondition, criticCondition), c.discount);
      const critic = gradientsOf(
        () => criticLoss(this.critic.values(s, a, criticCondition), y),
        this.criticOptimizer.variables,
      );
      this.criticOptimizer.applyGradients(critic.grads, { clipNorm: c.gradientClipNorm });

      // Actor step (Eq. 8): L_d + η · L_q through ε_θ and the conditioner (c recomputed inside the tape).
      const actor = gradientsOf(() => {
        const condition = this.conditioning.actorRows(tasks);
        const bc = bcLoss({
          network: this.actor,
          schedule: this.schedule,
          actions: a,
          observations: s,
          condition,
          rng: this.streams.noise,
        });
        const proposed = this.sample(this.actor, s, condition, this.streams.noise, false);
        const q = this.critic.values(s, proposed, criticCondition, true);
        logged.keep('loss/bc', bc);
        logged.keep('value/qMean', q[0]);
        return tf.add(bc, tf.mul(qLoss(q[i], q[j]), c.eta));
      }, this.actorOptimizer.variables);
      this.actorOptimizer.applyGradients(actor.grads, { clipNorm: c.gradientClipNorm });
      metrics = logged.read({ 'loss/critic': critic.value, 'loss/actor': actor.value });
    });
    this.targets.update(this.scaffold.step);
    this.scaffold.step += 1;
    return metrics;
  }

  /**
   * Q′ᵢ(s′, a′) for the backup, a′ from the EMA actor; with `maxQBackup`, each Q′ᵢ is the max over
   * `maxQBackupSamples` actions per next state (the official code's `repeat_interleave`, then
   * `view(B, n).max(1)`).
   */
  private backupValues(
    s2: tf.Tensor2D,
    targetCondition: tf.Tensor2D | null,
    criticCondition: tf.Tensor2D | null,
  ): tf.Tensor2D[] {
    const c = this.config;
    if (!c.maxQBackup) {
      const nextActions = this.sample(this.actorEma, s2, targetCondition, this.streams.noise, true);
      return this.criticTarget.values(s2, nextActions, criticCondition, true);
    }
    const [B] = s2.shape;
    const n = c.maxQBackupSamples;
    const rows = tf.tensor1d(
      Int32Array.from({ length: B * n }, (_, i) => Math.floor(i / n)),
      'int32',
    );
    const repeat = (t: tf.Tensor2D | null) => (t === null || t.shape[0] === 1 ? t : tf.gather(t, rows));
    const repeated = tf.gather(s2, rows);
    const nextActions = this.sample(this.actorEma, repeated, repeat(targetCondition), this.streams.noise, true);
    return this.criticTarget
      .values(repeated, nextActions, repeat(criticCondition), true)
      .map((q) => tf.max(tf.reshape(q, [B, n]), 1, true));
  }

  /** The K-step reverse chain of `network` at `observations` under `condition`, with noise from `rng`. */
  private sample(
    network: NoiseNetwork,
    observations: tf.Tensor2D,
    condition: tf.Tensor2D | null,
    rng: Rng,
    frozen: boolean,
  ): tf.Tensor2D {
    return sampleActions({
      network,
      schedule: this.schedule,
      observations,
      condition,
      maxAction: this.config.maxAction,
      rng,
      frozen,
    });
  }

  // ── 4. Act ────────────────────────────────────────────────────────────────────────────────

  /**
   * Actions for N observations under one context's condition rows: for each, `actionCandidates`
   * samples from the online actor, one drawn with probabilities softmax(min target Q / temperature).
   */
  private actWith(observations: Float32Array, rows: ContextRows): Float32Array {
    const c = this.config;
    const settings = {
      observationDim: c.observationDim,
      actionDim: c.actionDim,
      candidates: c.actionCandidates,
      temperature: c.actionTemperature,
      rng: this.streams.acting,
    };
    return selectActions(observations, settings, (s) => {
      const row = (v: Float32Array | null, width: number) => (v === null ? null : tf.tensor2d(v, [1, width]));
      const proposed = this.sample(this.actor, s, row(rows.actor, this.conditioning.width), this.streams.acting, true);
      const q = this.criticTarget.values(s, proposed, row(rows.critic, this.conditioning.criticWidth), true);
      return [proposed, minOf(q)];
    });
  }

  // ── 5. State: the networks by role; save, load and the rest: common/scaffolded-agent.ts ───

  protected networks(): Readonly<Record<string, NetModule>> {
    return { actor: this.actor, actorEma: this.actorEma, critic: this.critic, criticTarget: this.criticTarget };
  }

  /** One Adam for the actor (with the conditioner), one for the critics. */
  protected get optimizers(): Readonly<Record<string, Adam>> {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer };
  }
}
