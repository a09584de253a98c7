/**
 * Conservative Q-learning (Kumar et al., NeurIPS 2020, arXiv 2006.04779), the continuous CQL(H)
 * of CORL's `cql.py`: soft actor-critic whose critics are also pushed down on actions the policy
 * and a uniform proposal choose, and up on the data's actions. With a task conditioner the actor
 * (and, by `criticConditioning`, the critics) also take a condition vector c.
 *
 *   actor:        L_π = mean( α · log π(ã|s) − minᵢ Qᵢ(s, ã) ),  ã ~ π(·|s) reparameterised
 *   temperature:  L_α = −mean( log α · sg(log π(ã|s) + H̄) ),   the same ã,  H̄ = −A
 *   TD:           y = r + γ (1 − terminal) minᵢ Q′ᵢ(s′, a′),  a′ ~ π(·|s′)   (no entropy term)
 *   conservative, per critic i, with n = 10 actions of each kind per state:
 *                 a_rand ~ U(−1, 1)^A,  a_π ~ π(·|s),  a_π′ ~ π(·|s′) (all evaluated at s, detached)
 *                 V = { Qᵢ(s, a_rand) − log 0.5^A,  Qᵢ(s, a_π′) − log π(a_π′|s′),  Qᵢ(s, a_π) − log π(a_π|s) }
 *                 Δᵢ = mean_B clip( T · logsumexp(V / T) − Qᵢ(s, a), clipMin, clipMax ),  T = 1
 *                 L_cql,i = w · Δᵢ  (w = 10),  or α′ · w · (Δᵢ − gap) with a Lagrange multiplier α′
 *   critics:      L_Q = Σᵢ mean_B (Qᵢ(s, a) − y)² + Σᵢ L_cql,i
 *   Lagrange:     α′ minimises −½ Σᵢ α′ · w · (Δᵢ − gap)  (only with `lagrange`)
 *   targets:      Polyak τ = 0.005 every step
 *   act:          maxAction · tanh(μ(s, c))
 *
 * Every loss is computed with the parameters at the start of the step, as CORL's `train` does,
 * before any optimiser steps. Every number is a config field; the
 * defaults are CORL's locomotion settings. What is implemented and every choice the references
 * leave open: `docs/algorithms/cql.md`. The shared soft actor-critic parts (actor, critics,
 * temperature, acting, plumbing) are `sac/soft-actor-critic.ts`.
 *
 * @see https://arxiv.org/abs/2006.04779
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../core/types.js';
import { gradientsOf } from '../nets/adam.js';
import type { Metrics } from './agent.js';
import type { PresetAgent } from './presets/presets.js';
import type { AgentRules } from './common/agent-config.js';
import type { CustomRule } from './common/config.js';
import { criticLoss, minOf, tdTargets } from './common/losses.js';
import type { MlpInit } from './common/networks/initialization.js';
import { STANDARDISED_OBSERVATIONS } from './common/config-fields.js';
import {
  resolveSoftActorCriticConfig,
  SOFT_ACTOR_CRITIC_DEFAULTS,
  SOFT_ACTOR_CRITIC_RULES,
  type SoftActorCriticConfig,
  type SoftActorCriticDependencies,
  type SoftActorCriticOptions,
} from './sac/config.js';
import {
  repeatRows,
  SoftActorCriticAgent,
  type SoftActorCriticSpec,
  type StepInputs,
} from './sac/soft-actor-critic.js';
import { LogScalar, softActorLoss, softValue, temperatureLoss } from './sac/temperature.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/**
 * CQL's configuration: the soft actor-critic fields (`sac/config.ts`; CQL's defaults: actor and
 * temperature learning rates 3e-5, observations standardised by `observationScaler`) plus the
 * conservative ones.
 */
export interface CQLConfig extends SoftActorCriticConfig {
  /** The α used is exp(log α) · this (CORL's `alpha_multiplier`). @defaultValue 1 */
  readonly temperatureMultiplier: number;
  /** Subtract α · log π(a′|s′) in the TD target (CORL's `backup_entropy`). @defaultValue false */
  readonly backupEntropy: boolean;
  /** Steps at the start whose actor loss is α log π − log π(a_data|s) instead (CORL's `bc_steps`). @defaultValue 0 */
  readonly bcSteps: number;
  /** w, the conservative term's weight (CORL's `cql_alpha`). @defaultValue 10 */
  readonly conservativeWeight: number;
  /** n, actions of each kind (uniform, π(·|s), π(·|s′)) per state (CORL's `cql_n_actions`). @defaultValue 10 */
  readonly conservativeActions: number;
  /** T, the logsumexp's temperature (CORL's `cql_temp`). @defaultValue 1 */
  readonly conservativeTemperature: number;
  /**
   * Importance-sample the logsumexp: subtract each proposal's log-density and leave out the data's
   * Q; false uses the raw 3n + 1 values (CORL's `cql_importance_sample`). @defaultValue true
   */
  readonly importanceSampling: boolean;
  /** Per-state clip of the conservative gap Δ (CORL's `cql_clip_diff_min`); null: none. @defaultValue null */
  readonly conservativeClipMin: number | null;
  /** Per-state clip of the conservative gap Δ (CORL's `cql_clip_diff_max`); null: none. @defaultValue null */
  readonly conservativeClipMax: number | null;
  /** Learn a Lagrange multiplier α′ on w · (Δ − gap) (CORL's `cql_lagrange`). @defaultValue false */
  readonly lagrange: boolean;
  /** The gap τ the Lagrange variant holds Δ to (CORL's `cql_target_action_gap`). @defaultValue −1 */
  readonly targetActionGap: number;
  /** log α′ at the start (CORL: 1, α′ = e). @defaultValue 1 */
  readonly initialLogLagrangeMultiplier: number;
  /** Adam learning rate of log α′ (CORL: the critics'). @defaultValue 3e-4 */
  readonly lagrangeLearningRate: number;
  /** Target from the best of n actions a′ ~ π(·|s′) (CORL's `cql_max_target_backup`). @defaultValue false */
  readonly maxTargetBackup: boolean;
  /** Orthogonal critic initialisation (CORL's `orthogonal_init`); false: Xavier last layer only. @defaultValue true */
  readonly orthogonalInit: boolean;
}

/** Defaults of every optional field but `targetEntropy` (−actionDim): CORL's locomotion configs. */
export const CQL_DEFAULTS: Readonly<Omit<CQLConfig, 'observationDim' | 'actionDim' | 'targetEntropy'>> = Object.freeze({
  ...SOFT_ACTOR_CRITIC_DEFAULTS,
  actorLearningRate: 3e-5,
  temperatureLearningRate: 3e-5,
  ...STANDARDISED_OBSERVATIONS,
  temperatureMultiplier: 1,
  backupEntropy: false,
  bcSteps: 0,
  conservativeWeight: 10,
  conservativeActions: 10,
  conservativeTemperature: 1,
  importanceSampling: true,
  conservativeClipMin: null,
  conservativeClipMax: null,
  lagrange: false,
  targetActionGap: -1,
  initialLogLagrangeMultiplier: 1,
  lagrangeLearningRate: 3e-4,
  maxTargetBackup: false,
  orthogonalInit: true,
});

/** The options `new CQLAgent(...)` takes: the dimensions, plus any field to override. */
export type CQLOptions = SoftActorCriticOptions<CQLConfig>;

const CLIP_BOUND: CustomRule = {
  check: (v) => v === null || (typeof v === 'number' && Number.isFinite(v)),
  description: 'a finite number, or null for no clip',
};

const FINITE: CustomRule = {
  check: (v) => typeof v === 'number' && Number.isFinite(v),
  description: 'a finite number',
};

/** Validation rules of every field. */
export const CQL_RULES: AgentRules<CQLConfig> = Object.freeze({
  ...SOFT_ACTOR_CRITIC_RULES,
  temperatureMultiplier: 'positive',
  backupEntropy: 'boolean',
  bcSteps: 'nonNegativeInt',
  conservativeWeight: 'nonNegative',
  conservativeActions: 'positiveInt',
  conservativeTemperature: 'positive',
  importanceSampling: 'boolean',
  conservativeClipMin: CLIP_BOUND,
  conservativeClipMax: CLIP_BOUND,
  lagrange: 'boolean',
  targetActionGap: FINITE,
  initialLogLagrangeMultiplier: FINITE,
  lagrangeLearningRate: 'positive',
  maxTargetBackup: 'boolean',
  orthogonalInit: 'boolean',
});

/**
 * Fills defaults and validates every field.
 * @param textEmbeddingDim - the text encoder's dimension, for a `prompts` conditioner.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveCQLConfig(options: CQLOptions, textEmbeddingDim?: number): CQLConfig {
  return resolveSoftActorCriticConfig('CQLConfig', CQL_DEFAULTS, options, textEmbeddingDim, CQL_RULES);
}

/**
 * CORL's CQL networks: one head gives μ and a raw log σ, mapped by learned scalars (scale from 1,
 * offset from −1) and clamped to [−20, 2]; the exact tanh correction (PyTorch's `TanhTransform`);
 * the actor's last layer Xavier-uniform with gain 10⁻², bias 0; critics orthogonal (gain √2,
 * bias 0; last layer gain 10⁻²) with `orthogonalInit`, else PyTorch's default with the same last layer.
 */
const CQL_NETWORKS: SoftActorCriticSpec<CQLConfig> = {
  logStdBounds: { min: -20, max: 2 },
  logStdAffine: true,
  tanhCorrection: 'exact',
  actorInit: {
    hidden: { kernel: { kind: 'default' }, bias: { kind: 'default' } },
    output: { kernel: { kind: 'xavier-uniform', gain: 1e-2 }, bias: { kind: 'constant', value: 0 } },
  },
  criticInit: (c): MlpInit =>
    c.orthogonalInit
      ? {
          hidden: { kernel: { kind: 'orthogonal', gain: Math.SQRT2 }, bias: { kind: 'constant', value: 0 } },
          output: { kernel: { kind: 'orthogonal', gain: 1e-2 }, bias: { kind: 'constant', value: 0 } },
        }
      : {
          hidden: { kernel: { kind: 'default' }, bias: { kind: 'default' } },
          output: { kernel: { kind: 'xavier-uniform', gain: 1e-2 }, bias: { kind: 'constant', value: 0 } },
        },
};

// ── 2. Losses ───────────────────────────────────────────────────────────────────────────────

/** The Q-values of one critic that the conservative term reads, for B states and n actions of each kind. */
export interface ConservativeValues {
  /** Qᵢ(s, a) on the data, `[B, 1]`. */
  readonly data: tf.Tensor2D;
  /** Qᵢ(s, a_rand), `[B, n]`. */
  readonly random: tf.Tensor2D;
  /** Qᵢ(s, a_π′) for a_π′ ~ π(·|s′), `[B, n]`. */
  readonly nextPolicy: tf.Tensor2D;
  /** Qᵢ(s, a_π) for a_π ~ π(·|s), `[B, n]`. */
  readonly policy: tf.Tensor2D;
}

/** The proposals' log-densities (constants) for importance sampling. */
export interface ProposalDensities {
  /** log of the uniform density of a_rand: A · log ½ for actions in [−1, 1]^A. */
  readonly random: number;
  /** log π(a_π′|s′), `[B, n]`. */
  readonly nextPolicy: tf.Tensor2D;
  /** log π(a_π|s), `[B, n]`. */
  readonly policy: tf.Tensor2D;
}

/** Settings of {@link conservativeGap}. */
export interface ConservativeGapSettings {
  /** T. */
  readonly temperature: number;
  /** Per-state clip of the gap (null: none). */
  readonly clipMin: number | null;
  /** Per-state clip of the gap (null: none). */
  readonly clipMax: number | null;
}

/**
 * CQL's gap for one critic, Δ = mean_B clip(T · logsumexp(V / T) − Q(s, a), min, max): with
 * `densities`, V = [Q_rand − log p_rand, Q_π′ − log π′, Q_π − log π] (3n values per state);
 * without (null), V = [Q_rand, Q(s, a), Q_π′, Q_π] (3n + 1 values), as CORL concatenates them.
 * @remarks Returns a new scalar; the caller owns it.
 */
export function conservativeGap(
  values: ConservativeValues,
  densities: ProposalDensities | null,
  settings: ConservativeGapSettings,
): tf.Scalar {
  return tf.tidy(() => {
    const candidates =
      densities === null
        ? tf.concat([values.random, values.data, values.nextPolicy, values.policy], 1)
        : tf.concat(
            [
              tf.sub(values.random, densities.random),
              tf.sub(values.nextPolicy, densities.nextPolicy),
              tf.sub(values.policy, densities.policy),
            ],
            1,
          );
    const T = settings.temperature;
    const outOfData =
      T === 1 ? tf.logSumExp(candidates, 1, true) : tf.mul(tf.logSumExp(tf.div(candidates, T), 1, true), T);
    let gap = tf.sub(outOfData, values.data);
    if (settings.clipMin !== null || settings.clipMax !== null)
      gap = tf.clipByValue(gap, settings.clipMin ?? -Infinity, settings.clipMax ?? Infinity);
    return tf.mean<tf.Scalar>(gap);
  });
}

/**
 * The conservative term over the critics: Σᵢ w · Δᵢ, or Σᵢ α′ · w · (Δᵢ − gap) with a Lagrange
 * multiplier α′ (null: none).
 * @param gaps - Δᵢ of every critic.
 * @remarks Returns a new scalar; the caller owns it.
 */
export function conservativeLoss(
  gaps: readonly tf.Scalar[],
  weight: number,
  multiplier: tf.Scalar | null,
  targetActionGap: number,
): tf.Scalar {
  return tf.tidy(() => {
    const terms = gaps.map((d) =>
      multiplier === null ? tf.mul(d, weight) : tf.mul(tf.mul(multiplier, weight), tf.sub(d, targetActionGap)),
    );
    return tf.addN(terms) as tf.Scalar;
  });
}

/**
 * The Lagrange multiplier's loss −½ Σᵢ α′ · w · (Δᵢ − gap), minimised in log α′ with the gaps as
 * constants: α′ grows while the gaps exceed the target and shrinks below it.
 * @param multiplier - α′ (differentiated).
 * @param gaps - Δᵢ of every critic (constants).
 * @remarks Returns a new scalar; the caller owns it.
 */
export function lagrangeLoss(
  multiplier: tf.Scalar,
  gaps: readonly tf.Scalar[],
  weight: number,
  targetActionGap: number,
): tf.Scalar {
  return tf.tidy(() => tf.mul<tf.Scalar>(conservativeLoss(gaps, weight, multiplier, targetActionGap), -0.5));
}

// ── 3. The agent ────────────────────────────────────────────────────────────────────────────

/**
 * CQL on tfjs, with any task conditioner ("CQL given the same prompts as LLMDPD" is
 * `conditioner: { kind: 'prompts' }`).
 *
 * @example
 * ```ts
 * const cql = new CQLAgent({ observationDim: 11, actionDim: 3 });
 * await cql.fit(buffer, { steps: 100_000 });
 * const action = cql.act(observation);
 * ```
 */
export class CQLAgent extends SoftActorCriticAgent<CQLConfig> {
  /** The class name checkpoints record. */
  static override readonly agentName: string = 'CQLAgent';
  /** The progress display's label. */
  static override readonly label: string = 'CQL';
  /** Its presets file, `assets/presets/cql.json`. */
  static override readonly presetName: PresetAgent = 'cql';
  /** The Lagrange multiplier α′ (learned only with `lagrange`; checkpointed as `lagrange`). */
  readonly lagrangeMultiplier: LogScalar;

  /**
   * Builds the actor, the critics and their targets, α, α′ and the optimisers.
   * @throws {@link ConfigError} on an invalid option.
   */
  constructor(options: CQLOptions, dependencies: SoftActorCriticDependencies = {}) {
    super(resolveCQLConfig, options, dependencies, CQL_NETWORKS);
    const c = this.config;
    this.lagrangeMultiplier = new LogScalar({
      initial: Math.exp(c.initialLogLagrangeMultiplier),
      learned: c.lagrange,
      learningRate: c.lagrangeLearningRate,
      maxValue: 1e6,
      name: 'log_alpha_prime',
    });
    this.registerScalar('lagrange', this.lagrangeMultiplier);
  }

  // ── 4. Update ─────────────────────────────────────────────────────────────────────────────

  /**
   * One gradient step: every loss from the parameters at the start of the step, then α, the
   * actor, α′ and the critics step, then the Polyak targets.
   * @returns metrics when `readMetrics` is true (forces a device sync), else null.
   * @throws {@link ShapeError} on wrong batch widths; {@link ConfigError} when the batch refers
   * to tasks the agent is not bound to (`bindTasks`).
   */
  update(batch: Batch, readMetrics = false): Metrics | null {
    const c = this.config;
    const warmStart = this.step < c.bcSteps;
    return this.trainStep(batch, readMetrics, (step) => {
      const { observations: s, actions: a } = step;
      const alpha = tf.mul<tf.Scalar>(this.temperature.value(), c.temperatureMultiplier);

      // Actor loss on ã ~ π(·|s) (critics frozen); its log π also drives the temperature.
      const kept: { logPi?: tf.Tensor2D } = {};
      const actor = gradientsOf(() => {
        const condition = this.conditioning.actorRows(step.tasks);
        const sampled = this.samplePolicy(s, condition);
        kept.logPi = tf.keep(sampled.logProb);
        const q = this.critic.values(s, sampled.actions, step.criticCondition, true);
        step.logged.keep('value/qPolicy', minOf(q));
        if (!warmStart) return softActorLoss(sampled.logProb, q, alpha);
        // Behaviour-cloning warm start: mean(α log π(ã|s) − log π(a|s)) on the data's actions.
        return tf.mean<tf.Scalar>(tf.sub(tf.mul(alpha, sampled.logProb), this.actor.logProbOf(s, condition, a)));
      }, this.actorOptimizer.variables);
      const logPi = kept.logPi!;
      step.logged.keep('value/logPi', logPi);

      // Critic loss: TD on the targets plus the conservative term, every sampled action detached.
      const y = this.tdTargets(step, alpha);
      const proposals = this.conservativeProposals(step);
      const alphaPrime = c.lagrange ? this.lagrangeMultiplier.value() : null;
      let gaps: tf.Scalar[] = [];
      const critic = gradientsOf(() => {
        const q = this.conservativeValues(step, proposals);
        const td = criticLoss(
          q.map((v) => v.data),
          y,
        );
        gaps = q.map((v) => tf.keep(conservativeGap(v, proposals.densities, this.gapSettings())));
        const conservative = conservativeLoss(gaps, c.conservativeWeight, alphaPrime, c.targetActionGap);
        step.logged.keep('loss/td', td);
        step.logged.keep('loss/conservative', conservative);
        step.logged.keep('value/qData', q[0].data);
        return tf.add<tf.Scalar>(td, conservative);
      }, this.criticOptimizer.variables);

      // Steps: α, the actor, α′, the critics (each from its loss above, so the order is immaterial).
      const temperature = this.temperature.minimize(() =>
        temperatureLoss(this.temperature.log, logPi, c.targetEntropy),
      );
      this.actorOptimizer.applyGradients(actor.grads);
      const lagrange = this.lagrangeMultiplier.minimize(() =>
        lagrangeLoss(this.lagrangeMultiplier.value(), gaps, c.conservativeWeight, c.targetActionGap),
      );
      this.criticOptimizer.applyGradients(critic.grads);
      for (const t of [logPi, ...gaps]) t.dispose();
      return {
        'loss/critic': critic.value,
        'loss/actor': actor.value,
        'loss/temperature': temperature,
        'loss/lagrange': lagrange,
        'value/alpha': alpha,
        'value/alphaPrime': alphaPrime ?? tf.scalar(0),
      };
    });
  }

  /**
   * y = r + γ (1 − terminal) V′(s′) with V′ = minᵢ Q′ᵢ(s′, a′), a′ ~ π(·|s′) (the best of n with
   * `maxTargetBackup`), minus α · log π(a′|s′) with `backupEntropy`.
   */
  private tdTargets(step: StepInputs, alpha: tf.Scalar): tf.Tensor2D {
    const c = this.config;
    const n = c.maxTargetBackup ? c.conservativeActions : 1;
    const s2 = step.nextObservations;
    const entropy = c.backupEntropy ? alpha : null;
    const next = this.samplePolicy(s2, step.policyCondition, n);
    const values = this.criticTarget.values(repeatRows(s2, n), next.actions, repeatRows(step.criticCondition, n), true);
    if (n === 1) return tdTargets(step.rewards, step.terminals, [softValue(values, next.logProb, entropy)], c.discount);
    // The best of the n actions per state, and the log π of that action.
    const perState = tf.reshape(minOf(values), [-1, n]);
    const best = tf.oneHot(tf.argMax(perState, 1), n);
    const value = tf.max<tf.Tensor2D>(perState, 1, true);
    const logProb = tf.sum<tf.Tensor2D>(tf.mul(tf.reshape(next.logProb, [-1, n]), best), 1, true);
    return tdTargets(step.rewards, step.terminals, [softValue([value], logProb, entropy)], c.discount);
  }

  /** The n actions of each kind per state (detached) and, with importance sampling, their log-densities. */
  private conservativeProposals(step: StepInputs): {
    actions: tf.Tensor2D;
    densities: ProposalDensities | null;
  } {
    const c = this.config;
    const n = c.conservativeActions;
    const rows = step.observations.shape[0] * n;
    const uniform = this.streams.noise.fillUniform(new Float32Array(rows * c.actionDim), -c.maxAction, c.maxAction);
    const random = tf.tensor2d(uniform, [rows, c.actionDim]);
    const current = this.samplePolicy(step.observations, step.policyCondition, n);
    const next = this.samplePolicy(step.nextObservations, step.policyCondition, n);
    return {
      actions: tf.concat([random, next.actions, current.actions], 0),
      densities: c.importanceSampling
        ? {
            random: c.actionDim * Math.log(0.5),
            nextPolicy: tf.reshape(next.logProb, [-1, n]),
            policy: tf.reshape(current.logProb, [-1, n]),
          }
        : null,
    };
  }

  /**
   * Every critic on the data's actions and the 3n proposals at s, in one pass per critic over
   * B + 3Bn rows (inside the critics' gradient closure).
   */
  private conservativeValues(step: StepInputs, proposals: { actions: tf.Tensor2D }): ConservativeValues[] {
    const n = this.config.conservativeActions;
    const B = step.observations.shape[0];
    const states = repeatRows(step.observations, n);
    const observations = tf.concat([step.observations, states, states, states], 0);
    const condition = step.criticCondition;
    const conditions =
      condition === null || condition.shape[0] === 1
        ? condition
        : tf.concat([condition, ...Array.from({ length: 3 }, () => repeatRows(condition, n))], 0);
    const actions = tf.concat([step.actions, proposals.actions], 0);
    return this.critic.values(observations, actions, conditions).map((q) => {
      // Row blocks by tf.slice (which has a gradient in `src/engine/gradients.ts`; tf.split's SplitV has none).
      const perState = (block: number) =>
        tf.reshape<tf.Rank.R2>(tf.slice(q, [B + block * B * n, 0], [B * n, 1]), [B, n]);
      return {
        data: tf.slice(q, [0, 0], [B, 1]),
        random: perState(0),
        nextPolicy: perState(1),
        policy: perState(2),
      };
    });
  }

  private gapSettings(): ConservativeGapSettings {
    const c = this.config;
    return { temperature: c.conservativeTemperature, clipMin: c.conservativeClipMin, clipMax: c.conservativeClipMax };
  }

  // ── 5. Act and state: the family's (sac/soft-actor-critic.ts) ──────────────────────────────
  // act / actBatch / policy: maxAction · tanh(μ(s, c)); save / CQLAgent.load: every network,
  // α, α′ and the optimisers.
}
