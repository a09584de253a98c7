/**
 * {@link SoftActorCriticAgent}: what SAC-N and CQL share, and nothing of their updates. CQL is
 * soft actor-critic plus a conservative critic regulariser (CORL builds it on its SAC), so the
 * two agents share every part but the update:
 *
 * - networks: a tanh-Gaussian actor with state-dependent σ (`common/networks/tanh-gaussian-actor.ts`),
 *   N critics and their Polyak targets, each initialised as the agent's reference does;
 * - the temperature α = exp(log α), learned by its own Adam ({@link LogScalar});
 * - reparameterised sampling with noise from the agent's `noise` stream, n actions per state;
 * - acting: the deterministic action maxAction · tanh(μ(s, c)), as CORL evaluates;
 * - checkpoints that also hold any scalar an agent registers (CQL's Lagrange multiplier α′); the
 *   rest of the `Agent` plumbing is {@link ScaffoldedAgent}'s (`common/scaffolded-agent.ts`).
 *
 * An agent extends it with its config and its whole `update`, written with
 * {@link SoftActorCriticAgent.trainStep} (which stages the batch and keeps the step count).
 * Nothing here decides an algorithmic step: an agent that needs another order or loss writes it
 * in its own file. Why a base class here when agents otherwise compose shared modules:
 * `docs/algorithms/sac-n.md`, "Shared code".
 *
 * @module
 */
import { resolveWithTextEncoder } from '../common/agent-config.js';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../core/types.js';
import { Adam } from '../../nets/adam.js';
import type { NetModule } from '../../nets/module.js';
import type { Metrics } from '../agent.js';
import type { AgentScaffold } from '../common/agent-scaffold.js';
import { classNames, createActorOptimizer, createAgentParts, createAgentScaffold } from '../common/actor-critic.js';
import { type BatchTensors, stageBatch } from '../common/batch-tensors.js';
import { LoggedScalars } from '../common/metrics.js';
import { CriticEnsemble } from '../common/networks/critics.js';
import { initializeMlp, type MlpInit } from '../common/networks/initialization.js';
import {
  type LogStdBounds,
  type PolicySample,
  type TanhCorrection,
  TanhGaussianActor,
} from '../common/networks/tanh-gaussian-actor.js';
import { tanhActing } from '../common/policy-export.js';
import type { RandomStreams } from '../common/random-streams.js';
import { ScaffoldedAgent, type ScaffoldedAgentClass } from '../common/scaffolded-agent.js';
import type { TargetNetworks } from '../common/target-networks.js';
import { type PresetAgent, presetOptions } from '../presets/presets.js';
import type { ContextRows, TaskConditioning, TaskSelection } from '../conditioning/task-conditioning.js';
import type { SoftActorCriticConfig, SoftActorCriticDependencies, SoftActorCriticOptions } from './config.js';
import { LogScalar } from './temperature.js';

/**
 * An agent's networks where they differ from {@link SAC_NETWORKS}: the reference's actor variant
 * and initialisations.
 */
export interface SoftActorCriticSpec<C extends SoftActorCriticConfig> {
  /** log σ is clamped to [min, max]. */
  readonly logStdBounds?: LogStdBounds;
  /** Learned affine map of the raw log σ. */
  readonly logStdAffine?: boolean;
  /** Form of the tanh correction of log π. */
  readonly tanhCorrection?: TanhCorrection;
  /** The actor's initialisation. */
  readonly actorInit?: MlpInit;
  /** Each critic's initialisation, given the resolved config. */
  readonly criticInit?: (config: C) => MlpInit;
}

/**
 * SAC's networks as CORL's `sac_n.py` builds them: log σ from its own head (one `2A`-wide output
 * layer is the same function), clipped to [−5, 2]; the tanh correction with 10⁻⁶ inside the log;
 * hidden biases 0.1 in the actor and the critics; the actor's output layer U(±10⁻³), the
 * critics' U(±3·10⁻³); every other weight PyTorch's default.
 */
export const SAC_NETWORKS: Readonly<Required<SoftActorCriticSpec<SoftActorCriticConfig>>> = {
  logStdBounds: { min: -5, max: 2 },
  logStdAffine: false,
  tanhCorrection: 'epsilon',
  actorInit: {
    hidden: { kernel: { kind: 'default' }, bias: { kind: 'constant', value: 0.1 } },
    output: { kernel: { kind: 'uniform', bound: 1e-3 }, bias: { kind: 'uniform', bound: 1e-3 } },
  },
  criticInit: () => ({
    hidden: { kernel: { kind: 'default' }, bias: { kind: 'constant', value: 0.1 } },
    output: { kernel: { kind: 'uniform', bound: 3e-3 }, bias: { kind: 'uniform', bound: 3e-3 } },
  }),
};

/** The tensors and helpers of one update, staged by {@link SoftActorCriticAgent.trainStep}. */
export interface StepInputs extends BatchTensors {
  /** The batch's tasks (for `conditioning.actorRows` inside the actor's gradient closure). */
  readonly tasks: TaskSelection;
  /** What the critics see of the condition (null, or sg(c)). */
  readonly criticCondition: tf.Tensor2D | null;
  /** The actor's condition as a constant, for samples that take no gradient (null without conditioning). */
  readonly policyCondition: tf.Tensor2D | null;
  /** Scalars to log from inside gradient closures. */
  readonly logged: LoggedScalars;
}

/** A class of the family, as `load` and `preset` are called on it. */
export interface SoftActorCriticClass<T> extends ScaffoldedAgentClass<T> {
  /** Its presets file in `assets/presets/` (`presets/presets.ts`). */
  readonly presetName: PresetAgent;
}

/**
 * x `[B, D]` with every row repeated n times in place: row b·n + j is x's row b (CORL's
 * `extend_and_repeat` followed by a flatten). A single shared row (`[1, D]`) is returned as it is.
 * A row gather (measured much faster than `tf.tile` on the wasm backend).
 * @remarks Returns a new tensor (or x itself when nothing is repeated).
 */
export function repeatRows<T extends tf.Tensor2D | null>(x: T, n: number): T {
  if (x === null || n === 1 || x.shape[0] === 1) return x;
  const rows = Int32Array.from({ length: x.shape[0] * n }, (_, i) => Math.floor(i / n));
  return tf.tidy(() => tf.gather(x, tf.tensor1d(rows, 'int32')));
}

/** The SAC family's shared parts and plumbing; see the module comment. */
export abstract class SoftActorCriticAgent<C extends SoftActorCriticConfig> extends ScaffoldedAgent<C> {
  /** The class name checkpoints record (each agent sets its own). */
  static readonly agentName: string = 'SoftActorCriticAgent';
  /** The progress display's label (each agent sets its own). */
  static readonly label: string = 'SAC';
  /** The agent's presets file (each agent sets its own). */
  static readonly presetName: PresetAgent = 'sac-n';
  /** Resolved configuration. */
  readonly config: C;
  /** π(·|s, c), the tanh-Gaussian actor. */
  readonly actor: TanhGaussianActor;
  /** Q1 … QN. */
  readonly critic: CriticEnsemble;
  /** Polyak copies of the critics. */
  readonly criticTarget: CriticEnsemble;
  /** The temperature α. */
  readonly temperature: LogScalar;
  /** The task conditioner (its networks train with the actor). */
  readonly conditioning: TaskConditioning;
  /** The agent's random streams (`noise` draws every ε). */
  protected readonly streams: RandomStreams;
  /** The target critics' bookkeeping. */
  protected readonly targets: TargetNetworks;
  /** Adam of the actor and the conditioner. */
  protected readonly actorOptimizer: Adam;
  /** Adam of the critics (one per parameter, so one optimiser equals one per critic). */
  protected readonly criticOptimizer: Adam;
  /** Fit, act, policy and checkpoint plumbing shared by every agent. */
  protected readonly scaffold: AgentScaffold;
  private readonly scalars: Record<string, LogScalar> = {};

  /**
   * Builds every network, copy and optimiser, in this order from `streams.init`: actor, critics,
   * target critics, then the reference's initialisations of the actor and the critics (the targets
   * copy the critics).
   * @param resolve - the agent's `resolveXConfig`.
   * @param networks - where the agent's networks differ from {@link SAC_NETWORKS}.
   * @throws {@link ConfigError} on an invalid option.
   */
  protected constructor(
    resolve: (options: SoftActorCriticOptions<C>, textEmbeddingDim?: number) => C,
    options: SoftActorCriticOptions<C>,
    dependencies: SoftActorCriticDependencies,
    networks: SoftActorCriticSpec<C> = {},
  ) {
    super();
    const { config: c, textEncoder } = resolveWithTextEncoder(resolve, options, dependencies);
    this.config = c;
    const spec = { ...(SAC_NETWORKS as Required<SoftActorCriticSpec<C>>), ...networks };
    const parts = createAgentParts(c, null, textEncoder);
    ({ streams: this.streams, targets: this.targets, conditioning: this.conditioning } = parts);
    const init = this.streams.init;
    this.actor = new TanhGaussianActor({
      observationDim: c.observationDim,
      actionDim: c.actionDim,
      conditionDim: this.conditioning.width,
      hiddenDims: c.hiddenDims,
      maxAction: c.maxAction,
      logStdBounds: spec.logStdBounds,
      logStdAffine: spec.logStdAffine,
      tanhCorrection: spec.tanhCorrection,
      rng: init,
      name: 'actor',
    });
    const criticSizes = {
      count: c.criticCount,
      observationDim: c.observationDim,
      actionDim: c.actionDim,
      conditionDim: this.conditioning.criticWidth,
      hiddenDims: c.criticHiddenDims,
      activation: 'relu' as const,
    };
    this.critic = new CriticEnsemble({ ...criticSizes, rng: init, name: 'critic', trainable: true });
    this.criticTarget = new CriticEnsemble({ ...criticSizes, rng: init, name: 'critic_target', trainable: false });
    initializeMlp(this.actor.net, spec.actorInit, init);
    for (const q of this.critic.networks) initializeMlp(q, spec.criticInit(c), init);
    this.targets.polyak(this.criticTarget, this.critic, c.tau, c.targetUpdateEvery);
    this.temperature = new LogScalar({
      initial: c.initialTemperature,
      learned: c.automaticTemperature,
      learningRate: c.temperatureLearningRate,
      name: 'log_alpha',
    });
    this.registerScalar('temperature', this.temperature);
    this.actorOptimizer = createActorOptimizer(this.actor, this.conditioning, c.actorLearningRate);
    this.criticOptimizer = new Adam(this.critic.trainableVariables(), { learningRate: c.criticLearningRate });
    this.scaffold = createAgentScaffold(this, classNames(this), c, parts, {
      actWith: (observations, rows) => this.actWith(observations, rows),
      exportActing: (rows) => tanhActing(this.actor.net, c.maxAction, rows.actor, c.actionDim),
    });
  }

  // ── Update: each agent writes its own `update` ────────────────────────────────────────────

  /**
   * Runs `body` on the staged batch inside one `tf.tidy`, reads the scalars it returns (and those
   * it logged) when `readMetrics` is true, then moves the target critics and counts the step.
   * @throws {@link ShapeError} on wrong batch widths; {@link ConfigError} on unbound tasks.
   */
  protected trainStep(
    batch: Batch,
    readMetrics: boolean,
    body: (inputs: StepInputs) => Readonly<Record<string, tf.Scalar | null>>,
  ): Metrics | null {
    const tasks = this.conditioning.select(batch);
    const logged = new LoggedScalars(readMetrics);
    let metrics: Metrics | null = null;
    tf.tidy(() => {
      const scalars = body({
        ...stageBatch(batch, this.config, this.scaffold.scalers),
        tasks,
        logged,
        criticCondition: this.conditioning.criticRows(tasks),
        policyCondition: this.conditioning.targetRows(tasks),
      });
      metrics = logged.read(scalars);
    });
    this.targets.update(this.scaffold.step);
    this.scaffold.step += 1;
    return metrics;
  }

  /**
   * `repeat` reparameterised draws ã ~ π(·|s, c) per observation (rows ordered as
   * {@link repeatRows}), with ε ~ N(0, I) from the agent's `noise` stream. Differentiable in the
   * actor when called inside its gradient closure.
   * @remarks Returns new tensors; the caller owns them.
   */
  protected samplePolicy(observations: tf.Tensor2D, condition: tf.Tensor2D | null, repeat = 1): PolicySample {
    const rows = observations.shape[0] * repeat;
    const A = this.config.actionDim;
    return tf.tidy(() => {
      const noise = tf.tensor2d(this.streams.noise.fillNormal(new Float32Array(rows * A)), [rows, A]);
      return this.actor.sample(repeatRows(observations, repeat), repeatRows(condition, repeat), noise);
    });
  }

  // ── Act ───────────────────────────────────────────────────────────────────────────────────

  /**
   * The deterministic actions maxAction · tanh(μ(s, c)) for N observations (already scaled by the
   * scaffold) under one context's rows.
   */
  private actWith(observations: Float32Array, rows: ContextRows): Float32Array {
    const c = this.config;
    return tf.tidy(() => {
      const s = tf.tensor2d(observations, [observations.length / c.observationDim, c.observationDim]);
      const condition = rows.actor === null ? null : tf.tensor2d(rows.actor, [1, rows.actor.length]);
      return Float32Array.from(this.actor.deterministic(s, condition).dataSync());
    });
  }

  /**
   * An agent with CORL's hyperparameters for a D4RL dataset (`assets/presets/<presetName>.json`:
   * SAC-N's number of critics, CQL's reward scaling), then `overrides`. Called on the agent's
   * class (`SACNAgent.preset('hopper-medium-v2', { observationDim: 11, actionDim: 3 })`).
   * @throws {@link NotFoundError} for a dataset without a preset, naming the close ones.
   */
  static preset<T extends SoftActorCriticAgent<SoftActorCriticConfig>, O extends object>(
    this: SoftActorCriticClass<T>,
    dataset: string,
    overrides: O,
    dependencies: SoftActorCriticDependencies = {},
  ): T {
    return new this(presetOptions(this.presetName, dataset, overrides) as never, dependencies);
  }

  // ── State ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Adds a learned scalar (with its optimiser) to what checkpoints hold, under `name`.
   * @internal
   */
  protected registerScalar(name: string, scalar: LogScalar): void {
    this.scalars[name] = scalar;
  }

  /**
   * The networks by role, then each registered scalar (log α, CQL's log α′) as a one-variable
   * group: what checkpoints hold and `dispose` frees (each scalar's optimiser is in
   * {@link SoftActorCriticAgent.optimizers}).
   */
  protected networks(): Readonly<Record<string, NetModule>> {
    const networks: Record<string, NetModule> = {
      actor: this.actor,
      critic: this.critic,
      criticTarget: this.criticTarget,
    };
    for (const [name, scalar] of Object.entries(this.scalars))
      networks[name] = { trainableVariables: () => scalar.variables(), dispose: () => scalar.log.dispose() };
    return networks;
  }

  /** The optimisers a checkpoint holds: the actor's, the critics', and each learned scalar's. */
  protected get optimizers(): Readonly<Record<string, Adam>> {
    const optimizers: Record<string, Adam> = { actor: this.actorOptimizer, critic: this.criticOptimizer };
    for (const [name, scalar] of Object.entries(this.scalars))
      if (scalar.optimizer !== null) optimizers[name] = scalar.optimizer;
    return optimizers;
  }
}
