/**
 * Diffusion-QL (Wang, Hunt & Zhou, ICLR 2023, arXiv 2208.06193): a diffusion policy trained
 * with behaviour cloning plus a Q-learning term, and twin critics.
 *
 *   critic:  y = r + γ (1 − terminal) min(Q1′, Q2′)(s′, a′),  a′ ~ EMA actor (K-step chain)
 *            L_Q = MSE(Q1(s, a), y) + MSE(Q2(s, a), y)
 *   actor:   L_π = L_d + η · L_q,   L_q = −mean Q_i(s, ã) / sg(mean |Q_j(s, ã)|),  ã ~ actor chain
 *            (i, j) = (1, 2) or (2, 1) by a fair coin each step; L_d is the diffusion BC loss
 *   targets: EMA actor (decay 0.995 from step 1000, every 5 steps), Polyak critic (τ = 0.005)
 *   act:     50 candidates from the online actor, one drawn by softmax over min target Q
 *
 * Every number above is a config field; defaults follow algorithms.md §1 (the official code's
 * hopper-medium-replay settings). Sections: config → losses → class (build, update, act,
 * save/load), in the same order as `llmdpd.ts`.
 *
 * @see https://arxiv.org/abs/2208.06193
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../core/errors.js';
import { Rng, type RngState } from '../core/rng.js';
import { createBatch } from '../core/batch.js';
import type { Batch, TransitionSource } from '../core/types.js';
import { Adam, gradientsOf } from '../nets/adam.js';
import { EmaCopy, softUpdate, hardUpdate } from '../nets/target-updates.js';
import type { Agent, BoundPolicy, FitOptions, FitReport, Metrics } from './agent.js';
import { writeAgentCheckpoint, readAgentCheckpointHeader, restoreAgentCheckpoint } from './common/checkpoint.js';
import { TwinCritic } from './common/critic.js';
import { selectActions } from './common/acting.js';
import {
  DIFFUSION_POLICY_DEFAULTS,
  DIFFUSION_POLICY_RULES,
  type DiffusionPolicyConfig,
  validateConfig,
} from './common/config.js';
import { bcLoss, DiffusionSchedule, sampleActions } from './common/diffusion.js';
import { runFit } from './common/fit-loop.js';
import { criticLoss, qLoss, tdTargets } from './common/losses.js';
import { NoiseNetwork } from './common/noise-network.js';
import { readScalars } from './common/training.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** Diffusion-QL's configuration: the shared diffusion-policy fields, documented there. */
export interface DiffusionQLConfig extends DiffusionPolicyConfig {}

/** Defaults of every optional field (algorithms.md §1, hopper-medium-replay). */
export const DIFFUSION_QL_DEFAULTS: Readonly<Omit<DiffusionQLConfig, 'observationDim' | 'actionDim'>> =
  DIFFUSION_POLICY_DEFAULTS;

/** The options `new DiffusionQLAgent(...)` takes: the dimensions, plus any field to override. */
export type DiffusionQLOptions = Pick<DiffusionQLConfig, 'observationDim' | 'actionDim'> & Partial<DiffusionQLConfig>;

/**
 * Fills defaults and validates every field.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveDiffusionQLConfig(options: DiffusionQLOptions): DiffusionQLConfig {
  const config: DiffusionQLConfig = { ...DIFFUSION_QL_DEFAULTS, ...options };
  validateConfig('DiffusionQLConfig', config as unknown as Record<string, unknown>, DIFFUSION_POLICY_RULES);
  return Object.freeze({
    ...config,
    hiddenDims: Object.freeze([...config.hiddenDims]),
    criticHiddenDims: Object.freeze([...config.criticHiddenDims]),
  });
}

// ── 2. Losses (pure functions in ./common/losses.ts, shared with LLMDPD) ─────────────────────

// ── 3. The agent ────────────────────────────────────────────────────────────────────────────

/** Serialisable random-stream states of an agent. */
interface RandomStates {
  readonly sampler: RngState;
  readonly noise: RngState;
  readonly acting: RngState;
}

/**
 * Diffusion-QL on tfjs.
 *
 * @example
 * ```ts
 * const agent = new DiffusionQLAgent({ observationDim: 11, actionDim: 3 });
 * await agent.fit(buffer, { steps: 100_000, evaluators: { return: (a) => meanReturn(a) } });
 * const action = agent.act(observation);
 * agent.save('checkpoints/hopper');
 * ```
 */
export class DiffusionQLAgent implements Agent<DiffusionQLConfig> {
  /** Resolved configuration. */
  readonly config: DiffusionQLConfig;
  /** ε_θ, the online actor. */
  readonly actor: NoiseNetwork;
  /** EMA copy of the actor, used for target actions. */
  readonly actorEma: NoiseNetwork;
  /** Q1 and Q2. */
  readonly critic: TwinCritic;
  /** Polyak copies of Q1 and Q2. */
  readonly criticTarget: TwinCritic;
  private readonly schedule: DiffusionSchedule;
  private readonly ema: EmaCopy;
  private readonly actorOptimizer: Adam;
  private readonly criticOptimizer: Adam;
  private readonly samplerRng: Rng;
  private readonly noiseRng: Rng;
  private readonly actingRng: Rng;
  private stepCount = 0;
  private batch: Batch | null = null;

  /** Builds every network, copy and optimiser. @throws {@link ConfigError} on an invalid option. */
  constructor(options: DiffusionQLOptions) {
    this.config = resolveDiffusionQLConfig(options);
    const c = this.config;
    const root = new Rng(c.seed);
    const initRng = root.split();
    this.samplerRng = root.split();
    this.noiseRng = root.split();
    this.actingRng = root.split();
    this.schedule = new DiffusionSchedule(c.betaSchedule, c.diffusionSteps);
    const actorSizes = {
      actionDim: c.actionDim,
      observationDim: c.observationDim,
      conditionDim: 0,
      hiddenDims: c.hiddenDims,
      timeEmbeddingDim: c.timeEmbeddingDim,
    };
    this.actor = new NoiseNetwork({ ...actorSizes, rng: initRng, name: 'actor', trainable: true });
    this.actorEma = new NoiseNetwork({ ...actorSizes, rng: initRng, name: 'actor_ema', trainable: false });
    this.ema = new EmaCopy(this.actor, {
      decay: c.emaDecay,
      startStep: c.emaStartStep,
      every: c.emaEvery,
      into: this.actorEma,
    });
    const criticSizes = {
      observationDim: c.observationDim,
      actionDim: c.actionDim,
      conditionDim: 0,
      hiddenDims: c.criticHiddenDims,
      activation: 'mish' as const,
    };
    this.critic = new TwinCritic({ ...criticSizes, rng: initRng, name: 'critic', trainable: true });
    this.criticTarget = new TwinCritic({ ...criticSizes, rng: initRng, name: 'critic_target', trainable: false });
    hardUpdate(this.criticTarget.trainableVariables(), this.critic.trainableVariables());
    this.actorOptimizer = new Adam(this.actor.trainableVariables(), { learningRate: c.actorLearningRate });
    this.criticOptimizer = new Adam(this.critic.trainableVariables(), { learningRate: c.criticLearningRate });
  }

  /** Total gradient steps taken. */
  get step(): number {
    return this.stepCount;
  }

  /**
   * Trains on `data` for `options.steps` steps (see {@link FitOptions}).
   * @throws {@link ConfigError} when the data's dimensions differ from the agent's.
   */
  fit(data: TransitionSource, options: FitOptions<this>): Promise<FitReport> {
    this.batch ??= createBatch(this.config.batchSize, this.config.observationDim, this.config.actionDim);
    return runFit(
      {
        agent: this,
        get step() {
          return (this.agent as DiffusionQLAgent).step;
        },
        samplerRng: this.samplerRng,
        batch: this.batch,
        label: 'Diffusion-QL',
        update: (b, read) => this.update(b, read),
        saveCheckpoint: (dir) => this.save(dir),
      },
      data,
      options,
    );
  }

  /**
   * One gradient step: critic, then actor, then EMA and Polyak updates (the official order).
   * @returns metrics when `readMetrics` is true (forces a device sync), else null.
   * @throws {@link ShapeError} when the batch dimensions differ from the agent's.
   */
  update(batch: Batch, readMetrics = false): Metrics | null {
    const c = this.config;
    if (batch.observationDim !== c.observationDim || batch.actionDim !== c.actionDim) {
      throw new ShapeError(
        `Batch has observationDim ${batch.observationDim}, actionDim ${batch.actionDim}; the agent expects ${c.observationDim} and ${c.actionDim}.`,
      );
    }
    const useFirstCritic = this.noiseRng.float() > 0.5;
    let metrics: Metrics | null = null;
    tf.tidy(() => {
      const B = batch.size;
      const s = tf.tensor2d(batch.observations, [B, c.observationDim]);
      const a = tf.tensor2d(batch.actions, [B, c.actionDim]);
      const r = tf.tensor2d(batch.rewards, [B, 1]);
      const s2 = tf.tensor2d(batch.nextObservations, [B, c.observationDim]);
      const done = tf.tensor2d(batch.terminals, [B, 1]);

      // Critic step: targets from the EMA actor and the target critics (no gradient).
      const nextActions = sampleActions({
        network: this.actorEma,
        schedule: this.schedule,
        observations: s2,
        condition: null,
        maxAction: c.maxAction,
        rng: this.noiseRng,
        frozen: true,
      });
      const [tq1, tq2] = this.criticTarget.values(s2, nextActions, null, true);
      const y = tdTargets(r, done, tq1, tq2, c.discount);
      const critic = gradientsOf(() => {
        const [q1, q2] = this.critic.values(s, a, null);
        return criticLoss(q1, q2, y);
      }, this.criticOptimizer.variables);
      this.criticOptimizer.applyGradients(critic.grads, { clipNorm: c.gradientClipNorm });

      // Actor step: BC loss + η · normalised Q of one critic on the actor's own actions.
      let bcValue: tf.Scalar | null = null;
      let qValue: tf.Scalar | null = null;
      const actor = gradientsOf(() => {
        const bc = bcLoss({
          network: this.actor,
          schedule: this.schedule,
          actions: a,
          observations: s,
          condition: null,
          rng: this.noiseRng,
        });
        const proposed = sampleActions({
          network: this.actor,
          schedule: this.schedule,
          observations: s,
          condition: null,
          maxAction: c.maxAction,
          rng: this.noiseRng,
          frozen: false,
        });
        const [n1, n2] = this.critic.values(s, proposed, null, true);
        const q = useFirstCritic ? qLoss(n1, n2) : qLoss(n2, n1);
        if (readMetrics) {
          // kept past the gradient's forward scope, disposed below after reading
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
    this.ema.update(this.stepCount);
    softUpdate(this.criticTarget.trainableVariables(), this.critic.trainableVariables(), c.tau);
    this.stepCount += 1;
    return metrics;
  }

  /**
   * Actions for N observations (`N * observationDim`, row-major): for each, `actionCandidates`
   * samples from the online actor, one drawn with probabilities softmax(min target Q).
   * @throws {@link ShapeError} when the length is not a multiple of observationDim.
   */
  actBatch(observations: Float32Array): Float32Array {
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
        const proposed = sampleActions({
          network: this.actor,
          schedule: this.schedule,
          observations: s,
          condition: null,
          maxAction: c.maxAction,
          rng: this.actingRng,
          frozen: true,
        });
        const [q1, q2] = this.criticTarget.values(s, proposed, null, true);
        return [proposed, tf.minimum(q1, q2) as tf.Tensor2D];
      },
    );
  }

  /** One action for one observation. @throws {@link ShapeError} on a wrong length. */
  act(observation: Float32Array): Float32Array {
    if (observation.length !== this.config.observationDim) {
      throw new ShapeError(
        `act expects one observation of length ${this.config.observationDim}, got ${observation.length}; use actBatch for several.`,
      );
    }
    return this.actBatch(observation);
  }

  /** A bound policy (Diffusion-QL has no prompts, so the context is ignored). */
  async policy(): Promise<BoundPolicy> {
    return { act: (o) => this.act(o), actBatch: (o) => this.actBatch(o) };
  }

  /** Writes a resumable checkpoint (config, step, random streams, all weights, optimiser moments) atomically. */
  save(dir: string): void {
    const rng: RandomStates = {
      sampler: this.samplerRng.getState(),
      noise: this.noiseRng.getState(),
      acting: this.actingRng.getState(),
    };
    writeAgentCheckpoint(
      dir,
      { agent: 'DiffusionQLAgent', config: this.config, step: this.stepCount, rng },
      this.variableGroups(),
      this.optimizers(),
    );
  }

  /**
   * Restores an agent saved with {@link DiffusionQLAgent.save}; training resumes exactly.
   * @throws {@link DatasetError} on a missing, corrupted or foreign checkpoint.
   */
  static load(dir: string): DiffusionQLAgent {
    const header = readAgentCheckpointHeader(dir, 'DiffusionQLAgent.load');
    if (header['agent'] !== 'DiffusionQLAgent') {
      throw new ConfigError(
        `${dir} holds a ${String(header['agent'])} checkpoint, not a DiffusionQLAgent one; load it with that agent's class.`,
      );
    }
    const agent = new DiffusionQLAgent(header['config'] as DiffusionQLOptions);
    restoreAgentCheckpoint(dir, 'DiffusionQLAgent.load', agent.variableGroups(), agent.optimizers());
    agent.stepCount = header['step'] as number;
    const rng = header['rng'] as RandomStates;
    agent.samplerRng.setState(rng.sampler);
    agent.noiseRng.setState(rng.noise);
    agent.actingRng.setState(rng.acting);
    return agent;
  }

  private variableGroups() {
    return {
      actor: this.actor.trainableVariables(),
      actorEma: this.actorEma.trainableVariables(),
      critic: this.critic.trainableVariables(),
      criticTarget: this.criticTarget.trainableVariables(),
    };
  }

  private optimizers() {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer };
  }

  /** Frees every tensor the agent owns. */
  dispose(): void {
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    this.ema.dispose();
    for (const m of [this.actor, this.actorEma, this.critic, this.criticTarget]) m.dispose();
  }
}
